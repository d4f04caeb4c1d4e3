#!/bin/bash
# Integration: GET /v1/health and GET /metrics.  Fake-qemu jobs move the
# counters (jobs by result, requests, console bytes), every scrape passes
# `promtool check metrics`, the queue gauge shows a waiting job's owner,
# route labels are patterns, never paths; /v1/health needs no token on TCP
# while /metrics does unless --public-read; and on a small tmpfs as the
# state directory, /v1/health turns 503 when free space drops below
# --min-free, and names the database too once not a page can be written.
. "$(dirname "$0")/../lib.sh"

# skip WHAT REASON -- a check that cannot run here, as TAP says it.
skip() {
	TESTS_RUN=$((TESTS_RUN + 1))
	echo "ok $TESTS_RUN - $1 # SKIP $2"
}

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TCP=http://127.0.0.1:$PORT

start_lab() {
	start_pkvmd --qemu "$FAKE_QEMU" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" "$@"
}

scrape() {
	curl -sS --unix-socket "$SOCK" http://pkvmd/metrics
}

# sample TEXT NAME{LABELS} -- the value of one sample in a scrape, or "".
sample() {
	awk -v k="$2" '$1 == k { print $2 }' <<<"$1"
}

# status URL [curl args] -- the HTTP status of a GET.
status() {
	local url=$1
	shift
	curl -sS -o /dev/null -w '%{http_code}' "$@" "$url"
}

health() {
	curl -sS --unix-socket "$SOCK" http://pkvmd/v1/health
}

json() {
	python3 -c 'import json, sys; v = eval(sys.argv[1], {}, {"j": json.load(sys.stdin)}); print(json.dumps(v) if not isinstance(v, str) else v)' "$1"
}

have_promtool=0
if [ -x "${PROMTOOL:-}" ]; then
	have_promtool=1
elif PROMTOOL=$(command -v promtool); then
	have_promtool=1
fi
# promtool_ok TEXT -- promtool parses the scrape and finds no lint problem.
promtool_ok() {
	"$PROMTOOL" check metrics <<<"$1" >"$T/promtool.out" 2>&1 || { sed 's/^/# promtool: /' "$T/promtool.out"; return 1; }
}
check_promtool() {
	if [ "$have_promtool" = 1 ]; then
		check "$1" promtool_ok "$2"
	else
		skip "$1" "promtool is not installed (Debian package prometheus)"
	fi
}

me=$(id -un)
start_lab --slots 1

h=$(health)
check_eq "/v1/health is ok on a fresh daemon" "$(json 'j["status"]' <<<"$h")" ok
check_eq "/v1/health: the database took a write" "$(json 'j["database"]["writable"]' <<<"$h")" true
check_eq "/v1/health: slots" "$(json '[j["slots"]["total"], j["slots"]["used"]]' <<<"$h")" "[1, 0]"
check_match "/v1/health: free bytes of the state directory" "$(json 'j["disk"]["free_bytes"]' <<<"$h")" '^[0-9]+$'
check_eq "/v1/health needs no token on TCP" "$(status "$TCP/v1/health")" 200
check_eq "/metrics needs a token on TCP without --public-read" "$(status "$TCP/metrics")" 401

m0=$(scrape)
check_promtool "the first scrape passes promtool check metrics" "$m0"
check_eq "no job has finished yet" "$(sample "$m0" 'pkvmd_jobs_finished_total{result="passed"}')" 0
check_eq "console bytes start at 0" "$(sample "$m0" pkvmd_console_bytes_total)" 0

id1=$(ctl submit "$TEST_KERNEL" --exe "$SRC_GUEST_DIR/pass.sh" --append fakeqemu=pass)
ctl_quiet wait "$id1" || true
id2=$(ctl submit "$TEST_KERNEL" --exe "$SRC_GUEST_DIR/fail.sh" --append fakeqemu=fail)
ctl_quiet wait "$id2" 2>/dev/null || true
curl -sS -o /dev/null --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$id1/nonsense-$RANDOM"

m1=$(scrape)
check_promtool "a scrape after jobs passes promtool check metrics" "$m1"
check_eq "finished jobs count by result: passed" "$(sample "$m1" 'pkvmd_jobs_finished_total{result="passed"}')" 1
check_eq "finished jobs count by result: failed" "$(sample "$m1" 'pkvmd_jobs_finished_total{result="failed"}')" 1
check_eq "jobs by state come from the database" "$(sample "$m1" 'pkvmd_jobs{state="done"}')" 2
check_eq "submits are counted by route and status" \
	"$(sample "$m1" 'pkvmd_http_requests_total{method="POST",route="/v1/jobs",status="201"}')" 2
check_eq "a path is counted by its route's pattern" \
	"$(sample "$m1" 'pkvmd_http_requests_total{method="GET",route="/v1/jobs/{id}/wait",status="200"}')" 2
check_match "a path no route has is counted as route none" "$m1" \
	'^pkvmd_http_requests_total\{method="GET",route="none",status="404"\} 1$'
check "no raw path becomes a label" bash -c '! grep -q "nonsense\|/v1/jobs/[0-9]" <<<"$1"' _ "$m1"
check_eq "the request latency histogram counts them too" \
	"$(sample "$m1" 'pkvmd_http_request_duration_seconds_count{method="POST",route="/v1/jobs"}')" 2
console=$(sample "$m1" pkvmd_console_bytes_total)
check "console bytes moved" test "$console" -gt 0
check_eq "console bytes are the jobs' console_bytes" "$console" \
	$(($(job_field "$id1" console_bytes) + $(job_field "$id2" console_bytes)))
check_eq "both jobs' durations are observed" \
	"$(( $(sample "$m1" 'pkvmd_job_duration_seconds_count{result="passed"}') + $(sample "$m1" 'pkvmd_job_duration_seconds_count{result="failed"}') ))" 2
check_eq "both boots are observed" "$(sample "$m1" 'pkvmd_boot_duration_seconds_bucket{le="+Inf"}')" 2
check "the loop's turns are observed" test "$(sample "$m1" 'pkvmd_loop_turn_seconds_count')" -gt 0
check_match "the longest turn is reported" \
	"$(sample "$m1" pkvmd_loop_turn_max_seconds)" '^[0-9.e-]+$'
check_match "the blob store's bytes are reported" "$(sample "$m1" pkvmd_blob_store_bytes)" '^[1-9][0-9]*$'
check_match "free disk is reported" "$(sample "$m1" pkvmd_state_free_bytes)" '^[1-9][0-9]*$'

# One slot: a hanging job holds it and the next one waits in the queue.
id3=$(ctl submit "$TEST_KERNEL" --append fakeqemu=hang)
wait_for_console "$id3" .
id4=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass)
m2=$(scrape)
check_eq "the queue by owner shows the waiting job" "$(sample "$m2" "pkvmd_queued_jobs{owner=\"$me\"}")" 1
check_eq "slots used" "$(sample "$m2" pkvmd_slots_used)" 1
check_eq "/v1/health: queue depth" "$(health | json 'j["queue"]["depth"]')" 1
ctl_quiet cancel "$id4"
ctl_quiet cancel "$id3"
ctl_quiet wait "$id3" 2>/dev/null || true
m3=$(scrape)
check_eq "cancelled jobs count, queued or running" "$(sample "$m3" 'pkvmd_jobs_finished_total{result="cancelled"}')" 2
check "a user with nothing queued drops out of the queue gauge" bash -c '! grep -q "^pkvmd_queued_jobs{" <<<"$1"' _ "$m3"
check "counters never went down" test "$(sample "$m3" pkvmd_console_bytes_total)" -ge "$console"
stop_pkvmd

# A small state directory: a tmpfs, which needs the right to mount.
SMALL=$T/small
mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=64m pkvm-test "$SMALL" 2>"$T/mount.err"; then
	why="cannot mount a tmpfs here: $(head -1 "$T/mount.err")"
	STATE=$T/state-public
	start_lab --public-read
	check_eq "/metrics needs no token on TCP with --public-read" "$(status "$TCP/metrics")" 200
	for what in "/v1/health is 503 with free space below --min-free" \
		"the reason names the disk" "the database still takes writes" \
		"/v1/health is 503 when the database takes no write" "the reason names the database" \
		"/v1/health is ok again once space is freed"; do
		skip "$what" "$why"
	done
	stop_pkvmd
	finish
	exit
fi
trap 'rc=$?; stop_pkvmd; umount "$SMALL" 2>/dev/null || umount -l "$SMALL"; (exit $rc); cleanup' EXIT
STATE=$SMALL/state
start_lab --public-read --min-free $((32 * 1024 * 1024))
check_eq "/metrics needs no token on TCP with --public-read" "$(status "$TCP/metrics")" 200
check_eq "/v1/health is ok on the small state directory" "$(status http://pkvmd/v1/health --unix-socket "$SOCK")" 200

avail=$(df --output=avail -B1 "$SMALL" | tail -1)
fallocate -l $((avail - 16 * 1024 * 1024)) "$SMALL/fill1"
h=$(health || true)
check_eq "/v1/health is 503 with free space below --min-free" "$(status http://pkvmd/v1/health --unix-socket "$SOCK")" 503
check_eq "the reason names the disk" "$(json '[r["check"] for r in j["reasons"]]' <<<"$h")" '["disk"]'
check_eq "the database still takes writes" "$(json 'j["database"]["writable"]' <<<"$h")" true

# Not a page left: the health check's commit cannot append to the WAL.
cat /dev/zero >"$SMALL/fill2" 2>/dev/null || true
h=$(health || true)
check_eq "/v1/health is 503 when the database takes no write" "$(json 'j["database"]["writable"]' <<<"$h")" false
check_match "the reason names the database" "$(json '[r["check"] + ": " + r["message"] for r in j["reasons"]]' <<<"$h")" \
	'database: the database cannot be written: No space left on device'

rm -f "$SMALL/fill1" "$SMALL/fill2"
check_eq "/v1/health is ok again once space is freed" "$(status http://pkvmd/v1/health --unix-socket "$SOCK")" 200
finish
