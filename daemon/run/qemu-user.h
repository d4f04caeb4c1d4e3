/*
 * qemu-user.h -- the user qemu runs as when pkvmd runs as root.
 *
 * With --qemu-user USER, pkvmd-spawn drops qemu to USER and its groups
 * before exec (spawn-helper.c).  What qemu then opens by path -- the
 * kernel blob, the job's initrd, the UEFI firmware and the job's copy of
 * its variables, and the directories above them -- must be reachable by
 * USER; this file checks that and grants exactly what is missing.
 */
#ifndef PKVM_QEMU_USER_H
#define PKVM_QEMU_USER_H

#include <stdbool.h>
#include <sys/types.h>

/* The groups of USER we look at; more are ignored (no access through them). */
#define QEMU_USER_GROUPS_MAX 64

struct qemu_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[QEMU_USER_GROUPS_MAX];
	int ngroups;
};

/* Look NAME up to run qemu as: -EPERM when pkvmd is not root, -ENOENT for
 * an unknown user, -EINVAL for root itself; *CAUSE says which. */
int qemu_user_lookup(const char *name, struct qemu_user *u, char **cause);
/* Let U search every directory above PATH and have ACCESS (R_OK, W_OK,
 * X_OK bits) to PATH itself: what U lacks on a file or directory of
 * pkvmd's is given to U's group (its group set to U's, the group bits to
 * exactly what is needed); 0 or negative errno with *CAUSE. */
int qemu_user_grant(const struct qemu_user *u, const char *path, int access, char **cause);
/* Whether U may search every directory above PATH and have ACCESS to it,
 * changing nothing: 0 or -EACCES with *CAUSE naming what stops it. */
int qemu_user_check(const struct qemu_user *u, const char *path, int access, char **cause);

#endif
