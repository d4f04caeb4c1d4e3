#!/bin/bash
# Integration: a client that sends its request header one byte a second
# (slowloris) is cut off at --read-timeout (2 s here), counted from when
# its connection opened, or from the end of the reply before on a
# kept-alive connection, although it is never silent for 2 s; another
# client, asking every 50 ms meanwhile, is served every time
# (docs/RELIABILITY.md, "Hostile clients").
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
HOSTILE=$(dirname "$0")/../hostile.py

PORT=$(free_port)
start_pkvmd --qemu "$FAKE_QEMU" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" \
	--public-read --read-timeout 2

for mode in first keepalive; do
	python3 "$HOSTILE" slowloris "$PORT" "$mode" >"$T/$mode.out"
	fact() {
		awk -v k="$1" '$1 == k { print $2 }' "$T/$mode.out"
	}
	[ "$mode" = first ] || check_eq "$mode: its first request is answered" "$(fact first-request)" 200
	check_eq "$mode: the one-byte-a-second header is cut off" "$(fact slow)" closed
	check "$mode: at the read timeout of 2 s ($(fact slow-secs) s)" \
		awk "BEGIN { s = $(fact slow-secs); exit !(s >= 1.5 && s < 5) }"
	served=$(fact others-served)
	check "$mode: another client is served every time meanwhile ($served)" \
		awk "BEGIN { split(\"$served\", a, \"/\"); exit !(a[2] > 5 && a[1] == a[2]) }"
	check "$mode: promptly ($(fact others-max-secs) s at most)" \
		awk "BEGIN { exit !($(fact others-max-secs) < 1.5) }"
done
check "the daemon serves on" ctl_quiet version
finish
