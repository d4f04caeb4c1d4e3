/*
 * artifacts.h -- files from the guest, put back together on the host.
 *
 * Tests write files to $PKVM_OUTPUT; /init sends each one over the serial
 * console as base64 data lines between a file-begin line (size, sha256)
 * and a file-end line (line count), see docs/GUEST.md.  The receiver
 * decodes the data lines into a temporary file and renames it to
 * JOBDIR/artifacts/TEST/PATH only when its size and sha256 match what the
 * guest announced: a file that was damaged by interleaved printk output or
 * cut short by a crash is reported (corrupt, incomplete) and never left
 * where it could be taken for the real thing.
 *
 * The guest is not trusted: test names and paths are checked again here,
 * so no artifact lands outside JOBDIR/artifacts.
 */
#ifndef PKVM_ARTIFACTS_H
#define PKVM_ARTIFACTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Told about every file that ended, whatever its fate. */
typedef void (*artifact_done_cb)(void *arg, const struct artifact_record *a);

struct artifact_rx;

/* A receiver writing under DIR (created on first use) into *OUT; 0 or -ENOMEM. */
int artifact_rx_new(struct artifact_rx **out, const char *dir, artifact_done_cb cb, void *arg);
/* A file starts (an unfinished previous one is reported incomplete). */
void artifact_rx_begin(struct artifact_rx *rx, const char *test, const char *path, uint64_t size,
    const char *sha256);
/* One data line's base64 text. */
void artifact_rx_data(struct artifact_rx *rx, const char *b64, size_t len);
/* The file ended after NLINES data lines: check it and keep or drop it. */
void artifact_rx_end(struct artifact_rx *rx, const char *test, const char *path, uint64_t nlines);
/* Free the receiver; a file still open is reported incomplete. */
void artifact_rx_free(struct artifact_rx *rx);
/* True when PATH is an acceptable artifact path (relative components of
 * [A-Za-z0-9._+-], none starting with '.', at most 16 deep, 512 bytes). */
bool artifact_path_valid(const char *path);
/* The bytes of one base64 data line B64 (LEN characters: whole 4-character
 * groups, at most 128) into OUT: their count, or -EINVAL. */
int artifact_b64_line(const char *b64, size_t len, unsigned char out[96]);
/* Create every missing directory above file FULL (not FULL itself); 0 or
 * negative errno. */
int artifact_make_parents(const char *full);

#endif
