#!/bin/bash
# Integration: the fast artifact channel (docs/ARTIFACTS.md) against
# streams no real guest would send, from fake qemu on the channel's fd:
# files past --artifact-max are refused and nothing of them is written
# while the files around them arrive; a stream cut mid-file leaves an
# incomplete record and no file; garbage ends the channel, said in the
# job's log, and the files before it stay.  qemu's command line carries
# the virtio-serial port.  (tests/e2e/fast-artifacts.sh shows the real
# guest's side.)
. "$(dirname "$0")/../lib.sh"

CAP=4096
start_pkvmd --qemu "$FAKE_QEMU" --artifact-max "$CAP"

# file T PATH SIZE [SHA]: one record the way /init writes it, SIZE bytes
# of a pattern; SHA "good" sends the right sha256, any other text sends
# that.
file() {
	local data=$T/data.$$
	head -c "$3" /dev/zero | tr '\0' 'x' >"$data"
	printf '@@pkvm:1 file-begin test=%s path=%s size=%s\n' "$1" "$2" "$3"
	cat "$data"
	case ${4:-} in
	'') printf '@@pkvm:1 file-end test=%s path=%s\n' "$1" "$2" ;;
	good) printf '@@pkvm:1 file-end test=%s path=%s sha256=%s\n' "$1" "$2" "$(sha256sum <"$data" | cut -d' ' -f1)" ;;
	*) printf '@@pkvm:1 file-end test=%s path=%s sha256=%s\n' "$1" "$2" "$4" ;;
	esac
	rm -f "$data"
}
status_of() { ctl artifacts --json "$1" | python3 -c 'import json, sys
a = {x["name"]: x for x in json.load(sys.stdin)}
print(" ".join("%s=%s" % (n, a[n]["status"]) if n in a else n + "=absent" for n in sys.argv[1:]))' "${@:2}"; }

# 1. The cap: 3000 bytes fit, 2000 more would not, 1000 more do.
{ file fake a.bin 3000 good; file fake b.bin 2000; file fake c.bin 1000; } >"$T/cap.stream"
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.channel=$T/cap.stream")
rc=0; ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "cap: the job passes" "$rc" 0
check_eq "cap: the file past the cap is refused, the others kept" \
	"$(status_of "$id" fake/a.bin fake/b.bin fake/c.bin)" "fake/a.bin=ok fake/b.bin=incomplete fake/c.bin=ok"
check "cap: nothing of the refused file is on disk" test ! -e "$STATE/jobs/$id/artifacts/fake/b.bin"
check_eq "cap: the kept files are whole" "$(cat "$STATE/jobs/$id/artifacts/fake/a.bin" "$STATE/jobs/$id/artifacts/fake/c.bin" | wc -c)" 4000
logs=$(ctl logs "$id")
check_match "cap: the job's log says why" "$logs" \
	"^\[pkvmd: artifact fake/b.bin refused: 2000 bytes would pass the job's artifact cap of $CAP bytes"
check_match "cap: and names the channel for the others" "$logs" \
	"^\[pkvmd: artifact fake/a.bin: 3000 bytes over the fast channel \(virtio-serial\) .*sha256 checked against the guest's: ok\]"
check_match "qemu gets the virtio-serial port on fd 3" "$(cat "$STATE/jobs/$id/qemu.cmd")" \
	"'-chardev' 'socket,id=pkvmd-artifacts,fd=3' '-device' 'virtio-serial-device,id=pkvmd-vser' '-device' 'virtserialport,bus=pkvmd-vser.0,chardev=pkvmd-artifacts,name=org.pkvmd.artifacts'"
check_match "a refused file cannot be downloaded" "$(ctl artifacts "$id" get fake/b.bin -o - 2>&1 || true)" "incomplete"

# 2. Cut mid-file: the guest died; a wrong sha256 before it is corrupt.
file fake cut.bin 1000 >"$T/cut.whole"
{ file fake bad-sum.bin 100 0000000000000000000000000000000000000000000000000000000000000000; head -c 500 "$T/cut.whole"; } >"$T/cut.stream"
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.channel=$T/cut.stream")
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "cut: a wrong sha256 is corrupt, a cut file incomplete" \
	"$(status_of "$id" fake/bad-sum.bin fake/cut.bin)" "fake/bad-sum.bin=corrupt fake/cut.bin=incomplete"
check_eq "cut: neither is on disk, nor a partial file" "$(ls -A "$STATE/jobs/$id/artifacts" 2>/dev/null | tr '\n' ' ')" ""

# 3. Garbage after a good file ends the channel; the job is not failed
# for it (its files are what it loses), and the log says so.
{ file fake good.bin 10; printf 'GET / HTTP/1.0\r\n\r\n'; file fake after.bin 10; } >"$T/junk.stream"
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.channel=$T/junk.stream")
rc=0; ctl wait "$id" >/dev/null 2>&1 || rc=$?
check_eq "junk: the job passes" "$rc" 0
check_eq "junk: the file before it is kept, none after" \
	"$(status_of "$id" fake/good.bin fake/after.bin)" "fake/good.bin=ok fake/after.bin=absent"
check_match "junk: the log says the channel stopped" "$(ctl logs "$id")" \
	"^\[pkvmd: the fast artifact channel stopped: expected a file-begin record\]"

finish
