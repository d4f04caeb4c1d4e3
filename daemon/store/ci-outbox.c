/*
 * ci-outbox.c -- the SQL of commit statuses: a CI job's ci_jobs row, and
 * the outbox of status updates and callbacks (schema/011-ci.sql).
 *
 * The outbox is sent in order per (project, commit): the row that may go
 * next for a commit is its oldest waiting one, its "head", and the sender
 * asks only for heads (store_ci_outbox_heads()), so a later status is
 * never sent while an earlier one of the same commit still waits.  The
 * index ci_outbox_pending (done_ms, project, commit_sha, id) finds each
 * head.  Rows are never deleted: they are what `pkvmctl ci deliveries`
 * and GET /v1/jobs/ID/statuses show.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/ci-outbox.h"
#include "store/private.h"

/* The columns read_row() reads, in its order. */
#define OUTBOX_COLS \
	"id, job_id, project, commit_sha, kind, state, description, target_url, created_ms, " \
	"next_ms, attempts, done_ms, outcome, http_status, last_error"

/* A status a job's life ends with: not one of the two on the way. */
#define FINAL_ROW "(o.kind = 'callback' OR o.state NOT IN ('pending', 'running'))"

const struct stmt_def st_ci_outbox_stmts[] = {
	{ .id = STMT_CI_JOB_ROW,
	    .sql = "SELECT job_id, project, ref, commit_sha, callback_url, superseded_by"
		   " FROM ci_jobs WHERE job_id = ?1" },
	{ .id = STMT_CI_OUTBOX_ADD,
	    .sql =
		"INSERT INTO ci_outbox (job_id, project, commit_sha, kind, state, description,"
		" target_url, created_ms, next_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)" },
	{ .id = STMT_CI_OUTBOX_HEADS,
	    .sql = "SELECT " OUTBOX_COLS " FROM ci_outbox o WHERE done_ms = 0 AND id ="
		   " (SELECT min(p.id) FROM ci_outbox p WHERE p.done_ms = 0"
		   "  AND p.project = o.project AND p.commit_sha = o.commit_sha)"
		   " ORDER BY next_ms, id" },
	{ .id = STMT_CI_OUTBOX_RETRY,
	    .sql = "UPDATE ci_outbox SET attempts = ?2, next_ms = ?3, http_status = ?4,"
		   " last_error = ?5 WHERE id = ?1 AND done_ms = 0" },
	{ .id = STMT_CI_OUTBOX_DONE,
	    .sql = "UPDATE ci_outbox SET outcome = ?2, attempts = ?3, done_ms = ?4,"
		   " http_status = ?5, last_error = ?6 WHERE id = ?1 AND done_ms = 0" },
	{ .id = STMT_CI_OUTBOX_JOB,
	    .sql = "SELECT " OUTBOX_COLS " FROM ci_outbox WHERE job_id = ?1 ORDER BY id" },
	{ .id = STMT_CI_OUTBOX_PROJECT,
	    .sql = "SELECT " OUTBOX_COLS " FROM ci_outbox WHERE project = ?1"
		   " ORDER BY id DESC LIMIT ?2" },
	/* The scheduler's order before fair share: priority, then age. */
	{ .id = STMT_CI_QUEUE_POSITION,
	    .sql = "SELECT j.state, (SELECT count(*) FROM jobs q WHERE q.state = 'queued' AND"
		   " (q.priority > j.priority OR (q.priority = j.priority AND q.id <= j.id)))"
		   " FROM jobs j WHERE j.id = ?1" },
	{ .id = STMT_CI_JOBS_UNREPORTED,
	    .sql = "SELECT c.job_id FROM ci_jobs c JOIN jobs j ON j.id = c.job_id WHERE"
		   " (j.state = 'queued' AND NOT EXISTS (SELECT 1 FROM ci_outbox o"
		   "  WHERE o.job_id = c.job_id))"
		   " OR (j.state = 'done' AND NOT EXISTS (SELECT 1 FROM ci_outbox o"
		   "  WHERE o.job_id = c.job_id AND " FINAL_ROW "))"
		   " ORDER BY c.job_id" },
};
const size_t st_ci_outbox_nstmts = NELEM(st_ci_outbox_stmts);

static const char *const kind_names[] = {
	[CI_OUTBOX_STATUS] = "status",
	[CI_OUTBOX_CALLBACK] = "callback",
};
static const struct st_names kinds = {
	.names = kind_names,
	.n = NELEM(kind_names),
	.what = "outbox kind",
};

/* NULL in the column stands for "waiting". */
static const char *const outcome_names[] = {
	[CI_OUTBOX_WAITING] = "waiting",
	[CI_OUTBOX_SENT] = "sent",
	[CI_OUTBOX_REJECTED] = "rejected",
	[CI_OUTBOX_GAVE_UP] = "gave-up",
};
static const struct st_names outcomes = {
	.names = outcome_names,
	.n = NELEM(outcome_names),
	.what = "outbox outcome",
};

const char *
ci_outbox_kind_name(enum ci_outbox_kind k)
{
	const char *s = st_name_of(&kinds, (int)k);

	return s != NULL ? s : "?";
}

const char *
ci_outbox_outcome_name(enum ci_outbox_outcome o)
{
	const char *s = st_name_of(&outcomes, (int)o);

	return s != NULL ? s : "?";
}

/* ---- ci_jobs ------------------------------------------------------------- */

void
store_ci_job_row_clear(struct ci_job_row *r)
{
	free(r->project);
	free(r->ref);
	free(r->commit_sha);
	free(r->callback_url);
	free(r->superseded_by);
	memset(r, 0, sizeof(*r));
}

int
store_ci_job_row(struct store *st, int64_t job_id, struct ci_job_row *out)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_JOB_ROW];
	int r;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(s, 1, job_id);
	if ((r = st_step_row(st, s, __func__)) < 0) {
		st_stmt_done(s);
		return r;
	}
	out->job_id = sqlite3_column_int64(s, 0);
	if ((r = st_col_dup(s, 1, &out->project)) < 0 || (r = st_col_dup(s, 2, &out->ref)) < 0 ||
	    (r = st_col_dup(s, 3, &out->commit_sha)) < 0 ||
	    (r = st_col_dup(s, 4, &out->callback_url)) < 0 ||
	    (r = st_col_dup(s, 5, &out->superseded_by)) < 0)
		store_ci_job_row_clear(out);
	st_stmt_done(s);
	return r;
}

/* ---- the outbox ------------------------------------------------------------ */

static int
read_row(sqlite3_stmt *s, void *elem, void *arg)
{
	struct ci_outbox_row *o = elem;
	struct st_row_ctx ctx = { .job_id = sqlite3_column_int64(s, 1), .fn = arg };
	int r;

	o->id = sqlite3_column_int64(s, 0);
	o->job_id = ctx.job_id;
	if ((r = st_col_dup(s, 2, &o->project)) < 0 || (r = st_col_dup(s, 3, &o->commit_sha)) < 0 ||
	    (r = st_col_dup(s, 5, &o->state)) < 0 || (r = st_col_dup(s, 6, &o->description)) < 0 ||
	    (r = st_col_dup(s, 7, &o->target_url)) < 0 ||
	    (r = st_col_dup(s, 14, &o->last_error)) < 0)
		return r;
	if ((r = st_col_name(s, 4, &kinds, &ctx)) < 0)
		return r;
	o->kind = (enum ci_outbox_kind)r;
	o->created_ms = sqlite3_column_int64(s, 8);
	o->next_ms = sqlite3_column_int64(s, 9);
	o->attempts = sqlite3_column_int(s, 10);
	o->done_ms = sqlite3_column_int64(s, 11);
	o->outcome = CI_OUTBOX_WAITING;
	if (sqlite3_column_type(s, 12) != SQLITE_NULL) {
		if ((r = st_col_name(s, 12, &outcomes, &ctx)) < 0)
			return r;
		o->outcome = (enum ci_outbox_outcome)r;
	}
	o->http_status = sqlite3_column_int(s, 13);
	return 0;
}

static void
clear_row(void *elem)
{
	struct ci_outbox_row *o = elem;

	free(o->project);
	free(o->commit_sha);
	free(o->state);
	free(o->description);
	free(o->target_url);
	free(o->last_error);
}

static const struct st_list_kind row_kind = {
	.elem = sizeof(struct ci_outbox_row),
	.read = read_row,
	.clear = clear_row,
};

void
store_ci_outbox_list_free(struct ci_outbox_row *rows, size_t n)
{
	st_list_free(&row_kind, rows, n);
}

int
store_ci_outbox_add(struct store *st, struct ci_outbox_row *o)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_OUTBOX_ADD];
	int r;

	sqlite3_bind_int64(s, 1, o->job_id);
	st_bind_text(s, 2, o->project);
	st_bind_text(s, 3, o->commit_sha);
	st_bind_text(s, 4, st_name_of(&kinds, (int)o->kind));
	st_bind_text(s, 5, o->state);
	st_bind_text(s, 6, o->description != NULL ? o->description : "");
	st_bind_text(s, 7, o->target_url);
	sqlite3_bind_int64(s, 8, o->created_ms);
	if ((r = st_step_changes(st, s, __func__)) < 0)
		return r;
	o->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_ci_outbox_heads(struct store *st, struct ci_outbox_row **out, size_t *n)
{
	return st_collect(st, st->stmt[STMT_CI_OUTBOX_HEADS], &row_kind, (void *)__func__,
	    (void **)out, n, __func__);
}

/* Bind an HTTP status, NULL when none came. */
static void
bind_status(sqlite3_stmt *s, int i, int http_status)
{
	if (http_status > 0)
		sqlite3_bind_int(s, i, http_status);
	else
		sqlite3_bind_null(s, i);
}

int
store_ci_outbox_retry(struct store *st, int64_t id, int attempts, int64_t next_ms, int http_status,
    const char *error)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_OUTBOX_RETRY];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, attempts);
	sqlite3_bind_int64(s, 3, next_ms);
	bind_status(s, 4, http_status);
	st_bind_text(s, 5, error);
	return st_step_one(st, s, __func__);
}

int
store_ci_outbox_done(struct store *st, int64_t id, enum ci_outbox_outcome outcome, int attempts,
    int64_t now_ms, int http_status, const char *error)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_OUTBOX_DONE];

	if (outcome == CI_OUTBOX_WAITING || st_name_of(&outcomes, (int)outcome) == NULL)
		return -EINVAL;
	sqlite3_bind_int64(s, 1, id);
	st_bind_text(s, 2, st_name_of(&outcomes, (int)outcome));
	sqlite3_bind_int(s, 3, attempts);
	/* done_ms 0 means waiting: a clock at the epoch must not look so. */
	sqlite3_bind_int64(s, 4, now_ms > 0 ? now_ms : 1);
	bind_status(s, 5, http_status);
	st_bind_text(s, 6, error);
	return st_step_one(st, s, __func__);
}

int
store_ci_outbox_list_job(struct store *st, int64_t job_id, struct ci_outbox_row **out, size_t *n)
{
	return st_collect_job(st, STMT_CI_OUTBOX_JOB, job_id, &row_kind, (void *)__func__,
	    (void **)out, n, __func__);
}

int
store_ci_outbox_list_project(struct store *st, const char *project, int limit,
    struct ci_outbox_row **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_OUTBOX_PROJECT];

	st_bind_text(s, 1, project);
	st_bind_limit(s, 2, limit);
	return st_collect(st, s, &row_kind, (void *)__func__, (void **)out, n, __func__);
}

/* ---- the queue, and a restart --------------------------------------------- */

int
store_ci_queue_position(struct store *st, int64_t job_id, int64_t *pos)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_QUEUE_POSITION];
	const unsigned char *state;
	int r;

	sqlite3_bind_int64(s, 1, job_id);
	if ((r = st_step_row(st, s, __func__)) < 0) {
		st_stmt_done(s);
		return r;
	}
	state = sqlite3_column_text(s, 0);
	if (state == NULL || strcmp((const char *)state, "queued") != 0)
		r = -ESTALE;
	else
		*pos = sqlite3_column_int64(s, 1);
	st_stmt_done(s);
	return r;
}

static int
read_id(sqlite3_stmt *s, void *elem, void *arg)
{
	(void)arg;
	*(int64_t *)elem = sqlite3_column_int64(s, 0);
	return 0;
}

static const struct st_list_kind id_kind = {
	.elem = sizeof(int64_t),
	.read = read_id,
};

int
store_ci_jobs_unreported(struct store *st, int64_t **ids, size_t *n)
{
	return st_collect(st, st->stmt[STMT_CI_JOBS_UNREPORTED], &id_kind, NULL, (void **)ids, n,
	    __func__);
}
