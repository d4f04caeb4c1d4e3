/*
 * retention.c -- /v1/jobs/{id}/pin and /v1/prune: the handles an owner and
 * an admin have on retention (docs/LAB.md section 5).
 *
 * A pin keeps a job's directory whatever the limits say; its owner or an
 * admin sets and clears it.  POST /v1/prune runs a pass now and answers
 * with what that pass freed: an admin's "make room" button, and how the
 * tests make a pass happen without waiting for the interval.
 */
#include <errno.h>
#include <stdlib.h>

#include "http/handlers.h"
#include "job/job-json.h"
#include "job/job.h"
#include "prune/prune.h"
#include "store/store.h"

static void
set_pinned(struct http_request *req, bool pinned)
{
	struct http_env *d = http_request_env(req);
	struct job *j;
	json_t *o;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id) || (j = http_job_load(req, id)) == NULL)
		return;
	if (!http_request_may_change(req, j->owner)) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, NULL,
		    "job %lld belongs to %s; only they or an admin may %s it", (long long)id,
		    j->owner, pinned ? "pin" : "unpin");
		job_free(j);
		return;
	}
	/* Pinning cannot bring files back: say so rather than pin nothing. */
	if (pinned && j->pruned_ms != 0) {
		job_free(j);
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL,
		    "job %lld was pruned already: there is nothing left to keep", (long long)id);
		return;
	}
	job_free(j);
	if ((err = store_job_set_pinned(d->store, id, pinned)) < 0) {
		http_reply_job_error(req, id, err, "pinning job");
		return;
	}
	if ((j = http_job_load(req, id)) == NULL)
		return;
	o = job_to_json(j);
	job_free(j);
	if (o == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	http_reply_json(req, 200, o);
}

void
http_job_pin(struct http_request *req)
{
	set_pinned(req, true);
}

void
http_job_unpin(struct http_request *req)
{
	set_pinned(req, false);
}

/* ---- POST /v1/prune ---------------------------------------------------------- */

struct prune_req {
	struct http_request *req;
	struct prune *p;
	struct prune_waiter w;
	bool answered;
};

static void
on_pass_done(void *arg, const struct prune_stats *st)
{
	struct prune_req *pr = arg;

	pr->answered = true;
	http_reply_json(pr->req, 200,
	    json_pack("{s:I, s:I, s:I, s:I, s:o}", "jobs_pruned", (json_int_t)st->jobs_pruned,
		"job_bytes_freed", (json_int_t)st->job_bytes, "blobs_deleted",
		(json_int_t)st->blobs_deleted, "blob_bytes_freed", (json_int_t)st->blob_bytes,
		"job_bytes_left",
		st->job_bytes_left >= 0 ? json_integer(st->job_bytes_left) : json_null()));
}

/* The request is complete or its client gone: the pass must not answer. */
static void
prune_req_free(void *data)
{
	struct prune_req *pr = data;

	if (!pr->answered)
		prune_waiter_cancel(pr->p, &pr->w);
	free(pr);
}

void
http_prune_run(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct prune_req *pr;

	if (d->prune == NULL) {
		http_reply_error(req, HTTP_ERR_INTERNAL, NULL, "retention is not running");
		return;
	}
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	pr->req = req;
	pr->p = d->prune;
	pr->w.cb = on_pass_done;
	pr->w.arg = pr;
	http_request_set_data(req, pr, prune_req_free);
	prune_run(d->prune, &pr->w);
	http_request_pause(req);
}
