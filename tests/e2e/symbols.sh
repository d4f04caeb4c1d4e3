#!/bin/bash
# End to end on the small test kernel (scripts/build-test-kernel, built
# with debug info): LKDTM crash reports of jobs submitted with --vmlinux
# (its build tree's) get file:line on every frame (docs/SYMBOLS.md):
#  - a WARNING: its first line and "pc : " at the line the kernel's own
#    bug table names, "lr : " at lkdtm_do_action's call through the
#    function pointer, the trace's return addresses at their calls
#    (checked against the source lines), functions inlined there as lines
#    of their own, every frame placed;
#  - a BUG: "pc : " at the line of the report's "kernel BUG at";
#  - a job without --vmlinux finds it by the build id in the Image;
#  - the time symbolization takes per report, from pkvmd's log.
. "$(dirname "$0")/../lib.sh"

[ -s "${SMALL_KERNEL:-}" ] || { echo "Bail out! no small test kernel at ${SMALL_KERNEL:-?}: run scripts/build-test-kernel"; exit 1; }
vmlinux=$SMALL_KERNEL_TREE/vmlinux
grep -q '^CONFIG_DEBUG_INFO=y' "$SMALL_KERNEL_TREE/.config" 2>/dev/null ||
	{ echo "Bail out! $SMALL_KERNEL_TREE has no debug info: rerun scripts/build-test-kernel"; exit 1; }

start_pkvmd --slots 2

provoke() {
	cat >"$T/$1.sh" <<SH
#!/bin/sh
echo $2 > /sys/kernel/debug/provoke-crash/DIRECT
SH
	chmod +x "$T/$1.sh"
}
provoke warn WARNING
provoke bug BUG

warn=$(ctl submit "$SMALL_KERNEL" --exe "$T/warn.sh" --mem 256 --timeout 120 --vmlinux "$vmlinux")
bug=$(ctl submit "$SMALL_KERNEL" --exe "$T/bug.sh" --mem 256 --timeout 120 --vmlinux "$vmlinux")

# field ID NAME: the first crash report's NAME, once it is symbolized.
field() { ctl crashes --wait --json "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)[0][sys.argv[1]]
print("null" if v is None else v)' "$2"; }
# src_line FILE LINE: that line of the kernel's source.
src_line() { sed -n "$2p" "$SMALL_KERNEL_TREE/$1"; }
# place TEXT REGEX: "file:line" at the end of the first line matching REGEX.
place() { printf '%s\n' "$1" | grep -E -m1 -- "$2" | grep -Eo '[^ ]+:[0-9]+$'; }

check_eq "the WARNING is symbolized" "$(field "$warn" symbols)" ok
sym=$(field "$warn" symbolized)
line=$(printf '%s\n' "$sym" | grep -Eo -m1 'at drivers/misc/lkdtm/bugs\.c:[0-9]+ ' | grep -Eo '[0-9]+')
check_match "the kernel names the warning's line itself" "$line" '^[0-9]+$'
check_eq "its first line: the same line" \
	"$(place "$sym" 'WARNING: .* lkdtm_WARNING\+0x[0-9a-f]+/0x[0-9a-f]+ ')" \
	"drivers/misc/lkdtm/bugs.c:$line"
check_eq "pc : the same line" "$(place "$sym" '\] pc : lkdtm_WARNING\+')" \
	"drivers/misc/lkdtm/bugs.c:$line"
where=$(place "$sym" '\] lr : lkdtm_do_action\+')
check_match "lr : lkdtm_do_action's call of the crash function" \
	"$(src_line "${where%:*}" "${where##*:}")" 'crashtype->func\(\);'
where=$(place "$sym" '\]  direct_entry\+')
check_match "a return address in the trace: the call's line" \
	"$(src_line "${where%:*}" "${where##*:}")" 'lkdtm_do_action\(crashtype\);'
check_match "a function inlined there: a line of its own before its frame" "$sym" \
	'\]  __do_sys_write fs/read_write\.c:[0-9]+ \[inline\]'
unplaced=$(printf '%s\n' "$sym" | sed -n '/Call trace:/,/---\[ end trace/p' |
	grep -Ev 'Call trace:|---\[ end trace|:[0-9]+$|:[0-9]+ \[inline\]$' || true)
check_eq "every frame of the trace is placed" "$unplaced" ""
check_match "crashes -v prints it" "$(ctl crashes -v "$warn")" \
	"pc : lkdtm_WARNING\\+0x[0-9a-f]+/0x[0-9a-f]+ drivers/misc/lkdtm/bugs\\.c:$line\$"

check_eq "the BUG is symbolized" "$(field "$bug" symbols)" ok
# The report whole first: grep -m1 on python's pipe would end it early, and
# a python that still writes then dies of a broken pipe (pipefail).
report=$(field "$bug" report)
line=$(grep -Eo -m1 'kernel BUG at drivers/misc/lkdtm/bugs\.c:[0-9]+' <<<"$report" | grep -Eo '[0-9]+$')
check_eq "pc : the line of its report's kernel BUG at" \
	"$(place "$(field "$bug" symbolized)" '\] pc : lkdtm_BUG\+')" "drivers/misc/lkdtm/bugs.c:$line"
check_match "which is a BUG()" "$(src_line drivers/misc/lkdtm/bugs.c "$line")" 'BUG\(\);'

auto=$(ctl submit "$SMALL_KERNEL" --exe "$T/warn.sh" --mem 256 --timeout 120)
check_eq "without --vmlinux: found by the Image's build id" "$(field "$auto" symbols)" ok
check_match "with the same places" "$(field "$auto" symbolized)" \
	"pc : lkdtm_WARNING\\+0x[0-9a-f]+/0x[0-9a-f]+ drivers/misc/lkdtm/bugs\\.c:[0-9]+\$"

# What it costs: pkvmd logs each job's symbolization.
grep -E 'symbols: [0-9]+ of [0-9]+ reports' "$STATE/pkvmd.log" | sed 's/^.*pkvmd: /# /'
finish
