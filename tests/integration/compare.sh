#!/bin/bash
# Integration: comparing two runs (GET /v1/compare, pkvmctl compare):
# transitions per test and sub-test, crash titles new and gone, coverage
# gained and lost per file, durations beyond noise, runs named by id, tag
# or kernel, the exit status a CI step gates on, and refusals of bad input;
# a test's history (GET /v1/tests/history, pkvmctl history) and the flaky
# ones (GET /v1/flaky, pkvmctl flaky).
#
# fake-qemu prints each test's TAP sub-results (fakeqemu.subtests, with
# fakeqemu.subfail naming those that fail), panics on request, and ships
# gcov data; pass.sh is only the test's name.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../gcov-prog.sh"

start_pkvmd --qemu "$FAKE_QEMU"
EXE=$GUEST_DIR/pass.sh

# run VAR ARGS... -- submit a job, wait for it, set VAR to its id.
run() {
	local -n _id=$1
	shift
	_id=$(ctl submit "$TEST_KERNEL" --exe "$EXE" "$@")
	ctl wait "$_id" >/dev/null 2>&1 || true
}

# answer QUERY EXPR -- EXPR of GET /v1/compare?QUERY's answer (c).
answer() {
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/compare?$1" |
		python3 -c 'import json, sys; c = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

# status QUERY -- the HTTP status and error code of GET /v1/compare?QUERY.
status() {
	curl -s -o "$T/err.json" -w '%{http_code}' --unix-socket "$SOCK" "http://pkvmd/v1/compare?$1"
	printf ' %s' "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$T/err.json" 2>/dev/null)"
}

# ---- transitions ---------------------------------------------------------------
run base --tag base --append "fakeqemu=pass fakeqemu.subtests=5 fakeqemu.subfail=case-4"
run patched --tag patched --append "fakeqemu=pass fakeqemu.subtests=6 fakeqemu.subfail=case-2 fakeqemu.test-ms=900"
check_eq "the base run failed on case-4, the patched one on case-2" \
	"$(job_field "$base" result) $(job_field "$patched" result)" "failed failed"

q="a=$base&b=$patched"
check_eq "counts of each transition" \
	"$(answer "$q" '[c["counts"][k] for k in ("regressed", "fixed", "new", "removed", "still-failing", "changed", "unchanged")]')" \
	"[1, 1, 1, 0, 1, 0, 3]"
check_eq "the transitions, regressed first, each with its test, path and verdicts" \
	"$(answer "$q" '[(t["change"], t["test"], t["path"], t["a"], t["b"]) for t in c["tests"]]')" \
	"[('regressed', 'pass.sh', ['case-2'], 'pass', 'fail'), ('fixed', 'pass.sh', ['case-4'], 'fail', 'pass'), ('new', 'pass.sh', ['case-6'], None, 'pass'), ('still-failing', 'pass.sh', [], 'fail', 'fail')]"
check_eq "a regression makes the comparison regressed" "$(answer "$q" 'c["regressed"]')" True
check_eq "the runs compared: job ids and results" \
	"$(answer "$q" '(c["a"]["job"], c["a"]["result"], c["b"]["job"], c["b"]["tags"])')" \
	"($base, 'failed', $patched, ['patched'])"
check_eq "unchanged results only with all=1" \
	"$(answer "$q&all=1" 'sorted(t["path"][0] for t in c["tests"] if t["change"] == "unchanged")')" \
	"['case-1', 'case-3', 'case-5']"
check_eq "the test's duration moved beyond noise (0.01 s to 0.9 s)" \
	"$(answer "$q" '[(t["test"], t["a"], t["b"], t["changed"]) for t in c["durations"]["tests"]]')" \
	"[('pass.sh', 0.01, 0.9, True)]"
check_eq "the other way round: case-2 fixed, case-4 regressed, case-6 removed" \
	"$(answer "a=$patched&b=$base" '[(t["change"], t["path"]) for t in c["tests"] if t["path"]]')" \
	"[('regressed', ['case-4']), ('fixed', ['case-2']), ('removed', ['case-6'])]"

# pkvmctl: the exit status is the gate.
rc=0
out=$(ctl compare --tag base --tag patched) || rc=$?
check_eq "pkvmctl compare: exit 1 when something regressed" "$rc" 1
check_match "pkvmctl compare: the regression, by test and sub-test" "$out" \
	'^REGRESSED +pass\.sh / case-2 +pass -> fail$'
check_match "pkvmctl compare: the verdict line" "$out" '^REGRESSED: '
run same --append "fakeqemu=pass fakeqemu.subtests=5 fakeqemu.subfail=case-4"
rc=0
ctl compare "$base" "$same" >/dev/null || rc=$?
check_eq "pkvmctl compare: exit 0 when nothing regressed" "$rc" 0
check_eq "pkvmctl compare --json: the server's answer" \
	"$(ctl compare --json "$base" "$same" | python3 -c 'import json, sys; c = json.load(sys.stdin); print(c["regressed"], [t["change"] for t in c["tests"]])')" \
	"False ['still-failing', 'still-failing']"

# ---- history ------------------------------------------------------------------------
# case-2 passed in base, failed in patched, passed in same: two flips.
check_eq "history of a sub-test: its verdicts newest first, pass rate, flips" \
	"$(ctl history --json "pass.sh / case-2" | python3 -c '
import json, sys
h = json.load(sys.stdin)
print([(r["job"], r["verdict"]) for r in h["runs"]], h["passes"], h["fails"], h["flips"], round(h["pass_rate"], 2))')" \
	"[($same, 'pass'), ($patched, 'fail'), ($base, 'pass')] 2 1 2 0.67"
check_eq "history of a sub-test only some runs have: those runs" \
	"$(ctl history --json "pass.sh / case-6" | python3 -c 'import json, sys; print([r["job"] for r in json.load(sys.stdin)["runs"]])')" \
	"[$patched]"
check_eq "history by tag, and of the test itself with its duration" \
	"$(ctl history --json -T patched pass.sh | python3 -c 'import json, sys; print([(r["job"], r["verdict"], r["duration"]) for r in json.load(sys.stdin)["runs"]])')" \
	"[($patched, 'fail', 0.9)]"
check_match "pkvmctl history: the summary line" "$(ctl history "pass.sh / case-2")" \
	'^pass\.sh / case-2: 2 passed, 1 failed \(67% passed\), 2 flips over 3 runs$'
check_eq "history of no such test: no runs" \
	"$(ctl history --json nosuchtest | python3 -c 'import json, sys; h = json.load(sys.stdin); print(h["runs"], h["pass_rate"])')" \
	"[] None"

# ---- flakiness -----------------------------------------------------------------------
# All on one kernel with the same test file: case-4 failed, passed, failed;
# case-2 passed, failed, passed.  The test itself failed every time.
check_eq "flaky: the sub-tests that both passed and failed, with their counts" \
	"$(ctl flaky --json | python3 -c 'import json, sys; print(sorted((f["test"], f["passes"], f["fails"]) for f in json.load(sys.stdin)))')" \
	"[('pass.sh / case-2', 2, 1), ('pass.sh / case-4', 1, 2)]"
check_match "pkvmctl flaky: a row per flaky test" "$(ctl flaky)" '^pass\.sh / case-2 +2 +1 +67%'
check_eq "flaky by a tag of those kernel and files; none of another" \
	"$(ctl flaky --json -T patched | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))') $(ctl flaky -T nosuchtag)" \
	"2 no flaky tests"
# case-2 fails again: against base, where it passed, that is a failure
# of a test already flaky there, not a regression.
run again --append "fakeqemu=pass fakeqemu.subtests=5 fakeqemu.subfail=case-2"
rc=0
ctl compare "$base" "$again" >/dev/null || rc=$?
check_eq "a failure of a test flaky before: listed as flaky, exit 0" \
	"$(answer "a=$base&b=$again" '([(t["change"], t["path"]) for t in c["tests"] if t["path"]], c["counts"]["flaky"], c["regressed"])') $rc" \
	"([('fixed', ['case-4']), ('flaky', ['case-2'])], 1, False) 0"

check_eq "the results of a job say which of its results are flaky there" \
	"$(curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$again/results" | python3 -c '
import json, sys
t = json.load(sys.stdin)["tests"][0]
print(t.get("flaky"), [(s["name"], s["flaky"]) for s in t["subtests"] if "flaky" in s])')" \
	"None [('case-2', {'passes': 2, 'fails': 2}), ('case-4', {'passes': 2, 'fails': 2})]"

# ---- runs named by kernel -------------------------------------------------------
SHA=$(sha256sum "$TEST_KERNEL" | cut -c1-64)
check_eq "kernel:SHA is the newest finished job of that kernel" \
	"$(answer "a=$base&b=kernel:$SHA" 'c["b"]["job"]')" "$again"

# ---- crashes ----------------------------------------------------------------------
run crashed --append "fakeqemu=panic-at=9"
check_eq "a crash in b is new, and a regression" \
	"$(answer "a=$same&b=$crashed" '([(x["kind"], x["title"]) for x in c["crashes"]["new"]], c["crashes"]["gone"], c["regressed"])')" \
	"([('panic', 'kernel panic: sysrq triggered crash')], [], True)"
check_eq "the other way round, it is gone" \
	"$(answer "a=$crashed&b=$same" '([x["title"] for x in c["crashes"]["gone"]], c["crashes"]["new"])')" \
	"(['kernel panic: sysrq triggered crash'], [])"

# ---- coverage -----------------------------------------------------------------------
gcov_prog
gcov_archive small.tar.gz 1
gcov_archive big.tar.gz 7
run covsmall --gcov-tool gcov --append "fakeqemu=pass fakeqemu.ship=$T/small.tar.gz"
run covbig --gcov-tool gcov --append "fakeqemu=pass fakeqemu.ship=$T/big.tar.gz"
for id in "$covsmall" "$covbig"; do
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$id/coverage?wait=120" >/dev/null
done
# Input 1 reaches 4 of the 10 lines and 2 of the 6 branches, input 7 9 and
# 4, both 10 and 5 (gcov-prog.sh): they share 3 lines and 1 branch, and
# each reaches one line the other does not (its own return).
check_eq "coverage: lines and branches gained and lost, per file" \
	"$(answer "a=$covsmall&b=$covbig" '[(f["file"].endswith("prog.c"), f["lines_gained"], f["lines_lost"], f["branches_gained"], f["branches_lost"]) for f in c["coverage"]["files"]]')" \
	"[(True, 6, 1, 3, 1)]"
check_eq "coverage: the other way round, and the totals" \
	"$(answer "a=$covbig&b=$covsmall" '[c["coverage"][k] for k in ("lines_gained", "lines_lost", "branches_gained", "branches_lost")]')" \
	"[1, 6, 1, 3]"
check_eq "coverage: not compared when a run has none, and why" \
	"$(answer "a=$base&b=$covbig" '(c["coverage"]["compared"], c["coverage"]["why"])')" \
	"(False, 'job a has no coverage to compare')"

# ---- refusals -------------------------------------------------------------------------
check_eq "a missing run: 400 missing_field" "$(status "a=$base")" "400 missing_field"
check_eq "a run that is no id, tag or kernel: 400 invalid_field" "$(status "a=$base&b=abc")" "400 invalid_field"
check_eq "a bad sha256: 400 invalid_field" "$(status "a=$base&b=kernel:1234")" "400 invalid_field"
check_eq "an unknown job: 404" "$(status "a=$base&b=999999")" "404 not_found"
check_eq "an unknown tag: 404" "$(status "a=$base&b=tag:nosuchtag")" "404 not_found"
hang=$(ctl submit "$TEST_KERNEL" --exe "$EXE" --append "fakeqemu=hang")
check_eq "a job not finished: 409 conflict" "$(status "a=$base&b=$hang")" "409 conflict"
ctl cancel "$hang" >/dev/null
rc=0
ctl compare "$base" abc >/dev/null 2>&1 || rc=$?
check_eq "pkvmctl compare with a bad run: exit 2" "$rc" 2
check_eq "history without a test: 400 missing_field" \
	"$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" 'http://pkvmd/v1/tests/history')" 400
check_eq "pkvmd is still up" "$(ctl status "$base" >/dev/null && echo up)" up

finish
