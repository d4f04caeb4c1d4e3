/*
 * verdict.c -- verdict names.
 */
#include <errno.h>
#include <string.h>

#include "tout/verdict.h"

static const char *const names[] = {
	[VERDICT_RUNNING] = "running",
	[VERDICT_PASS] = "pass",
	[VERDICT_FAIL] = "fail",
	[VERDICT_ERROR] = "error",
	[VERDICT_SKIP] = "skip",
	[VERDICT_TIMEOUT] = "timeout",
	[VERDICT_NOT_RUN] = "not-run",
	[VERDICT_FLAKY] = "flaky",
};

const char *
test_verdict_name(enum test_verdict v)
{
	if ((unsigned)v >= sizeof(names) / sizeof(names[0]))
		return "error";
	return names[v];
}

bool
test_verdict_failed(enum test_verdict v)
{
	return v == VERDICT_FAIL || v == VERDICT_ERROR || v == VERDICT_TIMEOUT;
}

int
test_verdict_parse(const char *name, enum test_verdict *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum test_verdict)i;
			return 0;
		}
	}
	return -EINVAL;
}
