/*
 * fuzz-job-json.c -- validation of a job request (daemon/job/job-json.c,
 * job_from_request), the body of POST /v1/jobs, on any JSON jansson
 * accepts.
 *
 * A body is either accepted, and the job it makes turns back into the
 * API's JSON and a kernel command line, or refused with an error code, a
 * field and a message: never both, never neither.
 */
#include <errno.h>
#include <jansson.h>

#include "fuzz.h"
#include "job/job-json.h"
#include "job/job.h"

static void
fuzz_one(const uint8_t *data, size_t len)
{
	json_t *obj = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, NULL);
	struct job_json_error e = { 0 };
	struct job *j;
	int rc;

	if (obj == NULL)
		return;
	fuzz_check(job_new(&j) == 0, "job_new");
	rc = job_from_request(obj, j, &e);
	if (rc == 0) {
		json_t *back = job_to_json(j);
		char *cmdline = job_cmdline(j);

		fuzz_check(back != NULL, "an accepted job without its JSON");
		fuzz_check(cmdline != NULL, "an accepted job without a command line");
		json_decref(back);
		free(cmdline);
	} else {
		fuzz_check(rc == -EINVAL, "a refusal that is not -EINVAL");
		fuzz_check(e.code != NULL && e.message[0] != '\0', "a refusal without its reason");
		fuzz_check(strnlen(e.field, sizeof(e.field)) < sizeof(e.field),
		    "field without NUL");
		fuzz_check(strnlen(e.message, sizeof(e.message)) < sizeof(e.message),
		    "message without NUL");
	}
	job_free(j);
	json_decref(obj);
}
