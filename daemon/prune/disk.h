/*
 * disk.h -- a job directory's size, and removing one (worker threads).
 *
 * Sizes are bytes on disk, as du(1) counts them (allocated blocks), so a
 * sparse UEFI variable store weighs what it really takes.  Both walk the
 * tree with openat(2) and never follow a symbolic link.
 */
#ifndef PKVM_PRUNE_DISK_H
#define PKVM_PRUNE_DISK_H

#include <stdint.h>

/* The bytes on disk under PATH (0 when it does not exist). */
int64_t prune_dir_bytes(const char *path);
/* Remove PATH and everything under it, adding the bytes freed to *BYTES.
 * 0 (also when PATH does not exist) or the first negative errno; what
 * could be removed is removed either way. */
int prune_dir_remove(const char *path, int64_t *bytes);

#endif
