#!/bin/bash
# End to end on Debian's generic 6.12 arm64 kernel, the second kernel of
# this tier, so that a kernel change shows up here: on -cpu max it brings
# pKVM up in hVHE mode ("Protected hVHE mode initialized successfully",
# not nVHE).  One boot: pass.sh (pKVM is up, in either mode), a test that
# sees the NIC, a KTAP test of the mode pKVM came up in, then a test that
# panics the kernel through sysrq: the job is crashed, the others passed
# or failed as the kernel is, and the panic is blamed on the test that was
# running.  The job asks for --net user, and a test sees qemu's virtio-net
# device on the guest's PCI bus (this kernel has PCI built in), so real
# qemu took that command line.
#
# Then the same tests but the panic on Debian's cloud kernel (6.1, nVHE),
# and the two runs compared (docs/COMPARE.md): the known differences of
# the two kernels are the comparison's transitions.
. "$(dirname "$0")/../lib.sh"

[ -s "$KERNEL_612" ] || { echo "Bail out! no 6.12 kernel at $KERNEL_612: run scripts/fetch-guest --kernel-6.12"; exit 1; }

start_pkvmd

# Tests run in name order: pass first, then the NIC, then the panic.
cp "$SRC_GUEST_DIR/pass.sh" "$T/01-pass.sh"
cat >"$T/02-nic.sh" <<'SH'
#!/bin/sh
# virtio-net is PCI vendor 0x1af4, device 0x1000 (transitional) or 0x1041.
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] || continue
	case $(cat "$d/device") in 0x1000 | 0x1041) echo "virtio-net at ${d##*/}"; exit 0 ;; esac
done
echo "no virtio-net device on the PCI bus"
exit 1
SH
cat >"$T/03-mode.sh" <<'SH'
#!/bin/sh
# The mode pKVM came up in, as KTAP sub-results.
log=$(dmesg)
echo "KTAP version 1"
echo "1..2"
case $log in *"Protected nVHE mode initialized"*) echo "ok 1 nvhe" ;; *) echo "not ok 1 nvhe" ;; esac
case $log in *"Protected hVHE mode initialized"*) echo "ok 2 hvhe" ;; *) echo "not ok 2 hvhe" ;; esac
SH
cp "$SRC_GUEST_DIR/panic.sh" "$T/04-panic.sh"

id=$(ctl submit "$KERNEL_612" --exe "$T/01-pass.sh" --exe "$T/02-nic.sh" --exe "$T/03-mode.sh" \
	--exe "$T/04-panic.sh" --net user --timeout 300)
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
console=$(ctl logs "$id")
check_match "6.12 boots" "$console" "Linux version 6\\.12\\."
check_match "pKVM comes up in hVHE mode" "$console" "kvm \\[1\\]: Protected hVHE mode initialized successfully"
check_eq "the panic ends the job as crashed (exit 4)" "$rc" 4
check_eq "verdicts: pKVM up, the NIC of --net user there, hVHE not nVHE, then the panic" \
	"$(ctl results --json "$id" | python3 -c 'import json,sys; print(" ".join(t["name"] + "=" + t["verdict"] for t in json.load(sys.stdin)))')" \
	"01-pass.sh=pass 02-nic.sh=pass 03-mode.sh=fail 04-panic.sh=error"
check_eq "the crash report: title, kind, test, backtrace" "$(ctl crashes --json "$id" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
print(c["title"], "|", c["kind"], "|", c["test"], "|", "Call trace:" in c["report"])')" \
	"kernel panic: sysrq triggered crash | panic | 04-panic.sh | True"
# ---- the cloud kernel, and the comparison ----------------------------------------
cloud=$(ctl submit "$TEST_KERNEL" --exe "$T/01-pass.sh" --exe "$T/02-nic.sh" --exe "$T/03-mode.sh" \
	--net user --timeout 300)
ctl wait "$cloud" >/dev/null 2>&1 || true
check_eq "the cloud kernel: pKVM up, the NIC there, nVHE not hVHE" \
	"$(ctl results --json "$cloud" | python3 -c 'import json,sys; print(" ".join(t["name"] + "=" + t["verdict"] for t in json.load(sys.stdin)))')" \
	"01-pass.sh=pass 02-nic.sh=pass 03-mode.sh=fail"
rc=0
out=$(ctl compare --json "$cloud" "$id") || rc=$?
check_eq "6.1 to 6.12: regressed, so exit 1" "$rc" 1
check_eq "6.1 to 6.12: nVHE regressed, hVHE fixed, the panic test new; pass.sh and its 3, the NIC unchanged" \
	"$(printf '%s' "$out" | python3 -c '
import json, sys
c = json.load(sys.stdin)
print([(t["change"], t["test"], t["path"]) for t in c["tests"]], c["counts"]["unchanged"])')" \
	"[('regressed', '03-mode.sh', ['nvhe']), ('fixed', '03-mode.sh', ['hvhe']), ('new', '04-panic.sh', []), ('still-failing', '03-mode.sh', [])] 5"
check_eq "6.1 to 6.12: the panic is a new crash" \
	"$(printf '%s' "$out" | python3 -c 'import json, sys; print([x["title"] for x in json.load(sys.stdin)["crashes"]["new"]])')" \
	"['kernel panic: sysrq triggered crash']"
rc=0
ctl compare "$id" "$cloud" >/dev/null || rc=$?
check_eq "6.12 to 6.1: hVHE regressed too, so exit 1 as well" "$rc" 1
finish
