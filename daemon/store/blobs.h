/*
 * blobs.h -- the content-addressed store of uploaded files.
 *
 * Kernels and test executables are stored once, under the sha256 of their
 * bytes (STATE/blobs/ab/abcdef...), so resubmitting the same 40 MB kernel
 * costs one POST /v1/blobs/missing.  An upload is written to a temporary
 * file by the libuv thread pool, hashed on the way, and renamed into place
 * only when the hash matches the name the client gave: a blob file that
 * exists is always whole and correct.
 */
#ifndef PKVM_BLOBS_H
#define PKVM_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "sha256.h"

struct blobs;
struct blob_upload;

/* Open the store under DIR (created if needed); leftover temporary files
 * of interrupted uploads are removed.  0 or negative errno. */
int blobs_new(struct blobs **out, const char *dir);
/* Free the store handle. */
void blobs_free(struct blobs *b);
/* Write the path of blob HEX into BUF (PATH_MAX bytes). */
void blobs_path(struct blobs *b, const char *hex, char *buf, size_t len);
/* Size of blob HEX; -ENOENT when absent. */
int blobs_size(struct blobs *b, const char *hex, uint64_t *size);
/* How many blobs the store holds and their bytes (a walk of the store's
 * directories: for /metrics, not for a hot path).  0 or negative errno. */
int blobs_usage(struct blobs *b, uint64_t *count, uint64_t *bytes);
/* Read up to LEN bytes from the start of blob HEX; bytes read or -errno. */
ssize_t blobs_read_head(struct blobs *b, const char *hex, void *buf, size_t len);

/* Called when an upload step is done: STATUS 0 or negative errno
 * (-EBADMSG: the bytes do not hash to the name). */
typedef void (*blob_upload_cb)(void *arg, int status);

/* Start receiving blob HEX of SIZE bytes (SIZE is checked at the end). */
int blob_upload_begin(struct blobs *b, uv_loop_t *loop, const char *hex, uint64_t size,
    struct blob_upload **out);
/* Take LEN bytes (copied); CB runs once they are written and hashed by a
 * worker thread.  Only one write may be in flight. */
int blob_upload_write(struct blob_upload *up, const void *data, size_t len, blob_upload_cb cb,
    void *arg);
/* Check the hash and size, sync and move the blob into place (in a
 * worker), then CB; the upload is freed after CB returns. */
void blob_upload_finish(struct blob_upload *up, blob_upload_cb cb, void *arg);
/* Drop an upload (client went away); frees it once no write is in flight. */
void blob_upload_abort(struct blob_upload *up);

/* Make the file at PATH a blob: hash it into HEX and move it into the
 * store (PATH is gone afterwards; it must be on the store's file system,
 * as STATE/ci/ is), or, when that blob is there already, touch it and
 * remove PATH, so the same kernel from two pushes is stored once.  Safe
 * in a worker thread.  0 or negative errno. */
int blobs_add_file(struct blobs *b, const char *path, char hex[SHA256_HEX_LEN + 1]);

/* ---- collection (docs/LAB.md section 5) ----
 *
 * A blob no job refers to is deleted in two steps, so that the decision is
 * taken on the loop, where jobs are submitted, and the slow unlink is
 * not: blobs_retire() (loop) moves it into DIR/trash/ unless it was
 * written or touched too recently, blobs_trash_empty() (a worker) deletes
 * what the trash holds.  Uploads in progress live in DIR/tmp/ and are
 * never listed.
 */

/* A stored blob as blobs_list() sees it. */
struct blob_entry {
	char hex[SHA256_HEX_LEN + 1];
	uint64_t bytes; /* on disk (allocated blocks) */
	int64_t mtime_ms; /* written, or last touched */
};
/* Every whole blob (not uploads in progress), into a malloc'd *OUT of *N
 * (free() it); safe in a worker thread.  0 or negative errno. */
int blobs_list(struct blobs *b, struct blob_entry **out, size_t *n);
/* Move blob HEX into the trash unless its mtime is at or after
 * BEFORE_MS: 0 with *BYTES its size on disk, -EBUSY when it is too
 * recent, -ENOENT when absent, or negative errno. */
int blobs_retire(struct blobs *b, const char *hex, int64_t before_ms, uint64_t *bytes);
/* Delete everything in the trash, adding the files and bytes freed to
 * *FILES and *BYTES; safe in a worker thread.  0 or negative errno. */
int blobs_trash_empty(struct blobs *b, uint64_t *files, uint64_t *bytes);
/* Set blob HEX's mtime to now: a client was just told the server has it,
 * so it must survive the grace period until the job naming it is
 * submitted.  0 or negative errno. */
int blobs_touch(struct blobs *b, const char *hex);

#endif
