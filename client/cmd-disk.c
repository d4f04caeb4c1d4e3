/*
 * cmd-disk.c -- pkvmctl disk: download the overlay a job kept of a disk.
 *
 * A job submitted with --keep-disk keeps, for each writable --disk, the
 * qcow2 overlay its guest wrote to (GET /v1/jobs/ID/disks/vda).  The
 * overlay holds only the guest's writes; its backing file is the image
 * the job was given, named by the server's path, so to read it here
 * rebase it onto your copy of that image:
 *
 *     qemu-img rebase -u -b image.img -F raw vda.qcow2
 *
 * The download streams into a temporary file and is renamed into place
 * when whole (download.c).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "download.h"
#include "wire.h"

static const struct cmd_option disk_options[] = {
	{ .key = 'o', .long_name = "output", .short_name = 'o', .has_arg = true },
	{ .key = 'f', .long_name = "force", .short_name = 'f' },
	{ 0 },
};

/* A guest disk name as the server gives them: "vd" and one letter. */
static bool
disk_name_valid(const char *s)
{
	return strlen(s) == 3 && strncmp(s, "vd", 2) == 0 && s[2] >= 'a' && s[2] <= 'z';
}

static int
disk_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *pos[2] = { NULL, NULL }, *output = NULL;
	char path[96], dest[16];
	bool force = false;
	int npos = 0, rc;
	int64_t id;

	for (int i = 0; i < args->n; i++) {
		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (npos == 2)
				return cmd_usage_error(self, "too many arguments");
			pos[npos++] = args->v[i].value;
			break;
		case 'o':
			output = args->v[i].value;
			break;
		case 'f':
			force = true;
			break;
		}
	}
	if (npos == 0)
		return cmd_usage_error(self, "missing job id");
	if ((rc = cmd_parse_id(pos[0], &id)) != 0)
		return rc;
	if (pos[1] == NULL)
		pos[1] = "vda";
	if (!disk_name_valid(pos[1]))
		return cmd_usage_error(self,
		    "invalid disk '%s': the guest's name of it, vda, vdb, ...", pos[1]);
	if (output != NULL && output[0] == '\0')
		return cmd_usage_error(self, "-o needs a file name");
	if (output == NULL) {
		snprintf(dest, sizeof(dest), "%s.qcow2", pos[1]);
		output = dest;
	}
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/disks/%s", (long long)id, pos[1]);
	return download_file(api, path, output, NULL, -1, "disk overlay",
	    force ? DOWNLOAD_FORCE : 0);
}

const struct cmd_entry cmd_disk_entry = {
	.name = "disk",
	.alias = NULL,
	.args = "ID [DISK] [-o FILE] [-f|--force]",
	.summary = "download the overlay a --keep-disk job kept of a disk",
	.details = "DISK is the guest's name of it: vda (the default) for the first --disk,\n"
		   "vdb for the second, ...; only writable disks have an overlay.\n"
		   "\n"
		   "options:\n"
		   "  -o, --output FILE  where to write it, or - for stdout (default:\n"
		   "                   DISK.qcow2 in the current directory)\n"
		   "  -f, --force      replace FILE when it exists\n"
		   "\n"
		   "the overlay holds only what the guest wrote; its backing file is the\n"
		   "job's image on the server.  To read it here, point it at your copy:\n"
		   "  qemu-img rebase -u -b IMAGE -F raw vda.qcow2  (-F qcow2 for a qcow2)\n",
	.options = disk_options,
	.takes_rest = false,
	.exec = disk_exec,
};
