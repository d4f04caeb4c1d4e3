#!/bin/bash
# Integration: contrib/systemd.  The unit passes `systemd-analyze verify`
# with no complaint (on a copy whose ExecStart points at the built pkvmd,
# the only difference), its paths agree with its StateDirectory and
# RuntimeDirectory, the sysusers file makes the pkvmd user in group kvm,
# and pkvmd started the way the unit starts it speaks the notify protocol:
# READY=1 once the socket answers, STOPPING=1 on SIGTERM, then it stops
# its qemu itself and exits 0 (KillMode=mixed relies on that).
. "$(dirname "$0")/../lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
UNIT=$SRC/contrib/systemd/pkvmd.service

# ---- the unit file ----------------------------------------------------------------
mkdir "$T/unit"
sed "s|^ExecStart=/usr/sbin/pkvmd |ExecStart=$PKVMD |" "$UNIT" >"$T/unit/pkvmd.service"
check_eq "the copy differs only in the ExecStart binary" \
	"$(diff "$UNIT" "$T/unit/pkvmd.service" | grep -c '^[<>]')" 2
cp "$SRC/contrib/systemd/pkvmd.socket" "$T/unit/pkvmd.socket"
rc=0; out=$(cd "$T/unit" && systemd-analyze verify --man=no "$T/unit/pkvmd.socket" "$T/unit/pkvmd.service" 2>&1) || rc=$?
check_eq "systemd-analyze verify passes (socket and service)" "$rc" 0
check_eq "systemd-analyze verify has nothing to say" "$out" ""

# unit_key KEY -- the value of KEY= in the unit (the last one wins).
unit_key() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}
check_eq "Type=notify" "$(unit_key Type)" notify
check_eq "KillMode=mixed" "$(unit_key KillMode)" mixed
check_match "TimeoutStopSec is set" "$(unit_key TimeoutStopSec)" '^[0-9]+'
check_eq "no MemoryDenyWriteExecute (qemu's TCG needs W+X memory)" "$(unit_key MemoryDenyWriteExecute)" ""
check_match "/dev/kvm stays reachable" "$(unit_key DeviceAllow)$(unit_key PrivateDevices)" '^/dev/kvm rw$'
exec_start=$(unit_key ExecStart)
check_match "ExecStart runs in the foreground" "$exec_start" ' --foreground( |$)'
check_match "the state dir is StateDirectory's" "$exec_start" " --state-dir /var/lib/$(unit_key StateDirectory)( |$)"
check_match "the socket is in RuntimeDirectory" "$exec_start" " --socket /run/$(unit_key RuntimeDirectory)/[^ /]+( |$)"

# The socket unit binds what the service would bind itself.
SOCKET_UNIT=$SRC/contrib/systemd/pkvmd.socket
socket_key() {
	sed -n "s/^$1=//p" "$SOCKET_UNIT" | tail -n 1
}
check_match "pkvmd.socket listens on the service's --socket" "$exec_start" \
	" --socket $(socket_key ListenStream)( |$)"
check_eq "pkvmd.socket has the socket's default mode" "$(socket_key SocketMode)" \
	"$("$PKVMD" --help | sed -n 's/.*--socket-mode VALUE.*\[\(.*\)\]$/\1/p')"
check_eq "pkvmd.socket's group is the service's" "$(socket_key SocketGroup)" "$(unit_key Group)"
check_eq "pkvmd.socket passes one socket to one pkvmd (Accept=no)" "$(socket_key Accept)" no
check_eq "the socket file in RuntimeDirectory outlives a stop" "$(unit_key RuntimeDirectoryPreserve)" yes
check_match "systemctl reload sends SIGHUP" "$(unit_key ExecReload)" 'kill -HUP \$MAINPID'

mkdir -p "$T/root/etc"
check "systemd-sysusers accepts pkvmd.sysusers" \
	systemd-sysusers --root="$T/root" "$SRC/contrib/systemd/pkvmd.sysusers"
check_match "the pkvmd user exists" "$(cat "$T/root/etc/passwd")" '^pkvmd:'
check_match "pkvmd is in the kvm group" "$(cat "$T/root/etc/group")" '^kvm:x:[0-9]+:(.*,)?pkvmd(,|$)'

# ---- readiness, as systemd sees it ------------------------------------------------------
# The listener prints each datagram on a line; it ends after STOPPING=1, or
# after 60 s if that never comes.
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
check_eq "the notify listener is bound" "$line" bound

# ExecStart's own arguments, with the unit's paths moved into the test's
# directory; as under systemd, JOURNAL_STREAM is set.
read -r -a args <<<"$exec_start"
args=("${args[@]/#\/var\/lib\/pkvmd/$STATE}")
args=("${args[@]/#\/run\/pkvmd\/pkvmd.sock/$SOCK}")
check_eq "the unit's paths were all replaced" "$(printf '%s\n' "${args[@]}" | grep -c '^/\(var\|run\)/' || true)" 0
JOURNAL_STREAM=8:12345 NOTIFY_SOCKET=$T/notify.sock "$PKVMD" "${args[@]:1}" \
	--spawn-helper "$PKVMD_SPAWN" --qemu "$FAKE_QEMU" --stop-grace 1 2>"$T/stderr" &
PKVMD_PID=$!
read -r -t 10 line <&"$notify_fd" || line=
check_eq "pkvmd sends READY=1" "$line" "READY=1"
check_match "the socket answers once READY=1 came" "$(ctl version 2>&1)" 'pkvmd .*wire'
check "pkvmd did not fork: the READY=1 came from the main pid" kill -0 "$PKVMD_PID"

id=$(ctl submit "$TEST_KERNEL" --idle-timeout 0 --append "fakeqemu=hang-at=3")
check "a job runs" wait_for_console "$id" 'Kernel command line'
fake=$(tail -n 1 "$FAKE_QEMU_PIDFILE")

pid=$PKVMD_PID
kill -TERM "$PKVMD_PID"
read -r -t 10 line <&"$notify_fd" || line=
check_eq "SIGTERM: pkvmd sends STOPPING=1" "$line" "STOPPING=1"
rc=0; wait "$PKVMD_PID" || rc=$?
PKVMD_PID=
check_eq "SIGTERM: pkvmd exits 0" "$rc" 0
check "SIGTERM: the qemu is gone" wait_gone "$fake" 0
# Not by its death signal: pkvmd sent it SIGTERM before exiting.
check_match "SIGTERM: pkvmd stopped its qemu itself" "$(cat "$STATE/jobs/$id/qemu.log")" \
	"terminating on signal 15 from pid $pid\b"
check_eq "SIGTERM: no fake qemu survives" "$(surviving_fakes)" ""
check_match "under journald, log lines carry no timestamp" "$(head -n 1 "$T/stderr")" '^pkvmd: '
finish
