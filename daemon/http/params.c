/*
 * params.c -- what the client sent: the request's path parameters, query,
 * headers, JSON body and identity, and the state a handler hangs on it.
 */
#include <string.h>

#include <microhttpd.h>

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
http_request_owner(struct http_request *req)
{
	return req->owner;
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
