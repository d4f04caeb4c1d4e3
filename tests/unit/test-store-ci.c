/*
 * test-store-ci.c -- the outbox of commit statuses in the store
 * (store/ci-outbox.c), against real database files: a commit's rows go
 * out one at a time in order (only the oldest waiting row of each
 * commit is a head), a retried row keeps its place, done rows free the
 * next, and a restart finds the CI jobs whose news was never queued.
 * ci_jobs rows are written with sqlite directly, as the hooks would.
 */
#include <stdio.h>

#include "store/ci-outbox.h"
#include "test-store.h"

#define SHA_A "aaaa000000000000000000000000000000000001"
#define SHA_B "bbbb000000000000000000000000000000000002"

/* Make job ID a CI job of PROJECT on commit SHA (a second connection,
 * as the hooks' transaction would be). */
static void
ci_job(const char *path, int64_t id, const char *project, const char *sha)
{
	sqlite3 *db = NULL;
	char sql[256];

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO ci_jobs (job_id, project, ref, commit_sha) VALUES (%lld, '%s', 'main', "
	    "'%s')",
	    (long long)id, project, sha);
	exec_ok(db, sql);
	sqlite3_close(db);
}

/* Queue a status STATE of job JOB for SHA at NOW; its row id. */
static int64_t
add(struct store *st, int64_t job, const char *sha, const char *state, int64_t now)
{
	struct ci_outbox_row r = { .job_id = job,
		.project = (char *)"linux",
		.commit_sha = (char *)sha,
		.state = (char *)state,
		.description = (char *)"d",
		.created_ms = now };

	CHECK_INT(store_ci_outbox_add(st, &r), 0);
	return r.id;
}

static void
test_only_the_oldest_waiting_row_of_a_commit_is_a_head(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	int64_t j1 = insert(st, "alice", 0, NULL), j2 = insert(st, "alice", 0, NULL);
	int64_t a1, a2, b1;
	struct ci_outbox_row *h = NULL;
	size_t n = 0;

	ci_job(path, j1, "linux", SHA_A);
	ci_job(path, j2, "linux", SHA_B);
	a1 = add(st, j1, SHA_A, "pending", T0);
	a2 = add(st, j1, SHA_A, "success", T0 + 1);
	b1 = add(st, j2, SHA_B, "pending", T0 + 2);
	CHECK_INT(store_ci_outbox_heads(st, &h, &n), 0);
	CHECK_INT((int)n, 2);
	CHECK(n == 2 && h[0].id == a1 && h[1].id == b1);
	store_ci_outbox_list_free(h, n);

	/* A retry later than B's row puts it second, still A's head. */
	CHECK_INT(store_ci_outbox_retry(st, a1, 1, T0 + 5000, 503, "HTTP 503"), 0);
	CHECK_INT(store_ci_outbox_heads(st, &h, &n), 0);
	CHECK(n == 2 && h[0].id == b1 && h[1].id == a1 && h[1].attempts == 1 &&
	    h[1].http_status == 503);
	store_ci_outbox_list_free(h, n);

	/* Sent: the commit's next row is its head now. */
	CHECK_INT(store_ci_outbox_done(st, a1, CI_OUTBOX_SENT, 2, T0 + 6000, 201, NULL), 0);
	CHECK_INT(store_ci_outbox_done(st, a1, CI_OUTBOX_SENT, 2, T0 + 6000, 201, NULL), -ENOENT);
	CHECK_INT(store_ci_outbox_heads(st, &h, &n), 0);
	CHECK(n == 2 && h[0].id == a2 && h[1].id == b1);
	store_ci_outbox_list_free(h, n);
	store_free(st);
}

static void
test_a_jobs_rows_list_with_their_outcomes(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	int64_t j = insert(st, "alice", 0, NULL), r1, r2;
	struct ci_outbox_row *l = NULL;
	size_t n = 0;

	ci_job(path, j, "linux", SHA_A);
	r1 = add(st, j, SHA_A, "pending", T0);
	r2 = add(st, j, SHA_A, "failure", T0);
	CHECK_INT(store_ci_outbox_done(st, r1, CI_OUTBOX_REJECTED, 1, T0 + 1, 422, "No commit"), 0);
	CHECK_INT(store_ci_outbox_done(st, r2, CI_OUTBOX_GAVE_UP, 9, T0 + 2, 0, "timeout"), 0);
	CHECK_INT(store_ci_outbox_list_job(st, j, &l, &n), 0);
	CHECK(n == 2 && l[0].outcome == CI_OUTBOX_REJECTED && l[0].http_status == 422 &&
	    l[1].outcome == CI_OUTBOX_GAVE_UP && l[1].http_status == 0 && l[1].attempts == 9);
	CHECK_STR(n == 2 ? l[0].last_error : NULL, "No commit");
	store_ci_outbox_list_free(l, n);
	CHECK_INT(store_ci_outbox_list_project(st, "linux", 1, &l, &n), 0);
	CHECK(n == 1 && l[0].id == r2);
	store_ci_outbox_list_free(l, n);
	CHECK_INT(store_ci_outbox_list_job(st, 999, &l, &n), -ENOENT);
	store_free(st);
}

static void
test_the_queue_position_counts_priority_then_age(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert(st, "alice", 0, NULL), b = insert(st, "bob", 0, NULL);
	int64_t c = insert(st, "carol", 1, NULL), pos = 0;

	CHECK_INT(store_ci_queue_position(st, c, &pos), 0);
	CHECK_INT((int)pos, 1);
	CHECK_INT(store_ci_queue_position(st, b, &pos), 0);
	CHECK_INT((int)pos, 3);
	CHECK_INT(store_job_start(st, a, T0), 0);
	CHECK_INT(store_ci_queue_position(st, b, &pos), 0);
	CHECK_INT((int)pos, 2);
	CHECK_INT(store_ci_queue_position(st, a, &pos), -ESTALE);
	CHECK_INT(store_ci_queue_position(st, 999, &pos), -ENOENT);
	store_free(st);
}

static void
test_a_restart_finds_the_ci_jobs_left_untold(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	int64_t queued = insert(st, "a", 0, NULL), told = insert(st, "a", 0, NULL);
	int64_t done = insert(st, "a", 0, NULL), finished = insert(st, "a", 0, NULL);
	int64_t plain = insert(st, "a", 0, NULL), *ids = NULL;
	size_t n = 0;

	(void)plain; /* no CI job: never listed */
	ci_job(path, queued, "linux", SHA_A);
	ci_job(path, told, "linux", SHA_A);
	ci_job(path, done, "linux", SHA_B);
	ci_job(path, finished, "linux", SHA_B);
	add(st, told, SHA_A, "pending", T0);
	CHECK_INT(store_job_finish(st, done, RESULT_PASSED, NULL, false, 0, T0), 0);
	add(st, done, SHA_B, "running", T0);
	CHECK_INT(store_job_finish(st, finished, RESULT_PASSED, NULL, false, 0, T0), 0);
	add(st, finished, SHA_B, "success", T0);
	CHECK_INT(store_ci_jobs_unreported(st, &ids, &n), 0);
	CHECK_INT((int)n, 2);
	CHECK(n == 2 && ids[0] == queued && ids[1] == done);
	free(ids);
	store_free(st);
}

int
main(void)
{
	if (store_test_setup() < 0)
		return 1;
	RUN(test_only_the_oldest_waiting_row_of_a_commit_is_a_head);
	RUN(test_a_jobs_rows_list_with_their_outcomes);
	RUN(test_the_queue_position_counts_priority_then_age);
	RUN(test_a_restart_finds_the_ci_jobs_left_untold);
	cleanup();
	return UNIT_DONE();
}
