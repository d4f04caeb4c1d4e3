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
 * friend: a row per title with how often, in how many jobs, when first
 * and last, and the newer kernel that stopped showing it if one did, and
 * under it the kernels it was seen on.  --kind, --tag and --since choose
 * the reports, as the server's query does.  --json prints the "crashes"
 * or "groups" array as the server sends it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256, OPT_ALL, OPT_WAIT, OPT_KIND, OPT_SINCE };

/* How long --wait waits for the job and its symbolization. */
#define CRASHES_WAIT_S "3600"
/* A kernel is shown by the first hex digits of its sha256, as git shows
 * a commit. */
#define KERNEL_SHORT 12
/* The kernels listed under a group; the server sends up to ten. */
#define KERNELS_SHOWN 3

static const struct cmd_option crashes_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = 'v', .long_name = "verbose", .short_name = 'v' },
	{ .key = OPT_ALL, .long_name = "all" },
	{ .key = 'n', .long_name = "limit", .short_name = 'n', .has_arg = true },
	{ .key = OPT_WAIT, .long_name = "wait", .short_name = 'w' },
	{ .key = OPT_KIND, .long_name = "kind", .has_arg = true },
	{ .key = 'T', .long_name = "tag", .short_name = 'T', .has_arg = true },
	{ .key = OPT_SINCE, .long_name = "since", .has_arg = true },
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

/* "5f1c0a2b3c4d 6.1.0-57-cloud-arm64" from kernel K (a kernel object of
 * a group), the version left out when the server does not know it. */
static void
kernel_format(json_t *k, char *buf, size_t size)
{
	const char *sha = job_str(k, "sha256"), *version = job_str(k, "version");

	snprintf(buf, size, "%.*s%s%s", KERNEL_SHORT, sha != NULL ? sha : "?",
	    version != NULL ? " " : "", version != NULL ? version : "");
}

/* "9a8b7c6d5e4f 6.1.0-58-cloud-arm64 (job 57)" from G's fixed_in, "-" when
 * no newer kernel stopped showing it. */
static void
fixed_format(json_t *g, char *buf, size_t size)
{
	json_t *fix = json_object_get(g, "fixed_in");
	char kernel[128];
	long long job;

	if (!json_is_object(fix)) {
		snprintf(buf, size, "-");
		return;
	}
	kernel_format(fix, kernel, sizeof(kernel));
	if (job_int(fix, "job", &job))
		snprintf(buf, size, "%s (job %lld)", kernel, job);
	else
		snprintf(buf, size, "%s", kernel);
}

/* The line under group G: "  on 2 kernels: K1 (3), K2 (1)", newest
 * first, each with its count of reports, and how many more there are. */
static int
kernels_note(struct table *t, json_t *g)
{
	json_t *kernels = json_object_get(g, "kernels"), *k;
	char line[1024], kernel[128];
	long long total;
	size_t i, off;

	if (!json_is_array(kernels) || json_array_size(kernels) == 0)
		return 0;
	if (!job_int(g, "kernel_count", &total))
		total = (long long)json_array_size(kernels);
	off = (size_t)snprintf(line, sizeof(line), "  on %lld kernel%s:", total,
	    total == 1 ? "" : "s");
	json_array_foreach(kernels, i, k)
	{
		long long count;

		if (i == KERNELS_SHOWN || off >= sizeof(line))
			break;
		kernel_format(k, kernel, sizeof(kernel));
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %s", i ? "," : "",
		    kernel);
		if (off < sizeof(line) && job_int(k, "count", &count))
			off += (size_t)snprintf(line + off, sizeof(line) - off, " (%lld)", count);
	}
	if (off < sizeof(line) && total > (long long)i)
		snprintf(line + off, sizeof(line) - off, ", and %lld more", total - (long long)i);
	return table_add_note(t, line);
}

/* Crash group G's row: how often and where its title was seen, which
 * newer kernel stopped showing it, and under it the kernels it was seen
 * on. */
static int
group_row(struct table *t, json_t *g)
{
	char count[24], jobs[24], first[96], last[96], fixed[160];
	const char *cells[] = { job_str(g, "title"), count, jobs, first, last, fixed };
	int rc;

	job_int_format(g, "count", count, sizeof(count));
	job_int_format(g, "jobs", jobs, sizeof(jobs));
	seen_format(g, "first_seen", "first_job", first, sizeof(first));
	seen_format(g, "last_seen", "last_job", last, sizeof(last));
	fixed_format(g, fixed, sizeof(fixed));
	if ((rc = table_add_row(t, cells)) != 0)
		return rc;
	return kernels_note(t, g);
}

static const char *const groups_headers[] = { "TITLE", "COUNT", "JOBS", "FIRST-SEEN", "LAST-SEEN",
	"FIXED-IN" };

static const struct output_table groups_table = {
	.ncols = 6,
	.headers = groups_headers,
	.right = 1u << 1 | 1u << 2,
	.empty = "no crash reports",
	.row = group_row,
};

/* WHEN as the API's time: an RFC 3339 UTC time as it is, or a duration
 * before now ("90s", "30m", "12h", "7d") in the API's form.  0, or
 * PKVM_EXIT_USAGE after saying why. */
static int
since_format(const char *when, char *buf, size_t size)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	size_t len = strlen(when);
	char number[24];
	long long n;
	time_t t;
	struct tm tm;
	int64_t ms;

	if (pkvm_time_parse(when, &ms) == 0) {
		snprintf(buf, size, "%s", when);
		return 0;
	}
	for (size_t i = 0; len > 1 && len < sizeof(number) && i < sizeof(units) / sizeof(units[0]);
	     i++) {
		if (when[len - 1] != units[i].unit)
			continue;
		memcpy(number, when, len - 1);
		number[len - 1] = '\0';
		if (cmd_parse_int("since", number, 0, 100LL * 366 * 86400 / units[i].secs, &n) != 0)
			return PKVM_EXIT_USAGE;
		t = time(NULL) - (time_t)(n * units[i].secs);
		gmtime_r(&t, &tm);
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return 0;
	}
	fprintf(stderr,
	    "pkvmctl: invalid --since '%s' (a time like 2026-11-21T18:20:00Z, "
	    "or how long ago: 90s, 30m, 12h, 7d)\n",
	    when);
	return PKVM_EXIT_USAGE;
}

/* The query of `crashes --all` from its options in ARGS into Q; 0 or an
 * exit code after saying why. */
static int
groups_query(struct cmd_args *args, char *q, size_t size)
{
	static const struct {
		int key;
		const char *name;
	} params[] = { { 'n', "limit" }, { OPT_KIND, "kind" }, { 'T', "tag" },
		{ OPT_SINCE, "since" } };
	char since[40];
	long long n;
	int rc;

	q[0] = '\0';
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		const char *v = cmd_args_value(args, params[i].key);

		if (v == NULL)
			continue;
		if (params[i].key == 'n' && cmd_parse_int("limit", v, 1, 10000, &n) != 0)
			return PKVM_EXIT_USAGE;
		if (params[i].key == OPT_SINCE) {
			if ((rc = since_format(v, since, sizeof(since))) != 0)
				return rc;
			v = since;
		}
		if (api_query_add(q, size, params[i].name, v) < 0) {
			fprintf(stderr, "pkvmctl: out of memory\n");
			return PKVM_EXIT_INFRA;
		}
	}
	return 0;
}

static int
crashes_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	bool json = false, verbose = false, all = false, wait = false, filtered = false;
	const char *pos = NULL;
	char query[512], path[640];
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
		case OPT_KIND:
		case 'T':
		case OPT_SINCE:
			filtered = true;
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
		if ((rc = groups_query(args, query, sizeof(query))) != 0)
			return rc;
		snprintf(path, sizeof(path), PKVM_API_PREFIX "/crashes%s", query);
		return output_show_table(api, path, "groups", json, &groups_table);
	}
	if (filtered)
		return cmd_usage_error(self, "--limit, --kind, --tag and --since go with --all");
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
	.args =
	    "[--json] [-v|--verbose] [-w|--wait] ID\n"
	    "       pkvmctl crashes --all [--json] [-n|--limit N] [--kind KIND] [-T|--tag TAG]\n"
	    "                             [--since WHEN]",
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
		   "                  FIXED-IN (the oldest newer kernel on which a later job\n"
		   "                  ran the crash's test without it), and under each the\n"
		   "                  kernels it was seen on, newest first, with their\n"
		   "                  reports in parentheses (docs/API.md has the rules)\n"
		   "  -n, --limit N   with --all, at most N groups, 1..10000\n"
		   "  --kind KIND     with --all, only reports of this kind (panic, oops,\n"
		   "                  warning, ...)\n"
		   "  -T, --tag TAG   with --all, only reports of jobs with this tag\n"
		   "  --since WHEN    with --all, only titles seen since WHEN, counted in\n"
		   "                  full: a UTC time (2026-11-21T18:20:00Z) or how long\n"
		   "                  ago (90s, 30m, 12h, 7d)\n",
	.options = crashes_options,
	.takes_rest = false,
	.exec = crashes_exec,
};
