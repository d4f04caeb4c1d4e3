#!/bin/bash
# End to end on the small test kernel (scripts/build-test-kernel: pKVM,
# gcov, LKDTM; boots in about a second): real kernel crash reports raised
# on demand through LKDTM's provoke-crash interface.
#  - a WARNING is reported (title, kind, test, backtrace) and does not fail
#    the job; with --fail-on-warn it does;
#  - a BUG crashes the job, with a stable title;
#  - the same WARNING in two jobs is one group in `crashes --all`.
. "$(dirname "$0")/../lib.sh"

[ -s "${SMALL_KERNEL:-}" ] || { echo "Bail out! no small test kernel at ${SMALL_KERNEL:-?}: run scripts/build-test-kernel"; exit 1; }

start_pkvmd --slots 2

provoke() {
	cat >"$T/$1.sh" <<SH
#!/bin/sh
echo "provoking $2"
echo $2 > /sys/kernel/debug/provoke-crash/DIRECT
echo "still here after $2"
SH
	chmod +x "$T/$1.sh"
}
provoke warn WARNING
provoke bug BUG

warn=$(ctl submit "$SMALL_KERNEL" --exe "$T/warn.sh" --mem 256 --timeout 120)
strict=$(ctl submit "$SMALL_KERNEL" --exe "$T/warn.sh" --mem 256 --timeout 120 --fail-on-warn)
bug=$(ctl submit "$SMALL_KERNEL" --exe "$T/bug.sh" --mem 256 --timeout 120)

rc=0; ctl wait "$warn" 2>/dev/null || rc=$?
check_eq "a WARNING alone does not fail the job" "$rc" 0
check_match "the guest carried on after it" "$(ctl logs "$warn")" "still here after WARNING"
report=$(ctl crashes --json "$warn" | python3 -c '
import json, sys
c = json.load(sys.stdin)
print(len(c), "|", c[0]["title"], "|", c[0]["kind"], "|", c[0]["fatal"], "|", c[0]["test"], "|",
      "lkdtm_WARNING" in c[0]["report"] and "Call trace:" in c[0]["report"])')
check_eq "it is reported: title, kind, not fatal, test, backtrace" "$report" \
	"1 | WARNING in lkdtm_WARNING | warning | False | warn.sh | True"

rc=0; ctl wait "$strict" 2>/dev/null || rc=$?
check_eq "with --fail-on-warn the WARNING fails the job" "$rc" 1
check_match "and says so" "$(job_field "$strict" message)" "WARNING in lkdtm_WARNING"

rc=0; ctl wait "$bug" 2>/dev/null || rc=$?
check_eq "a BUG crashes the job (exit 4)" "$rc" 4
check_match "its title has no addresses" "$(job_field "$bug" message)" \
	"^kernel BUG in lkdtm_BUG \\(during test bug.sh\\)$"

groups=$(ctl crashes --all --json | python3 -c '
import json, sys
g = [x for x in json.load(sys.stdin) if x["title"] == "WARNING in lkdtm_WARNING"]
print(len(g), g[0]["count"], g[0]["jobs"])')
check_eq "the same WARNING in two jobs is one group" "$groups" "1 2 2"
finish
