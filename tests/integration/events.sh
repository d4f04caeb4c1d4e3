#!/bin/bash
# Integration: GET /v1/events.  A job's events come in order with its
# phases and tests; a client resuming with Last-Event-ID gets exactly what
# it missed, an id no longer kept gets `event: reset`; ?job= filters; the
# slots are announced; a client that stops reading is cut at
# --events-max-queue while the others go on; `pkvmctl wait` shows a live
# line on a terminal and plain lines without one.
. "$(dirname "$0")/../lib.sh"

# The smallest cap, so that a client that does not read is cut after a
# few jobs' events rather than megabytes of them.
start_pkvmd --qemu "$FAKE_QEMU" --slots 2 --events-max-queue 1024

# stream NAME [QUERY [CURL ARGS...]] -- read the event stream into
# $T/NAME.sse in the background until stop_stream NAME; returns once
# pkvmd has subscribed it (the stream's opening comment is in).
stream() {
	local name=$1 query=${2:-}
	shift 2 || shift $#
	curl -sN --unix-socket "$SOCK" "$@" "http://pkvmd/v1/events$query" >"$T/$name.sse" &
	eval "pid_$name=$!"
	wait_until 10 grep -q '^: pkvmd events' "$T/$name.sse"
}
stop_stream() {
	local pid
	eval "pid=\$pid_$1"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# summary FILE -- one line per event: "ID job JOB STATE PHASE TEST P/F/T
# RESULT", "ID slots USED/TOTAL QUEUED", "ID reset REASON".
summary() {
	python3 - "$1" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
for block in text.split("\n\n"):
    f = {}
    for line in block.split("\n"):
        if line.startswith(":") or ": " not in line:
            continue
        k, v = line.split(": ", 1)
        f[k] = v
    if "event" not in f:
        continue
    d = json.loads(f["data"])
    if f["event"] == "job":
        t = d["test"]
        test = "-" if t is None else "%d/%d:%s" % (t["index"], t["total"], t["name"])
        c = d["tests"]
        print(f["id"], "job", d["id"], d["state"], d["phase"], test,
              "%d/%d/%d" % (c["passed"], c["failed"], c["total"]), d["result"])
    elif f["event"] == "slots":
        print(f["id"], "slots", "%d/%d" % (d["used"], d["total"]), d["queued"])
    else:
        print(f["id"], f["event"], d.get("reason"))
PY
}
# jobs_of SUMMARY ID -- that job's lines without their ids.
jobs_of() {
	grep -E "^[0-9]+ job $2 " <<<"$1" | cut -d' ' -f2-
}
has_event() { grep -Eq "$2" <(summary "$T/$1.sse"); }

cp "$SRC_GUEST_DIR/pass.sh" "$T/a.sh"
cp "$SRC_GUEST_DIR/pass.sh" "$T/b.sh"

# ---- one job, from queued to done ----
stream all
id=$(ctl submit "$TEST_KERNEL" --exe "$T/a.sh" --exe "$T/b.sh" --append fakeqemu=pass)
ctl_quiet wait "$id" 2>/dev/null
check "the done event of job $id comes" wait_until 10 has_event all "job $id done done"
s=$(summary "$T/all.sse")
check_eq "its events come in order, with test i of N" "$(jobs_of "$s" "$id")" \
"job $id queued queued - 0/0/2 None
job $id running preparing - 0/0/2 None
job $id running booting - 0/0/2 None
job $id running testing - 0/0/2 None
job $id running testing 1/2:a.sh 0/0/2 None
job $id running testing - 1/0/2 None
job $id running testing 2/2:b.sh 1/0/2 None
job $id running testing - 2/0/2 None
job $id running finishing - 2/0/2 None
job $id done done - 2/0/2 passed"
check_eq "the slots: queued, in use, free again" \
	"$(grep -E '^[0-9]+ slots' <<<"$s" | cut -d' ' -f2-)" \
	"slots 0/2 1
slots 1/2 0
slots 0/2 0"
ids=$(cut -d' ' -f1 <<<"$s")
check_eq "ids only grow" "$ids" "$(sort -n <<<"$ids")"
check_eq "ids are unique" "$(uniq -d <<<"$ids")" ""

# ---- resuming ----
booting=$(grep " booting " <<<"$s" | cut -d' ' -f1)
stream resumed "" -H "Last-Event-ID: $booting"
last=$(tail -1 <<<"$ids")
check "the resumed stream reaches the newest event" wait_until 10 grep -q "^id: $last\$" "$T/resumed.sse"
stop_stream resumed
check_eq "Last-Event-ID gets exactly the events after it" \
	"$(summary "$T/resumed.sse" | cut -d' ' -f1)" "$(awk -v b="$booting" '$1 > b' <<<"$ids")"
stream since "?since=$booting"
check "?since= does the same" wait_until 10 grep -q "^id: $last\$" "$T/since.sse"
stop_stream since
check_eq "... with the same events" "$(summary "$T/since.sse")" "$(summary "$T/resumed.sse")"

stream old "?since=5"
check "an id from another pkvmd gets a reset" wait_until 10 has_event old "reset"
stop_stream old
check_eq "... first, and only it" "$(summary "$T/old.sse")" "$last reset events gone"

# ---- ?job= ----
id2=$(ctl submit "$TEST_KERNEL" --exe "$T/a.sh" --append fakeqemu=fail)
stream one "?job=$id2&since=$last"
ctl_quiet wait "$id2" 2>/dev/null || true
check "the filtered stream gets job $id2's done" wait_until 10 has_event one "job $id2 done done"
stop_stream one
s1=$(summary "$T/one.sse")
check_eq "only job $id2's events, from queued on" \
	"$(cut -d' ' -f2-4 <<<"$s1" | sort -u)" "job $id2 done
job $id2 queued
job $id2 running"
check_match "its failed test counts" "$(tail -1 <<<"$s1")" "job $id2 done done - 0/1/1 failed"
check "an unknown job is 404" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" 'http://pkvmd/v1/events?job=999')" = 404
check "a bad ?since= is 400" \
	test "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" 'http://pkvmd/v1/events?since=x')" = 400

# ---- a client that stops reading ----
python3 - "$SOCK" "$T/slow" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: pkvmd\r\n\r\n")
open(sys.argv[2] + ".connected", "w").close()
# Read nothing until told, then everything to the end.
while not os.path.exists(sys.argv[2] + ".go"):
    time.sleep(0.05)
s.settimeout(20)
n = 0
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        n += len(b)
    print("closed", file=open(sys.argv[2] + ".out", "w"))
except OSError as e:
    print("error", e, file=open(sys.argv[2] + ".out", "w"))
PY
slow=$!
wait_until 10 test -e "$T/slow.connected"
stream fast
names=a.sh,$(seq -s, -f 't%03g' 2 200)
cut_seen() { grep -q 'cutting its stream' "$STATE/pkvmd.log"; }
for i in $(seq 1 40); do
	j=$(ctl submit "$TEST_KERNEL" --exe "$T/a.sh" --append "fakeqemu=pass fakeqemu.tests=$names")
	ctl_quiet wait "$j" 2>/dev/null
	if cut_seen; then break; fi
done
check "pkvmd cut the client that stopped reading" cut_seen
touch "$T/slow.go"
wait "$slow" || true
check_eq "its connection was closed" "$(cat "$T/slow.out" 2>/dev/null)" "closed"
check "the reading client got the last job's done" wait_until 10 has_event fast "job $j done done"
stop_stream fast
stop_stream all

# ---- pkvmctl wait: a live line on a terminal, plain lines elsewhere ----
# The guest prints slowly enough that the wait is connected while it runs.
slow_job() {
	ctl submit "$TEST_KERNEL" --exe "$T/a.sh" --exe "$T/b.sh" \
		--append "fakeqemu=pass fakeqemu.delay-ms=100"
}
id3=$(slow_job)
rc=0
script -qfec "$PKVMCTL --socket $SOCK wait $id3" "$T/tty.out" >/dev/null </dev/null || rc=$?
check_eq "wait on a terminal exits with the job's result" "$rc" 0
tty=$(tr '\r' '\n' <"$T/tty.out")
check_match "the live line shows test i of N and its name" "$tty" \
	"job $id3: testing 2/2 b.sh \([0-9.]+s of 10m00s, usually [0-9.]+s\)"
check_match "it is redrawn in place" "$(cat "$T/tty.out")" $'\r\e\\[Kjob '"$id3"': '
check_match "and replaced by the verdict" "$(grep -v "^Script " <<<"$tty" | grep -v "^$" | tail -1)" "K?job $id3 passed in [0-9.]+ s$"
id4=$(slow_job)
ctl wait "$id4" 2>"$T/plain.err" >/dev/null
check_match "without a terminal: a plain line per phase, then the verdict" \
	"$(cat "$T/plain.err")" "job $id4: testing
job $id4: finishing
job $id4 passed in "
check "and no escape sequences" test -z "$(grep -l $'\e' "$T/plain.err")"
est=$(curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$id4/estimate")
check_match "the estimate is the last job of the same kernel and tests" "$est" \
	"\"estimate_ms\": ?[0-9]+, ?\"from\": ?$id3"

finish
