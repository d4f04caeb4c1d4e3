/*
 * statuses.c -- GET /v1/jobs/{id}/statuses: what the outbox did with a
 * CI job's commit statuses and callback (ci/status.c), row by row, so
 * that a status the forge refused or that was given up shows on the job
 * (docs/API.md).
 */
#include <jansson.h>

#include "http/handlers.h"
#include "http/private.h"
#include "job/job-json.h"
#include "store/ci-outbox.h"

/* A time in ms as the API writes it, or null for 0. */
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
text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* One outbox row as the API shows it. */
static json_t *
row_json(const struct ci_outbox_row *r)
{
	bool waiting = r->outcome == CI_OUTBOX_WAITING;

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:i, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)r->id, "kind", ci_outbox_kind_name(r->kind), "project", r->project,
	    "commit", r->commit_sha, "state", r->state, "description", r->description, "target_url",
	    text_or_null(r->target_url), "created", time_or_null(r->created_ms), "outcome",
	    ci_outbox_outcome_name(r->outcome), "attempts", r->attempts, "next_try",
	    waiting ? time_or_null(r->next_ms) : json_null(), "done", time_or_null(r->done_ms),
	    "http_status", r->http_status > 0 ? json_integer(r->http_status) : json_null(), "error",
	    text_or_null(r->last_error));
}

void
http_job_statuses(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct ci_outbox_row *rows = NULL;
	size_t n = 0;
	json_t *arr;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id))
		return;
	if ((err = store_ci_outbox_list_job(d->store, id, &rows, &n)) < 0) {
		http_reply_job_error(req, id, err, "listing commit statuses");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, row_json(&rows[i]));
	store_ci_outbox_list_free(rows, n);
	http_reply_json(req, 200, json_pack("{s:o}", "statuses", arr));
}
