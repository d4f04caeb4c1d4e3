/*
 * runner-private.h -- what runner.c shares with the files of its own
 * module: the run of a job, the runner, and the steps of a run that
 * runner-warm.c (warm starts: run/warm.h) calls back into.  Nothing
 * outside run/runner*.c includes it.
 */
#ifndef PKVM_RUNNER_PRIVATE_H
#define PKVM_RUNNER_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "guest/artifact-channel.h"
#include "guest/payload-exit.h"
#include "job/job-json.h"
#include "run/executor.h"
#include "run/firmware.h"
#include "run/runner.h"
#include "run/slurm.h"
#include "run/warm.h"

struct console_parser;
struct console_taps;
struct job_results;
struct queue;
struct run_disk;

enum run_phase { RUN_PREPARING, RUN_RUNNING, RUN_STOPPING, RUN_FINISHED };

#define RUN_TIMERS 6

#define SERIAL_PENDING_BYTES (64 * 1024)

struct run {
	struct runner *r;
	struct run *next;
	struct job *job;
	int64_t id;
	int slots;
	/* Wall clock when store_job_start() took it: its duration, and the
	 * usage fair share charges, count from then. */
	int64_t started_ms;
	uint64_t qemu_started_ms; /* uv_now() when qemu started: its boot's */
	enum run_phase phase;
	char dir[PATH_MAX];
	char initrd[PATH_MAX];
	char kernel[PATH_MAX];
	char vars[PATH_MAX];
	/* --executor slurm: the directory under the shared one where the
	 * files qemu opens are made (slurm.h), STAGE.dir "" when none. */
	struct slurm_stage stage;
	char *cmdline;
	struct firmware fw;
	struct run_disk *disks; /* the job's ndisks, once prep_work made them */
	bool disks_ready;

	uv_work_t prep;
	int prep_err;
	char *prep_cause;

	struct exec_handle *exec;
	int serial_fd;
	int64_t console_bytes;
	bool capped;
	struct console_parser *parser;
	struct console_taps *taps; /* live viewers and the writer (attach) */
	char serial_last; /* the last byte put in JOBDIR/serial */
	/* Bytes for JOBDIR/serial not written yet: the parser hands them over
	 * a line fragment at a time (61 bytes on average in a flood, less
	 * than a byte from a real guest's console), and each written alone
	 * cost a write(2) and woke every follower.  They go out together,
	 * with one wake-up, once the chunk read from qemu is parsed. */
	char serial_pending[SERIAL_PENDING_BYTES];
	size_t serial_npending;
	/* Artifacts over the fast channel (artifact-channel.h), or NULL. */
	struct artifact_channel *chan;

	/* Watchdogs. */
	uv_timer_t t_timeout, t_idle, t_kill, t_crash, t_done;
	int open_timers;
	uint64_t last_output_ms; /* uv_now() of the last console byte */
	bool seen_output;
	/* The verdict is the infrastructure's, not the kernel's: qemu would
	 * not start or was killed by the host.  The job runs again while it
	 * has an attempt left (job->max_attempts). */
	bool infra;
	struct job_results *results; /* what the console says about the tests */

	/* The verdict so far: RESULT_NONE until something decides it. */
	enum job_result verdict;
	char *message;
	/* A crash decided it: its console line, and the test then running. */
	uint64_t crash_line;
	char *crash_test;
	bool cancel_requested;
	char *cancelled_by;
	bool shutdown_stop; /* stopped by daemon shutdown: left for recovery */
	struct job_progress prog; /* what GET /v1/events says of it */
	char test_name[PKVM_NAME_MAX + 16]; /* with " (rerun K)" */

	/* A payload job (docs/PAYLOADS.md): one qemu per payload, in turn. */
	size_t payload_next; /* index of the next payload to boot */
	const struct job_exe *payload; /* the one running, or NULL */
	struct payload_exit pexit; /* what its console said of its end */
	uint64_t payload_started_ms; /* uv_now() at its start */
	char *payload_why; /* a limit killed it: which, else NULL */
	uv_timer_t t_payload; /* its own time limit */
	char efidir[PATH_MAX]; /* JOBDIR/efi: a FAT directory per EFI payload */

	/* A warm job (warm.h): whether it is one here, what its key found,
	 * the saved VM it starts from (or WARM_FROM's job), its RAM file,
	 * what a restored guest is sent, and the save or load under way. */
	bool warm_on;
	enum warm_state warm;
	char warm_key[SHA256_HEX_LEN + 1];
	int64_t warm_from;
	char warm_why[256];
	char warm_ram[PATH_MAX];
	char *warm_layer; /* "pkvm-job SIZE\n" and the layer, for a restore */
	size_t warm_layer_len;
	int warm_fd; /* the saved devices, for the load */
	uv_work_t warm_work;
	int warm_err;
	char *warm_cause;
	bool warm_saving, warm_started, warm_failed;
	bool warm_rebooted; /* a failed restore made it boot (warm_reboot) */
	bool warm_busy; /* a save or load worker is out */
	bool warm_late; /* a test began: /init's warm point is past */
	bool warm_reboot_due; /* ... and warm_reboot waits for it */
	uint64_t warm_t0;
};

struct runner {
	struct runner_env env;
	const struct run_hooks *hooks; /* for runner-warm.c */
	const struct executor_ops *ex;
	struct run *runs;
	int total, busy;
	bool shutting_down;
	void (*shutdown_cb)(void *arg);
	void *shutdown_arg;
	uv_timer_t shutdown_timer;
	int64_t slots_said[3]; /* total, used, queued as last published */
	/* The queued and running jobs in memory (job/queue.h), and whether
	 * it must be rebuilt from the store before its next use: at start-up,
	 * and after a change it could not follow (out of memory, a start the
	 * store refused), so that the store stays the one truth. */
	struct queue *queue;
	bool queue_stale;
};

/* The steps of a run that runner-warm.c calls back into: runner.c's,
 * reached through RUN->r->hooks (set by runner_new) so that the two
 * files never call each other and the runner stays the one owner of a
 * run's life. */
struct run_hooks {
	/* A note from pkvmd on a line of its own in JOBDIR/serial. */
	void (*serial_note)(struct run *run, const char *text);
	/* Ask the qemu to go: SIGTERM now, SIGKILL after --stop-grace. */
	void (*stop)(struct run *run);
	/* The run is over: decide, store, tell. */
	void (*finish)(struct run *run, int64_t exit_status, bool has_exit);
	/* Free the run, once nothing of the loop refers to it. */
	void (*free)(struct run *run);
	/* Publish the run's new phase (GET /v1/events). */
	void (*phase)(struct run *run, enum job_phase phase);
	/* Delete the run's initrd, unless --keep-initrd. */
	void (*initrd_delete)(struct run *run);
	/* The preparation: a worker's files, then qemu's start on the loop. */
	uv_work_cb prep_work;
	uv_after_work_cb prep_after;
	/* A file came over the fast channel (artifact-channel.h). */
	artifact_channel_cb on_channel_artifact;
};

/* runner-warm.c: a warm job's steps (RUN->warm_on), in the order a run
 * takes them. */

/* Worker thread, in run_prep_work: what RUN's key finds, and the files a
 * save or a restore needs. */
void run_warm_prep(struct run *run);
/* On the loop, before qemu starts: SPEC's RAM file and load, and a note
 * on the console saying how the job starts. */
void run_warm_spec(struct run *run, struct exec_spec *spec);
/* qemu started: a restore's load begins. */
void run_warm_started(struct run *run);
/* /init's mark NAME (initramfs/init, warm_point). */
void run_warm_mark(struct run *run, const char *name);
/* RUN's qemu exited: true when a restore that did not take makes the run
 * boot the job (the caller stops there), false to end the run as usual. */
bool run_warm_exited(struct run *run, int64_t exit_status, const char *last_error);

#endif
