/*
 * test-store.c -- the sqlite store against real database files.
 *
 * Every test opens its own database file in one temporary directory made
 * with mkdtemp(), so tests cannot see each other's rows and the WAL and
 * shared-memory files are real.  Times are made-up unix milliseconds: the
 * store never reads the clock for them, so the tests need not either.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "unit.h"

/* The number of files in schema/: bump it with each new migration. */
#define SCHEMA_LATEST 2

#define T0 INT64_C(1763749200000)

#define KERNEL "5f1c0000000000000000000000000000000000000000000000000000000000aa"
#define BLOB_A "ab12000000000000000000000000000000000000000000000000000000000001"
#define BLOB_B "ab12000000000000000000000000000000000000000000000000000000000002"

static char tmpdir[] = "/tmp/pkvm-test-store-XXXXXX";
static int db_counter;

/* A fresh database path for one test. */
static const char *
db_path(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/t%d.db", tmpdir, ++db_counter);
	return path;
}

static struct store *
open_ok(const char *path)
{
	struct store *st = NULL;
	char *cause = NULL;
	int r = store_open(&st, path, &cause);

	CHECK_INT(r, 0);
	CHECK_STR(cause, NULL);
	free(cause);
	return st;
}

static char **
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
static struct job *
job_make(const char *owner, int priority, size_t ntags, ...)
{
	struct job *j = job_new();
	va_list ap;

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
static int64_t
insert(struct store *st, const char *owner, int priority, const char *tag)
{
	struct job *j = tag ? job_make(owner, priority, 1, tag) : job_make(owner, priority, 0);
	int64_t id;

	CHECK_INT(store_job_insert(st, j), 0);
	id = j->id;
	job_free(j);
	return id;
}

static struct job *
get(struct store *st, int64_t id)
{
	struct job *j = NULL;

	CHECK_INT(store_job_get(st, id, &j), 0);
	return j;
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* --- opening ---------------------------------------------------------------- */

static void
test_open_creates_schema_at_latest_version(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	char wal[160];

	CHECK(st != NULL);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	/* WAL mode leaves its -wal file next to the database while open. */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK(file_size(wal) >= 0);
	store_close(st);
}

static void
test_reopen_keeps_jobs_and_version(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	struct job *j;
	int64_t id = insert(st, "alice", 0, "v4");

	store_close(st);
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	j = get(st, id);
	CHECK(j != NULL);
	if (j != NULL) {
		CHECK_STR(j->owner, "alice");
		CHECK_INT(j->ntags, 1);
	}
	job_free(j);
	store_close(st);
}

/* Write user_version straight into the file header: a big-endian 32-bit
 * integer at offset 60 (https://www.sqlite.org/fileformat.html).  The
 * store was closed first, which checkpoints and removes the WAL, so the
 * main file holds the whole database. */
static void
poke_user_version(const char *path, uint32_t v)
{
	unsigned char be[4] = { v >> 24, v >> 16, v >> 8, v };
	int fd = open(path, O_WRONLY);

	CHECK(fd >= 0);
	CHECK_INT(pwrite(fd, be, 4, 60), 4);
	close(fd);
}

static void
test_newer_schema_is_refused_with_a_cause(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	char *cause = NULL;

	store_close(st);
	poke_user_version(path, SCHEMA_LATEST + 1);
	st = (struct store *)1;
	CHECK_INT(store_open(&st, path, &cause), -ENOTSUP);
	CHECK(st == NULL);
	CHECK(cause != NULL && strstr(cause, "newer") != NULL);
	CHECK(cause != NULL && strstr(cause, path) != NULL);
	free(cause);
}

static void
test_garbage_file_is_refused_with_a_cause(void)
{
	const char *path = db_path();
	struct store *st = NULL;
	char *cause = NULL;
	char junk[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	memset(junk, 'x', sizeof(junk));
	CHECK_INT(write(fd, junk, sizeof(junk)), sizeof(junk));
	close(fd);
	CHECK(store_open(&st, path, &cause) < 0);
	CHECK(st == NULL);
	CHECK(cause != NULL && strstr(cause, "not a database") != NULL);
	free(cause);
}

/* --- insert and get ----------------------------------------------------------- */

static void
test_insert_get_round_trips_every_field(void)
{
	struct store *st = open_ok(db_path());
	struct job *in = job_make("alice", 7, 2, "v4", "smoke"), *out;

	in->message = strdup("not really a queued job's message");
	in->smp = 4;
	in->mem_mb = 2048;
	free(in->append);
	in->append = strdup("loglevel=8 \"quoted\"");
	in->timeout_s = 900;
	in->idle_timeout_s = 0;
	in->debug_port = 1234;
	in->coverage = false;
	in->uefi = true;
	in->seed = strdup("91ab33");
	in->qemu_args = strv(3, "-d", "guest_errors", "");
	in->nqemu_args = 3;
	in->exes = calloc(2, sizeof(*in->exes));
	in->exes[0].name = strdup("02-second");
	snprintf(in->exes[0].blob, sizeof(in->exes[0].blob), "%s", BLOB_A);
	in->exes[0].mode = 0755;
	in->exes[0].size = UINT64_C(5000000000);
	in->exes[1].name = strdup("01-first");
	snprintf(in->exes[1].blob, sizeof(in->exes[1].blob), "%s", BLOB_B);
	in->exes[1].mode = 0700;
	in->exes[1].size = 1;
	in->nexes = 2;

	CHECK_INT(store_job_insert(st, in), 0);
	CHECK(in->id > 0);
	CHECK_INT(in->created_ms, T0);
	out = get(st, in->id);
	if (out == NULL)
		goto done;
	CHECK_INT(out->id, in->id);
	CHECK_STR(out->owner, "alice");
	CHECK_INT(out->state, JOB_QUEUED);
	CHECK_INT(out->result, RESULT_NONE);
	CHECK_STR(out->message, "not really a queued job's message");
	CHECK_INT(out->created_ms, T0);
	CHECK_INT(out->started_ms, 0);
	CHECK_INT(out->finished_ms, 0);
	CHECK_STR(out->kernel, KERNEL);
	CHECK_INT(out->smp, 4);
	CHECK_INT(out->mem_mb, 2048);
	CHECK_STR(out->append, "loglevel=8 \"quoted\"");
	CHECK_INT(out->timeout_s, 900);
	CHECK_INT(out->idle_timeout_s, 0);
	CHECK_INT(out->debug_port, 1234);
	CHECK_INT(out->coverage, false);
	CHECK_INT(out->uefi, true);
	CHECK_STR(out->seed, "91ab33");
	CHECK_INT(out->priority, 7);
	CHECK_INT(out->ntags, 2);
	if (out->ntags == 2) {
		/* Tags come back in the order they were given. */
		CHECK_STR(out->tags[0], "v4");
		CHECK_STR(out->tags[1], "smoke");
	}
	CHECK_INT(out->nqemu_args, 3);
	if (out->nqemu_args == 3) {
		CHECK_STR(out->qemu_args[0], "-d");
		CHECK_STR(out->qemu_args[1], "guest_errors");
		CHECK_STR(out->qemu_args[2], "");
	}
	CHECK_INT(out->nexes, 2);
	if (out->nexes == 2) {
		/* Executables too: the store does not sort them. */
		CHECK_STR(out->exes[0].name, "02-second");
		CHECK_STR(out->exes[0].blob, BLOB_A);
		CHECK_INT(out->exes[0].mode, 0755);
		CHECK(out->exes[0].size == UINT64_C(5000000000));
		CHECK_STR(out->exes[1].name, "01-first");
		CHECK_STR(out->exes[1].blob, BLOB_B);
		CHECK_INT(out->exes[1].mode, 0700);
		CHECK_INT(out->exes[1].size, 1);
	}
	CHECK_INT(out->attempt, 1);
	CHECK_INT(out->has_exit_status, false);
	CHECK_INT(out->console_bytes, 0);
	CHECK_INT(out->tests_total, 0);
	CHECK_INT(out->tests_passed, 0);
	CHECK_INT(out->tests_failed, 0);
done:
	job_free(out);
	job_free(in);
	store_close(st);
}

static void
test_insert_bare_job_keeps_null_message_and_seed(void)
{
	struct store *st = open_ok(db_path());
	struct job *in = job_new(), *out;

	/* Nothing but the kernel: owner and append NULL become "". */
	snprintf(in->kernel, sizeof(in->kernel), "%s", KERNEL);
	in->created_ms = T0;
	CHECK_INT(store_job_insert(st, in), 0);
	out = get(st, in->id);
	if (out != NULL) {
		CHECK_STR(out->message, NULL);
		CHECK_STR(out->seed, NULL);
		CHECK_STR(out->owner, "");
		CHECK_STR(out->append, "");
		CHECK_INT(out->ntags, 0);
		CHECK_INT(out->nexes, 0);
		CHECK_INT(out->nqemu_args, 0);
		CHECK_INT(out->smp, JOB_DEFAULT_SMP);
		CHECK_INT(out->mem_mb, JOB_DEFAULT_MEM_MB);
		CHECK_INT(out->coverage, true);
	}
	job_free(out);
	job_free(in);
	store_close(st);
}

static void
test_insert_fills_created_ms_when_zero(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = job_make("alice", 0, 0);

	j->created_ms = 0;
	CHECK_INT(store_job_insert(st, j), 0);
	/* store.h promises a creation time; any time after 2020 will do. */
	CHECK(j->created_ms > INT64_C(1577836800000));
	job_free(j);
	store_close(st);
}

static void
test_insert_with_duplicate_exe_names_leaves_nothing_behind(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = job_make("alice", 0, 1, "t");
	struct job **jobs = NULL;
	struct job_filter f = { 0 };
	size_t n = 99;

	j->exes = calloc(2, sizeof(*j->exes));
	for (int i = 0; i < 2; i++) {
		j->exes[i].name = strdup("same");
		snprintf(j->exes[i].blob, sizeof(j->exes[i].blob), "%s", BLOB_A);
	}
	j->nexes = 2;
	CHECK_INT(store_job_insert(st, j), -EEXIST);
	/* One transaction: the job row and its tag went away too. */
	CHECK_INT(store_job_list(st, &f, &jobs, &n), 0);
	CHECK_INT(n, 0);
	store_job_list_free(jobs, n);
	job_free(j);
	store_close(st);
}

static void
test_get_unknown_id_is_enoent(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = (struct job *)1;

	CHECK_INT(store_job_get(st, 12345, &j), -ENOENT);
	CHECK(j == NULL);
	store_close(st);
}

/* --- listing ------------------------------------------------------------------ */

static size_t
list_ids(struct store *st, const struct job_filter *f, int64_t *ids, size_t max)
{
	struct job **jobs = NULL;
	size_t n = 0;

	CHECK_INT(store_job_list(st, f, &jobs, &n), 0);
	for (size_t i = 0; i < n && i < max; i++)
		ids[i] = jobs[i]->id;
	store_job_list_free(jobs, n);
	return n;
}

static void
test_list_is_newest_first_and_honours_limit(void)
{
	struct store *st = open_ok(db_path());
	struct job_filter f = { 0 };
	int64_t id[5], got[8];

	for (int i = 0; i < 5; i++)
		id[i] = insert(st, "alice", 0, NULL);
	CHECK_INT(list_ids(st, &f, got, 8), 5);
	for (int i = 0; i < 5; i++)
		CHECK_INT(got[i], id[4 - i]);
	f.limit = 2;
	CHECK_INT(list_ids(st, &f, got, 8), 2);
	CHECK_INT(got[0], id[4]);
	CHECK_INT(got[1], id[3]);
	store_close(st);
}

static void
test_list_default_limit_is_100(void)
{
	struct store *st = open_ok(db_path());
	struct job_filter f = { .limit = 0 };
	int64_t got[1];

	for (int i = 0; i < 105; i++)
		insert(st, "alice", 0, NULL);
	CHECK_INT(list_ids(st, &f, got, 1), 100);
	store_close(st);
}

static void
test_list_filters_by_state_tag_and_owner(void)
{
	struct store *st = open_ok(db_path());
	struct job_filter f = { 0 };
	struct job **jobs = NULL;
	size_t n = 0;
	int64_t a = insert(st, "alice", 0, "v4");
	int64_t b = insert(st, "bob", 0, "v4");
	int64_t c = insert(st, "alice", 0, "smoke");
	int64_t d = insert(st, "alice", 0, NULL);
	int64_t got[8];

	CHECK_INT(store_job_start(st, b, T0 + 1), 0);
	CHECK_INT(store_job_start(st, c, T0 + 1), 0);
	CHECK_INT(store_job_finish(st, c, RESULT_PASSED, NULL, true, 0, T0 + 2), 0);

	f.has_state = true;
	f.state = JOB_QUEUED;
	CHECK_INT(list_ids(st, &f, got, 8), 2);
	CHECK_INT(got[0], d);
	CHECK_INT(got[1], a);

	f.state = JOB_DONE;
	CHECK_INT(list_ids(st, &f, got, 8), 1);
	CHECK_INT(got[0], c);

	f.has_state = false;
	f.tag = "v4";
	CHECK_INT(list_ids(st, &f, got, 8), 2);
	CHECK_INT(got[0], b);
	CHECK_INT(got[1], a);

	f.owner = "alice";
	CHECK_INT(list_ids(st, &f, got, 8), 1);
	CHECK_INT(got[0], a);

	f.tag = NULL;
	CHECK_INT(list_ids(st, &f, got, 8), 3);
	CHECK_INT(got[0], d);
	CHECK_INT(got[1], c);
	CHECK_INT(got[2], a);

	f.has_state = true;
	f.state = JOB_RUNNING;
	CHECK_INT(list_ids(st, &f, got, 8), 0);
	f.owner = "bob";
	f.tag = "v4";
	CHECK_INT(list_ids(st, &f, got, 8), 1);
	CHECK_INT(got[0], b);

	f = (struct job_filter){ .tag = "nosuchtag" };
	CHECK_INT(list_ids(st, &f, got, 8), 0);

	/* A listed job is complete: it carries its tags. */
	f = (struct job_filter){ .tag = "smoke" };
	CHECK_INT(store_job_list(st, &f, &jobs, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_INT(jobs[0]->ntags, 1);
		CHECK_INT(jobs[0]->result, RESULT_PASSED);
	}
	store_job_list_free(jobs, n);
	store_close(st);
}

static void
test_queue_is_priority_first_then_fifo(void)
{
	struct store *st = open_ok(db_path());
	struct job **q = NULL;
	size_t n = 0;
	int64_t low1 = insert(st, "a", -5, NULL);
	int64_t mid1 = insert(st, "a", 0, NULL);
	int64_t high = insert(st, "a", 50, NULL);
	int64_t mid2 = insert(st, "a", 0, NULL);
	int64_t run = insert(st, "a", 100, NULL);
	int64_t low2 = insert(st, "a", -5, NULL);

	CHECK_INT(store_job_start(st, run, T0), 0);
	CHECK_INT(store_job_queue(st, &q, &n), 0);
	CHECK_INT(n, 5);
	if (n == 5) {
		CHECK_INT(q[0]->id, high);
		CHECK_INT(q[1]->id, mid1);
		CHECK_INT(q[2]->id, mid2);
		CHECK_INT(q[3]->id, low1);
		CHECK_INT(q[4]->id, low2);
	}
	store_job_list_free(q, n);
	store_close(st);
}

/* --- transitions -------------------------------------------------------------- */

static void
test_start_and_finish_record_times_result_and_exit(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct job *j;

	CHECK_INT(store_job_start(st, id, T0 + 100), 0);
	CHECK_INT(store_job_set_pid(st, id, 4242, UINT64_C(987654321)), 0);
	CHECK_INT(store_job_set_console_bytes(st, id, 23911), 0);
	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_RUNNING);
		CHECK_INT(j->started_ms, T0 + 100);
		CHECK_INT(j->console_bytes, 23911);
		CHECK_INT(j->result, RESULT_NONE);
	}
	job_free(j);

	CHECK_INT(store_job_finish(st, id, RESULT_FAILED, "test 02-fail exited with status 1", true,
		      -9, T0 + 200),
	    0);
	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_DONE);
		CHECK_INT(j->result, RESULT_FAILED);
		CHECK_STR(j->message, "test 02-fail exited with status 1");
		CHECK_INT(j->has_exit_status, true);
		CHECK_INT(j->exit_status, -9);
		CHECK_INT(j->finished_ms, T0 + 200);
		CHECK_INT(j->started_ms, T0 + 100);
	}
	job_free(j);
	store_close(st);
}

static void
test_finish_of_queued_job_is_a_cancel_without_exit_status(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct job *j;

	CHECK_INT(store_job_finish(st, id, RESULT_CANCELLED, NULL, false, 0, T0 + 5), 0);
	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_DONE);
		CHECK_INT(j->result, RESULT_CANCELLED);
		CHECK_STR(j->message, NULL);
		CHECK_INT(j->has_exit_status, false);
		CHECK_INT(j->started_ms, 0);
	}
	job_free(j);
	store_close(st);
}

static void
test_illegal_transitions_are_estale(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct job *j;

	CHECK_INT(store_job_set_pid(st, id, 1, 1), -ESTALE); /* queued */
	CHECK_INT(store_job_start(st, id, T0), 0);
	CHECK_INT(store_job_start(st, id, T0), -ESTALE); /* running */
	CHECK_INT(store_job_finish(st, id, RESULT_PASSED, NULL, true, 0, T0), 0);
	CHECK_INT(store_job_finish(st, id, RESULT_FAILED, "again", true, 1, T0 + 1), -ESTALE);
	CHECK_INT(store_job_start(st, id, T0 + 2), -ESTALE);
	CHECK_INT(store_job_set_pid(st, id, 1, 1), -ESTALE);
	CHECK_INT(store_test_begin(st, id, 1, "late"), -ESTALE);
	/* The refused calls changed nothing. */
	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->result, RESULT_PASSED);
		CHECK_STR(j->message, NULL);
		CHECK_INT(j->finished_ms, T0);
		CHECK_INT(j->tests_total, 0);
	}
	job_free(j);
	store_close(st);
}

static void
test_finish_needs_a_final_result(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);

	CHECK_INT(store_job_finish(st, id, RESULT_NONE, NULL, false, 0, T0), -EINVAL);
	CHECK_INT(store_job_finish(st, id, (enum job_result)99, NULL, false, 0, T0), -EINVAL);
	store_close(st);
}

static void
test_unknown_ids_are_enoent(void)
{
	struct store *st = open_ok(db_path());
	struct test_result *t = NULL;
	size_t n = 0;

	CHECK_INT(store_job_start(st, 77, T0), -ENOENT);
	CHECK_INT(store_job_finish(st, 77, RESULT_PASSED, NULL, false, 0, T0), -ENOENT);
	CHECK_INT(store_job_set_pid(st, 77, 1, 1), -ENOENT);
	CHECK_INT(store_job_set_console_bytes(st, 77, 1), -ENOENT);
	CHECK_INT(store_test_begin(st, 77, 1, "x"), -ENOENT);
	CHECK_INT(store_test_end(st, 77, "x", 0, 1), -ENOENT);
	CHECK_INT(store_tests_abort(st, 77), -ENOENT);
	CHECK_INT(store_test_list(st, 77, &t, &n), -ENOENT);
	store_close(st);
}

/* --- recovery ------------------------------------------------------------------ */

/* Three jobs: running with tests (one passed, one still running) and a
 * recorded pid, running without a pid, and done.  Plus one queued. */
struct recover_fixture {
	struct store *st;
	int64_t busy, idle, done, queued;
};

static void
recover_fixture(struct recover_fixture *fx)
{
	struct store *st = fx->st = open_ok(db_path());

	fx->busy = insert(st, "a", 0, NULL);
	fx->idle = insert(st, "a", 0, NULL);
	fx->done = insert(st, "a", 0, NULL);
	fx->queued = insert(st, "a", 0, NULL);
	CHECK_INT(store_job_start(st, fx->busy, T0), 0);
	CHECK_INT(store_job_set_pid(st, fx->busy, 4242, 777), 0);
	CHECK_INT(store_test_begin(st, fx->busy, 1, "01-ok"), 0);
	CHECK_INT(store_test_end(st, fx->busy, "01-ok", 0, 10), 0);
	CHECK_INT(store_test_begin(st, fx->busy, 2, "02-hang"), 0);
	CHECK_INT(store_job_start(st, fx->idle, T0), 0);
	CHECK_INT(store_job_start(st, fx->done, T0), 0);
	CHECK_INT(store_job_finish(st, fx->done, RESULT_PASSED, NULL, true, 0, T0 + 1), 0);
}

static void
check_untouched(struct recover_fixture *fx)
{
	struct job *j = get(fx->st, fx->done);

	if (j != NULL) {
		CHECK_INT(j->state, JOB_DONE);
		CHECK_INT(j->result, RESULT_PASSED);
		CHECK_INT(j->finished_ms, T0 + 1);
		CHECK_INT(j->attempt, 1);
	}
	job_free(j);
	j = get(fx->st, fx->queued);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_QUEUED);
		CHECK_INT(j->attempt, 1);
	}
	job_free(j);
}

static void
check_recovered(struct recovered_job *r, size_t n, struct recover_fixture *fx)
{
	CHECK_INT(n, 2);
	if (n != 2)
		return;
	CHECK_INT(r[0].id, fx->busy);
	CHECK_INT(r[0].pid, 4242);
	CHECK_INT(r[0].starttime, 777);
	CHECK_INT(r[1].id, fx->idle);
	CHECK_INT(r[1].pid, 0);
}

static void
test_recover_requeue_bumps_attempt_and_errors_running_tests(void)
{
	struct recover_fixture fx;
	struct recovered_job *r = NULL;
	struct test_result *t = NULL;
	struct job *j;
	size_t n = 0;

	recover_fixture(&fx);
	CHECK_INT(store_jobs_recover(fx.st, true, T0 + 50, &r, &n), 0);
	check_recovered(r, n, &fx);
	free(r);

	j = get(fx.st, fx.busy);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_QUEUED);
		CHECK_INT(j->result, RESULT_NONE);
		CHECK_INT(j->attempt, 2);
		CHECK_INT(j->started_ms, 0);
		/* The counters are for the new attempt, which ran nothing. */
		CHECK_INT(j->tests_total, 0);
		CHECK_INT(j->tests_passed, 0);
		CHECK_INT(j->tests_failed, 0);
	}
	job_free(j);
	j = get(fx.st, fx.idle);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_QUEUED);
		CHECK_INT(j->attempt, 2);
	}
	job_free(j);
	check_untouched(&fx);

	/* The second attempt starts with a clean test list and runs. */
	CHECK_INT(store_job_start(fx.st, fx.busy, T0 + 60), 0);
	CHECK_INT(store_test_list(fx.st, fx.busy, &t, &n), 0);
	CHECK_INT(n, 0);
	store_test_list_free(t, n);
	CHECK_INT(store_test_begin(fx.st, fx.busy, 1, "01-ok"), 0);
	CHECK_INT(store_test_end(fx.st, fx.busy, "01-ok", 0, 5), 0);
	CHECK_INT(store_test_list(fx.st, fx.busy, &t, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(t[0].verdict, VERDICT_PASS);
	store_test_list_free(t, n);

	/* A second recovery finds the restarted job and bumps it again. */
	CHECK_INT(store_jobs_recover(fx.st, true, T0 + 70, &r, &n), 0);
	CHECK_INT(n, 1);
	free(r);
	j = get(fx.st, fx.busy);
	if (j != NULL)
		CHECK_INT(j->attempt, 3);
	job_free(j);
	store_close(fx.st);
}

static void
test_recover_interrupt_finishes_jobs_with_a_message(void)
{
	struct recover_fixture fx;
	struct recovered_job *r = NULL;
	struct test_result *t = NULL;
	struct job *j;
	size_t n = 0;

	recover_fixture(&fx);
	CHECK_INT(store_jobs_recover(fx.st, false, T0 + 50, &r, &n), 0);
	check_recovered(r, n, &fx);
	free(r);

	j = get(fx.st, fx.busy);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_DONE);
		CHECK_INT(j->result, RESULT_INTERRUPTED);
		CHECK(j->message != NULL && strncmp(j->message, "interrupted: ", 13) == 0);
		CHECK_INT(j->finished_ms, T0 + 50);
		CHECK_INT(j->attempt, 1);
		CHECK_INT(j->tests_total, 2);
		CHECK_INT(j->tests_passed, 1);
		CHECK_INT(j->tests_failed, 1);
	}
	job_free(j);
	CHECK_INT(store_test_list(fx.st, fx.busy, &t, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(t[0].verdict, VERDICT_PASS);
		CHECK_STR(t[1].name, "02-hang");
		CHECK_INT(t[1].verdict, VERDICT_ERROR);
		CHECK_INT(t[1].has_exit_code, false);
	}
	store_test_list_free(t, n);
	check_untouched(&fx);
	store_close(fx.st);
}

static void
test_recover_with_nothing_running_touches_nothing(void)
{
	struct store *st = open_ok(db_path());
	struct recovered_job *r = (struct recovered_job *)1;
	size_t n = 99;
	int64_t id = insert(st, "a", 0, NULL);
	struct job *j;

	CHECK_INT(store_jobs_recover(st, false, T0, &r, &n), 0);
	CHECK_INT(n, 0);
	CHECK(r == NULL);
	j = get(st, id);
	if (j != NULL)
		CHECK_INT(j->state, JOB_QUEUED);
	job_free(j);
	store_close(st);
}

/* --- tests ---------------------------------------------------------------------- */

static void
test_tests_record_verdicts_counters_and_order(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct test_result *t = NULL;
	struct job *j;
	size_t n = 0;

	CHECK_INT(store_test_begin(st, id, 1, "01-kvm"), -ESTALE); /* queued */
	CHECK_INT(store_job_start(st, id, T0), 0);
	CHECK_INT(store_test_begin(st, id, 1, "01-kvm"), 0);
	CHECK_INT(store_test_begin(st, id, 1, "dup-seq"), -EEXIST);
	CHECK_INT(store_test_end(st, id, "01-kvm", 0, 412), 0);
	CHECK_INT(store_test_end(st, id, "01-kvm", 0, 412), -ESTALE);
	CHECK_INT(store_test_end(st, id, "never-began", 0, 1), -ENOENT);
	CHECK_INT(store_test_begin(st, id, 2, "02-fail"), 0);
	CHECK_INT(store_test_end(st, id, "02-fail", 3, 20), 0);
	CHECK_INT(store_test_begin(st, id, 3, "03-hang"), 0);

	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->tests_total, 3);
		CHECK_INT(j->tests_passed, 1);
		CHECK_INT(j->tests_failed, 1);
	}
	job_free(j);

	CHECK_INT(store_tests_abort(st, id), 0);
	CHECK_INT(store_test_end(st, id, "03-hang", 0, 1), -ESTALE);
	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->tests_total, 3);
		CHECK_INT(j->tests_passed, 1);
		CHECK_INT(j->tests_failed, 2);
	}
	job_free(j);

	CHECK_INT(store_test_list(st, id, &t, &n), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_INT(t[0].seq, 1);
		CHECK_STR(t[0].name, "01-kvm");
		CHECK_INT(t[0].verdict, VERDICT_PASS);
		CHECK_INT(t[0].has_exit_code, true);
		CHECK_INT(t[0].exit_code, 0);
		CHECK_INT(t[0].duration_ms, 412);
		CHECK_INT(t[1].seq, 2);
		CHECK_STR(t[1].name, "02-fail");
		CHECK_INT(t[1].verdict, VERDICT_FAIL);
		CHECK_INT(t[1].exit_code, 3);
		CHECK_INT(t[1].duration_ms, 20);
		CHECK_INT(t[2].seq, 3);
		CHECK_INT(t[2].verdict, VERDICT_ERROR);
		CHECK_INT(t[2].has_exit_code, false);
	}
	store_test_list_free(t, n);
	store_close(st);
}

static void
test_finish_turns_running_tests_into_errors(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct test_result *t = NULL;
	struct job *j;
	size_t n = 0;

	CHECK_INT(store_job_start(st, id, T0), 0);
	CHECK_INT(store_test_begin(st, id, 1, "01-hang"), 0);
	CHECK_INT(store_job_finish(st, id, RESULT_TIMEOUT, "no console output for 120 s", true, -15,
		      T0 + 1),
	    0);
	CHECK_INT(store_test_list(st, id, &t, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(t[0].verdict, VERDICT_ERROR);
	store_test_list_free(t, n);
	j = get(st, id);
	if (j != NULL)
		CHECK_INT(j->tests_failed, 1);
	job_free(j);
	store_close(st);
}

static void
test_test_list_of_a_job_without_tests_is_empty(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct test_result *t = (struct test_result *)1;
	size_t n = 99;

	CHECK_INT(store_test_list(st, id, &t, &n), 0);
	CHECK_INT(n, 0);
	CHECK(t == NULL);
	CHECK_INT(store_tests_abort(st, id), 0);
	store_close(st);
}

static void
test_verdict_names_are_the_wire_names(void)
{
	CHECK_STR(test_verdict_name(VERDICT_RUNNING), "running");
	CHECK_STR(test_verdict_name(VERDICT_PASS), "pass");
	CHECK_STR(test_verdict_name(VERDICT_FAIL), "fail");
	CHECK_STR(test_verdict_name(VERDICT_ERROR), "error");
}

/* --- checkpoint ---------------------------------------------------------------- */

static void
test_checkpoint_truncates_the_wal_while_the_store_is_open(void)
{
	const char *p = db_path();
	char path[128], wal[160];
	struct store *st;
	struct job *j;
	int64_t id;

	snprintf(path, sizeof(path), "%s", p);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	st = open_ok(path);
	for (int i = 0; i < 20; i++)
		id = insert(st, "alice", 0, "v4");
	CHECK(file_size(wal) > 0);
	CHECK_INT(store_checkpoint(path), 0);
	CHECK_INT(file_size(wal), 0);
	/* The open store carries on, through the truncated WAL. */
	id = insert(st, "bob", 0, NULL);
	j = get(st, id);
	if (j != NULL)
		CHECK_STR(j->owner, "bob");
	job_free(j);
	CHECK(file_size(wal) > 0);
	CHECK_INT(store_checkpoint(path), 0);
	store_close(st);

	/* Everything reached the main file. */
	st = open_ok(path);
	j = get(st, id);
	job_free(j);
	store_close(st);
}

static void
test_checkpoint_of_a_missing_database_fails(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/no-such.db", tmpdir);
	CHECK(store_checkpoint(path) < 0);
	CHECK(access(path, F_OK) != 0);
}

/* Remove the temporary directory and everything the tests left in it. */
static void
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

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_open_creates_schema_at_latest_version);
	RUN(test_reopen_keeps_jobs_and_version);
	RUN(test_newer_schema_is_refused_with_a_cause);
	RUN(test_garbage_file_is_refused_with_a_cause);
	RUN(test_insert_get_round_trips_every_field);
	RUN(test_insert_bare_job_keeps_null_message_and_seed);
	RUN(test_insert_fills_created_ms_when_zero);
	RUN(test_insert_with_duplicate_exe_names_leaves_nothing_behind);
	RUN(test_get_unknown_id_is_enoent);
	RUN(test_list_is_newest_first_and_honours_limit);
	RUN(test_list_default_limit_is_100);
	RUN(test_list_filters_by_state_tag_and_owner);
	RUN(test_queue_is_priority_first_then_fifo);
	RUN(test_start_and_finish_record_times_result_and_exit);
	RUN(test_finish_of_queued_job_is_a_cancel_without_exit_status);
	RUN(test_illegal_transitions_are_estale);
	RUN(test_finish_needs_a_final_result);
	RUN(test_unknown_ids_are_enoent);
	RUN(test_recover_requeue_bumps_attempt_and_errors_running_tests);
	RUN(test_recover_interrupt_finishes_jobs_with_a_message);
	RUN(test_recover_with_nothing_running_touches_nothing);
	RUN(test_tests_record_verdicts_counters_and_order);
	RUN(test_finish_turns_running_tests_into_errors);
	RUN(test_test_list_of_a_job_without_tests_is_empty);
	RUN(test_verdict_names_are_the_wire_names);
	RUN(test_checkpoint_truncates_the_wal_while_the_store_is_open);
	RUN(test_checkpoint_of_a_missing_database_fails);
	cleanup();
	return UNIT_DONE();
}
