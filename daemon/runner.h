/*
 * runner.h -- running jobs: from a queued row to a finished result.
 *
 * The runner owns every job that is running.  runner_kick() asks the
 * scheduler which queued jobs fit in the free CPU slots and starts them:
 * the job's initramfs is assembled in the thread pool, then the executor
 * starts qemu, the console is written to JOBDIR/serial, fed to the console
 * parser and to live followers, and three watchdogs (total timeout, idle
 * console, kernel crash) may stop it.  When qemu is gone the runner
 * decides the result, stores it in one transaction, tells the waiters and
 * kicks the queue again.
 */
#ifndef PKVM_RUNNER_H
#define PKVM_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkvmd;
struct runner;
struct executor_ops;

/* A runner for daemon D using executor EX.  0 or negative errno. */
int runner_new(struct runner **out, struct pkvmd *d, const struct executor_ops *ex);
/* Free the runner; no job may be running. */
void runner_free(struct runner *r);
/* Start the queued jobs that fit now. */
void runner_kick(struct runner *r);
/* Cancel job ID on behalf of WHO: a queued job is done at once, a running
 * one is stopped.  0, -ENOENT, or -ESTALE when it is already done. */
int runner_cancel(struct runner *r, int64_t id, const char *who);
/* Write the directory of job ID's outputs into BUF. */
void runner_job_dir(struct runner *r, int64_t id, char *buf, size_t len);
/* Slots in use and in all. */
int runner_slots_busy(const struct runner *r);
int runner_slots_total(const struct runner *r);
/* Stop starting jobs; give running ones GRACE_S seconds, then stop them
 * (they are left for store_jobs_recover() to requeue or mark interrupted).
 * CB(ARG) runs when no qemu is left. */
void runner_shutdown(struct runner *r, int64_t grace_s, void (*cb)(void *arg), void *arg);

#endif
