#!/bin/bash
# Integration: TLS on a TCP listener (--listen tcp:127.0.0.1:PORT,tls).
# curl checks the server against the test's self-signed CA; on SIGHUP new
# connections get the new certificate while a console stream and a long
# poll opened before go on to their end on the old one; a certificate
# that does not load on SIGHUP (garbage, a key of another certificate, a
# missing file) is logged and the one in use kept; a TLS listener without
# a certificate, or an unknown listener option, stops the start with a
# clear message.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"

make_cert one
make_cert two
cp "$T/one.crt" "$T/cert.pem"
cp "$T/one.key" "$T/key.pem"
PORT=$(free_port)
URL=https://127.0.0.1:$PORT
start_pkvmd --qemu "$FAKE_QEMU" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT,tls" \
	--tls-cert "$T/cert.pem" --tls-key "$T/key.pem" --public-read

# tcurl CA ARGS... -- curl trusting only certificate CA (one, two).
tcurl() {
	curl -sS --cacert "$T/$1.crt" "${@:2}"
}

check_match "TLS: GET /v1/version, the server checked against its certificate" \
	"$(tcurl one "$URL/v1/version")" '"wire":'
rc=0; curl -sS -o /dev/null "$URL/v1/version" 2>/dev/null || rc=$?
check_eq "TLS: curl without the CA refuses the server (60)" "$rc" 60
rc=0; curl -sS -o /dev/null "http://127.0.0.1:$PORT/v1/version" 2>/dev/null || rc=$?
check "TLS: plain HTTP to the TLS port gets no reply (curl $rc)" test "$rc" -ne 0
check_eq "TLS: the first certificate is served" "$(served_fingerprint "$PORT")" \
	"$(cert_fingerprint "$T/one.crt")"
check_eq "TLS: a submit without a token is 401" \
	"$(tcurl one -o /dev/null -w '%{http_code}' -X POST -d '{}' "$URL/v1/jobs")" 401

# pkvmctl over TLS: the server checked against --cacert, a token from
# $PKVM_TOKEN.
check_match "pkvmctl --url https --cacert: version" \
	"$("$PKVMCTL" --url "$URL" --cacert "$T/one.crt" version 2>&1)" 'pkvmd'
rc=0; out=$("$PKVMCTL" --url "$URL" version 2>&1) || rc=$?
check "pkvmctl without the CA refuses the server" test "$rc" -ne 0
check_match "and says it is the certificate" "$out" '[Cc]ertificate'
ctl token create --user root --scope read --scope submit >"$T/root.tok" 2>/dev/null
tok=$(grep -o 'pkvm_[0-9a-f]*_[0-9a-f]*' "$T/root.tok")
tid=$(PKVM_TOKEN=$tok "$PKVMCTL" --url "$URL" --cacert "$T/one.crt" submit "$TEST_KERNEL" 2>&1)
check_match "pkvmctl submits over TLS with a token" "$tid" '^[0-9]+$'
check_eq "and the job came by that token" "$(job_field "$tid" via)" \
	"token:$(ctl token list --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
ctl_quiet wait "$tid" || true

# ---- SIGHUP with a new certificate, connections open ------------------------
# A job that prints three lines and hangs until cancelled: its console
# stream and a long poll on it stay open across the reload.
id=$(ctl submit "$TEST_KERNEL" --idle-timeout 0 --append "fakeqemu=hang-at=3")
tcurl one -N "$URL/v1/jobs/$id/console?follow=1" >"$T/follow.out" 2>"$T/follow.err" &
follow=$!
tcurl one -v "$URL/v1/jobs/$id/wait?timeout=120" >"$T/wait.out" 2>"$T/wait.err" &
poll=$!
check "reload: the console stream is flowing" \
	wait_until 30 grep -q 'Kernel command line' "$T/follow.out"
check "reload: the long poll's request went out on its TLS connection" \
	wait_until 30 grep -q '^> GET /v1/jobs/' "$T/wait.err"

off=$(log_offset)
cp "$T/two.crt" "$T/cert.pem"
cp "$T/two.key" "$T/key.pem"
kill -HUP "$PKVMD_PID"
check "reload: the log says new connections get the new certificate" \
	wait_until 30 log_has_since "$off" 'TLS reload: .* serves new connections'
check_match "reload: and that open connections finish with the previous one" \
	"$(tail -c "+$((off + 1))" "$STATE/pkvmd.log")" 'open connections finish with the previous one'
check_eq "reload: a new connection is shown the new certificate" \
	"$(served_fingerprint "$PORT")" "$(cert_fingerprint "$T/two.crt")"
rc=0; tcurl one -o /dev/null "$URL/v1/version" 2>/dev/null || rc=$?
check_eq "reload: a new connection trusting only the old certificate fails (60)" "$rc" 60
check_match "reload: a new connection trusting the new one is served" \
	"$(tcurl two "$URL/v1/version")" '"wire":'
check "reload: the console stream is still open" kill -0 "$follow"
check "reload: the long poll is still open" kill -0 "$poll"

ctl_quiet cancel "$id"
rc=0; wait "$follow" || rc=$?
check_eq "reload: the console stream opened before ends cleanly at the job's end" "$rc" 0
check "reload: it carried the whole console" cmp -s "$T/follow.out" <(ctl logs "$id")
rc=0; wait "$poll" || rc=$?
check_eq "reload: the long poll opened before is answered" "$rc" 0
check_match "reload: with the job done" "$(cat "$T/wait.out")" '"state":"done"'
check "reload: the old certificate's daemon goes once its connections have" \
	wait_until 30 log_has_since "$off" 'connections of the previous TLS certificate are all closed'

# ---- SIGHUP with a certificate that does not load --------------------------
# reload_bad WHAT REGEX -- after the files were spoiled: SIGHUP, the log
# names the problem, and the certificate in use stays.
reload_bad() {
	local off
	off=$(log_offset)
	kill -HUP "$PKVMD_PID"
	check "bad reload ($1): logged, the old certificate kept" \
		wait_until 30 log_has_since "$off" "TLS reload: .*$2.*keeping the certificate in use"
	check_eq "bad reload ($1): the certificate served is still the second" \
		"$(served_fingerprint "$PORT")" "$(cert_fingerprint "$T/two.crt")"
	check_match "bad reload ($1): and the server serves" "$(tcurl two "$URL/v1/version")" '"wire":'
}
echo "not a certificate" >"$T/cert.pem"
reload_bad "garbage" "cert.pem"
cp "$T/two.crt" "$T/cert.pem"
cp "$T/one.key" "$T/key.pem"
reload_bad "another certificate's key" "do not match"
rm "$T/key.pem"
reload_bad "no key file" "cannot read TLS key"
check "the daemon is still running" kill -0 "$PKVMD_PID"

# ---- start-up errors ----------------------------------------------------------
P2=$(free_port)
rc=0; out=$(timeout 30 "$PKVMD" --foreground --state-dir "$T/state2" --socket "$T/s2.sock" \
	--spawn-helper "$PKVMD_SPAWN" --listen "tcp:127.0.0.1:$P2,tls" 2>&1) || rc=$?
check_eq "a TLS listener without --tls-cert: pkvmd exits 1" "$rc" 1
check_match "and says what it needs" "$out" "tcp:127.0.0.1:$P2,tls: a TLS listener needs --tls-cert FILE and --tls-key FILE"
rc=0; out=$(timeout 30 "$PKVMD" --foreground --state-dir "$T/state2" --socket "$T/s2.sock" \
	--spawn-helper "$PKVMD_SPAWN" --listen "tcp:127.0.0.1:$P2,tls" \
	--tls-cert "$T/one.crt" --tls-key "$T/two.key" 2>&1) || rc=$?
check_eq "a key that is not the certificate's: pkvmd exits 1" "$rc" 1
check_match "and says so" "$out" "do not match"
rc=0; out=$(timeout 30 "$PKVMD" --foreground --state-dir "$T/state2" --socket "$T/s2.sock" \
	--spawn-helper "$PKVMD_SPAWN" --listen "tcp:127.0.0.1:$P2,tsl" 2>&1) || rc=$?
check_eq "an unknown listener option: pkvmd exits 1" "$rc" 1
check_match "and names it" "$out" "unknown option 'tsl'"
finish
