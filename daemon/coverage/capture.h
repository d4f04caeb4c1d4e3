/*
 * coverage.h -- capturing a finished job's gcov data into stored coverage.
 *
 * When a job ends, main.c hands it here (the runner's on_job_done).  If the guest shipped gcov
 * archives (artifacts of the pseudo-test "_coverage", docs/COVERAGE.md),
 * a capture is queued: pkvmd-capture (lcov in a child process) turns them
 * into JOBDIR/coverage/coverage.info, a worker thread parses that file
 * (lcov-info.c) and the numbers are stored per job and per source file.
 * At most --max-captures run at once; none runs on the event loop, so a
 * capture never delays other jobs' console capture.  The job's own result
 * is stored before and never depends on its coverage.
 */
#ifndef PKVM_COVERAGE_H
#define PKVM_COVERAGE_H

#include <stdint.h>

#include <uv.h>

struct coverage;
struct job;
struct store;
struct watch_list;

/* What the capture queue works with, borrowed for its life. */
struct coverage_env {
	uv_loop_t *loop;
	struct store *store;
	struct watch_list *watches;
	const char *state_dir;
	const char *spawn_helper; /* pkvmd-spawn */
	const char *capture_helper; /* pkvmd-capture */
	int64_t max_captures; /* running at once */
};

/* The capture queue over ENV (copied).  0 or negative errno. */
int coverage_new(struct coverage **out, const struct coverage_env *env);
/* Job J has ended and is stored done: record its coverage status and queue
 * a capture when it shipped archives. */
void coverage_job_done(struct coverage *c, const struct job *j);
/* Stop: captures still queued or running are killed and their jobs'
 * coverage marked as an error; CB(ARG) runs when none is left. */
void coverage_shutdown(struct coverage *c, void (*cb)(void *arg), void *arg);
/* Free the queue (after coverage_shutdown). */
void coverage_free(struct coverage *c);

#endif
