/*
 * test-scheduler.c -- which queued jobs start, given free CPU slots.
 */
#include "job/scheduler.h"
#include "unit.h"

static void
test_job_larger_than_host_takes_every_slot(void)
{
	CHECK_INT(scheduler_slots_needed(8, 2), 2);
	CHECK_INT(scheduler_slots_needed(1, 2), 1);
	CHECK_INT(scheduler_slots_needed(0, 4), 1);
}

static void
test_jobs_start_while_they_fit(void)
{
	struct sched_item q[] = { { 1 }, { 1 }, { 1 } };

	CHECK_INT(scheduler_pick(q, 3, 2, 2), 2);
	CHECK_INT(scheduler_pick(q, 3, 0, 2), 0);
	CHECK_INT(scheduler_pick(q, 3, 4, 4), 3);
}

static void
test_head_of_queue_is_never_overtaken(void)
{
	/* The 4-cpu job at the head waits for 4 free slots; the small job
	 * behind it must not slip past and delay it further. */
	struct sched_item q[] = { { 4 }, { 1 } };

	CHECK_INT(scheduler_pick(q, 2, 3, 4), 0);
	CHECK_INT(scheduler_pick(q, 2, 4, 4), 1);
}

static void
test_big_job_on_small_host_runs_alone(void)
{
	struct sched_item q[] = { { 8 }, { 1 } };

	CHECK_INT(scheduler_pick(q, 2, 2, 2), 1);
	CHECK_INT(scheduler_pick(q, 2, 1, 2), 0);
}

static void
test_empty_queue_starts_nothing(void)
{
	CHECK_INT(scheduler_pick(NULL, 0, 2, 2), 0);
}

int
main(void)
{
	RUN(test_job_larger_than_host_takes_every_slot);
	RUN(test_jobs_start_while_they_fit);
	RUN(test_head_of_queue_is_never_overtaken);
	RUN(test_big_job_on_small_host_runs_alone);
	RUN(test_empty_queue_starts_nothing);
	return UNIT_DONE();
}
