/*
 * store.h -- the only door to pkvmd's sqlite database.
 *
 * Only the store's own files (store.c, jobs.c, tests.c, reports.c,
 * symbols.c, tokens.c, ..., sharing private.h) include sqlite3.h.  Every call is synchronous and runs on the
 * event loop thread; the database is in WAL mode with synchronous=NORMAL,
 * so a commit appends to the WAL without an fsync and takes microseconds.  The fsyncs happen
 * at checkpoints, which store_checkpoint() runs on its own connection,
 * from a worker thread, so that console capture never waits for the disk.
 *
 * Every state change is one transaction.  Errors are negative errno:
 * -ENOENT (no such row), -ESTALE (the row is not in the state the
 * transition needs), -EIO (sqlite failed; the detail went to the log),
 * -ENOMEM.
 */
#ifndef PKVM_STORE_H
#define PKVM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "job/job.h"
#include "sha256.h"
#include "tout/test-output.h"
#include "tout/verdict.h"

struct store;

/* Open (creating if needed) the database at PATH and apply the numbered
 * migrations from schema/ that are newer than PRAGMA user_version.  0 or
 * negative errno, with *CAUSE set to a malloc'd message on failure. */
int store_new(struct store **out, const char *path, char **cause);
/* Open the database at PATH, which a pkvmd of this version has made, for
 * reading only, on a connection of its own: for a worker thread (one at a
 * time) that reads much, so the loop's connection never waits for it (in
 * WAL mode readers and the writer do not block each other).  Its writes
 * fail with -EROFS.  0 or negative errno, with *CAUSE as store_new(). */
int store_open_reader(struct store **out, const char *path, char **cause);
/* Close the database; NULL is fine. */
void store_free(struct store *st);
/* The schema version now in force (PRAGMA user_version). */
int store_schema_version(struct store *st);
/* Run a WAL checkpoint (PASSIVE: it never makes the loop thread wait) on
 * a private connection; safe to call from a worker thread while the loop
 * thread writes.  0 or negative errno. */
int store_checkpoint(const char *path);

/* Insert a new queued job with its tags, executables and qemu args in one
 * transaction; sets J->id and J->created_ms (when 0). */
int store_job_insert(struct store *st, struct job *j);
/* Load job ID with everything it owns into *OUT (job_free() it). */
int store_job_get(struct store *st, int64_t id, struct job **out);
/* A number that changes whenever what store_job_get() returns for job ID
 * may have changed (never the same for a changed job; sometimes another
 * for an unchanged one). */
uint64_t store_job_version(const struct store *st, int64_t id);

struct job_filter {
	bool has_state;
	enum job_state state;
	const char *tag; /* NULL = any */
	const char *owner; /* NULL = any */
	const char *result; /* NULL = any; else a job_result_name() */
	int64_t before; /* > 0: only ids below it (the next page's cursor) */
	int limit; /* <= 0 means 100 */
};
/* Jobs matching F, newest first, into a malloc'd array *OUT of *N jobs. */
int store_job_list(struct store *st, const struct job_filter *f, struct job ***out, size_t *n);
/* The ids of the jobs store_job_list() would return for F, at most MAX
 * (F's limit should not ask for more) into IDS, their number in *N. */
int store_job_list_ids(struct store *st, const struct job_filter *f, int64_t *ids, size_t max,
    size_t *n);
/* The newest finished job with tag TAG, or else of kernel KERNEL (a
 * sha256): 0 with *ID, -ENOENT when there is none. */
int store_job_latest(struct store *st, const char *tag, const char *kernel, int64_t *id);
/* Running job ID's attempt was ended by the infrastructure (RESULT
 * error, MESSAGE why): keep it in the job's attempts and queue the job
 * again as attempt+1.  0, -ESTALE when the job is not running or has no
 * attempt left, or negative errno. */
int store_job_retry(struct store *st, int64_t id, enum job_result result, const char *message,
    int64_t now_ms);
/* Free an array from store_job_list(). */
void store_job_list_free(struct job **jobs, size_t n);
/* Queued jobs in scheduling order (priority desc, then id asc = FIFO). */
int store_job_queue(struct store *st, struct job ***out, size_t *n);

/* A queued or running job, as the scheduler and the users' view need it:
 * no child rows are read. */
struct job_brief {
	int64_t id;
	char *owner;
	enum job_state state;
	int smp;
	int priority;
	int64_t started_ms; /* 0 while queued */
};
/* Queued and running jobs in scheduling order (priority desc, then id),
 * into a malloc'd array *OUT of *N. */
int store_jobs_active(struct store *st, struct job_brief **out, size_t *n);
/* Free an array from store_jobs_active(). */
void store_jobs_active_free(struct job_brief *jobs, size_t n);

/* What the store keeps about a user (schema/009-quotas.sql). */
struct store_user {
	char *name;
	double usage_slot_ms; /* decayed usage as of usage_at_ms */
	int64_t usage_at_ms;
	/* Quotas an admin set; -1 = the daemon's default, 0 = no limit. */
	int64_t quota_running_slots;
	int64_t quota_queued_jobs;
	int64_t quota_blob_bytes_per_day;
	int64_t blob_day; /* UTC day (days since the epoch) of blob_bytes */
	int64_t blob_bytes; /* blob bytes uploaded on blob_day */
};
/* Every user with a row, by name, into a malloc'd array *OUT of *N. */
int store_users_list(struct store *st, struct store_user **out, size_t *n);
/* Free an array from store_users_list(). */
void store_users_free(struct store_user *u, size_t n);
/* User NAME into *OUT (name borrowed from NAME): 0, or -ENOENT with *OUT
 * the row of a user who has none (no usage, default quotas). */
int store_user_get(struct store *st, const char *name, struct store_user *out);
/* Set user NAME's decayed usage as of AT_MS. */
int store_user_usage_put(struct store *st, const char *name, double usage_slot_ms, int64_t at_ms);
/* Set user NAME's three quotas (-1 = default, 0 = no limit). */
int store_user_quota_put(struct store *st, const char *name, const struct store_user *q);
/* Add BYTES to what user NAME uploaded on UTC day DAY (an older day's
 * count starts over). */
int store_user_blob_add(struct store *st, const char *name, int64_t day, int64_t bytes);

/* queued -> running: sets started_ms, attempt, clears old test rows of the
 * new attempt.  -ESTALE when the job is not queued. */
int store_job_start(struct store *st, int64_t id, int64_t now_ms);
/* Record the qemu process of a running job so a restarted daemon can kill a
 * survivor: its pid and its start time from /proc/PID/stat (field 22, in
 * clock ticks since boot). */
int store_job_set_pid(struct store *st, int64_t id, pid_t pid, uint64_t starttime_ticks);
/* running or queued -> done with RESULT and MESSAGE (may be NULL);
 * EXIT_STATUS is recorded when HAS_EXIT.  -ESTALE when already done. */
int store_job_finish(struct store *st, int64_t id, enum job_result result, const char *message,
    bool has_exit, int exit_status, int64_t now_ms);
/* Update the job's captured console size (cheap; called at most ~1/s). */
int store_job_set_console_bytes(struct store *st, int64_t id, int64_t bytes);
/* Where running job ID's guest runs, elsewhere than here ("Slurm job 12 on
 * node n1"; 021-placement.sql); -ENOENT when it is not running. */
int store_job_set_placement(struct store *st, int64_t id, const char *where);

struct recovered_job {
	int64_t id;
	pid_t pid; /* 0 when none was recorded */
	uint64_t starttime_ticks; /* from /proc/PID/stat when the pid was recorded */
};
/* At start-up: every job left `running` by a dead daemon becomes queued
 * again with attempt+1, the ended attempt kept (REQUEUE, when the job has
 * an attempt left: job->max_attempts), or done/interrupted, in one
 * transaction.  Returns the jobs touched so the caller can kill surviving
 * qemus.  The same transaction turns every coverage capture left pending
 * or running into COV_ERROR ("interrupted: ..."): captures were the dead
 * daemon's children, and none of them will report. */
int store_jobs_recover(struct store *st, bool requeue, int64_t now_ms, struct recovered_job **out,
    size_t *n);

struct test_result {
	char *name;
	enum test_verdict verdict;
	bool has_exit_code;
	int exit_code;
	int64_t duration_ms;
	int seq; /* run order within the job, from 1 */
};
/* A test of job ID's current attempt began (verdict running). */
int store_test_begin(struct store *st, int64_t job_id, int seq, const char *name);
/* A test ended: verdict from EXIT_CODE; updates the job's counters. */
int store_test_end(struct store *st, int64_t job_id, const char *name, int exit_code,
    int64_t duration_ms);
/* Mark every still-running test of the job as ERROR (crash, timeout). */
int store_tests_abort(struct store *st, int64_t job_id);
/* Tests of the job's current attempt in run order. */
int store_test_list(struct store *st, int64_t job_id, struct test_result **out, size_t *n);
/* Free an array from store_test_list(). */
void store_test_list_free(struct test_result *t, size_t n);

/* ---- issue 3: results, crashes, artifacts ---------------------------- */

/* What the runner knows of a test once it ended. */
struct test_record {
	const char *name;
	enum test_verdict verdict;
	bool has_exit_code;
	int exit_code;
	int64_t duration_ms;
	const char *message; /* NULL when none */
	enum tout_format format;
	uint64_t first_line, last_line; /* its part of the serial log */
	const struct tout_node *nodes; /* sub-results, nested */
	size_t nnodes;
};
/* The test NAME of job ID's current attempt ended: store the record and its
 * sub-results (replacing store_test_end for the runner), update counters. */
int store_test_finish(struct store *st, int64_t job_id, const struct test_record *r);
/* A pseudo-test the guest ran outside /ramfs.exe ("_modules"): insert it
 * finished, with its sub-results. */
int store_test_add(struct store *st, int64_t job_id, int seq, const struct test_record *r);
/* Rerun RETRY (from 1) of test R->name of job ID's current attempt ended
 * (--retry-failed): keep it beside the test's first run, which becomes
 * flaky if it failed and R passed, as does each of its sub-results that
 * failed and passed in R; counted for flakiness.  -ENOENT when the test
 * never ran first. */
int store_test_rerun(struct store *st, int64_t job_id, int retry, const struct test_record *r);

/* One rerun of a test (test_retries, 020-flaky.sql). */
struct test_rerun {
	int retry; /* 1 for the first */
	enum test_verdict verdict;
	bool has_exit_code;
	int exit_code;
	int64_t duration_ms;
	char *message;
	uint64_t first_line, last_line;
};

/* One test with everything the API shows (GET /v1/jobs/ID/results). */
struct test_full {
	struct test_result t; /* name, verdict, exit code, duration, seq */
	char *message;
	enum tout_format format;
	uint64_t first_line, last_line;
	struct tout_node *nodes; /* sub-results tree */
	size_t nnodes;
	struct test_rerun *reruns; /* in order, after its first run failed */
	size_t nreruns;
};
/* Tests of job ID's current attempt in run order, with sub-results. */
int store_test_list_full(struct store *st, int64_t job_id, struct test_full **out, size_t *n);
/* One run of a test (or of a sub-result) in a job's current attempt. */
struct test_run {
	int64_t job_id;
	int attempt;
	char kernel[SHA256_HEX_LEN + 1];
	int64_t created_ms; /* the job's */
	enum test_verdict verdict;
	int64_t duration_ms; /* a test's; -1 for a sub-result */
};
/* The runs of test NAME, or of its sub-result at PATH (NPATH names from
 * the test down; "name#K" is the K-th sibling of that name) in done jobs,
 * newest first, at most LIMIT (0: 100), of jobs tagged TAG unless NULL;
 * runs without that sub-result are left out.  free() *OUT. */
int store_test_history(struct store *st, const char *name, char *const *path, size_t npath,
    const char *tag, int limit, struct test_run **out, size_t *n);
/* A test (or sub-test, "test / sub / ...") that both passed and failed
 * on one kernel with one set of test files (019-outcomes.sql). */
struct flaky_test {
	char *test;
	char kernel[SHA256_HEX_LEN + 1], tests_key[SHA256_HEX_LEN + 1];
	int64_t passes, fails;
	int64_t last_job; /* the newest job that ran it there */
};
/* The flaky tests, newest first, at most LIMIT (0: 100), of kernels and
 * test files a job tagged TAG ran, unless TAG is NULL.  Free with
 * store_flaky_free(). */
int store_flaky(struct store *st, const char *tag, int limit, struct flaky_test **out, size_t *n);
/* The flaky results of KERNEL with TESTS_KEY, sorted by test (strcmp). */
int store_flaky_of(struct store *st, const char *kernel, const char *tests_key,
    struct flaky_test **out, size_t *n);
void store_flaky_free(struct flaky_test *f, size_t n);
/* How often TEST ("test / sub / ...") passed and failed on KERNEL with
 * TESTS_KEY since it first failed there: 0, or -ENOENT when it never did. */
int store_outcome_get(struct store *st, const char *kernel, const char *tests_key, const char *test,
    int64_t *passes, int64_t *fails);
/* Free an array from store_test_list_full(). */
void store_test_list_full_free(struct test_full *t, size_t n);

/* Where a crash report's symbolization is (docs/SYMBOLS.md). */
enum crash_symbols {
	SYMBOLS_NONE, /* nothing to do: no vmlinux for the kernel, no frame */
	SYMBOLS_PENDING, /* its job is not done, or it is queued or running */
	SYMBOLS_OK, /* with the symbolized copy */
	SYMBOLS_ERROR, /* with a message */
};
/* Name of a symbolization status: "none", "pending", "ok", "error". */
const char *crash_symbols_name(enum crash_symbols s);

struct crash_record {
	int64_t id; /* set by the store */
	int64_t job_id;
	char *test; /* the test running then, or NULL (boot, init) */
	char *kind; /* crash_kind_name() */
	char *title;
	bool fatal;
	char *report;
	uint64_t first_line, last_line;
	int64_t time_ms;
	/* Read only (store_crash_add() ignores them): the symbolization.  A
	 * report nobody set one for reads as SYMBOLS_PENDING while its job is
	 * not done (the symbolizer runs when it is), SYMBOLS_NONE after. */
	enum crash_symbols symbols;
	char *symbols_message; /* why not, or what was left out; or NULL */
	char *symbolized; /* the report with file:line (SYMBOLS_OK), or NULL */
};
/* Add a crash report of job JOB_ID (current attempt). */
int store_crash_add(struct store *st, const struct crash_record *c);
/* Crash reports of job JOB_ID's current attempt in console order. */
int store_crash_list(struct store *st, int64_t job_id, struct crash_record **out, size_t *n);
/* Free an array from store_crash_list(). */
void store_crash_list_free(struct crash_record *c, size_t n);

/* Which reports the crash groups count (GET /v1/crashes?kind=&tag=&since=). */
struct crash_filter {
	const char *kind; /* only reports of this kind; NULL = any */
	const char *tag; /* only reports of jobs with this tag; NULL = any */
	int64_t since_ms; /* only groups last seen at or after this; 0 = any */
	int limit; /* at most this many groups; <= 0 means 100 */
};

/* The kernels a group lists: the newest this many, by first job. */
#define CRASH_GROUP_KERNELS 10

/* A kernel a crash title was seen on. */
struct crash_kernel {
	char sha256[SHA256_HEX_LEN + 1]; /* the kernel blob */
	char *version; /* what it printed after "Linux version", NULL when no
			* console of it showed that */
	int64_t count; /* the group's reports on it */
};

/* A newer kernel that stopped showing a crash title (store_crash_groups()
 * says which). */
struct crash_fix {
	char sha256[SHA256_HEX_LEN + 1];
	char *version; /* NULL when unknown */
	int64_t job; /* the first later job on it that ran TEST to its end */
	char *test; /* the test of the title's last report; NULL when that
		     * came outside any test, and then JOB ran through */
};

struct crash_group {
	char *title;
	char *kind;
	bool fatal;
	int64_t count; /* reports with this title */
	int64_t jobs; /* distinct jobs */
	int64_t first_ms, last_ms;
	int64_t first_job, last_job;
	struct crash_kernel *kernels; /* newest first, at most CRASH_GROUP_KERNELS */
	size_t nkernels;
	int64_t kernel_count; /* all the kernels it was seen on */
	bool fixed; /* FIXED_IN is set */
	struct crash_fix fixed_in;
};
/* Reports of every job grouped by title, most recently seen first
 * (`crashes --all`); F chooses the reports (NULL: all, 100 groups).  A
 * group is fixed in the oldest kernel newer than the one of the title's
 * last report in any job (a kernel is newer when its first job came
 * later) that never showed the title and on which a job later than that
 * report ran the report's test to its end, pass or fail (for a report
 * outside any test: ran through, passed or failed); FIXED_IN names it and
 * that kernel's first such job.  The fix is judged on all jobs whatever F
 * says: it is a fact about the title.  0 or negative errno. */
int store_crash_groups(struct store *st, const struct crash_filter *f, struct crash_group **out,
    size_t *n);
/* Free an array from store_crash_groups(). */
void store_crash_groups_free(struct crash_group *g, size_t n);

/* The console of job JOB_ID showed its kernel's version (the release after
 * "Linux version"): keep it for the kernel unless a console showed one
 * before.  0, -EINVAL for an empty VERSION, -ENOENT for no such job. */
int store_kernel_set_version(struct store *st, int64_t job_id, const char *version);

enum artifact_status { ARTIFACT_OK, ARTIFACT_CORRUPT, ARTIFACT_INCOMPLETE };
struct artifact_record {
	int64_t job_id;
	char *test; /* test name, or "_system" */
	char *path; /* relative to the test's PKVM_OUTPUT */
	uint64_t size; /* announced size */
	char sha256[SHA256_HEX_LEN + 1]; /* announced sha256 */
	enum artifact_status status;
};
/* Name of an artifact status: "ok", "corrupt", "incomplete". */
const char *artifact_status_name(enum artifact_status s);
/* Record an artifact of job JOB_ID (replaces one with the same test/path). */
int store_artifact_add(struct store *st, const struct artifact_record *a);
/* Artifacts of job JOB_ID in the order they arrived. */
int store_artifact_list(struct store *st, int64_t job_id, struct artifact_record **out, size_t *n);
/* Free an array from store_artifact_list(). */
void store_artifact_list_free(struct artifact_record *a, size_t n);

/* Record the guest's timing marks of the current attempt as a JSON object
 * text ({"init": 9.81, "tests": 10.02, "end": 12.5} in seconds since boot). */
int store_job_set_timings(struct store *st, int64_t id, const char *json);

/* ---- issue 9: symbolized crash reports ------------------------------- */

/* Give every crash report of job JOB_ID's current attempt STATUS and
 * MESSAGE (NULL for none) and no symbolized copy: the symbolizer marks a
 * job's reports pending when it takes the job, and ends them all alike
 * when it symbolizes none of them.  0 or negative errno (-EINVAL for an
 * unknown STATUS). */
int store_crash_symbols_set_all(struct store *st, int64_t job_id, enum crash_symbols status,
    const char *message);

/* One report's symbolization, as the symbolizer stores it. */
struct crash_symbols_row {
	int64_t crash_id;
	enum crash_symbols status;
	const char *message; /* or NULL */
	const char *text; /* the symbolized copy, or NULL */
};
/* Store the N rows, reports of job JOB_ID, in one transaction.  0,
 * -ENOENT when a row names no report of that job (nothing is stored), or
 * another negative errno. */
int store_crash_symbols_put(struct store *st, int64_t job_id, const struct crash_symbols_row *rows,
    size_t n);
/* For a pkvmd starting after one that stopped while symbolizing: the done
 * jobs whose current attempt has reports still pending, in id order, into
 * a malloc'd *IDS (free() it; NULL when none).  Pending reports of an
 * attempt that is no job's finished one (a job requeued by the recovery)
 * become SYMBOLS_ERROR with MESSAGE first, in the same transaction. */
int store_crash_symbols_unfinished(struct store *st, const char *message, int64_t **ids, size_t *n);

/* A vmlinux some job named, by its GNU build id. */
struct vmlinux_build {
	char *build_id; /* lower-case hex */
	char blob[SHA256_HEX_LEN + 1];
};
/* Record that blob BLOB is a vmlinux with build id BUILD_ID, named by a
 * job at NOW_MS (an existing pair only gets the new time). */
int store_vmlinux_add(struct store *st, const char *build_id, const char *blob, int64_t now_ms);
/* Every recorded vmlinux, the most recently named first, into *OUT. */
int store_vmlinux_list(struct store *st, struct vmlinux_build **out, size_t *n);
/* Free an array from store_vmlinux_list(). */
void store_vmlinux_list_free(struct vmlinux_build *v, size_t n);

/* ---- issue 4: coverage ---------------------------------------------- */

enum coverage_status {
	COV_DISABLED, /* the job asked for none (-C) */
	COV_NONE, /* no .gcda at all: nothing was built for coverage */
	COV_PENDING, /* the job ended, its capture is queued */
	COV_RUNNING, /* being captured */
	COV_OK,
	COV_ERROR, /* with a message */
};
/* Name of a coverage status: "disabled", "none", "pending", "running",
 * "ok", "error". */
const char *coverage_status_name(enum coverage_status s);

struct cov_counts {
	int64_t hit, total;
};
struct coverage_row {
	char *file; /* source file; NULL for the job's totals */
	struct cov_counts lines, functions, branches;
};
/* Set job ID's coverage status (and MESSAGE, NULL for none) of the current
 * attempt; clears stored numbers unless STATUS is COV_OK.  Any status may
 * follow any other, in any job state; -EINVAL for an unknown STATUS. */
int store_coverage_set_status(struct store *st, int64_t id, enum coverage_status status,
    const char *message);
/* Store job ID's coverage: TOTAL and per-file ROWS, status ok, in one
 * transaction (replacing earlier numbers).  -EINVAL for a row without a
 * file or a negative count, -EEXIST for a file given twice; either way
 * the earlier numbers stay. */
int store_coverage_put(struct store *st, int64_t id, const struct coverage_row *total,
    const struct coverage_row *rows, size_t n);
/* Job ID's coverage of its current attempt: status, message (malloc'd or
 * NULL), totals, and per-file rows sorted by file (bytewise); every output
 * but STATUS may be NULL when not wanted (ROWS and N together).  The
 * attempt's coverage row, once anyone set one, is the answer.  Without
 * one the status is COV_DISABLED when the job's coverage flag is off,
 * else COV_PENDING while the job is queued or running (its numbers are
 * still to come) and COV_NONE once it is done (it ended and no capture
 * was queued: it shipped no .gcda).  So a runner that will capture sets
 * COV_PENDING before it stores the job done, and readers never see
 * "none" in between.  Totals are zero and there are no rows unless the
 * status is COV_OK. */
int store_coverage_get(struct store *st, int64_t id, enum coverage_status *status, char **message,
    struct coverage_row *total, struct coverage_row **rows, size_t *n);
/* Free rows from store_coverage_get(). */
void store_coverage_rows_free(struct coverage_row *rows, size_t n);
/* Jobs whose current attempt's coverage is ok, with tag TAG (newest
 * first, at most LIMIT, <= 0 means 100), into a malloc'd *IDS (free() it;
 * NULL when there are none). */
int store_coverage_jobs_with_tag(struct store *st, const char *tag, int limit, int64_t **ids,
    size_t *n);

/* ---- issue 10: bearer tokens ----------------------------------------- */

/* Hex digits of a token's public lookup part (its "key"). */
#define STORE_TOKEN_KEY_LEN 16

/* A bearer token as the store keeps it: never the token itself, only the
 * sha256 of it (docs/API.md, "Authentication"). */
struct token_record {
	int64_t id; /* set by store_token_insert() */
	char key[STORE_TOKEN_KEY_LEN + 1]; /* the public part that finds the row */
	char hash[SHA256_HEX_LEN + 1]; /* sha256 hex of the whole token */
	char *user; /* whose jobs it acts for */
	char *scopes; /* "read,submit,admin": the scope names it grants */
	char *created_by; /* the user who made it */
	int64_t created_ms;
	int64_t expires_ms; /* 0: never */
	int64_t last_used_ms; /* 0: never */
	int64_t revoked_ms; /* 0: live */
};
/* Insert T (key, hash, user, scopes, created_by, created_ms, expires_ms);
 * sets T->id.  -EEXIST when another token has T's key. */
int store_token_insert(struct store *st, struct token_record *t);
/* The token whose key is KEY into *OUT (store_token_clear() it); -ENOENT
 * when there is none. */
int store_token_by_key(struct store *st, const char *key, struct token_record *out);
/* Token ID into *OUT (store_token_clear() it); -ENOENT when there is none. */
int store_token_get(struct store *st, int64_t id, struct token_record *out);
/* The tokens of USER (NULL: everyone's), newest first, revoked ones too,
 * into a malloc'd array *OUT of *N (store_token_list_free() it). */
int store_token_list(struct store *st, const char *user, struct token_record **out, size_t *n);
/* Free an array from store_token_list(). */
void store_token_list_free(struct token_record *t, size_t n);
/* Free what T owns (not T itself). */
void store_token_clear(struct token_record *t);
/* Revoke token ID at NOW_MS; one already revoked keeps its first time.
 * -ENOENT when there is no such token. */
int store_token_revoke(struct store *st, int64_t id, int64_t now_ms);
/* Record that token ID was used at NOW_MS.  The caller decides how often
 * (at most once a minute: auth.c); -ENOENT when there is no such token. */
int store_token_touch(struct store *st, int64_t id, int64_t now_ms);
/* ---- stats.c: for /metrics and /v1/health ---- */

/* The number of jobs in each state into COUNTS (indexed by enum
 * job_state).  0 or negative errno. */
int store_jobs_count(struct store *st, int64_t counts[JOB_DONE + 1]);

/* The number of queued jobs into *N (the index jobs_queue counts them
 * without reading the table: GET /v1/events' slots).  0 or negative errno. */
int store_jobs_queued(struct store *st, int64_t *n);

/* How long job ID may take: the run time of the newest other job of the
 * same kernel and executables' names that ran its tests to the end
 * (passed or failed), into *FROM_ID and *DURATION_MS.  0, -ENOENT when
 * there is none, or negative errno. */
int store_job_estimate(struct store *st, int64_t id, int64_t *from_id, int64_t *duration_ms);

/* One owner's queued jobs. */
struct store_owner_jobs {
	char *owner;
	int64_t jobs;
};
/* The owners with queued jobs and how many, by owner, into a malloc'd
 * *OUT of *N (store_owner_jobs_free() it). */
int store_queue_by_owner(struct store *st, struct store_owner_jobs **out, size_t *n);
/* Free a list from store_queue_by_owner(); NULL is fine. */
void store_owner_jobs_free(struct store_owner_jobs *list, size_t n);
/* Commit a one-page write that changes no data (stats.c says what it
 * proves): 0, or -ENOSPC, -EBUSY, -EIO... when the database cannot be
 * written now. */
int store_write_check(struct store *st);

/* ---- issue 10: retention (docs/LAB.md section 5, retention.c) -------- */

/* A job that still holds its directory, as a prune pass sees it. */
struct retention_job {
	int64_t id;
	enum job_state state;
	int64_t finished_ms; /* 0 while not done */
	bool pinned;
	bool busy; /* its coverage capture or symbolization is still to come */
};
/* Every job not pruned yet, the oldest finished first (unfinished ones,
 * finished_ms 0, lead), into a malloc'd *OUT (free() it). */
int store_retention_jobs(struct store *st, struct retention_job **out, size_t *n);
/* Record that the directories of the N jobs IDS were pruned at NOW_MS, in
 * one transaction; a job that is not done, pinned, busy or pruned already
 * is left out.  The jobs marked are moved to the front of IDS; returns
 * their count, or negative errno (nothing marked). */
int store_jobs_mark_pruned(struct store *st, int64_t *ids, size_t n, int64_t now_ms);
/* Pin or unpin job ID: 0, -ENOENT, or negative errno. */
int store_job_set_pinned(struct store *st, int64_t id, bool pinned);
/* The blobs a job that keeps its directory refers to (its kernel, vmlinux,
 * executables, --extra files, disk images; while a report waits for symbolization,
 * every vmlinux known by build id), sorted, no repeats, into a malloc'd
 * *OUT (free() it). */
int store_blob_refs(struct store *st, char (**out)[SHA256_HEX_LEN + 1], size_t *n);

#endif
