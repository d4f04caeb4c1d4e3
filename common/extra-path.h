/*
 * extra-path.h -- which paths an "extra" entry of a job may have.
 *
 * `pkvmctl submit --extra DIR` turns a local tree into entries placed under
 * the guest's root, and pkvmd checks every entry's path before it builds
 * the job's initramfs layer.  Both ask this one function, so the client's
 * early refusal and the daemon's final one cannot disagree, and both say
 * why in the same words: a reason reads on from the path, as in "extra
 * path '/etc' must be relative (no leading '/')".
 */
#ifndef PKVM_EXTRA_PATH_H
#define PKVM_EXTRA_PATH_H

/* The longest path an "extra" entry may have, in bytes. */
#define PKVM_EXTRA_PATH_MAX 1024

/* Why PATH may not be an "extra" entry's path (words to put after it), or NULL if it may. */
const char *pkvm_extra_path_problem(const char *path);

#endif
