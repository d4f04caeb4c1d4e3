/*
 * spawn-helper.c -- pkvmd-spawn: exec a command that dies with pkvmd.
 *
 * uv_spawn() runs no user code between fork() and exec(), so pkvmd cannot
 * set PR_SET_PDEATHSIG on qemu itself.  It spawns this helper instead:
 *
 *     pkvmd-spawn [--user USER] PARENT-PID COMMAND [ARG]...
 *
 * which asks the kernel to SIGKILL it when its parent dies, checks that the
 * parent is still PARENT-PID (it may have died between fork and prctl, in
 * which case the signal would never come), and execs COMMAND.  The death
 * signal survives execve(), so the qemu that replaces this process is killed
 * the moment pkvmd dies, even by SIGKILL.  pkvmd also records each qemu's
 * pid and start time and kills survivors at start-up, for the case where
 * the parent was not pkvmd itself.
 *
 * With --user (pkvmd's --qemu-user, pkvmd running as root) the helper
 * first becomes USER: its groups (initgroups), its gid and uid, real,
 * effective and saved alike, then PR_SET_NO_NEW_PRIVS so that no set-uid
 * program or file capability can raise it again, and checks that root is
 * out of reach.  That comes before the death signal because the kernel
 * clears a process's death signal when its credentials change.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Become USER for good; 0, or -1 after saying why on stderr. */
static int
become(const char *user)
{
	struct passwd *pw = getpwnam(user);
	uid_t r, e, s;

	if (pw == NULL) {
		fprintf(stderr, "pkvmd-spawn: no user '%s'\n", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		fprintf(stderr, "pkvmd-spawn: --user %s is root\n", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		fprintf(stderr, "pkvmd-spawn: cannot become %s: %s\n", user, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "pkvmd-spawn: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		return -1;
	}
	/* Paranoia about the calls above: every uid is USER's, and root
	 * cannot be had back. */
	if (getresuid(&r, &e, &s) != 0 || r != pw->pw_uid || e != pw->pw_uid || s != pw->pw_uid ||
	    setuid(0) == 0 || setgid(0) == 0) {
		fprintf(stderr, "pkvmd-spawn: %s could regain root\n", user);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char *end;
	long parent;

	if (argc >= 3 && strcmp(argv[1], "--user") == 0) {
		if (become(argv[2]) != 0)
			return 127;
		argc -= 2;
		argv += 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: pkvmd-spawn [--user USER] PARENT-PID COMMAND [ARG]...\n");
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
