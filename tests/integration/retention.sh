#!/bin/bash
# Integration: keeping the disk in budget (docs/LAB.md section 5).
#   - the initrd is deleted when a job ends, kept with --keep-initrd;
#   - --keep-bytes prunes the oldest unpinned job directories first, a
#     pinned job stays, a pruned job's console and artifacts answer 410
#     pruned (pkvmctl logs says so), its results and row stay;
#   - --keep-days prunes by age;
#   - blob collection: an unreferenced blob older than --blob-grace goes, a
#     referenced old one and a fresh one stay, an upload in progress is
#     untouched and completes.
# Passes are made to happen with POST /v1/prune (admin), which answers
# once a pass has run: no waiting for the interval.
. "$(dirname "$0")/../lib.sh"

ADMIN=(--admin-group "$(id -gn)")

# api METHOD PATH -- the raw API; prints the body, the status in $T/status.
api() {
	curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" -X "$1" \
		"http://pkvmd$2" >"$T/status"
	cat "$T/body"
}

# prune -- run a pass; prints its jobs_pruned and blobs_deleted.
prune() {
	api POST /v1/prune | python3 -c '
import json, sys
o = json.load(sys.stdin)
print(o["jobs_pruned"], o["blobs_deleted"])'
}

# dir_bytes ID -- what pkvmd counts for a job directory: the blocks of
# everything under it (not the directory itself).
dir_bytes() {
	find "$STATE/jobs/$1" -mindepth 1 -printf '%b\n' | awk '{s += $1} END {print s * 512}'
}

run_job() {
	local id
	id=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass")
	ctl wait "$id" >/dev/null
	echo "$id"
}

# ---- the initrd ------------------------------------------------------------
start_pkvmd --qemu "$FAKE_QEMU" --slots 1 "${ADMIN[@]}"
j1=$(run_job)
j2=$(run_job)
j3=$(run_job)
check_eq "job $j1 passed" "$(job_field "$j1" result)" passed
check "the initrd is deleted when the job ends" test ! -e "$STATE/jobs/$j3/initrd"
check "the rest of the job's directory stays" test -s "$STATE/jobs/$j3/serial"
check_eq "a new job is not pinned" "$(job_field "$j1" pinned)" False
check_eq "a new job is not pruned" "$(job_field "$j1" pruned)" null
stop_pkvmd

start_pkvmd --qemu "$FAKE_QEMU" --slots 1 --keep-initrd "${ADMIN[@]}"
j4=$(run_job)
check "--keep-initrd keeps it" test -s "$STATE/jobs/$j4/initrd"

# ---- pins ------------------------------------------------------------------
out=$(ctl pin "$j1")
check_match "pkvmctl pin says so" "$out" "job $j1 pinned"
check_eq "the job is pinned" "$(job_field "$j1" pinned)" True
check_match "status says so" "$(ctl status "$j1")" "^files: +pinned"
ctl pin "$j2" >/dev/null
ctl unpin "$j2" >/dev/null
check_eq "unpin takes the pin away" "$(job_field "$j2" pinned)" False
api POST /v1/jobs/999/pin >/dev/null
check_eq "pinning an unknown job is 404" "$(cat "$T/status")" 404
stop_pkvmd

# ---- the byte budget ---------------------------------------------------------
# Room for the pinned oldest job and the two newest: the budget takes the
# oldest unpinned one, j2, and nothing more.
budget=$(($(dir_bytes "$j1") + $(dir_bytes "$j3") + $(dir_bytes "$j4")))
start_pkvmd --qemu "$FAKE_QEMU" --slots 1 --keep-bytes "$budget" "${ADMIN[@]}"
prune >/dev/null # the start-up pass may have done it already; this one is after it
check_eq "the pass answered 200" "$(cat "$T/status")" 200
check "the oldest unpinned job's directory is gone" test ! -e "$STATE/jobs/$j2"
check "the pinned job's directory stays" test -s "$STATE/jobs/$j1/serial"
check "the newer jobs' directories stay" test -d "$STATE/jobs/$j3" -a -d "$STATE/jobs/$j4"
check_match "the pruned job says when" "$(job_field "$j2" pruned)" '^20[0-9][0-9]-.*Z$'
check_eq "the kept job is not pruned" "$(job_field "$j3" pruned)" null
rc=0
err=$(ctl logs "$j2" 2>&1) || rc=$?
check_eq "logs of a pruned job exits 2" "$rc" 2
check_match "logs of a pruned job says it was pruned and when" "$err" \
	"job $j2 was pruned at 20[0-9-]+T[0-9:]+Z"
api GET "/v1/jobs/$j2/console" >/dev/null
check_eq "its console answers 410" "$(cat "$T/status")" 410
check_match "with the code pruned" "$(cat "$T/body")" '"code": *"pruned"'
api GET "/v1/jobs/$j2/artifact?name=x/y" >/dev/null
check_eq "an artifact of it is 404 when there is no such artifact" "$(cat "$T/status")" 404
api GET "/v1/coverage?jobs=$j2" >/dev/null
check_eq "its coverage data answers 410" "$(cat "$T/status")" 410
rc=0
ctl results "$j2" >/dev/null 2>&1 || rc=$?
check_eq "its results are still readable" "$rc" 0
check_eq "its result is still there" "$(job_field "$j2" result)" passed
check_match "status says its files were pruned, and when" "$(ctl status "$j2")" \
	"^files: +pruned at 20[0-9-]+ [0-9:]+ "
check "logs of a kept job still work" ctl_quiet logs "$j3"
api POST "/v1/jobs/$j2/pin" >/dev/null
check_eq "pinning a pruned job is 409" "$(cat "$T/status")" 409
check_eq "a second pass with room to spare prunes nothing" "$(prune)" "0 0"
metrics=$(curl -s --unix-socket "$SOCK" http://pkvmd/metrics)
check_match "/metrics counts the pruned job" "$metrics" '^pkvmd_prune_jobs_total 1$'
check_match "and the bytes it freed" "$metrics" '^pkvmd_prune_bytes_total [1-9][0-9]*$'
stop_pkvmd

# ---- the age limit -------------------------------------------------------------
# j3 finished two days ago, as far as the database knows.
python3 - "$STATE/pkvmd.db" "$j3" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE jobs SET finished_ms = finished_ms - 2 * 86400000 WHERE id = ?", (int(sys.argv[2]),))
db.commit()
PY
start_pkvmd --qemu "$FAKE_QEMU" --slots 1 --keep-days 1 "${ADMIN[@]}"
prune >/dev/null
check "--keep-days 1 prunes a job that finished two days ago" test ! -e "$STATE/jobs/$j3"
check "and keeps one that finished today" test -d "$STATE/jobs/$j4"
check "and a pinned one whatever its age" test -d "$STATE/jobs/$j1"

# ---- blob collection --------------------------------------------------------------
blob_path() { echo "$STATE/blobs/${1:0:2}/$1"; }
put_blob() {
	curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X PUT \
		--data-binary "@$1" "http://pkvmd/v1/blobs/$(sha256sum "$1" | cut -d' ' -f1)"
}
head -c 5000 /dev/urandom >"$T/old.bin"
head -c 5000 /dev/urandom >"$T/fresh.bin"
old=$(sha256sum "$T/old.bin" | cut -d' ' -f1)
fresh=$(sha256sum "$T/fresh.bin" | cut -d' ' -f1)
kernel=$(sha256sum "$TEST_KERNEL" | cut -d' ' -f1)
check_eq "an unreferenced blob is uploaded" "$(put_blob "$T/old.bin")" 201
check_eq "a second one is uploaded" "$(put_blob "$T/fresh.bin")" 201
touch -d '3 days ago' "$(blob_path "$old")" "$(blob_path "$kernel")"

# An upload in progress: headers and half the body, then the rest later.
head -c 3000000 /dev/urandom >"$T/slow.bin"
slow=$(sha256sum "$T/slow.bin" | cut -d' ' -f1)
mkfifo "$T/go"
exec {slowfd}< <(exec python3 - "$SOCK" "$T/slow.bin" "$slow" "$T/go" "$STATE/blobs/tmp" <<'PY'
import os, socket, sys, time
sock, path, sha, go, tmp = sys.argv[1:]
data = open(path, "rb").read()
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.sendall(b"PUT /v1/blobs/%s HTTP/1.1\r\nHost: pkvmd\r\nContent-Length: %d\r\n\r\n"
          % (sha.encode(), len(data)) + data[:len(data) // 2])
# The upload is in progress once its temporary file exists: a bounded
# wait on that event.
deadline = time.monotonic() + 30
while not os.listdir(tmp) and time.monotonic() < deadline:
    time.sleep(0.01)
print("started", len(os.listdir(tmp)), flush=True)
open(go).read()
s.sendall(data[len(data) // 2:])
print(s.recv(4096).split(b"\r\n")[0].decode(), flush=True)
PY
)
read -r line <&"$slowfd"
check_eq "the slow upload is in progress" "$line" "started 1"
tmpfile=$(ls "$STATE/blobs/tmp")
touch -d '3 days ago' "$STATE/blobs/tmp/$tmpfile"

check_eq "the pass deletes one blob" "$(prune | cut -d' ' -f2)" 1
check "an unreferenced blob past the grace is deleted" test ! -e "$(blob_path "$old")"
check "a fresh unreferenced blob stays" test -e "$(blob_path "$fresh")"
check "a referenced blob past the grace stays" test -e "$(blob_path "$kernel")"
check "the upload in progress is untouched" test -e "$STATE/blobs/tmp/$tmpfile"
exec {go}>"$T/go"
exec {go}>&-
read -r line <&"$slowfd"
exec {slowfd}<&-
check_match "the upload then completes" "$line" "HTTP/1.1 201"
check "and its blob is stored" test -e "$(blob_path "$slow")"
check_eq "the deleted blob is missing for clients" \
	"$(curl -s -o /dev/null -w '%{http_code}' --head --unix-socket "$SOCK" "http://pkvmd/v1/blobs/$old")" 404

# A blob the server tells a client it has is fresh again: it survives until
# the job naming it is submitted.
touch -d '3 days ago' "$(blob_path "$fresh")"
curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' \
	--data-binary "{\"blobs\": [\"$fresh\"]}" http://pkvmd/v1/blobs/missing >/dev/null
prune >/dev/null
check "a blob just reported present survives the pass" test -e "$(blob_path "$fresh")"

stop_pkvmd
finish
