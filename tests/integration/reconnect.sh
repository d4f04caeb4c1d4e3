#!/bin/bash
# Integration: `pkvmctl wait` survives a pkvmd restart.  A job is running
# when pkvmd is killed; the restarted pkvmd requeues it and this time the
# guest passes; the client that was waiting all along reconnects and exits
# with the job's final result.
. "$(dirname "$0")/../lib.sh"

FAKE_QEMU_MODE=hang start_pkvmd --qemu "$FAKE_QEMU"
id=$(ctl submit "$TEST_KERNEL")
check "the job runs" wait_for_console "$id" "Booting Linux"

# The client follows the console through a fifo: once its first line is
# read, the client is connected and pkvmd knows its job.
mkfifo "$T/console"
ctl wait --follow "$id" >"$T/console" 2>"$T/err" &
client=$!
exec {con}<"$T/console"
read -r -t 60 first <&"$con" || first=
check_match "the client is connected and following" "$first" "Booting Linux"
cat <&"$con" >/dev/null &
kill -KILL "$PKVMD_PID"
wait_gone "$PKVMD_PID" 10
PKVMD_PID=
FAKE_QEMU_MODE=pass start_pkvmd --qemu "$FAKE_QEMU"

rc=0
wait "$client" || rc=$?
check_eq "the waiting client gets the final result (exit 0)" "$rc" 0
check_match "it said it lost pkvmd" "$(cat "$T/err")" "lost pkvmd while waiting for job $id"
check_match "and that it came back" "$(cat "$T/err")" "pkvmd is back"
check_eq "the job ran again, as attempt 2" "$(job_field "$id" attempt) $(job_field "$id" result)" "2 passed"
finish
