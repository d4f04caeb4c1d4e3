#!/bin/bash
# Integration: fetching and unpacking what a CI push brings
# (daemon/ci/artifact.c, unpack.c, fetch.c), driven by the real code in
# tests/ci-artifact-get.c against the stand-in forge (tests/forge/forge.py)
# on loopback.
#
# GitHub: the run's artifact list, the 302 to storage and the zip, the
# token never sent to the storage, a tar inside the zip, artifact missing,
# run missing, expired, 401 and 403.  GitLab: the archive directly and
# through a redirect (no token there), by path and by id, 401, 404.
# Generic: a single file, a tar.gz, a zip, sha256 right and wrong, a
# redirect chain, 404.  Hostile archives: over the cap as a download and
# as a zip bomb (stopped at the cap, the tree removed), "../", an absolute
# path, a symlink out, a hard link out, a device, a name twice.  The forge
# down: connection refused, 500, a dropped connection, a hang (timeout).
# fetch.c alone: a redirect not followed, too many redirects, a cap with
# and without Content-Length, a cancelled fetch, bad requests refused.
# Every run also checks the loop closes with no handle left open.
. "$(dirname "$0")/../lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
FORGE_PY=${FORGE_PY:-$SRC/tests/forge/forge.py}
GET=${CI_ARTIFACT_GET:?set by tests/meson.build}
if [ ! -f "$FORGE_PY" ]; then
	echo "1..0 # SKIP no stand-in forge at $FORGE_PY"
	exit 0
fi

# The forge prints its port once both of its sockets listen: reading that
# line is the wait.  It exits with this shell.
exec 3< <(exec python3 "$FORGE_PY" --port 0 --dir "$T/forge" --exit-with $$ 2>"$T/forge.log")
read -r PORT <&3
API=http://127.0.0.1:$PORT

ctl_post() { curl -sf -X POST -H 'Content-Type: application/json' -d "$2" "$API/_forge/$1" >/dev/null; }
calls() { curl -sf "$API/_forge/calls?$1"; }
# A port nothing listens on: taken from the kernel, then let go.
DEAD=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---- fixtures: good and hostile archives ----
F=$T/fixtures
mkdir -p "$F"
python3 - "$F" <<'PY'
import io, os, sys, tarfile, zipfile
d = sys.argv[1]
def zinfo(name, mode=0o100644):
    i = zipfile.ZipInfo(name)
    i.external_attr = mode << 16
    i.create_system = 3
    return i
def mkzip(name, entries, deflate=False):
    with zipfile.ZipFile(os.path.join(d, name), "w",
                         zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as z:
        for n, data, mode in entries:
            z.writestr(zinfo(n, mode), data)
def tarinfo(name, data=b"", type=tarfile.REGTYPE, mode=0o644, link=""):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.size, i.linkname = type, mode, len(data), link
    return i, io.BytesIO(data)
def mktar(name, entries, comp=""):
    with tarfile.open(os.path.join(d, name), "w" + (":" + comp if comp else "")) as t:
        for args in entries:
            t.addfile(*tarinfo(*args))
K = b"arm64 kernel stand-in\n"
TEST = b"#!/bin/sh\necho ok\n"
mkzip("good.zip", [("boot/", b"", 0o40755), ("boot/Image", K, 0o100644),
                   ("tests/t1", TEST, 0o100755), ("tests/manifest", b"t1\n", 0o100644)])
mkzip("other.zip", [("README", b"nothing here\n", 0o100644)])
mktar("inner.tar.gz", [("boot/Image", K), ("tests/t1", TEST, tarfile.REGTYPE, 0o755),
                       ("tests/t1-again", b"", tarfile.LNKTYPE, 0o755, "tests/t1")], "gz")
with open(os.path.join(d, "inner.tar.gz"), "rb") as f:
    mkzip("tar-in-zip.zip", [("build.tar.gz", f.read(), 0o100644)])
mktar("kernel.tar", [("boot/Image", K), ("tests/t1", TEST, tarfile.REGTYPE, 0o755)])
mkzip("tests.zip", [("t1", TEST, 0o100755), ("t2", TEST, 0o100755)])
# A bomb: 64 MiB of zeros deflate to about 64 KiB.
with zipfile.ZipFile(os.path.join(d, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zinfo("boot/Image"), b"\0" * (64 << 20), compress_type=zipfile.ZIP_DEFLATED)
mkzip("dotdot.zip", [("boot/Image", K, 0o100644), ("../../escaped-dotdot", b"x", 0o100644)])
mkzip("absolute.zip", [("boot/Image", K, 0o100644), (d + "/escaped-absolute", b"x", 0o100644)])
mkzip("symlink.zip", [("boot/Image", K, 0o100644), ("tests", b"/etc", 0o120777)])
mktar("hardlink-out.tar", [("boot/Image", K), ("x", b"", tarfile.LNKTYPE, 0o644, "../../etc/passwd")])
mktar("device.tar", [("boot/Image", K), ("dev/null", b"", tarfile.CHRTYPE)])
mktar("twice.tar", [("boot/Image", K), ("boot/Image", K)])
with open(os.path.join(d, "Image"), "wb") as f:
    f.write(K)
with open(os.path.join(d, "t1"), "wb") as f:
    f.write(TEST)
PY
SHA_IMAGE=$(sha256sum "$F/Image" | cut -d' ' -f1)

# A GitHub repository with its runs, a GitLab project with its jobs, and
# the generic files.
ctl_post github/tokens '{"token": "gh-good"}'
ctl_post github/tokens '{"token": "gh-no-actions", "permissions": {"statuses": "write"}}'
run() { # run ID ARTIFACT-NAME FILE [expired]
	ctl_post github/runs "{\"repo\": \"lab/linux\", \"run_id\": $1, \"artifacts\": [{\"name\": \"$2\", \"file\": \"$F/$3\", \"expired\": ${4:-false}}]}"
}
run 100 kernel good.zip
run 101 other other.zip
run 102 kernel good.zip true
run 103 kernel tar-in-zip.zip
run 104 kernel bomb.zip
run 105 kernel dotdot.zip
run 106 kernel absolute.zip
run 107 kernel symlink.zip
run 108 kernel hardlink-out.tar
run 109 kernel device.tar
run 110 kernel twice.tar
run 111 kernel other.zip
run 112 kernel Image
ctl_post gitlab/tokens '{"token": "gl-good"}'
ctl_post gitlab/projects '{"path": "lab/linux", "id": 42}'
ctl_post gitlab/jobs "{\"project\": \"lab/linux\", \"job_id\": 500, \"artifacts\": \"$F/good.zip\"}"
ctl_post gitlab/jobs "{\"project\": \"lab/linux\", \"job_id\": 501, \"artifacts\": \"$F/good.zip\", \"redirect\": true}"
for f in Image t1 kernel.tar tests.zip good.zip; do
	ctl_post files "{\"name\": \"$f\", \"file\": \"$F/$f\"}"
done

n=0
# gh RUN [ARGS...] -- ci_artifact_get() for a GitHub run into a new
# work directory $W; its output in $OUT.
gh() {
	local run=$1
	shift
	n=$((n + 1))
	W=$T/w$n
	mkdir -p "$W"
	OUT=$("$GET" get --forge github --workdir "$W" --api "$API" --repository lab/linux \
		--token gh-good --artifact kernel --kernel boot/Image --tests tests --run-id "$run" \
		--timeout-s 20 "$@" 2>&1) || true
	echo "$OUT" >>"$T/all.out"
}
gl() {
	n=$((n + 1))
	W=$T/w$n
	mkdir -p "$W"
	OUT=$("$GET" get --forge gitlab --workdir "$W" --api "$API/api/v4" --repository lab/linux \
		--token gl-good --kernel boot/Image --tests tests --timeout-s 20 "$@" 2>&1) || true
	echo "$OUT" >>"$T/all.out"
}
generic() {
	n=$((n + 1))
	W=$T/w$n
	mkdir -p "$W"
	OUT=$("$GET" get --forge generic --workdir "$W" --timeout-s 20 "$@" 2>&1) || true
	echo "$OUT" >>"$T/all.out"
}
# fetch URL [ARGS...] -- one request through fetch.c alone.
fetch() {
	OUT=$("$GET" fetch "$@" 2>&1) || true
	echo "$OUT" >>"$T/all.out"
}
# Nothing but what the request made, on failure: no download, no tree.
empty_dir() { [ -z "$(ls -A "$1")" ]; }
# The headers of calls as "listener method path header-names".
headers_of() {
	calls "$1" | python3 -c 'import json, sys
for c in json.load(sys.stdin):
    print(c["listener"], c["method"], c["path"], " ".join(sorted(c["headers"])), c["headers"].get("authorization", "-"), c["headers"].get("private-token", "-"))'
}

# ---- GitHub ----
curl -sf -X DELETE "$API/_forge/calls" >/dev/null
gh 100
check_eq "github: list, 302, storage, zip unpacked" "$OUT" "ok kernel=artifact/boot/Image tests=artifact/tests"
check_eq "github: the kernel's bytes" "$(cat "$W/artifact/boot/Image")" "arm64 kernel stand-in"
check_eq "github: a test keeps its exec bit from the zip" "$(stat -c %a "$W/artifact/tests/t1")" 755
check "github: the download is gone, only the tree stays" [ "$(ls "$W")" = artifact ]
H=$(headers_of "")
check_match "github: the list asked with the token, Accept and API version" "$H" \
	"^api GET /repos/lab/linux/actions/runs/100/artifacts accept authorization .*x-github-api-version Bearer gh-good"
check_match "github: the zip asked with the token" "$H" "^api GET /repos/lab/linux/actions/artifacts/[0-9]+/zip .*Bearer gh-good"
check_match "github: the storage was fetched" "$H" "^blob GET /_blob/"
check_eq "github: no token sent to the storage" "$(grep '^blob' <<<"$H" | grep -ci -e bearer -e authorization -e gh-good)" 0
check_match "github: list pages of 100" "$(calls 'path=/repos/lab/linux/actions/runs/100')" '"per_page": "100"'

gh 101
check_match "github: artifact missing is ENOENT naming what the run has" "$OUT" "^error ENOENT: run 101 has no artifact 'kernel' \(it has 'other'\)"
check "github: nothing left after a failure" empty_dir "$W"
gh 999
check_match "github: no such run is ENOENT" "$OUT" "^error ENOENT: .*run 999.*404"
gh 102
check_match "github: an expired artifact is ENOENT, said so" "$OUT" "^error ENOENT: artifact 'kernel' of run 102 has expired"
gh 100 --token wrong
check_match "github: a bad token is EACCES (401)" "$OUT" "^error EACCES: .*HTTP 401 \(Bad credentials\)"
gh 100 --token gh-no-actions
check_match "github: a token without actions:read is EACCES (403)" "$OUT" "^error EACCES: .*HTTP 403"
gh 103
check_eq "github: the one tar in the zip is unpacked" "$OUT" "ok kernel=artifact/boot/Image tests=artifact/tests"
check_eq "github: the tar's exec bit kept" "$(stat -c %a "$W/artifact/tests/t1")" 755
check_eq "github: a hard link inside the tar is made" "$(stat -c %h "$W/artifact/tests/t1")" 2
check "github: the inner tar is removed" [ ! -e "$W/artifact/build.tar.gz" ]
gh 111
check_match "github: the kernel path missing is ENOENT listing the artifact" "$OUT" \
	"^error ENOENT: the artifact has no 'boot/Image' \(the project's 'kernel'\); it holds README"
gh 112
check_match "github: an artifact that is not a zip is EINVAL" "$OUT" "^error EINVAL: the artifact is not a zip \(.*Unrecognized archive format\)"
check "github: nothing left after it" empty_dir "$W"
gh 100 --kernel tests
check_match "github: a kernel path that is a directory is EINVAL" "$OUT" "^error EINVAL: 'tests' .* is not a file"

# ---- hostile archives ----
gh 100 --max-bytes 100
check_match "cap: a download over it is EFBIG" "$OUT" "^error EFBIG: .* over the cap of 100 bytes"
check "cap: nothing left after it" empty_dir "$W"
gh 104 --max-bytes $((8 << 20))
check_match "cap: a zip bomb stops at the cap, EFBIG" "$OUT" "^error EFBIG: the artifact: 'boot/Image' takes the unpacked contents over the cap"
check "cap: the bomb's tree is removed" empty_dir "$W"
gh 105
check_match "zip with '../' is EPERM" "$OUT" "^error EPERM: the artifact: '../../escaped-dotdot': an absolute path or a '..' component"
check "zip with '../': nothing written outside" [ ! -e "$T/escaped-dotdot" ]
check "zip with '../': nothing left inside" empty_dir "$W"
gh 106
check_match "zip with an absolute path is EPERM" "$OUT" "^error EPERM: the artifact: '/.*escaped-absolute': an absolute path"
check "zip with an absolute path: nothing written there" [ ! -e "$F/escaped-absolute" ]
gh 107
check_match "zip with a symlink out is EPERM" "$OUT" "^error EPERM: the artifact: 'tests' is a symbolic link \(to '/etc'\)"
check "zip with a symlink: no link made" empty_dir "$W"
gh 108
check_match "tar with a hard link out is EPERM" "$OUT" "^error EPERM: .*'x' is a hard link to '../../etc/passwd'"
gh 109
check_match "tar with a device is EPERM" "$OUT" "^error EPERM: .*'dev/null' is a device, fifo or socket"
gh 110
check_match "tar with a path twice is EEXIST" "$OUT" "^error EEXIST: .*'boot/Image': is in the archive twice"

# ---- the forge down ----
gh 100 --api "http://127.0.0.1:$DEAD"
check_match "down: connection refused is EAGAIN" "$OUT" "^error EAGAIN: .*try again later"
ctl_post down '{"mode": "error", "status": 500, "count": 1}'
gh 100
check_match "down: HTTP 500 is EAGAIN" "$OUT" "^error EAGAIN: .*HTTP 500.*try again later"
ctl_post down '{"mode": "error", "status": 503, "count": 1, "match": "/_blob/"}'
gh 100
check_match "down: the storage's 503 is EAGAIN" "$OUT" "^error EAGAIN: the artifact's download: HTTP 503"
ctl_post down '{"mode": "drop", "count": 1}'
gh 100
check_match "down: a dropped connection is EAGAIN" "$OUT" "^error EAGAIN: "
ctl_post down '{"mode": "hang", "hang_s": 30}'
gh 100 --timeout-s 1
ctl_post up '{}'
check_match "down: a hung forge is ETIMEDOUT after timeout_s" "$OUT" "^error ETIMEDOUT: .*longer than 1 s"

# ---- GitLab ----
curl -sf -X DELETE "$API/_forge/calls" >/dev/null
gl --job-id 500
check_eq "gitlab: the job's archive" "$OUT" "ok kernel=artifact/boot/Image tests=artifact/tests"
check_match "gitlab: asked by url-encoded path with PRIVATE-TOKEN" "$(headers_of "")" \
	"^api GET /api/v4/projects/lab%2Flinux/jobs/500/artifacts .*private-token.* - gl-good"
curl -sf -X DELETE "$API/_forge/calls" >/dev/null
gl --job-id 501 --repository 42
check_eq "gitlab: by project id, through a redirect" "$OUT" "ok kernel=artifact/boot/Image tests=artifact/tests"
H=$(headers_of "")
check_match "gitlab: the redirect was followed" "$H" "^blob GET /_blob/"
check_eq "gitlab: no token sent to the redirect target" "$(grep '^blob' <<<"$H" | grep -c gl-good)" 0
gl --job-id 500 --token wrong
check_match "gitlab: a bad token is EACCES" "$OUT" "^error EACCES: .*HTTP 401"
gl --job-id 599
check_match "gitlab: no such job is ENOENT" "$OUT" "^error ENOENT: the artifacts of job 599: HTTP 404"

# ---- generic ----
generic --kernel-url "$API/_files/Image" --tests-url "$API/_files/t1"
check_eq "generic: single files" "$OUT" "ok kernel=kernel/Image tests=tests/t1"
check_eq "generic: the single kernel's bytes" "$(cat "$W/kernel/Image")" "arm64 kernel stand-in"
generic --kernel-url "$API/_files/Image" --kernel-sha256 "$SHA_IMAGE"
check_eq "generic: the right sha256" "$OUT" "ok kernel=kernel/Image tests=-"
generic --kernel-url "$API/_files/Image" --kernel-sha256 "$(printf %064d 0)"
check_match "generic: a wrong sha256 is EBADMSG" "$OUT" "^error EBADMSG: kernel_url: its sha256 is $SHA_IMAGE, the hook said 0{64}"
check "generic: nothing left after a wrong sha256" empty_dir "$W"
generic --kernel-url "$API/_files/kernel.tar" --kernel boot/Image --tests tests
check_eq "generic: a tar holding kernel and tests" "$OUT" "ok kernel=kernel/boot/Image tests=kernel/tests"
generic --kernel-url "$API/_files/kernel.tar"
check_match "generic: an archive with no kernel path named is EINVAL" "$OUT" "^error EINVAL: kernel_url is an archive"
generic --kernel-url "$API/_files/Image" --tests-url "$API/_files/tests.zip"
check_eq "generic: tests as a zip" "$OUT" "ok kernel=kernel/Image tests=tests"
check_eq "generic: the zip's tests" "$(ls "$W/tests" | tr '\n' ' ')" "t1 t2 "
generic --kernel-url "$API/_files/redirect/3/Image"
check_eq "generic: redirects followed" "$OUT" "ok kernel=kernel/Image tests=-"
generic --kernel-url "$API/_files/missing"
check_match "generic: 404 is ENOENT" "$OUT" "^error ENOENT: kernel_url: HTTP 404"
generic --kernel-url "$API/_files/zeros/$((2 << 20))" --max-bytes $((1 << 20))
check_match "generic: over the cap is EFBIG" "$OUT" "^error EFBIG: kernel_url is over the cap"
generic --kernel-url "$API/_files/Image" --kernel-sha256 nothex
check_eq "generic: a malformed sha256 is refused at once" "$OUT" "start=EINVAL"
generic --kernel-url "ftp://127.0.0.1/Image"
check_eq "generic: not http(s) is refused at once" "$OUT" "start=EPROTONOSUPPORT"
check "generic: a refused start leaves nothing" empty_dir "$W"

# ---- fetch.c alone ----
fetch "$API/_files/redirect/1/Image"
check_match "fetch: max_redirects 0 answers the redirect and its Location" "$OUT" \
	"^err=0 status=302 bytes=0 .* location=$API/_files/Image$"
fetch "$API/_files/redirect/4/Image" --redirects 2
check_match "fetch: too many redirects is ELOOP" "$OUT" "^err=ELOOP "
fetch "$API/_files/Image" --redirects 1
check_match "fetch: the body's sha256" "$OUT" "^err=0 status=200 bytes=22 sha256=$SHA_IMAGE "
fetch "$API/_files/zeros/4096" --max-bytes 4095
check_match "fetch: a Content-Length over the cap is EFBIG" "$OUT" "^err=EFBIG "
# A server that sends no Content-Length: the cap is met while reading.
exec 4< <(exec python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept(); c.recv(65536)
c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
try:
    for _ in range(64):
        c.sendall(b"\0" * 65536)
except OSError:
    pass
' 2>/dev/null)
read -r NOLEN <&4
fetch "http://127.0.0.1:$NOLEN/" --max-bytes 100000
check_match "fetch: a body without Content-Length stops at the cap, EFBIG" "$OUT" "^err=EFBIG "
exec 4<&-
fetch "$API/_files/Image" --cancel
check_match "fetch: freeing the fetcher cancels, ECANCELED, no handle left" "$OUT" "^err=ECANCELED "
fetch "$API/_files/Image" --timeout-s 0
check_eq "fetch: timeout_s 0 is refused" "$OUT" "start=EINVAL"
fetch "file:///etc/passwd"
check_eq "fetch: file:// is refused" "$OUT" "start=EPROTONOSUPPORT"
check_eq "no run left a libuv handle open" "$(grep -c 'handles left open' "$T/all.out")" 0

finish
