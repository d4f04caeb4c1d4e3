/*
 * flaky.c -- GET /v1/flaky?tag=T&limit=N: the tests that both passed and
 * failed on one kernel with one set of test files (docs/COMPARE.md),
 * newest first, from the counts the store keeps (019-outcomes.sql).
 * Read in the thread pool (reader.c): the tag's filter looks at jobs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/handlers.h"
#include "store/store.h"
#include "wire.h"

#define FLAKY_MAX 10000

struct flaky_query {
	char *tag;
	int limit;
};

static void
flaky_query_free(void *arg)
{
	struct flaky_query *q = arg;

	free(q->tag);
	free(q);
}

static void
flaky_work(struct store *st, const char *state_dir, void *arg, struct http_reader_result *res)
{
	struct flaky_query *q = arg;
	struct flaky_test *f = NULL;
	json_t *arr, *o;
	size_t n = 0;
	int err;

	(void)state_dir;
	if ((err = store_flaky(st, q->tag, q->limit, &f, &n)) < 0) {
		http_reader_fail(res, HTTP_ERR_INTERNAL, NULL, "listing flaky tests: %s",
		    strerror(-err));
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:I}", "test", f[i].test, "kernel",
			f[i].kernel, "tests_key", f[i].tests_key, "passes", (json_int_t)f[i].passes,
			"fails", (json_int_t)f[i].fails, "pass_rate",
			(double)f[i].passes / (double)(f[i].passes + f[i].fails), "last_job",
			(json_int_t)f[i].last_job));
	store_flaky_free(f, n);
	o = json_pack("{s:o}", "flaky", arr);
	if (o != NULL && (res->text = json_dumps(o, JSON_COMPACT)) != NULL)
		res->len = strlen(res->text);
	json_decref(o);
}

void
http_flaky(struct http_request *req)
{
	const char *tag = http_request_query(req, "tag");
	struct flaky_query *q;
	long long limit;

	if (tag != NULL && !pkvm_tag_valid(tag)) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "tag", "not a tag: '%.64s'", tag);
		return;
	}
	if (http_query_int(req, "limit", 1, FLAKY_MAX, 100, &limit) < 0)
		return;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (tag != NULL && (q->tag = strdup(tag)) == NULL)) {
		free(q);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	q->limit = (int)limit;
	http_reader_run(req, flaky_work, q, flaky_query_free);
}
