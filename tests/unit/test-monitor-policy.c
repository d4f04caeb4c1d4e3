/*
 * test-monitor-policy.c -- which QEMU monitor commands a job's owner may
 * send, and how the file-writing ones are planned (job/monitor-policy.c).
 */
#include <errno.h>
#include <string.h>

#include "job/monitor-policy.h"
#include "unit.h"

/* The policy's answer for LINE from a non-admin (ADMIN false) or admin. */
static int
plan(const char *line, bool admin, struct monitor_plan *p)
{
	const char *cause = NULL;
	int r = monitor_policy_plan(line, admin, p, &cause);

	if (r < 0)
		CHECK(cause != NULL && cause[0] != '\0');
	return r;
}

static void
test_guest_only_commands_pass_for_the_owner(void)
{
	struct monitor_plan p;

	CHECK_INT(plan("info registers", false, &p), 0);
	CHECK_INT(p.kind, MONITOR_PLAIN);
	CHECK_STR(p.command, "info registers");
	CHECK_INT(plan("  stop ", false, &p), 0);
	CHECK_STR(p.command, "stop");
	CHECK_INT(plan("cont", false, &p), 0);
	CHECK_INT(plan("system_wakeup", false, &p), 0);
	CHECK_INT(plan("system_powerdown", false, &p), 0);
	CHECK_INT(plan("info status", false, &p), 0);
	CHECK_INT(plan("x /4x 0xffff0000", false, &p), 0);
}

static void
test_host_facing_commands_are_refused_to_the_owner(void)
{
	struct monitor_plan p;

	CHECK_INT(plan("drive_add 0 file=/etc/shadow", false, &p), -EPERM);
	CHECK_INT(plan("chardev-add socket,path=/tmp/x", false, &p), -EPERM);
	CHECK_INT(plan("netdev_add user,id=n1", false, &p), -EPERM);
	CHECK_INT(plan("pmemsave 0 4096 /tmp/mem", false, &p), -EPERM);
	CHECK_INT(plan("gdbserver tcp::1234", false, &p), -EPERM);
	CHECK_INT(plan("info block", false, &p), -EPERM);
	CHECK_INT(plan("info chardev", false, &p), -EPERM);
	CHECK_INT(plan("info", false, &p), -EPERM);
	CHECK_INT(plan("quit", false, &p), -EPERM);
	/* A command QEMU adds later is refused until someone lists it. */
	CHECK_INT(plan("some_new_command", false, &p), -EPERM);
}

static void
test_file_commands_are_for_admins_into_the_job(void)
{
	struct monitor_plan p;

	CHECK_INT(plan("dump-guest-memory mem.elf", false, &p), -EPERM);
	CHECK_INT(plan("screendump s.ppm", false, &p), -EPERM);
	CHECK_INT(plan("dump-guest-memory mem.elf", true, &p), 0);
	CHECK_INT(p.kind, MONITOR_DUMP);
	CHECK_STR(p.file, "mem.elf");
	CHECK_STR(p.command, "");
	CHECK_INT(plan("dump-guest-memory -z mem.kdump", true, &p), 0);
	CHECK_STR(p.command, "-z");
	CHECK_STR(p.file, "mem.kdump");
	CHECK_INT(plan("screendump s.ppm", true, &p), 0);
	CHECK_INT(p.kind, MONITOR_SCREENDUMP);
	CHECK_STR(p.file, "s.ppm");
	/* Only a plain name: no path, no hidden file, no begin/length. */
	CHECK_INT(plan("dump-guest-memory /etc/passwd", true, &p), -EINVAL);
	CHECK_INT(plan("dump-guest-memory ../mem.elf", true, &p), -EINVAL);
	CHECK_INT(plan("dump-guest-memory .hidden", true, &p), -EINVAL);
	CHECK_INT(plan("dump-guest-memory mem.elf 0 4096", true, &p), -EINVAL);
	CHECK_INT(plan("dump-guest-memory -d mem.elf", true, &p), -EINVAL);
	CHECK_INT(plan("screendump a/b.ppm", true, &p), -EINVAL);
	CHECK_INT(plan("migrate exec:cat>/tmp/x", true, &p), -EPERM);
}

static void
test_admins_may_send_the_rest(void)
{
	struct monitor_plan p;

	CHECK_INT(plan("info block", true, &p), 0);
	CHECK_INT(p.kind, MONITOR_PLAIN);
}

static void
test_malformed_lines(void)
{
	struct monitor_plan p;
	char long_line[MONITOR_COMMAND_MAX + 8];

	CHECK_INT(plan("", false, &p), -EINVAL);
	CHECK_INT(plan("   ", false, &p), -EINVAL);
	CHECK_INT(plan("stop\ncont", false, &p), -EINVAL);
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	CHECK_INT(plan(long_line, true, &p), -EINVAL);
	CHECK(monitor_file_name_valid("a-b_c.1"));
	CHECK(!monitor_file_name_valid(""));
	CHECK(!monitor_file_name_valid("a b"));
}

int
main(void)
{
	RUN(test_guest_only_commands_pass_for_the_owner);
	RUN(test_host_facing_commands_are_refused_to_the_owner);
	RUN(test_file_commands_are_for_admins_into_the_job);
	RUN(test_admins_may_send_the_rest);
	RUN(test_malformed_lines);
	return UNIT_DONE();
}
