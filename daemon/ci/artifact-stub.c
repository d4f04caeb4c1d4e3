/*
 * artifact-stub.c -- STUB of ci_artifact_get() for the hooks branch, to be
 * DROPPED AT MERGE: the real one (artifacts from the forges, archives
 * unpacked with libarchive) is another engineer's, behind ci/artifact.h.
 *
 * It serves the generic hook only, and only single files: kernel_url is
 * saved as DIR/kernel and tests_url as DIR/tests/<last path segment>,
 * made executable; each sha256 is checked when given.  A GitHub or GitLab
 * push fails at once with -ENOSYS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ci/artifact.h"

struct stub {
	struct ci_fetcher *fetcher;
	char *kernel_url, *kernel_sha256, *tests_url, *tests_sha256;
	char dir[4096], kernel[4200], tests[4200], test_file[8400];
	int64_t max_bytes;
	long timeout_s;
	int step; /* 0: the kernel, 1: the tests */
	ci_artifact_cb cb;
	void *arg;
};

static void
stub_free(struct stub *s)
{
	free(s->kernel_url);
	free(s->kernel_sha256);
	free(s->tests_url);
	free(s->tests_sha256);
	free(s);
}

static void on_fetched(void *arg, const struct ci_fetch_result *res);

static int
start(struct stub *s, const char *url, const char *out)
{
	const struct ci_fetch_req req = {
		.method = "GET",
		.url = url,
		.out_path = out,
		.max_bytes = s->max_bytes,
		.timeout_s = s->timeout_s,
		.max_redirects = 5,
	};

	return ci_fetch_start(s->fetcher, &req, on_fetched, s);
}

static void
finish(struct stub *s, int err, const char *why)
{
	struct ci_unpacked u = {
		.dir = s->dir,
		.kernel = s->kernel,
		.tests = s->tests_url != NULL ? s->tests : NULL,
	};

	s->cb(s->arg, err, why, err == 0 ? &u : NULL);
	stub_free(s);
}

static void
on_fetched(void *arg, const struct ci_fetch_result *res)
{
	struct stub *s = arg;
	const char *want = s->step == 0 ? s->kernel_sha256 : s->tests_sha256;
	char why[512];
	int err;

	if (res->err < 0) {
		snprintf(why, sizeof(why), "%s: %s", s->step == 0 ? "kernel_url" : "tests_url",
		    res->error);
		finish(s, res->err, why);
		return;
	}
	if (res->status != 200) {
		snprintf(why, sizeof(why), "%s: HTTP %ld",
		    s->step == 0 ? "kernel_url" : "tests_url", res->status);
		finish(s, -ENOENT, why);
		return;
	}
	if (want != NULL && strcasecmp(want, res->sha256) != 0) {
		snprintf(why, sizeof(why), "%s: sha256 is %s, not %s",
		    s->step == 0 ? "kernel_url" : "tests_url", res->sha256, want);
		finish(s, -EBADMSG, why);
		return;
	}
	if (s->step == 1 || s->tests_url == NULL) {
		if (s->step == 1)
			chmod(s->test_file, 0755);
		finish(s, 0, "");
		return;
	}
	s->step = 1;
	if ((err = start(s, s->tests_url, s->test_file)) < 0)
		finish(s, err, "tests_url: cannot start the download");
}

/* A forge the stub cannot serve: say so through CB, later, as the real
 * one would after asking the forge. */
struct unsupported {
	uv_timer_t timer;
	ci_artifact_cb cb;
	void *arg;
};

static void
unsupported_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
unsupported_fire(uv_timer_t *t)
{
	struct unsupported *u = t->data;

	u->cb(u->arg, -ENOSYS, "not supported for this forge (yet)", NULL);
	uv_close((uv_handle_t *)t, unsupported_closed);
}

static int
unsupported(uv_loop_t *loop, ci_artifact_cb cb, void *arg)
{
	struct unsupported *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return -ENOMEM;
	u->cb = cb;
	u->arg = arg;
	uv_timer_init(loop, &u->timer);
	u->timer.data = u;
	uv_timer_start(&u->timer, unsupported_fire, 0, 0);
	return 0;
}

int
ci_artifact_get(const struct ci_artifact_req *req, ci_artifact_cb cb, void *arg)
{
	const struct ci_push *p = req->push;
	struct stub *s;
	const char *base;
	int err;

	if (req->project->forge != CI_FORGE_GENERIC || p->kernel_url == NULL)
		return unsupported(req->loop, cb, arg);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->fetcher = req->fetcher;
	s->max_bytes = req->max_bytes;
	s->timeout_s = req->timeout_s;
	s->cb = cb;
	s->arg = arg;
	s->kernel_url = strdup(p->kernel_url);
	s->kernel_sha256 = p->kernel_sha256 ? strdup(p->kernel_sha256) : NULL;
	s->tests_url = p->tests_url ? strdup(p->tests_url) : NULL;
	s->tests_sha256 = p->tests_sha256 ? strdup(p->tests_sha256) : NULL;
	snprintf(s->dir, sizeof(s->dir), "%s", req->workdir);
	snprintf(s->kernel, sizeof(s->kernel), "%s/kernel", s->dir);
	snprintf(s->tests, sizeof(s->tests), "%s/tests", s->dir);
	if (s->tests_url != NULL) {
		base = strrchr(s->tests_url, '/');
		base = base != NULL && base[1] != '\0' ? base + 1 : "test";
		snprintf(s->test_file, sizeof(s->test_file), "%s/%.*s", s->tests,
		    (int)strcspn(base, "?#"), base);
		if (mkdir(s->tests, 0755) != 0) {
			err = -errno;
			stub_free(s);
			return err;
		}
	}
	if ((err = start(s, s->kernel_url, s->kernel)) < 0) {
		stub_free(s);
		return err;
	}
	return 0;
}
