/*
 * upload.h -- getting a job's files (kernel, test executables) to pkvmd.
 *
 * Blobs are named by their sha256, so the client hashes every file, asks
 * the server which of those hashes it lacks (POST /v1/blobs/missing) and
 * uploads only those (PUT /v1/blobs/<sha256>).  Resubmitting the same
 * kernel with a changed test therefore uploads only the test.  A job's
 * files (kernel, executables, the --extra tree) are collected in one
 * struct blob_set.
 */
#ifndef PKVM_CLIENT_UPLOAD_H
#define PKVM_CLIENT_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "sha256.h"

/* One local file that becomes a blob. */
struct blob_file {
	const char *path; /* as the user gave it */
	const char *what; /* "kernel", "executable", "extra file": messages */
	const char *name; /* the last path component */
	uint64_t size;
	unsigned mode; /* permission bits */
	char hash[SHA256_HEX_LEN + 1];
};

/* A growing array of files; PATH strings it owns are freed with it. */
struct blob_set {
	struct blob_file *v;
	char **owned; /* [i]: v[i].path when the set frees it, else NULL */
	size_t n, cap;
};

/* Check the file at PATH (see upload_file_init) and append it to SET; when
 * OWN, SET takes PATH (malloc'ed) and frees it, also on failure.  0, or the
 * exit code after printing why. */
int blob_set_add(struct blob_set *set, char *path, bool own, const char *what);
/* Free what SET holds. */
void blob_set_free(struct blob_set *set);

/* Check that PATH is a readable regular file and fill F (WHAT names it in
 * messages); 0, or PKVM_EXIT_USAGE after printing "cannot open ...". */
int upload_file_init(struct blob_file *f, const char *path, const char *what);
/* Hash the N FILES, ask API which blobs it lacks and upload those (with
 * one summary line "uploading 123 files, 45.6 MB" when there are several
 * and stderr is a terminal); 0, or the exit code after printing why. */
int upload_blobs(struct api *api, struct blob_file *files, size_t n);

#endif
