/*
 * output.h -- how pkvmctl shows things to people: aligned tables, local
 * times, short durations, pretty JSON, and reading fields of a job object.
 */
#ifndef PKVM_CLIENT_OUTPUT_H
#define PKVM_CLIENT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct table;

/* A table with NCOLS columns titled HEADERS; NULL when out of memory. */
struct table *table_new(int ncols, const char *const *headers);
/* Right-align column COL (for numbers). */
void table_align_right(struct table *t, int col);
/* Add a row of NCOLS cells (NULL shows as "-"); 0 or -ENOMEM. */
int table_add_row(struct table *t, const char *const *cells);
/* Print T to F with columns padded to their widest cell. */
void table_print(const struct table *t, FILE *f);
/* Free T and its cells. */
void table_free(struct table *t);

/* Parse an RFC 3339 UTC time ("2026-11-21T18:20:00.123Z") into seconds
 * since the epoch; 0 or -EINVAL. */
int output_time_parse(const char *s, double *out);
/* Format epoch time T in local time: "18:20:01" when it is today, else
 * "2026-11-20 18:20"; with LONG always "2026-11-20 18:20:01". */
void output_time_format(double t, bool long_form, char *buf, size_t size);
/* Format a duration in seconds: "0.4s", "11.8s", "2m03s", "1h05m",
 * "2d03h". */
void output_duration_format(double secs, char *buf, size_t size);

/* Print J to stdout as JSON indented by two spaces, with a newline; 0 or
 * -EIO. */
int output_json(json_t *j);

/* The string field KEY of OBJ, or NULL when absent or not a string. */
const char *job_str(json_t *obj, const char *key);
/* The integer field KEY of OBJ into *OUT; true when it is an integer. */
bool job_int(json_t *obj, const char *key, long long *out);
/* Format time field KEY of JOB into BUF (see output_time_format), "-" when
 * null. */
void job_time(json_t *job, const char *key, bool long_form, char *buf, size_t size);
/* Format how long JOB ran (finished or now, minus started) into BUF, "-"
 * when it has not started. */
void job_duration(json_t *job, char *buf, size_t size);
/* JOB's tags joined with SEP into BUF, "-" when it has none. */
void job_tags(json_t *job, const char *sep, char *buf, size_t size);

#endif
