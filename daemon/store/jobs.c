/*
 * jobs.c -- job rows, what they own, and their life in the store.
 *
 * A job is one jobs row plus rows in child tables for what it owns in
 * order (tags, executables with their arguments and environment, qemu
 * arguments, modules, the --extra tree, the coverage paths).
 * store_job_insert() writes them all in one transaction, with the
 * kernel's first job when it is the first (kernels.c); reading a job
 * is one row from JOB_COLS and one query per child table
 * (load_children()), run after the job statement is reset so two
 * statements never step at once.
 *
 * Transitions (start, finish, recovery) are guarded UPDATEs, see store.c.
 * Starting an attempt clears what a lost start of it left behind: its
 * tests, crash reports, artifacts and coverage, in one range of statements
 * (STMT_TESTS_CLEAR .. STMT_COVERAGE_CLEAR).  The guest's timings are the
 * current attempt's too: starting an attempt or requeueing a job clears
 * them.  A requeued job's new attempt has no coverage row, so it reads as
 * pending again (reports.c).  Recovery also fails the coverage
 * captures a dead daemon left pending or running: they were its children.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "store/private.h"

#define INTERRUPTED_MESSAGE "interrupted: pkvmd stopped while the job was running"
/* A job's attempt a restart ended, the job queued again. */
#define RESTARTED_MESSAGE "pkvmd stopped during the attempt"
/* The same on the last attempt the job may have. */
#define LAST_ATTEMPT_MESSAGE "interrupted: pkvmd stopped during the job's last allowed attempt"
#define CAPTURE_LOST_MESSAGE "interrupted: pkvmd stopped before the coverage capture ended"

/* The columns row_to_job() reads, in its order, from "jobs j". */
#define JOB_COLS \
	"j.id, j.owner, j.state, j.result, j.message, j.created_ms," \
	" j.started_ms, j.finished_ms, j.kernel, j.smp, j.mem_mb," \
	" j.append, j.timeout_s, j.idle_timeout_s, j.debug_port," \
	" j.coverage, j.uefi, j.seed, j.priority, j.attempt," \
	" j.exit_status, j.console_bytes, j.tests_total, j.tests_passed," \
	" j.tests_failed, j.test_timeout_s, j.fail_on_warn, j.timings," \
	" j.build_dir, j.gcov_tool, j.net, j.vmlinux, j.via, j.pinned, j.pruned_ms," \
	" j.interactive, j.cpu, j.max_attempts, j.tests_key, j.retry_failed, j.new_seed," \
	" j.strict, j.placement, j.warm"

/* The rows of one attempt of job ?1, the job's current one. */
#define OF_CURRENT_ATTEMPT "job_id = ?1 AND attempt = (SELECT attempt FROM jobs WHERE id = ?1)"

const struct stmt_def st_job_stmts[] = {
	{ .id = STMT_JOB_INSERT,
	    .sql = "INSERT INTO jobs (owner, state, message, created_ms, kernel,"
		   " smp, mem_mb, append, timeout_s, idle_timeout_s, debug_port,"
		   " coverage, uefi, seed, priority, test_timeout_s, fail_on_warn,"
		   " timings, build_dir, gcov_tool, net, vmlinux, via, interactive, cpu,"
		   " max_attempts, tests_key, retry_failed, new_seed, strict, warm)"
		   " VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		   " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"
		   " ?26, ?27, ?28, ?29, ?30)" },
	/* job_tags keeps no position (rowid is the order): ?2 goes unused,
	 * so the tags are written like every other list of strings. */
	{ .id = STMT_TAG_INSERT,
	    .sql = "INSERT OR IGNORE INTO job_tags (job_id, tag) VALUES (?1, ?3)" },
	{ .id = STMT_EXE_INSERT,
	    .sql = "INSERT INTO job_exes (job_id, seq, name, blob, mode, size,"
		   " timeout_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
	{ .id = STMT_EXE_ARG_INSERT,
	    .sql = "INSERT INTO job_exe_args (job_id, exe_seq, seq, arg) VALUES (?1, ?2, ?3, ?4)" },
	{ .id = STMT_EXE_ENV_INSERT,
	    .sql =
		"INSERT INTO job_exe_env (job_id, exe_seq, seq, entry) VALUES (?1, ?2, ?3, ?4)" },
	{ .id = STMT_ARG_INSERT,
	    .sql = "INSERT INTO job_qemu_args (job_id, seq, arg) VALUES (?1, ?2, ?3)" },
	{ .id = STMT_MODULE_INSERT,
	    .sql = "INSERT INTO job_modules (job_id, seq, name) VALUES (?1, ?2, ?3)" },
	{ .id = STMT_EXTRA_INSERT,
	    .sql = "INSERT INTO job_extra (job_id, seq, path, kind, blob, mode,"
		   " size, target) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" },
	{ .id = STMT_COV_PATH_INSERT,
	    .sql = "INSERT INTO job_coverage_paths (job_id, seq, path) VALUES (?1, ?2, ?3)" },
	{ .id = STMT_STREAM_PATH_INSERT,
	    .sql = "INSERT INTO job_stream_paths (job_id, seq, path) VALUES (?1, ?2, ?3)" },
	{ .id = STMT_JOB_SET_STOP_ON_FAILURE,
	    .sql = "UPDATE jobs SET stop_on_failure = ?2 WHERE id = ?1" },

	{ .id = STMT_JOB_GET, .sql = "SELECT " JOB_COLS " FROM jobs j WHERE j.id = ?1" },
	{ .id = STMT_ATTEMPTS_GET,
	    .sql = "SELECT attempt, result, message, started_ms, finished_ms FROM job_attempts"
		   " WHERE job_id = ?1 ORDER BY attempt" },
	/* The job's current attempt, ended by the infrastructure (?2, ?3),
	 * kept before the job is queued again. */
	{ .id = STMT_ATTEMPT_ADD,
	    .sql = "INSERT INTO job_attempts (job_id, attempt, result, message, started_ms,"
		   " finished_ms) SELECT id, attempt, ?2, ?3, started_ms, ?4 FROM jobs"
		   " WHERE id = ?1 AND state = 'running' AND attempt < max_attempts" },
	{ .id = STMT_JOB_RETRY,
	    .sql = "UPDATE jobs SET state = 'queued', attempt = attempt + 1,"
		   " started_ms = 0, exit_status = NULL, pid = 0, pid_starttime = 0,"
		   " timings = NULL WHERE id = ?1 AND state = 'running'"
		   " AND attempt < max_attempts" },
	/* At start-up, the attempts a restart of pkvmd ended, of the jobs
	 * that have one left (those are queued again). */
	{ .id = STMT_RECOVER_ATTEMPTS,
	    .sql = "INSERT INTO job_attempts (job_id, attempt, result, message, started_ms,"
		   " finished_ms) SELECT id, attempt, 'interrupted', ?1, started_ms, ?2 FROM jobs"
		   " WHERE state = 'running' AND attempt < max_attempts" },
	/* The newest finished job of a tag, of a kernel: job_tags_tag and
	 * jobs_kernel walked backwards from the newest id. */
	{ .id = STMT_JOB_LATEST_TAG,
	    .sql = "SELECT j.id FROM job_tags t JOIN jobs j ON j.id = t.job_id"
		   " WHERE t.tag = ?1 AND j.state = 'done' ORDER BY t.job_id DESC LIMIT 1" },
	{ .id = STMT_JOB_LATEST_KERNEL,
	    .sql = "SELECT id FROM jobs WHERE kernel = ?1 AND state = 'done'"
		   " ORDER BY id DESC LIMIT 1" },
	{ .id = STMT_TAGS_GET, .sql = "SELECT tag FROM job_tags WHERE job_id = ?1 ORDER BY rowid" },
	{ .id = STMT_EXES_GET,
	    .sql = "SELECT name, blob, mode, size, timeout_s FROM job_exes"
		   " WHERE job_id = ?1 ORDER BY seq" },
	{ .id = STMT_EXE_ARGS_GET,
	    .sql =
		"SELECT exe_seq, arg FROM job_exe_args WHERE job_id = ?1 ORDER BY exe_seq, seq" },
	{ .id = STMT_EXE_ENV_GET,
	    .sql =
		"SELECT exe_seq, entry FROM job_exe_env WHERE job_id = ?1 ORDER BY exe_seq, seq" },
	{ .id = STMT_ARGS_GET,
	    .sql = "SELECT arg FROM job_qemu_args WHERE job_id = ?1 ORDER BY seq" },
	{ .id = STMT_MODULES_GET,
	    .sql = "SELECT name FROM job_modules WHERE job_id = ?1 ORDER BY seq" },
	{ .id = STMT_EXTRA_GET,
	    .sql = "SELECT path, kind, blob, mode, size, target FROM job_extra"
		   " WHERE job_id = ?1 ORDER BY seq" },
	{ .id = STMT_COV_PATHS_GET,
	    .sql = "SELECT path FROM job_coverage_paths WHERE job_id = ?1 ORDER BY seq" },
	{ .id = STMT_STREAM_PATHS_GET,
	    .sql = "SELECT path FROM job_stream_paths WHERE job_id = ?1 ORDER BY seq" },
	{ .id = STMT_JOB_STOP_ON_FAILURE_GET,
	    .sql = "SELECT stop_on_failure FROM jobs WHERE id = ?1" },
	/* Payload jobs (013-payloads.sql): what a payload has beyond an
	 * executable, by the executable's seq. */
	{ .id = STMT_PAYLOAD_INSERT,
	    .sql = "INSERT INTO job_payloads (job_id, seq, format, smp, mem_mb, append, machine,"
		   " groups) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" },
	{ .id = STMT_PAYLOADS_GET,
	    .sql = "SELECT seq, format, smp, mem_mb, append, machine, groups FROM job_payloads"
		   " WHERE job_id = ?1 ORDER BY seq" },
	{ .id = STMT_JOB_QUEUE,
	    .sql = "SELECT " JOB_COLS " FROM jobs j WHERE j.state = 'queued'"
		   " ORDER BY j.priority DESC, j.id" },

	{ .id = STMT_JOB_START,
	    .sql = "UPDATE jobs SET state = 'running', started_ms = ?2,"
		   " finished_ms = 0, exit_status = NULL, pid = 0, pid_starttime = 0,"
		   " timings = NULL, placement = NULL WHERE id = ?1 AND state = 'queued'" },
	{ .id = STMT_TESTS_CLEAR, .sql = "DELETE FROM tests WHERE " OF_CURRENT_ATTEMPT },
	{ .id = STMT_CRASHES_CLEAR, .sql = "DELETE FROM crashes WHERE " OF_CURRENT_ATTEMPT },
	{ .id = STMT_ARTIFACTS_CLEAR, .sql = "DELETE FROM artifacts WHERE " OF_CURRENT_ATTEMPT },
	/* The per-file rows go with their coverage row (ON DELETE CASCADE). */
	{ .id = STMT_COVERAGE_CLEAR, .sql = "DELETE FROM coverage WHERE " OF_CURRENT_ATTEMPT },
	{ .id = STMT_JOB_SET_PID,
	    .sql = "UPDATE jobs SET pid = ?2, pid_starttime = ?3 WHERE id = ?1 AND state = "
		   "'running'" },
	{ .id = STMT_JOB_FINISH,
	    .sql = "UPDATE jobs SET state = 'done', result = ?2, message = ?3,"
		   " exit_status = ?4, finished_ms = ?5"
		   " WHERE id = ?1 AND state IN ('queued', 'running')" },
	{ .id = STMT_JOB_SET_CONSOLE, .sql = "UPDATE jobs SET console_bytes = ?2 WHERE id = ?1" },
	{ .id = STMT_JOB_SET_PLACEMENT,
	    .sql = "UPDATE jobs SET placement = ?2 WHERE id = ?1 AND state = 'running'" },
	{ .id = STMT_JOB_SET_TIMINGS, .sql = "UPDATE jobs SET timings = ?2 WHERE id = ?1" },

	{ .id = STMT_RECOVER_SELECT,
	    .sql = "SELECT id, pid, pid_starttime FROM jobs WHERE state = 'running' ORDER BY id" },
	{ .id = STMT_RECOVER_TESTS,
	    .sql = "UPDATE tests SET verdict = 'error' WHERE verdict = 'running'"
		   " AND job_id IN (SELECT id FROM jobs WHERE state = 'running')" },
	{ .id = STMT_RECOVER_REQUEUE,
	    .sql = "UPDATE jobs SET state = 'queued', attempt = attempt + 1,"
		   " started_ms = 0, exit_status = NULL, pid = 0, pid_starttime = 0,"
		   " timings = NULL WHERE state = 'running' AND attempt < max_attempts" },
	{ .id = STMT_RECOVER_INTERRUPT,
	    .sql = "UPDATE jobs SET state = 'done', result = 'interrupted',"
		   " message = ?1, finished_ms = ?2, pid = 0, pid_starttime = 0"
		   " WHERE state = 'running'" },
	{ .id = STMT_RECOVER_CAPTURES,
	    .sql = "UPDATE coverage SET status = 'error', message = ?1"
		   " WHERE status IN ('pending', 'running')" },
};
const size_t st_job_nstmts = NELEM(st_job_stmts);

/* The job list's SQL for each shape (store.c prepares them all).  Unused
 * parameters are fine: ?6 makes all six exist.  With a tag, ordering by
 * t.job_id lets the walk down job_tags_tag deliver rows already sorted. */
#define LIST_SELECT "SELECT " JOB_COLS " FROM jobs j"
#define LIST_BY_TAG " JOIN job_tags t ON t.job_id = j.id AND t.tag = ?3"
#define LIST_BY_STATE " AND j.state = ?1"
#define LIST_BY_OWNER " AND j.owner = ?2"
/* ?5 is the page cursor (ids below it; INT64_MAX for the first page), which
 * walks the primary key or job_tags_tag from where the last page ended, so a
 * page deep in 100,000 jobs costs what the first one does; ?6 a result. */
#define LIST_PAGE " AND (?6 IS NULL OR j.result = ?6)"
#define LIST_BY_ID " AND j.id < ?5" LIST_PAGE " ORDER BY j.id DESC LIMIT ?4"
#define LIST_BY_TAG_ID " AND t.job_id < ?5" LIST_PAGE " ORDER BY t.job_id DESC LIMIT ?4"

const char *const st_job_list_sql[LIST__SHAPES] = {
	[0] = LIST_SELECT " WHERE 1" LIST_BY_ID,
	[LIST_STATE] = LIST_SELECT " WHERE 1" LIST_BY_STATE LIST_BY_ID,
	[LIST_OWNER] = LIST_SELECT " WHERE 1" LIST_BY_OWNER LIST_BY_ID,
	[LIST_STATE | LIST_OWNER] = LIST_SELECT " WHERE 1" LIST_BY_STATE LIST_BY_OWNER LIST_BY_ID,
	[LIST_TAG] = LIST_SELECT LIST_BY_TAG " WHERE 1" LIST_BY_TAG_ID,
	[LIST_TAG | LIST_STATE] = LIST_SELECT LIST_BY_TAG " WHERE 1" LIST_BY_STATE LIST_BY_TAG_ID,
	[LIST_TAG | LIST_OWNER] = LIST_SELECT LIST_BY_TAG " WHERE 1" LIST_BY_OWNER LIST_BY_TAG_ID,
	[LIST_TAG | LIST_STATE | LIST_OWNER] = LIST_SELECT LIST_BY_TAG
	" WHERE 1" LIST_BY_STATE LIST_BY_OWNER LIST_BY_TAG_ID,
};
/* --- jobs ------------------------------------------------------------------ */

static int
row_to_job(sqlite3_stmt *s, struct job **out, const char *fn)
{
	struct job *j;
	const char *text;
	int r;

	if ((r = job_new(&j)) < 0)
		return r;
	j->id = sqlite3_column_int64(s, 0);
	if ((r = st_col_dup(s, 1, &j->owner)) < 0 || (r = st_col_dup(s, 4, &j->message)) < 0 ||
	    (r = st_col_dup(s, 11, &j->append)) < 0 || (r = st_col_dup(s, 17, &j->seed)) < 0 ||
	    (r = st_col_dup(s, 27, &j->timings)) < 0 ||
	    (r = st_col_dup(s, 28, &j->build_dir)) < 0 ||
	    (r = st_col_dup(s, 29, &j->gcov_tool)) < 0 || (r = st_col_dup(s, 32, &j->via)) < 0)
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
	st_col_copy(s, 8, j->kernel, sizeof(j->kernel));
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
	text = (const char *)sqlite3_column_text(s, 30);
	if (text == NULL || job_net_parse(text, &j->net) < 0)
		goto corrupt;
	st_col_copy(s, 31, j->vmlinux, sizeof(j->vmlinux));
	j->pinned = sqlite3_column_int(s, 33) != 0;
	j->pruned_ms = sqlite3_column_int64(s, 34); /* NULL reads as 0: not pruned */
	j->interactive = sqlite3_column_int(s, 35) != 0;
	if ((r = st_col_dup(s, 36, &j->cpu)) < 0)
		goto fail;
	j->max_attempts = sqlite3_column_int(s, 37);
	st_col_copy(s, 38, j->tests_key, sizeof(j->tests_key));
	j->retry_failed = sqlite3_column_int(s, 39);
	j->new_seed = sqlite3_column_int(s, 40) != 0;
	j->strict = sqlite3_column_int(s, 41) != 0;
	if ((r = st_col_dup(s, 42, &j->placement)) < 0)
		goto fail;
	j->warm = sqlite3_column_int(s, 43) != 0;
	*out = j;
	return 0;

corrupt:
	log_warnx("store: %s: job %lld has a bad state or result", fn, (long long)j->id);
	r = -EIO;
fail:
	job_free(j);
	return r;
}

static int
read_text(sqlite3_stmt *s, void *elem, void *arg)
{
	(void)arg;
	return st_col_dup(s, 0, elem);
}

static void
clear_text(void *elem)
{
	free(*(char **)elem);
}

/* Strings: the one text column of each row. */
static const struct st_list_kind strv_kind = {
	.elem = sizeof(char *),
	.read = read_text,
	.clear = clear_text,
};

/* Load the one-text-column rows of statement ID for job JOB_ID into *V,
 * *N, which hold nothing yet. */
static int
load_strv(struct store *st, enum stmt_id id, int64_t job_id, char ***v, size_t *n, const char *fn)
{
	void *list;
	int r = st_collect_key(st, id, job_id, &strv_kind, NULL, &list, n, fn);

	*v = list;
	return r;
}

static int
read_exe(sqlite3_stmt *s, void *elem, void *arg)
{
	struct job_exe *e = elem;
	int r;

	(void)arg;
	if ((r = st_col_dup(s, 0, &e->name)) < 0)
		return r;
	st_col_copy(s, 1, e->blob, sizeof(e->blob));
	e->mode = (uint32_t)sqlite3_column_int64(s, 2);
	e->size = (uint64_t)sqlite3_column_int64(s, 3);
	e->timeout_s = sqlite3_column_int(s, 4);
	return 0;
}

/* What read_exe() filled in: the arguments and environment come later,
 * into the job, and job_free() frees them. */
static void
clear_exe(void *elem)
{
	free(((struct job_exe *)elem)->name);
}

static int
read_attempt(sqlite3_stmt *s, void *elem, void *arg)
{
	struct job_attempt *a = elem;
	const char *result = (const char *)sqlite3_column_text(s, 1);

	(void)arg;
	a->attempt = sqlite3_column_int(s, 0);
	if (result == NULL || job_result_parse(result, &a->result) < 0)
		a->result = RESULT_ERROR;
	a->started_ms = sqlite3_column_int64(s, 3);
	a->finished_ms = sqlite3_column_int64(s, 4);
	return st_col_dup(s, 2, &a->message);
}

static void
clear_attempt(void *elem)
{
	free(((struct job_attempt *)elem)->message);
}

static const struct st_list_kind attempt_kind = {
	.elem = sizeof(struct job_attempt),
	.read = read_attempt,
	.clear = clear_attempt,
};

static int
load_attempts(struct store *st, struct job *j, const char *fn)
{
	void *list;
	int r = st_collect_key(st, STMT_ATTEMPTS_GET, j->id, &attempt_kind, NULL, &list,
	    &j->nattempts, fn);

	j->attempts = list;
	return r;
}

static const struct st_list_kind exe_kind = {
	.elem = sizeof(struct job_exe),
	.read = read_exe,
	.clear = clear_exe,
};

static int
load_exes(struct store *st, struct job *j, const char *fn)
{
	void *list;
	int r = st_collect_key(st, STMT_EXES_GET, j->id, &exe_kind, NULL, &list, &j->nexes, fn);

	j->exes = list;
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
	if (st_col_dup(s, i, &p[*n]) < 0 || p[*n] == NULL)
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
			log_warnx("store: %s: job %lld has a row for no executable", fn,
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
		r = st_db_fail(st->db, fn);
	st_stmt_done(s);
	return r;
}

/* A payload job's payload rows into its executables (loaded), which
 * makes it a payload job. */
static int
load_payloads(struct store *st, struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_PAYLOADS_GET];
	struct job_exe *e;
	int64_t seq;
	int rc, r = 0;

	sqlite3_bind_int64(s, 1, j->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		if (seq < 1 || (uint64_t)seq > j->nexes) {
			log_warnx("store: %s: job %lld has a payload row for no executable", fn,
			    (long long)j->id);
			r = -EIO;
			break;
		}
		e = &j->exes[seq - 1];
		j->kind = JOB_KIND_PAYLOAD;
		st_col_copy(s, 1, e->format, sizeof(e->format));
		e->smp = sqlite3_column_int(s, 2);
		e->mem_mb = sqlite3_column_int(s, 3);
		if ((r = st_col_dup(s, 4, &e->append)) < 0 ||
		    (r = st_col_dup(s, 5, &e->machine)) < 0 ||
		    (r = st_col_dup(s, 6, &e->groups)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = st_db_fail(st->db, fn);
	st_stmt_done(s);
	return r;
}

/* Insert J's payload rows, when it is a payload job. */
static int
insert_payloads(struct store *st, int64_t id, const struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_PAYLOAD_INSERT];
	int r;

	if (j->kind != JOB_KIND_PAYLOAD)
		return 0;
	for (size_t i = 0; i < j->nexes; i++) {
		const struct job_exe *e = &j->exes[i];

		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		st_bind_text(s, 3, e->format);
		sqlite3_bind_int(s, 4, e->smp);
		sqlite3_bind_int(s, 5, e->mem_mb);
		st_bind_text(s, 6, e->append ? e->append : "");
		st_bind_text(s, 7, e->machine ? e->machine : "");
		st_bind_text(s, 8, e->groups ? e->groups : "");
		if ((r = st_step_changes(st, s, fn)) < 0)
			return r;
	}
	return 0;
}

/* The store's names for extra kinds, as in job_extra.kind. */
static const char *const extra_kind_names[] = {
	[EXTRA_FILE] = "file",
	[EXTRA_DIR] = "dir",
	[EXTRA_SYMLINK] = "symlink",
};
static const struct st_names extra_kinds = {
	.names = extra_kind_names,
	.n = NELEM(extra_kind_names),
	.what = "extra kind",
};

static int
read_extra(sqlite3_stmt *s, void *elem, void *arg)
{
	const struct st_row_ctx *ctx = arg;
	struct job_extra *x = elem;
	int r;

	if ((r = st_col_dup(s, 0, &x->path)) < 0)
		return r;
	if ((r = st_col_name(s, 1, &extra_kinds, ctx)) < 0)
		return r;
	x->kind = (enum job_extra_kind)r;
	st_col_copy(s, 2, x->blob, sizeof(x->blob));
	x->mode = (uint32_t)sqlite3_column_int64(s, 3);
	x->size = (uint64_t)sqlite3_column_int64(s, 4);
	return st_col_dup(s, 5, &x->target);
}

static void
clear_extra(void *elem)
{
	struct job_extra *x = elem;

	free(x->path);
	free(x->target);
}

static const struct st_list_kind extra_kind = {
	.elem = sizeof(struct job_extra),
	.read = read_extra,
	.clear = clear_extra,
};

static int
load_extra(struct store *st, struct job *j, const char *fn)
{
	struct st_row_ctx ctx = { j->id, fn };
	void *list;
	int r = st_collect_key(st, STMT_EXTRA_GET, j->id, &extra_kind, &ctx, &list, &j->nextra, fn);

	j->extra = list;
	return r;
}

/* The pKVM tester's flag of job J, a column of its own statement so that
 * JOB_COLS stays as it is (013-tester.sql). */
static int
load_tester(struct store *st, struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_STOP_ON_FAILURE_GET];
	int r;

	sqlite3_bind_int64(s, 1, j->id);
	r = st_step_row(st, s, fn);
	if (r == 0)
		j->stop_on_failure = sqlite3_column_int(s, 0) != 0;
	st_stmt_done(s);
	return r == -ENOENT ? 0 : r;
}

/* Fill in what job J owns in other tables: tags, executables with their
 * arguments and environment, qemu args, modules, the extra tree, the
 * coverage paths. */
static int
load_children(struct store *st, struct job *j, const char *fn)
{
	int r;

	if ((r = load_strv(st, STMT_TAGS_GET, j->id, &j->tags, &j->ntags, fn)) < 0 ||
	    (r = load_exes(st, j, fn)) < 0 ||
	    (r = load_exe_strv(st, STMT_EXE_ARGS_GET, j, false, fn)) < 0 ||
	    (r = load_exe_strv(st, STMT_EXE_ENV_GET, j, true, fn)) < 0 ||
	    (r = load_payloads(st, j, fn)) < 0 ||
	    (r = load_strv(st, STMT_ARGS_GET, j->id, &j->qemu_args, &j->nqemu_args, fn)) < 0 ||
	    (r = load_strv(st, STMT_MODULES_GET, j->id, &j->modules, &j->nmodules, fn)) < 0 ||
	    (r = load_extra(st, j, fn)) < 0 ||
	    (r = load_strv(st, STMT_COV_PATHS_GET, j->id, &j->coverage_paths, &j->ncoverage_paths,
		 fn)) < 0 ||
	    (r = st_job_disks_load(st, j, fn)) < 0 ||
	    (r = load_strv(st, STMT_STREAM_PATHS_GET, j->id, &j->stream_paths, &j->nstream_paths,
		 fn)) < 0 ||
	    (r = load_tester(st, j, fn)) < 0 || (r = load_attempts(st, j, fn)) < 0)
		return r;
	return 0;
}

static int
read_job(sqlite3_stmt *s, void *elem, void *arg)
{
	return row_to_job(s, elem, *(const char **)arg);
}

static void
clear_job(void *elem)
{
	job_free(*(struct job **)elem);
}

/* Jobs: a job_new() one for each row, its children loaded after. */
static const struct st_list_kind job_kind = {
	.elem = sizeof(struct job *),
	.read = read_job,
	.clear = clear_job,
};

/* Step S to the end, turning every row into a complete job. */
static int
collect_jobs(struct store *st, sqlite3_stmt *s, struct job ***out, size_t *n, const char *fn)
{
	struct job **jobs;
	void *list;
	bool began = st_read_begin(st, fn);
	int r = st_collect(st, s, &job_kind, &fn, &list, n, fn);

	/* The children once the job list is reset: the two statements
	 * never step at the same time. */
	jobs = list;
	for (size_t i = 0; r == 0 && i < *n; i++)
		r = load_children(st, jobs[i], fn);
	st_read_end(st, began, fn);
	if (r < 0) {
		st_list_free(&job_kind, jobs, *n);
		jobs = NULL;
		*n = 0;
	}
	*out = jobs;
	return r;
}

/* Insert V, N strings, with statement ID, one row each: its parameters
 * are the job JOB_ID, the executable EXE_SEQ when the list is one's (not
 * 0), the string's position from 1, and the string. */
static int
insert_strv(struct store *st, enum stmt_id id, int64_t job_id, size_t exe_seq, char *const *v,
    size_t n, const char *fn)
{
	sqlite3_stmt *s = st->stmt[id];
	int p, r;

	for (size_t i = 0; i < n; i++) {
		p = 1;
		sqlite3_bind_int64(s, p++, job_id);
		if (exe_seq > 0)
			sqlite3_bind_int64(s, p++, (int64_t)exe_seq);
		sqlite3_bind_int64(s, p++, (int64_t)i + 1);
		st_bind_text(s, p, v[i]);
		if ((r = st_step_changes(st, s, fn)) < 0)
			return r;
	}
	return 0;
}

/* Insert J's executables as job ID's, each with its arguments and
 * environment. */
static int
insert_exes(struct store *st, int64_t id, const struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_EXE_INSERT];
	int r;

	for (size_t i = 0; i < j->nexes; i++) {
		const struct job_exe *e = &j->exes[i];

		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		st_bind_text(s, 3, e->name);
		st_bind_text(s, 4, e->blob);
		sqlite3_bind_int64(s, 5, e->mode);
		sqlite3_bind_int64(s, 6, (int64_t)e->size);
		sqlite3_bind_int(s, 7, e->timeout_s);
		if ((r = st_step_changes(st, s, fn)) < 0 ||
		    (r = insert_strv(st, STMT_EXE_ARG_INSERT, id, i + 1, e->args, e->nargs, fn)) <
			0 ||
		    (r = insert_strv(st, STMT_EXE_ENV_INSERT, id, i + 1, e->env, e->nenv, fn)) < 0)
			return r;
	}
	return 0;
}

/* Insert J's extra tree as job ID's; -EINVAL for a kind with no name. */
static int
insert_extra(struct store *st, int64_t id, const struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_EXTRA_INSERT];
	int r;

	for (size_t i = 0; i < j->nextra; i++) {
		const struct job_extra *x = &j->extra[i];
		const char *kind = st_name_of(&extra_kinds, x->kind);

		if (kind == NULL)
			return -EINVAL;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		st_bind_text(s, 3, x->path);
		st_bind_text(s, 4, kind);
		st_bind_text(s, 5, x->kind == EXTRA_FILE ? x->blob : NULL);
		sqlite3_bind_int64(s, 6, x->mode);
		sqlite3_bind_int64(s, 7, (int64_t)x->size);
		st_bind_text(s, 8, x->kind == EXTRA_SYMLINK ? x->target : NULL);
		if ((r = st_step_changes(st, s, fn)) < 0)
			return r;
	}
	return 0;
}

static int
by_exe_name(const void *x, const void *y)
{
	const struct job_exe *const *a = x, *const *b = y;

	return strcmp((*a)->name, (*b)->name);
}

/* The sha256 of J's test files, which flakiness is counted against
 * (019-outcomes.sql): its executables or payloads by name, then the
 * extra tree's files in the job's order, names and blobs. */
static int
tests_key(const struct job *j, char hex[SHA256_HEX_LEN + 1])
{
	const struct job_exe **exes = calloc(j->nexes + 1, sizeof(*exes));
	struct sha256 *h = sha256_new();

	if (exes == NULL || h == NULL) {
		free(exes);
		sha256_free(h);
		return -ENOMEM;
	}
	for (size_t i = 0; i < j->nexes; i++)
		exes[i] = &j->exes[i];
	qsort(exes, j->nexes, sizeof(*exes), by_exe_name);
	for (size_t i = 0; i < j->nexes; i++) {
		sha256_update(h, "exe", 4);
		sha256_update(h, exes[i]->name, strlen(exes[i]->name) + 1);
		sha256_update(h, exes[i]->blob, strlen(exes[i]->blob) + 1);
	}
	for (size_t i = 0; i < j->nextra; i++) {
		if (j->extra[i].kind != EXTRA_FILE)
			continue;
		sha256_update(h, "extra", 6);
		sha256_update(h, j->extra[i].path, strlen(j->extra[i].path) + 1);
		sha256_update(h, j->extra[i].blob, strlen(j->extra[i].blob) + 1);
	}
	sha256_final_hex(h, hex); /* and frees H */
	free(exes);
	return 0;
}

/* Insert J's own row, a queued job created at CREATED: 0 with *ID set to
 * its id, or negative errno. */
static int
insert_job_row(struct store *st, const struct job *j, int64_t created, int64_t *id, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_INSERT];
	char key[SHA256_HEX_LEN + 1];
	int r;

	st_bind_text(s, 1, j->owner ? j->owner : "");
	st_bind_text(s, 2, j->message);
	sqlite3_bind_int64(s, 3, created);
	st_bind_text(s, 4, j->kernel);
	sqlite3_bind_int(s, 5, j->smp);
	sqlite3_bind_int(s, 6, j->mem_mb);
	st_bind_text(s, 7, j->append ? j->append : "");
	sqlite3_bind_int(s, 8, j->timeout_s);
	sqlite3_bind_int(s, 9, j->idle_timeout_s);
	sqlite3_bind_int(s, 10, j->debug_port);
	sqlite3_bind_int(s, 11, j->coverage);
	sqlite3_bind_int(s, 12, j->uefi);
	st_bind_text(s, 13, j->seed);
	sqlite3_bind_int(s, 14, j->priority);
	sqlite3_bind_int(s, 15, j->test_timeout_s);
	sqlite3_bind_int(s, 16, j->fail_on_warn);
	st_bind_text(s, 17, j->timings);
	st_bind_text(s, 18, j->build_dir);
	st_bind_text(s, 19, j->gcov_tool);
	st_bind_text(s, 20, job_net_name(j->net));
	st_bind_text(s, 21, j->vmlinux[0] != '\0' ? j->vmlinux : NULL);
	st_bind_text(s, 22, j->via);
	sqlite3_bind_int(s, 23, j->interactive);
	/* A job no server default was applied to (a tool's, a test's) runs
	 * on the built-in one. */
	st_bind_text(s, 24, j->cpu ? j->cpu : JOB_CPU_DEFAULT);
	sqlite3_bind_int(s, 25, j->max_attempts > 0 ? j->max_attempts : JOB_DEFAULT_MAX_ATTEMPTS);
	sqlite3_bind_int(s, 27, j->retry_failed);
	sqlite3_bind_int(s, 28, j->new_seed);
	sqlite3_bind_int(s, 29, j->strict);
	sqlite3_bind_int(s, 30, j->warm);
	if ((r = tests_key(j, key)) < 0) {
		st_stmt_done(s);
		return r;
	}
	st_bind_text(s, 26, key);
	if ((r = st_step_changes(st, s, fn)) < 0)
		return r;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* Insert what job ID owns in other tables, from J: the mirror of
 * load_children(). */
static int
insert_children(struct store *st, int64_t id, const struct job *j, const char *fn)
{
	int r;

	if ((r = insert_strv(st, STMT_TAG_INSERT, id, 0, j->tags, j->ntags, fn)) < 0 ||
	    (r = insert_exes(st, id, j, fn)) < 0 || (r = insert_payloads(st, id, j, fn)) < 0 ||
	    (r = insert_strv(st, STMT_ARG_INSERT, id, 0, j->qemu_args, j->nqemu_args, fn)) < 0 ||
	    (r = insert_strv(st, STMT_MODULE_INSERT, id, 0, j->modules, j->nmodules, fn)) < 0 ||
	    (r = insert_extra(st, id, j, fn)) < 0 ||
	    (r = insert_strv(st, STMT_COV_PATH_INSERT, id, 0, j->coverage_paths, j->ncoverage_paths,
		 fn)) < 0 ||
	    (r = st_job_disks_insert(st, id, j, fn)) < 0 ||
	    (r = insert_strv(st, STMT_STREAM_PATH_INSERT, id, 0, j->stream_paths, j->nstream_paths,
		 fn)) < 0)
		return r;
	if (j->stop_on_failure) {
		sqlite3_stmt *s = st->stmt[STMT_JOB_SET_STOP_ON_FAILURE];

		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int(s, 2, 1);
		if ((r = st_step_changes(st, s, fn)) < 0)
			return r;
	}
	return 0;
}

int
st_job_insert_rows(struct store *st, struct job *j, const char *fn)
{
	int64_t created = j->created_ms ? j->created_ms
					: clock_now_ms() /* store.h promises to fill it */;
	int64_t id = 0;
	int r;

	if ((r = insert_job_row(st, j, created, &id, fn)) == 0 &&
	    (r = st_kernel_seen(st, j->kernel, id, fn)) == 0)
		r = insert_children(st, id, j, fn);
	if (r < 0)
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
}

int
store_job_insert(struct store *st, struct job *j)
{
	int64_t id = j->id, created = j->created_ms;
	int r;

	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	r = st_job_insert_rows(st, j, __func__);
	if ((r = st_tx_end(st, r, __func__)) < 0) {
		j->id = id; /* the transaction is undone: so is what J says of it */
		j->created_ms = created;
		return r;
	}
	return 0;
}

int
store_job_get(struct store *st, int64_t id, struct job **out)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_GET];
	struct job *j = NULL;
	bool began = st_read_begin(st, __func__);
	int r;

	*out = NULL;
	sqlite3_bind_int64(s, 1, id);
	if ((r = st_step_row(st, s, __func__)) == 0)
		r = row_to_job(s, &j, __func__);
	st_stmt_done(s);
	if (r == 0 && (r = load_children(st, j, __func__)) < 0)
		job_free(j);
	else
		*out = j;
	st_read_end(st, began, __func__);
	return r;
}

/* The list statement for F's shape, bound. */
static sqlite3_stmt *
list_stmt(struct store *st, const struct job_filter *f)
{
	int shape = (f->has_state ? LIST_STATE : 0) | (f->owner ? LIST_OWNER : 0) |
	    (f->tag ? LIST_TAG : 0);
	sqlite3_stmt *s = st->list[shape];

	if (f->has_state)
		st_bind_text(s, 1, job_state_name(f->state));
	st_bind_text(s, 2, f->owner);
	st_bind_text(s, 3, f->tag);
	st_bind_limit(s, 4, f->limit);
	sqlite3_bind_int64(s, 5, f->before > 0 ? f->before : INT64_MAX);
	st_bind_text(s, 6, f->result);
	return s;
}

int
store_job_list(struct store *st, const struct job_filter *f, struct job ***out, size_t *n)
{
	return collect_jobs(st, list_stmt(st, f), out, n, __func__);
}

int
store_job_latest(struct store *st, const char *tag, const char *kernel, int64_t *id)
{
	sqlite3_stmt *s = st->stmt[tag != NULL ? STMT_JOB_LATEST_TAG : STMT_JOB_LATEST_KERNEL];
	int r;

	st_bind_text(s, 1, tag != NULL ? tag : kernel);
	if ((r = st_step_row(st, s, __func__)) == 0)
		*id = sqlite3_column_int64(s, 0);
	st_stmt_done(s);
	return r;
}

int
store_job_list_ids(struct store *st, const struct job_filter *f, int64_t *ids, size_t max,
    size_t *n)
{
	sqlite3_stmt *s = list_stmt(st, f);
	int rc = SQLITE_DONE;

	*n = 0;
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	if (*n < max && rc != SQLITE_DONE) {
		st_stmt_done(s);
		*n = 0;
		return st_db_fail(st->db, __func__);
	}
	st_stmt_done(s);
	return 0;
}

void
store_job_list_free(struct job **jobs, size_t n)
{
	st_list_free(&job_kind, jobs, n);
}

int
store_job_queue(struct store *st, struct job ***out, size_t *n)
{
	return collect_jobs(st, st->stmt[STMT_JOB_QUEUE], out, n, __func__);
}

/* --- transitions ------------------------------------------------------------ */

int
store_job_start(struct store *st, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_START];
	int r;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms);
	if ((r = st_tx_begin_guarded(st, s, id, __func__)) < 0)
		return r;
	/* Rows of this attempt can only be left over from a start whose
	 * transaction was lost; the attempt begins with none. */
	for (enum stmt_id c = STMT_TESTS_CLEAR; r == 0 && c <= STMT_COVERAGE_CLEAR; c++)
		r = st_run_key(st, c, id, __func__);
	return st_tx_end_counters(st, id, r, __func__);
}

int
store_job_set_pid(struct store *st, int64_t id, pid_t pid, uint64_t starttime_ticks)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_PID];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, pid);
	sqlite3_bind_int64(s, 3, (int64_t)starttime_ticks);
	return st_step_guarded(st, s, id, __func__);
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
	sqlite3_bind_int64(s, 1, id);
	st_bind_text(s, 2, name);
	st_bind_text(s, 3, message);
	if (has_exit)
		sqlite3_bind_int(s, 4, exit_status);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, now_ms);
	if ((r = st_tx_begin_guarded(st, s, id, __func__)) < 0)
		return r;
	/* A done job has no running tests: whatever was still running when
	 * it ended (timeout, crash, cancel) never finished. */
	r = st_run_key(st, STMT_TESTS_ABORT, id, __func__);
	if ((r = st_tx_end_counters(st, id, r, __func__)) == 0)
		metrics_jobs_finished(result, 1);
	return r;
}

int
store_job_set_console_bytes(struct store *st, int64_t id, int64_t bytes)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_CONSOLE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, bytes);
	return st_step_one(st, s, __func__);
}

int
store_job_set_placement(struct store *st, int64_t id, const char *where)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_PLACEMENT];

	sqlite3_bind_int64(s, 1, id);
	st_bind_text(s, 2, where);
	return st_step_one(st, s, __func__);
}

static int
read_recovered(sqlite3_stmt *s, void *elem, void *arg)
{
	struct recovered_job *j = elem;

	(void)arg;
	j->id = sqlite3_column_int64(s, 0);
	j->pid = (pid_t)sqlite3_column_int64(s, 1);
	j->starttime_ticks = (uint64_t)sqlite3_column_int64(s, 2);
	return 0;
}

static const struct st_list_kind recovered_kind = {
	.elem = sizeof(struct recovered_job),
	.read = read_recovered,
	.clear = NULL,
};

/* Inside store_jobs_recover()'s transaction: requeue (REQUEUE) or finish
 * the running JOBS, N of them, ending their running tests. */
static int
recover_running(struct store *st, bool requeue, int64_t now_ms, const struct recovered_job *jobs,
    size_t n, size_t *interrupted, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_RECOVER_INTERRUPT];
	int r;

	/* Tests first: the statement finds them through their job's state,
	 * which the next statement changes. */
	if ((r = st_run(st, STMT_RECOVER_TESTS, fn)) < 0)
		return r;
	/* Requeued: the jobs with an attempt left, their ended attempt kept.
	 * The others are interrupted, like every job without --requeue. */
	if (requeue) {
		st_bind_text(st->stmt[STMT_RECOVER_ATTEMPTS], 1, RESTARTED_MESSAGE);
		sqlite3_bind_int64(st->stmt[STMT_RECOVER_ATTEMPTS], 2, now_ms);
		if ((r = st_run(st, STMT_RECOVER_ATTEMPTS, fn)) == 0)
			r = st_run(st, STMT_RECOVER_REQUEUE, fn);
	}
	if (r == 0) {
		st_bind_text(s, 1, requeue ? LAST_ATTEMPT_MESSAGE : INTERRUPTED_MESSAGE);
		sqlite3_bind_int64(s, 2, now_ms);
		r = st_step_changes(st, s, fn);
		*interrupted = r > 0 ? (size_t)r : 0;
		r = r < 0 ? r : 0;
	}
	for (size_t i = 0; r == 0 && i < n; i++)
		r = st_counters_update(st, jobs[i].id, fn);
	return r;
}

int
store_jobs_recover(struct store *st, bool requeue, int64_t now_ms, struct recovered_job **out,
    size_t *n)
{
	struct recovered_job *jobs;
	size_t njobs, interrupted = 0;
	void *list;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	r = st_collect(st, st->stmt[STMT_RECOVER_SELECT], &recovered_kind, NULL, &list, &njobs,
	    __func__);
	jobs = list;
	/* Captures are child processes of the daemon that died: none will
	 * report, so one left pending or running has failed. */
	if (r == 0) {
		st_bind_text(st->stmt[STMT_RECOVER_CAPTURES], 1, CAPTURE_LOST_MESSAGE);
		r = st_run(st, STMT_RECOVER_CAPTURES, __func__);
	}
	if (r == 0 && njobs > 0)
		r = recover_running(st, requeue, now_ms, jobs, njobs, &interrupted, __func__);
	if ((r = st_tx_end(st, r, __func__)) < 0) {
		free(jobs);
		return r;
	}
	metrics_jobs_finished(RESULT_INTERRUPTED, interrupted);
	*out = jobs;
	*n = njobs;
	return 0;
}

int
store_job_retry(struct store *st, int64_t id, enum job_result result, const char *message,
    int64_t now_ms)
{
	sqlite3_stmt *add = st->stmt[STMT_ATTEMPT_ADD];
	int r;

	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	sqlite3_bind_int64(add, 1, id);
	st_bind_text(add, 2, job_result_name(result));
	st_bind_text(add, 3, message != NULL ? message : "");
	sqlite3_bind_int64(add, 4, now_ms);
	if ((r = st_step_changes(st, add, __func__)) == 0)
		r = -ESTALE; /* not running, or no attempt left */
	if (r > 0 && (r = st_run_key(st, STMT_JOB_RETRY, id, __func__)) == 0)
		r = st_counters_update(st, id, __func__);
	return st_tx_end(st, r, __func__);
}

int
store_job_set_timings(struct store *st, int64_t id, const char *json)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_TIMINGS];

	sqlite3_bind_int64(s, 1, id);
	st_bind_text(s, 2, json);
	return st_step_one(st, s, __func__);
}
