/*
 * cmd-artifacts.c -- pkvmctl artifacts: the files a job's tests wrote to
 * $PKVM_OUTPUT, listed or downloaded.
 *
 * `artifacts ID` is a table of NAME SIZE STATUS SHA256 (GET
 * /v1/jobs/ID/artifacts).  `artifacts ID get NAME` downloads one (GET
 * /v1/jobs/ID/artifact?name=NAME) through download.c: the file is renamed
 * into place only when size and sha256 match the listing, and an existing
 * file is not replaced without -f.  With -o - the bytes go to stdout (a
 * mismatch is then reported after the fact, by the exit code).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "download.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256 };

static const struct cmd_option artifacts_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = 'o', .long_name = "output", .short_name = 'o', .has_arg = true },
	{ .key = 'f', .long_name = "force", .short_name = 'f' },
	{ 0 },
};

/* Artifact A's row; twelve digits of its sha256 are enough to tell two
 * artifacts apart by eye. */
static int
artifact_row(struct table *t, json_t *a)
{
	const char *sha = job_str(a, "sha256");
	char size[32] = "-", shortsha[16] = "-";
	const char *cells[] = { job_str(a, "name"), size, job_str(a, "status"), shortsha };
	long long n;

	if (job_int(a, "size", &n))
		output_size_format((double)n, size, sizeof(size));
	if (sha != NULL)
		snprintf(shortsha, sizeof(shortsha), "%.12s", sha);
	return table_add_row(t, cells);
}

static const char *const artifacts_headers[] = { "NAME", "SIZE", "STATUS", "SHA256" };

static const struct output_table artifacts_table = {
	.ncols = 4,
	.headers = artifacts_headers,
	.right = 1u << 1,
	.empty = "no artifacts",
	.row = artifact_row,
};

static int
artifacts_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *pos[4] = { NULL }, *output = NULL;
	bool json = false, force = false;
	char path[96];
	int npos = 0;
	int64_t id;
	int rc;

	for (int i = 0; i < args->n; i++) {
		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (npos == 3)
				return cmd_usage_error(self, "too many arguments");
			pos[npos++] = args->v[i].value;
			break;
		case OPT_JSON:
			json = true;
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
	rc = cmd_parse_id(pos[0], &id);
	if (rc != 0)
		return rc;
	if (npos == 1) {
		if (output != NULL || force)
			return cmd_usage_error(self, "-o and -f go with 'get NAME'");
		snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/artifacts", (long long)id);
		return output_show_table(api, path, "artifacts", json, &artifacts_table);
	}
	if (strcmp(pos[1], "get") != 0)
		return cmd_usage_error(self, "unknown action '%s' (expected 'get')", pos[1]);
	if (npos < 3)
		return cmd_usage_error(self, "missing artifact name");
	if (json)
		return cmd_usage_error(self, "--json goes with the listing, not with 'get'");
	if (output != NULL && output[0] == '\0')
		return cmd_usage_error(self, "-o needs a file name");
	return download_artifact(api, id, pos[2], output, force ? DOWNLOAD_FORCE : 0);
}

const struct cmd_entry cmd_artifacts_entry = {
	.name = "artifacts",
	.alias = NULL,
	.args = "[--json] ID\n"
		"       pkvmctl artifacts ID get NAME [-o FILE] [-f|--force]",
	.summary = "list the files a job's tests left, or download one",
	.details = "the listing shows NAME SIZE STATUS SHA256; only artifacts with status\n"
		   "ok can be downloaded.\n"
		   "\n"
		   "options:\n"
		   "  --json           print the artifact objects as a JSON array\n"
		   "  -o, --output FILE  where 'get' writes: a file, a directory to put it\n"
		   "                   in, or - for stdout (default: the last part of NAME,\n"
		   "                   in the current directory)\n"
		   "  -f, --force      replace FILE when it exists\n"
		   "\n"
		   "a download is checked against the listing's size and sha256 and kept\n"
		   "only when both match.\n",
	.options = artifacts_options,
	.takes_rest = false,
	.exec = artifacts_exec,
};
