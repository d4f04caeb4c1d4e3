/*
 * errors.c -- every error the REST API answers with, as one table.
 *
 * A row gives an enum http_error its HTTP status, its stable code and a
 * default message.  Handlers name errors only by the enum, so a code is
 * spelled once, here, and cannot drift from docs/API.md's list by a typo
 * at one call site; a call site adds its own message when it knows more
 * than the default says.  Several rows may share a code when they differ
 * only in the message they are used with most: "out of memory" is an
 * "internal" written out once instead of at every allocation.
 *
 * http_server_new() refuses to start when a row is missing, so an enum
 * value added without its row is found at the first start, not by a
 * client.
 */
#include <errno.h>
#include <string.h>

#include "http/private.h"

const struct http_error_row http_errors[HTTP_ERR_COUNT] = {
	[HTTP_ERR_BAD_JSON] = {
	    .status = 400,
	    .code = "bad_json",
	    .message = "request body must be a JSON object",
	},
	[HTTP_ERR_INVALID_FIELD] = {
	    .status = 400,
	    .code = "invalid_field",
	    .message = "a field has a wrong type or an out-of-range value",
	},
	[HTTP_ERR_UNKNOWN_FIELD] = {
	    .status = 400,
	    .code = "unknown_field",
	    .message = "unknown field",
	},
	[HTTP_ERR_MISSING_FIELD] = {
	    .status = 400,
	    .code = "missing_field",
	    .message = "a required field is missing",
	},
	[HTTP_ERR_BAD_KERNEL] = {
	    .status = 400,
	    .code = "bad_kernel",
	    .message = "the kernel blob is not an arm64 Image or a gzip of one",
	},
	[HTTP_ERR_BAD_DISK] = {
	    .status = 400,
	    .code = "bad_disk",
	    .message = "a disk blob is not a self-contained raw or qcow2 image",
	},
	[HTTP_ERR_DIGEST_MISMATCH] = {
	    .status = 400,
	    .code = "digest_mismatch",
	    .message = "uploaded bytes do not hash to the sha256 in the URL",
	},
	[HTTP_ERR_UNAUTHORIZED] = {
	    .status = 401,
	    .code = "unauthorized",
	    .message = "a valid token is needed (Authorization: Bearer TOKEN)",
	},
	[HTTP_ERR_FORBIDDEN] = {
	    .status = 403,
	    .code = "forbidden",
	    .message = "not allowed for this user or token",
	},
	[HTTP_ERR_NOT_FOUND] = {
	    .status = 404,
	    .code = "not_found",
	    .message = "not found",
	},
	[HTTP_ERR_METHOD_NOT_ALLOWED] = {
	    .status = 405,
	    .code = "method_not_allowed",
	    .message = "method not allowed",
	},
	[HTTP_ERR_CONFLICT] = {
	    .status = 409,
	    .code = "conflict",
	    .message = "conflict with the state of the job",
	},
	[HTTP_ERR_MISSING_BLOB] = {
	    .status = 409,
	    .code = "missing_blob",
	    .message = "a blob the job refers to is not on the server",
	},
	[HTTP_ERR_PRUNED] = {
	    .status = 410,
	    .code = "pruned",
	    .message = "the job's files were pruned (retention); its results are kept",
	},
	[HTTP_ERR_LENGTH_REQUIRED] = {
	    .status = 411,
	    .code = "length_required",
	    .message = "blob uploads need a Content-Length header",
	},
	[HTTP_ERR_TOO_LARGE] = {
	    .status = 413,
	    .code = "too_large",
	    .message = "too large",
	},
	[HTTP_ERR_QUOTA_EXCEEDED] = {
	    .status = 429,
	    .code = "quota_exceeded",
	    .message = "over a quota of this user",
	},
	[HTTP_ERR_SHUTTING_DOWN] = {
	    .status = 503,
	    .code = "shutting_down",
	    .message = "pkvmd is shutting down and accepts no new jobs",
	},
	[HTTP_ERR_INTERNAL] = {
	    .status = 500,
	    .code = "internal",
	    .message = "internal error: see pkvmd's log",
	},
	[HTTP_ERR_NO_MEMORY] = {
	    .status = 500,
	    .code = "internal",
	    .message = "out of memory",
	},
	[HTTP_ERR_BAD_PAYLOAD] = {
	    .status = 400,
	    .code = "bad_payload",
	    .message = "a payload blob is not a flat aarch64 binary or an arm64 EFI app",
	},
	[HTTP_ERR_BAD_REQUEST] = {
	    .status = 400,
	    .code = "bad_request",
	    .message = "the request is not well-formed HTTP",
	},
	[HTTP_ERR_INSUFFICIENT_STORAGE] = {
	    .status = 507,
	    .code = "insufficient_storage",
	    .message = "the state disk is full: free space on it and try again",
	},
};

int
http_errors_check(void)
{
	for (size_t i = 0; i < HTTP_ERR_COUNT; i++) {
		const struct http_error_row *r = &http_errors[i];

		if (r->status < 400 || r->code == NULL || r->message == NULL)
			return -EINVAL;
	}
	return 0;
}

enum http_error
http_error_by_code(const char *code, enum http_error def)
{
	if (code == NULL)
		return def;
	for (size_t i = 0; i < HTTP_ERR_COUNT; i++)
		if (strcmp(http_errors[i].code, code) == 0)
			return (enum http_error)i;
	return def;
}
