/*
 * metrics.c -- GET /metrics: every metric of base/metrics.c in the
 * Prometheus text format 0.0.4, for a lab's Prometheus to scrape.
 *
 * Counters and histograms are kept by base/metrics.c as events happen;
 * what lives elsewhere is read here, once per scrape: jobs by state and
 * the queue by owner (one query each), the slots from the runner, the
 * blob store's size (a walk of its directories, see blobs_usage()) and
 * the free space of the state directory.  A reading that fails leaves its
 * gauge out of this scrape rather than failing the scrape.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/metrics.h"
#include "http/handlers.h"
#include "run/runner.h"
#include "store/blobs.h"
#include "store/store.h"

/* The exposition format's media type (0.0.4 is the text format). */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void
http_metrics_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct metrics_now now = { 0 };
	struct store_owner_jobs *queue = NULL;
	struct metrics_owner_jobs *queued = NULL;
	size_t nqueue = 0, len;
	char *text;
	int err;

	now.has_jobs = store_jobs_count(d->store, now.jobs) == 0;
	if (store_queue_by_owner(d->store, &queue, &nqueue) == 0 && nqueue > 0 &&
	    (queued = calloc(nqueue, sizeof(*queued))) != NULL) {
		for (size_t i = 0; i < nqueue; i++) {
			queued[i].owner = queue[i].owner;
			queued[i].jobs = queue[i].jobs;
		}
		now.queued = queued;
		now.nqueued = nqueue;
	}
	now.slots_total = runner_slots_total(d->runner);
	now.slots_used = runner_slots_busy(d->runner);
	now.has_blobs = blobs_usage(d->blobs, &now.blobs, &now.blob_bytes) == 0;
	now.has_free = http_state_free_bytes(d, &now.free_bytes) == 0;
	err = metrics_render(&now, &text, &len);
	free(queued);
	store_owner_jobs_free(queue, nqueue);
	if (err < 0) {
		http_reply_errno(req, err, "rendering the metrics");
		return;
	}
	http_reply_text(req, 200, METRICS_CONTENT_TYPE, text, len);
}
