#!/bin/bash
# End to end on real qemu, the small test kernel: the interactive workflow
# (docs/INTERACTIVE.md), one interactive boot for most of it.
#  - submit --interactive: the tests run and are reported, then a shell on
#    the console; neither the idle timeout nor --done-grace fires while the
#    shell waits;
#  - attach in pipe mode over TCP with alice's token (a non-admin owner):
#    a command typed reaches the shell and its output comes back, a result
#    line typed there does not count as /init's; bob is
#    refused (403); a second writer is refused (409) until --force, and the
#    writer taken over is told; Ctrl-] detaches;
#  - monitor as alice: info registers, stop/cont (info status), the
#    seed's system_wakeup (answered: the guest has no suspend to wake from),
#    system_powerdown accepted; info block and dump-guest-memory refused;
#  - monitor as an admin: dump-guest-memory into the job directory, listed
#    and fetched as an artifact, and refused over --monitor-file-max;
#  - all under a state directory whose path is longer than sun_path;
#  - `poweroff -f` in the shell ends the job as passed and ends attach;
#  - gdb on a -d job: the command line, no debugger, then one attached
#    (a client on the stub) that lets the guest run to its end.
. "$(dirname "$0")/../lib.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
GDB_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
# A job directory past sun_path's 108 bytes: qemu's QMP socket is made
# and reached relative to it.
STATE=$T/state-$(printf '%0100d' 0)/state
mkdir -p "$(dirname "$STATE")"
export XDG_CONFIG_HOME=$T/config
unset PKVM_TOKEN PKVM_URL PKVM_SOCKET
# --done-grace 1: a guest that reported done and did not power off
# within 1 s would be stopped, an interactive one is not.
start_pkvmd --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" --slots 2 \
	--monitor-file-max 67108864 --done-grace 1

ctl token create --user alice >"$T/alice.tok" 2>/dev/null
ctl token create --user bob >"$T/bob.tok" 2>/dev/null
tctl() {
	local who=$1
	shift
	"$PKVMCTL" --url "$URL" --token-file "$T/$who.tok" "$@"
}

# start_attach NAME COMMAND... -- run an attach in pipe mode: its input
# from the fifo $T/NAME.in (open for writing on fd ${NAME}_fd), output in
# $T/NAME.out, messages in $T/NAME.err, pid in ${NAME}_pid.
start_attach() {
	local name=$1 fd
	shift
	mkfifo "$T/$name.in"
	"$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	printf -v "${name}_pid" %s "$!"
	exec {fd}>"$T/$name.in"
	printf -v "${name}_fd" %s "$fd"
}

id=$(tctl alice submit "$SMALL_KERNEL" --exe "$SRC_GUEST_DIR/pass.sh" --interactive \
	--idle-timeout 3 --mem 256 --no-cov --timeout 300)
check "the job's directory path is longer than sun_path" test "${#STATE}" -gt 120
wait_for_console "$id" "pkvm: interactive"
check_eq "interactive: the job runs on after its tests" "$(job_field "$id" state)" running
check_match "  its tests are reported before the shell starts" "$(ctl results "$id")" "pass.sh +pass"
check_eq "  the job says it is interactive" "$(job_field "$id" interactive)" True

start_attach a tctl alice attach "$id"
check "alice attaches over TCP with her token" wait_until 20 grep -q "attached to job $id; Ctrl-] detaches" "$T/a.err"
# Quiet for 5 s, past the 3 s idle timeout, then a line.
printf 'sleep 5; echo marker-$((6*7))\n' >&"$a_fd"
check "a command typed reaches the guest's shell and its output comes back" \
	wait_until 60 grep -q "marker-42" "$T/a.out"
check_eq "neither the idle timeout nor --done-grace fired while the shell waited" \
	"$(job_field "$id" state)" running

# A result line typed in the shell is the user's, not /init's: this one,
# with a bad crc, would fail the job as a damaged result line.
printf "echo '@@pkvm:1 end test=pass.sh seq=1 exit=7 ms=1 crc=1'; echo typed-\$((2+2))\n" >&"$a_fd"
wait_until 30 grep -q "typed-4" "$T/a.out"
check_match "  a result line typed after the tests changes nothing" "$(ctl results "$id")" "pass.sh +pass"

rc=0; tctl bob attach "$id" </dev/null >/dev/null 2>"$T/bob.err" || rc=$?
check_eq "bob may not attach to alice's job (exit 2)" "$rc" 2
check_match "  403: whose job it is" "$(cat "$T/bob.err")" "belongs to alice; only they or an admin may attach"
rc=0; tctl alice attach "$id" </dev/null >/dev/null 2>"$T/second.err" || rc=$?
check_eq "a second writer is refused (exit 2)" "$rc" 2
check_match "  saying someone types and how to take over" "$(cat "$T/second.err")" "someone else is typing.*--force"

start_attach b tctl alice attach --force "$id"
check "--force takes over typing" wait_until 20 grep -q "attached to job $id" "$T/b.err"
check "  the writer before is told" wait_until 20 grep -q "alice took over typing; you are watching" "$T/a.out"
printf 'echo from-b-$((2*3))\n' >&"$b_fd"
check "  the new writer's command runs" wait_until 30 grep -q "from-b-6" "$T/b.out"
check "  and the one before watches it" wait_until 30 grep -q "from-b-6" "$T/a.out"
printf '\035' >&"$a_fd"
check "Ctrl-] detaches" wait_gone "$a_pid" 20
check_match "  saying so" "$(cat "$T/a.err")" "detached from job $id"

out=$(tctl alice monitor "$id" info registers)
check_match "monitor: info registers shows the CPU's registers" "$out" "PC=[0-9a-f]{16}"
tctl alice monitor "$id" stop >/dev/null
check_match "monitor: stop pauses the guest" "$(tctl alice monitor "$id" info status)" "VM status: paused"
tctl alice monitor "$id" cont >/dev/null
check_match "monitor: cont resumes it" "$(tctl alice monitor "$id" info status)" "VM status: running"
check_match "monitor: system_wakeup reaches qemu (no suspend to wake on virt)" \
	"$(tctl alice monitor "$id" system_wakeup)" "wake-up from suspend is not supported"
check "monitor: system_powerdown is accepted" tctl alice monitor "$id" system_powerdown
rc=0; tctl alice monitor "$id" info block >/dev/null 2>"$T/m.err" || rc=$?
check_eq "monitor: info block (host paths) is refused to a non-admin" "$rc" 2
check_match "  by the allow-list" "$(cat "$T/m.err")" "not on the allow-list"
rc=0; tctl alice monitor "$id" -- dump-guest-memory mem.elf >/dev/null 2>"$T/m.err" || rc=$?
check_eq "monitor: dump-guest-memory is refused to a non-admin" "$rc" 2
check_match "  file-writing commands are for admins" "$(cat "$T/m.err")" "write host files are for admins"
out=$(ctl monitor "$id" -- dump-guest-memory -z mem.kdump)
check_match "monitor: an admin dumps the guest's memory into the job" "$out" "wrote _monitor/mem.kdump"
check_match "  listed as a job artifact" "$(ctl artifacts "$id")" "_monitor/mem.kdump .* ok"
ctl artifacts "$id" get _monitor/mem.kdump -o "$T/mem.kdump" >/dev/null
check_eq "  a kdump file (makedumpfile's flattened format)" "$(head -c 12 "$T/mem.kdump")" "makedumpfile"
rc=0; ctl monitor "$id" -- dump-guest-memory mem.elf >/dev/null 2>"$T/m.err" || rc=$?
check_eq "monitor: a dump bigger than --monitor-file-max is refused" "$rc" 2
check_match "  saying why" "$(cat "$T/m.err")" "over --monitor-file-max"

printf 'poweroff -f\n' >&"$b_fd"
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "poweroff -f in the shell ends the job: passed" "$rc" 0
check_eq "  with no message (the typed result line was not taken)" "$(job_field "$id" message)" null
check "attach ends with the job" wait_gone "$b_pid" 20
check_match "  saying so" "$(cat "$T/b.out")" "\[pkvmd: job $id ended\]"
exec {a_fd}>&- {b_fd}>&-

# gdb: a -d job waits for its debugger.
g=$(ctl submit "$SMALL_KERNEL" --exe "$SRC_GUEST_DIR/pass.sh" -d "$GDB_PORT" --no-cov --timeout 300)
wait_until 60 sh -c "\"$PKVMCTL\" --socket \"$SOCK\" gdb $g | grep -q '^debugger:'"
out=$(ctl gdb "$g")
check_match "gdb prints the command line for the job's stub" "$out" \
	"^gdb-multiarch -ex 'target remote 127.0.0.1:$GDB_PORT' vmlinux$"
check_match "  and that no debugger is attached" "$out" "debugger: none attached"
# A stand-in debugger: connects to the stub (retrying until qemu listens),
# says so, and once told, continues the guest and stays until qemu goes.
python3 - "$GDB_PORT" "$T/gdb.connected" "$T/gdb.go" <<'PY' &
import os, socket, sys, time
port, connected, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
deadline = time.time() + 60
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.05)
open(connected, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
s.sendall(b"+$c#63")
while s.recv(4096):
    pass
PY
gdb_pid=$!
wait_until 60 test -e "$T/gdb.connected"
check_match "gdb: a debugger on the stub is seen" "$(ctl gdb "$g")" "debugger: attached"
: >"$T/gdb.go"
rc=0; ctl wait "$g" 2>/dev/null || rc=$?
check_eq "  and once it continues, the guest runs its tests to the end" "$rc" 0
wait "$gdb_pid" 2>/dev/null || true
rc=0; ctl gdb "$id" >/dev/null 2>"$T/g.err" || rc=$?
check_eq "gdb on a job without -d: exit 2" "$rc" 2
check_match "  saying how to get a stub" "$(cat "$T/g.err")" "has no gdb stub: submit with -d PORT"

finish
