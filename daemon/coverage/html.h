/*
 * html.h -- a job's coverage as genhtml's HTML report, rendered on demand
 * and kept.
 *
 * The first request for a job's report renders its stored tracefile
 * (JOBDIR/coverage/coverage.info) with genhtml, through pkvmd-capture
 * --html in a child process (child.c), into JOBDIR/coverage-html/; later
 * requests find the directory there and read it.  One render per job at a
 * time: a request that comes while the job's render runs waits for the
 * same render.  At most env.max_renders run at once (the rest queue), and
 * each is killed after env.timeout_s.
 */
#ifndef PKVM_COVERAGE_HTML_H
#define PKVM_COVERAGE_HTML_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct coverage_html;
struct html_render;

/* What the renderer works with, borrowed for its life. */
struct coverage_html_env {
	uv_loop_t *loop;
	const char *state_dir;
	const char *spawn_helper; /* pkvmd-spawn */
	const char *capture_helper; /* pkvmd-capture (its --html mode runs genhtml) */
	int64_t timeout_s; /* a render running longer is killed */
	int64_t max_renders; /* running at once */
};

/* Someone waiting for a render, embedded in the waiter's own state.  CB
 * runs once, with 0 when the report is there, else a negative errno and a
 * one-line CAUSE (-ETIMEDOUT: it ran past the timeout; -ECANCELED: pkvmd
 * is stopping; -EIO: genhtml failed). */
struct coverage_html_wait {
	void (*cb)(struct coverage_html_wait *w, int err, const char *cause);
	void *data;
	/* html.c's. */
	struct html_render *render;
	struct coverage_html_wait *next;
};

/* The renderer over ENV (copied).  0 or negative errno. */
int coverage_html_new(struct coverage_html **out, const struct coverage_html_env *env);
/* The directory job ID's report is (or will be) in, into BUF. */
void coverage_html_dir(const struct coverage_html *h, int64_t id, char *buf, size_t len);
/* Job ID's report, whose coverage is stored ok: 1 when it is rendered
 * already (W untouched), else 0 and W->cb runs when the render that W now
 * waits for (this job's running one, or a new one) ends; negative errno
 * when none can start. */
int coverage_html_get(struct coverage_html *h, int64_t id, struct coverage_html_wait *w);
/* W no longer waits (its request went away); the render goes on, for the
 * next request.  Harmless when W waits for nothing. */
void coverage_html_wait_cancel(struct coverage_html_wait *w);
/* Stop: queued renders are dropped and running ones killed, their waiters
 * told -ECANCELED; CB(ARG) runs when none is left. */
void coverage_html_shutdown(struct coverage_html *h, void (*cb)(void *arg), void *arg);
/* Free the renderer (after coverage_html_shutdown). */
void coverage_html_free(struct coverage_html *h);

#endif
