#!/bin/bash
# Integration: the scheduler on --slots 2 with fake-qemu guests: two smp=1
# jobs run at the same time, an smp=2 job waits while they do and the jobs
# behind it do not overtake it, higher priority goes first and FIFO holds
# within one priority, and `--smp 8` is refused on 2 slots (it could never
# run).
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU" --slots 2 --stop-grace 1

# json_len -- the number of elements of the JSON array on stdin.
json_len() {
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

running_ids() {
	ctl list --state running --json | python3 -c 'import json,sys; print(" ".join(str(j["id"]) for j in sorted(json.load(sys.stdin), key=lambda j: j["id"])))'
}

# Two smp=1 jobs that boot and then hang: both show their console while
# the other is still running, so they run at the same time.
a=$(ctl submit "$TEST_KERNEL" --smp 1 --append "fakeqemu=hang-at=3")
b=$(ctl submit "$TEST_KERNEL" --smp 1 --append "fakeqemu=hang-at=3")
check "job a boots" wait_for_console "$a" 'Kernel command line'
check "job b boots" wait_for_console "$b" 'Kernel command line'
check_eq "both smp=1 jobs are running at once" "$(running_ids)" "$a $b"
busy=$(curl -s --unix-socket "$SOCK" http://pkvmd/v1/version | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["slots_busy"], v["slots"])')
check_eq "version reports 2 of 2 slots busy" "$busy" "2 2"

# An smp=2 job has to wait for both slots; an smp=1 job behind it must
# not overtake it when one slot frees up.
c=$(ctl submit "$TEST_KERNEL" --smp 2 --append "fakeqemu=hang-at=3")
d=$(ctl submit "$TEST_KERNEL" --smp 1 --append "fakeqemu=pass")
check_eq "smp=2 job is queued while both slots are busy" "$(job_field "$c" state)" queued
check_eq "smp=1 job behind it is queued" "$(job_field "$d" state)" queued
check_eq "queued list holds both" "$(ctl list --state queued --json | json_len)" 2
ctl cancel "$c" >/dev/null
check_eq "the smp=2 job is cancelled while queued" "$(job_field "$c" result)" cancelled

# More jobs, each taking both slots so they run one after another: the
# priority 5 one (an older client's number: high) first, then FIFO among
# the normal ones: d, e, f, h.
e=$(ctl submit "$TEST_KERNEL" --smp 2 --append "fakeqemu=pass")
f=$(ctl submit "$TEST_KERNEL" --smp 2 --append "fakeqemu=pass")
g=$(ctl submit "$TEST_KERNEL" --smp 2 --priority 5 --append "fakeqemu=pass")
h=$(ctl submit "$TEST_KERNEL" --smp 2 --append "fakeqemu=pass")
rc=0; ctl submit "$TEST_KERNEL" --smp 8 --append "fakeqemu=pass" >/dev/null 2>"$T/smp8.err" || rc=$?
check_eq "smp 8 on 2 slots is refused at submit" "$rc" 2
check_match "the refusal names the slots" "$(cat "$T/smp8.err")" "smp 8 is above this server's 2 slots"

# Free one slot: g (head, smp=2) does not fit, so nothing may start.
ctl cancel "$a" >/dev/null
rc=0; ctl wait "$a" 2>/dev/null || rc=$?
check_eq "job a cancelled" "$rc" 5
check_eq "with one slot free, d does not overtake the smp=2 head" "$(job_field "$d" state)" queued
check_eq "only job b runs" "$(running_ids)" "$b"

ctl cancel "$b" >/dev/null
for id in $d $e $f $g $h; do
	rc=0; ctl wait "$id" 2>/dev/null || rc=$?
	check_eq "job $id passes" "$rc" 0
done
order=$(ctl list --json | python3 -c '
import json, sys
jobs = [j for j in json.load(sys.stdin) if j["id"] in set(map(int, sys.argv[1:]))]
print(" ".join(str(j["id"]) for j in sorted(jobs, key=lambda j: (j["started"], j["finished"]))))
' "$d" "$e" "$f" "$g" "$h")
check_eq "start order: priority first, then FIFO" "$order" "$g $d $e $f $h"
check_eq "the priority 5 job is high" "$(job_field "$g" priority)" high
check_eq "nothing left queued or running" "$(ctl list --state queued --json | json_len) $(ctl list --state running --json | json_len)" "0 0"

# Eight clients at once with a kernel the daemon has not seen: they all
# find it missing and upload it concurrently; every job gets its own id,
# the same kernel blob, and passes.
cp "$TEST_KERNEL" "$T/Image"
printf 'parallel' >>"$T/Image"
K=$(sha256sum "$T/Image" | cut -d' ' -f1)
pids=()
for i in 1 2 3 4 5 6 7 8; do
	(rc=0; ctl submit "$T/Image" --wait --append fakeqemu=pass >"$T/id.$i" 2>/dev/null || rc=$?; echo "$rc" >"$T/rc.$i") &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
check_eq "concurrent submits: all exit 0" "$(cat "$T"/rc.* | sort -u)" 0
check_eq "concurrent submits: eight distinct ids" "$(cat "$T"/id.* | sort -u | wc -l)" 8
check_eq "concurrent submits: one kernel blob for all" \
	"$(for i in $(cat "$T"/id.*); do job_field "$i" kernel; done | sort -u)" "$K"
check_eq "concurrent submits: the stored blob is whole" \
	"$(sha256sum "$STATE/blobs/${K:0:2}/$K" | cut -d' ' -f1)" "$K"
check_eq "concurrent submits: no partial uploads left behind" \
	"$(find "$STATE/blobs" -regextype posix-extended -type f ! -regex '.*/[0-9a-f]{64}' | wc -l)" 0

check_eq "no fake qemu survives" "$(surviving_fakes)" ""
finish
