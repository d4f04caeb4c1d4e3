/*
 * listen.c -- the sockets pkvmd listens on: what a --listen spec means,
 * and opening it.  server.c serves whatever socket it is handed.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http/http.h"

/* Pending connections the kernel queues before MHD accepts them. */
#define LISTEN_BACKLOG 128

static void
set_cause(char **cause, const char *fmt, const char *a, const char *b)
{
	if (asprintf(cause, fmt, a, b) < 0)
		*cause = NULL;
}

/* A socket file is stale when nobody accepts on it. */
static int
unix_path_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

int
http_listen_unix(struct http_server *s, const char *path, mode_t mode, char **cause)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct http_listen_opts opts = { .name = path, .is_unix = true, .unix_path = path };
	struct stat st;
	mode_t old;
	int fd, r, err;

	*cause = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		if (asprintf(cause, "socket path '%s' is too long (max %zu bytes)", path,
			sizeof(sa.sun_path) - 1) < 0)
			*cause = NULL;
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			set_cause(cause, "'%s' exists and is not a socket%s", path, "");
			return -EEXIST;
		}
		if (unix_path_in_use(path) == 1) {
			set_cause(cause, "another pkvmd is already listening on '%s'%s", path, "");
			return -EADDRINUSE;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail_errno;
	/* Create it with the final mode: no window where it is wider. */
	old = umask(0777 & ~mode);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || chmod(path, mode) != 0 || listen(fd, LISTEN_BACKLOG) != 0)
		goto fail_errno;
	if ((err = http_server_add_fd(s, fd, &opts, cause)) < 0)
		unlink(path);
	return err;

fail_errno:
	err = -errno;
	set_cause(cause, "cannot listen on '%s': %s", path, strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return err;
}

int
http_listen_tcp(struct http_server *s, const char *host, const char *port, bool tls, char **cause)
{
	struct http_listen_opts opts = { .tls = tls };
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	char name[320];
	int fd = -1, one = 1, r, err;

	*cause = NULL;
	snprintf(name, sizeof(name), strchr(host, ':') ? "tcp:[%s]:%s%s" : "tcp:%s:%s%s", host,
	    port, tls ? ",tls" : "");
	r = getaddrinfo(host, port, &hints, &ai);
	if (r != 0) {
		set_cause(cause, "cannot listen on %s: %s", name, gai_strerror(r));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail_errno;
	/* A restarted daemon must not wait out TIME_WAIT of its old
	 * connections to listen again. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail_errno;
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0)
		goto fail_errno;
	freeaddrinfo(ai);
	opts.name = name;
	return http_server_add_fd(s, fd, &opts, cause);

fail_errno:
	err = -errno;
	set_cause(cause, "cannot listen on %s: %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
}

int
http_listen(struct http_server *s, const char *spec, char **cause)
{
	char *copy, *opts, *colon;
	long mode = 0660;
	int err = -EINVAL;

	*cause = NULL;
	if ((copy = strdup(spec)) == NULL)
		return -ENOMEM;
	if (strncmp(copy, "unix:", 5) == 0) {
		/* A path with a comma in it cannot take options; one without
		 * options is taken whole. */
		opts = strrchr(copy + 5, ',');
		if (opts != NULL && strncmp(opts, ",mode=", 6) == 0) {
			char *end;

			*opts = '\0';
			errno = 0;
			mode = strtol(opts + 6, &end, 8);
			if (errno != 0 || end == opts + 6 || *end != '\0' || mode < 0 ||
			    mode > 0777) {
				set_cause(cause,
				    "--listen %s: mode must be octal permission bits%s", spec, "");
				goto out;
			}
		}
		if (copy[5] != '/') {
			set_cause(cause, "--listen %s: the socket path must be absolute%s", spec,
			    "");
			goto out;
		}
		err = http_listen_unix(s, copy + 5, (mode_t)mode, cause);
	} else if (strncmp(copy, "tcp:", 4) == 0) {
		char *host = copy + 4;

		bool tls = false;

		if ((opts = strchr(host, ',')) != NULL)
			*opts++ = '\0';
		if (opts != NULL && strcmp(opts, "tls") == 0) {
			tls = true;
		} else if (opts != NULL) {
			set_cause(cause, "--listen %s: unknown option '%s' (tcp takes only tls)",
			    spec, opts);
			goto out;
		}
		colon = strrchr(host, ':');
		if (colon == NULL || colon[1] == '\0' || colon == host) {
			set_cause(cause, "--listen %s: expected tcp:ADDR:PORT[,tls]%s", spec, "");
			goto out;
		}
		*colon = '\0';
		if (host[0] == '[' && colon[-1] == ']') {
			host++;
			colon[-1] = '\0';
		}
		err = http_listen_tcp(s, host, colon + 1, tls, cause);
	} else {
		set_cause(cause, "--listen %s: expected unix:PATH or tcp:ADDR:PORT[,tls]%s", spec,
		    "");
	}
out:
	free(copy);
	return err;
}
