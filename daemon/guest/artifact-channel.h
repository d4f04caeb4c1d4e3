/*
 * artifact-channel.h -- artifacts over the fast channel: a virtio-serial
 * port the guest writes raw bytes to, read by pkvmd from a socket.
 *
 * The serial console carries artifacts as base64 at ~120 KB/s, so a
 * 400 MB file would take an hour.  When the guest kernel has the virtio
 * console driver, initramfs/init writes each file to the port
 * org.pkvmd.artifacts instead, as a stream of records (docs/GUEST.md,
 * "The fast channel"):
 *
 *     @@pkvm:1 file-begin test=<name> path=<p> size=<bytes>\n
 *     <exactly size raw bytes>
 *     @@pkvm:1 file-end test=<name> path=<p> [sha256=<hex>]\n
 *
 * (the runner answers each file with a "file-ack" line back through the
 * port, which /init waits for).  This receiver turns that stream, in
 * chunks of any size, into the same
 * files and records as the console's (artifacts.h): JOBDIR/artifacts/
 * TEST/PATH appears only once all the bytes came and the file-end record
 * matched (and the guest's sha256, when it sent one, matched ours); the
 * record's sha256 is the one computed here.  A virtio ring does not lose
 * or reorder bytes the way a shared console does, so the exact length
 * between two well-formed records is the check that counts; a guest that
 * crashes mid-file leaves an incomplete record and no file.
 *
 * The guest is not trusted: names and paths are checked as for the
 * console, a record that does not parse ends the channel (what follows
 * is read and thrown away), and at most MAX_BYTES of the job's artifacts
 * are written: a file announced past that is refused -- recorded
 * incomplete, its bytes read and dropped, so the guest never blocks and
 * the host's disk never fills.
 */
#ifndef PKVM_ARTIFACT_CHANNEL_H
#define PKVM_ARTIFACT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The name of the virtio-serial port the guest looks for. */
#define ARTIFACT_CHANNEL_PORT "org.pkvmd.artifacts"
/* The longest record line (file-begin, file-end) accepted. */
#define ARTIFACT_CHANNEL_LINE_MAX 1024

/* How one file went, beside its record. */
struct artifact_channel_file {
	int64_t elapsed_ms; /* from its file-begin record to its end */
	bool refused; /* over the job's cap: nothing kept */
	bool guest_sha256; /* the guest sent its sha256 and it was checked */
};

/* Told about every file that ended, whatever its fate. */
typedef void (*artifact_channel_cb)(void *arg, const struct artifact_record *a,
    const struct artifact_channel_file *f);

struct artifact_channel;

/* A receiver writing under DIR (created on first use), keeping at most
 * MAX_BYTES of files in all (0: no limit), into *OUT; 0 or -ENOMEM. */
int artifact_channel_new(struct artifact_channel **out, const char *dir, uint64_t max_bytes,
    artifact_channel_cb cb, void *arg);
/* LEN more bytes of the stream. */
void artifact_channel_feed(struct artifact_channel *c, const char *buf, size_t len);
/* The stream ended: a file still arriving is reported incomplete. */
void artifact_channel_finish(struct artifact_channel *c);
/* Why the channel stopped taking records, or NULL while it is healthy. */
const char *artifact_channel_error(const struct artifact_channel *c);
/* Bytes of files kept so far. */
uint64_t artifact_channel_kept_bytes(const struct artifact_channel *c);
/* Free it (finishing first); NULL is fine. */
void artifact_channel_free(struct artifact_channel *c);

#endif
