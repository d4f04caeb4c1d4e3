/*
 * runner.c -- the life of a running job.
 *
 * A run goes through four phases:
 *
 *   PREPARING  the initrd (and UEFI variable store) is assembled by a
 *              worker thread; nothing on the loop waits for it.
 *   RUNNING    qemu runs; console bytes go to JOBDIR/serial, to the
 *              console parser and to followers.  Watchdogs armed:
 *              total timeout, idle console, crash grace, done grace.
 *   STOPPING   a watchdog, a crash or a cancel asked qemu to stop:
 *              SIGTERM now, SIGKILL after --stop-grace.
 *   FINISHED   qemu is gone and its console drained; the initrd is
 *              deleted (unless --keep-initrd), the result is
 *              decided, stored in one transaction, waiters are told,
 *              and the queue is kicked.  The run frees itself once its
 *              timers are closed.
 *
 * The first reason to end wins: a job that timed out and was then killed
 * is `timeout`, not `error`; a kernel that panicked is `crashed` even
 * though qemu exits 0 under panic=-1 -no-reboot.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/paths.h"
#include "guest/artifact-channel.h"
#include "guest/console.h"
#include "guest/results.h"
#include "job/events.h"
#include "job/job-json.h"
#include "job/result.h"
#include "job/scheduler.h"
#include "job/watch.h"
#include "run/executor.h"
#include "run/firmware.h"
#include "run/initramfs.h"
#include "run/procs.h"
#include "run/runner.h"
#include "run/share.h"
#include "store/blobs.h"
#include "store/store.h"

enum run_phase { RUN_PREPARING, RUN_RUNNING, RUN_STOPPING, RUN_FINISHED };

#define RUN_TIMERS 5

struct run {
	struct runner *r;
	struct run *next;
	struct job *job;
	int64_t id;
	int slots;
	/* Wall clock when store_job_start() took it: its duration, and the
	 * usage fair share charges, count from then. */
	int64_t started_ms;
	uint64_t qemu_started_ms; /* uv_now() when qemu started: its boot's */
	enum run_phase phase;
	char dir[PATH_MAX];
	char initrd[PATH_MAX];
	char kernel[PATH_MAX];
	char vars[PATH_MAX];
	char *cmdline;
	struct firmware fw;

	uv_work_t prep;
	int prep_err;
	char *prep_cause;

	struct exec_handle *exec;
	int serial_fd;
	int64_t console_bytes;
	bool capped;
	struct console_parser *parser;
	char serial_last; /* the last byte written to JOBDIR/serial */
	/* Artifacts over the fast channel (artifact-channel.h), or NULL. */
	struct artifact_channel *chan;

	/* Watchdogs. */
	uv_timer_t t_timeout, t_idle, t_kill, t_crash, t_done;
	int open_timers;
	uint64_t last_output_ms; /* uv_now() of the last console byte */
	bool seen_output;
	struct job_results *results; /* what the console says about the tests */

	/* The verdict so far: RESULT_NONE until something decides it. */
	enum job_result verdict;
	char *message;
	/* A crash decided it: its console line, and the test then running. */
	uint64_t crash_line;
	char *crash_test;
	bool cancel_requested;
	char *cancelled_by;
	bool shutdown_stop; /* stopped by daemon shutdown: left for recovery */
	struct job_progress prog; /* what GET /v1/events says of it */
	char test_name[PKVM_NAME_MAX + 1];
};

struct runner {
	struct runner_env env;
	const struct executor_ops *ex;
	struct run *runs;
	int total, busy;
	bool shutting_down;
	void (*shutdown_cb)(void *arg);
	void *shutdown_arg;
	uv_timer_t shutdown_timer;
	int64_t slots_said[3]; /* total, used, queued as last published */
};

static void run_finish(struct run *run, int64_t exit_status, bool has_exit);
static void run_stop(struct run *run);
static void on_done_timer(uv_timer_t *t);
static void on_crash_timer(uv_timer_t *t);
static void on_idle_timer(uv_timer_t *t);

/* ---- small helpers ---------------------------------------------------- */

static void
set_verdict(struct run *run, enum job_result res, const char *fmt, ...)
{
	va_list ap;

	if (run->verdict != RESULT_NONE)
		return;
	run->verdict = res;
	va_start(ap, fmt);
	if (vasprintf(&run->message, fmt, ap) < 0)
		run->message = NULL;
	va_end(ap);
}

/* ---- events (GET /v1/events) ---------------------------------------------- */

/* Publish job ID's event at P, from the job as stored now, so that state,
 * result, times and test counts are what the API says too. */
static void
announce(struct runner *r, int64_t id, const struct job_progress *p)
{
	struct job *j = NULL;
	char *data;
	int err;

	if (r->env.events == NULL)
		return;
	if ((err = store_job_get(r->env.store, id, &j)) < 0) {
		log_warn(err, "job %lld: loading it for its event", (long long)id);
		return;
	}
	data = job_event_json(j, p, clock_now_ms());
	if (data == NULL || event_bus_publish(r->env.events, "job", id, data) < 0)
		log_warnx("job %lld: out of memory publishing its event", (long long)id);
	free(data);
	job_free(j);
}

/* Publish the slots when their total, use or the queue changed. */
static void
announce_slots(struct runner *r)
{
	int64_t queued = 0, now[3];
	char data[128];
	int err;

	if (r->env.events == NULL)
		return;
	if ((err = store_jobs_queued(r->env.store, &queued)) < 0)
		log_warn(err, "runner: counting the queue for the slots' event");
	now[0] = r->total;
	now[1] = r->busy;
	now[2] = queued;
	if (memcmp(now, r->slots_said, sizeof(now)) == 0)
		return;
	memcpy(r->slots_said, now, sizeof(now));
	snprintf(data, sizeof(data), "{\"total\":%lld,\"used\":%lld,\"queued\":%lld}",
	    (long long)now[0], (long long)now[1], (long long)now[2]);
	if (event_bus_publish(r->env.events, "slots", 0, data) < 0)
		log_warnx("runner: out of memory publishing the slots");
}

/* Move RUN to PHASE (never back) and publish it. */
static void
run_phase(struct run *run, enum job_phase phase)
{
	if (run->prog.phase >= phase)
		return;
	run->prog.phase = phase;
	announce(run->r, run->id, &run->prog);
}

/* What a console event does to RUN's phase and running test; after the
 * results module took it, so that an ended test is counted. */
static void
progress_event(struct run *run, const struct console_event *ev)
{
	switch (ev->kind) {
	case CONSOLE_INIT:
		run_phase(run, PHASE_TESTING);
		break;
	case CONSOLE_TEST_BEGIN:
		run_phase(run, PHASE_TESTING);
		snprintf(run->test_name, sizeof(run->test_name), "%s", ev->test);
		run->prog.test_name = run->test_name;
		run->prog.test_index = ev->seq;
		if (ev->seq > run->prog.tests_known)
			run->prog.tests_known = ev->seq;
		announce(run->r, run->id, &run->prog);
		break;
	case CONSOLE_TEST_END:
		run->prog.test_index = 0;
		run->prog.test_name = NULL;
		announce(run->r, run->id, &run->prog);
		break;
	case CONSOLE_DONE:
		run->prog.tests_known = ev->ntests;
		run_phase(run, PHASE_FINISHING);
		break;
	default:
		break;
	}
}

void
runner_job_queued(struct runner *r, int64_t id)
{
	struct job_progress p = { .phase = PHASE_QUEUED };

	announce(r, id, &p);
	announce_slots(r);
}

int
runner_slots_busy(const struct runner *r)
{
	return r->busy;
}

int
runner_slots_total(const struct runner *r)
{
	return r->total;
}

static struct run *
run_find(struct runner *r, int64_t id)
{
	for (struct run *run = r->runs; run != NULL; run = run->next)
		if (run->id == id)
			return run;
	return NULL;
}

int
runner_job_progress(struct runner *r, int64_t id, struct job_progress *p)
{
	struct run *run = run_find(r, id);

	if (run == NULL)
		return -ENOENT;
	*p = run->prog;
	return 0;
}

static void
run_unlink(struct run *run)
{
	struct run **pp = &run->r->runs;

	while (*pp != NULL && *pp != run)
		pp = &(*pp)->next;
	if (*pp == run)
		*pp = run->next;
}

static void
run_free(struct run *run)
{
	console_parser_free(run->parser);
	job_results_free(run->results);
	artifact_channel_free(run->chan);
	job_free(run->job);
	free(run->cmdline);
	free(run->prep_cause);
	free(run->message);
	free(run->crash_test);
	free(run->cancelled_by);
	free(run);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct run *run = h->data;

	if (--run->open_timers == 0)
		run_free(run);
}

/* ---- console ------------------------------------------------------------ */

static void
serial_write(struct run *run, const char *buf, size_t len)
{
	while (len > 0 && run->serial_fd >= 0) {
		ssize_t n = write(run->serial_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warn(-errno, "job %lld: writing console", (long long)run->id);
			return;
		}
		run->serial_last = buf[n - 1];
		buf += n;
		len -= (size_t)n;
	}
}

/* The test running now, for messages ("" between tests). */
static const char *
running_test(const struct run *run)
{
	return run->results ? job_results_running_test(run->results) : "";
}

/* Crashed: TITLE is the message, with TEST if one was running.  The
 * report's title replaces its first line's (set_verdict() keeps the first). */
static void
crash_message(struct run *run, const char *title, const char *test)
{
	char *m;
	int n = test[0] != '\0' ? asprintf(&m, "%s (during test %s)", title, test)
				: asprintf(&m, "%s", title);

	if (n < 0)
		return;
	free(run->message);
	run->message = m;
	run->verdict = RESULT_CRASHED;
}

static void
on_console_event(void *arg, const struct console_event *ev)
{
	struct run *run = arg;
	const char *test = running_test(run);

	switch (ev->kind) {
	case CONSOLE_INIT:
		metrics_boot_observe(
		    (double)(uv_now(run->r->env.loop) - run->qemu_started_ms) / 1000);
		break;
	case CONSOLE_DONE:
		/* init powers off next; a guest that does not is stopped. */
		uv_timer_start(&run->t_done, on_done_timer,
		    (uint64_t)run->r->env.done_grace_s * 1000, 0);
		break;
	case CONSOLE_CORRUPT:
		log_warnx("job %lld: damaged result line %llu on the console (%s)",
		    (long long)run->id, (unsigned long long)ev->lineno, ev->title ? ev->title : "");
		break;
	case CONSOLE_CRASH:
		if (!ev->fatal || run->verdict != RESULT_NONE)
			break;
		crash_message(run, ev->title, test);
		run->crash_line = ev->lineno;
		run->crash_test = strdup(test);
		/* Keep reading for the backtrace, then stop. */
		uv_timer_start(&run->t_crash, on_crash_timer, (uint64_t)run->r->env.crash_grace_ms,
		    0);
		break;
	case CONSOLE_CRASH_REPORT:
		/* The whole report names the culprit its first line could
		 * not ("kernel BUG in lkdtm_BUG"): the crash that decided the
		 * verdict is told by its report's title. */
		if (run->verdict == RESULT_CRASHED && run->crash_line != 0 &&
		    ev->fatal_lineno == run->crash_line) {
			crash_message(run, ev->title, run->crash_test ? run->crash_test : "");
		}
		break;
	default:
		break;
	}
	job_results_event(run->results, ev);
	progress_event(run, ev);
}

/* Bytes for JOBDIR/serial (the console minus artifact data lines), kept up
 * to --console-max. */
static void
on_log_output(void *arg, const char *buf, size_t len)
{
	struct run *run = arg;
	int64_t max = run->r->env.console_max_bytes;
	char note[128];
	size_t keep = len;
	int n;

	if (run->capped)
		return;
	if (run->console_bytes + (int64_t)len > max) {
		keep = (size_t)(max - run->console_bytes);
		serial_write(run, buf, keep);
		n = snprintf(note, sizeof(note),
		    "\n[pkvmd: console capped at %lld bytes; further output is discarded]\n",
		    (long long)max);
		serial_write(run, note, (size_t)n);
		run->capped = true;
		log_info("job %lld: console capped at %lld bytes", (long long)run->id,
		    (long long)max);
	} else {
		serial_write(run, buf, len);
	}
	run->console_bytes += (int64_t)keep;
	metrics_console_bytes_add(keep);
	watch_notify(run->r->env.watches, run->id, WATCH_CONSOLE);
}

/* A note from pkvmd in JOBDIR/serial, on a line of its own.  Notes count
 * against --console-max like the guest's output: a guest sending a
 * million tiny files must not grow the log past it. */
static void
serial_note(struct run *run, const char *text)
{
	char note[1024];
	int n = snprintf(note, sizeof(note), "%s[pkvmd: %s]\n",
	    run->serial_last != '\n' && run->serial_last != '\0' ? "\n" : "", text);
	size_t len = (size_t)n < sizeof(note) ? (size_t)n : sizeof(note) - 1;

	if (run->capped || run->console_bytes + (int64_t)len > run->r->env.console_max_bytes)
		return;
	serial_write(run, note, len);
	run->console_bytes += (int64_t)len;
	watch_notify(run->r->env.watches, run->id, WATCH_CONSOLE);
}

/* A file came over the fast channel: record it as the console's are, and
 * say in the job's log how it went and how fast. */
static void
on_channel_artifact(void *arg, const struct artifact_record *a,
    const struct artifact_channel_file *f)
{
	struct run *run = arg;
	struct artifact_record rec = *a;
	double ms = f->elapsed_ms > 0 ? (double)f->elapsed_ms : 1;
	char text[800];
	int err;

	rec.job_id = run->id;
	if ((err = store_artifact_add(run->r->env.store, &rec)) < 0)
		log_warn(err, "job %lld: storing artifact %s/%s", (long long)run->id, a->test,
		    a->path);
	if (f->refused)
		snprintf(text, sizeof(text),
		    "artifact %s/%s refused: %llu bytes would pass the job's artifact cap of %lld "
		    "bytes (--artifact-max)",
		    a->test, a->path, (unsigned long long)a->size,
		    (long long)run->r->env.artifact_max_bytes);
	else
		snprintf(text, sizeof(text),
		    "artifact %s/%s: %llu bytes over the fast channel (virtio-serial) in %lld ms, "
		    "%.1f MB/s, sha256 %s: %s",
		    a->test, a->path, (unsigned long long)a->size, (long long)f->elapsed_ms,
		    (double)a->size / 1e3 / ms,
		    f->guest_sha256 ? "checked against the guest's" : "computed here",
		    artifact_status_name(a->status));
	serial_note(run, text);
	/* The guest waits for this before its next file or power-off: bytes
	 * qemu still held when the guest powered off would be lost. */
	if (run->exec != NULL && run->r->ex->channel_write != NULL) {
		char ack[800];
		int n = snprintf(ack, sizeof(ack), "@@pkvm:1 file-ack test=%s path=%s status=%s\n",
		    a->test, a->path, artifact_status_name(a->status));

		if (n > 0 && (size_t)n < sizeof(ack) &&
		    (err = run->r->ex->channel_write(run->exec, ack, (size_t)n)) < 0 &&
		    err != -EPIPE)
			log_warn(err, "job %lld: answering artifact %s/%s", (long long)run->id,
			    a->test, a->path);
	}
	if (a->status != ARTIFACT_OK)
		log_warnx("job %lld: %s", (long long)run->id, text);
	else
		log_info("job %lld: %s", (long long)run->id, text);
}

static void
on_channel(void *arg, const char *buf, size_t len)
{
	struct run *run = arg;

	artifact_channel_feed(run->chan, buf, len);
}

static void
on_output(void *arg, const char *buf, size_t len)
{
	struct run *run = arg;

	run->last_output_ms = uv_now(run->r->env.loop);
	if (!run->seen_output) {
		run->seen_output = true;
		/* With a debugger the guest starts when gdb says so; the idle
		 * watchdog starts with the first byte it prints. */
		if (run->job->debug_port != 0 && run->job->idle_timeout_s > 0)
			uv_timer_start(&run->t_idle, on_idle_timer,
			    (uint64_t)run->job->idle_timeout_s * 1000, 0);
	}
	/* The parser sees everything, past the cap too (a crash or the
	 * results at the end of a flood still count), and hands back what
	 * belongs in the log (on_log_output). */
	console_parser_feed(run->parser, buf, len);
}

/* ---- watchdogs ---------------------------------------------------------- */

static void
on_timeout_timer(uv_timer_t *t)
{
	struct run *run = t->data;
	enum job_result kind = RESULT_NONE;
	const char *failure = run->results ? job_results_failure(run->results, &kind) : NULL;

	if (running_test(run)[0])
		set_verdict(run, RESULT_TIMEOUT,
		    "test %s timed out: the job's timeout of %d s ran out", running_test(run),
		    run->job->timeout_s);
	else if (failure != NULL && kind == RESULT_TIMEOUT)
		/* The guest killed a test at a limit and was still shipping
		 * its files when the job's time ran out: that test and its
		 * limit are the reason, not the last seconds after it. */
		set_verdict(run, RESULT_TIMEOUT, "%s", failure);
	else
		set_verdict(run, RESULT_TIMEOUT, "timed out: the job's timeout of %d s ran out",
		    run->job->timeout_s);
	run_stop(run);
}

static void
on_idle_timer(uv_timer_t *t)
{
	struct run *run = t->data;
	uint64_t idle = (uint64_t)run->job->idle_timeout_s * 1000;
	uint64_t quiet = uv_now(run->r->env.loop) - run->last_output_ms;

	/* Re-arming on every console chunk would cost a timer operation per
	 * read; instead the timer checks how long the console has really
	 * been quiet and sleeps for the rest. */
	if (quiet < idle) {
		uv_timer_start(&run->t_idle, on_idle_timer, idle - quiet, 0);
		return;
	}
	if (running_test(run)[0])
		set_verdict(run, RESULT_TIMEOUT,
		    "test %s timed out: no console output for %d s (the idle timeout)",
		    running_test(run), run->job->idle_timeout_s);
	else
		set_verdict(run, RESULT_TIMEOUT,
		    "timed out: no console output for %d s (the idle timeout)",
		    run->job->idle_timeout_s);
	run_stop(run);
}

static void
on_crash_timer(uv_timer_t *t)
{
	run_stop(t->data);
}

static void
on_done_timer(uv_timer_t *t)
{
	struct run *run = t->data;

	log_warnx("job %lld: guest reported done but did not power off within %lld s",
	    (long long)run->id, (long long)run->r->env.done_grace_s);
	run_stop(run);
}

static void
on_kill_timer(uv_timer_t *t)
{
	struct run *run = t->data;

	log_warnx("job %lld: qemu ignored SIGTERM for %lld s, killing it", (long long)run->id,
	    (long long)run->r->env.stop_grace_s);
	if (run->exec != NULL)
		run->r->ex->stop(run->exec, true);
}

/* Ask qemu to go: SIGTERM now, SIGKILL after --stop-grace. */
static void
run_stop(struct run *run)
{
	if (run->phase != RUN_RUNNING)
		return;
	run->phase = RUN_STOPPING;
	run_phase(run, PHASE_FINISHING);
	run->r->ex->stop(run->exec, false);
	uv_timer_start(&run->t_kill, on_kill_timer, (uint64_t)run->r->env.stop_grace_s * 1000, 0);
}

/* ---- start ---------------------------------------------------------------- */

static int
copy_file(const char *from, const char *to)
{
	int in, out, err = 0;
	struct stat st;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || fstat(in, &st) != 0) {
		err = -errno;
		goto done;
	}
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (n < 0)
		err = -errno;
done:
	close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* Worker thread: everything a job needs on disk before qemu starts. */
static void
prep_work(uv_work_t *w)
{
	struct run *run = w->data;
	const struct runner_env *env = &run->r->env;
	char *cause = NULL;
	int err;

	err = initramfs_build_job(env->initramfs, env->blobs, run->job, run->initrd, &cause);
	if (err < 0) {
		run->prep_err = err;
		run->prep_cause = cause;
		return;
	}
	if (run->job->uefi) {
		err = firmware_find_uefi(env->firmware_dir, &run->fw, &cause);
		if (err < 0) {
			run->prep_err = err;
			run->prep_cause = cause;
			return;
		}
		/* Each job gets its own variable store, so parallel UEFI
		 * jobs never write to one file. */
		snprintf(run->vars, sizeof(run->vars), "%s/vars.fd", run->dir);
		err = copy_file(run->fw.vars, run->vars);
		if (err < 0) {
			run->prep_err = err;
			if (asprintf(&run->prep_cause, "cannot copy UEFI variables %s: %s",
				run->fw.vars, strerror(-err)) < 0)
				run->prep_cause = NULL;
		}
	}
}

static void
on_exit_cb(void *arg, int64_t exit_status, int term_signal, const char *last_error)
{
	struct run *run = arg;

	if (run->chan != NULL) {
		char text[256];

		artifact_channel_finish(run->chan);
		if (artifact_channel_error(run->chan) != NULL) {
			snprintf(text, sizeof(text), "the fast artifact channel stopped: %s",
			    artifact_channel_error(run->chan));
			serial_note(run, text);
			log_warnx("job %lld: %s", (long long)run->id, text);
		}
	}
	console_parser_flush(run->parser);
	if (term_signal != 0 && run->verdict == RESULT_NONE)
		set_verdict(run, RESULT_ERROR, "qemu was killed by signal %d", term_signal);
	/* qemu that refuses to start (a missing ROM or firmware, a bad
	 * option) says why on stderr: quote it, the user may never open
	 * qemu.log. */
	if (exit_status != 0 && !run->seen_output && last_error != NULL)
		set_verdict(run, RESULT_ERROR,
		    "qemu exited with status %lld before the guest printed anything: %s",
		    (long long)exit_status, last_error);
	run_finish(run, term_signal != 0 ? -term_signal : exit_status, true);
}

static void
prep_after(uv_work_t *w, int status)
{
	struct run *run = w->data;
	struct runner *r = run->r;
	struct exec_spec spec = { 0 };
	struct exec_callbacks cb = { .arg = run,
		.on_output = on_output,
		.on_exit = on_exit_cb,
		.on_channel = run->chan != NULL ? on_channel : NULL };
	char *cause = NULL;
	uint64_t starttime = 0;
	pid_t pid;
	int err;

	if (status < 0 && run->prep_err == 0)
		run->prep_err = status;
	if (run->prep_err < 0) {
		set_verdict(run, RESULT_ERROR, "preparing the job failed: %s",
		    run->prep_cause ? run->prep_cause : strerror(-run->prep_err));
		run_finish(run, 0, false);
		return;
	}
	if (run->cancel_requested) {
		set_verdict(run, RESULT_CANCELLED, "cancelled by %s", run->cancelled_by);
		run_finish(run, 0, false);
		return;
	}
	if (run->shutdown_stop) {
		run_finish(run, 0, false);
		return;
	}
	spec.job = run->job;
	spec.jobdir = run->dir;
	spec.kernel = run->kernel;
	spec.initrd = run->initrd;
	spec.cmdline = run->cmdline;
	spec.fw = run->job->uefi ? &run->fw : NULL;
	spec.vars = run->vars;
	err = r->ex->start(r->env.loop, &spec, &cb, &run->exec, &cause);
	if (err < 0) {
		set_verdict(run, RESULT_ERROR, "%s", cause ? cause : "cannot start qemu");
		free(cause);
		run_finish(run, 0, false);
		return;
	}
	run->phase = RUN_RUNNING;
	pid = r->ex->pid(run->exec);
	if (pid > 0 && procs_starttime(pid, &starttime) == 0)
		store_job_set_pid(r->env.store, run->id, pid, starttime);
	log_info("job %lld: started (%s, pid %d, smp %d, %zu tests)", (long long)run->id,
	    r->ex->name, (int)pid, run->job->smp, run->job->nexes);

	run->last_output_ms = uv_now(r->env.loop);
	run->qemu_started_ms = run->last_output_ms;
	run_phase(run, PHASE_BOOTING);
	uv_timer_start(&run->t_timeout, on_timeout_timer, (uint64_t)run->job->timeout_s * 1000, 0);
	if (run->job->idle_timeout_s > 0 && run->job->debug_port == 0)
		uv_timer_start(&run->t_idle, on_idle_timer,
		    (uint64_t)run->job->idle_timeout_s * 1000, 0);
}

static void
run_start(struct runner *r, struct job *j)
{
	struct run *run = calloc(1, sizeof(*run));
	uv_timer_t *timers[RUN_TIMERS];
	char old[PATH_MAX], serial[PATH_MAX];
	int err;

	if (run == NULL) {
		job_free(j);
		return;
	}
	run->r = r;
	run->job = j;
	run->id = j->id;
	run->serial_fd = -1;
	run->slots = scheduler_slots_needed(j->smp, r->total);
	timers[0] = &run->t_timeout;
	timers[1] = &run->t_idle;
	timers[2] = &run->t_kill;
	timers[3] = &run->t_crash;
	timers[4] = &run->t_done;
	for (int i = 0; i < RUN_TIMERS; i++) {
		uv_timer_init(r->env.loop, timers[i]);
		timers[i]->data = run;
	}
	run->open_timers = RUN_TIMERS;

	run->started_ms = clock_now_ms();
	err = store_job_start(r->env.store, j->id, run->started_ms);
	if (err < 0) {
		log_warn(err, "job %lld: cannot start", (long long)j->id);
		run->phase = RUN_FINISHED;
		for (int i = 0; i < RUN_TIMERS; i++)
			uv_close((uv_handle_t *)timers[i], on_timer_closed);
		return;
	}
	run->next = r->runs;
	r->runs = run;
	r->busy += run->slots;
	run->phase = RUN_PREPARING;
	if (r->env.on_job_start != NULL)
		r->env.on_job_start(r->env.on_job_done_arg, j);
	run_phase(run, PHASE_PREPARING);
	announce_slots(r);

	paths_job_dir(r->env.state_dir, j->id, run->dir, sizeof(run->dir));
	snprintf(run->initrd, sizeof(run->initrd), "%s/initrd", run->dir);
	blobs_path(r->env.blobs, j->kernel, run->kernel, sizeof(run->kernel));
	run->cmdline = job_cmdline(j);
	/* Out of memory leaves either NULL; the check below ends the job then. */
	if (console_parser_new(&run->parser, on_console_event, run) == 0)
		console_parser_set_output(run->parser, on_log_output, run);
	(void)job_results_new(&run->results, r->env.store, j, run->dir);
	/* Without memory for it the job still runs, its files over the console. */
	snprintf(old, sizeof(old), "%s/artifacts", run->dir);
	(void)artifact_channel_new(&run->chan, old, (uint64_t)r->env.artifact_max_bytes,
	    on_channel_artifact, run);

	if (mkdir(run->dir, 0755) != 0 && errno != EEXIST) {
		set_verdict(run, RESULT_ERROR, "cannot create %s: %s", run->dir, strerror(errno));
		run_finish(run, 0, false);
		return;
	}
	snprintf(serial, sizeof(serial), "%s/serial", run->dir);
	if (j->attempt > 1) {
		/* Keep the console of the interrupted attempt for the
		 * post-mortem. */
		snprintf(old, sizeof(old), "%s/serial.attempt-%d", run->dir, j->attempt - 1);
		rename(serial, old);
	}
	run->serial_fd = open(serial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (run->serial_fd < 0 || run->cmdline == NULL || run->parser == NULL ||
	    run->results == NULL) {
		set_verdict(run, RESULT_ERROR, "cannot create %s: %s", serial, strerror(errno));
		run_finish(run, 0, false);
		return;
	}
	run->prep.data = run;
	uv_queue_work(r->env.loop, &run->prep, prep_work, prep_after);
}

void
runner_kick(struct runner *r)
{
	int64_t *ids = NULL;
	size_t n = 0;
	struct job *j;
	int err;

	if (r->shutting_down || r->busy >= r->total)
		return;
	/* A brief read of the queue; only the jobs picked are loaded whole. */
	err = share_pick(r->env.store, r->env.share, r->total, r->total - r->busy, clock_now_ms(),
	    &ids, &n);
	if (err < 0) {
		log_warn(err, "runner: reading the queue");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((err = store_job_get(r->env.store, ids[i], &j)) < 0)
			log_warn(err, "job %lld: loading it to start", (long long)ids[i]);
		else
			run_start(r, j);
	}
	free(ids);
}

/* ---- finish --------------------------------------------------------------- */

/* The initrd is the job's executables and --extra files again, as a cpio:
 * nothing reads it once qemu is gone (coverage and the symbolizer read
 * the blobs), and a job that runs again (requeued after a restart) gets
 * a new one built from the blobs.  So it goes, unless --keep-initrd.  On
 * the loop, before the result is stored: one unlink frees its extents in
 * about a millisecond, and whoever learns the job is done finds it gone. */
static void
initrd_delete(struct run *run)
{
	if (run->r->env.keep_initrd || run->initrd[0] == '\0')
		return;
	if (unlink(run->initrd) != 0 && errno != ENOENT)
		log_warn(-errno, "job %lld: deleting %s", (long long)run->id, run->initrd);
}

/* Decide the result of a run that no watchdog, crash or cancel decided:
 * describe the run, and let job_decide() apply the rules. */
static void
decide(struct run *run, int64_t exit_status, bool has_exit)
{
	const struct job_results *jr = run->results;
	struct job_outcome o = {
		.has_exit = has_exit,
		.exit_status = exit_status,
		.saw_init = jr != NULL && job_results_saw_init(jr),
		.saw_done = jr != NULL && job_results_saw_done(jr),
		.running_test = running_test(run),
		.failure_result = RESULT_FAILED,
	};

	if (run->verdict != RESULT_NONE)
		return;
	if (jr != NULL)
		o.failure = job_results_failure(jr, &o.failure_result);
	run->verdict = job_decide(&o, &run->message);
}

static void
run_finish(struct run *run, int64_t exit_status, bool has_exit)
{
	struct runner *r = run->r;
	struct store *st = r->env.store;
	uv_timer_t *timers[RUN_TIMERS] = { &run->t_timeout, &run->t_idle, &run->t_kill,
		&run->t_crash, &run->t_done };
	int err;

	run->phase = RUN_FINISHED;
	if (run->serial_fd >= 0) {
		close(run->serial_fd);
		run->serial_fd = -1;
	}
	if (run->exec != NULL) {
		r->ex->release(run->exec);
		run->exec = NULL;
	}
	initrd_delete(run);
	if (run->shutdown_stop && run->verdict == RESULT_NONE) {
		/* Daemon shutdown: the row stays `running`, and the
		 * store_jobs_recover() that follows requeues it or marks it
		 * interrupted, exactly as after a crash of pkvmd. */
		log_info("job %lld: stopped by shutdown", (long long)run->id);
	} else {
		decide(run, exit_status, has_exit);
		if (run->results != NULL)
			job_results_finish(run->results, run->verdict, run->message);
		store_tests_abort(st, run->id);
		store_job_set_console_bytes(st, run->id, run->console_bytes);
		err = store_job_finish(st, run->id, run->verdict, run->message, has_exit,
		    (int)exit_status, clock_now_ms());
		if (err < 0)
			log_warn(err, "job %lld: storing the result", (long long)run->id);
		else if (r->env.on_job_done != NULL)
			r->env.on_job_done(r->env.on_job_done_arg, run->job);
		if (err == 0) {
			run->prog.test_index = 0;
			run->prog.test_name = NULL;
			run_phase(run, PHASE_DONE);
		}
		if (err == 0)
			metrics_job_ran(run->verdict,
			    (double)(clock_now_ms() - run->started_ms) / 1000);
		log_info("job %lld: %s%s%s", (long long)run->id, job_result_name(run->verdict),
		    run->message ? ": " : "", run->message ? run->message : "");
	}
	if ((err = share_charge(st, r->env.share, run->job->owner, run->slots, run->started_ms,
		 clock_now_ms())) < 0)
		log_warn(err, "job %lld: charging its run to %s", (long long)run->id,
		    run->job->owner);
	run_unlink(run);
	r->busy -= run->slots;
	watch_notify(r->env.watches, run->id, WATCH_DONE);
	announce_slots(r);
	for (int i = 0; i < RUN_TIMERS; i++)
		uv_close((uv_handle_t *)timers[i], on_timer_closed);

	if (r->shutting_down) {
		if (r->runs == NULL && r->shutdown_cb != NULL) {
			void (*cb)(void *) = r->shutdown_cb;

			r->shutdown_cb = NULL;
			uv_close((uv_handle_t *)&r->shutdown_timer, NULL);
			cb(r->shutdown_arg);
		}
		return;
	}
	runner_kick(r);
}

/* ---- cancel and shutdown ----------------------------------------------------- */

int
runner_cancel(struct runner *r, int64_t id, const char *who)
{
	struct run *run = run_find(r, id);
	char msg[128];
	int err;

	if (run == NULL) {
		snprintf(msg, sizeof(msg), "cancelled by %s", who);
		err = store_job_finish(r->env.store, id, RESULT_CANCELLED, msg, false, 0,
		    clock_now_ms());
		if (err == 0) {
			struct job_progress p = { .phase = PHASE_DONE };

			log_info("job %lld: cancelled while queued", (long long)id);
			watch_notify(r->env.watches, id, WATCH_DONE);
			announce(r, id, &p);
			announce_slots(r);
			if (r->env.on_job_cancelled != NULL)
				r->env.on_job_cancelled(r->env.on_job_done_arg, id);
			/* The head of the queue may have been holding others back. */
			runner_kick(r);
		}
		return err;
	}
	if (run->phase == RUN_FINISHED)
		return -ESTALE;
	if (run->phase == RUN_PREPARING) {
		run->cancel_requested = true;
		free(run->cancelled_by);
		run->cancelled_by = strdup(who);
		return 0;
	}
	set_verdict(run, RESULT_CANCELLED, "cancelled by %s", who);
	run_stop(run);
	return 0;
}

static void
on_shutdown_timer(uv_timer_t *t)
{
	struct runner *r = t->data;

	for (struct run *run = r->runs; run != NULL; run = run->next) {
		run->shutdown_stop = true;
		run_stop(run);
	}
}

void
runner_shutdown(struct runner *r, int64_t grace_s, void (*cb)(void *arg), void *arg)
{
	r->shutting_down = true;
	if (r->runs == NULL) {
		cb(arg);
		return;
	}
	/* A second signal comes here again with no grace: restart the timer
	 * the first one set up, since initialising an active handle again
	 * corrupts the loop's handle list. */
	if (r->shutdown_cb == NULL) {
		uv_timer_init(r->env.loop, &r->shutdown_timer);
		r->shutdown_timer.data = r;
	}
	r->shutdown_cb = cb;
	r->shutdown_arg = arg;
	log_info("shutdown: %s running jobs %s", grace_s > 0 ? "letting" : "stopping",
	    grace_s > 0 ? "finish" : "now");
	uv_timer_start(&r->shutdown_timer, on_shutdown_timer, (uint64_t)grace_s * 1000, 0);
}

int
runner_new(struct runner **out, const struct runner_env *env)
{
	struct runner *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->env = *env;
	r->ex = env->ex;
	r->total = env->slots;
	*out = r;
	return 0;
}

void
runner_free(struct runner *r)
{
	free(r);
}
