/*
 * test-prune.c -- which job directories a prune pass removes: the age
 * limit, the byte budget, oldest first, and what never goes (pinned,
 * running, busy).
 */
#include "prune/choose.h"
#include "unit.h"

#define DAY (86400LL * 1000)
#define NOW (1000 * DAY)

/* A done, prunable job that finished AGE_DAYS ago with BYTES on disk. */
static struct prune_item
done(int64_t id, int64_t age_days, int64_t bytes)
{
	struct prune_item it = { .id = id,
		.finished_ms = NOW - age_days * DAY,
		.bytes = bytes,
		.prunable = true };

	return it;
}

static void
test_no_limits_prune_nothing(void)
{
	struct prune_item it[] = { done(1, 900, 100), done(2, 1, 100) };
	struct prune_limits l = { .now_ms = NOW };
	int64_t left;

	CHECK_INT(prune_choose(it, 2, &l, &left), 0);
	CHECK_INT(left, 200);
	CHECK(!it[0].prune && !it[1].prune);
}

static void
test_age_limit_prunes_every_older_job(void)
{
	struct prune_item it[] = { done(1, 10, 100), done(2, 3, 100), done(3, 8, 100) };
	struct prune_limits l = { .keep_ms = 7 * DAY, .now_ms = NOW };
	int64_t left;

	CHECK_INT(prune_choose(it, 3, &l, &left), 2);
	CHECK(it[0].prune && !it[1].prune && it[2].prune);
	CHECK_INT(left, 100);
}

static void
test_byte_budget_prunes_oldest_first_until_it_fits(void)
{
	/* Given out of order: the pass must sort by finish time. */
	struct prune_item it[] = { done(3, 1, 400), done(1, 5, 400), done(2, 3, 400) };
	struct prune_limits l = { .keep_bytes = 500, .now_ms = NOW };
	int64_t left;

	CHECK_INT(prune_choose(it, 3, &l, &left), 2);
	CHECK(it[1].prune && it[2].prune && !it[0].prune);
	CHECK_INT(left, 400);
}

static void
test_budget_met_exactly_prunes_nothing_more(void)
{
	struct prune_item it[] = { done(1, 2, 300), done(2, 1, 200) };
	struct prune_limits l = { .keep_bytes = 500, .now_ms = NOW };
	int64_t left;

	CHECK_INT(prune_choose(it, 2, &l, &left), 0);
	CHECK_INT(left, 500);
}

static void
test_pinned_and_running_jobs_stay_but_count_against_the_budget(void)
{
	struct prune_item it[] = { done(1, 9, 1000), done(2, 5, 100), done(3, 4, 100),
		{ .id = 4, .finished_ms = 0, .bytes = 300, .prunable = false } };
	struct prune_limits l = { .keep_bytes = 1400, .now_ms = NOW };
	int64_t left;

	it[0].prunable = false; /* pinned: the biggest and oldest */
	CHECK_INT(prune_choose(it, 4, &l, &left), 1);
	CHECK(!it[0].prune && it[1].prune && !it[2].prune && !it[3].prune);
	CHECK_INT(left, 1400);
}

static void
test_budget_that_cannot_be_met_prunes_all_it_may(void)
{
	struct prune_item it[] = { done(1, 2, 100), done(2, 1, 100),
		{ .id = 3, .finished_ms = NOW - DAY, .bytes = 5000, .prunable = false } };
	struct prune_limits l = { .keep_bytes = 1000, .now_ms = NOW };
	int64_t left;

	CHECK_INT(prune_choose(it, 3, &l, &left), 2);
	CHECK_INT(left, 5000);
}

static void
test_equal_finish_times_go_by_id(void)
{
	struct prune_item it[] = { done(7, 2, 100), done(5, 2, 100) };
	struct prune_limits l = { .keep_bytes = 150, .now_ms = NOW };
	int64_t left;

	CHECK_INT(prune_choose(it, 2, &l, &left), 1);
	CHECK(it[1].prune && !it[0].prune);
}

static void
test_age_and_budget_together(void)
{
	/* The age limit takes job 1; the budget then needs job 2 as well. */
	struct prune_item it[] = { done(1, 30, 10), done(2, 3, 500), done(3, 2, 500) };
	struct prune_limits l = { .keep_bytes = 600, .keep_ms = 7 * DAY, .now_ms = NOW };
	int64_t left;

	CHECK_INT(prune_choose(it, 3, &l, &left), 2);
	CHECK(it[0].prune && it[1].prune && !it[2].prune);
	CHECK_INT(left, 500);
}

int
main(void)
{
	RUN(test_no_limits_prune_nothing);
	RUN(test_age_limit_prunes_every_older_job);
	RUN(test_byte_budget_prunes_oldest_first_until_it_fits);
	RUN(test_budget_met_exactly_prunes_nothing_more);
	RUN(test_pinned_and_running_jobs_stay_but_count_against_the_budget);
	RUN(test_budget_that_cannot_be_met_prunes_all_it_may);
	RUN(test_equal_finish_times_go_by_id);
	RUN(test_age_and_budget_together);
	return UNIT_DONE();
}
