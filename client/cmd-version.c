/*
 * cmd-version.c -- pkvmctl version: this client's version and the daemon's.
 *
 * The client's line is printed first, so it shows even when the daemon
 * cannot be reached; a wire version mismatch is pointed out because it
 * explains odd errors better than any of them would.
 */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "version.h"
#include "wire.h"

static int
version_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	long long wire = 0, slots = 0, busy = 0;
	json_t *v = NULL;
	int err;

	if (args->n > 0)
		return cmd_usage_error(self, "unexpected argument '%s'", args->v[0].value);
	printf("pkvmctl %s (wire %d)\n", PKVM_VERSION, PKVM_WIRE_VERSION);
	fflush(stdout);
	err = api_request(api, "GET", PKVM_API_PREFIX "/version", NULL, &v);
	if (err < 0)
		return api_fail(api, err);
	job_int(v, "wire", &wire);
	job_int(v, "slots", &slots);
	job_int(v, "slots_busy", &busy);
	printf("%s %s (wire %lld), %lld of %lld slots busy\n",
	    job_str(v, "name") ? job_str(v, "name") : "pkvmd",
	    job_str(v, "version") ? job_str(v, "version") : "?", wire, busy, slots);
	if (wire != PKVM_WIRE_VERSION)
		fprintf(stderr,
		    "pkvmctl: warning: pkvmd speaks wire version "
		    "%lld, this client %d\n",
		    wire, PKVM_WIRE_VERSION);
	json_decref(v);
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.alias = NULL,
	.args = "",
	.summary = "print the client's and the daemon's versions",
	.details = NULL,
	.options = NULL,
	.takes_rest = false,
	.exec = version_exec,
};
