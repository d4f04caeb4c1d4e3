#!/bin/bash
# Integration: the runner's watchdogs and how it reads a guest's end, with
# fake-qemu guests: the total timeout, the idle timeout, a qemu that ignores
# SIGTERM (SIGKILLed after --stop-grace), a kernel panic (crashed, with the
# backtrace kept for --crash-grace, and no longer), qemu failing at
# start-up or never printing (error), a corrupt result line (failed), and a
# qemu that does not power off after the guest reported done (--done-grace).
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1 --crash-grace 500 --done-grace 1

# submit_wait VAR ARGS... -- submit a job, wait for it, set VAR to its id
# and RC to pkvmctl wait's exit code.
submit_wait() {
	local -n _id=$1
	shift
	_id=$(ctl submit "$TEST_KERNEL" "$@")
	RC=0
	ctl wait "$_id" 2>/dev/null || RC=$?
}

# Total timeout: the guest prints steadily (so idle never fires) but never
# ends; 1 s is the smallest limit.
submit_wait id --timeout 1 --idle-timeout 0 --append "fakeqemu=flood fakeqemu.delay-ms=50"
check_eq "total timeout: wait exits 3" "$RC" 3
check_eq "total timeout: result timeout" "$(job_field "$id" result)" timeout
check_match "total timeout: message mentions the timeout" "$(job_field "$id" message)" 'time(out| limit)|timed out'
check_eq "total timeout: no fake qemu survives" "$(surviving_fakes)" ""

# Idle timeout: one boot line, then silence; the total limit is far away.
submit_wait id --timeout 60 --idle-timeout 1 --append fakeqemu=hang
check_eq "idle timeout: wait exits 3" "$RC" 3
check_eq "idle timeout: result timeout" "$(job_field "$id" result)" timeout
check_match "idle timeout: message says the console was silent" "$(job_field "$id" message)" 'console output|silen|idle'
check_eq "idle timeout: no fake qemu survives" "$(surviving_fakes)" ""

# A qemu that ignores SIGTERM: the timeout stops it with SIGTERM, and
# --stop-grace 1 later with SIGKILL; the job still ends.
submit_wait id --timeout 1 --idle-timeout 0 --append fakeqemu=ignore-sigterm
check_eq "ignored SIGTERM: wait exits 3" "$RC" 3
check_eq "ignored SIGTERM: job is done" "$(job_field "$id" state)" done
check_eq "ignored SIGTERM: qemu was SIGKILLed" "$(job_field "$id" exit_status)" -9
check_eq "ignored SIGTERM: no fake qemu survives" "$(surviving_fakes)" ""

# A kernel panic in the middle of the test: crashed, the panic title as the
# message, and the lines printed after the panic line kept.
submit_wait id --append "fakeqemu=panic-at=9 fakeqemu.panic-end=0"
check_eq "panic: wait exits 4" "$RC" 4
check_eq "panic: result crashed" "$(job_field "$id" result)" crashed
check_match "panic: message is the panic title" "$(job_field "$id" message)" 'kernel panic: sysrq triggered crash'
console=$(ctl logs "$id")
check_match "panic: console has the panic line" "$console" 'Kernel panic - not syncing'
check_match "panic: console keeps the backtrace after it" "$console" 'el0t_64_sync\+0x18c/0x190'
check_match "panic: console keeps the lines after the backtrace" "$console" 'Memory Limit: none'
check_eq "panic: the test that was running is an error" \
	"$(ctl results --json "$id" | python3 -c 'import json,sys; print(",".join(t["verdict"] for t in json.load(sys.stdin)))')" error
check_eq "panic: one crash report, the job's primary crash" \
	"$(ctl crashes --json "$id" | python3 -c 'import json,sys
c = json.load(sys.stdin)
print(len(c), "|", c[0]["title"], "|", c[0]["kind"], "|", c[0]["fatal"], "|", c[0]["primary"])')" \
	"1 | kernel panic: sysrq triggered crash | panic | True | True"

# A guest that keeps printing slowly after the panic: the console is kept
# for --crash-grace (500 ms) only, then qemu is stopped.  The line right
# after the panic line comes 100 ms later and is kept; the last ones would
# come 2.5 s later and are not waited for.
submit_wait id --append "fakeqemu=panic-at=9 fakeqemu.panic-end=0 fakeqemu.delay-ms=100"
check_eq "slow panic: wait exits 4" "$RC" 4
check_match "slow panic: message is the panic title" "$(job_field "$id" message)" 'kernel panic: sysrq triggered crash'
console=$(ctl logs "$id")
check_match "slow panic: a line within the grace is kept" "$console" 'CPU: 0 PID: 100 Comm: sh'
check "slow panic: qemu was stopped when the grace ended" \
	test -z "$(printf '%s' "$console" | grep 'Memory Limit' || true)"
check_match "slow panic: by pkvmd's SIGTERM" "$(cat "$STATE/jobs/$id/qemu.log")" 'terminating on signal 15'

# qemu refuses to start: error, exit 6, the status kept.
submit_wait id --append fakeqemu=exit=1
check_eq "qemu error: wait exits 6" "$RC" 6
check_eq "qemu error: result error" "$(job_field "$id" result)" error
check_eq "qemu error: exit_status is qemu's" "$(job_field "$id" exit_status)" 1
check_match "qemu error: the message quotes qemu's own last stderr line" "$(job_field "$id" message)" \
	'^qemu exited with status 1 before the guest printed anything: qemu-system-aarch64: fake failure requested \(fakeqemu=exit=1\)$'

# The default command line has no NIC (virt adds one otherwise, whose
# option ROM a fresh machine lacks); --net user gives one, restricted.
check_match "no network by default: -nic none" "$(cat "$STATE/jobs/$id/qemu.cmd")" "'-nic' 'none'"
submit_wait id --net user
check_eq "--net user: passes" "$RC" 0
check_match "--net user: a restricted user-mode netdev, no option ROM" "$(cat "$STATE/jobs/$id/qemu.cmd")" \
	"'-netdev' 'user,id=net0,restrict=on' '-device' 'virtio-net-pci,netdev=net0,romfile='"
check "--net user: no -nic none" sh -c "! grep -q -- \"'-nic'\" '$STATE/jobs/$id/qemu.cmd'"
check_eq "--net user: the job says so" "$(job_field "$id" net)" user
rc=0; ctl submit "$TEST_KERNEL" --net tap >/dev/null 2>"$T/err" || rc=$?
check_eq "--net tap: refused by the client (exit 2)" "$rc" 2
check_match "--net tap: says what is allowed" "$(cat "$T/err")" 'use none or user'

# A result line with a wrong crc is not believed: the job fails.
submit_wait id --append fakeqemu=corrupt
check_eq "corrupt result line: wait exits 1" "$RC" 1
check_eq "corrupt result line: result failed" "$(job_field "$id" result)" failed

# A qemu that exits 0 without the guest ever printing: error, with a hint.
submit_wait id --append fakeqemu=exit=0
check_eq "no output at all: wait exits 6" "$RC" 6
check_match "no output at all: says init never started" "$(job_field "$id" message)" 'never started init'

# The guest reported done but qemu does not power off: after --done-grace
# (1 s) pkvmd stops it, and the job keeps the verdict the guest reported.
# Line 11 of a one-test run is the done line.
submit_wait id --idle-timeout 0 --append "fakeqemu=hang-at=11"
check_eq "no power-off after done: wait exits 0" "$RC" 0
check_eq "no power-off after done: result passed" "$(job_field "$id" result)" passed
check_match "no power-off after done: the console has the done line" "$(ctl logs "$id")" '@@pkvm:1 done tests=1'
check_match "no power-off after done: qemu got SIGTERM" "$(cat "$STATE/jobs/$id/qemu.log")" 'terminating on signal 15'

check_eq "no fake qemu survives" "$(surviving_fakes)" ""
check "daemon still answers" ctl_quiet version
finish
