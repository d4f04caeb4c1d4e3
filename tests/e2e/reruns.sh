#!/bin/bash
# End to end on the small test kernel (a boot costs about a second):
# --retry-failed (docs/COMPARE.md, Reruns), in three boots.
#  - one job with --retry-failed 2 --new-seed: a test whose second sub-test
#    fails on its first run only is flaky, as is that sub-test (the other
#    stays pass), with its rerun kept and a seed of its own; a test that
#    always fails is fail after two failed reruns; a passing test is not
#    rerun; the job fails for the always-failing test alone; JUnit shows
#    Surefire's flakyFailure and rerunFailure; the stored flakiness counts
#    the reruns (pkvmctl flaky);
#  - the flaky test alone with --retry-failed 1: the job passes;
#  - the same with --strict: the job fails, and says the test is flaky.
. "$(dirname "$0")/../lib.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no small test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }

start_pkvmd --slots 2

# Fails its second sub-test the first time it runs in a boot (/tmp is
# the boot's), passes after; prints the seed it was given.
cat >"$T/10-wobbly.sh" <<'SH'
#!/bin/sh
echo "seed $PKVM_SEED"
echo "TAP version 13"
echo "1..2"
echo "ok 1 - steady"
if [ -e /tmp/wobbly-ran ]; then
	echo "ok 2 - wobbly"
	exit 0
fi
: >/tmp/wobbly-ran
echo "not ok 2 - wobbly"
exit 1
SH
cat >"$T/20-broken.sh" <<'SH'
#!/bin/sh
echo "broken run $(cat /tmp/broken-runs 2>/dev/null || echo 0)"
echo $(($(cat /tmp/broken-runs 2>/dev/null || echo 0) + 1)) >/tmp/broken-runs
exit 3
SH
printf '#!/bin/sh\nexit 0\n' >"$T/30-pass.sh"
chmod +x "$T"/*.sh

mixed=$(ctl submit "$SMALL_KERNEL" --exe "$T/10-wobbly.sh" --exe "$T/20-broken.sh" \
	--exe "$T/30-pass.sh" --retry-failed 2 --new-seed --no-cov --timeout 120)
lenient=$(ctl submit "$SMALL_KERNEL" --exe "$T/10-wobbly.sh" --retry-failed 1 --no-cov \
	--timeout 120)

rc=0; ctl wait "$mixed" 2>/dev/null || rc=$?
check_eq "a flaky, a broken and a passing test, 2 reruns: the job fails (exit 1)" "$rc" 1
check_match "  for the broken test alone" "$(job_field "$mixed" message)" "20-broken.sh exited with status 3"
res=$(ctl results --json "$mixed")
check_eq "  verdicts, sub-test verdicts and reruns" \
	"$(printf '%s' "$res" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    print(t["name"], t["verdict"], [(s["name"], s["verdict"]) for s in t["subtests"]],
          [(r["retry"], r["verdict"], r["exit_code"]) for r in t.get("reruns", [])])')" \
	"10-wobbly.sh flaky [('steady', 'pass'), ('wobbly', 'flaky')] [(1, 'pass', 0)]
20-broken.sh fail [] [(1, 'fail', 3), (2, 'fail', 3)]
30-pass.sh pass [] []"
check_match "  the flaky test says when it passed" \
	"$(printf '%s' "$res" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["message"])')" \
	"^failed, then passed on rerun 1"
log=$(ctl logs "$mixed" | tr -d '\r')
seeds=$(printf '%s\n' "$log" | sed -n 's/^seed //p' | sort -u | wc -l)
check_eq "  --new-seed: the rerun had a seed of its own" "$seeds" 2
check_match "  the broken test's reruns ran in the same boot" "$log" "broken run 2"
lines=$(printf '%s' "$res" | python3 -c 'import json,sys; print(*json.load(sys.stdin)[1]["reruns"][1]["lines"])')
check_match "  a rerun's console lines are its own" \
	"$(ctl logs "$mixed" | tr -d '\r' | sed -n "${lines% *},${lines#* }p")" "broken run 2"
ctl results --junit "$T/junit.xml" "$mixed" >/dev/null
check_eq "  JUnit: flakyFailure on the flaky sub-test, a rerunFailure per failed rerun" \
	"$(python3 -c '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
s = d.getElementsByTagName("testsuite")[0]
print(s.getAttribute("failures"),
      [c.parentNode.getAttribute("name") for c in d.getElementsByTagName("flakyFailure")],
      [c.getAttribute("message") for c in d.getElementsByTagName("rerunFailure")])' "$T/junit.xml")" \
	"1 ['wobbly'] ['rerun 1: exit code 3', 'rerun 2: exit code 3']"
check_match "  pkvmctl results counts it flaky" "$(ctl results "$mixed")" "3 tests: 1 passed, 1 failed, 1 flaky"
check_match "  the stored flakiness counts the rerun (pkvmctl flaky)" "$(ctl flaky)" "10-wobbly.sh / wobbly"

rc=0; ctl wait "$lenient" 2>/dev/null || rc=$?
check_eq "only a flaky failure: the job passes" "$rc" 0
check_eq "  its test is flaky" "$(ctl results --json "$lenient" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["verdict"])')" flaky

strict=$(ctl submit "$SMALL_KERNEL" --exe "$T/10-wobbly.sh" --retry-failed 1 --strict --no-cov \
	--timeout 120)
rc=0; ctl wait "$strict" 2>/dev/null || rc=$?
check_eq "the same with --strict: the job fails" "$rc" 1
check_match "  and says the test is flaky" "$(job_field "$strict" message)" \
	"test 10-wobbly.sh is flaky: it failed, then passed on rerun 1"
finish
