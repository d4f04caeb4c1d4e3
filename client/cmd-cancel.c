/*
 * cmd-cancel.c -- pkvmctl cancel: stop a queued or running job.
 *
 * The server answers at once; a running qemu is stopped shortly after
 * (SIGTERM, then SIGKILL after a grace period).  Use `pkvmctl wait` to know
 * when it is gone.
 */
#include <stdio.h>

#include "cmd.h"
#include "wire.h"

static int
cancel_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char path[64];
	int64_t id;
	int err, rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/cancel", (long long)id);
	err = api_request(api, "POST", path, NULL, NULL);
	if (err < 0)
		return api_fail(api, err);
	printf("job %lld cancelled\n", (long long)id);
	return 0;
}

const struct cmd_entry cmd_cancel_entry = {
	.name = "cancel",
	.alias = "kill",
	.args = "ID",
	.summary = "cancel a queued or running job",
	.details = NULL,
	.options = NULL,
	.takes_rest = false,
	.exec = cancel_exec,
};
