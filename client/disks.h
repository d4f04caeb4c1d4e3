/*
 * disks.h -- the disk images of `pkvmctl submit --disk FILE[,ro]`.
 *
 * Each disk is checked here before anything is sent (a missing file, a
 * file that is no disk image, a qcow2 image with a backing file: see
 * common/disk-image.h), then uploaded as a blob like the kernel, so an
 * image the server has already is never sent again, and named in the
 * request's "disks" array in the order given: the first is /dev/vda.
 */
#ifndef PKVM_CLIENT_DISKS_H
#define PKVM_CLIENT_DISKS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "upload.h"
#include "wire.h"

struct submit_disks {
	const char *path[PKVM_DISKS_MAX]; /* malloc'd copies without ",ro" */
	bool readonly[PKVM_DISKS_MAX];
	size_t n;
	size_t first; /* index in the blob set of the first disk */
	const char *root; /* --root DEVICE, or NULL */
	bool keep; /* --keep-disk */
};

/* Take --disk VALUE ("FILE" or "FILE,ro") into D, checking FILE is a disk
 * image qemu may attach: 0, or the exit code after saying why. */
int disks_add(struct submit_disks *d, const char *value);
/* Check the options fit together (--root and --keep-disk need disks,
 * --root takes no executables: the job has NEXES): 0, or the exit code
 * after saying why. */
int disks_check(const struct submit_disks *d, size_t nexes);
/* Append D's files to SET, remembering where they start: 0 or the exit
 * code. */
int disks_add_blobs(struct submit_disks *d, struct blob_set *set);
/* Put "disks", "root" and "keep_disk" into the request BODY, with the
 * blobs hashed in SET. */
void disks_set_body(const struct submit_disks *d, const struct blob_set *set, json_t *body);
/* Free what D holds. */
void disks_free(struct submit_disks *d);

#endif
