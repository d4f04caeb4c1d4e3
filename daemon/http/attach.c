/*
 * attach.c -- GET /v1/jobs/ID/attach: the job's serial console, live, both
 * ways (pkvmctl attach).
 *
 * The request asks to upgrade its connection (Connection: Upgrade,
 * Upgrade: pkvm-console); once the 101 has gone out, the connection is a
 * raw byte stream on the same listener: what the client sends is keys for
 * the guest's serial input, what it receives is the console as qemu
 * prints it.  No framing: a serial line has no window size to carry, and
 * pkvmd's few words of its own (a writer taken over, the job's end) come
 * in-band as lines "[pkvmd: ...]" between CR LFs, as a terminal shows them.
 *
 * Who: the job's owner (with the submit scope) or an admin, on any
 * listener; others may read the console with `pkvmctl logs -f`.  Several
 * may watch a job; one at a time types (?write=1), and another writer is
 * refused with 409 unless it forces (?force=1), when the one before is
 * told and watches on.  Only a running qemu has a console to attach to.
 *
 * The stream is a uv_pipe over a dup() of MHD's descriptor: libuv queues
 * what a slow client has not read yet, and a client that falls more than
 * ATTACH_QUEUE_MAX_BYTES behind is cut off rather than let pkvmd's memory
 * grow.  When the job ends, the session says so and closes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "base/log.h"
#include "http/handlers.h"
#include "job/job.h"
#include "run/console-taps.h"
#include "run/runner.h"
#include "store/store.h"

/* The Upgrade protocol name (docs/API.md). */
#define ATTACH_PROTOCOL "pkvm-console"
/* Console bytes queued for a client that does not read, at most. */
#define ATTACH_QUEUE_MAX_BYTES (4 * 1024 * 1024)

struct attach {
	struct http_env *env;
	int64_t id;
	bool want_write, force;
	struct console_taps *taps; /* NULL once off the set */
	struct console_tap tap;
	struct http_upgrade *up;
	uv_pipe_t pipe;
	bool pipe_open;
	bool closing;
	char buf[4096];
};

static void attach_close(struct attach *a);

static void
attach_free(void *arg)
{
	free(arg);
}

static void
on_pipe_closed(uv_handle_t *h)
{
	struct attach *a = h->data;

	http_upgraded_close(a->up);
	free(a);
}

static void
attach_close(struct attach *a)
{
	if (a->closing)
		return;
	a->closing = true;
	if (a->taps != NULL)
		console_taps_remove(a->taps, &a->tap);
	a->taps = NULL;
	log_debug("job %lld: %s detached", (long long)a->id, a->tap.who);
	if (!a->pipe_open) {
		http_upgraded_close(a->up);
		free(a);
		return;
	}
	uv_close((uv_handle_t *)&a->pipe, on_pipe_closed);
}

static void
on_written(uv_write_t *w, int status)
{
	(void)status; /* a dead client is noticed by its read side */
	free(w);
}

/* Queue LEN bytes for the client; false when it is too far behind. */
static bool
attach_send(struct attach *a, const char *buf, size_t len)
{
	uv_write_t *w;
	uv_buf_t b;

	if (a->closing || !a->pipe_open)
		return false;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&a->pipe) > ATTACH_QUEUE_MAX_BYTES) {
		log_info("job %lld: %s's console viewer does not read; cut off", (long long)a->id,
		    a->tap.who);
		return false;
	}
	w = malloc(sizeof(*w) + len);
	if (w == NULL)
		return false;
	memcpy(w + 1, buf, len);
	b = uv_buf_init((char *)(w + 1), (unsigned int)len);
	if (uv_write(w, (uv_stream_t *)&a->pipe, &b, 1, on_written) < 0) {
		free(w);
		return false;
	}
	return true;
}

static void attach_say(struct attach *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
attach_say(struct attach *a, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		attach_send(a, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void
on_tap_output(void *arg, const char *buf, size_t len)
{
	struct attach *a = arg;

	if (!attach_send(a, buf, len))
		attach_close(a);
}

static void
on_tap_demoted(void *arg, const char *by)
{
	struct attach *a = arg;

	attach_say(a, "\r\n[pkvmd: %s took over typing; you are watching]\r\n", by);
}

static void
on_shutdown_done(uv_shutdown_t *s, int status)
{
	struct attach *a = s->data;

	(void)status;
	free(s);
	attach_close(a);
}

static void
on_tap_end(void *arg)
{
	struct attach *a = arg;
	uv_shutdown_t *s;

	a->taps = NULL; /* the set is going */
	attach_say(a, "\r\n[pkvmd: job %lld ended]\r\n", (long long)a->id);
	/* Let the last bytes out, then close. */
	s = malloc(sizeof(*s));
	if (s == NULL || !a->pipe_open ||
	    uv_shutdown(s, (uv_stream_t *)&a->pipe, on_shutdown_done) < 0) {
		free(s);
		attach_close(a);
		return;
	}
	s->data = a;
}

static void
attach_input(struct attach *a, const char *buf, size_t len)
{
	int err;

	if (a->taps == NULL || len == 0)
		return;
	err = console_taps_input(a->taps, &a->tap, buf, len);
	/* A viewer's keys go nowhere; a guest that does not read loses them. */
	if (err < 0 && err != -EPERM)
		log_debug("job %lld: keys from %s dropped: %s", (long long)a->id, a->tap.who,
		    strerror(-err));
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct attach *a = h->data;

	(void)suggested;
	b->base = a->buf;
	b->len = sizeof(a->buf);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct attach *a = s->data;

	if (n > 0) {
		attach_input(a, b->base, (size_t)n);
		return;
	}
	/* The end of the stream is the client gone (pkvmctl attach never
	 * half-closes: at the end of its input it just stops sending). */
	if (n < 0)
		attach_close(a);
}

static void
on_upgraded(void *arg, int fd, const char *extra, size_t extra_len, struct http_upgrade *up)
{
	struct attach *a = arg;
	int dfd, err;

	a->up = up;
	a->pipe.data = a;
	a->taps = runner_console_taps(a->env->runner, a->id);
	if (a->taps == NULL) {
		attach_close(a);
		return;
	}
	if ((err = console_taps_add(a->taps, &a->tap, a->want_write, a->force)) < 0) {
		/* Another writer came between the check and the upgrade. */
		a->taps = NULL;
		attach_close(a);
		return;
	}
	dfd = dup(fd);
	if (dfd < 0 || uv_pipe_init(a->env->loop, &a->pipe, 0) < 0) {
		if (dfd >= 0)
			close(dfd);
		attach_close(a);
		return;
	}
	a->pipe_open = true;
	if (uv_pipe_open(&a->pipe, dfd) < 0 ||
	    uv_read_start((uv_stream_t *)&a->pipe, on_alloc, on_read) < 0) {
		attach_close(a);
		return;
	}
	log_info("job %lld: %s attached to the console%s", (long long)a->id, a->tap.who,
	    a->tap.writer ? " to type" : " to watch");
	attach_input(a, extra, extra_len);
}

void
http_job_attach(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *w = http_request_query(req, "write");
	const char *f = http_request_query(req, "force");
	struct console_taps *taps;
	struct attach *a;
	struct job *j;
	int64_t id;

	if (!http_job_id_param(req, &id))
		return;
	if ((j = http_job_load(req, id)) == NULL)
		return;
	if (!http_request_may_change(req, j->owner)) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, NULL,
		    "job %lld belongs to %s; only they or an admin may attach to its console "
		    "(pkvmctl logs -f reads it)",
		    (long long)id, j->owner);
		job_free(j);
		return;
	}
	job_free(j);
	if (!http_request_wants_upgrade(req, ATTACH_PROTOCOL)) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, NULL,
		    "attach upgrades its connection: send Connection: Upgrade and Upgrade: %s",
		    ATTACH_PROTOCOL);
		return;
	}
	taps = runner_console_taps(d->runner, id);
	if (taps == NULL) {
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL,
		    "job %lld is not running: only a running guest has a console to attach to",
		    (long long)id);
		return;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	a->env = d;
	a->id = id;
	a->want_write = w != NULL && strcmp(w, "0") != 0;
	a->force = f != NULL && strcmp(f, "0") != 0;
	if (a->want_write && !a->force && console_taps_has_writer(taps)) {
		free(a);
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL,
		    "someone else is typing on job %lld's console; --force takes over, "
		    "--read-only watches",
		    (long long)id);
		return;
	}
	snprintf(a->tap.who, sizeof(a->tap.who), "%s", http_request_owner(req));
	a->tap.arg = a;
	a->tap.on_output = on_tap_output;
	a->tap.on_demoted = on_tap_demoted;
	a->tap.on_end = on_tap_end;
	http_reply_upgrade(req, ATTACH_PROTOCOL, on_upgraded, a, attach_free);
}
