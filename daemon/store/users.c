/*
 * users.c -- the SQL of sharing the machine: users' usage and quotas, and
 * the brief view of the queue the scheduler reads.
 *
 * A user has a row once they have run something, uploaded a blob or been
 * given a quota (schema/009-quotas.sql); every write is an upsert, so no
 * caller creates rows first.  What the numbers mean (the decay, the
 * defaults) is the scheduler's and run/share.c's business: the store only
 * keeps them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

#define USER_COLS \
	"name, usage_slot_ms, usage_at_ms, quota_running_slots, quota_queued_jobs," \
	" quota_blob_bytes_per_day, blob_day, blob_bytes"

const struct stmt_def st_user_stmts[] = {
	/* Only what the scheduler needs: no child rows, no text but the
	 * owner (runner_kick() runs on every submit and every finish). */
	{ .id = STMT_JOBS_ACTIVE,
	    .sql = "SELECT id, owner, state, smp, priority, started_ms FROM jobs"
		   " WHERE state IN ('queued', 'running') ORDER BY priority DESC, id" },
	{ .id = STMT_USERS_LIST, .sql = "SELECT " USER_COLS " FROM users ORDER BY name" },
	{ .id = STMT_USER_GET, .sql = "SELECT " USER_COLS " FROM users WHERE name = ?1" },
	{ .id = STMT_USER_USAGE_PUT,
	    .sql = "INSERT INTO users (name, usage_slot_ms, usage_at_ms) VALUES (?1, ?2, ?3)"
		   " ON CONFLICT (name) DO UPDATE SET usage_slot_ms = ?2, usage_at_ms = ?3" },
	{ .id = STMT_USER_QUOTA_PUT,
	    .sql = "INSERT INTO users (name, quota_running_slots, quota_queued_jobs,"
		   " quota_blob_bytes_per_day) VALUES (?1, ?2, ?3, ?4)"
		   " ON CONFLICT (name) DO UPDATE SET quota_running_slots = ?2,"
		   " quota_queued_jobs = ?3, quota_blob_bytes_per_day = ?4" },
	{ .id = STMT_USER_BLOB_ADD,
	    .sql = "INSERT INTO users (name, blob_day, blob_bytes) VALUES (?1, ?2, ?3)"
		   " ON CONFLICT (name) DO UPDATE SET"
		   " blob_bytes = CASE WHEN blob_day = ?2 THEN blob_bytes + ?3 ELSE ?3 END,"
		   " blob_day = ?2" },
};
const size_t st_user_nstmts = NELEM(st_user_stmts);

/* --- the scheduler's view ------------------------------------------------- */

static int
read_brief(sqlite3_stmt *s, void *elem, void *arg)
{
	struct job_brief *b = elem;
	const char *state = (const char *)sqlite3_column_text(s, 2);
	struct st_row_ctx ctx = { .job_id = sqlite3_column_int64(s, 0), .fn = arg };

	b->id = ctx.job_id;
	if (state == NULL || job_state_parse(state, &b->state) < 0)
		return st_col_bad(s, 2, "state", &ctx);
	b->smp = sqlite3_column_int(s, 3);
	b->priority = sqlite3_column_int(s, 4);
	b->started_ms = sqlite3_column_int64(s, 5);
	return st_col_dup(s, 1, &b->owner);
}

static void
clear_brief(void *elem)
{
	free(((struct job_brief *)elem)->owner);
}

static const struct st_list_kind brief_kind = {
	.elem = sizeof(struct job_brief),
	.read = read_brief,
	.clear = clear_brief,
};

int
store_jobs_active(struct store *st, struct job_brief **out, size_t *n)
{
	return st_collect(st, st->stmt[STMT_JOBS_ACTIVE], &brief_kind, (void *)__func__,
	    (void **)out, n, __func__);
}

void
store_jobs_active_free(struct job_brief *jobs, size_t n)
{
	st_list_free(&brief_kind, jobs, n);
}

/* --- users ------------------------------------------------------------------- */

/* A NULL quota column is -1: the daemon's default. */
static int64_t
col_quota(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

/* Everything but the name from the current row of S (USER_COLS). */
static void
read_numbers(sqlite3_stmt *s, struct store_user *u)
{
	u->usage_slot_ms = sqlite3_column_double(s, 1);
	u->usage_at_ms = sqlite3_column_int64(s, 2);
	u->quota_running_slots = col_quota(s, 3);
	u->quota_queued_jobs = col_quota(s, 4);
	u->quota_blob_bytes_per_day = col_quota(s, 5);
	u->blob_day = sqlite3_column_int64(s, 6);
	u->blob_bytes = sqlite3_column_int64(s, 7);
}

static int
read_user(sqlite3_stmt *s, void *elem, void *arg)
{
	struct store_user *u = elem;

	(void)arg;
	read_numbers(s, u);
	return st_col_dup(s, 0, &u->name);
}

static void
clear_user(void *elem)
{
	free(((struct store_user *)elem)->name);
}

static const struct st_list_kind user_kind = {
	.elem = sizeof(struct store_user),
	.read = read_user,
	.clear = clear_user,
};

int
store_users_list(struct store *st, struct store_user **out, size_t *n)
{
	return st_collect(st, st->stmt[STMT_USERS_LIST], &user_kind, NULL, (void **)out, n,
	    __func__);
}

void
store_users_free(struct store_user *u, size_t n)
{
	st_list_free(&user_kind, u, n);
}

int
store_user_get(struct store *st, const char *name, struct store_user *out)
{
	sqlite3_stmt *s = st->stmt[STMT_USER_GET];
	int r;

	memset(out, 0, sizeof(*out));
	out->quota_running_slots = out->quota_queued_jobs = out->quota_blob_bytes_per_day = -1;
	st_bind_text(s, 1, name);
	if ((r = st_step_row(st, s, __func__)) == 0)
		read_numbers(s, out);
	st_stmt_done(s);
	out->name = (char *)name;
	return r;
}

int
store_user_usage_put(struct store *st, const char *name, double usage_slot_ms, int64_t at_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_USER_USAGE_PUT];

	st_bind_text(s, 1, name);
	sqlite3_bind_double(s, 2, usage_slot_ms);
	sqlite3_bind_int64(s, 3, at_ms);
	return st_step_one(st, s, __func__);
}

/* Bind quota Q to parameter I: NULL for the default. */
static void
bind_quota(sqlite3_stmt *s, int i, int64_t q)
{
	if (q < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, q);
}

int
store_user_quota_put(struct store *st, const char *name, const struct store_user *q)
{
	sqlite3_stmt *s = st->stmt[STMT_USER_QUOTA_PUT];

	st_bind_text(s, 1, name);
	bind_quota(s, 2, q->quota_running_slots);
	bind_quota(s, 3, q->quota_queued_jobs);
	bind_quota(s, 4, q->quota_blob_bytes_per_day);
	return st_step_one(st, s, __func__);
}

int
store_user_blob_add(struct store *st, const char *name, int64_t day, int64_t bytes)
{
	sqlite3_stmt *s = st->stmt[STMT_USER_BLOB_ADD];

	st_bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, day);
	sqlite3_bind_int64(s, 3, bytes);
	return st_step_one(st, s, __func__);
}
