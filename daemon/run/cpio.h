/*
 * cpio.h -- a streaming writer of "newc" cpio archives (the initramfs format).
 *
 * The kernel unpacks concatenated archives into one rootfs, so pkvmd keeps
 * a cached base archive (busybox, /init) and writes only a small job layer
 * per job.  Entries are written with mtime 0, uid/gid 0 and increasing
 * inode numbers starting at INO_BASE, so the same input gives the same bytes
 * and two layers do not share inode numbers (which the kernel would treat
 * as hard links).  Paths are relative ("bin/busybox"), no leading '/'.
 */
#ifndef PKVM_CPIO_H
#define PKVM_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cpio_writer;

/* Start an archive written to FD (not closed by the writer), with inode
 * numbers from INO_BASE.  0 or negative errno. */
int cpio_writer_new(struct cpio_writer **out, int fd, uint32_t ino_base);
/* Add a directory. */
int cpio_add_dir(struct cpio_writer *w, const char *path, mode_t perm);
/* Add a regular file from memory. */
int cpio_add_file(struct cpio_writer *w, const char *path, mode_t perm, const void *data,
    size_t len);
/* Add a regular file of SIZE bytes read from SRCFD (from its offset 0). */
int cpio_add_file_fd(struct cpio_writer *w, const char *path, mode_t perm, int srcfd,
    uint64_t size);
/* Add a symbolic link PATH -> TARGET. */
int cpio_add_symlink(struct cpio_writer *w, const char *path, const char *target);
/* Add a character device node (e.g. dev/console 5:1). */
int cpio_add_chardev(struct cpio_writer *w, const char *path, mode_t perm, unsigned int major,
    unsigned int minor);
/* Write the trailer, flush, free the writer.  Bytes written in all, or
 * negative errno (the writer is freed either way). */
int64_t cpio_writer_finish(struct cpio_writer *w);
/* Free a writer without finishing (on an error path). */
void cpio_writer_free(struct cpio_writer *w);

#endif
