/*
 * monitor-policy.c -- the allow-list of QEMU monitor commands
 * (monitor-policy.h).
 *
 * An allow-list rather than a deny-list: QEMU adds monitor commands with
 * every release, and a new one that opens a host file must not pass just
 * because nobody listed it.  The lists below act on the guest alone: read
 * its state, stop and start its CPUs, press its buttons, read and write
 * its memory and I/O ports.  The line is split on blanks; QEMU's own
 * parser sees the same words.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "job/monitor-policy.h"

/* Commands anyone who may change the job may send. */
static const char *const plain_allowed[] = {
	"stop",
	"cont",
	"c",
	"system_wakeup",
	"system_powerdown",
	"system_reset",
	"nmi",
	"sendkey",
	"x",
	"xp",
	"print",
	"p",
	"gva2gpa",
	"i",
	"o",
	"help",
	"?",
	"info",
	"singlestep",
	"sync-profile",
	NULL,
};

/* `info` subcommands that name nothing of the host's (no paths, no
 * sockets): `info block` and `info chardev` are left out for that. */
static const char *const info_allowed[] = {
	"registers",
	"status",
	"cpus",
	"mtree",
	"qtree",
	"mem",
	"tlb",
	"irq",
	"pic",
	"version",
	"kvm",
	"jit",
	"numa",
	"memory_size_summary",
	"hotpluggable-cpus",
	"iothreads",
	"qom-tree",
	"name",
	"uuid",
	"balloon",
	"history",
	"memdev",
	"memory-devices",
	"opcount",
	"profile",
	"lapic",
	"cmma",
	"skeys",
	"sev",
	"dirty_rate",
	"replay",
	"vm-generation-id",
	NULL,
};

static bool
in_list(const char *const *list, const char *w)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return true;
	return false;
}

bool
monitor_file_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > MONITOR_FILE_NAME_MAX || name[0] == '.')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    n;
}

/* Split LINE (a copy in BUF) into at most MAX words; the count, or -1 when
 * there are more. */
static int
split(char *buf, char **w, int max)
{
	int n = 0;

	for (char *s = strtok(buf, " \t"); s != NULL; s = strtok(NULL, " \t")) {
		if (n == max)
			return -1;
		w[n++] = s;
	}
	return n;
}

/* dump-guest-memory [-p|-z|-l|-s] NAME, nothing else (no begin/length:
 * the dump is the whole guest, the size cap counts on that). */
static int
plan_dump(char **w, int n, struct monitor_plan *p, const char **cause)
{
	if (n == 3 &&
	    (strcmp(w[1], "-p") == 0 || strcmp(w[1], "-z") == 0 || strcmp(w[1], "-l") == 0 ||
		strcmp(w[1], "-s") == 0)) {
		snprintf(p->command, sizeof(p->command), "%s", w[1]);
		w[1] = w[2];
		n = 2;
	}
	if (n != 2) {
		*cause = "dump-guest-memory takes [-p|-z|-l|-s] and one file name";
		return -EINVAL;
	}
	if (!monitor_file_name_valid(w[1])) {
		*cause = "the file is a name in the job directory: 1-100 of A-Z a-z 0-9 . _ -, "
			 "not starting with '.'";
		return -EINVAL;
	}
	p->kind = MONITOR_DUMP;
	snprintf(p->file, sizeof(p->file), "%s", w[1]);
	return 0;
}

int
monitor_policy_plan(const char *line, bool admin, struct monitor_plan *p, const char **cause)
{
	char buf[MONITOR_COMMAND_MAX + 1];
	char *w[64];
	const char *s = line;
	size_t len;
	int n;

	*cause = NULL;
	memset(p, 0, sizeof(*p));
	s += strspn(s, " \t");
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0) {
		*cause = "the command is empty";
		return -EINVAL;
	}
	if (len > MONITOR_COMMAND_MAX || strpbrk(line, "\n\r") != NULL) {
		*cause = "the command must be one line of at most 1024 characters";
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	snprintf(p->command, sizeof(p->command), "%s", buf);
	n = split(buf, w, 64);
	if (n <= 0) {
		*cause = "too many words in the command";
		return -EINVAL;
	}
	if (strcmp(w[0], "dump-guest-memory") == 0 || strcmp(w[0], "screendump") == 0) {
		if (!admin) {
			*cause = "commands that write host files are for admins";
			return -EPERM;
		}
		if (w[0][0] == 'd') {
			p->command[0] = '\0';
			return plan_dump(w, n, p, cause);
		}
		if (n != 2 || !monitor_file_name_valid(w[1])) {
			*cause = "screendump takes one file name: 1-100 of A-Z a-z 0-9 . _ -, not "
				 "starting with '.'";
			return -EINVAL;
		}
		p->kind = MONITOR_SCREENDUMP;
		snprintf(p->file, sizeof(p->file), "%s", w[1]);
		return 0;
	}
	if (strcmp(w[0], "migrate") == 0 || strcmp(w[0], "migrate_incoming") == 0) {
		/* QEMU 7.2 migrates to a file only through exec: (a shell, which
		 * the sandbox forbids) or a socket; see docs/INTERACTIVE.md. */
		*cause = "migrate is not offered: it would need a host socket or program";
		return -EPERM;
	}
	if (admin)
		return 0;
	if (!in_list(plain_allowed, w[0])) {
		*cause = "that monitor command is not on the allow-list (docs/INTERACTIVE.md)";
		return -EPERM;
	}
	if (strcmp(w[0], "info") == 0 && (n < 2 || !in_list(info_allowed, w[1]))) {
		*cause = "that info subcommand is not on the allow-list (docs/INTERACTIVE.md)";
		return -EPERM;
	}
	return 0;
}
