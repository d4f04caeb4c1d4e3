/*
 * params.c -- what the client sent: the request's path parameters, query,
 * headers, JSON body and identity, the state a handler hangs on it, and
 * the one way a number is read from any of them.
 *
 * Why one number parser: strtol() alone takes "" as 0, skips leading
 * blanks, accepts a '+', and saturates on overflow with only errno to say
 * so; each handler that called it checked a different subset of these.
 * http_int_parse() accepts exactly an optional '-' and decimal digits and
 * tells "not a number" (-EINVAL) from "too big or out of range" (-ERANGE).
 * http_query_int() wraps it for a query argument, so that a bad ?limit=,
 * ?wait= or ?offset= is refused with the same 400 invalid_field body that
 * names the argument and its range, whatever the endpoint.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http/handlers.h"
#include "http/private.h"

struct http_env *
http_request_env(struct http_request *req)
{
	return req->env;
}

const char *
http_request_param(struct http_request *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i][0], name) == 0)
			return req->params[i][1];
	return NULL;
}

const char *
http_request_query(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
http_request_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

json_t *
http_request_json(struct http_request *req)
{
	return req->json;
}

const char *
http_request_body(struct http_request *req, size_t *len)
{
	*len = req->body_len;
	return req->body != NULL ? req->body : "";
}

void
http_request_set_data(struct http_request *req, void *data, void (*free_fn)(void *data))
{
	req->data = data;
	req->data_free = free_fn;
}

void *
http_request_data(struct http_request *req)
{
	return req->data;
}

int
http_int_parse(const char *s, size_t len, long long min, long long max, long long *v)
{
	/* A sign, 19 digits of LLONG_MAX and room to see that it overflows. */
	char buf[24];
	size_t neg = len > 0 && s[0] == '-', i = neg, ndigits;
	long long n;

	if (i == len)
		return -EINVAL;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	/* Leading zeros say nothing, and would make a small number look
	 * long enough to overflow the buffer. */
	for (i = neg; i + 1 < len && s[i] == '0'; i++)
		continue;
	ndigits = len - i;
	if (neg + ndigits >= sizeof(buf))
		return -ERANGE;
	buf[0] = '-';
	memcpy(buf + neg, s + i, ndigits);
	buf[neg + ndigits] = '\0';
	errno = 0;
	n = strtoll(buf, NULL, 10);
	if (errno == ERANGE || n < min || n > max)
		return -ERANGE;
	*v = n;
	return 0;
}

int
http_query_int(struct http_request *req, const char *name, long long min, long long max,
    long long def, long long *v)
{
	const char *s = NULL;
	size_t len = 0;

	if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &s,
		&len) != MHD_YES) {
		*v = def;
		return 0;
	}
	/* "?wait" without '=' has no value at all: as empty as "?wait=", and
	 * as wrong, rather than the default the client did not ask for. */
	if (s == NULL)
		len = 0;
	if (http_int_parse(s, len, min, max, v) == 0)
		return 0;
	if (max == LLONG_MAX)
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, name,
		    "%s must be a whole number of at least %lld, not %s%.32s%s", name, min,
		    len ? "'" : "empty", len ? s : "", len ? "'" : "");
	else
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, name,
		    "%s must be a whole number between %lld and %lld, not %s%.32s%s", name, min,
		    max, len ? "'" : "empty", len ? s : "", len ? "'" : "");
	return -EINVAL;
}

bool
http_job_id_param(struct http_request *req, int64_t *id)
{
	const char *s = http_request_param(req, "id");
	long long v;

	/* A path segment that is no job id names nothing: 404, not 400. */
	if (http_int_parse(s, strlen(s), 1, INT64_MAX, &v) < 0) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no job '%.32s'", s);
		return false;
	}
	*id = v;
	return true;
}
