/*
 * manifest.h -- the test manifest of `pkvmctl submit --manifest FILE`: how
 * each test is run (arguments, environment, timeout) and which modules
 * load first.  The format is in docs/MANIFEST.md.
 */
#ifndef PKVM_CLIENT_MANIFEST_H
#define PKVM_CLIENT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Limits of the API (docs/API.md), checked early with the line to blame. */
#define MANIFEST_ARGS_MAX 256
#define MANIFEST_ENV_MAX 256
#define MANIFEST_MODULES_MAX 256
#define MANIFEST_VALUE_MAX 4096

/* Read the manifest at PATH into *OUT, a new object
 * {"tests": {NAME: {"args": [...], "env": {...}, "timeout": N}},
 *  "modules": [...]} holding only what the manifest sets; every NAME must
 * be one of the NNAMES executable NAMES.  0, or PKVM_EXIT_USAGE after
 * printing "PATH:LINE: why". */
int manifest_load(const char *path, const char *const *names, size_t nnames, json_t **out);

/* True when NAME is a kernel module name the API accepts: 1..64 of
 * [A-Za-z0-9_-]. */
bool manifest_module_valid(const char *name);

#endif
