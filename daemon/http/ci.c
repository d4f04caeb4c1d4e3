/*
 * ci.c -- GET /v1/ci/projects and GET /v1/ci/projects/{name}/deliveries:
 * what the CI projects of --ci-dir are and what their webhooks did.
 *
 * The projects are the set loaded now (the last SIGHUP's); an admin also
 * sees the files that did not load and why.  Secrets and tokens are never
 * shown, nor where they are kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ci/project.h"
#include "http/handlers.h"
#include "job/job-json.h"
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
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, delivery_json(&v[i]));
	store_ci_deliveries_free(v, n);
	http_reply_json(req, 200, json_pack("{s:s, s:o}", "project", name, "deliveries", arr));
}
