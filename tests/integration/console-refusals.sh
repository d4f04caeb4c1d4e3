#!/bin/bash
# Integration (fake qemu): what attach, monitor and gdb refuse, and how
# (docs/INTERACTIVE.md): an unknown job (404), a job not running (409), a
# job of someone else's (403, over TCP with a token), a file-writing or
# unlisted monitor command from a non-admin (403), an empty command (400),
# attach without the upgrade handshake (400), gdb without -d (409), a qemu
# whose monitor does not answer (409).  And the allowed paths the fake can
# show: attach over TCP and TLS as the owner watches until the job ends
# (cancel), a second writer is refused until --force, gdb on a -d job, and
# an interactive job that still ends at its timeout.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"

PORT=$(free_port)
TLS_PORT=$(free_port)
URL=http://127.0.0.1:$PORT
make_cert srv
export XDG_CONFIG_HOME=$T/config
unset PKVM_TOKEN PKVM_URL PKVM_SOCKET
start_pkvmd --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" \
	--listen "tcp:127.0.0.1:$TLS_PORT,tls" --tls-cert "$T/srv.crt" --tls-key "$T/srv.key" \
	--qemu "$FAKE_QEMU" --slots 4 --stop-grace 1

ctl token create --user alice >"$T/alice.tok" 2>/dev/null
ctl token create --user bob >"$T/bob.tok" 2>/dev/null
tctl() {
	local who=$1
	shift
	"$PKVMCTL" --url "$URL" --token-file "$T/$who.tok" "$@"
}

# refused WHAT EXIT REGEX COMMAND... -- COMMAND exits EXIT saying REGEX.
refused() {
	local what=$1 want=$2 re=$3 rc=0
	shift 3
	"$@" </dev/null >/dev/null 2>"$T/err" || rc=$?
	check_eq "$what (exit $want)" "$rc" "$want"
	check_match "  $what: says why" "$(cat "$T/err")" "$re"
}

run=$(tctl alice submit "$TEST_KERNEL" --append "fakeqemu=hang" --interactive)
done_id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass")
ctl wait "$done_id" >/dev/null 2>&1
wait_for_console "$run" "Booting Linux"

refused "attach to an unknown job" 2 "no job 999" ctl attach 999
refused "attach to a job that is done" 2 "is not running" ctl attach "$done_id"
refused "attach to another user's job" 2 "belongs to alice; only they or an admin" tctl bob attach "$run"
check_eq "attach without the upgrade handshake: 400" \
	"$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $(cat "$T/alice.tok")" "$URL/v1/jobs/$run/attach")" 400
check_match "  saying what to send" "$(cat "$T/body")" "Upgrade: pkvm-console"

refused "monitor of an unknown job" 2 "no job 999" ctl monitor 999 info status
refused "monitor of a job that is done" 2 "is not running" ctl monitor "$done_id" info status
refused "monitor of another user's job" 2 "belongs to alice" tctl bob monitor "$run" info status
refused "a non-admin's dump-guest-memory" 2 "write host files are for admins" \
	tctl alice monitor "$run" -- dump-guest-memory mem.elf
refused "a non-admin's screendump" 2 "write host files are for admins" \
	tctl alice monitor "$run" screendump s.ppm
refused "a non-admin's drive_add" 2 "not on the allow-list" \
	tctl alice monitor "$run" drive_add 0 file=/etc/passwd
refused "a non-admin's info chardev" 2 "not on the allow-list" \
	tctl alice monitor "$run" info chardev
refused "an admin's dump to a path" 2 "a name in the job directory" \
	ctl monitor "$run" -- dump-guest-memory /tmp/mem.elf
refused "migrate, even for an admin" 2 "migrate is not offered" ctl monitor "$run" migrate exec:cat
check_eq "an empty command: 400" \
	"$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		-d '{"command": "  "}' "http://pkvmd/v1/jobs/$run/monitor")" 400
check_eq "an unknown field: 400" \
	"$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		-d '{"command": "stop", "x": 1}' "http://pkvmd/v1/jobs/$run/monitor")" 400
# The stand-in has no QMP socket: an allowed command finds no monitor.
refused "a qemu whose monitor does not answer" 2 "monitor does not answer" \
	tctl alice monitor "$run" info status

refused "gdb on a job without -d" 2 "has no gdb stub: submit with -d PORT" ctl gdb "$run"
refused "gdb on an unknown job" 2 "no job 999" ctl gdb 999
dbg=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang" -d 45678)
wait_for_console "$dbg" "Booting Linux"
out=$(ctl gdb "$dbg")
check_match "gdb: the command line for the stub" "$out" "^gdb-multiarch -ex 'target remote 127.0.0.1:45678' vmlinux$"
check_match "  no debugger attached" "$out" "debugger: none attached"
out=$(tctl alice gdb "$dbg")
check_match "  over TCP: the tunnel to the server" "$out" "ssh -N -L 45678:127.0.0.1:45678 127.0.0.1"
ctl cancel "$dbg" >/dev/null

# Over TLS: attach, detach, and the connection goes (MHD forwards behind
# TLS, and a session that ended must not leave it open).
tls_closed() {
	[ "$(ss -Htn state established "( sport = :$TLS_PORT )" | grep -c .)" = 0 ]
}
tls=$(tctl alice submit "$TEST_KERNEL" --append "fakeqemu=hang" --idle-timeout 0)
wait_for_console "$tls" "Booting Linux"
out=$(printf 'keys\035' | "$PKVMCTL" --url "https://127.0.0.1:$TLS_PORT" --cacert "$T/srv.crt" \
	--token-file "$T/alice.tok" attach "$tls" 2>&1)
check_match "attach over TLS" "$out" "attached to job $tls; Ctrl-] detaches"
check_match "  and Ctrl-] detaches" "$out" "detached from job $tls"
check "  the TLS connection is closed after" wait_until 10 tls_closed
exec {t}> >(exec "$PKVMCTL" --url "https://127.0.0.1:$TLS_PORT" --cacert "$T/srv.crt" \
	--token-file "$T/alice.tok" attach --read-only "$tls" >"$T/t.out" 2>"$T/t.err")
check "a TLS viewer attaches" wait_until 20 grep -q "attached to job $tls (watching)" "$T/t.err"
ctl cancel "$tls" >/dev/null
check "  the job's end reaches it through TLS" wait_until 20 grep -q "job $tls ended" "$T/t.out"
exec {t}>&-
check "  and that connection is closed too" wait_until 10 tls_closed

# The owner watches over TCP, and the job's end ends the session.
exec {w}> >(exec "$PKVMCTL" --url "$URL" --token-file "$T/alice.tok" attach "$run" >"$T/a.out" 2>"$T/a.err")
check "the owner attaches over TCP" wait_until 20 grep -q "attached to job $run; Ctrl-] detaches" "$T/a.err"
refused "a second writer" 2 "someone else is typing.*--force" tctl alice attach "$run"
exec {v}> >(exec "$PKVMCTL" --socket "$SOCK" attach --read-only "$run" >"$T/v.out" 2>"$T/v.err")
check "a viewer attaches read-only meanwhile" wait_until 20 grep -q "attached to job $run (watching)" "$T/v.err"
exec {f}> >(exec "$PKVMCTL" --socket "$SOCK" attach --force "$run" >"$T/f.out" 2>"$T/f.err")
check "an admin takes over with --force" wait_until 20 grep -q "attached to job $run" "$T/f.err"
check "  the writer before is told who took over" wait_until 20 grep -q "root took over typing" "$T/a.out"
ctl cancel "$run" >/dev/null
check "the job's end ends every session" wait_until 20 sh -c \
	"grep -q 'job $run ended' '$T/a.out' && grep -q 'job $run ended' '$T/v.out' && grep -q 'job $run ended' '$T/f.out'"
check "  and each says it was disconnected" wait_until 20 sh -c \
	"grep -q 'disconnected from job $run' '$T/a.err' && grep -q 'disconnected from job $run' '$T/f.err'"
exec {w}>&- {v}>&- {f}>&-
check_eq "the interactive job is cancelled" "$(job_field "$run" result)" cancelled

# On a terminal: raw mode while attached, the terminal put back after
# Ctrl-] and after SIGTERM (python's pty stands in for the terminal; the
# master side reads the terminal's modes).
tty_job=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang" --interactive --idle-timeout 0)
wait_for_console "$tty_job" "Booting Linux"
tty_out=$(python3 - "$PKVMCTL" "$SOCK" "$tty_job" <<'PY'
import os, pty, select, signal, sys, termios, time
ctl, sock, job = sys.argv[1:4]

def run(end):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(ctl, [ctl, "--socket", sock, "attach", job])
    out = b""
    deadline = time.time() + 20
    while b"Ctrl-] detaches" not in out and time.time() < deadline:
        if select.select([fd], [], [], 1)[0]:
            out += os.read(fd, 4096)
    # Raw: no line discipline, no echo, no signals from keys.
    lflag = termios.tcgetattr(fd)[3]
    raw = not (lflag & (termios.ICANON | termios.ECHO | termios.ISIG))
    if end == "detach":
        os.write(fd, b"\x1d")
    else:
        os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    lflag = termios.tcgetattr(fd)[3]
    back = bool(lflag & termios.ICANON) and bool(lflag & termios.ECHO)
    try:
        while select.select([fd], [], [], 0.2)[0]:
            out += os.read(fd, 4096)
    except OSError:
        pass
    print("%s: raw=%s restored=%s detached=%s" % (end, raw, back, b"detached from job" in out))

run("detach")
run("sigterm")
PY
)
check_match "on a terminal: raw mode, Ctrl-] detaches, the terminal is put back" "$tty_out" \
	"detach: raw=True restored=True detached=True"
check_match "  SIGTERM puts the terminal back too" "$tty_out" "sigterm: raw=True restored=True"
ctl cancel "$tty_job" >/dev/null

# An interactive job still ends at its timeout.
late=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang" --interactive --timeout 2)
rc=0; ctl wait "$late" >/dev/null 2>&1 || rc=$?
check_eq "an interactive job ends at its timeout (exit 3)" "$rc" 3
check_eq "  saying so" "$(job_field "$late" message)" "timed out: the job's timeout of 2 s ran out"

finish
