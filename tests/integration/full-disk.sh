#!/bin/bash
# Integration: the state directory's disk fills up.  pkvmd's state lives on
# a 24 MB tmpfs of its own; a filler file takes what is left of it while a
# job prints its console, slowly.  Then:
#  - the running job ends `error` "state disk full", and pkvmd lives on;
#  - a submit is refused with 507 insufficient_storage and a message, and
#    so is a blob upload;
#  - the database passes PRAGMA integrity_check;
#  - once the filler is removed, a new job runs and passes.
# Mounting needs root (CI runs as root); anyone else gets a TAP skip.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP mounting a tmpfs needs root"; exit 0; }
mkdir -p "$STATE"
mount -t tmpfs -o size=24m,mode=0755 pkvm-full-disk "$STATE" ||
	{ echo "1..0 # SKIP cannot mount a tmpfs here"; exit 0; }

# pkvmd must be gone before the mount goes, and its log kept for a failure.
full_disk_exit() {
	local rc=$?
	if [ -n "${PKVMD_PID:-}" ]; then
		kill -TERM "$PKVMD_PID" 2>/dev/null || true
		wait_gone "$PKVMD_PID" 15 || kill -KILL "$PKVMD_PID" 2>/dev/null || true
		PKVMD_PID=
	fi
	cp "$STATE/pkvmd.log" "$T/pkvmd.log" 2>/dev/null || true
	umount "$STATE" 2>/dev/null || umount -l "$STATE" 2>/dev/null || true
	mkdir -p "$STATE"
	cp "$T/pkvmd.log" "$STATE/pkvmd.log" 2>/dev/null || true
	cleanup "$rc"
}
trap full_disk_exit EXIT

db_ok() {
	sqlite3 "$STATE/pkvmd.db" 'PRAGMA integrity_check'
}

# A kernel of 64 KiB: its header is an arm64 Image's (all the submit
# checks), which leaves the small disk's room to the console.
head -c 65536 "$TEST_KERNEL" >"$T/Image"
KERNEL=$T/Image

start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1 --console-max 1000000000
id=$(ctl submit "$KERNEL" --append fakeqemu=pass)
ctl wait "$id" >/dev/null 2>&1
check_eq "before: a job passes on the small disk" "$(job_field "$id" result)" passed

# A job printing a line every 20 ms, then the disk filled under it.
slow=$(ctl submit "$KERNEL" --timeout 120 --append "fakeqemu=flood fakeqemu.delay-ms=20")
check "the slow job prints" wait_for_console "$slow" 'flood line 1:'
dd if=/dev/zero of="$STATE/filler" bs=64k 2>/dev/null || true
check_eq "the disk is full" "$(df -k --output=avail "$STATE" | tail -n 1 | tr -d ' ')" 0

rc=0; timeout 60 "$PKVMCTL" --socket "$SOCK" wait "$slow" >/dev/null 2>&1 || rc=$?
check_eq "full: the running job ends (wait exits 6, error)" "$rc" 6
check_eq "full: its result is error" "$(job_field "$slow" result)" error
check_eq "full: its message says the disk is full" "$(job_field "$slow" message)" "state disk full"
check "full: pkvmd is alive" kill -0 "$PKVMD_PID"

# The job's end freed its initrd: fill that up too.
dd if=/dev/zero of="$STATE/filler" bs=64k oflag=append conv=notrunc 2>/dev/null || true

out=$(curl -s -w '\n%{http_code}' --unix-socket "$SOCK" -H 'Content-Type: application/json' \
	-d "{\"kernel\": \"$(sha256sum "$KERNEL" | cut -c1-64)\"}" http://pkvmd/v1/jobs)
check_eq "full: a submit is 507" "$(tail -n 1 <<<"$out")" 507
body=$(head -n 1 <<<"$out")
check_eq "full: its code is insufficient_storage" \
	"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["error"]["code"])' "$body")" \
	insufficient_storage
check_match "full: its message says the disk is full" "$body" 'state disk full'
head -c 3000000 /dev/urandom >"$T/exe"
rc=0; err=$(ctl submit "$KERNEL" --exe "$T/exe" --append fakeqemu=pass 2>&1) || rc=$?
check "full: pkvmctl submit fails (exit $rc)" test "$rc" -ne 0
check_match "full: pkvmctl says the disk is full" "$err" 'state disk full'
check_eq "full: no job was made" "$(ctl list --json | python3 -c 'import json,sys; print(max(j["id"] for j in json.load(sys.stdin)))')" "$slow"
check_eq "full: no upload is left in blobs/tmp" "$(ls -A "$STATE/blobs/tmp")" ""
check_eq "full: the database passes integrity_check" "$(db_ok)" ok

rm -f "$STATE/filler"
id=$(ctl submit "$KERNEL" --exe "$T/exe" --append fakeqemu=pass)
rc=0; ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "freed: a new job with a new blob passes" "$rc" 0
check_match "freed: its console is whole" "$(ctl logs "$id")" 'reboot: Power down'
check_eq "freed: the database passes integrity_check" "$(db_ok)" ok
finish
