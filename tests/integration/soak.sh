#!/bin/bash
# Integration: ten rounds of bench/soak -- eight jobs on fake qemu, pkvmd
# killed with SIGKILL at a random moment chosen by an event (console bytes,
# an upload in flight, a commit, a coverage capture, jobs starting),
# restarted, and checked: the database intact, no process left, every job
# done before the kill unchanged, every job running then requeued or
# interrupted as configured, every blob hashing to its name, no temporary
# file at rest.  The tenth round runs one real guest (the small test
# kernel) when scripts/build-test-kernel has built it.  Each round is one
# TAP line carrying its seed, so a failure can be replayed with
# `bench/soak 1 --seed S`; see bench/soak for what a round does.
. "$(dirname "$0")/../lib.sh"

ROUNDS=10
out=$("$(dirname "$0")/../../bench/soak" "$ROUNDS" 2>&1) || true
for r in $(seq 1 "$ROUNDS"); do
	line=$(grep "^round $r seed" <<<"$out" || echo "round $r: missing")
	check_match "soak: $line" "$line" ': ok: '
	if ! grep -q ': ok: ' <<<"$line"; then
		awk -v r="$r" '$0 ~ "^round " r " seed" { p = 1; next } /^round / { p = 0 } p' <<<"$out" |
			sed 's/^/# /'
	fi
done
check_match "soak: the summary says all rounds held" "$(tail -n 1 <<<"$out")" "^soak: $ROUNDS of $ROUNDS rounds ok"
finish
