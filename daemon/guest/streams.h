/*
 * streams.h -- files the guest streams while its tests run, appended on
 * the host chunk by chunk.
 *
 * /init's streamer ships what a growing file (the hypervisor's log, a
 * path the job lists in "stream_paths") gained since the last time as one
 * chunk: a stream-begin line with the chunk's offset in the file, its size
 * and sha256, its bytes as "s" data lines, a stream-end line with their
 * count (docs/GUEST.md).  The receiver checks each chunk whole and appends
 * it to JOBDIR/artifacts/_stream/PATH, where PATH is the guest's path
 * without its leading '/', and reports the file as it now stands, an
 * artifact of the pseudo-test "_stream" whose size and sha256 are those of
 * the bytes received so far.  So the file on the host is always a prefix
 * of the guest's file, checked byte for byte: a crash in the middle of a
 * test leaves what was shipped before it, and a chunk that was damaged or
 * lost ends the file there (later chunks would leave a hole), with a
 * warning in pkvmd's log.
 */
#ifndef PKVM_STREAMS_H
#define PKVM_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The pseudo-test streamed files are artifacts of. */
#define STREAM_TEST "_stream"

/* Told about a streamed file each time it grew, as it now stands. */
typedef void (*stream_grew_cb)(void *arg, const struct artifact_record *a);

struct stream_rx;

/* A receiver writing under DIR/_stream (made on first use) into *OUT; 0 or
 * -ENOMEM.  JOB_ID is for its log lines. */
int stream_rx_new(struct stream_rx **out, const char *dir, int64_t job_id, stream_grew_cb cb,
    void *arg);
/* A chunk of the file at PATH starts at OFFSET, SIZE bytes, with SHA256 (a
 * chunk left open is dropped). */
void stream_rx_begin(struct stream_rx *rx, const char *path, uint64_t offset, uint64_t size,
    const char *sha256);
/* One "s" data line's base64 text. */
void stream_rx_data(struct stream_rx *rx, const char *b64, size_t len);
/* The chunk ended after NLINES data lines: check it, append it. */
void stream_rx_end(struct stream_rx *rx, const char *path, uint64_t nlines);
/* Free the receiver (a chunk still open is dropped); NULL is fine. */
void stream_rx_free(struct stream_rx *rx);

#endif
