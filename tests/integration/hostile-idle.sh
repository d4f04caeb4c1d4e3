#!/bin/bash
# Integration: 1,000 idle connections do not keep a new client from being
# served (docs/RELIABILITY.md, "Hostile clients").  They come from 20
# loopback addresses (127.0.0.2 ... 127.0.0.21, 50 each), as a lab's
# clients come from many hosts, under the default caps (--max-connections
# 1024, --max-connections-per-ip 64).  A new client is answered at once
# while all 1,000 are open, and the server closes every one of them by
# itself once --read-timeout (10 s here) has passed without a whole
# request header, which also shows it had accepted them all rather than
# leaving them in the kernel's backlog.  pkvmd raised its soft file
# descriptor limit to the hard one; under a hard limit too low for the
# cap, it lowers --max-connections and says so.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
HOSTILE=$(dirname "$0")/../hostile.py

PORT=$(free_port)
# Started with a soft limit of 1024 (what a shell or a unit often gives)
# under a hard one of 4096.
printf '#!/bin/sh\nexec prlimit --nofile=1024:4096 "%s" "$@"\n' "$PKVMD" >"$T/pkvmd-1024"
chmod +x "$T/pkvmd-1024"
PKVMD=$T/pkvmd-1024 start_pkvmd --qemu "$FAKE_QEMU" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" \
	--public-read --read-timeout 10

# limit WHICH -- pkvmd's soft or hard open-files limit.
limit() {
	awk -v w="$1" '/^Max open files/ { print (w == "soft" ? $4 : $5) }' "/proc/$PKVMD_PID/limits"
}
check_eq "fds: the soft limit was raised to the hard one" "$(limit soft) $(limit hard)" "4096 4096"

python3 "$HOSTILE" idle "$PORT" 1000 20 >"$T/idle.out"
# fact KEY -- the value of KEY in the client's report.
fact() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/idle.out"
}
check_eq "idle: 1000 connections open" "$(fact held)" 1000
check_eq "idle: a new client is served meanwhile" "$(fact new-client)" 200
check "idle: within 3 s ($(fact new-client-secs) s)" awk "BEGIN { exit !($(fact new-client-secs) < 3) }"
check_eq "idle: all 1000 still open when it was" "$(fact idle-open-then)" 1000
check_eq "idle: the server closed all 1000 by itself" "$(fact idle-closed)" 1000
check "idle: by the read timeout of 10 s, give or take ($(fact idle-closed-secs) s after)" \
	awk "BEGIN { exit !($(fact idle-closed-secs) < 20) }"
check "idle: and serves on" ctl_quiet version
check_eq "idle: over TCP too" "$(http_probe 127.0.0.1 "$PORT" /v1/version)" "served 200"
stop_pkvmd

# Too few descriptors for the cap: it is lowered to what fits (600 - 256
# kept - 16 for each of 2 slots = 312), logged, and the daemon serves.
prlimit --nofile=600:600 "$PKVMD" --state-dir "$STATE" --socket "$SOCK" --pid-file "$PIDFILE" \
	--spawn-helper "$PKVMD_SPAWN" --qemu "$FAKE_QEMU" --slots 2 \
	--listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" --public-read
PKVMD_PID=$(cat "$PIDFILE")
check_match "fds: a cap past the limit is lowered and logged" "$(cat "$STATE/pkvmd.log")" \
	'--max-connections 1024 lowered to 312: the file descriptor limit is 600'
check "fds: and the daemon serves" ctl_quiet version
stop_pkvmd
finish
