/*
 * state-lock.c -- the state directory's lock file (see state-lock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "state-lock.h"

#define LOCK_NAME "pkvmd.lock"
#define PID_TEXT_MAX 24

/* The pid written in lock file FD, 0 when there is none yet. */
static pid_t
read_pid(int fd)
{
	char buf[PID_TEXT_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long v;
	char *end;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || v <= 0 || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

int
state_lock(const char *dir, int *fd, pid_t *holder)
{
	char path[PATH_MAX];
	int f;

	*fd = -1;
	*holder = 0;
	if (snprintf(path, sizeof(path), "%s/" LOCK_NAME, dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f < 0)
		return -errno;
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		if (err == -EBUSY)
			*holder = read_pid(f);
		close(f);
		return err;
	}
	*fd = f;
	return state_lock_write_pid(f);
}

int
state_lock_write_pid(int fd)
{
	char buf[PID_TEXT_MAX];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return -errno;
	return 0;
}
