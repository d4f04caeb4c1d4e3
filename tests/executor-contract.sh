# executor-contract.sh -- what every executor must do, on real guests of
# the small test kernel, so that the local qemu and Slurm prove the same
# contract.  Sourced by tests/e2e/executor-*.sh, after tests/lib.sh, once
# they have defined:
#
#   executor_start [PKVMD OPTION]...  start pkvmd on the executor
#   executor_guest ID                 true while job ID's guest runs on it
#   executor_before_kill ID           note job ID's guest, just before
#                                     pkvmd is killed with -9 during its run
#   executor_restarted ID             check that guest is gone once pkvmd
#                                     was started again
#
# The contract, in five rounds, two guests at a time:
#  1. two jobs run at once; a cancel ends one (cancelled, its guest gone),
#     pkvmd's own timeout the other (timeout, its guest gone);
#  2. a passing test passes, a failing test fails with its exit code;
#  3. a kernel panic is a crash, blamed on its test;
#  4. pkvmd killed with -9 during a run and started again: the job runs
#     again as its second attempt and passes, its guest of the first
#     attempt gone.

K=$SMALL_KERNEL
cp "$SRC_GUEST_DIR/hang.sh" "$SRC_GUEST_DIR/pass.sh" "$SRC_GUEST_DIR/fail.sh" \
	"$SRC_GUEST_DIR/panic.sh" "$T/"
cat >"$T/waits.sh" <<'SH'
#!/bin/sh
echo "waits.sh: waiting"
sleep 6
echo "waits.sh: done"
SH
chmod +x "$T"/*.sh
executor_start --stop-grace 2

# ---- 1. two at once; cancel; timeout ------------------------------------------
a=$(ctl submit "$K" --exe "$T/hang.sh" --no-cov --timeout 12 --idle-timeout 0)
b=$(ctl submit "$K" --exe "$T/hang.sh" --no-cov --timeout 12 --idle-timeout 0)
check "job $a's test runs" wait_for_console "$a" 'hang.sh: sleeping forever'
check "job $b's test runs" wait_for_console "$b" 'hang.sh: sleeping forever'
check "  both at once, each on the executor" eval "executor_guest $a && executor_guest $b"
ctl_quiet cancel "$a"
rc=0; ctl wait "$a" >/dev/null 2>&1 || rc=$?
check_eq "a cancel: cancelled" "$(job_field "$a" result)" cancelled
check "  its guest is gone" wait_until 30 eval "! executor_guest $a"
rc=0; ctl wait "$b" >/dev/null 2>&1 || rc=$?
check_eq "pkvmd's timeout: timeout (exit 3)" "$rc" 3
check_match "  says whose time ran out" "$(job_field "$b" message)" "timeout of 12 s ran out"
check "  its guest is gone" wait_until 30 eval "! executor_guest $b"

# ---- 2. pass, fail -----------------------------------------------------------------
p=$(ctl submit "$K" --exe "$T/pass.sh" --no-cov --timeout 120)
f=$(ctl submit "$K" --exe "$T/fail.sh" --no-cov --timeout 120)
rc=0; ctl wait "$p" >/dev/null 2>&1 || rc=$?
check_eq "a passing test: passed" "$rc $(job_field "$p" result)" "0 passed"
rc=0; ctl wait "$f" >/dev/null 2>&1 || rc=$?
check_eq "a failing test: failed (exit 1)" "$rc $(job_field "$f" result)" "1 failed"
check_match "  with its exit code" "$(job_field "$f" message)" "fail.sh exited with status 3"

# ---- 3. a crash ----------------------------------------------------------------------
c=$(ctl submit "$K" --exe "$T/panic.sh" --no-cov --timeout 120)
rc=0; ctl wait "$c" >/dev/null 2>&1 || rc=$?
check_eq "a kernel panic: crashed (exit 4)" "$rc" 4
check_match "  blamed on its test" "$(job_field "$c" message)" "during test panic.sh"

# ---- 4. pkvmd killed and started again during a run -------------------------------
w=$(ctl submit "$K" --exe "$T/waits.sh" --no-cov --timeout 120)
check "job $w's test runs" wait_for_console "$w" 'waits.sh: waiting'
executor_before_kill "$w"
kill -9 "$PKVMD_PID"
wait_gone "$PKVMD_PID" 10 || true
executor_start --stop-grace 2
executor_restarted "$w"
rc=0; ctl wait "$w" >/dev/null 2>&1 || rc=$?
check_eq "after kill -9 and a restart: the job ran again and passed" \
	"$rc $(job_field "$w" result) $(job_field "$w" attempt)" "0 passed 2"
