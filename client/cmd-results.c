/*
 * cmd-results.c -- pkvmctl results: each test of a job and its verdict.
 *
 * A table of NAME VERDICT EXIT DURATION in run order; --json prints the
 * array of test objects (the "tests" member of the answer), like
 * `list --json` prints the array of jobs.
 */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256 };

static const struct cmd_option results_options[] = {
	{ OPT_JSON, "json", 0, false },
	{ 0, NULL, 0, false },
};

static int
results_print(json_t *tests)
{
	static const char *const headers[] = { "NAME", "VERDICT", "EXIT", "DURATION" };
	struct table *t = table_new(4, headers);
	json_t *test, *d;
	size_t i;

	if (t == NULL)
		return PKVM_EXIT_INFRA;
	table_align_right(t, 2);
	table_align_right(t, 3);
	json_array_foreach(tests, i, test)
	{
		char code[24] = "-", dur[32] = "-";
		const char *cells[4];
		long long n;

		if (job_int(test, "exit_code", &n))
			snprintf(code, sizeof(code), "%lld", n);
		d = json_object_get(test, "duration");
		if (json_is_number(d))
			output_duration_format(json_number_value(d), dur, sizeof(dur));
		cells[0] = job_str(test, "name");
		cells[1] = job_str(test, "verdict");
		cells[2] = code;
		cells[3] = dur;
		if (table_add_row(t, cells) < 0) {
			table_free(t);
			fprintf(stderr, "pkvmctl: out of memory\n");
			return PKVM_EXIT_INFRA;
		}
	}
	table_print(t, stdout);
	table_free(t);
	return 0;
}

static int
results_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	json_t *reply = NULL, *tests;
	bool json = false;
	char path[96];
	int64_t id;
	int err, rc;

	for (int i = 0; i < args->n; i++) {
		if (args->v[i].key == OPT_JSON)
			json = true;
	}
	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/results", (long long)id);
	err = api_request(api, "GET", path, NULL, &reply);
	if (err < 0)
		return api_fail(api, err);
	tests = json_object_get(reply, "tests");
	if (!json_is_array(tests)) {
		fprintf(stderr,
		    "pkvmctl: bad answer from pkvmd: no \"tests\" "
		    "array\n");
		rc = PKVM_EXIT_INFRA;
	} else if (json) {
		rc = output_json(tests) < 0 ? PKVM_EXIT_INFRA : 0;
	} else {
		rc = results_print(tests);
	}
	json_decref(reply);
	return rc;
}

const struct cmd_entry cmd_results_entry = {
	.name = "results",
	.alias = NULL,
	.args = "[--json] ID",
	.summary = "show the verdict of each test of a job",
	.details = "options:\n"
		   "  --json  print the test objects as a JSON array\n",
	.options = results_options,
	.takes_rest = false,
	.exec = results_exec,
};
