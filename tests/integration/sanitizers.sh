#!/bin/bash
# Integration: in a -Db_sanitize=address,undefined build (docs/RELIABILITY.md),
# a sanitizer report from any process a test starts fails that test, even
# from a process in the background whose exit status nobody reads, as
# pkvmd's is once it has forked.  Each case runs a small test script on
# tests/lib.sh that starts san-probe in the background and passes all its
# checks; the script must still fail, and say what the sanitizer said.
# The probe's stderr goes where a forked pkvmd's goes, its log: GCC's UBSan
# writes there whatever log_path says (GCC PR 94328).  In
# a build without sanitizers there is nothing to hold to that, and the
# test is skipped.
source "$(dirname "$0")/../lib.sh"

if [ -z "$SANITIZER_DIR" ]; then
	echo "1..0 # SKIP not a sanitizer build (-Db_sanitize=address,undefined)"
	exit 0
fi

# inner MODE -- run a lib.sh test whose only background child is
# `san-probe MODE`; its output in $T/inner-MODE.out, its exit status out.
inner() {
	cat >"$T/inner.sh" <<INNER
#!/bin/bash
source "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
mkdir -p "\$STATE"
"\$SAN_PROBE" $1 >/dev/null 2>>"\$STATE/pkvmd.log" &
wait_gone \$! 10
check "a check that passes" true
finish
INNER
	local rc=0
	bash "$T/inner.sh" >"$T/inner-$1.out" 2>&1 || rc=$?
	echo "$rc"
}

check_eq "a clean background process: the test passes" "$(inner none)" 0
for c in "leak:LeakSanitizer: detected memory leaks" \
	"overflow:AddressSanitizer: heap-buffer-overflow" \
	"shift:runtime error: shift exponent 40"; do
	mode=${c%%:*}
	check "a background $mode: the test fails" test "$(inner "$mode")" -ne 0
	check_match "  and shows the report" "$(cat "$T/inner-$mode.out")" "${c#*:}"
done
# The inner scripts kept their state to show; it is ours to remove.
rm -rf "$(sed -n 's/^# state kept in //p' "$T"/inner-*.out)"
finish
