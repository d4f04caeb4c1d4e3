/*
 * reports.c -- what a job's run left besides test verdicts: crash
 * reports, artifacts and coverage.
 *
 * All three belong to one attempt of the job, like its tests: the lists
 * show the current attempt's, and store_job_start() clears what a lost
 * start left for the attempt (jobs.c).  Earlier attempts' crash
 * reports stay, so store_crash_groups() (crash-groups.c) still counts
 * what an interrupted run saw.
 *
 * Coverage.  An attempt has at most one coverage row: its status, message
 * and totals; the per-file rows hang off it (ON DELETE CASCADE), so
 * whatever removes the row removes its files.  Only an "ok" row has
 * numbers: setting any other status zeroes the totals and drops the files,
 * and store_coverage_put() replaces totals and files in one transaction,
 * so a reader never sees the numbers of two captures mixed.  A job without
 * a row for its current attempt reads as disabled, pending or none (the
 * rule is in store.h, at store_coverage_get()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/private.h"

/* The six numbers of a coverage or coverage_files row, in struct order. */
#define COV_COUNTS "lines_hit, lines_total, fn_hit, fn_total, br_hit, br_total"

const struct stmt_def st_report_stmts[] = {
	/* A report keeps its job's kernel: crash-groups.c groups by it. */
	{ .id = STMT_CRASH_ADD,
	    .sql = "INSERT INTO crashes (job_id, attempt, kernel, test, kind, title, fatal,"
		   " report, first_line, last_line, time_ms)"
		   " SELECT id, attempt, kernel, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9"
		   " FROM jobs WHERE id = ?1" },
	{ .id = STMT_CRASH_LIST,
	    .sql = "SELECT c.id, c.test, c.kind, c.title, c.fatal, c.report,"
		   " c.first_line, c.last_line, c.time_ms,"
		   " c.symbols, c.symbols_message, c.symbolized, j.state FROM crashes c"
		   " JOIN jobs j ON c.job_id = j.id AND c.attempt = j.attempt"
		   " WHERE j.id = ?1 ORDER BY c.first_line, c.id" },
	/* A second report of a file keeps its place in the arrival order. */
	{ .id = STMT_ARTIFACT_ADD,
	    .sql = "INSERT INTO artifacts (job_id, attempt, test, path, size, sha256, status)"
		   " SELECT id, attempt, ?2, ?3, ?4, ?5, ?6 FROM jobs WHERE id = ?1"
		   " ON CONFLICT (job_id, attempt, test, path) DO UPDATE SET"
		   " size = excluded.size, sha256 = excluded.sha256, status = excluded.status" },
	{ .id = STMT_ARTIFACT_LIST,
	    .sql = "SELECT a.test, a.path, a.size, a.sha256, a.status FROM artifacts a"
		   " JOIN jobs j ON a.job_id = j.id AND a.attempt = j.attempt"
		   " WHERE j.id = ?1 ORDER BY a.id" },

	/* Only "ok" keeps numbers (store_coverage_set_status()). */
	{ .id = STMT_COVERAGE_STATUS,
	    .sql = "INSERT INTO coverage (job_id, attempt, status, message)"
		   " SELECT id, attempt, ?2, ?3 FROM jobs WHERE id = ?1"
		   " ON CONFLICT (job_id, attempt) DO UPDATE SET"
		   " status = excluded.status, message = excluded.message,"
		   " lines_hit = iif(excluded.status = 'ok', lines_hit, 0),"
		   " lines_total = iif(excluded.status = 'ok', lines_total, 0),"
		   " fn_hit = iif(excluded.status = 'ok', fn_hit, 0),"
		   " fn_total = iif(excluded.status = 'ok', fn_total, 0),"
		   " br_hit = iif(excluded.status = 'ok', br_hit, 0),"
		   " br_total = iif(excluded.status = 'ok', br_total, 0)" },
	{ .id = STMT_COVERAGE_PUT,
	    .sql = "INSERT INTO coverage (job_id, attempt, status, message, " COV_COUNTS ")"
		   " SELECT id, attempt, 'ok', NULL, ?2, ?3, ?4, ?5, ?6, ?7 FROM jobs WHERE id = ?1"
		   " ON CONFLICT (job_id, attempt) DO UPDATE SET status = 'ok', message = NULL,"
		   " lines_hit = excluded.lines_hit, lines_total = excluded.lines_total,"
		   " fn_hit = excluded.fn_hit, fn_total = excluded.fn_total,"
		   " br_hit = excluded.br_hit, br_total = excluded.br_total" },
	{ .id = STMT_COVERAGE_FILES_CLEAR,
	    .sql = "DELETE FROM coverage_files WHERE job_id = ?1"
		   " AND attempt = (SELECT attempt FROM jobs WHERE id = ?1)" },
	{ .id = STMT_COVERAGE_FILE_INSERT,
	    .sql = "INSERT INTO coverage_files (job_id, attempt, file, " COV_COUNTS ")"
		   " SELECT id, attempt, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM jobs WHERE id = ?1" },
	/* One row whether or not the attempt has coverage: c.status is NULL
	 * when it has none, and the job's flag and state decide. */
	{ .id = STMT_COVERAGE_GET,
	    .sql = "SELECT j.coverage, j.state, c.status, c.message, c.lines_hit, c.lines_total,"
		   " c.fn_hit, c.fn_total, c.br_hit, c.br_total FROM jobs j"
		   " LEFT JOIN coverage c ON c.job_id = j.id AND c.attempt = j.attempt"
		   " WHERE j.id = ?1" },
	/* The table's key walks one attempt's files in file order. */
	{ .id = STMT_COVERAGE_FILES_GET,
	    .sql = "SELECT f.file, f.lines_hit, f.lines_total, f.fn_hit, f.fn_total, f.br_hit,"
		   " f.br_total FROM coverage_files f"
		   " JOIN jobs j ON f.job_id = j.id AND f.attempt = j.attempt"
		   " WHERE j.id = ?1 ORDER BY f.file" },
	/* Ordering by t.job_id walks job_tags_tag backwards, already sorted. */
	{ .id = STMT_COVERAGE_TAG,
	    .sql = "SELECT j.id FROM job_tags t JOIN jobs j ON j.id = t.job_id"
		   " JOIN coverage c ON c.job_id = j.id AND c.attempt = j.attempt"
		   " WHERE t.tag = ?1 AND c.status = 'ok' ORDER BY t.job_id DESC LIMIT ?2" },
};
const size_t st_report_nstmts = NELEM(st_report_stmts);

/* --- crash reports ------------------------------------------------------------ */

int
store_crash_add(struct store *st, const struct crash_record *c)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_ADD];

	if (c->kind == NULL || c->title == NULL)
		return -EINVAL;
	sqlite3_bind_int64(s, 1, c->job_id);
	st_bind_text(s, 2, c->test);
	st_bind_text(s, 3, c->kind);
	st_bind_text(s, 4, c->title);
	sqlite3_bind_int(s, 5, c->fatal);
	st_bind_text(s, 6, c->report ? c->report : "");
	sqlite3_bind_int64(s, 7, (int64_t)c->first_line);
	sqlite3_bind_int64(s, 8, (int64_t)c->last_line);
	sqlite3_bind_int64(s, 9, c->time_ms);
	/* One statement is its own transaction. */
	return st_step_one(st, s, __func__);
}

static int
read_crash(sqlite3_stmt *s, void *elem, void *arg)
{
	const struct st_row_ctx *ctx = arg;
	struct crash_record *c = elem;
	int r;

	c->id = sqlite3_column_int64(s, 0);
	c->job_id = ctx->job_id;
	c->fatal = sqlite3_column_int(s, 4) != 0;
	c->first_line = (uint64_t)sqlite3_column_int64(s, 6);
	c->last_line = (uint64_t)sqlite3_column_int64(s, 7);
	c->time_ms = sqlite3_column_int64(s, 8);
	if ((r = st_col_dup(s, 1, &c->test)) < 0 || (r = st_col_dup(s, 2, &c->kind)) < 0 ||
	    (r = st_col_dup(s, 3, &c->title)) < 0 || (r = st_col_dup(s, 5, &c->report)) < 0 ||
	    (r = st_col_dup(s, 10, &c->symbols_message)) < 0 ||
	    (r = st_col_dup(s, 11, &c->symbolized)) < 0)
		return r;
	if ((r = st_crash_symbols_read(s, 9, 12, ctx)) < 0)
		return r;
	c->symbols = (enum crash_symbols)r;
	return 0;
}

static void
clear_crash(void *elem)
{
	struct crash_record *c = elem;

	free(c->test);
	free(c->kind);
	free(c->title);
	free(c->report);
	free(c->symbols_message);
	free(c->symbolized);
}

static const struct st_list_kind crash_kind = {
	.elem = sizeof(struct crash_record),
	.read = read_crash,
	.clear = clear_crash,
};

int
store_crash_list(struct store *st, int64_t job_id, struct crash_record **out, size_t *n)
{
	struct st_row_ctx ctx = { job_id, __func__ };
	void *list;
	int r = st_collect_job(st, STMT_CRASH_LIST, job_id, &crash_kind, &ctx, &list, n, __func__);

	*out = list;
	return r;
}

void
store_crash_list_free(struct crash_record *c, size_t n)
{
	st_list_free(&crash_kind, c, n);
}

/* --- artifacts ------------------------------------------------------------------ */

static const char *const artifact_status_names[] = {
	[ARTIFACT_OK] = "ok",
	[ARTIFACT_CORRUPT] = "corrupt",
	[ARTIFACT_INCOMPLETE] = "incomplete",
};
static const struct st_names artifact_statuses = {
	.names = artifact_status_names,
	.n = NELEM(artifact_status_names),
	.what = "artifact status",
};

const char *
artifact_status_name(enum artifact_status s)
{
	return st_name_of(&artifact_statuses, s);
}

int
store_artifact_add(struct store *st, const struct artifact_record *a)
{
	sqlite3_stmt *s = st->stmt[STMT_ARTIFACT_ADD];
	const char *status = artifact_status_name(a->status);

	if (status == NULL || a->test == NULL || a->path == NULL)
		return -EINVAL;
	sqlite3_bind_int64(s, 1, a->job_id);
	st_bind_text(s, 2, a->test);
	st_bind_text(s, 3, a->path);
	sqlite3_bind_int64(s, 4, (int64_t)a->size);
	st_bind_text(s, 5, a->sha256);
	st_bind_text(s, 6, status);
	return st_step_one(st, s, __func__);
}

static int
read_artifact(sqlite3_stmt *s, void *elem, void *arg)
{
	const struct st_row_ctx *ctx = arg;
	struct artifact_record *a = elem;
	int r;

	a->job_id = ctx->job_id;
	a->size = (uint64_t)sqlite3_column_int64(s, 2);
	st_col_copy(s, 3, a->sha256, sizeof(a->sha256));
	if ((r = st_col_dup(s, 0, &a->test)) < 0 || (r = st_col_dup(s, 1, &a->path)) < 0 ||
	    (r = st_col_name(s, 4, &artifact_statuses, ctx)) < 0)
		return r;
	a->status = (enum artifact_status)r;
	return 0;
}

static void
clear_artifact(void *elem)
{
	struct artifact_record *a = elem;

	free(a->test);
	free(a->path);
}

static const struct st_list_kind artifact_kind = {
	.elem = sizeof(struct artifact_record),
	.read = read_artifact,
	.clear = clear_artifact,
};

int
store_artifact_list(struct store *st, int64_t job_id, struct artifact_record **out, size_t *n)
{
	struct st_row_ctx ctx = { job_id, __func__ };
	void *list;
	int r = st_collect_job(st, STMT_ARTIFACT_LIST, job_id, &artifact_kind, &ctx, &list, n,
	    __func__);

	*out = list;
	return r;
}

void
store_artifact_list_free(struct artifact_record *a, size_t n)
{
	st_list_free(&artifact_kind, a, n);
}

/* --- coverage ---------------------------------------------------------------- */

static const char *const coverage_status_names[] = {
	[COV_DISABLED] = "disabled",
	[COV_NONE] = "none",
	[COV_PENDING] = "pending",
	[COV_RUNNING] = "running",
	[COV_OK] = "ok",
	[COV_ERROR] = "error",
};
static const struct st_names coverage_statuses = {
	.names = coverage_status_names,
	.n = NELEM(coverage_status_names),
	.what = "coverage status",
};

const char *
coverage_status_name(enum coverage_status s)
{
	return st_name_of(&coverage_statuses, s);
}

int
store_coverage_set_status(struct store *st, int64_t id, enum coverage_status status,
    const char *message)
{
	sqlite3_stmt *s = st->stmt[STMT_COVERAGE_STATUS];
	const char *name = coverage_status_name(status);
	int r;

	if (name == NULL)
		return -EINVAL;
	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	st_bind_text(s, 2, name);
	st_bind_text(s, 3, message);
	if ((r = st_step_one(st, s, __func__)) == 0 && status != COV_OK)
		r = st_run_key(st, STMT_COVERAGE_FILES_CLEAR, id, __func__);
	return st_tx_end(st, r, __func__);
}

/* Bind the six numbers of ROW to the parameters FIRST.. of S; -EINVAL,
 * with S's other bindings cleared, for a negative one. */
static int
bind_counts(sqlite3_stmt *s, int first, const struct coverage_row *row)
{
	const struct cov_counts *c[] = { &row->lines, &row->functions, &row->branches };

	for (size_t i = 0; i < NELEM(c); i++) {
		if (c[i]->hit < 0 || c[i]->total < 0) {
			st_stmt_done(s);
			return -EINVAL;
		}
		sqlite3_bind_int64(s, first + 2 * (int)i, c[i]->hit);
		sqlite3_bind_int64(s, first + 2 * (int)i + 1, c[i]->total);
	}
	return 0;
}

/* Read the six numbers of ROW from the columns FIRST.. of S. */
static void
col_counts(sqlite3_stmt *s, int first, struct coverage_row *row)
{
	struct cov_counts *c[] = { &row->lines, &row->functions, &row->branches };

	for (size_t i = 0; i < NELEM(c); i++) {
		c[i]->hit = sqlite3_column_int64(s, first + 2 * (int)i);
		c[i]->total = sqlite3_column_int64(s, first + 2 * (int)i + 1);
	}
}

/* Insert ROWS, N per-file rows of job ID's current attempt. */
static int
coverage_files_put(struct store *st, int64_t id, const struct coverage_row *rows, size_t n,
    const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_COVERAGE_FILE_INSERT];
	int r;

	for (size_t i = 0; i < n; i++) {
		if (rows[i].file == NULL)
			return -EINVAL;
		sqlite3_bind_int64(s, 1, id);
		st_bind_text(s, 2, rows[i].file);
		if ((r = bind_counts(s, 3, &rows[i])) < 0 || (r = st_step_changes(st, s, fn)) < 0)
			return r;
	}
	return 0;
}

int
store_coverage_put(struct store *st, int64_t id, const struct coverage_row *total,
    const struct coverage_row *rows, size_t n)
{
	sqlite3_stmt *s = st->stmt[STMT_COVERAGE_PUT];
	int r;

	if (total == NULL || (rows == NULL && n > 0))
		return -EINVAL;
	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if ((r = bind_counts(s, 2, total)) == 0 && (r = st_step_one(st, s, __func__)) == 0 &&
	    (r = st_run_key(st, STMT_COVERAGE_FILES_CLEAR, id, __func__)) == 0)
		r = coverage_files_put(st, id, rows, n, __func__);
	return st_tx_end(st, r, __func__);
}

static int
read_coverage_row(sqlite3_stmt *s, void *elem, void *arg)
{
	struct coverage_row *row = elem;

	(void)arg;
	col_counts(s, 1, row);
	return st_col_dup(s, 0, &row->file);
}

static void
clear_coverage_row(void *elem)
{
	free(((struct coverage_row *)elem)->file);
}

static const struct st_list_kind coverage_row_kind = {
	.elem = sizeof(struct coverage_row),
	.read = read_coverage_row,
	.clear = clear_coverage_row,
};

/* The per-file rows of job ID's current attempt, by file, into *OUT, *N. */
static int
coverage_files_get(struct store *st, int64_t id, struct coverage_row **out, size_t *n,
    const char *fn)
{
	void *list;
	int r = st_collect_key(st, STMT_COVERAGE_FILES_GET, id, &coverage_row_kind, NULL, &list, n,
	    fn);

	*out = list;
	return r;
}

/* Read the STMT_COVERAGE_GET row of S: the status into *GOT and, when it
 * is from the attempt's coverage row, the message and totals into *MSG
 * and *SUM. */
static int
read_coverage(sqlite3_stmt *s, enum coverage_status *got, char **msg, struct coverage_row *sum,
    const struct st_row_ctx *ctx)
{
	enum job_state state;
	const char *text;
	int r;

	if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
		/* The attempt's row says it all. */
		if ((r = st_col_name(s, 2, &coverage_statuses, ctx)) < 0)
			return r;
		*got = (enum coverage_status)r;
		col_counts(s, 4, sum);
		return st_col_dup(s, 3, msg);
	}
	/* No row: nothing was asked for, or nothing has come yet. */
	text = (const char *)sqlite3_column_text(s, 1);
	if (text == NULL || job_state_parse(text, &state) < 0)
		return st_col_bad(s, 1, "state", ctx);
	if (sqlite3_column_int(s, 0) == 0)
		*got = COV_DISABLED;
	else
		*got = state == JOB_DONE ? COV_NONE : COV_PENDING;
	return 0;
}

int
store_coverage_get(struct store *st, int64_t id, enum coverage_status *status, char **message,
    struct coverage_row *total, struct coverage_row **rows, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_COVERAGE_GET];
	struct st_row_ctx ctx = { id, __func__ };
	struct coverage_row sum = { 0 };
	enum coverage_status got = COV_NONE;
	char *msg = NULL;
	int r;

	if (message != NULL)
		*message = NULL;
	if (total != NULL)
		memset(total, 0, sizeof(*total));
	if (rows != NULL) {
		*rows = NULL;
		*n = 0;
	}
	sqlite3_bind_int64(s, 1, id);
	if ((r = st_step_row(st, s, __func__)) == 0)
		r = read_coverage(s, &got, &msg, &sum, &ctx);
	st_stmt_done(s);
	/* Only an ok row has files; the list runs once the row is reset. */
	if (r == 0 && got == COV_OK && rows != NULL)
		r = coverage_files_get(st, id, rows, n, __func__);
	if (r < 0) {
		free(msg);
		return r;
	}
	if (status != NULL)
		*status = got;
	if (message != NULL)
		*message = msg;
	else
		free(msg);
	if (total != NULL)
		*total = sum;
	return 0;
}

void
store_coverage_rows_free(struct coverage_row *rows, size_t n)
{
	st_list_free(&coverage_row_kind, rows, n);
}

static int
read_job_id(sqlite3_stmt *s, void *elem, void *arg)
{
	(void)arg;
	*(int64_t *)elem = sqlite3_column_int64(s, 0);
	return 0;
}

static const struct st_list_kind job_id_kind = {
	.elem = sizeof(int64_t),
	.read = read_job_id,
	.clear = NULL,
};

int
store_coverage_jobs_with_tag(struct store *st, const char *tag, int limit, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_COVERAGE_TAG];
	void *list;
	int r;

	*ids = NULL;
	*n = 0;
	if (tag == NULL)
		return -EINVAL;
	st_bind_text(s, 1, tag);
	st_bind_limit(s, 2, limit);
	r = st_collect(st, s, &job_id_kind, NULL, &list, n, __func__);
	*ids = list;
	return r;
}
