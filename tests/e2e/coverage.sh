#!/bin/bash
# End to end on the small gcov kernel (scripts/build-test-kernel): coverage
# of a static aarch64 program built with --coverage (tests/guest/cov-demo.c,
# whose paths are known), run twice with different inputs, captured with
# the cross gcov, exact to the line and branch; the two runs merged; and the
# kernel's own KVM code captured from its gcov debugfs.
. "$(dirname "$0")/../lib.sh"

[ -s "${SMALL_KERNEL:-}" ] || { echo "Bail out! no small test kernel at ${SMALL_KERNEL:-?}: run scripts/build-test-kernel"; exit 1; }
[ -x "$GUEST_DIR/cov-demo" ] || { echo "1..0 # SKIP no aarch64 cross compiler: run scripts/setup"; exit 0; }

start_pkvmd --slots 2

for input in 1 7; do
	printf 'test cov-demo -- %s\n' "$input" >"$T/in$input.manifest"
done
a=$(ctl submit "$SMALL_KERNEL" --mem 256 --exe "$GUEST_DIR/cov-demo" --manifest "$T/in1.manifest" \
	--tag cov-e2e --gcov-tool aarch64-linux-gnu-gcov)
b=$(ctl submit "$SMALL_KERNEL" --mem 256 --exe "$GUEST_DIR/cov-demo" --manifest "$T/in7.manifest" \
	--tag cov-e2e)

# file FRAGMENT: "lines branches functions" of that file, hit/found.
counts() { python3 -c '
import json, sys
c = json.load(sys.stdin)
f = [x for x in c["files"] if x["file"].endswith(sys.argv[1])]
print(c["status"], *(("%d/%d" % (f[0][k]["hit"], f[0][k]["total"])) for k in ("lines", "branches", "functions")) if f else "-")' "$1"; }
coverage() {
	ctl wait "$1" >/dev/null 2>&1 || true
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$1/coverage?wait=300"
}

ca=$(coverage "$a")
cb=$(coverage "$b")
check_eq "input 1: cov-demo.c lines, branches, functions" "$(printf '%s' "$ca" | counts cov-demo.c)" "ok 15/33 6/14 1/2"
check_eq "input 7 (gcov tool detected)" "$(printf '%s' "$cb" | counts cov-demo.c)" "ok 21/33 8/14 2/2"
merged=$(curl -s --unix-socket "$SOCK" "http://pkvmd/v1/coverage?tag=cov-e2e")
check_eq "both merged: the union of the two runs" "$(printf '%s' "$merged" | counts cov-demo.c)" "ok 25/33 11/14 2/2"

kvm=$(printf '%s' "$ca" | python3 -c '
import json, sys
c = json.load(sys.stdin)
f = [x for x in c["files"] if x["file"].endswith("arch/arm64/kvm/arm.c")]
print(len(f) == 1 and f[0]["lines"]["hit"] > 0 and f[0]["lines"]["total"] > f[0]["lines"]["hit"])')
check_eq "the kernel's KVM code is covered (arch/arm64/kvm/arm.c)" "$kvm" "True"
check_match "the job's coverage.info is an artifact" "$(ctl artifacts "$a")" "_coverage/coverage.info"
check_match "the raw gcov archives are kept" "$(ctl artifacts "$a")" "_coverage/kernel-01-exe.tar.gz"
# No virtio in this kernel: the archives came the slow way, and the log says so.
check_match "without a virtio console driver, artifacts go over the console" "$(ctl logs "$a")" \
	"pkvm-init: artifacts: over the console \(the kernel has no virtio console driver \(virtio_console\)\)"
check_eq "the jobs passed" "$(job_field "$a" result) $(job_field "$b" result)" "passed passed"
finish
