#!/bin/bash
# End to end: the executor contract (tests/executor-contract.sh) on a real
# one-node Slurm cluster (tests/slurm.sh), as executor-local.sh proves it
# on the local qemu; then what only Slurm does:
#  - the console carries where the guest ran, and status shows it;
#  - a node that fails under a running job (scontrol sets it down: Slurm
#    ends the job NODE_FAIL) is an infrastructure failure: the job runs
#    again as its second attempt once the node is back, never a test
#    failure;
#  - a restarted pkvmd cancels the Slurm job its predecessor left;
#  - a writable and a read-only disk work, staged in the shared directory
#    (overlay rebased onto the staged image), which is empty again after;
#    --keep-disk is refused;
#  - kvm-unit-tests payloads, each booted as a Slurm job of its own.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../slurm.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no small test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }
command -v slurmctld >/dev/null || { echo "Bail out! no slurmctld: run scripts/setup"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP slurmd runs jobs as their users only as root"; exit 0; }

# pkvmd stops its guests through Slurm: before Slurm goes.
trap 'r=$?; stop_pkvmd; slurm_down; cleanup "$r"' EXIT
slurm_up "$T/slurm" || { echo "Bail out! no Slurm cluster (logs in $T/slurm/log)"; exit 1; }
mkdir -p "$T/shared"

executor_start() {
	start_pkvmd --executor slurm --slurm-shared-dir "$T/shared" --slurm-max-jobs 2 "$@" \
		2>>"$T/start.err"
}

# The Slurm job of pkvmd job $1 (named pkvmd-TAG-ID): its id, if it is
# pending or running.
slurm_job_of() {
	squeue --noheader --states=pending,running,completing --format='%i %j' |
		awk -v id="$1" '$2 ~ "^pkvmd-[0-9a-f]+-" id "$" { print $1 }'
}
executor_guest() {
	[ -n "$(slurm_job_of "$1")" ]
}
executor_before_kill() {
	first_slurm_job=$(slurm_job_of "$1")
}
# The job the killed pkvmd left is cancelled by the new one, which says so.
executor_restarted() {
	check_match "the restarted pkvmd cancelled the Slurm job its predecessor left" \
		"$(cat "$T/start.err")" "cancelled 1 Slurm job an earlier pkvmd left"
	check "  (Slurm says: cancelled)" wait_until 30 slurm_state_is "$first_slurm_job" CANCELLED
}
slurm_state_is() {
	[ "$(squeue --noheader --states=all --jobs="$1" --format=%T)" = "$2" ]
}

. "$(dirname "$0")/../executor-contract.sh"

# ---- where it ran ------------------------------------------------------------------
check_match "status says where the guest ran" "$(ctl status "$p")" \
	"runs as: +Slurm job [0-9]+ on node pkvmnode"
check_match "  and so does its console" "$(ctl logs "$p")" "\\[pkvmd: runs as Slurm job [0-9]+ on node pkvmnode\\]"

# ---- disks: staged where the nodes see them --------------------------------------
printf 'written by the host' >"$T/ro.img"
truncate -s 1M "$T/ro.img"
truncate -s 1M "$T/rw.img"
cat >"$T/disks.sh" <<'SH'
#!/bin/sh
# Block devices, or the test fails: dd would make a plain file in /dev.
[ -b /dev/vda ] && [ -b /dev/vdb ] || { ls /sys/block; exit 1; }
head -c 19 /dev/vdb; echo
echo "through the overlay" | dd of=/dev/vda conv=notrunc 2>/dev/null
head -c 19 /dev/vda; echo
SH
chmod +x "$T/disks.sh"
# The Debian kernel (the small one has no virtio), with virtio_blk.
virtio_blk_modules "$T/extra"
d=$(ctl submit "$TEST_KERNEL" --exe "$T/disks.sh" --disk "$T/rw.img" --disk "$T/ro.img,ro" \
	--extra "$T/extra" "${MODARGS[@]}" --no-cov --timeout 300)
rc=0; ctl wait "$d" >/dev/null 2>&1 || rc=$?
check_eq "a writable and a read-only disk under Slurm: passed" "$rc" 0
log=$(ctl logs "$d" | tr -d '\r')
check_match "  the read-only disk reads" "$log" "^written by the host$"
check_match "  the writable one writes, into its overlay" "$log" "^through the overlay$"
check_eq "  the host's image is untouched" "$(head -c 19 "$T/rw.img" | tr -d '\0')" ""
check_eq "  and the shared directory is empty again" "$(ls -A "$T/shared")" ""
rc=0; out=$(ctl submit "$K" --exe "$T/disks.sh" --disk "$T/rw.img" --keep-disk --no-cov 2>&1) || rc=$?
check_match "--keep-disk is refused under Slurm, and says why" "$rc $out" \
	"^2 .*keep_disk does not go with this server's Slurm executor"

# ---- payloads: each one a Slurm job of its own ------------------------------------
pl=$(ctl submit --payload "$PAYLOAD_DIR/pass.flat" --payload "$PAYLOAD_DIR/fail.flat" --timeout 120)
rc=0; ctl wait "$pl" >/dev/null 2>&1 || rc=$?
check_eq "kvm-unit-tests payloads under Slurm: one passes, one fails (exit 1)" \
	"$rc $(ctl results --json "$pl" | python3 -c 'import json,sys; print(" ".join(t["verdict"] for t in json.load(sys.stdin)))')" \
	"1 pass fail"
check_eq "  each booted as a Slurm job of its own" \
	"$(grep -c 'runs as Slurm job' <<<"$(ctl logs "$pl")")" 2

# ---- a node failure is the infrastructure's ------------------------------------
n=$(ctl submit "$K" --exe "$T/waits.sh" --no-cov --timeout 120)
check "job $n's test runs" wait_for_console "$n" 'waits.sh: waiting'
scontrol update nodename=pkvmnode state=down reason=pkvmd-test
check "the node went down under it: the job is queued again" wait_until 60 eval '[ "$(job_field "$n" attempt)" = 2 ]'
# slurmd is alive and registers again, so the node may be back already
# (ReturnToService=2): then there is nothing to resume.
scontrol update nodename=pkvmnode state=resume 2>/dev/null || true
rc=0; ctl wait "$n" >/dev/null 2>&1 || rc=$?
check_eq "  and its second attempt passes once the node is back" "$rc $(job_field "$n" result)" "0 passed"
check_match "  the first attempt ended by the infrastructure, not as a test failure" \
	"$(ctl status --json "$n" | python3 -c 'import json,sys; print([(a["result"], a["message"]) for a in json.load(sys.stdin)["attempts"]])')" \
	"\\[\\('error', 'the Slurm node failed \\(NODE_FAIL\\)'\\)\\]"
finish
