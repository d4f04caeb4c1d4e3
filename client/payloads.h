/*
 * payloads.h -- pkvmctl submit's payload jobs (docs/PAYLOADS.md).
 *
 * `--payload FILE` (repeatable) and `--payload-cfg unittests.cfg` make a
 * job of bare payloads instead of a kernel and tests: kvm-unit-tests'
 * .flat files or EFI apps, each booted by a qemu of its own, one after
 * another.  This collects them, checks each file for what it must be
 * (common/payload-image.h) before anything is uploaded, reads a
 * kvm-unit-tests unittests.cfg the way its run_tests.sh does (which
 * entries run under TCG on arm64, their files, CPUs, arguments, machine
 * properties, groups, timeouts), and writes the request's "payloads".
 */
#ifndef PKVM_CLIENT_PAYLOADS_H
#define PKVM_CLIENT_PAYLOADS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "upload.h"

/* One payload of the job. */
struct payload_spec {
	char *path; /* the file */
	char *name; /* the test's name: the file's, or the cfg entry's */
	long long smp, mem_mb, timeout_s; /* -1: unset */
	char *append, *machine; /* NULL: unset */
	json_t *groups; /* array of strings, or NULL */
};

struct payloads {
	struct payload_spec *v;
	size_t n;
	const char *group; /* --payload-group: only entries of it */
};

/* Add --payload PATH, with the job's APPEND (NULL: none): 0, or the exit
 * code after printing why. */
int payloads_add_file(struct payloads *ps, const char *path);
/* Add the entries of the unittests.cfg at PATH that run here; each one
 * left out is said on stderr with why.  0, or the exit code after
 * printing why. */
int payloads_add_cfg(struct payloads *ps, const char *path);
/* Give the --payload files (not the cfg entries) the job's --append ARGS. */
void payloads_set_append(struct payloads *ps, const char *args);
/* Check every payload's file and name, add the files to SET (in order):
 * 0, or the exit code after printing why. */
int payloads_collect(struct payloads *ps, struct blob_set *set);
/* The request's "payloads", the blobs from FILES (as many as payloads,
 * hashed), or NULL when out of memory. */
json_t *payloads_json(const struct payloads *ps, const struct blob_file *files);
/* Free what PS holds. */
void payloads_free(struct payloads *ps);

#endif
