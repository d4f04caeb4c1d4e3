/*
 * private.h -- what the files of the store module share.
 *
 * The store is nine files behind store.h: store.c (opening, migrations,
 * statements, transactions and the plumbing below), jobs.c (job rows and
 * their life), tests.c (tests and sub-results), reports.c (crash
 * reports, artifacts, coverage), symbols.c (crash reports'
 * symbolization, the vmlinux blobs by build id), crash-groups.c (crash
 * reports grouped across jobs), kernels.c (each kernel's first job and
 * version), tokens.c (the hashes of bearer tokens), users.c (usage,
 * quotas, the scheduler's brief view of the queue) and retention.c (what
 * retention prunes, pins, blob references).  Only they include this
 * header, and so only they see sqlite3.h.
 *
 * Statements are prepared once, at open.  Each file declares the SQL of
 * the statements it runs in its own table of {id, sql} rows, next to the
 * code that binds them; store_new() prepares every table and refuses to
 * open when a statement id has no SQL or two, so a forgotten row is an
 * error at the first start, not a NULL statement later.
 *
 * The helpers' names start with "st_" so they cannot collide with the
 * rest of the daemon in the one static library; none of them is API.
 */
#ifndef PKVM_STORE_PRIVATE_H
#define PKVM_STORE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

#define LIST_LIMIT_DEFAULT 100

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum stmt_id {
	/* store.c */
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_BEGIN_READ,
	STMT_USER_VERSION,
	STMT_JOB_EXISTS,

	/* jobs.c */
	STMT_JOB_INSERT,
	STMT_TAG_INSERT,
	STMT_EXE_INSERT,
	STMT_EXE_ARG_INSERT,
	STMT_EXE_ENV_INSERT,
	STMT_ARG_INSERT,
	STMT_MODULE_INSERT,
	STMT_EXTRA_INSERT,
	STMT_COV_PATH_INSERT,
	STMT_STREAM_PATH_INSERT,
	STMT_JOB_SET_STOP_ON_FAILURE,
	STMT_JOB_GET,
	STMT_JOB_LATEST_TAG,
	STMT_JOB_LATEST_KERNEL,
	STMT_ATTEMPTS_GET,
	STMT_ATTEMPT_ADD,
	STMT_JOB_RETRY,
	STMT_RECOVER_ATTEMPTS,
	STMT_TAGS_GET,
	STMT_EXES_GET,
	STMT_EXE_ARGS_GET,
	STMT_EXE_ENV_GET,
	STMT_ARGS_GET,
	STMT_MODULES_GET,
	STMT_EXTRA_GET,
	STMT_COV_PATHS_GET,
	STMT_STREAM_PATHS_GET,
	STMT_JOB_STOP_ON_FAILURE_GET,
	STMT_PAYLOAD_INSERT,
	STMT_PAYLOADS_GET,
	STMT_JOB_QUEUE,
	STMT_JOB_START,
	/* What store_job_start() clears of the new attempt, in this order
	 * and together: keep them between STMT_TESTS_CLEAR and
	 * STMT_COVERAGE_CLEAR. */
	STMT_TESTS_CLEAR,
	STMT_CRASHES_CLEAR,
	STMT_ARTIFACTS_CLEAR,
	STMT_COVERAGE_CLEAR,
	STMT_JOB_SET_PID,
	STMT_JOB_FINISH,
	STMT_JOB_SET_CONSOLE,
	STMT_JOB_SET_PLACEMENT,
	STMT_JOB_SET_TIMINGS,
	STMT_RECOVER_SELECT,
	STMT_RECOVER_TESTS,
	STMT_RECOVER_REQUEUE,
	STMT_RECOVER_INTERRUPT,
	STMT_RECOVER_CAPTURES,

	/* disks.c */
	STMT_DISK_INSERT,
	STMT_DISKS_GET,
	STMT_JOB_ROOT_SET,
	STMT_JOB_ROOT_GET,

	/* tests.c */
	STMT_COUNTERS,
	STMT_TEST_BEGIN,
	STMT_TEST_RUNNING,
	STMT_TEST_UPDATE,
	STMT_TEST_FIND,
	STMT_TEST_ADD,
	STMT_SUBTEST_INSERT,
	STMT_TESTS_ABORT,
	STMT_TEST_LIST,
	STMT_HISTORY_TESTS,
	STMT_HISTORY_SUB,
	STMT_OUTCOME_JOB,
	STMT_OUTCOME_GROUP,
	STMT_OUTCOME_PASS,
	STMT_OUTCOME_FAIL,
	STMT_OUTCOME_EARLIER,
	STMT_OUTCOME_GET,
	STMT_FLAKY_LIST,
	STMT_FLAKY_OF,
	STMT_SUBTESTS_GET,
	STMT_TEST_FIRST_RUN,
	STMT_RERUN_INSERT,
	STMT_TEST_FLAKY,
	STMT_SUBTEST_FLAKY,
	STMT_RERUN_LIST,

	/* reports.c */
	STMT_CRASH_ADD,
	STMT_CRASH_LIST,
	STMT_ARTIFACT_ADD,
	STMT_ARTIFACT_LIST,
	STMT_COVERAGE_STATUS,
	STMT_COVERAGE_PUT,
	STMT_COVERAGE_FILES_CLEAR,
	STMT_COVERAGE_FILE_INSERT,
	STMT_COVERAGE_GET,
	STMT_COVERAGE_FILES_GET,
	STMT_COVERAGE_TAG,

	/* symbols.c */
	STMT_CRASH_SYMBOLS_ALL,
	STMT_CRASH_SYMBOLS_PUT,
	STMT_CRASH_SYMBOLS_STALE,
	STMT_CRASH_SYMBOLS_UNFINISHED,
	STMT_VMLINUX_ADD,
	STMT_VMLINUX_LIST,

	/* crash-groups.c */
	STMT_CRASH_GROUPS,
	STMT_CRASH_GROUPS_TAG,
	STMT_CRASH_KERNELS,
	STMT_CRASH_LAST,
	STMT_CRASH_FIXED_TEST,
	STMT_CRASH_FIXED_BOOT,

	/* kernels.c */
	STMT_KERNEL_SEEN,
	STMT_KERNEL_VERSION,

	/* tokens.c */
	STMT_TOKEN_INSERT,
	STMT_TOKEN_BY_KEY,
	STMT_TOKEN_GET,
	STMT_TOKEN_LIST,
	STMT_TOKEN_LIST_USER,
	STMT_TOKEN_REVOKE,
	STMT_TOKEN_TOUCH,
	/* stats.c */
	STMT_STATS_JOBS,
	STMT_STATS_QUEUE,
	STMT_STATS_QUEUED,
	STMT_STATS_ESTIMATE,
	STMT_HEALTH_WRITE,

	/* users.c */
	STMT_JOBS_ACTIVE,
	STMT_USERS_LIST,
	STMT_USER_GET,
	STMT_USER_USAGE_PUT,
	STMT_USER_QUOTA_PUT,
	STMT_USER_BLOB_ADD,

	/* retention.c */
	STMT_RETENTION_JOBS,
	STMT_JOB_MARK_PRUNED,
	STMT_JOB_SET_PINNED,
	STMT_BLOB_REFS,

	/* ci-outbox.c */
	STMT_CI_JOB_ROW,
	STMT_CI_OUTBOX_ADD,
	STMT_CI_OUTBOX_HEADS,
	STMT_CI_OUTBOX_RETRY,
	STMT_CI_OUTBOX_DONE,
	STMT_CI_OUTBOX_JOB,
	STMT_CI_OUTBOX_PROJECT,
	STMT_CI_QUEUE_POSITION,
	STMT_CI_JOBS_UNREPORTED,
	/* ci.c */
	STMT_CI_DELIVERY_FIND,
	STMT_CI_DELIVERY_INSERT,
	STMT_CI_DELIVERY_TRIM,
	STMT_CI_DELIVERY_FINISH,
	STMT_CI_DELIVERY_QUEUED,
	STMT_CI_DELIVERIES_INTERRUPT,
	STMT_CI_DELIVERIES_LIST,
	STMT_CI_JOB_INSERT,
	STMT_CI_SUPERSEDE_SELECT,
	STMT_CI_SUPERSEDE_MARK,
	STMT__COUNT
};

/* One statement's SQL, as the files' tables list them. */
struct stmt_def {
	enum stmt_id id;
	const char *sql;
};

/* The statement tables of each file, with their lengths. */
extern const struct stmt_def st_core_stmts[], st_job_stmts[], st_test_stmts[], st_report_stmts[],
    st_symbol_stmts[], st_group_stmts[], st_kernel_stmts[], st_token_stmts[], st_stats_stmts[],
    st_user_stmts[], st_retention_stmts[], st_ci_stmts[], st_ci_outbox_stmts[], st_disk_stmts[];
extern const size_t st_core_nstmts, st_job_nstmts, st_test_nstmts, st_report_nstmts,
    st_symbol_nstmts, st_group_nstmts, st_kernel_nstmts, st_token_nstmts, st_stats_nstmts,
    st_user_nstmts, st_retention_nstmts, st_ci_nstmts, st_ci_outbox_nstmts, st_disk_nstmts;

/* Bits of the job list's shape: which filters the statement has. */
enum {
	LIST_STATE = 1 << 0,
	LIST_OWNER = 1 << 1,
	LIST_TAG = 1 << 2,
	LIST__SHAPES = 1 << 3,
};

/* versions.c's change counters (store_job_version()). */
#define STORE_VERSION_SLOTS 4096 /* a power of two */
#define STORE_VERSION_TABLES 48
struct store_versions_table {
	char name[48];
	int job_id_col;
};
struct store_versions {
	uint64_t epoch; /* every job's: moved by a rollback */
	uint32_t slot[STORE_VERSION_SLOTS];
	struct store_versions_table tables[STORE_VERSION_TABLES]; /* those with a job_id */
	size_t ntables;
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[STMT__COUNT];
	sqlite3_stmt *list[LIST__SHAPES];
	struct store_versions versions;
};

/* ---- versions.c: what changed --------------------------------------- */

/* Watch this connection's writes for store_job_version(); after the
 * migrations.  0 or negative errno. */
int st_versions_start(struct store *st);

/* ---- store.c: errors, statements, transactions ----------------------- */

/* Map an (extended) sqlite result code to a negative errno. */
int st_errno_of(int code);
/* Log the connection's last error for FN and return it as an errno. */
int st_db_fail(sqlite3 *db, const char *fn);
/* Reset S and clear its bindings, so no caller's string outlives a call. */
void st_stmt_done(sqlite3_stmt *s);
/* Step S, which returns no rows, and reset it: the number of rows it
 * changed, or negative errno. */
int st_step_changes(struct store *st, sqlite3_stmt *s, const char *fn);
/* Step S, which changes at most one row, and reset it: 0, -ENOENT when it
 * changed none, or negative errno. */
int st_step_one(struct store *st, sqlite3_stmt *s, const char *fn);
/* Step S, a write guarded by job ID's state, and reset it: 0 when it
 * changed a row, else -ENOENT when job ID does not exist, -ESTALE when it
 * was in the wrong state, or another negative errno. */
int st_step_guarded(struct store *st, sqlite3_stmt *s, int64_t id, const char *fn);
/* Step S, a query of at most one row: 0 with S on that row, -ENOENT when
 * there is none, or another negative errno; in every case the caller
 * reads what it needs and then calls st_stmt_done(). */
int st_step_row(struct store *st, sqlite3_stmt *s, const char *fn);
/* Step S, a query for the row a write found in the wrong state, and reset
 * it: -ESTALE when the row is there, -ENOENT when it is not, or another
 * negative errno. */
int st_step_stale(struct store *st, sqlite3_stmt *s, const char *fn);
/* Step statement ID (bound or without parameters): 0 or negative errno. */
int st_run(struct store *st, enum stmt_id id, const char *fn);
/* st_run() of statement ID with KEY bound to its ?1. */
int st_run_key(struct store *st, enum stmt_id id, int64_t key, const char *fn);
/* BEGIN IMMEDIATE: 0 or negative errno. */
int st_tx_begin(struct store *st, const char *fn);
/* Open a transaction whose first step is S, a write already bound and
 * guarded by job ID's state (st_step_guarded()): 0 with the transaction
 * open, or negative errno with none open and S's bindings cleared. */
int st_tx_begin_guarded(struct store *st, sqlite3_stmt *s, int64_t id, const char *fn);
/* End the open transaction on R, the result of what ran in it: when R >= 0
 * COMMIT and return 0; otherwise, or when the COMMIT fails, ROLLBACK and
 * return R or the COMMIT's negative errno. */
int st_tx_end(struct store *st, int r, const char *fn);
/* Open a read transaction, so that the reads until st_read_end() (a job
 * and its child rows) see one snapshot and take the WAL's read lock once
 * instead of once per statement (two fcntl() calls each); true when one
 * was opened, false inside an open transaction or on error. */
bool st_read_begin(struct store *st, const char *fn);
/* End what st_read_begin() opened when BEGAN. */
void st_read_end(struct store *st, bool began, const char *fn);
/* Bind TEXT (NULL binds NULL) without a copy: valid until st_stmt_done(). */
void st_bind_text(sqlite3_stmt *s, int i, const char *text);
/* Bind a list's LIMIT to parameter I of S: store.h's lists take <= 0 to
 * mean LIST_LIMIT_DEFAULT. */
void st_bind_limit(sqlite3_stmt *s, int i, int limit);
/* Copy column I of S into *OUT (NULL stays NULL): 0 or -ENOMEM. */
int st_col_dup(sqlite3_stmt *s, int i, char **out);
/* Copy column I of S into the fixed buffer BUF (a sha256 hex). */
void st_col_copy(sqlite3_stmt *s, int i, char *buf, size_t size);
/* Make room for element N in array P of *CAP elements of SIZE bytes: the
 * array, perhaps moved, or NULL on ENOMEM with P left as it was. */
void *st_grow(void *p, size_t *cap, size_t n, size_t size);
/* Fill ELEM, zeroed, from the current row of S: 0 or negative errno. */
typedef int st_row_reader(sqlite3_stmt *s, void *elem, void *arg);
/* Free what element ELEM of a list owns, but not ELEM itself. */
typedef void st_elem_clear(void *elem);
/* One kind of list the store reads: the size of an element, how a row
 * fills one, and how to free what one owns (NULL when it owns nothing).
 * Each list is one const table row next to its reader. */
struct st_list_kind {
	size_t elem;
	st_row_reader *read;
	st_elem_clear *clear;
};
/* What most row readers need besides the row: the job the rows belong to,
 * and the function to name when a row is bad. */
struct st_row_ctx {
	int64_t job_id;
	const char *fn;
};
/* Step S (already bound) to the end, one element of KIND per row, zeroed
 * and then filled by KIND->read(s, elem, ARG): 0 with *OUT and *N set, or
 * negative errno with what was read freed, *OUT NULL and *N 0; S is reset
 * either way. */
int st_collect(struct store *st, sqlite3_stmt *s, const struct st_list_kind *kind, void *arg,
    void **out, size_t *n, const char *fn);
/* st_collect() of statement ID with KEY bound to its ?1. */
int st_collect_key(struct store *st, enum stmt_id id, int64_t key, const struct st_list_kind *kind,
    void *arg, void **out, size_t *n, const char *fn);
/* st_collect_key() of job JOB_ID's rows, or -ENOENT (*OUT NULL, *N 0) when
 * there is no such job. */
int st_collect_job(struct store *st, enum stmt_id id, int64_t job_id,
    const struct st_list_kind *kind, void *arg, void **out, size_t *n, const char *fn);
/* Free LIST, N elements of KIND from st_collect(); NULL is fine. */
void st_list_free(const struct st_list_kind *kind, void *list, size_t n);
/* How the store spells an enum in its TEXT columns: NAMES[value] for each
 * of the N values, and WHAT the enum is, for messages.  Each enum the
 * store keeps has one, next to its table of names, so that writing and
 * reading it cannot disagree. */
struct st_names {
	const char *const *names;
	size_t n;
	const char *what;
};
/* The name of VALUE in E, or NULL when E has none for it. */
const char *st_name_of(const struct st_names *e, int value);
/* Log that column I of S holds a WHAT of job CTX->job_id that the store
 * cannot read, and return -EIO. */
int st_col_bad(sqlite3_stmt *s, int i, const char *what, const struct st_row_ctx *ctx);
/* Read column I of S, a name from E, as its value: that, or st_col_bad()
 * when it is none of E's names. */
int st_col_name(sqlite3_stmt *s, int i, const struct st_names *e, const struct st_row_ctx *ctx);
/* 0 when job ID exists, -ENOENT when not, or another negative errno. */
int st_job_exists(struct store *st, int64_t id, const char *fn);

/* ---- jobs.c ------------------------------------------------------------ */

/* The SELECT of the job list of each SHAPE (LIST_* bits), in jobs.c. */
extern const char *const st_job_list_sql[LIST__SHAPES];

/* Insert job J and its child rows inside the caller's open transaction,
 * then make J what store_job_get() would return (id, state, ...): 0 or
 * negative errno (the caller rolls back). */
int st_job_insert_rows(struct store *st, struct job *j, const char *fn);

/* ---- disks.c ----------------------------------------------------------- */

/* Insert J's disks, root and keep_disk as job ID's, inside the caller's
 * transaction: 0 or negative errno. */
int st_job_disks_insert(struct store *st, int64_t id, const struct job *j, const char *fn);
/* Load job J's disks, root and keep_disk (J->id is set): 0 or negative
 * errno. */
int st_job_disks_load(struct store *st, struct job *j, const char *fn);

/* ---- symbols.c ---------------------------------------------------------- */

/* A crash report's symbolization status from column I of S, or when that
 * is NULL from the job's state in column STATE (store.h's rule): the
 * status, or st_col_bad(). */
int st_crash_symbols_read(sqlite3_stmt *s, int i, int state, const struct st_row_ctx *ctx);

/* ---- tests.c ----------------------------------------------------------- */

/* Recompute job ID's test counters from its current attempt's tests. */
int st_counters_update(struct store *st, int64_t id, const char *fn);
/* st_tx_end() of a change to job ID's tests: when R >= 0 the job's
 * counters are recomputed first, in the same transaction. */
int st_tx_end_counters(struct store *st, int64_t id, int r, const char *fn);

/* ---- kernels.c --------------------------------------------------------- */

/* Record that job JOB_ID uses kernel SHA256; the first job to do so is
 * the kernel's age (its row is left alone after that).  0 or negative
 * errno. */
int st_kernel_seen(struct store *st, const char *sha256, int64_t job_id, const char *fn);

#endif
