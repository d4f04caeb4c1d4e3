/*
 * qemu-user.c -- the user qemu runs as, and what it may open.
 *
 * pkvmd running as root (a desk demo, a lab server not under systemd's
 * User=) would otherwise run every qemu as root: a qemu escape would own
 * the machine.  With --qemu-user USER, pkvmd-spawn drops each qemu to USER
 * (initgroups, setgid, setuid, no new privileges) before exec.  The
 * console, stdin and stderr are descriptors pkvmd opened, so qemu needs
 * nothing for them; what it opens by path is:
 *
 *   the kernel blob     STATE/blobs/xx/SHA256, read (shared by jobs)
 *   the initrd          STATE/jobs/N/initrd, read
 *   UEFI firmware code  the distribution's file, read
 *   UEFI variables      STATE/jobs/N/vars.fd, read and written
 *
 * and the directories above them, searched.  pkvmd makes its state
 * directory 0750, so USER's group gets search (only) on it and on jobs/
 * at start-up, and per job what the files lack.  Access is worked out
 * from owner, group and mode bits as the kernel does without ACLs; a file
 * or directory that is not pkvmd's is never changed, only reported.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/qemu-user.h"

int
qemu_user_lookup(const char *name, struct qemu_user *u, char **cause)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int n = QEMU_USER_GROUPS_MAX;

	*cause = NULL;
	memset(u, 0, sizeof(*u));
	if (geteuid() != 0) {
		if (asprintf(cause,
			"--qemu-user %s needs pkvmd to run as root (it runs as uid %u): an "
			"unprivileged pkvmd runs qemu as itself",
			name, (unsigned)geteuid()) < 0)
			*cause = NULL;
		return -EPERM;
	}
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		if (asprintf(cause, "--qemu-user: no user '%s'", name) < 0)
			*cause = NULL;
		return -ENOENT;
	}
	if (pw.pw_uid == 0) {
		if (asprintf(cause, "--qemu-user %s: that is root, which qemu would run as anyway",
			name) < 0)
			*cause = NULL;
		return -EINVAL;
	}
	snprintf(u->name, sizeof(u->name), "%s", pw.pw_name);
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	/* More groups than we keep: the rest give no access here (the
	 * checks below are then stricter than the kernel, never looser). */
	if (getgrouplist(pw.pw_name, pw.pw_gid, u->groups, &n) < 0)
		n = QEMU_USER_GROUPS_MAX;
	u->ngroups = n;
	return 0;
}

static bool
in_groups(const struct qemu_user *u, gid_t gid)
{
	if (gid == u->gid)
		return true;
	for (int i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return true;
	return false;
}

/* The rwx bits (4, 2, 1) that apply to U on ST: owner, else group, else other. */
static int
bits_for(const struct qemu_user *u, const struct stat *st)
{
	if (st->st_uid == u->uid)
		return (st->st_mode >> 6) & 7;
	if (in_groups(u, st->st_gid))
		return (st->st_mode >> 3) & 7;
	return st->st_mode & 7;
}

static int
to_bits(int access)
{
	return ((access & R_OK) ? 4 : 0) | ((access & W_OK) ? 2 : 0) | ((access & X_OK) ? 1 : 0);
}

static int
say(char **cause, int err, const char *fmt, const char *user, const char *path, mode_t mode,
    const char *what)
{
	if (asprintf(cause, fmt, user, path, (unsigned)(mode & 07777), what) < 0)
		*cause = NULL;
	return err;
}

/* Every directory above PATH (made absolute) searchable by U. */
static int
check_above(const struct qemu_user *u, const char *path, char *real, char **cause)
{
	struct stat st;
	char *slash;

	/* The file may not exist yet, but its directory does. */
	snprintf(real, PATH_MAX, "%s", path);
	slash = strrchr(real, '/');
	if (slash != NULL && slash != real)
		*slash = '\0';
	else if (slash == NULL)
		snprintf(real, PATH_MAX, ".");
	{
		char dir[PATH_MAX];

		if (realpath(real, dir) == NULL) {
			int err = -errno;

			if (asprintf(cause, "cannot resolve %s: %s", real, strerror(-err)) < 0)
				*cause = NULL;
			return err;
		}
		snprintf(real, PATH_MAX, "%s", dir);
	}
	/* From the root down: "/", "/a", "/a/b", ... */
	for (char *p = real;; p = slash + 1) {
		slash = strchr(p, '/');
		if (slash != NULL)
			*slash = '\0';
		if (stat(real[0] != '\0' ? real : "/", &st) != 0) {
			int err = -errno;

			if (asprintf(cause, "cannot stat %s: %s", real, strerror(-err)) < 0)
				*cause = NULL;
			return err;
		}
		if ((bits_for(u, &st) & 1) == 0)
			return say(cause, -EACCES, "qemu user '%s' cannot search %s (mode %04o)%s",
			    u->name, real[0] != '\0' ? real : "/", st.st_mode,
			    ": give it search permission (chmod o+x or a group)");
		if (slash == NULL)
			break;
		*slash = '/';
	}
	return 0;
}

int
qemu_user_check(const struct qemu_user *u, const char *path, int access, char **cause)
{
	char real[PATH_MAX];
	struct stat st;
	int err, want = to_bits(access);

	*cause = NULL;
	if ((err = check_above(u, path, real, cause)) < 0)
		return err;
	if (stat(path, &st) != 0) {
		err = -errno;
		if (asprintf(cause, "cannot stat %s: %s", path, strerror(-err)) < 0)
			*cause = NULL;
		return err;
	}
	if ((bits_for(u, &st) & want) != want)
		return say(cause, -EACCES, "qemu user '%s' cannot use %s (mode %04o)%s", u->name,
		    path, st.st_mode, ": make it readable to that user");
	return 0;
}

int
qemu_user_grant(const struct qemu_user *u, const char *path, int access, char **cause)
{
	char real[PATH_MAX];
	struct stat st;
	int err, want = to_bits(access);
	mode_t mode;

	*cause = NULL;
	if ((err = check_above(u, path, real, cause)) < 0)
		return err;
	if (stat(path, &st) != 0) {
		err = -errno;
		if (asprintf(cause, "cannot stat %s: %s", path, strerror(-err)) < 0)
			*cause = NULL;
		return err;
	}
	if ((bits_for(u, &st) & want) == want)
		return 0;
	if (st.st_uid != geteuid())
		return say(cause, -EACCES, "qemu user '%s' cannot use %s (mode %04o)%s", u->name,
		    path, st.st_mode, ", which is not pkvmd's to change");
	/* The group bits become exactly what U needs, so the group sees no
	 * more than qemu does: search only, on a directory. */
	mode = (st.st_mode & 07707) | (mode_t)(want << 3);
	if (chown(path, (uid_t)-1, u->gid) != 0 || chmod(path, mode) != 0) {
		err = -errno;
		if (asprintf(cause, "cannot give %s to qemu user '%s': %s", path, u->name,
			strerror(-err)) < 0)
			*cause = NULL;
		return err;
	}
	return 0;
}
