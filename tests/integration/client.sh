#!/bin/bash
# Integration: pkvmctl as a user meets it: its errors (no daemon, missing
# kernel, unknown command) with their exit codes, the --json outputs and
# their documented fields, the `-- --smp 2` spelling, `logs -f` and
# `submit --wait --follow` streaming to the end of a job, and a kernel
# submitted twice being uploaded once (counted on the wire by a proxy),
# and its hash taken from pkvmctl's cache the second time, but not once the
# file changed, even with its size and mtime put back.
. "$(dirname "$0")/../lib.sh"

# ---- before any daemon ---------------------------------------------------------
rc=0; out=$(ctl list 2>&1) || rc=$?
check_eq "no daemon: exit 6" "$rc" 6
check_match "no daemon: names the socket" "$out" "$SOCK"
check_match "no daemon: says how to start pkvmd" "$out" 'start it with: pkvmd .*--socket'

rc=0; out=$(ctl submit "$T/no-such-Image" 2>&1) || rc=$?
check_eq "missing kernel: exit 2" "$rc" 2
check_match "missing kernel: names the file" "$out" "$T/no-such-Image.*No such file"

rc=0; out=$(ctl frobnicate 2>&1) || rc=$?
check_eq "unknown command: exit 2" "$rc" 2
check_match "unknown command: says so" "$out" "unknown command 'frobnicate'"

rc=0; out=$(ctl s 2>&1) || rc=$?
check_eq "ambiguous command: exit 2" "$rc" 2
check_match "ambiguous command: says so" "$out" "ambiguous command 's'"

rc=0; out=$(ctl submit "$TEST_KERNEL" --bogus 2>&1) || rc=$?
check_eq "unknown submit option: exit 2" "$rc" 2
check_match "unknown submit option: named" "$out" 'bogus'

start_pkvmd --qemu "$FAKE_QEMU"

# ---- JSON outputs ----------------------------------------------------------------
# has_fields -- the JSON object (or each object of the array) on stdin has
# the documented job fields, with the documented types.
has_fields() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for j in (v if isinstance(v, list) else [v]):
    assert isinstance(j["id"], int), j
    assert j["state"] in ("queued", "running", "done"), j
    assert j["result"] is None or isinstance(j["result"], str), j
    for k in ("created", "started", "finished"):
        assert j[k] is None or (isinstance(j[k], str) and j[k].endswith("Z")), (k, j[k])
    assert isinstance(j["tags"], list), j
    assert isinstance(j["smp"], int) and isinstance(j["coverage"], bool), j
print("ok")'
}

sub=$(ctl submit "$TEST_KERNEL" --json -T one -T two --append fakeqemu=pass)
check_eq "submit --json: the job object" "$(printf '%s' "$sub" | has_fields)" ok
id=$(printf '%s' "$sub" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check_eq "submit --json: tags" "$(printf '%s' "$sub" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tags"])')" "['one', 'two']"
w=$(ctl wait --json "$id" 2>/dev/null)
check_eq "wait --json: the job object" "$(printf '%s' "$w" | has_fields)" ok
check_eq "wait --json: done and passed" "$(printf '%s' "$w" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], j["result"], j["started"] is not None, j["finished"] is not None)')" "done passed True True"
check_eq "status --json: the job object" "$(ctl status --json "$id" | has_fields)" ok
check_eq "list --json: an array of job objects" "$(ctl list --json | has_fields)" ok
check_eq "results --json: one verdict per test" "$(ctl results --json "$id" | python3 -c 'import json,sys; print([(t["name"], t["verdict"]) for t in json.load(sys.stdin)])')" "[('fake', 'pass')]"

# ---- the seed's spelling: qemu's --smp after -- sets smp ---------------------------
id=$(ctl submit "$TEST_KERNEL" --no-cov --append fakeqemu=pass -- --smp 2)
check_eq "submit --no-cov -- --smp 2: smp 2, coverage false, no qemu_args" \
	"$(ctl status --json "$id" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["smp"], j["coverage"], j["qemu_args"])')" "2 False []"
id=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass -- -m 512 -d guest_errors)
check_eq "submit -- -m 512 -d guest_errors: mem 512, the rest to qemu" \
	"$(ctl status --json "$id" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["mem"], j["qemu_args"])')" "512 ['-d', 'guest_errors']"

# ---- executables ------------------------------------------------------------------
mkdir "$T/exes" "$T/exes/subdir"
printf '#!/bin/sh\n' >"$T/exes/b-test"
cp "$T/exes/b-test" "$T/exes/a-test"
cp "$T/exes/b-test" "$T/exes/.hidden"
cp "$T/exes/b-test" "$T/bad name"
id=$(ctl submit "$TEST_KERNEL" --exe-dir "$T/exes" --append fakeqemu=pass)
check_eq "--exe-dir: regular, visible files only, in name order" \
	"$(ctl status --json "$id" | python3 -c 'import json,sys; print(" ".join(e["name"] for e in json.load(sys.stdin)["executables"]))')" "a-test b-test"
ctl wait "$id" 2>/dev/null
check_eq "--exe-dir: each ran as a test" \
	"$(ctl results --json "$id" | python3 -c 'import json,sys; print(" ".join(t["name"] + ":" + t["verdict"] for t in json.load(sys.stdin)))')" "a-test:pass b-test:pass"
rc=0; out=$(ctl submit "$TEST_KERNEL" --exe "$T/bad name" 2>&1) || rc=$?
check_eq "--exe with a bad name: exit 2" "$rc" 2
check_match "--exe with a bad name: names it" "$out" "invalid executable name 'bad name'"
rc=0; out=$(ctl submit "$TEST_KERNEL" --exe "$T/exes/a-test" --exe "$T/exes/a-test" 2>&1) || rc=$?
check_eq "the same --exe twice: exit 2" "$rc" 2
check_match "the same --exe twice: says duplicate" "$out" "duplicate executable name 'a-test'"
check_match "PKVM_SOCKET is used without --socket" "$(PKVM_SOCKET=$SOCK "$PKVMCTL" version 2>&1)" 'pkvmd .*slots'
rc=0; out=$(ctl wait 424242 2>&1) || rc=$?
check_eq "wait on an unknown job: exit 2" "$rc" 2
check_match "wait on an unknown job: says so" "$out" 'no job 424242'

# ---- --extra: a path the daemon would refuse stops the submit early ----------------
mkdir -p "$T/extra-bin/bin"
printf 'x\n' >"$T/extra-bin/bin/sh"
rc=0; out=$(ctl submit "$TEST_KERNEL" --extra "$T/extra-bin" 2>&1) || rc=$?
check_eq "--extra replacing bin/sh: exit 2" "$rc" 2
check_match "--extra replacing bin/sh: the daemon's reason" "$out" \
	"cannot send '$T/extra-bin/bin/sh': its path 'bin/sh' would replace a file /init needs"

# ---- streaming ---------------------------------------------------------------------
# A job slow enough that logs -f starts before it ends; logs -f must return
# on its own at the end, with everything.
id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.delay-ms=20")
ctl logs -f "$id" >"$T/follow"
out=$(cat "$T/follow")
check_eq "logs -f: returns when the job is done" "$(job_field "$id" state)" done
check_match "logs -f: has the result lines" "$out" '@@pkvm:1 done tests=1'
check_match "logs -f: has the last line" "$out" 'reboot: Power down'
check "logs -f: the same bytes as the serial file" cmp -s "$T/follow" "$STATE/jobs/$id/serial"

rc=0; out=$(ctl submit "$TEST_KERNEL" --wait --follow --append "fakeqemu=fail fakeqemu.delay-ms=10" 2>"$T/err") || rc=$?
check_eq "submit --wait --follow: exits with the job's code" "$rc" 1
check_match "submit --wait --follow: prints the console" "$out" 'Booting Linux'
check_match "submit --wait --follow: through the end" "$out" '@@pkvm:1 end test=fake seq=1 exit=1'
check_match "submit --wait --follow: says why on stderr" "$(cat "$T/err")" 'failed: test fake exited with status 1'

# --junit waits, writes the report, and keeps the job's exit status.
rc=0; ctl submit "$TEST_KERNEL" --junit "$T/report.xml" --append "fakeqemu=fail" >/dev/null 2>&1 || rc=$?
check_eq "submit --junit: waits and exits with the job's code" "$rc" 1
check_match "submit --junit: the report has the failed test" "$(cat "$T/report.xml" 2>/dev/null)" \
	'<testcase [^>]*name="fake"'
check_match "submit --junit: as a failure" "$(cat "$T/report.xml" 2>/dev/null)" '<failure'
rc=0; ctl submit "$TEST_KERNEL" --junit "$T/pass.xml" --append "fakeqemu=pass" >/dev/null 2>&1 || rc=$?
check_eq "submit --junit: a passing job exits 0" "$rc" 0
check_match "submit --junit: with a report of no failure" "$(cat "$T/pass.xml" 2>/dev/null)" \
	'failures="0"'

# ---- one upload per blob -------------------------------------------------------------
# A proxy between pkvmctl (--url) and the socket counts the bytes pkvmctl
# sends; it ends by itself if the test dies.
coproc PROXY { exec python3 -u -c '
import socket, sys, threading
sock_path, count_path = sys.argv[1], sys.argv[2]
lock = threading.Lock()
total = [0]
def pump(src, dst, counted):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            if counted:
                with lock:
                    total[0] += len(b)
                    open(count_path, "w").write("%d\n" % total[0])
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
ls.settimeout(60)
print(ls.getsockname()[1])
while True:
    c, _ = ls.accept()
    u = socket.socket(socket.AF_UNIX)
    u.connect(sock_path)
    threading.Thread(target=pump, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()
' "$SOCK" "$T/sent" 2>/dev/null; }
proxy_pid=$PROXY_PID
read -r -t 10 port <&"${PROXY[0]}"
pctl() {
	"$PKVMCTL" --url "http://127.0.0.1:$port" "$@"
}
sent() {
	cat "$T/sent" 2>/dev/null || echo 0
}
missing() {
	curl -s --unix-socket "$SOCK" -X POST -d "{\"blobs\":[\"$1\"]}" http://pkvmd/v1/blobs/missing |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["missing"]))'
}

# A kernel the daemon has not seen: a copy of the test kernel with one byte
# more (Image loaders ignore trailing bytes; the header check only reads
# the start).
cp "$TEST_KERNEL" "$T/Image"
printf 'x' >>"$T/Image"
K=$(sha256sum "$T/Image" | cut -d' ' -f1)
size=$(stat -c %s "$T/Image")
check_eq "the new kernel is missing before the first submit" "$(missing "$K")" 1
id1=$(pctl submit "$T/Image" --append fakeqemu=pass)
first=$(sent)
check_eq "the new kernel is present after it" "$(missing "$K")" 0
check "the first submit sent the kernel ($first bytes)" test "$first" -gt "$size"
id2=$(pctl submit "$T/Image" --append fakeqemu=pass)
second=$(( $(sent) - first ))
check "the second submit did not send it again ($second bytes)" test "$second" -lt 100000
check_eq "both jobs use the same kernel blob" "$(job_field "$id1" kernel) $(job_field "$id2" kernel)" "$K $K"
rc=0; pctl wait "$id2" 2>/dev/null || rc=$?
check_eq "the second job passes over TCP too" "$rc" 0
kill "$proxy_pid" 2>/dev/null || true

# ---- the cache of file hashes ---------------------------------------------------
# Taken on trust while the file is as it was: swap the kernel's hash in
# the cache for the test kernel's (a blob the server has), and a resubmit
# names that blob, so it hashed nothing.
TK=$(sha256sum "$TEST_KERNEL" | cut -d' ' -f1)
check_match "the cache holds the kernel's hash, by its real path" "$(cat "$PKVM_HASH_CACHE")" "^$K .* $(realpath "$T/Image")\$"
sed -i "s|^$K |$TK |" "$PKVM_HASH_CACHE"
id3=$(ctl submit "$T/Image" --append fakeqemu=pass)
check_eq "an unchanged file's hash comes from the cache" "$(job_field "$id3" kernel)" "$TK"
# Changed in place with its size and mtime restored: its ctime moved.
mtime=$(stat -c %y "$T/Image")
printf 'y' | dd of="$T/Image" bs=1 seek=$((size - 1)) conv=notrunc status=none
touch -d "$mtime" "$T/Image"
check_eq "size and mtime as before" "$(stat -c '%s %y' "$T/Image")" "$size $mtime"
K2=$(sha256sum "$T/Image" | cut -d' ' -f1)
id4=$(ctl submit "$T/Image" --append fakeqemu=pass)
check_eq "a file changed behind its size and mtime is hashed again" "$(job_field "$id4" kernel)" "$K2"
check_match "and the cache has its new hash" "$(cat "$PKVM_HASH_CACHE")" "^$K2 "
rc=0; PKVM_HASH_CACHE=off ctl submit "$T/Image" --append fakeqemu=pass >/dev/null || rc=$?
check_eq "PKVM_HASH_CACHE=off: a submit still works" "$rc" 0
printf 'garbage\n' >"$PKVM_HASH_CACHE"
id5=$(ctl submit "$T/Image" --append fakeqemu=pass)
check_eq "a cache file of garbage is no error: the file is hashed" "$(job_field "$id5" kernel)" "$K2"
finish
