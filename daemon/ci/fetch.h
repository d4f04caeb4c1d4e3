/*
 * fetch.h -- outgoing HTTP(S) requests on the loop: libcurl's multi
 * interface driven by libuv, so that downloads of CI artifacts and status
 * updates to a forge never block the loop nor need a thread.
 *
 * Every request is bounded: a size cap on what comes back (a download
 * past it stops and fails), a total timeout, a few redirects at most,
 * and only http and https, also on redirects.  A response body goes to a
 * file (a download, hashed with sha256 as it arrives) or to memory (an
 * API answer, capped the same way).
 */
#ifndef PKVM_CI_FETCH_H
#define PKVM_CI_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "sha256.h"

struct ci_fetcher;

struct ci_fetch_req {
	const char *method; /* "GET", "POST", ... */
	const char *url; /* http:// or https:// */
	const char *const *headers; /* "Name: value" strings, NULL-terminated; may be NULL */
	const char *body; /* request body, or NULL */
	size_t body_len;
	const char *out_path; /* write the response body here; NULL keeps it in memory */
	int64_t max_bytes; /* the most a response body may be */
	long timeout_s; /* the whole transfer, connecting included */
	/* 0: a redirect is the answer (its Location in the result).  HEADERS
	 * go with every request a followed redirect makes, so a request
	 * carrying a token (GitLab's PRIVATE-TOKEN is not one curl strips
	 * for another host) takes 0 and fetches the Location without it:
	 * artifact redirects lead to storage that must never see the token. */
	long max_redirects;
};

struct ci_fetch_result {
	/* 0 when an HTTP answer came (any status), else negative errno:
	 * -EFBIG past max_bytes, -ETIMEDOUT, -ECONNREFUSED, -EPROTO, ... */
	int err;
	const char *error; /* what went wrong, for messages; "" when err == 0 */
	long status; /* HTTP status of the last response, 0 when none */
	const char *body; /* the body when kept in memory, NUL-terminated */
	size_t body_len;
	int64_t bytes; /* bytes of body received */
	char sha256[SHA256_HEX_LEN + 1]; /* of the body (files and memory alike) */
	const char *location; /* Location of a redirect not followed, or NULL */
};

/* Called once per request with its outcome; RES is valid during the call. */
typedef void (*ci_fetch_cb)(void *arg, const struct ci_fetch_result *res);

/* A fetcher on LOOP into *OUT; 0 or negative errno. */
int ci_fetcher_new(struct ci_fetcher **out, uv_loop_t *loop);
/* Start REQ (copied); CB(ARG) runs later on the loop, never from inside
 * this call.  0, or negative errno (nothing started, CB never runs). */
int ci_fetch_start(struct ci_fetcher *f, const struct ci_fetch_req *req, ci_fetch_cb cb, void *arg);
/* Requests still running. */
size_t ci_fetch_running(const struct ci_fetcher *f);
/* Abort every request (their callbacks run with -ECANCELED) and free F
 * once its handles are closed. */
void ci_fetcher_free(struct ci_fetcher *f);

#endif
