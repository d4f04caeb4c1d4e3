/*
 * conn.c -- one client connection: its place under the connection caps,
 * the deadline for its request header, and what the URL decoder found in
 * its request.
 *
 * Why a header deadline of our own.  MHD's connection timeout
 * (--read-timeout) is an idle timeout: every byte that arrives restarts
 * it.  A client that sends its header one byte a second (slowloris) is
 * never idle for two seconds, and so holds its connection, and its place
 * under --max-connections, for as long as it likes; a few hundred such
 * clients would shut everyone else out.  So a connection must also have
 * sent a whole request header within --read-timeout of opening, or of the
 * end of the reply before (a kept-alive connection's next request).  The
 * deadline stops when the header is in: a body may be slow (a big upload
 * over a thin link) and the idle timeout is what guards it.  When the
 * deadline passes, the socket is shut down (shutdown(2), not close: MHD
 * owns the descriptor); MHD reads the end of the stream on its next run
 * and closes the connection as if the client had hung up, which frees its
 * request and its place.
 *
 * Why the URL decoder reports here.  MHD decodes %XX in the path and the
 * query into C strings, so "/v1/tokens/1%00x" reaches a handler as
 * "/v1/tokens/1": a different resource from the one the client named.
 * The decoder (http_conn_unescape) marks the connection when a decoded
 * string holds a NUL, and the request is refused with 400 before it is
 * routed (http_conn_take_bad_escape).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "base/log.h"
#include "http/private.h"

struct http_conn {
	struct http_limits *limits;
	void *limits_handle;
	uv_timer_t deadline;
	int fd;
	uint64_t header_deadline_ms;
	void (*kick)(void *arg);
	void *kick_arg;
	bool bad_escape; /* a %00 in this request's path or query */
	/* A Unix socket peer's identity, found at its first request: its
	 * credentials are the connecting process's, fixed for the
	 * connection, and looking up its user read /etc/passwd (bench/api:
	 * a third of a status request's system calls). */
	bool who_known;
	struct http_identity who;
};

static void
on_deadline(uv_timer_t *t)
{
	struct http_conn *c = t->data;

	log_debug("http: a client sent no whole request header within %llu ms; closing it",
	    (unsigned long long)c->header_deadline_ms);
	/* MHD sees the end of the stream and closes the connection; the
	 * kick makes it look now rather than at its next event. */
	shutdown(c->fd, SHUT_RDWR);
	c->kick(c->kick_arg);
}

struct http_conn *
http_conn_open(uv_loop_t *loop, struct http_limits *lim, const struct sockaddr *addr, int fd,
    uint64_t header_deadline_ms, void (*kick)(void *arg), void *kick_arg)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->limits = lim;
	c->limits_handle = http_limits_opened(lim, addr);
	c->fd = fd;
	c->header_deadline_ms = header_deadline_ms;
	c->kick = kick;
	c->kick_arg = kick_arg;
	uv_timer_init(loop, &c->deadline);
	c->deadline.data = c;
	http_conn_header_wait(c);
	return c;
}

static void
on_conn_closed(uv_handle_t *h)
{
	free(h->data);
}

void
http_conn_close(struct http_conn *c)
{
	if (c == NULL)
		return;
	http_limits_closed(c->limits, c->limits_handle);
	uv_timer_stop(&c->deadline);
	uv_close((uv_handle_t *)&c->deadline, on_conn_closed);
}

void
http_conn_header_wait(struct http_conn *c)
{
	if (c != NULL && c->fd >= 0 && c->header_deadline_ms > 0)
		uv_timer_start(&c->deadline, on_deadline, c->header_deadline_ms, 0);
}

void
http_conn_header_done(struct http_conn *c)
{
	if (c != NULL)
		uv_timer_stop(&c->deadline);
}

size_t
http_conn_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	const union MHD_ConnectionInfo *ci;
	size_t len;

	(void)cls;
	len = MHD_http_unescape(s);
	if (memchr(s, '\0', len) != NULL) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		if (ci != NULL && ci->socket_context != NULL)
			((struct http_conn *)ci->socket_context)->bad_escape = true;
	}
	return len;
}

bool
http_conn_take_bad_escape(struct http_conn *c)
{
	bool bad = c != NULL && c->bad_escape;

	if (c != NULL)
		c->bad_escape = false;
	return bad;
}

bool
http_conn_identity(const struct http_conn *c, struct http_identity *out)
{
	if (c == NULL || !c->who_known)
		return false;
	*out = c->who;
	return true;
}

void
http_conn_identity_keep(struct http_conn *c, const struct http_identity *id)
{
	if (c == NULL)
		return;
	c->who = *id;
	c->who_known = true;
}
