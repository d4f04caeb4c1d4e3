#!/bin/bash
# Integration: one pkvmd per state directory.  A second pkvmd on a state
# directory that a running pkvmd uses exits non-zero, naming the first
# one's pid, before it touches the database or the socket: the first one's
# running job keeps running.  A lock left by a killed pkvmd never blocks
# the next start.
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU"
first=$PKVMD_PID

id=$(ctl submit "$TEST_KERNEL" --idle-timeout 0 --append "fakeqemu=hang")
wait_for_console "$id" "."
check_eq "the first daemon runs a job" "$(job_field "$id" state)" running

rc=0
"$PKVMD" --state-dir "$STATE" --socket "$T/second.sock" --spawn-helper "$PKVMD_SPAWN" \
	--qemu "$FAKE_QEMU" 2>"$T/err" || rc=$?
check "a second pkvmd on the same state directory exits non-zero" test "$rc" -ne 0
check_eq "it says who holds the directory" "$(cat "$T/err")" \
	"pkvmd: $STATE is in use by pkvmd pid $first"
check "it never created its socket" test ! -e "$T/second.sock"
check_eq "the first daemon's job is still running" "$(job_field "$id" state)" running
check "the first daemon still answers" ctl_quiet version

# --foreground takes the same path (systemd runs it so).
rc=0
"$PKVMD" --foreground --state-dir "$STATE" --socket "$T/second.sock" \
	--spawn-helper "$PKVMD_SPAWN" --qemu "$FAKE_QEMU" 2>"$T/err" || rc=$?
check "--foreground: refused too" test "$rc" -ne 0
check_match "--foreground: the same message" "$(cat "$T/err")" "is in use by pkvmd pid $first"

# A pkvmd killed outright leaves its lock file behind, with its pid in it;
# the kernel dropped the lock itself, so the next start goes ahead.
kill -KILL "$first"
wait_gone "$first"
PKVMD_PID=
check "the lock file outlives a killed pkvmd" test -s "$STATE/pkvmd.lock"
start_pkvmd --qemu "$FAKE_QEMU"
check "a stale lock does not block the next start" ctl_quiet version
check_eq "the lock file names the new daemon" "$(cat "$STATE/pkvmd.lock")" "$PKVMD_PID"
# Recovery ran before the daemon listened: the job is on its next attempt.
check_eq "the job the killed daemon ran was requeued" "$(job_field "$id" attempt)" 2
ctl cancel "$id" >/dev/null
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "and can be cancelled (exit 5)" "$rc" 5
finish
