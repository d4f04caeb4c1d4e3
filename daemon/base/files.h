/*
 * files.h -- copying a file, for the modules that give a run its own copy
 * (the runner's UEFI variables, the Slurm executor's staged files).
 */
#ifndef PKVM_FILES_H
#define PKVM_FILES_H

/* Copy FROM to TO (created, or truncated; mode 0644) in the kernel
 * (copy_file_range: a reflink where the filesystem offers one); 0 or
 * negative errno. */
int files_copy(const char *from, const char *to);
/* Copy FROM to TO as files_copy does, leaving FROM's holes holes (a
 * guest's RAM file is mostly holes: never touched); 0 or negative errno. */
int files_copy_sparse(const char *from, const char *to);

#endif
