/*
 * cmd-attach.c -- pkvmctl attach: a running job's serial console in this
 * terminal, both ways.
 *
 * The connection is upgraded (api_upgrade, GET /v1/jobs/ID/attach) and
 * then carries raw bytes: keys from stdin to the guest, the console to
 * stdout.  On a terminal, stdin goes to raw mode (every key, ^C included,
 * goes to the guest, as on a serial line), and Ctrl-] detaches; the
 * terminal is put back on every way out: a detach, the job's end, an error,
 * and SIGTERM, SIGHUP or SIGQUIT.  Without a terminal (a script, a test)
 * it is pipe mode: what stdin holds is sent, its end stops only the
 * sending, and the console is printed until the job ends or Ctrl-] comes
 * in the input.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "wire.h"

/* The key that detaches: Ctrl-], as telnet's. */
#define DETACH_KEY 0x1d

enum { OPT_FORCE = 'f', OPT_READ_ONLY = 'r' };

static const struct cmd_option attach_options[] = {
	{ .key = OPT_FORCE, .long_name = "force", .short_name = 'f' },
	{ .key = OPT_READ_ONLY, .long_name = "read-only", .short_name = 'r' },
	{ 0 },
};

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void
tty_restore(void)
{
	/* TCSANOW, not TCSAFLUSH: a flush waits for the terminal to take our
	 * output, and one that stopped reading (a pty whose master left)
	 * would hold pkvmctl forever, in a signal handler too. */
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = 0;
	}
}

static void
on_fatal_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
tty_raw(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return -errno;
	t = saved_tio;
	cfmakeraw(&t);
	tio_saved = 1;
	atexit(tty_restore);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
	signal(SIGQUIT, on_fatal_signal);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0) {
		tio_saved = 0;
		return -errno;
	}
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy both ways until the server closes, the user detaches, or the
 * connection breaks: 0 for the first two, negative errno otherwise;
 * *DETACHED says which of the first two. */
static int
pump(struct api *api, bool send_keys, bool *detached)
{
	char buf[16384];
	bool in_open = send_keys;
	int err;

	*detached = false;
	for (;;) {
		struct pollfd p[2] = { { .fd = api->raw_fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN } };
		ssize_t n;

		/* Bytes already in curl's (or TLS's) hands first. */
		while ((n = api_raw_recv(api, buf, sizeof(buf))) > 0)
			if ((err = write_all(STDOUT_FILENO, buf, (size_t)n)) < 0)
				return err;
		if (n == 0)
			return 0;
		if (n != -EAGAIN)
			return (int)n;
		if (poll(p, in_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!in_open || (p[1].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			in_open = false; /* pipe mode: watch on */
			continue;
		}
		char *k = memchr(buf, DETACH_KEY, (size_t)n);
		size_t len = k != NULL ? (size_t)(k - buf) : (size_t)n;

		if (len > 0 && (err = api_raw_send(api, buf, len)) < 0)
			return err;
		if (k != NULL) {
			*detached = true;
			return 0;
		}
	}
}

static int
attach_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	bool read_only = cmd_args_flag(args, OPT_READ_ONLY);
	bool force = cmd_args_flag(args, OPT_FORCE);
	bool tty = isatty(STDIN_FILENO), detached;
	char path[128];
	int64_t id;
	int err, rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	if (read_only && force)
		return cmd_usage_error(self, "--read-only and --force cannot be combined");
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/attach%s", (long long)id,
	    read_only   ? ""
		: force ? "?write=1&force=1"
			: "?write=1");
	err = api_upgrade(api, path, "pkvm-console");
	if (err < 0)
		return api_fail(api, err);
	/* Raw before the greeting: whoever reads it may press a key or send
	 * a signal at once, and must find the terminal in the mode it says.
	 * A raw terminal no longer turns \n into \r\n, so the line says so. */
	if (tty && (err = tty_raw()) < 0)
		fprintf(stderr, "pkvmctl: cannot put the terminal in raw mode: %s\n",
		    strerror(-err));
	fprintf(stderr, "attached to job %lld%s; Ctrl-] detaches%s", (long long)id,
	    read_only ? " (watching)" : "", tio_saved ? "\r\n" : "\n");
	err = pump(api, !read_only || tty, &detached);
	tty_restore();
	if (err < 0) {
		fprintf(stderr, "\npkvmctl: %s\n",
		    api->message != NULL ? api->message : strerror(-err));
		return PKVM_EXIT_INFRA;
	}
	fprintf(stderr, "\n%s from job %lld\n", detached ? "detached" : "disconnected",
	    (long long)id);
	return 0;
}

const struct cmd_entry cmd_attach_entry = {
	.name = "attach",
	.alias = NULL,
	.args = "[-r|--read-only] [-f|--force] ID",
	.summary = "connect this terminal to a running job's serial console",
	.details = "Keys go to the guest's serial input and its console comes out live;\n"
		   "Ctrl-] detaches.  One viewer at a time types; the others watch.\n"
		   "Without a terminal, stdin is sent as it is and its end only stops\n"
		   "the sending: the console is printed until the job ends.\n"
		   "options:\n"
		   "  -r, --read-only    watch; type nothing\n"
		   "  -f, --force        take over typing from whoever types now (they\n"
		   "                     are told, and watch on)\n",
	.options = attach_options,
	.takes_rest = false,
	.exec = attach_exec,
};
