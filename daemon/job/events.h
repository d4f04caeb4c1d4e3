/*
 * events.h -- the event bus: what happened to jobs and slots, in order,
 * for everyone who listens (GET /v1/events).
 *
 * Publishers (the runner, the submit paths) hand the bus an event: a kind
 * ("job", "slots"), the job it is about and its data, one line of JSON.
 * The bus numbers it and keeps it, already in the text it is sent as
 * (server-sent events: "id: N\nevent: KIND\ndata: DATA\n\n"), in a ring of
 * the last few thousand.  Subscribers are cursors into that ring: each
 * takes the events after its cursor (only one job's, when it has a job
 * filter), so N connections share one copy of every event and a
 * reconnecting client resumes from the id it saw last.
 *
 * Ids are one counter for the bus's life starting at FIRST_ID; pkvmd
 * makes FIRST_ID its start time in ms times 1000, so the ids of a later
 * pkvmd are all higher and an id from an earlier one is recognised as
 * not ours.  A slow subscriber costs no memory (the ring is shared) but
 * counts the bytes it has not taken; its owner cuts it past a cap.
 *
 * No I/O and no loop: publishing calls the matching subscribers'
 * callbacks, which only note that there is something to take.
 */
#ifndef PKVM_EVENTS_H
#define PKVM_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_bus;

/* One published event as the ring keeps it. */
struct bus_event {
	int64_t id;
	int64_t job_id; /* 0 when about no job (slots) */
	char *frame; /* "id: ...\nevent: ...\ndata: ...\n\n" */
	size_t len;
};

/* A subscriber, embedded in its owner's state; the fields after cb are the
 * bus's. */
struct event_sub {
	int64_t job_id; /* only this job's events; 0 for all */
	/* A matching event was published: take it with event_bus_take().
	 * May not publish, and may unsubscribe only S. */
	void (*cb)(struct event_sub *s);

	int64_t next_id; /* the first id it has not looked at */
	size_t queued_bytes; /* of matching events it has not taken */
	struct event_sub *prev, *next;
	bool linked;
};

/* A bus whose first event gets FIRST_ID (> 0), keeping the last CAPACITY
 * events (> 0), into *OUT; 0, -EINVAL or -ENOMEM. */
int event_bus_new(struct event_bus **out, int64_t first_id, size_t capacity);
/* Free the bus and the events it keeps (no subscriber may be left). */
void event_bus_free(struct event_bus *b);
/* The id of the newest event, FIRST_ID - 1 before the first. */
int64_t event_bus_last_id(const struct event_bus *b);
/* Publish an event of KIND about JOB_ID (0: none) with DATA (one line, no
 * newline) and tell the subscribers it matches.  Its id, or -ENOMEM or
 * -EINVAL (DATA holds a newline). */
int64_t event_bus_publish(struct event_bus *b, const char *kind, int64_t job_id, const char *data);
/* Start S (job_id and cb set) after event SINCE when RESUME, else with
 * the next event published.  0; or -ESTALE when RESUME and the events
 * after SINCE are no longer all kept or SINCE is not this bus's: S then
 * starts with the next event, and its owner should tell its client to
 * reload (event: reset). */
int event_bus_subscribe(struct event_bus *b, struct event_sub *s, bool resume, int64_t since);
/* Stop S; harmless when it is not subscribed. */
void event_bus_unsubscribe(struct event_bus *b, struct event_sub *s);
/* The next event for S into *EV (valid until the next publish): 1, or 0
 * when S has taken everything; -ESTALE when events S had not taken have
 * left the ring: S then goes on with the next event published. */
int event_bus_take(struct event_bus *b, struct event_sub *s, const struct bus_event **ev);

#endif
