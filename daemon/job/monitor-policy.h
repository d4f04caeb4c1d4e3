/*
 * monitor-policy.h -- which QEMU monitor commands a job's owner may send
 * (pkvmctl monitor, POST /v1/jobs/ID/monitor), and how a command that
 * writes a host file is made to write into the job's directory.
 *
 * The human monitor can open host files and devices (drive_add,
 * chardev-add, netdev_add, migrate "exec:...", dump-guest-memory to any
 * path), so nothing passes by default: a command passes only when its
 * first word (and, for `info`, its second) is on the allow-list of
 * commands that act on the guest alone.  Three commands write a file and
 * are the admin's only: dump-guest-memory and screendump, whose file
 * argument is a plain name (the file lands in the job directory, as a job
 * artifact under "_monitor/") and nothing else, and `migrate`, refused
 * to everyone (see docs/INTERACTIVE.md).  An admin may send anything
 * else too: admins already pass any qemu argument.
 */
#ifndef PKVM_MONITOR_POLICY_H
#define PKVM_MONITOR_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* A monitor command line's longest; the API refuses longer ones. */
#define MONITOR_COMMAND_MAX 1024
/* A file name a file-writing command may be given. */
#define MONITOR_FILE_NAME_MAX 100

enum monitor_kind {
	MONITOR_PLAIN, /* sent as it is */
	MONITOR_DUMP, /* dump-guest-memory into a file pkvmd opens and passes */
	MONITOR_SCREENDUMP, /* screendump into a path in the job directory */
};

struct monitor_plan {
	enum monitor_kind kind;
	/* MONITOR_PLAIN: the command, trimmed.  MONITOR_DUMP: its flags
	 * ("-p", "-z", ... or ""), the file argument left out. */
	char command[MONITOR_COMMAND_MAX + 1];
	char file[MONITOR_FILE_NAME_MAX + 1]; /* the file's name, for the others */
};

/* Check LINE for a caller who is ADMIN (or not) and fill *P: 0, -EINVAL
 * for an empty or malformed line, -EPERM for a command the caller may not
 * send; *CAUSE (static text, or NULL) says why. */
int monitor_policy_plan(const char *line, bool admin, struct monitor_plan *p, const char **cause);
/* Whether NAME may name a file a monitor command writes: 1-100 of
 * [A-Za-z0-9._-], not starting with '.'. */
bool monitor_file_name_valid(const char *name);

#endif
