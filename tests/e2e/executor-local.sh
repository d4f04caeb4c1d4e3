#!/bin/bash
# End to end: the executor contract (tests/executor-contract.sh) on the
# local qemu executor, the default.  Its twin, executor-slurm.sh, proves
# the same on Slurm.
. "$(dirname "$0")/../lib.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no small test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }

executor_start() {
	start_pkvmd --slots 2 "$@"
}

# A qemu runs in job $1's directory, its working directory.
executor_guest() {
	local p
	for p in $(pgrep -f '^qemu-system-aarch64 '); do
		[ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$STATE/jobs/$1" ] && return 0
	done
	return 1
}

# The qemu of job $1, by pid.
executor_before_kill() {
	local p
	first_qemu=
	for p in $(pgrep -f '^qemu-system-aarch64 '); do
		[ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$STATE/jobs/$1" ] && first_qemu=$p
	done
}
# That qemu died with pkvmd (pkvmd-spawn saw to it).
executor_restarted() {
	check "the first attempt's qemu died with pkvmd" wait_gone "$first_qemu" 10
}

. "$(dirname "$0")/../executor-contract.sh"
finish
