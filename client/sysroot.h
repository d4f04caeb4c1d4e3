/*
 * sysroot.h -- the dynamic loader and libraries a test needs, taken from a
 * sysroot and shipped with the job (`pkvmctl submit --sysroot DIR`).
 */
#ifndef PKVM_CLIENT_SYSROOT_H
#define PKVM_CLIENT_SYSROOT_H

#include <jansson.h>

#include "elf-exe.h"
#include "upload.h"

/* What a job's executables need from one sysroot: guest path -> file. */
struct sysroot_plan;

/* A plan for the sysroot at DIR, with the job's --extra tree at EXTRA_DIR
 * (or NULL) searched first, into *OUT; 0 or the exit code after printing
 * why (DIR is not a directory). */
int sysroot_plan_new(const char *dir, const char *extra_dir, struct sysroot_plan **out);
/* Add what executable NAME (parsed into E, dynamically linked) needs: its
 * interpreter at its PT_INTERP path, and every DT_NEEDED library,
 * recursively, where the loader will look for it.  0, or the exit code
 * after printing which file is missing. */
int sysroot_plan_exe(struct sysroot_plan *p, const char *name, const struct elf_exe *e);
/* Append the plan's files to SET and their entries to EXTRA (an array of
 * the request's "extra" entries), skipping a path EXTRA already has; 0 or
 * the exit code.  Prints one line per file on stderr when VERBOSE. */
int sysroot_plan_ship(struct sysroot_plan *p, struct blob_set *set, json_t *extra, bool verbose);
/* Free the plan; NULL is fine. */
void sysroot_plan_free(struct sysroot_plan *p);

#endif
