/*
 * events.c -- the event bus: a ring of numbered events and the cursors of
 * the subscribers reading it.
 *
 * Event ID lives in slot (ID - first_id) % capacity until CAPACITY newer
 * events have been published.  A subscriber's cursor is the first id it
 * has not looked at; taking walks from there to the newest event,
 * skipping other jobs' events when it has a filter.  A cursor that points
 * below the oldest event kept has lost events: the subscriber is told
 * (-ESTALE) and moved to the head.
 *
 * Each subscriber also counts the bytes of matching events it has not
 * taken, added on publish and taken off on take, so that the HTTP side
 * can cut a client that stopped reading without walking the ring.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job/events.h"

struct event_bus {
	struct bus_event *ring;
	size_t capacity;
	int64_t first_id; /* the id the first event got */
	int64_t last_id; /* the newest's; first_id - 1 before any */
	struct event_sub *subs;
};

int
event_bus_new(struct event_bus **out, int64_t first_id, size_t capacity)
{
	struct event_bus *b;

	if (first_id <= 0 || capacity == 0)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->ring = calloc(capacity, sizeof(*b->ring));
	if (b->ring == NULL) {
		free(b);
		return -ENOMEM;
	}
	b->capacity = capacity;
	b->first_id = first_id;
	b->last_id = first_id - 1;
	*out = b;
	return 0;
}

void
event_bus_free(struct event_bus *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->capacity; i++)
		free(b->ring[i].frame);
	free(b->ring);
	free(b);
}

int64_t
event_bus_last_id(const struct event_bus *b)
{
	return b->last_id;
}

/* The oldest id still in the ring (last_id + 1 when the ring is empty). */
static int64_t
oldest_id(const struct event_bus *b)
{
	int64_t oldest = b->last_id - (int64_t)b->capacity + 1;

	return oldest > b->first_id ? oldest : b->first_id;
}

static struct bus_event *
slot(const struct event_bus *b, int64_t id)
{
	return &b->ring[(uint64_t)(id - b->first_id) % b->capacity];
}

static bool
matches(const struct event_sub *s, const struct bus_event *ev)
{
	return s->job_id == 0 || s->job_id == ev->job_id;
}

int64_t
event_bus_publish(struct event_bus *b, const char *kind, int64_t job_id, const char *data)
{
	struct bus_event *ev;
	struct event_sub *s, *next;
	char *frame;
	int n;

	if (strchr(data, '\n') != NULL || strchr(kind, '\n') != NULL)
		return -EINVAL;
	n = asprintf(&frame, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)(b->last_id + 1), kind,
	    data);
	if (n < 0)
		return -ENOMEM;
	ev = slot(b, ++b->last_id);
	free(ev->frame);
	*ev = (struct bus_event){ .id = b->last_id,
		.job_id = job_id,
		.frame = frame,
		.len = (size_t)n };
	for (s = b->subs; s != NULL; s = next) {
		next = s->next; /* the callback may unsubscribe S */
		if (!matches(s, ev))
			continue;
		s->queued_bytes += ev->len;
		s->cb(s);
	}
	return ev->id;
}

static void
link_sub(struct event_bus *b, struct event_sub *s)
{
	s->prev = NULL;
	s->next = b->subs;
	if (b->subs != NULL)
		b->subs->prev = s;
	b->subs = s;
	s->linked = true;
}

int
event_bus_subscribe(struct event_bus *b, struct event_sub *s, bool resume, int64_t since)
{
	int err = 0;

	if (s->linked)
		return 0;
	s->queued_bytes = 0;
	s->next_id = b->last_id + 1;
	if (resume) {
		/* SINCE is the last id the client saw: all after it must
		 * still be here, and it must be one of ours (or the "none
		 * yet" id a reset before the first event carried). */
		if (since < b->first_id - 1 || since > b->last_id || since + 1 < oldest_id(b)) {
			err = -ESTALE;
		} else {
			s->next_id = since + 1;
			for (int64_t id = s->next_id; id <= b->last_id; id++)
				if (matches(s, slot(b, id)))
					s->queued_bytes += slot(b, id)->len;
		}
	}
	link_sub(b, s);
	return err;
}

void
event_bus_unsubscribe(struct event_bus *b, struct event_sub *s)
{
	if (!s->linked)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		b->subs = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	s->linked = false;
}

int
event_bus_take(struct event_bus *b, struct event_sub *s, const struct bus_event **ev)
{
	if (s->next_id < oldest_id(b)) {
		s->next_id = b->last_id + 1;
		s->queued_bytes = 0;
		return -ESTALE;
	}
	while (s->next_id <= b->last_id) {
		const struct bus_event *e = slot(b, s->next_id++);

		if (!matches(s, e))
			continue;
		s->queued_bytes = s->queued_bytes > e->len ? s->queued_bytes - e->len : 0;
		*ev = e;
		return 1;
	}
	return 0;
}
