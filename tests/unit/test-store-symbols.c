/*
 * test-store-symbols.c -- the store's part of symbolized crash reports
 * (store/symbols.c): each report's status, message and symbolized copy,
 * what a restarted pkvmd finds to finish, the vmlinux blobs by build id,
 * and the job's vmlinux field.
 */
#include "test-store.h"

#define BUILD_1 "24faeaa5f4bb3a9addc009d84bfa047e6b1f4e79"
#define BUILD_2 "61488e4b85ef5bed788dfd9b6fa33d9cc9b0a69e"

/* The crashes of job ID: N of them are expected. */
static struct crash_record *
crashes(struct store *st, int64_t id, size_t want)
{
	struct crash_record *c = NULL;
	size_t n = 0;

	CHECK_INT(store_crash_list(st, id, &c, &n), 0);
	CHECK_INT(n, want);
	if (n != want) {
		store_crash_list_free(c, n);
		return NULL;
	}
	return c;
}

static void
test_symbols_status_names_are_the_wire_names(void)
{
	CHECK_STR(crash_symbols_name(SYMBOLS_NONE), "none");
	CHECK_STR(crash_symbols_name(SYMBOLS_PENDING), "pending");
	CHECK_STR(crash_symbols_name(SYMBOLS_OK), "ok");
	CHECK_STR(crash_symbols_name(SYMBOLS_ERROR), "error");
	CHECK_STR(crash_symbols_name((enum crash_symbols)99), NULL);
}

/* Nobody set a status: pending while the job runs, none once it is done. */
static void
test_unset_status_reads_pending_then_none(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct crash_record *c;

	add_crash(st, id, "WARNING in foo", "warning", 10, T0 + 1);
	if ((c = crashes(st, id, 1)) != NULL) {
		CHECK_INT(c[0].symbols, SYMBOLS_PENDING);
		CHECK_STR(c[0].symbols_message, NULL);
		CHECK_STR(c[0].symbolized, NULL);
		store_crash_list_free(c, 1);
	}
	CHECK_INT(store_job_finish(st, id, RESULT_PASSED, NULL, true, 0, T0 + 5), 0);
	if ((c = crashes(st, id, 1)) != NULL) {
		CHECK_INT(c[0].symbols, SYMBOLS_NONE);
		store_crash_list_free(c, 1);
	}
	store_free(st);
}

/* All pending, then each its own: ok with its copy, none with why. */
static void
test_set_all_then_put_each_report(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL), other = insert_running(st, NULL);
	struct crash_symbols_row rows[2];
	struct crash_record *c;

	add_crash(st, id, "WARNING in foo", "warning", 10, T0 + 1);
	add_crash(st, id, "BUG in bar", "bug", 50, T0 + 2);
	add_crash(st, other, "BUG in baz", "bug", 50, T0 + 2);
	CHECK_INT(store_job_finish(st, id, RESULT_CRASHED, NULL, true, 0, T0 + 5), 0);
	CHECK_INT(store_crash_symbols_set_all(st, id, SYMBOLS_PENDING, NULL), 0);
	CHECK_INT(store_crash_symbols_set_all(st, id, (enum crash_symbols)9, NULL), -EINVAL);
	if ((c = crashes(st, id, 2)) == NULL)
		goto out;
	CHECK_INT(c[0].symbols, SYMBOLS_PENDING);
	CHECK_INT(c[1].symbols, SYMBOLS_PENDING);
	rows[0] = (struct crash_symbols_row){ .crash_id = c[0].id,
		.status = SYMBOLS_OK,
		.text = "[ 1.0]  foo+0x1/0x2 lib/foo.c:3" };
	rows[1] = (struct crash_symbols_row){ .crash_id = c[1].id,
		.status = SYMBOLS_NONE,
		.message = "the report has no frames" };
	store_crash_list_free(c, 2);
	CHECK_INT(store_crash_symbols_put(st, id, rows, 2), 0);
	if ((c = crashes(st, id, 2)) != NULL) {
		CHECK_INT(c[0].symbols, SYMBOLS_OK);
		CHECK_STR(c[0].symbolized, "[ 1.0]  foo+0x1/0x2 lib/foo.c:3");
		CHECK_STR(c[0].symbols_message, NULL);
		CHECK_STR(c[0].report, "[   12.3] Kernel panic\n[   12.3] CPU: 0");
		CHECK_INT(c[1].symbols, SYMBOLS_NONE);
		CHECK_STR(c[1].symbols_message, "the report has no frames");
		CHECK_STR(c[1].symbolized, NULL);
		store_crash_list_free(c, 2);
	}
	/* Ending them all alike drops the copies. */
	CHECK_INT(store_crash_symbols_set_all(st, id, SYMBOLS_ERROR, "addr2line failed"), 0);
	if ((c = crashes(st, id, 2)) != NULL) {
		CHECK_INT(c[0].symbols, SYMBOLS_ERROR);
		CHECK_STR(c[0].symbols_message, "addr2line failed");
		CHECK_STR(c[0].symbolized, NULL);
		store_crash_list_free(c, 2);
	}
	/* The other job was untouched by all of it. */
	if ((c = crashes(st, other, 1)) != NULL) {
		CHECK_INT(c[0].symbols, SYMBOLS_PENDING);
		store_crash_list_free(c, 1);
	}
out:
	store_free(st);
}

/* A row that names another job's report stores nothing, in one
 * transaction with the rows before it. */
static void
test_put_of_another_jobs_report_stores_nothing(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL), other = insert_running(st, NULL);
	struct crash_symbols_row rows[2] = { { .status = SYMBOLS_OK, .text = "x" },
		{ .status = SYMBOLS_OK, .text = "y" } };
	struct crash_record *c, *o;

	add_crash(st, id, "WARNING in foo", "warning", 10, T0 + 1);
	add_crash(st, other, "BUG in baz", "bug", 50, T0 + 2);
	if ((c = crashes(st, id, 1)) == NULL || (o = crashes(st, other, 1)) == NULL)
		goto out;
	rows[0].crash_id = c[0].id;
	rows[1].crash_id = o[0].id;
	CHECK_INT(store_crash_symbols_put(st, id, rows, 2), -ENOENT);
	rows[1].status = (enum crash_symbols)9;
	CHECK_INT(store_crash_symbols_put(st, id, rows, 2), -EINVAL);
	store_crash_list_free(c, 1);
	store_crash_list_free(o, 1);
	if ((c = crashes(st, id, 1)) != NULL) {
		CHECK_STR(c[0].symbolized, NULL);
		store_crash_list_free(c, 1);
	}
out:
	store_free(st);
}

/* A restarted pkvmd finishes done jobs' pending reports; a requeued
 * job's old ones can no longer be, and become errors. */
static void
test_unfinished_are_done_jobs_and_stale_ones_become_errors(void)
{
	struct store *st = open_ok(db_path());
	int64_t done = insert_running(st, NULL), requeued = insert_running(st, NULL);
	int64_t *ids = NULL;
	size_t n = 0;
	struct crash_record *c = NULL;

	add_crash(st, done, "WARNING in foo", "warning", 10, T0 + 1);
	add_crash(st, requeued, "WARNING in bar", "warning", 10, T0 + 1);
	CHECK_INT(store_job_finish(st, done, RESULT_PASSED, NULL, true, 0, T0 + 5), 0);
	CHECK_INT(store_crash_symbols_set_all(st, done, SYMBOLS_PENDING, NULL), 0);
	CHECK_INT(store_crash_symbols_set_all(st, requeued, SYMBOLS_PENDING, NULL), 0);
	CHECK_INT(recover(st, true, T0 + 10), 1);
	CHECK_INT(store_crash_symbols_unfinished(st, "interrupted", &ids, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(ids[0], done);
	free(ids);
	/* The requeued job's new attempt has no reports; its old one's
	 * report is kept, as an error. */
	CHECK_INT(store_crash_list(st, requeued, &c, &n), 0);
	CHECK_INT(n, 0);
	store_crash_list_free(c, n);
	CHECK_INT(store_crash_symbols_unfinished(st, "interrupted", &ids, &n), 0);
	CHECK_INT(n, 1);
	free(ids);
	CHECK_INT(store_crash_symbols_set_all(st, done, SYMBOLS_NONE, NULL), 0);
	CHECK_INT(store_crash_symbols_unfinished(st, "interrupted", &ids, &n), 0);
	CHECK_INT(n, 0);
	CHECK(ids == NULL);
	store_free(st);
}

/* The vmlinux blobs by build id, the most recently named first. */
static void
test_vmlinux_builds_newest_first(void)
{
	struct store *st = open_ok(db_path());
	struct vmlinux_build *v = NULL;
	size_t n = 0;

	CHECK_INT(store_vmlinux_list(st, &v, &n), 0);
	CHECK_INT(n, 0);
	store_vmlinux_list_free(v, n);
	CHECK_INT(store_vmlinux_add(st, BUILD_1, BLOB_A, T0), 0);
	CHECK_INT(store_vmlinux_add(st, BUILD_2, BLOB_B, T0 + 1), 0);
	/* Named again: the same row, newer. */
	CHECK_INT(store_vmlinux_add(st, BUILD_1, BLOB_A, T0 + 2), 0);
	CHECK_INT(store_vmlinux_add(st, NULL, BLOB_A, T0 + 3), -EINVAL);
	CHECK_INT(store_vmlinux_list(st, &v, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0].build_id, BUILD_1);
		CHECK_STR(v[0].blob, BLOB_A);
		CHECK_STR(v[1].build_id, BUILD_2);
		CHECK_STR(v[1].blob, BLOB_B);
	}
	store_vmlinux_list_free(v, n);
	store_free(st);
}

/* A job's vmlinux is kept, and a job without one reads "". */
static void
test_job_vmlinux_round_trips(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = job_make("alice", 0, 0), *got;
	int64_t plain = insert(st, "bob", 0, NULL);

	snprintf(j->vmlinux, sizeof(j->vmlinux), "%s", BLOB_B);
	CHECK_INT(store_job_insert(st, j), 0);
	if ((got = get(st, j->id)) != NULL)
		CHECK_STR(got->vmlinux, BLOB_B);
	job_free(got);
	if ((got = get(st, plain)) != NULL)
		CHECK_STR(got->vmlinux, "");
	job_free(got);
	job_free(j);
	store_free(st);
}

int
main(void)
{
	if (store_test_setup() < 0)
		return 1;
	RUN(test_symbols_status_names_are_the_wire_names);
	RUN(test_unset_status_reads_pending_then_none);
	RUN(test_set_all_then_put_each_report);
	RUN(test_put_of_another_jobs_report_stores_nothing);
	RUN(test_unfinished_are_done_jobs_and_stale_ones_become_errors);
	RUN(test_vmlinux_builds_newest_first);
	RUN(test_job_vmlinux_round_trips);
	cleanup();
	return UNIT_DONE();
}
