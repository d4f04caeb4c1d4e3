#!/bin/bash
# Integration: connection caps and the read timeout on TCP
# (--read-timeout 2, --max-connections-per-ip 3, --max-connections 6).
# A console stream (follow) of a job that prints for longer than the
# timeout goes on streaming, and a long poll waits past it, while a
# slowloris client that sent half a header is cut off after it; a
# client address over its cap is refused while another address and the
# Unix socket are served; over the total cap every listener refuses; and
# once connections close, clients are served again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start_pkvmd --qemu "$FAKE_QEMU" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" \
	--public-read --read-timeout 2 --max-connections-per-ip 3 --max-connections 6

# ---- the read timeout ----------------------------------------------------------
# A console line every 200 ms, until cancelled.
id=$(ctl submit "$TEST_KERNEL" --idle-timeout 0 --append "fakeqemu=flood fakeqemu.delay-ms=200")
curl -sS -N "$URL/v1/jobs/$id/console?follow=1" >"$T/follow.out" 2>"$T/follow.err" &
follow=$!
curl -sS -o "$T/wait.out" -w '%{http_code} %{time_total}\n' "$URL/v1/jobs/$id/wait?timeout=4" \
	>"$T/wait.code" 2>"$T/wait.err" &
poll=$!
check "timeout: the console stream is flowing" wait_until 30 grep -q 'flood line 1:' "$T/follow.out"

# Half a request's header, then silence: the server closes it after the
# read timeout.
slow=$(python3 - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
s.sendall(b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nX-Slow")
t = time.monotonic()
try:
    data = s.recv(4096)
except ConnectionResetError:
    data = b""
print("%s %.1f" % ("closed" if data == b"" else "answered", time.monotonic() - t))
PY
)
check_match "timeout: the slowloris client is cut off after about 2 s ($slow)" "$slow" \
	'^closed (1\.[5-9]|[2-9]\.[0-9])$'
# stream_past N -- whether the stream has more than N flood lines.
stream_past() {
	test "$(grep -c 'flood line' "$T/follow.out")" -gt "$1"
}
check "timeout: the console stream goes on streaming after that" \
	wait_until 30 stream_past $(($(grep -c 'flood line' "$T/follow.out") + 10))
check "timeout: the console stream is still open" kill -0 "$follow"
rc=0; wait "$poll" || rc=$?
check_eq "timeout: a long poll of 4 s is answered" "$rc" 0
read -r code secs <"$T/wait.code"
check_eq "timeout: with 200" "$code" 200
check "timeout: after more than the read timeout ($secs s)" awk "BEGIN { exit !($secs >= 3.5) }"
ctl_quiet cancel "$id"
rc=0; wait "$follow" || rc=$?
check_eq "timeout: the stream ends cleanly with the job" "$rc" 0
check "timeout: and lost no console byte" cmp -s "$T/follow.out" <(ctl logs "$id")

# ---- the caps -----------------------------------------------------------------
# hold SRC N -- N connections from source address SRC, each one request
# answered and then a long poll of 20 s on a job that hangs (the checks
# below take well under a second), held until release SRC.  Prints "held"
# once they all are.
id=$(ctl submit "$TEST_KERNEL" --idle-timeout 0 --append "fakeqemu=hang-at=3")
declare -A holder
hold() {
	python3 - "$1" "$2" "$PORT" "$id" >"$T/held-$1" <<'PY' &
import socket, sys, time
src, n, port, job = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns = []
for i in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\n\r\n")
    if not s.recv(4096).startswith(b"HTTP/1.1 200"):
        print("refused %d" % i, flush=True)
        sys.exit(1)
    s.sendall(("GET /v1/jobs/%s/wait?timeout=20 HTTP/1.1\r\nHost: pkvmd\r\n\r\n" % job).encode())
    conns.append(s)
print("held", flush=True)
time.sleep(600)
PY
	holder[$1]=$!
	wait_until 30 grep -q . "$T/held-$1"
}
# release SRC -- end the process holding SRC's connections (the kernel
# closes them).
release() {
	kill "${holder[$1]}"
	wait "${holder[$1]}" || true
}

hold 127.0.0.1 3
check_eq "per-ip: 127.0.0.1 holds 3 connections" "$(cat "$T/held-127.0.0.1")" held
check_eq "per-ip: a 4th from 127.0.0.1 is refused" "$(http_probe 127.0.0.1 "$PORT" /v1/version)" refused
check_eq "per-ip: 127.0.0.2 is served meanwhile" "$(http_probe 127.0.0.2 "$PORT" /v1/version)" "served 200"
check "per-ip: the Unix socket is served meanwhile" ctl_quiet version
check_match "per-ip: the refusal is logged" "$(cat "$STATE/pkvmd.log")" \
	'connection from 127\.0\.0\.1 refused: it has 3 open \(--max-connections-per-ip\)'

hold 127.0.0.2 3
check_eq "total: 127.0.0.2 holds 3 more, 6 in all" "$(cat "$T/held-127.0.0.2")" held
check_eq "total: 127.0.0.3 is refused" "$(http_probe 127.0.0.3 "$PORT" /v1/version)" refused
check "total: so is the Unix socket" test -n "$(ctl version 2>&1 >/dev/null || echo failed)"

# A client that goes away in the middle of its long polls gives its
# connections back at once, not when the polls' 20 s are up: pkvmd
# watches a waiting connection for the hang-up.
t0=$(date +%s.%N)
release 127.0.0.1
release 127.0.0.2
# served SRC -- whether a GET from SRC is answered 200.
served() {
	test "$(http_probe "$1" "$PORT" /v1/version)" = "served 200"
}
check "after release: 127.0.0.1 is served again" wait_until 60 served 127.0.0.1
secs=$(awk "BEGIN { print $(date +%s.%N) - $t0 }")
check "after release: well before the polls' 20 s ended ($secs s)" \
	awk "BEGIN { exit !($secs < 10) }"
check "after release: so is the Unix socket" ctl_quiet version
ctl_quiet cancel "$id"
finish
