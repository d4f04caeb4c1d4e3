#!/bin/bash
# Integration: users and bearer tokens (docs/API.md "Authentication",
# docs/LAB.md section 3).  One pkvmd listens on a Unix socket (mode 0666,
# so another user can reach it) and on TCP on loopback.  Root makes tokens
# over the socket; pkvmctl and curl use them over TCP: scopes (read cannot
# submit, submit can, admin cancels anyone's job), 401 for a missing,
# wrong, malformed, expired or revoked token, 403 for another user's job
# over TCP and over the socket (pkvmctl run as nobody), no admin
# escalation, --public-read on and off, `login` writing a 0600 file used
# afterwards, the token never stored in clear, last-used recorded, and each
# job's via.
. "$(dirname "$0")/../lib.sh"

# A free loopback port: the kernel picks it, we take it over.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
# nobody must reach the socket in $T (mktemp made it 0700).
open_to_others
export XDG_CONFIG_HOME=$T/config
unset PKVM_TOKEN PKVM_URL PKVM_SOCKET

start_tokens_pkvmd() {
	start_pkvmd --listen "unix:$SOCK,mode=0666" --listen "tcp:127.0.0.1:$PORT" \
		--qemu "$FAKE_QEMU" --slots 1 --stop-grace 1 "$@"
}

# tcp_code [CURL ARGS...] PATH -- the HTTP status of a request over TCP.
tcp_code() {
	local path=${*: -1}
	curl -s -o "$T/body" -w '%{http_code}' "${@:1:$#-1}" "$URL$path"
}

# body_field FIELD -- a member of the last answer's JSON ("error.code").
body_field() {
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print("null" if v is None else v)' "$T/body" "$1"
}

# tctl TOKENFILE ARGS... -- pkvmctl over TCP showing the token in TOKENFILE.
tctl() {
	local f=$1
	shift
	"$PKVMCTL" --url "$URL" --token-file "$f" "$@"
}

# tctl_quiet TOKENFILE ARGS... -- tctl for its exit status alone (its
# output would break the TAP stream).
tctl_quiet() {
	tctl "$@" >/dev/null
}

# mint NAME ARGS... -- make a token over the socket as root into $T/NAME.tok.
mint() {
	local name=$1
	shift
	ctl token create "$@" >"$T/$name.tok" 2>/dev/null
}

# token_id FILE -- the id of the token in FILE, from whoami over TCP.
token_id() {
	tctl "$1" whoami --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

start_tokens_pkvmd

# --- making tokens -----------------------------------------------------------
check "root makes a read token for alice" mint alice-read --user alice --scope read
check "root makes a read+submit token for alice" mint alice --user alice
check "root makes a submit token for bob" mint bob --user bob --scope read --scope submit
check "root makes an admin token for ops" mint ops --user ops --scope admin
tok=$(cat "$T/alice.tok")
check_match "a token is pkvm_, a 16-hex key, _ and 64 hex digits" "$tok" '^pkvm_[0-9a-f]{16}_[0-9a-f]{64}$'
check "tokens differ" test "$tok" != "$(cat "$T/bob.tok")"
ALICE_ID=$(token_id "$T/alice.tok")

out=$(tctl "$T/alice.tok" whoami)
check_match "whoami over TCP: alice via her token" "$out" "^alice via token:$ALICE_ID \(scopes: read, submit\)"
out=$(tctl "$T/ops.tok" whoami)
check_match "whoami over TCP: ops is an admin" "$out" '^ops, admin, via token:[0-9]+'
out=$(ctl whoami)
check_match "whoami over the socket: root is an admin via the socket" "$out" '^root, admin, via socket'

# --- 401: no token, wrong, malformed -------------------------------------------
check_eq "no token, no --public-read: GET /v1/jobs is 401" "$(tcp_code /v1/jobs)" 401
check_eq "  with the error body's code" "$(body_field error.code)" unauthorized
wrong=${tok%?}$([ "${tok: -1}" = 0 ] && echo 1 || echo 0)
check_eq "a wrong secret is 401" "$(tcp_code -H "Authorization: Bearer $wrong" /v1/jobs)" 401
check_eq "  saying the token is invalid" "$(body_field error.message)" "invalid token"
unknown=pkvm_0000000000000000_${tok#pkvm_*_}
check_eq "an unknown key is 401" "$(tcp_code -H "Authorization: Bearer $unknown" /v1/jobs)" 401
check_eq "a Basic header is 401" "$(tcp_code -H "Authorization: Basic YWxpY2U6eA==" /v1/jobs)" 401
check_match "  saying what is expected" "$(body_field error.message)" "must be 'Bearer TOKEN'"
check_eq "a token of the wrong shape is 401" "$(tcp_code -H "Authorization: Bearer hunter2" /v1/jobs)" 401
check_match "  saying it is not a pkvmd token" "$(body_field error.message)" "not a pkvmd token"
check_eq "a wrong token is 401 on a public route too" "$(tcp_code -H "Authorization: Bearer $wrong" /v1/whoami)" 401
curl -s -D "$T/headers" -o /dev/null "$URL/v1/jobs"
check_match "a 401 names the Bearer scheme" "$(cat "$T/headers")" 'WWW-Authenticate: Bearer'
rc=0; out=$("$PKVMCTL" --url "$URL" list 2>&1) || rc=$?
check_eq "pkvmctl without a token: exit 2" "$rc" 2
check_match "  and a hint where a token comes from" "$out" 'token-file FILE, \$PKVM_TOKEN'

# --- scopes --------------------------------------------------------------------
check_eq "a read token reads" "$(tcp_code -H "Authorization: Bearer $(cat "$T/alice-read.tok")" /v1/jobs)" 200
rc=0; out=$(tctl "$T/alice-read.tok" submit "$TEST_KERNEL" --append "fakeqemu=hang" 2>&1) || rc=$?
check_eq "a read token cannot submit: exit 2" "$rc" 2
check_match "  403: the submit scope is missing" "$out" "needs the 'submit' scope"
check_eq "  the API answers 403 forbidden" \
	"$(tcp_code -H "Authorization: Bearer $(cat "$T/alice-read.tok")" -X POST -d '{}' /v1/jobs)" 403
check_eq "  with the error body's code" "$(body_field error.code)" forbidden

# A job on the one slot that hangs, so the next ones stay queued.
blocker=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang")
check "a blocker holds the slot" wait_for_console "$blocker" 'Booting Linux'
alice_job=$(tctl "$T/alice.tok" submit "$TEST_KERNEL" --append "fakeqemu=hang" 2>/dev/null)
check_match "a submit token submits" "$alice_job" '^[0-9]+$'
check_eq "  the job is alice's" "$(job_field "$alice_job" owner)" alice
check_eq "  its via names the token" "$(job_field "$alice_job" via)" "token:$ALICE_ID"
check_eq "a socket job's via is socket" "$(job_field "$blocker" via)" socket
check_eq "a socket job is root's" "$(job_field "$blocker" owner)" root

# --- 403: another user's job, over TCP -------------------------------------------
rc=0; out=$(tctl "$T/bob.tok" cancel "$alice_job" 2>&1) || rc=$?
check_eq "bob cannot cancel alice's job over TCP: exit 2" "$rc" 2
check_match "  403 says whose it is" "$out" 'alice'
check_eq "  the API answers 403" \
	"$(tcp_code -H "Authorization: Bearer $(cat "$T/bob.tok")" -X POST "/v1/jobs/$alice_job/cancel")" 403
check_eq "  the job is still queued" "$(job_field "$alice_job" state)" queued
check "an admin token cancels alice's job" tctl_quiet "$T/ops.tok" cancel "$alice_job"
check_eq "  it is cancelled" "$(job_field "$alice_job" result)" cancelled
alice_job2=$(tctl "$T/alice.tok" submit "$TEST_KERNEL" --append "fakeqemu=hang" 2>/dev/null)
check "alice cancels her own job" tctl_quiet "$T/alice.tok" cancel "$alice_job2"

# --- 403: another user's job, over the Unix socket ---------------------------------
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
		"$PKVMCTL" --socket "$SOCK" "$@"
}
out=$(nobody whoami 2>&1)
check_match "nobody on the socket is themselves, not an admin" "$out" '^nobody via socket \(scopes: read, submit\)'
rc=0; out=$(nobody cancel "$blocker" 2>&1) || rc=$?
check_eq "nobody cannot cancel root's job over the socket: exit 2" "$rc" 2
code=$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' \
	--unix-socket "$SOCK" -X POST "http://pkvmd/v1/jobs/$blocker/cancel")
check_eq "  the API answers 403" "$code" 403
check_eq "  root's job still runs" "$(job_field "$blocker" state)" running
rc=0; nobody token create --user root --scope admin >/dev/null 2>&1 || rc=$?
check_eq "nobody cannot make a token for root" "$rc" 2

# --- no escalation through tokens ----------------------------------------------------
rc=0; out=$(tctl "$T/alice.tok" token create --user alice --scope admin 2>&1) || rc=$?
check_eq "alice cannot give herself admin: exit 2" "$rc" 2
check_match "  403 says which scope" "$out" "'admin' scope, which alice does not hold"
rc=0; tctl "$T/alice.tok" token create --user bob >/dev/null 2>&1 || rc=$?
check_eq "alice cannot make bob's tokens" "$rc" 2
rc=0; tctl "$T/alice-read.tok" token create --user alice --scope read >/dev/null 2>&1 || rc=$?
check_eq "a read token cannot make tokens" "$rc" 2
check "alice makes a read token for herself" eval 'tctl "$T/alice.tok" token create --user alice --scope read >"$T/alice2.tok" 2>/dev/null'
out=$(tctl "$T/alice.tok" token list --json)
check_eq "alice lists only her own tokens" \
	"$(python3 -c 'import json,sys; print(sorted({t["user"] for t in json.load(sys.stdin)}))' <<<"$out")" "['alice']"
check "  never with a secret or a hash" eval '! grep -Eq "pkvm_|\"token\"|\"hash\"|[0-9a-f]{64}" <<<"$out"'
out=$(tctl "$T/ops.tok" token list --json)
check_eq "an admin lists everyone's" \
	"$(python3 -c 'import json,sys; print(sorted({t["user"] for t in json.load(sys.stdin)}))' <<<"$out")" \
	"['alice', 'bob', 'ops']"
BOB_ID=$(token_id "$T/bob.tok")
rc=0; tctl "$T/alice.tok" token revoke "$BOB_ID" >/dev/null 2>&1 || rc=$?
check_eq "alice cannot revoke bob's token" "$rc" 2
check "bob still works" tctl_quiet "$T/bob.tok" whoami

# --- last used, and never in clear ---------------------------------------------------
mint fresh --user carol --scope read
FRESH_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' <<<"$(ctl token list --user carol --json)")
last_used() {
	ctl token list --json | python3 -c 'import json,sys; print(next(t["last_used"] for t in json.load(sys.stdin) if t["id"] == int(sys.argv[1])))' "$1"
}
check_eq "a token never used has no last-used time" "$(last_used "$FRESH_ID")" None
check_eq "carol reads with it" "$(tcp_code -H "Authorization: Bearer $(cat "$T/fresh.tok")" /v1/jobs)" 200
check_match "  and now it has one" "$(last_used "$FRESH_ID")" '^20[0-9]{2}-'
secret=$(cat "$T/fresh.tok")
secret=${secret#pkvm_*_}
hash=$(printf %s "$(cat "$T/fresh.tok")" | sha256sum | cut -d' ' -f1)
check "the database holds the token's sha256" grep -aqF "$hash" "$STATE"/pkvmd.db*
check "  and never its secret" eval '! grep -aqF "$secret" "$STATE"/pkvmd.db*'
check "  nor the log" eval '! grep -aqF "$secret" "$STATE/pkvmd.log"'

# --- revoked and expired ---------------------------------------------------------------
check "bob's token is revoked by an admin" tctl_quiet "$T/ops.tok" token revoke "$BOB_ID"
check_eq "a revoked token is 401" "$(tcp_code -H "Authorization: Bearer $(cat "$T/bob.tok")" /v1/jobs)" 401
check_match "  saying it was revoked" "$(body_field error.message)" "token $BOB_ID was revoked"
mint short --user alice --scope read --expires 1s
check_eq "a token before its expiry reads" "$(tcp_code -H "Authorization: Bearer $(cat "$T/short.tok")" /v1/jobs)" 200
# Its expiry is the event: wait (bounded) until the server turns it away.
short_refused() { [ "$(tcp_code -H "Authorization: Bearer $(cat "$T/short.tok")" /v1/jobs)" = 401 ]; }
wait_until 10 short_refused || true
check_eq "an expired token is 401" "$(tcp_code -H "Authorization: Bearer $(cat "$T/short.tok")" /v1/jobs)" 401
check_match "  saying it expired" "$(body_field error.message)" "expired at"
rc=0; tctl "$T/alice.tok" token create --user alice --expires 1s >/dev/null 2>&1 || rc=$?
check_eq "a token made with a never-expiring token may expire" "$rc" 0
mint expiring --user alice --expires 1h
rc=0; out=$(tctl "$T/expiring.tok" token create --user alice 2>&1) || rc=$?
check_eq "a token made with an expiring token cannot outlive it" "$rc" 2
check_match "  403 says so" "$out" 'must expire no later'
rc=0; ctl token create --user alice --expires 5x >/dev/null 2>&1 || rc=$?
check_eq "pkvmctl refuses --expires 5x" "$rc" 2

# --- login --------------------------------------------------------------------------------
rc=0; out=$("$PKVMCTL" login "$URL" <<<"$wrong" 2>&1) || rc=$?
check_eq "login with a wrong token fails" "$rc" 2
check "  and saves nothing" test ! -e "$XDG_CONFIG_HOME/pkvmd/client.conf"
out=$("$PKVMCTL" login "$URL" <"$T/alice.tok")
check_match "login with alice's token says who she is" "$out" "logged in to $URL as alice"
conf=$XDG_CONFIG_HOME/pkvmd/client.conf
check_eq "client.conf is mode 0600" "$(stat -c %a "$conf")" 600
check_eq "  in a folder of mode 0700" "$(stat -c %a "$XDG_CONFIG_HOME/pkvmd")" 700
check "  it holds the URL" grep -qF "url = $URL" "$conf"
check_eq "  and no temporary file is left" "$(ls -A "$XDG_CONFIG_HOME/pkvmd")" client.conf
out=$("$PKVMCTL" whoami)
check_match "later commands use the saved URL and token" "$out" "^alice via token:$ALICE_ID"
out=$("$PKVMCTL" --url "$URL" whoami)
check_match "  also with --url naming the same server" "$out" "^alice via token:$ALICE_ID"
# The same daemon under another name is another URL: the saved token is
# for the URL it was checked against, and goes nowhere else.
out=$("$PKVMCTL" --url "http://localhost:$PORT" whoami 2>&1)
check_match "  but not to another URL" "$out" '^anonymous via anonymous'
out=$(PKVM_TOKEN=$(cat "$T/ops.tok") "$PKVMCTL" whoami)
check_match "\$PKVM_TOKEN beats the saved token" "$out" '^ops, admin,'
out=$("$PKVMCTL" --socket "$SOCK" whoami)
check_match "--socket beats the saved URL" "$out" '^root, admin, via socket'

# --- --public-read -------------------------------------------------------------------------
check "an admin token cancels root's job" tctl_quiet "$T/ops.tok" cancel "$blocker"
ctl wait "$blocker" >/dev/null 2>&1 || true
check_eq "  it is cancelled" "$(job_field "$blocker" result)" cancelled
stop_pkvmd
start_tokens_pkvmd --public-read
check_eq "--public-read: anonymous GET /v1/jobs is 200" "$(tcp_code /v1/jobs)" 200
check_eq "  anonymous GET of a job is 200" "$(tcp_code "/v1/jobs/$alice_job")" 200
check_eq "  anonymous submit is still 401" "$(tcp_code -X POST -d '{}' /v1/jobs)" 401
check_eq "  anonymous cancel is still 401" "$(tcp_code -X POST "/v1/jobs/$alice_job/cancel")" 401
check_eq "  a wrong token is still 401" "$(tcp_code -H "Authorization: Bearer $wrong" /v1/jobs)" 401
check_eq "  anonymous GET /v1/tokens is 401" "$(tcp_code /v1/tokens)" 401
check_eq "  tokens survive a restart" "$(tcp_code -H "Authorization: Bearer $tok" /v1/whoami)" 200

check_eq "no fake qemu survives at the end" "$(surviving_fakes)" ""
finish
