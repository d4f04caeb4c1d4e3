/*
 * cmd-pin.c -- pkvmctl pin and unpin: keep a job's files whatever
 * retention says, or let them go again.
 *
 * A lab server prunes the directories of old jobs (console, artifacts,
 * coverage data) to stay in its disk budget; a pinned job's stay until it
 * is unpinned.  Its owner or an admin may pin and unpin it.
 */
#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"
#include "wire.h"

/* POST (PIN) or DELETE the pin of the job named by ARGS. */
static int
pin_set(const struct cmd_entry *self, struct api *api, struct cmd_args *args, bool pin)
{
	char path[64];
	int64_t id;
	int err, rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/pin", (long long)id);
	err = api_request(api, pin ? "POST" : "DELETE", path, NULL, NULL);
	if (err < 0)
		return api_fail(api, err);
	if (pin)
		printf("job %lld pinned: its files are kept until it is unpinned\n", (long long)id);
	else
		printf("job %lld unpinned\n", (long long)id);
	return 0;
}

static int
pin_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	return pin_set(self, api, args, true);
}

static int
unpin_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	return pin_set(self, api, args, false);
}

const struct cmd_entry cmd_pin_entry = {
	.name = "pin",
	.args = "ID",
	.summary = "keep a job's console and artifacts when old jobs are pruned",
	.exec = pin_exec,
};

const struct cmd_entry cmd_unpin_entry = {
	.name = "unpin",
	.args = "ID",
	.summary = "let a pinned job's files be pruned again",
	.exec = unpin_exec,
};
