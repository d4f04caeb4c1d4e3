/*
 * wait.c -- long polls: answer a request when something happens to a
 * job, or when the client's patience runs out.
 *
 * `GET .../wait` waits for the job to be done, `GET .../coverage?wait=`
 * for its coverage to be final; both are a watch on the job (watch.c), a
 * timer, and a paused request, and whichever fires first replies once.
 */
#include <stddef.h>
#include <stdlib.h>

#include <uv.h>

#include "http/handlers.h"
#include "job/watch.h"

struct long_poll {
	struct http_request *req;
	struct http_env *d;
	struct job_watch watch;
	enum watch_event event;
	uv_timer_t timer;
	void (*reply)(struct http_request *req, int64_t job_id);
	bool replied;
};

static void
poll_reply(struct long_poll *lp)
{
	if (lp->replied)
		return;
	lp->replied = true;
	watch_remove(lp->d->watches, &lp->watch);
	uv_timer_stop(&lp->timer);
	lp->reply(lp->req, lp->watch.job_id);
}

static void
on_event(struct job_watch *w, enum watch_event ev)
{
	struct long_poll *lp = (struct long_poll *)((char *)w - offsetof(struct long_poll, watch));

	if (ev == lp->event)
		poll_reply(lp);
}

static void
on_timeout(uv_timer_t *t)
{
	poll_reply(t->data);
}

static void
on_closed(uv_handle_t *h)
{
	free(h->data);
}

/* The request is complete (or its client gone): no reply may follow. */
static void
poll_free(void *data)
{
	struct long_poll *lp = data;

	watch_remove(lp->d->watches, &lp->watch);
	uv_close((uv_handle_t *)&lp->timer, on_closed);
}

void
http_wait_for(struct http_request *req, int64_t job_id, enum watch_event event, long timeout_s,
    void (*reply)(struct http_request *req, int64_t job_id))
{
	struct http_env *d = http_request_env(req);
	struct long_poll *lp = calloc(1, sizeof(*lp));

	if (lp == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	lp->req = req;
	lp->d = d;
	lp->event = event;
	lp->reply = reply;
	lp->watch.job_id = job_id;
	lp->watch.cb = on_event;
	uv_timer_init(d->loop, &lp->timer);
	lp->timer.data = lp;
	http_request_set_data(req, lp, poll_free);
	watch_add(d->watches, &lp->watch);
	uv_timer_start(&lp->timer, on_timeout, (uint64_t)timeout_s * 1000, 0);
	http_request_pause(req);
}

void
http_job_long_poll(struct http_request *req, enum watch_event event,
    bool (*final)(struct http_env *d, int64_t id),
    void (*reply)(struct http_request *req, int64_t job_id))
{
	long long wait_s;
	int64_t id;

	if (!http_job_id_param(req, &id))
		return;
	if (http_query_int(req, "wait", 0, HTTP_WAIT_MAX_S, 0, &wait_s) < 0)
		return;
	if (wait_s == 0 || final(http_request_env(req), id)) {
		reply(req, id);
		return;
	}
	http_wait_for(req, id, event, (long)wait_s, reply);
}
