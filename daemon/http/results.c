/*
 * results.c -- what a job produced: test results with their
 * sub-results, crash reports (per job and grouped across jobs), and
 * artifacts (listing and download).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "guest/artifacts.h"
#include "http/handlers.h"
#include "job/job-json.h"
#include "job/job.h"
#include "run/runner.h"
#include "store/store.h"
#include "wire.h"

/* GET /v1/crashes without ?limit=, and the most it may ask for. */
#define CRASH_GROUPS_DEFAULT 100
#define CRASH_GROUPS_MAX 10000

/* The flaky results of a job's kernel and test files, by name, and the
 * name of the result being written ("test / sub / ...", as compare/
 * names results: the K-th sibling of a name is "name#K"). */
struct flaky_names {
	const struct flaky_test *f;
	size_t n;
	char key[2048];
};

static int
by_test(const void *key, const void *elem)
{
	return strcmp(key, ((const struct flaky_test *)elem)->test);
}

/* {"passes", "fails"} when the result KEY names is flaky, else NULL. */
static json_t *
flaky_json(const struct flaky_names *fl)
{
	const struct flaky_test *f = fl->n > 0
	    ? bsearch(fl->key, fl->f, fl->n, sizeof(*fl->f), by_test)
	    : NULL;

	return f != NULL ? json_pack("{s:I, s:I}", "passes", (json_int_t)f->passes, "fails",
			       (json_int_t)f->fails)
			 : NULL;
}

static json_t *
nodes_json(const struct tout_node *nodes, size_t n, struct flaky_names *fl)
{
	json_t *arr = json_array();
	size_t keylen = strlen(fl->key), *nth = NULL;

	/* A job with no flaky result (most) needs no names. */
	if (fl->n > 0 && n > 0 &&
	    ((nth = calloc(n, sizeof(*nth))) == NULL || tout_nodes_nth(nodes, n, nth) < 0)) {
		free(nth);
		nth = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tout_node *x = &nodes[i];
		json_t *o, *flaky = NULL;

		if (nth != NULL) {
			snprintf(fl->key + keylen, sizeof(fl->key) - keylen,
			    nth[i] > 1 ? " / %s#%zu" : " / %s", x->name ? x->name : "", nth[i]);
			flaky = flaky_json(fl);
		}
		o = json_pack("{s:s, s:s, s:o, s:I, s:o}", "name", x->name ? x->name : "",
		    "verdict", test_verdict_name(x->verdict), "message",
		    x->message ? json_string(x->message) : json_null(), "line", (json_int_t)x->line,
		    "subtests", nodes_json(x->children, x->nchildren, fl));
		if (flaky != NULL)
			json_object_set_new(o, "flaky", flaky);
		json_array_append_new(arr, o);
		fl->key[keylen] = '\0';
	}
	free(nth);
	return arr;
}

/* The reruns of test X (--retry-failed), in order. */
static json_t *
reruns_json(const struct test_full *x)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < x->nreruns; i++) {
		const struct test_rerun *r = &x->reruns[i];

		json_array_append_new(arr,
		    json_pack("{s:i, s:s, s:o, s:f, s:o, s:[I, I]}", "retry", r->retry, "verdict",
			test_verdict_name(r->verdict), "exit_code",
			r->has_exit_code ? json_integer(r->exit_code) : json_null(), "duration",
			(double)r->duration_ms / 1000.0, "message",
			r->message ? json_string(r->message) : json_null(), "lines",
			(json_int_t)r->first_line, (json_int_t)r->last_line));
	}
	return arr;
}

/* GET /v1/jobs/ID/results, in the thread pool (reader.c): a job of tens
 * of thousands of sub-results makes a tree of megabytes, 60-80 ms of
 * work that would hold every console and request on the loop. */
static void
results_work(struct store *st, const char *state_dir, void *arg, struct http_reader_result *res)
{
	int64_t id = *(int64_t *)arg;
	struct flaky_names fl = { .n = 0 };
	struct flaky_test *flaky = NULL;
	struct test_full *t = NULL;
	struct job *j = NULL;
	size_t n = 0, nflaky = 0;
	json_t *arr, *o;
	int err;

	(void)state_dir;
	if ((err = store_test_list_full(st, id, &t, &n)) < 0) {
		if (err == -ENOENT)
			http_reader_fail(res, HTTP_ERR_NOT_FOUND, NULL, "no job %lld",
			    (long long)id);
		else
			http_reader_fail(res, HTTP_ERR_INTERNAL, NULL, "listing results: %s",
			    strerror(-err));
		return;
	}
	/* Flakiness next to each result (docs/COMPARE.md): of the job's
	 * kernel and test files; without it the results stand alone. */
	if (store_job_get(st, id, &j) == 0 && j->tests_key[0] != '\0' &&
	    store_flaky_of(st, j->kernel, j->tests_key, &flaky, &nflaky) == 0) {
		fl.f = flaky;
		fl.n = nflaky;
	}
	job_free(j);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct test_full *x = &t[i];
		json_t *fj;

		snprintf(fl.key, sizeof(fl.key), "%s", x->t.name);
		fj = fl.n > 0 ? flaky_json(&fl) : NULL;
		o = json_pack("{s:s, s:s, s:o, s:f, s:o, s:s, s:[I, I], s:o}", "name", x->t.name,
		    "verdict", test_verdict_name(x->t.verdict), "exit_code",
		    x->t.has_exit_code ? json_integer(x->t.exit_code) : json_null(), "duration",
		    (double)x->t.duration_ms / 1000.0, "message",
		    x->message ? json_string(x->message) : json_null(), "format",
		    tout_format_name(x->format), "lines", (json_int_t)x->first_line,
		    (json_int_t)x->last_line, "subtests", nodes_json(x->nodes, x->nnodes, &fl));
		if (fj != NULL)
			json_object_set_new(o, "flaky", fj);
		if (x->nreruns > 0)
			json_object_set_new(o, "reruns", reruns_json(x));
		json_array_append_new(arr, o);
	}
	store_test_list_full_free(t, n);
	store_flaky_free(flaky, nflaky);
	o = json_pack("{s:o}", "tests", arr);
	if (o != NULL && (res->text = json_dumps(o, JSON_COMPACT)) != NULL)
		res->len = strlen(res->text);
	json_decref(o);
}

void
http_job_results(struct http_request *req)
{
	int64_t id, *arg;

	if (!http_job_id_param(req, &id))
		return;
	if ((arg = malloc(sizeof(*arg))) == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	*arg = id;
	http_reader_run(req, results_work, arg, free);
}

static json_t *
time_or_null(int64_t ms)
{
	char buf[40];

	if (ms == 0)
		return json_null();
	job_time_format(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* The crash reports of job ID, as they are now. */
static void
reply_crashes(struct http_request *req, int64_t id)
{
	struct http_env *d = http_request_env(req);
	struct crash_record *c = NULL;
	size_t n = 0;
	json_t *arr;
	int err;

	if ((err = store_crash_list(d->store, id, &c, &n)) < 0) {
		http_reply_job_error(req, id, err, "listing crashes");
		return;
	}
	/* The job's primary crash is its first fatal report (the one its
	 * result names), or its first report when none is fatal. */
	size_t primary = 0;
	while (primary < n && !c[primary].fatal)
		primary++;
	if (primary == n)
		primary = 0;
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:o, s:[I, I], s:o, s:s}", "title",
		    c[i].title, "kind", c[i].kind, "fatal", c[i].fatal, "primary", i == primary,
		    "test", string_or_null(c[i].test), "lines", (json_int_t)c[i].first_line,
		    (json_int_t)c[i].last_line, "time", time_or_null(c[i].time_ms), "report",
		    c[i].report ? c[i].report : "");

		/* docs/SYMBOLS.md: the report with file:line, and how that went. */
		json_object_set_new(o, "symbols", json_string(crash_symbols_name(c[i].symbols)));
		json_object_set_new(o, "symbols_message", string_or_null(c[i].symbols_message));
		json_object_set_new(o, "symbolized", string_or_null(c[i].symbolized));
		json_array_append_new(arr, o);
	}
	store_crash_list_free(c, n);
	http_reply_json(req, 200, json_pack("{s:o}", "crashes", arr));
}

/* Whether job ID's reports can no longer change: it is done and none of
 * them waits for the symbolizer (an unknown job is final: 404 at once). */
static bool
crashes_final(struct http_env *d, int64_t id)
{
	struct crash_record *c = NULL;
	struct job *j = NULL;
	bool final = true;
	size_t n = 0;

	if (store_job_get(d->store, id, &j) < 0)
		return true;
	final = j->state == JOB_DONE;
	job_free(j);
	if (final && store_crash_list(d->store, id, &c, &n) == 0)
		for (size_t i = 0; i < n; i++)
			final = final && c[i].symbols != SYMBOLS_PENDING;
	store_crash_list_free(c, n);
	return final;
}

/* ?wait=S: a long poll until the job is done and its reports are
 * symbolized (or found to have nothing to symbolize), so `pkvmctl crashes
 * --wait` shows file:line instead of "pending". */
void
http_job_crashes(struct http_request *req)
{
	http_job_long_poll(req, WATCH_SYMBOLS, crashes_final, reply_crashes);
}

/* A kernel of a crash group, or the one that fixed it: its sha256 and the
 * version it printed (null when no console showed it). */
static json_t *
kernel_json(const char *sha256, const char *version)
{
	return json_pack("{s:s, s:o}", "sha256", sha256, "version",
	    version != NULL ? json_string(version) : json_null());
}

static json_t *
group_json(const struct crash_group *g)
{
	json_t *kernels = json_array(), *fixed = json_null();

	for (size_t i = 0; i < g->nkernels; i++) {
		json_t *k = kernel_json(g->kernels[i].sha256, g->kernels[i].version);

		json_object_set_new(k, "count", json_integer(g->kernels[i].count));
		json_array_append_new(kernels, k);
	}
	if (g->fixed) {
		fixed = kernel_json(g->fixed_in.sha256, g->fixed_in.version);
		json_object_set_new(fixed, "job", json_integer(g->fixed_in.job));
		json_object_set_new(fixed, "test",
		    g->fixed_in.test != NULL ? json_string(g->fixed_in.test) : json_null());
	}
	return json_pack("{s:s, s:s, s:b, s:I, s:I, s:o, s:o, s:I, s:I, s:o, s:I, s:o}", "title",
	    g->title, "kind", g->kind, "fatal", g->fatal, "count", (json_int_t)g->count, "jobs",
	    (json_int_t)g->jobs, "first_seen", time_or_null(g->first_ms), "last_seen",
	    time_or_null(g->last_ms), "first_job", (json_int_t)g->first_job, "last_job",
	    (json_int_t)g->last_job, "kernels", kernels, "kernel_count",
	    (json_int_t)g->kernel_count, "fixed_in", fixed);
}

void
http_crash_groups(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct crash_filter f = {
		.kind = http_request_query(req, "kind"),
		.tag = http_request_query(req, "tag"),
	};
	const char *since = http_request_query(req, "since");
	struct crash_group *g = NULL;
	size_t n = 0;
	long long limit;
	json_t *arr;
	int err;

	if (http_query_int(req, "limit", 1, CRASH_GROUPS_MAX, CRASH_GROUPS_DEFAULT, &limit) < 0)
		return;
	if (since != NULL && pkvm_time_parse(since, &f.since_ms) < 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "since",
		    "since must be a UTC time like 2026-11-21T18:20:00Z, not '%.64s'", since);
		return;
	}
	f.limit = (int)limit;
	if ((err = store_crash_groups(d->store, &f, &g, &n)) < 0) {
		http_reply_errno(req, err, "grouping crashes");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, group_json(&g[i]));
	store_crash_groups_free(g, n);
	http_reply_json(req, 200, json_pack("{s:o}", "groups", arr));
}

void
http_job_artifacts(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct artifact_record *a = NULL;
	size_t n = 0;
	json_t *arr;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id))
		return;
	if ((err = store_artifact_list(d->store, id, &a, &n)) < 0) {
		http_reply_job_error(req, id, err, "listing artifacts");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		char name[1024];

		snprintf(name, sizeof(name), "%s/%s", a[i].test, a[i].path);
		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "name", name, "test", a[i].test,
			"path", a[i].path, "size", (json_int_t)a[i].size, "sha256", a[i].sha256,
			"status", artifact_status_name(a[i].status)));
	}
	store_artifact_list_free(a, n);
	http_reply_json(req, 200, json_pack("{s:o}", "artifacts", arr));
}

struct file_stream {
	int fd;
};

static ssize_t
file_read(void *arg, uint64_t pos, char *buf, size_t max)
{
	struct file_stream *fs = arg;
	ssize_t n = pread(fs->fd, buf, max, (off_t)pos);

	return n > 0 ? n : -1;
}

static void
file_stream_free(void *arg)
{
	struct file_stream *fs = arg;

	close(fs->fd);
	free(fs);
}

void
http_job_artifact_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *name = http_request_query(req, "name");
	struct artifact_record *a = NULL;
	struct file_stream *fs;
	enum artifact_status status = ARTIFACT_OK;
	bool found = false;
	char dir[PATH_MAX], path[PATH_MAX + 1024];
	size_t n = 0;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id))
		return;
	if (name == NULL) {
		http_reply_error(req, HTTP_ERR_MISSING_FIELD, "name",
		    "name=TEST/PATH is required (see GET /v1/jobs/%lld/artifacts)", (long long)id);
		return;
	}
	if ((err = store_artifact_list(d->store, id, &a, &n)) < 0) {
		http_reply_job_error(req, id, err, "listing artifacts");
		return;
	}
	/* Only a name the store knows is opened: the path on disk is built
	 * from the stored record, never from the query. */
	for (size_t i = 0; i < n && !found; i++) {
		size_t tl = strlen(a[i].test);

		if (strncmp(name, a[i].test, tl) == 0 && name[tl] == '/' &&
		    strcmp(name + tl + 1, a[i].path) == 0 && artifact_path_valid(a[i].path)) {
			found = true;
			status = a[i].status;
			paths_job_dir(d->state_dir, id, dir, sizeof(dir));
			snprintf(path, sizeof(path), "%s/artifacts/%s/%s", dir, a[i].test,
			    a[i].path);
		}
	}
	store_artifact_list_free(a, n);
	if (!found) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, "name",
		    "job %lld has no artifact '%.256s'", (long long)id, name);
		return;
	}
	if (http_reply_if_id_pruned(req, id))
		return;
	if (status != ARTIFACT_OK) {
		http_reply_error(req, HTTP_ERR_CONFLICT, "name",
		    "artifact '%.256s' is %s: its bytes did not arrive intact", name,
		    artifact_status_name(status));
		return;
	}
	fs = malloc(sizeof(*fs));
	if (fs == NULL || (fs->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err = fs == NULL ? -ENOMEM : -errno;
		free(fs);
		http_reply_errno(req, err, "opening artifact");
		return;
	}
	http_reply_stream(req, 200, "application/octet-stream", file_read, fs, file_stream_free,
	    NULL, NULL);
}
