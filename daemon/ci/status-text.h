/*
 * status-text.h -- what a commit status says, as pure functions: the
 * forge's state for each moment of a job's life, the one-line
 * description of a finished job, its cut to the forge's limit, the link
 * to the job, and the outbox's retry schedule.  ci/status.c sends what
 * these compose; tests/unit/test-ci-status.c checks them.
 */
#ifndef PKVM_CI_STATUS_TEXT_H
#define PKVM_CI_STATUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ci/project.h"
#include "wire.h"

/* GitHub keeps 140 characters of a description; GitLab more, but one
 * cut for both keeps the two forges showing the same line. */
#define CI_DESCRIPTION_MAX_CHARS 140
/* Bytes a description may take: every character may be 4 bytes of UTF-8. */
#define CI_DESCRIPTION_BUF (CI_DESCRIPTION_MAX_CHARS * 4 + 1)

/* The moments of a job's life that a commit status tells. */
enum ci_status_phase { CI_PHASE_QUEUED, CI_PHASE_RUNNING, CI_PHASE_DONE };

/* The state FORGE's API takes for PHASE (with RESULT when done): GitHub
 * pending, success, failure or error; GitLab pending, running, success,
 * failed or canceled.  NULL for generic projects (they get callbacks). */
const char *ci_status_state(enum ci_forge forge, enum ci_status_phase phase,
    enum job_result result);

/* What a finished job's description is made of. */
struct ci_status_facts {
	enum job_result result;
	const char *message; /* the job's message (why it did not pass), or NULL */
	int tests_total, tests_passed;
	const char *crash_title; /* the job's primary crash report's title, or NULL */
	const char *superseded_by; /* the commit that replaced it, or NULL */
};

/* The one-line description of a finished job into BUF (SIZE at least
 * CI_DESCRIPTION_BUF): "41/42 tests passed; test x exited with status 1;
 * crash: BUG: ...", "superseded by <sha>", ..., cut by ci_status_cut(). */
void ci_status_describe(const struct ci_status_facts *f, char *buf, size_t size);

/* Make TEXT (UTF-8, in place) one line of at most MAX_CHARS characters:
 * control characters become spaces, and a longer text is cut at a
 * character boundary (at a space when one is near the end) and ends with
 * "...", so no character is ever split. */
void ci_status_cut(char *text, size_t max_chars);

/* The link to job JOB_ID under PUBLIC_URL (a trailing '/' is fine),
 * malloc'd; NULL when PUBLIC_URL is NULL or memory ran out.  The one
 * place that says where a job's page is. */
char *ci_status_target_url(const char *public_url, int64_t job_id);

/* The outbox's retry rule: after failed attempt ATTEMPTS (1 for the
 * first) of a row queued at CREATED_MS, the next try is FIRST_MS doubled
 * per attempt, at most MAX_MS, after NOW_MS, into *NEXT_MS; false when
 * the row is given up instead, because that try would come GIVE_UP_MS or
 * more after CREATED_MS. */
bool ci_outbox_next_try(int attempts, int64_t created_ms, int64_t now_ms, int64_t first_ms,
    int64_t max_ms, int64_t give_up_ms, int64_t *next_ms);

#endif
