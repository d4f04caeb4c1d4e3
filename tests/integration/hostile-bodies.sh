#!/bin/bash
# Integration: uploads that lie about their size, on the TCP listener
# with a token (--max-blob 1 MiB, --max-body 4 KiB).  A body longer than
# its Content-Length: the blob is the Content-Length's bytes and the rest
# is refused as the next request; named by the hash of all it sent, it is
# refused as a digest mismatch.  A Content-Length over --max-blob is
# refused with 413 before a byte of the body is sent; a chunked upload
# (no Content-Length) with 411 before it is read; a JSON body over
# --max-body with 413, with and without Content-Length.  A body cut short
# by a hang-up leaves nothing.  After each, nothing is left in the blob
# store's tmp/ and no blob but the one honest upload exists
# (docs/RELIABILITY.md, "Hostile clients").
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
HOSTILE=$(dirname "$0")/../hostile.py

PORT=$(free_port)
start_pkvmd --qemu "$FAKE_QEMU" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" \
	--max-blob 1048576 --max-body 4096
HOSTILE_TOKEN=$(ctl token create --user root 2>/dev/null)
export HOSTILE_TOKEN
BLOBS=$STATE/blobs

# put MODE SIZE -- one lying upload; its report in $T/put.out.
put() {
	python3 "$HOSTILE" put "$PORT" "$1" "$2" >"$T/put.out"
}
fact() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/put.out"
}
tmp_empty() {
	[ -z "$(ls -A "$BLOBS/tmp")" ]
}
# blobs -- the names of the blobs stored, one a line.
blobs() {
	find "$BLOBS" -path "$BLOBS/tmp" -prune -o -path "$BLOBS/trash" -prune -o -type f -printf '%f\n' |
		sort
}

put longer 100000
honest=$(fact sha256)
check_eq "longer: the Content-Length's bytes are stored" "$(fact status)" 201
check_eq "longer: the bytes past it are no request" "$(fact then)" None
check_eq "longer: the blob is those 100000 bytes" "$(stat -c %s "$BLOBS/${honest:0:2}/$honest")" 100000
check "longer: nothing in tmp/" tmp_empty

put longer-hashall 100000
check_eq "longer, named by all it sent: refused" "$(fact status)" 400
check_match "longer, named by all it sent: as a digest mismatch" "$(cat "$T/put.out")" digest_mismatch
check "longer, named by all it sent: nothing in tmp/" tmp_empty

put over-cl 2000000
check_eq "over --max-blob: 413 before the body is sent" "$(fact status)" 413
check_match "over --max-blob: naming the limit" "$(cat "$T/put.out")" 'over the limit of 1048576 bytes'
check "over --max-blob: nothing in tmp/" tmp_empty

put chunked 2000000
check_eq "chunked, over --max-blob: 411 before it is read" "$(fact status)" 411
check "chunked: nothing in tmp/" tmp_empty

put short 500000
check "short, then a hang-up: tmp/ is emptied" wait_until 20 tmp_empty
check_eq "no blob but the honest one is stored" "$(blobs)" "$honest"

# raw HEX -- one request over TCP (hex, so that the shell passes any
# byte); its status.
raw() {
	python3 "$HOSTILE" raw "$PORT" "$1" | awk '$1 == "status" { print $2 }'
}
hex() {
	printf '%b' "$1" | od -An -v -tx1 | tr -d ' \n'
}
auth="Authorization: Bearer $HOSTILE_TOKEN\r\n"
big=$(head -c 5000 /dev/zero | tr '\0' x)
check_eq "JSON over --max-body with its Content-Length: 413" \
	"$(raw "$(hex "POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\n${auth}Content-Length: 5000\r\n\r\n$big")")" 413
check_eq "JSON over --max-body, chunked: 413" \
	"$(raw "$(hex "POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\n${auth}Transfer-Encoding: chunked\r\n\r\n1388\r\n$big\r\n0\r\n\r\n")")" 413
check "the daemon serves on" ctl_quiet version
check_eq "over TCP too" "$(http_probe 127.0.0.1 "$PORT" /v1/health)" "served 200"
finish
