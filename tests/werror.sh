#!/bin/bash
# The tree builds with warnings as errors.  The README's build (scripts/
# setup) keeps warnings warnings, so that a newer compiler's new warning
# never stops a user; this test is where a warning fails the suite.  It
# builds the whole project in a build directory of its own.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/pkvm-werror.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "1..2"
if meson setup "$dir" "$src" -Dwerror=true >"$dir.log" 2>&1; then
	echo "ok 1 - meson setup -Dwerror=true"
else
	echo "not ok 1 - meson setup -Dwerror=true"
	sed 's/^/# /' "$dir.log"
	rm -f "$dir.log"
	echo "not ok 2 - build with warnings as errors # setup failed"
	exit 1
fi
rm -f "$dir.log"
if out=$(ninja -C "$dir" 2>&1); then
	echo "ok 2 - build with warnings as errors"
else
	echo "not ok 2 - build with warnings as errors"
	printf '%s\n' "$out" | grep -E 'error|warning' | head -40 | sed 's/^/# /'
	exit 1
fi
