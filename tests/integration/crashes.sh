#!/bin/bash
# Integration: crash reports grouped across jobs, as `pkvmctl crashes --all`
# and GET /v1/crashes show them: one row per title with its count, jobs,
# first and last sighting, the kernels it was seen on (named by the version
# each printed on the console) and the newer kernel that stopped showing
# it; and the --kind, --tag and --since filters.
#
# Two kernel blobs: Debian's Image, and a copy whose banner says another
# release, which makes it another blob, first used later, so newer.
# fake-qemu prints the banner of the kernel it is given, as a real kernel
# does, and panics in the test "fake" on request.
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU"

K1=$TEST_KERNEL
K2=$T/Image-newer
V1=$(grep -a -o -m1 'Linux version [!-~]*' "$K1" | head -1 | cut -d' ' -f3)
V2=6.99.0-groups
python3 -c '
import re, sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(re.sub(rb"Linux version \S+", b"Linux version " + sys.argv[3].encode(), data))
' "$K1" "$K2" "$V2"
S1=$(sha256sum "$K1" | cut -c1-64)
S2=$(sha256sum "$K2" | cut -c1-64)
check "the kernel's banner names a release" test -n "$V1"
check "the copy is another blob" test "$S1" != "$S2"

# submit_wait VAR KERNEL ARGS... -- submit a job, wait for it, set VAR to
# its id.
submit_wait() {
	local -n _id=$1
	local kernel=$2
	shift 2
	_id=$(ctl submit "$kernel" "$@")
	ctl wait "$_id" >/dev/null 2>&1 || true
}

# groups_json [QUERY] -- the groups GET /v1/crashes?QUERY answers, as JSON.
groups_json() {
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/crashes${1:+?$1}"
}

# field EXPR -- EXPR of the groups on stdin (g: the groups array).
field() {
	python3 -c 'import json, sys; g = json.load(sys.stdin)["groups"]; print(eval(sys.argv[1]))' "$1"
}

TITLE='kernel panic: sysrq triggered crash'

# ---- one crash, one row -------------------------------------------------------------
check_eq "no crashes yet: the table says so" "$(ctl crashes --all)" "no crash reports"
submit_wait a "$K1" -T old --append "fakeqemu=panic-at=9"
submit_wait b "$K1" --append "fakeqemu=panic-at=9"
check_eq "two panics on the first kernel: crashed both" \
	"$(job_field "$a" result) $(job_field "$b" result)" "crashed crashed"
g=$(groups_json)
check_eq "two panics: one group" "$(printf '%s' "$g" | field 'len(g)')" 1
check_eq "two panics: its title, count, jobs, first and last job" \
	"$(printf '%s' "$g" | field '[g[0][k] for k in ("title", "count", "jobs", "first_job", "last_job")]')" \
	"['$TITLE', 2, 2, $a, $b]"
check_eq "two panics: seen on the first kernel, by its sha256 and version" \
	"$(printf '%s' "$g" | field '(g[0]["kernel_count"], g[0]["kernels"])')" \
	"(1, [{'sha256': '$S1', 'version': '$V1', 'count': 2}])"
check_eq "two panics: not fixed, nothing newer ran" "$(printf '%s' "$g" | field 'g[0]["fixed_in"]')" None

# The newer kernel runs the test that panicked, to its end: fixed in it.
submit_wait c "$K2" --append fakeqemu=pass
check_eq "the newer kernel passed" "$(job_field "$c" result)" passed
g=$(groups_json)
check_eq "after a clean run on the newer kernel: fixed in it, by that job and test" \
	"$(printf '%s' "$g" | field 'g[0]["fixed_in"]')" \
	"{'sha256': '$S2', 'version': '$V2', 'job': $c, 'test': 'fake'}"

# What people see: one row, the fix in the last column, the kernels
# under it by the first 12 digits of their sha256 and their version.
out=$(ctl crashes --all)
check_match "crashes --all: the header" "$out" '^TITLE +COUNT +JOBS +FIRST-SEEN +LAST-SEEN +FIXED-IN'
check_match "crashes --all: one row with count, jobs, first and last job and the fix" "$out" \
	"^$TITLE +2 +2 .*\(job $a\) .*\(job $b\) +${S2:0:12} $V2 \(job $c\)\$"
check_match "crashes --all: the kernels it was seen on, under the row" "$out" \
	"^  on 1 kernel: ${S1:0:12} $V1 \(2\)\$"
check_eq "crashes --all: three lines" "$(printf '%s\n' "$out" | wc -l)" 3
check_eq "crashes --all --json: the groups array" "$(ctl crashes --all --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["count"])')" 2

# ---- filters ---------------------------------------------------------------------
check_eq "--kind panic: the group" "$(ctl crashes --all --json --kind panic | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1
check_eq "--kind warning: none" "$(ctl crashes --all --kind warning)" "no crash reports"
check_eq "--tag old: only the tagged job's report" \
	"$(ctl crashes --all --json -T old | python3 -c 'import json,sys; g=json.load(sys.stdin)[0]; print(g["count"], g["last_job"])')" "1 $a"
check_eq "--tag nope: none" "$(ctl crashes --all -T nope)" "no crash reports"
check_eq "--since 1h: the group, with all its reports" \
	"$(ctl crashes --all --json --since 1h | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["count"])')" 2
check_eq "--since a future time: none" "$(ctl crashes --all --since 2099-01-01T00:00:00Z)" "no crash reports"
check_eq "GET /v1/crashes?kind=panic&tag=old&limit=1: one group" \
	"$(groups_json 'kind=panic&tag=old&limit=1' | field 'len(g)')" 1

rc=0; out=$(ctl crashes --all --since yesterday 2>&1) || rc=$?
check_eq "--since yesterday: exit 2" "$rc" 2
check_match "--since yesterday: says what it takes" "$out" "invalid --since 'yesterday'.*7d"
rc=0; out=$(ctl crashes "$a" --kind panic 2>&1) || rc=$?
check_eq "a filter without --all: exit 2" "$rc" 2
check_match "a filter without --all: says it goes with --all" "$out" 'go with --all'

finish
