/*
 * streams.c -- chunks of streamed files, checked and appended (streams.h).
 *
 * A chunk is held in memory until its end line (it is at most
 * STREAM_CHUNK_MAX bytes; /init sends 64 KiB at most): only a chunk whose
 * line count, size and sha256 all match is written, at the end of the
 * file, and only when it starts where the file ends.  Each file's state is
 * one entry of a small array, found by path: how many bytes the host has,
 * their sha256 kept going (so a chunk costs its own bytes, not the whole
 * file's again), and whether a lost chunk ended it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "guest/artifacts.h"
#include "guest/streams.h"
#include "sha256.h"

/* The largest chunk taken: more than /init sends, well under what a
 * console line budget allows. */
#define STREAM_CHUNK_MAX (1024 * 1024)
/* The most files one job streams (the API allows 8 paths, plus nvhe.log). */
#define STREAM_FILES_MAX 16

struct stream_file {
	char *path;
	uint64_t have; /* bytes appended on the host */
	struct sha256 *hash; /* of those bytes, kept going */
	bool ended; /* a chunk was lost: nothing more is appended */
};

struct stream_rx {
	char dir[PATH_MAX]; /* JOBDIR/artifacts */
	int64_t job_id;
	stream_grew_cb cb;
	void *arg;
	struct stream_file files[STREAM_FILES_MAX];
	size_t nfiles;

	/* The chunk being received. */
	bool open;
	bool damaged;
	char *path;
	uint64_t offset, size, lines;
	char sha256[SHA256_HEX_LEN + 1];
	unsigned char *buf;
	size_t len;
};

int
stream_rx_new(struct stream_rx **out, const char *dir, int64_t job_id, stream_grew_cb cb, void *arg)
{
	struct stream_rx *rx = calloc(1, sizeof(*rx));

	*out = rx;
	if (rx == NULL)
		return -ENOMEM;
	snprintf(rx->dir, sizeof(rx->dir), "%s", dir);
	rx->job_id = job_id;
	rx->cb = cb;
	rx->arg = arg;
	return 0;
}

static void
chunk_drop(struct stream_rx *rx)
{
	free(rx->path);
	free(rx->buf);
	rx->path = NULL;
	rx->buf = NULL;
	rx->len = 0;
	rx->open = false;
}

/* The state of the file at PATH, made on first sight; NULL when there are
 * too many files or no memory. */
static struct stream_file *
file_of(struct stream_rx *rx, const char *path)
{
	for (size_t i = 0; i < rx->nfiles; i++)
		if (strcmp(rx->files[i].path, path) == 0)
			return &rx->files[i];
	if (rx->nfiles == STREAM_FILES_MAX)
		return NULL;
	if ((rx->files[rx->nfiles].path = strdup(path)) == NULL)
		return NULL;
	if ((rx->files[rx->nfiles].hash = sha256_new()) == NULL) {
		free(rx->files[rx->nfiles].path);
		return NULL;
	}
	return &rx->files[rx->nfiles++];
}

void
stream_rx_begin(struct stream_rx *rx, const char *path, uint64_t offset, uint64_t size,
    const char *sha256)
{
	if (rx->open)
		log_warnx("job %lld: stream %s: a chunk was cut short", (long long)rx->job_id,
		    rx->path);
	chunk_drop(rx);
	rx->open = true;
	rx->damaged = !artifact_path_valid(path) || size > STREAM_CHUNK_MAX;
	rx->path = strdup(path);
	rx->offset = offset;
	rx->size = size;
	rx->lines = 0;
	snprintf(rx->sha256, sizeof(rx->sha256), "%s", sha256);
	rx->buf = rx->damaged ? NULL : malloc(size > 0 ? size : 1);
	if (rx->path == NULL || rx->buf == NULL)
		rx->damaged = true;
}

void
stream_rx_data(struct stream_rx *rx, const char *b64, size_t len)
{
	unsigned char out[96];
	int n;

	if (!rx->open)
		return;
	rx->lines++;
	if (rx->damaged)
		return;
	if ((n = artifact_b64_line(b64, len, out)) < 0) {
		rx->damaged = true;
		return;
	}
	if (rx->len + (size_t)n > rx->size) {
		rx->damaged = true;
		return;
	}
	memcpy(rx->buf + rx->len, out, (size_t)n);
	rx->len += (size_t)n;
}

/* Append the checked chunk to F's file and report the file: 0 or negative
 * errno. */
static int
chunk_append(struct stream_rx *rx, struct stream_file *f)
{
	char full[PATH_MAX];
	struct artifact_record rec = { 0 };
	int fd, err;

	if (snprintf(full, sizeof(full), "%s/" STREAM_TEST "/%s", rx->dir, f->path) >=
	    (int)sizeof(full))
		return -ENAMETOOLONG;
	if ((err = artifact_make_parents(full)) < 0)
		return err;
	fd = open(full, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, rx->buf, rx->len) != (ssize_t)rx->len) {
		err = -EIO;
		close(fd);
		return err;
	}
	if (close(fd) != 0)
		return -errno;
	f->have += rx->len;
	sha256_update(f->hash, rx->buf, rx->len);
	rec.job_id = rx->job_id;
	rec.test = STREAM_TEST;
	rec.path = f->path;
	rec.size = f->have;
	rec.status = ARTIFACT_OK;
	if ((err = sha256_peek_hex(f->hash, rec.sha256)) < 0)
		return err;
	rx->cb(rx->arg, &rec);
	return 0;
}

void
stream_rx_end(struct stream_rx *rx, const char *path, uint64_t nlines)
{
	char hex[SHA256_HEX_LEN + 1];
	struct stream_file *f;
	struct sha256 *h;
	int err;

	if (!rx->open)
		return;
	if (rx->path == NULL || strcmp(path, rx->path) != 0 || nlines != rx->lines || rx->damaged ||
	    rx->len != rx->size) {
		log_warnx("job %lld: stream %s: a chunk at offset %llu was damaged on the console",
		    (long long)rx->job_id, path, (unsigned long long)rx->offset);
		goto out;
	}
	if ((h = sha256_new()) == NULL)
		goto out;
	sha256_update(h, rx->buf, rx->len);
	sha256_final_hex(h, hex);
	if (strcmp(hex, rx->sha256) != 0) {
		log_warnx("job %lld: stream %s: the chunk at offset %llu does not match its sha256",
		    (long long)rx->job_id, path, (unsigned long long)rx->offset);
		goto out;
	}
	if ((f = file_of(rx, path)) == NULL) {
		log_warnx("job %lld: stream %s: too many streamed files", (long long)rx->job_id,
		    path);
		goto out;
	}
	if (f->ended || rx->offset + rx->len <= f->have)
		goto out; /* ended at a lost chunk, or sent again */
	if (rx->offset != f->have) {
		/* Appending would leave a hole or repeat bytes. */
		log_warnx("job %lld: stream %s: bytes %llu to %llu were lost; the host keeps the "
			  "first %llu",
		    (long long)rx->job_id, path, (unsigned long long)f->have,
		    (unsigned long long)rx->offset, (unsigned long long)f->have);
		f->ended = true;
		goto out;
	}
	if ((err = chunk_append(rx, f)) < 0) {
		log_warn(err, "job %lld: stream %s: appending", (long long)rx->job_id, path);
		f->ended = true;
	}
out:
	chunk_drop(rx);
}

void
stream_rx_free(struct stream_rx *rx)
{
	if (rx == NULL)
		return;
	chunk_drop(rx);
	for (size_t i = 0; i < rx->nfiles; i++) {
		free(rx->files[i].path);
		sha256_free(rx->files[i].hash);
	}
	free(rx);
}
