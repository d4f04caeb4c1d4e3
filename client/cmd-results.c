/*
 * cmd-results.c -- pkvmctl results: each test of a job and its verdict.
 *
 * For people: a table of NAME VERDICT EXIT DURATION SUBTESTS with what
 * needs looking at first -- failed, errored and timed-out tests, then
 * skipped ones, then the passes, each group in run order.  Under a failing
 * test come its message and its failing subtests, indented as deep as they
 * are nested, each with its message and console line; a counts line ends
 * the output.  Subtest counts are of leaves (a subtest without subtests of
 * its own), like the testcases of the JUnit report.
 *
 * --json prints the array of test objects (the "tests" member of the
 * answer) as the server sends it, like `list --json` prints the jobs.
 * --junit FILE also writes the JUnit XML report (junit.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "junit.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256, OPT_JUNIT };

static const struct cmd_option results_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = OPT_JUNIT, .long_name = "junit", .has_arg = true },
	{ 0 },
};

/* Verdicts, in the order the table shows them. */
enum rank { RANK_FAILING, RANK_FLAKY, RANK_SKIP, RANK_RUNNING, RANK_PASS };

/* What the counts line counts. */
struct counts {
	int pass, fail, error, timeout, skip, not_run, running, flaky, other;
};

static bool
verdict_is(const char *verdict, const char *name)
{
	return verdict != NULL && strcmp(verdict, name) == 0;
}

static bool
verdict_failing(const char *verdict)
{
	return !verdict_is(verdict, "pass") && !verdict_is(verdict, "skip") &&
	    !verdict_is(verdict, "not-run") && !verdict_is(verdict, "running") &&
	    !verdict_is(verdict, "flaky");
}

static enum rank
rank_of(json_t *test)
{
	const char *v = job_str(test, "verdict");

	if (verdict_is(v, "pass"))
		return RANK_PASS;
	if (verdict_is(v, "skip") || verdict_is(v, "not-run"))
		return RANK_SKIP;
	if (verdict_is(v, "running"))
		return RANK_RUNNING;
	if (verdict_is(v, "flaky"))
		return RANK_FLAKY;
	return RANK_FAILING;
}

static void
count(struct counts *c, const char *verdict)
{
	if (verdict_is(verdict, "pass"))
		c->pass++;
	else if (verdict_is(verdict, "fail"))
		c->fail++;
	else if (verdict_is(verdict, "error"))
		c->error++;
	else if (verdict_is(verdict, "timeout"))
		c->timeout++;
	else if (verdict_is(verdict, "skip"))
		c->skip++;
	else if (verdict_is(verdict, "not-run"))
		c->not_run++;
	else if (verdict_is(verdict, "running"))
		c->running++;
	else if (verdict_is(verdict, "flaky"))
		c->flaky++;
	else
		c->other++;
}

/* Count the leaves under SUBS into C. */
static void
count_leaves(struct counts *c, json_t *subs)
{
	json_t *sub, *children;
	size_t i;

	json_array_foreach(subs, i, sub)
	{
		children = json_object_get(sub, "subtests");
		if (json_array_size(children) > 0)
			count_leaves(c, children);
		else
			count(c, job_str(sub, "verdict"));
	}
}

/* True when SUB failed or has a failing subtest somewhere below. */
static bool
has_failure(json_t *sub)
{
	json_t *child;
	size_t i;

	if (verdict_failing(job_str(sub, "verdict")))
		return true;
	json_array_foreach(json_object_get(sub, "subtests"), i, child)
	{
		if (has_failure(child))
			return true;
	}
	return false;
}

/* Add TEXT under the current row indented by DEPTH levels, its second
 * and later lines by one more; 0 or -ENOMEM. */
static int
add_note(struct table *t, int depth, const char *text)
{
	const char *p = text;
	int indent = 2 * depth;

	do {
		size_t len = strcspn(p, "\n");
		char *line;
		int err;

		if (asprintf(&line, "%*s%.*s", indent, "", (int)len, p) < 0)
			return -ENOMEM;
		indent = 2 * depth + 2;
		err = table_add_note(t, line);
		free(line);
		if (err < 0)
			return -ENOMEM;
		p += len;
	} while (*p++ != '\0');
	return 0;
}

/* Add the failing subtests among SUBS (and the ones above a failure) as
 * notes at DEPTH; 0 or -ENOMEM. */
static int
add_failing(struct table *t, json_t *subs, int depth)
{
	json_t *sub;
	size_t i;

	json_array_foreach(subs, i, sub)
	{
		const char *name = job_str(sub, "name");
		const char *verdict = job_str(sub, "verdict");
		const char *message = job_str(sub, "message");
		char *text, at[48] = "";
		long long line;
		int rc;

		if (!has_failure(sub))
			continue;
		if (job_int(sub, "line", &line))
			snprintf(at, sizeof(at), " (line %lld)", line);
		if (asprintf(&text, "%s: %s%s%s%s", name != NULL ? name : "?",
			verdict != NULL ? verdict : "?", message != NULL ? ": " : "",
			message != NULL ? message : "", at) < 0)
			return -ENOMEM;
		rc = add_note(t, depth, text);
		free(text);
		if (rc < 0 || add_failing(t, json_object_get(sub, "subtests"), depth + 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A note of TEST's reruns (--retry-failed), "reruns: fail, pass", when it
 * had any; 0 or -ENOMEM. */
static int
reruns_note(struct table *t, json_t *test)
{
	json_t *reruns = json_object_get(test, "reruns"), *r;
	char note[256] = "reruns:";
	size_t i, len;

	if (json_array_size(reruns) == 0)
		return 0;
	json_array_foreach(reruns, i, r)
	{
		const char *v = job_str(r, "verdict");

		len = strlen(note);
		snprintf(note + len, sizeof(note) - len, "%s %s", i ? "," : "", v ? v : "?");
	}
	return add_note(t, 2, note);
}

/* Add TEST's row, and the notes under it, to T; 0 or -ENOMEM. */
static int
add_test(struct table *t, json_t *test)
{
	const char *verdict = job_str(test, "verdict");
	const char *message = job_str(test, "message");
	json_t *subs = json_object_get(test, "subtests");
	char code[24], dur[32] = "-", subcount[48] = "-";
	struct counts c = { 0 };
	const char *cells[5];
	json_t *d;

	job_int_format(test, "exit_code", code, sizeof(code));
	d = json_object_get(test, "duration");
	if (json_is_number(d))
		output_duration_format(json_number_value(d), dur, sizeof(dur));
	count_leaves(&c, subs);
	if (json_array_size(subs) > 0)
		snprintf(subcount, sizeof(subcount), "%d/%d passed", c.pass,
		    c.pass + c.fail + c.error + c.timeout + c.skip + c.running + c.flaky + c.other);
	cells[0] = job_str(test, "name");
	cells[1] = verdict;
	cells[2] = code;
	cells[3] = dur;
	cells[4] = subcount;
	if (table_add_row(t, cells) < 0)
		return -ENOMEM;
	if (rank_of(test) == RANK_PASS || rank_of(test) == RANK_RUNNING)
		return 0;
	if (message != NULL && add_note(t, 2, message) < 0)
		return -ENOMEM;
	if (reruns_note(t, test) < 0)
		return -ENOMEM;
	if (rank_of(test) == RANK_FAILING && add_failing(t, subs, 2) < 0)
		return -ENOMEM;
	return 0;
}

/* Append ", N WORD" to BUF when N is not zero (or always when ALWAYS). */
static void
counts_word(char *buf, size_t size, int n, const char *word, bool always)
{
	size_t len = strlen(buf);

	if (n != 0 || always)
		snprintf(buf + len, size - len, "%s%d %s", len ? ", " : "", n, word);
}

static void
counts_format(const struct counts *c, char *buf, size_t size)
{
	buf[0] = '\0';
	counts_word(buf, size, c->pass, "passed", true);
	counts_word(buf, size, c->fail, "failed", true);
	counts_word(buf, size, c->flaky, "flaky", false);
	counts_word(buf, size, c->skip, "skipped", true);
	counts_word(buf, size, c->error, c->error == 1 ? "error" : "errors", false);
	counts_word(buf, size, c->timeout, "timed out", false);
	counts_word(buf, size, c->not_run, "not run", false);
	counts_word(buf, size, c->running, "running", false);
	counts_word(buf, size, c->other, "unknown", false);
}

static const char *const results_headers[] = { "NAME", "VERDICT", "EXIT", "DURATION", "SUBTESTS" };

static const struct output_table results_table = {
	.ncols = 5,
	.headers = results_headers,
	.right = 1u << 2 | 1u << 3,
	.empty = "no test results",
	.row = add_test,
};

/* TESTS in the order the table shows them: by rank, each rank in run
 * order; NULL when out of memory. */
static json_t *
tests_ranked(json_t *tests)
{
	json_t *ranked = json_array(), *test;
	size_t i;

	for (int r = RANK_FAILING; ranked != NULL && r <= RANK_PASS; r++) {
		json_array_foreach(tests, i, test)
		{
			if ((int)rank_of(test) == r && json_array_append(ranked, test) < 0) {
				json_decref(ranked);
				return NULL;
			}
		}
	}
	return ranked;
}

/* The table of TESTS, then a line of counts of tests and of subtests. */
static int
results_print(json_t *tests)
{
	json_t *ranked = tests_ranked(tests), *test;
	struct counts tc = { 0 }, sc = { 0 };
	char line[256], sub[256];
	size_t i;
	int rc;

	if (ranked == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	rc = output_table(ranked, &results_table);
	json_decref(ranked);
	if (rc != 0 || json_array_size(tests) == 0)
		return rc;
	json_array_foreach(tests, i, test)
	{
		count(&tc, job_str(test, "verdict"));
		count_leaves(&sc, json_object_get(test, "subtests"));
	}
	counts_format(&tc, line, sizeof(line));
	printf("\n%zu test%s: %s", json_array_size(tests), json_array_size(tests) == 1 ? "" : "s",
	    line);
	if (sc.pass + sc.fail + sc.error + sc.timeout + sc.skip + sc.running + sc.flaky + sc.other >
	    0) {
		counts_format(&sc, sub, sizeof(sub));
		printf("; subtests: %s", sub);
	}
	printf("\n");
	return 0;
}

static int
results_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *junit = cmd_args_value(args, OPT_JUNIT);
	bool json = cmd_args_flag(args, OPT_JSON);
	json_t *reply = NULL, *tests;
	char path[96];
	int64_t id;
	int err, rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	if (junit != NULL && junit[0] == '\0')
		return cmd_usage_error(self, "--junit needs a file name");
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/results", (long long)id);
	err = api_get_member(api, path, "tests", JSON_ARRAY, &reply, &tests);
	if (err < 0)
		return api_fail(api, err);
	/* The report first: it is what a CI job keeps when stdout is lost. */
	if (junit != NULL)
		rc = junit_write(api, id, tests, junit);
	if (rc == 0 && json)
		rc = output_json(tests) < 0 ? PKVM_EXIT_INFRA : 0;
	else if (rc == 0)
		rc = results_print(tests);
	json_decref(reply);
	return rc;
}

const struct cmd_entry cmd_results_entry = {
	.name = "results",
	.alias = NULL,
	.args = "[--json] [--junit FILE] ID",
	.summary = "show the verdict of each test of a job",
	.details = "failing tests come first, each followed by its message and its\n"
		   "failing subtests; a line of counts ends the table.\n"
		   "\n"
		   "options:\n"
		   "  --json        print the test objects (with nested subtests) as a\n"
		   "                JSON array, as the server sends them\n"
		   "  --junit FILE  also write a JUnit XML report to FILE (for GitLab,\n"
		   "                Jenkins): one testcase per leaf subtest, or per\n"
		   "                test without subtests, with the test's console\n"
		   "                part as system-out of its failing testcases\n",
	.options = results_options,
	.takes_rest = false,
	.exec = results_exec,
};
