/*
 * coverage.h -- the pieces of `pkvmctl coverage` that are not the command
 * line: showing coverage objects and diffs to people (coverage-print.c),
 * turning a job's coverage.info into an HTML report with genhtml
 * (coverage-html.c), and submit's coverage options (coverage-submit.c).
 * cmd-coverage.c parses the command and fetches.
 */
#ifndef PKVM_CLIENT_COVERAGE_H
#define PKVM_CLIENT_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api.h"

/* The artifact the capture leaves (test "_coverage"). */
#define COVERAGE_INFO_ARTIFACT "_coverage/coverage.info"

/* Print coverage object COV (GET /v1/jobs/ID/coverage or /v1/coverage)
 * for people under the title TITLE: the status, with why when it is not
 * ok; then the totals and the TOP least-covered files (all when TOP is 0).
 * Returns the exit code. */
int coverage_print(json_t *cov, const char *title, long long top);
/* Print a diff answer (GET /v1/coverage/diff) between jobs A and B for
 * people: "+ FILE: LINES" for what B reaches and A does not, "- FILE:
 * LINES" for the reverse.  Returns the exit code. */
int coverage_diff_print(json_t *diff, int64_t a, int64_t b);
/* Why a coverage whose status is STATUS has no numbers, for when the
 * server gave no message; NULL for "ok" and statuses it does not know. */
const char *coverage_status_explain(const char *status);
/* Format counts object C ({"hit": H, "total": T}) as "H/T (P%)" into BUF;
 * "-" when C is not such an object. */
void coverage_counts_format(json_t *c, char *buf, size_t size);
/* Length of the longest common directory prefix (up to and including a
 * '/') of the N PATHS; 0 when there is none but "/". */
size_t coverage_common_prefix(const char *const *paths, size_t n);

/* How long --wait lets the server hold the answer (its maximum). */
#define COVERAGE_WAIT_S 3600

/* The API path of job ID's coverage into BUF, with the long poll for a
 * final status when WAIT. */
void coverage_job_path(int64_t id, bool wait, char *buf, size_t size);
/* Download job ID's coverage.info into directory DIR (created if needed)
 * and run genhtml on it there; prints DIR/index.html.  With WAIT, first
 * wait for the coverage to be final.  Returns the exit code, after
 * printing why. */
int coverage_html(struct api *api, int64_t id, const char *dir, bool wait);

/* Submit's coverage options, each setting a field of the job request. */
enum coverage_field {
	COVERAGE_BUILD_DIR, /* --build-dir DIR: build_dir */
	COVERAGE_GCOV_TOOL, /* --gcov-tool TOOL: gcov_tool */
	COVERAGE_PATH, /* --coverage-path PATH: one more of coverage_paths */
};
/* Check submit option FIELD's value V and set its field in job request
 * BODY; 0, or the exit code after printing why. */
int coverage_submit_option(json_t *body, enum coverage_field field, const char *v);

#endif
