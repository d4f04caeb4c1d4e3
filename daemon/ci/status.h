/*
 * status.h -- commit statuses out: the outbox that tells a forge what
 * became of the jobs a CI project queued (docs/CI.md, "Statuses").
 *
 * For a job with a ci_jobs row, each moment of its life is queued as a
 * row of the sqlite outbox: `pending` "queued (position N)" when queued,
 * "running" (GitLab's `running`) when it starts, and its verdict when it
 * is done; a generic project's job with a callback_url gets its finished
 * JSON posted there instead, signed with the project's secret.  Rows go
 * out in order per (project, commit), a few at once, retried with
 * backoff on network errors, 5xx, 408 and 429, kept across restarts,
 * given up after a bound; any other 4xx is recorded as rejected and not
 * retried.  Jobs without a ci_jobs row are ignored by every call.
 */
#ifndef PKVM_CI_STATUS_H
#define PKVM_CI_STATUS_H

#include <stdint.h>

#include <uv.h>

struct ci_fetcher;
struct ci_projects;
struct ci_status;
struct store;

/* What the outbox works with, borrowed for its life (main.c fills it). */
struct ci_status_env {
	uv_loop_t *loop;
	struct store *store;
	struct ci_fetcher *fetcher;
	/* --ci-dir's projects: main.c's pointer, which a SIGHUP swaps; a
	 * row finds its project by name when it is sent. */
	struct ci_projects **projects;
	const char *public_url; /* links to jobs (--public-url), or NULL */
	int64_t retry_first_ms; /* the first retry's delay, doubled per attempt */
	int64_t retry_max_ms; /* ... up to this */
	int64_t give_up_ms; /* a row not sent this long after it was queued is given up */
};

/* An outbox over ENV (copied) into *OUT; 0 or negative errno. */
int ci_status_new(struct ci_status **out, const struct ci_status_env *env);
/* At start-up: queue what a stopped pkvmd left untold (queued CI jobs
 * with no status yet, done ones without their final status) and start
 * sending the rows left waiting.  0 or negative errno (logged). */
int ci_status_resume(struct ci_status *s);
/* Job JOB_ID was queued: `pending` "queued (position N)".  The hooks
 * call it once the job is inserted, before runner_kick(); nothing is
 * queued when the job is no CI job, has a status already or is no longer
 * queued. */
void ci_status_job_queued(struct ci_status *s, int64_t job_id);
/* Job JOB_ID started running (runner_env.on_job_start). */
void ci_status_job_started(struct ci_status *s, int64_t job_id);
/* Job JOB_ID is stored done, whether it ran or was cancelled while
 * queued: its final status (or callback), once. */
void ci_status_job_done(struct ci_status *s, int64_t job_id);
/* Send nothing more (a shutdown): rows left waiting stay for the next
 * start; answers to requests in flight are still recorded. */
void ci_status_stop(struct ci_status *s);
/* Free S once it is stopped and the fetcher freed (no request left). */
void ci_status_free(struct ci_status *s);

#endif
