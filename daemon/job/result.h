/*
 * result.h -- the rules that decide a job's result once its guest is gone.
 *
 * The runner decides nothing itself: the first reason to end that it saw
 * (a watchdog, a kernel crash, a cancel) is the result, and when there was
 * none it describes the finished run here and stores what job_decide()
 * says.  The rules, in order: qemu failing is an error; a guest that never
 * started /init, or stopped before /init reported the end of the tests, is
 * an error; then the tests: the first test that failed makes the job
 * `failed`, or `timeout` when it was killed at a time limit; else `passed`.
 */
#ifndef PKVM_JOB_RESULT_H
#define PKVM_JOB_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

/* How a run ended, as the runner saw it. */
struct job_outcome {
	bool has_exit; /* qemu exited (not killed by a signal) */
	int64_t exit_status; /* qemu's exit status */
	bool saw_init; /* /init reported its start */
	bool saw_done; /* /init reported the end of the tests */
	const char *running_test; /* the test that never ended, "" when none */
	const char *failure; /* why the tests failed (first failure), or NULL */
	enum job_result failure_result; /* RESULT_FAILED or RESULT_TIMEOUT */
};

/* The result of run O that no watchdog, crash or cancel decided; *MESSAGE
 * gets why in one line (malloc'd; NULL when passed or out of memory). */
enum job_result job_decide(const struct job_outcome *o, char **message);

#endif
