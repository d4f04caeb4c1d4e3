/*
 * download.h -- getting files from pkvmd into local files, whole or not at
 * all.
 *
 * A download streams into a temporary file next to its destination and is
 * renamed into place only once it is complete (and, for an artifact, once
 * its size and sha256 match the listing), so a cut or damaged transfer
 * never leaves a plausible-looking file behind.  `artifacts ID get`,
 * `coverage --html` and `coverage merge -o` all come through here.
 */
#ifndef PKVM_CLIENT_DOWNLOAD_H
#define PKVM_CLIENT_DOWNLOAD_H

#include <stdint.h>

#include "api.h"

enum {
	DOWNLOAD_FORCE = 1 << 0, /* replace an existing destination */
	DOWNLOAD_QUIET = 1 << 1, /* no "wrote FILE" line on stderr */
};

/* Stream GET PATH into DEST ("-": stdout), checking the bytes against
 * SHA256 and SIZE when SHA256 is not NULL (SIZE < 0: any size); WHAT names
 * the thing in messages.  Returns the exit code, after printing why. */
int download_file(struct api *api, const char *path, const char *dest, const char *sha256,
    long long size, const char *what, unsigned flags);
/* Download artifact NAME ("TEST/PATH") of job ID to DEST: a file, a
 * directory to put it in, "-" for stdout, or NULL for the last part of
 * NAME in the current directory.  Only an artifact whose status is ok is
 * fetched.  Returns the exit code, after printing why. */
int download_artifact(struct api *api, int64_t id, const char *name, const char *dest,
    unsigned flags);

#endif
