/*
 * coverage-html.c -- GET /v1/jobs/ID/coverage/html/PATH: genhtml's report
 * of a job's coverage, rendered on the first request and kept.
 *
 * Why a path and not ?path=: the report is a tree of pages (a directory
 * per source directory) that link to each other, to their stylesheet and
 * to their images by relative URLs ("../../gcov.css").  A browser resolves
 * those against the page's path, so only a URL whose path mirrors the
 * tree lets it be browsed as genhtml wrote it.  The router gives the rest
 * of the path after html/ as one parameter ({path...}); an empty one or
 * one ending in '/' is that directory's index.html.
 *
 * What may be served: only regular files below JOBDIR/coverage-html.  The
 * path is checked (relative, no empty, "." or ".." segment) and then
 * opened one segment at a time with openat() and O_NOFOLLOW, so neither a
 * ".." nor a symbolic link (none is expected: genhtml writes none) leads
 * out of the report.
 *
 * Rendering (coverage/html.c) runs genhtml in a child process; the
 * request is paused while it runs and resumed by its callback, and every
 * request for a job whose render runs waits for that one render.
 *
 * Caching: a rendered report never changes (a job's coverage is final
 * before it can be rendered, and a render is published whole), so each
 * file goes out with a long max-age, marked private (it is a job's data,
 * read under the read scope) and immutable, and an ETag for
 * revalidation by whoever asks anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage/html.h"
#include "http/handlers.h"
#include "job/job.h"
#include "store/store.h"

/* The longest path below the report's directory a request may name. */
#define REL_MAX_BYTES 1024

/* A request waiting for its job's render. */
struct html_req {
	struct http_request *req;
	struct coverage_html_wait wait;
	int64_t id;
	char rel[REL_MAX_BYTES + 16];
};

/* Whether REL may name a file of a report: relative, no empty, "." or
 * ".." segment, no control character (a trailing '/' is allowed: the
 * caller adds index.html). */
static bool
rel_valid(const char *rel)
{
	const char *seg = rel;

	if (rel[0] == '\0')
		return true; /* the report's own index.html */
	if (strlen(rel) > REL_MAX_BYTES)
		return false;
	for (const char *p = rel;; p++) {
		if (*p != '\0' && *p != '/') {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return false;
			continue;
		}
		size_t n = (size_t)(p - seg);

		if (n == 0 && !(*p == '\0' && p != rel))
			return false; /* a leading '/', or "//" */
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (*p == '\0')
			return true;
		seg = p + 1;
	}
}

/* Open REL below the directory DIR without following any link: the fd of
 * a regular file, or negative errno (-ENOENT for anything that is not). */
static int
open_beneath(const char *dir, const char *rel, struct stat *st)
{
	char buf[REL_MAX_BYTES + 16], *seg, *slash;
	int dfd, fd;

	snprintf(buf, sizeof(buf), "%s", rel);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return -errno;
	for (seg = buf; (slash = strchr(seg, '/')) != NULL; seg = slash + 1) {
		*slash = '\0';
		fd = openat(dfd, seg, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		close(dfd);
		if (fd < 0)
			return errno == ELOOP || errno == ENOTDIR ? -ENOENT : -errno;
		dfd = fd;
	}
	fd = openat(dfd, seg, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	close(dfd);
	if (fd < 0)
		return errno == ELOOP ? -ENOENT : -errno;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Reply with the file REL of job ID's rendered report. */
static void
serve(struct http_request *req, int64_t id, const char *rel)
{
	struct http_env *d = http_request_env(req);
	const char *type = http_content_type(rel), *inm;
	char dir[PATH_MAX], etag[96];
	struct stat st;
	int fd;

	/* genhtml writes only kinds the table knows; anything else goes out
	 * as bytes, never guessed at by the browser (nosniff). */
	if (type == NULL)
		type = "application/octet-stream";
	coverage_html_dir(d->coverage_html, id, dir, sizeof(dir));
	fd = open_beneath(dir, rel, &st);
	if (fd == -ENOENT) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL,
		    "job %lld's coverage report has no file '%.256s'", (long long)id, rel);
		return;
	}
	if (fd < 0) {
		http_reply_errno(req, fd, "opening the coverage report");
		return;
	}
	snprintf(etag, sizeof(etag), "\"cov-%llx-%llx-%llx-%lx\"", (unsigned long long)id,
	    (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
	    (unsigned long)st.st_mtim.tv_nsec);
	inm = http_request_header(req, "If-None-Match");
	if (inm != NULL && strstr(inm, etag) != NULL) {
		char *none = malloc(1);

		close(fd);
		if (none == NULL) {
			http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
			return;
		}
		http_reply_text(req, 304, type, none, 0);
	} else {
		http_reply_fd(req, 200, type, fd, (uint64_t)st.st_size);
	}
	http_reply_header(req, "ETag", etag);
	http_reply_header(req, "Cache-Control", "private, max-age=31536000, immutable");
	/* The pages hold text from the job (source file names and lines):
	 * no script runs, and they load nothing but the report's own
	 * stylesheet and images. */
	http_reply_header(req, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
	    "form-action 'none'; frame-ancestors 'none'");
	http_reply_header(req, "X-Content-Type-Options", "nosniff");
}

static void
html_req_free(void *data)
{
	struct html_req *s = data;

	coverage_html_wait_cancel(&s->wait);
	free(s);
}

static void
on_rendered(struct coverage_html_wait *w, int err, const char *cause)
{
	struct html_req *s = w->data;

	if (err == -ECANCELED)
		http_reply_error(s->req, HTTP_ERR_SHUTTING_DOWN, NULL, "%s", cause);
	else if (err < 0)
		http_reply_error(s->req, HTTP_ERR_INTERNAL, NULL, "job %lld: %s", (long long)s->id,
		    cause);
	else
		serve(s->req, s->id, s->rel);
}

/* Whether job ID has a tracefile to render; replies when not. */
static bool
has_coverage(struct http_request *req, int64_t id)
{
	struct http_env *d = http_request_env(req);
	enum coverage_status st;
	char *message = NULL;
	int err = store_coverage_get(d->store, id, &st, &message, NULL, NULL, NULL);

	if (err < 0) {
		http_reply_job_error(req, id, err, "reading coverage");
		return false;
	}
	if (st == COV_PENDING || st == COV_RUNNING)
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL,
		    "job %lld's coverage is not captured yet (coverage %s): ask again when "
		    "GET /v1/jobs/%lld/coverage says ok",
		    (long long)id, coverage_status_name(st), (long long)id);
	else if (st != COV_OK)
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL,
		    "job %lld has no coverage to show (coverage %s%s%s)", (long long)id,
		    coverage_status_name(st), message != NULL ? ": " : "",
		    message != NULL ? message : "");
	free(message);
	return st == COV_OK;
}

void
http_job_coverage_html(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *path = http_request_param(req, "path");
	struct html_req *s;
	size_t len;
	int64_t id;
	int rc;

	if (!http_job_files_param(req, &id) || !has_coverage(req, id))
		return;
	if (path == NULL)
		path = "";
	if (!rel_valid(path)) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL,
		    "not a file of a coverage report: '%.256s' (a relative path without '.' "
		    "or '..' segments)",
		    path);
		return;
	}
	if (d->coverage_html == NULL) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "this server renders no reports");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	len = strlen(path);
	snprintf(s->rel, sizeof(s->rel), "%s%s", path,
	    len == 0 || path[len - 1] == '/' ? "index.html" : "");
	s->req = req;
	s->id = id;
	s->wait.cb = on_rendered;
	s->wait.data = s;
	rc = coverage_html_get(d->coverage_html, id, &s->wait);
	if (rc == 0) {
		http_request_set_data(req, s, html_req_free);
		http_request_pause(req);
		return;
	}
	if (rc > 0)
		serve(req, id, s->rel);
	else if (rc == -ECANCELED)
		http_reply_error(req, HTTP_ERR_SHUTTING_DOWN, NULL, NULL);
	else
		http_reply_errno(req, rc, "rendering the coverage report");
	free(s);
}
