#!/bin/bash
# End to end on the small test kernel (about a second a boot): the pKVM
# tester's remaining pieces (docs/TESTER.md), in two boots.
#  - one job with --stop-on-failure, --stream, --sysroot and --extra:
#    a dynamically linked program (glibc from the cross toolchain, a
#    library of its own under its DT_RUNPATH that needs libm) runs; a file
#    a test writes over time, and a fifo (whose reads block, like the
#    hypervisor's log), come back whole as _stream/<path>; after the
#    test that fails, the next one is skipped, not run; /proc/config.gz
#    comes back as _system/config.gz;
#  - one job whose test crashes the kernel (LKDTM) after a streamed line
#    reached the host: that line stays, checked, and the job is crashed.
. "$(dirname "$0")/../lib.sh"

[ -x "$GUEST_DIR/dyn-hello" ] || { echo "1..0 # SKIP no aarch64 cross compiler: run scripts/setup"; exit 0; }
[ -s "${SMALL_KERNEL:-}" ] || { echo "Bail out! no small test kernel at ${SMALL_KERNEL:-?}: run scripts/build-test-kernel"; exit 1; }
[ -d /usr/aarch64-linux-gnu/lib ] || { echo "Bail out! no /usr/aarch64-linux-gnu: run scripts/setup"; exit 1; }

start_pkvmd --slots 2

# The program's own library, where its DT_RUNPATH looks.
mkdir -p "$T/extra/opt/pkvm/lib"
cp "$GUEST_DIR/libpkvmdemo.so" "$T/extra/opt/pkvm/lib/"
cp "$GUEST_DIR/dyn-hello" "$T/10-dyn-hello"

# The streamed file's index in /init's stream directory, then wait (at
# most 30 s) until the host has been sent $1 bytes of it.
cat >"$T/wait-sent.sh" <<'SH'
wait_sent() {
	for f in /run/pkvm-init/stream/*.path; do
		grep -qxF "$2" "$f" && i=${f%.path}
	done
	n=0
	while [ "$(cat "$i.sent" 2>/dev/null || echo 0)" -lt "$1" ]; do
		n=$((n + 1))
		[ "$n" -le 300 ] || { echo "not shipped after 30 s"; return 1; }
		sleep 0.1
	done
}
SH
{
	echo '#!/bin/sh'
	cat "$T/wait-sent.sh"
	cat <<'SH'
echo "line 1" >/tmp/pkvm-stream.log
wait_sent 7 /tmp/pkvm-stream.log || exit 1
echo "line 1 reached the host"
echo "line 2" >>/tmp/pkvm-stream.log
SH
} >"$T/20-stream.sh"
# A fifo: the streamer's cat passes on each read as it returns, as it does
# for the hypervisor's log, whose reads block until there is something.
{
	echo '#!/bin/sh'
	cat "$T/wait-sent.sh"
	cat <<'SH'
mkfifo /tmp/pkvm-fifo.log
exec 3>/tmp/pkvm-fifo.log
echo "fifo 1" >&3
wait_sent 7 /tmp/pkvm-fifo.log || exit 1
echo "fifo 2" >&3
exec 3>&-
wait_sent 14 /tmp/pkvm-fifo.log || exit 1
SH
} >"$T/25-fifo.sh"
printf '#!/bin/sh\necho "failing on purpose"\nexit 3\n' >"$T/30-fail.sh"
printf '#!/bin/sh\necho "40-after.sh ran"\n' >"$T/40-after.sh"
{
	echo '#!/bin/sh'
	cat "$T/wait-sent.sh"
	cat <<'SH'
echo "before the crash" >/tmp/crash.log
wait_sent 17 /tmp/crash.log || exit 1
echo PANIC >/sys/kernel/debug/provoke-crash/DIRECT
SH
} >"$T/crash.sh"
chmod +x "$T"/*.sh

id=$(ctl submit "$SMALL_KERNEL" --mem 256 --timeout 120 -C --stop-on-failure \
	--stream /tmp/pkvm-stream.log --stream /tmp/pkvm-fifo.log --sysroot /usr/aarch64-linux-gnu \
	--extra "$T/extra" --exe "$T/10-dyn-hello" --exe "$T/20-stream.sh" --exe "$T/25-fifo.sh" \
	--exe "$T/30-fail.sh" --exe "$T/40-after.sh")
crash=$(ctl submit "$SMALL_KERNEL" --mem 256 --timeout 120 -C --stream /tmp/crash.log \
	--exe "$T/crash.sh")

rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "a job whose test fails exits 1, --stop-on-failure or not" "$rc" 1

# name verdict message, one line per test.
results=$(ctl results --json "$id" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    print(t["name"], t["verdict"], t.get("message") or "-")')
echo "$results" | sed 's/^/# /'
verdict() { printf '%s\n' "$results" | awk -v n="$1" '$1 == n { $1 = ""; print substr($0, 2) }'; }

check_eq "the dynamically linked program ran (loader, libc, its library, libm)" \
	"$(verdict 10-dyn-hello | cut -d' ' -f1)" pass
check_match "it computed through libpkvmdemo and libm" "$(ctl logs --test 10-dyn-hello "$id")" \
	"ok 1 - hypot\(3, 4\) = 5 through libpkvmdemo and libm"
check_eq "the streaming tests passed" \
	"$(verdict 20-stream.sh | cut -d' ' -f1) $(verdict 25-fifo.sh | cut -d' ' -f1)" "pass pass"
check_eq "the failing test failed" "$(verdict 30-fail.sh | cut -d' ' -f1)" fail
check_eq "the test after it is skipped, with the reason" "$(verdict 40-after.sh)" \
	"skip not run: an earlier test failed (--stop-on-failure)"
check "and it never ran" bash -c '! grep -q "40-after.sh ran" <<<"$1"' _ "$(ctl logs "$id")"
check_match "the job's message names the failure" "$(job_field "$id" message)" \
	"test 30-fail.sh exited with status 3"
check_eq "the job says what it was asked" \
	"$(job_field "$id" stop_on_failure) $(job_field "$id" stream_paths)" \
	"True ['/tmp/pkvm-stream.log', '/tmp/pkvm-fifo.log']"

check_eq "the streamed file came back whole, written over time" \
	"$(ctl artifacts "$id" get _stream/tmp/pkvm-stream.log -o - 2>/dev/null)" "line 1
line 2"
check_eq "a fifo, read as it is written (like nvhe.log), came back whole" \
	"$(ctl artifacts "$id" get _stream/tmp/pkvm-fifo.log -o - 2>/dev/null)" "fifo 1
fifo 2"
check_match "it is listed as an ok artifact" "$(ctl artifacts "$id")" "_stream/tmp/pkvm-stream.log"
ctl artifacts "$id" get _system/config.gz -o "$T/config.gz" >/dev/null 2>&1
check_match "/proc/config.gz came back as _system/config.gz" \
	"$(gzip -dc "$T/config.gz" 2>/dev/null | grep -x 'CONFIG_LKDTM=y')" "CONFIG_LKDTM=y"

rc=0; ctl wait "$crash" 2>/dev/null || rc=$?
check_eq "a kernel panic mid-test crashes the job" "$rc" 4
check_eq "what was streamed before the crash stays on the host" \
	"$(ctl artifacts "$crash" get _stream/tmp/crash.log -o - 2>/dev/null)" "before the crash"

finish
