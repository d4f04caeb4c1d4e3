/*
 * cmd-crashes.c -- pkvmctl crashes: kernel and hypervisor crash reports.
 *
 * With a job id: the job's reports in console order (GET
 * /v1/jobs/ID/crashes) as a table of TITLE KIND FATAL TEST LINES, and with
 * -v each report's text after the table, ready to paste into a bug
 * report: the symbolized copy, with file:line on every frame, when the
 * job had a vmlinux (docs/SYMBOLS.md), else the report as printed and a
 * line saying why not.  --wait waits for the job to end and its reports
 * to be symbolized first.  With --all: every job's reports grouped by title (GET
 * /v1/crashes), most recently seen first, to tell a new bug from an old
 * friend.  --json prints the "crashes" or "groups" array as the server
 * sends it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256, OPT_ALL, OPT_WAIT };

/* How long --wait waits for the job and its symbolization. */
#define CRASHES_WAIT_S "3600"

static const struct cmd_option crashes_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = 'v', .long_name = "verbose", .short_name = 'v' },
	{ .key = OPT_ALL, .long_name = "all" },
	{ .key = 'n', .long_name = "limit", .short_name = 'n', .has_arg = true },
	{ .key = OPT_WAIT, .long_name = "wait", .short_name = 'w' },
	{ 0 },
};

/* "301-330" from a [first, last] pair, "-" when absent. */
static void
lines_format(json_t *lines, char *buf, size_t size)
{
	json_t *a = json_array_get(lines, 0), *b = json_array_get(lines, 1);

	if (json_is_integer(a) && json_is_integer(b))
		snprintf(buf, size, "%lld-%lld", (long long)json_integer_value(a),
		    (long long)json_integer_value(b));
	else
		snprintf(buf, size, "-");
}

static const char *
fatal_word(json_t *crash)
{
	json_t *f = json_object_get(crash, "fatal");

	return json_is_boolean(f) ? (json_is_true(f) ? "yes" : "no") : NULL;
}

/* Crash report CRASH's row. */
static int
crash_row(struct table *t, json_t *crash)
{
	char lines[48];
	const char *cells[] = { job_str(crash, "title"), job_str(crash, "kind"), fatal_word(crash),
		job_str(crash, "test"), lines };

	lines_format(json_object_get(crash, "lines"), lines, sizeof(lines));
	return table_add_row(t, cells);
}

static const char *const crashes_headers[] = { "TITLE", "KIND", "FATAL", "TEST", "LINES" };

static const struct output_table crashes_table = {
	.ncols = 5,
	.headers = crashes_headers,
	.right = 0,
	.empty = "no crash reports",
	.row = crash_row,
};

/* The table of CRASHES, and with *ARG (verbose) each report's text after
 * it. */
static int
crashes_print(json_t *crashes, const void *arg)
{
	bool verbose = *(const bool *)arg;
	json_t *crash;
	size_t i;
	int rc;

	rc = output_table(crashes, &crashes_table);
	if (rc != 0 || !verbose)
		return rc;
	json_array_foreach(crashes, i, crash)
	{
		const char *title = job_str(crash, "title");
		const char *kind = job_str(crash, "kind");
		const char *test = job_str(crash, "test");
		const char *report = job_str(crash, "report");
		const char *symbolized = job_str(crash, "symbolized");
		const char *symbols = job_str(crash, "symbols");
		const char *why = job_str(crash, "symbols_message");
		const char *fatal = fatal_word(crash);
		char lines[48];

		lines_format(json_object_get(crash, "lines"), lines, sizeof(lines));
		printf("\n--- %zu/%zu: %s (%s%s%s%s, console lines %s)\n", i + 1,
		    json_array_size(crashes), title != NULL ? title : "?",
		    kind != NULL ? kind : "?", fatal != NULL && fatal[0] == 'y' ? ", fatal" : "",
		    test != NULL ? ", in " : "", test != NULL ? test : "", lines);
		if (symbolized != NULL)
			report = symbolized;
		if (report != NULL) {
			size_t len = strlen(report);

			fputs(report, stdout);
			if (len > 0 && report[len - 1] != '\n')
				fputc('\n', stdout);
		}
		/* Why there is no file:line, or what is still without. */
		if (symbols != NULL && (symbolized == NULL || why != NULL))
			printf("(symbols: %s%s%s)\n", symbols, why != NULL ? ": " : "",
			    why != NULL ? why : "");
	}
	return 0;
}

/* "18:20:01 (job 12)" from time field TKEY and job field JKEY of G. */
static void
seen_format(json_t *g, const char *tkey, const char *jkey, char *buf, size_t size)
{
	char when[48];
	long long job;

	job_time(g, tkey, false, when, sizeof(when));
	if (job_int(g, jkey, &job))
		snprintf(buf, size, "%s (job %lld)", when, job);
	else
		snprintf(buf, size, "%s", when);
}

/* Crash group G's row: how often and where its title was seen. */
static int
group_row(struct table *t, json_t *g)
{
	char count[24], jobs[24], first[96], last[96];
	const char *cells[] = { job_str(g, "title"), count, jobs, first, last };

	job_int_format(g, "count", count, sizeof(count));
	job_int_format(g, "jobs", jobs, sizeof(jobs));
	seen_format(g, "first_seen", "first_job", first, sizeof(first));
	seen_format(g, "last_seen", "last_job", last, sizeof(last));
	return table_add_row(t, cells);
}

static const char *const groups_headers[] = { "TITLE", "COUNT", "JOBS", "FIRST-SEEN", "LAST-SEEN" };

static const struct output_table groups_table = {
	.ncols = 5,
	.headers = groups_headers,
	.right = 1u << 1 | 1u << 2,
	.empty = "no crash reports",
	.row = group_row,
};

static int
crashes_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	bool json = false, verbose = false, all = false, wait = false;
	const char *limit = NULL, *pos = NULL;
	long long n;
	char path[96];
	int64_t id;
	int rc;

	for (int i = 0; i < args->n; i++) {
		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (pos != NULL)
				return cmd_usage_error(self, "too many arguments");
			pos = args->v[i].value;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_WAIT:
			wait = true;
			break;
		case 'n':
			limit = args->v[i].value;
			if (cmd_parse_int("limit", limit, 1, 10000, &n) != 0)
				return PKVM_EXIT_USAGE;
			break;
		}
	}
	if (all) {
		if (pos != NULL)
			return cmd_usage_error(self, "give a job id or --all, not both");
		if (wait)
			return cmd_usage_error(self, "--wait waits for one job: give a job id");
		if (verbose)
			return cmd_usage_error(self,
			    "--verbose shows one job's reports: give a job id "
			    "instead of --all");
		snprintf(path, sizeof(path), PKVM_API_PREFIX "/crashes%s%s",
		    limit != NULL ? "?limit=" : "", limit != NULL ? limit : "");
		return output_show_table(api, path, "groups", json, &groups_table);
	}
	if (limit != NULL)
		return cmd_usage_error(self, "--limit goes with --all");
	if (pos == NULL)
		return cmd_usage_error(self, "missing job id (or --all)");
	rc = cmd_parse_id(pos, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/crashes%s", (long long)id,
	    wait ? "?wait=" CRASHES_WAIT_S : "");
	return output_show(api, path, "crashes", JSON_ARRAY, json, crashes_print, &verbose);
}

const struct cmd_entry cmd_crashes_entry = {
	.name = "crashes",
	.alias = NULL,
	.args = "[--json] [-v|--verbose] [-w|--wait] ID\n"
		"       pkvmctl crashes --all [--json] [-n|--limit N]",
	.summary = "show a job's crash reports, or all jobs' grouped by title",
	.details = "options:\n"
		   "  --json          print the reports (or with --all the groups) as a\n"
		   "                  JSON array, as the server sends them\n"
		   "  -v, --verbose   print each report's text after the table, with\n"
		   "                  file:line on every frame when the job had a vmlinux\n"
		   "                  (submit --vmlinux)\n"
		   "  -w, --wait      wait for the job to end and its reports to be\n"
		   "                  symbolized (at most an hour)\n"
		   "  --all           every job's reports grouped by title, most recently\n"
		   "                  seen first: TITLE COUNT JOBS FIRST-SEEN LAST-SEEN\n"
		   "  -n, --limit N   with --all, at most N groups, 1..10000\n",
	.options = crashes_options,
	.takes_rest = false,
	.exec = crashes_exec,
};
