/*
 * cmd-help.c -- pkvmctl help: the command list, or one command's usage.
 */
#include <stdio.h>

#include "cmd.h"
#include "wire.h"

static int
help_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const struct cmd_entry *e;

	(void)api;
	if (args->n == 0) {
		cmd_print_usage(stdout);
		return 0;
	}
	if (args->n > 1)
		return cmd_usage_error(self, "too many arguments");
	e = cmd_find(args->v[0].value);
	if (e == NULL)
		return PKVM_EXIT_USAGE;
	cmd_print_entry_usage(e, stdout, true);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.alias = NULL,
	.args = "[COMMAND]",
	.summary = "show this list, or how to use COMMAND",
	.details = NULL,
	.options = NULL,
	.takes_rest = false,
	.exec = help_exec,
};
