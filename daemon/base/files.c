/*
 * files.c -- copying a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/files.h"

int
files_copy(const char *from, const char *to)
{
	int in, out, err = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (n < 0)
		err = -errno;
	close(in);
	if (close(out) != 0 && err == 0)
		err = -errno;
	return err;
}

int
files_copy_sparse(const char *from, const char *to)
{
	struct stat st;
	int in, out, err = 0;
	off_t off = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || fstat(in, &st) != 0) {
		err = -errno;
		if (out >= 0)
			close(out);
		close(in);
		return err;
	}
	/* Each run of data, at its own offset; what lies between stays a
	 * hole in TO, which ends as long as FROM. */
	while (off < st.st_size) {
		off_t data = lseek(in, off, SEEK_DATA), hole, at_in, at_out;

		if (data < 0) {
			if (errno != ENXIO)
				err = -errno;
			break;
		}
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0) {
			err = -errno;
			break;
		}
		at_in = at_out = data;
		while (at_in < hole) {
			ssize_t n = copy_file_range(in, &at_in, out, &at_out,
			    (size_t)(hole - at_in), 0);

			if (n <= 0) {
				err = n < 0 ? -errno : -EIO;
				break;
			}
		}
		if (err != 0)
			break;
		off = hole;
	}
	if (err == 0 && ftruncate(out, st.st_size) != 0)
		err = -errno;
	close(in);
	if (close(out) != 0 && err == 0)
		err = -errno;
	return err;
}
