/*
 * fetch.c -- libcurl's multi interface on the libuv loop.
 *
 * libcurl tells us which sockets to watch (socket callback) and when to
 * call it back (timer callback); libuv watches them (one uv_poll per
 * socket, one uv_timer) and we hand readiness back with
 * curl_multi_socket_action().  Finished transfers are read off
 * curl_multi_info_read() after each action.  Everything runs on the loop
 * thread: no locks, and libcurl never blocks (name resolution uses its
 * threaded resolver).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "build-config.h"
#include "ci/fetch.h"

struct ci_fetcher {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	size_t running;
	struct xfer *xfers; /* the running ones, to abort them on free */
	struct sock_watch *watches; /* the polls not closing yet */
	bool freeing;
	int open_handles; /* the timer and the socket polls not yet closed */
};

/* One socket libcurl asked us to watch. */
struct sock_watch {
	uv_poll_t poll;
	curl_socket_t fd;
	struct ci_fetcher *f;
	struct sock_watch *next, **pprev; /* in f->watches until closed */
};

struct xfer {
	struct ci_fetcher *f;
	struct xfer *next, **pprev;
	CURL *easy;
	ci_fetch_cb cb;
	void *arg;
	struct curl_slist *headers;
	char *body; /* our copy of the request body */
	int out_fd; /* -1: the body goes to BUF */
	char *buf;
	size_t len, cap;
	int64_t max_bytes, bytes;
	bool too_big, write_failed;
	struct sha256 *sha;
	char errbuf[CURL_ERROR_SIZE];
};

static void check_done(struct ci_fetcher *f);
static void on_handle_closed(uv_handle_t *h);

/* ---- the body as it arrives ---- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nmemb;

	if (x->bytes + (int64_t)n > x->max_bytes) {
		x->too_big = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (x->out_fd >= 0) {
		for (size_t off = 0; off < n;) {
			ssize_t w = write(x->out_fd, data + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				x->write_failed = true;
				return 0;
			}
			off += (size_t)w;
		}
	} else {
		if (x->len + n + 1 > x->cap) {
			size_t cap = x->cap ? x->cap : 4096;
			char *nb;

			while (cap < x->len + n + 1)
				cap *= 2;
			if ((nb = realloc(x->buf, cap)) == NULL) {
				x->write_failed = true;
				return 0;
			}
			x->buf = nb;
			x->cap = cap;
		}
		memcpy(x->buf + x->len, data, n);
		x->len += n;
		x->buf[x->len] = '\0';
	}
	sha256_update(x->sha, data, n);
	x->bytes += (int64_t)n;
	return n;
}

/* ---- the end of a transfer ---- */

static int
err_of(CURLcode c, const struct xfer *x)
{
	if (x->too_big)
		return -EFBIG;
	if (x->write_failed)
		return -EIO;
	switch (c) {
	case CURLE_OK:
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	/* The peer hung up or reset the connection before a whole answer:
	 * a server going down, as retryable as a refused connection. */
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_TOO_MANY_REDIRECTS:
		return -ELOOP;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EPROTONOSUPPORT;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
		return -EACCES;
	default:
		return -EPROTO;
	}
}

static void
xfer_free(struct xfer *x)
{
	if (x->out_fd >= 0)
		close(x->out_fd);
	if (x->sha != NULL)
		sha256_free(x->sha);
	curl_slist_free_all(x->headers);
	curl_easy_cleanup(x->easy);
	free(x->body);
	free(x->buf);
	free(x);
}

static void
xfer_finish(struct xfer *x, CURLcode code)
{
	struct ci_fetch_result res = { .error = "" };
	char *loc = NULL;

	curl_multi_remove_handle(x->f->multi, x->easy);
	x->f->running--;
	if ((*x->pprev = x->next) != NULL)
		x->next->pprev = x->pprev;
	res.err = err_of(code, x);
	if (res.err == -EFBIG)
		res.error = "the answer is over the size limit";
	else if (res.err == -EIO)
		res.error = "cannot store the answer";
	else if (res.err == -ECANCELED)
		res.error = "cancelled: the fetcher was freed";
	else if (res.err != 0)
		res.error = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(code);
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &res.status);
	if (curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK)
		res.location = loc;
	res.body = x->buf != NULL ? x->buf : "";
	res.body_len = x->len;
	res.bytes = x->bytes;
	sha256_final_hex(x->sha, res.sha256);
	x->sha = NULL;
	if (x->out_fd >= 0) {
		if (res.err == 0 && fsync(x->out_fd) != 0) {
			res.err = -errno;
			res.error = "cannot store the answer";
		}
		close(x->out_fd);
		x->out_fd = -1;
	}
	x->cb(x->arg, &res);
	xfer_free(x);
}

static void
check_done(struct ci_fetcher *f)
{
	CURLMsg *m;
	int left;

	/* A callback may free the fetcher: its multi handle is gone then. */
	while (!f->freeing && (m = curl_multi_info_read(f->multi, &left)) != NULL) {
		struct xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		xfer_finish(x, m->data.result);
	}
}

/* ---- libcurl's sockets and timer on the loop ---- */

/* Close W's poll once: libcurl may report a socket gone after the
 * fetcher closed its polls (curl_multi_cleanup() closing its cache). */
static void
watch_close(struct sock_watch *w)
{
	if (w->pprev == NULL)
		return;
	if ((*w->pprev = w->next) != NULL)
		w->next->pprev = w->pprev;
	w->pprev = NULL;
	uv_poll_stop(&w->poll);
	uv_close((uv_handle_t *)&w->poll, on_handle_closed);
}

static void
on_handle_closed(uv_handle_t *h)
{
	struct ci_fetcher *f;

	if (h->type == UV_POLL) {
		struct sock_watch *w = h->data;

		f = w->f;
		free(w);
	} else {
		f = h->data;
	}
	if (--f->open_handles == 0 && f->freeing)
		free(f);
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
	struct sock_watch *w = p->data;
	struct ci_fetcher *f = w->f;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, w->fd, flags, &running);
	check_done(f);
}

static int
on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct ci_fetcher *f = userp;
	struct sock_watch *w = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w != NULL) {
			curl_multi_assign(f->multi, fd, NULL);
			watch_close(w);
		}
		return 0;
	}
	if (w == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return -1;
		w->fd = fd;
		w->f = f;
		if (uv_poll_init_socket(f->loop, &w->poll, fd) != 0) {
			free(w);
			return -1;
		}
		w->poll.data = w;
		f->open_handles++;
		if ((w->next = f->watches) != NULL)
			f->watches->pprev = &w->next;
		f->watches = w;
		w->pprev = &f->watches;
		curl_multi_assign(f->multi, fd, w);
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	if (uv_poll_start(&w->poll, events, on_poll) != 0)
		return -1;
	return 0;
}

static void
on_timer(uv_timer_t *t)
{
	struct ci_fetcher *f = t->data;
	int running;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int
on_timer_set(CURLM *multi, long timeout_ms, void *userp)
{
	struct ci_fetcher *f = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&f->timer);
	else
		uv_timer_start(&f->timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

/* ---- the public side ---- */

int
ci_fetcher_new(struct ci_fetcher **out, uv_loop_t *loop)
{
	static bool curl_ready;
	struct ci_fetcher *f;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -EIO;
		curl_ready = true;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	if ((f->multi = curl_multi_init()) == NULL) {
		free(f);
		return -ENOMEM;
	}
	f->loop = loop;
	uv_timer_init(loop, &f->timer);
	f->timer.data = f;
	f->open_handles = 1;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timer_set);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	*out = f;
	return 0;
}

int
ci_fetch_start(struct ci_fetcher *f, const struct ci_fetch_req *req, ci_fetch_cb cb, void *arg)
{
	struct xfer *x;
	CURL *e;

	if (f->freeing)
		return -ECANCELED;
	/* CURLOPT_TIMEOUT 0 would mean no limit at all, and a cap of 0 no
	 * body: both are a caller's mistake, not a choice. */
	if (req->url == NULL || req->timeout_s <= 0 || req->max_bytes <= 0 ||
	    req->max_redirects < 0)
		return -EINVAL;
	if (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0)
		return -EPROTONOSUPPORT;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -ENOMEM;
	x->f = f;
	x->cb = cb;
	x->arg = arg;
	x->out_fd = -1;
	x->max_bytes = req->max_bytes;
	if ((x->easy = e = curl_easy_init()) == NULL || (x->sha = sha256_new()) == NULL)
		goto nomem;
	for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		struct curl_slist *h = curl_slist_append(x->headers, req->headers[i]);

		if (h == NULL)
			goto nomem;
		x->headers = h;
	}
	if (req->out_path != NULL) {
		x->out_fd = open(req->out_path,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (x->out_fd < 0) {
			int err = -errno;

			xfer_free(x);
			return err;
		}
	}
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, req->max_redirects > 0 ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, req->max_redirects);
	/* Headers (the forge's token) go to the first host only. */
	curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, req->timeout_s);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, req->timeout_s < 30 ? req->timeout_s : 30L);
	/* A size the server announces is checked before a byte arrives. */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_bytes);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pkvmd/" PKVM_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	if (x->headers != NULL)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	/* A POST without a body still sends Content-Length: 0 (a bare
	 * CUSTOMREQUEST would send none, which some servers answer 411). */
	if (req->body != NULL || (req->method != NULL && strcmp(req->method, "POST") == 0)) {
		if ((x->body = malloc(req->body_len + 1)) == NULL)
			goto nomem;
		if (req->body_len > 0)
			memcpy(x->body, req->body, req->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	/* HEAD through CUSTOMREQUEST would wait for a body that never comes. */
	if (req->method != NULL && strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (req->method != NULL && strcmp(req->method, "GET") != 0 &&
	    !(strcmp(req->method, "POST") == 0 && x->body != NULL))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
		goto nomem;
	f->running++;
	if ((x->next = f->xfers) != NULL)
		f->xfers->pprev = &x->next;
	f->xfers = x;
	x->pprev = &f->xfers;
	return 0;

nomem:
	xfer_free(x);
	return -ENOMEM;
}

size_t
ci_fetch_running(const struct ci_fetcher *f)
{
	return f->running;
}

void
ci_fetcher_free(struct ci_fetcher *f)
{
	if (f == NULL || f->freeing)
		return;
	/* Set first: a callback told -ECANCELED cannot start another. */
	f->freeing = true;
	while (f->xfers != NULL)
		xfer_finish(f->xfers, CURLE_ABORTED_BY_CALLBACK);
	/* The cleanup closes cached connections and may still call the
	 * socket and timer callbacks: the handles must be open then. */
	curl_multi_cleanup(f->multi);
	f->multi = NULL;
	/* A socket libcurl never said REMOVE for (an idle connection it
	 * kept) would keep its poll, and the loop, alive for ever. */
	while (f->watches != NULL)
		watch_close(f->watches);
	uv_timer_stop(&f->timer);
	uv_close((uv_handle_t *)&f->timer, on_handle_closed);
}
