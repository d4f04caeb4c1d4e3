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

/* One of /proc/net/tcp{,6}: an established connection whose local port
 * is PORT (the stub's side of it). */
static int
tcp_table_has(const char *path, int port)
{
	char line[512], local[64];
	unsigned lport, state;
	FILE *f = fopen(path, "re");
	int found = 0;

	if (f == NULL)
		return -errno;
	/* "sl local_address rem_address st ...", addresses as HEX:PORT. */
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *colon;

		if (sscanf(line, " %*s %63s %*s %x", local, &state) != 2)
			continue;
		colon = strrchr(local, ':');
		if (colon == NULL || sscanf(colon + 1, "%x", &lport) != 1)
			continue;
		found = lport == (unsigned)port && state == 0x01; /* TCP_ESTABLISHED */
	}
	fclose(f);
	return found;
}

int
procs_tcp_port_connected(int port)
{
	int r4 = tcp_table_has("/proc/net/tcp", port);
	int r6 = tcp_table_has("/proc/net/tcp6", port);

	if (r4 > 0 || r6 > 0)
		return 1;
	return r4 < 0 && r6 < 0 ? r4 : 0;
}
