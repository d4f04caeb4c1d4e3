/*
 * manifest.h -- the test manifest (docs/MANIFEST.md): how each test is run
 * (arguments, environment, timeout) and which modules load first.  Read by
 * `pkvmctl submit --manifest FILE` and by pkvmd for a CI push whose
 * project names one, so that both take the same files with the same
 * messages, and put onto a job request by the same manifest_apply().
 */
#ifndef PKVM_COMMON_MANIFEST_H
#define PKVM_COMMON_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Limits of the API (docs/API.md), checked early with the line to blame. */
#define MANIFEST_ARGS_MAX 256
#define MANIFEST_ENV_MAX 256
#define MANIFEST_MODULES_MAX 256
#define MANIFEST_VALUE_MAX 4096

/* The tests a manifest may name: the job's executables. */
struct manifest_tests {
	const char *const *names;
	size_t n;
	/* Said in "unknown test 'NAME' (UNKNOWN)": where the names come from,
	 * or why there are none, in the caller's words. */
	const char *unknown;
};

/* Read the manifest in F, called NAME in messages, into *OUT, a new object
 * {"tests": {NAME: {"args": [...], "env": {...}, "timeout": N}},
 *  "modules": [...]} holding only what the manifest sets; every test it
 * names must be one of TESTS.  0, or negative errno with *WHY (malloc'd):
 * -EINVAL "NAME:LINE: why", -EIO and the like when F cannot be read,
 * -ENOMEM. */
int manifest_read(FILE *f, const char *name, const struct manifest_tests *tests, json_t **out,
    char **why);

/* manifest_read() of the file at PATH, named PATH in messages; also
 * -ENOENT and the like, with *WHY, when it cannot be opened. */
int manifest_load(const char *path, const struct manifest_tests *tests, json_t **out, char **why);

/* Put manifest M (from manifest_read()) onto the job request BODY: each
 * test's args, env and timeout into the object of BODY's "executables"
 * with that name, and its modules after those BODY's "modules" holds.
 * BODY is changed even when this fails.  0, or negative errno with *WHY
 * (malloc'd): -EEXIST a module BODY already loads ("module 'M' given
 * twice (FROM)"), -E2BIG more than MANIFEST_MODULES_MAX modules, -ENOMEM. */
int manifest_apply(json_t *body, const json_t *m, const char *from, char **why);

/* True when NAME is a kernel module name the API accepts: 1..64 of
 * [A-Za-z0-9_-]. */
bool manifest_module_valid(const char *name);

#endif
