/*
 * child.c -- pkvmd-capture (or another helper of coverage/) as a child
 * process on the loop: spawned through pkvmd-spawn, stdout kept, the tail
 * of stderr kept, one callback when it is all over.
 *
 * "All over" is three handles closed: the process (closed in its exit
 * callback) and both pipes (closed at their EOF), in whatever order they
 * come, so DONE sees every byte the program wrote.  A spawn that fails
 * still ends through the same path, with exit status 127 and the reason
 * as its stderr, so callers have one way to learn how it went.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coverage/child.h"

static void
on_handle_closed(uv_handle_t *h)
{
	struct cov_child *ch = h->data;

	if (--ch->open_handles == 0)
		ch->done(ch);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct cov_child *ch = h->data;
	static char sink[4096];

	(void)suggested;
	if ((uv_pipe_t *)h == &ch->out_pipe && ch->out_bytes < sizeof(ch->out) - 1) {
		buf->base = ch->out + ch->out_bytes;
		buf->len = sizeof(ch->out) - 1 - ch->out_bytes;
	} else if ((uv_pipe_t *)h == &ch->err_pipe) {
		/* Keep the tail: the reason is the last line. */
		if (ch->err_bytes > sizeof(ch->err) / 2) {
			memmove(ch->err, ch->err + ch->err_bytes / 2,
			    ch->err_bytes - ch->err_bytes / 2);
			ch->err_bytes -= ch->err_bytes / 2;
		}
		buf->base = ch->err + ch->err_bytes;
		buf->len = sizeof(ch->err) - 1 - ch->err_bytes;
	} else {
		/* Past the cap of stdout: read and drop, so the child never
		 * blocks on a full pipe. */
		buf->base = sink;
		buf->len = sizeof(sink);
	}
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct cov_child *ch = s->data;

	if (n < 0) {
		uv_close((uv_handle_t *)s, on_handle_closed);
		return;
	}
	if ((uv_pipe_t *)s == &ch->out_pipe && buf->base == ch->out + ch->out_bytes)
		ch->out_bytes += (size_t)n;
	else if ((uv_pipe_t *)s == &ch->err_pipe)
		ch->err_bytes += (size_t)n;
}

static void
on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct cov_child *ch = p->data;

	ch->exit_status = status;
	ch->term_signal = sig;
	uv_close((uv_handle_t *)p, on_handle_closed);
}

void
cov_child_start(struct cov_child *ch, uv_loop_t *loop, const char *spawn_helper, char *const *argv)
{
	uv_process_options_t opt = { 0 };
	uv_stdio_container_t stdio[3];
	char pid[24], **args;
	size_t n = 0;
	int err;

	while (argv[n] != NULL)
		n++;
	ch->out_bytes = ch->err_bytes = 0;
	ch->exit_status = 0;
	ch->term_signal = 0;
	uv_pipe_init(loop, &ch->out_pipe, 0);
	uv_pipe_init(loop, &ch->err_pipe, 0);
	ch->out_pipe.data = ch->err_pipe.data = ch->proc.data = ch;
	ch->open_handles = 3;
	args = calloc(n + 3, sizeof(*args));
	if (args == NULL) {
		err = UV_ENOMEM;
		goto fail;
	}
	/* Through pkvmd-spawn, so the child dies with pkvmd.  (uv_spawn takes
	 * char **, but never writes through it.) */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	args[0] = (char *)spawn_helper;
	args[1] = pid;
	memcpy(args + 2, argv, n * sizeof(*args));
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&ch->out_pipe;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&ch->err_pipe;
	opt.file = args[0];
	opt.args = args;
	opt.exit_cb = on_exit_cb;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	/* A session of its own: cov_child_kill() reaches its children. */
	opt.flags = UV_PROCESS_DETACHED;
	err = uv_spawn(loop, &ch->proc, &opt);
	free(args);
	if (err < 0)
		goto fail;
	uv_read_start((uv_stream_t *)&ch->out_pipe, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&ch->err_pipe, on_alloc, on_read);
	return;
fail:
	ch->exit_status = 127;
	snprintf(ch->err, sizeof(ch->err), "cannot run %s: %s", argv[0], uv_strerror(err));
	ch->err_bytes = strlen(ch->err);
	/* A failed uv_spawn() still leaves a handle to close. */
	uv_close((uv_handle_t *)&ch->proc, on_handle_closed);
	uv_close((uv_handle_t *)&ch->out_pipe, on_handle_closed);
	uv_close((uv_handle_t *)&ch->err_pipe, on_handle_closed);
}

void
cov_child_kill(struct cov_child *ch)
{
	if (ch->proc.pid > 0 && !uv_is_closing((uv_handle_t *)&ch->proc))
		kill(-ch->proc.pid, SIGKILL);
}

bool
cov_child_ok(const struct cov_child *ch)
{
	return ch->term_signal == 0 && ch->exit_status == 0;
}

/* The last non-empty line of the LEN bytes at BUF (NUL-terminated here). */
static char *
last_line(char *buf, size_t len)
{
	char *p;

	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	p = strrchr(buf, '\n');
	return p ? p + 1 : buf;
}

const char *
cov_child_out_line(struct cov_child *ch)
{
	return last_line(ch->out, ch->out_bytes);
}

const char *
cov_child_reason(struct cov_child *ch)
{
	const char *l = last_line(ch->err, ch->err_bytes);

	return l[0] != '\0' ? l : NULL;
}
