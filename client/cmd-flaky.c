/*
 * cmd-flaky.c -- pkvmctl flaky: the tests that both passed and failed on
 * one kernel with one set of test files (GET /v1/flaky, docs/COMPARE.md),
 * newest first, with how often each did which.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256 };

static const struct cmd_option flaky_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = 'T', .long_name = "tag", .short_name = 'T', .has_arg = true },
	{ .key = 'n', .long_name = "limit", .short_name = 'n', .has_arg = true },
	{ 0 },
};

static void
print_flaky(json_t *list)
{
	long long passes, fails, last;
	json_t *f;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no flaky tests\n");
		return;
	}
	printf("%-48s %6s %6s %6s %-12s %s\n", "TEST", "PASSED", "FAILED", "PASS%", "KERNEL",
	    "LAST-JOB");
	json_array_foreach(list, i, f)
	{
		passes = fails = last = 0;
		job_int(f, "passes", &passes);
		job_int(f, "fails", &fails);
		job_int(f, "last_job", &last);
		printf("%-48s %6lld %6lld %5.0f%% %-12.12s %lld\n",
		    job_str(f, "test") ? job_str(f, "test") : "-", passes, fails,
		    passes + fails > 0 ? 100.0 * (double)passes / (double)(passes + fails) : 0.0,
		    job_str(f, "kernel") ? job_str(f, "kernel") : "-", last);
	}
}

static int
flaky_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *tag = cmd_args_value(args, 'T'), *limit = cmd_args_value(args, 'n');
	char q[512] = "", path[600];
	json_t *reply = NULL;
	long long n;
	int rc;

	for (int i = 0; i < args->n; i++)
		if (args->v[i].key == CMD_ARG_POSITIONAL)
			return cmd_usage_error(self, "flaky takes no argument");
	if (limit != NULL && (rc = cmd_parse_int("--limit", limit, 1, 10000, &n)) != 0)
		return rc;
	if ((tag != NULL && api_query_add(q, sizeof(q), "tag", tag) < 0) ||
	    (limit != NULL && api_query_add(q, sizeof(q), "limit", limit) < 0))
		return cmd_usage_error(self, "the tag is too long");
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/flaky%s", q);
	if ((rc = api_request(api, "GET", path, NULL, &reply)) < 0)
		return api_fail(api, rc);
	if (cmd_args_flag(args, OPT_JSON))
		output_json(json_object_get(reply, "flaky"));
	else
		print_flaky(json_object_get(reply, "flaky"));
	json_decref(reply);
	return PKVM_EXIT_PASSED;
}

const struct cmd_entry cmd_flaky_entry = {
	.name = "flaky",
	.alias = NULL,
	.args = "[--json] [-T TAG] [-n N]",
	.summary = "tests that both passed and failed on one kernel and test files",
	.details = "options:\n"
		   "  -T, --tag TAG    only kernels and test files a job labelled TAG ran\n"
		   "  -n, --limit N    at most N, newest first (default 100)\n"
		   "  --json           print the list as JSON\n",
	.options = flaky_options,
	.takes_rest = false,
	.exec = flaky_exec,
};
