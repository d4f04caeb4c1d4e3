/*
 * api.h -- pkvmctl's only door to pkvmd: HTTP over libcurl, JSON via jansson.
 *
 * Every request goes through a struct api, which knows where the daemon is
 * (a Unix socket, or a base URL for a TCP lab server), the bearer token a
 * TCP server is shown, and holds one reused curl handle.  Functions return 0 when the server answered 2xx and a
 * negative errno otherwise: -EREMOTEIO when the server answered with an
 * error (status and message are kept in the struct), the connect errno
 * (-ENOENT, -ECONNREFUSED, -EACCES, ...) when it could not be reached, -EIO
 * for other transport failures, -EPROTO when a 2xx body was not JSON.
 * api_fail() turns any of these into a message on stderr and an exit code.
 */
#ifndef PKVM_CLIENT_API_H
#define PKVM_CLIENT_API_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct api {
	void *curl; /* CURL *, opaque outside api.c */
	char *socket_path; /* Unix socket, or NULL when base_url is TCP */
	char *base_url; /* "http://pkvmd" for the socket, else the --url */
	long status; /* HTTP status of the last answer, 0 when none */
	char *message; /* why the last call failed, or NULL */
	char *token; /* bearer token, sent only over TCP; or NULL */
	char *cacert; /* CA file that verifies the server's TLS certificate, or
		       * NULL for the system's store */
	void *headers; /* struct curl_slist * of the request being made */
	/* An upgraded connection (api_upgrade): its socket, and bytes that
	 * came with the 101 answer, not yet taken by api_raw_recv(). */
	int raw_fd;
	char raw_extra[8192];
	size_t raw_extra_len;
};

/* Called during an upload with the bytes sent so far and the total. */
typedef void (*api_progress_cb)(void *arg, uint64_t sent, uint64_t total);
/* Called with each piece of a streamed body; 0, or negative errno to stop. */
typedef int (*api_write_cb)(void *arg, const char *buf, size_t len);

/* Point A at the daemon's SOCKET_PATH, or at URL when it is not NULL; 0 or
 * negative errno (message in A). */
int api_open(struct api *a, const char *socket_path, const char *url);
/* Show TOKEN (may be NULL) on every request to a TCP server, never on the
 * Unix socket, and verify TLS against CACERT (NULL: the system's CA
 * store); 0 or -ENOMEM. */
int api_set_auth(struct api *a, const char *token, const char *cacert);
/* Release everything A holds. */
void api_close(struct api *a);

/* Send METHOD to PATH (starting with "/v1") with BODY as JSON when not NULL;
 * on 2xx store the parsed reply (or NULL for an empty body) in *REPLY when
 * REPLY is not NULL. */
int api_request(struct api *a, const char *method, const char *path, json_t *body, json_t **reply);
/* GET PATH and find member KEY of the answer (the answer itself when KEY is
 * NULL), which must have json TYPE; on success *REPLY holds the answer, to
 * be freed with json_decref(), and *VALUE points into it.  -EPROTO when the
 * member is missing or of another type. */
int api_get_member(struct api *a, const char *path, const char *key, json_type type, json_t **reply,
    json_t **value);
/* PUT the file at FILE (SIZE bytes) to PATH, streaming it from disk, calling
 * PROGRESS (when not NULL) as it goes. */
int api_upload(struct api *a, const char *path, const char *file, uint64_t size,
    api_progress_cb progress, void *arg);
/* GET PATH and pass the body to WRITE as it arrives (for follow streams). */
int api_stream(struct api *a, const char *path, api_write_cb write, void *arg);

/* GET PATH asking to upgrade the connection to PROTOCOL (Connection:
 * Upgrade): 0 once pkvmd answered 101 Switching Protocols, after which the
 * connection carries raw bytes through api_raw_send() and api_raw_recv(),
 * and A->raw_fd is its socket, to poll() for input (TLS included: curl
 * does it).  An error answer is -EREMOTEIO with the status and message in
 * A, as for api_request(). */
int api_upgrade(struct api *a, const char *path, const char *protocol);
/* Send all LEN bytes of BUF on the upgraded connection: 0 or -EIO. */
int api_raw_send(struct api *a, const void *buf, size_t len);
/* Up to LEN bytes from the upgraded connection: the count, 0 when pkvmd
 * closed it, -EAGAIN when none are there yet, -EIO when it broke. */
ssize_t api_raw_recv(struct api *a, void *buf, size_t len);

/* Percent-encode S for a query string value; free with free(); NULL when
 * out of memory. */
char *api_escape(const char *s);
/* Append "&KEY=VALUE" to the query string Q of SIZE bytes ("?KEY=VALUE"
 * when Q is empty), VALUE percent-encoded; 0, or -ENOMEM. */
int api_query_add(char *q, size_t size, const char *key, const char *value);
/* Print why the call that returned ERR failed as "pkvmctl: ..." on stderr
 * and return the matching exit code (PKVM_EXIT_USAGE for a 4xx answer,
 * PKVM_EXIT_INFRA otherwise). */
int api_fail(struct api *a, int err);

#endif
