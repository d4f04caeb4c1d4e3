/*
 * history.c -- GET /v1/tests/history?test=NAME: one test's verdicts over
 * time (docs/COMPARE.md), with the kernel and job of each, its pass rate
 * and how often it flipped.  A test is named as `pkvmctl compare` prints
 * it: "kvm-ktap / psci / system_off", the test and its sub-test path.
 * Read in the thread pool (reader.c): a test's history spans every job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/handlers.h"
#include "job/job-json.h"
#include "store/store.h"
#include "wire.h"

/* The longest history asked for. */
#define HISTORY_MAX_RUNS 10000
#define HISTORY_DEFAULT_RUNS 100
/* How a sub-test path is written after the test's name. */
#define PATH_SEP " / "
#define PATH_MAX_DEPTH 16

struct history {
	char *test; /* the name as given, cut at each PATH_SEP */
	char *names[PATH_MAX_DEPTH + 1];
	size_t nnames;
	char *tag;
	int last;
};

static void
history_free(void *arg)
{
	struct history *h = arg;

	free(h->test);
	free(h->tag);
	free(h);
}

static void
history_work(struct store *st, const char *state_dir, void *arg, struct http_reader_result *res)
{
	struct history *h = arg;
	struct test_run *runs = NULL;
	json_t *arr, *path, *o;
	size_t n = 0, passes = 0, fails = 0, flips = 0;
	int last = -1; /* the last pass (1) or failure (0) seen, oldest first */
	int err;

	(void)state_dir;
	err = store_test_history(st, h->names[0], h->names + 1, h->nnames - 1, h->tag, h->last,
	    &runs, &n);
	if (err < 0) {
		http_reader_fail(res, HTTP_ERR_INTERNAL, NULL, "reading the history: %s",
		    strerror(-err));
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct test_run *r = &runs[i];
		char created[40];

		job_time_format(r->created_ms, created, sizeof(created));
		json_array_append_new(arr,
		    json_pack("{s:I, s:i, s:s, s:s, s:s, s:o}", "job", (json_int_t)r->job_id,
			"attempt", r->attempt, "created", created, "kernel", r->kernel, "verdict",
			test_verdict_name(r->verdict), "duration",
			r->duration_ms >= 0 ? json_real((double)r->duration_ms / 1000.0)
					    : json_null()));
	}
	/* Oldest first for the flips: a change between two runs that each
	 * passed or failed (skips and runs that never ran do not count). */
	for (size_t i = n; i-- > 0;) {
		int now = runs[i].verdict == VERDICT_PASS  ? 1
		    : test_verdict_failed(runs[i].verdict) ? 0
							   : -1;

		passes += now == 1;
		fails += now == 0;
		if (now >= 0 && last >= 0 && now != last)
			flips++;
		if (now >= 0)
			last = now;
	}
	path = json_array();
	for (size_t i = 1; i < h->nnames; i++)
		json_array_append_new(path, json_string(h->names[i]));
	o = json_pack("{s:s, s:o, s:o, s:I, s:I, s:o, s:I}", "test", h->names[0], "path", path,
	    "runs", arr, "passes", (json_int_t)passes, "fails", (json_int_t)fails, "pass_rate",
	    passes + fails > 0 ? json_real((double)passes / (double)(passes + fails)) : json_null(),
	    "flips", (json_int_t)flips);
	free(runs);
	if (o != NULL && (res->text = json_dumps(o, JSON_COMPACT)) != NULL)
		res->len = strlen(res->text);
	json_decref(o);
}

void
http_test_history(struct http_request *req)
{
	const char *test = http_request_query(req, "test");
	const char *tag = http_request_query(req, "tag");
	struct history *h;
	long long last;
	char *p;

	if (test == NULL || *test == '\0') {
		http_reply_error(req, HTTP_ERR_MISSING_FIELD, "test",
		    "give the test: test=NAME, or NAME / SUB / ... for a sub-test");
		return;
	}
	if (tag != NULL && !pkvm_tag_valid(tag)) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "tag", "not a tag: '%.64s'", tag);
		return;
	}
	if (http_query_int(req, "last", 1, HISTORY_MAX_RUNS, HISTORY_DEFAULT_RUNS, &last) < 0)
		return;
	if ((h = calloc(1, sizeof(*h))) == NULL || (h->test = strdup(test)) == NULL ||
	    (tag != NULL && (h->tag = strdup(tag)) == NULL)) {
		if (h != NULL)
			history_free(h);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	h->last = (int)last;
	for (p = h->test; p != NULL;) {
		char *sep = strstr(p, PATH_SEP);

		if (h->nnames == PATH_MAX_DEPTH + 1) {
			history_free(h);
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "test",
			    "a sub-test path of more than %d names", PATH_MAX_DEPTH);
			return;
		}
		if (sep != NULL)
			*sep = '\0';
		h->names[h->nnames++] = p;
		p = sep != NULL ? sep + strlen(PATH_SEP) : NULL;
	}
	http_reader_run(req, history_work, h, history_free);
}
