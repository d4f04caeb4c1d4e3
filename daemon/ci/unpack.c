/*
 * unpack.c -- an archive into a directory, trusting nothing in it.
 *
 * libarchive reads (zip, or tar with or without gzip, bzip2, xz or zstd,
 * told apart by content); the writing is ours, with openat()/mkdirat()
 * relative to the destination's directory fd.  We do not use
 * archive_write_disk: it resolves paths against the process's working
 * directory, which on the thread pool belongs to the whole daemon (chdir
 * is process-wide), and its SECURE_* flags then either refuse the absolute
 * paths we would have to give it or check the ancestors of the work
 * directory too.  Our own writer makes the same promises more simply:
 *
 * - only regular files and directories are created, and hard links to a
 *   file the archive made earlier; a symbolic link of any kind is refused,
 *   so no path can lead out of the tree later, whatever reads it (that a
 *   link "stays inside" cannot be checked by its text alone once links
 *   point at links), and a job's files become blobs, which are plain files;
 * - a path that is absolute or has a ".." component is refused; every
 *   directory on the way is opened with O_NOFOLLOW and every file created
 *   with O_EXCL | O_NOFOLLOW, so nothing is overwritten or followed;
 * - devices, fifos and sockets are refused;
 * - permissions are 0644, or 0755 when the owner may execute: no setuid,
 *   setgid or sticky bit, no owner taken from the archive;
 * - the bytes actually written (not the sizes headers claim) and the
 *   entries are charged to a budget, so a zip bomb stops at the cap.
 *
 * Only filters whose library is linked into libarchive are enabled: for a
 * missing one libarchive would run an external program (lrzip, lzop, ...)
 * on input from the network.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "ci/unpack.h"

/* libarchive's read block: what one read() of the archive asks for. */
#define READ_BLOCK_BYTES (64 * 1024)

static int
fail(char *why, size_t why_len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return err;
}

int
ci_path_clean(const char *path, char *out, size_t out_len)
{
	size_t n = 0;

	if (path == NULL || out_len == 0)
		return -EINVAL;
	if (path[0] == '/')
		return -EPERM;
	for (const char *p = path; *p != '\0';) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EPERM;
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (n + (n > 0) + len + 1 > out_len)
				return -ENAMETOOLONG;
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
		p += *p == '/';
	}
	out[n] = '\0';
	return n > 0 ? 0 : -EINVAL;
}

static bool
is_tar_name(const char *path)
{
	static const char *const suffixes[] = { ".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst",
		NULL };
	size_t n = strlen(path);

	for (size_t i = 0; suffixes[i] != NULL; i++) {
		size_t s = strlen(suffixes[i]);

		if (n > s && strcmp(path + n - s, suffixes[i]) == 0)
			return true;
	}
	return false;
}

/* The directory of the first DIR_LEN bytes of PATH, made where missing,
 * opened without following a link; a fd, or negative errno. */
static int
open_parent(int root_fd, const char *path, size_t dir_len)
{
	char comp[NAME_MAX + 1];
	int fd = dup(root_fd);

	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < dir_len;) {
		size_t len = strcspn(path + off, "/");
		int next;

		if (len > NAME_MAX) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(comp, path + off, len);
		comp[len] = '\0';
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			int err = -errno;

			close(fd);
			return err;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return errno == ELOOP ? -ENOTDIR : -errno;
		fd = next;
		off += len + 1;
	}
	return fd;
}

/* The body of the current entry into FD, charged to B. */
static int
write_data(struct archive *a, int fd, const char *path, struct ci_unpack_budget *b, char *why,
    size_t why_len)
{
	int64_t end = 0; /* how far the file reaches */
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r;

	while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
		int64_t reach = (int64_t)offset + (int64_t)size;

		if (offset < 0)
			return fail(why, why_len, -EINVAL, "'%s': a negative offset", path);
		if (reach > end) {
			if (reach - end > b->bytes_left)
				return fail(why, why_len, -EFBIG,
				    "'%s' takes the unpacked contents over the cap", path);
			b->bytes_left -= reach - end;
			end = reach;
		}
		for (size_t done = 0; done < size;) {
			ssize_t w = pwrite(fd, (const char *)buf + done, size - done,
			    (off_t)offset + (off_t)done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return fail(why, why_len, w < 0 ? -errno : -EIO, "'%s': %s", path,
				    strerror(w < 0 ? errno : EIO));
			done += (size_t)w;
		}
	}
	if (r != ARCHIVE_EOF)
		return fail(why, why_len, -EINVAL, "'%s': %s", path,
		    archive_error_string(a) ? archive_error_string(a) : "cannot be read");
	/* A sparse file's last hole is a size, not a block. */
	if (ftruncate(fd, (off_t)end) < 0)
		return fail(why, why_len, -errno, "'%s': %s", path, strerror(errno));
	return 0;
}

/* The current entry E, whose clean path is PATH. */
static int
take_entry(struct archive *a, struct archive_entry *e, const char *path, int root_fd,
    struct ci_unpack_budget *b, char *why, size_t why_len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	size_t dir_len = slash != NULL ? (size_t)(slash - path) : 0;
	mode_t type = archive_entry_filetype(e);
	const char *link = archive_entry_hardlink(e);
	char target[4096];
	int dir_fd, fd, r;

	if (archive_entry_symlink(e) != NULL || type == AE_IFLNK)
		return fail(why, why_len, -EPERM,
		    "'%s' is a symbolic link (to '%s'): links are not taken", path,
		    archive_entry_symlink(e) ? archive_entry_symlink(e) : "?");
	if (link == NULL && type != AE_IFREG && type != AE_IFDIR)
		return fail(why, why_len, -EPERM,
		    "'%s' is a device, fifo or socket: only files and directories are taken", path);
	if (type == AE_IFDIR) {
		/* Made by open_parent() as a parent of a last component. */
		dir_fd = open_parent(root_fd, path, strlen(path));
		if (dir_fd < 0)
			return fail(why, why_len, dir_fd, "'%s': %s", path, strerror(-dir_fd));
		close(dir_fd);
		return 0;
	}
	if ((dir_fd = open_parent(root_fd, path, dir_len)) < 0)
		return fail(why, why_len, dir_fd, "'%s': %s", path, strerror(-dir_fd));
	if (link != NULL) {
		struct stat st;

		/* A hard link names a file of the same tree: checked like a
		 * path, and it must be a regular file the archive made. */
		if ((r = ci_path_clean(link, target, sizeof(target))) < 0 ||
		    fstatat(root_fd, target, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode)) {
			close(dir_fd);
			return fail(why, why_len, -EPERM,
			    "'%s' is a hard link to '%s', not to a file of the archive", path,
			    link);
		}
		r = linkat(root_fd, target, dir_fd, base, 0) < 0 ? -errno : 0;
		close(dir_fd);
		if (r < 0)
			return fail(why, why_len, r, "'%s': %s", path,
			    r == -EEXIST ? "is in the archive twice" : strerror(-r));
		return 0;
	}
	fd = openat(dir_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	r = fd < 0 ? -errno : 0;
	close(dir_fd);
	if (r < 0)
		return fail(why, why_len, r, "'%s': %s", path,
		    r == -EEXIST ? "is in the archive twice" : strerror(-r));
	r = write_data(a, fd, path, b, why, why_len);
	if (r == 0 && fchmod(fd, (archive_entry_perm(e) & 0100) ? 0755 : 0644) < 0)
		r = fail(why, why_len, -errno, "'%s': %s", path, strerror(errno));
	close(fd);
	return r;
}

/* Enable what we read: see the top of the file for why not *_all(). */
static struct archive *
reader_new(void)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		return NULL;
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	if (archive_zlib_version() != NULL)
		archive_read_support_filter_gzip(a);
	if (archive_bzlib_version() != NULL)
		archive_read_support_filter_bzip2(a);
	/* xz, not the headerless .lzma: its bidder guesses from any 13
	 * bytes, so a zip's damaged head was taken for one and liblzma
	 * reserved the dictionary that head named (up to 4 GiB, 140 ms of
	 * ASan poisoning per input in bench/fuzz). */
	if (archive_liblzma_version() != NULL)
		archive_read_support_filter_xz(a);
	if (archive_libzstd_version() != NULL)
		archive_read_support_filter_zstd(a);
	return a;
}

int
ci_unpack(const char *archive, int dir_fd, struct ci_unpack_budget *b, struct ci_unpack_seen *seen,
    char *why, size_t why_len)
{
	struct archive *a = reader_new();
	struct archive_entry *e;
	char path[4096];
	bool first = true;
	int r = 0;

	if (a == NULL)
		return fail(why, why_len, -ENOMEM, "out of memory");
	if (archive_read_open_filename(a, archive, READ_BLOCK_BYTES) != ARCHIVE_OK) {
		r = fail(why, why_len, archive_format(a) == 0 ? -ENOEXEC : -EINVAL, "%s",
		    archive_error_string(a) ? archive_error_string(a) : "cannot be read");
		goto out;
	}
	for (;;) {
		const char *name;
		int h = archive_read_next_header(a, &e);

		if (h == ARCHIVE_EOF)
			break;
		/* No format took the file: it is not an archive we read. */
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN && first && archive_format(a) == 0) {
			r = fail(why, why_len, -ENOEXEC, "not a zip or tar archive");
			goto out;
		}
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			r = fail(why, why_len, -EINVAL, "a corrupt archive: %s",
			    archive_error_string(a) ? archive_error_string(a) : "?");
			goto out;
		}
		first = false;
		/* Checked before it is charged, like the bytes: a budget
		 * shared by a push's archives never goes below zero. */
		if (b->entries_left <= 0) {
			r = fail(why, why_len, -EFBIG, "more entries than the cap allows");
			goto out;
		}
		b->entries_left--;
		name = archive_entry_pathname_utf8(e);
		if (name == NULL)
			name = archive_entry_pathname(e);
		r = ci_path_clean(name, path, sizeof(path));
		if (r == -EINVAL) {
			/* "./" or "": the root itself, which is no refusal
			 * even as the last entry. */
			r = 0;
			continue;
		}
		if (r < 0) {
			r = fail(why, why_len, r == -EPERM ? -EPERM : r, "'%s': %s",
			    name ? name : "(no name)",
			    r == -EPERM ? "an absolute path or a '..' component" : strerror(-r));
			goto out;
		}
		seen->entries++;
		if (seen->n < CI_UNPACK_SEEN_MAX)
			snprintf(seen->names[seen->n++], sizeof(seen->names[0]), "%s%s", path,
			    archive_entry_filetype(e) == AE_IFDIR ? "/" : "");
		if ((r = take_entry(a, e, path, dir_fd, b, why, why_len)) < 0)
			goto out;
		if (archive_entry_filetype(e) == AE_IFREG && archive_entry_hardlink(e) == NULL &&
		    is_tar_name(path) && seen->tars++ == 0)
			snprintf(seen->tar, sizeof(seen->tar), "%s", path);
	}
out:
	archive_read_free(a);
	return r;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
ci_tree_remove(const char *path)
{
	int r = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	if (r < 0)
		return errno == ENOENT ? 0 : -errno;
	return r;
}
