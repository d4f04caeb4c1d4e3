/*
 * procs.c -- /proc/PID/stat parsing for survivor detection.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/procs.h"

int
procs_starttime(pid_t pid, uint64_t *out)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and ')': skip to the
	 * last ')'; field 3 follows it. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -EIO;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return -EIO;
	}
	errno = 0;
	*out = strtoull(p + 1, &end, 10);
	if (errno != 0 || end == p + 1)
		return -EIO;
	return 0;
}

int
procs_kill_survivor(pid_t pid, uint64_t starttime_ticks)
{
	uint64_t now;
	int err;

	if (pid <= 1)
		return 0;
	err = procs_starttime(pid, &now);
	if (err == -ENOENT || err == -ESRCH)
		return 0;
	if (err < 0)
		return err;
	if (now != starttime_ticks)
		return 0;
	if (kill(pid, SIGKILL) != 0)
		return errno == ESRCH ? 0 : -errno;
	return 1;
}
