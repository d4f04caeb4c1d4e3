/*
 * job-json.h -- jobs on the wire: request validation and the job object.
 *
 * job_from_request() is the one place where a submitted job is checked:
 * unknown fields are refused (a typo such as "tiemout" must not silently
 * run a 600 s job), every value is range checked, names are checked for
 * path tricks.  job_to_json() produces the object documented in
 * docs/API.md.
 */
#ifndef PKVM_JOB_JSON_H
#define PKVM_JOB_JSON_H

#include <jansson.h>

#include "job/job.h"

struct job_json_error {
	const char *code; /* "invalid_field", "unknown_field", "missing_field" */
	char field[64];
	char message[256];
};

/* Fill J (from job_new()) from the POST /v1/jobs body OBJ.  0, or -EINVAL
 * with *E describing the first problem. */
int job_from_request(json_t *obj, struct job *j, struct job_json_error *e);
/* The API's job object for J; NULL on ENOMEM. */
json_t *job_to_json(const struct job *j);
/* The full kernel command line of J (malloc'd). */
char *job_cmdline(const struct job *j);
/* Format unix milliseconds as RFC 3339 UTC into BUF (at least 32 bytes). */
void job_time_format(int64_t ms, char *buf, size_t len);

#endif
