/*
 * runner.h -- running jobs: from a queued row to a finished result.
 *
 * The runner owns every job that is running.  runner_kick() asks the
 * scheduler (through share.c: fair share between users, priorities,
 * quotas) which queued jobs start in the free CPU slots and starts them:
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

#include <uv.h>

struct blobs;
struct event_bus;
struct executor_ops;
struct initramfs;
struct job;
struct queue;
struct runner;
struct share_config;
struct store;
struct watch_list;

/* What a runner works with, all borrowed for its life (main.c fills it). */
struct runner_env {
	uv_loop_t *loop;
	struct store *store;
	struct blobs *blobs;
	struct initramfs *initramfs;
	struct watch_list *watches;
	/* Where a job's phases, tests and slots are published (GET
	 * /v1/events: docs/API.md); may be NULL. */
	struct event_bus *events;
	const struct executor_ops *ex;
	const char *state_dir;
	const char *firmware_dir; /* QEMU firmware descriptors, for --uefi */
	int slots; /* CPU budget; with JOB_PER_SLOT, jobs at once */
	/* Each job takes one slot whatever its CPUs: another scheduler packs
	 * them onto its nodes (--executor slurm). */
	bool job_per_slot;
	const struct share_config *share; /* fair share and quotas (share.h) */
	int64_t console_max_bytes; /* console kept per job */
	int64_t artifact_max_bytes; /* fast-channel artifacts kept per job */
	int64_t crash_grace_ms; /* console kept after a crash */
	int64_t stop_grace_s; /* SIGTERM to SIGKILL of a qemu */
	int64_t done_grace_s; /* power-off after the guest reported done */
	bool keep_initrd; /* keep JOBDIR/initrd when the job ends */
	const char *qemu_img; /* makes the overlays of writable disks */
	/* Job J is stored done (not when a shutdown stopped it): how the
	 * layers above (coverage) learn of it without the runner knowing
	 * them.  J is borrowed for the call.  May be NULL. */
	void (*on_job_done)(void *arg, const struct job *j);
	void *on_job_done_arg;
	/* Job J is stored running (each attempt), and a queued job ID was
	 * cancelled: stored done without running, which on_job_done does
	 * not tell.  Both with on_job_done_arg; either may be NULL. */
	void (*on_job_start)(void *arg, const struct job *j);
	void (*on_job_cancelled)(void *arg, int64_t id);
};

/* A runner over ENV (copied).  0 or negative errno. */
int runner_new(struct runner **out, const struct runner_env *env);
/* Free the runner; no job may be running. */
void runner_free(struct runner *r);
/* Start the queued jobs that fit now. */
void runner_kick(struct runner *r);
/* Remove what a run of job ID left in its directory under STATE_DIR when
 * the pkvmd running it died: its initrd (unless KEEP_INITRD) and an
 * artifact half received.  For recovery, before any job runs; returns how
 * many files went. */
int runner_job_dir_scrub(const char *state_dir, int64_t id, bool keep_initrd);
/* Job J was stored queued: add it to the queue in memory, publish its
 * first event and the slots. */
void runner_job_queued(struct runner *r, const struct job *j);
/* The queued and running jobs (job/queue.h), read from the store first
 * when they must be; valid until the loop's next turn. */
const struct queue *runner_queue(struct runner *r);
struct job_progress;
/* Where running job ID is (its phase and test) into *P, whose test name
 * is valid until the loop runs on: 0, or -ENOENT when it is not running. */
int runner_job_progress(struct runner *r, int64_t id, struct job_progress *p);
/* Cancel job ID on behalf of WHO: a queued job is done at once, a running
 * one is stopped.  0, -ENOENT, or -ESTALE when it is already done. */
int runner_cancel(struct runner *r, int64_t id, const char *who);
struct console_taps;
/* The live console of job ID (run/console-taps.h: viewers and the one
 * writer), while qemu runs; NULL when the job is not running (queued,
 * preparing, stopping or done).  Valid until the loop runs on. */
struct console_taps *runner_console_taps(struct runner *r, int64_t id);
/* Slots in use and in all. */
int runner_slots_busy(const struct runner *r);
int runner_slots_total(const struct runner *r);
/* Whether each job takes one slot whatever its CPUs (--executor slurm). */
bool runner_job_per_slot(const struct runner *r);
/* Stop starting jobs; give running ones GRACE_S seconds, then stop them
 * (they are left for store_jobs_recover() to requeue or mark interrupted).
 * CB(ARG) runs when no qemu is left. */
void runner_shutdown(struct runner *r, int64_t grace_s, void (*cb)(void *arg), void *arg);

#endif
