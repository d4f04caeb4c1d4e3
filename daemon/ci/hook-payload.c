/*
 * hook-payload.c -- reading the bodies of GitHub's workflow_run, GitLab's
 * Job and Pipeline Hook and the generic hook (hook-payload.h).
 *
 * Each forge's fields are the ones its webhook documentation gives; only
 * what decides the project and the push is read, and every string taken
 * is checked for shape (one line, a length cap, hex for commits) before
 * it goes anywhere, since the signature says who sent the body, not that
 * its fields are sane.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ci/hook-payload.h"
#include "wire.h"

/* Set R's verdict V and its reason from FMT. */
static void __attribute__((format(printf, 3, 4)))
decide(struct ci_hook_read *r, enum ci_hook_verdict v, const char *fmt, ...)
{
	va_list ap;

	r->verdict = v;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* Refuse for WHY, recorded for project P (or none). */
#define refuse(r, why, p, ...) \
	do { \
		(r)->refusal = (why); \
		(r)->project = (p); \
		decide((r), CI_HOOK_REFUSE, __VA_ARGS__); \
	} while (0)

/* Ignore, recorded for project P. */
#define ignore(r, p, ...) \
	do { \
		(r)->project = (p); \
		decide((r), CI_HOOK_IGNORE, __VA_ARGS__); \
	} while (0)

/* Start R on BODY: false (R refused, for project P) unless it is a JSON
 * object. */
static bool
begin(struct ci_hook_read *r, const char *body, size_t len, const struct ci_project *p)
{
	json_error_t jerr;

	memset(r, 0, sizeof(*r));
	r->body = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r->body == NULL || !json_is_object(r->body)) {
		refuse(r, CI_HOOK_BAD_JSON, p, "the body is not a JSON object: %s",
		    r->body == NULL ? jerr.text : "another JSON value");
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

/* A ref or commit from a forge: one line, not too long.  (jansson's
 * strings may hold NULs: strlen() sees up to the first, which is what
 * every later use sees too.) */
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
ci_hook_read_github(const char *body, size_t len, const char *event,
    const struct ci_project *const *cand, size_t ncand, struct ci_hook_read *r)
{
	const struct ci_project *repo_match = NULL, *p = NULL;
	const char *repo, *name, *path, *action, *conclusion;
	json_t *run, *id;

	if (!begin(r, body, len, cand[0]))
		return;
	repo = str_at(r->body, "repository.full_name");
	run = json_object_get(r->body, "workflow_run");
	name = str_at(run, "name");
	path = str_at(run, "path");
	for (size_t i = 0; i < ncand; i++) {
		if (repo == NULL || strcasecmp(cand[i]->repository, repo) != 0)
			continue;
		if (repo_match == NULL)
			repo_match = cand[i];
		if (p == NULL && workflow_matches(cand[i], name, path))
			p = cand[i];
	}
	if (repo_match == NULL) {
		refuse(r, CI_HOOK_NO_PROJECT, NULL, "no github project has repository '%.200s'",
		    repo != NULL ? repo : "(none in the body)");
		return;
	}
	r->project = repo_match;
	if (strcmp(event, "ping") == 0) {
		decide(r, CI_HOOK_PONG, "ping");
		return;
	}
	if (strcmp(event, "workflow_run") != 0) {
		ignore(r, repo_match, "event '%.64s' is not workflow_run", event);
		return;
	}
	r->ref = str_at(run, "head_branch");
	r->commit = str_at(run, "head_sha");
	if (p == NULL) {
		ignore(r, repo_match, "workflow '%.100s' is not '%s'", name != NULL ? name : "?",
		    repo_match->workflow);
		return;
	}
	action = str_at(r->body, "action");
	conclusion = str_at(run, "conclusion");
	if (action == NULL || strcmp(action, "completed") != 0) {
		ignore(r, p, "action is '%.32s', not completed", action != NULL ? action : "none");
		return;
	}
	if (conclusion == NULL || strcmp(conclusion, "success") != 0) {
		ignore(r, p, "conclusion is '%.32s', not success",
		    conclusion != NULL ? conclusion : "none");
		return;
	}
	id = json_object_get(run, "id");
	if (!json_is_integer(id) || json_integer_value(id) <= 0 ||
	    !text_ok(r->ref, CI_HOOK_REF_MAX) || !commit_ok(r->commit)) {
		refuse(r, CI_HOOK_INVALID, p,
		    "workflow_run needs an id, a head_branch and a head_sha");
		return;
	}
	r->project = p;
	r->run_id = json_integer_value(id);
	r->verdict = CI_HOOK_PUSH;
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
 * or 0; *STATUS the status of the last build of that name, or NULL. */
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
ci_hook_read_gitlab(const char *body, size_t len, const char *event,
    const struct ci_project *const *cand, size_t ncand, struct ci_hook_read *r)
{
	const struct ci_project *repo_match = NULL, *p = NULL;
	const char *kind, *job = NULL, *status = NULL;
	int64_t build = 0;
	bool is_build, is_pipeline;

	if (!begin(r, body, len, cand[0]))
		return;
	kind = str_at(r->body, "object_kind");
	kind = kind != NULL ? kind : "";
	is_build = strcmp(kind, "build") == 0;
	is_pipeline = strcmp(kind, "pipeline") == 0;
	for (size_t i = 0; i < ncand && p == NULL; i++) {
		const char *s;
		int64_t b = 0;

		if (!gitlab_project_matches(cand[i], r->body))
			continue;
		if (repo_match == NULL)
			repo_match = cand[i];
		if (is_build) {
			json_t *id = json_object_get(r->body, "build_id");

			job = str_at(r->body, "build_name");
			s = str_at(r->body, "build_status");
			if (job != NULL && strcmp(job, cand[i]->job) == 0) {
				p = cand[i];
				status = s;
				if (s != NULL && strcmp(s, "success") == 0 && json_is_integer(id))
					build = json_integer_value(id);
			}
		} else if (is_pipeline) {
			b = pipeline_build(r->body, cand[i]->job, &s);
			if (s != NULL) {
				p = cand[i];
				status = s;
				build = b;
				job = p->job;
			}
		}
	}
	if (repo_match == NULL) {
		refuse(r, CI_HOOK_NO_PROJECT, NULL,
		    "no gitlab project has the project id or path of this event");
		return;
	}
	r->ref = str_at(r->body, is_build ? "ref" : "object_attributes.ref");
	r->commit = str_at(r->body, is_build ? "sha" : "object_attributes.sha");
	if (!is_build && !is_pipeline) {
		r->ref = r->commit = NULL;
		ignore(r, repo_match, "event '%.64s' is not a Job Hook or Pipeline Hook", event);
		return;
	}
	if (p == NULL) {
		ignore(r, repo_match, "%s '%.100s' is not '%s'",
		    is_build ? "job" : "no build of the pipeline is", job != NULL ? job : "?",
		    repo_match->job);
		return;
	}
	if (build <= 0) {
		ignore(r, p, "job '%s' is '%.32s', not success", p->job,
		    status != NULL ? status : "?");
		return;
	}
	if (!text_ok(r->ref, CI_HOOK_REF_MAX) || !commit_ok(r->commit)) {
		refuse(r, CI_HOOK_INVALID, p, "the event needs a ref and a sha");
		return;
	}
	r->project = p;
	r->job_id = build;
	r->verdict = CI_HOOK_PUSH;
}

/* ---- generic ------------------------------------------------------------- */

static bool
url_ok(const char *s)
{
	return text_ok(s, CI_HOOK_URL_MAX) &&
	    (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
	    strchr(s, ' ') == NULL;
}

/* Copy the sha256 S (or "") into BUF (SHA256_HEX_LEN + 2 bytes: one more
 * than a sha256, so a longer one does not fit and is refused), lower-cased;
 * whether it is empty or a sha256. */
static bool
sha_copy(char *buf, const char *s)
{
	snprintf(buf, SHA256_HEX_LEN + 2, "%s", s != NULL ? s : "");
	for (char *c = buf; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return buf[0] == '\0' || pkvm_sha256_hex_valid(buf);
}

/* The generic body's fields, checked strictly: false after a refusal. */
static bool
generic_fields(struct ci_hook_read *r, const struct ci_project *p)
{
	static const char *const known[] = { "id", "project", "ref", "commit", "kernel_url",
		"tests_url", "kernel_sha256", "tests_sha256", "tags", "callback_url", NULL };
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(r->body, key, v)
	{
		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL) {
			refuse(r, CI_HOOK_UNKNOWN, p, "unknown field '%.64s'", key);
			return false;
		}
		if (strcmp(key, "tags") != 0 && !json_is_string(v)) {
			refuse(r, CI_HOOK_INVALID, p, "'%s' must be a string", key);
			return false;
		}
	}
	r->ref = str_at(r->body, "ref");
	r->commit = str_at(r->body, "commit");
	r->kernel_url = str_at(r->body, "kernel_url");
	r->tests_url = str_at(r->body, "tests_url");
	r->callback_url = str_at(r->body, "callback_url");
	if (!text_ok(r->ref, CI_HOOK_REF_MAX) || !commit_ok(r->commit)) {
		refuse(r, CI_HOOK_INVALID, p,
		    "'ref' (a branch) and 'commit' (7 to 64 hex digits) are required");
		return false;
	}
	if (!url_ok(r->kernel_url) || (r->tests_url != NULL && !url_ok(r->tests_url)) ||
	    (r->callback_url != NULL && !url_ok(r->callback_url))) {
		refuse(r, CI_HOOK_INVALID, p,
		    "'kernel_url' is required; it, 'tests_url' and 'callback_url' must be http or "
		    "https URLs");
		return false;
	}
	if (!sha_copy(r->ksha, str_at(r->body, "kernel_sha256")) ||
	    !sha_copy(r->tsha, str_at(r->body, "tests_sha256")) ||
	    (r->tsha[0] != '\0' && r->tests_url == NULL)) {
		refuse(r, CI_HOOK_INVALID, p,
		    "'kernel_sha256' and 'tests_sha256' are 64 hex digits (and the latter needs a "
		    "'tests_url')");
		return false;
	}
	r->kernel_sha256 = r->ksha[0] != '\0' ? r->ksha : NULL;
	r->tests_sha256 = r->tsha[0] != '\0' ? r->tsha : NULL;
	v = json_object_get(r->body, "tags");
	if (v != NULL) {
		json_t *t;
		bool ok = json_is_array(v) && json_array_size(v) <= PKVM_TAGS_MAX;

		json_array_foreach(v, i, t)
		    ok = ok && json_is_string(t) && pkvm_tag_valid(json_string_value(t));
		if (!ok) {
			refuse(r, CI_HOOK_INVALID, p,
			    "'tags' is an array of at most %d tags of [A-Za-z0-9._:+=/@-]",
			    PKVM_TAGS_MAX);
			return false;
		}
		r->tags = v;
	}
	return true;
}

void
ci_hook_read_generic(const char *body, size_t len, const struct ci_project *const *cand,
    size_t ncand, const struct ci_projects *all, struct ci_hook_read *r)
{
	const struct ci_project *p = NULL;
	const char *name, *id;

	if (!begin(r, body, len, cand[0]))
		return;
	id = str_at(r->body, "id");
	name = str_at(r->body, "project");
	snprintf(r->delivery, sizeof(r->delivery), "%s", id != NULL ? id : "");
	if (!text_ok(id, CI_HOOK_DELIVERY_MAX) || name == NULL) {
		refuse(r, CI_HOOK_MISSING, NULL,
		    "'id' (at most %d characters) and 'project' are required",
		    CI_HOOK_DELIVERY_MAX);
		return;
	}
	for (size_t i = 0; i < ncand && p == NULL; i++)
		if (strcmp(cand[i]->name, name) == 0)
			p = cand[i];
	if (p == NULL) {
		const struct ci_project *other = ci_projects_find(all, name);

		if (other != NULL && other->forge == CI_FORGE_GENERIC)
			refuse(r, CI_HOOK_WRONG_SECRET, NULL,
			    "the body is not signed with project '%.64s''s secret", name);
		else
			refuse(r, CI_HOOK_NO_PROJECT, NULL, "no generic project '%.64s'", name);
		return;
	}
	if (!generic_fields(r, p))
		return;
	r->project = p;
	r->verdict = CI_HOOK_PUSH;
}

void
ci_hook_read_clear(struct ci_hook_read *r)
{
	json_decref(r->body);
	r->body = NULL;
}
