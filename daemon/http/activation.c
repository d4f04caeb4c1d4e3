/*
 * activation.c -- listening sockets handed over by systemd (socket
 * activation), read by hand from the environment as sd_listen_fds(3)
 * documents it, so pkvmd does not link libsystemd for twenty lines.
 *
 * systemd passes LISTEN_FDS sockets as descriptors 3, 4, ... with
 * LISTEN_PID set to the pid it started, and LISTEN_FDNAMES, a colon
 * separated list of their FileDescriptorName= (by default the socket
 * unit's name).  When LISTEN_PID is ours and LISTEN_FDS > 0, pkvmd serves
 * exactly these sockets and none of --listen or --socket.  Each is what
 * getsockname() says it is: a Unix socket (its users named by
 * SO_PEERCRED, like --listen unix:) or TCP (like --listen tcp:).  The one
 * rule for names: a TCP socket named "tls" is served with TLS (--tls-cert,
 * --tls-key); any other name is only a name.  FileDescriptorName= names
 * every socket of its unit, so a TLS port is a socket unit of its own
 * (docs/LAB.md).  A socket that is not a listening stream socket, or a Unix
 * socket named "tls", is refused with a message rather than guessed at.
 * The socket files belong to systemd: pkvmd does not unlink them.
 *
 * The variables are unset so that no child (qemu, lcov) takes them for its
 * own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"
#include "http/http.h"

/* sd_listen_fds(3): the first descriptor passed. */
#define LISTEN_FDS_START 3
/* The FileDescriptorName= that makes a TCP socket a TLS listener. */
#define TLS_FD_NAME "tls"

/* The NTH colon-separated name in NAMES into BUF ("" when there is none). */
static void
fd_name(const char *names, int nth, char *buf, size_t len)
{
	const char *p = names, *end;

	buf[0] = '\0';
	if (p == NULL)
		return;
	for (int i = 0; i < nth; i++) {
		if ((p = strchr(p, ':')) == NULL)
			return;
		p++;
	}
	end = strchrnul(p, ':');
	snprintf(buf, len, "%.*s", (int)(end - p), p);
}

static int
fail(char **cause, int err, const char *fmt, int fd, const char *what)
{
	if (asprintf(cause, fmt, fd, what) < 0)
		*cause = NULL;
	return err;
}

/* Serve the passed socket FD named NAME. */
static int
take_fd(struct http_server *s, int fd, const char *name, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct http_listen_opts o = { 0 };
	char where[sizeof(((struct sockaddr_un *)0)->sun_path) + 64], host[INET6_ADDRSTRLEN];
	int type = 0, listening = 0, flags;
	socklen_t ilen = sizeof(int);
	bool tls = strcmp(name, TLS_FD_NAME) == 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return fail(cause, -errno, "descriptor %d from systemd: %s", fd, strerror(errno));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) != 0 || type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 || !listening)
		return fail(cause, -EINVAL,
		    "descriptor %d from systemd is not a listening stream socket (%s)", fd,
		    "ListenStream= with Accept=no");
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;

		if (tls)
			return fail(cause, -EINVAL,
			    "descriptor %d from systemd is a Unix socket named '%s': TLS is for "
			    "TCP",
			    fd, TLS_FD_NAME);
		snprintf(where, sizeof(where), "unix:%s (from systemd)",
		    un->sun_path[0] != '\0' ? un->sun_path : "(unnamed)");
		o.is_unix = true;
	} else if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		const void *a = ss.ss_family == AF_INET
		    ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
		    : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
		unsigned port = ntohs(ss.ss_family == AF_INET
			? ((struct sockaddr_in *)&ss)->sin_port
			: ((struct sockaddr_in6 *)&ss)->sin6_port);

		inet_ntop(ss.ss_family, a, host, sizeof(host));
		snprintf(where, sizeof(where),
		    ss.ss_family == AF_INET ? "tcp:%s:%u%s (from systemd)"
					    : "tcp:[%s]:%u%s (from systemd)",
		    host, port, tls ? ",tls" : "");
		o.tls = tls;
	} else {
		return fail(cause, -EAFNOSUPPORT,
		    "descriptor %d from systemd is neither a Unix nor a TCP socket%s", fd, "");
	}
	/* MHD accepts in a loop until EAGAIN, and a child must not inherit
	 * the socket. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		return fail(cause, -errno, "descriptor %d from systemd: %s", fd, strerror(errno));
	o.name = where;
	return http_server_add_fd(s, fd, &o, cause);
}

int
http_listen_activated(struct http_server *s, char **cause)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	char *names = NULL, *end, name[256];
	long pid, nfds;
	int err = 0, i;

	*cause = NULL;
	if (pid_s == NULL || fds_s == NULL)
		return 0;
	errno = 0;
	pid = strtol(pid_s, &end, 10);
	if (errno != 0 || *end != '\0' || pid != (long)getpid()) {
		/* Meant for another process (a parent that forked us). */
		log_warnx("LISTEN_PID=%s is not our pid %d: sockets from systemd ignored (run "
			  "pkvmd with --foreground under systemd)",
		    pid_s, (int)getpid());
		goto out;
	}
	errno = 0;
	nfds = strtol(fds_s, &end, 10);
	if (errno != 0 || *end != '\0' || nfds < 0 || nfds > 1024) {
		err = -EINVAL;
		if (asprintf(cause, "LISTEN_FDS=%s is not a count of descriptors", fds_s) < 0)
			*cause = NULL;
		goto out;
	}
	if (getenv("LISTEN_FDNAMES") != NULL &&
	    (names = strdup(getenv("LISTEN_FDNAMES"))) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nfds; i++) {
		fd_name(names, i, name, sizeof(name));
		if ((err = take_fd(s, LISTEN_FDS_START + i, name, cause)) < 0)
			goto out;
		log_info("listening on the socket systemd passed as descriptor %d%s%s%s",
		    LISTEN_FDS_START + i, name[0] != '\0' ? " ('" : "", name,
		    name[0] != '\0' ? "')" : "");
	}
	err = (int)nfds;
out:
	free(names);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return err;
}
