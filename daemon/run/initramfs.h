/*
 * initramfs.h -- the guest's initramfs: a cached base layer plus a job layer.
 *
 * The base layer (busybox, /init, /dev/console, the empty mount points) is
 * the same for every job, so it is written once per content of init and
 * busybox into STATE/cache/base-<sha256>.cpio.  A job's initrd is a copy
 * of it (copy_file_range: no bytes through user space) followed by a
 * second cpio archive holding /ramfs.exe/<name> for each test; the kernel
 * unpacks concatenated archives into one root.  Preparing a job therefore
 * costs about the size of its own files.
 */
#ifndef PKVM_INITRAMFS_H
#define PKVM_INITRAMFS_H

struct initramfs;
struct blobs;
struct job;

/* Find init and busybox in DATA_DIR and build or reuse the base layer in
 * CACHE_DIR.  0 or negative errno with *CAUSE set. */
int initramfs_new(struct initramfs **out, const char *data_dir, const char *cache_dir,
    char **cause);
/* Free the handle. */
void initramfs_free(struct initramfs *ir);
/* Write job J's initrd to PATH.  Runs in a worker thread: touches only
 * files.  0 or negative errno with *CAUSE set. */
int initramfs_build_job(const struct initramfs *ir, struct blobs *b, const struct job *j,
    const char *path, char **cause);
/* The base layer's path, which names its content (for a saved VM's key). */
const char *initramfs_base_path(const struct initramfs *ir);
/* Write to PATH what a restored VM's /init takes in place of a boot's job
 * layer (docs/PERFORMANCE.md, "Boot once, test many"): job J's tests and
 * their settings, CMDLINE as pkvm/cmdline, fresh randomness and the
 * host's clock.  For a worker thread.  0 or negative errno with *CAUSE. */
int initramfs_build_warm_layer(struct blobs *b, const struct job *j, const char *cmdline,
    const char *path, char **cause);

#endif
