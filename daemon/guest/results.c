/*
 * job-results.c -- console events of one run into stored results.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "guest/artifacts.h"
#include "guest/console.h"
#include "guest/payload-exit.h"
#include "guest/results.h"
#include "guest/streams.h"
#include "job/job.h"
#include "store/store.h"
#include "tout/test-output.h"

#define MARKS_MAX 8

/* A test that failed in its first run when reruns may follow
 * (--retry-failed): why, until one of them passes. */
struct failed_test {
	char name[PKVM_NAME_MAX + 1];
	char *why; /* as a failure of the job */
	enum job_result result; /* FAILED or TIMEOUT */
	bool passed; /* a rerun passed: it is flaky */
	char *flaky; /* then why --strict fails the job (NULL: no memory) */
};

struct job_results {
	struct store *st;
	const struct job *job;
	int64_t id;
	struct artifact_rx *arx;
	struct stream_rx *srx; /* streamed files (nvhe.log, stream_paths) */
	bool saw_init, saw_done, finished;
	char *failure;
	enum job_result failure_result; /* FAILED or TIMEOUT, with failure */

	/* Which of the job's executables began, by index in job->exes. */
	bool *begun;
	uint64_t last_lineno; /* the last console line seen */

	/* The running test. */
	struct tout_parser *tout;
	char test[PKVM_NAME_MAX + 1];
	uint64_t test_first_line;
	int test_timeout_s; /* its limit, from its begin line */
	char test_limit[8]; /* whose limit: "own", "default", "job", "" */
	int test_retry; /* which rerun of it this is, 0: its first run */

	/* Tests that failed while reruns may follow, in the order they ran. */
	struct failed_test *failed;
	size_t nfailed;

	/* Module loads, stored as the pseudo-test "_modules". */
	struct tout_node *modules;
	size_t nmodules;
	bool modules_stored;

	/* Timing marks: name and seconds since boot. */
	char mark_names[MARKS_MAX][16];
	int64_t mark_ms[MARKS_MAX];
	int nmarks;
};

static void fail_as(struct job_results *jr, enum job_result res, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Remember the first reason the tests failed, and whether it makes the job
 * `failed` or `timeout`; later ones are in the results. */
static void
fail_vas(struct job_results *jr, enum job_result res, const char *fmt, va_list ap)
{
	if (jr->failure != NULL)
		return;
	if (vasprintf(&jr->failure, fmt, ap) < 0)
		jr->failure = NULL;
	else
		jr->failure_result = res;
}

static void
fail_as(struct job_results *jr, enum job_result res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_vas(jr, res, fmt, ap);
	va_end(ap);
}

static void fail_first(struct job_results *jr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail_first(struct job_results *jr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_vas(jr, RESULT_FAILED, fmt, ap);
	va_end(ap);
}

static void
on_artifact(void *arg, const struct artifact_record *a)
{
	struct job_results *jr = arg;
	struct artifact_record rec = *a;
	int err;

	rec.job_id = jr->id;
	if ((err = store_artifact_add(jr->st, &rec)) < 0)
		log_warnx("job %lld: storing artifact %s/%s: %s", (long long)jr->id, a->test,
		    a->path, strerror(-err));
	if (a->status != ARTIFACT_OK)
		log_warnx("job %lld: artifact %s/%s is %s", (long long)jr->id, a->test, a->path,
		    artifact_status_name(a->status));
}

int
job_results_new(struct job_results **out, struct store *st, const struct job *j, const char *jobdir)
{
	struct job_results *jr = calloc(1, sizeof(*jr));
	char dir[PATH_MAX];
	int err;

	*out = NULL;
	if (jr == NULL)
		return -ENOMEM;
	jr->st = st;
	jr->job = j;
	jr->id = j->id;
	jr->begun = calloc(j->nexes + 1, sizeof(*jr->begun));
	snprintf(dir, sizeof(dir), "%s/artifacts", jobdir);
	err = jr->begun == NULL ? -ENOMEM : artifact_rx_new(&jr->arx, dir, on_artifact, jr);
	if (err == 0)
		err = stream_rx_new(&jr->srx, dir, jr->id, on_artifact, jr);
	if (err < 0) {
		artifact_rx_free(jr->arx);
		free(jr->begun);
		free(jr);
		return err;
	}
	*out = jr;
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void
test_begin(struct job_results *jr, const struct console_event *ev)
{
	int err;

	if (jr->tout != NULL) {
		/* The previous test never ended (a damaged end line). */
		tout_parser_free(jr->tout);
		jr->tout = NULL;
	}
	snprintf(jr->test, sizeof(jr->test), "%s", ev->test);
	for (size_t i = 0; i < jr->job->nexes; i++)
		if (strcmp(jr->job->exes[i].name, ev->test) == 0)
			jr->begun[i] = true;
	jr->test_first_line = ev->lineno;
	jr->test_timeout_s = ev->timeout_s;
	jr->test_retry = ev->retry;
	snprintf(jr->test_limit, sizeof(jr->test_limit), "%s", ev->limit ? ev->limit : "");
	/* Out of memory: the test is still stored, without sub-results. */
	if (tout_parser_new(&jr->tout) < 0)
		jr->tout = NULL;
	/* A rerun is stored when it ends, beside the test's first run. */
	if (ev->retry == 0 && (err = store_test_begin(jr->st, jr->id, ev->seq, ev->test)) < 0)
		log_warnx("job %lld: storing the start of %s: %s", (long long)jr->id, ev->test,
		    strerror(-err));
}

/* Store REC, the running test's result: its first run's, or a rerun's. */
static int
store_record(struct job_results *jr, const struct test_record *rec)
{
	if (jr->test_retry > 0)
		return store_test_rerun(jr->st, jr->id, jr->test_retry, rec);
	return store_test_finish(jr->st, jr->id, rec);
}

/* The stored form of the running test, parsed into RES, whose console
 * part ends at LAST_LINE (RES keeps what REC points to). */
static void
record_of(const struct job_results *jr, const struct tout_result *res, uint64_t last_line,
    struct test_record *rec)
{
	rec->name = jr->test;
	rec->verdict = res->verdict;
	rec->message = res->message;
	rec->format = res->format;
	rec->first_line = jr->test_first_line;
	rec->last_line = last_line;
	rec->nodes = res->nodes;
	rec->nnodes = res->nnodes;
}

/* Store the running test as END says it ended, with what RES parsed. */
static void
store_end(struct job_results *jr, const struct tout_result *res, const struct console_event *end)
{
	struct test_record rec = { 0 };
	int err;

	record_of(jr, res, end->lineno, &rec);
	rec.name = end->test;
	rec.has_exit_code = !end->killed_timeout;
	rec.exit_code = end->exit_code;
	rec.duration_ms = end->duration_ms;
	if ((err = store_record(jr, &rec)) < 0)
		log_warnx("job %lld: storing the result of %s: %s", (long long)jr->id, end->test,
		    strerror(-err));
}

/* Say in RES's message which limit killed the running test: the guest
 * kills a test at its own timeout, at the default per-test one, or when
 * the job's time is about to run out, and each is fixed differently. */
static int
timeout_message(const struct job_results *jr, struct tout_result *res)
{
	const char *l = jr->test_limit;
	char *m = NULL;
	int n;

	if (strcmp(l, "job") == 0)
		n = asprintf(&m, "killed after %d s, when the job's timeout of %d s ran out",
		    jr->test_timeout_s, jr->job->timeout_s);
	else if (strcmp(l, "own") == 0)
		n = asprintf(&m, "killed at its own timeout of %d s (manifest)",
		    jr->test_timeout_s);
	else if (strcmp(l, "default") == 0)
		n = asprintf(&m, "killed at the per-test timeout of %d s (--test-timeout)",
		    jr->test_timeout_s);
	else
		n = asprintf(&m, "killed at its timeout of %d s", jr->test_timeout_s);
	if (n < 0)
		return -ENOMEM;
	free(res->message);
	res->message = m;
	return 0;
}

static void test_failed(struct job_results *jr, const char *name, enum job_result res,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Test NAME failed in its first run, making the job RES for the reason
 * FMT says: the job's failure now, or, when reruns may follow, once none
 * of them passed. */
static void
test_failed(struct job_results *jr, const char *name, enum job_result res, const char *fmt, ...)
{
	struct failed_test *v, *f;
	va_list ap;

	va_start(ap, fmt);
	if (jr->job->retry_failed == 0) {
		fail_vas(jr, res, fmt, ap);
		va_end(ap);
		return;
	}
	v = realloc(jr->failed, (jr->nfailed + 1) * sizeof(*v));
	if (v == NULL) {
		/* Out of memory: it fails the job, reruns or not. */
		fail_vas(jr, res, fmt, ap);
		va_end(ap);
		return;
	}
	jr->failed = v;
	f = &v[jr->nfailed++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->result = res;
	if (vasprintf(&f->why, fmt, ap) < 0)
		f->why = NULL;
	va_end(ap);
}

/* Rerun RETRY of test NAME passed: it is flaky, not failed. */
static void
rerun_passed(struct job_results *jr, const char *name, int retry)
{
	for (size_t i = 0; i < jr->nfailed; i++) {
		struct failed_test *f = &jr->failed[i];

		if (strcmp(f->name, name) != 0 || f->passed)
			continue;
		f->passed = true;
		if (asprintf(&f->flaky,
			"test %s is flaky: it failed, then passed on rerun %d (--strict)", name,
			retry) < 0)
			f->flaky = NULL;
		return;
	}
}

static void
test_end(struct job_results *jr, const struct console_event *ev)
{
	struct tout_result res = { 0 };

	if (jr->tout == NULL || strcmp(jr->test, ev->test) != 0) {
		/* An end without its begin: the begin line was damaged. */
		fail_first(jr, "test %s: its start was lost on the console", ev->test);
		return;
	}
	tout_parser_finish(jr->tout, ev->exit_code, ev->killed_timeout, &res);
	jr->tout = NULL;
	if (ev->killed_timeout && timeout_message(jr, &res) < 0)
		log_warnx("job %lld: %s: out of memory", (long long)jr->id, ev->test);
	store_end(jr, &res, ev);

	if (res.verdict == VERDICT_TIMEOUT && strcmp(jr->test_limit, "job") == 0) {
		/* The job's own time ran out: that ends the job as `timeout`
		 * whatever failed before, as the daemon's watchdog would. */
		free(jr->failure);
		jr->failure = NULL;
		fail_as(jr, RESULT_TIMEOUT, "test %s timed out: %s", ev->test, res.message);
	} else if (ev->retry > 0) {
		if (res.verdict == VERDICT_PASS)
			rerun_passed(jr, ev->test, ev->retry);
	} else if (res.verdict == VERDICT_TIMEOUT) {
		test_failed(jr, ev->test, RESULT_TIMEOUT, "test %s timed out: %s", ev->test,
		    res.message);
	} else if (res.verdict == VERDICT_FAIL || res.verdict == VERDICT_ERROR) {
		/* Without sub-results the exit status says it all; with them,
		 * the parser's message names what failed. */
		if (res.nnodes == 0 || res.message == NULL)
			test_failed(jr, ev->test, RESULT_FAILED, "test %s exited with status %d",
			    ev->test, ev->exit_code);
		else
			test_failed(jr, ev->test, RESULT_FAILED, "test %s failed: %s", ev->test,
			    res.message);
	}
	tout_result_free(&res);
	jr->test[0] = '\0';
}

/* A test /init did not run (--stop-on-failure): stored as skipped, in
 * its place in the run order, with the reason. */
static void
test_skipped(struct job_results *jr, const struct console_event *ev)
{
	struct test_record rec = { 0 };
	bool known = false;
	int err;

	for (size_t i = 0; i < jr->job->nexes; i++)
		if (strcmp(jr->job->exes[i].name, ev->test) == 0) {
			jr->begun[i] = true;
			known = true;
		}
	if (!known)
		return;
	rec.name = ev->test;
	rec.verdict = VERDICT_SKIP;
	rec.message = strcmp(ev->title, "stop-on-failure") == 0
	    ? "not run: an earlier test failed (--stop-on-failure)"
	    : "not run";
	if ((err = store_test_add(jr->st, jr->id, ev->seq, &rec)) < 0)
		log_warn(err, "job %lld: storing %s as skipped", (long long)jr->id, ev->test);
}

void
job_results_payload_end(struct job_results *jr, const struct console_event *ev, const char *crash,
    const char *why)
{
	struct tout_result res = { 0 };
	char *m;

	if (jr->tout == NULL || strcmp(jr->test, ev->test) != 0)
		return;
	tout_parser_finish(jr->tout, ev->exit_code, ev->killed_timeout, &res);
	jr->tout = NULL;
	/* Every report skipped and the skip status, but no report line (a
	 * SUMMARY of 0 tests): kvm-unit-tests calls that a skip too. */
	if (!ev->killed_timeout && crash == NULL && ev->exit_code == PAYLOAD_STATUS_SKIP &&
	    res.nnodes == 0) {
		res.verdict = VERDICT_SKIP;
		free(res.message);
		res.message = strdup("exit status 77: skipped");
	}
	if (crash != NULL || (why != NULL && (ev->killed_timeout || res.verdict == VERDICT_FAIL))) {
		m = strdup(crash != NULL ? crash : why);
		if (m != NULL) {
			free(res.message);
			res.message = m;
		}
		if (crash != NULL)
			res.verdict = VERDICT_ERROR;
	}
	store_end(jr, &res, ev);
	if (crash != NULL)
		fail_as(jr, RESULT_CRASHED, "payload %s crashed: %s", ev->test, crash);
	else if (res.verdict == VERDICT_TIMEOUT)
		fail_as(jr, RESULT_TIMEOUT, "payload %s timed out: %s", ev->test,
		    res.message ? res.message : "killed at a time limit");
	else if (res.verdict == VERDICT_FAIL || res.verdict == VERDICT_ERROR) {
		if (res.nnodes == 0 || res.message == NULL)
			fail_first(jr, "payload %s failed with exit status %d", ev->test,
			    ev->exit_code);
		else
			fail_first(jr, "payload %s failed: %s", ev->test, res.message);
	}
	tout_result_free(&res);
	jr->test[0] = '\0';
}

/* ---- modules ---------------------------------------------------------- */

static void
module_loaded(struct job_results *jr, const struct console_event *ev)
{
	struct tout_node *n, *v;
	char msg[64];

	v = realloc(jr->modules, (jr->nmodules + 1) * sizeof(*v));
	if (v == NULL)
		return;
	jr->modules = v;
	n = &v[jr->nmodules++];
	memset(n, 0, sizeof(*n));
	n->name = strdup(ev->test);
	n->verdict = ev->ok ? VERDICT_PASS : VERDICT_ERROR;
	n->line = ev->lineno;
	if (!ev->ok) {
		snprintf(msg, sizeof(msg), "failed to load (exit %d)", ev->exit_code);
		n->message = strdup(msg);
		fail_first(jr, "module %s failed to load (exit %d)", ev->test, ev->exit_code);
	}
}

/* Store the module loads once, before the first test (seq 0). */
static void
modules_store(struct job_results *jr)
{
	struct test_record rec = { 0 };
	bool failed = false;
	int err;

	if (jr->modules_stored || jr->nmodules == 0)
		return;
	jr->modules_stored = true;
	for (size_t i = 0; i < jr->nmodules; i++)
		failed |= jr->modules[i].verdict != VERDICT_PASS;
	rec.name = "_modules";
	rec.verdict = failed ? VERDICT_ERROR : VERDICT_PASS;
	rec.message = failed ? "a module failed to load" : NULL;
	rec.first_line = jr->modules[0].line;
	rec.last_line = jr->modules[jr->nmodules - 1].line;
	rec.nodes = jr->modules;
	rec.nnodes = jr->nmodules;
	if ((err = store_test_add(jr->st, jr->id, 0, &rec)) < 0)
		log_warnx("job %lld: storing module loads: %s", (long long)jr->id, strerror(-err));
}

/* ---- crashes, marks ----------------------------------------------------- */

static void
crash_report(struct job_results *jr, const struct console_event *ev)
{
	struct crash_record c = { 0 };
	int err;

	c.job_id = jr->id;
	c.test = jr->test[0] ? jr->test : NULL;
	c.kind = (char *)crash_kind_name(ev->crash);
	c.title = (char *)ev->title;
	c.fatal = ev->fatal;
	c.report = (char *)ev->report;
	c.first_line = ev->lineno;
	c.last_line = ev->last_lineno;
	c.time_ms = clock_now_ms();
	if ((err = store_crash_add(jr->st, &c)) < 0)
		log_warnx("job %lld: storing crash report: %s", (long long)jr->id, strerror(-err));
	/* Warning-class reports (a WARNING, lockdep, a memory leak) are
	 * the ones that are not fatal. */
	if (!ev->fatal && jr->job->fail_on_warn)
		fail_first(jr, "%s (--fail-on-warn)", ev->title);
}

/* The console showed the kernel's version: the crash groups name kernels
 * by it (store/kernels.c). */
static void
kernel_version(struct job_results *jr, const char *version)
{
	int err;

	if ((err = store_kernel_set_version(jr->st, jr->id, version)) < 0)
		log_warnx("job %lld: storing the kernel's version %s: %s", (long long)jr->id,
		    version, strerror(-err));
}

static void
mark(struct job_results *jr, const char *name, int64_t uptime_ms)
{
	/* The name goes into JSON text as it is: only plain words. */
	if (jr->nmarks == MARKS_MAX || name == NULL || name[0] == '\0' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name))
		return;
	snprintf(jr->mark_names[jr->nmarks], sizeof(jr->mark_names[0]), "%s", name);
	jr->mark_ms[jr->nmarks++] = uptime_ms;
}

void
job_results_event(struct job_results *jr, const struct console_event *ev)
{
	if (ev->kind == CONSOLE_LINE)
		jr->last_lineno = ev->lineno;
	switch (ev->kind) {
	case CONSOLE_INIT:
		jr->saw_init = true;
		mark(jr, "init", ev->uptime_ms);
		break;
	case CONSOLE_MARK:
		mark(jr, ev->test, ev->uptime_ms);
		break;
	case CONSOLE_MODULE:
		module_loaded(jr, ev);
		break;
	case CONSOLE_TEST_BEGIN:
		modules_store(jr);
		test_begin(jr, ev);
		break;
	case CONSOLE_TEST_END:
		test_end(jr, ev);
		break;
	case CONSOLE_LINE:
		if (jr->tout != NULL)
			tout_parser_line(jr->tout, ev->line, ev->lineno);
		break;
	case CONSOLE_DONE:
		jr->saw_done = true;
		modules_store(jr);
		break;
	case CONSOLE_CRASH_REPORT:
		crash_report(jr, ev);
		break;
	case CONSOLE_FILE_BEGIN:
		artifact_rx_begin(jr->arx, ev->test, ev->path, ev->size, ev->sha256);
		break;
	case CONSOLE_FILE_DATA:
		artifact_rx_data(jr->arx, ev->data, ev->data_len);
		break;
	case CONSOLE_FILE_END:
		artifact_rx_end(jr->arx, ev->test, ev->path, ev->nlines);
		break;
	case CONSOLE_STREAM_BEGIN:
		stream_rx_begin(jr->srx, ev->path, ev->offset, ev->size, ev->sha256);
		break;
	case CONSOLE_STREAM_DATA:
		stream_rx_data(jr->srx, ev->data, ev->data_len);
		break;
	case CONSOLE_STREAM_END:
		stream_rx_end(jr->srx, ev->path, ev->nlines);
		break;
	case CONSOLE_TEST_SKIP:
		test_skipped(jr, ev);
		break;
	case CONSOLE_FILE_SKIP:
		log_warnx("job %lld: test %s: file %s not sent: %s", (long long)jr->id, ev->test,
		    ev->path, ev->title ? ev->title : "");
		break;
	case CONSOLE_CORRUPT:
		fail_first(jr, "a result line was damaged on the console (line %llu)",
		    (unsigned long long)ev->lineno);
		break;
	case CONSOLE_KERNEL_VERSION:
		kernel_version(jr, ev->version);
		break;
	default:
		break;
	}
}

const char *
job_results_running_test(const struct job_results *jr)
{
	return jr->test;
}

bool
job_results_saw_init(const struct job_results *jr)
{
	return jr->saw_init;
}

bool
job_results_saw_done(const struct job_results *jr)
{
	return jr->saw_done;
}

const char *
job_results_failure(const struct job_results *jr, enum job_result *result)
{
	if (jr->failure != NULL) {
		*result = jr->failure_result;
		return jr->failure;
	}
	/* The first test that failed every run, else (--strict) the first
	 * flaky one. */
	for (size_t i = 0; i < jr->nfailed; i++)
		if (!jr->failed[i].passed) {
			*result = jr->failed[i].result;
			return jr->failed[i].why ? jr->failed[i].why : "a test failed";
		}
	for (size_t i = 0; jr->job->strict && i < jr->nfailed; i++) {
		*result = RESULT_FAILED;
		return jr->failed[i].flaky ? jr->failed[i].flaky : "a test is flaky (--strict)";
	}
	*result = jr->failure_result;
	return NULL;
}

/* The test that was running when the run ended keeps what it printed: its
 * sub-results so far, with WHY it never finished, and the verdict timeout
 * when the job's time ran out under it (RESULT), else error. */
static void
store_unfinished(struct job_results *jr, enum job_result result, const char *why)
{
	struct tout_result res = { 0 };
	struct test_record rec = { 0 };
	char *msg = NULL;
	int err;

	if (jr->test[0] == '\0')
		return;
	if (jr->tout != NULL)
		tout_parser_finish(jr->tout, 0, false, &res);
	jr->tout = NULL;
	if (result == RESULT_TIMEOUT && why != NULL)
		msg = strdup(why);
	else if (asprintf(&msg, "did not finish: %s", why ? why : "the guest stopped") < 0)
		msg = NULL;
	record_of(jr, &res, jr->last_lineno, &rec);
	rec.verdict = result == RESULT_TIMEOUT ? VERDICT_TIMEOUT : VERDICT_ERROR;
	rec.message = msg;
	if ((err = store_record(jr, &rec)) < 0)
		log_warn(err, "job %lld: storing what %s printed", (long long)jr->id, jr->test);
	free(msg);
	tout_result_free(&res);
	jr->test[0] = '\0';
}

/* Name order, as initramfs/init runs the tests. */
static int
exe_name_cmp(const void *a, const void *b)
{
	const struct job_exe *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Every test the job was given appears in its results: those that never
 * began are stored as not-run, with WHY, numbered in the order they would
 * have run (the same numbers the ones that ran got): /init's, by name, or
 * a payload job's own. */
static void
store_not_run(struct job_results *jr, const char *why)
{
	const struct job *j = jr->job;
	const struct job_exe **order;
	char *msg = NULL;
	int err;

	if (j->nexes == 0)
		return;
	if ((order = calloc(j->nexes, sizeof(*order))) == NULL)
		return;
	for (size_t i = 0; i < j->nexes; i++)
		order[i] = &j->exes[i];
	if (j->kind != JOB_KIND_PAYLOAD)
		qsort(order, j->nexes, sizeof(*order), exe_name_cmp);
	if (asprintf(&msg, "not run: %s", why ? why : "the guest never started it") < 0)
		msg = NULL;
	for (size_t i = 0; i < j->nexes; i++) {
		struct test_record rec = { 0 };

		if (jr->begun[order[i] - j->exes])
			continue;
		rec.name = order[i]->name;
		rec.verdict = VERDICT_NOT_RUN;
		rec.message = msg;
		if ((err = store_test_add(jr->st, jr->id, (int)i + 1, &rec)) < 0)
			log_warn(err, "job %lld: storing %s as not run", (long long)jr->id,
			    rec.name);
	}
	free(msg);
	free(order);
}

/* What every end of a run does: modules, artifacts, timings. */
static void
finish_common(struct job_results *jr)
{
	char buf[512];
	size_t off = 0;

	if (jr->finished)
		return;
	jr->finished = true;
	modules_store(jr);
	if (jr->tout != NULL) {
		tout_parser_free(jr->tout);
		jr->tout = NULL;
	}
	artifact_rx_free(jr->arx);
	jr->arx = NULL;
	stream_rx_free(jr->srx);
	jr->srx = NULL;
	if (jr->nmarks == 0)
		return;
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "{");
	for (int i = 0; i < jr->nmarks && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\"%s\": %.2f",
		    i ? ", " : "", jr->mark_names[i], (double)jr->mark_ms[i] / 1000.0);
	if (off < sizeof(buf) - 1) {
		snprintf(buf + off, sizeof(buf) - off, "}");
		store_job_set_timings(jr->st, jr->id, buf);
	}
}

void
job_results_finish(struct job_results *jr, enum job_result result, const char *why)
{
	if (jr->finished)
		return;
	store_unfinished(jr, result, why);
	store_not_run(jr, why);
	finish_common(jr);
}

void
job_results_free(struct job_results *jr)
{
	if (jr == NULL)
		return;
	/* Not finished by the runner: a shutdown left the job for
	 * recovery, whose next attempt gets results of its own. */
	finish_common(jr);
	for (size_t i = 0; i < jr->nmodules; i++) {
		free(jr->modules[i].name);
		free(jr->modules[i].message);
	}
	free(jr->modules);
	for (size_t i = 0; i < jr->nfailed; i++) {
		free(jr->failed[i].why);
		free(jr->failed[i].flaky);
	}
	free(jr->failed);
	free(jr->begun);
	free(jr->failure);
	free(jr);
}
