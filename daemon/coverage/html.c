/*
 * html.c -- genhtml's report of a job's coverage: rendered once, on the
 * first request, then kept in the job's directory.
 *
 * A render goes: queued (when max_renders are running) -> pkvmd-capture
 * --html running (child.c), watched by a timer that kills it after
 * timeout_s -> over, and every request that waited for it is told how it
 * went.  The helper renders into a directory of its own and renames it to
 * JOBDIR/coverage-html only when genhtml succeeded, so that directory
 * existing means the report is whole: it is the cache, it survives a
 * restart of pkvmd, and retention removes it with the job's directory.  A
 * render that failed leaves nothing behind, and the next request tries
 * again.
 *
 * Renders are kept in one list (queued and running), looked up by job: a
 * second request for a job whose render is queued or running joins it, so
 * genhtml never runs twice at once over one job.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/paths.h"
#include "coverage/child.h"
#include "coverage/html.h"

struct html_render {
	struct coverage_html *h;
	struct html_render *next; /* in h->renders */
	int64_t job_id;
	struct coverage_html_wait *waiters;
	bool started;
	bool timed_out;
	bool killed; /* by a shutdown */
	struct cov_child child;
	uv_timer_t timer;
	uint64_t start_ns;
	int err;
	char cause[512];
};

struct coverage_html {
	struct coverage_html_env env;
	struct html_render *renders; /* queued and running, oldest first */
	int running;
	bool stopping;
	void (*stop_cb)(void *arg);
	void *stop_arg;
};

static void pump(struct coverage_html *h);

void
coverage_html_dir(const struct coverage_html *h, int64_t id, char *buf, size_t len)
{
	char dir[PATH_MAX];

	paths_job_dir(h->env.state_dir, id, dir, sizeof(dir));
	snprintf(buf, len, "%s/coverage-html", dir);
}

/* Whether job ID's report is rendered: its directory is only ever there
 * whole (the helper renames it into place). */
static bool
rendered(const struct coverage_html *h, int64_t id)
{
	char path[PATH_MAX + 16];
	struct stat st;

	coverage_html_dir(h, id, path, sizeof(path) - 16);
	strcat(path, "/index.html");
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Tell R's waiters how it went (each one once), then forget them. */
static void
notify(struct html_render *r, int err, const char *cause)
{
	struct coverage_html_wait *w;

	while ((w = r->waiters) != NULL) {
		r->waiters = w->next;
		w->render = NULL;
		w->next = NULL;
		w->cb(w, err, cause);
	}
}

static void
unlink_render(struct html_render *r)
{
	struct html_render **pp = &r->h->renders;

	while (*pp != NULL && *pp != r)
		pp = &(*pp)->next;
	if (*pp == r)
		*pp = r->next;
}

/* R is over and its handles closed: tell its waiters, free it, go on. */
static void
render_finished(struct html_render *r)
{
	struct coverage_html *h = r->h;

	unlink_render(r);
	h->running--;
	notify(r, r->err, r->cause);
	free(r);
	if (h->stopping && h->running == 0 && h->stop_cb != NULL) {
		void (*cb)(void *) = h->stop_cb;

		h->stop_cb = NULL;
		cb(h->stop_arg);
		return;
	}
	pump(h);
}

static void
on_timer_closed(uv_handle_t *t)
{
	render_finished(t->data);
}

static void
on_helper_done(struct cov_child *ch)
{
	struct html_render *r = ch->data;
	const char *reason = cov_child_reason(ch);
	double secs = (double)(uv_hrtime() - r->start_ns) / 1e9;

	uv_timer_stop(&r->timer);
	if (r->killed) {
		r->err = -ECANCELED;
		snprintf(r->cause, sizeof(r->cause), "the render was stopped (pkvmd is stopping)");
	} else if (r->timed_out) {
		r->err = -ETIMEDOUT;
		snprintf(r->cause, sizeof(r->cause),
		    "genhtml ran past %lld s (--coverage-html-timeout) and was stopped",
		    (long long)r->h->env.timeout_s);
	} else if (!cov_child_ok(ch)) {
		r->err = -EIO;
		snprintf(r->cause, sizeof(r->cause), "rendering the report failed: %s",
		    reason != NULL ? reason : "pkvmd-capture --html failed");
	} else if (!rendered(r->h, r->job_id)) {
		r->err = -EIO;
		snprintf(r->cause, sizeof(r->cause), "pkvmd-capture --html made no index.html");
	}
	if (r->err < 0)
		log_warnx("job %lld: coverage report: %s", (long long)r->job_id, r->cause);
	else
		log_info("job %lld: coverage report rendered in %.1f s: %s", (long long)r->job_id,
		    secs, cov_child_out_line(ch));
	uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}

static void
on_timeout(uv_timer_t *t)
{
	struct html_render *r = t->data;

	r->timed_out = true;
	cov_child_kill(&r->child);
}

static void
render_start(struct html_render *r)
{
	struct coverage_html *h = r->h;
	char dir[PATH_MAX], out[PATH_MAX + 16], info[PATH_MAX + 32];
	char *argv[] = { (char *)h->env.capture_helper, "--html", out, info, NULL };

	paths_job_dir(h->env.state_dir, r->job_id, dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/coverage-html", dir);
	snprintf(info, sizeof(info), "%s/coverage/coverage.info", dir);
	r->started = true;
	r->start_ns = uv_hrtime();
	h->running++;
	uv_timer_init(h->env.loop, &r->timer);
	r->timer.data = r;
	uv_timer_start(&r->timer, on_timeout, (uint64_t)h->env.timeout_s * 1000, 0);
	r->child.done = on_helper_done;
	r->child.data = r;
	cov_child_start(&r->child, h->env.loop, h->env.spawn_helper, argv);
}

static void
pump(struct coverage_html *h)
{
	for (struct html_render *r = h->renders; r != NULL && !h->stopping; r = r->next) {
		if (h->running >= h->env.max_renders)
			break;
		if (!r->started)
			render_start(r);
	}
}

int
coverage_html_get(struct coverage_html *h, int64_t id, struct coverage_html_wait *w)
{
	struct html_render *r, **tail = &h->renders;

	if (h->stopping)
		return -ECANCELED;
	if (rendered(h, id))
		return 1;
	for (r = h->renders; r != NULL && r->job_id != id; r = r->next)
		tail = &r->next;
	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		r->h = h;
		r->job_id = id;
		*tail = r;
	}
	w->render = r;
	w->next = r->waiters;
	r->waiters = w;
	if (!r->started)
		pump(h);
	return 0;
}

void
coverage_html_wait_cancel(struct coverage_html_wait *w)
{
	struct coverage_html_wait **pp;

	if (w->render == NULL)
		return;
	for (pp = &w->render->waiters; *pp != NULL && *pp != w; pp = &(*pp)->next)
		;
	if (*pp == w)
		*pp = w->next;
	w->render = NULL;
	w->next = NULL;
}

int
coverage_html_new(struct coverage_html **out, const struct coverage_html_env *env)
{
	struct coverage_html *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	h->env = *env;
	if (h->env.max_renders < 1)
		h->env.max_renders = 1;
	*out = h;
	return 0;
}

void
coverage_html_shutdown(struct coverage_html *h, void (*cb)(void *arg), void *arg)
{
	struct html_render **pp = &h->renders, *r;

	h->stopping = true;
	while ((r = *pp) != NULL) {
		if (r->started) {
			r->killed = true;
			/* Killing pkvmd-capture's process group takes genhtml
			 * with it (child.c). */
			cov_child_kill(&r->child);
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		notify(r, -ECANCELED, "the render never started (pkvmd is stopping)");
		free(r);
	}
	if (h->running == 0) {
		cb(arg);
		return;
	}
	h->stop_cb = cb;
	h->stop_arg = arg;
}

void
coverage_html_free(struct coverage_html *h)
{
	free(h);
}
