#!/bin/bash
# Integration: the coverage pipeline with fake-qemu shipping gcov archives
# made here from a native program built with --coverage (a real guest
# cannot make a corrupt archive or lose a .gcno on demand):
#  - no .gcda: "none"; -C: "disabled";
#  - a real archive: captured with lcov, exact line and branch counts;
#  - two jobs merged (union of hits), by ids and by tag, and diffed;
#  - a corrupt archive, a missing build directory, a .gcda gcov cannot
#    read: each a clear message, the job's verdict untouched.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../gcov-prog.sh"

command -v lcov >/dev/null || { echo "1..0 # SKIP lcov not installed (scripts/setup)"; exit 0; }
start_pkvmd --qemu "$FAKE_QEMU"

gcov_prog
gcov_archive small.tar.gz 1
gcov_archive big.tar.gz 7

cov() { ctl coverage --json "$1" | python3 -c '
import json, sys
c = json.load(sys.stdin)
f = [x for x in c["files"] if x["file"].endswith("prog.c")]
print(c["status"], *(("%d/%d" % (f[0][k]["hit"], f[0][k]["total"])) for k in ("lines", "functions", "branches")) if f else "-")'; }
status() { ctl coverage --json "$1" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["status"], c["message"] or "")'; }

# A job's coverage is captured after it is stored done: the long poll
# answers once it is final.
wait_cov() {
	ctl wait "$1" >/dev/null 2>&1 || true
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$1/coverage?wait=120" >/dev/null
}

id=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass)
wait_cov "$id"
check_eq "no gcov data: coverage none" "$(status "$id")" "none "

id=$(ctl submit "$TEST_KERNEL" -C --append "fakeqemu=pass fakeqemu.ship=$T/small.tar.gz")
wait_cov "$id"
check_eq "-C: coverage disabled" "$(status "$id")" "disabled "

a=$(ctl submit "$TEST_KERNEL" --gcov-tool gcov --tag cov --append "fakeqemu=pass fakeqemu.ship=$T/small.tar.gz")
b=$(ctl submit "$TEST_KERNEL" --gcov-tool gcov --tag cov --append "fakeqemu=pass fakeqemu.ship=$T/big.tar.gz")
wait_cov "$a"
wait_cov "$b"
check_eq "input 1: lines, functions, branches" "$(cov "$a")" "ok 4/10 1/2 2/6"
check_eq "input 7: lines, functions, branches" "$(cov "$b")" "ok 9/10 2/2 4/6"
merged=$(ctl coverage merge "$a" "$b" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)
print(c["lines"]["hit"], c["lines"]["total"], c["branches"]["hit"], c["branches"]["total"])')
check_eq "merged: the union of both runs" "$merged" "10 10 5 6"
check_match "merged by tag" "$(ctl coverage merge --tag cov)" "lines 10/10"
check_match "diff: what input 7 reaches that input 1 does not" "$(ctl coverage diff "$a" "$b")" "prog.c"
check_eq "the job's own result is untouched" "$(job_field "$a" result)" "passed"

head -c 300 /dev/urandom >"$T/kernel-01-exe.tar.gz"
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.ship=$T/kernel-01-exe.tar.gz")
wait_cov "$id"
check_match "a corrupt archive is a clear error" "$(status "$id")" "^error .*kernel-01-exe"
check_eq "and the job still passed" "$(job_field "$id" result)" "passed"

# The build tree moved: the .gcno is no longer where the .gcda says.
mkdir -p "$T/moved"
cp "$T/src/prog.c" "$T/src/prog.gcno" "$T/moved/"
mv "$T/src/prog.gcno" "$T/src/prog.gcno.away"
id=$(ctl submit "$TEST_KERNEL" --gcov-tool gcov --append "fakeqemu=pass fakeqemu.ship=$T/big.tar.gz")
wait_cov "$id"
check_match "a missing build directory is a clear error" "$(status "$id")" "^error .*no .gcno for .*prog.gcda"
id=$(ctl submit "$TEST_KERNEL" --gcov-tool gcov --build-dir "$T/moved" \
	--append "fakeqemu=pass fakeqemu.ship=$T/big.tar.gz")
wait_cov "$id"
check_eq "--build-dir finds the moved tree" "$(cov "$id")" "ok 9/10 2/2 4/6"
mv "$T/src/prog.gcno.away" "$T/src/prog.gcno"

# A .gcda gcov cannot read: lcov fails, and says so.
printf 'adcg\0\0\0\0garbage' >"$T/src/prog.gcda"
tar -czf "$T/broken.tar.gz" -C / "${T#/}/src/prog.gcda"
id=$(ctl submit "$TEST_KERNEL" --gcov-tool gcov --append "fakeqemu=pass fakeqemu.ship=$T/broken.tar.gz")
wait_cov "$id"
check_match "lcov failing is a clear error" "$(status "$id")" "^error ."
check_eq "and the job still passed" "$(job_field "$id" result)" "passed"
finish
