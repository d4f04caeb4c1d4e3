/*
 * result.c -- the rules that decide a job's result (see result.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "job/result.h"

enum job_result
job_decide(const struct job_outcome *o, char **message)
{
	enum job_result res = RESULT_ERROR;
	int n;

	if (o->has_exit && o->exit_status != 0) {
		n = asprintf(message, "qemu exited with status %lld (see qemu.log)",
		    (long long)o->exit_status);
	} else if (!o->saw_init) {
		n = asprintf(message,
		    "the guest never started init: check the console "
		    "(kernel without initramfs or serial console support?)");
	} else if (!o->saw_done && o->running_test[0] != '\0') {
		n = asprintf(message, "the guest stopped during test %s without a result",
		    o->running_test);
	} else if (!o->saw_done) {
		n = asprintf(message,
		    "the guest stopped before init reported the end of the tests");
	} else if (o->failure != NULL) {
		res = o->failure_result == RESULT_TIMEOUT ? RESULT_TIMEOUT : RESULT_FAILED;
		n = asprintf(message, "%s", o->failure);
	} else {
		*message = NULL;
		return RESULT_PASSED;
	}
	if (n < 0)
		*message = NULL;
	return res;
}
