/*
 * test-store.h -- the fixtures the store's unit tests share.
 *
 * The store's tests are three programs, test-store.c (opening, jobs, tests,
 * migrations, checkpoints), test-store-reports.c (crash reports,
 * artifacts, coverage) and test-store-symbols.c (symbolized crash
 * reports).  Each opens its databases in one temporary directory made
 * with mkdtemp() (store_test_setup()), so tests cannot see each other's
 * rows and the WAL and shared-memory files are real, and all build jobs
 * and rows with the helpers below.  Times are made-up unix
 * milliseconds: the store never reads the clock for them, so the tests
 * need not either.
 *
 * Everything here is static: each program uses some of it.
 */
#ifndef PKVM_TEST_STORE_H
#define PKVM_TEST_STORE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "unit.h"

#define UNUSED __attribute__((unused))

/* The number of files in schema/: bump it with each new migration. */
#define SCHEMA_LATEST 22

#define T0 INT64_C(1763749200000)

#define KERNEL "5f1c0000000000000000000000000000000000000000000000000000000000aa"
/* Kernels for the crash groups, named by their order of first use. */
#define KERNEL_1 "1111000000000000000000000000000000000000000000000000000000000001"
#define KERNEL_2 "2222000000000000000000000000000000000000000000000000000000000002"
#define KERNEL_3 "3333000000000000000000000000000000000000000000000000000000000003"
#define KERNEL_4 "4444000000000000000000000000000000000000000000000000000000000004"
#define BLOB_A "ab12000000000000000000000000000000000000000000000000000000000001"
#define BLOB_B "ab12000000000000000000000000000000000000000000000000000000000002"

static char tmpdir[] = "/tmp/pkvm-test-store-XXXXXX";
static int db_counter;

/* A fresh database path for one test. */
UNUSED static const char *
db_path(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/t%d.db", tmpdir, ++db_counter);
	return path;
}

UNUSED static struct store *
open_ok(const char *path)
{
	struct store *st = NULL;
	char *cause = NULL;
	int r = store_new(&st, path, &cause);

	CHECK_INT(r, 0);
	CHECK_STR(cause, NULL);
	free(cause);
	return st;
}

UNUSED static char **
strv(size_t n, ...)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		v[i] = strdup(va_arg(ap, const char *));
	va_end(ap);
	return v;
}

/* A job for OWNER with PRIORITY and NTAGS tags; nothing else set. */
UNUSED static struct job *
job_make(const char *owner, int priority, size_t ntags, ...)
{
	struct job *j;
	va_list ap;

	if (job_new(&j) < 0)
		abort();

	j->owner = strdup(owner);
	snprintf(j->kernel, sizeof(j->kernel), "%s", KERNEL);
	j->append = strdup("");
	j->priority = priority;
	j->created_ms = T0;
	j->tags = calloc(ntags ? ntags : 1, sizeof(*j->tags));
	va_start(ap, ntags);
	for (size_t i = 0; i < ntags; i++)
		j->tags[i] = strdup(va_arg(ap, const char *));
	va_end(ap);
	j->ntags = ntags;
	return j;
}

/* Insert a job and return its id (0 on failure, which CHECK reports). */
UNUSED static int64_t
insert(struct store *st, const char *owner, int priority, const char *tag)
{
	struct job *j = tag ? job_make(owner, priority, 1, tag) : job_make(owner, priority, 0);
	int64_t id;

	CHECK_INT(store_job_insert(st, j), 0);
	id = j->id;
	job_free(j);
	return id;
}

/* Insert a job of alice's on kernel KERNEL_SHA (TAG may be NULL) and
 * start it at T0: its id. */
UNUSED static int64_t
insert_on(struct store *st, const char *kernel_sha, const char *tag)
{
	struct job *j = tag ? job_make("alice", 0, 1, tag) : job_make("alice", 0, 0);
	int64_t id;

	snprintf(j->kernel, sizeof(j->kernel), "%s", kernel_sha);
	CHECK_INT(store_job_insert(st, j), 0);
	id = j->id;
	job_free(j);
	CHECK_INT(store_job_start(st, id, T0), 0);
	return id;
}

/* Insert a job of alice's (TAG may be NULL) and start it at T0, as the
 * runner does before anything of a run is stored: its id. */
UNUSED static int64_t
insert_running(struct store *st, const char *tag)
{
	int64_t id = insert(st, "alice", 0, tag);

	CHECK_INT(store_job_start(st, id, T0), 0);
	return id;
}

/* Recover every running job of ST as a restarted pkvmd does, requeueing
 * them (REQUEUE) or finishing them at NOW_MS: how many there were. */
UNUSED static size_t
recover(struct store *st, bool requeue, int64_t now_ms)
{
	struct recovered_job *r = NULL;
	size_t n = 0;

	CHECK_INT(store_jobs_recover(st, requeue, now_ms, &r, &n), 0);
	free(r);
	return n;
}

UNUSED static struct job *
get(struct store *st, int64_t id)
{
	struct job *j = NULL;

	CHECK_INT(store_job_get(st, id, &j), 0);
	return j;
}

UNUSED static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* Begin and finish one test NAME at SEQ with verdict V (exit code EXIT
 * unless V is a timeout, which has none). */
UNUSED static void
run_test(struct store *st, int64_t id, int seq, const char *name, enum test_verdict v, int exit)
{
	struct test_record rec = {
		.name = name,
		.verdict = v,
		.has_exit_code = v != VERDICT_TIMEOUT,
		.exit_code = exit,
		.duration_ms = 10,
		.format = TOUT_TAP,
	};

	CHECK_INT(store_test_begin(st, id, seq, name), 0);
	CHECK_INT(store_test_finish(st, id, &rec), 0);
}

/* Add a report TITLE of KIND to JOB, found in test TEST (NULL: outside
 * any) at TIME_MS. */
UNUSED static void
add_crash_in(struct store *st, int64_t job, const char *title, const char *kind, const char *test,
    int64_t time_ms)
{
	struct crash_record c = {
		.job_id = job,
		.test = (char *)test,
		.kind = (char *)kind,
		.title = (char *)title,
		.time_ms = time_ms,
	};

	CHECK_INT(store_crash_add(st, &c), 0);
}

UNUSED static void
add_crash(struct store *st, int64_t job, const char *title, const char *kind, uint64_t line,
    int64_t time_ms)
{
	struct crash_record c = {
		.job_id = job,
		.test = (char *)"panic.sh",
		.kind = (char *)kind,
		.title = (char *)title,
		.fatal = strcmp(kind, "panic") == 0,
		.report = (char *)"[   12.3] Kernel panic\n[   12.3] CPU: 0",
		.first_line = line,
		.last_line = line + 30,
		.time_ms = time_ms,
	};

	CHECK_INT(store_crash_add(st, &c), 0);
}

UNUSED static void
add_artifact(struct store *st, int64_t job, const char *test, const char *path, uint64_t size,
    enum artifact_status status)
{
	struct artifact_record a = {
		.job_id = job,
		.test = (char *)test,
		.path = (char *)path,
		.size = size,
		.status = status,
	};

	snprintf(a.sha256, sizeof(a.sha256), "%s", size == 1 ? BLOB_A : BLOB_B);
	CHECK_INT(store_artifact_add(st, &a), 0);
}

/* Run SQL on DB, checking that it worked. */
UNUSED static void
exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK);
	CHECK_STR(err, NULL);
	sqlite3_free(err);
}

/* Run the SQL of schema file NAME (read from the source tree; the tests
 * run in tests/) on DB. */
UNUSED static void
exec_schema(sqlite3 *db, const char *name)
{
	char path[256], sql[16384];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "../schema/%s", name);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	len = fread(sql, 1, sizeof(sql) - 1, f);
	CHECK(len > 0 && len < sizeof(sql) - 1);
	sql[len] = '\0';
	fclose(f);
	exec_ok(db, sql);
}

/* Make PATH a database as an older pkvmd left it, with sqlite directly:
 * the schema files SCHEMA (NULL-terminated), user_version VERSION and
 * then ROWS, its data, all in one transaction. */
UNUSED static void
make_old_database(const char *path, const char *const *schema, int version, const char *rows)
{
	sqlite3 *db = NULL;
	char pragma[64];

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, "BEGIN");
	for (size_t i = 0; schema[i] != NULL; i++)
		exec_schema(db, schema[i]);
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
	exec_ok(db, pragma);
	exec_ok(db, rows);
	exec_ok(db, "COMMIT");
	CHECK_INT(sqlite3_close(db), SQLITE_OK);
}

/* Make the temporary directory: 0, or -1 after saying why. */
UNUSED static int
store_test_setup(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

/* Remove the temporary directory and everything the tests left in it. */
UNUSED static void
cleanup(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(tmpdir);
}

#endif
