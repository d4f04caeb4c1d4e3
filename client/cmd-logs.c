/*
 * cmd-logs.c -- pkvmctl logs: a job's serial console on stdout.
 *
 * Without -f it prints what has been captured so far; with -f the server
 * keeps the response open and sends console bytes as qemu prints them
 * until the job is done, and each piece is written through at once.  With
 * --test NAME only that test's lines are asked for (console?test=NAME),
 * from its begin line to its end line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "wire.h"

enum { OPT_TEST = 256 };

static const struct cmd_option logs_options[] = {
	{ .key = 'f', .long_name = "follow", .short_name = 'f' },
	{ .key = OPT_TEST, .long_name = "test", .short_name = 't', .has_arg = true },
	{ 0 },
};

static int
on_console(void *arg, const char *buf, size_t len)
{
	(void)arg;
	errno = 0;
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

static int
logs_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *test = cmd_args_value(args, OPT_TEST);
	bool follow = cmd_args_flag(args, 'f');
	char *path = NULL, *name = NULL;
	int64_t id;
	int err, rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	if (test != NULL && test[0] == '\0')
		return cmd_usage_error(self, "--test needs a test name");
	if (test != NULL && follow)
		return cmd_usage_error(self,
		    "--follow and --test cannot be combined (a test's lines "
		    "are sent as far as they go)");
	if (test != NULL && (name = api_escape(test)) == NULL)
		goto nomem;
	if (asprintf(&path, PKVM_API_PREFIX "/jobs/%lld/console%s%s", (long long)id,
		follow             ? "?follow=1"
		    : name != NULL ? "?test="
				   : "",
		name != NULL ? name : "") < 0) {
		path = NULL;
		goto nomem;
	}
	err = api_stream(api, path, on_console, NULL);
	free(path);
	free(name);
	if (err < 0)
		return api_fail(api, err);
	return 0;
nomem:
	free(path);
	free(name);
	fprintf(stderr, "pkvmctl: out of memory\n");
	return PKVM_EXIT_INFRA;
}

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.alias = "console",
	.args = "[-f|--follow] [-t|--test NAME] ID",
	.summary = "print a job's serial console",
	.details = "options:\n"
		   "  -f, --follow       keep printing as the job runs, until it is "
		   "done\n"
		   "  -t, --test NAME    only the lines of test NAME (from its start to\n"
		   "                     its end; see 'pkvmctl results ID' for names)\n",
	.options = logs_options,
	.takes_rest = false,
	.exec = logs_exec,
};
