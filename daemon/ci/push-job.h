/*
 * push-job.h -- what a push brought, turned into a job request: the
 * kernel and the test executables made blobs (the same kernel from two
 * pushes is stored once), the project's manifest read, and the POST
 * /v1/jobs body built from the project's job template, those blobs, the
 * manifest and the push's tags.
 *
 * The caller (http/hook-delivery.c) validates the request with
 * job_from_request() and the user limits like any submit; this file only
 * assembles it.
 */
#ifndef PKVM_CI_PUSH_JOB_H
#define PKVM_CI_PUSH_JOB_H

#include <stddef.h>

#include <jansson.h>

#include "ci/artifact.h"
#include "ci/project.h"
#include "sha256.h"

struct blobs;

/* One test executable: its name in the guest and its blob. */
struct ci_exe {
	char name[256];
	char blob[SHA256_HEX_LEN + 1];
};

/* The files of a push, as blobs. */
struct ci_files {
	char kernel[SHA256_HEX_LEN + 1];
	struct ci_exe *exes; /* in name order */
	size_t nexes;
	json_t *manifest; /* manifest_read()'s, or NULL when the project names none */
};

/* Make U's kernel and tests blobs of B into *OUT (ci_files_clear() it),
 * and read U's manifest: the kernel must be an arm64 Image (or gzip); the
 * tests, when there are any, a directory whose regular executable files,
 * in name order, are the executables (other files are left out), or one
 * file that is the one executable (a generic tests_url), which may not
 * look like a manifest; the manifest may name only those executables.
 * Files are moved out of U's directory.  Safe in a worker thread.  0, or
 * negative errno with *WHY (malloc'd): -ENOEXEC not a kernel, -EINVAL a
 * bad test name, too many, a manifest as the one test or a manifest
 * error ("NAME:LINE: why"), or an I/O error. */
int ci_files_collect(struct blobs *b, const struct ci_unpacked *u, struct ci_files *out,
    char **why);
/* Free what F holds. */
void ci_files_clear(struct ci_files *f);
/* REF made a valid tag value: characters a tag may not hold become '-',
 * cut to fit "branch:" + it into a tag; into BUF of LEN bytes. */
void ci_tag_value(const char *ref, char *buf, size_t len);
/* The POST /v1/jobs body for project P's push of REF at COMMIT with F's
 * files into *OUT (a new reference): P's job_template, the kernel, the
 * executables, F's manifest applied to them (manifest_apply()), and the
 * tags project:NAME, branch:REF, commit:SHA12, then the template's, then
 * EXTRA_TAGS (a JSON array of strings, or NULL), duplicates left out.  0,
 * or negative errno with *WHY (malloc'd): -EEXIST a module both the
 * template and the manifest load, -E2BIG too many modules, -ENOMEM. */
int ci_job_request(const struct ci_project *p, const struct ci_files *f, const char *ref,
    const char *commit, json_t *extra_tags, json_t **out, char **why);

#endif
