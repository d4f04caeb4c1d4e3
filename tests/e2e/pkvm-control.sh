#!/bin/bash
# End to end on real qemu: the controls a developer uses on a live guest.
#  - idle timeout: a test that hangs silently is stopped and the job is
#    `timeout`, with the hanging test named;
#  - the job's timeout running out while a test runs, and a test killed at
#    the per-test timeout while the next test still runs: `timeout` (exit
#    3), the test's verdict `timeout`, each message naming the limit;
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
# The guest kills the test when the job's time is about to run out, so
# that its result and files still get out.
jobout=$(ctl submit "$TEST_KERNEL" --exe "$SRC_GUEST_DIR/hang.sh" --timeout 40)
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
	"^test hang.sh timed out: no console output for 20 s \\(the idle timeout\\)$"

rc=0; ctl wait "$jobout" 2>/dev/null || rc=$?
check_eq "the job's time runs out during a test: timeout (exit 3)" "$rc" 3
check_eq "  result timeout" "$(job_field "$jobout" result)" timeout
# The guest kills the test 5 s before the end; on a loaded machine the
# daemon's own watchdog may come first.  Either way: the test, the limit.
check_match "  the message names the test and the job's limit" "$(job_field "$jobout" message)" \
	"^test hang.sh timed out: (killed after [0-9]+ s, when )?the job's timeout of 40 s ran out$"
check_match "  the test's verdict is timeout" "$(ctl results "$jobout")" "hang.sh +timeout"
check_match "the test started before it hung" "$(ctl logs "$hang")" "hang.sh: sleeping forever"

rc=0; ctl wait "$uefi" 2>/dev/null || rc=$?
check_eq "a UEFI boot passes" "$rc" 0
log=$(ctl logs "$uefi")
check_match "it went through UEFI firmware" "$log" "EFI stub: Booting Linux Kernel"
check_match "the seed reached the guest" "$log" "the seed is <4242>"
check "the job had its own UEFI variable store" test -s "$STATE/jobs/$uefi/vars.fd"

# The per-test timeout (--test-timeout) kills a test and the next one runs:
# one boot of the small kernel shows both.
if [ -s "$SMALL_KERNEL" ]; then
	rc=0
	id=$(ctl submit "$SMALL_KERNEL" --exe "$SRC_GUEST_DIR/hang.sh" --exe "$T/seed.sh" \
		--test-timeout 3 --no-cov --timeout 120)
	ctl wait "$id" 2>/dev/null || rc=$?
	check_eq "a test killed at --test-timeout: timeout (exit 3)" "$rc" 3
	check_eq "  its message names the per-test limit" "$(job_field "$id" message)" \
		"test hang.sh timed out: killed at the per-test timeout of 3 s (--test-timeout)"
	res=$(ctl results --json "$id")
	check_eq "  verdicts: hang.sh timeout, seed.sh still ran and passed" \
		"$(printf '%s' "$res" | python3 -c 'import json,sys; print(" ".join(t["name"] + "=" + t["verdict"] for t in json.load(sys.stdin)))')" \
		"hang.sh=timeout seed.sh=pass"
	ctl results --junit "$T/junit.xml" "$id" >/dev/null
	check_match "  JUnit writes the timeout as an <error> with the limit" "$(cat "$T/junit.xml")" \
		'<error message="killed at the per-test timeout of 3 s \(--test-timeout\)"'
else
	check "the small test kernel is built (scripts/build-test-kernel)" test -s "$SMALL_KERNEL"
fi
finish
