/*
 * paths.c -- the state directory's layout (see paths.h).
 */
#include <stdio.h>

#include "base/paths.h"

void
paths_job_dir(const char *state_dir, int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/jobs/%lld", state_dir, (long long)id);
}
