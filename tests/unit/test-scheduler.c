/*
 * test-scheduler.c -- which queued jobs start: fair share between users,
 * priorities, head-of-line order per user, the running-slots quota.
 */
#include <math.h>
#include <string.h>

#include "job/job.h"
#include "job/scheduler.h"
#include "unit.h"

#define N JOB_PRIORITY_NORMAL

/* The ids of the picked jobs, space separated, into BUF. */
static const char *
pick_ids(const struct sched_job *q, size_t n, struct sched_user *u, size_t nu, int free_slots,
    int total, char *buf, size_t size)
{
	size_t picked[64];
	int k = scheduler_pick(q, n, u, nu, free_slots, total, picked);

	buf[0] = '\0';
	for (int i = 0; i < k; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%lld", i ? " " : "",
		    (long long)q[picked[i]].id);
	return buf;
}

static void
test_job_larger_than_host_takes_every_slot(void)
{
	CHECK_INT(scheduler_slots_needed(8, 2), 2);
	CHECK_INT(scheduler_slots_needed(1, 2), 1);
	CHECK_INT(scheduler_slots_needed(0, 4), 1);
}

static void
test_one_user_jobs_start_while_they_fit(void)
{
	struct sched_job q[] = { { 1, 0, 1, N }, { 2, 0, 1, N }, { 3, 0, 1, N } };
	struct sched_user u[1] = { { .usage_slot_ms = 0 } };
	char b[128];

	CHECK_STR(pick_ids(q, 3, u, 1, 2, 2, b, sizeof(b)), "1 2");
	CHECK_INT(u[0].running_slots, 2);
	u[0].running_slots = 0;
	CHECK_STR(pick_ids(q, 3, u, 1, 0, 2, b, sizeof(b)), "");
	CHECK_STR(pick_ids(q, 3, u, 1, 4, 4, b, sizeof(b)), "1 2 3");
}

static void
test_user_head_is_never_overtaken_by_own_small_jobs(void)
{
	/* The 4-cpu job at the head waits for 4 free slots; the small job
	 * behind it must not slip past and delay it further. */
	struct sched_job q[] = { { 1, 0, 4, N }, { 2, 0, 1, N } };
	struct sched_user u[1] = { { .usage_slot_ms = 0 } };
	char b[128];

	CHECK_STR(pick_ids(q, 2, u, 1, 3, 4, b, sizeof(b)), "");
	CHECK_STR(pick_ids(q, 2, u, 1, 4, 4, b, sizeof(b)), "1");
}

static void
test_blocked_head_of_served_user_blocks_other_users(void)
{
	/* User 0 used less, so they are served; their 4-slot head does not
	 * fit in 3 free slots, and user 1's small job may not take them. */
	struct sched_job q[] = { { 1, 0, 4, N }, { 2, 1, 1, N } };
	struct sched_user u[2] = { { .usage_slot_ms = 10 }, { .usage_slot_ms = 500 } };
	char b[128];

	CHECK_STR(pick_ids(q, 2, u, 2, 3, 4, b, sizeof(b)), "");
	/* Once user 0 has used more, user 1 goes first and fits. */
	u[0].usage_slot_ms = 1000;
	CHECK_STR(pick_ids(q, 2, u, 2, 3, 4, b, sizeof(b)), "2");
}

static void
test_users_interleave_by_usage(void)
{
	/* User 0 queued four jobs before user 1 queued two; neither has run
	 * anything: they alternate, the older head first. */
	struct sched_job q[] = { { 1, 0, 1, N }, { 2, 0, 1, N }, { 3, 0, 1, N }, { 4, 0, 1, N },
		{ 5, 1, 1, N }, { 6, 1, 1, N } };
	struct sched_user u[2] = { { .usage_slot_ms = 0 }, { .usage_slot_ms = 0 } };
	char b[128];

	CHECK_STR(pick_ids(q, 6, u, 2, 6, 6, b, sizeof(b)), "1 5 2 6 3 4");
}

static void
test_user_with_less_usage_goes_first(void)
{
	/* 500 queued jobs of a heavy user do not hold back a light user's
	 * single job: it takes the first free slot. */
	struct sched_job q[501];
	struct sched_user u[2] = { { .usage_slot_ms = 60000 }, { .usage_slot_ms = 0 } };
	char b[128];

	for (int i = 0; i < 500; i++)
		q[i] = (struct sched_job){ i + 1, 0, 1, N };
	q[500] = (struct sched_job){ 501, 1, 1, N };
	CHECK_STR(pick_ids(q, 501, u, 2, 1, 8, b, sizeof(b)), "501");
	u[1].running_slots = 0;
	CHECK_STR(pick_ids(q, 501, u, 2, 2, 8, b, sizeof(b)), "501 1");
}

static void
test_priorities_go_first_then_fair_share(void)
{
	/* User 0 used more, but their high job goes before everyone's
	 * normal ones; their low job goes after user 1's normal one. */
	struct sched_job q[] = { { 1, 0, 1, JOB_PRIORITY_LOW }, { 2, 0, 1, N },
		{ 3, 0, 1, JOB_PRIORITY_HIGH }, { 4, 1, 1, N } };
	struct sched_user u[2] = { { .usage_slot_ms = 5000 }, { .usage_slot_ms = 10 } };
	char b[128];

	CHECK_STR(pick_ids(q, 4, u, 2, 4, 4, b, sizeof(b)), "3 4 2 1");
}

static void
test_running_slot_quota_skips_user(void)
{
	/* User 0 may run 2 slots and runs 1: a 2-slot head would exceed it,
	 * so they are skipped (not blocking) and user 1 gets the slots. */
	struct sched_job q[] = { { 1, 0, 2, N }, { 2, 0, 1, N }, { 3, 1, 1, N } };
	struct sched_user u[2] = { { .running_slots = 1, .quota_running_slots = 2 },
		{ .usage_slot_ms = 100 } };
	char b[128];

	CHECK_STR(pick_ids(q, 3, u, 2, 3, 4, b, sizeof(b)), "3");
	/* With nothing running, a job bigger than the quota runs alone. */
	struct sched_job big[] = { { 1, 0, 3, N }, { 2, 0, 1, N } };
	struct sched_user one[1] = { { .quota_running_slots = 2 } };

	CHECK_STR(pick_ids(big, 2, one, 1, 4, 4, b, sizeof(b)), "1");
	/* Quota 1: one job at a time, the free slots go unused by them. */
	struct sched_user q1[1] = { { .quota_running_slots = 1 } };
	struct sched_job small[] = { { 1, 0, 1, N }, { 2, 0, 1, N } };

	CHECK_STR(pick_ids(small, 2, q1, 1, 4, 4, b, sizeof(b)), "1");
}

static void
test_usage_decays_by_half_life(void)
{
	CHECK(fabs(scheduler_usage_decay(1000, 3600 * 1000, 3600) - 500) < 1e-6);
	CHECK(fabs(scheduler_usage_decay(1000, 2 * 3600 * 1000, 3600) - 250) < 1e-6);
	CHECK(scheduler_usage_decay(1000, 0, 3600) == 1000);
	CHECK(scheduler_usage_decay(1000, 5000, 0) == 1000);
	/* A short run counts almost fully; one of a half-life about 72%. */
	CHECK(fabs(scheduler_run_usage(2, 1000, 3600) - 2000) < 1);
	CHECK(fabs(scheduler_run_usage(1, 3600 * 1000, 3600) / (3600 * 1000.0) - 0.7213) < 0.001);
	CHECK(scheduler_run_usage(1, 1000, 0) == 1000);
	CHECK(scheduler_run_usage(1, -5, 3600) == 0);
}

static void
test_empty_queue_starts_nothing(void)
{
	size_t picked[1];

	CHECK_INT(scheduler_pick(NULL, 0, NULL, 0, 2, 2, picked), 0);
}

int
main(void)
{
	RUN(test_job_larger_than_host_takes_every_slot);
	RUN(test_one_user_jobs_start_while_they_fit);
	RUN(test_user_head_is_never_overtaken_by_own_small_jobs);
	RUN(test_blocked_head_of_served_user_blocks_other_users);
	RUN(test_users_interleave_by_usage);
	RUN(test_user_with_less_usage_goes_first);
	RUN(test_priorities_go_first_then_fair_share);
	RUN(test_running_slot_quota_skips_user);
	RUN(test_usage_decays_by_half_life);
	RUN(test_empty_queue_starts_nothing);
	return UNIT_DONE();
}
