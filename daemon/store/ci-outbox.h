/*
 * ci-outbox.h -- the store's side of commit statuses (schema/011-ci.sql):
 * which jobs a CI project queued (ci_jobs, read here), and the outbox of
 * status updates and callbacks on their way out (ci_outbox).
 *
 * A row of the outbox is waiting (done_ms 0) until it is sent, rejected
 * by the receiver (a 4xx: never retried) or given up after the retry
 * bound.  ci/status.c decides what to queue and when to send; this file
 * only keeps the rows.
 */
#ifndef PKVM_STORE_CI_OUTBOX_H
#define PKVM_STORE_CI_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* What a CI job is for: its ci_jobs row. */
struct ci_job_row {
	int64_t job_id;
	char *project;
	char *ref;
	char *commit_sha;
	char *callback_url; /* generic hooks: where the finished job goes, or NULL */
	char *superseded_by; /* the commit that replaced it, or NULL */
};
/* Job JOB_ID's ci_jobs row into *OUT (store_ci_job_row_clear() it): 0,
 * -ENOENT when the job is not a CI job, or another negative errno. */
int store_ci_job_row(struct store *st, int64_t job_id, struct ci_job_row *out);
/* Free what R owns (not R itself). */
void store_ci_job_row_clear(struct ci_job_row *r);

enum ci_outbox_kind { CI_OUTBOX_STATUS, CI_OUTBOX_CALLBACK };
enum ci_outbox_outcome { CI_OUTBOX_WAITING, CI_OUTBOX_SENT, CI_OUTBOX_REJECTED, CI_OUTBOX_GAVE_UP };

/* One row of the outbox. */
struct ci_outbox_row {
	int64_t id; /* set by store_ci_outbox_add() */
	int64_t job_id;
	char *project;
	char *commit_sha;
	enum ci_outbox_kind kind;
	char *state; /* the forge's word (pending, running, success, failed, ...);
		      * a callback: the job's result */
	char *description;
	char *target_url; /* or NULL */
	int64_t created_ms;
	int64_t next_ms; /* not sent before this */
	int attempts;
	int64_t done_ms; /* 0 while waiting */
	enum ci_outbox_outcome outcome;
	int http_status; /* of the last answer, 0 when none came */
	char *last_error; /* why the last attempt failed, or NULL */
};
/* "status" or "callback". */
const char *ci_outbox_kind_name(enum ci_outbox_kind k);
/* "waiting", "sent", "rejected" or "gave-up". */
const char *ci_outbox_outcome_name(enum ci_outbox_outcome o);

/* Queue R (job_id, project, commit_sha, kind, state, description,
 * target_url, created_ms; due at once); sets R->id.  0 or negative errno. */
int store_ci_outbox_add(struct store *st, struct ci_outbox_row *r);
/* The oldest waiting row of each (project, commit), those due first,
 * into a malloc'd *OUT of *N: the rows that may be sent now or next, as
 * a later row of a commit waits for the earlier ones. */
int store_ci_outbox_heads(struct store *st, struct ci_outbox_row **out, size_t *n);
/* Attempt ATTEMPTS of row ID failed and will be retried at NEXT_MS:
 * HTTP_STATUS (0: none came) and ERROR say why.  0, -ENOENT, or
 * negative errno. */
int store_ci_outbox_retry(struct store *st, int64_t id, int attempts, int64_t next_ms,
    int http_status, const char *error);
/* Row ID is done at NOW_MS with OUTCOME after ATTEMPTS attempts, the last
 * answered HTTP_STATUS (0: none) and ERROR (NULL when sent).  0, -ENOENT,
 * or negative errno. */
int store_ci_outbox_done(struct store *st, int64_t id, enum ci_outbox_outcome outcome, int attempts,
    int64_t now_ms, int http_status, const char *error);
/* Job JOB_ID's rows, in the order they were queued, into *OUT of *N;
 * -ENOENT when there is no such job. */
int store_ci_outbox_list_job(struct store *st, int64_t job_id, struct ci_outbox_row **out,
    size_t *n);
/* Project PROJECT's rows, newest first, at most LIMIT (<= 0: 100), into
 * *OUT of *N (for `pkvmctl ci deliveries`). */
int store_ci_outbox_list_project(struct store *st, const char *project, int limit,
    struct ci_outbox_row **out, size_t *n);
/* Free a list from the functions above; NULL is fine. */
void store_ci_outbox_list_free(struct ci_outbox_row *rows, size_t n);

/* Queued job JOB_ID's place in the queue into *POS (1: it starts next),
 * counted in the scheduler's order before fair share (priority, then
 * age).  0, -ESTALE when it is not queued, -ENOENT, or negative errno. */
int store_ci_queue_position(struct store *st, int64_t job_id, int64_t *pos);

/* For a pkvmd starting: the CI jobs whose statuses a stopped pkvmd may
 * not have queued, in id order, into a malloc'd *IDS (free() it): queued
 * ones with no row at all, and done ones without a final row (a status
 * past pending and running, or a callback). */
int store_ci_jobs_unreported(struct store *st, int64_t **ids, size_t *n);

#endif
