/*
 * cmd-wait.c -- pkvmctl wait: block until a job is done, exit with its
 * result.
 *
 * The end of a job is learnt from the server, never by polling on a timer:
 * with --follow the console stream (GET .../console?follow=1) stays open
 * until the job is done, and then, as without --follow, the long poll
 * GET .../wait?timeout=60 is repeated until it answers with state "done".
 * The exit code is job_result_exit_code() of the result, so scripts can
 * tell a failing test (1) from a crash (4) from a broken lab (6).
 * The waiting itself is job-wait.c's cmd_wait_job(), shared with
 * `submit --wait`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256 };

static const struct cmd_option wait_options[] = {
	{ .key = 'f', .long_name = "follow", .short_name = 'f' },
	{ .key = OPT_JSON, .long_name = "json" },
	{ 0 },
};

static int
wait_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	bool follow = cmd_args_flag(args, 'f'), json = cmd_args_flag(args, OPT_JSON);
	int64_t id;
	int rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	if (json && follow)
		return cmd_usage_error(self,
		    "--json and --follow cannot be "
		    "combined (both write to stdout)");
	return cmd_wait_job(api, id, follow, json);
}

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.alias = NULL,
	.args = "[-f|--follow] [--json] ID",
	.summary = "wait for a job to finish and exit with its result",
	.details = "options:\n"
		   "  -f, --follow  print the console as it runs first\n"
		   "  --json        print the finished job object\n"
		   "\n"
		   "prints \"job ID passed in 11.8 s\" or why it did not pass on "
		   "stderr.\n"
		   "exit codes:\n"
		   "  0 passed, 1 a test failed, 2 bad command line or request refused,\n"
		   "  3 timeout, 4 kernel or hypervisor crash, 5 cancelled,\n"
		   "  6 daemon unreachable, job error or interrupted\n",
	.options = wait_options,
	.takes_rest = false,
	.exec = wait_exec,
};
