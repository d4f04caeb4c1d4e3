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

#endif
