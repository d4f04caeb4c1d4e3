/*
 * prune.h -- keeping the disk in budget: job directories and blobs.
 *
 * A pass removes the directories of old finished jobs (console,
 * artifacts, coverage, everything under STATE/jobs/ID) by the rules of
 * choose.h, and deletes blobs that no job keeping its directory refers to
 * once they are older than the grace period (store/retention.c says which
 * references count).  The job's row stays; it is marked pruned, so the
 * API says so (410 pruned) instead of "not found".
 *
 * A pass runs every --prune-interval, after jobs finish (at most one a
 * minute for that), and when an admin asks (POST /v1/prune).  One pass runs
 * at a time.  The store is the loop's, so a pass reads and records on the
 * loop and walks and unlinks in the thread pool:
 *
 *   loop    the jobs still holding a directory (store)
 *   worker  their sizes (only with a byte budget); the blob files
 *   loop    choose, mark the chosen pruned (store, one transaction: from
 *           now on the API answers 410), read the blob references and move
 *           unreferenced blobs past their grace into the trash
 *   worker  remove the chosen directories, empty the trash
 *   loop    log what was freed, add it to the totals, answer the admins
 *
 * Deciding on the loop is what makes it safe: a job submitted meanwhile
 * is in the references read there, and a blob moved to the trash is gone
 * for a submit that comes after (409 missing_blob, never a job whose
 * blob vanishes later).
 */
#ifndef PKVM_PRUNE_H
#define PKVM_PRUNE_H

#include <stdint.h>

#include <uv.h>

struct blobs;
struct prune;
struct store;

/* What a prune works with, borrowed for its life (main.c fills it). */
struct prune_env {
	uv_loop_t *loop;
	struct store *store;
	struct blobs *blobs;
	const char *state_dir;
	int64_t keep_days; /* a done job's directory goes after this; 0 = kept */
	int64_t keep_bytes; /* all job directories together; 0 = no budget */
	int64_t blob_grace_s; /* an unreferenced blob goes after this; 0 = never */
	int64_t interval_s; /* between passes */
};

/* What one pass freed, or all passes together (prune_totals()). */
struct prune_stats {
	int64_t passes;
	int64_t jobs_pruned;
	int64_t job_bytes; /* freed from job directories */
	int64_t blobs_deleted;
	int64_t blob_bytes; /* freed from blobs */
	int64_t job_bytes_left; /* after the last pass, with a byte budget; else -1 */
};

/* An admin waiting for a pass: CB(ARG, STATS) runs once, with what the
 * first pass that starts after prune_run() freed. */
struct prune_waiter {
	void (*cb)(void *arg, const struct prune_stats *stats);
	void *arg;
	struct prune_waiter *next; /* the prune's */
};

/* A prune over ENV (copied); passes start with prune_start().  0 or
 * negative errno. */
int prune_new(struct prune **out, const struct prune_env *env);
/* Run a pass now and then every interval. */
void prune_start(struct prune *p);
/* A job was stored done: run a pass soon (at most one a minute for this). */
void prune_job_done(struct prune *p);
/* Run a pass as soon as none is running and tell W how it went. */
void prune_run(struct prune *p, struct prune_waiter *w);
/* Forget W (its client went away); harmless when it was answered. */
void prune_waiter_cancel(struct prune *p, struct prune_waiter *w);
/* Everything freed since start-up, for logs and metrics. */
void prune_totals(const struct prune *p, struct prune_stats *out);
/* Start no more passes; one in flight finishes (its work cannot be
 * cancelled) and then lets the loop end. */
void prune_stop(struct prune *p);
/* Free the prune once the loop has ended. */
void prune_free(struct prune *p);

#endif
