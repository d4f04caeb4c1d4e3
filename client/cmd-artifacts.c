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
	{ OPT_JSON, "json", 0, false },
	{ 'o', "output", 'o', true },
	{ 'f', "force", 'f', false },
	{ 0, NULL, 0, false },
};

static int
artifacts_print(json_t *artifacts, void *arg)
{
	static const char *const headers[] = { "NAME", "SIZE", "STATUS", "SHA256" };
	struct table *t;
	json_t *a;
	size_t i;

	(void)arg;
	if (json_array_size(artifacts) == 0) {
		printf("no artifacts\n");
		return 0;
	}
	t = table_new(4, headers);
	if (t == NULL)
		goto nomem;
	table_align_right(t, 1);
	json_array_foreach(artifacts, i, a)
	{
		const char *sha = job_str(a, "sha256");
		char size[32] = "-", shortsha[16] = "-";
		const char *cells[4];
		long long n;

		if (job_int(a, "size", &n))
			output_size_format((double)n, size, sizeof(size));
		if (sha != NULL)
			snprintf(shortsha, sizeof(shortsha), "%.12s", sha);
		cells[0] = job_str(a, "name");
		cells[1] = size;
		cells[2] = job_str(a, "status");
		cells[3] = shortsha;
		if (table_add_row(t, cells) < 0)
			goto nomem;
	}
	table_print(t, stdout);
	table_free(t);
	return 0;
nomem:
	table_free(t);
	fprintf(stderr, "pkvmctl: out of memory\n");
	return PKVM_EXIT_INFRA;
}

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
		return output_show(api, path, "artifacts", JSON_ARRAY, json, artifacts_print, NULL);
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
