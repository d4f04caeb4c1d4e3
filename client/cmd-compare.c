/*
 * cmd-compare.c -- pkvmctl compare A B: what changed from run A to run B
 * (GET /v1/compare, docs/COMPARE.md).
 *
 * Each run is a job id, or --tag T / --kernel SHA256 for the newest
 * finished job of that tag or kernel, in the order given.  The exit status
 * is the gate a CI step wants: 0 when nothing regressed, 1 when a result
 * that passed in A does not in B or B has a crash A had not.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256, OPT_ALL, OPT_TAG, OPT_KERNEL };

static const struct cmd_option compare_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = OPT_ALL, .long_name = "all" },
	{ .key = OPT_TAG, .long_name = "tag", .has_arg = true },
	{ .key = OPT_KERNEL, .long_name = "kernel", .has_arg = true },
	{ 0 },
};

/* "pass.sh / case-2" from a row's test and path. */
static void
row_name(json_t *row, char *buf, size_t size)
{
	json_t *path = json_object_get(row, "path"), *p;
	size_t off, i;

	off = (size_t)snprintf(buf, size, "%s", job_str(row, "test") ? job_str(row, "test") : "");
	json_array_foreach(path, i, p)
	{
		if (off < size)
			off += (size_t)snprintf(buf + off, size - off, " / %s",
			    json_string_value(p));
	}
}

static void
print_side(const char *label, json_t *s)
{
	long long id = 0;
	char tags[256];

	job_int(s, "job", &id);
	job_tags(s, ", ", tags, sizeof(tags));
	printf("%s: job %lld (%s), kernel %.12s, tags %s\n", label, id,
	    job_str(s, "result") ? job_str(s, "result") : "-",
	    job_str(s, "kernel") ? job_str(s, "kernel") : "-", tags);
}

static void
print_tests(json_t *reply)
{
	static const char *const order[] = { "regressed", "fixed", "new", "removed", "flaky",
		"still-failing", "changed", "unchanged" };
	json_t *counts = json_object_get(reply, "counts"), *row;
	char name[1024], change[32];
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		long long n = 0;

		job_int(counts, order[i], &n);
		printf("%s%s %lld", i ? ", " : "", order[i], n);
	}
	printf("\n\n");
	json_array_foreach(json_object_get(reply, "tests"), i, row)
	{
		const char *a = job_str(row, "a"), *b = job_str(row, "b");

		snprintf(change, sizeof(change), "%s", job_str(row, "change"));
		for (char *c = change; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
		row_name(row, name, sizeof(name));
		printf("%-14s %-48s %s -> %s\n", change, name, a ? a : "-", b ? b : "-");
	}
}

static void
print_crashes(json_t *crashes)
{
	json_t *newc = json_object_get(crashes, "new"), *gone = json_object_get(crashes, "gone"),
	       *c;
	size_t i;

	printf("\ncrashes: %zu new, %zu gone\n", json_array_size(newc), json_array_size(gone));
	json_array_foreach(newc, i, c)
	    printf("  new   %-10s %s\n", job_str(c, "kind"), job_str(c, "title"));
	json_array_foreach(gone, i, c)
	    printf("  gone  %-10s %s\n", job_str(c, "kind"), job_str(c, "title"));
}

static void
print_coverage(json_t *cov)
{
	long long lg = 0, ll = 0, bg = 0, bl = 0;
	json_t *f;
	size_t i;

	if (!json_is_true(json_object_get(cov, "compared"))) {
		printf("coverage: not compared (%s)\n", job_str(cov, "why"));
		return;
	}
	job_int(cov, "lines_gained", &lg);
	job_int(cov, "lines_lost", &ll);
	job_int(cov, "branches_gained", &bg);
	job_int(cov, "branches_lost", &bl);
	printf("coverage: lines +%lld -%lld, branches +%lld -%lld in %zu files\n", lg, ll, bg, bl,
	    json_array_size(json_object_get(cov, "files")));
	json_array_foreach(json_object_get(cov, "files"), i, f)
	{
		job_int(f, "lines_gained", &lg);
		job_int(f, "lines_lost", &ll);
		job_int(f, "branches_gained", &bg);
		job_int(f, "branches_lost", &bl);
		printf("  %-50s lines +%lld -%lld, branches +%lld -%lld\n", job_str(f, "file"), lg,
		    ll, bg, bl);
	}
}

static void
print_duration(const char *what, const char *name, json_t *d)
{
	printf("  %-5s %-40s %8.2f s -> %8.2f s%s\n", what, name,
	    json_number_value(json_object_get(d, "a")), json_number_value(json_object_get(d, "b")),
	    json_is_true(json_object_get(d, "changed")) ? "  (beyond noise)" : "");
}

static void
print_durations(json_t *d)
{
	json_t *m;
	size_t i;

	printf("durations:\n");
	print_duration("run", "", json_object_get(d, "run"));
	json_array_foreach(json_object_get(d, "marks"), i, m)
	    print_duration("mark", job_str(m, "mark"), m);
	json_array_foreach(json_object_get(d, "tests"), i, m)
	    print_duration("test", job_str(m, "test"), m);
}

/* Set the next free side from "ID", "tag:T" or "kernel:SHA". */
static int
add_side(const struct cmd_entry *self, char sides[2][160], int *n, const char *prefix,
    const char *v)
{
	if (*n == 2)
		return cmd_usage_error(self, "compare takes two runs");
	snprintf(sides[(*n)++], sizeof(sides[0]), "%s%s", prefix, v);
	return 0;
}

static int
compare_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char sides[2][160], q[512] = "", path[600];
	bool json = cmd_args_flag(args, OPT_JSON);
	json_t *reply = NULL;
	int n = 0, rc;

	for (int i = 0; i < args->n; i++) {
		const struct cmd_arg *a = &args->v[i];
		int64_t id;

		rc = 0;
		if (a->key == CMD_ARG_POSITIONAL) {
			if (cmd_parse_id(a->value, &id) < 0)
				return cmd_usage_error(self, "'%s' is not a job id", a->value);
			rc = add_side(self, sides, &n, "", a->value);
		} else if (a->key == OPT_TAG) {
			rc = add_side(self, sides, &n, "tag:", a->value);
		} else if (a->key == OPT_KERNEL) {
			rc = add_side(self, sides, &n, "kernel:", a->value);
		}
		if (rc != 0)
			return rc;
	}
	if (n != 2)
		return cmd_usage_error(self, "compare takes two runs: A B");
	if (api_query_add(q, sizeof(q), "a", sides[0]) < 0 ||
	    api_query_add(q, sizeof(q), "b", sides[1]) < 0 ||
	    (cmd_args_flag(args, OPT_ALL) && api_query_add(q, sizeof(q), "all", "1") < 0))
		return cmd_usage_error(self, "the runs' names are too long");
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/compare%s", q);
	if ((rc = api_request(api, "GET", path, NULL, &reply)) < 0)
		return api_fail(api, rc);
	if (json) {
		output_json(reply);
	} else {
		print_side("a", json_object_get(reply, "a"));
		print_side("b", json_object_get(reply, "b"));
		printf("\n");
		print_tests(reply);
		print_crashes(json_object_get(reply, "crashes"));
		print_coverage(json_object_get(reply, "coverage"));
		print_durations(json_object_get(reply, "durations"));
		printf("\n%s\n",
		    json_is_true(json_object_get(reply, "regressed"))
			? "REGRESSED: a result that passed in a does not in b, or b has a new crash"
			: "nothing regressed");
	}
	rc = json_is_true(json_object_get(reply, "regressed")) ? PKVM_EXIT_FAILED
							       : PKVM_EXIT_PASSED;
	json_decref(reply);
	return rc;
}

const struct cmd_entry cmd_compare_entry = {
	.name = "compare",
	.alias = NULL,
	.args = "[--all] [--json] A B",
	.summary = "what changed from one run to another",
	.details = "A and B are each a job id, or one of the options below, in the\n"
		   "order given.\n"
		   "options:\n"
		   "  --tag TAG        a run: the newest finished job labelled TAG\n"
		   "  --kernel SHA256  a run: the newest finished job of that kernel\n"
		   "  --all            list unchanged results and durations too\n"
		   "  --json           print the server's answer as it is\n"
		   "exit status: 0 nothing regressed, 1 a result that passed in A does\n"
		   "not in B or B has a new crash, 2 bad arguments or refused, 6 daemon\n"
		   "unreachable\n",
	.options = compare_options,
	.takes_rest = false,
	.exec = compare_exec,
};
