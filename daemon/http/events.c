/*
 * events.c -- GET /v1/events: the job and slots events of job/events.h
 * as one server-sent-events stream (docs/API.md).
 *
 * Each connection is a subscriber of the bus and a streamed reply.  When
 * MHD asks for bytes the reader hands over the events the subscriber has
 * not taken; with none, it pauses the request, and the bus's callback
 * resumes it when one is published.  A comment line every 15 s keeps
 * proxies (and clients' own read timeouts) from closing a quiet stream;
 * pkvmd's --read-timeout is off while any reply is streamed (server.c).
 *
 * A client that reconnects with Last-Event-ID (or ?since=) gets what it
 * missed from the bus's ring, or `event: reset` first when that is gone.
 * A client that stops reading holds no memory (the ring is shared), but
 * the bytes it leaves untaken are counted, and past --events-max-queue it
 * is cut: `event: reset` if MHD still asks us for bytes, else the
 * connection is shut down, since MHD will not call a reader whose client
 * does not read.  Either way the client reconnects and resumes or reloads.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/handlers.h"
#include "job/events.h"
#include "job/job-json.h"
#include "job/job.h"
#include "run/runner.h"

/* A comment line this often keeps a quiet stream open through proxies. */
#define KEEPALIVE_MS 15000
/* What a stream opens with: how long an EventSource waits before it
 * reconnects, and a comment, which a client can wait for to know it is
 * subscribed. */
#define HELLO "retry: 2000\n: pkvmd events\n\n"
#define KEEPALIVE ": keepalive\n\n"
/* How long a client may stay over the cap before it is cut: a guest's
 * console read can publish hundreds of events in one loop iteration, more
 * than the cap, which a client that reads drains in milliseconds. */
#define SLOW_GRACE_MS 1000

struct events_stream {
	struct http_request *req;
	struct http_env *d;
	struct event_sub sub;
	uv_timer_t keepalive;
	/* The end of a frame MHD had no room for, sent first next time. */
	char *hold;
	size_t hold_len, hold_off;
	const char *reset_reason; /* an `event: reset` is due, and why */
	char *snapshot; /* ?job= without a resume point: the job now, sent first */
	bool hello_sent;
	bool keepalive_due;
	bool paused; /* the reader paused and has not been called since */
	bool cut; /* over the cap: after the reset, the stream ends */
	uint64_t over_since_ms; /* uv_now() when it went over the cap; 0: under */
};

/* Copy what fits of TEXT into BUF at *OUT; keep the rest for the next
 * call.  False once BUF is full. */
static bool
emit(struct events_stream *st, char *buf, size_t max, size_t *out, const char *text, size_t len)
{
	size_t n = max - *out < len ? max - *out : len;

	memcpy(buf + *out, text, n);
	*out += n;
	if (n == len)
		return true;
	free(st->hold);
	st->hold = malloc(len - n);
	if (st->hold == NULL) {
		/* The frame is lost: tell the client to reload. */
		st->reset_reason = "out of memory";
		st->hold_len = st->hold_off = 0;
		return false;
	}
	memcpy(st->hold, text + n, len - n);
	st->hold_len = len - n;
	st->hold_off = 0;
	return false;
}

static bool
emit_reset(struct events_stream *st, char *buf, size_t max, size_t *out)
{
	char frame[160];
	int n;

	/* The id of the newest event: a client that reconnects with it
	 * goes on from here. */
	n = snprintf(frame, sizeof(frame), "id: %lld\nevent: reset\ndata: {\"reason\":\"%s\"}\n\n",
	    (long long)event_bus_last_id(st->d->events), st->reset_reason);
	st->reset_reason = NULL;
	return emit(st, buf, max, out, frame, (size_t)n);
}

static ssize_t
events_read(void *arg, uint64_t pos, char *buf, size_t max)
{
	struct events_stream *st = arg;
	const struct bus_event *ev;
	size_t out = 0;
	int r;

	(void)pos;
	st->paused = false;
	if (st->hold != NULL) {
		size_t n = st->hold_len - st->hold_off < max ? st->hold_len - st->hold_off : max;

		memcpy(buf, st->hold + st->hold_off, n);
		st->hold_off += n;
		if (st->hold_off < st->hold_len)
			return (ssize_t)n;
		free(st->hold);
		st->hold = NULL;
		out = n;
	}
	if (!st->hello_sent) {
		st->hello_sent = true;
		if (!emit(st, buf, max, &out, HELLO, strlen(HELLO)))
			return (ssize_t)out;
	}
	if (st->snapshot != NULL) {
		char *snap = st->snapshot;

		st->snapshot = NULL;
		if (!emit(st, buf, max, &out, snap, strlen(snap))) {
			free(snap);
			return (ssize_t)out;
		}
		free(snap);
	}
	if (st->reset_reason != NULL && !emit_reset(st, buf, max, &out))
		return (ssize_t)out;
	if (st->cut)
		return out > 0 ? (ssize_t)out : -1;
	if (st->keepalive_due) {
		st->keepalive_due = false;
		if (!emit(st, buf, max, &out, KEEPALIVE, strlen(KEEPALIVE)))
			return (ssize_t)out;
	}
	while ((r = event_bus_take(st->d->events, &st->sub, &ev)) != 0) {
		bool room;

		if (r < 0) {
			st->reset_reason = "events lost";
			room = emit_reset(st, buf, max, &out);
		} else {
			room = emit(st, buf, max, &out, ev->frame, ev->len);
		}
		if (!room)
			return (ssize_t)out;
	}
	st->over_since_ms = 0;
	if (out > 0)
		return (ssize_t)out;
	st->paused = true;
	http_request_pause(st->req);
	return 0;
}

/* Whether ST has left more than the cap unread for longer than the grace. */
static bool
too_slow(struct events_stream *st)
{
	uint64_t now_ms = uv_now(st->d->loop);

	if (st->sub.queued_bytes <= (size_t)st->d->events_max_queue_bytes) {
		st->over_since_ms = 0;
		return false;
	}
	if (st->over_since_ms == 0)
		st->over_since_ms = now_ms;
	return now_ms - st->over_since_ms >= SLOW_GRACE_MS;
}

/* Cut ST: a reset if MHD still asks for bytes, else a closed connection. */
static void
cut(struct events_stream *st)
{
	struct event_sub *s = &st->sub;

	log_info("events: a client left %zu bytes of events unread (over --events-max-queue); "
		 "cutting its stream",
	    s->queued_bytes);
	st->cut = true;
	st->reset_reason = "too slow";
	event_bus_unsubscribe(st->d->events, s);
	if (st->paused)
		http_request_resume(st->req);
	else
		http_request_cut(st->req);
}

static void
on_bus_event(struct event_sub *s)
{
	struct events_stream *st = (struct events_stream *)((char *)s -
	    offsetof(struct events_stream, sub));

	if (too_slow(st))
		cut(st);
	else
		http_request_resume(st->req);
}

static void
on_keepalive(uv_timer_t *t)
{
	struct events_stream *st = t->data;

	/* A client that stopped reading after the last event is cut here. */
	if (!st->cut && st->over_since_ms != 0 && too_slow(st)) {
		cut(st);
		return;
	}
	st->keepalive_due = true;
	http_request_resume(st->req);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct events_stream *st = h->data;

	free(st->hold);
	free(st->snapshot);
	free(st);
}

static void
events_stream_free(void *arg)
{
	struct events_stream *st = arg;

	event_bus_unsubscribe(st->d->events, &st->sub);
	uv_timer_stop(&st->keepalive);
	uv_close((uv_handle_t *)&st->keepalive, on_timer_closed);
}

/* Where the client resumes: Last-Event-ID (an EventSource's reconnect), else
 * ?since=.  False after replying 400 to a bad ?since=. */
static bool
resume_point(struct http_request *req, bool *resume, int64_t *since)
{
	const char *h = http_request_header(req, "Last-Event-ID");
	long long v;

	*resume = false;
	if (h != NULL && h[0] != '\0') {
		*resume = true;
		/* Not a number we gave out: it gets a reset, not an error,
		 * since a browser sends back whatever id it last saw. */
		*since = http_int_parse(h, strlen(h), 0, INT64_MAX, &v) == 0 ? v : -1;
		return true;
	}
	if (http_request_query(req, "since") == NULL)
		return true;
	if (http_query_int(req, "since", 0, INT64_MAX, 0, &v) < 0)
		return false;
	*resume = true;
	*since = v;
	return true;
}

/* Job J as it is now, as an `event: job` without an id: it is no event of
 * the sequence, only where a client that just came starts from (so it
 * never waits for the end of a job that ended before it subscribed). */
static char *
snapshot(struct http_env *d, const struct job *j)
{
	struct job_progress p = { .phase = j->state == JOB_DONE ? PHASE_DONE : PHASE_QUEUED };
	char *data, *frame;

	if (j->state == JOB_RUNNING && runner_job_progress(d->runner, j->id, &p) < 0)
		p.phase = PHASE_FINISHING; /* stopped, its result being stored */
	data = job_event_json(j, &p, clock_now_ms());
	if (data == NULL || asprintf(&frame, "event: job\ndata: %s\n\n", data) < 0)
		frame = NULL;
	free(data);
	return frame;
}

void
http_events_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct events_stream *st;
	long long job_id;
	int64_t since = 0;
	bool resume;
	struct job *j = NULL;

	if (http_query_int(req, "job", 1, INT64_MAX, 0, &job_id) < 0 ||
	    !resume_point(req, &resume, &since))
		return;
	if (job_id > 0 && (j = http_job_load(req, job_id)) == NULL)
		return;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		job_free(j);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	if (job_id > 0) {
		if (!resume)
			st->snapshot = snapshot(d, j);
		job_free(j);
	}
	st->req = req;
	st->d = d;
	st->sub.job_id = job_id;
	st->sub.cb = on_bus_event;
	if (event_bus_subscribe(d->events, &st->sub, resume, since) == -ESTALE)
		st->reset_reason = "events gone";
	uv_timer_init(d->loop, &st->keepalive);
	st->keepalive.data = st;
	uv_timer_start(&st->keepalive, on_keepalive, KEEPALIVE_MS, KEEPALIVE_MS);
	/* The state belongs to the request, which outlives every call of the
	 * reader: a bus event can never resume a freed request. */
	http_request_set_data(req, st, events_stream_free);
	http_reply_stream(req, 200, "text/event-stream", events_read, st, NULL, "Cache-Control",
	    "no-cache");
}
