#!/bin/bash
# Integration: pkvmd dying or stopping under a running job.  After kill -9
# the job's qemu dies with it (PR_SET_PDEATHSIG via pkvmd-spawn), the
# database is intact, finished jobs and their consoles are untouched, and a
# restarted pkvmd runs the job again as attempt 2; with
# --no-requeue-interrupted it ends as `interrupted` instead.  SIGTERM stops
# the running qemu, says STOPPING=1, exits 0, and the job is requeued.
. "$(dirname "$0")/../lib.sh"

# The fake qemu started last.
last_fake() {
	tail -n 1 "$FAKE_QEMU_PIDFILE"
}

db_ok() {
	sqlite3 "$STATE/pkvmd.db" 'PRAGMA integrity_check'
}

# submit_hanging -- a job that boots, then hangs with no watchdog near;
# returns once its console shows the boot.
submit_hanging() {
	local id
	id=$(ctl submit "$TEST_KERNEL" --timeout 600 --idle-timeout 0 --append "fakeqemu=hang-at=3")
	wait_for_console "$id" 'Kernel command line' || return 1
	echo "$id"
}

# ---- kill -9 with the default --requeue-interrupted -------------------------
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1

done_id=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass -T keep)
ctl wait "$done_id" 2>/dev/null
done_logs=$(ctl logs "$done_id" | sha256sum)
done_json=$(ctl status --json "$done_id" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["result"], j["attempt"], j["finished"], j["tests"])')

run_id=$(submit_hanging)
check_eq "the hanging job is running" "$(job_field "$run_id" state)" running
check_eq "first run is attempt 1" "$(job_field "$run_id" attempt)" 1
fake=$(last_fake)

kill -KILL "$PKVMD_PID"
check "kill -9: pkvmd is gone" wait_gone "$PKVMD_PID" 10
PKVMD_PID=
check "kill -9: its fake qemu dies with it" wait_gone "$fake" 10
check_eq "kill -9: the database passes integrity_check" "$(db_ok)" ok

# What a pkvmd killed while it wrote its base initrd layer leaves.
stale=$(ls "$STATE"/cache/base-*.cpio | head -n 1).tmp.99999
: >"$stale"
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1
check "restart: a half-written base layer of the dead pkvmd is removed" test ! -e "$stale"
check "restart: the job boots again" wait_for_console "$run_id" 'Kernel command line'
check_eq "restart: the job is running" "$(job_field "$run_id" state)" running
check_eq "restart: it is attempt 2" "$(job_field "$run_id" attempt)" 2
check "restart: the first attempt's console is kept" test -s "$STATE/jobs/$run_id/serial.attempt-1"
check_eq "restart: the finished job is unchanged" \
	"$(ctl status --json "$done_id" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["result"], j["attempt"], j["finished"], j["tests"])')" "$done_json"
check_eq "restart: the finished job's console is unchanged" "$(ctl logs "$done_id" | sha256sum)" "$done_logs"
check_eq "restart: the finished job keeps its tag" "$(ctl list --tag keep --json | python3 -c 'import json,sys; print([j["id"] for j in json.load(sys.stdin)])')" "[$done_id]"

ctl cancel "$run_id" >/dev/null
rc=0; ctl wait "$run_id" 2>/dev/null || rc=$?
check_eq "restart: the requeued job can be cancelled" "$rc" 5
check_eq "no fake qemu survives" "$(surviving_fakes)" ""

# ---- kill -9 with --no-requeue-interrupted -------------------------------------
stop_pkvmd
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1 --no-requeue-interrupted
int_id=$(submit_hanging)
fake=$(last_fake)
kill -KILL "$PKVMD_PID"
wait_gone "$PKVMD_PID" 10 || true
PKVMD_PID=
check "no requeue: its fake qemu dies with pkvmd" wait_gone "$fake" 10
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1 --no-requeue-interrupted
rc=0; ctl wait "$int_id" 2>/dev/null || rc=$?
check_eq "no requeue: wait exits 6" "$rc" 6
check_eq "no requeue: result interrupted" "$(job_field "$int_id" result)" interrupted
check_eq "no requeue: still attempt 1" "$(job_field "$int_id" attempt)" 1
check "no requeue: the dead run's initrd is gone" test ! -e "$STATE/jobs/$int_id/initrd"
check_eq "no requeue: nothing running" "$(ctl list --state running --json)" "[]"
check_eq "no requeue: database intact" "$(db_ok)" ok
stop_pkvmd

# ---- SIGTERM with a running job, pkvmd in the foreground -----------------------
# Readiness and stopping come as sd_notify datagrams, so listen for them.
# The listener ends after STOPPING=1, or after 60 s if that never comes.
coproc NOTIFY { exec python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
print("bound")
while True:
    msg = s.recv(4096).decode()
    print(msg.replace("\n", " "))
    if "STOPPING=1" in msg.split("\n"):
        break
' "$T/notify.sock" 2>/dev/null; }
# A copy of the coprocess's output: bash unsets NOTIFY (and closes its
# descriptor) as soon as the listener exits after STOPPING=1, which may
# come before the read that waits for that very line.
exec {notify_fd}<&"${NOTIFY[0]}"
read -r -t 10 line <&"$notify_fd"
NOTIFY_SOCKET=$T/notify.sock "$PKVMD" --state-dir "$STATE" --socket "$SOCK" \
	--spawn-helper "$PKVMD_SPAWN" --qemu "$FAKE_QEMU" --stop-grace 1 --foreground 2>"$T/fg.log" &
PKVMD_PID=$!
read -r -t 10 line <&"$notify_fd" || line=
check_eq "foreground pkvmd says READY=1" "$line" "READY=1"

term_id=$(submit_hanging)
fake=$(last_fake)
kill -TERM "$PKVMD_PID"
read -r -t 10 line <&"$notify_fd" || line=
check_eq "SIGTERM: pkvmd says STOPPING=1" "$line" "STOPPING=1"
rc=0; wait "$PKVMD_PID" || rc=$?
PKVMD_PID=
check_eq "SIGTERM: pkvmd exits 0" "$rc" 0
check "SIGTERM: the fake qemu is gone" wait_gone "$fake" 10
check_eq "SIGTERM: no fake qemu survives" "$(surviving_fakes)" ""
check_eq "SIGTERM: database intact" "$(db_ok)" ok

start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1
check "SIGTERM restart: the job boots again" wait_for_console "$term_id" 'Kernel command line'
check_eq "SIGTERM restart: it is attempt 2" "$(job_field "$term_id" attempt)" 2
ctl cancel "$term_id" >/dev/null
rc=0; ctl wait "$term_id" 2>/dev/null || rc=$?
check_eq "SIGTERM restart: cancelled" "$rc" 5
stop_pkvmd

# ---- SIGTERM with --shutdown-grace ------------------------------------------------
# A job that ends within the grace ends normally, and a client already
# waiting for it hears so; new work is refused meanwhile.  A second SIGTERM
# stops what is left at once, for the next start to requeue.
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1 --shutdown-grace 30
slow=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.delay-ms=100")
check "grace: the slow job boots" wait_for_console "$slow" 'Booting Linux'
# A client following the job, connected before the signal (it has printed
# a line); it prints its exit code last.
exec {waiter}< <(rc=0; "$PKVMCTL" --socket "$SOCK" wait --follow "$slow" 2>/dev/null || rc=$?; echo "exit=$rc")
read -r -t 30 line <&"$waiter" || line=
check_match "grace: the client follows the console" "$line" 'Booting Linux'
pid=$PKVMD_PID
kill -TERM "$pid"
rc=0; ctl submit "$TEST_KERNEL" --append fakeqemu=pass >/dev/null 2>&1 || rc=$?
check "grace: a new submit is refused (exit $rc)" test "$rc" -ne 0
rest=$(timeout 30 cat <&"$waiter" || true)
exec {waiter}<&-
check_match "grace: the client gets the console to the end" "$rest" 'reboot: Power down'
check_match "grace: the client following the job gets its result (exit 0)" "$(printf '%s' "$rest" | tail -n 1)" '^exit=0$'
check "grace: pkvmd exits once the job is done" wait_gone "$pid" 10
PKVMD_PID=
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1 --shutdown-grace 30
check_eq "grace: the job stays passed, attempt 1" "$(job_field "$slow" result) $(job_field "$slow" attempt)" "passed 1"
check_eq "grace: the refused submit made no job" "$(ctl list --json | python3 -c 'import json,sys; print(max(j["id"] for j in json.load(sys.stdin)))')" "$slow"

stuck=$(submit_hanging)
pid=$PKVMD_PID
kill -TERM "$pid"
rc=0; wait_gone "$pid" 0.5 || rc=$?
check_eq "second SIGTERM: pkvmd still waits after the first" "$rc" 1
kill -TERM "$pid"
check "second SIGTERM: pkvmd exits promptly" wait_gone "$pid" 5
PKVMD_PID=
check_match "second SIGTERM: pkvmd stopped its qemu itself" "$(cat "$STATE/jobs/$stuck/qemu.log")" 'terminating on signal 15'
check_match "second SIGTERM: pkvmd got to its end" "$(tail -n 1 "$STATE/pkvmd.log")" 'stopped'
check_eq "second SIGTERM: no fake qemu survives" "$(surviving_fakes)" ""
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1
check "second SIGTERM: the job runs again after a restart" wait_for_console "$stuck" 'Kernel command line'
check_eq "second SIGTERM: attempt 2" "$(job_field "$stuck" attempt)" 2
ctl cancel "$stuck" >/dev/null
ctl wait "$stuck" 2>/dev/null || true
stop_pkvmd
check_eq "no fake qemu survives at the end" "$(surviving_fakes)" ""
finish
