#!/bin/bash
# Integration: the daemon's API over a real socket with fake-qemu guests:
# version, a passing and a failing job with exit codes, list/status JSON.
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU"

check_match "version answers over the socket" "$(ctl version 2>&1)" "pkvmd"

id=$(ctl submit "$TEST_KERNEL" --exe "$SRC_GUEST_DIR/pass.sh" --tag smoke --append fakeqemu=pass)
check_match "submit prints a job id" "$id" '^[0-9]+$'
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "a passing job exits 0" "$rc" 0
check_eq "state is done" "$(job_field "$id" state)" done
check_eq "result is passed" "$(job_field "$id" result)" passed

id=$(ctl submit "$TEST_KERNEL" --exe "$SRC_GUEST_DIR/fail.sh" --append fakeqemu=fail)
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "a failing job exits 1" "$rc" 1
check_eq "result is failed" "$(job_field "$id" result)" failed

# -d PORT: qemu waits for gdb on loopback, stopped at the first instruction.
id=$(ctl submit "$TEST_KERNEL" -d 12345 --append fakeqemu=pass)
ctl wait "$id" >/dev/null 2>&1 || true
cmd=$(cat "$STATE/jobs/$id/qemu.cmd")
check_match "-d starts qemu stopped (-S)" "$cmd" "'-S'"
check_match "-d opens a gdb stub on loopback" "$cmd" "'-gdb' 'tcp:127.0.0.1:12345'"
check_match "the guest gets the pKVM command line" "$cmd" "console=ttyAMA0 panic=-1 printk.time=1 kvm-arm.mode=protected"

# A gzipped Image is a kernel too (qemu's -kernel unpacks it).
gzip -c "$TEST_KERNEL" >"$T/Image.gz"
id=$(ctl submit "$T/Image.gz" --append fakeqemu=pass)
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "a gzipped arm64 Image is accepted and runs" "$rc" 0

n=$(ctl list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check_eq "list --json is an array of every job" "$n" 4
check_eq "list --ids prints the ids alone, newest first" "$(ctl list --ids | tr '\n' ' ')" \
	"$(ctl list --json | python3 -c 'import json,sys; print(" ".join(str(j["id"]) for j in json.load(sys.stdin)), end=" ")')"
rc=0; ctl list --ids --json >/dev/null 2>&1 || rc=$?
check_eq "list --ids with --json is a usage error" "$rc" 2
finish
