/*
 * test-store-reports.c -- what the store keeps of a run besides verdicts:
 * crash reports, artifacts and coverage, each of one attempt of a job.
 * The fixtures are in test-store.h.
 *
 * Two tests build a database the way pkvmd before migration 003 and 007
 * did, with sqlite directly, and check that it migrates.
 */
#include "test-store.h"

/* --- crash reports --------------------------------------------------------------- */

static void
test_crashes_of_a_job_come_back_in_console_order(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct crash_record *c = NULL,
			    boot = {
				    .job_id = id,
				    .kind = (char *)"bug",
				    .title = (char *)"BUG: early",
				    .time_ms = T0,
			    };
	size_t n = 0;

	add_crash(st, id, "Kernel panic - not syncing: sysrq triggered crash", "panic", 301,
	    T0 + 20);
	/* Found later, printed earlier; without a test or a report. */
	CHECK_INT(store_crash_add(st, &boot), 0);
	boot.job_id = id + 100;
	CHECK_INT(store_crash_add(st, &boot), -ENOENT);
	boot.title = NULL;
	CHECK_INT(store_crash_add(st, &boot), -EINVAL);
	CHECK_INT(store_crash_list(st, id + 100, &c, &n), -ENOENT);
	CHECK_INT(store_crash_list(st, id, &c, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(c[0].title, "BUG: early");
		CHECK_STR(c[0].test, NULL);
		CHECK_STR(c[0].report, "");
		CHECK_INT(c[0].fatal, false);
		CHECK_INT(c[1].job_id, id);
		CHECK(c[0].id > c[1].id); /* inserted second */
		CHECK_STR(c[1].test, "panic.sh");
		CHECK_STR(c[1].kind, "panic");
		CHECK_STR(c[1].title, "Kernel panic - not syncing: sysrq triggered crash");
		CHECK_INT(c[1].fatal, true);
		CHECK_STR(c[1].report, "[   12.3] Kernel panic\n[   12.3] CPU: 0");
		CHECK_INT(c[1].first_line, 301);
		CHECK_INT(c[1].last_line, 331);
		CHECK_INT(c[1].time_ms, T0 + 20);
	}
	store_crash_list_free(c, n);
	store_free(st);
}

static void
test_crash_groups_count_reports_and_jobs_across_three_jobs(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert(st, "alice", 0, NULL), b = insert(st, "bob", 0, NULL),
		c = insert(st, "carol", 0, NULL);
	struct crash_group *g = NULL;
	size_t n = 0;

	/* "WARNING in foo": 4 reports in 3 jobs, first in b, last in c;
	 * "BUG in bar": 1 report, seen before the last warning. */
	add_crash(st, b, "WARNING in foo", "warning", 10, T0 + 100);
	add_crash(st, a, "WARNING in foo", "warning", 10, T0 + 200);
	add_crash(st, a, "WARNING in foo", "warning", 50, T0 + 250);
	add_crash(st, a, "BUG in bar", "bug", 90, T0 + 300);
	add_crash(st, c, "WARNING in foo", "warning", 10, T0 + 400);
	add_crash(st, c, "Kernel panic - not syncing", "panic", 70, T0 + 50);

	CHECK_INT(store_crash_groups(st, NULL, &g, &n), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(g[0].title, "WARNING in foo");
		CHECK_STR(g[0].kind, "warning");
		CHECK_INT(g[0].fatal, false);
		CHECK_INT(g[0].count, 4);
		CHECK_INT(g[0].jobs, 3);
		CHECK_INT(g[0].first_ms, T0 + 100);
		CHECK_INT(g[0].last_ms, T0 + 400);
		CHECK_INT(g[0].first_job, b);
		CHECK_INT(g[0].last_job, c);
		/* One kernel, whose console never showed its version. */
		CHECK_INT(g[0].kernel_count, 1);
		CHECK_INT(g[0].nkernels, 1);
		if (g[0].nkernels == 1) {
			CHECK_STR(g[0].kernels[0].sha256, KERNEL);
			CHECK_STR(g[0].kernels[0].version, NULL);
			CHECK_INT(g[0].kernels[0].count, 4);
		}
		CHECK_INT(g[0].fixed, false);
		CHECK_STR(g[1].title, "BUG in bar");
		CHECK_INT(g[1].count, 1);
		CHECK_INT(g[1].jobs, 1);
		CHECK_INT(g[1].first_job, a);
		CHECK_INT(g[1].last_job, a);
		CHECK_STR(g[2].title, "Kernel panic - not syncing");
		CHECK_INT(g[2].fatal, true);
		CHECK_INT(g[2].first_ms, T0 + 50);
	}
	store_crash_groups_free(g, n);
	CHECK_INT(store_crash_groups(st, &(struct crash_filter){ .limit = 1 }, &g, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(g[0].title, "WARNING in foo");
	store_crash_groups_free(g, n);
	store_free(st);
}

static void
test_crash_groups_of_an_empty_store_are_empty(void)
{
	struct store *st = open_ok(db_path());
	struct crash_group *g = (struct crash_group *)1;
	size_t n = 99;

	CHECK_INT(store_crash_groups(st, &(struct crash_filter){ .limit = 10 }, &g, &n), 0);
	CHECK_INT(n, 0);
	CHECK(g == NULL);
	store_free(st);
}

/* The groups F chooses: how many, checking the call worked. */
static size_t
groups(struct store *st, const struct crash_filter *f, struct crash_group **g)
{
	size_t n = 0;

	*g = NULL;
	CHECK_INT(store_crash_groups(st, f, g, &n), 0);
	return n;
}

/* Whether the only group of ST is fixed, and if so by job *JOB. */
static bool
fixed_by(struct store *st, int64_t *job)
{
	struct crash_group *g = NULL;
	bool fixed = false;
	size_t n = groups(st, NULL, &g);

	CHECK_INT(n, 1);
	if (n == 1 && g[0].fixed) {
		fixed = true;
		*job = g[0].fixed_in.job;
	}
	store_crash_groups_free(g, n);
	return fixed;
}

#define TITLE "WARNING in foo_bar"

static void
test_crash_groups_list_their_kernels_newest_first_with_versions(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert_on(st, KERNEL_1, NULL), b = insert_on(st, KERNEL_2, NULL),
		c = insert_on(st, KERNEL_3, NULL), a2 = insert_on(st, KERNEL_1, NULL);
	struct crash_group *g = NULL;
	size_t n;

	/* The first console that showed a kernel's version is the one kept;
	 * KERNEL_2's never showed one. */
	CHECK_INT(store_kernel_set_version(st, a, "6.1.0-1"), 0);
	CHECK_INT(store_kernel_set_version(st, a2, "6.1.0-other"), 0);
	CHECK_INT(store_kernel_set_version(st, c, "6.3.0"), 0);
	CHECK_INT(store_kernel_set_version(st, c + 100, "6.3.0"), -ENOENT);
	CHECK_INT(store_kernel_set_version(st, c, ""), -EINVAL);
	CHECK_INT(store_kernel_set_version(st, c, NULL), -EINVAL);
	/* a2 is KERNEL_1's latest job, but KERNEL_1 is as old as a. */
	add_crash_in(st, a, TITLE, "warning", "x", T0 + 100);
	add_crash_in(st, a, TITLE, "warning", "x", T0 + 150);
	add_crash_in(st, b, TITLE, "warning", "x", T0 + 200);
	add_crash_in(st, c, TITLE, "warning", "x", T0 + 300);
	add_crash_in(st, a2, TITLE, "warning", "x", T0 + 400);

	CHECK_INT(n = groups(st, NULL, &g), 1);
	if (n == 1) {
		CHECK_INT(g[0].kernel_count, 3);
		CHECK_INT(g[0].nkernels, 3);
	}
	if (n == 1 && g[0].nkernels == 3) {
		CHECK_STR(g[0].kernels[0].sha256, KERNEL_3);
		CHECK_STR(g[0].kernels[0].version, "6.3.0");
		CHECK_INT(g[0].kernels[0].count, 1);
		CHECK_STR(g[0].kernels[1].sha256, KERNEL_2);
		CHECK_STR(g[0].kernels[1].version, NULL);
		CHECK_INT(g[0].kernels[1].count, 1);
		CHECK_STR(g[0].kernels[2].sha256, KERNEL_1);
		CHECK_STR(g[0].kernels[2].version, "6.1.0-1");
		CHECK_INT(g[0].kernels[2].count, 3);
	}
	store_crash_groups_free(g, n);
	store_free(st);
}

static void
test_crash_groups_list_the_newest_ten_kernels_and_count_them_all(void)
{
	struct store *st = open_ok(db_path());
	struct crash_group *g = NULL;
	char sha[12][SHA256_HEX_LEN + 1];
	size_t n;

	for (int i = 0; i < 12; i++) {
		snprintf(sha[i], sizeof(sha[i]), "%064d", i + 1);
		add_crash_in(st, insert_on(st, sha[i], NULL), TITLE, "warning", NULL, T0 + i);
	}
	CHECK_INT(n = groups(st, NULL, &g), 1);
	if (n == 1) {
		CHECK_INT(g[0].kernel_count, 12);
		CHECK_INT(g[0].nkernels, CRASH_GROUP_KERNELS);
	}
	if (n == 1 && g[0].nkernels == CRASH_GROUP_KERNELS) {
		CHECK_STR(g[0].kernels[0].sha256, sha[11]);
		CHECK_STR(g[0].kernels[9].sha256, sha[2]);
	}
	store_crash_groups_free(g, n);
	store_free(st);
}

static void
test_crash_groups_filter_by_kind_tag_and_time(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert_running(st, "v4"), b = insert_running(st, "v5"),
		c = insert_running(st, "v4");
	struct crash_group *g = NULL;
	size_t n;

	add_crash_in(st, a, TITLE, "warning", "x", T0 + 100);
	add_crash_in(st, b, "Kernel panic - not syncing: x", "panic", "y", T0 + 150);
	add_crash_in(st, b, TITLE, "warning", "x", T0 + 200);
	add_crash_in(st, c, TITLE, "warning", "x", T0 + 300);

	CHECK_INT(n = groups(st, &(struct crash_filter){ .kind = "panic" }, &g), 1);
	if (n == 1)
		CHECK_STR(g[0].kind, "panic");
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .kind = "warning" }, &g), 1);
	if (n == 1)
		CHECK_INT(g[0].count, 3);
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .kind = "oops" }, &g), 0);
	store_crash_groups_free(g, n);

	/* A tag counts only its jobs' reports. */
	CHECK_INT(n = groups(st, &(struct crash_filter){ .tag = "v4" }, &g), 1);
	if (n == 1) {
		CHECK_STR(g[0].title, TITLE);
		CHECK_INT(g[0].count, 2);
		CHECK_INT(g[0].jobs, 2);
		CHECK_INT(g[0].first_job, a);
		CHECK_INT(g[0].last_job, c);
		CHECK_INT(g[0].first_ms, T0 + 100);
		CHECK_INT(g[0].last_ms, T0 + 300);
	}
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .tag = "v5" }, &g), 2);
	if (n == 2) {
		CHECK_STR(g[0].title, TITLE);
		CHECK_INT(g[0].count, 1);
		CHECK_INT(g[0].first_job, b);
		CHECK_INT(g[0].last_job, b);
		CHECK_STR(g[1].kind, "panic");
	}
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .tag = "v5", .limit = 1 }, &g), 1);
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .tag = "v4", .kind = "panic" }, &g), 0);
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .tag = "v6" }, &g), 0);
	store_crash_groups_free(g, n);

	/* A time keeps the groups seen since, with all their reports, so
	 * an old friend still shows when it was first seen. */
	CHECK_INT(n = groups(st, &(struct crash_filter){ .since_ms = T0 + 200 }, &g), 1);
	if (n == 1) {
		CHECK_INT(g[0].count, 3);
		CHECK_INT(g[0].first_ms, T0 + 100);
	}
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .since_ms = T0 + 150 }, &g), 2);
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .since_ms = T0 + 301 }, &g), 0);
	store_crash_groups_free(g, n);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .tag = "v5", .since_ms = T0 + 201 }, &g),
	    0);
	store_crash_groups_free(g, n);
	store_free(st);
}

static void
test_crash_group_is_fixed_in_the_oldest_newer_kernel_that_ran_its_test_cleanly(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert_on(st, KERNEL_1, NULL), b = insert_on(st, KERNEL_2, NULL),
		c = insert_on(st, KERNEL_3, NULL), b2, b3;
	struct crash_group *g = NULL;
	size_t n;

	run_test(st, a, 1, "x", VERDICT_ERROR, 1);
	add_crash_in(st, a, TITLE, "warning", "x", T0 + 100);
	CHECK_INT(store_kernel_set_version(st, b, "6.2.0"), 0);
	/* KERNEL_3 ran it first, but KERNEL_2 is the older of the two. */
	run_test(st, c, 1, "x", VERDICT_PASS, 0);
	b2 = insert_on(st, KERNEL_2, NULL);
	run_test(st, b2, 1, "x", VERDICT_PASS, 0);
	b3 = insert_on(st, KERNEL_2, NULL);
	run_test(st, b3, 1, "x", VERDICT_PASS, 0);

	CHECK_INT(n = groups(st, NULL, &g), 1);
	if (n == 1) {
		CHECK_INT(g[0].fixed, true);
		CHECK_STR(g[0].fixed_in.sha256, KERNEL_2);
		CHECK_STR(g[0].fixed_in.version, "6.2.0");
		CHECK_INT(g[0].fixed_in.job, b2);
		CHECK_STR(g[0].fixed_in.test, "x");
	}
	store_crash_groups_free(g, n);
	store_free(st);
}

static void
test_crash_group_is_fixed_only_by_a_test_that_ran_to_its_end(void)
{
	static const enum test_verdict unfinished[] = { VERDICT_ERROR, VERDICT_SKIP,
		VERDICT_TIMEOUT };
	struct store *st = open_ok(db_path());
	int64_t a = insert_on(st, KERNEL_1, NULL), b, job = 0;

	add_crash_in(st, a, TITLE, "warning", "x", T0 + 100);
	for (size_t i = 0; i < sizeof(unfinished) / sizeof(unfinished[0]); i++) {
		b = insert_on(st, KERNEL_2, NULL);
		run_test(st, b, 1, "x", unfinished[i], 1);
		CHECK(!fixed_by(st, &job));
	}
	/* Another test that passed says nothing about this one. */
	b = insert_on(st, KERNEL_2, NULL);
	run_test(st, b, 1, "y", VERDICT_PASS, 0);
	CHECK(!fixed_by(st, &job));
	/* Failing is running to the end without the crash. */
	run_test(st, b, 2, "x", VERDICT_FAIL, 1);
	CHECK(fixed_by(st, &job));
	CHECK_INT(job, b);
	store_free(st);
}

static void
test_crash_group_is_not_fixed_by_an_older_kernel_or_one_that_showed_it(void)
{
	struct store *st = open_ok(db_path());
	int64_t old = insert_on(st, KERNEL_1, NULL), a = insert_on(st, KERNEL_2, NULL),
		seen = insert_on(st, KERNEL_3, NULL), b, job = 0;

	(void)old;
	/* The last report is a's, on KERNEL_2; KERNEL_3 is newer but showed
	 * the title too, earlier.  KERNEL_4 is newer and clear. */
	add_crash_in(st, seen, TITLE, "warning", "x", T0 + 50);
	add_crash_in(st, a, TITLE, "warning", "x", T0 + 100);
	insert_on(st, KERNEL_4, NULL);
	/* KERNEL_1 is older than KERNEL_2: its first job came before. */
	b = insert_on(st, KERNEL_1, NULL);
	run_test(st, b, 1, "x", VERDICT_PASS, 0);
	CHECK(!fixed_by(st, &job));
	b = insert_on(st, KERNEL_3, NULL);
	run_test(st, b, 1, "x", VERDICT_PASS, 0);
	CHECK(!fixed_by(st, &job));
	b = insert_on(st, KERNEL_4, NULL);
	run_test(st, b, 1, "x", VERDICT_PASS, 0);
	CHECK(fixed_by(st, &job));
	CHECK_INT(job, b);
	store_free(st);
}

static void
test_crash_group_is_not_fixed_by_a_run_before_its_last_report_or_of_a_lost_attempt(void)
{
	struct store *st = open_ok(db_path());
	int64_t k1 = insert_on(st, KERNEL_1, NULL), before = insert_on(st, KERNEL_2, NULL),
		a = insert_on(st, KERNEL_1, NULL), b, job = 0;

	(void)k1;
	/* KERNEL_2 is newer, but its clean run came before the last report. */
	run_test(st, before, 1, "x", VERDICT_PASS, 0);
	add_crash_in(st, a, TITLE, "warning", "x", T0 + 100);
	CHECK(!fixed_by(st, &job));
	/* A clean run of an attempt a restart threw away does not count. */
	b = insert_on(st, KERNEL_2, NULL);
	run_test(st, b, 1, "x", VERDICT_PASS, 0);
	CHECK(fixed_by(st, &job));
	CHECK_INT(job, b);
	recover(st, true, T0 + 200);
	CHECK(!fixed_by(st, &job));
	store_free(st);
}

static void
test_crash_outside_any_test_is_fixed_by_a_job_that_ran_through(void)
{
	static const char title[] = "Kernel panic - not syncing: boot";
	struct store *st = open_ok(db_path());
	int64_t k1 = insert_on(st, KERNEL_1, NULL), early = insert_on(st, KERNEL_2, NULL),
		a = insert_on(st, KERNEL_1, NULL), seen = insert_on(st, KERNEL_3, NULL), b, c,
		job = 0;
	struct crash_group *g = NULL;
	size_t n;

	(void)k1;
	/* The last report is a's; KERNEL_2 ran through before it, and
	 * KERNEL_3 is newer but showed the title too. */
	CHECK_INT(store_job_finish(st, early, RESULT_PASSED, NULL, true, 0, T0 + 10), 0);
	add_crash_in(st, seen, title, "panic", NULL, T0 + 50);
	add_crash_in(st, a, title, "panic", NULL, T0 + 100);
	b = insert_on(st, KERNEL_3, NULL);
	CHECK_INT(store_job_finish(st, b, RESULT_PASSED, NULL, true, 0, T0 + 150), 0);
	CHECK(!fixed_by(st, &job));
	/* Still running, then ended some other way: not known to get past. */
	b = insert_on(st, KERNEL_2, NULL);
	run_test(st, b, 1, "z", VERDICT_PASS, 0);
	CHECK(!fixed_by(st, &job));
	CHECK_INT(store_job_finish(st, b, RESULT_TIMEOUT, "timed out", true, 0, T0 + 200), 0);
	CHECK(!fixed_by(st, &job));
	/* A job that ran through, its tests failing or not, got past. */
	c = insert_on(st, KERNEL_2, NULL);
	CHECK_INT(store_job_finish(st, c, RESULT_FAILED, "test z failed", true, 0, T0 + 300), 0);
	CHECK_INT(n = groups(st, NULL, &g), 1);
	if (n == 1) {
		CHECK_INT(g[0].fixed, true);
		CHECK_INT(g[0].fixed_in.job, c);
		CHECK_STR(g[0].fixed_in.test, NULL);
		CHECK_STR(g[0].fixed_in.sha256, KERNEL_2);
		CHECK_STR(g[0].fixed_in.version, NULL);
	}
	store_crash_groups_free(g, n);
	store_free(st);
}

static void
test_crash_group_fix_is_judged_on_all_jobs_whatever_the_filter(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert_on(st, KERNEL_1, "v4"), b = insert_on(st, KERNEL_2, "v5"),
		c = insert_on(st, KERNEL_3, "v5");
	struct crash_group *g = NULL;
	size_t n;

	/* v4 saw it last on KERNEL_1, v5 later on KERNEL_2: KERNEL_3's
	 * clean run, after both, is the fix, for v4 too. */
	add_crash_in(st, a, TITLE, "warning", "x", T0 + 100);
	add_crash_in(st, b, TITLE, "warning", "x", T0 + 200);
	run_test(st, c, 1, "x", VERDICT_PASS, 0);
	CHECK_INT(n = groups(st, &(struct crash_filter){ .tag = "v4" }, &g), 1);
	if (n == 1) {
		CHECK_INT(g[0].last_job, a);
		CHECK_INT(g[0].fixed, true);
		CHECK_INT(g[0].fixed_in.job, c);
		CHECK_STR(g[0].fixed_in.sha256, KERNEL_3);
	}
	store_crash_groups_free(g, n);
	store_free(st);
}

/* --- artifacts ---------------------------------------------------------------- */

static void
test_artifact_status_names_are_the_wire_names(void)
{
	CHECK_STR(artifact_status_name(ARTIFACT_OK), "ok");
	CHECK_STR(artifact_status_name(ARTIFACT_CORRUPT), "corrupt");
	CHECK_STR(artifact_status_name(ARTIFACT_INCOMPLETE), "incomplete");
}

static void
test_artifact_of_the_same_test_and_path_is_replaced_in_place(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct artifact_record *a = NULL,
			       bad = { .job_id = id,
				       .test = (char *)"t",
				       .path = (char *)"p",
				       .status = 7 };
	size_t n = 0;

	add_artifact(st, id, "artifact.sh", "blob.bin", 2, ARTIFACT_INCOMPLETE);
	add_artifact(st, id, "_system", "config.gz", 1, ARTIFACT_OK);
	/* Same path, another test: a different artifact. */
	add_artifact(st, id, "other.sh", "blob.bin", 1, ARTIFACT_CORRUPT);
	add_artifact(st, id, "artifact.sh", "blob.bin", UINT64_C(1048576), ARTIFACT_OK);
	CHECK_INT(store_artifact_add(st, &bad), -EINVAL);
	bad.status = ARTIFACT_OK;
	bad.job_id = id + 100;
	CHECK_INT(store_artifact_add(st, &bad), -ENOENT);
	CHECK_INT(store_artifact_list(st, id + 100, &a, &n), -ENOENT);
	CHECK_INT(store_artifact_list(st, id, &a, &n), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_INT(a[0].job_id, id);
		CHECK_STR(a[0].test, "artifact.sh");
		CHECK_STR(a[0].path, "blob.bin");
		CHECK_INT(a[0].size, 1048576);
		CHECK_STR(a[0].sha256, BLOB_B);
		CHECK_INT(a[0].status, ARTIFACT_OK);
		CHECK_STR(a[1].test, "_system");
		CHECK_STR(a[1].path, "config.gz");
		CHECK_STR(a[1].sha256, BLOB_A);
		CHECK_STR(a[2].test, "other.sh");
		CHECK_INT(a[2].status, ARTIFACT_CORRUPT);
	}
	store_artifact_list_free(a, n);
	store_free(st);
}

/* --- attempts ------------------------------------------------------------------ */

/* Check that job ID's current attempt has NCRASHES crash reports and
 * NARTIFACTS artifacts. */
static void
check_reports(struct store *st, int64_t id, size_t ncrashes, size_t nartifacts)
{
	struct artifact_record *a = NULL;
	struct crash_record *c = NULL;
	size_t n = 0;

	CHECK_INT(store_crash_list(st, id, &c, &n), 0);
	CHECK_INT(n, ncrashes);
	store_crash_list_free(c, n);
	CHECK_INT(store_artifact_list(st, id, &a, &n), 0);
	CHECK_INT(n, nartifacts);
	store_artifact_list_free(a, n);
}

static void
test_requeued_job_starts_its_attempt_without_crashes_or_artifacts(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct artifact_record *a = NULL;
	struct crash_record *c = NULL;
	struct crash_group *g = NULL;
	struct test_full *t = NULL;
	size_t n = 0;

	run_test(st, id, 1, "01-warn", VERDICT_PASS, 0);
	add_crash(st, id, "WARNING in foo", "warning", 10, T0 + 1);
	add_artifact(st, id, "01-warn", "out.txt", 1, ARTIFACT_OK);
	recover(st, true, T0 + 2);

	/* Attempt 2, queued and then running: none of attempt 1's rows. */
	for (int pass = 0; pass < 2; pass++) {
		check_reports(st, id, 0, 0);
		CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
		CHECK_INT(n, 0);
		store_test_list_full_free(t, n);
		if (pass == 0)
			CHECK_INT(store_job_start(st, id, T0 + 3), 0);
	}

	/* Its own rows, the same test and path included, are its own. */
	add_crash(st, id, "WARNING in foo", "warning", 12, T0 + 4);
	add_artifact(st, id, "01-warn", "out.txt", 2, ARTIFACT_INCOMPLETE);
	CHECK_INT(store_crash_list(st, id, &c, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(c[0].first_line, 12);
	store_crash_list_free(c, n);
	CHECK_INT(store_artifact_list(st, id, &a, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(a[0].status, ARTIFACT_INCOMPLETE);
	store_artifact_list_free(a, n);

	/* The groups still count what the lost attempt saw. */
	CHECK_INT(store_crash_groups(st, NULL, &g, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_INT(g[0].count, 2);
		CHECK_INT(g[0].jobs, 1);
	}
	store_crash_groups_free(g, n);
	store_free(st);
}

static void
test_interrupted_job_keeps_its_crashes_and_artifacts(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);

	add_crash(st, id, "BUG in bar", "bug", 10, T0 + 1);
	add_artifact(st, id, "_system", "nvhe.log", 1, ARTIFACT_OK);
	recover(st, false, T0 + 2);
	check_reports(st, id, 1, 1);
	store_free(st);
}

/* --- coverage -------------------------------------------------------------------- */

/* A coverage row for FILE (NULL: totals) with the six numbers. */
static struct coverage_row
cov_row(const char *file, int64_t lh, int64_t lt, int64_t fh, int64_t ft, int64_t bh, int64_t bt)
{
	struct coverage_row r = {
		.file = (char *)file,
		.lines = { lh, lt },
		.functions = { fh, ft },
		.branches = { bh, bt },
	};

	return r;
}

/* Check that A holds the numbers of B and B's file. */
static void
check_row(const struct coverage_row *a, const struct coverage_row *b)
{
	CHECK_STR(a->file, b->file);
	CHECK_INT(a->lines.hit, b->lines.hit);
	CHECK_INT(a->lines.total, b->lines.total);
	CHECK_INT(a->functions.hit, b->functions.hit);
	CHECK_INT(a->functions.total, b->functions.total);
	CHECK_INT(a->branches.hit, b->branches.hit);
	CHECK_INT(a->branches.total, b->branches.total);
}

/* Job ID's coverage status, its message into *MESSAGE (free it; NULL =
 * not wanted) and the number of its per-file rows. */
static enum coverage_status
cov_status(struct store *st, int64_t id, char **message, size_t *nrows)
{
	enum coverage_status s = (enum coverage_status) - 1;
	struct coverage_row total, *rows = NULL;
	size_t n = 0;

	CHECK_INT(store_coverage_get(st, id, &s, message, &total, &rows, &n), 0);
	store_coverage_rows_free(rows, n);
	if (nrows != NULL)
		*nrows = n;
	return s;
}

/* The ids store_coverage_jobs_with_tag() gives for TAG and LIMIT, into
 * IDS (at most MAX); returns how many there were. */
static size_t
tag_ids(struct store *st, const char *tag, int limit, int64_t *ids, size_t max)
{
	int64_t *got = (int64_t *)1;
	size_t n = 99;

	CHECK_INT(store_coverage_jobs_with_tag(st, tag, limit, &got, &n), 0);
	for (size_t i = 0; i < n && i < max; i++)
		ids[i] = got[i];
	if (n == 0)
		CHECK(got == NULL);
	free(got);
	return n;
}

static void
test_coverage_status_names_are_the_wire_names(void)
{
	CHECK_STR(coverage_status_name(COV_DISABLED), "disabled");
	CHECK_STR(coverage_status_name(COV_NONE), "none");
	CHECK_STR(coverage_status_name(COV_PENDING), "pending");
	CHECK_STR(coverage_status_name(COV_RUNNING), "running");
	CHECK_STR(coverage_status_name(COV_OK), "ok");
	CHECK_STR(coverage_status_name(COV_ERROR), "error");
	CHECK_STR(coverage_status_name((enum coverage_status)6), NULL);
	CHECK_STR(coverage_status_name((enum coverage_status) - 1), NULL);
}

static void
test_coverage_put_and_get_round_trip_totals_and_three_files_by_name(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct coverage_row total = cov_row(NULL, 812, 13420, 120, 1530, 301, 9012),
			    in[3] = {
				    cov_row("/src/linux/arch/arm64/kvm/mmu.c", 500, 9000, 80, 900,
					200, 6000),
				    cov_row("/src/linux/arch/arm64/kvm/arm.c", 120, 700, 10, 100, 1,
					12),
				    cov_row("/src/linux/arch/arm64/kvm/hyp/nvhe/mem_protect.c", 192,
					3720, 30, 530, 100, 3000),
			    };
	struct coverage_row got, *rows = NULL;
	enum coverage_status s;
	char *message = (char *)1;
	size_t n = 0;

	CHECK_INT(store_job_finish(st, id, RESULT_PASSED, NULL, true, 0, T0 + 1), 0);
	CHECK_INT(store_coverage_put(st, id, &total, in, 3), 0);
	CHECK_INT(store_coverage_get(st, id, &s, &message, &got, &rows, &n), 0);
	CHECK_INT(s, COV_OK);
	CHECK_STR(message, NULL);
	check_row(&got, &total);
	CHECK_INT(n, 3);
	if (n == 3) {
		/* Sorted by file, whatever order they came in. */
		check_row(&rows[0], &in[1]);
		check_row(&rows[1], &in[2]);
		check_row(&rows[2], &in[0]);
	}
	store_coverage_rows_free(rows, n);

	/* Every output but the status may be left out. */
	s = COV_NONE;
	CHECK_INT(store_coverage_get(st, id, &s, NULL, NULL, NULL, NULL), 0);
	CHECK_INT(s, COV_OK);
	CHECK_INT(store_coverage_get(st, id + 100, &s, &message, &got, &rows, &n), -ENOENT);
	CHECK_STR(message, NULL);
	CHECK(rows == NULL);
	CHECK_INT(n, 0);
	store_free(st);
}

static void
test_coverage_without_a_row_reads_disabled_pending_or_none(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = job_make("alice", 0, 0);
	int64_t on = insert(st, "alice", 0, NULL), off;

	j->coverage = false;
	CHECK_INT(store_job_insert(st, j), 0);
	off = j->id;
	job_free(j);

	/* Before the job ends its numbers are still to come. */
	CHECK_INT(cov_status(st, on, NULL, NULL), COV_PENDING);
	CHECK_INT(cov_status(st, off, NULL, NULL), COV_DISABLED);
	CHECK_INT(store_job_start(st, on, T0), 0);
	CHECK_INT(store_job_start(st, off, T0), 0);
	CHECK_INT(cov_status(st, on, NULL, NULL), COV_PENDING);
	CHECK_INT(cov_status(st, off, NULL, NULL), COV_DISABLED);
	/* Done without a capture: nothing was built for coverage. */
	CHECK_INT(store_job_finish(st, on, RESULT_PASSED, NULL, true, 0, T0 + 1), 0);
	CHECK_INT(store_job_finish(st, off, RESULT_PASSED, NULL, true, 0, T0 + 1), 0);
	CHECK_INT(cov_status(st, on, NULL, NULL), COV_NONE);
	CHECK_INT(cov_status(st, off, NULL, NULL), COV_DISABLED);
	/* A row wins over the rule, whatever the flag says. */
	CHECK_INT(store_coverage_set_status(st, off, COV_NONE, NULL), 0);
	CHECK_INT(cov_status(st, off, NULL, NULL), COV_NONE);
	store_free(st);
}

static void
test_coverage_status_goes_pending_running_ok_and_error_clears_numbers(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, "v4");
	struct coverage_row total = cov_row(NULL, 3, 10, 1, 2, 0, 4),
			    file = cov_row("/src/a.c", 3, 10, 1, 2, 0, 4);
	struct coverage_row got, *rows = NULL;
	enum coverage_status s;
	char *message = NULL;
	size_t n = 0;
	int64_t ids[2];

	/* The runner says pending before it stores the job done. */
	CHECK_INT(store_coverage_set_status(st, id, COV_PENDING, NULL), 0);
	CHECK_INT(store_job_finish(st, id, RESULT_FAILED, "boom", true, 1, T0 + 1), 0);
	CHECK_INT(cov_status(st, id, NULL, NULL), COV_PENDING);
	CHECK_INT(store_coverage_set_status(st, id, COV_RUNNING, NULL), 0);
	CHECK_INT(cov_status(st, id, NULL, NULL), COV_RUNNING);
	CHECK_INT(tag_ids(st, "v4", 0, ids, 2), 0);
	CHECK_INT(store_coverage_put(st, id, &total, &file, 1), 0);
	CHECK_INT(cov_status(st, id, NULL, &n), COV_OK);
	CHECK_INT(n, 1);
	CHECK_INT(tag_ids(st, "v4", 0, ids, 2), 1);

	/* Marking it ok again keeps the numbers. */
	CHECK_INT(store_coverage_set_status(st, id, COV_OK, NULL), 0);
	CHECK_INT(store_coverage_get(st, id, &s, NULL, &got, &rows, &n), 0);
	CHECK_INT(s, COV_OK);
	check_row(&got, &total);
	CHECK_INT(n, 1);
	store_coverage_rows_free(rows, n);

	/* Anything else clears them. */
	CHECK_INT(store_coverage_set_status(st, id, COV_ERROR,
		      "build directory /b has no arch/arm64/kvm/arm.gcno"),
	    0);
	CHECK_INT(store_coverage_get(st, id, &s, &message, &got, &rows, &n), 0);
	CHECK_INT(s, COV_ERROR);
	CHECK_STR(message, "build directory /b has no arch/arm64/kvm/arm.gcno");
	CHECK_INT(got.lines.hit, 0);
	CHECK_INT(got.lines.total, 0);
	CHECK_INT(got.branches.total, 0);
	CHECK_INT(n, 0);
	CHECK(rows == NULL);
	free(message);
	CHECK_INT(tag_ids(st, "v4", 0, ids, 2), 0);
	/* ... and ok again now has no numbers. */
	CHECK_INT(store_coverage_set_status(st, id, COV_OK, NULL), 0);
	CHECK_INT(store_coverage_get(st, id, &s, &message, &got, NULL, NULL), 0);
	CHECK_INT(s, COV_OK);
	CHECK_STR(message, NULL);
	CHECK_INT(got.lines.total, 0);

	CHECK_INT(store_coverage_set_status(st, id, (enum coverage_status)6, NULL), -EINVAL);
	CHECK_INT(store_coverage_set_status(st, id + 100, COV_NONE, NULL), -ENOENT);
	CHECK_INT(store_coverage_put(st, id + 100, &total, NULL, 0), -ENOENT);
	store_free(st);
}

static void
test_coverage_put_replaces_and_a_bad_put_leaves_the_old_numbers(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct coverage_row total = cov_row(NULL, 5, 50, 2, 20, 1, 10),
			    first[3] = {
				    cov_row("/src/c.c", 1, 10, 0, 5, 0, 2),
				    cov_row("/src/a.c", 2, 20, 1, 5, 1, 4),
				    cov_row("/src/b.c", 2, 20, 1, 10, 0, 4),
			    },
			    second = cov_row("/src/z.c", 7, 8, 1, 1, 0, 0),
			    total2 = cov_row(NULL, 7, 8, 1, 1, 0, 0),
			    dup[2] = { cov_row("/src/d.c", 1, 1, 1, 1, 1, 1),
				    cov_row("/src/d.c", 1, 1, 1, 1, 1, 1) };
	struct coverage_row got, *rows = NULL;
	enum coverage_status s;
	size_t n = 0;

	CHECK_INT(store_coverage_put(st, id, &total, first, 3), 0);
	CHECK_INT(store_coverage_put(st, id, &total2, &second, 1), 0);
	CHECK_INT(store_coverage_get(st, id, &s, NULL, &got, &rows, &n), 0);
	CHECK_INT(s, COV_OK);
	check_row(&got, &total2);
	CHECK_INT(n, 1);
	if (n == 1)
		check_row(&rows[0], &second);
	store_coverage_rows_free(rows, n);

	/* A put that fails half-way is rolled back whole. */
	CHECK_INT(store_coverage_put(st, id, &total, dup, 2), -EEXIST);
	dup[1].file = NULL;
	CHECK_INT(store_coverage_put(st, id, &total, dup, 2), -EINVAL);
	dup[1] = cov_row("/src/e.c", -1, 1, 0, 0, 0, 0);
	CHECK_INT(store_coverage_put(st, id, &total, dup, 2), -EINVAL);
	CHECK_INT(store_coverage_put(st, id, NULL, NULL, 0), -EINVAL);
	CHECK_INT(store_coverage_put(st, id, &total, NULL, 1), -EINVAL);
	CHECK_INT(store_coverage_get(st, id, &s, NULL, &got, &rows, &n), 0);
	check_row(&got, &total2);
	CHECK_INT(n, 1);
	if (n == 1)
		check_row(&rows[0], &second);
	store_coverage_rows_free(rows, n);

	/* No files at all is fine too. */
	CHECK_INT(store_coverage_put(st, id, &total, NULL, 0), 0);
	CHECK_INT(cov_status(st, id, NULL, &n), COV_OK);
	CHECK_INT(n, 0);
	store_free(st);
}

static void
test_coverage_jobs_with_tag_are_the_ok_ones_newest_first(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert(st, "alice", 0, "v4"), b = insert(st, "alice", 0, "v4"),
		c = insert(st, "bob", 0, "v4"), d = insert(st, "bob", 0, "v4"),
		e = insert(st, "carol", 0, "v5");
	struct coverage_row total = cov_row(NULL, 1, 2, 1, 2, 1, 2);
	int64_t ids[4] = { 0 };

	CHECK_INT(store_coverage_put(st, a, &total, NULL, 0), 0);
	CHECK_INT(store_coverage_set_status(st, b, COV_ERROR, "lcov failed"), 0);
	CHECK_INT(store_coverage_put(st, c, &total, NULL, 0), 0);
	CHECK_INT(store_coverage_set_status(st, d, COV_RUNNING, NULL), 0);
	CHECK_INT(store_coverage_put(st, e, &total, NULL, 0), 0);

	CHECK_INT(tag_ids(st, "v4", 0, ids, 4), 2);
	CHECK_INT(ids[0], c);
	CHECK_INT(ids[1], a);
	CHECK_INT(tag_ids(st, "v4", 1, ids, 4), 1);
	CHECK_INT(ids[0], c);
	CHECK_INT(tag_ids(st, "v5", 10, ids, 4), 1);
	CHECK_INT(ids[0], e);
	CHECK_INT(tag_ids(st, "no-such-tag", 10, ids, 4), 0);
	store_free(st);
}

static void
test_requeued_job_starts_its_attempt_without_coverage(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, "v4");
	struct coverage_row total = cov_row(NULL, 1, 2, 1, 2, 1, 2),
			    file = cov_row("/src/a.c", 1, 2, 1, 2, 1, 2);
	size_t n = 0;
	int64_t ids[1];

	CHECK_INT(store_coverage_put(st, id, &total, &file, 1), 0);
	recover(st, true, T0 + 1);

	/* Attempt 2 is queued: its coverage is still to come. */
	CHECK_INT(cov_status(st, id, NULL, &n), COV_PENDING);
	CHECK_INT(n, 0);
	CHECK_INT(tag_ids(st, "v4", 0, ids, 1), 0);
	/* Whatever a lost start left for the attempt is cleared. */
	CHECK_INT(store_coverage_set_status(st, id, COV_ERROR, "left over"), 0);
	CHECK_INT(store_job_start(st, id, T0 + 2), 0);
	CHECK_INT(cov_status(st, id, NULL, NULL), COV_PENDING);
	/* Its own numbers are its own. */
	total.lines.hit = 2;
	CHECK_INT(store_coverage_put(st, id, &total, &file, 1), 0);
	CHECK_INT(cov_status(st, id, NULL, &n), COV_OK);
	CHECK_INT(n, 1);
	CHECK_INT(tag_ids(st, "v4", 0, ids, 1), 1);
	store_free(st);
}

static void
test_recover_fails_captures_a_dead_daemon_left_pending_or_running(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert(st, "alice", 0, NULL), b = insert(st, "alice", 0, NULL),
		c = insert(st, "alice", 0, NULL), d = insert(st, "alice", 0, NULL);
	struct coverage_row total = cov_row(NULL, 1, 2, 1, 2, 1, 2);
	char *message = NULL;

	CHECK_INT(store_coverage_set_status(st, a, COV_RUNNING, NULL), 0);
	CHECK_INT(store_coverage_set_status(st, b, COV_PENDING, NULL), 0);
	CHECK_INT(store_coverage_put(st, c, &total, NULL, 0), 0);
	CHECK_INT(store_coverage_set_status(st, d, COV_NONE, NULL), 0);
	CHECK_INT(recover(st, false, T0), 0);

	CHECK_INT(cov_status(st, a, &message, NULL), COV_ERROR);
	CHECK(message != NULL && strstr(message, "interrupted") != NULL);
	free(message);
	CHECK_INT(cov_status(st, b, NULL, NULL), COV_ERROR);
	CHECK_INT(cov_status(st, c, NULL, NULL), COV_OK);
	CHECK_INT(cov_status(st, d, NULL, NULL), COV_NONE);
	store_free(st);
}

/* --- migrations ------------------------------------------------------------------ */

/* Make PATH a database as pkvmd made it before migration 003: the schema
 * of schema/001 and 002, user_version 2, a done job with coverage on
 * (id 7, tag v4, one test) and a done one with coverage off (id 8). */
static void
make_002_database(const char *path)
{
	static const char *const schema[] = { "001-initial.sql", "002-results.sql", NULL };

	make_old_database(path, schema, 2,
	    "INSERT INTO jobs (id, owner, state, result, created_ms, kernel, smp, mem_mb,"
	    " timeout_s, idle_timeout_s, coverage, test_timeout_s, timings)"
	    " VALUES (7, 'alice', 'done', 'passed', 1763749200000, '" KERNEL "', 1, 1024,"
	    " 600, 120, 1, 30, '{\"end\": 12.5}'),"
	    " (8, 'bob', 'done', 'passed', 1763749200000, '" KERNEL "', 1, 1024,"
	    " 600, 120, 0, 0, NULL);"
	    "INSERT INTO job_tags (job_id, tag) VALUES (7, 'v4');"
	    "INSERT INTO tests (job_id, attempt, seq, name, verdict, exit_code, format)"
	    " VALUES (7, 1, 1, '01-kvm', 'pass', 0, 'tap');"
	    "INSERT INTO subtests (id, test_id, parent_id, seq, name, verdict, line)"
	    " VALUES (1, (SELECT id FROM tests WHERE job_id = 7), NULL, 1, 'exits', 'pass', 3),"
	    " (2, (SELECT id FROM tests WHERE job_id = 7), 1, 1, 'mmio_write', 'pass', 2)");
}

static void
test_a_002_database_migrates_to_coverage_with_its_data_intact(void)
{
	const char *path = db_path();
	struct coverage_row total = cov_row(NULL, 1, 2, 1, 2, 1, 2),
			    file = cov_row("/src/a.c", 1, 2, 1, 2, 1, 2);
	struct test_full *t = NULL;
	struct store *st;
	struct job *j;
	int64_t ids[1];
	size_t n = 0;

	make_002_database(path);
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	j = get(st, 7);
	if (j != NULL) {
		CHECK_STR(j->owner, "alice");
		CHECK_INT(j->coverage, true);
		CHECK_INT(j->test_timeout_s, 30);
		CHECK_STR(j->timings, "{\"end\": 12.5}");
		/* The new fields read as their defaults. */
		CHECK_STR(j->build_dir, NULL);
		CHECK_STR(j->gcov_tool, NULL);
		CHECK_INT(j->ncoverage_paths, 0);
	}
	job_free(j);
	CHECK_INT(store_test_list_full(st, 7, &t, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		/* Its sub-results survived 005's copy of tests and subtests. */
		CHECK_INT(t[0].format, TOUT_TAP);
		CHECK_INT(t[0].nnodes, 1);
		if (t[0].nnodes == 1) {
			CHECK_STR(t[0].nodes[0].name, "exits");
			CHECK_INT(t[0].nodes[0].nchildren, 1);
		}
	}
	store_test_list_full_free(t, n);

	/* Jobs from before coverage have none, or asked for none. */
	CHECK_INT(cov_status(st, 7, NULL, NULL), COV_NONE);
	CHECK_INT(cov_status(st, 8, NULL, NULL), COV_DISABLED);
	CHECK_INT(store_coverage_put(st, 7, &total, &file, 1), 0);
	CHECK_INT(cov_status(st, 7, NULL, &n), COV_OK);
	CHECK_INT(n, 1);
	CHECK_INT(tag_ids(st, "v4", 0, ids, 1), 1);
	store_free(st);

	/* Reopening applies nothing again. */
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	CHECK_INT(cov_status(st, 7, NULL, NULL), COV_OK);
	store_free(st);
}

/* Make PATH a database as pkvmd made it before migration 007: user
 * version 4, jobs 7 and 9 on KERNEL_1 with a report each in test x, job
 * 8 on KERNEL_2 that ran x cleanly before them, and job 10 on KERNEL_2
 * that ran it after them. */
static void
make_004_database(const char *path)
{
	static const char *const schema[] = { "001-initial.sql", "002-results.sql",
		"003-coverage.sql", "004-net.sql", NULL };

	make_old_database(path, schema, 4,
	    "INSERT INTO jobs (id, owner, state, result, created_ms, kernel, smp, mem_mb,"
	    " timeout_s, idle_timeout_s) VALUES"
	    " (7, 'alice', 'done', 'failed', 1763749200000, '" KERNEL_1 "', 1, 1024, 600, 120),"
	    " (8, 'alice', 'done', 'passed', 1763749200000, '" KERNEL_2 "', 1, 1024, 600, 120),"
	    " (9, 'alice', 'done', 'failed', 1763749200000, '" KERNEL_1 "', 1, 1024, 600, 120),"
	    " (10, 'alice', 'done', 'passed', 1763749200000, '" KERNEL_2 "', 1, 1024, 600, 120);"
	    "INSERT INTO tests (job_id, attempt, seq, name, verdict, exit_code) VALUES"
	    " (7, 1, 1, 'x', 'fail', 1), (8, 1, 1, 'x', 'pass', 0),"
	    " (9, 1, 1, 'x', 'fail', 1), (10, 1, 1, 'x', 'pass', 0);"
	    "INSERT INTO crashes (job_id, attempt, test, kind, title, time_ms) VALUES"
	    " (7, 1, 'x', 'warning', '" TITLE "', 1763749200100),"
	    " (9, 1, 'x', 'warning', '" TITLE "', 1763749200300)");
}

static void
test_a_004_database_migrates_with_kernels_for_its_jobs_and_reports(void)
{
	const char *path = db_path();
	struct crash_group *g = NULL;
	struct store *st;
	int64_t later;
	size_t n;

	make_004_database(path);
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	/* A new job on KERNEL_1 leaves it as old as job 7. */
	later = insert_on(st, KERNEL_1, NULL);
	CHECK_INT(store_kernel_set_version(st, later, "6.1.0-1"), 0);
	CHECK_INT(n = groups(st, NULL, &g), 1);
	if (n == 1) {
		CHECK_INT(g[0].count, 2);
		CHECK_INT(g[0].last_job, 9);
		CHECK_INT(g[0].kernel_count, 1);
		if (g[0].nkernels == 1) {
			CHECK_STR(g[0].kernels[0].sha256, KERNEL_1);
			CHECK_STR(g[0].kernels[0].version, "6.1.0-1");
			CHECK_INT(g[0].kernels[0].count, 2);
		}
		/* KERNEL_2's first job, 8, came after KERNEL_1's, 7: newer;
		 * job 8 ran before the last report, job 10 after it. */
		CHECK_INT(g[0].fixed, true);
		CHECK_INT(g[0].fixed_in.job, 10);
		CHECK_STR(g[0].fixed_in.sha256, KERNEL_2);
	}
	store_crash_groups_free(g, n);
	store_free(st);
}

int
main(void)
{
	if (store_test_setup() < 0)
		return 1;
	RUN(test_crashes_of_a_job_come_back_in_console_order);
	RUN(test_crash_groups_count_reports_and_jobs_across_three_jobs);
	RUN(test_crash_groups_of_an_empty_store_are_empty);
	RUN(test_crash_groups_list_their_kernels_newest_first_with_versions);
	RUN(test_crash_groups_list_the_newest_ten_kernels_and_count_them_all);
	RUN(test_crash_groups_filter_by_kind_tag_and_time);
	RUN(test_crash_group_is_fixed_in_the_oldest_newer_kernel_that_ran_its_test_cleanly);
	RUN(test_crash_group_is_fixed_only_by_a_test_that_ran_to_its_end);
	RUN(test_crash_group_is_not_fixed_by_an_older_kernel_or_one_that_showed_it);
	RUN(test_crash_group_is_not_fixed_by_a_run_before_its_last_report_or_of_a_lost_attempt);
	RUN(test_crash_outside_any_test_is_fixed_by_a_job_that_ran_through);
	RUN(test_crash_group_fix_is_judged_on_all_jobs_whatever_the_filter);
	RUN(test_artifact_status_names_are_the_wire_names);
	RUN(test_artifact_of_the_same_test_and_path_is_replaced_in_place);
	RUN(test_requeued_job_starts_its_attempt_without_crashes_or_artifacts);
	RUN(test_interrupted_job_keeps_its_crashes_and_artifacts);
	RUN(test_coverage_status_names_are_the_wire_names);
	RUN(test_coverage_put_and_get_round_trip_totals_and_three_files_by_name);
	RUN(test_coverage_without_a_row_reads_disabled_pending_or_none);
	RUN(test_coverage_status_goes_pending_running_ok_and_error_clears_numbers);
	RUN(test_coverage_put_replaces_and_a_bad_put_leaves_the_old_numbers);
	RUN(test_coverage_jobs_with_tag_are_the_ok_ones_newest_first);
	RUN(test_requeued_job_starts_its_attempt_without_coverage);
	RUN(test_recover_fails_captures_a_dead_daemon_left_pending_or_running);
	RUN(test_a_002_database_migrates_to_coverage_with_its_data_intact);
	RUN(test_a_004_database_migrates_with_kernels_for_its_jobs_and_reports);
	cleanup();
	return UNIT_DONE();
}
