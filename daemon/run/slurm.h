/*
 * slurm.h -- what the qemu executor needs to run its guests through Slurm
 * (pkvmd --executor slurm, docs/SLURM.md).
 *
 * The guest is the same qemu command line, run by `srun` as a one-task
 * job step named "pkvmd-ID"; its console comes back through srun's
 * stdout, unbuffered, into the same pipeline as a local qemu's.  The
 * files qemu opens are staged under the shared directory every node
 * sees.  Stopping is `scancel`; the outcome is Slurm's job state (from
 * `squeue`), not srun's exit status alone.  This module holds the Slurm
 * side: the srun words, staging, the commands and what their answers
 * mean; executor-qemu.c calls it.
 */
#ifndef PKVM_SLURM_H
#define PKVM_SLURM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

struct exec_spec;
struct job;
struct run_disk;

struct slurm_options {
	const char *partition; /* srun -p, or NULL for the cluster's default */
	const char *account; /* srun -A, or NULL */
	const char *shared_dir; /* seen by every node: job files go here */
	const char *bin_dir; /* where srun, scancel and squeue are; NULL: PATH */
	const char *state_dir; /* pkvmd's: it names this pkvmd's jobs in Slurm */
};

/* Run every guest through Slurm with O (copied): 0, or negative errno with
 * *CAUSE when the shared directory is not usable. */
int slurm_configure(const struct slurm_options *o, char **cause);
/* Whether slurm_configure() was called. */
bool slurm_enabled(void);

/* The Slurm job name of pkvmd job ID into BUF (LEN >= 32). */
void slurm_job_name(int64_t id, char *buf, size_t len);

/* A run's files where every node sees them. */
struct slurm_stage {
	char dir[PATH_MAX]; /* SHARED/pkvmd-ID: qemu's working directory */
	char kernel[PATH_MAX], initrd[PATH_MAX], vars[PATH_MAX], fatdir[PATH_MAX];
};
/* Make job ID's directory under the shared one, empty, into ST (the
 * runner's preparation worker: it builds the initrd there, copies the
 * UEFI variables there, stages the kernel and the disks); blocking.  0,
 * or negative errno with *CAUSE. */
int slurm_stage_begin(int64_t id, struct slurm_stage *st, char **cause);
/* FROM into ST's directory as NAME, its path into TO (PATH_MAX): linked
 * where the filesystem allows, else copied; left where it is when it is
 * shared already.  Blocking.  0, or negative errno with *CAUSE. */
int slurm_stage_file(struct slurm_stage *st, const char *from, const char *name, char *to,
    char **cause);
/* Stage job J's N disks D, made ready by disks_prepare() with their
 * overlays in ST's directory: each read-only image, and each overlay's
 * backing image, linked or copied beside them, the overlays rebased onto
 * those copies with QEMU_IMG.  Blocking.  0, or negative errno with
 * *CAUSE. */
int slurm_stage_disks(struct slurm_stage *st, const struct job *j, struct run_disk *d, size_t n,
    const char *qemu_img, char **cause);
/* Stage what SPEC's qemu opens and is not under the shared directory yet
 * (a payload's blob, its FAT directory and UEFI variables; for a kernel
 * job the runner staged everything) into ST; blocking.  0, or negative
 * errno with *CAUSE (a disk that is not shared is refused). */
int slurm_stage(const struct exec_spec *spec, struct slurm_stage *st, char **cause);
/* Remove ST's directory and everything in it. */
void slurm_unstage(struct slurm_stage *st);

/* Call ADD(ARG, word) for each word of the srun command that runs SPEC's
 * qemu, up to and not including qemu itself. */
void slurm_srun_words(const struct exec_spec *spec, void (*add)(void *arg, const char *word),
    void *arg);

/* What Slurm says of a job (squeue -o "%i|%T|%N|%r"). */
struct slurm_job {
	int64_t id; /* 0: not found */
	char state[32]; /* "RUNNING", "COMPLETED", "NODE_FAIL", ... */
	char node[64];
	char reason[64];
};
/* The newest job among squeue's lines TEXT into *OUT; false when none. */
bool slurm_parse_jobs(const char *text, struct slurm_job *out);
/* Why a job that ended in STATE did not end by its guest's doing, as an
 * infrastructure failure ("Slurm node failure (NODE_FAIL)"), or NULL when
 * its guest ended it (COMPLETED, FAILED) or pkvmd cancelled it
 * (CANCELLED when CANCELLED_BY_US). */
const char *slurm_state_lost(const char *state, bool cancelled_by_us);

/* Ask Slurm about job NAME, then call CB(ARG, job) with what it said (id
 * 0 when nothing); 0 or negative errno (CB never called). */
int slurm_query(uv_loop_t *loop, const char *name, void (*cb)(void *arg, const struct slurm_job *j),
    void *arg);
/* scancel job NAME: signal its step with SIGTERM, or cancel it outright
 * when FORCE; asynchronous, a failure is logged. */
void slurm_cancel(uv_loop_t *loop, const char *name, bool force);
/* At start-up, before any run: cancel every job of ours ("pkvmd-*" of this
 * user) a previous pkvmd left in Slurm; blocking.  The number cancelled,
 * or negative errno with *CAUSE. */
int slurm_cancel_leftovers(char **cause);

#endif
