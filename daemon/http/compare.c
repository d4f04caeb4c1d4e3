/*
 * compare.c -- GET /v1/compare?a=&b=: what changed from run A to run B
 * (docs/COMPARE.md).
 *
 * Two kernel runs may hold 100,000 sub-results each, coverage records by
 * the megabyte and crash reports: reading them is far more than a turn of
 * the loop may take, so the whole comparison runs in the thread pool on a
 * connection of its own (reader.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/paths.h"
#include "compare/compare.h"
#include "http/handlers.h"
#include "wire.h"

/* One side as the client named it: a job id, "tag:T" or "kernel:SHA256". */
struct side {
	char spec[160];
	int64_t id;
	struct job *job;
	struct test_full *tests;
	size_t ntests;
	struct cmp_item *items;
	size_t nitems;
	struct crash_record *crashes;
	size_t ncrashes;
	enum coverage_status cov;
	struct lcov_data lcov;
};

struct compare {
	const char *state_dir; /* the worker's, while it runs */
	bool all; /* ?all=1: unchanged results too */
	struct side s[2];
	struct http_reader_result *res;
};

/* Free what the sides hold (all of it NULL or empty after). */
static void
sides_free(struct compare *c)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &c->s[i];

		job_free(s->job);
		store_test_list_full_free(s->tests, s->ntests);
		cmp_items_free(s->items, s->nitems);
		store_crash_list_free(s->crashes, s->ncrashes);
		lcov_free(&s->lcov);
		s->job = NULL;
		s->tests = NULL;
		s->items = NULL;
		s->crashes = NULL;
		s->ntests = s->nitems = s->ncrashes = 0;
	}
}

static void
compare_free(void *arg)
{
	struct compare *c = arg;

	sides_free(c);
	free(c);
}

#define fail(c, ...) http_reader_fail((c)->res, __VA_ARGS__)

/* ---- the worker: load ----------------------------------------------------- */

/* Find side I's job and load what it ran. */
static int
load_side(struct compare *c, struct store *st, int i)
{
	struct side *s = &c->s[i];
	const char *name = i == 0 ? "a" : "b";
	char dir[PATH_MAX], info[PATH_MAX + 32];
	int err;

	if (strncmp(s->spec, "tag:", 4) == 0 || strncmp(s->spec, "kernel:", 7) == 0) {
		bool tag = s->spec[0] == 't';
		const char *v = s->spec + (tag ? 4 : 7);

		if ((err = store_job_latest(st, tag ? v : NULL, tag ? NULL : v, &s->id)) == -ENOENT)
			return fail(c, HTTP_ERR_NOT_FOUND, name, "no finished job with %s '%.80s'",
			    tag ? "tag" : "kernel", v);
		if (err < 0)
			return fail(c, HTTP_ERR_INTERNAL, NULL, "finding job %s: %s", name,
			    strerror(-err));
	}
	if ((err = store_job_get(st, s->id, &s->job)) == -ENOENT)
		return fail(c, HTTP_ERR_NOT_FOUND, name, "no job %lld", (long long)s->id);
	if (err < 0)
		return fail(c, HTTP_ERR_INTERNAL, NULL, "loading job %lld: %s", (long long)s->id,
		    strerror(-err));
	if (s->job->state != JOB_DONE)
		return fail(c, HTTP_ERR_CONFLICT, name,
		    "job %lld is %s: a comparison is of finished jobs", (long long)s->id,
		    job_state_name(s->job->state));
	if ((err = store_test_list_full(st, s->id, &s->tests, &s->ntests)) < 0 ||
	    (err = cmp_items_from_tests(s->tests, s->ntests, &s->items, &s->nitems)) < 0 ||
	    (err = store_crash_list(st, s->id, &s->crashes, &s->ncrashes)) < 0 ||
	    (err = store_coverage_get(st, s->id, &s->cov, NULL, NULL, NULL, NULL)) < 0)
		return fail(c, HTTP_ERR_INTERNAL, NULL, "reading job %lld: %s", (long long)s->id,
		    strerror(-err));
	if (s->cov == COV_OK && s->job->pruned_ms == 0) {
		char *cause = NULL;

		paths_job_dir(c->state_dir, s->id, dir, sizeof(dir));
		snprintf(info, sizeof(info), "%s/coverage/coverage.info", dir);
		if ((err = lcov_parse_file(info, &s->lcov, &cause)) < 0) {
			free(cause);
			s->cov = COV_ERROR; /* compared without it; the reply says so */
		}
		free(cause);
	}
	return 0;
}

/* ---- the worker: render --------------------------------------------------- */

static json_t *
side_json(const struct side *s)
{
	json_t *tags = json_array();

	for (size_t i = 0; i < s->job->ntags; i++)
		json_array_append_new(tags, json_string(s->job->tags[i]));
	return json_pack("{s:I, s:s, s:s?, s:o}", "job", (json_int_t)s->id, "kernel",
	    s->job->kernel, "result", job_result_name(s->job->result), "tags", tags);
}

/* The names of KEY: the test, then the sub-test path. */
static json_t *
row_json(const struct cmp_row *r)
{
	const char *key = r->a != NULL ? r->a->key : r->b->key, *sep = strchr(key, CMP_KEY_SEP);
	json_t *path = json_array(), *o;

	for (const char *p = sep; p != NULL;) {
		const char *next = strchr(p + 1, CMP_KEY_SEP);
		size_t len = next != NULL ? (size_t)(next - p - 1) : strlen(p + 1);

		json_array_append_new(path, json_stringn(p + 1, len));
		p = next;
	}
	o = json_pack("{s:s%, s:o, s:s, s:s?, s:s?}", "test", key,
	    sep != NULL ? (size_t)(sep - key) : strlen(key), "path", path, "change",
	    cmp_change_name(r->change), "a", r->a ? test_verdict_name(r->a->verdict) : NULL, "b",
	    r->b ? test_verdict_name(r->b->verdict) : NULL);
	return o;
}

static json_t *
crash_list_json(const struct crash_record *c, const size_t *idx, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct crash_record *r = &c[idx[i]];

		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:s?}", "title", r->title ? r->title : "", "kind",
			r->kind ? r->kind : "", "test", r->test));
	}
	return arr;
}

static json_t *
coverage_json(struct compare *c, int *err)
{
	const struct side *a = &c->s[0], *b = &c->s[1];
	struct cmp_cov_file *f = NULL;
	uint64_t t[4] = { 0 };
	json_t *files;
	size_t n = 0;

	if (a->cov != COV_OK || b->cov != COV_OK)
		return json_pack("{s:b, s:s}", "compared", 0, "why",
		    a->cov != COV_OK ? "job a has no coverage to compare"
				     : "job b has no coverage to compare");
	if (a->job->pruned_ms != 0 || b->job->pruned_ms != 0)
		return json_pack("{s:b, s:s}", "compared", 0, "why",
		    "a job's coverage records were pruned");
	if ((*err = cmp_coverage(&a->lcov, &b->lcov, &f, &n)) < 0)
		return NULL;
	files = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(files,
		    json_pack("{s:s, s:I, s:I, s:I, s:I}", "file", f[i].path, "lines_gained",
			(json_int_t)f[i].lines_gained, "lines_lost", (json_int_t)f[i].lines_lost,
			"branches_gained", (json_int_t)f[i].branches_gained, "branches_lost",
			(json_int_t)f[i].branches_lost));
		t[0] += f[i].lines_gained;
		t[1] += f[i].lines_lost;
		t[2] += f[i].branches_gained;
		t[3] += f[i].branches_lost;
	}
	free(f);
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:o}", "compared", 1, "lines_gained",
	    (json_int_t)t[0], "lines_lost", (json_int_t)t[1], "branches_gained", (json_int_t)t[2],
	    "branches_lost", (json_int_t)t[3], "files", files);
}

/* A duration pair in seconds, and whether it moved beyond noise. */
static json_t *
duration_json(const char *key, const char *name, int64_t a_ms, int64_t b_ms)
{
	return json_pack("{s:s, s:f, s:f, s:b}", key, name, "a", (double)a_ms / 1000.0, "b",
	    (double)b_ms / 1000.0, "changed", cmp_duration_changed(a_ms, b_ms));
}

/* The job's span, the guest's timing marks both runs have, and the tests
 * whose durations moved beyond noise (all with ?all=1). */
static json_t *
durations_json(struct compare *c, const struct cmp_row *rows, size_t n)
{
	const struct job *ja = c->s[0].job, *jb = c->s[1].job;
	json_t *marks = json_array(), *tests = json_array(), *ma, *mb;
	const char *name;
	json_t *v;

	ma = ja->timings ? json_loads(ja->timings, 0, NULL) : NULL;
	mb = jb->timings ? json_loads(jb->timings, 0, NULL) : NULL;
	json_object_foreach(ma, name, v)
	{
		json_t *w = json_object_get(mb, name);

		if (json_is_number(v) && json_is_number(w))
			json_array_append_new(marks,
			    duration_json("mark", name, (int64_t)(json_number_value(v) * 1000),
				(int64_t)(json_number_value(w) * 1000)));
	}
	json_decref(ma);
	json_decref(mb);
	for (size_t i = 0; i < n; i++) {
		const struct cmp_row *r = &rows[i];

		if (r->a == NULL || r->b == NULL || r->a->duration_ms < 0 || r->b->duration_ms < 0)
			continue;
		if (c->all || cmp_duration_changed(r->a->duration_ms, r->b->duration_ms))
			json_array_append_new(tests,
			    duration_json("test", r->a->key, r->a->duration_ms, r->b->duration_ms));
	}
	int64_t ra = ja->finished_ms - ja->started_ms, rb = jb->finished_ms - jb->started_ms;

	return json_pack("{s:{s:f, s:f, s:b}, s:o, s:o}", "run", "a", (double)ra / 1000.0, "b",
	    (double)rb / 1000.0, "changed", cmp_duration_changed(ra, rb), "marks", marks, "tests",
	    tests);
}

static int
by_change(const void *x, const void *y)
{
	const struct cmp_row *a = x, *b = y;
	const char *ka = a->a ? a->a->key : a->b->key, *kb = b->a ? b->a->key : b->b->key;

	if (a->change != b->change)
		return a->change < b->change ? -1 : 1;
	return strcmp(ka, kb);
}

/* A regression of a test that both passed and failed before on A's
 * kernel and test files (019-outcomes.sql) is no evidence against B:
 * "flaky", which the gate does not count.  When B ran on the same kernel
 * and files, its own failure is among those counted, and is not "before". */
static void
flaky_before(struct compare *c, struct store *st, struct cmp_row *rows, size_t n,
    size_t counts[CMP__COUNT])
{
	const struct job *a = c->s[0].job, *b = c->s[1].job;
	int64_t own = strcmp(a->kernel, b->kernel) == 0 && strcmp(a->tests_key, b->tests_key) == 0;
	char key[2048];

	if (a->tests_key[0] == '\0' || counts[CMP_REGRESSED] == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		int64_t passes, fails;
		size_t k = 0;

		if (rows[i].change != CMP_REGRESSED)
			continue;
		for (const char *p = rows[i].a->key; *p != '\0' && k + 4 < sizeof(key); p++) {
			if (*p == CMP_KEY_SEP) {
				memcpy(key + k, " / ", 3);
				k += 3;
			} else {
				key[k++] = *p;
			}
		}
		key[k] = '\0';
		if (store_outcome_get(st, a->kernel, a->tests_key, key, &passes, &fails) == 0 &&
		    passes > 0 && fails - own > 0) {
			rows[i].change = CMP_FLAKY;
			counts[CMP_REGRESSED]--;
			counts[CMP_FLAKY]++;
		}
	}
}

static int
render(struct compare *c, struct store *st)
{
	struct side *a = &c->s[0], *b = &c->s[1];
	size_t counts[CMP__COUNT], *new_idx = NULL, *gone_idx = NULL, nnew = 0, ngone = 0, n = 0;
	struct cmp_row *rows = NULL;
	json_t *o = NULL, *tests, *cnt, *cov = NULL, *durations;
	int err;

	if ((err = cmp_tests(a->items, a->nitems, b->items, b->nitems, &rows, &n, counts)) < 0 ||
	    (err = cmp_crashes(a->crashes, a->ncrashes, b->crashes, b->ncrashes, &new_idx, &nnew,
		 &gone_idx, &ngone)) < 0)
		goto out;
	flaky_before(c, st, rows, n, counts);
	if ((cov = coverage_json(c, &err)) == NULL)
		goto out;
	durations = durations_json(c, rows, n);
	qsort(rows, n, sizeof(*rows), by_change);
	tests = json_array();
	cnt = json_object();
	for (int k = 0; k < CMP__COUNT; k++)
		json_object_set_new(cnt, cmp_change_name(k), json_integer((json_int_t)counts[k]));
	for (size_t i = 0; i < n; i++)
		if (c->all || rows[i].change != CMP_UNCHANGED)
			json_array_append_new(tests, row_json(&rows[i]));
	o = json_pack("{s:o, s:o, s:b, s:o, s:o, s:{s:o, s:o}, s:o, s:o}", "a", side_json(a), "b",
	    side_json(b), "regressed", counts[CMP_REGRESSED] > 0 || nnew > 0, "counts", cnt,
	    "tests", tests, "crashes", "new", crash_list_json(b->crashes, new_idx, nnew), "gone",
	    crash_list_json(a->crashes, gone_idx, ngone), "coverage", cov, "durations", durations);
	cov = NULL;
	if (o == NULL || (c->res->text = json_dumps(o, JSON_COMPACT)) == NULL)
		err = -ENOMEM;
	else
		c->res->len = strlen(c->res->text);
out:
	json_decref(o);
	json_decref(cov);
	free(rows);
	free(new_idx);
	free(gone_idx);
	return err;
}

static void
compare_work(struct store *st, const char *state_dir, void *arg, struct http_reader_result *res)
{
	struct compare *c = arg;
	int err;

	c->res = res;
	c->state_dir = state_dir;
	if (load_side(c, st, 0) == 0 && load_side(c, st, 1) == 0 && (err = render(c, st)) < 0)
		fail(c, HTTP_ERR_INTERNAL, NULL, "comparing: %s", strerror(-err));
	/* Here, not on the loop: two big runs are 200,000 strings to free. */
	sides_free(c);
}

/* ---- the request ---------------------------------------------------------- */

/* Query parameter NAME as a side: a job id, tag:T or kernel:SHA256. */
static bool
side_param(struct http_request *req, const char *name, struct side *s)
{
	const char *v = http_request_query(req, name);
	long long id;

	if (v == NULL || *v == '\0') {
		http_reply_error(req, HTTP_ERR_MISSING_FIELD, name,
		    "give two runs: a=ID|tag:T|kernel:SHA256&b=...");
		return false;
	}
	if (strncmp(v, "tag:", 4) == 0 ? !pkvm_tag_valid(v + 4)
		: strncmp(v, "kernel:", 7) == 0
		? !pkvm_sha256_hex_valid(v + 7)
		: http_int_parse(v, strlen(v), 1, INT64_MAX, &id) < 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, name,
		    "%s must be a job id, tag:TAG or kernel:SHA256, not '%.64s'", name, v);
		return false;
	}
	snprintf(s->spec, sizeof(s->spec), "%s", v);
	if (v[0] >= '0' && v[0] <= '9')
		s->id = id;
	return true;
}

void
http_compare(struct http_request *req)
{
	struct compare *c = calloc(1, sizeof(*c));
	long long all;

	if (c == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	if (!side_param(req, "a", &c->s[0]) || !side_param(req, "b", &c->s[1]) ||
	    http_query_int(req, "all", 0, 1, 0, &all) < 0) {
		compare_free(c);
		return;
	}
	c->all = all != 0;
	http_reader_run(req, compare_work, c, compare_free);
}
