/*
 * api.c -- the libcurl wrapper behind api.h; no other client file uses curl.
 *
 * One easy handle is reused for every request so that consecutive calls
 * (hash check, uploads, submit, wait) share one connection.  Each call
 * resets the handle, sets the target (CURLOPT_UNIX_SOCKET_PATH plus the
 * dummy host "pkvmd", or the user's base URL), performs, and sorts the
 * outcome into three cases: transport failure (errno from the connect, so
 * the caller can tell "no daemon" from "no permission"), an error answer
 * (the message comes from the uniform {"error": {...}} body), or success.
 *
 * Request and reply bodies are small JSON documents kept in memory.  Blob
 * uploads are streamed from the file with a read callback, and console
 * streams are handed to the caller's write callback as they arrive, so a
 * 40 MB kernel or an hour of console output never sits in memory.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "api.h"
#include "version.h"
#include "wire.h"

/* A growable byte buffer for reply bodies. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* What the stream write callback needs. */
struct stream {
	struct api *api;
	struct buf err; /* the body when the answer is an error */
	api_write_cb write;
	void *arg;
	int failed; /* negative errno from the caller's callback, or 0 */
};

struct upload {
	FILE *f;
	api_progress_cb progress;
	void *arg;
};

static void
api_set_message(struct api *a, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(a->message);
	a->message = m;
}

static int
buf_append(struct buf *b, const char *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + len + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (p == NULL)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

static size_t
on_write_buf(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	if (buf_append(userdata, ptr, size * nmemb) < 0)
		return 0;
	return size * nmemb;
}

static size_t
on_write_stream(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct stream *s = userdata;
	size_t len = size * nmemb;
	long status = 0;

	curl_easy_getinfo(s->api->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return buf_append(&s->err, ptr, len) < 0 ? 0 : len;
	s->failed = s->write(s->arg, ptr, len);
	if (s->failed != 0)
		return 0;
	return len;
}

static size_t
on_read_file(char *buffer, size_t size, size_t nitems, void *userdata)
{
	struct upload *u = userdata;
	size_t n = fread(buffer, 1, size * nitems, u->f);

	if (n == 0 && ferror(u->f))
		return CURL_READFUNC_ABORT;
	return n;
}

static int
on_xferinfo(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct upload *u = clientp;

	(void)dltotal;
	(void)dlnow;
	if (ultotal > 0)
		u->progress(u->arg, (uint64_t)ulnow, (uint64_t)ultotal);
	return 0;
}

int
api_open(struct api *a, const char *socket_path, const char *url)
{
	static bool global_done;
	size_t n;

	memset(a, 0, sizeof(*a));
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			api_set_message(a, "cannot initialise libcurl");
			return -EIO;
		}
		global_done = true;
	}
	if (url != NULL) {
		if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
			api_set_message(a, "invalid url '%s' (expected http://HOST:PORT)", url);
			return -EINVAL;
		}
		a->base_url = strdup(url);
		if (a->base_url == NULL)
			goto nomem;
		/* "http://host:1234/" and "http://host:1234" mean the same. */
		n = strlen(a->base_url);
		while (n > 0 && a->base_url[n - 1] == '/')
			a->base_url[--n] = '\0';
	} else {
		a->socket_path = strdup(socket_path);
		a->base_url = strdup("http://pkvmd");
		if (a->socket_path == NULL || a->base_url == NULL)
			goto nomem;
	}
	a->curl = curl_easy_init();
	if (a->curl == NULL)
		goto nomem;
	return 0;
nomem:
	api_set_message(a, "out of memory");
	return -ENOMEM;
}

int
api_set_auth(struct api *a, const char *token, const char *cacert)
{
	char *t = token != NULL ? strdup(token) : NULL;
	char *c = cacert != NULL ? strdup(cacert) : NULL;

	if ((token != NULL && t == NULL) || (cacert != NULL && c == NULL)) {
		free(t);
		free(c);
		api_set_message(a, "out of memory");
		return -ENOMEM;
	}
	if (a->token != NULL)
		explicit_bzero(a->token, strlen(a->token));
	free(a->token);
	free(a->cacert);
	a->token = t;
	a->cacert = c;
	return 0;
}

/* Drop the headers of the last request; the token is wiped with them. */
static void
api_headers_free(struct api *a)
{
	struct curl_slist *h;

	for (h = a->headers; h != NULL; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(a->headers);
	a->headers = NULL;
}

/* Add the header LINE to the request being made; 0 or -ENOMEM. */
static int
api_header_add(struct api *a, const char *line)
{
	struct curl_slist *h = curl_slist_append(a->headers, line);

	if (h == NULL) {
		api_set_message(a, "out of memory");
		return -ENOMEM;
	}
	a->headers = h;
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, a->headers);
	return 0;
}

void
api_close(struct api *a)
{
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
	api_headers_free(a);
	api_set_auth(a, NULL, NULL);
	free(a->socket_path);
	free(a->base_url);
	free(a->message);
	memset(a, 0, sizeof(*a));
}

/* Reset the handle and aim it at PATH; 0 or -ENOMEM. */
static int
api_prepare(struct api *a, const char *path, char errbuf[CURL_ERROR_SIZE])
{
	CURL *c = a->curl;
	char *url;

	curl_easy_reset(c);
	a->status = 0;
	free(a->message);
	a->message = NULL;
	if (asprintf(&url, "%s%s", a->base_url, path) < 0) {
		api_set_message(a, "out of memory");
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	free(url);
	api_headers_free(a);
	if (a->socket_path != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, a->socket_path);
	else
		curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (a->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, a->cacert);
	/* The token goes only to a TCP server: the Unix socket knows its
	 * peer by uid and has no use for it. */
	if (a->socket_path == NULL && a->token != NULL) {
		char *line = NULL;
		int err;

		if (asprintf(&line, "Authorization: Bearer %s", a->token) < 0) {
			api_set_message(a, "out of memory");
			return -ENOMEM;
		}
		err = api_header_add(a, line);
		explicit_bzero(line, strlen(line));
		free(line);
		if (err < 0)
			return err;
	}
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pkvmctl/" PKVM_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	return 0;
}

/* Where the daemon is, for messages. */
static const char *
api_where(struct api *a)
{
	return a->socket_path != NULL ? a->socket_path : a->base_url;
}

/* Sort out a finished transfer: RC from curl, BODY the reply when it was
 * collected.  Returns 0 for 2xx, negative errno otherwise. */
static int
api_finish(struct api *a, CURLcode rc, const char *errbuf, struct buf *body, json_t **reply)
{
	json_error_t jerr;
	json_t *j, *e, *m;
	long os_errno = 0;

	if (rc != CURLE_OK) {
		curl_easy_getinfo(a->curl, CURLINFO_OS_ERRNO, &os_errno);
		if (rc == CURLE_COULDNT_CONNECT && os_errno > 0) {
			api_set_message(a, "cannot reach pkvmd at %s: %s", api_where(a),
			    strerror((int)os_errno));
			return -(int)os_errno;
		}
		api_set_message(a, "request to pkvmd at %s failed: %s", api_where(a),
		    errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return -EIO;
	}
	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &a->status);
	if (a->status >= 200 && a->status <= 299) {
		if (reply == NULL || body == NULL || body->len == 0)
			return 0;
		*reply = json_loadb(body->data, body->len, 0, &jerr);
		if (*reply == NULL) {
			api_set_message(a, "bad json from pkvmd: %s", jerr.text);
			return -EPROTO;
		}
		return 0;
	}
	/* The uniform error body; fall back to the status if it is missing. */
	j = body != NULL && body->len > 0 ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	e = json_object_get(j, "error");
	m = json_object_get(e, "message");
	if (json_is_string(m))
		api_set_message(a, "%s", json_string_value(m));
	else
		api_set_message(a, "pkvmd answered http status %ld", a->status);
	json_decref(j);
	return -EREMOTEIO;
}

int
api_request(struct api *a, const char *method, const char *path, json_t *body, json_t **reply)
{
	char errbuf[CURL_ERROR_SIZE];
	struct buf out = { 0 };
	char *text = NULL;
	CURLcode rc;
	int err;

	if (reply != NULL)
		*reply = NULL;
	err = api_prepare(a, path, errbuf);
	if (err < 0)
		return err;
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_write_buf);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, &out);
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		if (text == NULL) {
			api_set_message(a, "out of memory");
			return -ENOMEM;
		}
		if ((err = api_header_add(a, "Content-Type: application/json")) < 0) {
			free(text);
			return err;
		}
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(text));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(a->curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(a->curl, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(a->curl);
	err = api_finish(a, rc, errbuf, &out, reply);
	free(text);
	free(out.data);
	return err;
}

static const char *
json_type_name(json_type type)
{
	switch (type) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	default:
		return "value";
	}
}

int
api_get_member(struct api *a, const char *path, const char *key, json_type type, json_t **reply,
    json_t **value)
{
	json_t *v;
	int err;

	*value = NULL;
	err = api_request(a, "GET", path, NULL, reply);
	if (err < 0)
		return err;
	v = key != NULL ? json_object_get(*reply, key) : *reply;
	if (v == NULL || json_typeof(v) != type) {
		if (key != NULL)
			api_set_message(a, "bad answer from pkvmd: no \"%s\" %s", key,
			    json_type_name(type));
		else
			api_set_message(a, "bad answer from pkvmd: not a json %s",
			    json_type_name(type));
		json_decref(*reply);
		*reply = NULL;
		return -EPROTO;
	}
	*value = v;
	return 0;
}

int
api_upload(struct api *a, const char *path, const char *file, uint64_t size,
    api_progress_cb progress, void *arg)
{
	char errbuf[CURL_ERROR_SIZE];
	struct upload u = { .progress = progress, .arg = arg };
	struct buf out = { 0 };
	CURLcode rc;
	int err;

	err = api_prepare(a, path, errbuf);
	if (err < 0)
		return err;
	/* No "Expect: 100-continue": it only adds a round trip (or a 1 s stall
	 * with a server that ignores it) before every big blob. */
	if ((err = api_header_add(a, "Expect:")) < 0 ||
	    (err = api_header_add(a, "Content-Type: application/octet-stream")) < 0)
		return err;
	u.f = fopen(file, "rb");
	if (u.f == NULL) {
		err = -errno;
		api_set_message(a, "cannot open '%s': %s", file, strerror(errno));
		return err;
	}
	curl_easy_setopt(a->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(a->curl, CURLOPT_READFUNCTION, on_read_file);
	curl_easy_setopt(a->curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(a->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_write_buf);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, &out);
	if (progress != NULL) {
		curl_easy_setopt(a->curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(a->curl, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
		curl_easy_setopt(a->curl, CURLOPT_XFERINFODATA, &u);
	}
	rc = curl_easy_perform(a->curl);
	if (rc == CURLE_ABORTED_BY_CALLBACK || ferror(u.f)) {
		api_set_message(a, "cannot read '%s' while uploading it", file);
		err = -EIO;
	} else {
		err = api_finish(a, rc, errbuf, &out, NULL);
	}
	fclose(u.f);
	free(out.data);
	return err;
}

int
api_stream(struct api *a, const char *path, api_write_cb write, void *arg)
{
	char errbuf[CURL_ERROR_SIZE];
	struct stream s = { .api = a, .write = write, .arg = arg };
	CURLcode rc;
	int err;

	err = api_prepare(a, path, errbuf);
	if (err < 0)
		return err;
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_write_stream);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_perform(a->curl);
	if (s.failed != 0) {
		api_set_message(a, "cannot write output: %s", strerror(-s.failed));
		err = s.failed;
	} else {
		err = api_finish(a, rc, errbuf, &s.err, NULL);
	}
	free(s.err.data);
	return err;
}

char *
api_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1);
	char *p = out;

	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c) != NULL) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

int
api_query_add(char *q, size_t size, const char *key, const char *value)
{
	char *v = api_escape(value);
	size_t len = strlen(q);

	if (v == NULL)
		return -ENOMEM;
	snprintf(q + len, size - len, "%c%s=%s", len ? '&' : '?', key, v);
	free(v);
	return 0;
}

int
api_fail(struct api *a, int err)
{
	fprintf(stderr, "pkvmctl: %s\n", a->message != NULL ? a->message : strerror(-err));
	if (err == -EREMOTEIO && a->status == 401)
		fprintf(stderr,
		    a->token != NULL ? "  the token was refused: get a new one and "
				       "'pkvmctl login URL' again\n"
				     : "  show a token: --token-file FILE, $PKVM_TOKEN "
				       "or 'pkvmctl login URL'\n");
	if (err == -EREMOTEIO)
		return a->status >= 400 && a->status <= 499 ? PKVM_EXIT_USAGE : PKVM_EXIT_INFRA;
	if (a->socket_path == NULL) {
		if (err == -ECONNREFUSED || err == -EHOSTUNREACH || err == -ENETUNREACH ||
		    err == -ETIMEDOUT)
			fprintf(stderr,
			    "  is pkvmd listening there? "
			    "(check --url / PKVM_URL)\n");
		return PKVM_EXIT_INFRA;
	}
	if (err == -ENOENT || err == -ECONNREFUSED)
		fprintf(stderr,
		    "  start it with: pkvmd --state-dir DIR --socket %s  "
		    "(or pass --socket / set PKVM_SOCKET)\n",
		    a->socket_path);
	else if (err == -EACCES)
		fprintf(stderr,
		    "  the socket is mode 0660: ask to join its group, "
		    "or pass --socket / set PKVM_SOCKET\n");
	return PKVM_EXIT_INFRA;
}

/* ---- an upgraded connection (pkvmctl attach) ----------------------------- */

/* Wait until the raw connection's socket is ready for EVENTS. */
static void
raw_wait(struct api *a, short events)
{
	struct pollfd p = { .fd = a->raw_fd, .events = events };

	(void)poll(&p, 1, 1000);
}

int
api_raw_send(struct api *a, const void *buf, size_t len)
{
	while (len > 0) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(a->curl, buf, len, &n);

		if (rc == CURLE_AGAIN) {
			raw_wait(a, POLLOUT);
			continue;
		}
		if (rc != CURLE_OK) {
			api_set_message(a, "connection to pkvmd lost: %s", curl_easy_strerror(rc));
			return -EIO;
		}
		buf = (const char *)buf + n;
		len -= n;
	}
	return 0;
}

ssize_t
api_raw_recv(struct api *a, void *buf, size_t len)
{
	size_t n = 0;
	CURLcode rc;

	if (a->raw_extra_len > 0) {
		n = a->raw_extra_len < len ? a->raw_extra_len : len;
		memcpy(buf, a->raw_extra, n);
		memmove(a->raw_extra, a->raw_extra + n, a->raw_extra_len - n);
		a->raw_extra_len -= n;
		return (ssize_t)n;
	}
	rc = curl_easy_recv(a->curl, buf, len, &n);
	if (rc == CURLE_AGAIN)
		return -EAGAIN;
	if (rc != CURLE_OK) {
		api_set_message(a, "connection to pkvmd lost: %s", curl_easy_strerror(rc));
		return -EIO;
	}
	return (ssize_t)n;
}

/* Read the answer's head (up to the blank line) into HEAD; what came
 * after it is kept for api_raw_recv(). */
static int
raw_read_head(struct api *a, char *head, size_t size, size_t *head_len)
{
	size_t len = 0;
	char *end;

	for (;;) {
		ssize_t n = api_raw_recv(a, head + len, size - 1 - len);

		if (n == -EAGAIN) {
			raw_wait(a, POLLIN);
			continue;
		}
		if (n < 0)
			return (int)n;
		if (n == 0) {
			api_set_message(a, "pkvmd closed the connection before answering");
			return -EIO;
		}
		len += (size_t)n;
		head[len] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL) {
			size_t hl = (size_t)(end - head) + 4;

			a->raw_extra_len = len - hl;
			memcpy(a->raw_extra, head + hl, a->raw_extra_len);
			*head_len = hl;
			return 0;
		}
		if (len + 1 >= size) {
			api_set_message(a, "pkvmd's answer has too long a head");
			return -EPROTO;
		}
	}
}

/* The error answer whose head is HEAD: its JSON message into A. */
static void
raw_error(struct api *a, const char *head)
{
	const char *cl = strcasestr(head, "\r\nContent-Length:");
	size_t want = cl != NULL ? strtoul(cl + 17, NULL, 10) : 0, len = 0;
	char body[4096];
	json_t *j;
	const char *m;

	if (want >= sizeof(body))
		want = sizeof(body) - 1;
	while (len < want) {
		ssize_t n = api_raw_recv(a, body + len, want - len);

		if (n == -EAGAIN) {
			raw_wait(a, POLLIN);
			continue;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	j = json_loadb(body, len, 0, NULL);
	m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	if (m != NULL)
		api_set_message(a, "%s", m);
	else
		api_set_message(a, "pkvmd answered http status %ld", a->status);
	json_decref(j);
}

int
api_upgrade(struct api *a, const char *path, const char *protocol)
{
	char errbuf[CURL_ERROR_SIZE], head[8192];
	const char *host, *prefix;
	curl_socket_t sock;
	char *req = NULL;
	size_t hl;
	long os_errno = 0;
	CURLcode rc;
	int err, n;

	if ((err = api_prepare(a, "/", errbuf)) < 0)
		return err;
	curl_easy_setopt(a->curl, CURLOPT_CONNECT_ONLY, 1L);
	rc = curl_easy_perform(a->curl);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(a->curl, CURLINFO_OS_ERRNO, &os_errno);
		api_set_message(a, "cannot reach pkvmd at %s: %s", api_where(a),
		    os_errno > 0 ? strerror((int)os_errno)
				 : (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
		return os_errno > 0 ? -(int)os_errno : -EIO;
	}
	if (curl_easy_getinfo(a->curl, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
	    sock == CURL_SOCKET_BAD) {
		api_set_message(a, "cannot reach pkvmd at %s", api_where(a));
		return -EIO;
	}
	a->raw_fd = (int)sock;
	/* "http://host:port/prefix": the Host header and the path prefix. */
	host = strstr(a->base_url, "://") + 3;
	prefix = strchr(host, '/');
	if (prefix == NULL)
		prefix = host + strlen(host);
	n = asprintf(&req,
	    "GET %s%s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: pkvmctl/" PKVM_VERSION
	    "\r\nConnection: Upgrade\r\nUpgrade: %s\r\n%s%s%s\r\n",
	    prefix, path, (int)(prefix - host), host, protocol,
	    a->socket_path == NULL && a->token != NULL ? "Authorization: Bearer " : "",
	    a->socket_path == NULL && a->token != NULL ? a->token : "",
	    a->socket_path == NULL && a->token != NULL ? "\r\n" : "");
	if (n < 0) {
		api_set_message(a, "out of memory");
		return -ENOMEM;
	}
	err = api_raw_send(a, req, (size_t)n);
	explicit_bzero(req, (size_t)n);
	free(req);
	if (err < 0 || (err = raw_read_head(a, head, sizeof(head), &hl)) < 0)
		return err;
	if (sscanf(head, "HTTP/1.%*d %ld", &a->status) != 1) {
		api_set_message(a, "bad answer from pkvmd: not HTTP");
		return -EPROTO;
	}
	if (a->status == 101)
		return 0;
	raw_error(a, head);
	return -EREMOTEIO;
}
