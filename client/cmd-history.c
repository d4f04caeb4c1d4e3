/*
 * cmd-history.c -- pkvmctl history NAME: one test's verdicts over time
 * (GET /v1/tests/history, docs/COMPARE.md), newest first, with its pass
 * rate and how often it flipped.  NAME is a test, or a sub-test written
 * as `pkvmctl compare` prints it: "kvm-ktap / psci / system_off".
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256, OPT_LAST };

static const struct cmd_option history_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = 'T', .long_name = "tag", .short_name = 'T', .has_arg = true },
	{ .key = OPT_LAST, .long_name = "last", .has_arg = true },
	{ 0 },
};

static void
print_history(json_t *h, const char *name)
{
	long long passes = 0, fails = 0, flips = 0, id = 0, attempt = 0;
	json_t *runs = json_object_get(h, "runs"), *r;
	char when[64];
	size_t i;

	job_int(h, "passes", &passes);
	job_int(h, "fails", &fails);
	job_int(h, "flips", &flips);
	printf("%s: %lld passed, %lld failed", name, passes, fails);
	if (passes + fails > 0)
		printf(" (%.0f%% passed)", 100.0 * (double)passes / (double)(passes + fails));
	printf(", %lld flip%s over %zu runs\n", flips, flips == 1 ? "" : "s",
	    json_array_size(runs));
	if (json_array_size(runs) == 0)
		return;
	printf("\n%-8s %-7s %-19s %-12s %-8s %s\n", "JOB", "ATTEMPT", "CREATED", "KERNEL",
	    "VERDICT", "DURATION");
	json_array_foreach(runs, i, r)
	{
		json_t *d = json_object_get(r, "duration");
		char dur[32] = "-";
		double t;

		job_int(r, "job", &id);
		job_int(r, "attempt", &attempt);
		if (job_str(r, "created") != NULL &&
		    output_time_parse(job_str(r, "created"), &t) == 0)
			output_time_format(t, true, when, sizeof(when));
		else
			snprintf(when, sizeof(when), "-");
		if (json_is_number(d))
			output_duration_format(json_number_value(d), dur, sizeof(dur));
		printf("%-8lld %-7lld %-19s %-12.12s %-8s %s\n", id, attempt, when,
		    job_str(r, "kernel") ? job_str(r, "kernel") : "-",
		    job_str(r, "verdict") ? job_str(r, "verdict") : "-", dur);
	}
}

static int
history_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *name = NULL, *tag = cmd_args_value(args, 'T'),
		   *last = cmd_args_value(args, OPT_LAST);
	char q[1024] = "", path[1100];
	json_t *reply = NULL;
	long long n;
	int rc;

	for (int i = 0; i < args->n; i++) {
		if (args->v[i].key != CMD_ARG_POSITIONAL)
			continue;
		if (name != NULL)
			return cmd_usage_error(self, "history takes one test");
		name = args->v[i].value;
	}
	if (name == NULL)
		return cmd_usage_error(self, "which test? (NAME, or \"NAME / SUB\")");
	if (last != NULL && (rc = cmd_parse_int("--last", last, 1, 10000, &n)) != 0)
		return rc;
	if (api_query_add(q, sizeof(q), "test", name) < 0 ||
	    (tag != NULL && api_query_add(q, sizeof(q), "tag", tag) < 0) ||
	    (last != NULL && api_query_add(q, sizeof(q), "last", last) < 0))
		return cmd_usage_error(self, "the test's name is too long");
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/tests/history%s", q);
	if ((rc = api_request(api, "GET", path, NULL, &reply)) < 0)
		return api_fail(api, rc);
	if (cmd_args_flag(args, OPT_JSON))
		output_json(reply);
	else
		print_history(reply, name);
	json_decref(reply);
	return PKVM_EXIT_PASSED;
}

const struct cmd_entry cmd_history_entry = {
	.name = "history",
	.alias = NULL,
	.args = "[--json] [-T TAG] [--last N] NAME",
	.summary = "one test's verdicts over time, pass rate and flips",
	.details = "NAME is a test, or a sub-test as compare prints it: \"TEST / SUB / ...\".\n"
		   "options:\n"
		   "  -T, --tag TAG  only jobs labelled TAG\n"
		   "  --last N       the N newest runs (default 100, at most 10000)\n"
		   "  --json         print the server's answer as it is\n",
	.options = history_options,
	.takes_rest = false,
	.exec = history_exec,
};
