#!/usr/bin/env python3
"""hostile.py -- hostile HTTP clients for pkvmd's TCP listener.

The integration tests tests/integration/hostile-*.sh drive this script:
each subcommand plays one kind of bad client against 127.0.0.1:PORT (only
loopback is ever a target) and prints what the server did, one fact a
line as "key value", for the shell test to check.  Every wait has a
deadline and ends on an event (a reply, a close), never on a sleep that
hopes something happened meanwhile.

A bearer token, when the test needs one, comes in $HOSTILE_TOKEN.

Subcommands:
  idle PORT N NSRC        N connections that send nothing, from NSRC
                          loopback addresses (127.0.0.2 ...), then one new
                          client from 127.0.0.1; then how long until the
                          server has closed the idle ones
  slowloris PORT MODE     a header sent one byte a second (MODE first: the
                          first request; keepalive: after one good
                          request), while another client keeps asking
  raw PORT HEXBYTES       one request as given, its reply's status
  malformed PORT          every malformed request of MALFORMED, a status
                          line each
  paths PORT ROUTES_C ID  every path trick in every parameter of every
                          route of the table in ROUTES_C (routes.c); ID
                          is a job's, for the parameters not tricked
  put PORT MODE SHA SIZE  an upload of a blob: MODE says how it lies
"""
import hashlib
import json
import os
import re
import select
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def token_header():
    tok = os.environ.get("HOSTILE_TOKEN", "")
    return ("Authorization: Bearer %s\r\n" % tok).encode() if tok else b""


def connect(port, src=None, timeout=10.0):
    s = socket.socket()
    s.settimeout(timeout)
    if src is not None:
        s.bind((src, 0))
    s.connect((HOST, port))
    return s


def read_reply(s, deadline_s=10.0):
    """The reply on S: (status, headers dict, body bytes), or (None, .., ..)
    when the server closed or reset without one."""
    data = b""
    end = time.monotonic() + deadline_s
    while b"\r\n\r\n" not in data:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        except socket.timeout:
            return "timeout", {}, b""
        if not chunk:
            return None, {}, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return "garbled", {}, data
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0") or 0)
    while len(body) < n:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            break
        if not chunk:
            break
        body += chunk
    return status, headers, body[:n]


def send_all(s, data):
    """Send DATA; False when the server has closed or reset meanwhile."""
    try:
        s.sendall(data)
        return True
    except (ConnectionResetError, BrokenPipeError):
        return False


def get(port, path, src=None):
    s = connect(port, src)
    send_all(s, b"GET %s HTTP/1.1\r\nHost: pkvmd\r\nConnection: close\r\n%s\r\n" %
             (path.encode(), token_header()))
    status, _, body = read_reply(s)
    s.close()
    return status, body


def closed_by_peer(s):
    """Whether the server has closed S (EOF or reset is readable)."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


# ---- idle: many connections that send nothing ---------------------------

def cmd_idle(port, n, nsrc):
    conns = []
    for i in range(n):
        conns.append(connect(port, "127.0.0.%d" % (2 + i % nsrc)))
    print("held %d" % len(conns))
    t = time.monotonic()
    status, _ = get(port, "/v1/version", "127.0.0.1")
    print("new-client %s" % status)
    print("new-client-secs %.2f" % (time.monotonic() - t))
    print("idle-open-then %d" % sum(not closed_by_peer(c) for c in conns))
    # The server must close every one of them on its own, by the header
    # deadline: this also proves it had accepted them all rather than
    # leaving them in the kernel's backlog.
    t0 = time.monotonic()
    left = list(conns)
    while left and time.monotonic() - t0 < 120:
        r, _, _ = select.select(left, [], [], 1.0)
        for c in r:
            try:
                gone = c.recv(1) == b""
            except (ConnectionResetError, BrokenPipeError):
                gone = True
            if gone:
                left.remove(c)
                c.close()
    print("idle-closed %d" % (n - len(left)))
    print("idle-closed-secs %.1f" % (time.monotonic() - t0))


# ---- slowloris ----------------------------------------------------------

def cmd_slowloris(port, mode):
    s = connect(port, timeout=60)
    if mode == "keepalive":
        send_all(s, b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\n%s\r\n" % token_header())
        status, _, _ = read_reply(s)
        print("first-request %s" % status)
    stop = threading.Event()
    served = []

    def others():
        while not stop.is_set():
            t = time.monotonic()
            status, _ = get(port, "/v1/version", "127.0.0.2")
            served.append((status, time.monotonic() - t))
            stop.wait(0.05)

    th = threading.Thread(target=others)
    th.start()
    t0 = time.monotonic()
    header = b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nX-Slow: " + b"a" * 200
    sent = 0
    outcome = "never-closed"
    # One byte a second; before each, see whether the server has closed.
    while sent < len(header) and time.monotonic() - t0 < 60:
        r, _, _ = select.select([s], [], [], 1.0)
        if r:
            try:
                data = s.recv(4096)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            outcome = "closed" if data == b"" else "answered"
            break
        if not send_all(s, header[sent:sent + 1]):
            outcome = "closed"
            break
        sent += 1
    secs = time.monotonic() - t0
    stop.set()
    th.join()
    print("slow %s" % outcome)
    print("slow-secs %.1f" % secs)
    print("slow-bytes %d" % sent)
    print("others-served %d/%d" % (sum(st == 200 for st, _ in served), len(served)))
    print("others-max-secs %.2f" % max((d for _, d in served), default=0.0))


# ---- raw requests and malformed HTTP -----------------------------------

def exchange(port, data):
    s = connect(port)
    ok = send_all(s, data)
    status, headers, body = read_reply(s)
    s.close()
    if status is None and not ok:
        status = "reset"
    return status, headers, body


def big_headers(n):
    return b"".join(b"X-H%d: v\r\n" % i for i in range(n))


MALFORMED = [
    ("garbage-request-line", b"HELLO\r\n\r\n"),
    ("binary-garbage", bytes(range(1, 32)) + b"\xff\xfe\r\n\r\n"),
    ("bad-version", b"GET /v1/version HTTP/9.9\r\nHost: pkvmd\r\n\r\n"),
    ("version-garbage", b"GET /v1/version HTTQ/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("no-host-http11", b"GET /v1/version HTTP/1.1\r\n\r\n"),
    ("two-hosts", b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nHost: other\r\n\r\n"),
    ("header-without-colon", b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nNoColonHere\r\n\r\n"),
    ("space-before-colon", b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nX-A : b\r\n\r\n"),
    ("huge-header-line",
     b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n"),
    ("huge-url", b"GET /v1/" + b"a" * 100000 + b" HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("10000-headers", b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\n" + big_headers(10000) + b"\r\n"),
    ("nul-in-request-line", b"GET /v1/ver\x00sion HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("nul-in-header", b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nX-A: a\x00b\r\n\r\n"),
    ("content-length-negative",
     b"POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\nContent-Length: -1\r\n\r\n{}"),
    ("content-length-huge",
     b"POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\nContent-Length: 99999999999999999999\r\n\r\n{}"),
    ("content-length-garbage",
     b"POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\nContent-Length: 12abc\r\n\r\n{}"),
    ("content-length-twice",
     b"POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}"),
    ("content-length-and-chunked",
     b"POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\nContent-Length: 4\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
    ("unknown-transfer-encoding",
     b"POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\nTransfer-Encoding: gzip\r\n\r\n{}"),
    ("bad-chunk-size",
     b"POST /v1/jobs HTTP/1.1\r\nHost: pkvmd\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
    ("absolute-uri-elsewhere", b"GET http://example.invalid/v1/version HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("no-path", b"GET HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("relative-path", b"GET v1/version HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("asterisk", b"GET * HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("bad-method", b"G(T /v1/version HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("unknown-method", b"BREW /v1/version HTTP/1.1\r\nHost: pkvmd\r\n\r\n"),
    ("obs-fold", b"GET /v1/version HTTP/1.1\r\nHost: pkvmd\r\nX-A: a\r\n b\r\n\r\n"),
]


def cmd_malformed(port):
    for name, data in MALFORMED:
        # Past authentication, to reach what lies behind it.
        data = data.replace(b"Host: pkvmd\r\n", b"Host: pkvmd\r\n" + token_header(), 1)
        if name == "no-host-http11":
            data = data.replace(b"\r\n", b"\r\n" + token_header(), 1)
        status, _, _ = exchange(port, data)
        print("%s %s" % (name, status))


def cmd_raw(port, hexbytes):
    status, _, body = exchange(port, bytes.fromhex(hexbytes))
    print("status %s" % status)
    sys.stdout.write(body.decode("utf-8", "replace") + "\n")


# ---- path tricks in every parameter of every route ---------------------

# As they go on the wire, percent-encoded or raw.
TRICKS = [
    b"..", b"%2e%2e", b"%2E%2E", b"..%2f..%2f..%2fetc%2fpasswd", b"%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"../../../../etc/passwd", b"..\\..\\etc", b"%5c..%5c..", b"%2f", b"a%2fb", b"%2fetc%2fpasswd",
    b"%00", b"a%00b", b"1%00", b"a\x00b", b"-1", b"0", b"00000000000000000000001",
    b"99999999999999999999999", b"9" * 4000, b"a" * 4000, b"zz", b"%", b"%zz", b"%ff%fe",
    b"%c3%a9", "\u00e9\u2603".encode(), b"%20", b"~root", b"*", b"....//", b"%252e%252e",
    b";", b"a;b=c", b"%0d%0aX-Injected:%20yes",
]

# Tricks that are a well-formed value of the parameter (as decoded): a user
# may be called "0" or "zz", so those may be answered 200 (or 404).
# An id with leading zeros is that number.  A raw NUL byte in the request
# line is where libmicrohttpd ends the path (what follows is dropped
# before pkvmd sees it: docs/RELIABILITY.md), so it is the request for the
# part before it, and may be served as that.
LEGIT = {
    "user": re.compile(rb"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$|^[A-Za-z0-9_]+\x00"),
    "id": re.compile(rb"^0*[1-9][0-9]{0,17}$|^[0-9]+\x00"),
}

# A valid value for each parameter that is not the one being played with.
GOOD = {
    "id": None,  # the job's id, from the command line
    "sha256": b"0" * 64,
    "name": b"vda",
    "user": b"root",
    "file": b"app.js",
    "path": b"index.html",
}


def read_routes(path):
    """The (method, pattern) rows of pkvmd's routing table, read from its
    source, daemon/http/routes.c: a route added there is covered here
    without anyone listing it again."""
    with open(path) as f:
        text = f.read()
    return re.findall(r'\.method = "(\w+)",\s*\.pattern = "([^"]+)"', text)


def cmd_paths(port, routes_file, job_id):
    GOOD["id"] = job_id.encode()
    routes = read_routes(routes_file)
    print("routes %d" % len(routes))
    print("parameters %d" % sum(p.count("{") for _, p in routes))
    cases = bad = 0
    seen = {}
    for method, pattern in routes:
        parts = pattern.split("/")
        params = [i for i, p in enumerate(parts) if p.startswith("{")]
        for target in params:
            for trick in TRICKS:
                segs = []
                for i, p in enumerate(parts):
                    if i == target:
                        segs.append(trick)
                    elif i in params:
                        segs.append(GOOD.get(p.strip("{}.").rstrip("."), b"x"))
                    else:
                        segs.append(p.encode())
                path = b"/".join(segs)
                body = b"{}" if method in ("POST", "PUT") else b""
                req = b"%s %s HTTP/1.1\r\nHost: pkvmd\r\nConnection: close\r\n%sContent-Length: %d\r\n\r\n%s" % (
                    method.encode(), path, token_header(), len(body), body)
                status, headers, rbody = exchange(port, req)
                cases += 1
                name = parts[target].strip("{}.")
                legit = name in LEGIT and LEGIT[name].match(trick)
                problem = check_refusal(method, status, rbody, legit)
                seen[status] = seen.get(status, 0) + 1
                if problem:
                    bad += 1
                    print("BAD %s %s: %s (%s)" % (method, path[:120], problem, rbody[:200]))
    print("statuses %s" % " ".join("%s:%d" % kv for kv in sorted(seen.items(), key=str)))
    print("cases %d" % cases)
    print("bad %d" % bad)


def check_refusal(method, status, body, legit):
    """What is wrong with a reply to a path trick, or None.  A LEGIT value
    may be served (2xx); anything else must be refused with a 4xx."""
    if not isinstance(status, int):
        return "no reply (%s)" % status
    if legit and 200 <= status <= 299:
        return None
    if not 400 <= status <= 499:
        return "status %d" % status
    if method == "HEAD":
        return None
    try:
        err = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return "status %d without the JSON error shape" % status
    if err.get("status") != status or not isinstance(err.get("code"), str) or \
            not isinstance(err.get("message"), str):
        return "status %d with a malformed error object" % status
    return None


# ---- uploads that lie ---------------------------------------------------

def cmd_put(port, mode, size):
    """PUT a blob of SIZE bytes in one of several lying ways.

    longer:   Content-Length SIZE, then SIZE bytes and 4096 more
    longer-hashall: as longer, but named by the hash of all the bytes sent
    over-cl:  Content-Length SIZE (over the cap), no body sent yet
    chunked:  chunked, SIZE bytes in 64 KiB chunks, no Content-Length
    short:    Content-Length SIZE, SIZE/4 bytes, then hang up
    """
    payload = (b"pkvmd-hostile-blob " * (size // 19 + 2))[:size]
    extra = b"Z" * 4092 + b"\r\n\r\n"
    sha = hashlib.sha256(payload).hexdigest()
    if mode == "longer-hashall":
        sha = hashlib.sha256(payload + extra).hexdigest()
    head = "PUT /v1/blobs/%s HTTP/1.1\r\nHost: pkvmd\r\n" % sha
    s = connect(port)
    tok = token_header()
    print("sha256 %s" % sha)
    if mode in ("longer", "longer-hashall"):
        send_all(s, head.encode() + tok + b"Content-Length: %d\r\n\r\n" % size + payload + extra)
        status, _, body = read_reply(s)
        print("status %s" % status)
        # The extra bytes are the next request, which is not HTTP.
        status2, _, _ = read_reply(s)
        print("then %s" % status2)
    elif mode == "over-cl":
        send_all(s, head.encode() + tok + b"Content-Length: %d\r\n\r\n" % size)
        # The refusal must come before any of the body is sent.
        status, _, body = read_reply(s, 10)
        print("status %s" % status)
    elif mode == "chunked":
        send_all(s, head.encode() + tok + b"Transfer-Encoding: chunked\r\n\r\n")
        status, _, body = "none", {}, b""
        for off in range(0, size, 65536):
            r, _, _ = select.select([s], [], [], 0)
            if r:
                break
            chunk = payload[off:off + 65536]
            if not send_all(s, b"%x\r\n%s\r\n" % (len(chunk), chunk)):
                break
        else:
            send_all(s, b"0\r\n\r\n")
        status, _, body = read_reply(s, 10)
        print("status %s" % status)
    elif mode == "short":
        send_all(s, head.encode() + tok + b"Content-Length: %d\r\n\r\n" % size + payload[:size // 4])
        s.close()
        print("status hung-up")
        return
    sys.stdout.write("body %s\n" % body.decode("utf-8", "replace").replace("\n", " "))
    s.close()


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    if cmd == "idle":
        cmd_idle(port, int(args[0]), int(args[1]))
    elif cmd == "slowloris":
        cmd_slowloris(port, args[0])
    elif cmd == "raw":
        cmd_raw(port, args[0])
    elif cmd == "malformed":
        cmd_malformed(port)
    elif cmd == "paths":
        cmd_paths(port, args[0], args[1])
    elif cmd == "put":
        cmd_put(port, args[0], int(args[1]))
    else:
        sys.exit("hostile.py: unknown command %s" % cmd)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
