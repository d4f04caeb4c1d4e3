#!/bin/bash
# Integration: malformed HTTP and path tricks on the TCP listener, with
# an admin token so that every handler is reached (docs/RELIABILITY.md,
# "Hostile clients").  Each malformed request gets its 4xx (or, for bytes
# that are not HTTP at all, the connection closed without a reply), and
# every path trick (.., %2e%2e, %2f, %00, a raw NUL, overlong, negative
# and non-hex values, unicode, ...) in every parameter of every route of
# the routing table, read from daemon/http/routes.c so that a new route
# is covered without listing it here, gets a 4xx with the JSON error
# shape: never a 5xx, never a crash; pkvmd serves on afterwards.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
HOSTILE=$(dirname "$0")/../hostile.py
ROUTES=$(dirname "$0")/../../daemon/http/routes.c

PORT=$(free_port)
start_pkvmd --qemu "$FAKE_QEMU" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT"
# Token 1 is a decoy that the DELETE /v1/tokens/{id} cases may revoke;
# token 2 is the one the hostile client shows.
ctl token create --user root >/dev/null 2>&1
HOSTILE_TOKEN=$(ctl token create --user root --scope admin 2>/dev/null)
export HOSTILE_TOKEN
# A finished job, for the parameters not being played with.
id=$(ctl submit "$TEST_KERNEL" --wait 2>/dev/null | head -1)

# ---- malformed HTTP ----------------------------------------------------------
python3 "$HOSTILE" malformed "$PORT" >"$T/malformed.out"
# expect NAME STATUS -- the malformed request NAME was answered STATUS.
expect() {
	check_eq "malformed: $1 is answered $2" "$(awk -v k="$1" '$1 == k { print $2 }' "$T/malformed.out")" "$2"
}
# Not HTTP at all: libmicrohttpd closes the connection without a reply
# (a request line that does not parse).
expect garbage-request-line None
expect binary-garbage None
# An HTTP version it does not speak: the status RFC 9110 gives that.
expect bad-version 505
expect version-garbage 400
expect no-host-http11 400
expect two-hosts 400
expect header-without-colon 400
expect space-before-colon 400
expect huge-header-line 431
expect huge-url 414
expect 10000-headers 431
expect content-length-negative 400
expect content-length-huge 413
expect content-length-garbage 400
expect content-length-twice 400
expect content-length-and-chunked 400
expect bad-chunk-size 400
expect unknown-transfer-encoding 400
expect absolute-uri-elsewhere 404
expect no-path 400
expect relative-path 404
expect asterisk 404
expect bad-method 405
expect unknown-method 405
# libmicrohttpd cuts the path at a raw NUL: the request is for the part
# before it (docs/RELIABILITY.md).
expect nul-in-request-line 404
check_eq "malformed: every case was checked" \
	"$(wc -l <"$T/malformed.out")" "$(python3 -c "import sys; sys.path.insert(0, '$(dirname "$HOSTILE")'); import hostile; print(len(hostile.MALFORMED))")"
check "malformed: the daemon serves on" ctl_quiet version

# ---- path tricks in every parameter of every route -----------------------------
python3 "$HOSTILE" paths "$PORT" "$ROUTES" "$id" >"$T/paths.out"
fact() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/paths.out"
}
check "paths: the routing table was read ($(fact routes) routes)" test "$(fact routes)" -ge 40
check "paths: with its parameters ($(fact parameters))" test "$(fact parameters)" -ge 20
check "paths: $(fact cases) cases tried" test "$(fact cases)" -ge 700
check_eq "paths: each refused with a 4xx and the JSON error shape" "$(fact bad)" 0
grep '^BAD' "$T/paths.out" | head -20 | sed 's/^/# /' || true
statuses=$(grep '^statuses' "$T/paths.out")
check "paths: none was answered 401, the token held to the end ($statuses)" \
	test -z "$(grep -o ' 401:' <<<"$statuses")"
check_eq "paths: the admin token still works" "$(curl -s -o /dev/null -w '%{http_code}' \
	-H "Authorization: Bearer $HOSTILE_TOKEN" "http://127.0.0.1:$PORT/v1/whoami")" 200
check "paths: the daemon serves on" ctl_quiet version
finish
