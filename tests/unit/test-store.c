/*
 * test-store.c -- the sqlite store against real database files: opening,
 * jobs and their life, tests and sub-results, migrations, checkpoints.
 * Crash reports, artifacts and coverage are in test-store-reports.c; the
 * fixtures both use are in test-store.h.
 *
 * Every test opens its own database file in one temporary directory made
 * with mkdtemp(), so tests cannot see each other's rows and the WAL and
 * shared-memory files are real.
 *
 * One test builds a database the way pkvmd before migration 002 did, with
 * sqlite directly: it plays an old pkvmd, which no store function can.
 */
#include "build-config.h"
#include "test-store.h"

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
	store_free(st);
}

static void
test_reopen_keeps_jobs_and_version(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	struct job *j;
	int64_t id = insert(st, "alice", 0, "v4");

	store_free(st);
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	j = get(st, id);
	CHECK(j != NULL);
	if (j != NULL) {
		CHECK_STR(j->owner, "alice");
		CHECK_INT(j->ntags, 1);
	}
	job_free(j);
	store_free(st);
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

	store_free(st);
	poke_user_version(path, SCHEMA_LATEST + 1);
	st = (struct store *)1;
	CHECK_INT(store_new(&st, path, &cause), -ENOTSUP);
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
	CHECK(store_new(&st, path, &cause) < 0);
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
	in->net = JOB_NET_USER;
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
	CHECK_INT(out->net, JOB_NET_USER);
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
	store_free(st);
}

static void
test_insert_bare_job_keeps_null_message_and_seed(void)
{
	struct store *st = open_ok(db_path());
	struct job *in, *out;

	CHECK_INT(job_new(&in), 0);

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
	store_free(st);
}

/* A payload job (docs/PAYLOADS.md) keeps each payload's machine, and a
 * kernel job stays a kernel job. */
static void
test_insert_payload_job_round_trips_its_payloads(void)
{
	struct store *st = open_ok(db_path());
	struct job *in = job_make("alice", 0, 0), *out, *plain = job_make("bob", 0, 0);

	in->kind = JOB_KIND_PAYLOAD;
	in->exes = calloc(2, sizeof(*in->exes));
	in->nexes = 2;
	in->exes[0].name = strdup("selftest-setup");
	snprintf(in->exes[0].blob, sizeof(in->exes[0].blob), "%s", BLOB_A);
	snprintf(in->exes[0].format, sizeof(in->exes[0].format), "flat");
	in->exes[0].smp = 2;
	in->exes[0].mem_mb = 256;
	in->exes[0].timeout_s = 90;
	in->exes[0].append = strdup("setup smp=2 mem=256");
	in->exes[0].machine = strdup("gic-version=2");
	in->exes[0].groups = strdup("selftest smp");
	in->exes[1].name = strdup("app.efi");
	snprintf(in->exes[1].blob, sizeof(in->exes[1].blob), "%s", BLOB_B);
	snprintf(in->exes[1].format, sizeof(in->exes[1].format), "efi");
	in->exes[1].smp = 1;
	CHECK_INT(store_job_insert(st, in), 0);
	CHECK_INT(store_job_insert(st, plain), 0);
	out = get(st, in->id);
	if (out != NULL) {
		CHECK_INT(out->kind, JOB_KIND_PAYLOAD);
		CHECK_INT(out->nexes, 2);
		CHECK_STR(out->exes[0].format, "flat");
		CHECK_INT(out->exes[0].smp, 2);
		CHECK_INT(out->exes[0].mem_mb, 256);
		CHECK_INT(out->exes[0].timeout_s, 90);
		CHECK_STR(out->exes[0].append, "setup smp=2 mem=256");
		CHECK_STR(out->exes[0].machine, "gic-version=2");
		CHECK_STR(out->exes[0].groups, "selftest smp");
		CHECK_STR(out->exes[1].format, "efi");
		CHECK_STR(out->exes[1].append, "");
	}
	job_free(out);
	out = get(st, plain->id);
	if (out != NULL)
		CHECK_INT(out->kind, JOB_KIND_KERNEL);
	job_free(out);
	job_free(plain);
	job_free(in);
	store_free(st);
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
	store_free(st);
}

/* Two executables of one name: an insert the store refuses (-EEXIST). */
static void
give_twin_exes(struct job *j)
{
	j->exes = calloc(2, sizeof(*j->exes));
	for (int i = 0; i < 2; i++) {
		j->exes[i].name = strdup("same");
		snprintf(j->exes[i].blob, sizeof(j->exes[i].blob), "%s", BLOB_A);
	}
	j->nexes = 2;
}

static void
test_insert_with_duplicate_exe_names_leaves_nothing_behind(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = job_make("alice", 0, 1, "t");
	struct job **jobs = NULL;
	struct job_filter f = { 0 };
	size_t n = 99;

	give_twin_exes(j);
	CHECK_INT(store_job_insert(st, j), -EEXIST);
	/* One transaction: the job row and its tag went away too. */
	CHECK_INT(store_job_list(st, &f, &jobs, &n), 0);
	CHECK_INT(n, 0);
	store_job_list_free(jobs, n);
	job_free(j);
	store_free(st);
}

static void
test_get_unknown_id_is_enoent(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = (struct job *)1;

	CHECK_INT(store_job_get(st, 12345, &j), -ENOENT);
	CHECK(j == NULL);
	store_free(st);
}

/* --- listing ------------------------------------------------------------------ */

static size_t
list_ids(struct store *st, const struct job_filter *f, int64_t *ids, size_t max)
{
	struct job **jobs = NULL;
	size_t n = 0;

	int64_t only[128];
	size_t nonly = 0;

	CHECK_INT(store_job_list(st, f, &jobs, &n), 0);
	for (size_t i = 0; i < n && i < max; i++)
		ids[i] = jobs[i]->id;
	/* The ids alone (the HTTP list's way) are the same, in order. */
	CHECK_INT(store_job_list_ids(st, f, only, 128, &nonly), 0);
	CHECK_INT(nonly, n);
	for (size_t i = 0; i < n && i < nonly; i++)
		CHECK_INT(only[i], jobs[i]->id);
	store_job_list_free(jobs, n);
	return n;
}

/* Job ID runs test "t" with sub-results "a" and "a" (twins), with
 * verdicts T, A1, A2, and ends. */
static void
run_t(struct store *st, int64_t id, enum test_verdict t, enum test_verdict a1, enum test_verdict a2)
{
	struct tout_node nodes[2] = { { .name = "a", .verdict = a1 },
		{ .name = "a", .verdict = a2 } };
	struct test_record r = { .name = "t",
		.verdict = t,
		.format = TOUT_TAP,
		.nodes = nodes,
		.nnodes = 2 };

	CHECK_INT(store_job_start(st, id, T0 + 10), 0);
	CHECK_INT(store_test_begin(st, id, 1, "t"), 0);
	CHECK_INT(store_test_finish(st, id, &r), 0);
	CHECK_INT(store_job_finish(st, id, t == VERDICT_PASS ? RESULT_PASSED : RESULT_FAILED, NULL,
		      true, 0, T0 + 20),
	    0);
}

/* Flakiness: a result that passed and failed on one kernel with one set
 * of test files is flaky; its row is made at its first failure, with the
 * passes before, and counted on; twins are told apart. */
static void
test_flakiness_is_counted_per_kernel_and_test_files(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert(st, "alice", 0, NULL), b = insert(st, "alice", 0, NULL),
		c = insert(st, "alice", 0, NULL), d = insert(st, "alice", 0, NULL);
	struct job *ja = get(st, a);
	struct flaky_test *f = NULL;
	int64_t passes, fails;
	size_t n = 0;

	run_t(st, a, VERDICT_PASS, VERDICT_PASS, VERDICT_PASS);
	CHECK_INT(store_flaky(st, NULL, 0, &f, &n), 0);
	CHECK_INT(n, 0); /* only passes: no row at all */
	store_flaky_free(f, n);
	run_t(st, b, VERDICT_FAIL, VERDICT_PASS, VERDICT_FAIL);
	run_t(st, c, VERDICT_PASS, VERDICT_PASS, VERDICT_PASS);
	run_t(st, d, VERDICT_FAIL, VERDICT_PASS, VERDICT_SKIP);
	CHECK_INT(store_flaky(st, NULL, 0, &f, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		/* Newest first: "t" (failed in b and d) and its
		 * second "a" (failed in b only; d skipped it). */
		CHECK_STR(f[0].test, "t");
		CHECK_INT(f[0].passes, 2);
		CHECK_INT(f[0].fails, 2);
		CHECK_INT(f[0].last_job, d);
		CHECK_STR(f[1].test, "t / a#2");
		CHECK_INT(f[1].passes, 2);
		CHECK_INT(f[1].fails, 1);
	}
	store_flaky_free(f, n);
	if (ja != NULL) {
		CHECK_INT(store_outcome_get(st, ja->kernel, ja->tests_key, "t / a", &passes,
			      &fails),
		    -ENOENT);
		CHECK_INT(store_outcome_get(st, ja->kernel, ja->tests_key, "t / a#2", &passes,
			      &fails),
		    0);
		CHECK_INT(fails, 1);
	}
	job_free(ja);
	store_free(st);
}

/* Reruns (--retry-failed): a rerun that passes makes the test flaky and
 * each sub-result that failed first and passed in it, matched by name and
 * twin; one that failed in the rerun too stays; a rerun is kept, listed
 * with its test, counted for flakiness; a test that never ran has none. */
static void
test_a_passing_rerun_makes_the_test_and_its_failed_subtests_flaky(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct tout_node first[3] = { { .name = "a", .verdict = VERDICT_FAIL },
		{ .name = "a", .verdict = VERDICT_FAIL },
		{ .name = "b", .verdict = VERDICT_PASS } };
	struct tout_node again[3] = { { .name = "a", .verdict = VERDICT_PASS },
		{ .name = "a", .verdict = VERDICT_FAIL },
		{ .name = "b", .verdict = VERDICT_PASS } };
	struct test_record r = { .name = "t",
		.verdict = VERDICT_FAIL,
		.has_exit_code = true,
		.exit_code = 1,
		.message = "2 of 3 failed",
		.format = TOUT_TAP,
		.nodes = first,
		.nnodes = 3 };
	struct job *j = NULL;
	struct test_full *t = NULL;
	size_t n = 0;
	int64_t passes = 0, fails = 0;

	CHECK_INT(store_job_start(st, id, T0 + 10), 0);
	CHECK_INT(store_test_begin(st, id, 1, "t"), 0);
	CHECK_INT(store_test_finish(st, id, &r), 0);
	r.nodes = again;
	r.message = "1 of 3 failed";
	r.first_line = 40;
	r.last_line = 44;
	CHECK_INT(store_test_rerun(st, id, 1, &r), 0); /* still failing: a#2 */
	CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
	if (n == 1) {
		CHECK_INT(t[0].t.verdict, VERDICT_FAIL);
		CHECK_INT(t[0].nnodes, 3);
		if (t[0].nnodes == 3) {
			CHECK_INT(t[0].nodes[0].verdict, VERDICT_FLAKY);
			CHECK_INT(t[0].nodes[1].verdict, VERDICT_FAIL);
			CHECK_INT(t[0].nodes[2].verdict, VERDICT_PASS);
		}
	}
	store_test_list_full_free(t, n);

	again[1].verdict = VERDICT_PASS;
	r.verdict = VERDICT_PASS;
	r.exit_code = 0;
	r.message = NULL;
	r.first_line = 50;
	r.last_line = 52;
	CHECK_INT(store_test_rerun(st, id, 2, &r), 0);
	CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_INT(t[0].t.verdict, VERDICT_FLAKY);
		CHECK_STR(t[0].message, "failed, then passed on rerun 2: 2 of 3 failed");
		CHECK_INT(t[0].first_line, 0); /* the first run's place stays */
		if (t[0].nnodes == 3)
			CHECK_INT(t[0].nodes[1].verdict, VERDICT_FLAKY);
		CHECK_INT(t[0].nreruns, 2);
		if (t[0].nreruns == 2) {
			CHECK_INT(t[0].reruns[0].retry, 1);
			CHECK_INT(t[0].reruns[0].verdict, VERDICT_FAIL);
			CHECK_STR(t[0].reruns[0].message, "1 of 3 failed");
			CHECK_INT(t[0].reruns[0].first_line, 40);
			CHECK_INT(t[0].reruns[1].verdict, VERDICT_PASS);
			CHECK_INT(t[0].reruns[1].exit_code, 0);
			CHECK_INT(t[0].reruns[1].last_line, 52);
		}
	}
	store_test_list_full_free(t, n);
	/* The counters: a flaky test is neither passed nor failed. */
	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->tests_total, 1);
		CHECK_INT(j->tests_passed, 0);
		CHECK_INT(j->tests_failed, 0);
		CHECK_INT(store_outcome_get(st, j->kernel, j->tests_key, "t", &passes, &fails), 0);
		CHECK_INT(passes, 1);
		CHECK_INT(fails, 2);
	}
	job_free(j);
	r.name = "never";
	CHECK_INT(store_test_rerun(st, id, 1, &r), -ENOENT);
	CHECK_INT(store_test_rerun(st, id, 0, &r), -EINVAL);
	store_free(st);
}

/* store_job_version() moves for the job written, in its own row or a child
 * row, and not for another; a rolled-back transaction moves them all. */
static void
test_job_version_moves_with_the_jobs_rows_only(void)
{
	struct store *st = open_ok(db_path());
	int64_t a = insert(st, "alice", 0, NULL), b = insert(st, "bob", 0, NULL);
	uint64_t va = store_job_version(st, a), vb = store_job_version(st, b);
	struct job *j = job_make("alice", 0, 1, "t");

	CHECK_INT(store_job_version(st, a), va);
	CHECK_INT(store_job_start(st, a, T0 + 100), 0);
	CHECK(store_job_version(st, a) != va);
	CHECK_INT(store_job_version(st, b), vb);
	va = store_job_version(st, a);
	/* A child row (a test of job a) moves job a's, not b's. */
	CHECK_INT(store_test_begin(st, a, 1, "01-ok"), 0);
	CHECK(store_job_version(st, a) != va);
#if PKVM_HAVE_PREUPDATE_HOOK /* without it, a child row moves them all */
	CHECK_INT(store_job_version(st, b), vb);
#endif
	va = store_job_version(st, a);
	/* A failed insert is rolled back: everything counts as changed. */
	give_twin_exes(j);
	CHECK_INT(store_job_insert(st, j), -EEXIST);
	CHECK(store_job_version(st, a) != va);
	CHECK(store_job_version(st, b) != vb);
	job_free(j);
	store_free(st);
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
	store_free(st);
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
	store_free(st);
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
	store_free(st);
}

static void
test_list_pages_with_a_cursor_and_filters_by_result(void)
{
	struct store *st = open_ok(db_path());
	struct job_filter f = { .limit = 2 };
	int64_t id[5], got[8];

	for (int i = 0; i < 5; i++) {
		id[i] = insert(st, "alice", 0, i % 2 ? "odd" : NULL);
		CHECK_INT(store_job_start(st, id[i], T0 + 1), 0);
		CHECK_INT(store_job_finish(st, id[i], i % 2 ? RESULT_FAILED : RESULT_PASSED, NULL,
			      true, 0, T0 + 2),
		    0);
	}
	/* Each page starts below the last id of the one before. */
	f.before = id[3];
	CHECK_INT(list_ids(st, &f, got, 8), 2);
	CHECK_INT(got[0], id[2]);
	CHECK_INT(got[1], id[1]);
	f.before = id[1];
	CHECK_INT(list_ids(st, &f, got, 8), 1);
	CHECK_INT(got[0], id[0]);

	f = (struct job_filter){ .result = "failed" };
	CHECK_INT(list_ids(st, &f, got, 8), 2);
	CHECK_INT(got[0], id[3]);
	CHECK_INT(got[1], id[1]);
	/* With a tag the cursor walks the tag's index. */
	f = (struct job_filter){ .result = "failed", .tag = "odd", .before = id[3] };
	CHECK_INT(list_ids(st, &f, got, 8), 1);
	CHECK_INT(got[0], id[1]);
	f = (struct job_filter){ .result = "passed", .tag = "odd" };
	CHECK_INT(list_ids(st, &f, got, 8), 0);
	store_free(st);
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
	store_free(st);
}

/* --- transitions -------------------------------------------------------------- */

/* Check job ID's test counters: total, passed and failed. */
static void
check_counters(struct store *st, int64_t id, int total, int passed, int failed)
{
	struct job *j = get(st, id);

	if (j != NULL) {
		CHECK_INT(j->tests_total, total);
		CHECK_INT(j->tests_passed, passed);
		CHECK_INT(j->tests_failed, failed);
	}
	job_free(j);
}

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
	store_free(st);
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
	store_free(st);
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
	store_free(st);
}

static void
test_finish_needs_a_final_result(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);

	CHECK_INT(store_job_finish(st, id, RESULT_NONE, NULL, false, 0, T0), -EINVAL);
	CHECK_INT(store_job_finish(st, id, (enum job_result)99, NULL, false, 0, T0), -EINVAL);
	store_free(st);
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
	store_free(st);
}

/* --- recovery ------------------------------------------------------------------ */

/* Three jobs: running with tests (one passed, one still running) and a
 * recorded pid, running without a pid, and done.  Plus one queued. */
struct recover_fixture {
	struct store *st;
	int64_t busy, idle, done, queued;
};

/* Build the fixture, recover it at T0 + 50 (REQUEUE or not) and check that
 * the recovery reported the two running jobs. */
static void
recover_fixture(struct recover_fixture *fx, bool requeue)
{
	struct store *st = fx->st = open_ok(db_path());
	struct recovered_job *r = NULL;
	size_t n = 0;

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
	CHECK_INT(store_jobs_recover(st, requeue, T0 + 50, &r, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(r[0].id, fx->busy);
		CHECK_INT(r[0].pid, 4242);
		CHECK_INT(r[0].starttime_ticks, 777);
		CHECK_INT(r[1].id, fx->idle);
		CHECK_INT(r[1].pid, 0);
	}
	free(r);
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
test_recover_requeue_bumps_attempt_and_errors_running_tests(void)
{
	struct recover_fixture fx;
	struct test_result *t = NULL;
	struct job *j;
	size_t n = 0;

	recover_fixture(&fx, true);

	j = get(fx.st, fx.busy);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_QUEUED);
		CHECK_INT(j->result, RESULT_NONE);
		CHECK_INT(j->attempt, 2);
		CHECK_INT(j->started_ms, 0);
	}
	job_free(j);
	/* The counters are for the new attempt, which ran nothing. */
	check_counters(fx.st, fx.busy, 0, 0, 0);
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

	/* A second recovery finds the restarted job on its last allowed
	 * attempt (max_attempts 2): interrupted, not queued again; the
	 * attempt the first one ended is kept. */
	CHECK_INT(recover(fx.st, true, T0 + 70), 1);
	j = get(fx.st, fx.busy);
	if (j != NULL) {
		CHECK_INT(j->attempt, 2);
		CHECK_INT(j->state, JOB_DONE);
		CHECK_INT(j->result, RESULT_INTERRUPTED);
		CHECK_INT(j->nattempts, 1);
		if (j->nattempts == 1) {
			CHECK_INT(j->attempts[0].attempt, 1);
			CHECK_INT(j->attempts[0].result, RESULT_INTERRUPTED);
		}
	}
	job_free(j);
	store_free(fx.st);
}

static void
test_recover_interrupt_finishes_jobs_with_a_message(void)
{
	struct recover_fixture fx;
	struct test_result *t = NULL;
	struct job *j;
	size_t n = 0;

	recover_fixture(&fx, false);

	j = get(fx.st, fx.busy);
	if (j != NULL) {
		CHECK_INT(j->state, JOB_DONE);
		CHECK_INT(j->result, RESULT_INTERRUPTED);
		CHECK(j->message != NULL && strncmp(j->message, "interrupted: ", 13) == 0);
		CHECK_INT(j->finished_ms, T0 + 50);
		CHECK_INT(j->attempt, 1);
	}
	job_free(j);
	check_counters(fx.st, fx.busy, 2, 1, 1);
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
	store_free(fx.st);
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
	store_free(st);
}

/* --- tests ---------------------------------------------------------------------- */

static void
test_tests_record_verdicts_counters_and_order(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct test_result *t = NULL;
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
	check_counters(st, id, 3, 1, 1);

	CHECK_INT(store_tests_abort(st, id), 0);
	CHECK_INT(store_test_end(st, id, "03-hang", 0, 1), -ESTALE);
	check_counters(st, id, 3, 1, 2);

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
	store_free(st);
}

static void
test_finish_turns_running_tests_into_errors(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct test_result *t = NULL;
	struct job *j;
	size_t n = 0;

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
	store_free(st);
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
	store_free(st);
}

static void
test_verdict_names_are_the_wire_names(void)
{
	CHECK_STR(test_verdict_name(VERDICT_RUNNING), "running");
	CHECK_STR(test_verdict_name(VERDICT_PASS), "pass");
	CHECK_STR(test_verdict_name(VERDICT_FAIL), "fail");
	CHECK_STR(test_verdict_name(VERDICT_ERROR), "error");
	CHECK_STR(test_verdict_name(VERDICT_SKIP), "skip");
	CHECK_STR(test_verdict_name(VERDICT_TIMEOUT), "timeout");
}

/* --- issue 3: job fields ---------------------------------------------------------- */

/* Insert IN and run CHECK on it as store_job_get(), store_job_list() with
 * F (which finds IN alone) and store_job_queue() (IN last of NQUEUED)
 * give it back: each reads a job its own way. */
static void
check_round_trip(struct store *st, struct job *in, const struct job_filter *f, size_t nqueued,
    void (*check)(const struct job *))
{
	struct job *out, **jobs = NULL;
	size_t n = 0;

	CHECK_INT(store_job_insert(st, in), 0);
	out = get(st, in->id);
	if (out != NULL)
		check(out);
	job_free(out);
	CHECK_INT(store_job_list(st, f, &jobs, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		check(jobs[0]);
	store_job_list_free(jobs, n);
	CHECK_INT(store_job_queue(st, &jobs, &n), 0);
	CHECK_INT(n, nqueued);
	if (n == nqueued)
		check(jobs[n - 1]);
	store_job_list_free(jobs, n);
}

static void
check_issue3_fields(const struct job *out)
{
	CHECK_INT(out->test_timeout_s, 60);
	CHECK_INT(out->fail_on_warn, true);
	CHECK_STR(out->timings, "{\"init\": 9.81}");
	CHECK_INT(out->nexes, 2);
	if (out->nexes == 2) {
		CHECK_INT(out->exes[0].timeout_s, 30);
		CHECK_INT(out->exes[0].nargs, 3);
		if (out->exes[0].nargs == 3) {
			CHECK_STR(out->exes[0].args[0], "--verbose");
			CHECK_STR(out->exes[0].args[1], "3");
			CHECK_STR(out->exes[0].args[2], "");
		}
		CHECK_INT(out->exes[0].nenv, 0);
		CHECK_INT(out->exes[1].timeout_s, 0);
		CHECK_INT(out->exes[1].nargs, 0);
		CHECK_INT(out->exes[1].nenv, 2);
		if (out->exes[1].nenv == 2) {
			CHECK_STR(out->exes[1].env[0], "KEY=value");
			CHECK_STR(out->exes[1].env[1], "EMPTY=");
		}
	}
	CHECK_INT(out->nmodules, 2);
	if (out->nmodules == 2) {
		CHECK_STR(out->modules[0], "dummy");
		CHECK_STR(out->modules[1], "veth");
	}
	CHECK_INT(out->nextra, 3);
	if (out->nextra == 3) {
		CHECK_STR(out->extra[0].path, "lib/modules/6.1.0/kernel/dummy.ko");
		CHECK_INT(out->extra[0].kind, EXTRA_FILE);
		CHECK_STR(out->extra[0].blob, BLOB_B);
		CHECK_INT(out->extra[0].mode, 0644);
		CHECK_INT(out->extra[0].size, 4096);
		CHECK_STR(out->extra[0].target, NULL);
		CHECK_STR(out->extra[1].path, "etc/modules-load.d");
		CHECK_INT(out->extra[1].kind, EXTRA_DIR);
		CHECK_STR(out->extra[1].blob, "");
		CHECK_INT(out->extra[1].mode, 0755);
		CHECK_STR(out->extra[2].path, "lib/modules/6.1.0/build");
		CHECK_INT(out->extra[2].kind, EXTRA_SYMLINK);
		CHECK_STR(out->extra[2].target, "/nonexistent");
	}
}

/* A job with every issue 3 field set: per-executable arguments,
 * environment and timeout, test_timeout, fail_on_warn, modules, a file, a
 * directory and a symlink in the extra tree, timings. */
static struct job *
job_make_issue3(void)
{
	struct job *j = job_make("alice", 0, 0);

	j->test_timeout_s = 60;
	j->fail_on_warn = true;
	j->timings = strdup("{\"init\": 9.81}");
	j->exes = calloc(2, sizeof(*j->exes));
	j->nexes = 2;
	j->exes[0].name = strdup("01-args");
	snprintf(j->exes[0].blob, sizeof(j->exes[0].blob), "%s", BLOB_A);
	j->exes[0].mode = 0755;
	j->exes[0].args = strv(3, "--verbose", "3", "");
	j->exes[0].nargs = 3;
	j->exes[0].timeout_s = 30;
	j->exes[1].name = strdup("02-env");
	snprintf(j->exes[1].blob, sizeof(j->exes[1].blob), "%s", BLOB_A);
	j->exes[1].mode = 0755;
	j->exes[1].env = strv(2, "KEY=value", "EMPTY=");
	j->exes[1].nenv = 2;
	j->modules = strv(2, "dummy", "veth");
	j->nmodules = 2;
	j->extra = calloc(3, sizeof(*j->extra));
	j->nextra = 3;
	j->extra[0].path = strdup("lib/modules/6.1.0/kernel/dummy.ko");
	j->extra[0].kind = EXTRA_FILE;
	snprintf(j->extra[0].blob, sizeof(j->extra[0].blob), "%s", BLOB_B);
	j->extra[0].mode = 0644;
	j->extra[0].size = 4096;
	j->extra[1].path = strdup("etc/modules-load.d");
	j->extra[1].kind = EXTRA_DIR;
	j->extra[1].mode = 0755;
	j->extra[2].path = strdup("lib/modules/6.1.0/build");
	j->extra[2].kind = EXTRA_SYMLINK;
	j->extra[2].target = strdup("/nonexistent");
	return j;
}

static void
test_issue3_job_fields_round_trip_through_get_list_and_queue(void)
{
	struct store *st = open_ok(db_path());
	struct job *in = job_make_issue3();
	struct job_filter f = { 0 };

	check_round_trip(st, in, &f, 1, check_issue3_fields);
	job_free(in);
	store_free(st);
}

/* --- issue 4: coverage fields ------------------------------------------------------ */

static void
check_coverage_fields(const struct job *out)
{
	CHECK_INT(out->coverage, false);
	CHECK_STR(out->build_dir, "/home/me/linux");
	CHECK_STR(out->gcov_tool, "aarch64-linux-gnu-gcov");
	CHECK_INT(out->ncoverage_paths, 2);
	if (out->ncoverage_paths == 2) {
		CHECK_STR(out->coverage_paths[0], "/opt/tests");
		CHECK_STR(out->coverage_paths[1], "/usr/local/lib/kvm");
	}
}

static void
test_coverage_job_fields_round_trip_through_get_list_and_queue(void)
{
	struct store *st = open_ok(db_path());
	struct job *in = job_make("alice", 0, 1, "v4"), *out;
	struct job_filter f = { .tag = "v4" };
	int64_t bare = insert(st, "bob", 0, NULL);

	in->coverage = false;
	in->build_dir = strdup("/home/me/linux");
	in->gcov_tool = strdup("aarch64-linux-gnu-gcov");
	in->coverage_paths = strv(2, "/opt/tests", "/usr/local/lib/kvm");
	in->ncoverage_paths = 2;
	/* The bare job is queued first, at the same priority. */
	check_round_trip(st, in, &f, 2, check_coverage_fields);
	job_free(in);

	/* A job that says nothing: coverage on, the rest unset. */
	out = get(st, bare);
	if (out != NULL) {
		CHECK_INT(out->coverage, true);
		CHECK_STR(out->build_dir, NULL);
		CHECK_STR(out->gcov_tool, NULL);
		CHECK_INT(out->ncoverage_paths, 0);
		CHECK(out->coverage_paths == NULL);
	}
	job_free(out);
	store_free(st);
}

/* --- issue 13: the pKVM tester's fields ------------------------------------------- */

static void
check_tester_fields(const struct job *out)
{
	CHECK(out->stop_on_failure);
	CHECK_INT(out->nstream_paths, 2);
	if (out->nstream_paths == 2) {
		CHECK_STR(out->stream_paths[0], "/sys/kernel/debug/nvhe.log");
		CHECK_STR(out->stream_paths[1], "/tmp/trace.log");
	}
	CHECK_STR(out->cpu, "cortex-a72"); /* issue 15: the job's -cpu */
}

static void
test_tester_job_fields_round_trip_through_get_list_and_queue(void)
{
	struct store *st = open_ok(db_path());
	struct job *in = job_make("alice", 0, 1, "v4"), *out;
	struct job_filter f = { .tag = "v4" };
	int64_t bare = insert(st, "bob", 0, NULL);

	in->stop_on_failure = true;
	in->stream_paths = strv(2, "/sys/kernel/debug/nvhe.log", "/tmp/trace.log");
	in->nstream_paths = 2;
	in->cpu = strdup("cortex-a72");
	check_round_trip(st, in, &f, 2, check_tester_fields);
	job_free(in);
	/* A job that says nothing: every test runs, nothing else streamed. */
	out = get(st, bare);
	if (out != NULL) {
		CHECK(!out->stop_on_failure);
		CHECK_INT(out->nstream_paths, 0);
		/* No server default applied: the built-in one. */
		CHECK_STR(out->cpu, JOB_CPU_DEFAULT);
	}
	job_free(out);
	store_free(st);
}

static void
test_symlink_without_target_is_einval_and_leaves_nothing(void)
{
	struct store *st = open_ok(db_path());
	struct job *in = job_make_issue3(), **jobs = NULL;
	struct job_filter f = { 0 };
	size_t n = 99;

	free(in->extra[2].target);
	in->extra[2].target = NULL;
	CHECK_INT(store_job_insert(st, in), -EINVAL);
	CHECK_INT(store_job_list(st, &f, &jobs, &n), 0);
	CHECK_INT(n, 0);
	store_job_list_free(jobs, n);
	job_free(in);
	store_free(st);
}

static void
test_timings_are_set_and_a_new_attempt_starts_without_them(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct job *j;

	CHECK_INT(store_job_set_timings(st, id + 100, "{}"), -ENOENT);
	CHECK_INT(store_job_start(st, id, T0), 0);
	CHECK_INT(store_job_set_timings(st, id, "{\"init\": 9.81, \"tests\": 10.02}"), 0);
	j = get(st, id);
	if (j != NULL)
		CHECK_STR(j->timings, "{\"init\": 9.81, \"tests\": 10.02}");
	job_free(j);
	recover(st, true, T0 + 1);
	j = get(st, id);
	if (j != NULL)
		CHECK_STR(j->timings, NULL);
	job_free(j);
	store_free(st);
}

/* --- issue 3: test records and sub-results ------------------------------------------- */

static struct tout_node
node(const char *name, enum test_verdict v, const char *message, uint64_t line,
    struct tout_node *children, size_t nchildren)
{
	struct tout_node nd = {
		.name = (char *)name,
		.verdict = v,
		.message = (char *)message,
		.line = line,
		.children = children,
		.nchildren = nchildren,
	};

	return nd;
}

static void
test_finish_stores_details_and_a_three_level_subtest_tree(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct tout_node leaves[2] = {
		node("system_off", VERDICT_FAIL, "expected 0, got -1", 229, NULL, 0),
		node("system_reset", VERDICT_SKIP, "not supported", 231, NULL, 0),
	};
	struct tout_node mid[2] = {
		node("psci", VERDICT_FAIL, NULL, 232, leaves, 2),
		node("empty", VERDICT_PASS, NULL, 233, NULL, 0),
	};
	struct tout_node top[3] = {
		node("mmio_write", VERDICT_PASS, NULL, 215, NULL, 0),
		node("suite", VERDICT_FAIL, NULL, 234, mid, 2),
		node("", VERDICT_TIMEOUT, NULL, 240, NULL, 0),
	};
	struct test_record rec = {
		.name = "kvm-ktap",
		.verdict = VERDICT_FAIL,
		.has_exit_code = true,
		.exit_code = 1,
		.duration_ms = 412,
		.message = "2 of 5 subtests failed",
		.format = TOUT_KTAP,
		.first_line = 212,
		.last_line = 240,
		.nodes = top,
		.nnodes = 3,
	};
	struct test_full *t = NULL;
	struct tout_node *n2, *n3;
	size_t n = 0;

	CHECK_INT(store_test_begin(st, id, 1, "kvm-ktap"), 0);
	CHECK_INT(store_test_begin(st, id, 2, "plain"), 0);
	CHECK_INT(store_test_finish(st, id, &rec), 0);
	CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
	CHECK_INT(n, 2);
	if (n != 2)
		goto done;
	CHECK_STR(t[0].t.name, "kvm-ktap");
	CHECK_INT(t[0].t.seq, 1);
	CHECK_INT(t[0].t.verdict, VERDICT_FAIL);
	CHECK_INT(t[0].t.has_exit_code, true);
	CHECK_INT(t[0].t.exit_code, 1);
	CHECK_INT(t[0].t.duration_ms, 412);
	CHECK_STR(t[0].message, "2 of 5 subtests failed");
	CHECK_INT(t[0].format, TOUT_KTAP);
	CHECK_INT(t[0].first_line, 212);
	CHECK_INT(t[0].last_line, 240);
	CHECK_INT(t[0].nnodes, 3);
	if (t[0].nnodes != 3)
		goto done;
	CHECK_STR(t[0].nodes[0].name, "mmio_write");
	CHECK_INT(t[0].nodes[0].verdict, VERDICT_PASS);
	CHECK_STR(t[0].nodes[0].message, NULL);
	CHECK_INT(t[0].nodes[0].line, 215);
	CHECK_INT(t[0].nodes[0].nchildren, 0);
	CHECK_STR(t[0].nodes[2].name, "");
	CHECK_INT(t[0].nodes[2].verdict, VERDICT_TIMEOUT);
	CHECK_INT(t[0].nodes[2].nchildren, 0);
	CHECK_STR(t[0].nodes[1].name, "suite");
	CHECK_INT(t[0].nodes[1].nchildren, 2);
	if (t[0].nodes[1].nchildren != 2)
		goto done;
	n2 = t[0].nodes[1].children;
	CHECK_STR(n2[0].name, "psci");
	CHECK_INT(n2[0].line, 232);
	CHECK_STR(n2[1].name, "empty");
	CHECK_INT(n2[1].nchildren, 0);
	CHECK_INT(n2[0].nchildren, 2);
	if (n2[0].nchildren != 2)
		goto done;
	n3 = n2[0].children;
	CHECK_STR(n3[0].name, "system_off");
	CHECK_INT(n3[0].verdict, VERDICT_FAIL);
	CHECK_STR(n3[0].message, "expected 0, got -1");
	CHECK_INT(n3[0].line, 229);
	CHECK_STR(n3[1].name, "system_reset");
	CHECK_INT(n3[1].verdict, VERDICT_SKIP);
	CHECK_STR(n3[1].message, "not supported");
	CHECK_INT(n3[1].nchildren, 0);

	/* The still running test has the defaults and no sub-results. */
	CHECK_STR(t[1].t.name, "plain");
	CHECK_INT(t[1].t.verdict, VERDICT_RUNNING);
	CHECK_STR(t[1].message, NULL);
	CHECK_INT(t[1].format, TOUT_NONE);
	CHECK_INT(t[1].nnodes, 0);
	CHECK(t[1].nodes == NULL);
done:
	store_test_list_full_free(t, n);
	store_free(st);
}

static void
test_skip_and_timeout_round_trip_and_count_as_designed(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct test_full *t = NULL;
	size_t n = 0;

	run_test(st, id, 1, "pass", VERDICT_PASS, 0);
	run_test(st, id, 2, "skip", VERDICT_SKIP, 0);
	run_test(st, id, 3, "timeout", VERDICT_TIMEOUT, 0);
	run_test(st, id, 4, "fail", VERDICT_FAIL, 1);
	run_test(st, id, 5, "error", VERDICT_ERROR, 2);
	CHECK_INT(store_test_begin(st, id, 6, "running"), 0);
	/* passed = pass; failed = fail + error + timeout; skip and running
	 * count only in the total. */
	check_counters(st, id, 6, 1, 3);
	CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
	CHECK_INT(n, 6);
	if (n == 6) {
		CHECK_INT(t[1].t.verdict, VERDICT_SKIP);
		CHECK_INT(t[2].t.verdict, VERDICT_TIMEOUT);
		CHECK_INT(t[2].t.has_exit_code, false);
		CHECK_INT(t[3].format, TOUT_TAP);
		CHECK_INT(t[4].t.verdict, VERDICT_ERROR);
		CHECK_INT(t[5].t.verdict, VERDICT_RUNNING);
	}
	store_test_list_full_free(t, n);
	store_free(st);
}

static void
test_finish_errors_are_enoent_estale_and_einval(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert_running(st, NULL);
	struct tout_node bad = node("x", (enum test_verdict)99, NULL, 1, NULL, 0);
	struct test_record rec = { .name = "01", .verdict = VERDICT_PASS, .has_exit_code = true };
	struct test_full *t = NULL;
	size_t n = 0;

	CHECK_INT(store_test_finish(st, id, &rec), -ENOENT);
	CHECK_INT(store_test_begin(st, id, 1, "01"), 0);
	rec.verdict = VERDICT_RUNNING;
	CHECK_INT(store_test_finish(st, id, &rec), -EINVAL);
	rec.verdict = VERDICT_PASS;
	rec.format = (enum tout_format)42;
	CHECK_INT(store_test_finish(st, id, &rec), -EINVAL);
	rec.format = TOUT_NONE;
	/* A bad sub-result rolls the whole record back. */
	rec.nodes = &bad;
	rec.nnodes = 1;
	CHECK_INT(store_test_finish(st, id, &rec), -EINVAL);
	rec.nodes = NULL;
	rec.nnodes = 0;
	CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
	if (n == 1)
		CHECK_INT(t[0].t.verdict, VERDICT_RUNNING);
	store_test_list_full_free(t, n);
	CHECK_INT(store_test_finish(st, id, &rec), 0);
	CHECK_INT(store_test_finish(st, id, &rec), -ESTALE);
	CHECK_INT(store_test_list_full(st, id + 100, &t, &n), -ENOENT);
	store_free(st);
}

static void
test_add_inserts_a_finished_pseudo_test_with_subtests(void)
{
	struct store *st = open_ok(db_path());
	int64_t id = insert(st, "alice", 0, NULL);
	struct tout_node mods[2] = {
		node("dummy", VERDICT_PASS, NULL, 40, NULL, 0),
		node("veth", VERDICT_FAIL, "insmod: No such device", 41, NULL, 0),
	};
	struct test_record rec = {
		.name = "_modules",
		.verdict = VERDICT_FAIL,
		.message = "1 of 2 modules failed to load",
		.first_line = 39,
		.last_line = 41,
		.nodes = mods,
		.nnodes = 2,
	};
	struct test_full *t = NULL;
	struct job *j;
	size_t n = 0;

	CHECK_INT(store_test_add(st, id, 0, &rec), -ESTALE); /* queued */
	CHECK_INT(store_test_add(st, id + 100, 0, &rec), -ENOENT);
	CHECK_INT(store_job_start(st, id, T0), 0);
	CHECK_INT(store_test_add(st, id, 0, &rec), 0);
	CHECK_INT(store_test_add(st, id, 0, &rec), -EEXIST);
	run_test(st, id, 1, "01-ok", VERDICT_PASS, 0);
	CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(t[0].t.name, "_modules");
		CHECK_INT(t[0].t.seq, 0);
		CHECK_INT(t[0].t.verdict, VERDICT_FAIL);
		CHECK_INT(t[0].t.has_exit_code, false);
		CHECK_STR(t[0].message, "1 of 2 modules failed to load");
		CHECK_INT(t[0].first_line, 39);
		CHECK_INT(t[0].nnodes, 2);
		if (t[0].nnodes == 2) {
			CHECK_STR(t[0].nodes[1].name, "veth");
			CHECK_STR(t[0].nodes[1].message, "insmod: No such device");
		}
		CHECK_STR(t[1].t.name, "01-ok");
	}
	store_test_list_full_free(t, n);
	j = get(st, id);
	if (j != NULL) {
		CHECK_INT(j->tests_total, 2);
		CHECK_INT(j->tests_failed, 1);
	}
	job_free(j);
	store_free(st);
}

static void
test_a_test_row_with_an_unknown_format_reads_as_eio(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	int64_t id = insert_running(st, NULL);
	struct test_full *t = (struct test_full *)1;
	sqlite3 *db = NULL;
	size_t n = 99;

	run_test(st, id, 1, "01", VERDICT_PASS, 0);
	/* Formats have no CHECK in the schema: a newer pkvmd may write one
	 * this one does not know. */
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, "UPDATE tests SET format = 'bogus'");
	CHECK_INT(sqlite3_close(db), SQLITE_OK);
	CHECK_INT(store_test_list_full(st, id, &t, &n), -EIO);
	CHECK(t == NULL);
	CHECK_INT(n, 0);
	store_free(st);
}

/* --- migrations ---------------------------------------------------------------------- */

/* Make PATH a database as pkvmd made it before migration 002: the schema
 * of schema/001-initial.sql (read from the source tree; the tests run in
 * tests/), user_version 1, and a done job with tags, an executable, a
 * qemu argument and two tests. */
static void
make_001_database(const char *path)
{
	static const char *const schema[] = { "001-initial.sql", NULL };

	make_old_database(path, schema, 1,
	    "INSERT INTO jobs (id, owner, state, result, message, created_ms, started_ms,"
	    " finished_ms, kernel, smp, mem_mb, append, timeout_s, idle_timeout_s, attempt,"
	    " exit_status, console_bytes, tests_total, tests_passed, tests_failed)"
	    " VALUES (7, 'alice', 'done', 'failed', 'test 02-fail exited with status 1',"
	    " 1763749200000, 1763749200001, 1763749200002, '" KERNEL "', 2, 512, 'quiet',"
	    " 300, 60, 1, 0, 23911, 2, 1, 1);"
	    "INSERT INTO job_tags (job_id, tag) VALUES (7, 'v4'), (7, 'smoke');"
	    "INSERT INTO job_exes (job_id, seq, name, blob, mode, size)"
	    " VALUES (7, 1, '01-kvm', '" BLOB_A "', 493, 812344);"
	    "INSERT INTO job_qemu_args (job_id, seq, arg) VALUES (7, 1, '-d');"
	    "INSERT INTO tests (job_id, attempt, seq, name, verdict, exit_code, duration_ms)"
	    " VALUES (7, 1, 1, '01-kvm', 'pass', 0, 412), (7, 1, 2, '02-fail', 'fail', 1, 20)");
}

static void
test_a_001_database_migrates_with_its_data_intact(void)
{
	const char *path = db_path();
	struct store *st;
	struct test_full *t = NULL;
	struct job *j;
	size_t n = 0;
	int64_t id;

	make_001_database(path);
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	j = get(st, 7);
	if (j != NULL) {
		CHECK_STR(j->owner, "alice");
		CHECK_INT(j->state, JOB_DONE);
		CHECK_INT(j->result, RESULT_FAILED);
		CHECK_STR(j->message, "test 02-fail exited with status 1");
		CHECK_INT(j->smp, 2);
		CHECK_STR(j->append, "quiet");
		CHECK_INT(j->console_bytes, 23911);
		CHECK_INT(j->tests_total, 2);
		CHECK_INT(j->ntags, 2);
		CHECK_INT(j->nqemu_args, 1);
		CHECK_INT(j->nexes, 1);
		if (j->nexes == 1) {
			CHECK_STR(j->exes[0].name, "01-kvm");
			CHECK_INT(j->exes[0].size, 812344);
			CHECK_INT(j->exes[0].timeout_s, 0);
			CHECK_INT(j->exes[0].nargs, 0);
			CHECK_INT(j->exes[0].nenv, 0);
		}
		/* The new fields read as their defaults. */
		CHECK_INT(j->test_timeout_s, 0);
		CHECK_INT(j->fail_on_warn, false);
		CHECK_INT(j->nmodules, 0);
		CHECK_INT(j->nextra, 0);
		CHECK_STR(j->timings, NULL);
		CHECK_INT(j->net, JOB_NET_NONE);
	}
	job_free(j);
	CHECK_INT(store_test_list_full(st, 7, &t, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(t[0].t.name, "01-kvm");
		CHECK_INT(t[0].t.verdict, VERDICT_PASS);
		CHECK_INT(t[0].t.duration_ms, 412);
		CHECK_STR(t[0].message, NULL);
		CHECK_INT(t[0].format, TOUT_NONE);
		CHECK_INT(t[1].t.verdict, VERDICT_FAIL);
		CHECK_INT(t[1].t.exit_code, 1);
		CHECK_INT(t[1].nnodes, 0);
	}
	store_test_list_full_free(t, n);

	/* The migrated database takes the new verdicts and rows; the
	 * tests table rebuilt by the migration still cascades. */
	id = insert(st, "bob", 0, NULL);
	CHECK(id > 7);
	CHECK_INT(store_job_start(st, id, T0), 0);
	run_test(st, id, 1, "skipped", VERDICT_SKIP, 0);
	run_test(st, id, 2, "slow", VERDICT_TIMEOUT, 0);
	add_crash(st, id, "WARNING in foo", "warning", 10, T0);
	add_artifact(st, id, "slow", "out", 1, ARTIFACT_OK);
	CHECK_INT(store_test_list_full(st, id, &t, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2)
		CHECK_INT(t[1].t.verdict, VERDICT_TIMEOUT);
	store_test_list_full_free(t, n);
	store_free(st);

	/* Reopening applies nothing again. */
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	store_free(st);
}

/* --- checkpoint ---------------------------------------------------------------- */

/* Jobs in the main database file alone, as a reader that ignores the
 * WAL sees them. */
static int
jobs_in_main_file(const char *path)
{
	char uri[200];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int n = -1;

	snprintf(uri, sizeof(uri), "file:%s?immutable=1", path);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void
test_checkpoint_copies_the_wal_and_lets_it_start_over(void)
{
	const char *p = db_path();
	char path[128], wal[160];
	struct store *st;
	struct job *j;
	int64_t id, size;

	snprintf(path, sizeof(path), "%s", p);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	st = open_ok(path);
	for (int i = 0; i < 20; i++)
		id = insert(st, "alice", 0, "v4");
	size = file_size(wal);
	CHECK(size > 0);
	CHECK(jobs_in_main_file(path) != 20); /* only in the WAL so far */
	/* While the store is open: everything reaches the main file. */
	CHECK_INT(store_checkpoint(path), 0);
	CHECK_INT(jobs_in_main_file(path), 20);
	/* The store's next writes start the WAL over instead of adding to
	 * it: as many again leave it no bigger. */
	for (int i = 0; i < 20; i++)
		id = insert(st, "bob", 0, NULL);
	CHECK(file_size(wal) <= size);
	j = get(st, id);
	if (j != NULL)
		CHECK_STR(j->owner, "bob");
	job_free(j);
	CHECK_INT(store_checkpoint(path), 0);
	CHECK_INT(jobs_in_main_file(path), 40);
	store_free(st);

	st = open_ok(path);
	j = get(st, id);
	CHECK(j != NULL);
	job_free(j);
	store_free(st);
}

static void
test_checkpoint_of_a_missing_database_fails(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/no-such.db", tmpdir);
	CHECK(store_checkpoint(path) < 0);
	CHECK(access(path, F_OK) != 0);
}

int
main(void)
{
	if (store_test_setup() < 0)
		return 1;
	RUN(test_open_creates_schema_at_latest_version);
	RUN(test_reopen_keeps_jobs_and_version);
	RUN(test_newer_schema_is_refused_with_a_cause);
	RUN(test_garbage_file_is_refused_with_a_cause);
	RUN(test_insert_get_round_trips_every_field);
	RUN(test_insert_bare_job_keeps_null_message_and_seed);
	RUN(test_insert_payload_job_round_trips_its_payloads);
	RUN(test_insert_fills_created_ms_when_zero);
	RUN(test_insert_with_duplicate_exe_names_leaves_nothing_behind);
	RUN(test_get_unknown_id_is_enoent);
	RUN(test_list_is_newest_first_and_honours_limit);
	RUN(test_job_version_moves_with_the_jobs_rows_only);
	RUN(test_flakiness_is_counted_per_kernel_and_test_files);
	RUN(test_a_passing_rerun_makes_the_test_and_its_failed_subtests_flaky);
	RUN(test_list_default_limit_is_100);
	RUN(test_list_filters_by_state_tag_and_owner);
	RUN(test_list_pages_with_a_cursor_and_filters_by_result);
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
	RUN(test_issue3_job_fields_round_trip_through_get_list_and_queue);
	RUN(test_tester_job_fields_round_trip_through_get_list_and_queue);
	RUN(test_coverage_job_fields_round_trip_through_get_list_and_queue);
	RUN(test_symlink_without_target_is_einval_and_leaves_nothing);
	RUN(test_timings_are_set_and_a_new_attempt_starts_without_them);
	RUN(test_finish_stores_details_and_a_three_level_subtest_tree);
	RUN(test_skip_and_timeout_round_trip_and_count_as_designed);
	RUN(test_finish_errors_are_enoent_estale_and_einval);
	RUN(test_add_inserts_a_finished_pseudo_test_with_subtests);
	RUN(test_a_test_row_with_an_unknown_format_reads_as_eio);
	RUN(test_a_001_database_migrates_with_its_data_intact);
	RUN(test_checkpoint_copies_the_wal_and_lets_it_start_over);
	RUN(test_checkpoint_of_a_missing_database_fails);
	cleanup();
	return UNIT_DONE();
}
