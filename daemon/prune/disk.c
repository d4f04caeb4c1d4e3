/*
 * disk.c -- a job directory's size, and removing one (see disk.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prune/disk.h"

/* Job directories are a few levels deep (artifacts/TEST/PATH...); a
 * deeper tree is still walked, only not past this. */
#define DEPTH_MAX 64

/* Walk directory FD (taken over): add sizes to *BYTES and, when REMOVE,
 * unlink what is in it.  The first negative errno, or 0. */
static int
walk(int fd, int depth, bool remove, int64_t *bytes)
{
	DIR *dh = fdopendir(fd);
	struct dirent *de;
	struct stat st;
	int err = 0, e;

	if (dh == NULL) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = depth < DEPTH_MAX
			    ? openat(dirfd(dh), de->d_name,
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			    : -1;

			e = sub >= 0 ? walk(sub, depth + 1, remove, bytes) : -ELOOP;
			if (e == 0 && remove && unlinkat(dirfd(dh), de->d_name, AT_REMOVEDIR) != 0)
				e = -errno;
		} else {
			e = remove && unlinkat(dirfd(dh), de->d_name, 0) != 0 ? -errno : 0;
		}
		if (e < 0 && err == 0)
			err = e;
		if (e == 0 || !remove)
			*bytes += (int64_t)st.st_blocks * 512;
	}
	closedir(dh);
	return err;
}

int64_t
prune_dir_bytes(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int64_t bytes = 0;

	if (fd < 0)
		return 0;
	walk(fd, 0, false, &bytes);
	return bytes;
}

int
prune_dir_remove(const char *path, int64_t *bytes)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int err;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = walk(fd, 0, true, bytes);
	if (err == 0 && rmdir(path) != 0)
		err = -errno;
	return err;
}
