/*
 * store.h -- the only door to pkvmd's sqlite database.
 *
 * Only store.c includes sqlite3.h.  Every call is synchronous and runs on
 * the event loop thread; the database is in WAL mode with
 * synchronous=NORMAL, so a commit appends to the WAL without an fsync and
 * takes microseconds.  The fsyncs happen at checkpoints, which
 * store_checkpoint() runs on its own connection, from a worker thread, so
 * that console capture never waits for the disk.
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

#include "job.h"

struct store;

/* Open (creating if needed) the database at PATH and apply the numbered
 * migrations from schema/ that are newer than PRAGMA user_version.  0 or
 * negative errno, with *CAUSE set to a malloc'd message on failure. */
int store_open(struct store **out, const char *path, char **cause);
/* Close the database; NULL is fine. */
void store_close(struct store *st);
/* The schema version now in force (PRAGMA user_version). */
int store_schema_version(struct store *st);
/* Run a WAL checkpoint (TRUNCATE) on a private connection; safe to call from
 * a worker thread while the loop thread writes.  0 or negative errno. */
int store_checkpoint(const char *path);

/* Insert a new queued job with its tags, executables and qemu args in one
 * transaction; sets J->id and J->created_ms (when 0). */
int store_job_insert(struct store *st, struct job *j);
/* Load job ID with everything it owns into *OUT (job_free() it). */
int store_job_get(struct store *st, int64_t id, struct job **out);

struct job_filter {
	bool has_state;
	enum job_state state;
	const char *tag; /* NULL = any */
	const char *owner; /* NULL = any */
	int limit; /* <= 0 means 100 */
};
/* Jobs matching F, newest first, into a malloc'd array *OUT of *N jobs. */
int store_job_list(struct store *st, const struct job_filter *f, struct job ***out, size_t *n);
/* Free an array from store_job_list(). */
void store_job_list_free(struct job **jobs, size_t n);
/* Queued jobs in scheduling order (priority desc, then id asc = FIFO). */
int store_job_queue(struct store *st, struct job ***out, size_t *n);

/* queued -> running: sets started_ms, attempt, clears old test rows of the
 * new attempt.  -ESTALE when the job is not queued. */
int store_job_start(struct store *st, int64_t id, int64_t now_ms);
/* Record the qemu process of a running job so a restarted daemon can kill a
 * survivor: its pid and its start time from /proc/PID/stat (field 22). */
int store_job_set_pid(struct store *st, int64_t id, pid_t pid, uint64_t starttime);
/* running or queued -> done with RESULT and MESSAGE (may be NULL);
 * EXIT_STATUS is recorded when HAS_EXIT.  -ESTALE when already done. */
int store_job_finish(struct store *st, int64_t id, enum job_result result, const char *message,
    bool has_exit, int exit_status, int64_t now_ms);
/* Update the job's captured console size (cheap; called at most ~1/s). */
int store_job_set_console_bytes(struct store *st, int64_t id, int64_t bytes);

struct recovered_job {
	int64_t id;
	pid_t pid; /* 0 when none was recorded */
	uint64_t starttime; /* from /proc/PID/stat when the pid was recorded */
};
/* At start-up: every job left `running` by a dead daemon becomes queued
 * again with attempt+1 (REQUEUE) or done/interrupted, in one transaction.
 * Returns the jobs touched so the caller can kill surviving qemus. */
int store_jobs_recover(struct store *st, bool requeue, int64_t now_ms, struct recovered_job **out,
    size_t *n);

enum test_verdict { VERDICT_RUNNING, VERDICT_PASS, VERDICT_FAIL, VERDICT_ERROR };
/* Name of a verdict: "running", "pass", "fail", "error". */
const char *test_verdict_name(enum test_verdict v);

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

#endif
