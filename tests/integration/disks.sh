#!/bin/bash
# Integration: disk images (docs/DISKS.md) with fake qemu, for what needs
# no guest: what pkvmctl and the API refuse (a missing file, a file that is
# no disk image, a qcow2 image with a backing file or an external data
# file, a fake qcow2 header, --root or --keep-disk without the disks they
# need, too many disks, a bad root), the qemu command a job gets (its
# overlay as vda, format always given, a read-only disk as the blob
# itself), the overlay deleted at the end or kept with --keep-disk and
# downloadable; and a 1.5 GB image
# uploaded once, streamed (neither pkvmd nor pkvmctl grows by its size),
# then found on the server by the next submit; a server without qemu-img
# fails a job with a writable disk saying so.
. "$(dirname "$0")/../lib.sh"
command -v qemu-img >/dev/null || { echo "Bail out! no qemu-img: run scripts/setup"; exit 1; }

start_pkvmd --qemu "$FAKE_QEMU" --slots 2 --max-blob 2147483648

head -c 65536 "$TEST_KERNEL" >"$T/Image"
truncate -s 4M "$T/raw.img"
printf 'pkvm' | dd of="$T/raw.img" conv=notrunc status=none
qemu-img create -q -f qcow2 "$T/plain.qcow2" 8M

# req METHOD PATH [CURL-ARG]... -- the HTTP status and error code of the body.
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
put() { req PUT "/v1/blobs/$(sha "$1")" --data-binary @"$1" >/dev/null; }
submit_json() { req POST /v1/jobs -H 'Content-Type: application/json' --data-binary "$1"; }

# refused WHAT REGEX PKVMCTL-ARGS... -- pkvmctl exits 2 saying REGEX.
refused() {
	local what=$1 re=$2 rc=0 out
	shift 2
	out=$(ctl submit "$T/Image" "$@" 2>&1) || rc=$?
	check_eq "$what: pkvmctl exits 2" "$rc" 2
	check_match "$what: it says why" "$out" "$re"
}

# ---- what pkvmctl refuses, before uploading --------------------------------
refused "a missing disk" "cannot open disk '$T/nope.img': No such file" --disk "$T/nope.img"
refused "a directory" "not a regular file" --disk "$T"
printf 'not a disk at all\n' >"$T/notes.txt"
refused "a text file" "notes.txt' is not a disk image: a raw image is whole sectors" --disk "$T/notes.txt"
refused "a kernel Image" "is an arm64 kernel Image, not a disk image" --disk "$TEST_KERNEL"
gzip -c "$T/raw.img" >"$T/raw.img.gz"
refused "a gzipped image" "is compressed" --disk "$T/raw.img.gz"
qemu-img create -q -f qcow2 -b "$T/raw.img" -F raw "$T/backed.qcow2"
refused "a qcow2 with a backing file" "backing file \(a host path qemu would open\)" --disk "$T/backed.qcow2"
qemu-img create -q -f qcow2 -o data_file="$T/data-file.raw" "$T/external.qcow2" 4M
refused "a qcow2 with an external data file" "external data file" --disk "$T/external.qcow2"
{ printf 'QFI\373'; head -c 508 /dev/urandom; } >"$T/fake.qcow2"
refused "a file that only claims to be qcow2" "has the qcow2 magic but" --disk "$T/fake.qcow2"
qemu-img create -q -f vmdk "$T/disk.vmdk" 4M
refused "a VMDK image" "is a VMDK image: convert it" --disk "$T/disk.vmdk"
refused "--root without --disk" "--root /dev/vda names a device of the job's disks: give --disk" --root /dev/vda
refused "--root with --exe" "--exe tests would never run" --disk "$T/raw.img" --root /dev/vda \
	--exe "$SRC_GUEST_DIR/pass.sh"
refused "--root that is no device" "invalid --root 'vda'" --disk "$T/raw.img" --root vda
refused "--keep-disk with read-only disks only" "--keep-disk keeps the overlay of a writable disk" \
	--disk "$T/raw.img,ro" --keep-disk
nine=()
for i in 1 2 3 4 5 6 7 8 9; do nine+=(--disk "$T/raw.img"); done
refused "nine disks" "too many disks \(at most 8\)" "${nine[@]}"
check_eq "none of it made a job" "$(ctl list --json)" "[]"

# ---- what the API refuses, for clients that skip pkvmctl's checks ----------
put "$T/Image"
put "$T/raw.img"
put "$T/backed.qcow2"
put "$T/external.qcow2"
put "$T/notes.txt"
K=$(sha "$T/Image")
R=$(sha "$T/raw.img")
check_eq "API: a qcow2 disk with a backing file is 400 bad_disk" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[{\"blob\":\"$(sha "$T/backed.qcow2")\"}]}")" "400 bad_disk disks"
check_match "API: and says it is the backing file" "$(cat "$T/body")" "backing file"
check_eq "API: an external data file is 400 bad_disk" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[{\"blob\":\"$(sha "$T/external.qcow2")\",\"readonly\":true}]}")" "400 bad_disk disks"
check_eq "API: a text file is 400 bad_disk" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[{\"blob\":\"$(sha "$T/notes.txt")\"}]}")" "400 bad_disk disks"
check_eq "API: a disk blob not uploaded is 409 missing_blob" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[{\"blob\":\"$(printf x | sha256sum | cut -d' ' -f1)\"}]}")" "409 missing_blob disks"
check_eq "API: root without disks is 400 invalid_field root" \
	"$(submit_json "{\"kernel\":\"$K\",\"root\":\"/dev/vda\"}")" "400 invalid_field root"
check_eq "API: a root with a space is 400 invalid_field root" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[{\"blob\":\"$R\"}],\"root\":\"/dev/vda init=/bin/sh\"}")" "400 invalid_field root"
check_eq "API: keep_disk with read-only disks only is 400" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[{\"blob\":\"$R\",\"readonly\":true}],\"keep_disk\":true}")" "400 invalid_field keep_disk"
many=$(python3 -c 'import sys; print(",".join(["{\"blob\":\"%s\"}" % sys.argv[1]] * 9))' "$R")
check_eq "API: nine disks is 400 invalid_field disks" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[$many]}")" "400 invalid_field disks"
check_eq "API: an unknown disk field is 400 unknown_field" \
	"$(submit_json "{\"kernel\":\"$K\",\"disks\":[{\"blob\":\"$R\",\"format\":\"raw\"}]}")" "400 unknown_field disks"
check_eq "still no job" "$(ctl list --json)" "[]"

# ---- a job's disks: the qemu command, the overlay, --keep-disk ----------------
a=$(ctl submit "$T/Image" --disk "$T/raw.img" --disk "$T/plain.qcow2,ro" --root /dev/vda)
ctl_quiet wait "$a"
cmd=$(ctl status --json "$a" >/dev/null; cat "$STATE/jobs/$a/qemu.cmd")
check_match "vda is the job's qcow2 overlay" "$cmd" "'if=none,id=disk0,file=$STATE/jobs/$a/disk-vda.qcow2,format=qcow2'"
check_match "vdb is the qcow2 blob itself, read-only" "$cmd" "'if=none,id=disk1,file=$STATE/blobs/[0-9a-f]{2}/$(sha "$T/plain.qcow2"),format=qcow2,readonly=on'"
check_match "both are virtio-blk PCI devices, in order" "$cmd" "virtio-blk-pci,drive=disk0.*virtio-blk-pci,drive=disk1"
check_match "the kernel is told the root" "$cmd" "pkvm.root=/dev/vda"
check "without --keep-disk the overlay is gone when the job ends" test ! -e "$STATE/jobs/$a/disk-vda.qcow2"
check_match "and there is nothing to download" "$(ctl disk "$a" vda -o "$T/x.qcow2" 2>&1 || true)" "keeps no overlay"

b=$(ctl submit "$T/Image" --disk "$T/raw.img" --keep-disk)
ctl_quiet wait "$b"
ov=$STATE/jobs/$b/disk-vda.qcow2
check "with --keep-disk the overlay stays" test -s "$ov"
check_match "it is an overlay of the raw blob" "$(qemu-img info --output=json "$ov")" \
	"\"backing-filename-format\": \"raw\""
check_match "pkvmctl status shows the disk and that its overlay is kept" "$(ctl status "$b")" \
	"vda: +raw, 4.0 MiB, overlay kept"
check_match "and a's read-only disk and root" "$(ctl status "$a")" "vdb: +qcow2, 0.2 MiB, read-only.*"$'\n'"root: +/dev/vda"
check "pkvmctl disk downloads it" ctl_quiet disk "$b" -o "$T/kept.qcow2"
check "byte for byte" cmp "$ov" "$T/kept.qcow2"
check_match "a disk the job does not have is 404" "$(ctl disk "$b" vdc -o "$T/y" 2>&1 || true)" "keeps no overlay of a disk 'vdc'"
check_match "a bad disk name is a usage error" "$(ctl disk "$b" sda 2>&1 || true)" "invalid disk 'sda'"
check_eq "the raw image blob is unchanged" "$(sha "$STATE/blobs/${R:0:2}/$R")" "$R"

# ---- a 1.5 GB image: streamed, uploaded once ----------------------------------
truncate -s 1536M "$T/big.img"
printf 'big' | dd of="$T/big.img" conv=notrunc status=none
rss_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$PKVMD_PID/status"; }
before=$(rss_kb)
/usr/bin/time -f '%M' -o "$T/ctl-rss" "$PKVMCTL" --socket "$SOCK" submit "$T/Image" --disk "$T/big.img,ro" >"$T/big-id"
after=$(rss_kb)
big=$(sha "$T/big.img")
check_eq "the 1.5 GB image is stored whole" "$(stat -c %s "$STATE/blobs/${big:0:2}/$big")" $((1536 * 1024 * 1024))
# ASan keeps freed memory in quarantine and adds shadow memory: its peak
# says nothing about streaming.
if [ -n "$SANITIZER_DIR" ]; then
	skip "pkvmd's peak memory grew by less than 64 MB" "under a sanitizer"
	skip "pkvmctl's peak memory stayed under 64 MB" "under a sanitizer"
else
	check "pkvmd's peak memory grew by less than 64 MB (it streamed to disk)" test $((after - before)) -lt 65536
	check "pkvmctl's peak memory stayed under 64 MB (it hashed and sent a stream)" test "$(cat "$T/ctl-rss")" -lt 65536
fi
echo "# pkvmd peak RSS ${before} -> ${after} kB, pkvmctl peak RSS $(cat "$T/ctl-rss") kB"
check_eq "the server now has it: a second submit uploads nothing" \
	"$(curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		--data "{\"blobs\":[\"$big\"]}" http://pkvmd/v1/blobs/missing)" '{"missing":[]}'
start_s=$SECONDS
c=$(ctl submit "$T/Image" --disk "$T/big.img,ro")
check "the second submit is a job" test -n "$c"
echo "# second submit of the 1.5 GB image: $((SECONDS - start_s)) s (hashing only)"
ctl_quiet wait "$(cat "$T/big-id")"
ctl_quiet wait "$c"

# ---- no qemu-img: the job says so --------------------------------------------
stop_pkvmd
start_pkvmd --qemu "$FAKE_QEMU" --qemu-img "$T/no-qemu-img"
d=$(ctl submit "$T/Image" --disk "$T/raw.img")
rc=0; ctl wait "$d" >/dev/null 2>&1 || rc=$?
check_eq "without qemu-img a job with a writable disk is an error (exit 6)" "$rc" 6
check_match "whose message names it and the option" "$(job_field "$d" message)" \
	"preparing the job failed: cannot run $T/no-qemu-img \(pkvmd --qemu-img\)"
e=$(ctl submit "$T/Image" --disk "$T/raw.img,ro")
rc=0; ctl wait "$e" >/dev/null 2>&1 || rc=$?
check_eq "a read-only disk needs no overlay, and no qemu-img" "$rc" 0

finish
