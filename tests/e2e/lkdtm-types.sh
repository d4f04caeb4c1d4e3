#!/bin/bash
# End to end on the small test kernel: every LKDTM crash type that the
# kernel can survive long enough to print is provoked for real, and each
# must be detected with the right kind, its stable title and the whole
# report (its end line inside the stored report).  The table below is the
# expectation; docs/RELIABILITY.md (## Crash detection) lists the types
# that are not here and why, and tests/unit/test-crash.c holds the consoles
# of an earlier run of this same table (tests/data/lkdtm-types-*.log), so every
# title here is compared across two runs: that one and this one.
#
# Several types per boot where the kernel lets its writer die and carries
# on (WARNINGs, refcount warnings, Oopses and BUGs in a child shell, the
# hung task in the background): one job whose tests are the types.  A type
# that panics, or takes a CPU for good, gets a boot of its own.  The jobs
# run in parallel slots.
#
# LKDTM_CAPTURE=DIR keeps every job's console there (how the unit data
# was made).
. "$(dirname "$0")/../lib.sh"

[ -s "${SMALL_KERNEL:-}" ] || { echo "Bail out! no small test kernel at ${SMALL_KERNEL:-?}: run scripts/build-test-kernel"; exit 1; }

# TYPE|BOOT|KIND|TITLE|END: BOOT names the job (one boot) the type runs in,
# as one of its tests, in this order; END is an ERE the report's last line
# matches.
types=$(
	cat <<'TABLE'
WARNING|warn1|warning|WARNING in lkdtm_WARNING|end trace
WARNING_MESSAGE|warn1|warning|WARNING in lkdtm_WARNING_MESSAGE|end trace
HUNG_TASK|warn1|hung-task|INFO: task hung in lkdtm_HUNG_TASK|el0t_64_sync
REFCOUNT_INC_OVERFLOW|warn1|warning|WARNING: refcount bug in lkdtm_REFCOUNT_INC_OVERFLOW|end trace
REFCOUNT_DEC_ZERO|warn1|warning|WARNING: refcount bug in lkdtm_REFCOUNT_DEC_ZERO|end trace
REFCOUNT_INC_ZERO|warn1|warning|WARNING: refcount bug in lkdtm_REFCOUNT_INC_ZERO|end trace
REFCOUNT_DEC_AND_TEST_NEGATIVE|warn1|warning|WARNING: refcount bug in lkdtm_REFCOUNT_DEC_AND_TEST_NEGATIVE|end trace
REFCOUNT_ADD_OVERFLOW|warn2|warning|WARNING: refcount bug in lkdtm_REFCOUNT_ADD_OVERFLOW|end trace
REFCOUNT_DEC_NEGATIVE|warn2|warning|WARNING: refcount bug in lkdtm_REFCOUNT_DEC_NEGATIVE|end trace
REFCOUNT_ADD_ZERO|warn2|warning|WARNING: refcount bug in lkdtm_REFCOUNT_ADD_ZERO|end trace
REFCOUNT_SUB_AND_TEST_NEGATIVE|warn2|warning|WARNING: refcount bug in lkdtm_REFCOUNT_SUB_AND_TEST_NEGATIVE|end trace
REFCOUNT_INC_NOT_ZERO_OVERFLOW|warn3|warning|WARNING: refcount bug in lkdtm_REFCOUNT_INC_NOT_ZERO_OVERFLOW|end trace
REFCOUNT_DEC_SATURATED|warn3|warning|WARNING: refcount bug in lkdtm_REFCOUNT_DEC_SATURATED|end trace
REFCOUNT_DEC_AND_TEST_SATURATED|warn3|warning|WARNING: refcount bug in lkdtm_REFCOUNT_DEC_AND_TEST_SATURATED|end trace
REFCOUNT_ADD_NOT_ZERO_OVERFLOW|warn4|warning|WARNING: refcount bug in lkdtm_REFCOUNT_ADD_NOT_ZERO_OVERFLOW|end trace
REFCOUNT_SUB_AND_TEST_SATURATED|warn4|warning|WARNING: refcount bug in lkdtm_REFCOUNT_SUB_AND_TEST_SATURATED|end trace
REFCOUNT_INC_SATURATED|warn5|warning|WARNING: refcount bug in lkdtm_REFCOUNT_INC_SATURATED|end trace
REFCOUNT_ADD_SATURATED|warn6|warning|WARNING: refcount bug in lkdtm_REFCOUNT_ADD_SATURATED|end trace
REFCOUNT_INC_NOT_ZERO_SATURATED|warn7|warning|WARNING: refcount bug in lkdtm_REFCOUNT_INC_NOT_ZERO_SATURATED|end trace
REFCOUNT_ADD_NOT_ZERO_SATURATED|warn8|warning|WARNING: refcount bug in lkdtm_REFCOUNT_ADD_NOT_ZERO_SATURATED|end trace
USERCOPY_SLAB_SIZE_TO|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_SLAB_SIZE_TO|end trace
USERCOPY_SLAB_SIZE_FROM|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_SLAB_SIZE_FROM|end trace
USERCOPY_SLAB_WHITELIST_TO|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_SLAB_WHITELIST_TO|end trace
USERCOPY_SLAB_WHITELIST_FROM|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_SLAB_WHITELIST_FROM|end trace
USERCOPY_STACK_FRAME_TO|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_STACK_FRAME_TO|end trace
USERCOPY_STACK_FRAME_FROM|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_STACK_FRAME_FROM|end trace
USERCOPY_STACK_BEYOND|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_STACK_BEYOND|end trace
USERCOPY_VMALLOC|oops|paging|BUG: unable to handle kernel paging request in do_usercopy_page_span|end trace
USERCOPY_FOLIO|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_FOLIO|end trace
USERCOPY_KERNEL|oops|bug|BUG: bad usercopy in lkdtm_USERCOPY_KERNEL|end trace
FORTIFY_STR_OBJECT|oops|bug|kernel BUG in lkdtm_FORTIFY_STR_OBJECT|end trace
FORTIFY_STR_MEMBER|oops|bug|kernel BUG in lkdtm_FORTIFY_STR_MEMBER|end trace
FORTIFY_MEM_OBJECT|oops|bug|kernel BUG in lkdtm_FORTIFY_MEM_OBJECT|end trace
FORTIFY_MEM_MEMBER|oops|warning|WARNING in lkdtm_FORTIFY_MEM_MEMBER|end trace
FORTIFY_STRSCPY|oops|bug|kernel BUG in lkdtm_do_action|end trace
CORRUPT_LIST_ADD|oops|bug|BUG: corrupted list in lkdtm_CORRUPT_LIST_ADD|end trace
CORRUPT_LIST_DEL|oops|bug|BUG: corrupted list in lkdtm_CORRUPT_LIST_DEL|end trace
EXCEPTION|oops|paging|BUG: unable to handle kernel NULL pointer dereference in lkdtm_EXCEPTION|end trace
WRITE_RO|oops|paging|BUG: unable to handle kernel write to read-only memory in lkdtm_WRITE_RO|end trace
WRITE_RO_AFTER_INIT|oops|paging|BUG: unable to handle kernel write to read-only memory in lkdtm_WRITE_RO_AFTER_INIT|end trace
WRITE_KERN|oops|paging|BUG: unable to handle kernel write to read-only memory in lkdtm_do_action|end trace
EXEC_DATA|oops|paging|BUG: unable to handle kernel execute from non-executable memory in lkdtm_EXEC_DATA|end trace
EXEC_STACK|oops|paging|BUG: unable to handle kernel execute from non-executable memory in lkdtm_EXEC_STACK|end trace
EXEC_KMALLOC|oops|paging|BUG: unable to handle kernel execute from non-executable memory in lkdtm_EXEC_KMALLOC|end trace
EXEC_VMALLOC|oops|paging|BUG: unable to handle kernel execute from non-executable memory in lkdtm_EXEC_VMALLOC|end trace
EXEC_RODATA|oops|paging|BUG: unable to handle kernel execute from non-executable memory in lkdtm_EXEC_RODATA|end trace
EXEC_USERSPACE|oops|paging|BUG: unable to handle kernel execution of user memory in lkdtm_do_action|end trace
EXEC_NULL|oops|paging|BUG: unable to handle kernel NULL pointer dereference in lkdtm_EXEC_NULL|end trace
ACCESS_NULL|oops|paging|BUG: unable to handle kernel NULL pointer dereference in lkdtm_ACCESS_NULL|end trace
VMALLOC_LINEAR_OVERFLOW|oops|bug|kernel BUG in lkdtm_VMALLOC_LINEAR_OVERFLOW|end trace
BUG|oops|bug|kernel BUG in lkdtm_BUG|end trace
SLAB_FREE_CROSS|slab|warning|WARNING in lkdtm_SLAB_FREE_CROSS|end trace
SLAB_FREE_DOUBLE|slab|bug|BUG: Slab has fewer allocated objects than are to be freed|not freed
SLAB_FREE_PAGE|slab|paging|BUG: unable to handle kernel NULL pointer dereference in lkdtm_SLAB_FREE_PAGE|end trace
SLAB_LINEAR_OVERFLOW|slab|bug|BUG: Redzone overwritten|not freed
PANIC|PANIC|panic|kernel panic: dumptest|Memory Limit: none
CORRUPT_STACK|CORRUPT_STACK|panic|kernel panic: stack is corrupted in lkdtm_CORRUPT_STACK|Memory Limit: none
CORRUPT_STACK_STRONG|CORRUPT_STACK_STRONG|panic|kernel panic: stack is corrupted in lkdtm_CORRUPT_STACK_STRONG|Memory Limit: none
EXHAUST_STACK|EXHAUST_STACK|bug|kernel stack overflow in direct_entry|Memory Limit: none
STACK_GUARD_PAGE_LEADING|STACK_GUARD_PAGE_LEADING|paging|BUG: unable to handle kernel paging request in lkdtm_STACK_GUARD_PAGE_LEADING|end trace
STACK_GUARD_PAGE_TRAILING|STACK_GUARD_PAGE_TRAILING|paging|BUG: unable to handle kernel paging request in lkdtm_STACK_GUARD_PAGE_TRAILING|end trace
SOFTLOCKUP|SOFTLOCKUP|lockup|BUG: soft lockup in direct_entry|Memory Limit: none
SPINLOCKUP|SPINLOCKUP|lockup|BUG: soft lockup in direct_entry|Memory Limit: none
LOOP|LOOP|lockup|BUG: soft lockup in direct_entry|Memory Limit: none
TABLE
)

# A fatal report stops the guest after --crash-grace; here the Oopses of a
# shared boot each kill only their test, so the guest runs to its end.
start_pkvmd --slots 3 --crash-grace 120000

# The guest side of a type: provoke it; a hung task is provoked in the
# background and its report waited for (the test ends when dmesg has it, or at
# --test-timeout), since its writer never comes back.
provoke_script() { # TYPE FILE
	case $1 in
	HUNG_TASK)
		cat >"$2" <<'SH'
#!/bin/sh
echo 1 >/proc/sys/kernel/hung_task_timeout_secs
echo 1 >/proc/sys/kernel/hung_task_warnings
echo HUNG_TASK >/sys/kernel/debug/provoke-crash/DIRECT &
until dmesg | grep -q "blocked for more than"; do sleep 0.2; done
SH
		;;
	SOFTLOCKUP | SPINLOCKUP | LOOP)
		cat >"$2" <<SH
#!/bin/sh
echo 1 >/proc/sys/kernel/watchdog_thresh
echo 1 >/proc/sys/kernel/softlockup_panic
echo $1 >/sys/kernel/debug/provoke-crash/DIRECT
# SPINLOCKUP takes its lock and returns: the second time spins on it.
echo $1 >/sys/kernel/debug/provoke-crash/DIRECT
SH
		;;
	*)
		printf '#!/bin/sh\necho %s >/sys/kernel/debug/provoke-crash/DIRECT\n' "$1" >"$2"
		;;
	esac
	chmod +x "$2"
}

# One job per boot group, submitted at once: the slots run them in parallel.
declare -A exes job_of
while IFS='|' read -r type boot kind title end; do
	provoke_script "$type" "$T/$type.sh"
	exes[$boot]+=" $T/$type.sh"
done <<<"$types"
for boot in "${!exes[@]}"; do
	args=()
	for f in ${exes[$boot]}; do args+=(--exe "$f"); done
	# SLUB checks its objects only when asked to on the command line.
	# KFENCE samples an allocation now and then (every 100 ms), and a
	# slab type whose object it sampled is reported by KFENCE instead
	# (SLAB_FREE_DOUBLE once came as "KFENCE: invalid free"): off for this
	# boot, so each type meets the detector the table names.
	[ "$boot" = slab ] && args+=(--append "slub_debug=FZPU kfence.sample_interval=0")
	id=$(ctl submit "$SMALL_KERNEL" "${args[@]}" --mem 256 --no-cov --timeout 120 \
		--test-timeout 20 --tag lkdtm-types)
	for f in ${exes[$boot]}; do
		t=${f##*/}
		job_of[${t%.sh}]=$id
	done
done

for id in $(printf '%s\n' "${job_of[@]}" | sort -un); do
	ctl wait "$id" >/dev/null 2>&1 || true
	if [ -n "${LKDTM_CAPTURE:-}" ]; then
		mkdir -p "$LKDTM_CAPTURE"
		ctl logs "$id" >"$LKDTM_CAPTURE/job-$id.log" || true
		ctl crashes --json "$id" >"$LKDTM_CAPTURE/job-$id.json" || true
	fi
done

# The first report of test TYPE.sh in job ID, as KIND|TITLE|LAST LINE.
first_report() { # ID TYPE
	ctl crashes --json "$1" | python3 -c '
import json, sys
c = [x for x in json.load(sys.stdin) if x["test"] == sys.argv[1]]
if not c:
    print("none")
else:
    lines = c[0]["report"].rstrip("\n").split("\n")
    print(c[0]["kind"] + "|" + c[0]["title"] + "|" + lines[-1].strip())' "$2.sh"
}

while IFS='|' read -r type boot kind title end; do
	id=${job_of[$type]}
	got=$(first_report "$id" "$type")
	check_eq "$type: kind and title" "${got%|*}" "$kind|$title"
	check_match "$type: the report runs to its end" "${got##*|}" "$end"
done <<<"$types"

finish
