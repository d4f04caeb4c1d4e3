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
 * for the handful a lab has.  Then the body is parsed and the project is
 * the candidate whose repository (and workflow or job, as several
 * projects may share a repository) the event names.
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
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/log.h"
#include "ci/project.h"
#include "ci/signature.h"
#include "http/handlers.h"
#include "store/ci.h"
#include "wire.h"

/* The longest delivery id, ref or URL taken from a webhook. */
#define DELIVERY_ID_MAX 128
#define REF_MAX 255
#define URL_MAX 2048

/* One delivery being decided. */
struct hook {
	struct http_request *req;
	struct http_env *d;
	struct ci_projects *ps; /* referenced while deciding */
	const char *forge;
	char delivery[DELIVERY_ID_MAX + 1];
	const char *event;
	const struct ci_project **cand; /* whose secret verifies */
	size_t ncand;
	json_t *body;
};

static void
hook_done(struct hook *h)
{
	free(h->cand);
	json_decref(h->body);
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

/* Parse the (verified) body; false after a reply. */
static bool
parse_body(struct hook *h)
{
	json_error_t jerr;
	size_t len;
	const char *body = http_request_body(h->req, &len);

	h->body = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (h->body == NULL || !json_is_object(h->body)) {
		refuse(h, HTTP_ERR_BAD_JSON, h->cand[0], "the body is not a JSON object: %s",
		    h->body == NULL ? jerr.text : "another JSON value");
		return false;
	}
	return true;
}

/* OBJ's member at dotted PATH as a string, or NULL. */
static const char *
str_at(json_t *obj, const char *path)
{
	char key[64];

	while (obj != NULL && strchr(path, '.') != NULL) {
		size_t n = (size_t)(strchr(path, '.') - path);

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		obj = json_object_get(obj, key);
		path += n + 1;
	}
	return json_string_value(json_object_get(obj, path));
}

/* A ref or commit from a forge: one line, not too long. */
static bool
text_ok(const char *s, size_t max)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > max)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool
commit_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 7 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* ---- GitHub -------------------------------------------------------------- */

/* Whether P's workflow is the run's: its name, or its file's name. */
static bool
workflow_matches(const struct ci_project *p, const char *name, const char *path)
{
	const char *base = path != NULL ? strrchr(path, '/') : NULL;

	base = base != NULL ? base + 1 : path;
	return (name != NULL && strcmp(p->workflow, name) == 0) ||
	    (base != NULL && strcmp(p->workflow, base) == 0) ||
	    (path != NULL && strcmp(p->workflow, path) == 0);
}

void
http_hook_github(struct http_request *req)
{
	struct http_hook_push hp = { 0 };
	const struct ci_project *repo_match = NULL, *p = NULL;
	const char *sig = http_request_header(req, "X-Hub-Signature-256");
	const char *repo, *name, *path, *action, *conclusion;
	struct hook h;
	json_t *run, *id;

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
	if (!parse_body(&h))
		goto out;
	repo = str_at(h.body, "repository.full_name");
	run = json_object_get(h.body, "workflow_run");
	name = str_at(run, "name");
	path = str_at(run, "path");
	for (size_t i = 0; i < h.ncand; i++) {
		if (repo == NULL || strcasecmp(h.cand[i]->repository, repo) != 0)
			continue;
		if (repo_match == NULL)
			repo_match = h.cand[i];
		if (p == NULL && workflow_matches(h.cand[i], name, path))
			p = h.cand[i];
	}
	if (repo_match == NULL) {
		refuse(&h, HTTP_ERR_NOT_FOUND, NULL, "no github project has repository '%.200s'",
		    repo != NULL ? repo : "(none in the body)");
		goto out;
	}
	if (strcmp(h.event, "ping") == 0) {
		if (record(&h, repo_match, CI_IGNORED, "ping", NULL, NULL, NULL) == -EEXIST) {
			duplicate(&h);
			goto out;
		}
		http_reply_json(req, 200,
		    json_pack("{s:s, s:s, s:s, s:s}", "delivery", h.delivery, "outcome", "pong",
			"project", repo_match->name, "message",
			"pong: pkvmd takes workflow_run deliveries for this repository"));
		goto out;
	}
	if (strcmp(h.event, "workflow_run") != 0) {
		ignore(&h, repo_match, NULL, NULL, "event '%.64s' is not workflow_run", h.event);
		goto out;
	}
	hp.ref = str_at(run, "head_branch");
	hp.commit = str_at(run, "head_sha");
	if (p == NULL) {
		ignore(&h, repo_match, hp.ref, hp.commit, "workflow '%.100s' is not '%s'",
		    name != NULL ? name : "?", repo_match->workflow);
		goto out;
	}
	action = str_at(h.body, "action");
	conclusion = str_at(run, "conclusion");
	if (action == NULL || strcmp(action, "completed") != 0) {
		ignore(&h, p, hp.ref, hp.commit, "action is '%.32s', not completed",
		    action != NULL ? action : "none");
		goto out;
	}
	if (conclusion == NULL || strcmp(conclusion, "success") != 0) {
		ignore(&h, p, hp.ref, hp.commit, "conclusion is '%.32s', not success",
		    conclusion != NULL ? conclusion : "none");
		goto out;
	}
	id = json_object_get(run, "id");
	if (!json_is_integer(id) || json_integer_value(id) <= 0 || !text_ok(hp.ref, REF_MAX) ||
	    !commit_ok(hp.commit)) {
		refuse(&h, HTTP_ERR_INVALID_FIELD, p,
		    "workflow_run needs an id, a head_branch and a head_sha");
		goto out;
	}
	hp.project = p;
	hp.run_id = json_integer_value(id);
	accept_push(&h, &hp);
out:
	hook_done(&h);
}

/* ---- GitLab -------------------------------------------------------------- */

/* Whether P's repository is the body's project: its id or its path. */
static bool
gitlab_project_matches(const struct ci_project *p, json_t *body)
{
	json_t *id = json_object_get(json_object_get(body, "project"), "id");
	const char *path = str_at(body, "project.path_with_namespace");
	char num[32];

	if (!json_is_integer(id))
		id = json_object_get(body, "project_id");
	if (json_is_integer(id)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(id));
		if (strcmp(p->repository, num) == 0)
			return true;
	}
	return path != NULL && strcasecmp(p->repository, path) == 0;
}

/* The id of the successful build named JOB in a Pipeline Hook's builds,
 * or 0. */
static int64_t
pipeline_build(json_t *body, const char *job, const char **status)
{
	json_t *b;
	size_t i;

	*status = NULL;
	json_array_foreach(json_object_get(body, "builds"), i, b)
	{
		const char *name = json_string_value(json_object_get(b, "name"));
		json_t *id = json_object_get(b, "id");

		if (name == NULL || strcmp(name, job) != 0)
			continue;
		*status = json_string_value(json_object_get(b, "status"));
		if (*status != NULL && strcmp(*status, "success") == 0 && json_is_integer(id))
			return json_integer_value(id);
	}
	return 0;
}

void
http_hook_gitlab(struct http_request *req)
{
	struct http_hook_push hp = { 0 };
	const struct ci_project *repo_match = NULL, *p = NULL;
	const char *token = http_request_header(req, "X-Gitlab-Token");
	const char *id = http_request_header(req, "X-Gitlab-Event-UUID");
	const char *kind, *job = NULL, *status = NULL;
	int64_t build = 0;
	struct hook h;

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
	if (!parse_body(&h))
		goto out;
	kind = str_at(h.body, "object_kind");
	kind = kind != NULL ? kind : "";
	for (size_t i = 0; i < h.ncand && p == NULL; i++) {
		const char *s;
		int64_t b = 0;

		if (!gitlab_project_matches(h.cand[i], h.body))
			continue;
		if (repo_match == NULL)
			repo_match = h.cand[i];
		if (strcmp(kind, "build") == 0) {
			job = str_at(h.body, "build_name");
			s = str_at(h.body, "build_status");
			if (job != NULL && strcmp(job, h.cand[i]->job) == 0) {
				p = h.cand[i];
				status = s;
				if (s != NULL && strcmp(s, "success") == 0 &&
				    json_is_integer(json_object_get(h.body, "build_id")))
					build = json_integer_value(
					    json_object_get(h.body, "build_id"));
			}
		} else if (strcmp(kind, "pipeline") == 0) {
			b = pipeline_build(h.body, h.cand[i]->job, &s);
			if (s != NULL) {
				p = h.cand[i];
				status = s;
				build = b;
				job = p->job;
			}
		}
	}
	if (repo_match == NULL) {
		refuse(&h, HTTP_ERR_NOT_FOUND, NULL,
		    "no gitlab project has the project id or path of this event");
		goto out;
	}
	if (strcmp(kind, "build") == 0) {
		hp.ref = str_at(h.body, "ref");
		hp.commit = str_at(h.body, "sha");
	} else {
		hp.ref = str_at(h.body, "object_attributes.ref");
		hp.commit = str_at(h.body, "object_attributes.sha");
	}
	if (strcmp(kind, "build") != 0 && strcmp(kind, "pipeline") != 0) {
		ignore(&h, repo_match, NULL, NULL,
		    "event '%.64s' is not a Job Hook or Pipeline Hook", h.event);
		goto out;
	}
	if (p == NULL) {
		ignore(&h, repo_match, hp.ref, hp.commit, "%s '%.100s' is not '%s'",
		    strcmp(kind, "build") == 0 ? "job" : "no build of the pipeline is",
		    job != NULL ? job : "?", repo_match->job);
		goto out;
	}
	if (build <= 0) {
		ignore(&h, p, hp.ref, hp.commit, "job '%s' is '%.32s', not success", p->job,
		    status != NULL ? status : "?");
		goto out;
	}
	if (!text_ok(hp.ref, REF_MAX) || !commit_ok(hp.commit)) {
		refuse(&h, HTTP_ERR_INVALID_FIELD, p, "the event needs a ref and a sha");
		goto out;
	}
	hp.project = p;
	hp.job_id = build;
	accept_push(&h, &hp);
out:
	hook_done(&h);
}

/* ---- generic ------------------------------------------------------------- */

static bool
url_ok(const char *s)
{
	return s != NULL && strlen(s) <= URL_MAX && text_ok(s, URL_MAX) &&
	    (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
	    strchr(s, ' ') == NULL;
}

static bool
sha_ok(char *s)
{
	if (s == NULL)
		return true;
	for (char *c = s; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return pkvm_sha256_hex_valid(s);
}

/* The generic body's fields, checked strictly: false after a refusal. */
static bool
generic_parse(struct hook *h, const struct ci_project *p, struct http_hook_push *hp, char *ksha,
    char *tsha)
{
	static const char *const known[] = { "id", "project", "ref", "commit", "kernel_url",
		"tests_url", "kernel_sha256", "tests_sha256", "tags", "callback_url", NULL };
	const char *key, *s;
	json_t *v;
	size_t i;

	json_object_foreach(h->body, key, v)
	{
		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL) {
			refuse(h, HTTP_ERR_UNKNOWN_FIELD, p, "unknown field '%.64s'", key);
			return false;
		}
		if (strcmp(key, "tags") != 0 && !json_is_string(v)) {
			refuse(h, HTTP_ERR_INVALID_FIELD, p, "'%s' must be a string", key);
			return false;
		}
	}
	hp->ref = str_at(h->body, "ref");
	hp->commit = str_at(h->body, "commit");
	hp->kernel_url = str_at(h->body, "kernel_url");
	hp->tests_url = str_at(h->body, "tests_url");
	hp->callback_url = str_at(h->body, "callback_url");
	if (!text_ok(hp->ref, REF_MAX) || !commit_ok(hp->commit)) {
		refuse(h, HTTP_ERR_INVALID_FIELD, p,
		    "'ref' (a branch) and 'commit' (7 to 64 hex digits) are required");
		return false;
	}
	if (!url_ok(hp->kernel_url) || (hp->tests_url != NULL && !url_ok(hp->tests_url)) ||
	    (hp->callback_url != NULL && !url_ok(hp->callback_url))) {
		refuse(h, HTTP_ERR_INVALID_FIELD, p,
		    "'kernel_url' is required; it, 'tests_url' and 'callback_url' must be http or "
		    "https URLs");
		return false;
	}
	s = str_at(h->body, "kernel_sha256");
	snprintf(ksha, SHA256_HEX_LEN + 2, "%s", s != NULL ? s : "");
	s = str_at(h->body, "tests_sha256");
	snprintf(tsha, SHA256_HEX_LEN + 2, "%s", s != NULL ? s : "");
	if ((ksha[0] != '\0' && !sha_ok(ksha)) || (tsha[0] != '\0' && !sha_ok(tsha)) ||
	    (tsha[0] != '\0' && hp->tests_url == NULL)) {
		refuse(h, HTTP_ERR_INVALID_FIELD, p,
		    "'kernel_sha256' and 'tests_sha256' are 64 hex digits (and the latter needs a "
		    "'tests_url')");
		return false;
	}
	hp->kernel_sha256 = ksha[0] != '\0' ? ksha : NULL;
	hp->tests_sha256 = tsha[0] != '\0' ? tsha : NULL;
	v = json_object_get(h->body, "tags");
	if (v != NULL) {
		json_t *t;
		bool ok = json_is_array(v) && json_array_size(v) <= PKVM_TAGS_MAX;

		json_array_foreach(v, i, t)
		    ok = ok && json_is_string(t) && pkvm_tag_valid(json_string_value(t));
		if (!ok) {
			refuse(h, HTTP_ERR_INVALID_FIELD, p,
			    "'tags' is an array of at most %d tags of [A-Za-z0-9._:+=/@-]",
			    PKVM_TAGS_MAX);
			return false;
		}
		hp->tags = v;
	}
	return true;
}

void
http_hook_generic(struct http_request *req)
{
	struct http_hook_push hp = { 0 };
	const char *sig = http_request_header(req, "X-Pkvm-Signature-256");
	const struct ci_project *p = NULL;
	char ksha[SHA256_HEX_LEN + 2], tsha[SHA256_HEX_LEN + 2];
	const char *name, *id;
	struct hook h;

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
	if (!parse_body(&h))
		goto out;
	id = str_at(h.body, "id");
	name = str_at(h.body, "project");
	snprintf(h.delivery, sizeof(h.delivery), "%s", id != NULL ? id : "");
	if (!text_ok(id, DELIVERY_ID_MAX) || name == NULL) {
		refuse(&h, HTTP_ERR_MISSING_FIELD, NULL,
		    "'id' (at most %d characters) and 'project' are required", DELIVERY_ID_MAX);
		goto out;
	}
	for (size_t i = 0; i < h.ncand && p == NULL; i++)
		if (strcmp(h.cand[i]->name, name) == 0)
			p = h.cand[i];
	if (p == NULL) {
		const struct ci_project *other = ci_projects_find(h.ps, name);

		if (other != NULL && other->forge == CI_FORGE_GENERIC)
			refuse(&h, HTTP_ERR_UNAUTHORIZED, NULL,
			    "the body is not signed with project '%.64s''s secret", name);
		else
			refuse(&h, HTTP_ERR_NOT_FOUND, NULL, "no generic project '%.64s'", name);
		goto out;
	}
	if (!generic_parse(&h, p, &hp, ksha, tsha))
		goto out;
	hp.project = p;
	accept_push(&h, &hp);
out:
	hook_done(&h);
}
