/*
 * metrics.h -- what pkvmd counts, for GET /metrics (docs/API.md lists it).
 *
 * The daemon has one registry, process-wide like the log: a module records
 * an event with one call where the event happens (a job stored done in
 * the store, console bytes in the runner, a request completed in the HTTP
 * server, a capture's outcome in coverage/) and needs no field in its env
 * struct for it.  Before metrics_init() and after metrics_free() every
 * call does nothing, so unit tests of those modules need no registry.
 * Counting never fails a caller: a series that cannot be made (no memory)
 * is left out of the next scrape.
 *
 * Gauges whose truth lives elsewhere (jobs by state, the queue, slots,
 * disk, blobs) are set at scrape time from a struct metrics_now by the
 * /metrics handler, just before metrics_render().
 */
#ifndef PKVM_METRICS_H
#define PKVM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Make the registry, with every family and the series that start at 0;
 * VERSION goes into pkvmd_build_info, START_MS is the daemon's start (unix
 * ms).  0 or negative errno. */
int metrics_init(const char *version, int64_t start_ms);
/* Free the registry; the calls that follow do nothing. */
void metrics_free(void);

/* N jobs were stored done with RESULT. */
void metrics_jobs_finished(enum job_result result, uint64_t n);
/* A job that ran ended with RESULT after SECONDS (started to finished). */
void metrics_job_ran(enum job_result result, double seconds);
/* A guest's /init reported in SECONDS after qemu was started. */
void metrics_boot_observe(double seconds);
/* A turn of the event loop worked SECONDS. */
void metrics_loop_turn(double seconds);
/* N bytes of console were captured into a job's log. */
void metrics_console_bytes_add(uint64_t n);
/* A request was answered: METHOD as the client sent it, ROUTE the pattern
 * of its routing-table row (NULL when none matched), STATUS what was sent
 * (0 when nothing was), SECONDS from its headers to its completion. */
void metrics_http_request(const char *method, const char *route, unsigned status, double seconds);
/* A coverage capture ended with OUTCOME: "ok", "none" or "error". */
void metrics_coverage_capture(const char *outcome);
/* Pruning removed JOBS jobs, BLOBS blobs and BYTES bytes of files. */
void metrics_prune_add(uint64_t jobs, uint64_t bytes, uint64_t blobs);

/* One user's queued jobs. */
struct metrics_owner_jobs {
	const char *owner;
	int64_t jobs;
};

/* What the scrape reads from the parts that own it; a has_ flag false
 * leaves that gauge out (its reading failed). */
struct metrics_now {
	bool has_jobs;
	int64_t jobs[JOB_DONE + 1]; /* by enum job_state */
	const struct metrics_owner_jobs *queued; /* users with queued jobs */
	size_t nqueued;
	int slots_total, slots_used;
	bool has_blobs;
	uint64_t blobs, blob_bytes;
	bool has_free;
	uint64_t free_bytes; /* of the state directory's file system */
};

/* Set the scrape-time gauges from NOW and write every metric in the text
 * format 0.0.4 into *TEXT (malloc'd) and *LEN.  0, -ENOMEM, or -ENODEV
 * before metrics_init(). */
int metrics_render(const struct metrics_now *now, char **text, size_t *len);

#endif
