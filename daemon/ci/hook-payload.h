/*
 * hook-payload.h -- what a webhook's body asks of pkvmd: which project it
 * is for, and whether that project wants a job from it (docs/CI.md).
 *
 * http/hooks.c checks the signature first and hands the projects whose
 * secret verified (the candidates) and the raw body here; everything read
 * from the body is decided here, with no request, store or reply in
 * sight, so that it can be tested and fuzzed on its own
 * (tests/fuzz/fuzz-hooks.c).  The HTTP side records and answers what
 * comes back.
 */
#ifndef PKVM_CI_HOOK_PAYLOAD_H
#define PKVM_CI_HOOK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ci/project.h"
#include "sha256.h"

/* The longest delivery id, ref or URL taken from a webhook. */
#define CI_HOOK_DELIVERY_MAX 128
#define CI_HOOK_REF_MAX 255
#define CI_HOOK_URL_MAX 2048
/* The longest reason given for an ignored or refused delivery. */
#define CI_HOOK_REASON_MAX 512

/* What the body asks for. */
enum ci_hook_verdict {
	CI_HOOK_PUSH, /* a wanted push: fetch its files and queue a job */
	CI_HOOK_PONG, /* GitHub's ping */
	CI_HOOK_IGNORE, /* an event the project does not want: REASON */
	CI_HOOK_REFUSE, /* not what the forge sends: REFUSAL and REASON */
};

/* Why a body was refused; the HTTP side gives each its status. */
enum ci_hook_refusal {
	CI_HOOK_BAD_JSON, /* not a JSON object */
	CI_HOOK_MISSING, /* a required field is absent */
	CI_HOOK_INVALID, /* a field has the wrong type or shape */
	CI_HOOK_UNKNOWN, /* a field the generic hook does not know */
	CI_HOOK_NO_PROJECT, /* no candidate has its repository or name */
	CI_HOOK_WRONG_SECRET, /* generic: the project exists, its secret did not verify */
};

/* A body read: the verdict and what goes with it.  Strings point into
 * BODY (or the struct's own buffers) and live until ci_hook_read_clear(). */
struct ci_hook_read {
	enum ci_hook_verdict verdict;
	enum ci_hook_refusal refusal; /* when refused */
	const struct ci_project *project; /* the one the delivery is recorded
					   * for; NULL when none is known */
	char reason[CI_HOOK_REASON_MAX]; /* when ignored or refused */
	char delivery[CI_HOOK_DELIVERY_MAX + 1]; /* generic: the body's own id */
	/* A push (ref and commit also when ignored, where known): */
	const char *ref, *commit;
	int64_t run_id; /* GitHub's workflow run */
	int64_t job_id; /* GitLab's job */
	const char *kernel_url, *kernel_sha256, *tests_url, *tests_sha256; /* generic */
	json_t *tags; /* generic: extra tags, or NULL */
	const char *callback_url; /* generic, or NULL */
	char ksha[SHA256_HEX_LEN + 2], tsha[SHA256_HEX_LEN + 2];
	json_t *body; /* the parsed body (owned) */
};

/* Read a GitHub delivery of EVENT (X-GitHub-Event) with body BODY (LEN
 * bytes) for the candidates CAND (NCAND, github projects whose secret
 * verified, NCAND >= 1) into *R; ci_hook_read_clear() it after. */
void ci_hook_read_github(const char *body, size_t len, const char *event,
    const struct ci_project *const *cand, size_t ncand, struct ci_hook_read *r);
/* The same for a GitLab delivery (EVENT from X-Gitlab-Event). */
void ci_hook_read_gitlab(const char *body, size_t len, const char *event,
    const struct ci_project *const *cand, size_t ncand, struct ci_hook_read *r);
/* The same for the generic hook; ALL is every project, to tell a wrong
 * secret from an unknown project. */
void ci_hook_read_generic(const char *body, size_t len, const struct ci_project *const *cand,
    size_t ncand, const struct ci_projects *all, struct ci_hook_read *r);
/* Free what R holds. */
void ci_hook_read_clear(struct ci_hook_read *r);

#endif
