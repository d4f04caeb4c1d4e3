/*
 * server.c -- libmicrohttpd on the libuv loop: listeners, and the life of
 * a request from its headers to its completion.
 *
 * Why MHD without threads: every handler needs the store and the runner,
 * which live on the loop thread.  Running MHD in its own thread would mean
 * marshalling every request to the loop and back; driving MHD from the
 * loop keeps one thread and no locks.  MHD_USE_EPOLL gives one descriptor
 * for all of a listener's sockets, so one uv_poll handle suffices, plus a
 * uv_timer for MHD's own timeouts.  MHD_ALLOW_SUSPEND_RESUME lets a request
 * wait (long poll, console stream, a blob chunk being written by a worker
 * thread) without blocking anything.
 *
 * The life of a request: MHD calls on_access() first with the headers
 * (state created here and routed), then once per body chunk, then once
 * with no data when the body is complete (the handler runs).  A handler
 * either replies at once or pauses; a paused request is resumed by
 * http_reply_*() or http_request_resume() (reply.c), after which MHD calls
 * on_access() again and the queued response is handed over.  on_completed()
 * frees the state whatever happened.
 *
 * What a request carries is read through params.c, replies are made by
 * reply.c and routes are found by routes.c; this file holds only what
 * needs MHD's daemon or the loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <uv.h>

#include "base/log.h"
#include "base/metrics.h"
#include "http/private.h"

#define MAX_LISTENERS 4
/* Connections one listener keeps open at once. */
#define MAX_CONNECTIONS 1000
/* Pending connections the kernel queues before MHD accepts them. */
#define LISTEN_BACKLOG 128
/* MHD's buffer for one connection; blob uploads arrive in chunks of
 * about this size. */
#define CONNECTION_MEMORY_BYTES (256 * 1024)

struct listener {
	struct http_server *server;
	struct MHD_Daemon *mhd;
	uv_poll_t poll;
	uv_timer_t timer;
	int fd;
	char *unix_path;
	int closing;
};

struct http_server {
	struct http_env env;
	struct listener *listeners[MAX_LISTENERS];
	int nlisteners;
	int pending_closes;
	void (*close_cb)(void *arg);
	void *close_arg;

	/* Shutdown drain: open client connections, and who to tell once
	 * they are all closed (or the deadline passed). */
	int connections;
	bool draining;
	uv_timer_t drain_timer;
	void (*drain_cb)(void *arg);
	void *drain_arg;
};

static void on_timer(uv_timer_t *t);
static void on_drain_timer(uv_timer_t *t);
static void server_closed_one(struct http_server *s);

/* ---- the request's life -------------------------------------------- */

/* Make MHD notice a resumed connection: it learns of the resume through
 * its internal pipe, and the zero timer runs it on the next iteration. */
static void
request_wake(struct http_request *req)
{
	uv_timer_start(&req->l->timer, on_timer, 0, 0);
}

static struct http_request *
request_new(struct listener *l, struct MHD_Connection *conn, const char *url, const char *method)
{
	struct http_request *req = calloc(1, sizeof(*req));

	if (req == NULL)
		return NULL;
	req->l = l;
	req->env = &l->server->env;
	req->conn = conn;
	req->wake = request_wake;
	req->method = strdup(method);
	req->path = strdup(url);
	if (req->method == NULL || req->path == NULL) {
		free(req->method);
		free(req->path);
		free(req);
		return NULL;
	}
	req->over_tcp = l->unix_path == NULL;
	req->start_ns = uv_hrtime();
	return req;
}

static void
request_free(struct http_request *req)
{
	if (req->data_free != NULL)
		req->data_free(req->data);
	for (int i = 0; i < HTTP_MAX_PARAMS; i++) {
		free(req->params[i][0]);
		free(req->params[i][1]);
	}
	if (req->response != NULL)
		MHD_destroy_response(req->response);
	json_decref(req->json);
	free(req->body);
	free(req->method);
	free(req->path);
	free(req);
}

/* First call: route the request and check what can be checked on headers. */
static void
request_begin(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *cl;
	char allow[128];
	long long len;
	bool known;

	req->route = http_route_find(req, &known, allow, sizeof(allow));
	if (req->route != NULL) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);

		if (req->over_tcp)
			http_auth_tcp(req);
		else if (ci != NULL)
			http_auth_unix(req, ci->connect_fd);
		if (!http_auth_allowed(req))
			return;
	}
	if (req->route == NULL) {
		if (known) {
			http_reply_error(req, HTTP_ERR_METHOD_NOT_ALLOWED, NULL,
			    "%s is not allowed on %s (allowed: %s)", req->method, req->path, allow);
			MHD_add_response_header(req->response, "Allow", allow);
		} else {
			http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no such endpoint: %s %s",
			    req->method, req->path);
		}
		return;
	}
	/* MHD has refused a Content-Length that is not a number; one too big
	 * for a long long is over any limit. */
	cl = http_request_header(req, "Content-Length");
	if (req->route->body == HTTP_BODY_JSON && cl != NULL &&
	    http_int_parse(cl, strlen(cl), 0, d->max_body_bytes, &len) == -ERANGE) {
		http_reply_error(req, HTTP_ERR_TOO_LARGE, NULL,
		    "request body of %s bytes is over the limit of %lld bytes", cl,
		    (long long)d->max_body_bytes);
		return;
	}
	if (req->route->body == HTTP_BODY_STREAM && req->route->body_begin != NULL)
		req->route->body_begin(req);
}

static void
body_append(struct http_request *req, const char *data, size_t len)
{
	struct http_env *d = http_request_env(req);
	char *nb;

	if (req->body_too_big)
		return;
	if (req->route->body == HTTP_BODY_NONE || req->body_len + len > (size_t)d->max_body_bytes) {
		req->body_too_big = true;
		return;
	}
	nb = realloc(req->body, req->body_len + len + 1);
	if (nb == NULL) {
		req->body_too_big = true;
		return;
	}
	req->body = nb;
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
}

/* The body is complete: parse it if needed and run the handler. */
static void
request_dispatch(struct http_request *req)
{
	json_error_t jerr;

	req->handled = true;
	if (req->body_too_big) {
		if (req->route->body == HTTP_BODY_NONE)
			http_reply_error(req, HTTP_ERR_BAD_JSON, NULL,
			    "%s %s takes no request body", req->method, req->path);
		else
			http_reply_error(req, HTTP_ERR_TOO_LARGE, NULL,
			    "request body is over the limit of %lld bytes",
			    (long long)http_request_env(req)->max_body_bytes);
		return;
	}
	if (req->route->body == HTTP_BODY_JSON) {
		if (req->body_len == 0) {
			http_reply_error(req, HTTP_ERR_BAD_JSON, NULL,
			    "request body is empty; a JSON object is required");
			return;
		}
		req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (req->json == NULL) {
			http_reply_error(req, HTTP_ERR_BAD_JSON, NULL,
			    "request body is not valid JSON: %s (line %d, column %d)", jerr.text,
			    jerr.line, jerr.column);
			return;
		}
		if (!json_is_object(req->json)) {
			http_reply_error(req, HTTP_ERR_BAD_JSON, NULL, NULL);
			return;
		}
	}
	req->route->handler(req);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct listener *l = cls;
	struct http_request *req = *req_cls;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)version;
	if (req == NULL) {
		req = request_new(l, conn, url, method);
		if (req == NULL)
			return MHD_NO;
		*req_cls = req;
		request_begin(req);
		if (req->response == NULL)
			return MHD_YES;
		/* An early reply: MHD reads and drops the body, then sends it. */
	}
	if (*upload_data_size != 0) {
		size_t len = *upload_data_size;

		*upload_data_size = 0;
		if (req->response != NULL)
			return MHD_YES;
		if (req->route->body == HTTP_BODY_STREAM)
			req->route->body_chunk(req, upload_data, len);
		else
			body_append(req, upload_data, len);
		return MHD_YES;
	}
	if (req->response == NULL && !req->handled)
		request_dispatch(req);
	if (req->response == NULL) {
		/* The handler answers later; do not let MHD call us in a
		 * busy loop meanwhile. */
		http_request_pause(req);
		return MHD_YES;
	}
	r = req->response;
	req->response = NULL;
	ret = MHD_queue_response(conn, req->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_request *req = *req_cls;

	(void)cls;
	(void)conn;
	if (req == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_debug("http: %s %s ended early (%d)", req->method, req->path, (int)toe);
	metrics_http_request(req->method, req->route ? req->route->pattern : NULL, req->status,
	    (double)(uv_hrtime() - req->start_ns) / 1e9);
	*req_cls = NULL;
	request_free(req);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;
	struct http_server *s = l->server;

	(void)conn;
	(void)socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		s->connections++;
		return;
	}
	s->connections--;
	/* Deferred: we are inside MHD_run(), and the drain callback stops
	 * the MHD daemons. */
	if (s->draining && s->connections == 0)
		uv_timer_start(&s->drain_timer, on_drain_timer, 0, 0);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("microhttpd: %s", buf);
}

/* ---- the loop glue -------------------------------------------------- */

static void
listener_run(struct listener *l)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	if (l->mhd == NULL)
		return;
	MHD_run(l->mhd);
	/* MHD keeps connections with buffered data on a ready list and
	 * reports a 0 timeout for them: run again on the next iteration. */
	if (MHD_get_timeout(l->mhd, &timeout) == MHD_YES)
		uv_timer_start(&l->timer, on_timer, timeout, 0);
	else
		uv_timer_stop(&l->timer);
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	listener_run(p->data);
}

static void
on_timer(uv_timer_t *t)
{
	listener_run(t->data);
}

int
http_server_new(struct http_server **out, const struct http_env *env)
{
	struct http_server *s;
	int err;

	/* A row missing from the error table would be a reply with no code:
	 * refuse to start rather than send it. */
	if ((err = http_errors_check()) < 0 || (err = http_routes_check()) < 0)
		return err;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->env = *env;
	uv_timer_init(env->loop, &s->drain_timer);
	s->drain_timer.data = s;
	*out = s;
	return 0;
}

static void
on_drain_timer(uv_timer_t *t)
{
	struct http_server *s = t->data;

	if (!s->draining)
		return;
	s->draining = false;
	if (s->connections > 0)
		log_warnx("shutdown: closing %d client connections that stayed open",
		    s->connections);
	s->drain_cb(s->drain_arg);
}

void
http_server_drain(struct http_server *s, uint64_t timeout_ms, void (*cb)(void *arg), void *arg)
{
	s->drain_cb = cb;
	s->drain_arg = arg;
	s->draining = true;
	uv_timer_start(&s->drain_timer, on_drain_timer, s->connections == 0 ? 0 : timeout_ms, 0);
}

int
http_server_add_fd(struct http_server *s, int fd, const char *unix_path, const char *name,
    char **cause)
{
	struct listener *l;
	const union MHD_DaemonInfo *info;
	int err;

	*cause = NULL;
	if (s->nlisteners == MAX_LISTENERS) {
		if (asprintf(cause, "too many listeners (at most %d)", MAX_LISTENERS) < 0)
			*cause = NULL;
		return -ENOSPC;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->server = s;
	l->fd = fd;
	if (unix_path != NULL && (l->unix_path = strdup(unix_path)) == NULL) {
		free(l);
		return -ENOMEM;
	}
	l->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_access, l, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, l, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, l, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_BYTES,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS, MHD_OPTION_END);
	if (l->mhd == NULL) {
		if (asprintf(cause, "cannot start the HTTP server on %s", name) < 0)
			*cause = NULL;
		err = -EIO;
		goto fail;
	}
	info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		if (asprintf(cause, "libmicrohttpd has no epoll support") < 0)
			*cause = NULL;
		err = -ENOTSUP;
		goto fail;
	}
	uv_poll_init(s->env.loop, &l->poll, info->epoll_fd);
	l->poll.data = l;
	uv_timer_init(s->env.loop, &l->timer);
	l->timer.data = l;
	uv_poll_start(&l->poll, UV_READABLE, on_poll);
	s->listeners[s->nlisteners++] = l;
	listener_run(l);
	return 0;

fail:
	if (l->mhd != NULL)
		MHD_stop_daemon(l->mhd);
	free(l->unix_path);
	free(l);
	return err;
}

void
http_stop_listening(struct http_server *s)
{
	s->env.shutting_down = true;
	for (int i = 0; i < s->nlisteners; i++) {
		struct listener *l = s->listeners[i];

		MHD_socket fd;

		if (l->mhd == NULL || l->fd < 0)
			continue;
		/* MHD hands the listening socket back and stops accepting;
		 * connections in flight carry on. */
		fd = MHD_quiesce_daemon(l->mhd);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		l->fd = -1;
		if (l->unix_path != NULL)
			unlink(l->unix_path);
	}
}

static void
on_handle_closed(uv_handle_t *h)
{
	struct listener *l = h->data;
	struct http_server *s = l->server;

	if (--l->closing > 0)
		return;
	free(l->unix_path);
	free(l);
	server_closed_one(s);
}

static void
server_closed_one(struct http_server *s)
{
	if (--s->pending_closes == 0) {
		if (s->close_cb != NULL)
			s->close_cb(s->close_arg);
		free(s);
	}
}

static void
on_server_timer_closed(uv_handle_t *h)
{
	server_closed_one(h->data);
}

void
http_server_close(struct http_server *s, void (*cb)(void *arg), void *arg)
{
	s->close_cb = cb;
	s->close_arg = arg;
	s->draining = false;
	s->pending_closes = s->nlisteners + 1;
	uv_close((uv_handle_t *)&s->drain_timer, on_server_timer_closed);
	for (int i = 0; i < s->nlisteners; i++) {
		struct listener *l = s->listeners[i];

		/* MHD_stop_daemon() closes connections and calls on_completed
		 * for each, which frees the request states. */
		uv_poll_stop(&l->poll);
		uv_timer_stop(&l->timer);
		MHD_stop_daemon(l->mhd);
		l->mhd = NULL;
		if (l->fd >= 0 && l->unix_path != NULL)
			unlink(l->unix_path);
		l->closing = 2;
		uv_close((uv_handle_t *)&l->poll, on_handle_closed);
		uv_close((uv_handle_t *)&l->timer, on_handle_closed);
	}
}
