/*
 * fuzz-ci-push.c -- what a webhook payload brings into a job
 * (daemon/ci/push-job.c): the branch, the commit and the generic hook's
 * tags, from the payload as a forge sent it, made into the job request
 * ci_job_request() builds for the project.
 *
 * The payload's JSON is read by ci/hook-payload.c (fuzz-hooks.c); this
 * target takes the fields it hands on.  The input is a ref, a commit and
 * a JSON array of tags, cut at '\n'.  Whatever they hold, the request
 * built from them must be one job_from_request() accepts, with every tag
 * valid: a push that makes an invalid request is a job lost with a
 * confusing error.
 */
#include <errno.h>
#include <jansson.h>

#include "ci/push-job.h"
#include "fuzz.h"
#include "job/job-json.h"
#include "job/job.h"
#include "wire.h"

#define BLOB "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
fuzz_one(const uint8_t *data, size_t len)
{
	size_t rlen, clen, tlen;
	const uint8_t *r = fuzz_field(&data, &len, '\n', &rlen);
	const uint8_t *c = fuzz_field(&data, &len, '\n', &clen);
	const uint8_t *t = fuzz_field(&data, &len, '\n', &tlen);
	char *ref = fuzz_strndup(r, rlen), *commit = fuzz_strndup(c, clen), *why = NULL;
	json_t *tags = json_loadb((const char *)t, tlen, 0, NULL);
	struct ci_exe exe = { .name = "pass.sh", .blob = BLOB };
	struct ci_files f = { .kernel = BLOB, .exes = &exe, .nexes = 1 };
	struct ci_project p = { .name = "k",
		.job_template = json_pack("{s:i,s:[s]}", "smp", 1, "tags", "nightly") };
	struct job_json_error e = { 0 };
	json_t *req = NULL, *v;
	struct job *j;
	size_t i;

	fuzz_check(p.job_template != NULL, "json_pack");
	fuzz_check(ci_job_request(&p, &f, ref, commit, tags, &req, &why) == 0,
	    "ci_job_request refused a push");
	json_array_foreach(json_object_get(req, "tags"), i, v)
	    fuzz_check(pkvm_tag_valid(json_string_value(v)), "an invalid tag in the request");
	fuzz_check(job_new(&j) == 0, "job_new");
	if (job_from_request(req, j, &e) != 0) {
		fprintf(stderr, "fuzz: job_from_request: %s: %s\n", e.field, e.message);
		fuzz_check(false, "a push made a job request the API refuses");
	}
	job_free(j);
	json_decref(req);
	json_decref(tags);
	json_decref(p.job_template);
	free(ref);
	free(commit);
}
