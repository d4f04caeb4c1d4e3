/*
 * cpio.c -- a streaming writer of "newc" cpio archives.
 *
 * The initramfs a job boots with is the kernel's "newc" cpio format: every
 * entry is a 110-byte ASCII header ("070701" and thirteen 8-digit hex
 * fields), the NUL-terminated path padded so that header plus name end on a
 * 4-byte boundary, then the file data padded to 4 bytes as well.  An entry
 * named "TRAILER!!!" ends the archive.  The kernel unpacks archives that
 * follow one another in the same initrd, which is what lets pkvmd cache the
 * big base layer and write only a small layer per job.
 *
 * Output goes through one 64 KiB buffer owned by the writer, so a job layer
 * of many small entries costs a handful of write(2) calls.  Large files
 * (a kernel module tree, a test binary) are streamed from their fd straight
 * into the free part of that same buffer, so no file is ever held in memory
 * whole and no second buffer is needed.
 *
 * The first error is sticky: once a write fails, or a source file turns out
 * shorter than announced, the archive on FD is already inconsistent (a
 * header promised bytes that never came), so every later call fails with the
 * same error and cpio_writer_finish() reports it.  The caller discards the
 * output.
 *
 * Everything that could make two builds of the same layer differ is fixed:
 * mtime 0, uid/gid 0, and inode numbers counted up from the caller's base.
 * The base matters because the kernel treats two entries with the same inode
 * number and nlink > 1 as hard links, even across concatenated archives.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "run/cpio.h"

#define CPIO_BUF_BYTES (64 * 1024)
#define CPIO_HDR_BYTES 110
#define CPIO_TRAILER "TRAILER!!!"

struct cpio_writer {
	int fd;
	uint32_t next_ino;
	int err; /* first error, negative errno; 0 while healthy */
	uint64_t total_bytes; /* bytes handed to the writer (buffered or not) */
	size_t used_bytes; /* bytes waiting in buf */
	unsigned char buf[CPIO_BUF_BYTES];
};

/* The numbers of one header; the rest of the 13 fields are always 0. */
struct cpio_entry {
	uint32_t ino;
	uint32_t mode;
	uint32_t nlink;
	uint32_t size_bytes;
	uint32_t rdev_major;
	uint32_t rdev_minor;
};

/* Write all LEN bytes to FD, riding out EINTR and short writes. */
static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* no progress and no error: do not spin */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
cpio_flush(struct cpio_writer *w)
{
	int r;

	if (w->err)
		return w->err;
	r = write_all(w->fd, w->buf, w->used_bytes);
	if (r < 0) {
		w->err = r;
		return r;
	}
	w->used_bytes = 0;
	return 0;
}

/* Append LEN bytes to the output, flushing the buffer whenever it fills. */
static int
cpio_put(struct cpio_writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (w->err)
		return w->err;
	while (len > 0) {
		size_t room = CPIO_BUF_BYTES - w->used_bytes;
		size_t n = len < room ? len : room;

		memcpy(w->buf + w->used_bytes, p, n);
		w->used_bytes += n;
		w->total_bytes += n;
		p += n;
		len -= n;
		if (w->used_bytes == CPIO_BUF_BYTES && cpio_flush(w) < 0)
			return w->err;
	}
	return 0;
}

/* Pad the output with NULs to the next multiple of 4 bytes. */
static int
cpio_pad4(struct cpio_writer *w)
{
	static const unsigned char zeros[4];
	size_t pad = (4 - (size_t)(w->total_bytes & 3)) & 3;

	return cpio_put(w, zeros, pad);
}

/*
 * Paths must be relative and non-empty: the kernel unpacks into the root
 * of rootfs and a leading '/' would only be stripped again, and an empty
 * name would make an entry nobody can refer to.
 */
static int
check_path(const char *path)
{
	if (path == NULL || path[0] == '\0' || path[0] == '/')
		return -EINVAL;
	/* An entry of the trailer's name ends the archive for every reader
	 * (the kernel's too): the entries after it would silently vanish. */
	if (strcmp(path, CPIO_TRAILER) == 0)
		return -EINVAL;
	if (strlen(path) + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int
cpio_header(struct cpio_writer *w, const struct cpio_entry *e, const char *name)
{
	char hdr[CPIO_HDR_BYTES + 1];
	size_t namesize = strlen(name) + 1; /* the NUL is part of the name */
	int r;

	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
	    e->ino, e->mode, 0u /* uid */, 0u /* gid */, e->nlink, 0u /* mtime */, e->size_bytes,
	    0u, 0u /* dev major, minor */, e->rdev_major, e->rdev_minor, (unsigned)namesize,
	    0u /* check */);
	if ((r = cpio_put(w, hdr, CPIO_HDR_BYTES)) < 0 || (r = cpio_put(w, name, namesize)) < 0)
		return r;
	return cpio_pad4(w);
}

/* Start a new entry: validate, take the next inode number, write the header. */
static int
cpio_begin(struct cpio_writer *w, const char *path, uint32_t mode, uint32_t nlink, uint64_t size,
    unsigned int major, unsigned int minor)
{
	struct cpio_entry e;
	int r;

	if (w->err)
		return w->err;
	if ((r = check_path(path)) < 0)
		return r;
	/* newc has 32-bit size fields; anything bigger cannot be described. */
	if (size > UINT32_MAX)
		return -EFBIG;
	e.ino = w->next_ino++;
	e.mode = mode;
	e.nlink = nlink;
	e.size_bytes = (uint32_t)size;
	e.rdev_major = major;
	e.rdev_minor = minor;
	return cpio_header(w, &e, path);
}

int
cpio_writer_new(struct cpio_writer **out, int fd, uint32_t ino_base)
{
	struct cpio_writer *w;

	*out = NULL;
	if (fd < 0)
		return -EBADF;
	w = malloc(sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->fd = fd;
	w->next_ino = ino_base;
	w->err = 0;
	w->total_bytes = 0;
	w->used_bytes = 0;
	*out = w;
	return 0;
}

/*
 * Permission arguments are masked to the permission bits so a caller can
 * pass st_mode straight from stat(2) without smuggling in a file type.
 */
int
cpio_add_dir(struct cpio_writer *w, const char *path, mode_t perm)
{
	return cpio_begin(w, path, S_IFDIR | (perm & 07777), 2, 0, 0, 0);
}

int
cpio_add_file(struct cpio_writer *w, const char *path, mode_t perm, const void *data, size_t len)
{
	int r;

	if (len > 0 && data == NULL)
		return -EINVAL;
	if ((r = cpio_begin(w, path, S_IFREG | (perm & 07777), 1, len, 0, 0)) < 0)
		return r;
	if ((r = cpio_put(w, data, len)) < 0)
		return r;
	return cpio_pad4(w);
}

/*
 * Read up to LEN bytes of SRCFD at OFF into the writer's buffer.  pread
 * keeps the caller's file offset alone; a pipe cannot pread, and then the
 * stream is simply read from where it is.
 */
static ssize_t
read_some(int srcfd, void *buf, size_t len, uint64_t off, bool *use_read)
{
	ssize_t n;

	for (;;) {
		if (*use_read)
			n = read(srcfd, buf, len);
		else
			n = pread(srcfd, buf, len, (off_t)off);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == ESPIPE && !*use_read) {
			*use_read = true;
			continue;
		}
		return -errno;
	}
}

int
cpio_add_file_fd(struct cpio_writer *w, const char *path, mode_t perm, int srcfd, uint64_t size)
{
	uint64_t off = 0;
	bool use_read = false;
	int r;

	if (srcfd < 0)
		return -EBADF;
	if ((r = cpio_begin(w, path, S_IFREG | (perm & 07777), 1, size, 0, 0)) < 0)
		return r;
	while (off < size) {
		uint64_t want = size - off;
		size_t room;
		ssize_t n;

		if (w->used_bytes == CPIO_BUF_BYTES && cpio_flush(w) < 0)
			return w->err;
		room = CPIO_BUF_BYTES - w->used_bytes;
		if (want > room)
			want = room;
		n = read_some(srcfd, w->buf + w->used_bytes, (size_t)want, off, &use_read);
		/*
		 * The header already promised SIZE bytes, so a short or
		 * failing source leaves the archive broken: make it sticky.
		 */
		if (n < 0) {
			w->err = (int)n;
			return w->err;
		}
		if (n == 0) {
			w->err = -EIO;
			return w->err;
		}
		w->used_bytes += (size_t)n;
		w->total_bytes += (uint64_t)n;
		off += (uint64_t)n;
	}
	return cpio_pad4(w);
}

int
cpio_add_symlink(struct cpio_writer *w, const char *path, const char *target)
{
	size_t len;
	int r;

	if (target == NULL || target[0] == '\0')
		return -EINVAL;
	len = strlen(target);
	/* The target is the entry's data, without a NUL. */
	if ((r = cpio_begin(w, path, S_IFLNK | 0777, 1, len, 0, 0)) < 0)
		return r;
	if ((r = cpio_put(w, target, len)) < 0)
		return r;
	return cpio_pad4(w);
}

int
cpio_add_chardev(struct cpio_writer *w, const char *path, mode_t perm, unsigned int major,
    unsigned int minor)
{
	return cpio_begin(w, path, S_IFCHR | (perm & 07777), 1, 0, major, minor);
}

int64_t
cpio_writer_finish(struct cpio_writer *w)
{
	struct cpio_entry trailer = { .nlink = 1 };
	int64_t ret;
	int r;

	if ((r = cpio_header(w, &trailer, CPIO_TRAILER)) < 0 || (r = cpio_flush(w)) < 0)
		ret = r;
	else
		ret = (int64_t)w->total_bytes;
	free(w);
	return ret;
}

void
cpio_writer_free(struct cpio_writer *w)
{
	free(w);
}
