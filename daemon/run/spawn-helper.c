/*
 * spawn-helper.c -- pkvmd-spawn: exec a command that dies with pkvmd.
 *
 * uv_spawn() runs no user code between fork() and exec(), so pkvmd cannot
 * set PR_SET_PDEATHSIG on qemu itself.  It spawns this helper instead:
 *
 *     pkvmd-spawn PARENT-PID COMMAND [ARG]...
 *
 * which asks the kernel to SIGKILL it when its parent dies, checks that the
 * parent is still PARENT-PID (it may have died between fork and prctl, in
 * which case the signal would never come), and execs COMMAND.  The death
 * signal survives execve(), so the qemu that replaces this process is killed
 * the moment pkvmd dies, even by SIGKILL.  pkvmd also records each qemu's
 * pid and start time and kills survivors at start-up, for the case where
 * the parent was not pkvmd itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char *end;
	long parent;

	if (argc < 3) {
		fprintf(stderr, "usage: pkvmd-spawn PARENT-PID COMMAND [ARG]...\n");
		return 127;
	}
	errno = 0;
	parent = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || parent <= 1) {
		fprintf(stderr, "pkvmd-spawn: invalid parent pid '%s'\n", argv[1]);
		return 127;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
		fprintf(stderr, "pkvmd-spawn: prctl: %s\n", strerror(errno));
		return 127;
	}
	if (getppid() != (pid_t)parent)
		return 127;
	execvp(argv[2], argv + 2);
	fprintf(stderr, "pkvmd-spawn: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}
