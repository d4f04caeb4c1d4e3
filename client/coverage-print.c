/*
 * coverage-print.c -- coverage numbers and diffs, shown to people.
 *
 * A coverage object (one job's, or several merged) becomes a status line,
 * one line of totals and a table of the files that most need tests: those
 * with code (lines total > 0), least covered first (lowest share of lines
 * hit; on a tie, the one with more lines not hit), cut to -n rows.  Kernel
 * source paths are long and share most of their length
 * ("/home/me/src/linux/arch/arm64/kvm/..."), so the table shows them
 * relative to the longest directory prefix the rows share, printed once
 * above it.
 *
 * A percentage is rounded to one decimal, except that it never reads
 * 100.0% unless everything was hit, nor 0.0% when something was.
 *
 * A diff lists, per file, the lines one job reaches and the other does not
 * as ranges ("12-15, 20, 31"), "+" for what B adds and "-" for what it
 * lacks, with counts, under the same shared prefix.
 *
 * It also holds what every coverage command shares (the API path), so that
 * cmd-coverage.c and coverage-html.c both build on this file and never on
 * each other.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "output.h"
#include "wire.h"

/* A file row of the table, for sorting. */
struct cov_row {
	const char *file;
	json_t *obj;
	double share; /* of lines hit */
	long long missed; /* lines not hit */
};

/* The hit and total of counts object C; false when C is not one. */
static bool
counts_get(json_t *c, long long *hit, long long *total)
{
	return job_int(c, "hit", hit) && job_int(c, "total", total) && *hit >= 0 && *total >= 0;
}

static void
percent_format(long long hit, long long total, char *buf, size_t size)
{
	long long tenths = (long long)((double)hit * 1000.0 / (double)total + 0.5);

	if (tenths >= 1000 && hit < total)
		tenths = 999;
	if (tenths == 0 && hit > 0)
		tenths = 1;
	snprintf(buf, size, "%lld.%lld%%", tenths / 10, tenths % 10);
}

void
coverage_counts_format(json_t *c, char *buf, size_t size)
{
	long long hit, total;
	char pct[16];

	if (!counts_get(c, &hit, &total)) {
		snprintf(buf, size, "-");
		return;
	}
	if (total == 0) {
		snprintf(buf, size, "0/0");
		return;
	}
	percent_format(hit, total, pct, sizeof(pct));
	snprintf(buf, size, "%lld/%lld (%s)", hit, total, pct);
}

size_t
coverage_common_prefix(const char *const *paths, size_t n)
{
	size_t len, slash = 0;

	if (n == 0)
		return 0;
	len = strlen(paths[0]);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;

		while (k < len && paths[i][k] == paths[0][k])
			k++;
		len = k;
	}
	/* Cut after the last '/' within the shared part, so that a file's
	 * name is never split ("kvm/arm.c" and "kvm/arch.c" share "kvm/"). */
	for (size_t k = 0; k < len; k++) {
		if (paths[0][k] == '/')
			slash = k + 1;
	}
	return slash > 1 ? slash : 0;
}

const char *
coverage_status_explain(const char *status)
{
	if (strcmp(status, "disabled") == 0)
		return "coverage was off for this job (submitted with -C)";
	if (strcmp(status, "none") == 0)
		return "no .gcda data came back: nothing in the guest was built for "
		       "coverage";
	if (strcmp(status, "pending") == 0)
		return "the capture is waiting for its turn; try again shortly, or use "
		       "--wait";
	if (strcmp(status, "running") == 0)
		return "the capture is running; try again shortly, or use --wait";
	if (strcmp(status, "error") == 0)
		return "the capture failed (no reason given)";
	return NULL;
}

static int
row_compare(const void *pa, const void *pb)
{
	const struct cov_row *a = pa, *b = pb;

	if (a->share != b->share)
		return a->share < b->share ? -1 : 1;
	if (a->missed != b->missed)
		return a->missed > b->missed ? -1 : 1;
	return strcmp(a->file, b->file);
}

/* Print the TOP least-covered files with code of FILES (all when 0). */
static int
files_print(json_t *files, long long top)
{
	static const char *const headers[] = { "FILE", "LINES", "FUNCS", "BRANCHES" };
	struct cov_row *rows = calloc(json_array_size(files) + 1, sizeof(*rows));
	const char **paths = calloc(json_array_size(files) + 1, sizeof(*paths));
	struct table *t = NULL;
	size_t n = 0, shown, prefix, i;
	json_t *f;
	int rc = 0;

	if (rows == NULL || paths == NULL)
		goto nomem;
	json_array_foreach(files, i, f)
	{
		long long hit, total;
		const char *file = job_str(f, "file");

		if (file == NULL || !counts_get(json_object_get(f, "lines"), &hit, &total) ||
		    total == 0)
			continue;
		rows[n] = (struct cov_row){ file, f, (double)hit / (double)total, total - hit };
		n++;
	}
	if (n == 0)
		goto out;
	qsort(rows, n, sizeof(*rows), row_compare);
	shown = top > 0 && (size_t)top < n ? (size_t)top : n;
	for (i = 0; i < shown; i++)
		paths[i] = rows[i].file;
	prefix = coverage_common_prefix(paths, shown);
	printf("\n");
	if (shown == 1 && n > 1)
		printf("the least covered of %zu files with code", n);
	else if (shown < n)
		printf("the %zu least covered of %zu files with code", shown, n);
	else
		printf(n == 1 ? "1 file with code" : "%zu files with code, least covered first", n);
	if (prefix > 0)
		printf(", under %.*s", (int)prefix, paths[0]);
	printf(":\n");
	t = table_new(4, headers);
	if (t == NULL)
		goto nomem;
	for (int c = 1; c < 4; c++)
		table_align_right(t, c);
	for (i = 0; i < shown; i++) {
		char cells[3][64];
		const char *row[4] = { rows[i].file + prefix, cells[0], cells[1], cells[2] };

		coverage_counts_format(json_object_get(rows[i].obj, "lines"), cells[0], 64);
		coverage_counts_format(json_object_get(rows[i].obj, "functions"), cells[1], 64);
		coverage_counts_format(json_object_get(rows[i].obj, "branches"), cells[2], 64);
		if (table_add_row(t, row) < 0)
			goto nomem;
	}
	table_print(t, stdout);
	goto out;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	rc = PKVM_EXIT_INFRA;
out:
	table_free(t);
	free(rows);
	free(paths);
	return rc;
}

int
coverage_print(json_t *cov, const char *title, long long top)
{
	static const char *const kinds[] = { "lines", "functions", "branches" };
	const char *status = job_str(cov, "status");
	const char *message = job_str(cov, "message");
	char counts[64];

	/* A merge of finished coverage is always "ok": no need to say so. */
	if (status == NULL || (strcmp(status, "ok") == 0 && json_object_get(cov, "jobs") != NULL)) {
		printf("%s\n", title);
	} else {
		printf("%s: %s\n", title, status);
		if (message == NULL && strcmp(status, "ok") != 0)
			message = coverage_status_explain(status);
		if (message != NULL)
			printf("  %s\n", message);
		/* Only "ok" (and whatever comes later with numbers) has any. */
		if (strcmp(status, "ok") != 0 && coverage_status_explain(status) != NULL)
			return 0;
	}
	for (int k = 0; k < 3; k++) {
		coverage_counts_format(json_object_get(cov, kinds[k]), counts, sizeof(counts));
		printf("%s%s %s", k ? "  " : "", kinds[k], counts);
	}
	printf("\n");
	return files_print(json_object_get(cov, "files"), top);
}

static int
line_compare(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* The file and lines of one diff entry: [file, [lines]] or {"file",
 * "lines"}; false when E is neither. */
static bool
diff_entry(json_t *e, const char **file, json_t **lines)
{
	if (json_is_array(e)) {
		*file = json_string_value(json_array_get(e, 0));
		*lines = json_array_get(e, 1);
	} else {
		*file = job_str(e, "file");
		*lines = json_object_get(e, "lines");
	}
	return *file != NULL && json_is_array(*lines);
}

/* Print "SIGN FILE: 12-15, 20, 31 (6 lines)" for each entry of LIST,
 * FILE without its first PREFIX bytes. */
static int
diff_side_print(json_t *list, char sign, size_t prefix)
{
	const char *file;
	json_t *lines, *e, *l;
	size_t i, j;

	json_array_foreach(list, i, e)
	{
		uint32_t *v;
		size_t n = 0, k;

		if (!diff_entry(e, &file, &lines) || json_array_size(lines) == 0)
			continue;
		v = calloc(json_array_size(lines) + 1, sizeof(*v));
		if (v == NULL) {
			fprintf(stderr, "pkvmctl: out of memory\n");
			return PKVM_EXIT_INFRA;
		}
		json_array_foreach(lines, j, l)
		{
			if (json_is_integer(l) && json_integer_value(l) > 0 &&
			    json_integer_value(l) <= UINT32_MAX)
				v[n++] = (uint32_t)json_integer_value(l);
		}
		qsort(v, n, sizeof(*v), line_compare);
		printf("%c %s:", sign, strlen(file) > prefix ? file + prefix : file);
		for (j = 0, k = 0; j < n; j = k) {
			/* One range: from v[j] while the next line follows on. */
			for (k = j + 1; k < n && v[k] <= v[k - 1] + 1; k++)
				;
			printf("%s %u", j ? "," : "", v[j]);
			if (v[k - 1] != v[j])
				printf("-%u", v[k - 1]);
		}
		printf(" (%zu line%s)\n", n, n == 1 ? "" : "s");
		free(v);
	}
	return 0;
}

/* The number of files and lines in LIST. */
static void
diff_side_count(json_t *list, size_t *files, size_t *lines)
{
	const char *file;
	json_t *l, *e;
	size_t i;

	*files = *lines = 0;
	json_array_foreach(list, i, e)
	{
		if (!diff_entry(e, &file, &l) || json_array_size(l) == 0)
			continue;
		(*files)++;
		*lines += json_array_size(l);
	}
}

int
coverage_diff_print(json_t *diff, int64_t a, int64_t b)
{
	json_t *lists[2] = { json_object_get(diff, "b_only"), json_object_get(diff, "a_only") };
	int64_t who[2] = { b, a }, other[2] = { a, b };
	const char **paths;
	size_t npaths = 0, prefix, files, lines;
	const char *file;
	json_t *e, *l;
	size_t i;
	int rc = 0;

	if (!json_is_array(lists[0]) || !json_is_array(lists[1])) {
		fprintf(stderr,
		    "pkvmctl: bad answer from pkvmd: no \"b_only\" and \"a_only\" "
		    "arrays\n");
		return PKVM_EXIT_INFRA;
	}
	paths = calloc(json_array_size(lists[0]) + json_array_size(lists[1]) + 1, sizeof(*paths));
	if (paths == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	for (int s = 0; s < 2; s++) {
		json_array_foreach(lists[s], i, e)
		{
			if (diff_entry(e, &file, &l) && json_array_size(l) > 0)
				paths[npaths++] = file;
		}
	}
	if (npaths == 0) {
		printf("no difference: jobs %lld and %lld reach the same lines\n", (long long)a,
		    (long long)b);
		free(paths);
		return 0;
	}
	prefix = coverage_common_prefix(paths, npaths);
	if (prefix > 0)
		printf("files under %.*s\n", (int)prefix, paths[0]);
	free(paths);
	for (int s = 0; s < 2 && rc == 0; s++) {
		diff_side_count(lists[s], &files, &lines);
		if (files == 0) {
			printf("job %lld reaches no line that job %lld does not\n",
			    (long long)who[s], (long long)other[s]);
			continue;
		}
		printf("job %lld reaches %zu line%s in %zu file%s that job %lld does not:\n",
		    (long long)who[s], lines, lines == 1 ? "" : "s", files, files == 1 ? "" : "s",
		    (long long)other[s]);
		rc = diff_side_print(lists[s], s == 0 ? '+' : '-', prefix);
	}
	return rc;
}

void
coverage_job_path(int64_t id, bool wait, char *buf, size_t size)
{
	snprintf(buf, size, PKVM_API_PREFIX "/jobs/%lld/coverage", (long long)id);
	if (wait)
		snprintf(buf + strlen(buf), size - strlen(buf), "?wait=%d", COVERAGE_WAIT_S);
}
