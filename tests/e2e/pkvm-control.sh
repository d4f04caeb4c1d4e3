#!/bin/bash
# End to end on real qemu: the controls a developer uses on a live guest.
#  - idle timeout: a test that hangs silently is stopped and the job is
#    `timeout`, with the hanging test named;
#  - cancel of a booting guest (as soon as the kernel prints);
#  - --uefi boots the same kernel through UEFI firmware with the job's own
#    variable store, and --seed reaches the guest as PKVM_SEED.
. "$(dirname "$0")/../lib.sh"

[ -s "$TEST_KERNEL" ] || { echo "Bail out! no test kernel at $TEST_KERNEL: run scripts/fetch-guest"; exit 1; }

start_pkvmd --slots 2

cat >"$T/seed.sh" <<'SH'
#!/bin/sh
echo "the seed is <$PKVM_SEED>"
SH
chmod +x "$T/seed.sh"

hang=$(ctl submit "$TEST_KERNEL" --exe "$SRC_GUEST_DIR/hang.sh" --idle-timeout 20 --timeout 300)
cancel=$(ctl submit "$TEST_KERNEL" --exe "$SRC_GUEST_DIR/pass.sh" --timeout 300)

wait_for_console "$cancel" "Booting Linux"
ctl cancel "$cancel" >/dev/null
rc=0; ctl wait "$cancel" 2>/dev/null || rc=$?
check_eq "a cancelled job exits 5" "$rc" 5
check_eq "result is cancelled" "$(job_field "$cancel" result)" cancelled

uefi=$(ctl submit "$TEST_KERNEL" --exe "$T/seed.sh" --uefi --seed 4242 --timeout 300)

rc=0; ctl wait "$hang" 2>/dev/null || rc=$?
check_eq "a silent hang hits the idle timeout (exit 3)" "$rc" 3
check_match "the message names the hanging test" "$(job_field "$hang" message)" \
	"no console output for 20 s in test hang.sh"
check_match "the test started before it hung" "$(ctl logs "$hang")" "hang.sh: sleeping forever"

rc=0; ctl wait "$uefi" 2>/dev/null || rc=$?
check_eq "a UEFI boot passes" "$rc" 0
log=$(ctl logs "$uefi")
check_match "it went through UEFI firmware" "$log" "EFI stub: Booting Linux Kernel"
check_match "the seed reached the guest" "$log" "the seed is <4242>"
check "the job had its own UEFI variable store" test -s "$STATE/jobs/$uefi/vars.fd"
finish
