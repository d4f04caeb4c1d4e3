#!/bin/bash
# End to end on real qemu: warm starts (pkvmctl submit --warm, docs/
# PERFORMANCE.md "Boot once, test many").  Debian's cloud kernel with its
# virtio console modules brought by --extra:
#  - the first warm job boots, is saved at /init and passes;
#  - the next one starts from that VM and runs its own test, with its own
#    arguments, environment, seed and the host's clock, and none of the
#    first job's files; a failing test after a restore fails its job;
#  - another memory size is another saved VM;
#  - a saved VM that does not load is forgotten, and the same run boots
#    the job, saves again and passes, on its first attempt.
# And the small test kernel, which has no virtio console: a warm job boots,
# says why it cannot be saved, and the next one boots without trying.
. "$(dirname "$0")/../lib.sh"

[ -s "$TEST_KERNEL" ] || { echo "Bail out! no kernel at $TEST_KERNEL: run scripts/fetch-guest"; exit 1; }

start_pkvmd --slots 2

kver=$(ls "$TEST_MODULES")
for m in virtio/virtio virtio/virtio_ring virtio/virtio_mmio char/virtio_console; do
	mkdir -p "$T/extra/lib/modules/$kver/kernel/drivers/${m%/*}"
	cp "$TEST_MODULES/$kver/kernel/drivers/$m.ko"* "$T/extra/lib/modules/$kver/kernel/drivers/${m%/*}/"
done

mkdir "$T/a" "$T/b" "$T/c"
cat >"$T/a/first.sh" <<'SH'
#!/bin/sh
echo "first: ran"
SH
cat >"$T/b/second.sh" <<'SH'
#!/bin/sh
echo "second: args=$* colour=$COLOUR seed=$PKVM_SEED"
echo "second: files=$(ls /ramfs.exe | tr '\n' ' ')"
echo "second: clock=$(date +%s)"
SH
cat >"$T/c/broken.sh" <<'SH'
#!/bin/sh
echo "broken: exits 3"
exit 3
SH
chmod +x "$T"/a/*.sh "$T"/b/*.sh "$T"/c/*.sh
cat >"$T/manifest" <<'EOF'
test second.sh -- one 'two words'
env second.sh COLOUR=blue
EOF

# console ID -- job ID's test lines and pkvmd's notes, from its console.
console() { ctl logs "$1" | tr -d '\r' | grep -E '^\[pkvmd: warm|^(first|second|broken):' || true; }

a=$(ctl submit "$TEST_KERNEL" --warm --no-cov --extra "$T/extra" --exe "$T/a/first.sh")
rc=0; ctl wait "$a" >/dev/null 2>&1 || rc=$?
check_eq "the first warm job passes" "$rc" 0
log=$(console "$a")
check_match "it booted, saying there was no saved VM yet" "$log" "warm: no saved VM of this kernel, machine and files yet: booting"
check_match "it was saved at /init" "$log" "warm: saved this VM at /init in [0-9]+ ms"
check_match "its test ran after the save" "$log" "first: ran"

t0=$(date +%s)
b=$(ctl submit "$TEST_KERNEL" --warm --no-cov --extra "$T/extra" --exe "$T/b/second.sh" \
	--manifest "$T/manifest" --seed 1234abcd)
rc=0; ctl wait "$b" >/dev/null 2>&1 || rc=$?
check_eq "the second warm job passes" "$rc" 0
log=$(console "$b")
check_match "it started from the first job's VM" "$log" "warm: started from the VM job $a saved at /init, in [0-9]+ ms"
check "it did not boot" bash -c '! grep -q "Booting Linux" "$1"' _ "$STATE/jobs/$b/serial"
check_match "its test got its own arguments and environment" "$log" "second: args=one two words colour=blue seed=1234abcd"
check_eq "only its own test is in /ramfs.exe" "$(sed -n 's/^second: files=//p' <<<"$log")" "second.sh "
clock=$(sed -n 's/^second: clock=//p' <<<"$log")
check "the guest's clock is the host's, not the saved one's" \
	awk -v c="${clock:-0}" -v t="$t0" 'BEGIN { exit !(c >= t - 5 && c <= t + 120) }'
check_eq "the results have its test, passed" "$(ctl results --json "$b" | python3 -c '
import json, sys
print(" ".join(t["name"] + ":" + t["verdict"] for t in json.load(sys.stdin)))')" "second.sh:pass"

c=$(ctl submit "$TEST_KERNEL" --warm --no-cov --extra "$T/extra" --exe "$T/c/broken.sh")
rc=0; ctl wait "$c" >/dev/null 2>&1 || rc=$?
check "a failing test after a restore fails its job" test "$rc" -ne 0
check_eq "with the test's verdict" "$(job_field "$c" result)" "failed"
check_match "from the saved VM" "$(console "$c")" "warm: started from the VM job $a saved"

d=$(ctl submit "$TEST_KERNEL" --warm --no-cov --mem 768 --extra "$T/extra" --exe "$T/a/first.sh")
ctl wait "$d" >/dev/null 2>&1 || true
check_match "another memory size is another VM: it boots and is saved" "$(console "$d")" \
	"warm: saved this VM at /init"
check_eq "two saved VMs are kept" "$(ls "$STATE/warm" | grep -c .)" 2

# Break the first VM's saved devices: the load fails, and the same run
# boots the job and saves the VM again, with --max-attempts 1: a restore
# that failed costs no attempt.
for f in "$STATE"/warm/*/job; do
	[ "$(cat "$f")" = "$a" ] && : >"${f%/job}/vmstate"
done
e=$(ctl submit "$TEST_KERNEL" --warm --no-cov --max-attempts 1 --extra "$T/extra" \
	--exe "$T/a/first.sh")
rc=0; ctl wait "$e" >/dev/null 2>&1 || rc=$?
check_eq "a job whose saved VM does not load still passes" "$rc" 0
check_eq "on its first attempt" "$(job_field "$e" attempt)" 1
log=$(console "$e")
check_match "its console says the load failed, and why" "$log" \
	"warm: starting from the VM job $a saved failed: qemu exited with status [0-9]+: .*; it is forgotten, and the job boots"
check_match "then it booted and saved the VM again" "$log" "warm: saved this VM at /init"
check_match "and ran its test" "$log" "first: ran"

if [ -s "${SMALL_KERNEL:-}" ]; then
	f=$(ctl submit "$SMALL_KERNEL" --warm --no-cov --exe "$T/a/first.sh")
	rc=0; ctl wait "$f" >/dev/null 2>&1 || rc=$?
	check_eq "on a kernel without a virtio console a warm job passes" "$rc" 0
	check_match "saying why it cannot be saved" "$(console "$f")" \
		"warm: this VM cannot be saved: the kernel has no virtio console"
	g=$(ctl submit "$SMALL_KERNEL" --warm --no-cov --exe "$T/a/first.sh")
	rc=0; ctl wait "$g" >/dev/null 2>&1 || rc=$?
	check_eq "the next passes too" "$rc" 0
	check_match "booting without trying, and saying so" "$(console "$g")" \
		"warm: booting: the kernel has no virtio console .* \(found by job $f\)"
else
	skip "the small test kernel (scripts/build-test-kernel) is not built" 4
fi

stop_pkvmd
check "the jobs' RAM files are gone" bash -c '! ls "$1"/jobs/*/ram 2>/dev/null | grep -q .' _ "$STATE"
finish
