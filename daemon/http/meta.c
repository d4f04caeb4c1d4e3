/*
 * meta.c -- what the daemon is: GET /v1/version.
 */
#include "build-config.h"
#include "http/handlers.h"
#include "run/runner.h"
#include "wire.h"

void
http_version_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);

	http_reply_json(req, 200,
	    json_pack("{s:s, s:s, s:i, s:i, s:i}", "name", "pkvmd", "version", PKVM_VERSION, "wire",
		PKVM_WIRE_VERSION, "slots", runner_slots_total(d->runner), "slots_busy",
		runner_slots_busy(d->runner)));
}
