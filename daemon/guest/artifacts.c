/*
 * artifacts.c -- base64 data lines to checked files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "guest/artifacts.h"
#include "sha256.h"
#include "wire.h"

struct artifact_rx {
	char dir[PATH_MAX];
	artifact_done_cb cb;
	void *arg;

	/* The file being received, when open. */
	bool open;
	bool damaged; /* a data line did not decode */
	int fd;
	char tmp[PATH_MAX];
	struct artifact_record rec;
	uint64_t got, lines;
	struct sha256 *hash;
};

bool
artifact_path_valid(const char *path)
{
	const char *c = path;
	int depth = 0;

	if (path[0] == '\0' || strlen(path) > 512)
		return false;
	while (*c != '\0') {
		size_t len = strcspn(c, "/");

		if (len == 0 || c[0] == '.' || ++depth > 16)
			return false;
		for (size_t i = 0; i < len; i++) {
			char ch = c[i];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				(ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '+' ||
				ch == '-'))
				return false;
		}
		c += len;
		if (*c == '/' && *++c == '\0')
			return false;
	}
	return true;
}

int
artifact_rx_new(struct artifact_rx **out, const char *dir, artifact_done_cb cb, void *arg)
{
	struct artifact_rx *rx = calloc(1, sizeof(*rx));

	*out = rx;
	if (rx == NULL)
		return -ENOMEM;
	snprintf(rx->dir, sizeof(rx->dir), "%s", dir);
	rx->cb = cb;
	rx->arg = arg;
	rx->fd = -1;
	return 0;
}

int
artifact_make_parents(const char *full)
{
	char buf[PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", full);
	for (p = strchr(buf + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* Report the open file with STATUS and forget it. */
static void
close_file(struct artifact_rx *rx, enum artifact_status status)
{
	if (!rx->open)
		return;
	if (rx->fd >= 0)
		close(rx->fd);
	rx->fd = -1;
	if (rx->tmp[0] != '\0')
		unlink(rx->tmp);
	rx->tmp[0] = '\0';
	sha256_free(rx->hash);
	rx->hash = NULL;
	rx->rec.status = status;
	rx->open = false;
	rx->cb(rx->arg, &rx->rec);
	free(rx->rec.test);
	free(rx->rec.path);
	rx->rec.test = rx->rec.path = NULL;
}

void
artifact_rx_begin(struct artifact_rx *rx, const char *test, const char *path, uint64_t size,
    const char *sha256)
{
	close_file(rx, ARTIFACT_INCOMPLETE);
	memset(&rx->rec, 0, sizeof(rx->rec));
	rx->rec.test = strdup(test);
	rx->rec.path = strdup(path);
	rx->rec.size = size;
	snprintf(rx->rec.sha256, sizeof(rx->rec.sha256), "%s", sha256);
	rx->open = true;
	rx->damaged = false;
	rx->got = rx->lines = 0;
	rx->hash = sha256_new();
	if (rx->rec.test == NULL || rx->rec.path == NULL || rx->hash == NULL ||
	    !pkvm_name_valid(test) || !artifact_path_valid(path) ||
	    !pkvm_sha256_hex_valid(sha256)) {
		/* Still "open", so its data lines are swallowed, but damaged. */
		rx->damaged = true;
		return;
	}
	if (mkdir(rx->dir, 0755) != 0 && errno != EEXIST) {
		rx->damaged = true;
		return;
	}
	snprintf(rx->tmp, sizeof(rx->tmp), "%s/.partial", rx->dir);
	rx->fd = open(rx->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (rx->fd < 0)
		rx->damaged = true;
}

int
artifact_b64_line(const char *b64, size_t len, unsigned char out[96])
{
	char in[132];
	int n;

	/* base64(1) writes 76-character lines: whole 4-character groups. */
	if (len == 0 || len > 128 || len % 4 != 0)
		return -EINVAL;
	memcpy(in, b64, len);
	in[len] = '\0';
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -EINVAL;
	/* EVP_DecodeBlock counts '=' padding as zero bytes. */
	if (in[len - 1] == '=')
		n--;
	if (in[len - 2] == '=')
		n--;
	return n;
}

void
artifact_rx_data(struct artifact_rx *rx, const char *b64, size_t len)
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
	sha256_update(rx->hash, out, (size_t)n);
	if (write(rx->fd, out, (size_t)n) != n)
		rx->damaged = true;
	rx->got += (uint64_t)n;
}

void
artifact_rx_end(struct artifact_rx *rx, const char *test, const char *path, uint64_t nlines)
{
	char hex[SHA256_HEX_LEN + 1], final[PATH_MAX];

	if (!rx->open)
		return;
	if (rx->rec.test == NULL || strcmp(test, rx->rec.test) != 0 ||
	    strcmp(path, rx->rec.path) != 0 || nlines != rx->lines) {
		close_file(rx, ARTIFACT_INCOMPLETE);
		return;
	}
	if (rx->damaged || rx->got != rx->rec.size) {
		close_file(rx, ARTIFACT_CORRUPT);
		return;
	}
	sha256_final_hex(rx->hash, hex);
	rx->hash = NULL;
	if (strcmp(hex, rx->rec.sha256) != 0) {
		close_file(rx, ARTIFACT_CORRUPT);
		return;
	}
	snprintf(final, sizeof(final), "%s/%s/%s", rx->dir, rx->rec.test, rx->rec.path);
	if (close(rx->fd) != 0 || artifact_make_parents(final) < 0 || rename(rx->tmp, final) != 0) {
		rx->fd = -1;
		close_file(rx, ARTIFACT_CORRUPT);
		return;
	}
	rx->fd = -1;
	rx->tmp[0] = '\0';
	close_file(rx, ARTIFACT_OK);
}

void
artifact_rx_free(struct artifact_rx *rx)
{
	if (rx == NULL)
		return;
	close_file(rx, ARTIFACT_INCOMPLETE);
	free(rx);
}
