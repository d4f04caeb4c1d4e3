/*
 * cmd-pin.c -- pkvmctl pin: keep a job's files whatever retention says.
 *
 * A lab server prunes the directories of old jobs (console, artifacts,
 * coverage data) to stay in its disk budget; a pinned job's stay until it
 * is unpinned (cmd-unpin.c).  Its owner or an admin may pin it.
 */
#include <stdio.h>

#include "cmd.h"
#include "wire.h"

static int
pin_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char path[64];
	int64_t id;
	int err, rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/pin", (long long)id);
	err = api_request(api, "POST", path, NULL, NULL);
	if (err < 0)
		return api_fail(api, err);
	printf("job %lld pinned: its files are kept until it is unpinned\n", (long long)id);
	return 0;
}

const struct cmd_entry cmd_pin_entry = {
	.name = "pin",
	.alias = NULL,
	.args = "ID",
	.summary = "keep a job's console and artifacts when old jobs are pruned",
	.details = NULL,
	.options = NULL,
	.takes_rest = false,
	.exec = pin_exec,
};
