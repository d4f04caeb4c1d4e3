/*
 * verdict.h -- the verdict of one test or sub-test.
 *
 * Shared by the test-output parsers (which derive verdicts), the runner
 * (which decides a test's final one) and the store (which keeps them).
 * On the wire they are the lower-case names below.
 */
#ifndef PKVM_VERDICT_H
#define PKVM_VERDICT_H

#include <stdbool.h>

enum test_verdict {
	VERDICT_RUNNING, /* begun, not ended (only while the job runs) */
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_ERROR, /* never finished: crash, broken test (TBROK), lost result */
	VERDICT_SKIP, /* TAP # SKIP, LTP TCONF, kvm-unit-tests SKIP */
	VERDICT_TIMEOUT, /* killed at a time limit */
	VERDICT_NOT_RUN, /* never started: the job ended before its turn */
	VERDICT_FLAKY, /* failed, then passed when run again (--retry-failed) */
};

/* Name of a verdict: "running", "pass", "fail", "error", "skip", "timeout",
 * "not-run", "flaky". */
const char *test_verdict_name(enum test_verdict v);
/* Did a result with verdict V fail: fail, error or timeout?  (A skip, a
 * flaky one that passed when run again, a test that never ran or one
 * still running did not.) */
bool test_verdict_failed(enum test_verdict v);
/* Parse a verdict name; 0 or -EINVAL. */
int test_verdict_parse(const char *name, enum test_verdict *out);

#endif
