/*
 * cmd-unpin.c -- pkvmctl unpin: let retention prune a pinned job's files
 * again (see cmd-pin.c).
 */
#include <stdio.h>

#include "cmd.h"
#include "wire.h"

static int
unpin_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char path[64];
	int64_t id;
	int err, rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/pin", (long long)id);
	err = api_request(api, "DELETE", path, NULL, NULL);
	if (err < 0)
		return api_fail(api, err);
	printf("job %lld unpinned\n", (long long)id);
	return 0;
}

const struct cmd_entry cmd_unpin_entry = {
	.name = "unpin",
	.alias = NULL,
	.args = "ID",
	.summary = "let a pinned job's files be pruned again",
	.details = NULL,
	.options = NULL,
	.takes_rest = false,
	.exec = unpin_exec,
};
