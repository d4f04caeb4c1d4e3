/*
 * fuzz-router.c -- the REST API's routing (daemon/http/routes.c) and its
 * one number parser for query and path values (daemon/http/params.c).
 *
 * The router only needs a request's method and path, so it runs here on
 * a request with no connection behind it (libmicrohttpd has decoded the
 * path by then; the fuzzer sends any bytes).  The input is a method, a
 * path and a number, cut at '\n'.  Checked: a route found has that
 * method and a pattern the path matches, its {params} are non-empty
 * segments of the path, a known path lists the methods allowed; and the
 * number parser agrees with strtoll() on what is a number in range.
 */
#include <errno.h>
#include <limits.h>

#include "fuzz.h"
#include "http/private.h"

static void
check_number(const char *s, size_t len)
{
	static const long long bounds[][2] = { { 0, 100 }, { 1, LLONG_MAX },
		{ LLONG_MIN, LLONG_MAX }, { -5, 5 } };
	char *c = fuzz_strndup(s, len);

	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
		long long v = 0, ref;
		int rc = http_int_parse(s, len, bounds[b][0], bounds[b][1], &v);
		bool digits = len > (size_t)(c[0] == '-');
		char *end;

		for (size_t i = c[0] == '-'; i < len; i++)
			digits = digits && c[i] >= '0' && c[i] <= '9';
		errno = 0;
		ref = digits ? strtoll(c, &end, 10) : 0;
		if (!digits)
			fuzz_check(rc == -EINVAL, "a non-number parsed");
		else if (errno == ERANGE || ref < bounds[b][0] || ref > bounds[b][1])
			fuzz_check(rc == -ERANGE, "a number out of range parsed");
		else
			fuzz_check(rc == 0 && v == ref, "a number in range refused or changed");
	}
	free(c);
}

static void
fuzz_one(const uint8_t *data, size_t len)
{
	struct http_request req = { 0 };
	const struct http_route *r;
	size_t mlen, plen, nlen;
	const uint8_t *m = fuzz_field(&data, &len, '\n', &mlen);
	const uint8_t *p = fuzz_field(&data, &len, '\n', &plen);
	const uint8_t *num = fuzz_field(&data, &len, '\n', &nlen);
	char allow[256];
	bool known;

	req.method = fuzz_strndup(m, mlen);
	req.path = fuzz_strndup(p, plen);
	r = http_route_find(&req, &known, allow, sizeof(allow));
	if (r != NULL) {
		fuzz_check(known, "a route found for an unknown path");
		fuzz_check(strcmp(r->method, req.method) == 0, "a route of another method");
		for (int i = 0; i < req.nparams; i++) {
			fuzz_check(req.params[i][0] != NULL && req.params[i][1] != NULL,
			    "a parameter lost");
			fuzz_check(strstr(req.path, req.params[i][1]) != NULL,
			    "a parameter not from the path");
		}
	}
	fuzz_check(!known || allow[0] != '\0', "a known path allows no method");
	fuzz_check(known || allow[0] == '\0', "an unknown path allows methods");
	for (int i = 0; i < HTTP_MAX_PARAMS; i++) {
		free(req.params[i][0]);
		free(req.params[i][1]);
	}
	free(req.method);
	free(req.path);
	check_number((const char *)num, nlen);
}
