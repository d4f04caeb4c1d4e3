/*
 * http-private.h -- what the files of the HTTP layer below the handlers
 * share: the request's state, the routing table's rows and the table of
 * errors.
 *
 * The layer is four files behind http.h, from the bottom up: errors.c
 * (the table of errors), reply.c (what goes back and when: replies,
 * pausing and resuming a connection), params.c (what the client sent:
 * path parameters, query, headers, body, and the one number parser, which
 * replies when a number is bad) and server.c (libmicrohttpd on the libuv
 * loop, the request's life, the listeners), with routes.c holding the
 * routing table and its lookup.  A file calls
 * only the files below it; where a lower one must reach up (a resumed
 * connection has to make MHD run again, which only server.c can do), it
 * goes through a hook server.c set in the request.  Only these files and
 * the handlers' routing table include this header.
 */
#ifndef PKVM_HTTP_PRIVATE_H
#define PKVM_HTTP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http/http.h"

/* Path parameters a route pattern may name ({id}, {sha256}, ...). */
#define HTTP_MAX_PARAMS 4

/* How a route takes its request body; a row that names none takes none. */
enum http_body {
	HTTP_BODY_NONE = 0, /* any body is refused */
	HTTP_BODY_JSON, /* buffered up to --max-body, parsed before the handler */
	HTTP_BODY_STREAM, /* handed to the route's body callbacks chunk by chunk */
	HTTP_BODY_RAW, /* buffered up to --max-body, not parsed (a signed webhook) */
};

struct http_route {
	const char *method;
	/* "/v1/jobs/{id}/wait": {x} matches one segment; a final {x...}
	 * matches the rest of the path, slashes included, or nothing. */
	const char *pattern;
	/* The HTTP_SCOPE_* the caller needs; a row must name one unless it
	 * is public (HTTP_SCOPE_PUBLIC, spelled out so none is by accident). */
	unsigned scope;
	enum http_body body;
	/* Called once the whole request (and a JSON body) is in. */
	void (*handler)(struct http_request *req);
	/* HTTP_BODY_STREAM only: called on the headers, before any body, so
	 * the route can refuse early (reply) or set up its sink. */
	void (*body_begin)(struct http_request *req);
	/* HTTP_BODY_STREAM only: take LEN bytes.  The route may pause the
	 * request (http_request_pause) until it has stored them. */
	void (*body_chunk)(struct http_request *req, const char *data, size_t len);
};

/* One row of the error table: what the client sees for an enum http_error. */
struct http_error_row {
	unsigned status;
	const char *code; /* stable: clients and docs/API.md rely on it */
	const char *message; /* when the call site gives no text of its own */
};

/* Indexed by enum http_error (errors.c). */
extern const struct http_error_row http_errors[HTTP_ERR_COUNT];

struct listener;

/* Who is asking (auth.c). */
struct http_identity {
	char user[64]; /* "" when anonymous */
	unsigned scopes; /* HTTP_SCOPE_* bits */
	char via[48]; /* how they came: "socket", "token:12", "anonymous" */
	int64_t token_id; /* 0 when not by token */
	uid_t uid; /* Unix socket peers */
	bool has_uid;
	/* A credential was shown and is wrong, expired or revoked: 401 with
	 * this text whatever the route. */
	const char *bad_credential;
	char why[160]; /* where bad_credential's text is made */
};

struct http_request {
	struct listener *l; /* server.c's: the listener it came in on */
	struct http_env *env; /* the server's */
	struct MHD_Connection *conn;
	const struct http_route *route;
	char *method;
	char *path;
	char *params[HTTP_MAX_PARAMS][2];
	int nparams;
	struct http_identity who;
	bool over_tcp; /* came in on a TCP listener */
	struct http_conn *hconn; /* its connection's (conn.c); NULL when out of memory */
	uint64_t start_ns; /* uv_hrtime() at its headers: its latency's start */

	char *body; /* JSON body being buffered */
	size_t body_len;
	bool body_too_big;
	json_t *json;

	bool handled; /* the handler has run */
	bool read_timeout_off; /* while it is answered (server.c) */
	bool paused;
	/* The client hung up while the request was paused (server.c's
	 * hang-up watch): the request ends without a reply. */
	bool peer_gone;
	bool watch_body; /* an upload's socket watched for a hang-up (server.c) */
	struct hangup_watch *hangup; /* server.c's, while paused */
	struct MHD_Response *response;
	unsigned status;

	void *data;
	void (*data_free)(void *data);

	/* An upgrade reply queued (reply.c), until the connection is handed
	 * over; and the request was upgraded: MHD's timeouts no longer
	 * apply, the connection is the handler's raw stream. */
	struct http_upgrade *upgrade;
	bool upgraded;
	struct upgrade_reaper *reaper; /* reply.c's, after an upgraded close */

	/* Makes MHD notice a resumed connection: server.c's, so that
	 * reply.c, below it, resumes requests without calling up into it. */
	void (*wake)(struct http_request *req);
	/* Watches a paused request's socket for the client hanging up (ON),
	 * or stops (server.c's, called by reply.c on pause and resume). */
	void (*watch_hangup)(struct http_request *req, bool on);
};

/* ---- serving sockets: TLS material (tls.c), connection caps (conn-limits.c) ---- */

/* A certificate chain and its private key as PEM text, NUL-terminated. */
struct http_tls_pem {
	char *cert;
	char *key;
	size_t key_len;
};

/* Read CERT_FILE and KEY_FILE into *PEM and check that GnuTLS takes them
 * as a pair.  0, or negative errno with *CAUSE naming the file and why. */
int http_tls_load(const char *cert_file, const char *key_file, struct http_tls_pem *pem,
    char **cause);
/* Wipe the key and free both texts. */
void http_tls_pem_clear(struct http_tls_pem *pem);

struct http_limits;

/* Connection caps over all of a server's listeners: MAX_TOTAL open at
 * once, MAX_PER_IP (0: none) from one IPv4 address or IPv6 /64. */
int http_limits_new(struct http_limits **out, int64_t max_total, int64_t max_per_ip);
void http_limits_free(struct http_limits *lim);
/* Whether a connection just accepted from ADDR (NULL or not IP: a Unix
 * socket) stays under the caps; a refusal is logged (rate-limited). */
bool http_limits_admit(struct http_limits *lim, const struct sockaddr *addr, socklen_t len);
/* Count a connection from ADDR as open; the handle goes to
 * http_limits_closed() when it closes. */
void *http_limits_opened(struct http_limits *lim, const struct sockaddr *addr);
/* Count the connection HANDLE (from http_limits_opened) as closed. */
void http_limits_closed(struct http_limits *lim, void *handle);

struct http_conn;

/* A connection just opened from ADDR (NULL for a Unix socket client) on
 * FD: counted under the caps of LIM, and given HEADER_DEADLINE_MS (0:
 * none) to send a whole request header, after which FD is shut down and
 * KICK(KICK_ARG) makes MHD notice.  NULL when out of memory. */
struct http_conn *http_conn_open(uv_loop_t *loop, struct http_limits *lim,
    const struct sockaddr *addr, int fd, uint64_t header_deadline_ms, void (*kick)(void *arg),
    void *kick_arg);
/* The connection C (may be NULL) has closed: uncount it and free it. */
void http_conn_close(struct http_conn *c);
/* C's peer's identity (a Unix socket's) into *OUT, when kept: true. */
bool http_conn_identity(const struct http_conn *c, struct http_identity *out);
/* Keep ID as C's peer's identity for its later requests; C may be NULL. */
void http_conn_identity_keep(struct http_conn *c, const struct http_identity *id);
/* C waits for a request header: start its deadline. */
void http_conn_header_wait(struct http_conn *c);
/* C's request header is all in: stop its deadline. */
void http_conn_header_done(struct http_conn *c);
/* MHD's unescape callback: decode %XX in S in place and return its
 * length, marking the connection when the result holds a NUL. */
size_t http_conn_unescape(void *cls, struct MHD_Connection *conn, char *s);
/* Whether C's current request had a %00 in its path or query; clears it. */
bool http_conn_take_bad_escape(struct http_conn *c);

/* Whether REQ (on connection C, in HTTP VERSION) is malformed in a way
 * MHD let through; if so it has been answered 400 bad_request
 * (request-check.c). */
bool http_request_refuse_malformed(struct http_request *req, struct http_conn *c,
    const char *version);

/* Identify REQ's caller from the Unix socket FD's peer credentials. */
void http_auth_unix(struct http_request *req, int fd);
/* Identify REQ's caller on TCP from its Authorization header. */
void http_auth_tcp(struct http_request *req);
/* Whether REQ's caller may use its route; replies 401 or 403 when not. */
bool http_auth_allowed(struct http_request *req);

/* REQ's upgrade never happened: free the handler's state (reply.c). */
void http_upgrade_drop(struct http_upgrade *u);
/* REQ is being freed: what still runs MHD for its upgraded connection's
 * teardown lets go of it (reply.c). */
void http_upgrade_forget(struct http_request *req);

/* Every row of the error table is filled: 0, or -EINVAL when one is not. */
int http_errors_check(void);

/* Every route names the scope it needs: 0, or -EINVAL when one does not. */
int http_routes_check(void);

/* The route for REQ's method and path, with its {name} segments stored in
 * REQ; NULL when there is none, with *PATH_KNOWN telling whether another
 * method has the path (405) or nothing does (404) and ALLOW listing the
 * methods that do. */
const struct http_route *http_route_find(struct http_request *req, bool *path_known, char *allow,
    size_t allowlen);

/* job-cache.c: the cache of rendered jobs (handlers.h), which the server
 * makes and frees.  A new, empty cache: 0 or -ENOMEM. */
int job_cache_new(struct job_cache **out);
/* Free C; NULL is fine. */
void job_cache_free(struct job_cache *c);

#endif
