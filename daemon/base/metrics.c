/*
 * metrics.c -- pkvmd's metrics: every family as a row of one table, and
 * one function per event that moves them.
 *
 * Label values are bounded by construction, so a client cannot grow the
 * registry: a request is labelled by its route's pattern
 * ("/v1/jobs/{id}"), never its path, and by a method from a fixed list
 * ("other" for the rest); results, states and capture outcomes are enums.
 * The one label that comes from users, the owner of queued jobs, is a
 * gauge cleared and set afresh at every scrape, so a user with nothing
 * queued drops out.
 *
 * Counters live for the daemon's life and only go up; Prometheus takes
 * their drop at a restart as a reset.  The series that a dashboard rates
 * (jobs finished by each result, captures by each outcome, the pruning
 * totals) are made at 0 at start, so rate() has a first point and a
 * missing series means a missing feature, not "none yet".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/metrics.h"
#include "base/prom.h"

enum family {
	F_BUILD_INFO,
	F_START_TIME,
	F_JOBS,
	F_JOBS_FINISHED,
	F_QUEUED,
	F_SLOTS,
	F_SLOTS_USED,
	F_JOB_DURATION,
	F_BOOT_DURATION,
	F_CONSOLE_BYTES,
	F_HTTP_REQUESTS,
	F_HTTP_DURATION,
	F_CAPTURES,
	F_BLOBS,
	F_BLOB_BYTES,
	F_FREE_BYTES,
	F_PRUNE_JOBS,
	F_PRUNE_BYTES,
	F_PRUNE_BLOBS,
	F_LOOP_TURN,
	F_LOOP_TURN_MAX,
	F__COUNT
};

static const struct prom_def defs[F__COUNT] = {
	[F_BUILD_INFO] = { .name = "pkvmd_build_info",
	    .help = "Always 1; the version label says which pkvmd runs.",
	    .type = PROM_GAUGE,
	    .labels = { "version" } },
	[F_START_TIME] = { .name = "pkvmd_start_time_seconds",
	    .help = "When the daemon started, in seconds since the epoch.",
	    .type = PROM_GAUGE },
	[F_JOBS] = { .name = "pkvmd_jobs",
	    .help = "Jobs in the database by state.",
	    .type = PROM_GAUGE,
	    .labels = { "state" } },
	[F_JOBS_FINISHED] = { .name = "pkvmd_jobs_finished_total",
	    .help = "Jobs stored done since the daemon started, by result.",
	    .type = PROM_COUNTER,
	    .labels = { "result" } },
	[F_QUEUED] = { .name = "pkvmd_queued_jobs",
	    .help = "Queued jobs by owner (users with none are not listed).",
	    .type = PROM_GAUGE,
	    .labels = { "owner" } },
	[F_SLOTS] = { .name = "pkvmd_slots",
	    .help = "CPU slots running jobs share (--slots).",
	    .type = PROM_GAUGE },
	[F_SLOTS_USED] = { .name = "pkvmd_slots_used",
	    .help = "CPU slots taken by running jobs.",
	    .type = PROM_GAUGE },
	/* From 1 s to a day: a job's timeout is at most 604800 s, but a job
	 * past a few hours is a hang whatever its exact length. */
	[F_JOB_DURATION] = { .name = "pkvmd_job_duration_seconds",
	    .help = "How long jobs that ran took, from started to finished, by result.",
	    .type = PROM_HISTOGRAM,
	    .labels = { "result" },
	    .buckets = { 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600,
		86400 },
	    .nbuckets = 16 },
	/* A KVM boot to /init is about a second; TCG with UEFI, tens. */
	[F_BOOT_DURATION] = { .name = "pkvmd_boot_duration_seconds",
	    .help = "From qemu's start until the guest's /init reported in.",
	    .type = PROM_HISTOGRAM,
	    .buckets = { 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120, 300 },
	    .nbuckets = 15 },
	[F_CONSOLE_BYTES] = { .name = "pkvmd_console_bytes_total",
	    .help = "Console bytes captured into jobs' logs (after --console-max).",
	    .type = PROM_COUNTER },
	[F_HTTP_REQUESTS] = { .name = "pkvmd_http_requests_total",
	    .help = "API requests answered, by method, route pattern and status.",
	    .type = PROM_COUNTER,
	    .labels = { "method", "route", "status" } },
	/* Long polls wait up to an hour: the top buckets are theirs. */
	[F_HTTP_DURATION] = { .name = "pkvmd_http_request_duration_seconds",
	    .help = "API requests from their headers to their completion, by method and route.",
	    .type = PROM_HISTOGRAM,
	    .labels = { "method", "route" },
	    .buckets = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60,
		300, 3600 },
	    .nbuckets = 15 },
	[F_CAPTURES] = { .name = "pkvmd_coverage_captures_total",
	    .help = "Coverage captures that ended, by outcome (ok, none, error).",
	    .type = PROM_COUNTER,
	    .labels = { "outcome" } },
	[F_BLOBS] = { .name = "pkvmd_blobs",
	    .help = "Blobs in the blob store.",
	    .type = PROM_GAUGE },
	[F_BLOB_BYTES] = { .name = "pkvmd_blob_store_bytes",
	    .help = "Bytes of the blobs in the blob store.",
	    .type = PROM_GAUGE },
	[F_FREE_BYTES] = { .name = "pkvmd_state_free_bytes",
	    .help = "Bytes free for pkvmd in the state directory's file system.",
	    .type = PROM_GAUGE },
	[F_PRUNE_JOBS] = { .name = "pkvmd_prune_jobs_total",
	    .help = "Jobs removed by pruning.",
	    .type = PROM_COUNTER },
	[F_PRUNE_BYTES] = { .name = "pkvmd_prune_bytes_total",
	    .help = "Bytes of files removed by pruning.",
	    .type = PROM_COUNTER },
	[F_PRUNE_BLOBS] = { .name = "pkvmd_prune_blobs_total",
	    .help = "Blobs removed by pruning.",
	    .type = PROM_COUNTER },
	/* Most turns take microseconds; one past 10 ms is a request or a
	 * job event holding every other client up. */
	[F_LOOP_TURN] = { .name = "pkvmd_loop_turn_seconds",
	    .help = "How long each turn of the event loop worked (what it slept not counted).",
	    .type = PROM_HISTOGRAM,
	    .buckets = { 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
		2.5 },
	    .nbuckets = 13 },
	[F_LOOP_TURN_MAX] = { .name = "pkvmd_loop_turn_max_seconds",
	    .help = "The longest turn of the event loop since the daemon started.",
	    .type = PROM_GAUGE },
};

static const char *const capture_outcomes[] = { "ok", "none", "error" };

/* Methods a route may have, and what the others are counted as. */
static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH" };
#define METHOD_OTHER "other"
/* The route label of a request no row matched (404, 405). */
#define ROUTE_NONE "none"

static struct prom_registry *reg;
static struct prom_family *fam[F__COUNT];
static double loop_turn_max; /* seconds, what F_LOOP_TURN_MAX says */

void
metrics_free(void)
{
	prom_registry_free(reg);
	reg = NULL;
	memset(fam, 0, sizeof(fam));
}

int
metrics_init(const char *version, int64_t start_ms)
{
	int err;

	metrics_free();
	if ((err = prom_registry_new(&reg)) < 0)
		return err;
	for (int i = 0; i < F__COUNT; i++)
		if ((err = prom_family_add(reg, &defs[i], &fam[i])) < 0)
			goto fail;
	if ((err = prom_set(fam[F_BUILD_INFO], (const char *[]){ version }, 1)) < 0 ||
	    (err = prom_set(fam[F_START_TIME], NULL, (double)start_ms / 1000)) < 0 ||
	    (err = prom_add(fam[F_CONSOLE_BYTES], NULL, 0)) < 0 ||
	    (err = prom_add(fam[F_PRUNE_JOBS], NULL, 0)) < 0 ||
	    (err = prom_add(fam[F_PRUNE_BYTES], NULL, 0)) < 0 ||
	    (err = prom_add(fam[F_PRUNE_BLOBS], NULL, 0)) < 0 ||
	    (err = prom_set(fam[F_LOOP_TURN_MAX], NULL, 0)) < 0)
		goto fail;
	loop_turn_max = 0;
	for (int r = RESULT_PASSED; r <= RESULT_INTERRUPTED; r++)
		if ((err = prom_add(fam[F_JOBS_FINISHED],
			 (const char *[]){ job_result_name((enum job_result)r) }, 0)) < 0)
			goto fail;
	for (size_t i = 0; i < sizeof(capture_outcomes) / sizeof(capture_outcomes[0]); i++)
		if ((err = prom_add(fam[F_CAPTURES], &capture_outcomes[i], 0)) < 0)
			goto fail;
	return 0;

fail:
	metrics_free();
	return err;
}

/* The name of RESULT, or NULL for none (not counted). */
static const char *
result_label(enum job_result result)
{
	return result == RESULT_NONE ? NULL : job_result_name(result);
}

void
metrics_jobs_finished(enum job_result result, uint64_t n)
{
	const char *r = result_label(result);

	if (reg != NULL && r != NULL)
		(void)prom_add(fam[F_JOBS_FINISHED], &r, (double)n);
}

void
metrics_job_ran(enum job_result result, double seconds)
{
	const char *r = result_label(result);

	if (reg != NULL && r != NULL)
		(void)prom_observe(fam[F_JOB_DURATION], &r, seconds);
}

void
metrics_boot_observe(double seconds)
{
	if (reg != NULL)
		(void)prom_observe(fam[F_BOOT_DURATION], NULL, seconds);
}

void
metrics_loop_turn(double seconds)
{
	if (reg == NULL)
		return;
	(void)prom_observe(fam[F_LOOP_TURN], NULL, seconds);
	if (seconds > loop_turn_max) {
		loop_turn_max = seconds;
		(void)prom_set(fam[F_LOOP_TURN_MAX], NULL, seconds);
	}
}

void
metrics_console_bytes_add(uint64_t n)
{
	if (reg != NULL)
		(void)prom_add(fam[F_CONSOLE_BYTES], NULL, (double)n);
}

static const char *
method_label(const char *method)
{
	for (size_t i = 0; method != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(method, methods[i]) == 0)
			return methods[i];
	return METHOD_OTHER;
}

void
metrics_http_request(const char *method, const char *route, unsigned status, double seconds)
{
	char code[16];
	const char *labels[3];

	if (reg == NULL)
		return;
	snprintf(code, sizeof(code), "%u", status);
	labels[0] = method_label(method);
	labels[1] = route != NULL ? route : ROUTE_NONE;
	labels[2] = code;
	(void)prom_add(fam[F_HTTP_REQUESTS], labels, 1);
	(void)prom_observe(fam[F_HTTP_DURATION], labels, seconds);
}

void
metrics_coverage_capture(const char *outcome)
{
	if (reg != NULL)
		(void)prom_add(fam[F_CAPTURES], &outcome, 1);
}

void
metrics_prune_add(uint64_t jobs, uint64_t bytes, uint64_t blobs)
{
	if (reg == NULL)
		return;
	(void)prom_add(fam[F_PRUNE_JOBS], NULL, (double)jobs);
	(void)prom_add(fam[F_PRUNE_BYTES], NULL, (double)bytes);
	(void)prom_add(fam[F_PRUNE_BLOBS], NULL, (double)blobs);
}

/* Set gauge family F to V, or leave it without a series when !HAS. */
static void
gauge(enum family f, bool has, double v)
{
	prom_family_clear(fam[f]);
	if (has)
		(void)prom_set(fam[f], NULL, v);
}

int
metrics_render(const struct metrics_now *now, char **text, size_t *len)
{
	if (reg == NULL)
		return -ENODEV;
	prom_family_clear(fam[F_JOBS]);
	for (int s = JOB_QUEUED; now->has_jobs && s <= JOB_DONE; s++)
		(void)prom_set(fam[F_JOBS], (const char *[]){ job_state_name((enum job_state)s) },
		    (double)now->jobs[s]);
	prom_family_clear(fam[F_QUEUED]);
	for (size_t i = 0; i < now->nqueued; i++)
		(void)prom_set(fam[F_QUEUED], &now->queued[i].owner, (double)now->queued[i].jobs);
	gauge(F_SLOTS, true, now->slots_total);
	gauge(F_SLOTS_USED, true, now->slots_used);
	gauge(F_BLOBS, now->has_blobs, (double)now->blobs);
	gauge(F_BLOB_BYTES, now->has_blobs, (double)now->blob_bytes);
	gauge(F_FREE_BYTES, now->has_free, (double)now->free_bytes);
	return prom_render(reg, text, len);
}
