/*
 * cmd-whoami.c -- pkvmctl whoami: who pkvmd takes us for, and how we came
 * (the Unix socket's peer, or a token).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256 };

static const struct cmd_option whoami_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ 0 },
};

static int
whoami_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char scopes[64] = "";
	json_t *v = NULL, *s;
	bool json = false;
	size_t i, n = 0;
	int err, rc = 0;

	for (int a = 0; a < args->n; a++) {
		if (args->v[a].key == CMD_ARG_POSITIONAL)
			return cmd_usage_error(self, "unexpected argument '%s'", args->v[a].value);
		json = true;
	}
	if ((err = api_request(api, "GET", PKVM_API_PREFIX "/whoami", NULL, &v)) < 0)
		return api_fail(api, err);
	if (json) {
		rc = output_json(v) < 0 ? PKVM_EXIT_INFRA : 0;
		json_decref(v);
		return rc;
	}
	json_array_foreach(json_object_get(v, "scopes"), i, s)
	{
		if (json_is_string(s) && n < sizeof(scopes))
			n += (size_t)snprintf(scopes + n, sizeof(scopes) - n, "%s%s", n ? ", " : "",
			    json_string_value(s));
	}
	printf("%s%s via %s (scopes: %s)\n", job_str(v, "user") ? job_str(v, "user") : "anonymous",
	    json_is_true(json_object_get(v, "admin")) ? ", admin," : "",
	    job_str(v, "via") ? job_str(v, "via") : "?", n ? scopes : "none");
	json_decref(v);
	return 0;
}

const struct cmd_entry cmd_whoami_entry = {
	.name = "whoami",
	.alias = NULL,
	.args = "[--json]",
	.summary = "show who pkvmd takes you for, and with which scopes",
	.details = "options:\n"
		   "  --json    print the answer as JSON\n",
	.options = whoami_options,
	.takes_rest = false,
	.exec = whoami_exec,
};
