/*
 * job-results.h -- what a job's console says about its tests.
 *
 * The runner owns the guest's life (watchdogs, stopping, the final
 * result); this module owns what the console reports while it lives.  It
 * takes every console event of one run and:
 *
 *   - feeds each test's output lines to a test-output parser (TAP, KTAP,
 *     LTP, kvm-unit-tests) and stores the test with its sub-results and
 *     verdict when it ends;
 *   - collects module loads into the pseudo-test "_modules";
 *   - stores every crash report with the test that was running;
 *   - rebuilds artifacts from data lines (artifacts.c) and records them;
 *   - keeps the guest's timing marks;
 *   - records the kernel's version the first time a console shows it.
 *
 * From all that it can say why the job failed on its tests' account (the
 * first failing test, a module that did not load, a WARNING with
 * --fail-on-warn), which the runner uses when nothing else decided.
 */
#ifndef PKVM_JOB_RESULTS_H
#define PKVM_JOB_RESULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

struct console_event;
struct job;
struct store;
struct job_results;

/* Results of job J (borrowed, must outlive this) stored in ST, artifacts
 * under JOBDIR/artifacts, into *OUT; 0 or -ENOMEM. */
int job_results_new(struct job_results **out, struct store *st, const struct job *j,
    const char *jobdir);
/* Handle one console event. */
void job_results_event(struct job_results *jr, const struct console_event *ev);
/* A payload of a payload job ended (EV: its CONSOLE_TEST_END, exit_code
 * kvm-unit-tests' status, docs/PAYLOADS.md): it is stored as a test's end
 * is, except that CRASH (its unhandled-exception line, or NULL) makes it
 * an error and the job `crashed`, and WHY (or NULL) says which limit
 * killed it when killed_timeout is set, or why it failed. */
void job_results_payload_end(struct job_results *jr, const struct console_event *ev,
    const char *crash, const char *why);
/* The test running now, "" between tests. */
const char *job_results_running_test(const struct job_results *jr);
/* Whether /init said it started (its "init" result line). */
bool job_results_saw_init(const struct job_results *jr);
/* Whether /init said it ran every test (its "done" result line). */
bool job_results_saw_done(const struct job_results *jr);
/* Why the tests failed ("test fail.sh exited with status 3"), or NULL;
 * *RESULT says what that makes the job: RESULT_FAILED, or RESULT_TIMEOUT
 * when a test was killed at a time limit. */
const char *job_results_failure(const struct job_results *jr, enum job_result *result);
/* The run ended with RESULT, WHY (its message, or NULL) saying why it did
 * not pass: the test still running is stored with what it printed (the
 * verdict timeout when RESULT is, else error), every test that never began
 * as not-run, an artifact still arriving is recorded incomplete, timings
 * are stored. */
void job_results_finish(struct job_results *jr, enum job_result result, const char *why);
/* Free it (finishing first if needed); NULL is fine. */
void job_results_free(struct job_results *jr);

#endif
