/*
 * metrics.c -- GET /metrics: every metric of base/metrics.c in the
 * Prometheus text format 0.0.4, for a lab's Prometheus to scrape.
 *
 * Counters and histograms are kept by base/metrics.c as events happen;
 * what lives elsewhere is read here, once per scrape: jobs by state and
 * the queue by owner (one query each), the slots from the runner, the
 * blob store's size (a walk of its directories, see blobs_usage(), on
 * the thread pool) and the free space of the state directory.  A reading that fails leaves its
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

/* A scrape whose blob walk runs on the thread pool: the walk stats every
 * blob (some 10 ms for 10,000), which the loop must not wait for. */
struct scrape {
	uv_work_t work;
	struct http_request *req; /* NULL once the client went away */
	struct blobs *blobs;
	uint64_t blobs_n, blob_bytes;
	int blobs_err;
};

static void
scrape_walk(uv_work_t *w)
{
	struct scrape *sc = w->data;

	sc->blobs_err = blobs_usage(sc->blobs, &sc->blobs_n, &sc->blob_bytes);
}

/* The request is gone: the walk's end frees the scrape. */
static void
scrape_orphan(void *arg)
{
	((struct scrape *)arg)->req = NULL;
}

/* Everything but the blobs is read here, on the loop, with the walk's
 * answer: the store's handle is the loop's. */
static void
scrape_done(uv_work_t *w, int status)
{
	struct scrape *sc = w->data;
	struct http_request *req = sc->req;
	struct http_env *d;
	struct metrics_now now = { 0 };
	struct store_owner_jobs *queue = NULL;
	struct metrics_owner_jobs *queued = NULL;
	size_t nqueue = 0, len;
	char *text;
	int err;

	if (req == NULL) {
		free(sc);
		return;
	}
	http_request_set_data(req, NULL, NULL);
	d = http_request_env(req);
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
	now.has_blobs = status == 0 && sc->blobs_err == 0;
	now.blobs = sc->blobs_n;
	now.blob_bytes = sc->blob_bytes;
	now.has_free = http_state_free_bytes(d, &now.free_bytes) == 0;
	free(sc);
	err = metrics_render(&now, &text, &len);
	free(queued);
	store_owner_jobs_free(queue, nqueue);
	if (err < 0) {
		http_reply_errno(req, err, "rendering the metrics");
		return;
	}
	http_reply_text(req, 200, METRICS_CONTENT_TYPE, text, len);
}

void
http_metrics_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct scrape *sc = calloc(1, sizeof(*sc));

	if (sc == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	sc->req = req;
	sc->blobs = d->blobs;
	sc->work.data = sc;
	if (uv_queue_work(d->loop, &sc->work, scrape_walk, scrape_done) < 0) {
		free(sc);
		http_reply_error(req, HTTP_ERR_INTERNAL, NULL, "cannot start the blob walk");
		return;
	}
	/* The reply comes from scrape_done(); the handler returning without
	 * one pauses the request. */
	http_request_set_data(req, sc, scrape_orphan);
}
