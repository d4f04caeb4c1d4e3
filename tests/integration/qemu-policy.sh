#!/bin/bash
# Integration: what qemu may be asked to do (docs/LAB.md, section 6).
#  - a non-admin's qemu argument that names a host file is refused at
#    submit (400 invalid_field, field qemu_args) with the argument named;
#    an allowed one runs; an admin (root) may pass the refused one;
#  - qemu's command line carries the -sandbox;
#  - with --qemu-user nobody, fake-qemu runs as nobody, with no new
#    privileges, and reads its kernel and initrd;
#  - a job runs on the server's default CPU or its own --cpu, recorded in
#    the job; a bad --cpu is refused at submit, a bad --default-cpu at
#    start-up;
#  - --qemu-user is refused at start-up when pkvmd is not root, and for a
#    user that does not exist.
# The non-admin is pkvmctl run as nobody (setpriv) on a 0666 socket.
. "$(dirname "$0")/../lib.sh"

NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
SANDBOX="'-sandbox' 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny'"

# nobody must reach the socket and read the kernel it uploads.
open_to_others
cp "$TEST_KERNEL" "$T/Image"
chmod 0644 "$T/Image"
# fake-qemu, as nobody, appends its pid here for lib.sh's cleanup.
touch "$FAKE_QEMU_PIDFILE"
chmod 0666 "$FAKE_QEMU_PIDFILE"
start_pkvmd --qemu "$FAKE_QEMU" --socket-mode 0666 --qemu-user nobody

as_nobody() {
	setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
		"$PKVMCTL" --socket "$SOCK" "$@"
}

# refused ARG... -- submit as nobody with these qemu arguments; prints
# pkvmctl's exit status and its error.
refused() {
	local out rc=0
	out=$(as_nobody submit "$T/Image" --append fakeqemu=pass -- "$@" 2>&1) || rc=$?
	echo "$rc $out"
}

out=$(refused -drive file=/etc/shadow,if=virtio)
check_match "a non-admin's -drive is refused with the argument named" "$out" \
	"^2 .*qemu argument '-drive file=/etc/shadow,if=virtio' is refused: -drive attaches a host file"
out=$(refused --drive file=/etc/shadow)
check_match "--drive is -drive to qemu, and refused" "$out" "^2 .*'--drive file=/etc/shadow'"
out=$(refused -device virtio-blk,drive=x)
check_match "a -device with a backend is refused" "$out" \
	"^2 .*'-device virtio-blk,drive=x' is refused: device model 'virtio-blk'"
out=$(refused -machine "virt,dumpdtb=$T/dtb")
check_match "-machine dumpdtb= (writes a host file) is refused" "$out" \
	"^2 .*property 'dumpdtb' writes a host file"
out=$(refused -D "$T/qemu-log")
check_match "-D is refused" "$out" "^2 .*'-D $T/qemu-log' is refused"
out=$(refused -smp 1 -d int -chardev "socket,id=c,path=$T/c")
check_match "the first refused argument after allowed ones is named" "$out" "^2 .*'-chardev socket"

# The raw API: 400, invalid_field, field qemu_args.
kernel_sha=$(sha256sum "$T/Image" | cut -d' ' -f1)
resp=$(setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	curl -s -w '\n%{http_code}' --unix-socket "$SOCK" -X POST \
	-d "{\"kernel\":\"$kernel_sha\",\"qemu_args\":[\"-plugin\",\"/tmp/x.so\"]}" \
	http://pkvmd/v1/jobs) || true
check_eq "the raw API answers 400" "${resp##*$'\n'}" 400
check_eq "with invalid_field, field qemu_args" "$(python3 -c 'import json,sys; e=json.loads(sys.argv[1])["error"]; print(e["code"], e["field"])' "${resp%$'\n'*}")" \
	"invalid_field qemu_args"

# Allowed arguments run, as nobody's job, with fake-qemu as nobody.
id=$(as_nobody submit "$T/Image" --append "fakeqemu=pass fakeqemu.whoami=1" -- \
	-cpu max,pauth-impdef=on -d int,guest_errors -device virtio-rng-pci -M virt,mte=on)
rc=0; ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "a non-admin's allowed qemu arguments are accepted and run" "$rc" 0
check_eq "the job is nobody's" "$(job_field "$id" owner)" nobody
cmd=$(cat "$STATE/jobs/$id/qemu.cmd")
check_match "the allowed arguments reach qemu" "$cmd" "'-cpu' 'max,pauth-impdef=on' '-d' 'int,guest_errors'"
check_match "qemu runs under the seccomp sandbox" "$cmd" "$SANDBOX"
log=$(ctl logs "$id")
check_match "with --qemu-user nobody, qemu runs as nobody and its groups" "$log" \
	"fake-qemu: uid=$NOBODY_UID gid=$NOBODY_GID groups=$NOBODY_GID "
check_match "qemu reads its kernel and initrd, with no new privileges" "$log" \
	"kernel=ok initrd=ok nnp=1"

# Disks as nobody's job: qemu, as nobody, writes the overlay pkvmd (root)
# made in the job directory and reads the read-only disk's blob.
truncate -s 1M "$T/disk.img"
chmod 0644 "$T/disk.img"
id=$(as_nobody submit "$T/Image" --disk "$T/disk.img" --disk "$T/disk.img,ro" \
	--append "fakeqemu=pass fakeqemu.whoami=1")
rc=0; ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "a job with disks runs under --qemu-user" "$rc" 0
check_match "qemu, as nobody, opens the overlay read-write and the read-only disk for reading" \
	"$(ctl logs "$id")" "uid=$NOBODY_UID .* disks=rw,ro"

# An admin (root) may pass what a non-admin may not.
id=$(ctl submit "$T/Image" --append fakeqemu=pass -- -machine "virt,dumpdtb=$T/dtb" -D "$T/qemu-log")
rc=0; ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "an admin's -machine dumpdtb= and -D are accepted" "$rc" 0
check_match "and reach qemu, beside the sandbox" "$(cat "$STATE/jobs/$id/qemu.cmd")" \
	"$SANDBOX.*'-machine' 'virt,dumpdtb=$T/dtb' '-D' '$T/qemu-log'"

# The CPU model: the server's default unless the job names one, recorded
# in the job; a value that is no -cpu is refused at submit.
check_match "a job that names no CPU runs on the default, max,pauth-impdef=on" \
	"$(cat "$STATE/jobs/$id/qemu.cmd")" "'-cpu' 'max,pauth-impdef=on'"
check_eq "and the job says so" "$(job_field "$id" cpu)" "max,pauth-impdef=on"
id=$(ctl submit "$T/Image" --append fakeqemu=pass --cpu cortex-a72)
rc=0; ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "a job with --cpu cortex-a72 runs" "$rc" 0
check_match "on that CPU" "$(cat "$STATE/jobs/$id/qemu.cmd")" "'-cpu' 'cortex-a72'"
check_eq "which the job shows" "$(job_field "$id" cpu)" cortex-a72
rc=0; out=$(ctl submit "$T/Image" --cpu 'max -S' 2>&1) || rc=$?
check_eq "--cpu 'max -S' is refused (exit 2, bad input)" "$rc" 2
check_match "saying what a cpu is" "$out" "cpu must be qemu's -cpu"
stop_pkvmd
rc=0
out=$("$PKVMD" --state-dir "$T/state3" --socket "$T/sock3" --default-cpu 'max,,x' 2>&1) || rc=$?
check_eq "pkvmd --default-cpu 'max,,x' does not start (exit 2, usage)" "$rc" 2
check_match "naming the option" "$out" "invalid value 'max,,x' for --default-cpu"

# --qemu-user needs root, and a real user; both said on the terminal.
mkdir -m 0777 "$T/unpriv"
rc=0
out=$(setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	"$PKVMD" --state-dir "$T/unpriv/state" --socket "$T/unpriv/sock" \
	--spawn-helper "$PKVMD_SPAWN" --qemu-user nobody 2>&1) || rc=$?
check_eq "--qemu-user when not root stops pkvmd at start-up" "$rc" 1
check_match "saying it needs root" "$out" "--qemu-user nobody needs pkvmd to run as root"
rc=0
out=$("$PKVMD" --state-dir "$T/state2" --socket "$T/sock2" --spawn-helper "$PKVMD_SPAWN" \
	--qemu-user no-such-user-here 2>&1) || rc=$?
check_eq "--qemu-user with an unknown user stops pkvmd" "$rc" 1
check_match "naming the user" "$out" "no user 'no-such-user-here'"
finish
