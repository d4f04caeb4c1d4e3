#!/bin/bash
# End to end on real qemu and Debian's arm64 kernel in pKVM mode
# (kvm-arm.mode=protected), one boot per job, two jobs at a time:
#  - a passing job: a busybox script that sees "Protected nVHE (or hVHE)
#    mode initialized successfully" and a static aarch64 C program that runs a
#    KVM guest through /dev/kvm inside the pKVM host;
#  - a failing job, run in parallel with it (their run times overlap);
#  - a kernel panic from a test (sysrq), detected as `crashed`.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$GUEST_DIR/kvm-smoke" ]; then
	echo "1..0 # SKIP no aarch64 cross compiler: run scripts/setup"
	exit 0
fi
[ -s "$TEST_KERNEL" ] || { echo "Bail out! no test kernel at $TEST_KERNEL: run scripts/fetch-guest"; exit 1; }

start_pkvmd --slots 2

# A test program that is not one of ours: written here, on the fly.
cat >"$T/10-uname.sh" <<'SH'
#!/bin/sh
echo "uname: $(uname -m) $(uname -r)"
[ "$(uname -m)" = aarch64 ]
SH
chmod +x "$T/10-uname.sh"

a=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/pass.sh" --exe "$GUEST_DIR/kvm-smoke" \
	--exe "$T/10-uname.sh" --tag e2e --timeout 300)
b=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/fail.sh" --tag e2e --timeout 300)

rc=0; ctl wait "$a" 2>/dev/null || rc=$?
check_eq "pKVM job with a KVM guest passes (exit 0)" "$rc" 0
console=$(ctl logs "$a")
check_match "console shows pKVM initialised" "$console" "Protected (nVHE|hVHE) mode initialized successfully"
check_match "kvm-smoke reached its MMIO exit" "$console" "ok .*MMIO"
results=$(ctl results --json "$a")
check_eq "three tests stored, all passed" \
	"$(printf '%s' "$results" | python3 -c 'import json,sys; t=json.load(sys.stdin); print(len(t), sorted(x["verdict"] for x in t))')" \
	"3 ['pass', 'pass', 'pass']"
check_eq "tests ran in name order" \
	"$(printf '%s' "$results" | python3 -c 'import json,sys; print(" ".join(x["name"] for x in json.load(sys.stdin)))')" \
	"10-uname.sh kvm-smoke pass.sh"

rc=0; ctl wait "$b" 2>/dev/null || rc=$?
check_eq "job with a failing test exits 1" "$rc" 1
check_match "its message names the test and status" "$(job_field "$b" message)" "fail.sh exited with status 3"

overlap=$(ctl list --json --tag e2e | python3 -c '
import json, sys
j = {x["id"]: x for x in json.load(sys.stdin)}
a, b = j[int(sys.argv[1])], j[int(sys.argv[2])]
print(a["started"] < b["finished"] and b["started"] < a["finished"])' "$a" "$b")
check_eq "the two jobs ran in parallel" "$overlap" True

c=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/panic.sh" --timeout 300)
rc=0; ctl wait "$c" 2>/dev/null || rc=$?
check_eq "a kernel panic ends the job as crashed (exit 4)" "$rc" 4
check_eq "result is crashed" "$(job_field "$c" result)" crashed
check_match "message is the panic title and the test" "$(job_field "$c" message)" \
	"kernel panic: sysrq triggered crash \\(during test panic.sh\\)"
check_match "the backtrace is in the console" "$(ctl logs "$c")" "Call trace:"
check_eq "qemu exited 0 (panic=-1 -no-reboot), still crashed" "$(job_field "$c" exit_status)" 0
finish
