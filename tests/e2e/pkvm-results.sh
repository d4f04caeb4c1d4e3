#!/bin/bash
# End to end on real qemu and Debian's arm64 kernel: what pkvmd reads out
# of a guest, in one boot with many tests (plus one crashing boot beside
# it):
#  - every output format parsed to its exact counts: KTAP (a KVM guest
#    inside the pKVM host checking several exit reasons), TAP 14, LTP,
#    kvm-unit-tests;
#  - a test killed at its own (manifest) timeout, and the next test still
#    running;
#  - a module from the Debian kernel package loaded from --extra;
#  - artifacts back to the host, checked by sha256;
#  - JUnit XML and one test's slice of the console;
#  - a kernel panic's crash report, with its title, test and backtrace.
. "$(dirname "$0")/../lib.sh"

[ -x "$GUEST_DIR/kvm-ktap" ] || { echo "1..0 # SKIP no aarch64 cross compiler: run scripts/setup"; exit 0; }
[ -s "$TEST_KERNEL" ] || { echo "Bail out! no test kernel at $TEST_KERNEL: run scripts/fetch-guest"; exit 1; }

start_pkvmd --slots 2

# --extra: one module from the kernel's own package, marked to load.
kver=$(ls "$TEST_MODULES")
mkdir -p "$T/extra/lib/modules/$kver/kernel/drivers/net"
cp "$TEST_MODULES/$kver/kernel/drivers/net/dummy.ko" "$T/extra/lib/modules/$kver/kernel/drivers/net/"
cat >"$T/10-modcheck.sh" <<'SH'
#!/bin/sh
grep -q '^dummy ' /proc/modules && echo "dummy is loaded"
SH
cat >"$T/tests.manifest" <<'MF'
# slow.sh would run for minutes: its own timeout stops it.
test slow.sh timeout=3
test 10-modcheck.sh -- "two words" three
env 10-modcheck.sh GREETING=hello
module dummy
MF
chmod +x "$T/10-modcheck.sh"

crash=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/panic.sh" --tag e2e-crash --timeout 300)
id=$(ctl submit "$TEST_KERNEL" --timeout 300 --manifest "$T/tests.manifest" --extra "$T/extra" \
	--exe "$GUEST_DIR/kvm-ktap" --exe "$GUEST_DIR/tap-mix.sh" --exe "$GUEST_DIR/ltp-mix.sh" \
	--exe "$GUEST_DIR/kut-mix.sh" --exe "$GUEST_DIR/artifact.sh" --exe "$GUEST_DIR/slow.sh" \
	--exe "$T/10-modcheck.sh")

rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "a job with failing tests exits 1" "$rc" 1

# name -> "verdict pass/fail/skip" over the leaves of its subtests.
summary=$(ctl results --json "$id" | python3 -c '
import json, sys
def leaves(n):
    kids = n["subtests"]
    return [n] if not kids else [l for k in kids for l in leaves(k)]
for t in json.load(sys.stdin):
    ls = [l for k in t["subtests"] for l in leaves(k)]
    c = lambda v: sum(1 for l in ls if l["verdict"] == v)
    print(t["name"], t["verdict"], "%d/%d/%d" % (c("pass"), c("fail") + c("error"), c("skip")))')
echo "$summary" | sed 's/^/# /'
verdict() { printf '%s\n' "$summary" | awk -v n="$1" '$1 == n { print $2, $3 }'; }

check_eq "modules: dummy loaded from --extra" "$(verdict _modules)" "pass 1/0/0"
check_eq "the module is really in the guest" "$(verdict 10-modcheck.sh)" "pass 0/0/0"
check_eq "KTAP: the KVM exit-reason checks pass" "$(verdict kvm-ktap)" "pass 8/0/1"
check_eq "TAP 14: 4 pass, 1 fail, 2 skip (SKIP, TODO)" "$(verdict tap-mix.sh)" "fail 4/1/2"
check_eq "LTP: 3 TPASS, TFAIL + TBROK, 1 TCONF" "$(verdict ltp-mix.sh)" "fail 3/2/1"
check_eq "kvm-unit-tests: 3 PASS + XFAIL, 1 FAIL, 1 SKIP" "$(verdict kut-mix.sh)" "fail 4/1/1"
check_eq "a test killed at its own timeout" "$(verdict slow.sh)" "timeout 0/0/0"
check_eq "the test after it still ran" "$(verdict tap-mix.sh | cut -d' ' -f1)" "fail"
check_match "args and env from the manifest reached the test" "$(ctl logs --test 10-modcheck.sh "$id")" "dummy is loaded"

slice=$(ctl logs --test tap-mix.sh "$id")
check_match "logs --test shows the test's own lines" "$slice" "ok 6 - group"
check "logs --test leaves other tests out" bash -c '! grep -q TPASS <<<"$1"' _ "$slice"

# Artifacts: the guest printed the sha256 of random.bin; the host's copy
# must match it byte for byte.
want=$(ctl logs "$id" | sed -n 's/.*random.bin size=[0-9]* sha256=\([0-9a-f]\{64\}\).*/\1/p' | head -1)
ctl artifacts "$id" get artifact.sh/random.bin -o "$T/random.bin" >/dev/null
check_eq "an artifact comes back byte for byte" "$(sha256sum <"$T/random.bin" | cut -d' ' -f1)" "$want"
check_eq "a nested artifact comes back" \
	"$(ctl artifacts "$id" get artifact.sh/sub/dir/nested.txt -o - 2>/dev/null)" "nested"
# Debian's kernel has no CONFIG_IKCONFIG_PROC: nothing is saved, and the
# console says so (the small kernel's config.gz: tests/e2e/tester.sh).
check_match "no /proc/config.gz: the console says it is not saved" "$(ctl logs "$id")" \
	"pkvm-init: no /proc/config.gz \\(the kernel lacks CONFIG_IKCONFIG_PROC\\): its configuration is not saved"
check "and there is no _system/config.gz" bash -c '! grep -q _system/config.gz <<<"$1"' _ "$(ctl artifacts "$id")"
check_match "without virtio modules, artifacts come over the console, as the log says" "$(ctl logs "$id")" \
	"pkvm-init: artifacts: over the console \(the kernel has no virtio console driver"
check_match "artifacts are listed as ok" "$(ctl artifacts "$id")" "artifact.sh/random.bin +1.0 MiB +ok|artifact.sh/random.bin.*1048576.*ok|artifact.sh/random.bin.*ok"

ctl results --junit "$T/junit.xml" "$id" >/dev/null || true
check_eq "JUnit XML parses and counts the failures" "$(python3 -c '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1]); s = d.getElementsByTagName("testsuite")[0]
print(int(s.getAttribute("failures")) + int(s.getAttribute("errors")) > 0, len(d.getElementsByTagName("testcase")) > 10)' "$T/junit.xml")" "True True"

rc=0; ctl wait "$crash" 2>/dev/null || rc=$?
check_eq "the panicking job is crashed" "$rc" 4
report=$(ctl crashes --json "$crash")
check_eq "its crash report: title, kind, test" "$(printf '%s' "$report" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
print(c["title"], "|", c["kind"], "|", c["test"], "|", "Call trace:" in c["report"])')" \
	"kernel panic: sysrq triggered crash | panic | panic.sh | True"
check_match "crashes --all groups it" "$(ctl crashes --all)" "sysrq triggered crash"
finish
