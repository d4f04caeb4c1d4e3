/*
 * output.h -- how pkvmctl shows things to people: aligned tables, local
 * times, short durations and sizes, pretty JSON, reading fields of a job
 * object, and output_show(), the "GET, take one member, print it as JSON
 * or for people" step most read-only commands are made of (with
 * output_table() for the ones whose answer is an array shown as a table).
 */
#ifndef PKVM_CLIENT_OUTPUT_H
#define PKVM_CLIENT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "api.h"

struct table;

/* A table with NCOLS columns titled HEADERS; NULL when out of memory. */
struct table *table_new(int ncols, const char *const *headers);
/* Right-align column COL (for numbers). */
void table_align_right(struct table *t, int col);
/* Add a row of NCOLS cells (NULL shows as "-"); 0 or -ENOMEM. */
int table_add_row(struct table *t, const char *const *cells);
/* Add a line printed as it is below the rows added so far (a message
 * under a test, say); it does not widen the columns.  0 or -ENOMEM. */
int table_add_note(struct table *t, const char *text);
/* Print T to F with columns padded to their widest cell. */
void table_print(const struct table *t, FILE *f);
/* Free T and its cells. */
void table_free(struct table *t);

/* Parse an API time ("2026-11-21T18:20:00.123Z", pkvm_time_parse()) into
 * seconds since the epoch; 0 or -EINVAL. */
int output_time_parse(const char *s, double *out);
/* Format epoch time T in local time: "18:20:01" when it is today, else
 * "2026-11-20 18:20"; with LONG always "2026-11-20 18:20:01". */
void output_time_format(double t, bool long_form, char *buf, size_t size);
/* Format a duration in seconds: "0.4s", "11.8s", "2m03s", "1h05m",
 * "2d03h". */
void output_duration_format(double secs, char *buf, size_t size);

/* Format a byte count: "812 B", "3.4 kB", "45.6 MB", "1.2 GB" (powers of
 * 1000, as the upload progress line). */
void output_size_format(double bytes, char *buf, size_t size);

/* Print J to stdout as JSON indented by two spaces, with a newline; 0 or
 * -EIO. */
int output_json(json_t *j);

/* Prints VALUE for people; returns 0 or an exit code. */
typedef int (*output_print_fn)(json_t *value, const void *arg);
/* GET PATH from API and take member KEY of the answer (the whole answer
 * when KEY is NULL), which must have json TYPE; print it as JSON when JSON,
 * else with PRINT(value, ARG).  Returns the exit code, after printing why
 * on failure. */
int output_show(struct api *api, const char *path, const char *key, json_type type, bool json,
    output_print_fn print, const void *arg);

/* How output_table() shows a JSON array to people: a table with one row
 * for each item, declared once by the command that prints it. */
struct output_table {
	int ncols;
	const char *const *headers; /* NCOLS column titles */
	unsigned right; /* bit C set: column C is right-aligned (numbers) */
	const char *empty; /* printed instead when there are no items, or NULL
			    * for the header line alone */
	/* Add ITEM's row (and any notes under it) to T; 0 or -ENOMEM. */
	int (*row)(struct table *t, json_t *item);
};
/* Print array ITEMS to stdout as the table SPEC describes; returns the
 * exit code, after saying "out of memory" when the table could not be
 * built. */
int output_table(json_t *items, const struct output_table *spec);
/* output_show() of array member KEY, printed for people as the table
 * SPEC describes. */
int output_show_table(struct api *api, const char *path, const char *key, bool json,
    const struct output_table *spec);

/* The string field KEY of OBJ, or NULL when absent or not a string. */
const char *job_str(json_t *obj, const char *key);
/* The integer field KEY of OBJ into *OUT; true when it is an integer. */
bool job_int(json_t *obj, const char *key, long long *out);
/* Format integer field KEY of OBJ in decimal into BUF, "-" when it is not
 * an integer. */
void job_int_format(json_t *obj, const char *key, char *buf, size_t size);
/* Format time field KEY of JOB into BUF (see output_time_format), "-" when
 * null. */
void job_time(json_t *job, const char *key, bool long_form, char *buf, size_t size);
/* Format how long JOB ran (finished or now, minus started) into BUF, "-"
 * when it has not started. */
void job_duration(json_t *job, char *buf, size_t size);
/* JOB's tags joined with SEP into BUF, "-" when it has none. */
void job_tags(json_t *job, const char *sep, char *buf, size_t size);

#endif
