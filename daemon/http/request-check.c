/*
 * request-check.c -- what a request's header must be before it is routed:
 * the rules of RFC 9112 that libmicrohttpd (0.9.75, Debian 12's) lets
 * through, and one of our own about the path.
 *
 * MHD refuses most malformed requests itself (a request line it cannot
 * parse, a header line with no colon, a bad Content-Length, both
 * Content-Length and chunked, a header past its buffer).  It passes on:
 * an HTTP/1.1 request with no Host header, or with two; a space between
 * a header's name and its colon (RFC 9112 section 5.1 says a server must
 * refuse it, since proxies split such headers differently: the root of
 * request smuggling); a Transfer-Encoding other than chunked (MHD would
 * wait for a body whose end it cannot find; RFC 9112 section 6.3 says
 * to refuse it); and a path or query in which
 * %00 decodes to a NUL (conn.c notices), which would make
 * /v1/tokens/1%00x name token 1.  Each is refused here with 400
 * bad_request before any handler or authentication sees the request.
 *
 * One thing it cannot see: MHD cuts a header value at a NUL byte and
 * reports only what came before, so "X-A: a\0b" reaches us as "a".  The
 * request's framing is not affected (the line still ends at its CRLF).
 */
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "http/private.h"

struct header_scan {
	int hosts;
	int codings; /* Transfer-Encoding headers */
	const char *why;
};

/* RFC 9110 section 5.6.2's tchar: what a header name is made of. */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
    size_t value_size)
{
	struct header_scan *hs = cls;

	(void)kind;
	(void)value_size;
	if (key_size == 0) {
		hs->why = "a header with an empty name";
		return MHD_NO;
	}
	for (size_t i = 0; i < key_size; i++) {
		if (!is_tchar((unsigned char)key[i])) {
			hs->why = "a header name with a space or a character a name may not "
				  "hold";
			return MHD_NO;
		}
	}
	if (key_size == 4 && strncasecmp(key, "Host", 4) == 0)
		hs->hosts++;
	if (key_size == 17 && strncasecmp(key, "Transfer-Encoding", 17) == 0) {
		hs->codings++;
		if (value == NULL || strcasecmp(value, "chunked") != 0) {
			hs->why = "a transfer coding other than chunked";
			return MHD_NO;
		}
	}
	return MHD_YES;
}

bool
http_request_refuse_malformed(struct http_request *req, struct http_conn *c, const char *version)
{
	struct header_scan hs = { 0 };

	if (http_conn_take_bad_escape(c)) {
		http_reply_error(req, HTTP_ERR_BAD_REQUEST, NULL,
		    "the path or the query holds an encoded NUL (%%00)");
		return true;
	}
	MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, scan_header, &hs);
	if (hs.why == NULL && hs.hosts > 1)
		hs.why = "more than one Host header";
	if (hs.why == NULL && hs.codings > 1)
		hs.why = "more than one Transfer-Encoding header";
	if (hs.why == NULL && hs.hosts == 0 && version != NULL &&
	    strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		hs.why = "an HTTP/1.1 request without a Host header";
	if (hs.why == NULL)
		return false;
	http_reply_error(req, HTTP_ERR_BAD_REQUEST, NULL, "malformed request: %s", hs.why);
	/* A client that sends this may mean the rest of the stream some
	 * other way than we would read it: do not read on. */
	MHD_add_response_header(req->response, MHD_HTTP_HEADER_CONNECTION, "close");
	return true;
}
