#!/bin/bash
# The whole tree is in the one style of .clang-format; this test fails on
# any C file that clang-format would change (fix with: clang-format -i FILE).
cd "$(dirname "$0")/.." || exit 1
command -v clang-format >/dev/null || { echo "1..0 # SKIP clang-format not installed (scripts/setup)"; exit 0; }
n=0
bad=0
for f in $(find common daemon client tests bench -name '*.[ch]' | sort); do
	n=$((n + 1))
	if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "ok $n - $f"
	else
		echo "not ok $n - $f (run: clang-format -i $f)"
		bad=1
	fi
done
echo "1..$n"
exit $bad
