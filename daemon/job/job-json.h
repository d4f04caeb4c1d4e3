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
/* J's disks as the API shows them: [{blob, format, readonly, size}]. */
json_t *job_disks_json(const struct job *j);
/* The full kernel command line of J (malloc'd). */
char *job_cmdline(const struct job *j);
/* Where a job is in its run, finer than its state: the phases of GET
 * /v1/events (docs/API.md).  BOOTING runs from qemu's start to the
 * guest's init reporting in; FINISHING from init's "done" (or a stop) to
 * the stored result. */
enum job_phase {
	PHASE_QUEUED,
	PHASE_PREPARING,
	PHASE_BOOTING,
	PHASE_TESTING,
	PHASE_FINISHING,
	PHASE_DONE,
};

/* What the runner knows of a run beyond the stored job. */
struct job_progress {
	enum job_phase phase;
	int test_index; /* the running test's place, from 1; 0 when none runs */
	const char *test_name; /* the running test's name, or NULL */
	int tests_known; /* tests the guest said it runs (0: unknown) */
};

/* The phase's wire name ("booting"). */
const char *job_phase_name(enum job_phase p);
/* The data of an `event: job` for J (as stored) at P, at NOW_MS, as one
 * line of JSON (malloc'd), or NULL when out of memory. */
char *job_event_json(const struct job *j, const struct job_progress *p, int64_t now_ms);
/* Format unix milliseconds as RFC 3339 UTC into BUF (at least 32 bytes). */
void job_time_format(int64_t ms, char *buf, size_t len);

#endif
