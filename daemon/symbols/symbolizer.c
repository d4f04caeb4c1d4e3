/*
 * symbolizer.c -- the symbolizer's queue: a finished job's crash reports
 * through addr2line into symbolized copies (see symbolizer.h).
 *
 * A job goes through four steps, one job at a time:
 *
 *  1. plan (thread pool, plan.c): each report's frames, the vmlinux, the
 *     symbol lookups, and a file of addresses for every addr2line run:
 *     run 0 for the vmlinux, one per module section;
 *  2. the runs (loop, here): each addr2line in turn, through pkvmd-spawn,
 *     its stdin, stdout and stderr being files in JOBDIR/symbols/ (kept,
 *     to run it again by hand), killed after env.timeout_s;
 *  3. answers (thread pool, answers.c): the answers into each report's
 *     status, message and symbolized copy;
 *  4. store (loop, here): every report's status, message and copy in one
 *     transaction, then WATCH_SYMBOLS.
 *
 * A job that cannot be symbolized at all (no vmlinux known, a vmlinux of
 * another build, without debug info, of an architecture we have no
 * addr2line for, a vmlinux run that failed) gives all its reports one
 * status and message.  Smaller misses (a module without a .ko in the
 * --extra tree, or without debug info; a function not in the symbol table)
 * leave those frames as they were and are said in the report's message.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/paths.h"
#include "job/job.h"
#include "job/watch.h"
#include "store/blobs.h"
#include "symbols/private.h"
#include "symbols/symbolizer.h"

struct symbolizer {
	struct symbolizer_env env;
	struct sym_job *queue, *queue_tail;
	struct sym_job *active;
	bool stopping;
	void (*stop_cb)(void *arg);
	void *stop_arg;
};

static void pump(struct symbolizer *s);

/* ---- step 4: store ----------------------------------------------------------- */

static void
sym_job_store(struct sym_job *sj)
{
	struct symbolizer *s = sj->s;
	struct crash_symbols_row *rows = calloc(sj->ncrashes + 1, sizeof(*rows));
	size_t ok = 0, frames = 0, placed = 0;
	int err = -ENOMEM;

	for (size_t i = 0; rows != NULL && i < sj->ncrashes; i++) {
		const struct sym_crash *c = &sj->crashes[i];

		rows[i].crash_id = c->id;
		rows[i].status = sj->all_done ? sj->all_status : c->status;
		rows[i].message = sj->all_done ? sj->all_message : c->message;
		rows[i].text = sj->all_done ? NULL : c->text;
		ok += rows[i].status == SYMBOLS_OK;
		frames += c->nframes;
		for (size_t f = 0; !sj->all_done && f < c->nframes; f++)
			placed += c->where[f].n > 0;
	}
	if (rows != NULL)
		err = store_crash_symbols_put(s->env.store, sj->job_id, rows, sj->ncrashes);
	free(rows);
	if (err < 0)
		log_warn(err, "job %lld: storing the symbolized crash reports",
		    (long long)sj->job_id);
	else if (sj->all_done)
		log_info("job %lld: symbols: %s: %s", (long long)sj->job_id,
		    crash_symbols_name(sj->all_status), sj->all_message);
	else
		log_info("job %lld: symbols: %zu of %zu reports, %zu of %zu frames, in %lld ms",
		    (long long)sj->job_id, ok, sj->ncrashes, placed, frames,
		    (long long)(clock_now_ms() - sj->started_ms));
	watch_notify(s->env.watches, sj->job_id, WATCH_SYMBOLS);
}

/* The active job is over, whatever happened: free it, start the next. */
static void
sym_job_over(struct sym_job *sj)
{
	struct symbolizer *s = sj->s;

	s->active = NULL;
	sym_job_free(sj);
	if (s->stopping) {
		if (s->stop_cb != NULL) {
			void (*cb)(void *) = s->stop_cb;

			s->stop_cb = NULL;
			cb(s->stop_arg);
		}
		return;
	}
	pump(s);
}

static void
answers_work(uv_work_t *w)
{
	sym_answers(w->data);
}

static void
answers_after(uv_work_t *w, int status)
{
	struct sym_job *sj = w->data;

	if (status < 0 && !sj->all_done)
		sym_job_end_all(sj, SYMBOLS_ERROR, "the symbolization was cancelled");
	/* Even when stopping: what is done is worth keeping. */
	sym_job_store(sj);
	sym_job_over(sj);
}

/* ---- step 2: the addr2line runs ---------------------------------------------- */

static void run_next(struct sym_job *sj);

static void
on_run_closed(uv_handle_t *h)
{
	struct sym_job *sj = h->data;
	const struct sym_run *r = &sj->runs[sj->cur];

	if (--sj->open_handles > 0)
		return;
	if (sj->s->stopping) {
		sym_job_over(sj);
		return;
	}
	/* Without the vmlinux's answers (run 0) the others are no use. */
	if (sj->cur == 0 && (!r->ran || r->exit_status != 0 || r->term_signal != 0))
		sj->cur = sj->nruns;
	else
		sj->cur++;
	run_next(sj);
}

static void
on_run_exit(uv_process_t *p, int64_t status, int sig)
{
	struct sym_job *sj = p->data;
	struct sym_run *r = &sj->runs[sj->cur];

	r->ran = true;
	r->exit_status = status;
	r->term_signal = sig;
	uv_timer_stop(&sj->timer);
	uv_close((uv_handle_t *)p, on_run_closed);
	uv_close((uv_handle_t *)&sj->timer, on_run_closed);
}

static void
on_run_timeout(uv_timer_t *t)
{
	struct sym_job *sj = t->data;

	sj->runs[sj->cur].timed_out = true;
	/* addr2line is in a session of its own (UV_PROCESS_DETACHED). */
	if (sj->proc.pid > 0)
		kill(-sj->proc.pid, SIGKILL);
}

static int
open_at(const struct sym_job *sj, const char *what, size_t k, int flags)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s-%zu", sj->dir, what, k);
	return open(path, flags | O_CLOEXEC, 0644);
}

/* Start run SJ->cur, or step 3 when none is left. */
static void
run_next(struct sym_job *sj)
{
	struct symbolizer *s = sj->s;
	uv_process_options_t opt = { 0 };
	uv_stdio_container_t stdio[3];
	struct sym_run *r;
	char *argv[16], pid[24];
	int fds[3], n = 0, err = 0;

	if (sj->cur >= sj->nruns) {
		sj->work.data = sj;
		uv_queue_work(s->env.loop, &sj->work, answers_work, answers_after);
		return;
	}
	r = &sj->runs[sj->cur];
	fds[0] = open_at(sj, "in", sj->cur, O_RDONLY);
	fds[1] = open_at(sj, "out", sj->cur, O_WRONLY | O_CREAT | O_TRUNC);
	fds[2] = open_at(sj, "err", sj->cur, O_WRONLY | O_CREAT | O_TRUNC);
	for (int i = 0; i < 3; i++)
		if (fds[i] < 0 && err == 0)
			err = -errno;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	/* Through pkvmd-spawn, so addr2line dies with pkvmd.  (uv_spawn
	 * takes char **, but never writes through it.) */
	argv[n++] = (char *)s->env.spawn_helper;
	argv[n++] = pid;
	argv[n++] = (char *)r->program;
	argv[n++] = "-a";
	argv[n++] = "-f";
	argv[n++] = "-i";
	argv[n++] = "-e";
	argv[n++] = r->object;
	if (r->section[0] != '\0') {
		argv[n++] = "-j";
		argv[n++] = r->section;
	}
	argv[n] = NULL;
	for (int i = 0; i < 3; i++) {
		stdio[i].flags = UV_INHERIT_FD;
		stdio[i].data.fd = fds[i];
	}
	opt.file = argv[0];
	opt.args = argv;
	opt.exit_cb = on_run_exit;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.flags = UV_PROCESS_DETACHED;
	sj->proc.data = sj->timer.data = sj;
	uv_timer_init(s->env.loop, &sj->timer);
	sj->open_handles = 1;
	if (err == 0) {
		/* A failed uv_spawn() still leaves a handle to close. */
		sj->open_handles = 2;
		if ((err = uv_spawn(s->env.loop, &sj->proc, &opt)) < 0)
			uv_close((uv_handle_t *)&sj->proc, on_run_closed);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (err < 0) {
		sym_job_end_all(sj, SYMBOLS_ERROR, "cannot run %s: %s", r->program,
		    uv_strerror(err));
		uv_close((uv_handle_t *)&sj->timer, on_run_closed);
		return;
	}
	uv_timer_start(&sj->timer, on_run_timeout, (uint64_t)s->env.timeout_s * 1000, 0);
}

/* ---- step 1: plan ----------------------------------------------------------------- */

static void
plan_work(uv_work_t *w)
{
	sym_plan(w->data);
}

static void
plan_after(uv_work_t *w, int status)
{
	struct sym_job *sj = w->data;

	if (status < 0 && !sj->all_done)
		sym_job_end_all(sj, SYMBOLS_ERROR, "the symbolization was cancelled");
	if (sj->s->stopping) {
		sym_job_over(sj);
		return;
	}
	if (sj->all_done) {
		sym_job_store(sj);
		sym_job_over(sj);
		return;
	}
	sj->cur = 0;
	run_next(sj);
}

static void
pump(struct symbolizer *s)
{
	struct sym_job *sj;

	if (s->stopping || s->active != NULL || (sj = s->queue) == NULL)
		return;
	s->queue = sj->next;
	if (s->queue == NULL)
		s->queue_tail = NULL;
	s->active = sj;
	sj->started_ms = clock_now_ms();
	sj->work.data = sj;
	uv_queue_work(s->env.loop, &sj->work, plan_work, plan_after);
}

/* ---- the queue ---------------------------------------------------------------- */

/* The .ko files of J's --extra tree, by the name the kernel gives them. */
static int
collect_modules(struct sym_job *sj, const struct job *j)
{
	sj->modules = calloc(j->nextra + 1, sizeof(*sj->modules));
	if (sj->modules == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < j->nextra; i++) {
		const struct job_extra *x = &j->extra[i];
		const char *base = strrchr(x->path, '/');
		struct sym_module *m = &sj->modules[sj->nmodules];
		size_t n;

		base = base != NULL ? base + 1 : x->path;
		n = strlen(base);
		if (x->kind != EXTRA_FILE || n <= 3 || strcmp(base + n - 3, ".ko") != 0 ||
		    n - 3 >= sizeof(m->name))
			continue;
		for (size_t k = 0; k < n - 3; k++)
			m->name[k] = base[k] == '-' ? '_' : base[k];
		blobs_path(sj->blobs, x->blob, m->path, sizeof(m->path));
		sj->nmodules++;
	}
	return 0;
}

void
symbolizer_job_done(struct symbolizer *s, const struct job *j)
{
	struct store *st = s->env.store;
	struct crash_record *c = NULL;
	struct sym_job *sj = NULL;
	char jobdir[PATH_MAX];
	size_t n = 0;
	int err;

	if ((err = store_crash_list(st, j->id, &c, &n)) < 0 || n == 0) {
		if (err < 0)
			log_warn(err, "job %lld: symbols: listing crash reports", (long long)j->id);
		watch_notify(s->env.watches, j->id, WATCH_SYMBOLS);
		store_crash_list_free(c, n);
		return;
	}
	if ((sj = calloc(1, sizeof(*sj))) == NULL ||
	    (sj->crashes = calloc(n, sizeof(*sj->crashes))) == NULL)
		goto nomem;
	sj->s = s;
	sj->blobs = s->env.blobs;
	sj->timeout_s = s->env.timeout_s;
	sj->job_id = j->id;
	paths_job_dir(s->env.state_dir, j->id, jobdir, sizeof(jobdir));
	snprintf(sj->dir, sizeof(sj->dir), "%s/symbols", jobdir);
	blobs_path(s->env.blobs, j->kernel, sj->kernel, sizeof(sj->kernel));
	for (size_t i = 0; i < n; i++) {
		sj->crashes[i].id = c[i].id;
		sj->crashes[i].report = c[i].report;
		c[i].report = NULL;
		sj->ncrashes++;
	}
	if (j->vmlinux[0] != '\0') {
		blobs_path(s->env.blobs, j->vmlinux, sj->vmlinux, sizeof(sj->vmlinux));
	} else if ((err = store_vmlinux_list(st, &sj->known, &sj->nknown)) < 0) {
		log_warn(err, "job %lld: symbols: listing the known vmlinux files",
		    (long long)j->id);
	}
	if (collect_modules(sj, j) < 0)
		goto nomem;
	store_crash_list_free(c, n);
	/* Nothing to look for: say so now, without reading the kernel. */
	if (j->vmlinux[0] == '\0' && sj->nknown == 0) {
		store_crash_symbols_set_all(st, j->id, SYMBOLS_NONE,
		    "no vmlinux: the job gave none (pkvmctl submit --vmlinux), and no job has "
		    "given one");
		watch_notify(s->env.watches, j->id, WATCH_SYMBOLS);
		sym_job_free(sj);
		return;
	}
	if ((err = store_crash_symbols_set_all(st, j->id, SYMBOLS_PENDING, NULL)) < 0) {
		log_warn(err, "job %lld: symbols: marking the reports pending", (long long)j->id);
		watch_notify(s->env.watches, j->id, WATCH_SYMBOLS);
		sym_job_free(sj);
		return;
	}
	if (s->queue_tail != NULL)
		s->queue_tail->next = sj;
	else
		s->queue = sj;
	s->queue_tail = sj;
	pump(s);
	return;
nomem:
	log_warnx("job %lld: symbols: out of memory", (long long)j->id);
	store_crash_list_free(c, n);
	if (sj != NULL)
		sym_job_free(sj);
	watch_notify(s->env.watches, j->id, WATCH_SYMBOLS);
}

int
symbolizer_resume(struct symbolizer *s)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int err = store_crash_symbols_unfinished(s->env.store,
	    "interrupted: pkvmd stopped before the crash reports were symbolized", &ids, &n);

	if (err < 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		struct job *j = NULL;

		if ((err = store_job_get(s->env.store, ids[i], &j)) < 0) {
			log_warn(err, "job %lld: symbols: loading the job", (long long)ids[i]);
			continue;
		}
		log_info("job %lld: symbols: taken up again after a restart", (long long)ids[i]);
		symbolizer_job_done(s, j);
		job_free(j);
	}
	free(ids);
	return 0;
}

int
symbolizer_new(struct symbolizer **out, const struct symbolizer_env *env)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->env = *env;
	*out = s;
	return 0;
}

void
symbolizer_shutdown(struct symbolizer *s, void (*cb)(void *arg), void *arg)
{
	struct sym_job *sj;

	s->stopping = true;
	while ((sj = s->queue) != NULL) {
		s->queue = sj->next;
		sym_job_free(sj);
	}
	s->queue_tail = NULL;
	if (s->active == NULL) {
		cb(arg);
		return;
	}
	s->stop_cb = cb;
	s->stop_arg = arg;
	/* addr2line runs in a session of its own (UV_PROCESS_DETACHED); a
	 * worker step cannot be stopped and ends by itself. */
	if (s->active->open_handles > 0 && s->active->proc.pid > 0)
		kill(-s->active->proc.pid, SIGKILL);
}

void
symbolizer_free(struct symbolizer *s)
{
	free(s);
}
