/*
 * test-queue.c -- the queue in memory: each user's jobs in scheduling
 * order whatever order they come in, starts and cancels, counts, users
 * that come and go, and that a refused change leaves it as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "job/job.h"
#include "job/queue.h"
#include "unit.h"

#define N JOB_PRIORITY_NORMAL
#define H JOB_PRIORITY_HIGH
#define L JOB_PRIORITY_LOW

/* Add job ID of OWNER with PRIORITY (1 vCPU); its return value. */
static int
add(struct queue *q, const char *owner, int64_t id, int priority)
{
	struct queue_job j = { .id = id, .smp = 1, .priority = priority };

	return queue_add(q, owner, &j);
}

/* OWNER's queued ids in order, space separated, into BUF. */
static const char *
heads(const struct queue *q, const char *owner, char *buf, size_t size)
{
	struct queue_job v[64];
	int u = queue_user_find(q, owner);
	size_t n = u < 0 ? 0 : queue_user_heads(q, (size_t)u, v, 64);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%lld", i ? " " : "",
		    (long long)v[i].id);
	return buf;
}

static void
test_order_is_priority_then_id_whatever_comes_first(void)
{
	struct queue *q;
	char b[256];

	CHECK_INT(queue_new(&q), 0);
	CHECK_INT(add(q, "alice", 5, N), 0);
	CHECK_INT(add(q, "alice", 7, L), 0);
	CHECK_INT(add(q, "alice", 9, N), 0); /* after 5, before the low 7 */
	CHECK_INT(add(q, "alice", 3, N), 0); /* an older id: requeued */
	CHECK_INT(add(q, "alice", 11, H), 0);
	CHECK_INT(add(q, "alice", 2, -50), 0);
	CHECK_STR(heads(q, "alice", b, sizeof(b)), "11 3 5 9 7 2");
	CHECK_INT(add(q, "alice", 9, N), -EEXIST);
	CHECK_INT((int)queue_queued(q), 6);
	queue_free(q);
}

static void
test_heads_stop_at_max_and_users_are_apart(void)
{
	struct queue_job v[2];
	struct queue *q;
	char b[256];
	int u;

	CHECK_INT(queue_new(&q), 0);
	for (int i = 1; i <= 6; i++)
		CHECK_INT(add(q, i % 2 ? "alice" : "bob", i, N), 0);
	CHECK_STR(heads(q, "alice", b, sizeof(b)), "1 3 5");
	CHECK_STR(heads(q, "bob", b, sizeof(b)), "2 4 6");
	u = queue_user_find(q, "bob");
	CHECK(u >= 0);
	CHECK_INT((int)queue_user_heads(q, (size_t)u, v, 2), 2);
	CHECK_INT((int)v[1].id, 4);
	CHECK_INT(queue_user_find(q, "carol"), -ENOENT);
	CHECK_INT((int)queue_users(q), 2);
	queue_free(q);
}

static void
test_start_moves_a_job_to_running_and_remove_ends_it(void)
{
	struct queue_user qu;
	struct queue_job j;
	struct queue *q;
	char b[256];
	int u;

	CHECK_INT(queue_new(&q), 0);
	CHECK_INT(add(q, "alice", 1, N), 0);
	CHECK_INT(add(q, "alice", 2, N), 0);
	CHECK_INT(queue_start(q, 1, 1000), 0);
	CHECK_INT(queue_start(q, 1, 1000), -ENOENT); /* not queued any more */
	u = queue_user_find(q, "alice");
	queue_user(q, (size_t)u, &qu);
	CHECK_STR(qu.name, "alice");
	CHECK_INT((int)qu.queued, 1);
	CHECK_INT((int)qu.running, 1);
	queue_user_running(q, (size_t)u, 0, &j);
	CHECK_INT((int)j.id, 1);
	CHECK_INT((int)j.started_ms, 1000);
	CHECK_STR(heads(q, "alice", b, sizeof(b)), "2");
	CHECK_INT((int)queue_queued(q), 1);
	/* A cancel of the queued one, then the running one ends. */
	CHECK_INT(queue_remove(q, 2), 0);
	CHECK_INT(queue_remove(q, 2), -ENOENT);
	CHECK_INT((int)queue_queued(q), 0);
	CHECK_INT((int)queue_users(q), 1);
	CHECK_INT(queue_remove(q, 1), 0);
	/* Nothing queued or running: the user is gone. */
	CHECK_INT((int)queue_users(q), 0);
	CHECK_INT(queue_user_find(q, "alice"), -ENOENT);
	queue_free(q);
}

static void
test_remove_from_the_middle_keeps_the_order(void)
{
	struct queue *q;
	char b[256];

	CHECK_INT(queue_new(&q), 0);
	for (int i = 1; i <= 5; i++)
		CHECK_INT(add(q, "alice", i, N), 0);
	CHECK_INT(queue_remove(q, 3), 0);
	CHECK_INT(queue_start(q, 1, 5), 0);
	CHECK_STR(heads(q, "alice", b, sizeof(b)), "2 4 5");
	CHECK_INT(add(q, "alice", 3, N), 0);
	CHECK_STR(heads(q, "alice", b, sizeof(b)), "2 3 4 5");
	queue_free(q);
}

static void
test_many_starts_and_submits_keep_every_job_once(void)
{
	struct queue_job v[1];
	struct queue *q;
	int64_t next = 1, started = 0;
	int u;

	/* A long run through the slide and the growth of the arrays: always
	 * the oldest job starts, and ends, while newer ones come. */
	CHECK_INT(queue_new(&q), 0);
	for (int round = 0; round < 5000; round++) {
		for (int k = 0; k < 3; k++)
			CHECK_INT(add(q, "alice", next++, N), 0);
		for (int k = 0; k < 2; k++) {
			u = queue_user_find(q, "alice");
			CHECK_INT((int)queue_user_heads(q, (size_t)u, v, 1), 1);
			CHECK_INT((int)v[0].id, (int)(started + 1));
			CHECK_INT(queue_start(q, v[0].id, round), 0);
			CHECK_INT(queue_remove(q, v[0].id), 0);
			started++;
		}
	}
	CHECK_INT((int)queue_queued(q), 5000);
	queue_clear(q);
	CHECK_INT((int)queue_queued(q), 0);
	CHECK_INT((int)queue_users(q), 0);
	CHECK_INT(add(q, "bob", 1, N), 0);
	CHECK_INT((int)queue_queued(q), 1);
	queue_free(q);
	queue_free(NULL);
}

int
main(void)
{
	RUN(test_order_is_priority_then_id_whatever_comes_first);
	RUN(test_heads_stop_at_max_and_users_are_apart);
	RUN(test_start_moves_a_job_to_running_and_remove_ends_it);
	RUN(test_remove_from_the_middle_keeps_the_order);
	RUN(test_many_starts_and_submits_keep_every_job_once);
	return UNIT_DONE();
}
