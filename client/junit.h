/*
 * junit.h -- a job's results as JUnit XML, the test report format GitLab
 * and Jenkins read.
 */
#ifndef PKVM_CLIENT_JUNIT_H
#define PKVM_CLIENT_JUNIT_H

#include <stdint.h>

#include <jansson.h>

#include "api.h"

/* Write the JUnit report of job ID, whose results are TESTS (the "tests"
 * array of GET /v1/jobs/ID/results), to FILE, replacing it atomically; each
 * test's console part is fetched from API.  0, or the exit code after
 * printing why. */
int junit_write(struct api *api, int64_t id, json_t *tests, const char *file);
/* Fetch the results of job ID and write its JUnit report to FILE: 0, or
 * the exit code after printing why. */
int junit_write_job(struct api *api, int64_t id, const char *file);

#endif
