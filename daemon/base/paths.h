/*
 * paths.h -- where things are in the state directory.
 *
 * Every module that reads or writes a job's files (the runner, coverage,
 * the HTTP handlers for artifacts and coverage reports) builds the path
 * here, so the layout (docs/ARCHITECTURE.md) is written down once.
 */
#ifndef PKVM_PATHS_H
#define PKVM_PATHS_H

#include <stddef.h>
#include <stdint.h>

/* STATE/jobs/ID into BUF (LEN bytes). */
void paths_job_dir(const char *state_dir, int64_t id, char *buf, size_t len);

#endif
