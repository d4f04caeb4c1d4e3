/*
 * server.c -- libmicrohttpd on the libuv loop: listeners, and the life of
 * a request from its headers to its completion.
 *
 * Why MHD without threads: every handler needs the store and the runner,
 * which live on the loop thread.  Running MHD in its own thread would mean
 * marshalling every request to the loop and back; driving MHD from the
 * loop keeps one thread and no locks.  MHD_USE_EPOLL gives one descriptor
 * for all of a listener's sockets, so one uv_poll handle suffices, plus a
 * uv_timer for MHD's own timeouts and a uv_idle for "run again on the
 * next iteration".  Not a zero timer for that: libuv 1.44 runs a timer
 * started at zero from a timer callback again in the same pass, so MHD
 * sending a long answer to a fast reader went round the timer phase
 * until the whole answer was out, and the loop polled nothing else
 * meanwhile (bench/api: a 1.1 s turn for a page of 10,000 jobs).  An idle
 * handle runs once an iteration and keeps the poll from blocking.
 * MHD_ALLOW_SUSPEND_RESUME lets a request wait (long poll, console stream,
 * a blob chunk being written by a worker thread) without blocking
 * anything.
 *
 * The life of a request: MHD calls on_access() first with the headers
 * (state created here and routed), then once per body chunk, then once
 * with no data when the body is complete (the handler runs).  A handler
 * either replies at once or pauses; a paused request is resumed by
 * http_reply_*() or http_request_resume() (reply.c), after which MHD calls
 * on_access() again and the queued response is handed over.  on_completed()
 * frees the state whatever happened.
 *
 * Timeouts and caps.  MHD's connection timeout (--read-timeout) is an
 * idle timeout: a connection that sends nothing for that long while its
 * request is read, or between requests, is closed, which cuts off a client
 * that sent half a header.  The same time is also a deadline for the
 * whole request header (conn.c), which cuts off a client that drips it.  Once a request is all in, its answer may
 * rightly take long (a long poll, a console stream of a job printing
 * slowly, a slow download), so the timeout is off for that connection
 * until the reply is sent (a suspended connection does not time out in
 * MHD either, and its timer restarts on resume).  Such connections still
 * count against --max-connections and --max-connections-per-ip
 * (conn-limits.c), which bound what an idle or slow client can hold.
 *
 * TLS, and reloading it.  A TLS listener is an MHD daemon with MHD_USE_TLS
 * and the PEM text of --tls-cert and --tls-key.  GnuTLS loads it once, when
 * the daemon starts, so a new certificate needs a new daemon: on SIGHUP
 * (http_server_reload) a daemon is started on the same listening socket
 * with the new pair, the old one is quiesced (MHD_quiesce_daemon: it stops
 * accepting and keeps serving its connections, on which TLS sessions go on
 * with the old certificate), and it is stopped once its last connection
 * has closed.  If the new pair does not load, the old daemon was never
 * touched.  So a socket (struct listen_socket) has one live MHD daemon
 * (struct listener) and, for a while after a reload, retiring ones.
 *
 * What a request carries is read through params.c, replies are made by
 * reply.c and routes are found by routes.c; this file holds only what
 * needs MHD's daemon or the loop.
 */
#include <errno.h>
#include <fcntl.h>
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

/* Listening sockets one server serves (each --listen, or each socket
 * systemd passed). */
#define MAX_SOCKETS 16
/* MHD's buffer for one connection: headers, and the chunks blob uploads
 * arrive in.  MHD zeroes all of it after every request, so its size is a
 * cost per request: 256 KiB took 18% of the CPU of GET /v1/jobs/ID at
 * 11,000 requests/s, 32 KiB lets that reach 16,800, and uploads still
 * stream at about 400 MB/s. */
#define CONNECTION_MEMORY_BYTES (32 * 1024)

struct listen_socket;

/* One MHD daemon serving one listening socket on the loop.  A socket has
 * one live listener; a TLS reload starts another with the new certificate
 * and the old one, quiesced, serves its open connections until they are
 * all closed, and then goes (retiring). */
struct listener {
	struct http_server *server;
	struct listen_socket *sock;
	struct MHD_Daemon *mhd;
	uv_poll_t poll;
	uv_timer_t timer;
	uv_idle_t again; /* run MHD on the next iteration */
	int connections;
	bool retiring;
	bool counted; /* in the server's pending closes (http_server_close) */
	int closing;
	struct listener *next;
};

/* A socket we listen on.  Each MHD daemon started on it gets a dup() of
 * FD: MHD closes its descriptor on a failed start and on its stop, and the
 * socket must outlive both for the next reload. */
struct listen_socket {
	int fd; /* -1 once closed */
	char *name;
	char *unix_path; /* unlinked when we stop; NULL for TCP or systemd's */
	bool is_unix;
	bool tls;
	struct listener *live;
};

struct http_server {
	struct http_env env;
	struct listen_socket *sockets[MAX_SOCKETS];
	int nsockets;
	struct listener *listeners; /* live and retiring */
	struct http_limits *limits;
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

/* What MHD logged last, for the message when it will not start. */
static char mhd_last_error[256];

static void on_timer(uv_timer_t *t);
static void on_again(uv_idle_t *h);
static void on_drain_timer(uv_timer_t *t);
static void server_closed_one(struct http_server *s);

/* ---- the request's life -------------------------------------------- */

/* Make MHD notice a resumed connection: it learns of the resume through
 * its internal pipe, and the idle handle runs it on the next iteration. */
static void
request_wake(struct http_request *req)
{
	uv_idle_start(&req->l->again, on_again);
}

/*
 * MHD does not look at a suspended connection's socket, so a client that
 * goes away during a long poll or a quiet console stream would hold its
 * connection, and its place under the connection caps, until the poll
 * timed out or the job ended (an hour or more).  While a request is
 * paused, its socket is watched for the peer's hang-up (EPOLLRDHUP); when
 * it comes, the request is resumed marked peer_gone and ends without a
 * reply, which closes the connection.  HTTP clients do not half-close
 * while they wait for an answer, so a hang-up means they are gone.
 *
 * An upload's socket is watched the same way while its body comes in
 * (watch_body).  MHD (0.9.75, epoll) reads a socket only while it thinks
 * it readable, and after it has read the last bytes of a body cut short
 * it does not see the end of the stream that followed them: the
 * connection would sit in CLOSE-WAIT, its blob's temporary file open,
 * until --read-timeout.  On the hang-up the socket is shut down, which
 * MHD does see, and it ends the request as for any dead peer.
 */
struct hangup_watch {
	uv_poll_t poll;
	struct http_request *req; /* NULL once the request is gone */
};

static void
on_hangup_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
hangup_stop(struct http_request *req)
{
	struct hangup_watch *w = req->hangup;

	if (w == NULL)
		return;
	req->hangup = NULL;
	w->req = NULL;
	w->poll.data = w;
	uv_close((uv_handle_t *)&w->poll, on_hangup_closed);
}

static void
on_hangup(uv_poll_t *p, int status, int events)
{
	struct hangup_watch *w = p->data;
	struct http_request *req = w->req;

	(void)status;
	(void)events;
	if (req == NULL)
		return;
	req->watch_body = false;
	req->peer_gone = true;
	if (req->paused) {
		log_debug("http: %s %s: the client hung up while waiting", req->method, req->path);
		http_request_resume(req); /* stops this watch */
		return;
	}
	log_debug("http: %s %s: the client hung up in the middle of its body", req->method,
	    req->path);
	hangup_stop(req);
	http_request_cut(req);
	request_wake(req);
}

static void
request_watch_hangup(struct http_request *req, bool on)
{
	const union MHD_ConnectionInfo *ci;
	struct hangup_watch *w;

	if (!on) {
		/* An upload still coming in stays watched. */
		if (!req->watch_body)
			hangup_stop(req);
		return;
	}
	if (req->hangup != NULL)
		return;
	ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || (w = calloc(1, sizeof(*w))) == NULL)
		return; /* unwatched: it ends when its wait does, as before */
	w->req = req;
	w->poll.data = w;
	if (uv_poll_init(req->env->loop, &w->poll, ci->connect_fd) != 0) {
		free(w);
		return;
	}
	if (uv_poll_start(&w->poll, UV_DISCONNECT, on_hangup) != 0) {
		uv_close((uv_handle_t *)&w->poll, on_hangup_closed);
		return;
	}
	req->hangup = w;
}

static struct http_request *
request_new(struct listener *l, struct MHD_Connection *conn, const char *url, const char *method)
{
	struct http_request *req = calloc(1, sizeof(*req));
	const union MHD_ConnectionInfo *ci;

	if (req == NULL)
		return NULL;
	req->l = l;
	req->env = &l->server->env;
	req->conn = conn;
	req->wake = request_wake;
	req->watch_hangup = request_watch_hangup;
	req->method = strdup(method);
	req->path = strdup(url);
	if (req->method == NULL || req->path == NULL) {
		free(req->method);
		free(req->path);
		free(req);
		return NULL;
	}
	req->over_tcp = !l->sock->is_unix;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	req->hconn = ci != NULL ? ci->socket_context : NULL;
	req->start_ns = uv_hrtime();
	return req;
}

static void
request_free(struct http_request *req)
{
	hangup_stop(req);
	http_upgrade_drop(req->upgrade);
	http_upgrade_forget(req);
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
request_begin(struct http_request *req, const char *version)
{
	struct http_env *d = http_request_env(req);
	const char *cl;
	char allow[128];
	long long len;
	bool known;

	if (http_request_refuse_malformed(req, req->hconn, version))
		return;
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
	if ((req->route->body == HTTP_BODY_JSON || req->route->body == HTTP_BODY_RAW) &&
	    cl != NULL && http_int_parse(cl, strlen(cl), 0, d->max_body_bytes, &len) == -ERANGE) {
		http_reply_error(req, HTTP_ERR_TOO_LARGE, NULL,
		    "request body of %s bytes is over the limit of %lld bytes", cl,
		    (long long)d->max_body_bytes);
		return;
	}
	if (req->route->body == HTTP_BODY_STREAM && req->route->body_begin != NULL) {
		req->route->body_begin(req);
		if (req->response == NULL) {
			req->watch_body = true;
			request_watch_hangup(req, true);
		}
	}
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
	if (req != NULL && req->peer_gone)
		return MHD_NO; /* closes the connection */
	if (req == NULL) {
		req = request_new(l, conn, url, method);
		if (req == NULL)
			return MHD_NO;
		*req_cls = req;
		http_conn_header_done(req->hconn);
		request_begin(req, version);
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
	if (req->response == NULL && !req->handled) {
		/* The request is all in.  What follows is its answer, which
		 * may rightly take long (a long poll, a console stream, a big
		 * download to a slow client), so the read timeout stops here
		 * and on_completed() sets it again for the next request. */
		if (req->env->read_timeout_s > 0) {
			MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
			req->read_timeout_off = true;
		}
		if (req->watch_body) {
			req->watch_body = false;
			if (!req->paused)
				hangup_stop(req);
		}
		request_dispatch(req);
	}
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
	if (req == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_debug("http: %s %s ended early (%d)", req->method, req->path, (int)toe);
	/* A kept-alive connection waits for its next request under the
	 * read timeout again.  Only after a reply that went out: the other
	 * ends are a connection MHD is closing. */
	else if (!req->upgraded) {
		if (req->read_timeout_off)
			MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
			    (unsigned int)req->env->read_timeout_s);
		/* And has that long to send the whole of that request's
		 * header (conn.c). */
		http_conn_header_wait(req->hconn);
	}
	metrics_http_request(req->method, req->route ? req->route->pattern : NULL, req->status,
	    (double)(uv_hrtime() - req->start_ns) / 1e9);
	*req_cls = NULL;
	request_free(req);
}

/* Make L's MHD daemon run on the next loop iteration. */
static void
listener_kick(void *arg)
{
	struct listener *l = arg;

	uv_idle_start(&l->again, on_again);
}

/* MHD's accept policy: a connection over a cap is closed unread. */
static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct listener *l = cls;

	return http_limits_admit(l->server->limits, addr, len) ? MHD_YES : MHD_NO;
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;
	struct http_server *s = l->server;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fi;

		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		fi = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_ctx = http_conn_open(s->env.loop, s->limits,
		    ci != NULL ? ci->client_addr : NULL, fi != NULL ? fi->connect_fd : -1,
		    (uint64_t)s->env.read_timeout_s * 1000, listener_kick, l);
		s->connections++;
		l->connections++;
		return;
	}
	http_conn_close(*socket_ctx);
	*socket_ctx = NULL;
	s->connections--;
	l->connections--;
	/* Deferred: we are inside MHD_run(), and the drain callback stops
	 * the MHD daemons. */
	if (s->draining && s->connections == 0)
		uv_timer_start(&s->drain_timer, on_drain_timer, 0, 0);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	vsnprintf(mhd_last_error, sizeof(mhd_last_error), fmt, ap);
	mhd_last_error[strcspn(mhd_last_error, "\n")] = '\0';
	log_debug("microhttpd: %s", mhd_last_error);
}

/* ---- the loop glue -------------------------------------------------- */

static void
on_listener_closed(uv_handle_t *h)
{
	struct listener *l = h->data;
	struct http_server *s = l->server;
	bool counted = l->counted;

	if (--l->closing > 0)
		return;
	free(l);
	/* A listener that retired earlier is not waited for. */
	if (counted)
		server_closed_one(s);
}

/* Stop L's MHD daemon (never from inside its MHD_run()) and free it. */
static void
listener_stop(struct listener *l)
{
	struct http_server *s = l->server;
	struct listener **pp;

	for (pp = &s->listeners; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	if (l->sock != NULL && l->sock->live == l)
		l->sock->live = NULL;
	uv_poll_stop(&l->poll);
	uv_timer_stop(&l->timer);
	uv_idle_stop(&l->again);
	/* Closes the connections left, and on_completed() frees their
	 * requests. */
	MHD_stop_daemon(l->mhd);
	l->mhd = NULL;
	l->closing = 3;
	uv_close((uv_handle_t *)&l->poll, on_listener_closed);
	uv_close((uv_handle_t *)&l->timer, on_listener_closed);
	uv_close((uv_handle_t *)&l->again, on_listener_closed);
}

static void
listener_run(struct listener *l)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	if (l->mhd == NULL)
		return;
	MHD_run(l->mhd);
	/* An old TLS listener goes once its last connection has. */
	if (l->retiring && l->connections == 0) {
		log_info("http: %s: the connections of the previous TLS certificate are all closed",
		    l->sock != NULL ? l->sock->name : "a listener");
		listener_stop(l);
		return;
	}
	/* MHD keeps connections with buffered data on a ready list and
	 * reports a 0 timeout for them: run again on the next iteration,
	 * after the loop has polled everything else. */
	if (MHD_get_timeout(l->mhd, &timeout) != MHD_YES) {
		uv_timer_stop(&l->timer);
	} else if (timeout == 0) {
		uv_timer_stop(&l->timer);
		uv_idle_start(&l->again, on_again);
	} else {
		uv_timer_start(&l->timer, on_timer, timeout, 0);
	}
}

static void
on_again(uv_idle_t *h)
{
	uv_idle_stop(h);
	listener_run(h->data);
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

/* Start an MHD daemon on SOCK, with PEM when it is a TLS socket, and make
 * it SOCK's live listener.  0, or negative errno with *CAUSE. */
static int
listener_start(struct http_server *s, struct listen_socket *sock, const struct http_tls_pem *pem,
    char **cause)
{
	struct MHD_OptionItem tls_opts[3] = { { MHD_OPTION_END, 0, NULL } };
	/* MHD_ALLOW_UPGRADE: pkvmctl attach (attach.c) turns its request
	 * into the console's raw stream. */
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_UPGRADE;
	const union MHD_DaemonInfo *info;
	struct listener *l;
	int fd;

	*cause = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->server = s;
	l->sock = sock;
	fd = fcntl(sock->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		int err = -errno;

		if (asprintf(cause, "cannot serve %s: %s", sock->name, strerror(errno)) < 0)
			*cause = NULL;
		free(l);
		return err;
	}
	if (sock->tls) {
		flags |= MHD_USE_TLS;
		tls_opts[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, pem->cert };
		tls_opts[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, pem->key };
		tls_opts[2] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	}
	mhd_last_error[0] = '\0';
	/* The caps are the accept policy's, which counts across daemons:
	 * MHD's own limit is one above the total so that it never decides
	 * first (at it, MHD would leave new connections in the backlog,
	 * waiting, where the policy refuses them at once). */
	l->mhd = MHD_start_daemon(flags, 0, on_accept, l, on_access, l, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, l, MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
	    MHD_OPTION_UNESCAPE_CALLBACK, http_conn_unescape, NULL,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_BYTES,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)s->env.max_connections + 1,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)s->env.read_timeout_s, MHD_OPTION_ARRAY,
	    tls_opts, MHD_OPTION_END);
	if (l->mhd == NULL) {
		/* MHD has closed FD. */
		if (asprintf(cause, "cannot start the HTTP server on %s%s%s", sock->name,
			mhd_last_error[0] != '\0' ? ": " : "", mhd_last_error) < 0)
			*cause = NULL;
		free(l);
		return -EIO;
	}
	info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		if (asprintf(cause, "libmicrohttpd has no epoll support") < 0)
			*cause = NULL;
		MHD_stop_daemon(l->mhd);
		free(l);
		return -ENOTSUP;
	}
	uv_poll_init(s->env.loop, &l->poll, info->epoll_fd);
	l->poll.data = l;
	uv_timer_init(s->env.loop, &l->timer);
	l->timer.data = l;
	uv_idle_init(s->env.loop, &l->again);
	l->again.data = l;
	uv_poll_start(&l->poll, UV_READABLE, on_poll);
	l->next = s->listeners;
	s->listeners = l;
	sock->live = l;
	listener_run(l);
	return 0;
}

/* Make L stop accepting; it serves its open connections on.  Not from
 * inside its own MHD_run(). */
static void
listener_quiesce(struct listener *l)
{
	MHD_socket fd = MHD_quiesce_daemon(l->mhd);

	/* Our dup of the socket: the socket stays open in its listen_socket. */
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
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
	if ((err = job_cache_new(&s->env.job_cache)) < 0 ||
	    (err = http_limits_new(&s->limits, env->max_connections, env->max_connections_per_ip)) <
		0) {
		job_cache_free(s->env.job_cache);
		free(s);
		return err;
	}
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

static void
socket_free(struct listen_socket *sock)
{
	if (sock->fd >= 0)
		close(sock->fd);
	free(sock->name);
	free(sock->unix_path);
	free(sock);
}

int
http_server_add_fd(struct http_server *s, int fd, const struct http_listen_opts *o, char **cause)
{
	struct http_tls_pem pem = { 0 };
	struct listen_socket *sock;
	int err;

	*cause = NULL;
	if (s->nsockets == MAX_SOCKETS) {
		close(fd);
		if (asprintf(cause, "too many listeners (at most %d)", MAX_SOCKETS) < 0)
			*cause = NULL;
		return -ENOSPC;
	}
	sock = calloc(1, sizeof(*sock));
	if (sock == NULL) {
		close(fd);
		return -ENOMEM;
	}
	sock->fd = fd;
	sock->is_unix = o->is_unix;
	sock->tls = o->tls;
	sock->name = strdup(o->name);
	if (o->unix_path != NULL)
		sock->unix_path = strdup(o->unix_path);
	if (sock->name == NULL || (o->unix_path != NULL && sock->unix_path == NULL)) {
		err = -ENOMEM;
		goto fail;
	}
	if (o->tls &&
	    (err = http_tls_load(s->env.tls_cert_file, s->env.tls_key_file, &pem, cause)) < 0) {
		char *c = *cause;

		if (asprintf(cause, "%s: %s", o->name, c != NULL ? c : strerror(-err)) < 0)
			*cause = NULL;
		free(c);
		goto fail;
	}
	err = listener_start(s, sock, &pem, cause);
	http_tls_pem_clear(&pem);
	if (err < 0)
		goto fail;
	s->sockets[s->nsockets++] = sock;
	return 0;

fail:
	socket_free(sock);
	return err;
}

void
http_server_reload(struct http_server *s)
{
	struct http_tls_pem pem = { 0 };
	char *cause = NULL;
	bool loaded = false;
	int err;

	for (int i = 0; i < s->nsockets; i++) {
		struct listen_socket *sock = s->sockets[i];
		struct listener *old = sock->live;

		if (!sock->tls || sock->fd < 0 || s->env.shutting_down)
			continue;
		if (!loaded) {
			err = http_tls_load(s->env.tls_cert_file, s->env.tls_key_file, &pem,
			    &cause);
			if (err < 0) {
				log_warnx("TLS reload: %s; keeping the certificate in use",
				    cause != NULL ? cause : strerror(-err));
				free(cause);
				return;
			}
			loaded = true;
		}
		/* The new daemon first: if it cannot start, the old one
		 * still accepts. */
		if ((err = listener_start(s, sock, &pem, &cause)) < 0) {
			log_warnx("TLS reload: %s; keeping the certificate in use",
			    cause != NULL ? cause : strerror(-err));
			free(cause);
			cause = NULL;
			sock->live = old;
			continue;
		}
		if (old != NULL) {
			listener_quiesce(old);
			old->retiring = true;
			if (old->connections == 0)
				listener_stop(old);
		}
		log_info("TLS reload: %s serves new connections with the certificate in %s%s",
		    sock->name, s->env.tls_cert_file,
		    old != NULL && old->retiring && old->connections > 0
			? "; open connections finish with the previous one"
			: "");
	}
	if (loaded)
		http_tls_pem_clear(&pem);
}

void
http_stop_listening(struct http_server *s)
{
	s->env.shutting_down = true;
	for (int i = 0; i < s->nsockets; i++) {
		struct listen_socket *sock = s->sockets[i];

		if (sock->fd < 0)
			continue;
		/* MHD stops accepting; connections in flight carry on. */
		if (sock->live != NULL)
			listener_quiesce(sock->live);
		close(sock->fd);
		sock->fd = -1;
		if (sock->unix_path != NULL)
			unlink(sock->unix_path);
	}
}

static void
server_closed_one(struct http_server *s)
{
	if (--s->pending_closes == 0) {
		if (s->close_cb != NULL)
			s->close_cb(s->close_arg);
		for (int i = 0; i < s->nsockets; i++)
			socket_free(s->sockets[i]);
		http_limits_free(s->limits);
		job_cache_free(s->env.job_cache);
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
	struct listener *l;
	int n = 0;

	s->close_cb = cb;
	s->close_arg = arg;
	s->draining = false;
	for (l = s->listeners; l != NULL; l = l->next) {
		l->counted = true;
		n++;
	}
	s->pending_closes = n + 1;
	uv_close((uv_handle_t *)&s->drain_timer, on_server_timer_closed);
	while (s->listeners != NULL)
		listener_stop(s->listeners);
	for (int i = 0; i < s->nsockets; i++) {
		struct listen_socket *sock = s->sockets[i];

		if (sock->fd >= 0 && sock->unix_path != NULL)
			unlink(sock->unix_path);
	}
}
