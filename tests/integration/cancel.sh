#!/bin/bash
# Integration: cancelling jobs: a running one (its qemu is stopped, no fake
# survives), a queued one behind a hanging job on one slot (cancelled at
# once, the next job starts), one already done (409, exit 2) and an
# unknown id (404).
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU" --slots 1 --stop-grace 1

# A running job: cancel once its console shows it booted.
run=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang-at=3")
check "running job: the console shows the boot" wait_for_console "$run" 'Kernel command line'
check_eq "running job: state is running" "$(job_field "$run" state)" running
run_qemu=$(surviving_fakes)

# A job queued behind it on the single slot, and one more after that.
queued=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass")
next=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang-at=2")
check_eq "queued job: state is queued while the slot is busy" "$(job_field "$queued" state)" queued

# Cancelling a queued job needs no qemu to stop: done at once.
out=$(ctl cancel "$queued" 2>&1)
check_match "queued job: cancel says so" "$out" "job $queued cancelled"
check_eq "queued job: done at once" "$(job_field "$queued" state)" done
check_eq "queued job: result cancelled" "$(job_field "$queued" result)" cancelled
check_eq "queued job: it never started" "$(job_field "$queued" started)" null
rc=0; ctl wait "$queued" 2>/dev/null || rc=$?
check_eq "queued job: wait exits 5" "$rc" 5

# Cancel the running one; wait learns it with exit code 5.
check "running job: cancel is accepted" ctl_quiet cancel "$run"
rc=0; err=$(ctl wait "$run" 2>&1) || rc=$?
check_eq "running job: wait exits 5" "$rc" 5
check_match "running job: wait says cancelled" "$err" "job $run cancelled"
check_eq "running job: result cancelled" "$(job_field "$run" result)" cancelled
# The next job's fake starts right away, so look at this one's pid only.
check "running job: its fake qemu is gone" test -n "$run_qemu" -a ! -d "/proc/$run_qemu"

# The slot is free again: the job after the cancelled queued one runs.
check "next job starts once the slot is free" wait_for_console "$next" 'Booting Linux'
check_eq "next job: state is running" "$(job_field "$next" state)" running
ctl cancel "$next" >/dev/null
rc=0; ctl wait "$next" 2>/dev/null || rc=$?
check_eq "next job: cancelled too" "$rc" 5

# A queued job's console can be followed before it starts: logs -f waits
# for it to run and returns when it is done.
blocker=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang-at=2")
check "blocker runs" wait_for_console "$blocker" 'Booting Linux'
later=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass")
check_eq "later job is queued" "$(job_field "$later" state)" queued
exec {follow}< <(exec "$PKVMCTL" --socket "$SOCK" logs -f "$later")
ctl cancel "$blocker" >/dev/null
check_match "logs -f of a queued job streams it once it runs" "$(cat <&"$follow")" 'reboot: Power down'
exec {follow}<&-
check_eq "later job passed" "$(job_field "$later" result)" passed

# A qemu that ignores SIGTERM is SIGKILLed after --stop-grace; the job is
# still cancelled, not timed out or failed.
stubborn=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=ignore-sigterm")
check "stubborn job boots" wait_for_console "$stubborn" 'Booting Linux'
ctl cancel "$stubborn" >/dev/null
rc=0; ctl wait "$stubborn" 2>/dev/null || rc=$?
check_eq "stubborn job: wait exits 5" "$rc" 5
check_eq "stubborn job: result cancelled" "$(job_field "$stubborn" result)" cancelled
check_eq "stubborn job: qemu was SIGKILLed" "$(job_field "$stubborn" exit_status)" -9

# A finished job cannot be cancelled: 409, exit 2, the job unchanged.
rc=0; out=$(ctl cancel "$run" 2>&1) || rc=$?
check_eq "done job: cancel exits 2" "$rc" 2
check_match "done job: cancel says it is already done" "$out" 'already|done|conflict'
check_eq "done job: still cancelled" "$(job_field "$run" result)" cancelled
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST "http://pkvmd/v1/jobs/$run/cancel")
check_eq "done job: the API answers 409" "$code" 409

# An unknown job: 404.
rc=0; out=$(ctl cancel 99999 2>&1) || rc=$?
check_match "unknown job: cancel says there is no such job" "$out" 'not found|no (such )?job'
check_eq "unknown job: cancel exits 2" "$rc" 2
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST "http://pkvmd/v1/jobs/99999/cancel")
check_eq "unknown job: the API answers 404" "$code" 404

check_eq "no fake qemu survives at the end" "$(surviving_fakes)" ""
finish
