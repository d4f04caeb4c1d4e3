#!/bin/bash
# run.sh -- every libFuzzer target of tests/fuzz/ for a bounded time from
# its seed corpus, as a TAP test (the `fuzz` suite; docs/RELIABILITY.md).
#
# The targets need clang and a build of their own (-Dfuzz=true: the whole
# project instrumented for libFuzzer, AddressSanitizer and UBSan), so this
# script configures one in BUILD_DIR when there is none, builds only the
# targets, and runs each for SECONDS (default 6), with the flags
# tests/fuzz/options gives it, from corpus/NAME: first
# every seed (the regression inputs of bugs the fuzzers found are seeds),
# then mutations.  A target fails on a crash, a sanitizer report, a leak,
# a broken invariant (fuzz.h) or an input slower than 1 s (-timeout=1;
# the 100 ms bar is bench/fuzz's, on an idle machine).  New inputs go to a
# temporary directory, never into the tree.
#
# Usage: tests/fuzz/run.sh [BUILD_DIR] [SECONDS]   (default build/fuzz, 6)
#        PKVM_FUZZ_SECONDS overrides SECONDS.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$src/build/fuzz}
case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac
secs=${PKVM_FUZZ_SECONDS:-${2:-6}}

names=()
for f in "$src"/tests/fuzz/fuzz-*.c; do
	n=${f##*/fuzz-}
	names+=("${n%.c}")
done
echo "1..$((${#names[@]} + 1))"

work=$(mktemp -d "${TMPDIR:-/tmp}/pkvm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The build: clang, in a directory of its own (scripts/setup installs
# clang and libFuzzer's runtime).
if ! command -v clang >/dev/null; then
	echo "not ok 1 - build the fuzz targets # no clang: scripts/setup installs it"
	exit 1
fi
if [ ! -f "$dir/build.ninja" ] &&
	! CC=clang meson setup "$dir" "$src" -Dfuzz=true >"$work/setup.log" 2>&1; then
	echo "not ok 1 - build the fuzz targets # meson setup failed"
	sed 's/^/# /' "$work/setup.log" | tail -20
	exit 1
fi
if ! ninja -C "$dir" "${names[@]/#/tests/fuzz/fuzz-}" >"$work/build.log" 2>&1; then
	echo "not ok 1 - build the fuzz targets"
	grep -E 'error|FAILED' "$work/build.log" | head -20 | sed 's/^/# /'
	exit 1
fi
echo "ok 1 - build the fuzz targets (clang, libFuzzer, ASan, UBSan in $dir)"

i=1 bad=0
for n in "${names[@]}"; do
	i=$((i + 1))
	mkdir -p "$work/$n"
	# detect_leaks is on by default; said here because a leak must fail.
	# shellcheck disable=SC2207 # flags are single words
	extra=($(awk -v n="$n" '$1 == n { $1 = ""; print }' "$src/tests/fuzz/options"))
	(cd "$work" && ASAN_OPTIONS=detect_leaks=1 "$dir/tests/fuzz/fuzz-$n" \
		-max_total_time="$secs" "${extra[@]}" -timeout=1 -rss_limit_mb=2048 \
		-artifact_prefix="$work/$n-" "$work/$n" "$src/tests/fuzz/corpus/$n") >"$work/$n.log" 2>&1
	rc=$?
	stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$n.log" | tail -1 |
		sed -E 's/.*exec\/s: ([0-9]+) rss: ([0-9]+Mb).*/\1 exec\/s, rss \2/')
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/$n.log")
	slow=$(sed -n 's/^fuzz: slowest unit \([0-9.]*\) ms.*/\1/p' "$work/$n.log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok $i - fuzz-$n: ${runs} runs in ${secs} s, ${stats:-?}, slowest unit ${slow:-?} ms"
	else
		bad=$((bad + 1))
		echo "not ok $i - fuzz-$n (exit $rc)"
		grep -E -A12 'ERROR|invariant|runtime error|SUMMARY|leak|timeout' "$work/$n.log" |
			head -40 | sed 's/^/# /'
		for a in "$work/$n-"*; do
			[ -f "$a" ] || continue
			echo "# input that failed (base64): $(base64 -w0 "$a" | head -c 2000)"
		done
	fi
done
[ "$bad" -eq 0 ]
