/*
 * store.c -- pkvmd's sqlite database: opening it, migrating it, and the
 * plumbing the other store files share.
 *
 * The store module is the only one that includes sqlite3.h.  Everyone
 * else sees the small API in store.h: structs in, structs out, negative
 * errno on failure.  It is eleven files sharing private.h:
 *
 *   store.c    opening, migrations, statements, transactions, errors
 *   jobs.c     job rows, what they own, their life (start, finish,
 *              recovery), the guest's timings
 *   tests.c    tests, their sub-result trees, the job's counters
 *   reports.c  crash reports, artifacts, coverage
 *   symbols.c  crash reports' symbolization, vmlinux blobs by build id
 *   crash-groups.c  crash reports grouped by title across jobs
 *   kernels.c  each kernel's first job and the version it printed
 *   tokens.c   bearer tokens: their hashes, users, scopes and times
 *   stats.c    counts for /metrics and the health check's write
 *   users.c    usage, quotas, the scheduler's view of the queue
 *   retention.c  which job directories may be pruned, pins, blob references
 *
 * Opening.  store_new() opens one connection for the event loop thread,
 * switches it to WAL with synchronous=NORMAL (a commit is an append to the
 * WAL, no fsync; the fsync happens at checkpoint time, see
 * store_checkpoint()), turns on foreign keys and a busy timeout, and then
 * brings the schema up to date.  The schema is the numbered files in
 * schema/, compiled into the binary by scripts/embed-schema.py, so an
 * installed pkvmd never goes looking for them.  PRAGMA user_version holds
 * the number of the last migration applied; each missing migration runs in
 * its own IMMEDIATE transaction together with the bump of user_version, and
 * user_version is read again inside that transaction so two processes
 * opening the same file cannot both apply a migration.  A database from a
 * newer pkvmd (user_version above what we know) is refused rather than
 * misread.
 *
 * Statements.  Every statement is prepared once, at open, from the
 * statement tables of the eight files, and kept in struct store; a call
 * binds, steps, and resets (clearing bindings, so no pointer into a
 * caller's string outlives the call).  The job list has eight shapes (with
 * or without each of the state, owner and tag filters); they are built and
 * prepared at open too, so each shape gets a plan that can use its index.
 *
 * Transactions.  Every state change is one IMMEDIATE transaction, taken up
 * front so a writer never has to upgrade a read lock and hit SQLITE_BUSY
 * halfway.  Transitions are guarded in SQL (UPDATE ... WHERE state =
 * 'queued'); when such an update changes no row, one more query tells
 * "no such job" (-ENOENT) from "not in that state" (-ESTALE).  A function
 * opens its transaction with st_tx_begin(), or with st_tx_begin_guarded()
 * when its first step is such a guarded write, and hands the result of
 * what it ran to st_tx_end(), which commits or rolls back on it, so no
 * function needs a failure path of its own for the transaction.
 *
 * Attempts.  Tests, crash reports, artifacts and coverage belong to one
 * attempt of a job: the API shows the current attempt's, a requeued job
 * starts with none, and store_job_start() clears whatever a lost start
 * left for the attempt.  Earlier attempts' rows stay, so
 * store_crash_groups() still counts what an interrupted run saw.
 *
 * Errors.  A sqlite failure is logged (log_warnx) as "store: <function>:
 * <message>" and mapped to errno where it is made: NOMEM -> -ENOMEM,
 * BUSY/LOCKED -> -EBUSY, FULL -> -ENOSPC, a UNIQUE/PRIMARY KEY violation
 * -> -EEXIST, another constraint -> -EINVAL, anything else -> -EIO.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store-schema.h"
#include "store/private.h"

#define BUSY_TIMEOUT_MS 5000

const struct stmt_def st_core_stmts[] = {
	{ .id = STMT_BEGIN, .sql = "BEGIN IMMEDIATE" },
	{ .id = STMT_COMMIT, .sql = "COMMIT" },
	{ .id = STMT_ROLLBACK, .sql = "ROLLBACK" },
	{ .id = STMT_BEGIN_READ, .sql = "BEGIN" },
	{ .id = STMT_USER_VERSION, .sql = "PRAGMA user_version" },
	{ .id = STMT_JOB_EXISTS, .sql = "SELECT 1 FROM jobs WHERE id = ?1" },
};
const size_t st_core_nstmts = NELEM(st_core_stmts);

/* --- errors and statement plumbing ---------------------------------------- */

int
st_errno_of(int code)
{
	switch (code & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_CONSTRAINT:
		if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
			return -EEXIST;
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* Log the connection's last error for FN and return it as an errno. */
int
st_db_fail(sqlite3 *db, const char *fn)
{
	log_warnx("store: %s: %s", fn, sqlite3_errmsg(db));
	return st_errno_of(sqlite3_extended_errcode(db));
}

void
st_stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Step S, which returns no rows, and reset it: the number of rows it
 * changed, or negative errno. */
int
st_step_changes(struct store *st, sqlite3_stmt *s, const char *fn)
{
	int rc = sqlite3_step(s);
	int r = rc == SQLITE_DONE ? sqlite3_changes(st->db) : st_db_fail(st->db, fn);

	st_stmt_done(s);
	return r;
}

int
st_step_one(struct store *st, sqlite3_stmt *s, const char *fn)
{
	int r = st_step_changes(st, s, fn);

	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int
st_step_row(struct store *st, sqlite3_stmt *s, const char *fn)
{
	int rc = sqlite3_step(s);

	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : st_db_fail(st->db, fn);
}

int
st_step_stale(struct store *st, sqlite3_stmt *s, const char *fn)
{
	int r = st_step_row(st, s, fn);

	st_stmt_done(s);
	return r == 0 ? -ESTALE : r;
}

/* After a guarded UPDATE changed nothing: -ENOENT when job ID does not
 * exist, -ESTALE when it does but was in the wrong state. */
static int
stale_or_missing(struct store *st, int64_t id, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_EXISTS];

	sqlite3_bind_int64(s, 1, id);
	return st_step_stale(st, s, fn);
}

int
st_step_guarded(struct store *st, sqlite3_stmt *s, int64_t id, const char *fn)
{
	int r = st_step_changes(st, s, fn);

	return r < 0 ? r : r == 0 ? stale_or_missing(st, id, fn) : 0;
}

int
st_run(struct store *st, enum stmt_id id, const char *fn)
{
	int r = st_step_changes(st, st->stmt[id], fn);

	return r < 0 ? r : 0;
}

int
st_run_key(struct store *st, enum stmt_id id, int64_t key, const char *fn)
{
	sqlite3_bind_int64(st->stmt[id], 1, key);
	return st_run(st, id, fn);
}

int
st_tx_begin(struct store *st, const char *fn)
{
	return st_run(st, STMT_BEGIN, fn);
}

int
st_tx_begin_guarded(struct store *st, sqlite3_stmt *s, int64_t id, const char *fn)
{
	int r;

	if ((r = st_tx_begin(st, fn)) < 0) {
		st_stmt_done(s);
		return r;
	}
	if ((r = st_step_guarded(st, s, id, fn)) < 0)
		return st_tx_end(st, r, fn);
	return 0;
}

bool
st_read_begin(struct store *st, const char *fn)
{
	if (!sqlite3_get_autocommit(st->db))
		return false; /* already inside one: its snapshot holds */
	return st_run(st, STMT_BEGIN_READ, fn) == 0;
}

void
st_read_end(struct store *st, bool began, const char *fn)
{
	if (began)
		st_run(st, STMT_COMMIT, fn);
}

int
st_tx_end(struct store *st, int r, const char *fn)
{
	if (r >= 0 && (r = st_run(st, STMT_COMMIT, fn)) == 0)
		return 0;
	/* Harmless when sqlite already rolled back on its own (e.g. after
	 * SQLITE_FULL); there is nothing more to do if it fails. */
	if (sqlite3_get_autocommit(st->db) == 0)
		st_run(st, STMT_ROLLBACK, "rollback");
	return r;
}

void
st_bind_text(sqlite3_stmt *s, int i, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

void
st_bind_limit(sqlite3_stmt *s, int i, int limit)
{
	sqlite3_bind_int(s, i, limit > 0 ? limit : LIST_LIMIT_DEFAULT);
}

/* Copy column I of S into *OUT (NULL stays NULL): 0 or -ENOMEM. */
int
st_col_dup(sqlite3_stmt *s, int i, char **out)
{
	const char *text;

	*out = NULL;
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return 0;
	text = (const char *)sqlite3_column_text(s, i);
	if (text == NULL || (*out = strdup(text)) == NULL)
		return -ENOMEM;
	return 0;
}

/* Copy column I of S into the fixed buffer BUF (a sha256 hex). */
void
st_col_copy(sqlite3_stmt *s, int i, char *buf, size_t size)
{
	const char *text = (const char *)sqlite3_column_text(s, i);
	size_t n = text == NULL ? 0 : strlen(text);

	if (n >= size)
		n = size - 1;
	memcpy(buf, text == NULL ? "" : text, n);
	buf[n] = '\0';
}

/* Make room for element N in array P of *CAP elements of SIZE bytes: the
 * array, perhaps moved, or NULL on ENOMEM with P left as it was. */
void *
st_grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return p;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if ((p = realloc(p, ncap * size)) != NULL)
		*cap = ncap;
	return p;
}

/* Step S to the end, one element per row, zeroed and then filled by the
 * kind's reader.  The element the reader failed on is freed too: it was
 * zeroed, so its clear function frees whatever the reader had filled in. */
int
st_collect(struct store *st, sqlite3_stmt *s, const struct st_list_kind *kind, void *arg,
    void **out, size_t *n, const char *fn)
{
	char *list = NULL, *p;
	size_t nlist = 0, cap = 0;
	int rc, r = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((p = st_grow(list, &cap, nlist, kind->elem)) == NULL) {
			r = -ENOMEM;
			break;
		}
		list = p;
		p = list + nlist++ * kind->elem;
		memset(p, 0, kind->elem);
		if ((r = kind->read(s, p, arg)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = st_db_fail(st->db, fn);
	st_stmt_done(s);
	if (r < 0) {
		st_list_free(kind, list, nlist);
		list = NULL;
		nlist = 0;
	}
	*out = list;
	*n = nlist;
	return r;
}

int
st_collect_key(struct store *st, enum stmt_id id, int64_t key, const struct st_list_kind *kind,
    void *arg, void **out, size_t *n, const char *fn)
{
	sqlite3_bind_int64(st->stmt[id], 1, key);
	return st_collect(st, st->stmt[id], kind, arg, out, n, fn);
}

int
st_collect_job(struct store *st, enum stmt_id id, int64_t job_id, const struct st_list_kind *kind,
    void *arg, void **out, size_t *n, const char *fn)
{
	int r;

	if ((r = st_job_exists(st, job_id, fn)) < 0) {
		*out = NULL;
		*n = 0;
		return r;
	}
	return st_collect_key(st, id, job_id, kind, arg, out, n, fn);
}

void
st_list_free(const struct st_list_kind *kind, void *list, size_t n)
{
	for (size_t i = 0; kind->clear != NULL && i < n; i++)
		kind->clear((char *)list + i * kind->elem);
	free(list);
}

const char *
st_name_of(const struct st_names *e, int value)
{
	return value >= 0 && (size_t)value < e->n ? e->names[value] : NULL;
}

int
st_col_bad(sqlite3_stmt *s, int i, const char *what, const struct st_row_ctx *ctx)
{
	const char *text = (const char *)sqlite3_column_text(s, i);

	log_warnx("store: %s: job %lld has a bad %s \"%s\"", ctx->fn, (long long)ctx->job_id, what,
	    text ? text : "(null)");
	return -EIO;
}

int
st_col_name(sqlite3_stmt *s, int i, const struct st_names *e, const struct st_row_ctx *ctx)
{
	const char *text = (const char *)sqlite3_column_text(s, i);

	for (size_t k = 0; text != NULL && k < e->n; k++)
		if (e->names[k] != NULL && strcmp(text, e->names[k]) == 0)
			return (int)k;
	return st_col_bad(s, i, e->what, ctx);
}

int
st_job_exists(struct store *st, int64_t id, const char *fn)
{
	int r = stale_or_missing(st, id, fn);

	return r == -ESTALE ? 0 : r;
}
/* --- opening and migrations ----------------------------------------------- */

static int
read_user_version(sqlite3 *db, int *out, const char *fn)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return st_db_fail(db, fn);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : st_db_fail(db, fn);
}

/* Apply every embedded migration newer than the database, one transaction
 * each, re-reading user_version under the write lock every time. */
static int
migrate(struct store *st, char **cause)
{
	const int known = (int)store_nmigrations;
	sqlite3 *db = st->db;
	const struct store_migration *m;
	char pragma[64];
	int version = 0, r;

	for (;;) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto fail_sqlite;
		if ((r = read_user_version(db, &version, "migrate")) < 0)
			goto fail_sqlite;
		if (version > known || version < 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			if (asprintf(cause,
				"%s: schema version %d is newer than "
				"this pkvmd knows (%d); upgrade pkvmd",
				st->path, version, known) < 0)
				*cause = NULL;
			return -ENOTSUP;
		}
		if (version == known)
			break;
		m = &store_migrations[version];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		if (sqlite3_exec(db, m->sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			r = st_errno_of(sqlite3_extended_errcode(db));
			if (asprintf(cause, "%s: migration %s: %s", st->path, m->name,
				sqlite3_errmsg(db)) < 0)
				*cause = NULL;
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto fail_sqlite;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_sqlite;
	return 0;

fail_sqlite:
	r = st_errno_of(sqlite3_extended_errcode(db));
	if (asprintf(cause, "%s: schema: %s", st->path, sqlite3_errmsg(db)) < 0)
		*cause = NULL;
	if (sqlite3_get_autocommit(db) == 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Set up the connection: WAL, synchronous, foreign keys.  journal_mode
 * answers with the mode now in force, which is not WAL on file systems
 * that cannot share memory maps; we refuse those rather than run slowly. */
static int
configure(struct store *st, char **cause)
{
	sqlite3_stmt *s = NULL;
	const char *mode;
	int r;

	/* wal_autocheckpoint = 0: a checkpoint fsyncs, and this connection
	 * is the event loop's.  pkvmd runs store_checkpoint() from a worker
	 * thread on a timer instead.  journal_size_limit: when this
	 * connection's next write finds the WAL all checkpointed and starts
	 * it over, the file is cut to 4 MiB, so a burst does not keep its
	 * size on disk. */
	if (sqlite3_exec(st->db,
		"PRAGMA foreign_keys = ON;"
		" PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;"
		" PRAGMA journal_size_limit = 4194304",
		NULL, NULL, NULL) != SQLITE_OK)
		goto fail_sqlite;
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		goto fail_sqlite;
	mode = (const char *)sqlite3_column_text(s, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		if (asprintf(cause, "%s: cannot use WAL journal (got %s)", st->path,
			mode ? mode : "nothing") < 0)
			*cause = NULL;
		sqlite3_finalize(s);
		return -EIO;
	}
	sqlite3_finalize(s);
	return 0;

fail_sqlite:
	r = st_errno_of(sqlite3_extended_errcode(st->db));
	if (asprintf(cause, "%s: %s", st->path, sqlite3_errmsg(st->db)) < 0)
		*cause = NULL;
	sqlite3_finalize(s);
	return r;
}

/* Prepare the statements of TABLE (N rows) into ST->stmt; a second row
 * for one id is a bug in the tables.  On failure *WHAT is the culprit. */
static int
prepare_table(struct store *st, const struct stmt_def *table, size_t n, const char **what)
{
	for (size_t i = 0; i < n; i++) {
		*what = table[i].sql;
		if ((unsigned)table[i].id >= STMT__COUNT || st->stmt[table[i].id] != NULL)
			return -EINVAL;
		if (sqlite3_prepare_v3(st->db, table[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
			&st->stmt[table[i].id], NULL) != SQLITE_OK)
			return -EIO;
	}
	return 0;
}

static int
prepare_all(struct store *st, char **cause)
{
	static const struct {
		const struct stmt_def *table;
		const size_t *n;
	} tables[] = {
		{ .table = st_core_stmts, .n = &st_core_nstmts },
		{ .table = st_job_stmts, .n = &st_job_nstmts },
		{ .table = st_test_stmts, .n = &st_test_nstmts },
		{ .table = st_report_stmts, .n = &st_report_nstmts },
		{ .table = st_symbol_stmts, .n = &st_symbol_nstmts },
		{ .table = st_group_stmts, .n = &st_group_nstmts },
		{ .table = st_kernel_stmts, .n = &st_kernel_nstmts },
		{ .table = st_token_stmts, .n = &st_token_nstmts },
		{ .table = st_stats_stmts, .n = &st_stats_nstmts },
		{ .table = st_user_stmts, .n = &st_user_nstmts },
		{ .table = st_retention_stmts, .n = &st_retention_nstmts },
		{ .table = st_ci_outbox_stmts, .n = &st_ci_outbox_nstmts },
		{ .table = st_ci_stmts, .n = &st_ci_nstmts },
		{ .table = st_disk_stmts, .n = &st_disk_nstmts },
	};
	const char *what = NULL;
	int r;

	for (size_t t = 0; t < NELEM(tables); t++) {
		if ((r = prepare_table(st, tables[t].table, *tables[t].n, &what)) == -EINVAL)
			goto twice;
		if (r < 0)
			goto fail;
	}
	for (int i = 0; i < STMT__COUNT; i++) {
		if (st->stmt[i] == NULL) {
			if (asprintf(cause, "%s: statement %d has no SQL", st->path, i) < 0)
				*cause = NULL;
			return -EIO;
		}
	}
	for (int v = 0; v < LIST__SHAPES; v++) {
		what = st_job_list_sql[v];
		if (sqlite3_prepare_v3(st->db, what, -1, SQLITE_PREPARE_PERSISTENT, &st->list[v],
			NULL) != SQLITE_OK)
			goto fail;
	}
	return 0;

twice:
	if (asprintf(cause, "%s: statement \"%s\" has a bad or a taken id", st->path, what) < 0)
		*cause = NULL;
	return -EIO;
fail:
	/* A statement that does not prepare is a bug in the store. */
	if (asprintf(cause, "%s: preparing \"%s\": %s", st->path, what, sqlite3_errmsg(st->db)) < 0)
		*cause = NULL;
	return -EIO;
}

/* A store on a new connection to PATH, opened with FLAGS (NOMUTEX: a
 * connection stays on one thread at a time), into *OUT.  0 or negative
 * errno with *CAUSE. */
static int
open_db(struct store **out, const char *path, int flags, char **cause)
{
	struct store *st;
	int r;

	*out = NULL;
	*cause = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		return -ENOMEM;
	}
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = st->db ? st_errno_of(sqlite3_extended_errcode(st->db)) : -ENOMEM;
		if (asprintf(cause, "%s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory") < 0)
			*cause = NULL;
		store_free(st);
		return r;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	*out = st;
	return 0;
}

int
store_new(struct store **out, const char *path, char **cause)
{
	struct store *st;
	int r;

	*out = NULL;
	/* The loop thread's connection; the checkpoint thread opens its own. */
	if ((r = open_db(&st, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, cause)) < 0)
		return r;
	if ((r = configure(st, cause)) < 0 || (r = migrate(st, cause)) < 0 ||
	    (r = prepare_all(st, cause)) < 0)
		goto fail;
	if ((r = st_versions_start(st)) < 0) {
		if (asprintf(cause, "%s: watching its writes: %s", path, strerror(-r)) < 0)
			*cause = NULL;
		goto fail;
	}
	*out = st;
	return 0;

fail:
	store_free(st);
	return r;
}

/* A reader's schema must be the one this pkvmd writes: it migrates
 * nothing. */
static int
check_version(struct store *st, char **cause)
{
	int version = 0, r;

	if ((r = read_user_version(st->db, &version, __func__)) < 0) {
		if (asprintf(cause, "%s: %s", st->path, sqlite3_errmsg(st->db)) < 0)
			*cause = NULL;
		return r;
	}
	if (version != (int)store_nmigrations) {
		if (asprintf(cause, "%s: schema version %d, not this pkvmd's %d", st->path, version,
			(int)store_nmigrations) < 0)
			*cause = NULL;
		return -ESTALE;
	}
	return 0;
}

int
store_open_reader(struct store **out, const char *path, char **cause)
{
	struct store *st;
	int r;

	/* No CREATE, and query_only besides READONLY: a reader that tried to
	 * write would be a bug, and says so (-EROFS) instead of waiting for
	 * the writer's lock. */
	*out = NULL;
	if ((r = open_db(&st, path, SQLITE_OPEN_READONLY, cause)) < 0)
		return r;
	if (sqlite3_exec(st->db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
		r = st_db_fail(st->db, __func__);
		goto fail;
	}
	if ((r = check_version(st, cause)) < 0 || (r = prepare_all(st, cause)) < 0)
		goto fail;
	*out = st;
	return 0;

fail:
	store_free(st);
	return r;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int v = 0; v < LIST__SHAPES; v++)
		sqlite3_finalize(st->list[v]);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s = st->stmt[STMT_USER_VERSION];
	int r;

	if ((r = st_step_row(st, s, __func__)) == 0)
		r = sqlite3_column_int(s, 0);
	st_stmt_done(s);
	return r;
}

int
store_checkpoint(const char *path)
{
	sqlite3 *db = NULL;
	int r = 0;

	/* No CREATE: checkpointing a database that is not there is a bug. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		r = db ? st_db_fail(db, __func__) : -ENOMEM;
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	/* PASSIVE: it copies what it can and never makes the loop thread
	 * wait.  TRUNCATE (before) held the write lock through its copy and
	 * fsync, and a submit waiting on it stalled the whole loop (bench/
	 * queue: 1.1 s once).  The WAL is then started over by the loop's
	 * next write, which finds it all copied, and cut to
	 * journal_size_limit (configure()). */
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	/* A fresh connection learns that the file is in WAL mode only when it
	 * first reads it; until then a checkpoint is a silent no-op. */
	if (sqlite3_exec(db, "PRAGMA user_version", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK)
		r = st_db_fail(db, __func__);
out:
	sqlite3_close(db);
	return r;
}
