#!/bin/bash
# Integration: systemd socket activation, with systemd-socket-activate as
# the harness.  It binds a TCP port, a second one named "tls" and a Unix
# socket, and starts pkvmd on the first connection; pkvmd serves those
# three (plain HTTP, TLS, SO_PEERCRED users) and none of its own --socket
# and --listen, keeps the LISTEN_* variables from its children, and leaves
# the socket file, which is systemd's, in place when it stops.  A Unix
# socket named "tls" is refused with a message.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"

make_cert one
P_PLAIN=$(free_port)
P_TLS=$(free_port)
P_OWN=$(free_port)
# activate NAMES ARGS... -- systemd-socket-activate on the two ports and
# $SOCK, named NAMES, running pkvmd ARGS in the foreground.
activate() {
	local names=$1
	shift
	systemd-socket-activate -l "127.0.0.1:$P_PLAIN" -l "127.0.0.1:$P_TLS" -l "$SOCK" \
		--fdname="$names" -E PKVM_DATA_DIR="$PKVM_DATA_DIR" \
		-E FAKE_QEMU_PIDFILE="$FAKE_QEMU_PIDFILE" \
		"$PKVMD" --foreground --state-dir "$STATE" --pid-file "$PIDFILE" \
		--spawn-helper "$PKVMD_SPAWN" --qemu "$FAKE_QEMU" --socket "$T/own.sock" \
		--listen "tcp:127.0.0.1:$P_OWN" --tls-cert "$T/one.crt" --tls-key "$T/one.key" \
		--public-read "$@"
}
activate web:tls:api 2>"$T/stderr" &
activator=$!
wait_until 30 test -S "$SOCK"

# The first connection starts pkvmd; it waits in the socket's queue.
check_match "the Unix socket from systemd answers" "$(ctl version 2>&1)" 'pkvmd .*wire'
PKVMD_PID=$(cat "$PIDFILE")
check_match "plain HTTP on the first TCP socket" \
	"$(curl -sS "http://127.0.0.1:$P_PLAIN/v1/version")" '"wire":'
check_match "TLS on the one named tls" \
	"$(curl -sS --cacert "$T/one.crt" "https://127.0.0.1:$P_TLS/v1/version")" '"wire":'
check_eq "it is the certificate given" "$(served_fingerprint "$P_TLS")" \
	"$(cert_fingerprint "$T/one.crt")"
rc=0; curl -sS -o /dev/null "http://127.0.0.1:$P_TLS/v1/version" 2>/dev/null || rc=$?
check "no plain HTTP on the tls one (curl $rc)" test "$rc" -ne 0
check "the configured --socket was not made" test ! -e "$T/own.sock"
rc=0; curl -sS -o /dev/null "http://127.0.0.1:$P_OWN/v1/version" 2>/dev/null || rc=$?
check_eq "the configured --listen port is not open (7)" "$rc" 7
check_match "the log names the sockets from systemd" "$(cat "$T/stderr")" \
	"descriptor 4 \('tls'\)"

id=$(ctl submit "$TEST_KERNEL" --idle-timeout 0 --append "fakeqemu=hang-at=3")
check "a job submitted on the Unix socket runs" wait_for_console "$id" 'Kernel command line'
fake=$(tail -n 1 "$FAKE_QEMU_PIDFILE")
check_eq "its qemu does not see LISTEN_* (pkvmd unset them)" \
	"$(tr '\0' '\n' <"/proc/$fake/environ" | grep -c '^LISTEN_' || true)" 0
check_eq "the job's owner is the Unix socket's peer" "$(job_field "$id" owner)" "$(id -un)"

kill -TERM "$PKVMD_PID"
rc=0; wait "$activator" || rc=$?
PKVMD_PID=
check_eq "SIGTERM: pkvmd exits 0" "$rc" 0
check "the socket file, systemd's, is left in place" test -S "$SOCK"

# A Unix socket named tls: refused, with the reason.
rm -f "$SOCK"
activate web:tls:tls 2>"$T/stderr2" &
activator=$!
wait_until 30 test -S "$SOCK"
ctl version >/dev/null 2>&1 || true
rc=0; wait "$activator" || rc=$?
check "a Unix socket named tls: pkvmd exits non-zero ($rc)" test "$rc" -ne 0
check_match "and says why" "$(cat "$T/stderr2")" "descriptor 5 from systemd is a Unix socket named 'tls': TLS is for TCP"
finish
