/*
 * extra.h -- the tree of `pkvmctl submit --extra DIR`: files, directories
 * and symlinks placed under the guest's root (the "extra" field of a job).
 */
#ifndef PKVM_CLIENT_EXTRA_H
#define PKVM_CLIENT_EXTRA_H

#include <jansson.h>

#include "upload.h"

/* The API's limit on entries. */
#define EXTRA_ENTRIES_MAX 10000

/* Walk the tree under DIR into *ENTRIES, a new array of the request's
 * "extra" entries with paths relative to DIR, parents before children and
 * in name order: directories and symlinks complete, regular files with
 * "path" and "mode" only, their files appended to SET in the same order.
 * 0, or the exit code after printing which path is at fault. */
int extra_walk(const char *dir, struct blob_set *set, json_t **entries);
/* Give the file entries of ENTRIES their "blob" from FILES, the files
 * extra_walk() added to the set, once they are hashed. */
void extra_set_blobs(json_t *entries, const struct blob_file *files);

#endif
