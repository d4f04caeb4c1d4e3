#!/bin/bash
# Integration: the per-job option warm (docs/PERFORMANCE.md section 2,
# "Boot once, test many") as the API and pkvmctl carry it: it is stored
# and read back, `pkvmctl submit --warm` sets it, and a warm job is refused
# (400 invalid_field, field warm) with what changes the boot or is not
# part of a saved VM, and by a server whose guests run under Slurm.  What
# a warm start does at run time is not checked here.
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU" --stop-grace 1

# post BODY -- POST /v1/jobs; prints the reply's body.
post() {
	curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' -d "$1" \
		http://pkvmd/v1/jobs
}

# refusal BODY -- the error's code, field and message of POST BODY.
refusal() {
	post "$1" | python3 -c 'import json, sys; e = json.load(sys.stdin)["error"]; print(e["code"], e["field"], e["message"])'
}

# status_of BODY -- the HTTP status of POST BODY.
status_of() {
	curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
		-H 'Content-Type: application/json' -d "$1" http://pkvmd/v1/jobs
}

# api_warm ID -- the warm field of GET /v1/jobs/ID, as JSON.
api_warm() {
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$1" |
		python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["warm"]))'
}

# ---- pkvmctl submit --warm sets it (and uploads the kernel for the rest) -----------
warm_id=$(ctl submit "$TEST_KERNEL" --warm --append fakeqemu=pass)
ctl wait "$warm_id" >/dev/null 2>&1 || true
check_eq "pkvmctl submit --warm: the job has warm true" "$(job_field "$warm_id" warm)" "True"
id=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass)
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "without --warm: warm false" "$(job_field "$id" warm)" "False"
check_match "pkvmctl help submit names --warm" "$(ctl help submit 2>&1)" \
	"--warm +start from a saved VM of this kernel and machine"

# ---- the API: stored and read back --------------------------------------------------
KSHA=$(sha256sum "$TEST_KERNEL" | cut -c1-64)
id=$(post "{\"kernel\": \"$KSHA\", \"warm\": true, \"append\": \"fakeqemu=pass\"}" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "warm true round-trips through GET /v1/jobs/ID" "$(api_warm "$id")" "true"
id=$(post "{\"kernel\": \"$KSHA\", \"append\": \"fakeqemu=pass\"}" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
ctl wait "$id" >/dev/null 2>&1 || true
check_eq "a job that does not ask: warm false" "$(api_warm "$id")" "false"
check_eq "warm must be a boolean" \
	"$(refusal "{\"kernel\": \"$KSHA\", \"warm\": 1}" | cut -d' ' -f1-2)" "invalid_field warm"

# ---- what a saved VM cannot give: 400, field warm, and why ---------------------------
check_eq "warm with payloads: 400" \
	"$(status_of "{\"payloads\": [{\"name\": \"p\", \"blob\": \"$KSHA\"}], \"warm\": true}")" 400
check_match "warm with payloads is refused, and says why" \
	"$(refusal "{\"payloads\": [{\"name\": \"p\", \"blob\": \"$KSHA\"}], \"warm\": true}")" \
	"^invalid_field warm warm does not go with payloads: "
check_match "warm with a root is refused, and says why" \
	"$(refusal "{\"kernel\": \"$KSHA\", \"disks\": [{\"blob\": \"$KSHA\"}], \"root\": \"/dev/vda\", \"warm\": true}")" \
	"^invalid_field warm warm starts a saved VM at /init, and with root "
check_match "warm with a disk is refused, and says why" \
	"$(refusal "{\"kernel\": \"$KSHA\", \"disks\": [{\"blob\": \"$KSHA\", \"readonly\": true}], \"warm\": true}")" \
	"^invalid_field warm warm starts a saved VM, and a disk's contents are not part of what is saved$"
check_match "warm with uefi is refused, and says why" \
	"$(refusal "{\"kernel\": \"$KSHA\", \"uefi\": true, \"warm\": true}")" \
	"^invalid_field warm warm starts a VM saved from a direct kernel boot, "
check_match "warm with a debug port is refused, and says why" \
	"$(refusal "{\"kernel\": \"$KSHA\", \"debug_port\": 1234, \"warm\": true}")" \
	"^invalid_field warm with a debug port the guest stops at its first instruction for gdb"
check_eq "each refusal is a 400" \
	"$(status_of "{\"kernel\": \"$KSHA\", \"debug_port\": 1234, \"warm\": true}")" 400
rc=0
ctl submit "$TEST_KERNEL" --warm --uefi >/dev/null 2>&1 || rc=$?
check "pkvmctl submit --warm --uefi fails" [ "$rc" -ne 0 ]

# ---- under --executor slurm the memory file is on the wrong host ----------------------
# A squeue that lists no jobs is all pkvmd asks of Slurm at start-up, and
# this server never runs a job.
stop_pkvmd
mkdir -p "$T/slurm-bin" "$T/shared"
printf '#!/bin/sh\nexit 0\n' >"$T/slurm-bin/squeue"
chmod +x "$T/slurm-bin/squeue"
PATH=$T/slurm-bin:$PATH start_pkvmd --executor slurm --slurm-shared-dir "$T/shared"
check_eq "after a restart, read from the database: still warm" "$(api_warm "$warm_id")" "true"
check_eq "under --executor slurm: warm is a 400" \
	"$(status_of "{\"kernel\": \"$KSHA\", \"warm\": true}")" 400
check_eq "under --executor slurm: warm is refused, and says why" \
	"$(refusal "{\"kernel\": \"$KSHA\", \"warm\": true}")" \
	"invalid_field warm warm starts need the saved VM's memory file on this host; under --executor slurm the guest runs on another node"
finish
