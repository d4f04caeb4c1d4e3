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
#include "base/files.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/paths.h"
#include "guest/artifact-channel.h"
#include "guest/console.h"
#include "guest/payload-exit.h"
#include "guest/results.h"
#include "job/events.h"
#include "job/job-json.h"
#include "job/queue.h"
#include "job/result.h"
#include "job/scheduler.h"
#include "job/watch.h"
#include "run/disks.h"
#include "run/console-taps.h"
#include "run/executor.h"
#include "run/firmware.h"
#include "run/initramfs.h"
#include "run/procs.h"
#include "run/runner-private.h"
#include "run/runner.h"
#include "run/share.h"
#include "run/slurm.h"
#include "run/warm.h"
#include "store/blobs.h"
#include "store/store.h"

static void run_finish(struct run *run, int64_t exit_status, bool has_exit);
static void run_stop(struct run *run);
static void run_initrd_delete(struct run *run);
static void on_done_timer(uv_timer_t *t);
static void on_crash_timer(uv_timer_t *t);
static void on_idle_timer(uv_timer_t *t);
static void payload_kill(struct run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void payload_ended(struct run *run, int64_t exit_status, int term_signal,
    const char *last_error);
static void payload_start_next(struct run *run);

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
	int64_t now[3];
	char data[128];

	if (r->env.events == NULL)
		return;
	now[0] = r->total;
	now[1] = r->busy;
	now[2] = (int64_t)queue_queued(runner_queue(r));
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
		run->prog.test_name = run->test_name;
		if (ev->retry > 0) {
			/* A rerun is no new test: no index past the last. */
			snprintf(run->test_name, sizeof(run->test_name), "%s (rerun %d)", ev->test,
			    ev->retry);
			run->prog.test_index = 0;
			announce(run->r, run->id, &run->prog);
			break;
		}
		snprintf(run->test_name, sizeof(run->test_name), "%s", ev->test);
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

const struct queue *
runner_queue(struct runner *r)
{
	int err;

	if (r->queue_stale) {
		if ((err = share_queue_load(r->env.store, r->queue)) < 0)
			log_warn(err, "runner: reading the queue");
		else
			r->queue_stale = false;
	}
	return r->queue;
}

void
runner_job_queued(struct runner *r, const struct job *j)
{
	struct job_progress p = { .phase = PHASE_QUEUED };
	struct queue_job qj = { .id = j->id, .smp = j->smp, .priority = j->priority };
	int err;

	if (!r->queue_stale && (err = queue_add(r->queue, j->owner, &qj)) < 0) {
		log_warn(err, "job %lld: adding it to the queue in memory", (long long)j->id);
		r->queue_stale = true;
	}
	announce(r, j->id, &p);
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

bool
runner_job_per_slot(const struct runner *r)
{
	return r->env.job_per_slot;
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
	free(run->disks);
	free(run->payload_why);
	free(run->warm_layer);
	free(run->warm_cause);
	if (run->warm_fd >= 0)
		close(run->warm_fd);
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

/* Write BUF to JOBDIR/serial now. */
static void
serial_put(struct run *run, const char *buf, size_t len)
{
	while (len > 0 && run->serial_fd >= 0) {
		ssize_t n = write(run->serial_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			/* The console is the job's record: a job that cannot
			 * keep it cannot be judged, so it ends now, and says
			 * why in words an operator acts on.  The file is
			 * closed so that the guest's further bytes are not
			 * written half. */
			log_warn(err, "job %lld: writing console", (long long)run->id);
			close(run->serial_fd);
			run->serial_fd = -1;
			if (err == -ENOSPC || err == -EDQUOT)
				set_verdict(run, RESULT_ERROR, "state disk full");
			else
				set_verdict(run, RESULT_ERROR, "writing the console: %s",
				    strerror(-err));
			run_stop(run);
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Write what is pending to JOBDIR/serial and wake its followers. */
static void
serial_flush(struct run *run)
{
	if (run->serial_npending == 0)
		return;
	serial_put(run, run->serial_pending, run->serial_npending);
	run->serial_npending = 0;
	watch_notify(run->r->env.watches, run->id, WATCH_CONSOLE);
}

/* Add BUF to JOBDIR/serial: pending until serial_flush(). */
static void
serial_write(struct run *run, const char *buf, size_t len)
{
	if (len == 0 || run->serial_fd < 0)
		return;
	run->serial_last = buf[len - 1];
	if (run->serial_npending + len > sizeof(run->serial_pending))
		serial_flush(run);
	if (len >= sizeof(run->serial_pending)) {
		serial_put(run, buf, len);
		watch_notify(run->r->env.watches, run->id, WATCH_CONSOLE);
		return;
	}
	memcpy(run->serial_pending + run->serial_npending, buf, len);
	run->serial_npending += len;
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

/* Whether EV is a report of the guest's /init (a result line or an
 * artifact's), as opposed to a kernel report or a plain line. */
static bool
is_init_report(enum console_event_kind kind)
{
	switch (kind) {
	case CONSOLE_INIT:
	case CONSOLE_TEST_BEGIN:
	case CONSOLE_TEST_END:
	case CONSOLE_DONE:
	case CONSOLE_CORRUPT:
	case CONSOLE_MARK:
	case CONSOLE_MODULE:
	case CONSOLE_FILE_BEGIN:
	case CONSOLE_FILE_DATA:
	case CONSOLE_FILE_END:
	case CONSOLE_FILE_SKIP:
		return true;
	default:
		return false;
	}
}

static void
on_console_event(void *arg, const struct console_event *ev)
{
	struct run *run = arg;
	const char *test = running_test(run);

	/* Once an interactive guest has reported its tests, its console is a
	 * person's shell: a result line typed or printed there is theirs,
	 * not /init's, and may not change what the tests did.  Kernel
	 * reports still count (a crash in the shell crashes the job). */
	if (run->job->interactive && run->results != NULL && job_results_saw_done(run->results) &&
	    is_init_report(ev->kind))
		return;

	switch (ev->kind) {
	case CONSOLE_INIT:
		metrics_boot_observe(
		    (double)(uv_now(run->r->env.loop) - run->qemu_started_ms) / 1000);
		break;
	case CONSOLE_DONE:
		/* init powers off next; a guest that does not is stopped.
		 * An interactive guest starts a shell instead, for as long as
		 * the job's timeout allows. */
		if (run->job->interactive)
			break;
		uv_timer_start(&run->t_done, on_done_timer,
		    (uint64_t)run->r->env.done_grace_s * 1000, 0);
		break;
	case CONSOLE_LINE:
		if (run->payload != NULL)
			payload_exit_line(&run->pexit, ev->line);
		break;
	case CONSOLE_MARK:
		if (run->warm_on)
			run_warm_mark(run, ev->test);
		break;
	case CONSOLE_TEST_BEGIN:
		run->warm_late = true;
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
}

/* A note from pkvmd in JOBDIR/serial, on a line of its own.  Notes count
 * against --console-max like the guest's output: a guest sending a
 * million tiny files must not grow the log past it. */
static void
run_serial_note(struct run *run, const char *text)
{
	char note[1024];
	int n = snprintf(note, sizeof(note), "%s[pkvmd: %s]\n",
	    run->serial_last != '\n' && run->serial_last != '\0' ? "\n" : "", text);
	size_t len = (size_t)n < sizeof(note) ? (size_t)n : sizeof(note) - 1;

	if (run->capped || run->console_bytes + (int64_t)len > run->r->env.console_max_bytes)
		return;
	serial_write(run, note, len);
	run->console_bytes += (int64_t)len;
	serial_flush(run);
}

/* A file came over the fast channel: record it as the console's are, and
 * say in the job's log how it went and how fast. */
static void
run_on_channel_artifact(void *arg, const struct artifact_record *a,
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
	run_serial_note(run, text);
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
		if (run->job->debug_port != 0 && run->job->idle_timeout_s > 0 &&
		    !run->job->interactive)
			uv_timer_start(&run->t_idle, on_idle_timer,
			    (uint64_t)run->job->idle_timeout_s * 1000, 0);
	}
	/* The parser sees everything, past the cap too (a crash or the
	 * results at the end of a flood still count), and hands back what
	 * belongs in the log (on_log_output).  Viewers get it raw: a
	 * shell's prompt ends no line. */
	console_taps_feed(run->taps, buf, len);
	console_parser_feed(run->parser, buf, len);
	serial_flush(run);
}

/* Keys for the guest's serial input, from the writer of the taps. */
static int
run_input(void *arg, const char *buf, size_t len)
{
	struct run *run = arg;

	if (run->phase != RUN_RUNNING || run->exec == NULL)
		return -EPIPE;
	if (run->r->ex->input == NULL)
		return -ENOTSUP;
	return run->r->ex->input(run->exec, buf, len);
}

struct console_taps *
runner_console_taps(struct runner *r, int64_t id)
{
	struct run *run = run_find(r, id);

	return run != NULL && run->phase == RUN_RUNNING ? run->taps : NULL;
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
	if (run->payload != NULL) {
		payload_kill(run, "no console output for %d s (the idle timeout)",
		    run->job->idle_timeout_s);
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

/* The GUID kvm-unit-tests' EFI apps read their device tree's file name
 * from (EFI_VAR_GUID of arm/efi/run, lib/efi.c). */
#define KUT_EFI_VAR_GUID "97ef3e03-7329-4a6a-b9ba-6c1fdcc5f823"

/* Write the FAT directory DIR an EFI payload boots from: its app (the
 * blob at APP) and the startup.nsh that the firmware's shell runs, as
 * kvm-unit-tests' arm/efi/run writes it: it names the device tree (with
 * DTB, the file "dtb" in DIR) in the variable fdtfile, then starts the
 * app with the payload's arguments.  0 or negative errno. */
static int
payload_fat_dir(const char *dir, const char *app, const struct job_exe *p, bool dtb)
{
	char path[PATH_MAX];
	FILE *f;
	int err;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s.efi", dir, "payload");
	if ((err = files_copy(app, path)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/startup.nsh", dir);
	if ((f = fopen(path, "we")) == NULL)
		return -errno;
	fprintf(f, "@echo -off\r\n");
	if (dtb)
		fprintf(f, "setvar fdtfile -guid %s -rt =L\"dtb\"\r\n", KUT_EFI_VAR_GUID);
	fprintf(f, "%s.efi%s%s\r\n", "payload", p->append && p->append[0] ? " " : "",
	    p->append ? p->append : "");
	return fclose(f) == 0 ? 0 : -errno;
}

/* Dump the device tree of EFI payload P's machine into DIR/dtb, where its
 * startup.nsh tells the app to look: 0 or negative errno with *CAUSE. */
static int
payload_dtb(struct run *run, const struct job_exe *p, const char *dir, char **cause)
{
	struct exec_spec spec = { 0 };
	char path[PATH_MAX + 8];

	*cause = NULL;
	if (run->r->ex->dump_dtb == NULL)
		return -ENOTSUP;
	spec.job = run->job;
	spec.jobdir = run->dir;
	spec.kernel = "";
	spec.payload = p;
	spec.fw = &run->fw;
	spec.vars = run->vars;
	spec.fatdir = dir;
	snprintf(path, sizeof(path), "%s/dtb", dir);
	return run->r->ex->dump_dtb(&spec, path, cause);
}

/* Worker thread: what a payload job needs on disk: the UEFI firmware and
 * a variable store when it has EFI payloads, and each one's FAT
 * directory.  No initrd: a payload boots alone. */
static void
payload_prep(struct run *run)
{
	const struct runner_env *env = &run->r->env;
	char path[PATH_MAX], dir[PATH_MAX + 32];
	bool efi = false;
	char *cause = NULL;
	int err = 0;

	run->initrd[0] = '\0';
	/* One qemu.cmd for all of them, each appending its command. */
	snprintf(path, sizeof(path), "%s/qemu.cmd", run->dir);
	unlink(path);
	for (size_t i = 0; i < run->job->nexes; i++)
		efi |= strcmp(run->job->exes[i].format, "efi") == 0;
	if (!efi)
		return;
	if ((err = firmware_find_uefi(env->firmware_dir, &run->fw, &cause)) < 0) {
		run->prep_err = err;
		run->prep_cause = cause;
		return;
	}
	snprintf(run->vars, sizeof(run->vars), "%s/vars.fd", run->dir);
	snprintf(run->efidir, sizeof(run->efidir), "%s/efi", run->dir);
	if ((err = files_copy(run->fw.vars, run->vars)) < 0 ||
	    (mkdir(run->efidir, 0755) != 0 && errno != EEXIST && (err = -errno) < 0)) {
		run->prep_err = err;
		if (asprintf(&run->prep_cause, "cannot prepare UEFI variables in %s: %s", run->dir,
			strerror(-err)) < 0)
			run->prep_cause = NULL;
		return;
	}
	for (size_t i = 0; i < run->job->nexes; i++) {
		const struct job_exe *p = &run->job->exes[i];

		if (strcmp(p->format, "efi") != 0)
			continue;
		bool dtb = run->r->ex->dump_dtb != NULL;

		blobs_path(env->blobs, p->blob, path, sizeof(path));
		snprintf(dir, sizeof(dir), "%s/%zu", run->efidir, i + 1);
		if ((err = payload_fat_dir(dir, path, p, dtb)) < 0) {
			run->prep_err = err;
			if (asprintf(&run->prep_cause, "cannot write the FAT directory of %s: %s",
				p->name, strerror(-err)) < 0)
				run->prep_cause = NULL;
			return;
		}
		if (dtb && (err = payload_dtb(run, p, dir, &cause)) < 0) {
			run->prep_err = err;
			if (asprintf(&run->prep_cause, "payload %s: %s", p->name,
				cause ? cause : strerror(-err)) < 0)
				run->prep_cause = NULL;
			free(cause);
			return;
		}
	}
}

/* Worker thread: everything a job needs on disk before qemu starts. */
static void
run_prep_work(uv_work_t *w)
{
	struct run *run = w->data;
	const struct runner_env *env = &run->r->env;
	char *cause = NULL;
	int err;

	if (run->job->kind == JOB_KIND_PAYLOAD) {
		payload_prep(run);
		return;
	}
	/* Under Slurm the files qemu opens are made where every node sees
	 * them, here in the worker: the kernel staged, the initrd, overlays
	 * and UEFI variables written there directly. */
	if (slurm_enabled() &&
	    ((err = slurm_stage_begin(run->id, &run->stage, &cause)) < 0 ||
		(err = slurm_stage_file(&run->stage, run->kernel, "kernel", run->kernel, &cause)) <
		    0)) {
		run->prep_err = err;
		run->prep_cause = cause;
		return;
	}
	if (run->stage.dir[0] != '\0')
		snprintf(run->initrd, sizeof(run->initrd), "%s/initrd", run->stage.dir);
	if (run->warm_on)
		run_warm_prep(run);
	err = run->warm_on && run->warm == WARM_RESTORE
	    ? 0
	    : initramfs_build_job(env->initramfs, env->blobs, run->job, run->initrd, &cause);
	if (err < 0) {
		run->prep_err = err;
		run->prep_cause = cause;
		return;
	}
	if (run->job->ndisks > 0) {
		err = disks_prepare(env->qemu_img, env->blobs, run->job,
		    run->stage.dir[0] ? run->stage.dir : run->dir, run->disks, &cause);
		if (err < 0) {
			run->prep_err = err;
			run->prep_cause = cause;
			return;
		}
		run->disks_ready = true;
		if (run->stage.dir[0] != '\0' &&
		    (err = slurm_stage_disks(&run->stage, run->job, run->disks, run->job->ndisks,
			 env->qemu_img, &cause)) < 0) {
			run->prep_err = err;
			run->prep_cause = cause;
			return;
		}
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
		snprintf(run->vars, sizeof(run->vars), "%s/vars.fd",
		    run->stage.dir[0] ? run->stage.dir : run->dir);
		err = files_copy(run->fw.vars, run->vars);
		if (err < 0) {
			run->prep_err = err;
			if (asprintf(&run->prep_cause, "cannot copy UEFI variables %s: %s",
				run->fw.vars, strerror(-err)) < 0)
				run->prep_cause = NULL;
		}
	}
}

/* The executor runs the guest elsewhere (a Slurm node): the job says where,
 * and so does its console. */
static void
on_placed(void *arg, const char *where)
{
	struct run *run = arg;
	char text[256];
	int err;

	if ((err = store_job_set_placement(run->r->env.store, run->id, where)) < 0)
		log_warn(err, "job %lld: storing where it runs", (long long)run->id);
	snprintf(text, sizeof(text), "runs as %s", where);
	run_serial_note(run, text);
	log_info("job %lld: %s", (long long)run->id, text);
}

/* The infrastructure ended the run: an error that is not the kernel's,
 * run again while the job has attempts left (retry()). */
static void
on_lost(void *arg, const char *why)
{
	struct run *run = arg;

	if (run->verdict != RESULT_NONE)
		return;
	set_verdict(run, RESULT_ERROR, "%s", why);
	run->infra = true;
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
			run_serial_note(run, text);
			log_warnx("job %lld: %s", (long long)run->id, text);
		}
	}
	console_parser_flush(run->parser);
	serial_flush(run);
	if (run->payload != NULL) {
		payload_ended(run, exit_status, term_signal, last_error);
		return;
	}
	/* A warm start that did not take boots the job in this run. */
	if (run->warm_on && run_warm_exited(run, exit_status, last_error))
		return;
	/* A signal we did not send (ours come after a verdict): the host's
	 * OOM killer, an operator. */
	if (term_signal != 0 && run->verdict == RESULT_NONE) {
		set_verdict(run, RESULT_ERROR, "qemu was killed by signal %d", term_signal);
		run->infra = true;
	}
	/* qemu that refuses to start (a missing ROM or firmware, a bad
	 * option) says why on stderr: quote it, the user may never open
	 * qemu.log. */
	if (exit_status != 0 && !run->seen_output && last_error != NULL &&
	    run->verdict == RESULT_NONE) {
		set_verdict(run, RESULT_ERROR,
		    "qemu exited with status %lld before the guest printed anything: %s",
		    (long long)exit_status, last_error);
		run->infra = true;
	}
	run_finish(run, term_signal != 0 ? -term_signal : exit_status, true);
}

static void
run_prep_after(uv_work_t *w, int status)
{
	struct run *run = w->data;
	struct runner *r = run->r;
	struct exec_spec spec = { 0 };
	struct exec_callbacks cb = { .arg = run,
		.on_output = on_output,
		.on_exit = on_exit_cb,
		.on_channel = run->chan != NULL ? on_channel : NULL,
		.on_placed = on_placed,
		.on_lost = on_lost };
	char *cause = NULL;
	uint64_t starttime = 0;
	pid_t pid;
	int err;

	if (status < 0 && run->prep_err == 0)
		run->prep_err = status;
	if (run->prep_err == -ENOSPC || run->prep_err == -EDQUOT)
		set_verdict(run, RESULT_ERROR, "state disk full");
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
	if (run->job->kind == JOB_KIND_PAYLOAD) {
		uv_timer_start(&run->t_timeout, on_timeout_timer,
		    (uint64_t)run->job->timeout_s * 1000, 0);
		payload_start_next(run);
		return;
	}
	spec.job = run->job;
	spec.jobdir = run->dir;
	spec.kernel = run->kernel;
	spec.initrd = run->initrd;
	spec.cmdline = run->cmdline;
	spec.fw = run->job->uefi ? &run->fw : NULL;
	spec.vars = run->vars;
	spec.disks = run->disks;
	spec.ndisks = run->disks_ready ? run->job->ndisks : 0;
	if (run->warm_on)
		run_warm_spec(run, &spec);
	err = r->ex->start(r->env.loop, &spec, &cb, &run->exec, &cause);
	if (err < 0) {
		set_verdict(run, RESULT_ERROR, "%s", cause ? cause : "cannot start qemu");
		run->infra = true;
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
	if (run->warm_on)
		run_warm_started(run);
	uv_timer_start(&run->t_timeout, on_timeout_timer, (uint64_t)run->job->timeout_s * 1000, 0);
	/* An interactive job waits on a person, who may think for longer. */
	if (run->job->idle_timeout_s > 0 && run->job->debug_port == 0 && !run->job->interactive)
		uv_timer_start(&run->t_idle, on_idle_timer,
		    (uint64_t)run->job->idle_timeout_s * 1000, 0);
}

/* ---- payload jobs (docs/PAYLOADS.md) ------------------------------------ */

static void
on_payload_timer(uv_timer_t *t)
{
	struct run *run = t->data;

	if (run->payload != NULL)
		payload_kill(run, "killed at its timeout of %d s",
		    run->payload->timeout_s > 0 ? run->payload->timeout_s
						: run->job->test_timeout_s);
}

/* A limit of the running payload's own ran out: stop its qemu (SIGKILL
 * after --stop-grace); the job goes on with the next payload. */
static void
payload_kill(struct run *run, const char *fmt, ...)
{
	va_list ap;

	if (run->payload == NULL || run->payload_why != NULL || run->exec == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&run->payload_why, fmt, ap) < 0)
		run->payload_why = strdup("killed at a time limit");
	va_end(ap);
	run->r->ex->stop(run->exec, false);
	uv_timer_start(&run->t_kill, on_kill_timer, (uint64_t)run->r->env.stop_grace_s * 1000, 0);
}

/* Boot the next payload, or finish the job when none is left. */
static void
payload_start_next(struct run *run)
{
	struct runner *r = run->r;
	struct exec_spec spec = { 0 };
	struct exec_callbacks cb = { .arg = run,
		.on_output = on_output,
		.on_exit = on_exit_cb,
		.on_placed = on_placed,
		.on_lost = on_lost };
	struct console_event ev = { 0 };
	const struct job_exe *p;
	char head[PKVM_APPEND_MAX + 256], fatdir[PATH_MAX + 32];
	char *cause = NULL;
	uint64_t starttime = 0;
	size_t i = run->payload_next;
	int limit_s, n, err;
	pid_t pid;

	if (i >= run->job->nexes || run->verdict != RESULT_NONE || run->shutdown_stop) {
		run_finish(run, 0, false);
		return;
	}
	p = &run->job->exes[i];
	run->payload_next = i + 1;
	blobs_path(r->env.blobs, p->blob, run->kernel, sizeof(run->kernel));
	snprintf(fatdir, sizeof(fatdir), "%s/%zu", run->efidir, i + 1);
	/* A line of ours before each payload's console: where one ends and
	 * the next begins in JOBDIR/serial, and the first line of its part
	 * (logs --test NAME). */
	n = snprintf(head, sizeof(head), "[pkvmd] payload %zu/%zu %s (%s, smp %d%s%s%s)\n", i + 1,
	    run->job->nexes, p->name, p->format, p->smp, p->append[0] ? ", append '" : "",
	    p->append, p->append[0] ? "'" : "");
	console_parser_feed(run->parser, head, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head));
	memset(&run->pexit, 0, sizeof(run->pexit));
	free(run->payload_why);
	run->payload_why = NULL;
	run->payload = p;
	limit_s = p->timeout_s > 0 ? p->timeout_s : run->job->test_timeout_s;
	ev.kind = CONSOLE_TEST_BEGIN;
	ev.lineno = console_parser_lines(run->parser);
	ev.test = p->name;
	ev.seq = (int)i + 1;
	ev.timeout_s = limit_s;
	ev.limit = "";
	on_console_event(run, &ev);

	spec.job = run->job;
	spec.jobdir = run->dir;
	spec.kernel = run->kernel;
	spec.payload = p;
	spec.fw = strcmp(p->format, "efi") == 0 ? &run->fw : NULL;
	spec.vars = run->vars;
	spec.fatdir = fatdir;
	err = r->ex->start(r->env.loop, &spec, &cb, &run->exec, &cause);
	if (err < 0) {
		set_verdict(run, RESULT_ERROR, "payload %s: %s", p->name,
		    cause ? cause : "cannot start qemu");
		free(cause);
		run_finish(run, 0, false);
		return;
	}
	run->phase = RUN_RUNNING;
	pid = r->ex->pid(run->exec);
	if (pid > 0 && procs_starttime(pid, &starttime) == 0)
		store_job_set_pid(r->env.store, run->id, pid, starttime);
	log_info("job %lld: payload %zu/%zu %s started (%s, pid %d, smp %d)", (long long)run->id,
	    i + 1, run->job->nexes, p->name, p->format, (int)pid, p->smp);
	run->last_output_ms = uv_now(r->env.loop);
	run->payload_started_ms = run->last_output_ms;
	if (i == 0) {
		run->qemu_started_ms = run->last_output_ms;
		run_phase(run, PHASE_BOOTING);
	}
	if (limit_s > 0)
		uv_timer_start(&run->t_payload, on_payload_timer, (uint64_t)limit_s * 1000, 0);
	if (run->job->idle_timeout_s > 0 && run->job->debug_port == 0)
		uv_timer_start(&run->t_idle, on_idle_timer,
		    (uint64_t)run->job->idle_timeout_s * 1000, 0);
}

/* The running payload's qemu is gone: store it as a test, and boot the
 * next one unless the job is over. */
static void
payload_ended(struct run *run, int64_t exit_status, int term_signal, const char *last_error)
{
	struct runner *r = run->r;
	const struct job_exe *p = run->payload;
	struct console_event ev = { 0 };
	const char *how = NULL;
	int status;

	uv_timer_stop(&run->t_payload);
	uv_timer_stop(&run->t_kill);
	uv_timer_stop(&run->t_idle);
	if (run->exec != NULL) {
		r->ex->release(run->exec);
		run->exec = NULL;
	}
	/* The job's own time ran out, it was cancelled, a kernel-style crash
	 * report stopped it, or pkvmd is stopping: the payload keeps what it
	 * printed (job_results_finish()), the rest are not run. */
	if (run->verdict != RESULT_NONE || run->shutdown_stop) {
		if (term_signal != 0 && run->verdict == RESULT_NONE && !run->shutdown_stop)
			set_verdict(run, RESULT_ERROR, "qemu was killed by signal %d", term_signal);
		run_finish(run, term_signal != 0 ? -term_signal : exit_status, true);
		return;
	}
	if (run->payload_why == NULL && term_signal != 0) {
		set_verdict(run, RESULT_ERROR, "payload %s: qemu was killed by signal %d", p->name,
		    term_signal);
		run_finish(run, -term_signal, true);
		return;
	}
	/* qemu refused the machine (a bad -machine property, a firmware it
	 * cannot load): that is the job's error, not the payload's result. */
	if (run->payload_why == NULL && exit_status != 0 && !run->pexit.printed &&
	    last_error != NULL) {
		set_verdict(run, RESULT_ERROR,
		    "payload %s: qemu exited with status %lld before the payload printed "
		    "anything: %s",
		    p->name, (long long)exit_status, last_error);
		run_finish(run, exit_status, true);
		return;
	}
	status = payload_exit_status(&run->pexit, exit_status, &how);
	log_info("job %lld: payload %s ended: qemu status %lld, status %d (from %s)%s%s",
	    (long long)run->id, p->name, (long long)exit_status, status, how,
	    run->payload_why ? ": " : "", run->payload_why ? run->payload_why : "");
	ev.kind = CONSOLE_TEST_END;
	ev.lineno = console_parser_lines(run->parser);
	ev.test = p->name;
	ev.seq = (int)run->payload_next;
	ev.exit_code = status;
	ev.duration_ms = (int64_t)(uv_now(r->env.loop) - run->payload_started_ms);
	ev.killed_timeout = run->payload_why != NULL;
	/* A payload that powered off without saying how it went failed, for
	 * a reason its sub-results cannot tell. */
	if (run->payload_why == NULL && exit_status == 0 && !run->pexit.has_exit_line)
		run->payload_why = strdup(
		    "powered off without an exit status (no test-device exit, "
		    "no \"EXIT: STATUS=\" line)");
	job_results_payload_end(run->results, &ev,
	    run->pexit.exception[0] != '\0' ? run->pexit.exception : NULL, run->payload_why);
	progress_event(run, &ev);
	run->payload = NULL;
	payload_start_next(run);
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
	run->warm_fd = -1;
	run->warm_on = j->warm && j->kind != JOB_KIND_PAYLOAD;
	run->slots = r->env.job_per_slot ? 1 : scheduler_slots_needed(j->smp, r->total);
	timers[0] = &run->t_timeout;
	timers[1] = &run->t_idle;
	timers[2] = &run->t_kill;
	timers[3] = &run->t_crash;
	timers[4] = &run->t_done;
	timers[5] = &run->t_payload;
	for (int i = 0; i < RUN_TIMERS; i++) {
		uv_timer_init(r->env.loop, timers[i]);
		timers[i]->data = run;
	}
	run->open_timers = RUN_TIMERS;

	run->started_ms = clock_now_ms();
	err = store_job_start(r->env.store, j->id, run->started_ms);
	if (err == 0 && queue_start(r->queue, j->id, run->started_ms) < 0)
		r->queue_stale = true;
	if (err < 0) {
		/* Cancelled since the pick, or a store that cannot write: either
		 * way the store says what is queued now. */
		r->queue_stale = true;
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
	if (j->ndisks > 0 && (run->disks = calloc(j->ndisks, sizeof(*run->disks))) == NULL) {
		free(run->cmdline);
		run->cmdline = NULL;
	}
	/* Out of memory leaves either NULL; the check below ends the job then. */
	if (console_parser_new(&run->parser, on_console_event, run) == 0)
		console_parser_set_output(run->parser, on_log_output, run);
	(void)console_taps_new(&run->taps, run_input, run);
	(void)job_results_new(&run->results, r->env.store, j, run->dir);
	/* Without memory for it the job still runs, its files over the console. */
	snprintf(old, sizeof(old), "%s/artifacts", run->dir);
	(void)artifact_channel_new(&run->chan, old, (uint64_t)r->env.artifact_max_bytes,
	    run_on_channel_artifact, run);
	/* A warm start takes its job over the channel: without one (no
	 * memory for it) the job boots, and nothing is concluded about its
	 * kernel. */
	if (run->chan == NULL)
		run->warm_on = false;

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
	    run->results == NULL || run->taps == NULL) {
		set_verdict(run, RESULT_ERROR, "cannot create %s: %s", serial, strerror(errno));
		run_finish(run, 0, false);
		return;
	}
	run->prep.data = run;
	uv_queue_work(r->env.loop, &run->prep, run_prep_work, run_prep_after);
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
	/* The queue in memory; only the jobs picked are loaded whole. */
	err = share_pick(r->env.store, r->env.share, runner_queue(r), r->total, r->total - r->busy,
	    clock_now_ms(), &ids, &n);
	if (err < 0) {
		log_warn(err, "runner: reading the queue");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((err = store_job_get(r->env.store, ids[i], &j)) < 0) {
			log_warn(err, "job %lld: loading it to start", (long long)ids[i]);
			r->queue_stale = true;
		} else {
			run_start(r, j);
		}
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
run_initrd_delete(struct run *run)
{
	if (run->r->env.keep_initrd || run->initrd[0] == '\0')
		return;
	if (unlink(run->initrd) != 0 && errno != ENOENT)
		log_warn(-errno, "job %lld: deleting %s", (long long)run->id, run->initrd);
}

int
runner_job_dir_scrub(const char *state_dir, int64_t id, bool keep_initrd)
{
	/* What a run writes and removes itself when it ends; a kill -9
	 * ends it before that (bench/soak found both left behind). */
	static const char *const leftovers[] = { "initrd", "artifacts/.partial", "ram",
		"warm-layer" };
	char dir[PATH_MAX], path[PATH_MAX];
	int removed = 0;

	paths_job_dir(state_dir, id, dir, sizeof(dir));
	for (size_t i = keep_initrd ? 1 : 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, leftovers[i]);
		if (unlink(path) == 0)
			removed++;
		else if (errno != ENOENT)
			log_warn(-errno, "job %lld: deleting %s", (long long)id, path);
	}
	return removed;
}

/* A payload job that no watchdog or cancel decided: the first payload
 * that did not pass decides (failed, timeout, or crashed for an
 * unhandled exception); all of them passing or skipping, it passed. */
static void
decide_payloads(struct run *run)
{
	enum job_result res = RESULT_FAILED;
	const char *failure = run->results ? job_results_failure(run->results, &res) : NULL;

	if (failure != NULL) {
		run->verdict = res == RESULT_NONE ? RESULT_FAILED : res;
		run->message = strdup(failure);
	} else if (run->payload_next < run->job->nexes || run->payload != NULL) {
		set_verdict(run, RESULT_ERROR, "the job stopped before its last payload ran");
	} else {
		run->verdict = RESULT_PASSED;
	}
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
	if (run->job->kind == JOB_KIND_PAYLOAD) {
		decide_payloads(run);
		return;
	}
	if (jr != NULL)
		o.failure = job_results_failure(jr, &o.failure_result);
	run->verdict = job_decide(&o, &run->message);
}

/* RUN's attempt was ended by the infrastructure: keep what it printed,
 * and queue the job again when it has an attempt left.  0 when it was
 * queued again; otherwise its verdict stands as the job's. */
static int
retry(struct run *run)
{
	struct store *st = run->r->env.store;
	int err;

	if (run->job->attempt >= run->job->max_attempts)
		return -ESTALE;
	if (run->results != NULL)
		job_results_finish(run->results, run->verdict, run->message);
	store_tests_abort(st, run->id);
	err = store_job_retry(st, run->id, RESULT_ERROR, run->message, clock_now_ms());
	if (err < 0) {
		log_warn(err, "job %lld: queueing it again after '%s'", (long long)run->id,
		    run->message ? run->message : "");
		return err;
	}
	run->job->attempt++;
	log_info("job %lld: attempt %d of %d ended by the infrastructure (%s): queued again",
	    (long long)run->id, run->job->attempt - 1, run->job->max_attempts,
	    run->message ? run->message : "");
	return 0;
}

static void
run_finish(struct run *run, int64_t exit_status, bool has_exit)
{
	struct runner *r = run->r;
	struct store *st = r->env.store;
	uv_timer_t *timers[RUN_TIMERS] = { &run->t_timeout, &run->t_idle, &run->t_kill,
		&run->t_crash, &run->t_done, &run->t_payload };
	bool requeued = false;
	int err;

	run->phase = RUN_FINISHED;
	/* Viewers learn first, while the run is still whole. */
	console_taps_end(run->taps);
	run->taps = NULL;
	serial_flush(run);
	if (run->serial_fd >= 0) {
		close(run->serial_fd);
		run->serial_fd = -1;
	}
	if (run->exec != NULL) {
		r->ex->release(run->exec);
		run->exec = NULL;
	}
	run_initrd_delete(run);
	/* The guest's RAM, up to its -m in size: never kept. */
	if (run->warm_ram[0] != '\0' && unlink(run->warm_ram) != 0 && errno != ENOENT)
		log_warn(-errno, "job %lld: deleting %s", (long long)run->id, run->warm_ram);
	/* A kept overlay is a job file (docs/DISKS.md); a requeued job makes
	 * new ones from the blobs. */
	if (run->disks_ready)
		disks_cleanup(run->disks, run->job->ndisks,
		    run->job->keep_disk && !(run->shutdown_stop && run->verdict == RESULT_NONE));
	slurm_unstage(&run->stage);
	if (run->shutdown_stop && run->verdict == RESULT_NONE) {
		/* Daemon shutdown: the row stays `running`, and the
		 * store_jobs_recover() that follows requeues it or marks it
		 * interrupted, exactly as after a crash of pkvmd. */
		log_info("job %lld: stopped by shutdown", (long long)run->id);
	} else if (run->infra && run->verdict == RESULT_ERROR && retry(run) == 0) {
		requeued = true;
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
	(void)queue_remove(r->queue, run->id);
	if (requeued)
		runner_job_queued(r, run->job); /* its waiters wait on */
	else
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

			(void)queue_remove(r->queue, id);
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

/* What runner-warm.c calls back into (runner-private.h). */
static const struct run_hooks run_hooks = {
	.serial_note = run_serial_note,
	.stop = run_stop,
	.finish = run_finish,
	.free = run_free,
	.phase = run_phase,
	.initrd_delete = run_initrd_delete,
	.prep_work = run_prep_work,
	.prep_after = run_prep_after,
	.on_channel_artifact = run_on_channel_artifact,
};

int
runner_new(struct runner **out, const struct runner_env *env)
{
	struct runner *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->env = *env;
	r->hooks = &run_hooks;
	r->ex = env->ex;
	r->total = env->slots;
	r->queue_stale = true; /* read from the store at the first kick */
	if (queue_new(&r->queue) < 0) {
		free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	queue_free(r->queue);
	free(r);
}
