/*
 * files.c -- copying a file.
 */
#include <errno.h>
#include <fcntl.h>
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
