/*
 * blobs.c -- /v1/blobs: which blobs are missing, and uploads.
 *
 * An upload streams: MHD hands over the body in pieces of up to 32 KiB;
 * they are gathered into 1 MiB batches, and each batch is written and
 * hashed by a worker thread while the connection is paused, so a 40 MB
 * kernel upload never holds the loop that captures running consoles.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "sha256.h"
#include "store/blobs.h"
#include "wire.h"

/* An upload is written and hashed in batches of this many bytes. */
#define BATCH_BYTES (1024 * 1024)
/* The most blobs one POST /v1/blobs/missing may ask about. */
#define MISSING_MAX_BLOBS 4096

struct put_state {
	struct http_request *req;
	struct blob_upload *up;
	char hex[SHA256_HEX_LEN + 1];
	uint64_t size;
	char *buf;
	size_t len;
	bool exists; /* already stored: drain and answer 200 */
	int error;
};

static void
put_state_free(void *data)
{
	struct put_state *ps = data;

	if (ps->up != NULL)
		blob_upload_abort(ps->up);
	free(ps->buf);
	free(ps);
}

void
http_blobs_missing(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	json_t *body = http_request_json(req), *list, *missing, *v;
	const char *key;
	size_t i;
	uint64_t size;

	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "blobs") != 0) {
			http_reply_error(req, HTTP_ERR_UNKNOWN_FIELD, key, "unknown field '%.64s'",
			    key);
			return;
		}
	}
	list = json_object_get(body, "blobs");
	if (list == NULL) {
		http_reply_error(req, HTTP_ERR_MISSING_FIELD, "blobs", "blobs is required");
		return;
	}
	if (!json_is_array(list) || json_array_size(list) > MISSING_MAX_BLOBS) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "blobs",
		    "blobs must be an array of at most %d sha256 strings", MISSING_MAX_BLOBS);
		return;
	}
	missing = json_array();
	json_array_foreach(list, i, v)
	{
		if (!json_is_string(v) || !pkvm_sha256_hex_valid(json_string_value(v))) {
			json_decref(missing);
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "blobs",
			    "blobs[%zu] is not a sha256 in lower-case hex", i);
			return;
		}
		/* A blob the client need not upload is touched: it must
		 * outlive the collector's grace until the job naming it is
		 * submitted (docs/LAB.md section 5). */
		if (blobs_size(d->blobs, json_string_value(v), &size) != 0)
			json_array_append(missing, v);
		else
			blobs_touch(d->blobs, json_string_value(v));
	}
	http_reply_json(req, 200, json_pack("{s:o}", "missing", missing));
}

void
http_blob_put_begin(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *hex = http_request_param(req, "sha256");
	const char *cl = http_request_header(req, "Content-Length");
	struct put_state *ps;
	uint64_t have;
	long long size;
	int err;

	if (!pkvm_sha256_hex_valid(hex)) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "sha256",
		    "'%.80s' is not a sha256 in lower-case hex", hex);
		return;
	}
	if (cl == NULL) {
		http_reply_error(req, HTTP_ERR_LENGTH_REQUIRED, NULL, NULL);
		return;
	}
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	http_request_set_data(req, ps, put_state_free);
	ps->req = req;
	memcpy(ps->hex, hex, SHA256_HEX_LEN + 1);
	/* A length too big for a long long is over any limit. */
	err = http_int_parse(cl, strlen(cl), 0, d->max_blob_bytes, &size);
	if (err == -EINVAL) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, NULL, "bad Content-Length");
		return;
	}
	if (err == -ERANGE) {
		http_reply_error(req, HTTP_ERR_TOO_LARGE, NULL,
		    "blob of %s bytes is over the limit of %lld bytes (pkvmd --max-blob)", cl,
		    (long long)d->max_blob_bytes);
		return;
	}
	ps->size = (uint64_t)size;
	if (blobs_size(d->blobs, hex, &have) == 0) {
		ps->exists = true;
		blobs_touch(d->blobs, hex);
		return;
	}
	if (!http_limits_blob(req, ps->size))
		return;
	err = blob_upload_begin(d->blobs, d->loop, hex, ps->size, &ps->up);
	if (err < 0) {
		ps->error = err;
		return;
	}
	ps->buf = malloc(BATCH_BYTES);
	if (ps->buf == NULL)
		ps->error = -ENOMEM;
}

static void
on_written(void *arg, int status)
{
	struct put_state *ps = arg;

	if (status < 0 && ps->error == 0)
		ps->error = status;
	http_request_resume(ps->req);
}

static void
flush_batch(struct put_state *ps)
{
	int err;

	err = blob_upload_write(ps->up, ps->buf, ps->len, on_written, ps);
	ps->len = 0;
	if (err < 0) {
		ps->error = err;
		return;
	}
	http_request_pause(ps->req);
}

void
http_blob_put_chunk(struct http_request *req, const char *data, size_t len)
{
	struct put_state *ps = http_request_data(req);

	if (ps == NULL || ps->exists || ps->error != 0)
		return;
	while (len > 0) {
		size_t n = BATCH_BYTES - ps->len < len ? BATCH_BYTES - ps->len : len;

		memcpy(ps->buf + ps->len, data, n);
		ps->len += n;
		data += n;
		len -= n;
		if (ps->len == BATCH_BYTES) {
			/* MHD chunks are at most 32 KiB, so a chunk fills a
			 * batch at most once: one write in flight at a time. */
			flush_batch(ps);
			if (ps->error != 0)
				return;
			if (len > 0) {
				memcpy(ps->buf, data, len);
				ps->len = len;
			}
			return;
		}
	}
}

static void
on_finished(void *arg, int status)
{
	struct put_state *ps = arg;
	struct http_request *req = ps->req;

	ps->up = NULL; /* freed by the blob store */
	if (status == -EBADMSG) {
		http_reply_error(req, HTTP_ERR_DIGEST_MISMATCH, "sha256",
		    "uploaded bytes do not hash to %s (or the size differs from Content-Length)",
		    ps->hex);
	} else if (status < 0) {
		http_reply_errno(req, status, "storing blob");
	} else {
		http_limits_blob_stored(req, ps->size);
		http_reply_json(req, 201,
		    json_pack("{s:s, s:I}", "sha256", ps->hex, "size", (json_int_t)ps->size));
	}
}

static void
on_last_written(void *arg, int status)
{
	struct put_state *ps = arg;

	if (status < 0) {
		blob_upload_abort(ps->up);
		on_finished(ps, status);
		return;
	}
	blob_upload_finish(ps->up, on_finished, ps);
}

void
http_blob_put_done(struct http_request *req)
{
	struct put_state *ps = http_request_data(req);
	int err;

	if (ps->exists) {
		http_reply_json(req, 200,
		    json_pack("{s:s, s:I}", "sha256", ps->hex, "size", (json_int_t)ps->size));
		return;
	}
	if (ps->error != 0) {
		http_reply_errno(req, ps->error, "storing blob");
		return;
	}
	if (ps->len > 0) {
		err = blob_upload_write(ps->up, ps->buf, ps->len, on_last_written, ps);
		ps->len = 0;
		if (err < 0)
			http_reply_errno(req, err, "storing blob");
		return;
	}
	blob_upload_finish(ps->up, on_finished, ps);
}

void
http_blob_head(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *hex = http_request_param(req, "sha256");
	uint64_t size;

	if (!pkvm_sha256_hex_valid(hex) || blobs_size(d->blobs, hex, &size) != 0) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no blob %.80s", hex);
		return;
	}
	blobs_touch(d->blobs, hex);
	http_reply_json(req, 200, json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)size));
}
