#!/bin/bash
# Integration: an infrastructure failure runs the whole job again, up to
# its max_attempts (default 2), with every ended attempt visible and never
# reported as a test failure: qemu that would not start (fake-qemu exiting
# with an error before any output), qemu killed by the host (kill -9 of the
# fake qemu), pkvmd restarted (kill -9 of pkvmd, twice); --max-attempts 1
# runs once; a test failure or a crash is never retried.  --retry-failed's
# fields are checked and passed on to the guest.
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1

# attempts ID -- the job's result, attempt, max_attempts and its ended
# attempts' results and messages.
attempts() {
	ctl status --json "$1" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["result"], j["attempt"], j["max_attempts"], [(a["attempt"], a["result"], a["message"]) for a in j["attempts"]])'
}

# attempt_is ID N -- whether job ID is on its attempt N now (for
# wait_until, which runs it again each time).
attempt_is() {
	[ "$(job_field "$1" attempt)" = "$2" ]
}

# ---- qemu that would not start, once: the second attempt passes -------------------
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.exit-once=$T/once")
rc=0
ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "a failed start, then a good one: the job passed (exit 0)" "$rc" 0
check_eq "its first attempt is kept with why it ended" "$(attempts "$id")" \
	"passed 2 2 [(1, 'error', 'qemu exited with status 1 before the guest printed anything: qemu-system-aarch64: fake failure requested (fakeqemu.exit-once=$T/once)')]"
check "the first attempt's console is kept" test -f "$STATE/jobs/$id/serial.attempt-1"
check_match "pkvmctl status shows the retried attempt" "$(ctl status "$id")" \
	'^retried: +1: error: qemu exited with status 1'

# ---- qemu that never starts: error after the last attempt -------------------------
id=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/pass.sh" --append "fakeqemu=exit=3")
rc=0
ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "qemu that never starts: error (exit 6) after 2 attempts" "$rc $(job_field "$id" attempt)" "6 2"
check_eq "qemu that never starts: one attempt retried, the last is the job's" \
	"$(ctl status --json "$id" | python3 -c 'import json, sys; j = json.load(sys.stdin); print(len(j["attempts"]), j["message"] == j["attempts"][0]["message"])')" \
	"1 True"
check_eq "its test never ran: not-run, no failure" "$(ctl results --json "$id" | python3 -c 'import json, sys; print([t["verdict"] for t in json.load(sys.stdin)])')" "['not-run']"

id=$(ctl submit "$TEST_KERNEL" --max-attempts 1 --append "fakeqemu=exit=3")
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "--max-attempts 1: one run, no retry" "$(attempts "$id")" "error 1 1 []"

# ---- test failures and crashes are the kernel's: never retried ------------------
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=fail")
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "a failing test: failed, one attempt" "$(attempts "$id")" "failed 1 2 []"
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=panic-at=9")
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "a crash: crashed, one attempt" "$(attempts "$id")" "crashed 1 2 []"

# ---- qemu killed by the host ---------------------------------------------------------
id=$(ctl submit "$TEST_KERNEL" --timeout 600 --idle-timeout 0 --append "fakeqemu=hang-at=3")
check "killed by the host: the job boots" wait_for_console "$id" 'Kernel command line'
kill -9 "$(tail -n 1 "$FAKE_QEMU_PIDFILE")"
check "killed by the host: it runs again" wait_until 30 attempt_is "$id" 2
check "killed by the host: the second attempt boots" wait_for_console "$id" 'Kernel command line'
ctl cancel "$id" >/dev/null
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "killed by the host: the attempt kept, the cancel the job's result" "$(attempts "$id")" \
	"cancelled 2 2 [(1, 'error', 'qemu was killed by signal 9')]"

# ---- pkvmd restarted: requeued while an attempt is left, then interrupted -------------
id=$(ctl submit "$TEST_KERNEL" --timeout 600 --idle-timeout 0 --append "fakeqemu=hang-at=3")
check "restart: the job boots" wait_for_console "$id" 'Kernel command line'
kill -9 "$PKVMD_PID"
wait_gone "$PKVMD_PID" 10
PKVMD_PID=
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1
check "restart: the job runs again" wait_for_console "$id" 'Kernel command line'
check_eq "restart: attempt 2, the first kept as interrupted" "$(attempts "$id")" \
	"None 2 2 [(1, 'interrupted', 'pkvmd stopped during the attempt')]"
kill -9 "$PKVMD_PID"
wait_gone "$PKVMD_PID" 10
PKVMD_PID=
start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1
check_eq "restart on the last attempt: interrupted, and says why" \
	"$(job_field "$id" result) $(job_field "$id" attempt) $(job_field "$id" message)" \
	"interrupted 2 interrupted: pkvmd stopped during the job's last allowed attempt"

# ---- bad input ---------------------------------------------------------------------------
rc=0
ctl submit "$TEST_KERNEL" --max-attempts 0 --append fakeqemu=pass >/dev/null 2>&1 || rc=$?
check_eq "--max-attempts 0 is refused (exit 2)" "$rc" 2
check_eq "max_attempts 11 is refused: 400 invalid_field" \
	"$(curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		-d "{\"kernel\": \"$(sha256sum "$TEST_KERNEL" | cut -c1-64)\", \"max_attempts\": 11}" \
		http://pkvmd/v1/jobs | python3 -c 'import json, sys; e = json.load(sys.stdin)["error"]; print(e["code"], e["field"])')" \
	"invalid_field max_attempts"

# ---- --retry-failed: what the API takes and the guest is told -------------------------------
# (the reruns themselves are a real guest's: tests/e2e/reruns.sh)
KSHA=$(sha256sum "$TEST_KERNEL" | cut -c1-64)
refusal() {
	curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' -d "$1" \
		http://pkvmd/v1/jobs | python3 -c 'import json, sys; e = json.load(sys.stdin)["error"]; print(e["code"], e["field"], e["message"])'
}
check_eq "retry_failed 11 is refused" "$(refusal "{\"kernel\": \"$KSHA\", \"retry_failed\": 11}" | cut -d' ' -f1-2)" \
	"invalid_field retry_failed"
check_match "retry_failed with payloads is refused, and says why" \
	"$(refusal "{\"payloads\": [{\"name\": \"p\", \"blob\": \"$KSHA\"}], \"retry_failed\": 1}")" \
	"^invalid_field retry_failed retry_failed does not go with payloads: it reruns the tests /init runs"
check_match "strict with payloads is refused too" \
	"$(refusal "{\"payloads\": [{\"name\": \"p\", \"blob\": \"$KSHA\"}], \"strict\": true}")" \
	"^invalid_field strict "
check_match "retry_failed with a root is refused" \
	"$(refusal "{\"kernel\": \"$KSHA\", \"disks\": [{\"blob\": \"$KSHA\"}], \"root\": \"/dev/vda\", \"retry_failed\": 1}")" \
	"^invalid_field retry_failed retry_failed reruns the tests /init runs, and with root"
id=$(ctl submit "$TEST_KERNEL" --retry-failed 2 --new-seed --strict --append fakeqemu=pass)
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "the job keeps retry_failed, new_seed and strict" \
	"$(ctl status --json "$id" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["retry_failed"], j["new_seed"], j["strict"])')" \
	"2 True True"
check_match "the guest is told on its command line" "$(ctl logs "$id")" \
	"Kernel command line: .* pkvm.retry_failed=2 pkvm.new_seed=1"
finish
