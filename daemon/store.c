/*
 * store.c -- pkvmd's sqlite database: jobs, what they own, test results.
 *
 * This is the only file that includes sqlite3.h.  Everyone else sees the
 * small API in store.h: structs in, structs out, negative errno on failure.
 *
 * Opening.  store_open() opens one connection for the event loop thread,
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
 * Statements.  Every statement is prepared once, at open, from the table
 * stmt_sql[] below, and kept in struct store; a call binds, steps, and
 * resets (clearing bindings, so no pointer into a caller's string outlives
 * the call).  The job list has eight shapes (with or without each of the
 * state, owner and tag filters); they are built and prepared at open too,
 * so each shape gets a plan that can use its index.
 *
 * Transactions.  Every state change is one IMMEDIATE transaction, taken up
 * front so a writer never has to upgrade a read lock and hit SQLITE_BUSY
 * halfway.  Transitions are guarded in SQL (UPDATE ... WHERE state =
 * 'queued'); when such an update changes no row, one more query tells
 * "no such job" (-ENOENT) from "not in that state" (-ESTALE).
 *
 * Tests.  A job's tests are rows keyed by (job, attempt, seq); only those of
 * the job's current attempt are visible through the API.  The counters on
 * the job row are recomputed from those rows inside the same transaction as
 * every change, so they cannot drift.  tests_passed counts "pass";
 * tests_failed counts "fail", "error" (a test that never finished did not
 * pass either) and "timeout"; "skip" and "running" count only in
 * tests_total.  store_test_end() is store_test_finish() with a verdict
 * from the exit code and no details, so both take the same path.
 *
 * Sub-results.  A test's tout_node tree is one subtests row per node,
 * written by a walk in C with one prepared INSERT, parents first, so
 * reading a test's rows by id sees every parent before its children and
 * the tree is rebuilt in one pass (build_tree()).
 *
 * Crash reports and artifacts belong to an attempt, like tests: the lists
 * show the current attempt's, a requeued job starts with none, and
 * store_job_start() clears whatever a lost start left for the attempt.
 * Earlier attempts' reports stay, so store_crash_groups() still counts
 * what an interrupted run saw.  The guest's timings are the current
 * attempt's too: starting an attempt or requeueing a job clears them.
 *
 * Errors.  A sqlite failure is logged as "store: <function>: <message>" and
 * mapped to errno where it is made: NOMEM -> -ENOMEM, BUSY/LOCKED -> -EBUSY,
 * FULL -> -ENOSPC, a UNIQUE/PRIMARY KEY violation -> -EEXIST, another
 * constraint -> -EINVAL, anything else -> -EIO.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store-schema.h"
#include "store.h"

#define BUSY_TIMEOUT_MS 5000
#define LIST_LIMIT_DEFAULT 100

#define INTERRUPTED_MESSAGE "interrupted: pkvmd stopped while the job was running"

/* The columns row_to_job() reads, in its order, from "jobs j". */
#define JOB_COLS \
	"j.id, j.owner, j.state, j.result, j.message, j.created_ms," \
	" j.started_ms, j.finished_ms, j.kernel, j.smp, j.mem_mb," \
	" j.append, j.timeout_s, j.idle_timeout_s, j.debug_port," \
	" j.coverage, j.uefi, j.seed, j.priority, j.attempt," \
	" j.exit_status, j.console_bytes, j.tests_total, j.tests_passed," \
	" j.tests_failed, j.test_timeout_s, j.fail_on_warn, j.timings"

/* The tests of a job's current attempt, as a join condition. */
#define CURRENT_ATTEMPT "t.job_id = j.id AND t.attempt = j.attempt"

/* The columns read_test() reads, in its order, from "tests t". */
#define TEST_COLS \
	"t.seq, t.name, t.verdict, t.exit_code, t.duration_ms, t.id," \
	" t.message, t.format, t.first_line, t.last_line"

enum stmt_id {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_USER_VERSION,
	STMT_JOB_INSERT,
	STMT_TAG_INSERT,
	STMT_EXE_INSERT,
	STMT_EXE_ARG_INSERT,
	STMT_EXE_ENV_INSERT,
	STMT_ARG_INSERT,
	STMT_MODULE_INSERT,
	STMT_EXTRA_INSERT,
	STMT_JOB_GET,
	STMT_TAGS_GET,
	STMT_EXES_GET,
	STMT_EXE_ARGS_GET,
	STMT_EXE_ENV_GET,
	STMT_ARGS_GET,
	STMT_MODULES_GET,
	STMT_EXTRA_GET,
	STMT_JOB_EXISTS,
	STMT_JOB_QUEUE,
	STMT_JOB_START,
	STMT_TESTS_CLEAR,
	STMT_CRASHES_CLEAR,
	STMT_ARTIFACTS_CLEAR,
	STMT_JOB_SET_PID,
	STMT_JOB_FINISH,
	STMT_JOB_SET_CONSOLE,
	STMT_RECOVER_SELECT,
	STMT_RECOVER_TESTS,
	STMT_RECOVER_REQUEUE,
	STMT_RECOVER_INTERRUPT,
	STMT_COUNTERS,
	STMT_TEST_BEGIN,
	STMT_TEST_RUNNING,
	STMT_TEST_UPDATE,
	STMT_TEST_FIND,
	STMT_TEST_ADD,
	STMT_SUBTEST_INSERT,
	STMT_TESTS_ABORT,
	STMT_TEST_LIST,
	STMT_SUBTESTS_GET,
	STMT_CRASH_ADD,
	STMT_CRASH_LIST,
	STMT_CRASH_GROUPS,
	STMT_ARTIFACT_ADD,
	STMT_ARTIFACT_LIST,
	STMT_JOB_SET_TIMINGS,
	STMT__COUNT
};

static const char *const stmt_sql[STMT__COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_USER_VERSION] = "PRAGMA user_version",

	[STMT_JOB_INSERT] = "INSERT INTO jobs (owner, state, message, created_ms, kernel,"
			    " smp, mem_mb, append, timeout_s, idle_timeout_s, debug_port,"
			    " coverage, uefi, seed, priority, test_timeout_s, fail_on_warn,"
			    " timings)"
			    " VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			    " ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
	[STMT_TAG_INSERT] = "INSERT OR IGNORE INTO job_tags (job_id, tag) VALUES (?1, ?2)",
	[STMT_EXE_INSERT] = "INSERT INTO job_exes (job_id, seq, name, blob, mode, size,"
			    " timeout_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[STMT_EXE_ARG_INSERT] = "INSERT INTO job_exe_args (job_id, exe_seq, seq, arg)"
				" VALUES (?1, ?2, ?3, ?4)",
	[STMT_EXE_ENV_INSERT] = "INSERT INTO job_exe_env (job_id, exe_seq, seq, entry)"
				" VALUES (?1, ?2, ?3, ?4)",
	[STMT_ARG_INSERT] = "INSERT INTO job_qemu_args (job_id, seq, arg) VALUES (?1, ?2, ?3)",
	[STMT_MODULE_INSERT] = "INSERT INTO job_modules (job_id, seq, name) VALUES (?1, ?2, ?3)",
	[STMT_EXTRA_INSERT] = "INSERT INTO job_extra (job_id, seq, path, kind, blob, mode,"
			      " size, target) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",

	[STMT_JOB_GET] = "SELECT " JOB_COLS " FROM jobs j WHERE j.id = ?1",
	[STMT_TAGS_GET] = "SELECT tag FROM job_tags WHERE job_id = ?1 ORDER BY rowid",
	[STMT_EXES_GET] = "SELECT name, blob, mode, size, timeout_s FROM job_exes"
			  " WHERE job_id = ?1 ORDER BY seq",
	[STMT_EXE_ARGS_GET] = "SELECT exe_seq, arg FROM job_exe_args WHERE job_id = ?1"
			      " ORDER BY exe_seq, seq",
	[STMT_EXE_ENV_GET] = "SELECT exe_seq, entry FROM job_exe_env WHERE job_id = ?1"
			     " ORDER BY exe_seq, seq",
	[STMT_ARGS_GET] = "SELECT arg FROM job_qemu_args WHERE job_id = ?1 ORDER BY seq",
	[STMT_MODULES_GET] = "SELECT name FROM job_modules WHERE job_id = ?1 ORDER BY seq",
	[STMT_EXTRA_GET] = "SELECT path, kind, blob, mode, size, target FROM job_extra"
			   " WHERE job_id = ?1 ORDER BY seq",
	[STMT_JOB_EXISTS] = "SELECT 1 FROM jobs WHERE id = ?1",
	[STMT_JOB_QUEUE] = "SELECT " JOB_COLS " FROM jobs j WHERE j.state = 'queued'"
			   " ORDER BY j.priority DESC, j.id",

	[STMT_JOB_START] = "UPDATE jobs SET state = 'running', started_ms = ?2,"
			   " finished_ms = 0, exit_status = NULL, pid = 0, pid_starttime = 0,"
			   " timings = NULL"
			   " WHERE id = ?1 AND state = 'queued'",
	[STMT_TESTS_CLEAR] = "DELETE FROM tests WHERE job_id = ?1"
			     " AND attempt = (SELECT attempt FROM jobs WHERE id = ?1)",
	[STMT_CRASHES_CLEAR] = "DELETE FROM crashes WHERE job_id = ?1"
			       " AND attempt = (SELECT attempt FROM jobs WHERE id = ?1)",
	[STMT_ARTIFACTS_CLEAR] = "DELETE FROM artifacts WHERE job_id = ?1"
				 " AND attempt = (SELECT attempt FROM jobs WHERE id = ?1)",
	[STMT_JOB_SET_PID] = "UPDATE jobs SET pid = ?2, pid_starttime = ?3"
			     " WHERE id = ?1 AND state = 'running'",
	[STMT_JOB_FINISH] = "UPDATE jobs SET state = 'done', result = ?2, message = ?3,"
			    " exit_status = ?4, finished_ms = ?5"
			    " WHERE id = ?1 AND state IN ('queued', 'running')",
	[STMT_JOB_SET_CONSOLE] = "UPDATE jobs SET console_bytes = ?2 WHERE id = ?1",

	[STMT_RECOVER_SELECT] = "SELECT id, pid, pid_starttime FROM jobs WHERE state = 'running'"
				" ORDER BY id",
	[STMT_RECOVER_TESTS] = "UPDATE tests SET verdict = 'error' WHERE verdict = 'running'"
			       " AND job_id IN (SELECT id FROM jobs WHERE state = 'running')",
	[STMT_RECOVER_REQUEUE] = "UPDATE jobs SET state = 'queued', attempt = attempt + 1,"
				 " started_ms = 0, exit_status = NULL, pid = 0, pid_starttime = 0,"
				 " timings = NULL WHERE state = 'running'",
	[STMT_RECOVER_INTERRUPT] = "UPDATE jobs SET state = 'done', result = 'interrupted',"
				   " message = ?1, finished_ms = ?2, pid = 0, pid_starttime = 0"
				   " WHERE state = 'running'",

	[STMT_COUNTERS] = "UPDATE jobs AS j SET"
			  " tests_total = (SELECT count(*) FROM tests t"
			  "  WHERE " CURRENT_ATTEMPT "),"
			  " tests_passed = (SELECT count(*) FROM tests t"
			  "  WHERE " CURRENT_ATTEMPT " AND t.verdict = 'pass'),"
			  " tests_failed = (SELECT count(*) FROM tests t"
			  "  WHERE " CURRENT_ATTEMPT
			  " AND t.verdict IN ('fail', 'error', 'timeout'))"
			  " WHERE j.id = ?1",
	[STMT_TEST_BEGIN] = "INSERT INTO tests (job_id, attempt, seq, name, verdict)"
			    " SELECT id, attempt, ?2, ?3, 'running' FROM jobs"
			    " WHERE id = ?1 AND state = 'running'",
	/* The newest running test of that name in the current attempt. */
	[STMT_TEST_RUNNING] = "SELECT t.id FROM tests t JOIN jobs j ON " CURRENT_ATTEMPT
			      " WHERE j.id = ?1 AND t.name = ?2 AND t.verdict = 'running'"
			      " ORDER BY t.seq DESC LIMIT 1",
	[STMT_TEST_UPDATE] = "UPDATE tests SET verdict = ?2, exit_code = ?3,"
			     " duration_ms = ?4, message = ?5, format = ?6, first_line = ?7,"
			     " last_line = ?8 WHERE id = ?1",
	[STMT_TEST_FIND] = "SELECT 1 FROM tests t JOIN jobs j ON " CURRENT_ATTEMPT
			   " WHERE j.id = ?1 AND t.name = ?2",
	[STMT_TEST_ADD] = "INSERT INTO tests (job_id, attempt, seq, name, verdict, exit_code,"
			  " duration_ms, message, format, first_line, last_line)"
			  " SELECT id, attempt, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM jobs"
			  " WHERE id = ?1 AND state = 'running'",
	[STMT_SUBTEST_INSERT] = "INSERT INTO subtests (test_id, parent_id, seq, name, verdict,"
				" message, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[STMT_TESTS_ABORT] = "UPDATE tests SET verdict = 'error'"
			     " WHERE job_id = ?1 AND verdict = 'running'",
	[STMT_TEST_LIST] = "SELECT " TEST_COLS " FROM tests t JOIN jobs j ON " CURRENT_ATTEMPT
			   " WHERE j.id = ?1 ORDER BY t.seq",
	[STMT_SUBTESTS_GET] = "SELECT id, parent_id, name, verdict, message, line"
			      " FROM subtests WHERE test_id = ?1 ORDER BY id",

	[STMT_CRASH_ADD] = "INSERT INTO crashes (job_id, attempt, test, kind, title, fatal,"
			   " report, first_line, last_line, time_ms)"
			   " SELECT id, attempt, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM jobs"
			   " WHERE id = ?1",
	[STMT_CRASH_LIST] = "SELECT c.id, c.test, c.kind, c.title, c.fatal, c.report,"
			    " c.first_line, c.last_line, c.time_ms FROM crashes c"
			    " JOIN jobs j ON c.job_id = j.id AND c.attempt = j.attempt"
			    " WHERE j.id = ?1 ORDER BY c.first_line, c.id",
	/* Counts from the title index alone; kind and fatal come from the
	 * latest report, first_job and last_job from the earliest and latest
	 * (ties broken by id, so the answer does not depend on the plan). */
	[STMT_CRASH_GROUPS] = "SELECT g.title, l.kind, l.fatal, g.n, g.jobs, g.first_ms,"
			      " g.last_ms,"
			      " (SELECT f.job_id FROM crashes f WHERE f.title = g.title"
			      "  ORDER BY f.time_ms, f.id LIMIT 1), l.job_id"
			      " FROM (SELECT title, count(*) AS n,"
			      "  count(DISTINCT job_id) AS jobs, min(time_ms) AS first_ms,"
			      "  max(time_ms) AS last_ms FROM crashes GROUP BY title"
			      "  ORDER BY last_ms DESC, title LIMIT ?1) g"
			      " JOIN crashes l ON l.id = (SELECT c.id FROM crashes c"
			      "  WHERE c.title = g.title ORDER BY c.time_ms DESC, c.id DESC"
			      "  LIMIT 1)"
			      " ORDER BY g.last_ms DESC, g.title",

	/* A second report of a file keeps its place in the arrival order. */
	[STMT_ARTIFACT_ADD] = "INSERT INTO artifacts (job_id, attempt, test, path, size,"
			      " sha256, status)"
			      " SELECT id, attempt, ?2, ?3, ?4, ?5, ?6 FROM jobs WHERE id = ?1"
			      " ON CONFLICT (job_id, attempt, test, path) DO UPDATE SET"
			      " size = excluded.size, sha256 = excluded.sha256,"
			      " status = excluded.status",
	[STMT_ARTIFACT_LIST] = "SELECT a.test, a.path, a.size, a.sha256, a.status"
			       " FROM artifacts a"
			       " JOIN jobs j ON a.job_id = j.id AND a.attempt = j.attempt"
			       " WHERE j.id = ?1 ORDER BY a.id",
	[STMT_JOB_SET_TIMINGS] = "UPDATE jobs SET timings = ?2 WHERE id = ?1",
};

/* Bits of the job list's shape: which filters the statement has. */
enum {
	LIST_STATE = 1 << 0,
	LIST_OWNER = 1 << 1,
	LIST_TAG = 1 << 2,
	LIST__SHAPES = 1 << 3,
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[STMT__COUNT];
	sqlite3_stmt *list[LIST__SHAPES];
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- errors and statement plumbing ---------------------------------------- */

static int
errno_of(int code)
{
	switch (code & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CONSTRAINT:
		if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
			return -EEXIST;
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* Log the connection's last error for FN and return it as an errno. */
static int
db_fail(sqlite3 *db, const char *fn)
{
	fprintf(stderr, "store: %s: %s\n", fn, sqlite3_errmsg(db));
	return errno_of(sqlite3_extended_errcode(db));
}

static void
stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Step S, which returns no rows, and reset it: the number of rows it
 * changed, or negative errno. */
static int
step_changes(struct store *st, sqlite3_stmt *s, const char *fn)
{
	int rc = sqlite3_step(s);
	int r = rc == SQLITE_DONE ? sqlite3_changes(st->db) : db_fail(st->db, fn);

	stmt_done(s);
	return r;
}

static int
run(struct store *st, enum stmt_id id, const char *fn)
{
	int r = step_changes(st, st->stmt[id], fn);

	return r < 0 ? r : 0;
}

static int
tx_begin(struct store *st, const char *fn)
{
	return run(st, STMT_BEGIN, fn);
}

static void
tx_rollback(struct store *st)
{
	/* Harmless when sqlite already rolled back on its own (e.g. after
	 * SQLITE_FULL); there is nothing more to do if it fails. */
	if (sqlite3_get_autocommit(st->db) == 0)
		run(st, STMT_ROLLBACK, "rollback");
}

static int
tx_commit(struct store *st, const char *fn)
{
	int r = run(st, STMT_COMMIT, fn);

	if (r < 0)
		tx_rollback(st);
	return r;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

/* Copy column I of S into *OUT (NULL stays NULL): 0 or -ENOMEM. */
static int
col_dup(sqlite3_stmt *s, int i, char **out)
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
static void
col_copy(sqlite3_stmt *s, int i, char *buf, size_t size)
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
static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return p;
	ncap = *cap == 0 ? 8 : *cap * 2;
	if ((p = realloc(p, ncap * size)) != NULL)
		*cap = ncap;
	return p;
}

/* After a guarded UPDATE changed nothing: -ENOENT when job ID does not
 * exist, -ESTALE when it does but was in the wrong state. */
static int
stale_or_missing(struct store *st, int64_t id, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_EXISTS];
	int rc, r;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = -ESTALE;
	else if (rc == SQLITE_DONE)
		r = -ENOENT;
	else
		r = db_fail(st->db, fn);
	stmt_done(s);
	return r;
}

static int
job_exists(struct store *st, int64_t id, const char *fn)
{
	int r = stale_or_missing(st, id, fn);

	return r == -ESTALE ? 0 : r;
}

static int
counters_update(struct store *st, int64_t id, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_COUNTERS];

	sqlite3_bind_int64(s, 1, id);
	return run(st, STMT_COUNTERS, fn);
}

/* --- opening and migrations ----------------------------------------------- */

static int
read_user_version(sqlite3 *db, int *out, const char *fn)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, fn);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : db_fail(db, fn);
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
			r = errno_of(sqlite3_extended_errcode(db));
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
	r = errno_of(sqlite3_extended_errcode(db));
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
	 * thread on a timer instead. */
	if (sqlite3_exec(st->db,
		"PRAGMA foreign_keys = ON;"
		" PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0",
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
	r = errno_of(sqlite3_extended_errcode(st->db));
	if (asprintf(cause, "%s: %s", st->path, sqlite3_errmsg(st->db)) < 0)
		*cause = NULL;
	sqlite3_finalize(s);
	return r;
}

static int
prepare_all(struct store *st, char **cause)
{
	char sql[1024];
	const char *what = NULL;

	for (int i = 0; i < STMT__COUNT; i++) {
		what = stmt_sql[i];
		if (sqlite3_prepare_v3(st->db, what, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
			NULL) != SQLITE_OK)
			goto fail;
	}
	for (int v = 0; v < LIST__SHAPES; v++) {
		/* Unused parameters are fine: ?4 makes all four exist.  With
		 * a tag, ordering by t.job_id lets the walk down job_tags_tag
		 * deliver rows already sorted. */
		snprintf(sql, sizeof(sql),
		    "SELECT " JOB_COLS " FROM jobs j%s"
		    " WHERE 1%s%s ORDER BY %s DESC LIMIT ?4",
		    v & LIST_TAG ? " JOIN job_tags t ON t.job_id = j.id"
				   " AND t.tag = ?3"
				 : "",
		    v & LIST_STATE ? " AND j.state = ?1" : "",
		    v & LIST_OWNER ? " AND j.owner = ?2" : "", v & LIST_TAG ? "t.job_id" : "j.id");
		what = sql;
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->list[v],
			NULL) != SQLITE_OK)
			goto fail;
	}
	return 0;

fail:
	/* A statement that does not prepare is a bug in this file. */
	if (asprintf(cause, "%s: preparing \"%s\": %s", st->path, what, sqlite3_errmsg(st->db)) < 0)
		*cause = NULL;
	return -EIO;
}

int
store_open(struct store **out, const char *path, char **cause)
{
	struct store *st;
	int r;

	*out = NULL;
	*cause = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		return -ENOMEM;
	}
	/* NOMUTEX: this connection stays on the loop thread; the checkpoint
	 * thread opens its own. */
	if (sqlite3_open_v2(path, &st->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		r = st->db ? errno_of(sqlite3_extended_errcode(st->db)) : -ENOMEM;
		if (asprintf(cause, "%s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory") < 0)
			*cause = NULL;
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if ((r = configure(st, cause)) < 0 || (r = migrate(st, cause)) < 0 ||
	    (r = prepare_all(st, cause)) < 0)
		goto fail;
	*out = st;
	return 0;

fail:
	store_close(st);
	return r;
}

void
store_close(struct store *st)
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

	if (sqlite3_step(s) == SQLITE_ROW)
		r = sqlite3_column_int(s, 0);
	else
		r = db_fail(st->db, __func__);
	stmt_done(s);
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
		r = db ? db_fail(db, __func__) : -ENOMEM;
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	/* TRUNCATE waits for readers through the busy handler; the loop
	 * thread's transactions are short, so a few seconds is plenty. */
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	/* A fresh connection learns that the file is in WAL mode only when it
	 * first reads it; until then a checkpoint is a silent no-op. */
	if (sqlite3_exec(db, "PRAGMA user_version", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
		SQLITE_OK)
		r = db_fail(db, __func__);
out:
	sqlite3_close(db);
	return r;
}

/* --- jobs ------------------------------------------------------------------ */

static int
row_to_job(sqlite3_stmt *s, struct job **out, const char *fn)
{
	struct job *j;
	const char *text;
	int r;

	if ((j = job_new()) == NULL)
		return -ENOMEM;
	j->id = sqlite3_column_int64(s, 0);
	if ((r = col_dup(s, 1, &j->owner)) < 0 || (r = col_dup(s, 4, &j->message)) < 0 ||
	    (r = col_dup(s, 11, &j->append)) < 0 || (r = col_dup(s, 17, &j->seed)) < 0 ||
	    (r = col_dup(s, 27, &j->timings)) < 0)
		goto fail;
	text = (const char *)sqlite3_column_text(s, 2);
	if (text == NULL || job_state_parse(text, &j->state) < 0)
		goto corrupt;
	j->result = RESULT_NONE;
	text = (const char *)sqlite3_column_text(s, 3);
	if (text != NULL && job_result_parse(text, &j->result) < 0)
		goto corrupt;
	j->created_ms = sqlite3_column_int64(s, 5);
	j->started_ms = sqlite3_column_int64(s, 6);
	j->finished_ms = sqlite3_column_int64(s, 7);
	col_copy(s, 8, j->kernel, sizeof(j->kernel));
	j->smp = sqlite3_column_int(s, 9);
	j->mem_mb = sqlite3_column_int(s, 10);
	j->timeout_s = sqlite3_column_int(s, 12);
	j->idle_timeout_s = sqlite3_column_int(s, 13);
	j->debug_port = sqlite3_column_int(s, 14);
	j->coverage = sqlite3_column_int(s, 15) != 0;
	j->uefi = sqlite3_column_int(s, 16) != 0;
	j->priority = sqlite3_column_int(s, 18);
	j->attempt = sqlite3_column_int(s, 19);
	j->has_exit_status = sqlite3_column_type(s, 20) != SQLITE_NULL;
	j->exit_status = sqlite3_column_int(s, 20);
	j->console_bytes = sqlite3_column_int64(s, 21);
	j->tests_total = sqlite3_column_int(s, 22);
	j->tests_passed = sqlite3_column_int(s, 23);
	j->tests_failed = sqlite3_column_int(s, 24);
	j->test_timeout_s = sqlite3_column_int(s, 25);
	j->fail_on_warn = sqlite3_column_int(s, 26) != 0;
	*out = j;
	return 0;

corrupt:
	fprintf(stderr, "store: %s: job %lld has a bad state or result\n", fn, (long long)j->id);
	r = -EIO;
fail:
	job_free(j);
	return r;
}

/* Load the one-text-column rows of statement ID for job JOB_ID. */
static int
load_strv(struct store *st, enum stmt_id id, int64_t job_id, char ***v, size_t *n, const char *fn)
{
	sqlite3_stmt *s = st->stmt[id];
	size_t cap = 0;
	char **p;
	int rc, r = 0;

	sqlite3_bind_int64(s, 1, job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((p = grow(*v, &cap, *n, sizeof(**v))) == NULL) {
			r = -ENOMEM;
			break;
		}
		*v = p;
		if ((r = col_dup(s, 0, &(*v)[*n])) < 0)
			break;
		(*n)++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, fn);
	stmt_done(s);
	return r;
}

static int
load_exes(struct store *st, struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_EXES_GET];
	size_t cap = 0;
	struct job_exe *e;
	int rc, r = 0;

	sqlite3_bind_int64(s, 1, j->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((e = grow(j->exes, &cap, j->nexes, sizeof(*e))) == NULL) {
			r = -ENOMEM;
			break;
		}
		j->exes = e;
		e = &j->exes[j->nexes];
		memset(e, 0, sizeof(*e));
		if ((r = col_dup(s, 0, &e->name)) < 0)
			break;
		j->nexes++;
		col_copy(s, 1, e->blob, sizeof(e->blob));
		e->mode = (uint32_t)sqlite3_column_int64(s, 2);
		e->size = (uint64_t)sqlite3_column_int64(s, 3);
		e->timeout_s = sqlite3_column_int(s, 4);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, fn);
	stmt_done(s);
	return r;
}

/* Append a copy of column I of S to the string array *V of *N. */
static int
strv_push(sqlite3_stmt *s, int i, char ***v, size_t *n)
{
	char **p = realloc(*v, (*n + 1) * sizeof(**v));

	if (p == NULL)
		return -ENOMEM;
	*v = p;
	if (col_dup(s, i, &p[*n]) < 0 || p[*n] == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Load the (exe_seq, text) rows of statement ID into each executable's
 * arguments (ENV false) or environment (ENV true); J->exes is loaded. */
static int
load_exe_strv(struct store *st, enum stmt_id id, struct job *j, bool env, const char *fn)
{
	sqlite3_stmt *s = st->stmt[id];
	struct job_exe *e;
	int64_t seq;
	int rc, r = 0;

	sqlite3_bind_int64(s, 1, j->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		if (seq < 1 || (uint64_t)seq > j->nexes) {
			fprintf(stderr, "store: %s: job %lld has a row for no executable\n", fn,
			    (long long)j->id);
			r = -EIO;
			break;
		}
		e = &j->exes[seq - 1];
		if ((r = env ? strv_push(s, 1, &e->env, &e->nenv)
			     : strv_push(s, 1, &e->args, &e->nargs)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, fn);
	stmt_done(s);
	return r;
}

/* The store's names for extra kinds, as in job_extra.kind. */
static const char *const extra_kind_names[] = {
	[EXTRA_FILE] = "file",
	[EXTRA_DIR] = "dir",
	[EXTRA_SYMLINK] = "symlink",
};

static int
load_extra(struct store *st, struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_EXTRA_GET];
	size_t cap = 0, k;
	struct job_extra *x;
	const char *kind;
	int rc, r = 0;

	sqlite3_bind_int64(s, 1, j->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((x = grow(j->extra, &cap, j->nextra, sizeof(*x))) == NULL) {
			r = -ENOMEM;
			break;
		}
		j->extra = x;
		x = &j->extra[j->nextra];
		memset(x, 0, sizeof(*x));
		if ((r = col_dup(s, 0, &x->path)) < 0)
			break;
		j->nextra++;
		kind = (const char *)sqlite3_column_text(s, 1);
		for (k = 0; kind != NULL && k < NELEM(extra_kind_names); k++)
			if (strcmp(kind, extra_kind_names[k]) == 0)
				break;
		if (kind == NULL || k == NELEM(extra_kind_names)) {
			fprintf(stderr, "store: %s: job %lld has a bad extra kind\n", fn,
			    (long long)j->id);
			r = -EIO;
			break;
		}
		x->kind = (enum job_extra_kind)k;
		col_copy(s, 2, x->blob, sizeof(x->blob));
		x->mode = (uint32_t)sqlite3_column_int64(s, 3);
		x->size = (uint64_t)sqlite3_column_int64(s, 4);
		if ((r = col_dup(s, 5, &x->target)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, fn);
	stmt_done(s);
	return r;
}

/* Fill in what job J owns in other tables: tags, executables with their
 * arguments and environment, qemu args, modules, the extra tree. */
static int
load_children(struct store *st, struct job *j, const char *fn)
{
	int r;

	if ((r = load_strv(st, STMT_TAGS_GET, j->id, &j->tags, &j->ntags, fn)) < 0 ||
	    (r = load_exes(st, j, fn)) < 0 ||
	    (r = load_exe_strv(st, STMT_EXE_ARGS_GET, j, false, fn)) < 0 ||
	    (r = load_exe_strv(st, STMT_EXE_ENV_GET, j, true, fn)) < 0 ||
	    (r = load_strv(st, STMT_ARGS_GET, j->id, &j->qemu_args, &j->nqemu_args, fn)) < 0 ||
	    (r = load_strv(st, STMT_MODULES_GET, j->id, &j->modules, &j->nmodules, fn)) < 0 ||
	    (r = load_extra(st, j, fn)) < 0)
		return r;
	return 0;
}

/* Step S to the end, turning every row into a complete job. */
static int
collect_jobs(struct store *st, sqlite3_stmt *s, struct job ***out, size_t *n, const char *fn)
{
	struct job **jobs = NULL, **p;
	size_t njobs = 0, cap = 0;
	int rc, r = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((p = grow(jobs, &cap, njobs, sizeof(*jobs))) == NULL) {
			r = -ENOMEM;
			break;
		}
		jobs = p;
		if ((r = row_to_job(s, &jobs[njobs], fn)) < 0)
			break;
		njobs++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, fn);
	stmt_done(s);
	for (size_t i = 0; r == 0 && i < njobs; i++)
		r = load_children(st, jobs[i], fn);
	if (r < 0) {
		store_job_list_free(jobs, njobs);
		return r;
	}
	*out = jobs;
	*n = njobs;
	return 0;
}

/* The wall clock, only for a caller that left created_ms at 0 (store.h
 * promises to fill it); every other time comes from the caller. */
static int64_t
now_ms_fallback(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Insert the rows (JOB_ID, 1.., V[i]) with statement ID. */
static int
insert_strv(struct store *st, enum stmt_id id, int64_t job_id, char *const *v, size_t n)
{
	sqlite3_stmt *s = st->stmt[id];
	int r;

	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, job_id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		bind_text(s, 3, v[i]);
		if ((r = step_changes(st, s, "store_job_insert")) < 0)
			return r;
	}
	return 0;
}

/* Insert the rows (JOB_ID, EXE_SEQ, 1.., V[i]) with statement ID. */
static int
insert_exe_strv(struct store *st, enum stmt_id id, int64_t job_id, size_t exe_seq, char *const *v,
    size_t n)
{
	sqlite3_stmt *s = st->stmt[id];
	int r;

	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, job_id);
		sqlite3_bind_int64(s, 2, (int64_t)exe_seq);
		sqlite3_bind_int64(s, 3, (int64_t)i + 1);
		bind_text(s, 4, v[i]);
		if ((r = step_changes(st, s, "store_job_insert")) < 0)
			return r;
	}
	return 0;
}

int
store_job_insert(struct store *st, struct job *j)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_INSERT];
	int64_t created = j->created_ms ? j->created_ms : now_ms_fallback();
	int64_t id;
	int r;

	if ((r = tx_begin(st, __func__)) < 0)
		return r;
	bind_text(s, 1, j->owner ? j->owner : "");
	bind_text(s, 2, j->message);
	sqlite3_bind_int64(s, 3, created);
	bind_text(s, 4, j->kernel);
	sqlite3_bind_int(s, 5, j->smp);
	sqlite3_bind_int(s, 6, j->mem_mb);
	bind_text(s, 7, j->append ? j->append : "");
	sqlite3_bind_int(s, 8, j->timeout_s);
	sqlite3_bind_int(s, 9, j->idle_timeout_s);
	sqlite3_bind_int(s, 10, j->debug_port);
	sqlite3_bind_int(s, 11, j->coverage);
	sqlite3_bind_int(s, 12, j->uefi);
	bind_text(s, 13, j->seed);
	sqlite3_bind_int(s, 14, j->priority);
	sqlite3_bind_int(s, 15, j->test_timeout_s);
	sqlite3_bind_int(s, 16, j->fail_on_warn);
	bind_text(s, 17, j->timings);
	if ((r = step_changes(st, s, __func__)) < 0)
		goto fail;
	id = sqlite3_last_insert_rowid(st->db);

	s = st->stmt[STMT_TAG_INSERT];
	for (size_t i = 0; i < j->ntags; i++) {
		sqlite3_bind_int64(s, 1, id);
		bind_text(s, 2, j->tags[i]);
		if ((r = step_changes(st, s, __func__)) < 0)
			goto fail;
	}
	s = st->stmt[STMT_EXE_INSERT];
	for (size_t i = 0; i < j->nexes; i++) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		bind_text(s, 3, j->exes[i].name);
		bind_text(s, 4, j->exes[i].blob);
		sqlite3_bind_int64(s, 5, j->exes[i].mode);
		sqlite3_bind_int64(s, 6, (int64_t)j->exes[i].size);
		sqlite3_bind_int(s, 7, j->exes[i].timeout_s);
		if ((r = step_changes(st, s, __func__)) < 0 ||
		    (r = insert_exe_strv(st, STMT_EXE_ARG_INSERT, id, i + 1, j->exes[i].args,
			 j->exes[i].nargs)) < 0 ||
		    (r = insert_exe_strv(st, STMT_EXE_ENV_INSERT, id, i + 1, j->exes[i].env,
			 j->exes[i].nenv)) < 0)
			goto fail;
	}
	if ((r = insert_strv(st, STMT_ARG_INSERT, id, j->qemu_args, j->nqemu_args)) < 0 ||
	    (r = insert_strv(st, STMT_MODULE_INSERT, id, j->modules, j->nmodules)) < 0)
		goto fail;
	s = st->stmt[STMT_EXTRA_INSERT];
	for (size_t i = 0; i < j->nextra; i++) {
		const struct job_extra *x = &j->extra[i];

		if ((unsigned)x->kind >= NELEM(extra_kind_names)) {
			r = -EINVAL;
			goto fail;
		}
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		bind_text(s, 3, x->path);
		bind_text(s, 4, extra_kind_names[x->kind]);
		bind_text(s, 5, x->kind == EXTRA_FILE ? x->blob : NULL);
		sqlite3_bind_int64(s, 6, x->mode);
		sqlite3_bind_int64(s, 7, (int64_t)x->size);
		bind_text(s, 8, x->kind == EXTRA_SYMLINK ? x->target : NULL);
		if ((r = step_changes(st, s, __func__)) < 0)
			goto fail;
	}
	if ((r = tx_commit(st, __func__)) < 0)
		return r;

	/* Make J what store_job_get() would now return. */
	j->id = id;
	j->created_ms = created;
	j->state = JOB_QUEUED;
	j->result = RESULT_NONE;
	j->started_ms = j->finished_ms = 0;
	j->attempt = 1;
	j->has_exit_status = false;
	j->exit_status = 0;
	j->console_bytes = 0;
	j->tests_total = j->tests_passed = j->tests_failed = 0;
	return 0;

fail:
	tx_rollback(st);
	return r;
}

int
store_job_get(struct store *st, int64_t id, struct job **out)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_GET];
	struct job *j = NULL;
	int rc, r;

	*out = NULL;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = row_to_job(s, &j, __func__);
	else if (rc == SQLITE_DONE)
		r = -ENOENT;
	else
		r = db_fail(st->db, __func__);
	stmt_done(s);
	if (r == 0 && (r = load_children(st, j, __func__)) < 0)
		job_free(j);
	else
		*out = j;
	return r;
}

int
store_job_list(struct store *st, const struct job_filter *f, struct job ***out, size_t *n)
{
	int shape = (f->has_state ? LIST_STATE : 0) | (f->owner ? LIST_OWNER : 0) |
	    (f->tag ? LIST_TAG : 0);
	sqlite3_stmt *s = st->list[shape];

	*out = NULL;
	*n = 0;
	if (f->has_state)
		bind_text(s, 1, job_state_name(f->state));
	bind_text(s, 2, f->owner);
	bind_text(s, 3, f->tag);
	sqlite3_bind_int(s, 4, f->limit > 0 ? f->limit : LIST_LIMIT_DEFAULT);
	return collect_jobs(st, s, out, n, __func__);
}

void
store_job_list_free(struct job **jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_free(jobs[i]);
	free(jobs);
}

int
store_job_queue(struct store *st, struct job ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return collect_jobs(st, st->stmt[STMT_JOB_QUEUE], out, n, __func__);
}

/* --- transitions ------------------------------------------------------------ */

int
store_job_start(struct store *st, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_START];
	int r;

	if ((r = tx_begin(st, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms);
	if ((r = step_changes(st, s, __func__)) < 0)
		goto fail;
	if (r == 0) {
		r = stale_or_missing(st, id, __func__);
		goto fail;
	}
	/* Rows of this attempt can only be left over from a start whose
	 * transaction was lost; the attempt begins with none. */
	for (enum stmt_id c = STMT_TESTS_CLEAR; c <= STMT_ARTIFACTS_CLEAR; c++) {
		s = st->stmt[c];
		sqlite3_bind_int64(s, 1, id);
		if ((r = step_changes(st, s, __func__)) < 0)
			goto fail;
	}
	if ((r = counters_update(st, id, __func__)) < 0)
		goto fail;
	return tx_commit(st, __func__);

fail:
	tx_rollback(st);
	return r;
}

int
store_job_set_pid(struct store *st, int64_t id, pid_t pid, uint64_t starttime)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_PID];
	int r;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, pid);
	sqlite3_bind_int64(s, 3, (int64_t)starttime);
	if ((r = step_changes(st, s, __func__)) < 0)
		return r;
	return r == 0 ? stale_or_missing(st, id, __func__) : 0;
}

int
store_job_finish(struct store *st, int64_t id, enum job_result result, const char *message,
    bool has_exit, int exit_status, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_FINISH];
	const char *name = job_result_name(result);
	int r;

	if (!job_result_final(result) || name == NULL)
		return -EINVAL;
	if ((r = tx_begin(st, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, name);
	bind_text(s, 3, message);
	if (has_exit)
		sqlite3_bind_int(s, 4, exit_status);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, now_ms);
	if ((r = step_changes(st, s, __func__)) < 0)
		goto fail;
	if (r == 0) {
		r = stale_or_missing(st, id, __func__);
		goto fail;
	}
	/* A done job has no running tests: whatever was still running when
	 * it ended (timeout, crash, cancel) never finished. */
	s = st->stmt[STMT_TESTS_ABORT];
	sqlite3_bind_int64(s, 1, id);
	if ((r = step_changes(st, s, __func__)) < 0 || (r = counters_update(st, id, __func__)) < 0)
		goto fail;
	return tx_commit(st, __func__);

fail:
	tx_rollback(st);
	return r;
}

int
store_job_set_console_bytes(struct store *st, int64_t id, int64_t bytes)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_CONSOLE];
	int r;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, bytes);
	if ((r = step_changes(st, s, __func__)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int
store_jobs_recover(struct store *st, bool requeue, int64_t now_ms, struct recovered_job **out,
    size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_RECOVER_SELECT];
	struct recovered_job *jobs = NULL, *p;
	size_t njobs = 0, cap = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = tx_begin(st, __func__)) < 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((p = grow(jobs, &cap, njobs, sizeof(*jobs))) == NULL) {
			r = -ENOMEM;
			break;
		}
		jobs = p;
		jobs[njobs].id = sqlite3_column_int64(s, 0);
		jobs[njobs].pid = (pid_t)sqlite3_column_int64(s, 1);
		jobs[njobs].starttime = (uint64_t)sqlite3_column_int64(s, 2);
		njobs++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, __func__);
	stmt_done(s);
	if (r < 0 || njobs == 0)
		goto out;

	/* Tests first: the statement finds them through their job's state,
	 * which the next statement changes. */
	if ((r = run(st, STMT_RECOVER_TESTS, __func__)) < 0)
		goto out;
	if (requeue) {
		r = run(st, STMT_RECOVER_REQUEUE, __func__);
	} else {
		s = st->stmt[STMT_RECOVER_INTERRUPT];
		bind_text(s, 1, INTERRUPTED_MESSAGE);
		sqlite3_bind_int64(s, 2, now_ms);
		r = run(st, STMT_RECOVER_INTERRUPT, __func__);
	}
	for (size_t i = 0; r == 0 && i < njobs; i++)
		r = counters_update(st, jobs[i].id, __func__);
out:
	if (r == 0)
		r = tx_commit(st, __func__);
	else
		tx_rollback(st);
	if (r < 0) {
		free(jobs);
		return r;
	}
	*out = jobs;
	*n = njobs;
	return 0;
}

/* --- tests ------------------------------------------------------------------ */

/* The store's names for output formats, as in tests.format.  They match
 * tout_format_name() today, but they are the database's encoding and must
 * not change when a wire name does. */
static const char *const format_names[] = {
	[TOUT_NONE] = "none",
	[TOUT_TAP] = "tap",
	[TOUT_KTAP] = "ktap",
	[TOUT_LTP] = "ltp",
	[TOUT_KUT] = "kvm-unit-tests",
};

static const char *
format_name(enum tout_format f)
{
	return (unsigned)f < NELEM(format_names) ? format_names[f] : NULL;
}

static int
format_parse(const char *name, enum tout_format *out)
{
	for (size_t i = 0; name != NULL && i < NELEM(format_names); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum tout_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* True when V is a verdict verdict.c knows (its name parses back to it). */
static bool
verdict_valid(enum test_verdict v)
{
	enum test_verdict back;

	return test_verdict_parse(test_verdict_name(v), &back) == 0 && back == v;
}

/* Read column I of S as a verdict: 0, or -EIO (logged) for a bad name. */
static int
col_verdict(sqlite3_stmt *s, int i, enum test_verdict *out, int64_t job_id, const char *fn)
{
	const char *name = (const char *)sqlite3_column_text(s, i);

	if (name != NULL && test_verdict_parse(name, out) == 0)
		return 0;
	fprintf(stderr, "store: %s: job %lld has a bad verdict \"%s\"\n", fn, (long long)job_id,
	    name ? name : "(null)");
	return -EIO;
}

static void
nodes_free(struct tout_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(nodes[i].name);
		free(nodes[i].message);
		nodes_free(nodes[i].children, nodes[i].nchildren);
	}
	free(nodes);
}

/* Insert the sub-result tree NODES of test TEST_ID under PARENT (0 = top),
 * parents before children, with the one prepared INSERT. */
static int
insert_nodes(struct store *st, int64_t test_id, int64_t parent, const struct tout_node *nodes,
    size_t n, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_SUBTEST_INSERT];
	int64_t id;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (!verdict_valid(nodes[i].verdict))
			return -EINVAL;
		sqlite3_bind_int64(s, 1, test_id);
		if (parent != 0)
			sqlite3_bind_int64(s, 2, parent);
		sqlite3_bind_int64(s, 3, (int64_t)i + 1);
		bind_text(s, 4, nodes[i].name ? nodes[i].name : "");
		bind_text(s, 5, test_verdict_name(nodes[i].verdict));
		bind_text(s, 6, nodes[i].message);
		sqlite3_bind_int64(s, 7, (int64_t)nodes[i].line);
		if ((r = step_changes(st, s, fn)) < 0)
			return r;
		id = sqlite3_last_insert_rowid(st->db);
		if ((r = insert_nodes(st, test_id, id, nodes[i].children, nodes[i].nchildren, fn)) <
		    0)
			return r;
	}
	return 0;
}

/* One subtests row while the tree is being put together. */
struct node_row {
	int64_t id, parent_id;
	size_t parent; /* index of the parent row, when parent_id != 0 */
	size_t fill; /* children placed so far */
	struct tout_node node;
};

static int
row_cmp_id(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key, other = ((const struct node_row *)elem)->id;

	return id < other ? -1 : id > other;
}

/* Turn ROWS (in id order, so every parent comes before its children) into
 * a tree: count each node's children, give it an array of that size, then
 * copy each node into its parent's next free slot.  A node is copied
 * before its own children arrive, which is fine: the copy shares its
 * children array.  On success the rows' strings belong to the tree. */
static int
build_tree(struct node_row *rows, size_t n, struct tout_node **out, size_t *nout, int64_t test_id,
    const char *fn)
{
	struct tout_node *top = NULL, *dst;
	struct node_row *p;
	size_t ntop = 0, fill = 0;

	for (size_t i = 0; i < n; i++) {
		if (rows[i].parent_id == 0) {
			ntop++;
			continue;
		}
		p = bsearch(&rows[i].parent_id, rows, i, sizeof(*rows), row_cmp_id);
		if (p == NULL) {
			fprintf(stderr,
			    "store: %s: test %lld has a sub-result without its parent\n", fn,
			    (long long)test_id);
			return -EIO;
		}
		rows[i].parent = (size_t)(p - rows);
		p->node.nchildren++;
	}
	if (ntop > 0 && (top = calloc(ntop, sizeof(*top))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].node.nchildren > 0 &&
		    (rows[i].node.children = calloc(rows[i].node.nchildren,
			 sizeof(struct tout_node))) == NULL) {
			for (size_t k = 0; k < i; k++)
				free(rows[k].node.children);
			free(top);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].parent_id == 0) {
			dst = &top[fill++];
		} else {
			p = &rows[rows[i].parent];
			dst = &p->node.children[p->fill++];
		}
		*dst = rows[i].node;
	}
	*out = top;
	*nout = ntop;
	return 0;
}

/* The sub-result tree of test TEST_ID (a row id) into *OUT, *N. */
static int
load_nodes(struct store *st, int64_t job_id, int64_t test_id, struct tout_node **out, size_t *n,
    const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_SUBTESTS_GET];
	struct node_row *rows = NULL, *row;
	size_t nrows = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	sqlite3_bind_int64(s, 1, test_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((row = grow(rows, &cap, nrows, sizeof(*row))) == NULL) {
			r = -ENOMEM;
			break;
		}
		rows = row;
		row = &rows[nrows];
		memset(row, 0, sizeof(*row));
		nrows++;
		row->id = sqlite3_column_int64(s, 0);
		row->parent_id = sqlite3_column_int64(s, 1); /* NULL reads as 0 */
		row->node.line = (uint64_t)sqlite3_column_int64(s, 5);
		if ((r = col_dup(s, 2, &row->node.name)) < 0 ||
		    (r = col_dup(s, 4, &row->node.message)) < 0 ||
		    (r = col_verdict(s, 3, &row->node.verdict, job_id, fn)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, fn);
	stmt_done(s);
	if (r == 0)
		r = build_tree(rows, nrows, out, n, test_id, fn);
	if (r < 0) {
		for (size_t i = 0; i < nrows; i++) {
			free(rows[i].node.name);
			free(rows[i].node.message);
		}
	}
	free(rows);
	return r;
}

int
store_test_begin(struct store *st, int64_t job_id, int seq, const char *name)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_BEGIN];
	int r;

	if ((r = tx_begin(st, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int(s, 2, seq);
	bind_text(s, 3, name);
	if ((r = step_changes(st, s, __func__)) < 0)
		goto fail;
	if (r == 0) {
		r = stale_or_missing(st, job_id, __func__);
		goto fail;
	}
	if ((r = counters_update(st, job_id, __func__)) < 0)
		goto fail;
	return tx_commit(st, __func__);

fail:
	tx_rollback(st);
	return r;
}

/* Bind what R says of a test's outcome to the parameters FIRST.. of S in
 * the order verdict, exit_code, duration, message, format, first_line,
 * last_line; -EINVAL for a verdict or format the store cannot keep. */
static int
bind_record(sqlite3_stmt *s, int first, const struct test_record *r)
{
	const char *format = format_name(r->format);

	if (r->verdict == VERDICT_RUNNING || !verdict_valid(r->verdict) || format == NULL)
		return -EINVAL;
	bind_text(s, first, test_verdict_name(r->verdict));
	if (r->has_exit_code)
		sqlite3_bind_int(s, first + 1, r->exit_code);
	else
		sqlite3_bind_null(s, first + 1);
	sqlite3_bind_int64(s, first + 2, r->duration_ms);
	bind_text(s, first + 3, r->message);
	bind_text(s, first + 4, format);
	sqlite3_bind_int64(s, first + 5, (int64_t)r->first_line);
	sqlite3_bind_int64(s, first + 6, (int64_t)r->last_line);
	return 0;
}

/* store_test_finish() and store_test_end(): one transaction that finds the
 * newest running test of that name, records R and its sub-results, and
 * updates the counters. */
static int
test_finish(struct store *st, int64_t job_id, const struct test_record *r, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_RUNNING];
	int64_t test_id = 0;
	int rc, e;

	if ((e = tx_begin(st, fn)) < 0)
		return e;
	sqlite3_bind_int64(s, 1, job_id);
	bind_text(s, 2, r->name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		test_id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		e = db_fail(st->db, fn);
	stmt_done(s);
	if (e < 0)
		goto fail;
	if (test_id == 0) {
		/* No running test of that name: -ESTALE when it already
		 * ended (or was aborted), -ENOENT when it never began. */
		s = st->stmt[STMT_TEST_FIND];
		sqlite3_bind_int64(s, 1, job_id);
		bind_text(s, 2, r->name);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			e = -ESTALE;
		else if (rc == SQLITE_DONE)
			e = -ENOENT;
		else
			e = db_fail(st->db, fn);
		stmt_done(s);
		goto fail;
	}
	s = st->stmt[STMT_TEST_UPDATE];
	sqlite3_bind_int64(s, 1, test_id);
	if ((e = bind_record(s, 2, r)) < 0) {
		stmt_done(s);
		goto fail;
	}
	if ((e = step_changes(st, s, fn)) < 0 ||
	    (e = insert_nodes(st, test_id, 0, r->nodes, r->nnodes, fn)) < 0 ||
	    (e = counters_update(st, job_id, fn)) < 0)
		goto fail;
	return tx_commit(st, fn);

fail:
	tx_rollback(st);
	return e;
}

int
store_test_finish(struct store *st, int64_t job_id, const struct test_record *r)
{
	return test_finish(st, job_id, r, __func__);
}

int
store_test_end(struct store *st, int64_t job_id, const char *name, int exit_code,
    int64_t duration_ms)
{
	struct test_record r = {
		.name = name,
		.verdict = exit_code == 0 ? VERDICT_PASS : VERDICT_FAIL,
		.has_exit_code = true,
		.exit_code = exit_code,
		.duration_ms = duration_ms,
		.format = TOUT_NONE,
	};

	return test_finish(st, job_id, &r, __func__);
}

int
store_test_add(struct store *st, int64_t job_id, int seq, const struct test_record *r)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_ADD];
	int e;

	if ((e = tx_begin(st, __func__)) < 0)
		return e;
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int(s, 2, seq);
	bind_text(s, 3, r->name);
	if ((e = bind_record(s, 4, r)) < 0) {
		stmt_done(s);
		goto fail;
	}
	if ((e = step_changes(st, s, __func__)) < 0)
		goto fail;
	if (e == 0) {
		e = stale_or_missing(st, job_id, __func__);
		goto fail;
	}
	if ((e = insert_nodes(st, sqlite3_last_insert_rowid(st->db), 0, r->nodes, r->nnodes,
		 __func__)) < 0 ||
	    (e = counters_update(st, job_id, __func__)) < 0)
		goto fail;
	return tx_commit(st, __func__);

fail:
	tx_rollback(st);
	return e;
}

int
store_tests_abort(struct store *st, int64_t job_id)
{
	sqlite3_stmt *s = st->stmt[STMT_TESTS_ABORT];
	int r;

	if ((r = tx_begin(st, __func__)) < 0)
		return r;
	if ((r = job_exists(st, job_id, __func__)) < 0)
		goto fail;
	sqlite3_bind_int64(s, 1, job_id);
	if ((r = step_changes(st, s, __func__)) < 0 ||
	    (r = counters_update(st, job_id, __func__)) < 0)
		goto fail;
	return tx_commit(st, __func__);

fail:
	tx_rollback(st);
	return r;
}

/* Read the TEST_COLS row of S into T (name, verdict, exit code, duration,
 * seq) and, when F is not NULL, the rest of F but the sub-results. */
static int
read_test(sqlite3_stmt *s, struct test_result *t, struct test_full *f, int64_t job_id,
    const char *fn)
{
	int r;

	t->seq = sqlite3_column_int(s, 0);
	if ((r = col_dup(s, 1, &t->name)) < 0 ||
	    (r = col_verdict(s, 2, &t->verdict, job_id, fn)) < 0)
		return r;
	t->has_exit_code = sqlite3_column_type(s, 3) != SQLITE_NULL;
	t->exit_code = sqlite3_column_int(s, 3);
	t->duration_ms = sqlite3_column_int64(s, 4);
	if (f == NULL)
		return 0;
	if ((r = col_dup(s, 6, &f->message)) < 0)
		return r;
	if (format_parse((const char *)sqlite3_column_text(s, 7), &f->format) < 0) {
		fprintf(stderr, "store: %s: job %lld test %d has a bad format\n", fn,
		    (long long)job_id, t->seq);
		return -EIO;
	}
	f->first_line = (uint64_t)sqlite3_column_int64(s, 8);
	f->last_line = (uint64_t)sqlite3_column_int64(s, 9);
	return 0;
}

int
store_test_list(struct store *st, int64_t job_id, struct test_result **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_LIST];
	struct test_result *tests = NULL, *t;
	size_t ntests = 0, cap = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = job_exists(st, job_id, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((t = grow(tests, &cap, ntests, sizeof(*t))) == NULL) {
			r = -ENOMEM;
			break;
		}
		tests = t;
		t = &tests[ntests++];
		memset(t, 0, sizeof(*t));
		if ((r = read_test(s, t, NULL, job_id, __func__)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, __func__);
	stmt_done(s);
	if (r < 0) {
		store_test_list_free(tests, ntests);
		return r;
	}
	*out = tests;
	*n = ntests;
	return 0;
}

void
store_test_list_free(struct test_result *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].name);
	free(t);
}

int
store_test_list_full(struct store *st, int64_t job_id, struct test_full **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_LIST];
	struct test_full *tests = NULL, *t;
	size_t ntests = 0, cap = 0;
	int64_t *ids = NULL, *p;
	size_t idcap = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = job_exists(st, job_id, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((t = grow(tests, &cap, ntests, sizeof(*t))) == NULL) {
			r = -ENOMEM;
			break;
		}
		tests = t;
		if ((p = grow(ids, &idcap, ntests, sizeof(*ids))) == NULL) {
			r = -ENOMEM;
			break;
		}
		ids = p;
		ids[ntests] = sqlite3_column_int64(s, 5);
		t = &tests[ntests++];
		memset(t, 0, sizeof(*t));
		if ((r = read_test(s, &t->t, t, job_id, __func__)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, __func__);
	stmt_done(s);
	/* The sub-results once the test list is reset: the two statements
	 * never step at the same time. */
	for (size_t i = 0; r == 0 && i < ntests; i++)
		r = load_nodes(st, job_id, ids[i], &tests[i].nodes, &tests[i].nnodes, __func__);
	free(ids);
	if (r < 0) {
		store_test_list_full_free(tests, ntests);
		return r;
	}
	*out = tests;
	*n = ntests;
	return 0;
}

void
store_test_list_full_free(struct test_full *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].t.name);
		free(t[i].message);
		nodes_free(t[i].nodes, t[i].nnodes);
	}
	free(t);
}

/* --- crash reports ------------------------------------------------------------ */

int
store_crash_add(struct store *st, const struct crash_record *c)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_ADD];
	int r;

	if (c->kind == NULL || c->title == NULL)
		return -EINVAL;
	sqlite3_bind_int64(s, 1, c->job_id);
	bind_text(s, 2, c->test);
	bind_text(s, 3, c->kind);
	bind_text(s, 4, c->title);
	sqlite3_bind_int(s, 5, c->fatal);
	bind_text(s, 6, c->report ? c->report : "");
	sqlite3_bind_int64(s, 7, (int64_t)c->first_line);
	sqlite3_bind_int64(s, 8, (int64_t)c->last_line);
	sqlite3_bind_int64(s, 9, c->time_ms);
	/* One statement is its own transaction. */
	if ((r = step_changes(st, s, __func__)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int
store_crash_list(struct store *st, int64_t job_id, struct crash_record **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_LIST];
	struct crash_record *list = NULL, *c;
	size_t nlist = 0, cap = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = job_exists(st, job_id, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((c = grow(list, &cap, nlist, sizeof(*c))) == NULL) {
			r = -ENOMEM;
			break;
		}
		list = c;
		c = &list[nlist++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(s, 0);
		c->job_id = job_id;
		c->fatal = sqlite3_column_int(s, 4) != 0;
		c->first_line = (uint64_t)sqlite3_column_int64(s, 6);
		c->last_line = (uint64_t)sqlite3_column_int64(s, 7);
		c->time_ms = sqlite3_column_int64(s, 8);
		if ((r = col_dup(s, 1, &c->test)) < 0 || (r = col_dup(s, 2, &c->kind)) < 0 ||
		    (r = col_dup(s, 3, &c->title)) < 0 || (r = col_dup(s, 5, &c->report)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, __func__);
	stmt_done(s);
	if (r < 0) {
		store_crash_list_free(list, nlist);
		return r;
	}
	*out = list;
	*n = nlist;
	return 0;
}

void
store_crash_list_free(struct crash_record *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].test);
		free(c[i].kind);
		free(c[i].title);
		free(c[i].report);
	}
	free(c);
}

int
store_crash_groups(struct store *st, int limit, struct crash_group **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_GROUPS];
	struct crash_group *list = NULL, *g;
	size_t nlist = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	sqlite3_bind_int(s, 1, limit > 0 ? limit : LIST_LIMIT_DEFAULT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((g = grow(list, &cap, nlist, sizeof(*g))) == NULL) {
			r = -ENOMEM;
			break;
		}
		list = g;
		g = &list[nlist++];
		memset(g, 0, sizeof(*g));
		g->fatal = sqlite3_column_int(s, 2) != 0;
		g->count = sqlite3_column_int64(s, 3);
		g->jobs = sqlite3_column_int64(s, 4);
		g->first_ms = sqlite3_column_int64(s, 5);
		g->last_ms = sqlite3_column_int64(s, 6);
		g->first_job = sqlite3_column_int64(s, 7);
		g->last_job = sqlite3_column_int64(s, 8);
		if ((r = col_dup(s, 0, &g->title)) < 0 || (r = col_dup(s, 1, &g->kind)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, __func__);
	stmt_done(s);
	if (r < 0) {
		store_crash_groups_free(list, nlist);
		return r;
	}
	*out = list;
	*n = nlist;
	return 0;
}

void
store_crash_groups_free(struct crash_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].title);
		free(g[i].kind);
	}
	free(g);
}

/* --- artifacts ------------------------------------------------------------------ */

static const char *const artifact_status_names[] = {
	[ARTIFACT_OK] = "ok",
	[ARTIFACT_CORRUPT] = "corrupt",
	[ARTIFACT_INCOMPLETE] = "incomplete",
};

const char *
artifact_status_name(enum artifact_status s)
{
	return (unsigned)s < NELEM(artifact_status_names) ? artifact_status_names[s] : NULL;
}

int
store_artifact_add(struct store *st, const struct artifact_record *a)
{
	sqlite3_stmt *s = st->stmt[STMT_ARTIFACT_ADD];
	const char *status = artifact_status_name(a->status);
	int r;

	if (status == NULL || a->test == NULL || a->path == NULL)
		return -EINVAL;
	sqlite3_bind_int64(s, 1, a->job_id);
	bind_text(s, 2, a->test);
	bind_text(s, 3, a->path);
	sqlite3_bind_int64(s, 4, (int64_t)a->size);
	bind_text(s, 5, a->sha256);
	bind_text(s, 6, status);
	if ((r = step_changes(st, s, __func__)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int
store_artifact_list(struct store *st, int64_t job_id, struct artifact_record **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_ARTIFACT_LIST];
	struct artifact_record *list = NULL, *a;
	size_t nlist = 0, cap = 0, k;
	const char *status;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = job_exists(st, job_id, __func__)) < 0)
		return r;
	sqlite3_bind_int64(s, 1, job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((a = grow(list, &cap, nlist, sizeof(*a))) == NULL) {
			r = -ENOMEM;
			break;
		}
		list = a;
		a = &list[nlist++];
		memset(a, 0, sizeof(*a));
		a->job_id = job_id;
		a->size = (uint64_t)sqlite3_column_int64(s, 2);
		col_copy(s, 3, a->sha256, sizeof(a->sha256));
		if ((r = col_dup(s, 0, &a->test)) < 0 || (r = col_dup(s, 1, &a->path)) < 0)
			break;
		status = (const char *)sqlite3_column_text(s, 4);
		for (k = 0; status != NULL && k < NELEM(artifact_status_names); k++)
			if (strcmp(status, artifact_status_names[k]) == 0)
				break;
		if (status == NULL || k == NELEM(artifact_status_names)) {
			fprintf(stderr, "store: %s: job %lld has a bad artifact status\n", __func__,
			    (long long)job_id);
			r = -EIO;
			break;
		}
		a->status = (enum artifact_status)k;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st->db, __func__);
	stmt_done(s);
	if (r < 0) {
		store_artifact_list_free(list, nlist);
		return r;
	}
	*out = list;
	*n = nlist;
	return 0;
}

void
store_artifact_list_free(struct artifact_record *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].test);
		free(a[i].path);
	}
	free(a);
}

int
store_job_set_timings(struct store *st, int64_t id, const char *json)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_TIMINGS];
	int r;

	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, json);
	if ((r = step_changes(st, s, __func__)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}
