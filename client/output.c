/*
 * output.c -- tables, times and durations for people, JSON for scripts.
 *
 * Tables are collected first and printed once, each column padded to its
 * widest cell, so `pkvmctl list` lines up whatever the ids and owners are.
 * The server speaks UTC (RFC 3339); people read local time, and a time from
 * today needs no date.  Durations are short and fixed-format ("11.8s",
 * "2m03s") so they line up too.  A table may carry notes: lines printed
 * as they are under a row (a failing test's message), which take no part
 * in the column widths.
 *
 * output_show() is what list, status, crashes and artifacts have in
 * common: GET one path, take one member of the answer ("jobs",
 * "crashes", ...) and print it either as JSON for scripts or with the
 * command's own printer for people.  Most of those printers are a table
 * of one row per item of an array, so output_table() builds that from a
 * command's declaration (columns, alignment, what to say when there are
 * no rows, how to fill a row) and each command writes only its row.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "wire.h"

struct table {
	int ncols;
	int nrows; /* including the header row and the notes */
	int cap;
	char **cells; /* nrows * ncols; a note row has its text in column 0 */
	bool *note; /* nrows: the row is a note */
	bool *right;
};

struct table *
table_new(int ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->right = calloc((size_t)ncols, sizeof(*t->right));
	if (t->right == NULL || table_add_row(t, headers) < 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

void
table_align_right(struct table *t, int col)
{
	t->right[col] = true;
}

/* Make room for one more row; 0 or -ENOMEM. */
static int
table_grow(struct table *t)
{
	int cap = t->cap ? t->cap * 2 : 16;
	char **p;
	bool *n;

	if (t->nrows < t->cap)
		return 0;
	p = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	t->cells = p;
	n = realloc(t->note, (size_t)cap * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	t->note = n;
	t->cap = cap;
	return 0;
}

int
table_add_row(struct table *t, const char *const *cells)
{
	if (table_grow(t) < 0)
		return -ENOMEM;
	for (int c = 0; c < t->ncols; c++) {
		char *s = strdup(cells[c] != NULL ? cells[c] : "-");

		if (s == NULL) {
			while (c-- > 0)
				free(t->cells[t->nrows * t->ncols + c]);
			return -ENOMEM;
		}
		t->cells[t->nrows * t->ncols + c] = s;
	}
	t->note[t->nrows] = false;
	t->nrows++;
	return 0;
}

int
table_add_note(struct table *t, const char *text)
{
	char *s;

	if (table_grow(t) < 0 || (s = strdup(text)) == NULL)
		return -ENOMEM;
	t->cells[t->nrows * t->ncols] = s;
	for (int c = 1; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = NULL;
	t->note[t->nrows] = true;
	t->nrows++;
	return 0;
}

void
table_print(const struct table *t, FILE *f)
{
	int *width = calloc((size_t)t->ncols, sizeof(*width));

	if (width == NULL)
		return;
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols && !t->note[r]; c++) {
			int w = (int)strlen(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	for (int r = 0; r < t->nrows; r++) {
		if (t->note[r]) {
			fprintf(f, "%s\n", t->cells[r * t->ncols]);
			continue;
		}
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c == t->ncols - 1;

			if (t->right[c])
				fprintf(f, "%*s", width[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", width[c], s);
			fputs(last ? "\n" : "  ", f);
		}
	}
	free(width);
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->note);
	free(t->right);
	free(t);
}

int
output_time_parse(const char *s, double *out)
{
	int64_t ms;
	int r;

	if ((r = pkvm_time_parse(s, &ms)) < 0)
		return r;
	*out = (double)ms / 1000.0;
	return 0;
}

void
output_time_format(double t, bool long_form, char *buf, size_t size)
{
	time_t when = (time_t)t, now = time(NULL);
	struct tm tm, today;

	localtime_r(&when, &tm);
	localtime_r(&now, &today);
	if (long_form)
		strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	else if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, size, "%H:%M:%S", &tm);
	else
		strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}

void
output_duration_format(double secs, char *buf, size_t size)
{
	long long s;

	if (secs < 0)
		secs = 0;
	if (secs < 59.95) {
		snprintf(buf, size, "%.1fs", secs);
		return;
	}
	s = (long long)(secs + 0.5);
	if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

void
output_size_format(double bytes, char *buf, size_t size)
{
	if (bytes < 1000)
		snprintf(buf, size, "%.0f B", bytes);
	else if (bytes < 1e6)
		snprintf(buf, size, "%.1f kB", bytes / 1e3);
	else if (bytes < 1e9)
		snprintf(buf, size, "%.1f MB", bytes / 1e6);
	else
		snprintf(buf, size, "%.1f GB", bytes / 1e9);
}

int
output_json(json_t *j)
{
	/* 15 digits: a duration of 0.412 prints as 0.412, not 0.41199999... */
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) < 0 ||
	    fputc('\n', stdout) < 0)
		return -EIO;
	return 0;
}

int
output_show(struct api *api, const char *path, const char *key, json_type type, bool json,
    output_print_fn print, const void *arg)
{
	json_t *reply = NULL, *value = NULL;
	int err, rc;

	err = api_get_member(api, path, key, type, &reply, &value);
	if (err < 0)
		return api_fail(api, err);
	if (json)
		rc = output_json(value) < 0 ? PKVM_EXIT_INFRA : 0;
	else
		rc = print(value, arg);
	json_decref(reply);
	return rc;
}

int
output_table(json_t *items, const struct output_table *spec)
{
	struct table *t;
	json_t *item;
	size_t i;

	if (json_array_size(items) == 0 && spec->empty != NULL) {
		printf("%s\n", spec->empty);
		return 0;
	}
	t = table_new(spec->ncols, spec->headers);
	if (t == NULL)
		goto nomem;
	for (int c = 0; c < spec->ncols; c++) {
		if (spec->right & 1u << c)
			table_align_right(t, c);
	}
	json_array_foreach(items, i, item)
	{
		if (spec->row(t, item) < 0)
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

/* output_show()'s printer for output_show_table(): ARG is the spec. */
static int
table_show(json_t *items, const void *arg)
{
	return output_table(items, arg);
}

int
output_show_table(struct api *api, const char *path, const char *key, bool json,
    const struct output_table *spec)
{
	return output_show(api, path, key, JSON_ARRAY, json, table_show, spec);
}

const char *
job_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool
job_int(json_t *obj, const char *key, long long *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

void
job_int_format(json_t *obj, const char *key, char *buf, size_t size)
{
	long long n;

	if (job_int(obj, key, &n))
		snprintf(buf, size, "%lld", n);
	else
		snprintf(buf, size, "-");
}

void
job_time(json_t *job, const char *key, bool long_form, char *buf, size_t size)
{
	const char *s = job_str(job, key);
	double t;

	if (s == NULL)
		snprintf(buf, size, "-");
	else if (output_time_parse(s, &t) < 0)
		snprintf(buf, size, "%s", s);
	else
		output_time_format(t, long_form, buf, size);
}

void
job_duration(json_t *job, char *buf, size_t size)
{
	const char *started = job_str(job, "started");
	const char *finished = job_str(job, "finished");
	double t0, t1;

	if (started == NULL || output_time_parse(started, &t0) < 0) {
		snprintf(buf, size, "-");
		return;
	}
	if (finished == NULL || output_time_parse(finished, &t1) < 0) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		t1 = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	}
	output_duration_format(t1 - t0, buf, size);
}

void
job_tags(json_t *job, const char *sep, char *buf, size_t size)
{
	json_t *tags = json_object_get(job, "tags");
	size_t i, len = 0;
	json_t *tag;

	buf[0] = '\0';
	json_array_foreach(tags, i, tag)
	{
		if (!json_is_string(tag))
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
		    len ? sep : "", json_string_value(tag));
		if (len >= size)
			break;
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
}
