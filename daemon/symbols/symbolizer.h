/*
 * symbolizer.h -- file:line for the frames of a finished job's crash
 * reports (docs/SYMBOLS.md).
 *
 * When a job ends, main.c hands it here (the runner's on_job_done, as for
 * coverage).  If it has crash reports, they are marked pending and the
 * job is queued; one job is symbolized at a time, because addr2line on a
 * vmlinux with full debug info takes hundreds of megabytes.  Reading the
 * reports' frames, the kernel's build id and the symbol tables runs in the
 * thread pool; addr2line runs as a child (through pkvmd-spawn, so it dies
 * with pkvmd), once for the vmlinux and once per module section; reading
 * its answers and writing the symbolized copies is the thread pool's
 * again, and storing them the loop's.  The job's result is stored before
 * and never waits for any of it.
 *
 * The vmlinux is the job's own (its "vmlinux" field), else one an earlier
 * job named whose GNU build id the kernel Image carries.  Modules' frames
 * use the .ko files of the job's --extra tree that have debug info.
 */
#ifndef PKVM_SYMBOLIZER_H
#define PKVM_SYMBOLIZER_H

#include <stdint.h>

#include <uv.h>

struct blobs;
struct job;
struct store;
struct symbolizer;
struct watch_list;

/* What the symbolizer works with, borrowed for its life. */
struct symbolizer_env {
	uv_loop_t *loop;
	struct store *store;
	struct blobs *blobs;
	struct watch_list *watches;
	const char *state_dir;
	const char *spawn_helper; /* pkvmd-spawn */
	int64_t timeout_s; /* an addr2line run that takes longer is killed */
};

/* The symbolizer over ENV (copied).  0 or negative errno. */
int symbolizer_new(struct symbolizer **out, const struct symbolizer_env *env);
/* Job J has ended and is stored done: mark its crash reports pending and
 * queue it, or, with no report, tell its waiters at once (WATCH_SYMBOLS). */
void symbolizer_job_done(struct symbolizer *s, const struct job *j);
/* At start-up: queue again the jobs a stopped pkvmd left with reports
 * pending.  0 or negative errno. */
int symbolizer_resume(struct symbolizer *s);
/* Stop: the job being symbolized is abandoned (its addr2line killed) and
 * so are the queued ones; their reports stay pending, for the next pkvmd
 * to finish (symbolizer_resume()).  CB(ARG) runs when nothing is left
 * running. */
void symbolizer_shutdown(struct symbolizer *s, void (*cb)(void *arg), void *arg);
/* Free the symbolizer (after symbolizer_shutdown()). */
void symbolizer_free(struct symbolizer *s);

#endif
