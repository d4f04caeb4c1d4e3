#!/bin/bash
# Integration: a guest that floods its console on a daemon with a small
# --console-max: the serial file stops at the cap plus one note, the note
# is what `pkvmctl logs` shows last, the job still ends on its timeout, the
# results printed past the cap still count, and the next job runs fine.
. "$(dirname "$0")/../lib.sh"

CAP=4096
start_pkvmd --qemu "$FAKE_QEMU" --console-max "$CAP" --stop-grace 1

id=$(ctl submit "$TEST_KERNEL" --timeout 1 --idle-timeout 0 --append fakeqemu=flood)
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "flood: wait exits 3" "$rc" 3
check_eq "flood: result timeout" "$(job_field "$id" result)" timeout
check_eq "flood: console_bytes is the cap" "$(job_field "$id" console_bytes)" "$CAP"
check_eq "flood: no fake qemu survives" "$(surviving_fakes)" ""

size=$(stat -c %s "$STATE/jobs/$id/serial")
check "flood: serial file is the cap plus a short note ($size bytes)" \
	test "$size" -gt "$CAP" -a "$size" -le $((CAP + 200))
logs=$(ctl logs "$id")
check_match "flood: logs end with the cap note" "$(printf '%s\n' "$logs" | tail -n 1)" \
	"^\[pkvmd: console capped at $CAP bytes"
check_match "flood: logs hold the flood up to the cap" "$logs" 'fake-qemu: flood line 1:'
check "flood: logs and the serial file agree" cmp -s <(ctl logs "$id") "$STATE/jobs/$id/serial"

# Forty tests print well past the cap; their result lines are still parsed.
names=$(seq -f 't%02g' 1 40 | paste -sd,)
id2=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.tests=$names")
rc=0; ctl wait "$id2" 2>/dev/null || rc=$?
check_eq "results past the cap: job passes" "$rc" 0
check_eq "results past the cap: all 40 tests counted" \
	"$(ctl status --json "$id2" | python3 -c 'import json,sys; t=json.load(sys.stdin)["tests"]; print(t["total"], t["passed"])')" "40 40"
check_match "results past the cap: console was capped" "$(ctl logs "$id2")" 'console capped'

# A small job afterwards is not affected.
id3=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass)
rc=0; ctl wait "$id3" 2>/dev/null || rc=$?
check_eq "next job passes" "$rc" 0
logs=$(ctl logs "$id3")
check_match "next job: full console" "$logs" 'reboot: Power down'
check "next job: no cap note" test -z "$(printf '%s' "$logs" | grep 'console capped' || true)"
finish
