/*
 * artifact-channel.c -- the fast channel's record stream into checked
 * files (see artifact-channel.h).
 *
 * A small state machine over the bytes as they come: a record line
 * (file-begin) is gathered into a fixed buffer, then exactly the
 * announced number of bytes go to JOBDIR/artifacts/.partial-channel
 * while they are hashed, then the file-end line is gathered and checked,
 * and the file is renamed into place.  Bytes are written as they arrive,
 * with no copy kept: the caller reads the socket only as fast as this
 * writes, so a slow disk slows the guest down (back-pressure through the
 * socket and the virtio ring) instead of filling memory.
 *
 * Anything that does not parse puts the channel in the "dead" state:
 * from then on bytes are counted and dropped.  There is no way to find
 * the next record in raw data, and a guest that sends garbage has
 * nothing to lose by it but its own files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "guest/artifact-channel.h"
#include "guest/artifacts.h"
#include "sha256.h"
#include "wire.h"

#define RECORD_MARKER "@@pkvm:1 "

enum chan_state {
	CHAN_BEGIN, /* gathering a file-begin line */
	CHAN_DATA, /* the file's bytes */
	CHAN_END, /* gathering its file-end line */
	CHAN_DEAD, /* a bad record: everything else is dropped */
};

struct artifact_channel {
	char dir[PATH_MAX];
	uint64_t max_bytes, kept;
	artifact_channel_cb cb;
	void *arg;
	enum chan_state state;
	const char *error;

	char line[ARTIFACT_CHANNEL_LINE_MAX + 1];
	size_t line_len;

	/* The file arriving, in CHAN_DATA and CHAN_END. */
	struct artifact_record rec;
	struct artifact_channel_file info;
	int64_t began_ms;
	uint64_t left; /* bytes still to come */
	bool refused; /* over the cap: nothing written */
	bool damaged; /* writing failed: the file will be corrupt */
	int fd;
	char tmp[PATH_MAX];
	struct sha256 *hash;
};

int
artifact_channel_new(struct artifact_channel **out, const char *dir, uint64_t max_bytes,
    artifact_channel_cb cb, void *arg)
{
	struct artifact_channel *c = calloc(1, sizeof(*c));

	*out = c;
	if (c == NULL)
		return -ENOMEM;
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	c->max_bytes = max_bytes;
	c->cb = cb;
	c->arg = arg;
	c->fd = -1;
	return 0;
}

/* Report the open file with STATUS and forget it. */
static void
file_close(struct artifact_channel *c, enum artifact_status status)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->tmp[0] != '\0')
		unlink(c->tmp);
	c->tmp[0] = '\0';
	sha256_free(c->hash);
	c->hash = NULL;
	c->rec.status = status;
	c->info.elapsed_ms = clock_now_ms() - c->began_ms;
	c->info.refused = c->refused;
	c->cb(c->arg, &c->rec, &c->info);
	free(c->rec.test);
	free(c->rec.path);
	memset(&c->rec, 0, sizeof(c->rec));
	memset(&c->info, 0, sizeof(c->info));
}

/* A bad record: stop taking any (a file arriving is reported incomplete). */
static void
chan_die(struct artifact_channel *c, const char *why)
{
	if (c->state == CHAN_DATA || c->state == CHAN_END)
		file_close(c, ARTIFACT_INCOMPLETE);
	c->state = CHAN_DEAD;
	if (c->error == NULL)
		c->error = why;
}

/* The value of KEY in the record line's words W[0..N), or NULL. */
static const char *
word_get(char **w, int n, const char *key)
{
	size_t k = strlen(key);

	for (int i = 0; i < n; i++)
		if (strncmp(w[i], key, k) == 0 && w[i][k] == '=')
			return w[i] + k + 1;
	return NULL;
}

/* Split the record line in c->line after the marker into words; the
 * event's name must be EVENT.  Words into W (at most 8); their count, or
 * -1 when the line is not such a record. */
static int
record_split(struct artifact_channel *c, const char *event, char **w)
{
	char *s, *tok;
	int n = 0;

	if (strncmp(c->line, RECORD_MARKER, strlen(RECORD_MARKER)) != 0)
		return -1;
	s = c->line + strlen(RECORD_MARKER);
	tok = strsep(&s, " ");
	if (tok == NULL || strcmp(tok, event) != 0)
		return -1;
	while ((tok = strsep(&s, " ")) != NULL) {
		if (tok[0] == '\0')
			continue;
		if (n == 8 || strchr(tok, '=') == NULL)
			return -1;
		w[n++] = tok;
	}
	return n;
}

/* Decimal digits only, at most 2^62: the announced size. */
static int
parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_C(1) << 62) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* A file-begin line is in c->line: open the file, or refuse it. */
static void
record_begin(struct artifact_channel *c)
{
	const char *test, *path;
	uint64_t size;
	char *w[8];
	int n = record_split(c, "file-begin", w);

	if (n < 0)
		return chan_die(c, "expected a file-begin record");
	test = word_get(w, n, "test");
	path = word_get(w, n, "path");
	if (test == NULL || path == NULL || parse_size(word_get(w, n, "size"), &size) < 0 ||
	    !pkvm_name_valid(test) || !artifact_path_valid(path))
		return chan_die(c, "bad file-begin record");
	memset(&c->rec, 0, sizeof(c->rec));
	c->rec.test = strdup(test);
	c->rec.path = strdup(path);
	c->rec.size = size;
	c->began_ms = clock_now_ms();
	c->left = size;
	c->damaged = false;
	c->refused = c->max_bytes != 0 && size > c->max_bytes - c->kept;
	c->state = CHAN_DATA;
	if (c->rec.test == NULL || c->rec.path == NULL)
		c->damaged = true;
	if (c->refused || c->damaged)
		return;
	c->hash = sha256_new();
	if (mkdir(c->dir, 0755) != 0 && errno != EEXIST)
		c->damaged = true;
	snprintf(c->tmp, sizeof(c->tmp), "%s/.partial-channel", c->dir);
	c->fd = c->hash == NULL || c->damaged
	    ? -1
	    : open(c->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (c->fd < 0) {
		c->damaged = true;
		c->tmp[0] = '\0';
	}
}

/* A file-end line is in c->line: keep the file or drop it. */
static void
record_end(struct artifact_channel *c)
{
	char hex[SHA256_HEX_LEN + 1], final[PATH_MAX];
	const char *test, *path, *sha;
	char *w[8];
	int n = record_split(c, "file-end", w);

	if (n < 0)
		return chan_die(c, "expected a file-end record");
	test = word_get(w, n, "test");
	path = word_get(w, n, "path");
	sha = word_get(w, n, "sha256");
	if (test == NULL || path == NULL || c->rec.test == NULL || strcmp(test, c->rec.test) != 0 ||
	    strcmp(path, c->rec.path) != 0 || (sha != NULL && !pkvm_sha256_hex_valid(sha)))
		return chan_die(c, "file-end record does not match its file-begin");
	c->state = CHAN_BEGIN;
	if (c->refused)
		return file_close(c, ARTIFACT_INCOMPLETE);
	if (c->damaged)
		return file_close(c, ARTIFACT_CORRUPT);
	sha256_final_hex(c->hash, hex);
	c->hash = NULL;
	snprintf(c->rec.sha256, sizeof(c->rec.sha256), "%s", hex);
	if (sha != NULL) {
		c->info.guest_sha256 = true;
		if (strcmp(sha, hex) != 0)
			return file_close(c, ARTIFACT_CORRUPT);
	}
	snprintf(final, sizeof(final), "%s/%s/%s", c->dir, c->rec.test, c->rec.path);
	if (close(c->fd) != 0 || artifact_make_parents(final) < 0 || rename(c->tmp, final) != 0) {
		c->fd = -1;
		return file_close(c, ARTIFACT_CORRUPT);
	}
	c->fd = -1;
	c->tmp[0] = '\0';
	c->kept += c->rec.size;
	file_close(c, ARTIFACT_OK);
}

/* Gather a record line from BUF; the bytes used. */
static size_t
line_take(struct artifact_channel *c, const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - buf) : len;

	if (c->line_len + n > ARTIFACT_CHANNEL_LINE_MAX) {
		chan_die(c, "record line too long");
		return len;
	}
	memcpy(c->line + c->line_len, buf, n);
	c->line_len += n;
	if (nl == NULL)
		return n;
	c->line[c->line_len] = '\0';
	c->line_len = 0;
	if (c->state == CHAN_BEGIN)
		record_begin(c);
	else
		record_end(c);
	return n + 1;
}

/* Bytes of the file's data from BUF; the bytes used. */
static size_t
data_take(struct artifact_channel *c, const char *buf, size_t len)
{
	size_t n = len < c->left ? len : (size_t)c->left;

	if (!c->refused && !c->damaged) {
		size_t done = 0;

		sha256_update(c->hash, buf, n);
		while (done < n) {
			ssize_t w = write(c->fd, buf + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				c->damaged = true;
				break;
			}
			done += (size_t)w;
		}
	}
	c->left -= n;
	if (c->left == 0)
		c->state = CHAN_END;
	return n;
}

void
artifact_channel_feed(struct artifact_channel *c, const char *buf, size_t len)
{
	while (len > 0 && c->state != CHAN_DEAD) {
		size_t used = c->state == CHAN_DATA ? data_take(c, buf, len)
						    : line_take(c, buf, len);

		buf += used;
		len -= used;
	}
}

void
artifact_channel_finish(struct artifact_channel *c)
{
	if (c->state == CHAN_DATA || c->state == CHAN_END)
		file_close(c, ARTIFACT_INCOMPLETE);
	else if (c->state == CHAN_BEGIN && c->line_len > 0 && c->error == NULL)
		c->error = "the stream ended inside a record";
	c->state = CHAN_DEAD;
}

const char *
artifact_channel_error(const struct artifact_channel *c)
{
	return c->error;
}

uint64_t
artifact_channel_kept_bytes(const struct artifact_channel *c)
{
	return c->kept;
}

void
artifact_channel_free(struct artifact_channel *c)
{
	if (c == NULL)
		return;
	artifact_channel_finish(c);
	free(c);
}
