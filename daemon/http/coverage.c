/*
 * coverage.c -- /v1/jobs/ID/coverage, /v1/coverage (merged) and
 * /v1/coverage/diff.
 *
 * A job's numbers come from the store.  Merging jobs or diffing two needs
 * their coverage.info records (a union of hit lines cannot be made from
 * totals), which can be megabytes each for a kernel: they are read, merged
 * and turned into the reply in the thread pool while the request waits.
 */
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "base/paths.h"
#include "coverage/lcov-info.h"
#include "http/handlers.h"
#include "job/job.h"
#include "job/watch.h"
#include "run/runner.h"
#include "store/store.h"

/* The most jobs one merge reads (?jobs= or the newest with ?tag=). */
#define MERGE_MAX_JOBS 1000

static json_t *
counts_json(const struct cov_counts *c)
{
	return json_pack("{s:I, s:I}", "hit", (json_int_t)c->hit, "total", (json_int_t)c->total);
}

static json_t *
lcounts_json(const struct lcov_counts *c)
{
	return json_pack("{s:I, s:I}", "hit", (json_int_t)c->hit, "total", (json_int_t)c->total);
}

/* Reply with job ID's coverage as it is now. */
static void
reply_coverage(struct http_request *req, int64_t id)
{
	struct http_env *d = http_request_env(req);
	enum coverage_status status;
	struct coverage_row total = { 0 }, *rows = NULL;
	char *message = NULL;
	size_t n = 0;
	json_t *files, *o;
	int err;

	err = store_coverage_get(d->store, id, &status, &message, &total, &rows, &n);
	if (err < 0) {
		http_reply_job_error(req, id, err, "reading coverage");
		return;
	}
	files = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(files,
		    json_pack("{s:s, s:o, s:o, s:o}", "file", rows[i].file ? rows[i].file : "",
			"lines", counts_json(&rows[i].lines), "functions",
			counts_json(&rows[i].functions), "branches",
			counts_json(&rows[i].branches)));
	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "status", coverage_status_name(status),
	    "message", message ? json_string(message) : json_null(), "lines",
	    counts_json(&total.lines), "functions", counts_json(&total.functions), "branches",
	    counts_json(&total.branches), "files", files);
	free(message);
	store_coverage_rows_free(rows, n);
	http_reply_json(req, 200, o);
}

/* ?wait=S: a long poll until the coverage is final (ok, none, error,
 * disabled), so `pkvmctl coverage` right after `submit --wait` shows the
 * numbers instead of "pending". */
/* Whether job ID's coverage can no longer change (the store says pending
 * while the job runs and until its capture ends). */
static bool
coverage_final(struct http_env *d, int64_t id)
{
	enum coverage_status st;

	if (store_coverage_get(d->store, id, &st, NULL, NULL, NULL, NULL) < 0)
		return true;
	return st != COV_PENDING && st != COV_RUNNING;
}

void
http_job_coverage(struct http_request *req)
{
	http_job_long_poll(req, WATCH_COVERAGE, coverage_final, reply_coverage);
}

/* ---- merge and diff, in the thread pool ---------------------------------- */

struct merge {
	struct http_request *req; /* NULL once the client went away */
	struct http_env *d;
	uv_work_t work;
	bool busy;
	int64_t *ids;
	size_t nids;
	char (*paths)[PATH_MAX + 32];
	bool diff; /* ids[0] = a, ids[1] = b */
	bool want_info; /* format=info */
	/* Results of the worker. */
	unsigned status;
	json_t *reply;
	char *text;
	size_t textlen;
	char errmsg[512];
};

static void
merge_free(struct merge *m)
{
	free(m->ids);
	free(m->paths);
	json_decref(m->reply);
	free(m->text);
	free(m);
}

static void
merge_detach(void *data)
{
	struct merge *m = data;

	/* The request is gone; a worker still busy frees it when done. */
	m->req = NULL;
	if (!m->busy)
		merge_free(m);
}

static int
load(struct merge *m, size_t i, struct lcov_data *out)
{
	char *cause = NULL;
	int err = lcov_parse_file(m->paths[i], out, &cause);

	if (err < 0)
		snprintf(m->errmsg, sizeof(m->errmsg), "job %lld: coverage.info: %s",
		    (long long)m->ids[i], cause ? cause : strerror(-err));
	free(cause);
	return err;
}

static json_t *
summary_json(const struct lcov_data *d)
{
	struct lcov_summary s;
	json_t *files = json_array();

	for (size_t i = 0; i < d->nfiles; i++) {
		lcov_file_summary(&d->files[i], &s);
		json_array_append_new(files,
		    json_pack("{s:s, s:o, s:o, s:o}", "file", d->files[i].path, "lines",
			lcounts_json(&s.lines), "functions", lcounts_json(&s.functions), "branches",
			lcounts_json(&s.branches)));
	}
	lcov_summary(d, &s);
	return json_pack("{s:s, s:n, s:o, s:o, s:o, s:o}", "status", "ok", "message", "lines",
	    lcounts_json(&s.lines), "functions", lcounts_json(&s.functions), "branches",
	    lcounts_json(&s.branches), "files", files);
}

static json_t *
diff_json(const struct lcov_diff_file *d, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *lines = json_array();

		for (size_t k = 0; k < d[i].nlines; k++)
			json_array_append_new(lines, json_integer(d[i].lines[k]));
		json_array_append_new(arr, json_pack("[s, o]", d[i].path, lines));
	}
	return arr;
}

static void
merge_work(uv_work_t *w)
{
	struct merge *m = w->data;
	struct lcov_data acc = { 0 }, one;
	int err = 0;

	m->status = 200;
	if (m->diff) {
		struct lcov_data a = { 0 }, b = { 0 };
		struct lcov_diff_file *ab = NULL, *ba = NULL;
		size_t nab = 0, nba = 0;

		if ((err = load(m, 0, &a)) == 0 && (err = load(m, 1, &b)) == 0 &&
		    (err = lcov_diff(&a, &b, &ab, &nab)) == 0 &&
		    (err = lcov_diff(&b, &a, &ba, &nba)) == 0)
			m->reply = json_pack("{s:I, s:I, s:o, s:o}", "a", (json_int_t)m->ids[0],
			    "b", (json_int_t)m->ids[1], "b_only", diff_json(ab, nab), "a_only",
			    diff_json(ba, nba));
		lcov_diff_free(ab, nab);
		lcov_diff_free(ba, nba);
		lcov_free(&a);
		lcov_free(&b);
	} else {
		for (size_t i = 0; i < m->nids && err == 0; i++) {
			memset(&one, 0, sizeof(one));
			if ((err = load(m, i, &one)) == 0)
				err = lcov_merge(&acc, &one);
			lcov_free(&one);
		}
		if (err == 0 && m->want_info) {
			FILE *f = open_memstream(&m->text, &m->textlen);

			if (f == NULL || lcov_write(&acc, f) < 0)
				err = -EIO;
			if (f != NULL)
				fclose(f);
		} else if (err == 0) {
			json_t *ids = json_array();

			m->reply = summary_json(&acc);
			for (size_t i = 0; i < m->nids; i++)
				json_array_append_new(ids, json_integer(m->ids[i]));
			json_object_set_new(m->reply, "jobs", ids);
		}
		lcov_free(&acc);
	}
	if (err < 0 && m->errmsg[0] == '\0')
		snprintf(m->errmsg, sizeof(m->errmsg), "merging coverage: %s", strerror(-err));
	if (err < 0)
		m->status = 500;
}

static void
merge_after(uv_work_t *w, int status)
{
	struct merge *m = w->data;
	struct http_request *req = m->req;

	m->busy = false;
	if (req == NULL) {
		merge_free(m);
		return;
	}
	if (status < 0 || m->status != 200) {
		http_reply_error(req, HTTP_ERR_INTERNAL, NULL, "%s",
		    m->errmsg[0] ? m->errmsg : "merging coverage failed");
	} else if (m->want_info) {
		http_reply_text(req, 200, "text/plain; charset=utf-8", m->text, m->textlen);
		m->text = NULL;
	} else {
		http_reply_json(req, 200, m->reply);
		m->reply = NULL;
	}
}

/* Resolve IDS to coverage.info paths: every job must exist and have its
 * coverage ok.  Replies and returns false otherwise. */
static bool
merge_prepare(struct http_request *req, struct merge *m)
{
	struct http_env *d = m->d;

	m->paths = calloc(m->nids + 1, sizeof(*m->paths));
	if (m->paths == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return false;
	}
	for (size_t i = 0; i < m->nids; i++) {
		enum coverage_status st;
		char dir[PATH_MAX];
		int err = store_coverage_get(d->store, m->ids[i], &st, NULL, NULL, NULL, NULL);

		if (err < 0) {
			http_reply_job_error(req, m->ids[i], err, "reading coverage");
			return false;
		}
		if (http_reply_if_id_pruned(req, m->ids[i]))
			return false;
		if (st != COV_OK) {
			http_reply_error(req, HTTP_ERR_CONFLICT, "jobs",
			    "job %lld has no coverage to merge (coverage %s)", (long long)m->ids[i],
			    coverage_status_name(st));
			return false;
		}
		paths_job_dir(d->state_dir, m->ids[i], dir, sizeof(dir));
		snprintf(m->paths[i], sizeof(m->paths[i]), "%s/coverage/coverage.info", dir);
	}
	return true;
}

static void
merge_start(struct http_request *req, struct merge *m)
{
	if (!merge_prepare(req, m)) {
		merge_free(m);
		return;
	}
	m->req = req;
	m->busy = true;
	m->work.data = m;
	http_request_set_data(req, m, merge_detach);
	uv_queue_work(m->d->loop, &m->work, merge_work, merge_after);
	http_request_pause(req);
}

/* The job id from S up to the next ',' or the end into *OUT. */
static bool
parse_id(const char *s, int64_t *out)
{
	long long v;

	if (http_int_parse(s, strcspn(s, ","), 1, INT64_MAX, &v) < 0)
		return false;
	*out = v;
	return true;
}

void
http_coverage_merged(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *tag = http_request_query(req, "tag");
	const char *jobs = http_request_query(req, "jobs");
	const char *format = http_request_query(req, "format");
	struct merge *m;

	if ((tag == NULL) == (jobs == NULL)) {
		http_reply_error(req, HTTP_ERR_MISSING_FIELD, "jobs",
		    "give either jobs=A,B,... or tag=T");
		return;
	}
	if (format != NULL && strcmp(format, "info") != 0 && strcmp(format, "json") != 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "format",
		    "format must be json or info");
		return;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	m->d = d;
	m->want_info = format != NULL && strcmp(format, "info") == 0;
	if (tag != NULL) {
		int err = store_coverage_jobs_with_tag(d->store, tag, MERGE_MAX_JOBS, &m->ids,
		    &m->nids);

		if (err < 0) {
			merge_free(m);
			http_reply_errno(req, err, "listing jobs");
			return;
		}
		if (m->nids == 0) {
			merge_free(m);
			http_reply_error(req, HTTP_ERR_NOT_FOUND, "tag",
			    "no job with tag '%.64s' has coverage", tag);
			return;
		}
	} else {
		const char *p = jobs;

		m->ids = calloc(MERGE_MAX_JOBS, sizeof(*m->ids));
		if (m->ids == NULL) {
			merge_free(m);
			http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
			return;
		}
		while (*p != '\0') {
			if (m->nids == MERGE_MAX_JOBS || !parse_id(p, &m->ids[m->nids])) {
				merge_free(m);
				http_reply_error(req, HTTP_ERR_INVALID_FIELD, "jobs",
				    "jobs must be a comma-separated list of at most %d job ids",
				    MERGE_MAX_JOBS);
				return;
			}
			m->nids++;
			p = strchr(p, ',');
			p = p ? p + 1 : "";
		}
		if (m->nids == 0) {
			merge_free(m);
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "jobs", "no job ids given");
			return;
		}
	}
	merge_start(req, m);
}

void
http_coverage_diff(struct http_request *req)
{
	struct merge *m;
	long long a, b;

	/* No job has id 0: it stands for an id not given. */
	if (http_query_int(req, "a", 1, INT64_MAX, 0, &a) < 0 ||
	    http_query_int(req, "b", 1, INT64_MAX, 0, &b) < 0)
		return;
	if (a == 0 || b == 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, a == 0 ? "a" : "b",
		    "give two job ids: a=A&b=B");
		return;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->ids = calloc(2, sizeof(*m->ids))) == NULL) {
		free(m);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	m->d = http_request_env(req);
	m->diff = true;
	m->nids = 2;
	m->ids[0] = a;
	m->ids[1] = b;
	merge_start(req, m);
}
