/*
 * coverage.c -- the capture queue: pkvmd-capture children, .info parsing in
 * the thread pool, numbers into the store.
 *
 * A capture goes through: queued (status pending) -> pkvmd-capture running
 * (status running; its stdout gives one JSON line, its stderr the reason
 * when it fails) -> coverage.info parsed and summed by a worker thread ->
 * stored (status ok) in one transaction on the loop.  A job whose guest
 * shipped no archive is "none" at once; one submitted with -C is
 * "disabled".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/paths.h"
#include "coverage/capture.h"
#include "coverage/child.h"
#include "coverage/lcov-info.h"
#include "job/job.h"
#include "job/watch.h"
#include "sha256.h"
#include "store/store.h"

#define ARCHIVES_MAX 256

struct capture {
	struct coverage *c;
	struct capture *next; /* in the queue */
	struct capture *active_next; /* among the running */
	int64_t job_id;
	char jobdir[PATH_MAX];
	char *build_dir;
	char *gcov_tool;
	char *archives[ARCHIVES_MAX];
	int narchives;

	/* While pkvmd-capture runs. */
	struct cov_child child;
	bool killed;

	/* The worker's part. */
	uv_work_t work;
	int work_err;
	char *work_cause;
	struct coverage_row total;
	struct coverage_row *rows;
	size_t nrows;
	char info_sha[SHA256_HEX_LEN + 1];
	uint64_t info_bytes;
};

struct coverage {
	struct coverage_env env;
	struct capture *queue, *queue_tail;
	struct capture *active; /* running, linked through active_next */
	int running;
	bool stopping;
	void (*stop_cb)(void *arg);
	void *stop_arg;
};

static void pump(struct coverage *c);

static void
capture_free(struct capture *cap)
{
	free(cap->build_dir);
	free(cap->gcov_tool);
	for (int i = 0; i < cap->narchives; i++)
		free(cap->archives[i]);
	free(cap->work_cause);
	store_coverage_rows_free(cap->rows, cap->nrows);
	free(cap);
}

/* One capture is over (whatever happened): free it, start the next. */
static void
capture_done(struct capture *cap)
{
	struct coverage *c = cap->c;
	struct capture **pp = &c->active;

	while (*pp != NULL && *pp != cap)
		pp = &(*pp)->active_next;
	if (*pp == cap)
		*pp = cap->active_next;
	c->running--;
	watch_notify(c->env.watches, cap->job_id, WATCH_COVERAGE);
	capture_free(cap);
	if (c->stopping && c->running == 0 && c->stop_cb != NULL) {
		void (*cb)(void *) = c->stop_cb;

		c->stop_cb = NULL;
		cb(c->stop_arg);
		return;
	}
	pump(c);
}

static void
fail(struct capture *cap, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	log_warnx("job %lld: coverage: %s", (long long)cap->job_id, msg);
	store_coverage_set_status(cap->c->env.store, cap->job_id, COV_ERROR, msg);
	metrics_coverage_capture("error");
}

/* ---- the worker: parse coverage.info, sum per file ------------------------ */

static void
counts(struct cov_counts *dst, const struct lcov_counts *src)
{
	dst->hit = (int64_t)src->hit;
	dst->total = (int64_t)src->total;
}

static void
parse_work(uv_work_t *w)
{
	struct capture *cap = w->data;
	struct lcov_data data = { 0 };
	struct lcov_summary s;
	char path[PATH_MAX + 32];
	int err;

	snprintf(path, sizeof(path), "%s/coverage/coverage.info", cap->jobdir);
	err = lcov_parse_file(path, &data, &cap->work_cause);
	if (err < 0) {
		cap->work_err = err;
		return;
	}
	lcov_summary(&data, &s);
	counts(&cap->total.lines, &s.lines);
	counts(&cap->total.functions, &s.functions);
	counts(&cap->total.branches, &s.branches);
	cap->rows = calloc(data.nfiles + 1, sizeof(*cap->rows));
	if (cap->rows == NULL) {
		cap->work_err = -ENOMEM;
		lcov_free(&data);
		return;
	}
	for (size_t i = 0; i < data.nfiles; i++) {
		struct coverage_row *r = &cap->rows[cap->nrows++];

		lcov_file_summary(&data.files[i], &s);
		r->file = strdup(data.files[i].path);
		counts(&r->lines, &s.lines);
		counts(&r->functions, &s.functions);
		counts(&r->branches, &s.branches);
	}
	lcov_free(&data);

	/* coverage.info is also an artifact of "_coverage", for genhtml and
	 * for merging later. */
	char art[PATH_MAX + 64], dir[PATH_MAX + 32];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/artifacts/_coverage", cap->jobdir);
	snprintf(art, sizeof(art), "%s/coverage.info", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return;
	unlink(art);
	if (link(path, art) != 0)
		return;
	if (sha256_file_hex(art, cap->info_sha) == 0 && stat(art, &st) == 0)
		cap->info_bytes = (uint64_t)st.st_size;
}

static void
parse_after(uv_work_t *w, int status)
{
	struct capture *cap = w->data;
	struct store *st = cap->c->env.store;
	int err;

	if (status < 0 && cap->work_err == 0)
		cap->work_err = status;
	if (cap->work_err < 0) {
		fail(cap, "cannot read coverage.info: %s",
		    cap->work_cause ? cap->work_cause : strerror(-cap->work_err));
	} else {
		err = store_coverage_put(st, cap->job_id, &cap->total, cap->rows, cap->nrows);
		if (err < 0)
			log_warn(err, "job %lld: storing coverage", (long long)cap->job_id);
		metrics_coverage_capture(err < 0 ? "error" : "ok");
		if (cap->info_sha[0] != '\0') {
			struct artifact_record a = { .job_id = cap->job_id,
				.test = "_coverage",
				.path = "coverage.info",
				.size = cap->info_bytes,
				.status = ARTIFACT_OK };

			memcpy(a.sha256, cap->info_sha, sizeof(a.sha256));
			store_artifact_add(st, &a);
		}
		log_info("job %lld: coverage: lines %lld/%lld, functions %lld/%lld, branches "
			 "%lld/%lld",
		    (long long)cap->job_id, (long long)cap->total.lines.hit,
		    (long long)cap->total.lines.total, (long long)cap->total.functions.hit,
		    (long long)cap->total.functions.total, (long long)cap->total.branches.hit,
		    (long long)cap->total.branches.total);
	}
	capture_done(cap);
}

/* ---- pkvmd-capture ---------------------------------------------------- */

static void
helper_finished(struct cov_child *ch)
{
	struct capture *cap = ch->data;
	const char *status, *reason;
	bool none, ok;
	json_t *res;

	if (cap->killed) {
		fail(cap, "%s", "the capture was stopped (pkvmd is shutting down)");
		capture_done(cap);
		return;
	}
	if (!cov_child_ok(ch)) {
		reason = cov_child_reason(ch);
		fail(cap, "%s", reason != NULL ? reason : "pkvmd-capture failed");
		capture_done(cap);
		return;
	}
	res = json_loads(cov_child_out_line(ch), 0, NULL);
	status = json_string_value(json_object_get(res, "status"));
	none = status != NULL && strcmp(status, "none") == 0;
	ok = status != NULL && strcmp(status, "ok") == 0;
	json_decref(res);
	if (none) {
		store_coverage_set_status(cap->c->env.store, cap->job_id, COV_NONE, NULL);
		metrics_coverage_capture("none");
		capture_done(cap);
		return;
	}
	if (!ok) {
		fail(cap, "pkvmd-capture gave no result (it printed: %.200s)", ch->out);
		capture_done(cap);
		return;
	}
	cap->work.data = cap;
	uv_queue_work(cap->c->env.loop, &cap->work, parse_work, parse_after);
}

static void
capture_start(struct capture *cap)
{
	struct coverage *c = cap->c;
	char *argv[ARCHIVES_MAX + 16], out[PATH_MAX + 16];
	int n = 0;

	snprintf(out, sizeof(out), "%s/coverage", cap->jobdir);
	argv[n++] = (char *)c->env.capture_helper;
	argv[n++] = "--out";
	argv[n++] = out;
	argv[n++] = "--gcov-tool";
	argv[n++] = cap->gcov_tool ? cap->gcov_tool : "auto";
	if (cap->build_dir != NULL) {
		argv[n++] = "--build-dir";
		argv[n++] = cap->build_dir;
	}
	for (int i = 0; i < cap->narchives; i++)
		argv[n++] = cap->archives[i];
	argv[n] = NULL;

	store_coverage_set_status(c->env.store, cap->job_id, COV_RUNNING, NULL);
	c->running++;
	cap->active_next = c->active;
	c->active = cap;
	cap->child.done = helper_finished;
	cap->child.data = cap;
	cov_child_start(&cap->child, c->env.loop, c->env.spawn_helper, argv);
}

static void
pump(struct coverage *c)
{
	while (!c->stopping && c->queue != NULL && c->running < c->env.max_captures) {
		struct capture *cap = c->queue;

		c->queue = cap->next;
		if (c->queue == NULL)
			c->queue_tail = NULL;
		capture_start(cap);
	}
}

/* ---- the queue ------------------------------------------------------------ */

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

void
coverage_job_done(struct coverage *c, const struct job *j)
{
	struct store *st = c->env.store;
	struct artifact_record *a = NULL;
	struct capture *cap;
	size_t n = 0;

	if (!j->coverage) {
		store_coverage_set_status(st, j->id, COV_DISABLED, NULL);
		watch_notify(c->env.watches, j->id, WATCH_COVERAGE);
		return;
	}
	if (store_artifact_list(st, j->id, &a, &n) < 0) {
		store_coverage_set_status(st, j->id, COV_ERROR, "cannot list the job's artifacts");
		return;
	}
	cap = calloc(1, sizeof(*cap));
	if (cap == NULL) {
		store_artifact_list_free(a, n);
		return;
	}
	cap->c = c;
	cap->job_id = j->id;
	paths_job_dir(c->env.state_dir, j->id, cap->jobdir, sizeof(cap->jobdir));
	for (size_t i = 0; i < n && cap->narchives < ARCHIVES_MAX; i++) {
		char path[PATH_MAX + 64];

		if (strcmp(a[i].test, "_coverage") != 0 || !ends_with(a[i].path, ".tar.gz"))
			continue;
		if (a[i].status != ARTIFACT_OK) {
			char msg[256];

			/* A damaged archive would give wrong numbers: say so
			 * instead of capturing part of the data. */
			snprintf(msg, sizeof(msg), "gcov archive %s is %s", a[i].path,
			    artifact_status_name(a[i].status));
			store_coverage_set_status(st, j->id, COV_ERROR, msg);
			watch_notify(c->env.watches, j->id, WATCH_COVERAGE);
			store_artifact_list_free(a, n);
			capture_free(cap);
			return;
		}
		snprintf(path, sizeof(path), "%s/artifacts/_coverage/%s", cap->jobdir, a[i].path);
		cap->archives[cap->narchives++] = strdup(path);
	}
	store_artifact_list_free(a, n);
	if (cap->narchives == 0) {
		store_coverage_set_status(st, j->id, COV_NONE, NULL);
		watch_notify(c->env.watches, j->id, WATCH_COVERAGE);
		capture_free(cap);
		return;
	}
	cap->build_dir = j->build_dir ? strdup(j->build_dir) : NULL;
	cap->gcov_tool = j->gcov_tool ? strdup(j->gcov_tool) : NULL;
	store_coverage_set_status(st, j->id, COV_PENDING, NULL);
	if (c->queue_tail != NULL)
		c->queue_tail->next = cap;
	else
		c->queue = cap;
	c->queue_tail = cap;
	pump(c);
}

int
coverage_new(struct coverage **out, const struct coverage_env *env)
{
	struct coverage *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->env = *env;
	*out = c;
	return 0;
}

void
coverage_shutdown(struct coverage *c, void (*cb)(void *arg), void *arg)
{
	struct capture *cap;

	c->stopping = true;
	while ((cap = c->queue) != NULL) {
		c->queue = cap->next;
		fail(cap, "%s", "the capture never started (pkvmd stopped)");
		capture_free(cap);
	}
	c->queue_tail = NULL;
	if (c->running == 0) {
		cb(arg);
		return;
	}
	c->stop_cb = cb;
	c->stop_arg = arg;
	/* Killing pkvmd-capture's process group takes lcov and gcov with
	 * it (child.c). */
	for (cap = c->active; cap != NULL; cap = cap->active_next) {
		cap->killed = true;
		cov_child_kill(&cap->child);
	}
}

void
coverage_free(struct coverage *c)
{
	free(c);
}
