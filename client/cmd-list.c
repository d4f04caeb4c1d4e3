/*
 * cmd-list.c -- pkvmctl list: the jobs, newest first, as a table.
 *
 * Filters go to the server as query parameters (GET /v1/jobs?state=...),
 * so the limit applies after filtering.  --json prints the array of job
 * objects (the "jobs" member of the answer) for scripts; --ids prints
 * only their ids, one a line, for shell completion and loops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_STATE = 256, OPT_TAG, OPT_OWNER, OPT_LIMIT, OPT_JSON, OPT_IDS };

static const struct cmd_option list_options[] = {
	{ .key = OPT_STATE, .long_name = "state", .has_arg = true },
	{ .key = OPT_TAG, .long_name = "tag", .short_name = 'T', .has_arg = true },
	{ .key = OPT_OWNER, .long_name = "owner", .has_arg = true },
	{ .key = OPT_LIMIT, .long_name = "limit", .short_name = 'n', .has_arg = true },
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = OPT_IDS, .long_name = "ids" },
	{ 0 },
};

/* JOB's row: where it is, how it ended, whose it is and how long it
 * took. */
static int
job_row(struct table *t, json_t *job)
{
	char id[24], smp[24], created[32], dur[32], tags[512];
	const char *cells[] = { id, job_str(job, "state"), job_str(job, "result"),
		job_str(job, "owner"), job_str(job, "priority"), smp, created, dur, tags };

	job_int_format(job, "id", id, sizeof(id));
	job_int_format(job, "smp", smp, sizeof(smp));
	job_time(job, "created", false, created, sizeof(created));
	job_duration(job, dur, sizeof(dur));
	job_tags(job, ",", tags, sizeof(tags));
	return table_add_row(t, cells);
}

static const char *const list_headers[] = { "ID", "STATE", "RESULT", "OWNER", "PRIORITY", "SMP",
	"CREATED", "DURATION", "TAGS" };

/* No jobs is still a table: its header says what a row would hold. */
static const struct output_table list_table = {
	.ncols = 9,
	.headers = list_headers,
	.right = 1u << 0 | 1u << 5,
	.empty = NULL,
	.row = job_row,
};

/* output_show()'s printer for --ids: each job's id on a line of its own. */
static int
print_ids(json_t *jobs, const void *arg)
{
	json_t *job;
	size_t i;
	long long id;

	(void)arg;
	json_array_foreach(jobs, i, job)
	{
		if (job_int(job, "id", &id))
			printf("%lld\n", id);
	}
	return 0;
}

static int
list_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char query[1024] = "", path[1100];
	bool json = false, ids = false;
	enum job_state st;
	long long limit;
	int rc = 0;

	for (int i = 0; rc == 0 && i < args->n; i++) {
		const char *v = args->v[i].value;

		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			return cmd_usage_error(self, "unexpected argument '%s'", v);
		case OPT_STATE:
			if (job_state_parse(v, &st) < 0) {
				fprintf(stderr,
				    "pkvmctl: invalid state '%s' "
				    "(queued, running or done)\n",
				    v);
				return PKVM_EXIT_USAGE;
			}
			rc = api_query_add(query, sizeof(query), "state", v);
			break;
		case OPT_TAG:
			rc = api_query_add(query, sizeof(query), "tag", v);
			break;
		case OPT_OWNER:
			rc = api_query_add(query, sizeof(query), "owner", v);
			break;
		case OPT_LIMIT:
			if (cmd_parse_int("limit", v, 1, 10000, &limit) != 0)
				return PKVM_EXIT_USAGE;
			rc = api_query_add(query, sizeof(query), "limit", v);
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_IDS:
			ids = true;
			break;
		}
	}
	if (rc != 0) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	if (json && ids)
		return cmd_usage_error(self, "give --json or --ids, not both");
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs%s", query);
	if (ids)
		return output_show(api, path, "jobs", JSON_ARRAY, false, print_ids, NULL);
	return output_show_table(api, path, "jobs", json, &list_table);
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.alias = "ls",
	.args = "[--state STATE] [-T|--tag TAG] [--owner USER] [-n|--limit N] "
		"[--json | --ids]",
	.summary = "list jobs, newest first",
	.details = "options:\n"
		   "  --state STATE    only jobs that are queued, running or done\n"
		   "  -T, --tag TAG    only jobs with this tag\n"
		   "  --owner USER     only jobs of this user\n"
		   "  -n, --limit N    at most N jobs, 1..10000 (default 100)\n"
		   "  --json           print the job objects as a JSON array\n"
		   "  --ids            print only the job ids, one a line\n",
	.options = list_options,
	.takes_rest = false,
	.exec = list_exec,
};
