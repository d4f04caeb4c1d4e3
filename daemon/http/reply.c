/*
 * reply.c -- what goes back on a request's connection, and when.
 *
 * A handler answers through these helpers only: a JSON body, bytes, a
 * stream produced as the client reads it, or an error.  An error is an
 * enum http_error whose status and code come from the table in errors.c,
 * so every error body has the one shape of docs/API.md:
 *
 *     {"error": {"status": 400, "code": "invalid_field",
 *                "message": "...", "field": "smp"}}
 *
 * A reply is only queued here; server.c hands it to MHD when MHD next
 * calls for the request.  A handler that cannot answer yet pauses the
 * request (MHD then stops calling for it), and a reply or
 * http_request_resume() lets it go on.  Resuming needs MHD to run again,
 * which only server.c can make happen: it goes through the request's wake
 * hook, so this file never calls up into server.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <uv.h>

#include "base/log.h"
#include "http/private.h"

/* How much of a stream MHD asks its producer for at a time. */
#define STREAM_BLOCK_BYTES (64 * 1024)

void
http_request_pause(struct http_request *req)
{
	if (req->paused)
		return;
	req->paused = true;
	MHD_suspend_connection(req->conn);
	req->watch_hangup(req, true);
}

void
http_request_resume(struct http_request *req)
{
	if (!req->paused)
		return;
	req->paused = false;
	req->watch_hangup(req, false);
	MHD_resume_connection(req->conn);
	/* MHD learns of the resume through its internal pipe, which is in its
	 * epoll set; the wake hook makes sure it runs on the next iteration.
	 * Never MHD_run() here: we may be inside an MHD callback. */
	req->wake(req);
}

void
http_request_yield(struct http_request *req)
{
	/* Resumed at once, but MHD takes the resume at its next run, which
	 * the wake puts on the loop's next iteration. */
	MHD_suspend_connection(req->conn);
	MHD_resume_connection(req->conn);
	req->wake(req);
}

void
http_request_cut(struct http_request *req)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);

	/* MHD has no call to drop a connection from outside its callbacks,
	 * and one whose client does not read never calls us again.  Shutting
	 * the socket down makes its next poll report a hang-up, and MHD closes
	 * the connection and completes the request as for any dead peer. */
	req->peer_gone = true;
	if (ci != NULL && shutdown(ci->connect_fd, SHUT_RDWR) != 0)
		log_warn(-errno, "http: %s %s: shutting the connection down", req->method,
		    req->path);
	http_request_resume(req);
}

static void
set_response(struct http_request *req, unsigned status, struct MHD_Response *r)
{
	if (req->response != NULL) {
		/* A handler replied twice: keep the first, it is what the
		 * client is owed. */
		log_warnx("http: %s %s: second reply dropped", req->method, req->path);
		MHD_destroy_response(r);
		return;
	}
	req->response = r;
	req->status = status;
	http_request_resume(req);
}

/* The body of a reply that could not be built: the out-of-memory error,
 * made without jansson, which has just failed. */
static char *
reply_failed_body(unsigned *status)
{
	const struct http_error_row *e = &http_errors[HTTP_ERR_NO_MEMORY];
	char *text;

	*status = e->status;
	if (asprintf(&text, "{\"error\":{\"status\":%u,\"code\":\"%s\",\"message\":\"%s\"}}",
		e->status, e->code, e->message) < 0)
		abort();
	return text;
}

void
http_reply_json(struct http_request *req, unsigned status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *r;
	size_t len;

	json_decref(body);
	if (text == NULL)
		text = reply_failed_body(&status);
	len = strlen(text);
	/* A newline at the end makes curl output readable. */
	text = realloc(text, len + 2);
	if (text == NULL)
		abort();
	text[len++] = '\n';
	text[len] = '\0';
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	set_response(req, status, r);
}

void
http_reply_json_text(struct http_request *req, unsigned status, const char *json, size_t len)
{
	char *text = malloc(len + 2);

	if (text == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	memcpy(text, json, len);
	text[len++] = '\n'; /* as http_reply_json() */
	text[len] = '\0';
	http_reply_text(req, status, "application/json", text, len);
}

void
http_reply_text(struct http_request *req, unsigned status, const char *content_type, char *text,
    size_t len)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	MHD_add_response_header(r, "Content-Type", content_type);
	set_response(req, status, r);
}

void
http_reply_fd(struct http_request *req, unsigned status, const char *content_type, int fd,
    uint64_t size)
{
	/* MHD sends the file itself (sendfile where it can) and closes FD
	 * with the response. */
	struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);

	if (r == NULL) {
		close(fd);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	MHD_add_response_header(r, "Content-Type", content_type);
	set_response(req, status, r);
}

void
http_reply_header(struct http_request *req, const char *name, const char *value)
{
	if (req->response != NULL)
		MHD_add_response_header(req->response, name, value);
}

/* MSG as a JSON string.  A message may quote what the client sent (a path
 * segment, a query value), cut to a length that can split a UTF-8
 * sequence; jansson refuses such a string, so its bytes outside ASCII
 * become '?' rather than the reply becoming a 500. */
static json_t *
message_json(char *msg)
{
	json_t *s = json_string(msg);

	if (s != NULL)
		return s;
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return json_string(msg);
}

void
http_reply_error(struct http_request *req, enum http_error err, const char *field, const char *fmt,
    ...)
{
	const struct http_error_row *e = &http_errors[err];
	char msg[1024];
	va_list ap;
	json_t *body;

	if (fmt == NULL) {
		snprintf(msg, sizeof(msg), "%s", e->message);
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	body = json_pack("{s:i, s:s, s:o}", "status", (int)e->status, "code", e->code, "message",
	    message_json(msg));
	if (body != NULL && field != NULL)
		json_object_set_new(body, "field", json_string(field));
	if (e->status >= 500)
		log_warnx("http: %s %s: %s", req->method, req->path, msg);
	http_reply_json(req, e->status, json_pack("{s:o}", "error", body));
}

void
http_reply_errno(struct http_request *req, int err, const char *what)
{
	switch (err) {
	case -ENOENT:
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "%s: not found", what);
		break;
	case -ESTALE:
	case -EBUSY:
	case -EALREADY:
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL, "%s: %s", what, strerror(-err));
		break;
	case -EFBIG:
		http_reply_error(req, HTTP_ERR_TOO_LARGE, NULL, "%s: too large", what);
		break;
	case -EINVAL:
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, NULL, "%s: invalid", what);
		break;
	case -ENOMEM:
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, "%s: out of memory", what);
		break;
	case -ENOSPC:
	case -EDQUOT:
		http_reply_error(req, HTTP_ERR_INSUFFICIENT_STORAGE, NULL,
		    "%s: state disk full: free space on it and try again", what);
		break;
	default:
		http_reply_error(req, HTTP_ERR_INTERNAL, NULL, "%s: %s", what, strerror(-err));
		break;
	}
}

struct stream {
	struct http_request *req;
	http_stream_fn fn;
	void *arg;
	void (*free_fn)(void *arg);
};

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	ssize_t n;

	if (s->req == NULL || s->req->peer_gone)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = s->fn(s->arg, pos, buf, max);
	if (n == -2)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n;
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	if (s->free_fn != NULL)
		s->free_fn(s->arg);
	free(s);
}

void
http_reply_stream(struct http_request *req, unsigned status, const char *content_type,
    http_stream_fn fn, void *arg, void (*free_fn)(void *arg), const char *header, const char *value)
{
	struct stream *s = calloc(1, sizeof(*s));
	struct MHD_Response *r;

	if (s == NULL) {
		if (free_fn != NULL)
			free_fn(arg);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	s->req = req;
	s->fn = fn;
	s->arg = arg;
	s->free_fn = free_fn;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK_BYTES, stream_read, s,
	    stream_free);
	if (r == NULL) {
		stream_free(s);
		http_reply_error(req, HTTP_ERR_INTERNAL, NULL, "cannot create stream");
		return;
	}
	MHD_add_response_header(r, "Content-Type", content_type);
	if (header != NULL && value != NULL)
		MHD_add_response_header(r, header, value);
	set_response(req, status, r);
}

/* The types of the files pkvmd serves as they are: the dashboard's and
 * genhtml's reports. */
static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
};

const char *
http_content_type(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++) {
		size_t el = strlen(content_types[i].ext);

		if (len > el && strcmp(name + len - el, content_types[i].ext) == 0)
			return content_types[i].type;
	}
	return NULL;
}

/* ---- upgraded connections ------------------------------------------------ */

struct http_upgrade {
	http_upgraded_fn fn;
	void *arg;
	void (*free_fn)(void *arg);
	struct MHD_UpgradeResponseHandle *urh;
	/* Alive until MHD has cleaned the connection up, which happens on
	 * its next run after the close: its wake hook makes that run come. */
	struct http_request *req;
	struct upgrade_hangup *hangup; /* behind TLS only */
};

/*
 * Behind TLS the handler's socket is one end of a socketpair, MHD's
 * forwarding at the other, and MHD does not pass the client's hang-up on:
 * the handler would never read an end of stream.  So the client's own
 * socket is watched for it (as server.c does for paused requests), and a
 * hang-up shuts the handler's socket down for reading, which it reads as
 * the end.
 */
struct upgrade_hangup {
	uv_poll_t poll;
	int app_fd;
};

static void
on_upgrade_hangup_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
on_upgrade_hangup(uv_poll_t *p, int status, int events)
{
	struct upgrade_hangup *w = p->data;

	(void)status;
	(void)events;
	uv_poll_stop(p);
	(void)shutdown(w->app_fd, SHUT_RD);
}

static void
upgrade_watch_hangup(struct http_upgrade *u, int app_fd)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(u->req->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	struct upgrade_hangup *w;

	if (ci == NULL || ci->connect_fd == app_fd || (w = calloc(1, sizeof(*w))) == NULL)
		return;
	w->app_fd = app_fd;
	w->poll.data = w;
	if (uv_poll_init(u->req->env->loop, &w->poll, ci->connect_fd) != 0) {
		free(w);
		return;
	}
	if (uv_poll_start(&w->poll, UV_DISCONNECT, on_upgrade_hangup) != 0) {
		uv_close((uv_handle_t *)&w->poll, on_upgrade_hangup_closed);
		return;
	}
	u->hangup = w;
}

static void
on_upgraded(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra,
    size_t extra_len, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct http_upgrade *u = cls;
	struct http_request *req = req_cls;

	(void)conn;
	/* The request lives on until MHD closes the connection, but the
	 * upgrade is the handler's from here. */
	if (req != NULL) {
		req->upgrade = NULL;
		req->upgraded = true;
	}
	u->req = req;
	u->urh = urh;
	if (req != NULL)
		upgrade_watch_hangup(u, sock);
	u->fn(u->arg, sock, extra, extra_len, u);
}

void
http_reply_upgrade(struct http_request *req, const char *protocol, http_upgraded_fn fn, void *arg,
    void (*free_fn)(void *arg))
{
	struct http_upgrade *u = calloc(1, sizeof(*u));
	struct MHD_Response *r;

	if (u == NULL || (r = MHD_create_response_for_upgrade(on_upgraded, u)) == NULL) {
		free(u);
		free_fn(arg);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	u->fn = fn;
	u->arg = arg;
	u->free_fn = free_fn;
	MHD_add_response_header(r, "Upgrade", protocol);
	MHD_add_response_header(r, "Connection", "Upgrade");
	req->upgrade = u;
	set_response(req, MHD_HTTP_SWITCHING_PROTOCOLS, r);
}

bool
http_request_wants_upgrade(struct http_request *req, const char *protocol)
{
	const char *c = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Connection");
	const char *u = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Upgrade");

	return c != NULL && u != NULL && strcasestr(c, "upgrade") != NULL &&
	    strcasecmp(u, protocol) == 0;
}

/*
 * MHD tears a closed upgraded connection down over several of its runs (the
 * close marks it, forwarding behind TLS drains, a resume moves it to the
 * cleanup list, the cleanup closes the socket), and nothing that the loop
 * watches need become ready between them: no client is left to send
 * anything.  So MHD is run a few more times after a close, at growing
 * intervals, until the request is completed (http_upgrade_forget) or the
 * last try.  Behind TLS, MHD forwards what the handler wrote last (the
 * end of a console session) but then never closes the client's connection
 * itself: a connection still there after REAP_FORCE_TRY tries (210 ms,
 * time for the last bytes to go out) has its socket shut down, and MHD's
 * next run cleans it up as for any dead peer.
 */
#define REAP_TRIES 6
#define REAP_FIRST_MS 10
#define REAP_FORCE_TRY 3

struct upgrade_reaper {
	uv_timer_t timer;
	struct http_request *req; /* NULL once completed */
	int tries;
};

static void
on_reaper_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
on_reap(uv_timer_t *t)
{
	struct upgrade_reaper *r = t->data;

	if (r->req == NULL || ++r->tries >= REAP_TRIES) {
		if (r->req != NULL)
			r->req->reaper = NULL;
		uv_close((uv_handle_t *)&r->timer, on_reaper_closed);
		return;
	}
	if (r->tries >= REAP_FORCE_TRY) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->req->conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);

		if (ci != NULL)
			(void)shutdown(ci->connect_fd, SHUT_RDWR);
	}
	r->req->wake(r->req);
	uv_timer_start(&r->timer, on_reap, (uint64_t)REAP_FIRST_MS << (2 * r->tries), 0);
}

static void
upgrade_reap(struct http_request *req)
{
	struct upgrade_reaper *r;

	req->wake(req);
	if (req->reaper != NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return;
	r->req = req;
	r->timer.data = r;
	uv_timer_init(req->env->loop, &r->timer);
	uv_timer_start(&r->timer, on_reap, REAP_FIRST_MS, 0);
	req->reaper = r;
}

void
http_upgrade_forget(struct http_request *req)
{
	if (req->reaper != NULL)
		req->reaper->req = NULL;
	req->reaper = NULL;
}

void
http_upgraded_close(struct http_upgrade *u)
{
	/* Before MHD may close the socket it watches. */
	if (u->hangup != NULL) {
		uv_poll_stop(&u->hangup->poll);
		uv_close((uv_handle_t *)&u->hangup->poll, on_upgrade_hangup_closed);
	}
	if (u->urh != NULL)
		MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	if (u->req != NULL)
		upgrade_reap(u->req);
	free(u);
}

/* The request went without its upgrade (the client left before the 101
 * went out): the handler's state goes with it. */
void
http_upgrade_drop(struct http_upgrade *u)
{
	if (u == NULL)
		return;
	u->free_fn(u->arg);
	free(u);
}
