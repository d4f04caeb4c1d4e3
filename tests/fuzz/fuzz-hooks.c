/*
 * fuzz-hooks.c -- webhook bodies (daemon/ci/hook-payload.c): GitHub's
 * workflow_run, GitLab's Job and Pipeline Hooks and the generic hook,
 * read for a set of projects as http/hooks.c reads them once the
 * signature has verified.
 *
 * The first byte picks the forge and which of its projects verified (the
 * candidates); then comes the event header's value, cut at '\n' (GitHub
 * and GitLab), and the rest is the body.  Whatever the body holds, the
 * verdict must be one the HTTP side can act on:
 *   - a refusal or an ignored event gives a reason;
 *   - a delivery credited to a project credits a candidate (never a
 *     project whose secret did not verify);
 *   - a push has a one-line ref, a 7-64 digit hex commit, and its forge's
 *     own fields: a run id (GitHub), a job id (GitLab), an http(s)
 *     kernel URL, sha256s in lower-case hex and valid tags (generic).
 */
#include <ctype.h>
#include <jansson.h>

#include "ci/hook-payload.h"
#include "ci/project.h"
#include "fuzz.h"
#include "wire.h"

/* The projects a server might have: two GitHub workflows of one
 * repository, GitLab by id and by path, two generic ones. */
static struct ci_project projects[] = {
	{ .name = "gh-kernel",
	    .forge = CI_FORGE_GITHUB,
	    .repository = "acme/linux",
	    .workflow = "kernel" },
	{ .name = "gh-file",
	    .forge = CI_FORGE_GITHUB,
	    .repository = "acme/linux",
	    .workflow = "build.yml" },
	{ .name = "gl-id", .forge = CI_FORGE_GITLAB, .repository = "42", .job = "build" },
	{ .name = "gl-path", .forge = CI_FORGE_GITLAB, .repository = "acme/linux", .job = "test" },
	{ .name = "gen", .forge = CI_FORGE_GENERIC },
	{ .name = "gen2", .forge = CI_FORGE_GENERIC },
};
#define NPROJECTS (sizeof(projects) / sizeof(projects[0]))

static bool
one_line(const char *s, size_t max)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > max)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool
hex_commit(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n >= 7 && n <= 64;
}

static bool
http_url(const char *s)
{
	return one_line(s, CI_HOOK_URL_MAX) &&
	    (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
	    strchr(s, ' ') == NULL;
}

static void
check_push(const struct ci_hook_read *r)
{
	fuzz_check(one_line(r->ref, CI_HOOK_REF_MAX), "a push without a one-line ref");
	fuzz_check(hex_commit(r->commit), "a push without a hex commit");
	switch (r->project->forge) {
	case CI_FORGE_GITHUB:
		fuzz_check(r->run_id > 0, "a GitHub push without a run id");
		break;
	case CI_FORGE_GITLAB:
		fuzz_check(r->job_id > 0, "a GitLab push without a job id");
		break;
	case CI_FORGE_GENERIC: {
		json_t *t;
		size_t i;

		fuzz_check(http_url(r->kernel_url), "a generic push without an http kernel URL");
		fuzz_check(r->tests_url == NULL || http_url(r->tests_url), "a bad tests URL");
		fuzz_check(r->callback_url == NULL || http_url(r->callback_url),
		    "a bad callback URL");
		fuzz_check(r->kernel_sha256 == NULL || pkvm_sha256_hex_valid(r->kernel_sha256),
		    "a bad kernel sha256");
		fuzz_check(r->tests_sha256 == NULL ||
			(pkvm_sha256_hex_valid(r->tests_sha256) && r->tests_url != NULL),
		    "a bad tests sha256");
		fuzz_check(r->tags == NULL || json_array_size(r->tags) <= PKVM_TAGS_MAX,
		    "too many tags");
		json_array_foreach(r->tags, i, t)
		    fuzz_check(pkvm_tag_valid(json_string_value(t)), "an invalid tag");
		fuzz_check(one_line(r->delivery, CI_HOOK_DELIVERY_MAX), "no delivery id");
		break;
	}
	}
}

static void
fuzz_one(const uint8_t *data, size_t len)
{
	const struct ci_project *cand[NPROJECTS];
	struct ci_project *all_v[NPROJECTS];
	struct ci_projects all = { .v = all_v, .n = NPROJECTS };
	enum ci_forge forge;
	struct ci_hook_read r;
	size_t ncand = 0, elen;
	const uint8_t *e;
	char *event;
	uint8_t pick;

	if (len == 0)
		return;
	pick = data[0];
	data++;
	len--;
	forge = (enum ci_forge)(pick % 3);
	for (size_t i = 0; i < NPROJECTS; i++) {
		all_v[i] = &projects[i];
		/* Bits 2..7 say which projects of the forge verified. */
		if (projects[i].forge == forge && (pick & (4u << i)) != 0)
			cand[ncand++] = &projects[i];
	}
	if (ncand == 0) /* the HTTP side stops at 401 before reading */
		for (size_t i = 0; i < NPROJECTS && ncand == 0; i++)
			if (projects[i].forge == forge)
				cand[ncand++] = &projects[i];
	e = fuzz_field(&data, &len, '\n', &elen);
	event = fuzz_strndup(e, elen);
	if (forge == CI_FORGE_GITHUB)
		ci_hook_read_github((const char *)data, len, event, cand, ncand, &r);
	else if (forge == CI_FORGE_GITLAB)
		ci_hook_read_gitlab((const char *)data, len, event, cand, ncand, &r);
	else
		ci_hook_read_generic((const char *)data, len, cand, ncand, &all, &r);

	if (r.verdict == CI_HOOK_REFUSE || r.verdict == CI_HOOK_IGNORE)
		fuzz_check(r.reason[0] != '\0', "refused or ignored without a reason");
	if (r.verdict != CI_HOOK_REFUSE)
		fuzz_check(r.project != NULL, "a verdict without its project");
	if (r.project != NULL) {
		bool found = false;

		for (size_t i = 0; i < ncand; i++)
			found = found || cand[i] == r.project;
		fuzz_check(found, "credited to a project whose secret did not verify");
	}
	fuzz_check(strlen(r.delivery) <= CI_HOOK_DELIVERY_MAX, "delivery id past its cap");
	if (r.verdict == CI_HOOK_PUSH)
		check_push(&r);
	ci_hook_read_clear(&r);
	free(event);
}
