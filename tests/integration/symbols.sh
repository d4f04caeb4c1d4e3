#!/bin/bash
# Integration: file:line for crash reports (docs/SYMBOLS.md), with
# fake-qemu printing a report whose frames are those of a small arm64
# "kernel" and module built here with debug info, so that every expected
# line is known from the sources, and every instruction from objdump:
#  - --vmlinux: the pc (exact) and a return address (the call's line), a
#    function inlined there as a line of its own, the source directory
#    dropped from paths, a module's frames from the --extra tree's .ko in
#    its .text and .init.text, a function the vmlinux lacks left alone;
#  - no --vmlinux: found by the kernel Image's build id;
#  - a vmlinux of another build, and no vmlinux known: said, not guessed;
#  - a vmlinux that is no ELF file: refused by pkvmctl and by the API;
#  - the hypervisor's frames (__kvm_nvhe_*) in a real pKVM vmlinux: the
#    small test kernel's, when its build tree has debug info.
. "$(dirname "$0")/../lib.sh"

for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-addr2line aarch64-linux-gnu-objdump \
	aarch64-linux-gnu-objcopy curl; do
	command -v "$tool" >/dev/null ||
		{ echo "1..0 # SKIP $tool not installed (scripts/setup)"; exit 0; }
done
start_pkvmd --qemu "$FAKE_QEMU"

# --- the kernel: sources with known lines -----------------------------------
mkdir -p "$T/src/init" "$T/src/drivers" "$T/msrc" "$T/extra/lib/modules/6.1.0/extra"
cat >"$T/src/init/main.c" <<'C'
int kernel_init(void *unused)
{
	return unused != 0;
}
C
cat >"$T/src/drivers/x.c" <<'C'
int counter;
__attribute__((noinline)) void do_crash(void)
{
	counter = 42;
	__builtin_trap();
}

static inline __attribute__((always_inline)) void inl_step(int v)
{
	counter += v;
	do_crash();
}

__attribute__((noinline)) void outer(int v)
{
	inl_step(v);
	counter = 0;
}
C
cat >"$T/msrc/mod.c" <<'C'
int mod_counter;
__attribute__((noinline)) void mod_fail(void)
{
	mod_counter = 7;
	__builtin_trap();
}

__attribute__((noinline)) void mod_work(int v)
{
	mod_fail();
	mod_counter = v;
}

__attribute__((section(".init.text"), noinline)) int mod_init(void)
{
	mod_work(3);
	mod_counter++;
	return 0;
}
C
(cd "$T/src" && aarch64-linux-gnu-gcc -O2 -g -ffreestanding -nostdlib -Wl,--build-id=sha1 \
	-Wl,-e,kernel_init -o "$T/vmlinux" init/main.c drivers/x.c)
(cd "$T/msrc" && aarch64-linux-gnu-gcc -O2 -g -ffreestanding -c -o \
	"$T/extra/lib/modules/6.1.0/extra/my-mod.ko" mod.c)
ko=$T/extra/lib/modules/6.1.0/extra/my-mod.ko

# frame FILE FUNC PATTERN: "FUNC+0xOFF/0xSIZE" for the first instruction
# of FUNC matching PATTERN in objdump's listing, OFF pointing past it (a
# return address) unless PATTERN is brk (the trap itself).
frame() {
	aarch64-linux-gnu-objdump -d --disassemble="$2" "$1" | python3 -c '
import re, sys
func, pat = sys.argv[1], sys.argv[2]
start = size = None; hit = None; addrs = []
for line in sys.stdin:
    m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
    if m:
        if start is not None and func_seen: break
        func_seen = m.group(2) == func
        if func_seen: start = int(m.group(1), 16)
        continue
    m = re.match(r"^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+(.*)$", line)
    if m and start is not None and func_seen:
        a = int(m.group(1), 16); addrs.append(a)
        if hit is None and re.search(pat, m.group(2)): hit = a
size = addrs[-1] + 4 - start
off = hit - start + (0 if pat == "brk" else 4)
print("%s+0x%x/0x%x" % (func, off, size))' "$2" "$3"
}
pc=$(frame "$T/vmlinux" do_crash brk)
ret=$(frame "$T/vmlinux" outer 'bl\s')
mret=$(frame "$ko" mod_work 'bl\s')
minit=$(frame "$ko" mod_init 'bl\s')

cat >"$T/report" <<R
Internal error: Oops - BUG: 00000000f2000800 [#1] SMP
Modules linked in: my_mod
CPU: 0 PID: 1 Comm: init Not tainted 6.1.0 #1
pc : $pc
lr : $ret
Call trace:
 $pc
 $ret
 $mret [my_mod]
 $minit [my_mod]
 not_in_vmlinux+0x10/0x20
---[ end trace 0000000000000000 ]---
R

# --- kernel Images: an arm64 header and, in its data, a build id note ----
# image OUT [NOTE]: NOTE's bytes 4-aligned after the header (none: no id).
image() {
	python3 - "$@" <<'PY'
import struct, sys
hdr = bytearray(64)
hdr[56:60] = b"ARM\x64"
note = open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else b""
open(sys.argv[1], "wb").write(bytes(hdr) + b"\0" * 64 + note + b"\0" * 64)
PY
}
aarch64-linux-gnu-objcopy -O binary --only-section=.note.gnu.build-id "$T/vmlinux" "$T/note"
image "$T/Image" "$T/note"
python3 -c 'import sys; sys.stdout.buffer.write(bytes([4,0,0,0,20,0,0,0,3,0,0,0]) + b"GNU\0" + bytes(range(20)))' >"$T/other-note"
image "$T/Image.other" "$T/other-note"

crash() { ctl crashes --wait --json "$1" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
f = sys.argv[1]
print(c[f] if c[f] is not None else "null")' "$2"; }
run() { ctl submit "$@" --append "fakeqemu=panic-at=3 fakeqemu.report=$T/report"; }

# --- with --vmlinux -----------------------------------------------------------
a=$(run "$T/Image" --vmlinux "$T/vmlinux" --extra "$T/extra")
check_eq "the job names its vmlinux" "$(job_field "$a" vmlinux)" \
	"$(sha256sum "$T/vmlinux" | cut -d' ' -f1)"
check_eq "its report is symbolized" "$(crash "$a" symbols)" ok
sym=$(crash "$a" symbolized)
check_match "the pc: the trap's line, source directory dropped" "$sym" \
	"\\] pc : ${pc//+/\\+} drivers/x\\.c:5\$"
check_match "a return address: the line of the call, in the function inlined there" "$sym" \
	"\\]  inl_step drivers/x\\.c:11 \\[inline\\]\$"
check_match "and the frame's own line where it was inlined" "$sym" \
	"\\]  ${ret//+/\\+} drivers/x\\.c:16\$"
check_eq "the inlined line comes right before its frame" "$(printf '%s\n' "$sym" |
	grep -A1 'inl_step drivers/x.c:11 \[inline\]' | tail -1 | sed 's/^.*\]  //')" \
	"$ret drivers/x.c:16"
check_match "a module's frame in .text, from the --extra tree's .ko" "$sym" \
	"${mret//+/\\+} \\[my_mod\\] $T/msrc/mod\\.c:10\$"
check_match "and one in .init.text" "$sym" \
	"${minit//+/\\+} \\[my_mod\\] $T/msrc/mod\\.c:16\$"
check_match "a function the vmlinux lacks stays as it was" "$sym" \
	"\\]  not_in_vmlinux\\+0x10/0x20\$"
check_eq "and the message says so" "$(crash "$a" symbols_message)" \
	"not_in_vmlinux is not in the vmlinux's symbol table"
check_match "the report as printed is kept" "$(crash "$a" report)" "\\] pc : ${pc//+/\\+}\$"
check_match "crashes -v prints the symbolized report" "$(ctl crashes -v "$a")" \
	"inl_step drivers/x\\.c:11 \\[inline\\]"

# --- without: found by build id, or not found ---------------------------------
b=$(run "$T/Image")
check_eq "without --vmlinux: found by the Image's build id" "$(crash "$b" symbols)" ok
check_match "with the same lines" "$(crash "$b" symbolized)" "\\] pc : ${pc//+/\\+} drivers/x\\.c:5\$"
check_match "a module without its .ko stays as it was, and is named" \
	"$(crash "$b" symbols_message)" "module my_mod: the job's --extra tree has no \\.ko of it"

c=$(run "$T/Image.other" --vmlinux "$T/vmlinux")
check_eq "a vmlinux of another build: an error" "$(crash "$c" symbols)" error
check_match "that names both build ids" "$(crash "$c" symbols_message)" \
	"^the job's vmlinux is of another build: its build id [0-9a-f]{40} is not among those the kernel Image carries \\(000102030405"
check_eq "and no symbolized copy" "$(crash "$c" symbolized)" null

d=$(run "$T/Image.other")
check_eq "no vmlinux with the kernel's build id: none" "$(crash "$d" symbols)" none
check_match "said so" "$(crash "$d" symbols_message)" \
	"none given before has a build id the kernel Image carries \\(000102030405"

# --- refusals -------------------------------------------------------------------
rc=0; ctl submit "$T/Image" --vmlinux "$T/Image" >/dev/null 2>"$T/err" || rc=$?
check_eq "pkvmctl refuses an Image as --vmlinux (exit 2)" "$rc" 2
check_match "naming the mistake" "$(cat "$T/err")" "not a 64-bit ELF file"
img=$(sha256sum "$T/Image" | cut -d' ' -f1)
answer=$(curl -s --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
	-d "{\"kernel\": \"$img\", \"vmlinux\": \"$img\"}" http://pkvmd/v1/jobs)
check_match "the API refuses a vmlinux blob that is no ELF file" "$answer" \
	'"code": *"invalid_field".*"field": *"vmlinux"|"field": *"vmlinux".*"code": *"invalid_field"'

# --- the hypervisor's frames, in the small test kernel -------------------------
tree=${SMALL_KERNEL_TREE:-}
if [ -s "${SMALL_KERNEL:-}" ] && grep -qs '^CONFIG_DEBUG_INFO=y' "$tree/.config"; then
	bug=$(frame "$tree/vmlinux" __kvm_nvhe_handle_host_mem_abort brk)
	call=$(frame "$tree/vmlinux" __kvm_nvhe_handle_trap 'bl\s.*<__kvm_nvhe_handle_host_mem_abort>')
	cat >"$T/hyp-report" <<R
kvm [79]: nVHE hyp BUG at: [<ffffffc0082eba28>] $bug!
kvm [79]: nVHE call trace:
kvm [79]:  [<ffffffc0082eba28>] $bug
kvm [79]:  [<ffffffc0082e948c>] $call
kvm [79]: ---[ end nVHE call trace ]---
Kernel panic - not syncing: HYP panic:
R
	h=$(ctl submit "$SMALL_KERNEL" --vmlinux "$tree/vmlinux" \
		--append "fakeqemu=panic-at=3 fakeqemu.report=$T/hyp-report")
	sym=$(crash "$h" symbolized)
	where=$(printf '%s\n' "$sym" | grep -m1 'hyp BUG at:' | grep -Eo '[^ ]+:[0-9]+$')
	check_match "the hyp BUG's line is its BUG_ON" "$(sed -n "${where##*:}p" "$tree/${where%:*}")" \
		'BUG_ON'
	check_match "in the nVHE hypervisor's sources" "$where" '^arch/arm64/kvm/hyp/nvhe/'
	check_match "its caller in the hyp's trace: the call's line" "$sym" \
		"${call//+/\\+} arch/arm64/kvm/hyp/nvhe/hyp-main\\.c:[0-9]+\$"
else
	for what in "the hyp BUG's line is its BUG_ON" "in the nVHE hypervisor's sources" \
		"its caller in the hyp's trace: the call's line"; do
		TESTS_RUN=$((TESTS_RUN + 1))
		echo "ok $TESTS_RUN - $what # SKIP the small test kernel has no debug info (scripts/build-test-kernel)"
	done
fi
finish
