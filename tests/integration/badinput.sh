#!/bin/bash
# Integration: requests the daemon must refuse, over the raw API (curl on
# the Unix socket) and through pkvmctl: bad JSON, unknown and out-of-range
# fields, bad executable names, unknown ids and routes, wrong methods, too
# large bodies and blobs, a blob whose bytes do not match its name, missing
# blobs and a kernel that is not an arm64 Image.  Each refusal has the
# documented status and error code, leaves nothing half-made behind, and
# the daemon keeps answering.
. "$(dirname "$0")/../lib.sh"

start_pkvmd --qemu "$FAKE_QEMU" --max-body 4096 --max-blob 1048576

# req METHOD PATH [CURL-ARG]... -- prints the HTTP status, a space and the
# error code of the body ("-" when the body has none).
req() {
	local method=(-X "$1") path=$2 out
	shift 2
	# curl -X HEAD would wait for a body that never comes.
	[ "${method[1]}" != HEAD ] || method=(--head)
	out=$(curl -s -o "$T/body" -w '%{http_code}' -D "$T/headers" --unix-socket "$SOCK" \
		"${method[@]}" "$@" "http://pkvmd$path")
	printf '%s %s' "$out" "$(python3 -c '
import json, sys
try:
    e = json.load(open(sys.argv[1]))["error"]
    print(e["code"] + (" " + e["field"] if e.get("field") else ""))
except Exception:
    print("-")' "$T/body")"
}

# submit JSON -- POST /v1/jobs with this body.
submit() {
	req POST /v1/jobs -H 'Content-Type: application/json' --data-binary "$1"
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# A valid kernel blob to refer to, uploaded through the raw API.
K=$(sha "$TEST_KERNEL")
check_eq "uploading a real kernel blob is refused above --max-blob" \
	"$(req PUT "/v1/blobs/$K" -H 'Content-Type: application/octet-stream' --data-binary @"$TEST_KERNEL")" "413 too_large"
# So use a small, valid one: the Image header (64 bytes with the arm64
# magic) is all the check reads.
head -c 65536 "$TEST_KERNEL" >"$T/small-image"
SK=$(sha "$T/small-image")
check_match "a small arm64 Image uploads" \
	"$(req PUT "/v1/blobs/$SK" --data-binary @"$T/small-image")" '^20[01] -$'
check_eq "HEAD finds it" "$(req HEAD "/v1/blobs/$SK")" "200 -"

# ---- bodies ------------------------------------------------------------------
check_eq "malformed JSON: 400 bad_json" "$(submit '{"kernel": ')" "400 bad_json"
check_eq "JSON that is not an object: 400 bad_json" "$(submit '[1,2]')" "400 bad_json"
check_eq "unknown field: 400 unknown_field" "$(submit "{\"kernel\":\"$SK\",\"smpp\":2}")" "400 unknown_field smpp"
check_eq "no kernel: 400 missing_field" "$(submit '{"smp":1}')" "400 missing_field kernel"
for v in 0 -1 100000 '"2"' 1.5; do
	check_eq "smp $v: 400 invalid_field smp" "$(submit "{\"kernel\":\"$SK\",\"smp\":$v}")" "400 invalid_field smp"
done
check_eq "mem 1: 400 invalid_field mem" "$(submit "{\"kernel\":\"$SK\",\"mem\":1}")" "400 invalid_field mem"
check_eq "timeout 0: 400 invalid_field timeout" "$(submit "{\"kernel\":\"$SK\",\"timeout\":0}")" "400 invalid_field timeout"
check_eq "priority 101: 400 invalid_field priority" "$(submit "{\"kernel\":\"$SK\",\"priority\":101}")" "400 invalid_field priority"
check_eq "seed with a space: 400 invalid_field seed" "$(submit "{\"kernel\":\"$SK\",\"seed\":\"a b\"}")" "400 invalid_field seed"
check_eq "kernel not a sha256: 400 invalid_field kernel" "$(submit '{"kernel":"../../etc/passwd"}')" "400 invalid_field kernel"
for name in ../x a/b .hidden "" "a b"; do
	check_match "executable name '$name': 400 invalid_field" \
		"$(submit "{\"kernel\":\"$SK\",\"executables\":[{\"name\":\"$name\",\"blob\":\"$SK\"}]}")" '^400 invalid_field'
done
# The --extra path rule pkvmctl applies too (common/extra-path.c): refused
# with the rule's reason after the path.
for path in /etc/x a//b ../x a/./b "a b" init bin/sh ramfs.exe/x pkvm; do
	check_eq "extra path '$path': 400 invalid_field extra" \
		"$(submit "{\"kernel\":\"$SK\",\"extra\":[{\"path\":\"$path\",\"dir\":true}]}")" "400 invalid_field extra"
done
check_eq "extra path: the message gives the rule's reason" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["message"])' "$T/body")" \
	"extra path 'pkvm' is where pkvmd puts the job's settings (pkvm/)"
check_match "duplicate executable names: 400 invalid_field" \
	"$(submit "{\"kernel\":\"$SK\",\"executables\":[{\"name\":\"t\",\"blob\":\"$SK\"},{\"name\":\"t\",\"blob\":\"$SK\"}]}")" '^400 invalid_field'
big=$(python3 -c 'print("{\"kernel\":\"%s\",\"append\":\"%s\"}" % ("0"*64, "x"*5000))')
check_eq "body over --max-body: 413 too_large" "$(submit "$big")" "413 too_large"

# ---- routes and methods --------------------------------------------------------
check_eq "unknown job: 404 not_found" "$(req GET /v1/jobs/424242)" "404 not_found"
check_eq "unknown job's console: 404 not_found" "$(req GET /v1/jobs/424242/console)" "404 not_found"
check_eq "unknown route: 404 not_found" "$(req GET /v1/nothing)" "404 not_found"
check_eq "DELETE /v1/jobs: 405 method_not_allowed" "$(req DELETE /v1/jobs)" "405 method_not_allowed"
check_match "405 names the allowed methods" "$(tr -d '\r' <"$T/headers")" '^Allow: .*GET.*POST|^Allow: .*POST.*GET'
check_eq "GET on cancel: 405 method_not_allowed" "$(req GET /v1/jobs/1/cancel)" "405 method_not_allowed"
check_match "405 on cancel allows POST" "$(tr -d '\r' <"$T/headers")" '^Allow: .*POST'

# ---- blobs -----------------------------------------------------------------------
head -c 2000000 /dev/zero >"$T/big"
check_eq "blob over --max-blob: 413 too_large" \
	"$(req PUT "/v1/blobs/$(sha "$T/big")" --data-binary @"$T/big")" "413 too_large"
check_eq "the too large blob is not stored" "$(req HEAD "/v1/blobs/$(sha "$T/big")")" "404 -"

printf 'these bytes are not what the name says\n' >"$T/liar"
claimed=$(printf 'something else\n' | sha256sum | cut -d' ' -f1)
check_eq "bytes not matching the sha256: 400 digest_mismatch" \
	"$(req PUT "/v1/blobs/$claimed" --data-binary @"$T/liar")" "400 digest_mismatch sha256"
missing=$(curl -s --unix-socket "$SOCK" -X POST -d "{\"blobs\":[\"$claimed\",\"$SK\"]}" http://pkvmd/v1/blobs/missing |
	python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["missing"]))')
check_eq "the mismatched blob is still missing, the good one is not" "$missing" "$claimed"
check_eq "nothing half-written under its name" "$(req HEAD "/v1/blobs/$claimed")" "404 -"
check_eq "no upload left in the blob store's tmp" "$(find "$STATE/blobs" -regextype posix-extended -type f ! -regex '.*/[0-9a-f]{64}' | wc -l)" 0
check_eq "a blob name that is not a sha256: 400 or 404" \
	"$(req PUT /v1/blobs/xyz --data-binary x | cut -c1)" 4
check_eq "upload without Content-Length: 411 length_required" \
	"$(req PUT "/v1/blobs/$claimed" -H 'Transfer-Encoding: chunked' --data-binary @"$T/liar")" "411 length_required"

check_eq "job with a kernel never uploaded: 409 missing_blob" \
	"$(submit "{\"kernel\":\"$claimed\"}")" "409 missing_blob kernel"
check_eq "job with an executable never uploaded: 409 missing_blob" \
	"$(submit "{\"kernel\":\"$SK\",\"executables\":[{\"name\":\"t\",\"blob\":\"$claimed\"}]}")" "409 missing_blob executables"

# ---- a kernel that is not an arm64 Image -------------------------------------------
LS=$(sha /bin/ls)
check_match "uploading /bin/ls as a blob is fine" "$(req PUT "/v1/blobs/$LS" --data-binary @/bin/ls)" '^20[01] -$'
check_eq "/bin/ls as the kernel: 400 bad_kernel" "$(submit "{\"kernel\":\"$LS\"}")" "400 bad_kernel kernel"
# pkvmctl refuses it before talking to any daemon: with no daemon there,
# the complaint is still about the kernel.
rc=0; out=$("$PKVMCTL" --socket "$T/nowhere.sock" submit /bin/ls 2>&1) || rc=$?
check_eq "pkvmctl submit /bin/ls exits 2" "$rc" 2
check_match "pkvmctl says /bin/ls is not an arm64 kernel" "$out" "/bin/ls.*not an arm64 kernel"
check "pkvmctl did not try the socket" test -z "$(printf '%s' "$out" | grep -i 'cannot reach' || true)"
rc=0; out=$(ctl submit "$T/small-image" --smp 0 2>&1) || rc=$?
check_eq "pkvmctl submit --smp 0 exits 2" "$rc" 2
check_match "pkvmctl names smp" "$out" 'smp'

# ---- nothing was created, and the daemon is fine ----------------------------------
check_eq "no job was created by any of it" "$(ctl list --json)" "[]"
check_match "the daemon still answers" "$(ctl version 2>&1)" 'pkvmd .*wire'
check_match "a good job still submits" "$(submit "{\"kernel\":\"$SK\",\"append\":\"fakeqemu=pass\"}")" '^201 -$'
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
rc=0; ctl wait "$id" 2>/dev/null || rc=$?
check_eq "and passes" "$rc" 0

# The console from a byte offset; an offset that is not a byte count is
# refused like the other query parameters, not read as 0 or as 2^64-1.
ctl logs "$id" >"$T/console"
check "console?offset=100 is the console from byte 100" cmp -s <(tail -c +101 "$T/console") \
	<(curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$id/console?offset=100")
check_eq "console?offset past the end is empty" \
	"$(curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$id/console?offset=99999999" | wc -c)" 0
for v in -1 abc 12x ""; do
	check_eq "console?offset=$v: 400 invalid_field offset" \
		"$(req GET "/v1/jobs/$id/console?offset=$v")" "400 invalid_field offset"
done
check_eq "list?limit=0: 400 invalid_field limit" "$(req GET '/v1/jobs?limit=0')" "400 invalid_field limit"
check_eq "list?state=bogus: 400 invalid_field state" "$(req GET '/v1/jobs?state=bogus')" "400 invalid_field state"
check_eq "wait?timeout=-5: 400 invalid_field timeout" "$(req GET "/v1/jobs/$id/wait?timeout=-5")" "400 invalid_field timeout"

# Every number in a query string is read one way: a value that is empty
# (or has no '='), that overflows, or that is not a whole decimal number is
# refused with 400 invalid_field, the field and the message naming the
# parameter and the message its range; never read as 0, as the largest
# number, or as the digits before the junk.
# message -- the message of the last reply's error body ("-" for none).
message() {
	python3 -c '
import json, sys
try:
    print(json.load(open(sys.argv[1]))["error"]["message"])
except Exception:
    print("-")' "$T/body"
}
big=99999999999999999999
for v in "wait=" "wait" "wait=$big" "wait=abc" "wait=5x" "wait=+5" "wait=%205"; do
	check_eq "coverage?$v: 400 invalid_field wait" "$(req GET "/v1/jobs/$id/coverage?$v")" "400 invalid_field wait"
	check_match "coverage?$v: the message names wait and its range" "$(message)" \
		'wait .*between 0 and 3600'
done
check_eq "coverage?wait=0 still answers at once" "$(req GET "/v1/jobs/$id/coverage?wait=0")" "200 -"
for v in "timeout=" "timeout=$big" "timeout=soon"; do
	check_eq "wait?$v: 400 invalid_field timeout" "$(req GET "/v1/jobs/$id/wait?$v")" "400 invalid_field timeout"
	check_match "wait?$v: the message names timeout and its range" "$(message)" \
		'timeout .*between 0 and 3600'
done
for v in "limit=" "limit=$big" "limit=ten"; do
	check_eq "jobs?$v: 400 invalid_field limit" "$(req GET "/v1/jobs?$v")" "400 invalid_field limit"
	check_eq "crashes?$v: 400 invalid_field limit" "$(req GET "/v1/crashes?$v")" "400 invalid_field limit"
	check_match "crashes?$v: the message names limit and its range" "$(message)" \
		'limit .*between 1 and 10000'
done
for v in "since=" "since=yesterday" "since=2026-11-21" "since=2026-11-21T18:20:00"; do
	check_eq "crashes?$v: 400 invalid_field since" "$(req GET "/v1/crashes?$v")" "400 invalid_field since"
	check_match "crashes?$v: the message shows a time it takes" "$(message)" \
		'since must be a UTC time like 2026-11-21T18:20:00Z'
done
check_eq "console?offset=$big: 400 invalid_field offset" \
	"$(req GET "/v1/jobs/$id/console?offset=$big")" "400 invalid_field offset"
check_match "console?offset=$big: the message names offset and its range" "$(message)" \
	'offset .*at least 0'
check_eq "coverage?jobs=$id,$big: 400 invalid_field jobs, not a lookup of job 2^63-1" \
	"$(req GET "/v1/coverage?jobs=$id,$big")" "400 invalid_field jobs"
check_eq "coverage?jobs=$id,x: 400 invalid_field jobs" "$(req GET "/v1/coverage?jobs=$id,x")" "400 invalid_field jobs"
check_eq "coverage/diff?b=$big: 400 invalid_field b" \
	"$(req GET "/v1/coverage/diff?a=$id&b=$big")" "400 invalid_field b"
check_eq "coverage/diff without b: 400 invalid_field b" "$(req GET "/v1/coverage/diff?a=$id")" "400 invalid_field b"
check_eq "a job id that overflows: 404 not_found" "$(req GET "/v1/jobs/$big")" "404 not_found"
check_eq "a job id that is not a number: 404 not_found" "$(req GET /v1/jobs/1x)" "404 not_found"
# An error message quotes at most 32 bytes of what the client sent, which
# can cut a UTF-8 sequence in two: still the error, not a 500.
cut=a$(printf '%%C3%%A9%.0s' $(seq 20))
check_eq "a job id whose quote cuts a UTF-8 sequence: 404 not_found" "$(req GET "/v1/jobs/$cut")" "404 not_found"
check_eq "a limit whose quote cuts a UTF-8 sequence: 400 invalid_field limit" \
	"$(req GET "/v1/jobs?limit=$cut")" "400 invalid_field limit"
check "pkvmd is still the same process" kill -0 "$PKVMD_PID"
finish
