/*
 * hooks.c -- POST /v1/hooks/github, /v1/hooks/gitlab, /v1/hooks/generic:
 * webhooks from CI (docs/CI.md).
 *
 * The signature is the authentication, and it is checked before the
 * body is parsed: the raw body (kept as it came, HTTP_BODY_RAW) is
 * verified against the secret of each project of that forge in turn,
 * each compare in constant time, and only the projects whose secret
 * verifies are candidates.  So no JSON parser ever reads bytes that no
 * configured secret signed, and finding the project needs no trust in
 * the body.  The cost is one HMAC per project of the forge, microseconds
 * for the handful a lab has.  Then the body is read (ci/hook-payload.c,
 * which decides everything the body says) and the project is the
 * candidate whose repository (and workflow or job, as several projects
 * may share a repository) the event names.
 *
 * Every delivery is recorded (store/ci.h) with what became of it:
 *   401 refused   a missing or wrong signature (the only thing stored)
 *   400 refused   a signed body that is not what the forge sends
 *   404 refused   signed, but no project has its repository / name
 *   200 ignored   an event the project does not want, with the reason
 *   200 ping      GitHub's ping: pong
 *   202 pending   wanted: the download started, the job comes later
 *   200 duplicate a delivery id seen before: what it did then, and no
 *                 second job (200, not 409: a forge marks a non-2xx
 *                 delivery failed, and a redelivery that finds its work
 *                 done has not failed)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "ci/hook-payload.h"
#include "ci/project.h"
#include "ci/signature.h"
#include "http/handlers.h"
#include "store/ci.h"
#include "wire.h"

/* One delivery being decided. */
struct hook {
	struct http_request *req;
	struct http_env *d;
	struct ci_projects *ps; /* referenced while deciding */
	const char *forge;
	char delivery[CI_HOOK_DELIVERY_MAX + 1];
	const char *event;
	const struct ci_project **cand; /* whose secret verifies */
	size_t ncand;
};

static void
hook_done(struct hook *h)
{
	free(h->cand);
	ci_projects_unref(h->ps);
}

/* Record the delivery; *ROW its row.  -EEXIST for a delivery id taken
 * before. */
static int
record(struct hook *h, const struct ci_project *p, enum ci_outcome o, const char *reason,
    const char *ref, const char *commit, int64_t *row)
{
	const struct ci_delivery rec = {
		.project = p != NULL ? p->name : "",
		.forge = (char *)h->forge,
		.delivery = h->delivery,
		.event = (char *)(h->event != NULL ? h->event : ""),
		.received_ms = clock_now_ms(),
		.outcome = o,
		.reason = (char *)reason,
		.ref = (char *)ref,
		.commit = (char *)commit,
	};
	int64_t unused;
	int err = store_ci_delivery_add(h->d->store, &rec, row != NULL ? row : &unused);

	if (err < 0 && err != -EEXIST)
		log_warn(err, "ci: recording %s delivery '%s'", h->forge, h->delivery);
	return err;
}

/* Refuse the delivery: a refused row and the error ERR. */
static void __attribute__((format(printf, 4, 5)))
refuse(struct hook *h, enum http_error err, const struct ci_project *p, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("ci: %s delivery '%s' refused: %s", h->forge, h->delivery, why);
	record(h, p, CI_REFUSED, why, NULL, NULL, NULL);
	http_reply_error(h->req, err, NULL, "%s", why);
}

/* Answer a delivery id seen before with what it did then. */
static void
duplicate(struct hook *h)
{
	struct ci_delivery old;
	int err = store_ci_delivery_find(h->d->store, h->forge, h->delivery, &old);

	if (err < 0) {
		http_reply_errno(h->req, err, "reading the earlier delivery");
		return;
	}
	http_reply_json(h->req, 200,
	    json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "delivery", h->delivery, "outcome",
		"duplicate", "project", old.project, "original", store_ci_outcome_name(old.outcome),
		"job", old.job_id ? json_integer(old.job_id) : json_null(), "reason",
		old.reason ? json_string(old.reason) : json_null()));
	store_ci_delivery_clear(&old);
}

/* An event project P does not want: 200 with the reason. */
static void __attribute__((format(printf, 5, 6))) ignore(struct hook *h, const struct ci_project *p,
    const char *ref, const char *commit, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (record(h, p, CI_IGNORED, why, ref, commit, NULL) == -EEXIST) {
		duplicate(h);
		return;
	}
	http_reply_json(h->req, 200,
	    json_pack("{s:s, s:s, s:s, s:s}", "delivery", h->delivery, "outcome", "ignored",
		"project", p->name, "reason", why));
}

/* A wanted push: a pending row, the download started, 202. */
static void
accept_push(struct hook *h, struct http_hook_push *hp)
{
	char *why = NULL;
	int err;

	hp->projects = h->ps;
	if (record(h, hp->project, CI_PENDING, NULL, hp->ref, hp->commit, &hp->row) == -EEXIST) {
		duplicate(h);
		return;
	}
	if ((err = http_hook_delivery_start(h->d, hp, &why)) < 0) {
		const char *text = why != NULL ? why : strerror(-err);

		log_warnx("ci: %s: delivery '%s' failed: %s", hp->project->name, h->delivery, text);
		store_ci_delivery_finish(h->d->store, hp->row, CI_FAILED, text);
		http_reply_error(h->req, HTTP_ERR_INTERNAL, NULL, "%s", text);
		free(why);
		return;
	}
	log_info("ci: %s: %s delivery '%s' for %s at %.12s: fetching", hp->project->name, h->forge,
	    h->delivery, hp->ref, hp->commit);
	http_reply_json(h->req, 202,
	    json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "delivery", h->delivery, "id",
		(json_int_t)hp->row, "outcome", "pending", "project", hp->project->name, "ref",
		hp->ref, "commit", hp->commit));
}

/* Start deciding REQ's delivery for FORGE: false after a reply. */
static bool
hook_begin(struct hook *h, struct http_request *req, enum ci_forge forge, const char *id)
{
	memset(h, 0, sizeof(*h));
	h->req = req;
	h->d = http_request_env(req);
	h->forge = ci_forge_name(forge);
	snprintf(h->delivery, sizeof(h->delivery), "%s", id != NULL ? id : "");
	if (h->d->ci_projects == NULL || *h->d->ci_projects == NULL) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL,
		    "this server takes no CI webhooks (pkvmd --ci-dir)");
		return false;
	}
	h->ps = ci_projects_ref(*h->d->ci_projects);
	if ((h->cand = calloc(h->ps->n + 1, sizeof(*h->cand))) == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return false;
	}
	return true;
}

/* The projects of FORGE whose secret verifies the body by CHECK: every
 * one is tried, so the time does not say which one matched. */
static void
find_candidates(struct hook *h, enum ci_forge forge, const char *header, bool token)
{
	size_t len;
	const char *body = http_request_body(h->req, &len);

	for (size_t i = 0; i < h->ps->n; i++) {
		const struct ci_project *p = h->ps->v[i];
		int r;

		if (p->forge != forge)
			continue;
		r = token ? ci_token_check(header, p->secret, p->secret_len)
			  : ci_signature_check(header, p->secret, p->secret_len, body, len);
		if (r == 0)
			h->cand[h->ncand++] = p;
	}
}

/* The HTTP error of a refusal WHY. */
static enum http_error
refusal_error(enum ci_hook_refusal why)
{
	switch (why) {
	case CI_HOOK_BAD_JSON:
		return HTTP_ERR_BAD_JSON;
	case CI_HOOK_MISSING:
		return HTTP_ERR_MISSING_FIELD;
	case CI_HOOK_UNKNOWN:
		return HTTP_ERR_UNKNOWN_FIELD;
	case CI_HOOK_NO_PROJECT:
		return HTTP_ERR_NOT_FOUND;
	case CI_HOOK_WRONG_SECRET:
		return HTTP_ERR_UNAUTHORIZED;
	case CI_HOOK_INVALID:
		break;
	}
	return HTTP_ERR_INVALID_FIELD;
}

/* Record and answer what the body R asked for. */
static void
answer(struct hook *h, struct ci_hook_read *r)
{
	struct http_hook_push hp = { 0 };

	switch (r->verdict) {
	case CI_HOOK_REFUSE:
		refuse(h, refusal_error(r->refusal), r->project, "%s", r->reason);
		return;
	case CI_HOOK_IGNORE:
		ignore(h, r->project, r->ref, r->commit, "%s", r->reason);
		return;
	case CI_HOOK_PONG:
		if (record(h, r->project, CI_IGNORED, r->reason, NULL, NULL, NULL) == -EEXIST) {
			duplicate(h);
			return;
		}
		http_reply_json(h->req, 200,
		    json_pack("{s:s, s:s, s:s, s:s}", "delivery", h->delivery, "outcome", "pong",
			"project", r->project->name, "message",
			"pong: pkvmd takes workflow_run deliveries for this repository"));
		return;
	case CI_HOOK_PUSH:
		break;
	}
	hp.project = r->project;
	hp.ref = r->ref;
	hp.commit = r->commit;
	hp.run_id = r->run_id;
	hp.job_id = r->job_id;
	hp.kernel_url = r->kernel_url;
	hp.kernel_sha256 = r->kernel_sha256;
	hp.tests_url = r->tests_url;
	hp.tests_sha256 = r->tests_sha256;
	hp.tags = r->tags;
	hp.callback_url = r->callback_url;
	accept_push(h, &hp);
}

void
http_hook_github(struct http_request *req)
{
	const char *sig = http_request_header(req, "X-Hub-Signature-256");
	struct ci_hook_read r;
	const char *body;
	struct hook h;
	size_t len;

	if (!hook_begin(&h, req, CI_FORGE_GITHUB, http_request_header(req, "X-GitHub-Delivery")))
		goto out;
	h.event = http_request_header(req, "X-GitHub-Event");
	if (sig == NULL) {
		refuse(&h, HTTP_ERR_UNAUTHORIZED, NULL, "no X-Hub-Signature-256 header");
		goto out;
	}
	find_candidates(&h, CI_FORGE_GITHUB, sig, false);
	if (h.ncand == 0) {
		refuse(&h, HTTP_ERR_UNAUTHORIZED, NULL,
		    "X-Hub-Signature-256 is not the signature of the body under any github "
		    "project's secret");
		goto out;
	}
	if (h.delivery[0] == '\0' || h.event == NULL) {
		refuse(&h, HTTP_ERR_MISSING_FIELD, NULL,
		    "X-GitHub-Delivery and X-GitHub-Event are required");
		goto out;
	}
	body = http_request_body(req, &len);
	ci_hook_read_github(body, len, h.event, h.cand, h.ncand, &r);
	answer(&h, &r);
	ci_hook_read_clear(&r);
out:
	hook_done(&h);
}

void
http_hook_gitlab(struct http_request *req)
{
	const char *token = http_request_header(req, "X-Gitlab-Token");
	const char *id = http_request_header(req, "X-Gitlab-Event-UUID");
	struct ci_hook_read r;
	const char *body;
	struct hook h;
	size_t len;

	if (id == NULL)
		id = http_request_header(req, "Idempotency-Key");
	if (!hook_begin(&h, req, CI_FORGE_GITLAB, id))
		goto out;
	h.event = http_request_header(req, "X-Gitlab-Event");
	if (token == NULL || token[0] == '\0') {
		refuse(&h, HTTP_ERR_UNAUTHORIZED, NULL, "no X-Gitlab-Token header");
		goto out;
	}
	find_candidates(&h, CI_FORGE_GITLAB, token, true);
	if (h.ncand == 0) {
		refuse(&h, HTTP_ERR_UNAUTHORIZED, NULL,
		    "X-Gitlab-Token is not the secret token of any gitlab project");
		goto out;
	}
	if (h.delivery[0] == '\0' || h.event == NULL) {
		refuse(&h, HTTP_ERR_MISSING_FIELD, NULL,
		    "X-Gitlab-Event and X-Gitlab-Event-UUID are required");
		goto out;
	}
	body = http_request_body(req, &len);
	ci_hook_read_gitlab(body, len, h.event, h.cand, h.ncand, &r);
	answer(&h, &r);
	ci_hook_read_clear(&r);
out:
	hook_done(&h);
}

void
http_hook_generic(struct http_request *req)
{
	const char *sig = http_request_header(req, "X-Pkvm-Signature-256");
	struct ci_hook_read r;
	const char *body;
	struct hook h;
	size_t len;

	if (!hook_begin(&h, req, CI_FORGE_GENERIC, NULL))
		goto out;
	h.event = "generic";
	if (sig == NULL) {
		refuse(&h, HTTP_ERR_UNAUTHORIZED, NULL, "no X-Pkvm-Signature-256 header");
		goto out;
	}
	find_candidates(&h, CI_FORGE_GENERIC, sig, false);
	if (h.ncand == 0) {
		refuse(&h, HTTP_ERR_UNAUTHORIZED, NULL,
		    "X-Pkvm-Signature-256 is not the signature of the body under any generic "
		    "project's secret");
		goto out;
	}
	body = http_request_body(req, &len);
	ci_hook_read_generic(body, len, h.cand, h.ncand, h.ps, &r);
	/* The generic hook's delivery id is in its body. */
	memcpy(h.delivery, r.delivery, sizeof(h.delivery));
	answer(&h, &r);
	ci_hook_read_clear(&r);
out:
	hook_done(&h);
}
