/*
 * symbols.c -- the store's part of symbolized crash reports
 * (docs/SYMBOLS.md): each report's symbolization status, message and
 * symbolized copy (columns of crashes, read with the report in
 * reports.c), and the vmlinux blobs jobs named, by GNU build id.
 *
 * A report's status is NULL until the symbolizer takes its job; the rule
 * for reading NULL is store.h's, at struct crash_record, and lives here in
 * st_crash_symbols_read() so that it is written once.  Like coverage, the
 * symbolization is of one attempt: the statements touch the current
 * attempt's reports, and a requeued job's old reports that were still
 * pending end as errors (store_crash_symbols_unfinished()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

/* The reports of job ?1's current attempt. */
#define OF_CURRENT_ATTEMPT "job_id = ?1 AND attempt = (SELECT attempt FROM jobs WHERE id = ?1)"

const struct stmt_def st_symbol_stmts[] = {
	{ .id = STMT_CRASH_SYMBOLS_ALL,
	    .sql = "UPDATE crashes SET symbols = ?2, symbols_message = ?3, symbolized = NULL"
		   " WHERE " OF_CURRENT_ATTEMPT },
	{ .id = STMT_CRASH_SYMBOLS_PUT,
	    .sql = "UPDATE crashes SET symbols = ?3, symbols_message = ?4, symbolized = ?5"
		   " WHERE id = ?1 AND job_id = ?2" },
	/* Pending, but of no finished attempt: the job was requeued (or is
	 * gone back to running) since. */
	{ .id = STMT_CRASH_SYMBOLS_STALE,
	    .sql = "UPDATE crashes SET symbols = 'error', symbols_message = ?1"
		   " WHERE symbols = 'pending' AND NOT EXISTS (SELECT 1 FROM jobs j"
		   "  WHERE j.id = crashes.job_id AND j.attempt = crashes.attempt"
		   "  AND j.state = 'done')" },
	{ .id = STMT_CRASH_SYMBOLS_UNFINISHED,
	    .sql =
		"SELECT DISTINCT job_id FROM crashes WHERE symbols = 'pending' ORDER BY job_id" },
	{ .id = STMT_VMLINUX_ADD,
	    .sql = "INSERT INTO vmlinux_builds (build_id, blob, seen_ms) VALUES (?1, ?2, ?3)"
		   " ON CONFLICT (build_id, blob) DO UPDATE SET seen_ms = excluded.seen_ms" },
	{ .id = STMT_VMLINUX_LIST,
	    .sql = "SELECT build_id, blob FROM vmlinux_builds ORDER BY seen_ms DESC, rowid DESC" },
};
const size_t st_symbol_nstmts = NELEM(st_symbol_stmts);

static const char *const crash_symbols_names[] = {
	[SYMBOLS_NONE] = "none",
	[SYMBOLS_PENDING] = "pending",
	[SYMBOLS_OK] = "ok",
	[SYMBOLS_ERROR] = "error",
};
static const struct st_names crash_symbols_statuses = {
	.names = crash_symbols_names,
	.n = NELEM(crash_symbols_names),
	.what = "symbolization status",
};

const char *
crash_symbols_name(enum crash_symbols s)
{
	return st_name_of(&crash_symbols_statuses, s);
}

int
st_crash_symbols_read(sqlite3_stmt *s, int i, int state, const struct st_row_ctx *ctx)
{
	const char *job_state;

	if (sqlite3_column_type(s, i) != SQLITE_NULL)
		return st_col_name(s, i, &crash_symbols_statuses, ctx);
	job_state = (const char *)sqlite3_column_text(s, state);
	return job_state != NULL && strcmp(job_state, "done") == 0 ? SYMBOLS_NONE : SYMBOLS_PENDING;
}

int
store_crash_symbols_set_all(struct store *st, int64_t job_id, enum crash_symbols status,
    const char *message)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_SYMBOLS_ALL];
	const char *name = crash_symbols_name(status);
	int r;

	if (name == NULL)
		return -EINVAL;
	sqlite3_bind_int64(s, 1, job_id);
	st_bind_text(s, 2, name);
	st_bind_text(s, 3, message);
	/* One statement is its own transaction. */
	r = st_step_changes(st, s, __func__);
	return r < 0 ? r : 0;
}

int
store_crash_symbols_put(struct store *st, int64_t job_id, const struct crash_symbols_row *rows,
    size_t n)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_SYMBOLS_PUT];
	int r;

	for (size_t i = 0; i < n; i++)
		if (crash_symbols_name(rows[i].status) == NULL)
			return -EINVAL;
	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		sqlite3_bind_int64(s, 1, rows[i].crash_id);
		sqlite3_bind_int64(s, 2, job_id);
		st_bind_text(s, 3, crash_symbols_name(rows[i].status));
		st_bind_text(s, 4, rows[i].message);
		st_bind_text(s, 5, rows[i].text);
		r = st_step_one(st, s, __func__);
	}
	return st_tx_end(st, r, __func__);
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
	.clear = NULL,
};

int
store_crash_symbols_unfinished(struct store *st, const char *message, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_SYMBOLS_STALE];
	void *list = NULL;
	int r;

	*ids = NULL;
	*n = 0;
	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	st_bind_text(s, 1, message);
	if ((r = st_step_changes(st, s, __func__)) >= 0)
		r = st_collect(st, st->stmt[STMT_CRASH_SYMBOLS_UNFINISHED], &id_kind, NULL, &list,
		    n, __func__);
	if ((r = st_tx_end(st, r, __func__)) < 0) {
		st_list_free(&id_kind, list, *n);
		*n = 0;
		return r;
	}
	*ids = list;
	return 0;
}

int
store_vmlinux_add(struct store *st, const char *build_id, const char *blob, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_VMLINUX_ADD];

	if (build_id == NULL || blob == NULL)
		return -EINVAL;
	st_bind_text(s, 1, build_id);
	st_bind_text(s, 2, blob);
	sqlite3_bind_int64(s, 3, now_ms);
	return st_step_one(st, s, __func__);
}

static int
read_vmlinux(sqlite3_stmt *s, void *elem, void *arg)
{
	struct vmlinux_build *v = elem;

	(void)arg;
	st_col_copy(s, 1, v->blob, sizeof(v->blob));
	return st_col_dup(s, 0, &v->build_id);
}

static void
clear_vmlinux(void *elem)
{
	free(((struct vmlinux_build *)elem)->build_id);
}

static const struct st_list_kind vmlinux_kind = {
	.elem = sizeof(struct vmlinux_build),
	.read = read_vmlinux,
	.clear = clear_vmlinux,
};

int
store_vmlinux_list(struct store *st, struct vmlinux_build **out, size_t *n)
{
	void *list;
	int r = st_collect(st, st->stmt[STMT_VMLINUX_LIST], &vmlinux_kind, NULL, &list, n,
	    __func__);

	*out = list;
	return r;
}

void
store_vmlinux_list_free(struct vmlinux_build *v, size_t n)
{
	st_list_free(&vmlinux_kind, v, n);
}
