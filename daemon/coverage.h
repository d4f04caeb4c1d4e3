/*
 * coverage.h -- capturing a finished job's gcov data into stored coverage.
 *
 * When a job ends, the runner hands it here.  If the guest shipped gcov
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

struct pkvmd;
struct job;
struct coverage;

/* The capture queue of daemon D.  0 or negative errno. */
int coverage_new(struct coverage **out, struct pkvmd *d);
/* Job J has ended and is stored done: record its coverage status and queue
 * a capture when it shipped archives. */
void coverage_job_done(struct coverage *c, const struct job *j);
/* Stop: captures still queued or running are killed and their jobs'
 * coverage marked as an error; CB(ARG) runs when none is left. */
void coverage_shutdown(struct coverage *c, void (*cb)(void *arg), void *arg);
/* Free the queue (after coverage_shutdown). */
void coverage_free(struct coverage *c);

#endif
