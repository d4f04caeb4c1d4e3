#!/bin/bash
# Integration: what submit refuses of the pKVM tester's pieces before a
# guest boots (docs/TESTER.md), through pkvmctl and the raw API.
#  - pkvmctl: an x86-64 program, a dynamically linked one without
#    --sysroot (the interpreter named), a library the sysroot lacks;
#    --sysroot ships the loader and the libraries, recursively, at the
#    paths the loader looks;
#  - the API (which pkvmctl's checks do not guard): a dynamically linked
#    executable whose interpreter the job's extra tree lacks is refused,
#    one with it is taken; stream_paths and stop_on_failure are checked
#    and shown in the job.
. "$(dirname "$0")/../lib.sh"

[ -x "$GUEST_DIR/dyn-hello" ] || { echo "1..0 # SKIP no aarch64 cross compiler: run scripts/setup"; exit 0; }

start_pkvmd --qemu "$FAKE_QEMU"

# ---- pkvmctl ---------------------------------------------------------------------
cp /bin/true "$T/host-true"
rc=0; out=$(ctl submit "$TEST_KERNEL" --exe "$T/host-true" 2>&1) || rc=$?
check_eq "an x86-64 program: exit 2" "$rc" 2
check_match "an x86-64 program: says what it is and what runs" "$out" \
	"host-true is an x86-64 ELF program .*the guest runs 64-bit aarch64 programs"

rc=0; out=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/dyn-hello" 2>&1) || rc=$?
check_eq "a dynamic program without --sysroot: exit 2" "$rc" 2
check_match "it names the interpreter and the way out" "$out" \
	"pkvmctl: dyn-hello is dynamically linked \(interpreter /lib/ld-linux-aarch64.so.1\); give --sysroot DIR"

rc=0; out=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/dyn-hello" --sysroot /usr/aarch64-linux-gnu 2>&1) || rc=$?
check_eq "a library neither --extra nor the sysroot has: exit 2" "$rc" 2
check_match "it names the library and where it looked" "$out" \
	"dyn-hello needs libpkvmdemo.so, which is not in --sysroot '/usr/aarch64-linux-gnu' \(looked in /opt/pkvm/lib"

rc=0; out=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/dyn-hello" --sysroot "$T/nowhere" 2>&1) || rc=$?
check_eq "--sysroot that is not a directory: exit 2" "$rc" 2

mkdir -p "$T/extra/opt/pkvm/lib"
cp "$GUEST_DIR/libpkvmdemo.so" "$T/extra/opt/pkvm/lib/"
id=$(ctl submit "$TEST_KERNEL" --exe "$GUEST_DIR/dyn-hello" --sysroot /usr/aarch64-linux-gnu \
	--extra "$T/extra" --append fakeqemu=pass --stop-on-failure --stream /tmp/a.log)
check_eq "with --sysroot and --extra it is taken" "$(job_field "$id" state | grep -c -e queued -e running -e done)" 1
# The extra tree the job got: --extra's 4 entries (opt, opt/pkvm,
# opt/pkvm/lib, the library) and from the sysroot 3 files: the loader at
# its PT_INTERP path, libc, and libm, which only libpkvmdemo needs (the
# recursion; tests/e2e/tester.sh runs the program).
check_eq "the job has --extra's tree, the loader, libc and libm" \
	"$(job_field "$id" extra_entries)" 7
check_eq "stop_on_failure and stream_paths are the job's" \
	"$(job_field "$id" stop_on_failure) $(job_field "$id" stream_paths)" "True ['/tmp/a.log']"
check_match "the guest is told to stop on failure" "$(job_field "$id" cmdline)" "pkvm.stop_on_failure=1"

# ---- the raw API ---------------------------------------------------------------
req() {
	local out
	out=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -X "$1" "${@:3}" "http://pkvmd$2")
	printf '%s %s' "$out" "$(python3 -c '
import json, sys
try:
    e = json.load(open(sys.argv[1]))["error"]
    print(e["code"] + (" " + e["field"] if e.get("field") else ""))
except Exception:
    print("-")' "$T/body")"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
K=$(sha "$TEST_KERNEL")
D=$(sha "$GUEST_DIR/dyn-hello")
L=$(sha /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1)
for f in "$GUEST_DIR/dyn-hello" /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1; do
	req PUT "/v1/blobs/$(sha "$f")" --data-binary @"$f" >/dev/null
done
submit() { req POST /v1/jobs -H 'Content-Type: application/json' --data-binary "$1"; }
exe="\"executables\": [{\"name\": \"dyn\", \"blob\": \"$D\"}]"
check_eq "API: a dynamic executable without its loader: 400 invalid_field executables" \
	"$(submit "{\"kernel\": \"$K\", $exe}")" "400 invalid_field executables"
check_match "the refusal names the interpreter" "$(cat "$T/body")" \
	"interpreter /lib/ld-linux-aarch64.so.1"
check_match "API: with the loader in the extra tree it is taken" \
	"$(submit "{\"kernel\": \"$K\", $exe, \"append\": \"fakeqemu=pass\", \"extra\": [{\"path\": \"lib/ld-linux-aarch64.so.1\", \"blob\": \"$L\", \"mode\": 493}]}")" "^20[01] -$"
T64=$(sha "$T/host-true")
req PUT "/v1/blobs/$T64" --data-binary @"$T/host-true" >/dev/null
check_eq "API: an x86-64 executable: 400 invalid_field executables" \
	"$(submit "{\"kernel\": \"$K\", \"executables\": [{\"name\": \"true\", \"blob\": \"$T64\"}]}")" \
	"400 invalid_field executables"
check_match "the refusal says what it is" "$(cat "$T/body")" \
	"executable 'true' is not a 64-bit aarch64 program \(ELF machine x86-64\)"
for bad in '"tmp/x"' '"/tmp/../etc"' '"/tmp/.x"' '"/tmp/a b"' '"/tmp/x/"' '1'; do
	check_eq "API: stream_paths [$bad]: 400 invalid_field stream_paths" \
		"$(submit "{\"kernel\": \"$K\", \"stream_paths\": [$bad]}")" "400 invalid_field stream_paths"
done
check_eq "API: stop_on_failure \"yes\": 400 invalid_field stop_on_failure" \
	"$(submit "{\"kernel\": \"$K\", \"stop_on_failure\": \"yes\"}")" "400 invalid_field stop_on_failure"

finish
