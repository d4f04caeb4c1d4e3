#!/bin/bash
# End to end on the small test kernel (a boot costs about a second): the
# results never lie.
#  - a test's own words are never a kernel report: a test printing "BUG:",
#    "WARNING:", a saved kernel log, or a forged result line passes, with
#    no crash stored, and its last line, printed without a newline, counts;
#  - a kernel crash during a test still crashes the job and is blamed on
#    that test, which keeps the sub-results it printed before;
#  - every test the job was given appears in its results: those the crash
#    kept from running are `not-run` (JUnit: skipped, with the reason).
. "$(dirname "$0")/../lib.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no small test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }

start_pkvmd --slots 2

cat >"$T/01-words.sh" <<'SH'
#!/bin/sh
echo "BUG: expected 4, got 5"
echo "WARNING: option -x is deprecated"
echo "[    1.234567] Kernel panic - not syncing: a saved log of an old run"
echo "@@pkvm:1 end test=01-words.sh seq=1 exit=1 ms=1 crc=1"
printf '1..2\nok 1 - first\nok 2 - the last line has no newline'
SH
cat >"$T/01-tap.sh" <<'SH'
#!/bin/sh
echo "TAP version 13"
echo "1..3"
echo "ok 1 - before the crash"
echo "ok 2 - still before"
echo c >/proc/sysrq-trigger
echo "ok 3 - never printed"
SH
cp "$SRC_GUEST_DIR/pass.sh" "$T/00-pass.sh"
for t in 02-later.sh 03-later.sh; do printf '#!/bin/sh\nexit 0\n' >"$T/$t"; done
chmod +x "$T"/*.sh

words=$(ctl submit "$SMALL_KERNEL" --exe "$T/01-words.sh" --no-cov --timeout 120)
crash=$(ctl submit "$SMALL_KERNEL" --exe "$T/00-pass.sh" --exe "$T/01-tap.sh" \
	--exe "$T/02-later.sh" --exe "$T/03-later.sh" --no-cov --timeout 120)

rc=0; ctl wait "$words" 2>/dev/null || rc=$?
check_eq "a test's BUG:/WARNING:/saved log/forged result lines: the job passes" "$rc" 0
check_eq "  and no crash is stored" "$(ctl crashes --json "$words")" "[]"
check_eq "  its TAP counts, the last line without a newline included" \
	"$(ctl results --json "$words" | python3 -c 'import json,sys; t=json.load(sys.stdin)[0]; print(t["verdict"], [s["name"] for s in t["subtests"]])')" \
	"pass ['first', 'the last line has no newline']"
log=$(ctl logs "$words" | tr -d '\r')
check_match "  the log has the test's words" "$log" '^BUG: expected 4, got 5$'
check "  without the marks" test "$(printf '%s' "$log" | tr -cd '\036' | wc -c)" -eq 0

rc=0; ctl wait "$crash" 2>/dev/null || rc=$?
check_eq "a kernel panic during a test: crashed (exit 4)" "$rc" 4
check_match "  blamed on that test" "$(job_field "$crash" message)" "\\(during test 01-tap.sh\\)$"
res=$(ctl results --json "$crash")
check_eq "  every test appears: ran, crashed (with what it printed), not run" \
	"$(printf '%s' "$res" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    print(t["name"], t["verdict"], len(t["subtests"]), (t["message"] or "")[:14])')" \
	"00-pass.sh pass 3 
01-tap.sh error 2 did not finish
02-later.sh not-run 0 not run: kerne
03-later.sh not-run 0 not run: kerne"
check_eq "  tests.total counts them all" "$(job_field "$crash" tests | python3 -c 'import ast,sys; print(ast.literal_eval(sys.stdin.read())["total"])')" 4
ctl results --junit "$T/junit.xml" "$crash" >/dev/null
check_eq "  JUnit: the two not run are skipped, with the reason" \
	"$(python3 -c '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
print(sum(1 for s in d.getElementsByTagName("skipped") if s.getAttribute("message").startswith("not run: kernel panic")))' "$T/junit.xml")" 2
finish
