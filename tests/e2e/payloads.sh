#!/bin/bash
# End to end on real qemu: payload jobs (docs/PAYLOADS.md), bare aarch64
# binaries booted without a kernel, one qemu each, on kvm-unit-tests'
# machine, read by kvm-unit-tests' rules.  The payloads are
# tests/payload/'s (kvm-unit-tests is not in Debian): they boot in well
# under a second, so every case is here, in a few jobs:
#  - one job of six payloads: pass, fail, skip (exit 77), crash (an
#    unhandled exception, abort() = 127), PSCI SYSTEM_OFF with "EXIT:
#    STATUS=1" (qemu exits 0), hang (killed at --test-timeout), each a test
#    with its sub-results, verdict and kvm-unit-tests' exit status, the job
#    failed by its first failing payload;
#  - a crash alone makes the job `crashed` (exit 4); a silent hang meets
#    the idle timeout; the job's timeout leaves the payloads after it
#    not-run; a machine qemu refuses is the job's error;
#  - a unittests.cfg: smp, $MAX_SMP, test_args and extra_params reach the
#    payload (it checks its CPUs against smp=N itself), machine properties
#    reach qemu, arch/accel/nodefault entries are left out, a cfg timeout,
#    a PSCI power-off without "EXIT: STATUS" fails;
#  - an EFI app (gnu-efi) booted through UEFI firmware from a FAT drive
#    whose startup.nsh passes its arguments: its report lines, and its
#    status from "EXIT: STATUS=N" once it reset the machine (qemu exits 0);
#  - files that are not payloads are refused, by pkvmctl and by the API.
. "$(dirname "$0")/../lib.sh"

[ -s "$PAYLOAD_DIR/pass.flat" ] || { echo "1..0 # SKIP no aarch64 cross compiler: run scripts/setup"; exit 0; }

[ -s "$PAYLOAD_DIR/efi-app.efi" ] || { echo "Bail out! no EFI test payload: scripts/fetch-guest unpacks gnu-efi:arm64, then reconfigure (meson setup --reconfigure)"; exit 1; }

start_pkvmd --slots 2

P=$PAYLOAD_DIR
# The EFI job first: the firmware and its shell's countdown take ~13 s a boot.
cat >"$T/efi.cfg" <<CFG
[efi-pass]
file = efi-app.efi
groups = efi

[efi-fail]
file = efi-app.efi
test_args = fail
groups = efi
CFG
cp "$P/efi-app.efi" "$T/"
efi=$(ctl submit --payload-cfg "$T/efi.cfg" --timeout 300)
mix=$(ctl submit --payload "$P/pass.flat" --payload "$P/fail.flat" --payload "$P/skip.flat" \
	--payload "$P/crash.flat" --payload "$P/psci.flat" --payload "$P/hang.flat" \
	--test-timeout 3 --timeout 120)
crash=$(ctl submit --payload "$P/crash.flat" --payload "$P/pass.flat" --timeout 120)

rc=0; ctl wait "$mix" 2>/dev/null || rc=$?
check_eq "a payload job with a failing payload exits 1" "$rc" 1
check_eq "the first failing payload decides" "$(job_field "$mix" message)" \
	"payload fail.flat failed: sub-test failed: payload: bad check"
check_eq "the job is a payload job" "$(job_field "$mix" kind)" payload

# name -> "verdict exit pass/fail/skip message"
summary=$(ctl results --json "$mix" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    c = lambda v: sum(1 for s in t["subtests"] if s["verdict"] == v)
    print(t["name"], t["verdict"], t["exit_code"], "%d/%d/%d" % (c("pass"), c("fail"), c("skip")), t["message"] or "-")')
echo "$summary" | sed 's/^/# /'
row() { printf '%s\n' "$summary" | awk -v n="$1" '$1 == n { $1 = ""; print substr($0, 2) }'; }
check_eq "pass: test device exit 0, two PASS lines" "$(row pass.flat)" "pass 0 2/0/0 -"
check_match "fail: exit status 3, the FAIL line named" "$(row fail.flat)" \
	"^fail 3 1/1/0 sub-test failed: payload: bad check$"
check_match "skip: exit status 77 is a skip" "$(row skip.flat)" "^skip 77 0/0/1 "
check_eq "crash: the exception is the message, status 127 (abort)" "$(row crash.flat)" \
	"error 127 1/0/0 Unhandled exception ec=0x0 (UNKNOWN)"
check_eq "psci: qemu exit 0 with EXIT: STATUS=1 passes" "$(row psci.flat)" "pass 0 1/0/0 -"
check_eq "hang: killed at --test-timeout, what it printed kept" "$(row hang.flat)" \
	"timeout None 1/0/0 killed at its timeout of 3 s"
# The console holds them in the order given, each after pkvmd's header.
check_eq "the payloads ran in order, one after another" \
	"$(sed -n 's/^\[pkvmd\] payload [0-9]*\/6 \([^ ]*\) .*/\1/p' "$STATE/jobs/$mix/serial" | tr '\n' ' ')" \
	"pass.flat fail.flat skip.flat crash.flat psci.flat hang.flat "
qemu_cmds=$(cat "$STATE/jobs/$mix/qemu.cmd")
check_eq "one qemu per payload" "$(printf '%s\n' "$qemu_cmds" | wc -l)" 6
check_match "kvm-unit-tests' machine: chr-testdev and pci-testdev" "$(head -1 <<<"$qemu_cmds")" \
	"'-nodefaults' '-machine' 'virt,gic-version=3' '-cpu' 'max,pauth-impdef=on' .*'-device' 'virtconsole,chardev=ctd' '-chardev' 'testdev,id=ctd' '-device' 'pci-testdev' '-kernel' "
log=$(ctl logs --test crash.flat "$mix")
check_match "logs --test: the crashing payload's console" "$log" "Unhandled exception ec=0x0"
check "logs --test: only that payload's" bash -c '! grep -q "first check" <<<"$1"' _ "$log"

rc=0; ctl wait "$crash" 2>/dev/null || rc=$?
check_eq "an unhandled exception makes the job crashed (exit 4)" "$rc" 4
check_eq "the crash message" "$(job_field "$crash" message)" \
	"payload crash.flat crashed: Unhandled exception ec=0x0 (UNKNOWN)"
check_eq "the next payload still runs" "$(ctl results --json "$crash" | python3 -c '
import json, sys
print([t["verdict"] for t in json.load(sys.stdin) if t["name"] == "pass.flat"][0])')" pass

# A payload that goes silent meets the idle timeout; the job is `timeout`.
idle=$(ctl submit --payload "$P/hang.flat" --idle-timeout 2 --timeout 120)
rc=0; ctl wait "$idle" 2>/dev/null || rc=$?
check_eq "a silent payload: timeout (exit 3)" "$rc" 3
check_eq "the message names the idle timeout" "$(job_field "$idle" message)" \
	"payload hang.flat timed out: no console output for 2 s (the idle timeout)"

# The job's own timeout ends the job: the running payload keeps what it
# printed, the rest never run, in the job's order (fail.flat comes before
# hang.flat by name, but after it here).
jobto=$(ctl submit --payload "$P/hang.flat" --payload "$P/pass.flat" --payload "$P/fail.flat" \
	--timeout 3)
rc=0; ctl wait "$jobto" 2>/dev/null || rc=$?
check_eq "the job's timeout: exit 3" "$rc" 3
check_eq "...named in the message" "$(job_field "$jobto" message)" \
	"test hang.flat timed out: the job's timeout of 3 s ran out"
check_eq "...the payloads after it are not run" "$(ctl results --json "$jobto" | python3 -c '
import json, sys
print(" ".join(t["name"] + "=" + t["verdict"] for t in json.load(sys.stdin)))')" \
	"hang.flat=timeout pass.flat=not-run fail.flat=not-run"

# A machine qemu refuses is the job's error, quoted.
sha=$(sha256sum "$P/pass.flat" | cut -d' ' -f1)
bad=$(curl -s --unix-socket "$SOCK" -X POST \
	-d "{\"payloads\":[{\"name\":\"p\",\"blob\":\"$sha\",\"machine\":\"gic-version=9\"}]}" \
	http://pkvmd/v1/jobs | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
rc=0; ctl wait "$bad" 2>/dev/null || rc=$?
check_eq "a machine qemu refuses: error (exit 6)" "$rc" 6
check_match "...quoting qemu" "$(job_field "$bad" message)" \
	"^payload p: qemu exited with status 1 before the payload printed anything: .+"

# unittests.cfg, with $MAX_SMP = --smp 2.
cfg=$(ctl submit --payload-cfg "$P/unittests.cfg" --smp 2 --timeout 120 2>"$T/cfg.err")
sed 's/^/# /' "$T/cfg.err"
check_match "arch = arm is left out" "$(cat "$T/cfg.err")" "skipping arm32-only \\(arm only\\)"
check_match "accel = kvm is left out" "$(cat "$T/cfg.err")" "skipping needs-kvm \\(kvm only"
check_match "nodefault is left out" "$(cat "$T/cfg.err")" "skipping skipper \\(test marked as manual run only"
rc=0; ctl wait "$cfg" 2>/dev/null || rc=$?
check_eq "the cfg's hanging entry times out (exit 3)" "$rc" 3
summary=$(ctl results --json "$cfg" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    print(t["name"], t["verdict"], len(t["subtests"]), t["message"] or "-")')
echo "$summary" | sed 's/^/# /'
check_eq "smp = 2, -m 256 and -append from extra_params reach the payload" \
	"$(row selftest-setup)" "pass 2 -"
check_eq "\$MAX_SMP is --smp; test_args reach the payload" "$(row selftest-smp)" "pass 1 -"
check_eq "the entry's timeout = 2s" "$(row quick-timeout)" "timeout 1 killed at its timeout of 2 s"
check_eq "PSCI off without EXIT: STATUS fails, saying why" "$(row powered-off)" \
	"fail 1 powered off without an exit status (no test-device exit, no \"EXIT: STATUS=\" line)"
check_eq "only the entries that run here are tests" "$(printf '%s\n' "$summary" | wc -l)" 4
cmds=$(cat "$STATE/jobs/$cfg/qemu.cmd")
check_match "extra_params: -m 256 and -smp 2" "$(sed -n 1p <<<"$cmds")" "'-m' '256' '-smp' '2' "
check_match "qemu_params: -machine gic-version=2" "$(sed -n 2p <<<"$cmds")" "'virt,gic-version=2'"
payloads=$(ctl status --json "$cfg" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["payloads"]:
    print(p["name"], p["format"], p["smp"], p["timeout"], ",".join(p["groups"]), p["append"])')
check_match "groups and arguments are kept" "$payloads" "selftest-smp flat 2 90 selftest,smp setup smp=2"

grp=$(ctl submit --payload-cfg "$P/unittests.cfg" --payload-group nodefault --timeout 120 2>/dev/null)
rc=0; ctl wait "$grp" 2>/dev/null || rc=$?
check_eq "--payload-group runs a nodefault entry; a skip passes the job" "$rc" 0
check_eq "its verdict is skip" "$(ctl results --json "$grp" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["verdict"])')" skip

rc=0; ctl wait "$efi" 2>/dev/null || rc=$?
check_eq "EFI: the failing app fails the job (exit 1)" "$rc" 1
summary=$(ctl results --json "$efi" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    c = lambda v: sum(1 for s in t["subtests"] if s["verdict"] == v)
    print(t["name"], t["verdict"], t["exit_code"], "%d/%d/%d" % (c("pass"), c("fail"), c("skip")), t["message"] or "-")')
echo "$summary" | sed 's/^/# /'
check_eq "EFI: reset with EXIT: STATUS=1 passes; fdtfile names the dumped dtb" "$(row efi-pass)" "pass 0 3/0/0 -"
check_eq "EFI: startup.nsh passes test_args, EXIT: STATUS=3 fails" "$(row efi-fail)" \
	"fail 3 2/1/0 sub-test failed: efi: asked to fail"
check "EFI: the machine's device tree is in the FAT directory" \
	bash -c '[ "$(head -c4 "$1" | od -An -tx1 | tr -d " ")" = d00dfeed ]' _ "$STATE/jobs/$efi/efi/1/dtb"
check_eq "EFI: the format is found from the file" \
	"$(ctl status --json "$efi" | python3 -c 'import json,sys; print(" ".join(p["format"] for p in json.load(sys.stdin)["payloads"]))')" "efi efi"
check_match "EFI: UEFI firmware and a FAT drive, no -kernel" "$(sed -n 1p "$STATE/jobs/$efi/qemu.cmd")" \
	"'virt,gic-version=3,acpi=off' .*'if=pflash,.*'if=virtio,format=raw,readonly=on,file=fat:$STATE/jobs/$efi/efi/1'$"
check_eq "EFI: startup.nsh runs the app with its arguments" \
	"$(tr -d '\r' <"$STATE/jobs/$efi/efi/2/startup.nsh")" \
	"$(printf '@echo -off\nsetvar fdtfile -guid 97ef3e03-7329-4a6a-b9ba-6c1fdcc5f823 -rt =L"dtb"\npayload.efi fail')"

# Refusals: pkvmctl checks before uploading, the API checks again.
printf '#!/bin/sh\necho hi\n' >"$T/script.sh"
rc=0; out=$(ctl submit --payload "$T/script.sh" 2>&1) || rc=$?
check_eq "a script is refused (exit 2)" "$rc" 2
check_match "...saying what it is" "$out" "payload '.*script.sh' is not a flat aarch64 binary or an arm64 EFI app: it is a script"
rc=0; out=$(ctl submit --payload "$P/pass.elf" 2>&1) || rc=$?
check_match "an ELF file is refused" "$out" "it is an ELF file: give the flat binary"
rc=0; out=$(ctl submit "$P/pass.flat" --payload "$P/pass.flat" 2>&1) || rc=$?
check_match "a kernel and payloads do not mix" "$out" "does not go with --payload"
rc=0; out=$(ctl submit "$P/pass.flat" 2>&1) || rc=$?
check_match "a .flat given as the kernel: refused, with a hint" "$out" \
	"looks like a bare payload: boot it with --payload .*pass.flat"
sha=$(sha256sum "$T/script.sh" | cut -d' ' -f1)
curl -s --unix-socket "$SOCK" -X PUT --data-binary @"$T/script.sh" "http://pkvmd/v1/blobs/$sha" >/dev/null
code=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
	-d "{\"payloads\":[{\"name\":\"s\",\"blob\":\"$sha\"}]}" http://pkvmd/v1/jobs)
check_eq "the API refuses it: 400" "$code" 400
check_match "...with bad_payload" "$(cat "$T/body")" '"code": *"bad_payload"'

finish
