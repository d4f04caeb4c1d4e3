#!/bin/bash
# End to end: disk images and a full system booted from one (docs/DISKS.md),
# on real qemu and Debian's arm64 kernel, two boots that overlap:
#  - job A boots its first disk's own system (--root /dev/vda): an ext4
#    image made here with mke2fs -d from a busybox tree, whose busybox init
#    runs its tests through pkvmd's guest agent (/init installed on the
#    disk as /sbin/pkvm-agent) and ships a results directory before it
#    powers off; a second disk is attached read-only (,ro); --keep-disk
#    keeps the writable disk's overlay;
#  - job B, at the same time, boots the same image the same way but
#    without a second disk: two jobs share one image;
#  - job C, on the small test kernel (no virtio), asks for a root that
#    never appears, and fails saying so.
# Checked: both pass, the tests' TAP and the agent's files come back, the
# guest saw /dev/vda mounted read-write as / and /dev/vdb read-only with
# the bytes it was given, the image blob and the local image are unchanged
# (sha256) although the guests wrote to /, the kept overlay downloads and
# holds A's write (read back with qemu-img and debugfs), B's overlay is
# gone, and the server holds the image once.
. "$(dirname "$0")/../lib.sh"

[ -s "$TEST_KERNEL" ] || { echo "Bail out! no test kernel at $TEST_KERNEL: run scripts/fetch-guest"; exit 1; }
for tool in mke2fs qemu-img debugfs; do
	command -v "$tool" >/dev/null || PATH=$PATH:/sbin:/usr/sbin
	command -v "$tool" >/dev/null || { echo "Bail out! no $tool: run scripts/setup"; exit 1; }
done
BUSYBOX=${PKVM_DATA_DIR:?}/busybox
[ -x "$BUSYBOX" ] || { echo "Bail out! no guest busybox at $BUSYBOX"; exit 1; }

# Two slots for the two boots of the image, one for the small kernel's job,
# which mostly waits.
start_pkvmd --slots 3

# ---- the image: a busybox system with pkvmd's agent and two tests -----------
root=$T/rootfs
mkdir -p "$root"/{bin,sbin,etc,dev,proc,sys,run,tmp,usr/bin,usr/sbin,pkvm/results,usr/lib/tests}
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
ln -s ../bin/busybox "$root/sbin/init"
cp "$PKVM_DATA_DIR/init" "$root/sbin/pkvm-agent"
cat >"$root/etc/inittab" <<'TAB'
::sysinit:/etc/rc.pkvm
TAB
cat >"$root/etc/rc.pkvm" <<'RC'
#!/bin/sh
# The disk's boot script: applets, the tests through the agent, a results
# file, then the agent ships it and powers off.
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t tmpfs tmpfs /tmp
echo "written by job $(cat /proc/sys/kernel/random/boot_id)" >/pkvm-wrote-this
sync
pkvm-agent run disk-tap /usr/lib/tests/disk-tap.sh
pkvm-agent run disk-false false
mkdir -p /tmp/logs && dmesg >/tmp/logs/dmesg.txt
pkvm-agent ship /tmp/logs boot-logs
{
	echo "kernel $(uname -r)"
	grep ' / ' /proc/mounts
} >/pkvm/results/summary.txt
pkvm-agent done
RC
cat >"$root/usr/lib/tests/disk-tap.sh" <<'TEST'
#!/bin/sh
# TAP from the disk's own system, parsed live like any test's.
echo "TAP version 13"
echo "1..4"
n=0
t() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
t "root is /dev/vda, read-write" "grep -q '^/dev/vda / ext4 rw' /proc/mounts"
t "the written file is there" "grep -q 'written by job' /pkvm-wrote-this"
if [ -b /dev/vdb ]; then
	t "vdb is read-only" "[ \"\$(cat /sys/block/vdb/ro)\" = 1 ]"
	t "vdb holds the data disk" "[ \"\$(head -c 18 /dev/vdb)\" = pkvm-data-disk-ok! ]"
else
	t "no second disk" "true"
	t "and no vdb" "! [ -e /sys/block/vdb ]"
fi
echo "vda ok" >"$PKVM_OUTPUT/vda.txt"
TEST
chmod +x "$root/etc/rc.pkvm" "$root/usr/lib/tests/disk-tap.sh" "$root/sbin/pkvm-agent"
img=$T/root.img
mke2fs -q -t ext4 -d "$root" -L pkvmroot "$img" 32M >/dev/null
# The read-only data disk: raw, one MiB, a known string at its start.
data=$T/data.img
{ printf 'pkvm-data-disk-ok!'; head -c $((1024 * 1024 - 18)) /dev/zero; } >"$data"
img_sha=$(sha256sum <"$img" | cut -d' ' -f1)

virtio_blk_modules "$T/extra"

# -cpu max with cheap pointer authentication boots in a quarter of the time
# (/work/shared/KERNELS.md); the tests do not depend on the CPU model.
fast=(-- -cpu max,pauth-impdef=on)
a=$(ctl submit "$TEST_KERNEL" --disk "$img" --disk "$data,ro" --root /dev/vda --keep-disk \
	--extra "$T/extra" "${MODARGS[@]}" --timeout 240 -C "${fast[@]}")
b=$(ctl submit "$TEST_KERNEL" --disk "$img" --root /dev/vda \
	--extra "$T/extra" "${MODARGS[@]}" --timeout 240 -C "${fast[@]}")

# The small test kernel has no virtio at all: its root device never comes,
# and the job says so (it boots in a second, then /init waits 20 s).
if [ -s "${SMALL_KERNEL:-}" ]; then
	c=$(ctl submit "$SMALL_KERNEL" --disk "$img" --root /dev/vda --timeout 120 -C)
fi

rc=0; ctl wait "$a" >/dev/null 2>&1 || rc=$?
check_eq "job A (disk's own system, two disks) ends failed: its disk-false test exits 1" "$rc" 1
rc=0; ctl wait "$b" >/dev/null 2>&1 || rc=$?
check_eq "job B (the same image at the same time) ends the same way" "$rc" 1
check "the two jobs ran at the same time" python3 - "$(ctl status --json "$a")" "$(ctl status --json "$b")" <<'PY'
import json, sys
from datetime import datetime
a, b = (json.loads(x) for x in sys.argv[1:3])
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
sys.exit(0 if t(a["started"]) < t(b["finished"]) and t(b["started"]) < t(a["finished"]) else 1)
PY

check_eq "A's message names the failing test" "$(job_field "$a" message)" "test disk-false exited with status 1"
results=$(ctl results --json "$a")
check_eq "A's tests came from the disk's system, by the agent, with TAP parsed" \
	"$(printf '%s' "$results" | python3 -c '
import json, sys
t = {x["name"]: x for x in json.load(sys.stdin) if not x["name"].startswith("_")}
tap = t.get("disk-tap", {})
print(sorted(t), tap.get("verdict"), len(tap.get("subtests", [])), sorted(s["verdict"] for s in tap.get("subtests", [])))')" \
	"['disk-false', 'disk-tap'] pass 4 ['pass', 'pass', 'pass', 'pass']"
resultsb=$(ctl results --json "$b")
check_eq "B's TAP passed too (no vdb there)" \
	"$(printf '%s' "$resultsb" | python3 -c '
import json, sys
t = {x["name"]: x for x in json.load(sys.stdin)}
print(t["disk-tap"]["verdict"], [s["verdict"] for s in t["disk-tap"].get("subtests", [])].count("pass"))')" "pass 4"
arts=$(ctl artifacts "$a")
check_match "the test's PKVM_OUTPUT file came back" "$arts" "disk-tap/vda.txt +[0-9]+ B +ok"
check_match "the results directory came back as _results" "$arts" "_results/summary.txt +[0-9]+ B +ok"
check_match "and a directory shipped by name" "$arts" "boot-logs/dmesg.txt +[0-9.]+ [kM]?B +ok"
check_match "the summary says / is the disk, read-write" \
	"$(ctl artifacts "$a" get _results/summary.txt -o -)" "^/dev/vda / ext4 rw"
check_match "the console shows the switch to the disk's init" "$(ctl logs "$a")" "switching root to /dev/vda"

job=$(ctl status --json "$a")
check_eq "A's job object lists its disks, root and keep_disk" \
	"$(printf '%s' "$job" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print([(d["format"], d["readonly"], d["size"]) for d in j["disks"]], j["root"], j["keep_disk"])')" \
	"[('raw', False, 33554432), ('raw', True, 1048576)] /dev/vda True"
check_match "qemu got the overlay as vda and the data disk read-only" "$(ctl status --json "$a" >/dev/null; cat "$STATE/jobs/$a/qemu.cmd")" \
	"disk-vda.qcow2,format=qcow2'.*format=raw,readonly=on'"

# The image is never written: not the blob, not the local file.
blob=$STATE/blobs/${img_sha:0:2}/$img_sha
check_eq "the image blob is unchanged" "$(sha256sum <"$blob" | cut -d' ' -f1)" "$img_sha"
check_eq "the local image is unchanged" "$(sha256sum <"$img" | cut -d' ' -f1)" "$img_sha"
check "B's overlay was deleted when it ended" test ! -e "$STATE/jobs/$b/disk-vda.qcow2"
check_eq "the server has the image once: a later submit uploads nothing" \
	"$(curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' \
		--data "{\"blobs\":[\"$img_sha\"]}" http://pkvmd/v1/blobs/missing)" '{"missing":[]}'

# The kept overlay: download it, point it at our copy of the image, and
# read the guest's write back out of the file system.
check "pkvmctl disk downloads A's overlay" ctl_quiet disk "$a" vda -o "$T/vda.qcow2"
check_match "it is a qcow2 overlay of the image" "$(qemu-img info --output=json "$T/vda.qcow2")" '"format": "qcow2"'
qemu-img rebase -u -b "$img" -F raw "$T/vda.qcow2"
qemu-img convert -O raw "$T/vda.qcow2" "$T/vda-after.img"
check_match "the guest's write is in it" "$(debugfs -R 'cat /pkvm-wrote-this' "$T/vda-after.img" 2>/dev/null)" "^written by job"
check_eq "and not in the image" "$(debugfs -R 'cat /pkvm-wrote-this' "$img" 2>&1 | grep -c 'written by job' || true)" 0
check_match "a read-only disk has no overlay to download" "$(ctl disk "$a" vdb -o "$T/vdb" 2>&1 || true)" "keeps no overlay"

if [ -n "${c:-}" ]; then
	rc=0; ctl wait "$c" >/dev/null 2>&1 || rc=$?
	check_eq "a root device that never appears fails the job" "$rc" 1
	check_eq "its message names the pseudo-test" "$(job_field "$c" message)" "test _root exited with status 1"
	check_match "whose output says why" "$(ctl logs --test _root "$c")" \
		"root device /dev/vda did not appear within 20 s: are its modules loaded"
fi

finish
