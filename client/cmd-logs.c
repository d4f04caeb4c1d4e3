/*
 * cmd-logs.c -- pkvmctl logs: a job's serial console on stdout.
 *
 * Without -f it prints what has been captured so far; with -f the server
 * keeps the response open and sends console bytes as qemu prints them
 * until the job is done, and each piece is written through at once.
 */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "wire.h"

static const struct cmd_option logs_options[] = {
	{ 'f', "follow", 'f', false },
	{ 0, NULL, 0, false },
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
	bool follow = false;
	char path[96];
	int64_t id;
	int err, rc;

	for (int i = 0; i < args->n; i++) {
		if (args->v[i].key == 'f')
			follow = true;
	}
	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/console%s", (long long)id,
	    follow ? "?follow=1" : "");
	err = api_stream(api, path, on_console, NULL);
	if (err < 0)
		return api_fail(api, err);
	return 0;
}

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.alias = "console",
	.args = "[-f|--follow] ID",
	.summary = "print a job's serial console",
	.details = "options:\n"
		   "  -f, --follow  keep printing as the job runs, until it is "
		   "done\n",
	.options = logs_options,
	.takes_rest = false,
	.exec = logs_exec,
};
