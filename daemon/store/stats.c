/*
 * stats.c -- what the store tells /metrics and /v1/health: jobs by state,
 * the queue by owner, and whether the database takes a write.
 *
 * The counts are one GROUP BY each over the jobs table, read at scrape
 * time rather than kept as counters: the table is the truth, and a
 * counter kept beside it would drift on every path that forgets it (a
 * cancel, a recovery, a prune).  The index jobs_queue (state first)
 * serves both.
 *
 * The write check.  BEGIN IMMEDIATE alone would only show that no other
 * writer holds the lock; it writes nothing, so a file system that turned
 * read-only or full would pass.  The check rewrites the database header's
 * application_id (a field sqlite keeps for the application, which pkvmd
 * leaves 0) with 0 and commits: sqlite writes header page 1 whatever the
 * value was, so the commit appends a frame to the WAL through the same
 * path every job's commit takes.  Passing proves that the write lock can
 * be had within the busy timeout and that the WAL can take a page now
 * (after a checkpoint has truncated it, a page that needs new space on
 * disk); it leaves the data as it was.  It does not prove the next
 * checkpoint's fsync will succeed.
 */
#include <errno.h>
#include <stdlib.h>

#include "store/private.h"

const struct stmt_def st_stats_stmts[] = {
	{ .id = STMT_STATS_JOBS, .sql = "SELECT state, count(*) FROM jobs GROUP BY state" },
	{ .id = STMT_STATS_QUEUE,
	    .sql = "SELECT owner, count(*) FROM jobs WHERE state = 'queued'"
		   " GROUP BY owner ORDER BY owner" },
	{ .id = STMT_STATS_QUEUED, .sql = "SELECT count(*) FROM jobs WHERE state = 'queued'" },
	/* The newest job that ran its tests to the end, of the same kernel
	 * with executables of the same names (jobs_kernel finds the few
	 * candidates). */
	{ .id = STMT_STATS_ESTIMATE,
	    .sql = "SELECT j.id, j.finished_ms - j.started_ms FROM jobs j"
		   " WHERE j.kernel = (SELECT kernel FROM jobs WHERE id = ?1) AND j.id != ?1"
		   " AND j.state = 'done' AND j.result IN ('passed', 'failed')"
		   " AND j.started_ms > 0 AND j.finished_ms >= j.started_ms"
		   " AND (SELECT group_concat(name, '/') FROM (SELECT name FROM job_exes"
		   "      WHERE job_id = j.id ORDER BY name))"
		   " IS (SELECT group_concat(name, '/') FROM (SELECT name FROM job_exes"
		   "      WHERE job_id = ?1 ORDER BY name))"
		   " ORDER BY j.id DESC LIMIT 1" },
	{ .id = STMT_HEALTH_WRITE, .sql = "PRAGMA application_id = 0" },
};
const size_t st_stats_nstmts = NELEM(st_stats_stmts);

int
store_jobs_count(struct store *st, int64_t counts[JOB_DONE + 1])
{
	sqlite3_stmt *s = st->stmt[STMT_STATS_JOBS];
	enum job_state state;
	int rc;

	for (int i = 0; i <= JOB_DONE; i++)
		counts[i] = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		/* The schema's CHECK allows only the three states. */
		if (name != NULL && job_state_parse(name, &state) == 0)
			counts[state] = sqlite3_column_int64(s, 1);
	}
	rc = rc == SQLITE_DONE ? 0 : st_db_fail(st->db, __func__);
	st_stmt_done(s);
	return rc;
}

int
store_jobs_queued(struct store *st, int64_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_STATS_QUEUED];
	int rc = sqlite3_step(s);

	*n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	rc = rc == SQLITE_ROW ? 0 : st_db_fail(st->db, __func__);
	st_stmt_done(s);
	return rc;
}

int
store_job_estimate(struct store *st, int64_t id, int64_t *from_id, int64_t *duration_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_STATS_ESTIMATE];
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*from_id = sqlite3_column_int64(s, 0);
		*duration_ms = sqlite3_column_int64(s, 1);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : st_db_fail(st->db, __func__);
	}
	st_stmt_done(s);
	return rc;
}

static int
owner_read(sqlite3_stmt *s, void *elem, void *arg)
{
	struct store_owner_jobs *o = elem;

	(void)arg;
	o->jobs = sqlite3_column_int64(s, 1);
	return st_col_dup(s, 0, &o->owner) < 0 || o->owner == NULL ? -ENOMEM : 0;
}

static void
owner_clear(void *elem)
{
	free(((struct store_owner_jobs *)elem)->owner);
}

static const struct st_list_kind owner_kind = {
	.elem = sizeof(struct store_owner_jobs),
	.read = owner_read,
	.clear = owner_clear,
};

int
store_queue_by_owner(struct store *st, struct store_owner_jobs **out, size_t *n)
{
	void *list;
	int r;

	r = st_collect(st, st->stmt[STMT_STATS_QUEUE], &owner_kind, NULL, &list, n, __func__);
	*out = list;
	return r;
}

void
store_owner_jobs_free(struct store_owner_jobs *list, size_t n)
{
	st_list_free(&owner_kind, list, n);
}

int
store_write_check(struct store *st)
{
	int r;

	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	r = st_run(st, STMT_HEALTH_WRITE, __func__);
	return st_tx_end(st, r, __func__);
}
