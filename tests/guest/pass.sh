#!/bin/sh
# pass.sh -- a guest test that passes only on a real pKVM boot.
#
# It checks the two things every pKVM job relies on, so an end-to-end test
# that expects "pass" proves more than "the script ran": the kernel brought
# up KVM in protected mode (the hypervisor prints this once at boot), and
# initramfs/init handed the job's seed and name through the environment.
# The hypervisor says "Protected nVHE mode" on older kernels and on CPUs
# without VHE, "Protected hVHE mode" on 6.12 and later where the CPU has
# VHE (hVHE: the hypervisor at EL2 with the VHE layout); both are pKVM.
# Each check prints TAP so a failure says which one; the descriptions stay
# the same from run to run (a value that changes, the seed, goes in a
# diagnostic line), so that two runs compare test by test (docs/COMPARE.md).

echo "1..3"
fail=0

if dmesg | grep -Eq "Protected (nVHE|hVHE) mode initialized successfully"; then
	echo "ok 1 - kvm-arm.mode=protected is active"
else
	echo "not ok 1 - kvm-arm.mode=protected is active"
	dmesg | grep -i kvm | sed 's/^/# /'
	fail=1
fi

if [ -n "${PKVM_SEED:-}" ]; then
	echo "ok 2 - PKVM_SEED is set"
	echo "# PKVM_SEED=$PKVM_SEED"
else
	echo "not ok 2 - PKVM_SEED is set"
	echo "# pkvm.seed= missing from the command line?"
	fail=1
fi

# init runs each test in its own fresh directory named after it.
if [ -n "${PKVM_TEST:-}" ] && [ "$(pwd)" = "/tmp/pkvm/$PKVM_TEST" ]; then
	echo "ok 3 - runs as \$PKVM_TEST in /tmp/pkvm/\$PKVM_TEST"
else
	echo "not ok 3 - runs as \$PKVM_TEST in /tmp/pkvm/\$PKVM_TEST"
	echo "# PKVM_TEST='${PKVM_TEST:-}' cwd=$(pwd)"
	fail=1
fi

exit $fail
