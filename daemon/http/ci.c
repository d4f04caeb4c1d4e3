/*
 * ci.c -- GET /v1/ci/projects, GET /v1/ci/projects/{name}/deliveries and
 * GET /v1/jobs/{id}/statuses: what the CI projects of --ci-dir are, what
 * their webhooks did, and what became of each CI job's commit statuses
 * (the outbox, ci/status.c), so that a status the forge refused or that
 * was given up shows on the job and beside its delivery.
 *
 * The projects are the set loaded now (the last SIGHUP's); an admin also
 * sees the files that did not load and why.  Secrets and tokens are never
 * shown, nor where they are kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ci/project.h"
#include "http/handlers.h"
#include "job/job-json.h"
#include "store/ci-outbox.h"
#include "store/ci.h"

/* GET .../deliveries without ?limit=, and the most it may ask. */
#define DELIVERIES_DEFAULT 20
#define DELIVERIES_MAX 1000

static json_t *
opt_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
time_ms(int64_t ms)
{
	char buf[40];

	job_time_format(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
time_or_null(int64_t ms)
{
	return ms != 0 ? time_ms(ms) : json_null();
}

/* One outbox row as the API shows it. */
static json_t *
status_json(const struct ci_outbox_row *r)
{
	bool waiting = r->outcome == CI_OUTBOX_WAITING;

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:i, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)r->id, "kind", ci_outbox_kind_name(r->kind), "project", r->project,
	    "commit", r->commit_sha, "state", r->state, "description", r->description, "target_url",
	    opt_str(r->target_url), "created", time_or_null(r->created_ms), "outcome",
	    ci_outbox_outcome_name(r->outcome), "attempts", r->attempts, "next_try",
	    waiting ? time_or_null(r->next_ms) : json_null(), "done", time_or_null(r->done_ms),
	    "http_status", r->http_status > 0 ? json_integer(r->http_status) : json_null(), "error",
	    opt_str(r->last_error));
}

/* The statuses of job ID as a JSON array, or NULL with *ERR. */
static json_t *
statuses_json(struct store *st, int64_t id, int *err)
{
	struct ci_outbox_row *rows = NULL;
	size_t n = 0;
	json_t *arr;

	if ((*err = store_ci_outbox_list_job(st, id, &rows, &n)) < 0)
		return NULL;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, status_json(&rows[i]));
	store_ci_outbox_list_free(rows, n);
	return arr;
}

static json_t *
delivery_json(const struct ci_delivery *dl)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id",
	    (json_int_t)dl->id, "delivery", dl->delivery, "forge", dl->forge, "event", dl->event,
	    "received", time_ms(dl->received_ms), "outcome", store_ci_outcome_name(dl->outcome),
	    "reason", opt_str(dl->reason), "job",
	    dl->job_id ? json_integer(dl->job_id) : json_null(), "ref", opt_str(dl->ref), "commit",
	    opt_str(dl->commit));
}

void
http_ci_projects_list(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct ci_projects *ps = d->ci_projects != NULL ? *d->ci_projects : NULL;
	json_t *arr = json_array(), *o;

	for (size_t i = 0; ps != NULL && i < ps->n; i++) {
		const struct ci_project *p = ps->v[i];
		struct ci_delivery *last = NULL;
		size_t n = 0;
		int err;

		o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:b}", "name", p->name,
		    "forge", ci_forge_name(p->forge), "repository", opt_str(p->repository),
		    "api_url", opt_str(p->api_url), "workflow", opt_str(p->workflow), "job",
		    opt_str(p->job), "artifact", opt_str(p->artifact), "owner", p->owner,
		    "supersede", p->supersede);
		if ((err = store_ci_deliveries_list(d->store, p->name, 1, &last, &n)) < 0) {
			json_decref(o);
			json_decref(arr);
			http_reply_errno(req, err, "reading the deliveries");
			return;
		}
		json_object_set_new(o, "last_delivery",
		    n > 0 ? delivery_json(&last[0]) : json_null());
		store_ci_deliveries_free(last, n);
		json_array_append_new(arr, o);
	}
	o = json_pack("{s:o}", "projects", arr);
	if (http_request_is_admin(req)) {
		json_t *errs = json_array();

		for (size_t i = 0; ps != NULL && i < ps->nerrors; i++)
			json_array_append_new(errs,
			    json_pack("{s:s, s:s}", "file", ps->errors[i].file, "message",
				ps->errors[i].message));
		json_object_set_new(o, "errors", errs);
	}
	http_reply_json(req, 200, o);
}

void
http_ci_deliveries_list(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *name = http_request_param(req, "name");
	struct ci_projects *ps = d->ci_projects != NULL ? *d->ci_projects : NULL;
	struct ci_delivery *v = NULL;
	long long limit;
	size_t n = 0;
	json_t *arr;
	int err;

	if (http_query_int(req, "limit", 1, DELIVERIES_MAX, DELIVERIES_DEFAULT, &limit) < 0)
		return;
	/* A project gone from --ci-dir keeps its history, and '' holds the
	 * deliveries no project matched: both may be asked for. */
	if (name == NULL ||
	    (ci_projects_find(ps, name) == NULL && strcmp(name, "-") != 0 &&
		store_ci_deliveries_list(d->store, name, 1, &v, &n) == 0 && n == 0)) {
		store_ci_deliveries_free(v, n);
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no CI project '%.64s'",
		    name != NULL ? name : "");
		return;
	}
	store_ci_deliveries_free(v, n);
	v = NULL;
	n = 0;
	err = store_ci_deliveries_list(d->store, strcmp(name, "-") == 0 ? "" : name, (int)limit, &v,
	    &n);
	if (err < 0) {
		http_reply_errno(req, err, "reading the deliveries");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = delivery_json(&v[i]), *st = NULL;

		/* What the forge was told about the job the delivery made. */
		if (v[i].job_id != 0 && (st = statuses_json(d->store, v[i].job_id, &err)) == NULL &&
		    err != -ENOENT)
			log_warn(err, "ci: the statuses of job %lld", (long long)v[i].job_id);
		json_object_set_new(o, "statuses", st != NULL ? st : json_array());
		json_array_append_new(arr, o);
	}
	store_ci_deliveries_free(v, n);
	http_reply_json(req, 200, json_pack("{s:s, s:o}", "project", name, "deliveries", arr));
}

void
http_job_statuses(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	json_t *arr;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id))
		return;
	if ((arr = statuses_json(d->store, id, &err)) == NULL) {
		http_reply_job_error(req, id, err, "listing commit statuses");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o}", "statuses", arr));
}
