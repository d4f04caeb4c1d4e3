/*
 * http.h -- pkvmd's HTTP layer: libmicrohttpd driven by the libuv loop.
 *
 * Each listening socket (Unix, TCP, TCP with TLS) is served by one
 * MHD daemon (two for a while after a TLS reload) in MHD_USE_EPOLL mode without threads of its own: MHD's epoll
 * descriptor is watched by a uv_poll handle and MHD_run() is called from
 * the loop when it is readable or when MHD's timeout expires.  Handlers
 * therefore run on the loop thread and use the store and the runner
 * directly, with no locks.  Anything slow (blob writes, long polls,
 * console streams) suspends its connection and resumes it from a callback.
 *
 * Requests are matched against the one routing table in routes.c.
 * Replies go only through the http_reply_*() helpers, and errors only
 * through the table in errors.c, so every error body has the shape and
 * the codes documented in docs/API.md.
 */
#ifndef PKVM_HTTP_H
#define PKVM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include <uv.h>

struct blobs;
struct ci_fetcher;
struct ci_status;
struct ci_projects;
struct coverage;
struct coverage_html;
struct event_bus;
struct http_request;
struct http_server;
struct prune;
struct runner;
struct share_config;
struct store;
struct watch_list;

/* What the handlers work with, all borrowed for the server's life (main.c
 * fills it; the server keeps a copy). */
struct http_env {
	uv_loop_t *loop;
	struct store *store;
	struct blobs *blobs;
	struct runner *runner;
	struct watch_list *watches;
	struct event_bus *events; /* GET /v1/events (job/events.h) */
	int64_t events_max_queue_bytes; /* unread by an events client before it is cut */
	struct coverage *coverage;
	struct coverage_html *coverage_html; /* GET /v1/jobs/ID/coverage/html/ (coverage/html.h) */
	struct prune *prune; /* POST /v1/prune */
	const char *state_dir;
	const char *ui_dir; /* the dashboard's files (static.c), or NULL for none */
	int64_t max_body_bytes; /* a JSON request body */
	int64_t max_blob_bytes; /* an uploaded blob */
	int64_t monitor_file_max_bytes; /* a file a monitor command writes (monitor.c) */
	int64_t max_jobs_listed; /* GET /v1/jobs?limit= */
	const char *default_cpu; /* a job's cpu when its submitter names none */
	int64_t min_free_bytes; /* /v1/health is 503 below this free in state_dir */
	bool public_read; /* TCP callers without a token may read */
	bool has_admin_gid; /* --admin-group names a group that exists */
	gid_t admin_gid; /* its members are admins on the Unix socket */
	bool shutting_down; /* set by http_stop_listening(): submits refused */
	const struct share_config *share; /* quotas and --max-mem (run/share.h) */
	/* --ci-dir's projects (ci/project.h): main.c's pointer, which a
	 * SIGHUP swaps; take a reference for work that outlives a request. */
	struct ci_projects **ci_projects;
	struct ci_fetcher *fetcher; /* outgoing HTTP (ci/fetch.h) */
	struct ci_status *ci_status; /* commit statuses of CI jobs (ci/status.h) */
	const char *public_url; /* how users reach this server, for links; or NULL */
	const char *tls_cert_file; /* PEM chain of ,tls listeners (read again on reload) */
	const char *tls_key_file; /* its private key */
	int64_t max_connections; /* client connections open at once, all listeners */
	int64_t max_connections_per_ip; /* TCP ones from one address; 0: no cap */
	int64_t read_timeout_s; /* a client silent this long mid-request is cut; 0: never */
	/* Rendered jobs (handlers.h): made by http_server_new(), callers
	 * leave it NULL. */
	struct job_cache *job_cache;
};

/* How a listening socket is served (http_server_add_fd). */
struct http_listen_opts {
	const char *name; /* where it listens, for messages: "tcp:127.0.0.1:8080" */
	bool is_unix; /* callers are named by SO_PEERCRED, not by token */
	const char *unix_path; /* a socket file to unlink when we stop, or NULL */
	bool tls; /* TCP with TLS, with the --tls-cert and --tls-key */
};

/* The errors the API answers with.  Each is one row of the table in
 * errors.c: its HTTP status, its stable code (docs/API.md) and a default
 * message.  Several may share a code: HTTP_ERR_NO_MEMORY is an
 * "internal" with its own message. */
enum http_error {
	HTTP_ERR_BAD_JSON,
	HTTP_ERR_INVALID_FIELD,
	HTTP_ERR_UNKNOWN_FIELD,
	HTTP_ERR_MISSING_FIELD,
	HTTP_ERR_BAD_KERNEL,
	HTTP_ERR_BAD_DISK,
	HTTP_ERR_DIGEST_MISMATCH,
	HTTP_ERR_UNAUTHORIZED,
	HTTP_ERR_FORBIDDEN,
	HTTP_ERR_NOT_FOUND,
	HTTP_ERR_METHOD_NOT_ALLOWED,
	HTTP_ERR_CONFLICT,
	HTTP_ERR_MISSING_BLOB,
	HTTP_ERR_PRUNED,
	HTTP_ERR_LENGTH_REQUIRED,
	HTTP_ERR_TOO_LARGE,
	HTTP_ERR_QUOTA_EXCEEDED,
	HTTP_ERR_SHUTTING_DOWN,
	HTTP_ERR_INTERNAL,
	HTTP_ERR_NO_MEMORY,
	HTTP_ERR_BAD_PAYLOAD,
	HTTP_ERR_BAD_REQUEST,
	HTTP_ERR_INSUFFICIENT_STORAGE,
	HTTP_ERR_COUNT
};

/* What a caller may do; a route needs one (routes.c), a caller holds a
 * set (auth.c).  Admin holds the others. */
#define HTTP_SCOPE_READ 1u /* jobs, logs, results */
#define HTTP_SCOPE_SUBMIT 2u /* submit, upload, cancel one's own jobs */
#define HTTP_SCOPE_ADMIN 4u /* anyone's jobs, users, tokens, quotas */
/* A route anyone may use, even without a token (/v1/health): a bit of its
 * own, so that a route row that names no scope is caught at start-up. */
#define HTTP_SCOPE_PUBLIC 8u

/* ---- the server (server.c) ---- */

/* Create an HTTP server over ENV (copied), with no listener yet. */
int http_server_new(struct http_server **out, const struct http_env *env);
/* Serve the listening socket FD (taken over, also on failure) as O says.
 * 0, or negative errno with *CAUSE. */
int http_server_add_fd(struct http_server *s, int fd, const struct http_listen_opts *o,
    char **cause);
/* Read the TLS certificate and key files again and serve new TLS
 * connections with them, while connections open now finish on the old
 * ones; a pair that does not load is logged and the old one kept. */
void http_server_reload(struct http_server *s);

/* ---- listeners (listen.c) ---- */

/* Listen where SPEC says: "unix:PATH[,mode=0660]" (a socket file, refused
 * when another live daemon answers there) or "tcp:ADDR:PORT[,tls]" (ADDR an
 * IPv4 address, a host name, or an IPv6 address in brackets; with tls, TLS
 * with --tls-cert and --tls-key).  0, or negative errno with *CAUSE. */
int http_listen(struct http_server *s, const char *spec, char **cause);
/* Take the listening sockets systemd passed (LISTEN_PID is ours and
 * LISTEN_FDS > 0): Unix or TCP as getsockname() says, TLS when its
 * FileDescriptorName= is "tls".  The count taken (0 when none were passed),
 * or negative errno with *CAUSE; the LISTEN_* variables are unset. */
int http_listen_activated(struct http_server *s, char **cause);
/* Listen on a Unix socket at PATH with permission bits MODE. */
int http_listen_unix(struct http_server *s, const char *path, mode_t mode, char **cause);
/* Listen on TCP at HOST:PORT, with TLS when TLS is set. */
int http_listen_tcp(struct http_server *s, const char *host, const char *port, bool tls,
    char **cause);
/* Stop accepting connections (on shutdown); in-flight requests finish. */
void http_stop_listening(struct http_server *s);
/* After http_stop_listening(): let clients that are still connected
 * finish (a reply being sent, a follow-up request on a kept-alive
 * connection) and call CB once they have all closed their connections, or
 * after TIMEOUT_MS. */
void http_server_drain(struct http_server *s, uint64_t timeout_ms, void (*cb)(void *arg),
    void *arg);
/* Close everything; CB runs when the loop handles are closed. */
void http_server_close(struct http_server *s, void (*cb)(void *arg), void *arg);

/* ---- what the client sent (params.c) ---- */

/* The environment of the server this request came to. */
struct http_env *http_request_env(struct http_request *req);
/* Path parameter NAME ("id" for {id}), or NULL. */
const char *http_request_param(struct http_request *req, const char *name);
/* Query argument NAME, or NULL. */
const char *http_request_query(struct http_request *req, const char *name);
/* Request header NAME, or NULL. */
const char *http_request_header(struct http_request *req, const char *name);
/* The parsed JSON body of an HTTP_BODY_JSON route (borrowed). */
json_t *http_request_json(struct http_request *req);
/* The raw body of an HTTP_BODY_RAW route, *LEN bytes (NUL-terminated;
 * borrowed). */
const char *http_request_body(struct http_request *req, size_t *len);
/* Attach handler state, freed by FREE_FN when the request completes. */
void http_request_set_data(struct http_request *req, void *data, void (*free_fn)(void *data));
/* The handler state attached with http_request_set_data(). */
void *http_request_data(struct http_request *req);
/* The one number parser: the LEN bytes at S as a whole decimal number in
 * [MIN, MAX] into *V; 0, -EINVAL when empty or not a number, -ERANGE when
 * it overflows or is outside the range. */
int http_int_parse(const char *s, size_t len, long long min, long long max, long long *v);
/* Query argument NAME as a number in [MIN, MAX], DEF when absent; when it
 * is given but empty, not a number or out of range, replies 400 naming it
 * and the range and returns -EINVAL, and the handler just returns. */
int http_query_int(struct http_request *req, const char *name, long long min, long long max,
    long long def, long long *v);

/* ---- who is asking (auth.c) ---- */

/* The caller's user name ("anonymous" without one): jobs are theirs. */
const char *http_request_owner(struct http_request *req);
/* How the caller came: "socket", "token:ID", "anonymous" (a job keeps it
 * as its via). */
const char *http_request_via(struct http_request *req);
/* Whether the caller holds the admin scope. */
bool http_request_is_admin(struct http_request *req);
/* Whether the caller may cancel or change a job of OWNER: their own with
 * the submit scope, anyone's as an admin. */
bool http_request_may_change(struct http_request *req, const char *owner);
/* "read", "submit", "admin" for one HTTP_SCOPE_* bit. */
const char *http_scope_name(unsigned scope);
/* The caller's user name, or NULL when anonymous. */
const char *http_request_user(struct http_request *req);
/* The caller's HTTP_SCOPE_* bits (admin comes with the others). */
unsigned http_request_scopes(struct http_request *req);
/* The id of the token the caller showed, or 0 when none. */
int64_t http_request_token(struct http_request *req);
/* The scope named by the LEN bytes at NAME into *BIT: 0, or -EINVAL. */
int http_scope_parse(const char *name, size_t len, unsigned *bit);
/* A stored scope list ("read,submit") into *SCOPES, admin bringing the
 * others: 0, or -EINVAL for an unknown name or an empty list. */
int http_scopes_parse(const char *text, unsigned *scopes);
/* SCOPES as a stored scope list ("read,submit,admin") into BUF. */
void http_scopes_text(unsigned scopes, char *buf, size_t len);
/* SCOPES as a JSON array of names, or NULL when out of memory. */
json_t *http_scopes_json(unsigned scopes);

/* ---- what goes back, and when (reply.c) ---- */

/* Keep the connection waiting: the reply comes later from a callback. */
void http_request_pause(struct http_request *req);
/* Let a paused request go on (a stream has more bytes, a body chunk is
 * stored).  Harmless when not paused. */
void http_request_resume(struct http_request *req);
/* Let the loop go round before REQ goes on: from a stream's producer,
 * which then returns 0; MHD asks it again on the loop's next iteration,
 * after everything else ready has had its turn. */
void http_request_yield(struct http_request *req);
/* Close REQ's connection now, whatever MHD still holds to send: for a
 * stream whose client stopped reading (MHD would wait for it forever). */
void http_request_cut(struct http_request *req);
/* Reply STATUS with BODY (reference stolen).  Resumes a paused request. */
void http_reply_json(struct http_request *req, unsigned status, json_t *body);
/* Reply STATUS with the JSON text of LEN bytes at JSON (copied). */
void http_reply_json_text(struct http_request *req, unsigned status, const char *json, size_t len);
/* Reply STATUS with the LEN bytes of TEXT (malloc'd; ownership taken). */
void http_reply_text(struct http_request *req, unsigned status, const char *content_type,
    char *text, size_t len);
/* Reply STATUS with the SIZE bytes of the open regular file FD (taken:
 * closed with the response, also on failure). */
void http_reply_fd(struct http_request *req, unsigned status, const char *content_type, int fd,
    uint64_t size);
/* Reply with error ERR in the standard error body; FIELD may be NULL, and
 * with FMT NULL the message is the error's default one. */
void http_reply_error(struct http_request *req, enum http_error err, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Add the header NAME: VALUE to the reply just queued for REQ (after an
 * http_reply_*() call); nothing when there is none. */
void http_reply_header(struct http_request *req, const char *name, const char *value);
/* Reply for a negative errno from a lower layer, with a message. */
void http_reply_errno(struct http_request *req, int err, const char *what);

/* Produces up to MAX bytes of a streamed body at POS into BUF: returns the
 * count, 0 after pausing the request (more later), -1 at the end, or -2
 * when it cannot go on (the connection is cut: no partial body passes for
 * a whole one). */
typedef ssize_t (*http_stream_fn)(void *arg, uint64_t pos, char *buf, size_t max);
/* Reply STATUS with a streamed body of CONTENT_TYPE produced by FN(ARG);
 * FREE_FN(ARG) runs when the response is destroyed.  HEADER/VALUE may add
 * one header (both NULL for none). */
void http_reply_stream(struct http_request *req, unsigned status, const char *content_type,
    http_stream_fn fn, void *arg, void (*free_fn)(void *arg), const char *header,
    const char *value);

/* A connection handed over after 101 Switching Protocols: raw bytes both
 * ways on its descriptor.  Closed with http_upgraded_close(), only. */
struct http_upgrade;
/* Called once the 101 went out: FD is the stream (plain TCP, the Unix
 * socket, or a socketpair behind which MHD does TLS; never close() it),
 * EXTRA the EXTRA_LEN bytes the client sent after its request, which MHD
 * had already read.  ARG is the handler's from http_reply_upgrade(). */
typedef void (*http_upgraded_fn)(void *arg, int fd, const char *extra, size_t extra_len,
    struct http_upgrade *u);
/* Reply 101 Switching Protocols to PROTOCOL (the Upgrade header), then
 * hand the connection to FN(ARG).  When the connection goes before the
 * hand-over, FREE_FN(ARG) runs instead. */
void http_reply_upgrade(struct http_request *req, const char *protocol, http_upgraded_fn fn,
    void *arg, void (*free_fn)(void *arg));
/* Whether REQ asks to upgrade to PROTOCOL (Connection: upgrade and
 * Upgrade: PROTOCOL, HTTP/1.1). */
bool http_request_wants_upgrade(struct http_request *req, const char *protocol);
/* Done with an upgraded connection: MHD closes it. */
void http_upgraded_close(struct http_upgrade *u);

/* The Content-Type of a file named NAME by its extension, or NULL when it
 * is none of the kinds pkvmd serves (html, css, js, svg, png, ico, txt). */
const char *http_content_type(const char *name);

/* ---- the error table (errors.c) ---- */

/* The error whose stable code is CODE, for a lower layer that names its
 * errors by code (job-json.c); DEF when no row has it. */
enum http_error http_error_by_code(const char *code, enum http_error def);

#endif
