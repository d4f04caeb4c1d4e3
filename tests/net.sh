# tests/net.sh -- helpers for the tests of pkvmd's network listeners (TCP,
# TLS, socket activation, connection caps), sourced after tests/lib.sh.
# Every wait is on an event or a condition polled with a deadline.

# free_port -- a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_cert NAME -- a self-signed certificate for 127.0.0.1 in
# $T/NAME.crt and its key in $T/NAME.key.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=pkvmd test $1" -addext subjectAltName=IP:127.0.0.1 -days 2 \
		-keyout "$T/$1.key" -out "$T/$1.crt" 2>/dev/null
}

# cert_fingerprint FILE -- the SHA-256 fingerprint of a PEM certificate.
cert_fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256
}

# served_fingerprint PORT -- that of the certificate a new TLS connection
# to 127.0.0.1:PORT is shown.
served_fingerprint() {
	openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256
}

# log_offset -- where the daemon's log ends now, for log_has_since.
log_offset() {
	stat -c %s "$STATE/pkvmd.log"
}

# log_has_since OFFSET REGEX -- whether the log past OFFSET has a line
# matching REGEX.
log_has_since() {
	tail -c "+$(($1 + 1))" "$STATE/pkvmd.log" | grep -Eq -- "$2"
}

# http_probe SRC PORT PATH -- one GET from source address SRC to
# 127.0.0.1:PORT: prints "served STATUS", or "refused" when the server
# closed the connection without an HTTP reply.
http_probe() {
	python3 - "$@" <<'PY'
import socket, sys
src, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.settimeout(20)
s.bind((src, 0))
s.connect(("127.0.0.1", port))
try:
    s.sendall(("GET %s HTTP/1.1\r\nHost: pkvmd\r\nConnection: close\r\n\r\n" % path).encode())
    data = s.recv(4096)
except (ConnectionResetError, BrokenPipeError):
    data = b""
except socket.timeout:
    print("no answer")
    sys.exit(0)
print("served %s" % data.split()[1].decode() if data.startswith(b"HTTP/") else "refused")
PY
}
