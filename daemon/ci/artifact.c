/*
 * artifact.c -- fetching what a push brings and unpacking it.
 *
 * One request walks a short chain of downloads on the loop (ci/fetch.c),
 * then unpacks on the thread pool (ci/unpack.c) and finds the kernel and
 * the tests in what came out:
 *
 *   GitHub   GET {api}/repos/{repo}/actions/runs/{run}/artifacts (pages of
 *            100), the artifact named by the project and not expired; then
 *            GET .../actions/artifacts/{id}/zip, which answers 302 to a
 *            short-lived storage URL; that URL is fetched in a request of
 *            its own, without the token.
 *   GitLab   GET {api}/projects/{id or url-encoded path}/jobs/{job}/artifacts
 *            answers the zip, or a redirect to object storage, fetched
 *            without the token the same way.
 *   generic  kernel_url, then tests_url: each a single file, a tar or a
 *            zip, with redirects followed (no token is ever sent there) and
 *            the sha256 checked when the hook gave one.
 *
 * The work directory ends up holding download/ (removed at the end, also
 * on failure), and artifact/ (a forge's zip unpacked) or kernel/ and
 * tests/ (a generic push's two downloads, unpacked or as single files:
 * kernel/Image, tests/NAME).  On failure what was unpacked is removed too,
 * so a caller never finds half a tree.
 *
 * A project's manifest is a file of the artifact, found like the kernel;
 * a generic push has two downloads, and it is looked for in the one that
 * is an archive, the tests_url's first, where the tests' own files are.
 *
 * Errors: the errno says what a caller can do, the text says what
 * happened (artifact.h lists them).  HTTP answers map as 401/403 ->
 * -EACCES, 404/410 -> -ENOENT, 429/5xx -> -EAGAIN; a forge that cannot be
 * reached (refused, reset, name unknown) is -EAGAIN too: try again later.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ci/artifact.h"
#include "ci/unpack.h"

/* GitHub's largest page of a list. */
#define GH_PER_PAGE 100
/* Runs have a handful of artifacts; 1000 is a run gone wrong. */
#define GH_MAX_PAGES 10
/* An API answer (an artifact list) is JSON of a few KiB a page. */
#define API_MAX_BYTES (4 * 1024 * 1024)
/* Storage and generic URLs may redirect (CDNs do): never with a token. */
#define DOWNLOAD_MAX_REDIRECTS 5
/* The most entries the archives of one push may hold. */
#define UNPACK_MAX_ENTRIES 50000

struct art {
	struct ci_fetcher *fetcher;
	uv_loop_t *loop;
	const struct ci_project *p;
	int64_t run_id, job_id;
	char *kernel_url, *kernel_sha256, *tests_url, *tests_sha256;
	int64_t max_bytes;
	long timeout_s;
	ci_artifact_cb cb;
	void *arg;

	char *auth; /* the token's header line, wiped when freed */
	const char *headers[4];
	int page;

	char workdir[PATH_MAX];
	char dl_dir[PATH_MAX];
	char zip[PATH_MAX]; /* a forge's artifact, downloaded */
	char kernel_dl[PATH_MAX], tests_dl[PATH_MAX];
	char tests_name[NAME_MAX + 1]; /* a single tests file's name */

	uv_work_t work;
	int err;
	char why[1024];
	char kernel_out[PATH_MAX], tests_out[PATH_MAX], manifest_out[PATH_MAX];
	bool has_tests, has_manifest;
};

static void gh_zip_start(struct art *a, int64_t id);
static void unpack_start(struct art *a);

/* ---- small helpers ---- */

static int
set_why(struct art *a, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
	a->err = err;
	return err;
}

static void
art_free(struct art *a)
{
	free(a->kernel_url);
	free(a->kernel_sha256);
	free(a->tests_url);
	free(a->tests_sha256);
	if (a->auth != NULL)
		explicit_bzero(a->auth, strlen(a->auth));
	free(a->auth);
	free(a);
}

/* The end: CB once, then A is gone. */
static void
art_finish(struct art *a)
{
	struct ci_unpacked u = { 0 };

	if (a->err < 0) {
		/* Downloads only: unpacking cleans up in the thread pool. */
		ci_tree_remove(a->dl_dir);
		a->cb(a->arg, a->err, a->why, NULL);
	} else {
		u.dir = a->workdir;
		u.kernel = a->kernel_out;
		u.tests = a->has_tests ? a->tests_out : NULL;
		u.manifest = a->has_manifest ? a->manifest_out : NULL;
		u.manifest_name = a->p->manifest;
		a->cb(a->arg, 0, NULL, &u);
	}
	art_free(a);
}

static void
art_fail(struct art *a, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
	a->err = err;
	art_finish(a);
}

/* S percent-encoded for a URL path (KEEP_SLASH: '/' kept); malloc'd. */
static char *
url_escape(const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c) != NULL ||
		    (keep_slash && *c == '/')) {
			*o++ = (char)*c;
		} else {
			*o++ = '%';
			*o++ = hex[*c >> 4];
			*o++ = hex[*c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* A fetch's outcome as our errno and text; 0 for a 2xx answer. */
static int
check_answer(struct art *a, const char *what, const struct ci_fetch_result *res)
{
	const char *msg = "";
	json_t *body = NULL;
	int r;

	switch (res->err) {
	case 0:
		break;
	case -EFBIG:
		return set_why(a, -EFBIG, "%s is over the cap of %lld bytes", what,
		    (long long)a->max_bytes);
	case -ETIMEDOUT:
		return set_why(a, -ETIMEDOUT, "%s took longer than %ld s", what, a->timeout_s);
	case -ECANCELED:
		return set_why(a, -ECANCELED, "%s: cancelled", what);
	case -ECONNREFUSED:
	case -ECONNRESET:
	case -EHOSTUNREACH:
		return set_why(a, -EAGAIN, "%s: %s; try again later", what, res->error);
	case -EIO:
		return set_why(a, -EIO, "%s: %s", what, res->error);
	default:
		return set_why(a, -EPROTO, "%s: %s", what, res->error);
	}
	if (res->status >= 200 && res->status < 300)
		return 0;
	/* The forges say what is wrong in "message" (GitLab also "error"). */
	if (res->body_len > 0 && (body = json_loadb(res->body, res->body_len, 0, NULL)) != NULL) {
		json_t *m = json_object_get(body, "message");

		if (!json_is_string(m))
			m = json_object_get(body, "error");
		if (json_is_string(m))
			msg = json_string_value(m);
	}
	if (res->status == 401 || res->status == 403)
		r = -EACCES;
	else if (res->status == 404 || res->status == 410)
		r = -ENOENT;
	else if (res->status == 429 || res->status >= 500)
		r = -EAGAIN;
	else
		r = -EPROTO;
	set_why(a, r, "%s: HTTP %ld%s%s%s%s", what, res->status, *msg ? " (" : "", msg,
	    *msg ? ")" : "",
	    r == -EACCES       ? ": the token was refused"
		: r == -EAGAIN ? "; try again later"
			       : "");
	json_decref(body);
	return r;
}

static bool
is_redirect(const struct ci_fetch_result *res)
{
	return res->err == 0 && res->location != NULL &&
	    (res->status == 301 || res->status == 302 || res->status == 303 || res->status == 307 ||
		res->status == 308);
}

static int
fetch(struct art *a, const char *url, const char *const *headers, const char *out_path,
    long max_redirects, ci_fetch_cb cb)
{
	struct ci_fetch_req req = {
		.method = "GET",
		.url = url,
		.headers = headers,
		.out_path = out_path,
		.max_bytes = out_path != NULL ? a->max_bytes : API_MAX_BYTES,
		.timeout_s = a->timeout_s,
		.max_redirects = max_redirects,
	};

	return ci_fetch_start(a->fetcher, &req, cb, a);
}

/* ---- the artifact's storage (after a forge's redirect) ---- */

static void
on_storage(void *arg, const struct ci_fetch_result *res)
{
	struct art *a = arg;

	if (check_answer(a, "the artifact's download", res) < 0) {
		if (res->status == 401 || res->status == 403)
			strncat(a->why, " (a storage URL lives a minute)",
			    sizeof(a->why) - strlen(a->why) - 1);
		art_finish(a);
		return;
	}
	unpack_start(a);
}

/* The forge answered with LOCATION: fetch it without the token. */
static void
storage_start(struct art *a, const char *location)
{
	int r = fetch(a, location, NULL, a->zip, DOWNLOAD_MAX_REDIRECTS, on_storage);

	if (r < 0)
		art_fail(a, r, "the artifact's download at the forge's redirect: %s", strerror(-r));
}

/* The zip's answer, from GitHub or GitLab: the file, or a redirect. */
static void
on_forge_zip(void *arg, const struct ci_fetch_result *res)
{
	struct art *a = arg;
	char what[128];

	if (is_redirect(res)) {
		storage_start(a, res->location);
		return;
	}
	if (a->p->forge == CI_FORGE_GITHUB)
		snprintf(what, sizeof(what), "artifact '%s' of run %lld", a->p->artifact,
		    (long long)a->run_id);
	else
		snprintf(what, sizeof(what), "the artifacts of job %lld", (long long)a->job_id);
	if (check_answer(a, what, res) < 0) {
		if (res->status == 410)
			set_why(a, -ENOENT, "%s has expired", what);
		else if (res->status == 404 && a->p->forge == CI_FORGE_GITLAB)
			set_why(a, -ENOENT,
			    "%s: HTTP 404: no such project or job, or the job kept no artifacts",
			    what);
		art_finish(a);
		return;
	}
	unpack_start(a);
}

/* ---- GitHub ---- */

static int gh_list_start(struct art *a);

static void
on_gh_list(void *arg, const struct ci_fetch_result *res)
{
	struct art *a = arg;
	char what[128], names[256] = "";
	bool expired = false;
	int64_t id = -1, total;
	json_t *root, *list, *v;
	size_t i;

	snprintf(what, sizeof(what), "the artifacts of run %lld", (long long)a->run_id);
	if (check_answer(a, what, res) < 0) {
		if (res->status == 404)
			set_why(a, -ENOENT, "%s: no such run in %s (HTTP 404)", what,
			    a->p->repository);
		art_finish(a);
		return;
	}
	root = json_loadb(res->body, res->body_len, 0, NULL);
	list = json_object_get(root, "artifacts");
	if (!json_is_array(list)) {
		json_decref(root);
		art_fail(a, -EPROTO, "%s: the answer has no list of artifacts", what);
		return;
	}
	total = json_integer_value(json_object_get(root, "total_count"));
	json_array_foreach(list, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));

		if (name == NULL)
			continue;
		if (strlen(names) + strlen(name) + 3 < sizeof(names))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s'%s'",
			    names[0] ? ", " : "", name);
		if (strcmp(name, a->p->artifact) != 0)
			continue;
		if (json_is_true(json_object_get(v, "expired")))
			expired = true;
		else if (id < 0)
			id = json_integer_value(json_object_get(v, "id"));
	}
	json_decref(root);
	if (id > 0) {
		gh_zip_start(a, id);
		return;
	}
	if (!expired && (int64_t)a->page * GH_PER_PAGE < total && a->page < GH_MAX_PAGES) {
		int r;

		a->page++;
		if ((r = gh_list_start(a)) < 0)
			art_fail(a, r, "listing the artifacts of run %lld: %s",
			    (long long)a->run_id, strerror(-r));
		return;
	}
	if (expired)
		art_fail(a, -ENOENT, "artifact '%s' of run %lld has expired", a->p->artifact,
		    (long long)a->run_id);
	else
		art_fail(a, -ENOENT, "run %lld has no artifact '%s' (it has %s)",
		    (long long)a->run_id, a->p->artifact, names[0] ? names : "none");
}

/* Ask for the current page of the run's artifacts; 0 or negative errno. */
static int
gh_list_start(struct art *a)
{
	char *repo = url_escape(a->p->repository, true), *url = NULL;
	int r = -ENOMEM;

	if (repo != NULL &&
	    asprintf(&url, "%s/repos/%s/actions/runs/%lld/artifacts?per_page=%d&page=%d",
		a->p->api_url, repo, (long long)a->run_id, GH_PER_PAGE, a->page) >= 0)
		r = fetch(a, url, a->headers, NULL, 0, on_gh_list);
	else
		url = NULL;
	free(repo);
	free(url);
	return r;
}

static void
gh_zip_start(struct art *a, int64_t id)
{
	char *repo = url_escape(a->p->repository, true), *url = NULL;
	int r = -ENOMEM;

	/* max_redirects 0: the 302's Location is fetched without the token. */
	if (repo != NULL &&
	    asprintf(&url, "%s/repos/%s/actions/artifacts/%lld/zip", a->p->api_url, repo,
		(long long)id) >= 0)
		r = fetch(a, url, a->headers, a->zip, 0, on_forge_zip);
	else
		url = NULL;
	free(repo);
	free(url);
	if (r < 0)
		art_fail(a, r, "downloading artifact %lld: %s", (long long)id, strerror(-r));
}

/* ---- GitLab ---- */

/* Ask for the job's artifacts archive; 0 or negative errno. */
static int
gl_start(struct art *a)
{
	char *proj = url_escape(a->p->repository, false), *url = NULL;
	int r = -ENOMEM;

	if (proj != NULL &&
	    asprintf(&url, "%s/projects/%s/jobs/%lld/artifacts", a->p->api_url, proj,
		(long long)a->job_id) >= 0)
		r = fetch(a, url, a->headers, a->zip, 0, on_forge_zip);
	else
		url = NULL;
	free(proj);
	free(url);
	return r;
}

/* ---- generic: kernel_url, then tests_url ---- */

static int
check_download(struct art *a, const char *what, const char *want_sha256,
    const struct ci_fetch_result *res)
{
	if (check_answer(a, what, res) < 0)
		return a->err;
	if (res->bytes == 0)
		return set_why(a, -EINVAL, "%s is empty", what);
	if (want_sha256 != NULL && strcasecmp(want_sha256, res->sha256) != 0)
		return set_why(a, -EBADMSG, "%s: its sha256 is %s, the hook said %s", what,
		    res->sha256, want_sha256);
	return 0;
}

static void
on_tests_url(void *arg, const struct ci_fetch_result *res)
{
	struct art *a = arg;

	if (check_download(a, "tests_url", a->tests_sha256, res) < 0) {
		art_finish(a);
		return;
	}
	unpack_start(a);
}

static void
on_kernel_url(void *arg, const struct ci_fetch_result *res)
{
	struct art *a = arg;
	int r;

	if (check_download(a, "kernel_url", a->kernel_sha256, res) < 0) {
		art_finish(a);
		return;
	}
	if (a->tests_url == NULL) {
		unpack_start(a);
		return;
	}
	if ((r = fetch(a, a->tests_url, NULL, a->tests_dl, DOWNLOAD_MAX_REDIRECTS, on_tests_url)) <
	    0)
		art_fail(a, r, "tests_url: %s", strerror(-r));
}

/* The last path component of URL, when it makes a plain file name. */
static void
name_from_url(const char *url, char *out, size_t out_len)
{
	const char *end = url + strcspn(url, "?#"), *start = end;
	size_t n;

	while (start > url && start[-1] != '/')
		start--;
	n = (size_t)(end - start);
	snprintf(out, out_len, "tests");
	if (n == 0 || n >= out_len || start[0] == '.')
		return;
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+",
			start[i]) == NULL)
			return;
	memcpy(out, start, n);
	out[n] = '\0';
}

/* ---- unpacking, in the thread pool ---- */

/* "a, b/, c, ... (N entries)" of SEEN. */
static void
describe(const struct ci_unpack_seen *seen, char *out, size_t out_len)
{
	size_t n = 0;

	out[0] = '\0';
	if (seen->entries == 0) {
		snprintf(out, out_len, "nothing");
		return;
	}
	for (size_t i = 0; i < seen->n && n < out_len; i++)
		n += (size_t)snprintf(out + n, out_len - n, "%s%s", i ? ", " : "", seen->names[i]);
	if (seen->entries > seen->n && n < out_len)
		snprintf(out + n, out_len - n, ", ... (%zu entries)", seen->entries);
}

/* The project's path REL (its FIELD) under ROOT into OUT: a file, or (for
 * tests) a directory too. */
static int
locate(struct art *a, const char *root, int root_fd, const char *field, const char *rel,
    bool dir_ok, const struct ci_unpack_seen *seen, char *out)
{
	char clean[PATH_MAX], held[600];
	struct stat st;

	if (ci_path_clean(rel, clean, sizeof(clean)) < 0)
		return set_why(a, -EINVAL,
		    "the project's '%s' path '%s' is not inside the artifact", field, rel);
	if (fstatat(root_fd, clean, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		describe(seen, held, sizeof(held));
		return set_why(a, -ENOENT,
		    "the artifact has no '%s' (the project's '%s'); it holds %s", clean, field,
		    held);
	}
	if (!S_ISREG(st.st_mode) && !(dir_ok && S_ISDIR(st.st_mode)))
		return set_why(a, -EINVAL, "'%s' (the project's '%s') is not a %s in the artifact",
		    clean, field, dir_ok ? "file or directory" : "file");
	snprintf(out, PATH_MAX, "%s/%s", root, clean);
	return 0;
}

/* Unpack ARCHIVE into the new directory ROOT (under the work directory);
 * *FD_OUT is its fd. */
static int
unpack_into(struct art *a, const char *what, const char *archive, const char *root,
    struct ci_unpack_budget *b, struct ci_unpack_seen *seen, int *fd_out)
{
	char why[600];
	int r;

	*fd_out = -1;
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return set_why(a, -errno, "%s: %s", root, strerror(errno));
	if ((*fd_out = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return set_why(a, -errno, "%s: %s", root, strerror(errno));
	r = ci_unpack(archive, *fd_out, b, seen, why, sizeof(why));
	if (r == -EFBIG)
		return set_why(a, r, "%s: %s of %lld bytes and %d entries", what, why,
		    (long long)a->max_bytes, UNPACK_MAX_ENTRIES);
	if (r < 0)
		return set_why(a, r, "%s: %s", what, why);
	return 0;
}

/* ci_unpack()'s "not an archive" as -EINVAL with HEAD first (WHY is
 * copied: it is the buffer written to). */
static int
reword_not_archive(struct art *a, const char *head)
{
	char was[sizeof(a->why)];

	snprintf(was, sizeof(was), "%s", a->why);
	return set_why(a, -EINVAL, "%s (%s)", head, was);
}

/* A forge's zip: artifact/, with the tar-in-a-zip rule. */
static int
unpack_forge(struct art *a, struct ci_unpack_budget *b)
{
	struct ci_unpack_seen seen = { 0 };
	char root[PATH_MAX], kernel[PATH_MAX];
	struct stat st;
	int fd, r;

	snprintf(root, sizeof(root), "%s/artifact", a->workdir);
	/* check_req() made sure it is clean. */
	ci_path_clean(a->p->kernel, kernel, sizeof(kernel));
	r = unpack_into(a, "the artifact", a->zip, root, b, &seen, &fd);
	if (r == -ENOEXEC)
		r = reword_not_archive(a, "the artifact is not a zip");
	if (r < 0)
		goto out;
	/* A zip keeps no exec bits, so CI jobs often zip one tar: when the
	 * kernel is not in the zip and it holds exactly one tar, that tar
	 * is unpacked where it is, and removed. */
	if (fstatat(fd, kernel, &st, AT_SYMLINK_NOFOLLOW) < 0 && seen.tars == 1) {
		struct ci_unpack_seen inner = { 0 };
		char tar[PATH_MAX], dir[PATH_MAX], what[PATH_MAX + 16];
		char *slash;
		int dir_fd;

		snprintf(tar, sizeof(tar), "%s/%s", root, seen.tar);
		snprintf(dir, sizeof(dir), "%s", tar);
		slash = strrchr(dir, '/');
		*slash = '\0';
		snprintf(what, sizeof(what), "'%s' in the artifact", seen.tar);
		/* The tar's bytes go back to the budget: it is removed. */
		if (fstatat(fd, seen.tar, &st, AT_SYMLINK_NOFOLLOW) == 0)
			b->bytes_left += st.st_size;
		r = unpack_into(a, what, tar, dir, b, &inner, &dir_fd);
		if (dir_fd >= 0)
			close(dir_fd);
		if (r == -ENOEXEC)
			r = reword_not_archive(a, "the tar in the artifact is not a tar");
		if (r < 0)
			goto out;
		if (unlink(tar) < 0) {
			r = set_why(a, -errno, "%s: %s", tar, strerror(errno));
			goto out;
		}
		seen = inner;
	}
	if ((r = locate(a, root, fd, "kernel", a->p->kernel, false, &seen, a->kernel_out)) < 0)
		goto out;
	if (a->p->tests != NULL) {
		r = locate(a, root, fd, "tests", a->p->tests, true, &seen, a->tests_out);
		a->has_tests = r == 0;
	}
	if (r == 0 && a->p->manifest != NULL) {
		r = locate(a, root, fd, "manifest", a->p->manifest, false, &seen, a->manifest_out);
		a->has_manifest = r == 0;
	}
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* One generic download (WHAT: "kernel_url" or "tests_url") into ROOT: an
 * archive unpacked, or the file itself moved in as ROOT/NAME. */
static int
unpack_generic_one(struct art *a, const char *what, const char *dl, const char *root,
    const char *name, struct ci_unpack_budget *b, struct ci_unpack_seen *seen, int *fd,
    bool *single, char *single_path)
{
	int r = unpack_into(a, what, dl, root, b, seen, fd);

	*single = r == -ENOEXEC;
	if (r != -ENOEXEC)
		return r;
	a->err = 0;
	snprintf(single_path, PATH_MAX, "%s/%s", root, name);
	if (rename(dl, single_path) < 0)
		return set_why(a, -errno, "%s: %s", single_path, strerror(errno));
	return 0;
}

static int
unpack_generic(struct art *a, struct ci_unpack_budget *b)
{
	struct ci_unpack_seen kseen = { 0 }, tseen = { 0 };
	char kroot[PATH_MAX], troot[PATH_MAX];
	int kfd = -1, tfd = -1, r;
	bool single, kernel_archive = false, tests_archive = false;

	snprintf(kroot, sizeof(kroot), "%s/kernel", a->workdir);
	snprintf(troot, sizeof(troot), "%s/tests", a->workdir);
	r = unpack_generic_one(a, "kernel_url", a->kernel_dl, kroot, "Image", b, &kseen, &kfd,
	    &single, a->kernel_out);
	if (r < 0 || single)
		goto tests;
	kernel_archive = true;
	if (a->p->kernel == NULL) {
		r = set_why(a, -EINVAL,
		    "kernel_url is an archive, and the project names no 'kernel' path in it");
		goto out;
	}
	if ((r = locate(a, kroot, kfd, "kernel", a->p->kernel, false, &kseen, a->kernel_out)) < 0)
		goto out;
tests:
	if (r < 0)
		goto out;
	if (a->tests_url != NULL) {
		r = unpack_generic_one(a, "tests_url", a->tests_dl, troot, a->tests_name, b, &tseen,
		    &tfd, &single, a->tests_out);
		tests_archive = r == 0 && !single;
		if (r == 0 && !single && a->p->tests != NULL)
			r = locate(a, troot, tfd, "tests", a->p->tests, true, &tseen, a->tests_out);
		else if (r == 0 && !single)
			snprintf(a->tests_out, sizeof(a->tests_out), "%s", troot);
		a->has_tests = r == 0;
	} else if (a->p->tests != NULL && kfd >= 0 && kseen.entries > 0) {
		/* One archive may hold both, as a forge's artifact does. */
		r = locate(a, kroot, kfd, "tests", a->p->tests, true, &kseen, a->tests_out);
		a->has_tests = r == 0;
	}
	if (r == 0 && a->p->manifest != NULL) {
		if (tests_archive)
			r = locate(a, troot, tfd, "manifest", a->p->manifest, false, &tseen,
			    a->manifest_out);
		else if (kernel_archive)
			r = locate(a, kroot, kfd, "manifest", a->p->manifest, false, &kseen,
			    a->manifest_out);
		else
			r = set_why(a, -EINVAL,
			    "the project names a 'manifest', and neither kernel_url nor tests_url "
			    "is an archive that could hold it");
		a->has_manifest = r == 0;
	}
out:
	if (kfd >= 0)
		close(kfd);
	if (tfd >= 0)
		close(tfd);
	return r;
}

static void
unpack_work(uv_work_t *w)
{
	struct art *a = w->data;
	struct ci_unpack_budget b = {
		.bytes_left = a->max_bytes,
		.entries_left = UNPACK_MAX_ENTRIES,
	};
	int r;

	a->err = 0;
	r = a->p->forge == CI_FORGE_GENERIC ? unpack_generic(a, &b) : unpack_forge(a, &b);
	ci_tree_remove(a->dl_dir);
	if (r < 0) {
		char path[PATH_MAX];
		static const char *const trees[] = { "artifact", "kernel", "tests" };

		for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", a->workdir, trees[i]);
			ci_tree_remove(path);
		}
		a->err = r;
	}
}

static void
unpack_done(uv_work_t *w, int status)
{
	struct art *a = w->data;

	if (status < 0 && a->err == 0)
		set_why(a, status, "unpacking: %s", uv_strerror(status));
	art_finish(a);
}

static void
unpack_start(struct art *a)
{
	int r;

	a->work.data = a;
	if ((r = uv_queue_work(a->loop, &a->work, unpack_work, unpack_done)) < 0)
		art_fail(a, r, "unpacking: %s", uv_strerror(r));
}

/* ---- the public side ---- */

static bool
sha256_hex_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return true;
	for (; s[n] != '\0'; n++)
		if (strchr("0123456789abcdefABCDEF", s[n]) == NULL)
			return false;
	return n == 64;
}

/* What the request and the project must hold before anything starts. */
static int
check_req(const struct ci_artifact_req *req)
{
	const struct ci_project *p = req->project;
	const struct ci_push *push = req->push;
	char clean[PATH_MAX];

	if (req->fetcher == NULL || req->loop == NULL || p == NULL || push == NULL ||
	    req->workdir == NULL || req->max_bytes <= 0 || req->timeout_s <= 0)
		return -EINVAL;
	if ((p->kernel != NULL && ci_path_clean(p->kernel, clean, sizeof(clean)) < 0) ||
	    (p->tests != NULL && ci_path_clean(p->tests, clean, sizeof(clean)) < 0) ||
	    (p->manifest != NULL && ci_path_clean(p->manifest, clean, sizeof(clean)) < 0))
		return -EINVAL;
	switch (p->forge) {
	case CI_FORGE_GITHUB:
		if (push->run_id <= 0 || p->artifact == NULL)
			return -EINVAL;
		break;
	case CI_FORGE_GITLAB:
		if (push->job_id <= 0)
			return -EINVAL;
		break;
	case CI_FORGE_GENERIC:
		if (push->kernel_url == NULL || !sha256_hex_valid(push->kernel_sha256) ||
		    !sha256_hex_valid(push->tests_sha256))
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
	if (p->kernel == NULL || p->token == NULL || p->repository == NULL || p->api_url == NULL)
		return -EINVAL;
	return 0;
}

static int
dup_opt(char **out, const char *s)
{
	*out = NULL;
	return s != NULL && (*out = strdup(s)) == NULL ? -ENOMEM : 0;
}

int
ci_artifact_get(const struct ci_artifact_req *req, ci_artifact_cb cb, void *arg)
{
	const struct ci_push *push = req->push;
	struct art *a;
	int r;

	if ((r = check_req(req)) < 0)
		return r;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	a->fetcher = req->fetcher;
	a->loop = req->loop;
	a->p = req->project;
	a->run_id = push->run_id;
	a->job_id = push->job_id;
	a->max_bytes = req->max_bytes;
	a->timeout_s = req->timeout_s;
	a->cb = cb;
	a->arg = arg;
	a->page = 1;
	if (dup_opt(&a->kernel_url, push->kernel_url) < 0 ||
	    dup_opt(&a->kernel_sha256, push->kernel_sha256) < 0 ||
	    dup_opt(&a->tests_url, push->tests_url) < 0 ||
	    dup_opt(&a->tests_sha256, push->tests_sha256) < 0) {
		art_free(a);
		return -ENOMEM;
	}
	if (snprintf(a->workdir, sizeof(a->workdir), "%s", req->workdir) >=
	    (int)sizeof(a->workdir) - 32) {
		art_free(a);
		return -ENAMETOOLONG;
	}
	snprintf(a->dl_dir, sizeof(a->dl_dir), "%s/download", a->workdir);
	snprintf(a->zip, sizeof(a->zip), "%s/artifact.zip", a->dl_dir);
	snprintf(a->kernel_dl, sizeof(a->kernel_dl), "%s/kernel", a->dl_dir);
	snprintf(a->tests_dl, sizeof(a->tests_dl), "%s/tests", a->dl_dir);
	if (a->tests_url != NULL)
		name_from_url(a->tests_url, a->tests_name, sizeof(a->tests_name));
	if (mkdir(a->dl_dir, 0700) < 0) {
		r = -errno;
		art_free(a);
		return r;
	}
	switch (a->p->forge) {
	case CI_FORGE_GITHUB:
		r = asprintf(&a->auth, "Authorization: Bearer %s", a->p->token);
		a->headers[0] = "Accept: application/vnd.github+json";
		a->headers[1] = "X-GitHub-Api-Version: 2022-11-28";
		a->headers[2] = a->auth;
		break;
	case CI_FORGE_GITLAB:
		r = asprintf(&a->auth, "PRIVATE-TOKEN: %s", a->p->token);
		a->headers[0] = a->auth;
		break;
	default:
		r = 0;
		break;
	}
	if (r < 0) {
		a->auth = NULL;
		rmdir(a->dl_dir);
		art_free(a);
		return -ENOMEM;
	}
	/* The first request's failure is ours to return: CB never runs
	 * from inside this call. */
	if (a->p->forge == CI_FORGE_GITHUB)
		r = gh_list_start(a);
	else if (a->p->forge == CI_FORGE_GITLAB)
		r = gl_start(a);
	else
		r = fetch(a, a->kernel_url, NULL, a->kernel_dl, DOWNLOAD_MAX_REDIRECTS,
		    on_kernel_url);
	if (r < 0) {
		ci_tree_remove(a->dl_dir);
		art_free(a);
		return r;
	}
	return 0;
}
