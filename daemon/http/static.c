/*
 * static.c -- the dashboard's files (docs/DASHBOARD.md), served from the ui
 * directory on the API's own listeners.
 *
 * The files are the page and its code, never data: everything a page shows
 * it asks the API for, under the API's rules (tokens, --public-read).  So
 * the routes are public, and the handler's only care is to serve nothing
 * but the ui directory's own files.  A name is one path segment (the router
 * matches {file} up to a '/') of [A-Za-z0-9._-], not starting with '.':
 * no "..", no hidden file, no sub-folder, and with a known extension, which
 * also gives its Content-Type.
 *
 * Caching: the names are not versioned (there is no build step), so the
 * browser must ask again each time, cheaply.  Every reply carries an ETag
 * made of the file's size and modification time and Cache-Control:
 * no-cache; a request whose If-None-Match names the same ETag gets 304 with
 * no body.  An upgrade (meson install) changes mtime and size, so nobody
 * keeps an old script next to a new page.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/handlers.h"

/* The dashboard's files are small; a bigger one is not one of them. */
#define UI_FILE_MAX_BYTES (4 * 1024 * 1024)

/* Whether NAME may name a file of the ui directory: one segment of
 * [A-Za-z0-9._-], not starting with '.'. */
static bool
ui_name_valid(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 128)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* Read the regular file FD of SIZE bytes into a malloc'd *OUT: 0, or
 * negative errno. */
static int
ui_read(int fd, size_t size, char **out)
{
	char *buf = malloc(size > 0 ? size : 1);
	size_t got = 0;

	if (buf == NULL)
		return -ENOMEM;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	*out = buf;
	return 0;
}

void
http_ui_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *name = http_request_param(req, "file");
	const char *type, *inm;
	char path[PATH_MAX], etag[64], modified[64];
	struct stat st;
	struct tm tm;
	char *body = NULL;
	int fd, err;

	if (name == NULL)
		name = "index.html"; /* GET / */
	if (d->ui_dir == NULL || !ui_name_valid(name) || (type = http_content_type(name)) == NULL) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no such file: %.64s", name);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", d->ui_dir, name);
	/* O_NOFOLLOW: a link planted in the directory leads nowhere. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > UI_FILE_MAX_BYTES) {
		if (fd >= 0)
			close(fd);
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no such file: %s", name);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	gmtime_r(&st.st_mtim.tv_sec, &tm);
	strftime(modified, sizeof(modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	inm = http_request_header(req, "If-None-Match");
	if (inm != NULL && strstr(inm, etag) != NULL) {
		close(fd);
		if ((body = malloc(1)) == NULL) {
			http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
			return;
		}
		http_reply_text(req, 304, type, body, 0);
	} else {
		err = ui_read(fd, (size_t)st.st_size, &body);
		close(fd);
		if (err < 0) {
			http_reply_errno(req, err, name);
			return;
		}
		http_reply_text(req, 200, type, body, (size_t)st.st_size);
	}
	http_reply_header(req, "ETag", etag);
	http_reply_header(req, "Last-Modified", modified);
	http_reply_header(req, "Cache-Control", "no-cache");
	/* The pages load only their own files and talk only to this server. */
	http_reply_header(req, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; "
	    "base-uri 'none'; frame-ancestors 'none'");
	http_reply_header(req, "X-Content-Type-Options", "nosniff");
}
