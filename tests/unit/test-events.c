/*
 * test-events.c -- the event bus: ids, the frames subscribers read,
 * resuming after an id, the reset when it is gone, the job filter and the
 * count of bytes a slow subscriber has not taken.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "job/events.h"
#include "unit.h"

#define FIRST 1000000

struct counted {
	struct event_sub sub;
	int calls;
};

static void
on_event(struct event_sub *s)
{
	((struct counted *)s)->calls++;
}

/* The ids S takes now, space separated, into BUF; "reset" for -ESTALE. */
static const char *
take_all(struct event_bus *b, struct event_sub *s, char *buf, size_t size)
{
	const struct bus_event *ev;
	int r;

	buf[0] = '\0';
	while ((r = event_bus_take(b, s, &ev)) != 0) {
		if (r < 0)
			snprintf(buf + strlen(buf), size - strlen(buf), "%sreset",
			    buf[0] ? " " : "");
		else
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%lld", buf[0] ? " " : "",
			    (long long)(ev->id - FIRST));
	}
	return buf;
}

static void
test_ids_count_from_first_id_and_frames_are_sse(void)
{
	struct event_bus *b;
	struct counted c = { .sub = { .cb = on_event } };
	const struct bus_event *ev;

	CHECK_INT(event_bus_new(&b, FIRST, 8), 0);
	CHECK_INT(event_bus_last_id(b), FIRST - 1);
	CHECK_INT(event_bus_subscribe(b, &c.sub, false, 0), 0);
	CHECK_INT(event_bus_publish(b, "job", 7, "{\"id\":7}"), FIRST);
	CHECK_INT(event_bus_publish(b, "slots", 0, "{}"), FIRST + 1);
	CHECK_INT(c.calls, 2);
	CHECK_INT(event_bus_take(b, &c.sub, &ev), 1);
	CHECK_STR(ev->frame, "id: 1000000\nevent: job\ndata: {\"id\":7}\n\n");
	CHECK_INT(ev->len, strlen(ev->frame));
	CHECK_INT(event_bus_take(b, &c.sub, &ev), 1);
	CHECK_INT(ev->id, FIRST + 1);
	CHECK_INT(event_bus_take(b, &c.sub, &ev), 0);
	CHECK_INT(event_bus_publish(b, "job", 7, "two\nlines"), -EINVAL);
	event_bus_unsubscribe(b, &c.sub);
	event_bus_free(b);
}

static void
test_new_subscriber_gets_only_later_events(void)
{
	struct event_bus *b;
	struct counted c = { .sub = { .cb = on_event } };
	char buf[128];

	CHECK_INT(event_bus_new(&b, FIRST, 8), 0);
	event_bus_publish(b, "job", 1, "a");
	CHECK_INT(event_bus_subscribe(b, &c.sub, false, 0), 0);
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "");
	event_bus_publish(b, "job", 1, "b");
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "1");
	event_bus_unsubscribe(b, &c.sub);
	event_bus_free(b);
}

static void
test_resume_after_an_id_gets_exactly_the_missed_events(void)
{
	struct event_bus *b;
	struct counted c = { .sub = { .cb = on_event } };
	char buf[128];

	CHECK_INT(event_bus_new(&b, FIRST, 8), 0);
	for (int i = 0; i < 5; i++)
		event_bus_publish(b, "job", 1, "x");
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST + 2), 0);
	CHECK_INT(c.sub.queued_bytes, 2 * strlen("id: 1000003\nevent: job\ndata: x\n\n"));
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "3 4");
	CHECK_INT(c.sub.queued_bytes, 0);
	event_bus_unsubscribe(b, &c.sub);

	/* The newest id: nothing missed, live from here. */
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST + 4), 0);
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "");
	event_bus_unsubscribe(b, &c.sub);
	event_bus_free(b);
}

static void
test_resume_before_the_first_event_of_an_empty_bus(void)
{
	struct event_bus *b;
	struct counted c = { .sub = { .cb = on_event } };
	char buf[128];

	/* The id a reset carries before any event: first - 1. */
	CHECK_INT(event_bus_new(&b, FIRST, 4), 0);
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST - 1), 0);
	event_bus_publish(b, "job", 1, "x");
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "0");
	event_bus_unsubscribe(b, &c.sub);
	event_bus_free(b);
}

static void
test_resume_from_an_id_no_longer_kept_is_stale_and_live(void)
{
	struct event_bus *b;
	struct counted c = { .sub = { .cb = on_event } };
	char buf[128];

	CHECK_INT(event_bus_new(&b, FIRST, 4), 0);
	for (int i = 0; i < 10; i++)
		event_bus_publish(b, "job", 1, "x");
	/* Kept: 6..9.  After 5 is still whole, after 4 is not. */
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST + 5), 0);
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "6 7 8 9");
	event_bus_unsubscribe(b, &c.sub);
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST + 4), -ESTALE);
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "");
	event_bus_publish(b, "job", 1, "x");
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "10");
	event_bus_unsubscribe(b, &c.sub);
	event_bus_free(b);
}

static void
test_ids_of_another_pkvmd_are_stale(void)
{
	struct event_bus *b;
	struct counted c = { .sub = { .cb = on_event } };

	CHECK_INT(event_bus_new(&b, FIRST, 4), 0);
	event_bus_publish(b, "job", 1, "x");
	/* An earlier pkvmd's ids are below ours, a later one's above. */
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST - 5), -ESTALE);
	event_bus_unsubscribe(b, &c.sub);
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST + 1000), -ESTALE);
	event_bus_unsubscribe(b, &c.sub);
	event_bus_free(b);
}

static void
test_job_filter_sees_only_its_job(void)
{
	struct event_bus *b;
	struct counted c = { .sub = { .job_id = 2, .cb = on_event } };
	char buf[128];

	CHECK_INT(event_bus_new(&b, FIRST, 16), 0);
	event_bus_publish(b, "job", 1, "x");
	event_bus_publish(b, "job", 2, "x");
	CHECK_INT(event_bus_subscribe(b, &c.sub, true, FIRST - 1), 0);
	event_bus_publish(b, "slots", 0, "x");
	event_bus_publish(b, "job", 2, "x");
	event_bus_publish(b, "job", 3, "x");
	CHECK_INT(c.calls, 1);
	CHECK_STR(take_all(b, &c.sub, buf, sizeof(buf)), "1 3");
	event_bus_unsubscribe(b, &c.sub);
	event_bus_free(b);
}

static void
test_slow_subscriber_counts_untaken_bytes_and_loses_the_ring(void)
{
	struct event_bus *b;
	struct counted slow = { .sub = { .cb = on_event } };
	struct counted fast = { .sub = { .cb = on_event } };
	const struct bus_event *ev;
	size_t one = strlen("id: 1000000\nevent: job\ndata: x\n\n");
	char buf[128];

	CHECK_INT(event_bus_new(&b, FIRST, 4), 0);
	event_bus_subscribe(b, &slow.sub, false, 0);
	event_bus_subscribe(b, &fast.sub, false, 0);
	for (int i = 0; i < 3; i++) {
		event_bus_publish(b, "job", 1, "x");
		CHECK_INT(event_bus_take(b, &fast.sub, &ev), 1);
	}
	CHECK_INT(slow.sub.queued_bytes, 3 * one);
	CHECK_INT(fast.sub.queued_bytes, 0);
	for (int i = 0; i < 3; i++)
		event_bus_publish(b, "job", 1, "x");
	CHECK_INT(slow.sub.queued_bytes, 6 * one);
	/* 0 and 1 have left the ring of 4: the slow one starts over. */
	CHECK_STR(take_all(b, &slow.sub, buf, sizeof(buf)), "reset");
	CHECK_INT(slow.sub.queued_bytes, 0);
	CHECK_STR(take_all(b, &fast.sub, buf, sizeof(buf)), "3 4 5");
	event_bus_publish(b, "job", 1, "x");
	CHECK_STR(take_all(b, &slow.sub, buf, sizeof(buf)), "6");
	event_bus_unsubscribe(b, &slow.sub);
	event_bus_unsubscribe(b, &fast.sub);
	event_bus_free(b);
}

static struct event_bus *unsub_bus;

static void
unsubscribe_self(struct event_sub *s)
{
	event_bus_unsubscribe(unsub_bus, s);
}

static void
test_callback_may_unsubscribe_itself(void)
{
	struct event_sub a = { .cb = unsubscribe_self }, c = { .cb = unsubscribe_self };

	CHECK_INT(event_bus_new(&unsub_bus, FIRST, 4), 0);
	event_bus_subscribe(unsub_bus, &a, false, 0);
	event_bus_subscribe(unsub_bus, &c, false, 0);
	event_bus_publish(unsub_bus, "job", 1, "x");
	CHECK(!a.linked);
	CHECK(!c.linked);
	event_bus_free(unsub_bus);
}

int
main(void)
{
	RUN(test_ids_count_from_first_id_and_frames_are_sse);
	RUN(test_new_subscriber_gets_only_later_events);
	RUN(test_resume_after_an_id_gets_exactly_the_missed_events);
	RUN(test_resume_before_the_first_event_of_an_empty_bus);
	RUN(test_resume_from_an_id_no_longer_kept_is_stale_and_live);
	RUN(test_ids_of_another_pkvmd_are_stale);
	RUN(test_job_filter_sees_only_its_job);
	RUN(test_slow_subscriber_counts_untaken_bytes_and_loses_the_ring);
	RUN(test_callback_may_unsubscribe_itself);
	return UNIT_DONE();
}
