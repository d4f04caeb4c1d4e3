/*
 * qmp.c -- a blocking QMP client for one exchange (qmp.h).
 *
 * QMP is JSON objects, one per line: the server greets ({"QMP": ...}),
 * the client sends qmp_capabilities, then commands; replies are
 * {"return": ...} or {"error": {"class", "desc"}}, and asynchronous
 * {"event": ...} lines may come between them, which we skip.
 *
 * sun_path holds 108 bytes and a job directory under a deep state
 * directory is longer: the socket is named through /proc/self/fd/N/ of
 * the directory, opened O_PATH, which stays short whatever the path.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "run/executor.h"
#include "run/qmp.h"

/* The longest line we take from qemu: `info mtree` of a big machine. */
#define QMP_LINE_MAX_BYTES (4 * 1024 * 1024)

struct qmp_conn {
	int fd;
	int timeout_ms;
	char *buf;
	size_t len, cap;
};

static void set_cause(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	free(*cause);
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
}

static int
send_all(struct qmp_conn *c, const char *s, size_t len, int pass_fd)
{
	while (len > 0) {
		struct iovec iov = { .iov_base = (void *)s, .iov_len = len };
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (pass_fd >= 0) {
			memset(&ctl, 0, sizeof(ctl));
			m.msg_control = ctl.b;
			m.msg_controllen = sizeof(ctl.b);
			ctl.h.cmsg_level = SOL_SOCKET;
			ctl.h.cmsg_type = SCM_RIGHTS;
			ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(&ctl.h), &pass_fd, sizeof(int));
		}
		n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		pass_fd = -1; /* sent with the first bytes */
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next JSON object from qemu that is not an event, into *OUT. */
static int
read_reply(struct qmp_conn *c, json_t **out)
{
	for (;;) {
		char *nl = c->len > 0 ? memchr(c->buf, '\n', c->len) : NULL;

		if (nl != NULL) {
			size_t l = (size_t)(nl - c->buf) + 1;
			json_t *o = json_loadb(c->buf, l, 0, NULL);

			memmove(c->buf, c->buf + l, c->len - l);
			c->len -= l;
			if (o == NULL || !json_is_object(o)) {
				json_decref(o);
				return -EPROTO;
			}
			if (json_object_get(o, "event") != NULL) {
				json_decref(o);
				continue;
			}
			*out = o;
			return 0;
		}
		if (c->cap - c->len < 4096) {
			char *nb;

			if (c->cap >= QMP_LINE_MAX_BYTES)
				return -EMSGSIZE;
			nb = realloc(c->buf, c->cap * 2 + 8192);
			if (nb == NULL)
				return -ENOMEM;
			c->buf = nb;
			c->cap = c->cap * 2 + 8192;
		}
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, c->timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		c->len += (size_t)n;
	}
}

/* Send CMD (a JSON object, stolen) and read its reply: 0 with *RET (may
 * be NULL) set to its "return", -EIO with *CAUSE for an "error". */
static int
execute(struct qmp_conn *c, json_t *cmd, int pass_fd, json_t **ret, char **cause)
{
	char *text = json_dumps(cmd, JSON_COMPACT);
	json_t *reply = NULL, *err;
	int r;

	json_decref(cmd);
	if (text == NULL)
		return -ENOMEM;
	r = send_all(c, text, strlen(text), pass_fd);
	if (r == 0)
		r = send_all(c, "\n", 1, -1);
	free(text);
	if (r < 0 || (r = read_reply(c, &reply)) < 0)
		return r;
	if ((err = json_object_get(reply, "error")) != NULL) {
		const char *desc = json_string_value(json_object_get(err, "desc"));

		set_cause(cause, "%s", desc != NULL ? desc : "qemu refused the command");
		json_decref(reply);
		return -EIO;
	}
	if (ret != NULL) {
		*ret = json_incref(json_object_get(reply, "return"));
		if (*ret == NULL) {
			json_decref(reply);
			return -EPROTO;
		}
	}
	json_decref(reply);
	return 0;
}

static int
qmp_connect(const char *jobdir, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int dfd, fd, err = 0;

	dfd = open(jobdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" QEMU_QMP_DIR "/sock", dfd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = -errno;
		close(fd);
	}
	close(dfd);
	if (err == 0)
		*fdp = fd;
	return err;
}

static void
session_close(struct qmp_conn *c)
{
	free(c->buf);
	c->buf = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Connect C to JOBDIR's monitor, read its greeting and negotiate: 0, or
 * negative errno with *CAUSE (C's socket closed). */
static int
session_open(struct qmp_conn *c, const char *jobdir, char **cause)
{
	json_t *greeting = NULL;
	int r;

	if ((r = qmp_connect(jobdir, &c->fd)) < 0) {
		set_cause(cause, "the guest's monitor does not answer: %s", strerror(-r));
		return r;
	}
	if ((r = read_reply(c, &greeting)) < 0 || json_object_get(greeting, "QMP") == NULL) {
		set_cause(cause, "the guest's monitor did not greet: %s",
		    r < 0 ? strerror(-r) : "not QMP");
		r = r < 0 ? r : -EPROTO;
	} else if ((r = execute(c, json_pack("{s:s}", "execute", "qmp_capabilities"), -1, NULL,
			cause)) < 0 &&
	    *cause == NULL) {
		set_cause(cause, "talking to the guest's monitor: %s", strerror(-r));
	}
	json_decref(greeting);
	if (r < 0)
		session_close(c);
	return r;
}

/* Run CMD (stolen) in an open session, passing PASS_FD as FDNAME first
 * when >= 0, and give its "return" in *RET (NULL: not wanted). */
static int
session_run(struct qmp_conn *c, json_t *cmd, int pass_fd, const char *fdname, json_t **ret,
    char **cause)
{
	int r;

	if (pass_fd >= 0 &&
	    (r = execute(c,
		 json_pack("{s:s, s:{s:s}}", "execute", "getfd", "arguments", "fdname", fdname),
		 pass_fd, NULL, cause)) < 0) {
		json_decref(cmd);
		goto fail;
	}
	if ((r = execute(c, cmd, -1, ret, cause)) < 0)
		goto fail;
	return 0;
fail:
	if (*cause == NULL)
		set_cause(cause, "talking to the guest's monitor: %s", strerror(-r));
	return r;
}

/* Connect, greet, negotiate, pass PASS_FD as FDNAME when >= 0, run CMD
 * (stolen) and give its "return" in *RET. */
static int
qmp_run(const char *jobdir, json_t *cmd, int pass_fd, const char *fdname, int timeout_ms,
    json_t **ret, char **cause)
{
	struct qmp_conn c = { .fd = -1, .timeout_ms = timeout_ms };
	int r;

	*ret = NULL;
	*cause = NULL;
	if ((r = session_open(&c, jobdir, cause)) < 0) {
		json_decref(cmd);
		return r;
	}
	r = session_run(&c, cmd, pass_fd, fdname, ret, cause);
	session_close(&c);
	return r;
}

/* x-ignore-shared: RAM that is a shared file mapping stays out of the
 * stream (the caller keeps the file); set on both ends. */
static json_t *
ignore_shared_cmd(void)
{
	return json_pack("{s:s, s:{s:[{s:s, s:b}]}}", "execute", "migrate-set-capabilities",
	    "arguments", "capabilities", "capability", "x-ignore-shared", "state", 1);
}

/* Poll C's query-migrate until the migration is over, at most
 * TIMEOUT_MS: 0 once "completed", else negative errno with *CAUSE. */
static int
migration_wait(struct qmp_conn *c, int timeout_ms, char **cause)
{
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	struct timespec t0, t1;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		json_t *ret = NULL;
		const char *st;

		if ((r = session_run(c, json_pack("{s:s}", "execute", "query-migrate"), -1, NULL,
			 &ret, cause)) < 0)
			return r;
		st = json_string_value(json_object_get(ret, "status"));
		if (st != NULL && strcmp(st, "completed") == 0) {
			json_decref(ret);
			return 0;
		}
		if (st != NULL && (strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0)) {
			const char *why = json_string_value(json_object_get(ret, "error-desc"));

			set_cause(cause, "the migration %s%s%s", st, why ? ": " : "",
			    why ? why : "");
			json_decref(ret);
			return -EIO;
		}
		json_decref(ret);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >
		    timeout_ms) {
			set_cause(cause, "the migration did not end within %d ms", timeout_ms);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
}

int
qmp_migrate_save(const char *jobdir, int fd, int timeout_ms, char **cause)
{
	struct qmp_conn c = { .fd = -1, .timeout_ms = timeout_ms };
	int r;

	*cause = NULL;
	if ((r = session_open(&c, jobdir, cause)) < 0)
		return r;
	if ((r = session_run(&c, ignore_shared_cmd(), -1, NULL, NULL, cause)) == 0 &&
	    (r = session_run(&c,
		 json_pack("{s:s, s:{s:s}}", "execute", "migrate", "arguments", "uri",
		     "fd:pkvm-save"),
		 fd, "pkvm-save", NULL, cause)) == 0)
		r = migration_wait(&c, timeout_ms, cause);
	session_close(&c);
	return r;
}

int
qmp_cont(const char *jobdir, int timeout_ms, char **cause)
{
	json_t *ret = NULL;
	int r;

	r = qmp_run(jobdir, json_pack("{s:s}", "execute", "cont"), -1, NULL, timeout_ms, &ret,
	    cause);
	json_decref(ret);
	return r;
}

int
qmp_migrate_load(const char *jobdir, int fd, int timeout_ms, char **cause)
{
	const struct timespec tick = { 0, 2 * 1000 * 1000 };
	struct qmp_conn c = { .fd = -1, .timeout_ms = timeout_ms };
	int r, tries = timeout_ms / 2;

	*cause = NULL;
	/* qemu makes its monitor's socket a little after it starts. */
	while ((r = session_open(&c, jobdir, cause)) < 0 && (r == -ENOENT || r == -ECONNREFUSED) &&
	    tries-- > 0) {
		free(*cause);
		*cause = NULL;
		nanosleep(&tick, NULL);
	}
	if (r < 0)
		return r;
	if ((r = session_run(&c, ignore_shared_cmd(), -1, NULL, NULL, cause)) == 0 &&
	    (r = session_run(&c,
		 json_pack("{s:s, s:{s:s}}", "execute", "migrate-incoming", "arguments", "uri",
		     "fd:pkvm-load"),
		 fd, "pkvm-load", NULL, cause)) == 0)
		r = migration_wait(&c, timeout_ms, cause);
	session_close(&c);
	return r;
}

int
qmp_human_command(const char *jobdir, const char *line, int timeout_ms, char **out, char **cause)
{
	json_t *ret = NULL;
	int r;

	*out = NULL;
	r = qmp_run(jobdir,
	    json_pack("{s:s, s:{s:s}}", "execute", "human-monitor-command", "arguments",
		"command-line", line),
	    -1, NULL, timeout_ms, &ret, cause);
	if (r < 0)
		return r;
	if (!json_is_string(ret)) {
		json_decref(ret);
		set_cause(cause, "the guest's monitor answered with no text");
		return -EPROTO;
	}
	*out = strdup(json_string_value(ret));
	json_decref(ret);
	return *out != NULL ? 0 : -ENOMEM;
}

int
qmp_dump_guest_memory(const char *jobdir, int fd, const char *format, bool paging, int timeout_ms,
    char **cause)
{
	json_t *ret = NULL;
	int r;

	/* The fd is the QMP monitor's own (getfd on this connection); a
	 * human-monitor-command runs in a monitor of its own that does not
	 * see it, so the dump is QMP's command, not HMP's. */
	r = qmp_run(jobdir,
	    json_pack("{s:s, s:{s:b, s:s, s:s}}", "execute", "dump-guest-memory", "arguments",
		"paging", paging, "protocol", "fd:pkvm-dump", "format", format),
	    fd, "pkvm-dump", timeout_ms, &ret, cause);
	json_decref(ret);
	return r;
}
