#!/bin/sh
# panic.sh -- crashes the guest kernel on purpose through magic SysRq, so
# the end-to-end tests see a real "Kernel panic - not syncing" report on
# the console and check that the daemon reports a crash.  With panic=-1
# and -no-reboot qemu then exits with status 0, so the exit status alone
# does not tell a crash from a clean power-off.
echo "panic.sh: triggering a kernel panic"
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
# Not reached when the kernel has SysRq; say so if it did not crash.
echo "panic.sh: /proc/sysrq-trigger did not panic the kernel"
exit 1
