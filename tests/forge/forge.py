#!/usr/bin/env python3
"""forge.py -- a stand-in for GitHub's and GitLab's REST APIs in pkvmd's tests.

pkvmd's CI support (docs/CI.md) talks to a forge in three ways: it lists a
GitHub workflow run's artifacts and downloads one, it downloads a GitLab
job's artifacts archive, and it posts commit statuses back to either.  This
program serves exactly those endpoints on loopback, shaped as the forges'
public REST documentation describes them (paths, authentication headers,
status codes, JSON bodies, GitHub's 302 to a short-lived download URL), so
that the daemon's tests run without a network and can fail the forge on
demand.  Everything else is a 404.

It also serves what a test needs around them, under prefixes the real
forges never use:

  /_forge/...   the control API: register repositories, runs, artifacts,
                projects, jobs and tokens; read the call log; take the
                forge down (5xx, dropped connections, hangs) and bring it
                back.  docs/CI.md and tests/forge/forge.sh list it.
  /_blob/...    GitHub's short-lived artifact download URLs (no auth, like
                the storage GitHub redirects to).  They are served on a
                second loopback port, so that a client that follows the
                redirect is talking to another origin, as it would be
                against GitHub, and the log shows whether it carried the
                API token there.
  /_files/...   plain files for the generic hook's kernel_url and
                tests_url, with redirect chains and generated sizes.
  /_sink/...    a receiver that answers 200 and logs the body: the generic
                hook's callback_url.

Every request outside /_forge is recorded in the call log (method, path,
query, the headers that matter, body, answer status), kept in memory and
appended to DIR/calls.jsonl.  Tests wait on the log with a long poll
(/_forge/wait), never on a sleep.

Run:  python3 tests/forge/forge.py --port 0 --dir DIR [--host 127.0.0.1]
      [--exit-with PID]
The first line on stdout is the API port once it listens; DIR/forge.pid
holds the pid.  Only loopback addresses are accepted.  Python 3 standard
library only.
"""

import argparse
import base64
import datetime
import hashlib
import itertools
import json
import os
import secrets
import select
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = ("127.0.0.1", "::1")
GH_DOCS = "https://docs.github.com/rest"
# The headers worth recording: who the client said it was, and what auth it
# showed.  Values are kept in full: tests check which token was used, and
# every token here is a test token.
LOGGED_HEADERS = (
    "authorization", "private-token", "job-token", "accept", "content-type",
    "x-github-api-version", "user-agent", "content-length",
    # webhook deliveries sent to /_sink
    "x-github-event", "x-github-delivery", "x-hub-signature-256",
    "x-gitlab-event", "x-gitlab-token", "x-gitlab-event-uuid", "idempotency-key",
    "x-pkvm-signature-256")
BODY_LOG_MAX = 65536


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso_ms():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HttpError(Exception):
    """An answer other than success, raised from deep in a handler."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def gh_error(status, message, doc="", extra=None):
    body = {"message": message, "documentation_url": GH_DOCS + doc, "status": str(status)}
    if extra:
        body.update(extra)
    return HttpError(status, body)


def gl_error(status, message, key="message"):
    return HttpError(status, {key: message})


class State:
    """Everything the forge knows, in memory, behind one lock."""

    def __init__(self, log_path):
        self.lock = threading.Condition()
        self.ids = itertools.count(1001)
        self.log_path = log_path
        self.reset()

    def reset(self):
        self.calls = []
        self.seq = 0
        # GitHub
        self.gh_tokens = {}        # token -> {"actions": "read", "statuses": "write"}
        self.gh_repos = {}         # "owner/name" (lower case) -> repo dict
        self.gh_artifacts = {}     # artifact id -> artifact dict
        self.gh_statuses = []      # every status created, in order
        self.blobs = {}            # download token -> ("gh", artifact id, expiry) or ("gl", path)
        # GitLab
        self.gl_tokens = {}        # token -> {"kind": "private"|"job", "scopes": [...], "role": ...}
        self.gl_projects = {}      # id -> project dict
        self.gl_statuses = []
        # Plain files (generic hook)
        self.files = {}            # name -> path
        self.fault = None
        self.waiters = 0           # /_forge/wait long polls in progress
        self.up_event = threading.Event()
        self.up_event.set()
        self.url_ttl = 60.0

    def next_id(self):
        return next(self.ids)


class Forge:
    def __init__(self, args):
        self.args = args
        self.state = State(os.path.join(args.dir, "calls.jsonl"))
        self.api_port = None
        self.blob_port = None

    def base(self, port):
        host = self.args.host
        return "http://%s:%d" % ("[%s]" % host if ":" in host else host, port)

    @property
    def api_base(self):
        return self.base(self.api_port)

    @property
    def blob_base(self):
        return self.base(self.blob_port)


FORGE = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "forge-standin/1"
    sys_version = ""

    # -- plumbing ------------------------------------------------------------

    def log_message(self, fmt, *args):
        sys.stderr.write("forge: %s %s %s\n" % (self.listener_name(), self.address_string(), fmt % args))

    def address_string(self):
        return self.client_address[0] if isinstance(self.client_address, tuple) else "unix"

    def version_string(self):
        return self.server_version

    def listener_name(self):
        if isinstance(self.server, UnixServer):
            return "unix"
        return "blob" if self.server.server_address[1] == FORGE.blob_port else "api"

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send_bytes(self, status, data, ctype, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.answer = status

    def send_json(self, status, obj, headers=None):
        data = (json.dumps(obj, indent=2) + "\n").encode() if obj is not None else b""
        self.send_bytes(status, data, "application/json; charset=utf-8", headers)

    def send_file(self, status, path, ctype, headers=None, size=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if path is None:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Content-Length", str(os.path.getsize(path)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.answer = status
        if self.command == "HEAD":
            return
        try:
            if path is None:
                chunk = b"\0" * 65536
                left = size
                while left > 0:
                    self.wfile.write(chunk[:min(left, len(chunk))])
                    left -= min(left, len(chunk))
            else:
                with open(path, "rb") as f:
                    while True:
                        b = f.read(65536)
                        if not b:
                            break
                        self.wfile.write(b)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def drop(self):
        """Close the connection without an HTTP answer (a reset)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        except OSError:
            pass
        self.close_connection = True
        self.answer = "dropped"

    # -- dispatch ------------------------------------------------------------

    def do_GET(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def dispatch(self):
        self.answer = None
        self.listener = self.listener_name()
        raw_path, _, raw_query = self.path.partition("?")
        self.raw_path = raw_path
        self.query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
        self.raw_query = raw_query
        self.body = self.read_body()
        if raw_path.startswith("/_forge/") or raw_path == "/_forge":
            try:
                self.control(raw_path)
            except HttpError as e:
                self.send_json(e.status, e.body, e.headers)
            except Exception as e:  # a bug in the stand-in: say so loudly
                self.send_json(500, {"error": "forge: %s: %s" % (type(e).__name__, e)})
            return
        fault = self.take_fault(raw_path)
        try:
            if fault is not None:
                self.apply_fault(fault)
            else:
                self.route(raw_path)
        except HttpError as e:
            self.send_json(e.status, e.body, e.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self.answer = self.answer or "client-gone"
        except Exception as e:
            self.send_json(500, {"message": "forge stand-in bug: %s: %s" % (type(e).__name__, e)})
        finally:
            self.record(fault)

    def take_fault(self, path):
        st = FORGE.state
        with st.lock:
            f = st.fault
            if f is None:
                return None
            if f.get("match") and not path.startswith(f["match"]):
                return None
            if f.get("method") and f["method"].upper() != self.command:
                return None
            if f.get("count") is not None:
                f["count"] -= 1
                if f["count"] <= 0:
                    st.fault = None
                    st.up_event.set()
            return dict(f)

    def apply_fault(self, f):
        mode = f.get("mode", "error")
        if mode == "drop":
            self.drop()
        elif mode == "hang":
            # Hold the request until the forge is brought up (or hang_s
            # passes), then drop it: a client's timeout is what is tested.
            FORGE.state.up_event.wait(f.get("hang_s", 60))
            self.drop()
        else:
            status = int(f.get("status", 503))
            body = f.get("body", {"message": "forge stand-in: down (%d)" % status})
            self.send_json(status, body, f.get("headers"))

    def record(self, fault):
        st = FORGE.state
        hdrs = {}
        for k in LOGGED_HEADERS:
            v = self.headers.get(k)
            if v is not None:
                hdrs[k] = v
        entry = {
            "time": now_iso_ms(),
            "listener": self.listener,
            "method": self.command,
            "path": self.raw_path,
            "query": {k: v if len(v) > 1 else v[0] for k, v in self.query.items()},
            "headers": hdrs,
            "status": self.answer,
        }
        if fault is not None:
            entry["fault"] = fault.get("mode", "error")
        if self.body:
            if len(self.body) > BODY_LOG_MAX:
                entry["body_size"] = len(self.body)
            else:
                try:
                    text = self.body.decode()
                    entry["body"] = text
                    try:
                        entry["json"] = json.loads(text)
                    except ValueError:
                        pass
                except UnicodeDecodeError:
                    entry["body_base64"] = base64.b64encode(self.body).decode()
        with st.lock:
            st.seq += 1
            entry["seq"] = st.seq
            st.calls.append(entry)
            st.lock.notify_all()
        try:
            with open(st.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")
        except OSError:
            pass

    def route(self, path):
        segs = path.split("/")[1:]
        # A GitHub Enterprise client puts the API under /api/v3.
        if segs[:2] == ["api", "v3"]:
            segs = segs[2:]
        if self.listener == "blob":
            if len(segs) >= 2 and segs[0] == "_blob":
                return self.blob(segs[1])
            raise HttpError(404, {"message": "Not Found"})
        if segs and segs[0] == "repos":
            return self.github(segs[1:])
        if segs[:2] == ["api", "v4"]:
            return self.gitlab(segs[2:])
        if segs and segs[0] == "_files":
            return self.files(segs[1:])
        if (segs and segs[0] == "_sink") or (self.listener == "unix" and self.command == "POST"):
            # A receiver: the generic hook's callback_url, or (on the Unix
            # listener) any POST, standing in for pkvmd's hook routes.
            return self.send_json(200, {"ok": True})
        raise HttpError(404, {"message": "Not Found"})

    # -- GitHub --------------------------------------------------------------

    def gh_auth(self, need):
        """The caller's token, checked as GitHub does: 401 for none or a wrong
        one, 403 when it lacks the permission (need = ("statuses", "write"))."""
        h = self.headers.get("Authorization")
        if h is None:
            raise gh_error(401, "Requires authentication", "")
        scheme, _, tok = h.partition(" ")
        tok = tok.strip()
        if scheme.lower() not in ("bearer", "token") or tok not in FORGE.state.gh_tokens:
            raise gh_error(401, "Bad credentials", "")
        perms = FORGE.state.gh_tokens[tok]
        have = perms.get(need[0])
        if have is None or (need[1] == "write" and have != "write"):
            raise gh_error(403, "Resource not accessible by personal access token", "")
        return tok

    def gh_headers(self):
        return {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": self.headers.get("X-GitHub-Api-Version", "2022-11-28"),
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Used": "1",
            "X-RateLimit-Resource": "core",
            "X-GitHub-Request-Id": uuid.uuid4().hex[:20].upper(),
        }

    def github(self, segs):
        st = FORGE.state
        if len(segs) < 3:
            raise gh_error(404, "Not Found")
        full = ("%s/%s" % (urllib.parse.unquote(segs[0]), urllib.parse.unquote(segs[1]))).lower()
        rest = segs[2:]
        m = self.command
        # GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts
        if len(rest) == 4 and rest[0] == "actions" and rest[1] == "runs" and rest[3] == "artifacts":
            if m not in ("GET", "HEAD"):
                raise gh_error(404, "Not Found")
            self.gh_auth(("actions", "read"))
            doc = "/actions/artifacts#list-workflow-run-artifacts"
            with st.lock:
                repo = st.gh_repos.get(full)
                run = repo["runs"].get(rest[2]) if repo else None
                if run is None:
                    raise gh_error(404, "Not Found", doc)
                arts = [st.gh_artifacts[a] for a in run["artifacts"]]
                arts = [self.gh_artifact_json(repo, run, a) for a in arts]
            name = self.query.get("name", [None])[0]
            if name is not None:
                arts = [a for a in arts if a["name"] == name]
            per_page = self.int_param("per_page", 30, 1, 100)
            page = self.int_param("page", 1, 1, 1 << 30)
            chunk = arts[(page - 1) * per_page:page * per_page]
            headers = self.gh_headers()
            last = max(1, (len(arts) + per_page - 1) // per_page)
            if page < last:
                link = "%s/repos/%s/actions/runs/%s/artifacts?per_page=%d&page=%%d" % (
                    FORGE.api_base, repo["full_name"], rest[2], per_page)
                headers["Link"] = '<%s>; rel="next", <%s>; rel="last"' % (link % (page + 1), link % last)
            return self.send_json(200, {"total_count": len(arts), "artifacts": chunk}, headers)
        # GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}
        if len(rest) == 4 and rest[0] == "actions" and rest[1] == "artifacts":
            if m not in ("GET", "HEAD"):
                raise gh_error(404, "Not Found")
            self.gh_auth(("actions", "read"))
            doc = "/actions/artifacts#download-an-artifact"
            with st.lock:
                repo = st.gh_repos.get(full)
                art = st.gh_artifacts.get(int(rest[2])) if rest[2].isdigit() else None
                if repo is None or art is None or art["repo"] != full or rest[3] != "zip":
                    raise gh_error(404, "Not Found", doc)
                if art["expired"]:
                    raise gh_error(410, "Artifact has expired", doc)
                token = secrets.token_urlsafe(24)
                st.blobs[token] = ("gh", art["id"], time.monotonic() + st.url_ttl)
            headers = self.gh_headers()
            headers["Location"] = "%s/_blob/%s/%s.zip" % (FORGE.blob_base, token, urllib.parse.quote(art["name"]))
            return self.send_bytes(302, b"", "text/html;charset=utf-8", headers)
        # POST /repos/{owner}/{repo}/statuses/{sha}
        if len(rest) == 2 and rest[0] == "statuses":
            if m != "POST":
                raise gh_error(404, "Not Found")
            tok = self.gh_auth(("statuses", "write"))
            doc = "/commits/statuses#create-a-commit-status"
            try:
                body = json.loads(self.body or b"{}")
                if not isinstance(body, dict):
                    raise ValueError
            except ValueError:
                raise gh_error(400, "Problems parsing JSON", doc)
            sha = rest[1].lower()
            with st.lock:
                repo = st.gh_repos.get(full)
                if repo is None:
                    raise gh_error(404, "Not Found", doc)
                if "state" not in body:
                    raise gh_error(422, 'Invalid request.\n\n"state" wasn\'t supplied.', doc)
                if body["state"] not in ("error", "failure", "pending", "success"):
                    raise gh_error(422, "Validation Failed", doc, {"errors": [{
                        "resource": "Status", "code": "custom", "field": "state",
                        "message": "state is not included in the list"}]})
                for k in ("target_url", "description", "context"):
                    if k in body and body[k] is not None and not isinstance(body[k], str):
                        raise gh_error(422, "Invalid request.\n\nFor '%s', %s is not a string." % (k, json.dumps(body[k])), doc)
                if sha not in repo["commits"]:
                    raise gh_error(422, "No commit found for SHA: %s" % rest[1], doc)
                context = body.get("context") or "default"
                same = [s for s in st.gh_statuses if s["_repo"] == full and s["_sha"] == sha
                        and s["context"].lower() == context.lower()]
                if len(same) >= 1000:
                    raise gh_error(422, "Validation Failed", doc, {"errors": [{
                        "resource": "Status", "code": "custom",
                        "message": "This SHA and context has reached the maximum number of statuses."}]})
                sid = st.next_id()
                ts = now_iso()
                status = {
                    "url": "%s/repos/%s/statuses/%s" % (FORGE.api_base, repo["full_name"], sha),
                    "avatar_url": None,
                    "id": sid,
                    "node_id": base64.b64encode(b"StatusContext%d" % sid).decode(),
                    "state": body["state"],
                    "description": body.get("description"),
                    "target_url": body.get("target_url"),
                    "context": context,
                    "created_at": ts,
                    "updated_at": ts,
                    "creator": {"login": "ci-bot", "id": 1, "type": "User", "site_admin": False},
                    "_repo": full, "_sha": sha, "_token": tok,
                }
                st.gh_statuses.append(status)
                public = {k: v for k, v in status.items() if not k.startswith("_")}
            headers = self.gh_headers()
            headers["Location"] = public["url"]
            return self.send_json(201, public, headers)
        raise gh_error(404, "Not Found")

    def gh_artifact_json(self, repo, run, a):
        return {
            "id": a["id"],
            "node_id": base64.b64encode(b"Artifact%d" % a["id"]).decode(),
            "name": a["name"],
            "size_in_bytes": a["size"],
            "url": "%s/repos/%s/actions/artifacts/%d" % (FORGE.api_base, repo["full_name"], a["id"]),
            "archive_download_url": "%s/repos/%s/actions/artifacts/%d/zip" % (FORGE.api_base, repo["full_name"], a["id"]),
            "expired": a["expired"],
            "created_at": a["created_at"],
            "updated_at": a["created_at"],
            "expires_at": a["expires_at"],
            "digest": a["digest"],
            "workflow_run": {
                "id": run["id"], "repository_id": repo["id"], "head_repository_id": repo["id"],
                "head_branch": run["head_branch"], "head_sha": run["head_sha"],
            },
        }

    def blob(self, token):
        """A download URL's answer: the zip, without auth.  A GitHub URL
        expires url_ttl seconds (60, as GitHub's) after the redirect that
        made it, then answers 403 as the storage behind it does."""
        st = FORGE.state
        with st.lock:
            b = st.blobs.get(token)
            path = name = None
            if b is not None and b[0] == "gh" and b[1] in st.gh_artifacts:
                path, name = st.gh_artifacts[b[1]]["file"], st.gh_artifacts[b[1]]["name"]
            elif b is not None and b[0] == "gl":
                path, name = b[1], "artifacts"
        if path is None:
            return self.send_bytes(404, b"<Error><Code>BlobNotFound</Code></Error>\n", "application/xml")
        if b[0] == "gh" and time.monotonic() > b[2]:
            return self.send_bytes(403, b"<Error><Code>AuthenticationFailed</Code>"
                                   b"<Message>Signed expiry time has passed</Message></Error>\n",
                                   "application/xml")
        return self.send_file(200, path, "application/zip",
                              {"Content-Disposition": 'attachment; filename="%s.zip"' % name})

    def int_param(self, name, default, lo, hi):
        v = self.query.get(name, [None])[0]
        if v is None:
            return default
        try:
            return max(lo, min(hi, int(v)))
        except ValueError:
            return default

    # -- GitLab --------------------------------------------------------------

    def gl_auth(self, need, job_ok=False):
        """The caller's token, as GitLab takes it: PRIVATE-TOKEN or
        private_token, Authorization: Bearer, and (where job_ok) JOB-TOKEN or
        job_token.  401 {"message": "401 Unauthorized"} for none or a wrong one,
        403 for a token without the scope or role."""
        st = FORGE.state
        cands = []
        for src in (self.headers.get("PRIVATE-TOKEN"), self.query.get("private_token", [None])[0]):
            if src is not None:
                cands.append(("private", src))
        h = self.headers.get("Authorization")
        if h is not None:
            scheme, _, tok = h.partition(" ")
            cands.append(("private" if scheme.lower() == "bearer" else "bad", tok.strip()))
        for src in (self.headers.get("JOB-TOKEN"), self.query.get("job_token", [None])[0]):
            if src is not None:
                cands.append(("job", src))
        if not cands:
            raise gl_error(401, "401 Unauthorized")
        kind, tok = cands[0]
        t = st.gl_tokens.get(tok)
        if kind == "bad" or t is None or t["kind"] != kind or (kind == "job" and not job_ok):
            raise gl_error(401, "401 Unauthorized")
        if kind == "private":
            if not set(t["scopes"]) & set(need):
                raise gl_error(403, "insufficient_scope", "error")
        return tok, t

    def gl_project(self, ident):
        st = FORGE.state
        key = urllib.parse.unquote(ident)
        if key.isdigit():
            p = st.gl_projects.get(int(key))
        else:
            p = next((p for p in st.gl_projects.values() if p["path"].lower() == key.lower()), None)
        if p is None:
            raise gl_error(404, "404 Project Not Found")
        return p

    def gitlab(self, segs):
        st = FORGE.state
        m = self.command
        # GET /projects/:id/jobs/:job_id/artifacts
        if len(segs) == 5 and segs[0] == "projects" and segs[2] == "jobs" and segs[4] == "artifacts":
            if m not in ("GET", "HEAD"):
                raise gl_error(405, "405 Method Not Allowed")
            tok, t = self.gl_auth(("api", "read_api"), job_ok=True)
            with st.lock:
                p = self.gl_project(segs[1])
                job = p["jobs"].get(int(segs[3])) if segs[3].isdigit() else None
                if job is None:
                    raise gl_error(404, "404 Not found")
                if t["kind"] == "private" and t["role"] == "guest":
                    raise gl_error(403, "403 Forbidden")
                path = job["artifacts"]
                redirect = job["redirect"]
                if path is None or job["expired"]:
                    raise gl_error(404, "404 Not Found")
                if redirect:
                    token = secrets.token_urlsafe(24)
                    st.blobs[token] = ("gl", path)
            if redirect:
                return self.send_bytes(302, b"", "text/html;charset=utf-8",
                                       {"Location": "%s/_blob/%s/artifacts.zip" % (FORGE.blob_base, token)})
            return self.send_file(200, path, "application/zip",
                                  {"Content-Disposition": 'attachment; filename="artifacts.zip"; filename*=UTF-8\'\'artifacts.zip'})
        # POST /projects/:id/statuses/:sha
        if len(segs) == 4 and segs[0] == "projects" and segs[2] == "statuses":
            if m != "POST":
                raise gl_error(405, "405 Method Not Allowed")
            tok, t = self.gl_auth(("api",))
            params = self.gl_params()
            sha = segs[3].lower()
            with st.lock:
                p = self.gl_project(segs[1])
                if t["role"] not in ("developer", "maintainer", "owner"):
                    raise gl_error(403, "403 Forbidden")
                if "state" not in params:
                    raise gl_error(400, "state is missing", "error")
                state = params["state"]
                if state not in ("pending", "running", "success", "failed", "canceled", "skipped"):
                    raise gl_error(400, "state does not have a valid value", "error")
                if sha not in p["commits"]:
                    raise gl_error(404, "404 Commit Not Found")
                name = params.get("name") or params.get("context") or "default"
                ref = params.get("ref") or p["commits"][sha]
                return self.send_json(201, self.gl_transition(p, sha, ref, name, state, params))
        raise gl_error(404, "404 Not Found")

    def gl_params(self):
        params = {k: v[-1] for k, v in self.query.items()}
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if self.body:
            if ctype == "application/json":
                try:
                    body = json.loads(self.body)
                except ValueError:
                    raise gl_error(400, "400 Bad request - JSON parse error")
                if isinstance(body, dict):
                    params.update({k: v for k, v in body.items() if v is not None})
            else:
                form = urllib.parse.parse_qs(self.body.decode(errors="replace"), keep_blank_values=True)
                params.update({k: v[-1] for k, v in form.items()})
        return params

    # GitLab's commit status is a state machine.  The API finds the status of
    # that name and ref that is still pending or running, or makes a new one
    # (state "created"), then fires the event the requested state names:
    # pending -> enqueue, running -> enqueue (if it can) then run, success ->
    # success, failed -> drop, canceled -> cancel, skipped -> skip.  An event
    # that does not apply is a 400, e.g. "pending" twice.
    TRANSITIONS = {
        "enqueue": ({"created", "skipped", "manual", "scheduled"}, "pending"),
        "run": ({"pending"}, "running"),
        "success": ({"created", "pending", "running"}, "success"),
        "drop": ({"created", "pending", "running"}, "failed"),
        "cancel": ({"created", "pending", "running"}, "canceled"),
        "skip": ({"created"}, "skipped"),
    }
    EVENTS = {"pending": ["enqueue!"], "running": ["enqueue", "run!"], "success": ["success!"],
              "failed": ["drop!"], "canceled": ["cancel!"], "skipped": ["skip!"]}

    def gl_transition(self, p, sha, ref, name, state, params):
        st = FORGE.state
        cur = next((s for s in reversed(st.gl_statuses)
                    if s["_project"] == p["id"] and s["sha"] == sha and s["ref"] == ref
                    and s["name"] == name and s["status"] in ("pending", "running")), None)
        new = cur is None
        s = cur if cur is not None else {"status": "created"}
        status = s["status"]
        for ev in self.EVENTS[state]:
            bang = ev.endswith("!")
            ev = ev.rstrip("!")
            froms, to = self.TRANSITIONS[ev]
            if status in froms:
                status = to
            elif bang:
                raise gl_error(400, 'Cannot transition status via :%s from :%s (Reason(s): Status cannot transition via "%s")'
                               % (ev, status, ev))
        ts = now_iso_ms()
        if new:
            s = {"id": st.next_id(), "sha": sha, "ref": ref, "name": name, "created_at": ts,
                 "started_at": None, "finished_at": None, "allow_failure": False,
                 "author": {"id": 1, "username": "ci-bot", "name": "CI bot", "state": "active"},
                 "_project": p["id"], "_history": []}
            st.gl_statuses.append(s)
        s["status"] = status
        s["target_url"] = params.get("target_url", s.get("target_url"))
        s["description"] = params.get("description", s.get("description"))
        s["coverage"] = float(params["coverage"]) if params.get("coverage") not in (None, "") else s.get("coverage")
        s["pipeline_id"] = int(params["pipeline_id"]) if str(params.get("pipeline_id", "")).isdigit() else p["pipelines"].get(sha)
        if status == "running" and s["started_at"] is None:
            s["started_at"] = ts
        if status in ("success", "failed", "canceled", "skipped"):
            s["finished_at"] = ts
        s["_history"].append(status)
        return {k: v for k, v in s.items() if not k.startswith("_")}

    # -- plain files (generic hook) -------------------------------------------

    def files(self, segs):
        # /_files/NAME                 the registered file
        # /_files/redirect/N/NAME      N redirects (302), then the file
        # /_files/zeros/BYTES          BYTES zero bytes, made up on the fly
        if len(segs) == 3 and segs[0] == "redirect" and segs[1].isdigit():
            n = int(segs[1])
            loc = "/_files/%s" % segs[2] if n <= 1 else "/_files/redirect/%d/%s" % (n - 1, segs[2])
            return self.send_bytes(302, b"", "text/plain", {"Location": FORGE.api_base + loc})
        if len(segs) == 2 and segs[0] == "zeros" and segs[1].isdigit():
            return self.send_file(200, None, "application/octet-stream", size=int(segs[1]))
        name = urllib.parse.unquote("/".join(segs))
        with FORGE.state.lock:
            path = FORGE.state.files.get(name)
        if path is None:
            raise HttpError(404, {"message": "Not Found"})
        return self.send_file(200, path, "application/octet-stream")

    # -- control API ----------------------------------------------------------

    def control(self, path):
        st = FORGE.state
        segs = path.split("/")[2:]
        m = self.command
        try:
            req = json.loads(self.body) if self.body else {}
        except ValueError:
            raise HttpError(400, {"error": "control body is not JSON"})
        key = (m, "/".join(segs))
        if key == ("GET", "health"):
            return self.send_json(200, {"ok": True, "api_port": FORGE.api_port, "blob_port": FORGE.blob_port,
                                        "api_url": FORGE.api_base, "pid": os.getpid()})
        if key == ("POST", "reset"):
            with st.lock:
                st.reset()
            return self.send_json(200, {"ok": True})
        if key == ("POST", "github/tokens"):
            perms = req.get("permissions", {"actions": "read", "statuses": "write"})
            with st.lock:
                st.gh_tokens[req["token"]] = perms
            return self.send_json(201, {"token": req["token"], "permissions": perms})
        if key == ("POST", "github/repos"):
            with st.lock:
                repo = self.ensure_repo(req["full_name"], req.get("id"))
            return self.send_json(201, {"id": repo["id"], "full_name": repo["full_name"]})
        if key == ("POST", "github/commits"):
            with st.lock:
                repo = self.ensure_repo(req["repo"])
                repo["commits"].add(req["sha"].lower())
            return self.send_json(201, {"ok": True})
        if key == ("POST", "github/runs"):
            with st.lock:
                repo = self.ensure_repo(req["repo"])
                rid = int(req.get("run_id") or st.next_id())
                run = {"id": rid, "head_sha": req.get("head_sha", "0" * 40).lower(),
                       "head_branch": req.get("head_branch", "main"), "artifacts": []}
                repo["commits"].add(run["head_sha"])
                out = []
                for a in req.get("artifacts", []):
                    aid = int(a.get("id") or st.next_id())
                    fpath = os.path.abspath(a["file"])
                    with open(fpath, "rb") as f:
                        digest = "sha256:" + hashlib.sha256(f.read()).hexdigest()
                    created = now_iso()
                    art = {"id": aid, "name": a["name"], "file": fpath, "size": os.path.getsize(fpath),
                           "expired": bool(a.get("expired", False)), "repo": repo["full_name"].lower(),
                           "created_at": created, "digest": digest,
                           "expires_at": (datetime.datetime.now(datetime.timezone.utc)
                                          + datetime.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")}
                    st.gh_artifacts[aid] = art
                    run["artifacts"].append(aid)
                    out.append({"id": aid, "name": art["name"], "size_in_bytes": art["size"]})
                repo["runs"][str(rid)] = run
            return self.send_json(201, {"run_id": rid, "repository_id": repo["id"], "artifacts": out})
        if m == "POST" and len(segs) == 4 and segs[:2] == ["github", "artifacts"] and segs[3] == "expire":
            with st.lock:
                art = st.gh_artifacts.get(int(segs[2]))
                if art is None:
                    raise HttpError(404, {"error": "no artifact %s" % segs[2]})
                art["expired"] = True
            return self.send_json(200, {"ok": True})
        if key == ("POST", "url-ttl"):
            with st.lock:
                st.url_ttl = float(req["seconds"])
            return self.send_json(200, {"ok": True})
        if key == ("GET", "github/statuses"):
            repo = self.query.get("repo", [""])[0].lower()
            sha = self.query.get("sha", [""])[0].lower()
            with st.lock:
                out = [{k: v for k, v in s.items() if not k.startswith("_")} | {"token": s["_token"]}
                       for s in st.gh_statuses
                       if (not repo or s["_repo"] == repo) and (not sha or s["_sha"] == sha)]
            return self.send_json(200, out)
        if key == ("POST", "gitlab/tokens"):
            t = {"kind": req.get("kind", "private"), "scopes": req.get("scopes", ["api"]),
                 "role": req.get("role", "developer")}
            with st.lock:
                st.gl_tokens[req["token"]] = t
            return self.send_json(201, dict(t, token=req["token"]))
        if key == ("POST", "gitlab/projects"):
            with st.lock:
                p = self.ensure_project(req["path"], req.get("id"))
            return self.send_json(201, {"id": p["id"], "path_with_namespace": p["path"]})
        if key == ("POST", "gitlab/commits"):
            with st.lock:
                p = self.find_project(req["project"])
                p["commits"][req["sha"].lower()] = req.get("ref", "main")
            return self.send_json(201, {"ok": True})
        if key == ("POST", "gitlab/jobs"):
            with st.lock:
                p = self.find_project(req["project"])
                jid = int(req.get("job_id") or st.next_id())
                sha = req.get("sha", "0" * 40).lower()
                ref = req.get("ref", "main")
                p["commits"][sha] = ref
                pid = int(req.get("pipeline_id") or p["pipelines"].get(sha) or st.next_id())
                p["pipelines"][sha] = pid
                art = os.path.abspath(req["artifacts"]) if req.get("artifacts") else None
                p["jobs"][jid] = {"id": jid, "name": req.get("name", "build"), "ref": ref, "sha": sha,
                                  "artifacts": art, "redirect": bool(req.get("redirect", False)),
                                  "expired": False, "pipeline_id": pid}
            return self.send_json(201, {"job_id": jid, "project_id": p["id"], "pipeline_id": pid})
        if m == "POST" and len(segs) == 4 and segs[:2] == ["gitlab", "jobs"] and segs[3] == "expire":
            with st.lock:
                for p in st.gl_projects.values():
                    if int(segs[2]) in p["jobs"]:
                        p["jobs"][int(segs[2])]["expired"] = True
                        return self.send_json(200, {"ok": True})
            raise HttpError(404, {"error": "no job %s" % segs[2]})
        if key == ("GET", "gitlab/statuses"):
            proj = self.query.get("project", [""])[0]
            sha = self.query.get("sha", [""])[0].lower()
            with st.lock:
                pid = self.find_project(proj)["id"] if proj else None
                out = [{k: v for k, v in s.items() if not k.startswith("_")} | {"history": list(s["_history"])}
                       for s in st.gl_statuses
                       if (pid is None or s["_project"] == pid) and (not sha or s["sha"] == sha)]
            return self.send_json(200, out)
        if key == ("POST", "files"):
            with st.lock:
                st.files[req["name"]] = os.path.abspath(req["file"])
            return self.send_json(201, {"url": "%s/_files/%s" % (FORGE.api_base, urllib.parse.quote(req["name"]))})
        if key == ("GET", "calls"):
            return self.send_json(200, self.select_calls())
        if key == ("DELETE", "calls"):
            with st.lock:
                st.calls = []
            return self.send_json(200, {"ok": True})
        if key == ("GET", "wait"):
            # Long poll: answer once at least `count` calls match the filters
            # (or at `timeout`, with 408 and what matched so far).
            want = int(self.query.get("count", ["1"])[0])
            deadline = time.monotonic() + float(self.query.get("timeout", ["30"])[0])
            with st.lock:
                st.waiters += 1
                try:
                    while True:
                        got = self.select_calls()
                        left = deadline - time.monotonic()
                        if len(got) >= want or left <= 0:
                            break
                        st.lock.wait(left)
                finally:
                    st.waiters -= 1
            return self.send_json(200 if len(got) >= want else 408, got)
        if key == ("POST", "down"):
            f = {"mode": req.get("mode", "error"), "status": int(req.get("status", 503)),
                 "count": req.get("count"), "match": req.get("match"), "method": req.get("method"),
                 "hang_s": float(req.get("hang_s", 60))}
            if "body" in req:
                f["body"] = req["body"]
            if "headers" in req:
                f["headers"] = req["headers"]
            if f["mode"] not in ("error", "drop", "hang"):
                raise HttpError(400, {"error": "mode is error, drop or hang"})
            with st.lock:
                st.fault = f
                st.up_event.clear()
            return self.send_json(200, f)
        if key == ("POST", "up"):
            with st.lock:
                st.fault = None
                st.up_event.set()
            return self.send_json(200, {"ok": True})
        if key == ("GET", "state"):
            with st.lock:
                return self.send_json(200, {
                    "fault": st.fault, "calls": len(st.calls), "waiters": st.waiters,
                    "github": {"repos": {k: {"id": r["id"], "runs": r["runs"], "commits": sorted(r["commits"])}
                                         for k, r in st.gh_repos.items()},
                               "artifacts": st.gh_artifacts, "tokens": st.gh_tokens},
                    "gitlab": {"projects": {str(k): {"path": p["path"], "jobs": {str(j): v for j, v in p["jobs"].items()},
                                                     "commits": p["commits"]}
                                            for k, p in st.gl_projects.items()},
                               "tokens": st.gl_tokens},
                    "files": st.files})
        raise HttpError(404, {"error": "no control route %s %s" % (m, path)})

    def select_calls(self):
        """Calls matching ?since=SEQ&method=M&path=PREFIX&listener=L."""
        q = {k: v[0] for k, v in self.query.items()}
        since = int(q.get("since", 0))
        out = []
        for c in FORGE.state.calls:
            if c["seq"] <= since:
                continue
            if q.get("method") and c["method"] != q["method"].upper():
                continue
            if q.get("path") and not c["path"].startswith(q["path"]):
                continue
            if q.get("listener") and c["listener"] != q["listener"]:
                continue
            if q.get("status") and str(c["status"]) != q["status"]:
                continue
            out.append(c)
        return out

    def ensure_repo(self, full_name, rid=None):
        st = FORGE.state
        key = full_name.lower()
        if key not in st.gh_repos:
            st.gh_repos[key] = {"id": int(rid or st.next_id()), "full_name": full_name,
                                "runs": {}, "commits": set()}
        return st.gh_repos[key]

    def ensure_project(self, path, pid=None):
        st = FORGE.state
        for p in st.gl_projects.values():
            if p["path"].lower() == path.lower():
                return p
        pid = int(pid or st.next_id())
        st.gl_projects[pid] = {"id": pid, "path": path, "jobs": {}, "commits": {}, "pipelines": {}}
        return st.gl_projects[pid]

    def find_project(self, ident):
        st = FORGE.state
        if isinstance(ident, int) or str(ident).isdigit():
            p = st.gl_projects.get(int(ident))
            if p is None:
                raise HttpError(404, {"error": "no project %s" % ident})
            return p
        return self.ensure_project(str(ident))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The same forge on a Unix socket (--unix-socket): for proving that a
    test's deliveries reach a Unix socket, as pkvmd's tests send them."""
    daemon_threads = True


def make_server(host, port):
    cls = Server
    if ":" in host:
        class Server6(Server):
            address_family = socket.AF_INET6
        cls = Server6
    return cls((host, port), Handler)


def watch_parent(pid):
    """Exit when process PID exits: a test that dies leaves no forge behind."""
    try:
        fd = os.pidfd_open(pid)
    except (ProcessLookupError, OSError):
        os._exit(0)
    select.select([fd], [], [])
    os._exit(0)


def main():
    global FORGE
    ap = argparse.ArgumentParser(description="A loopback stand-in for the GitHub and GitLab REST APIs pkvmd uses.")
    ap.add_argument("--port", type=int, default=0, help="API port (0: the kernel picks one)")
    ap.add_argument("--blob-port", type=int, default=0, help="port of the artifact download URLs (default: any)")
    ap.add_argument("--host", default="127.0.0.1", help="127.0.0.1 or ::1")
    ap.add_argument("--dir", required=True, help="where forge.pid and calls.jsonl go")
    ap.add_argument("--exit-with", type=int, metavar="PID", help="exit when process PID exits")
    ap.add_argument("--unix-socket", metavar="PATH", help="also serve on this Unix socket")
    args = ap.parse_args()
    if args.host not in LOOPBACK:
        sys.exit("forge: --host must be a loopback address (127.0.0.1 or ::1), not %s" % args.host)
    os.makedirs(args.dir, exist_ok=True)
    FORGE = Forge(args)
    api = make_server(args.host, args.port)
    blob = make_server(args.host, args.blob_port)
    FORGE.api_port = api.server_address[1]
    FORGE.blob_port = blob.server_address[1]
    with open(os.path.join(args.dir, "forge.pid.tmp"), "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(os.path.join(args.dir, "forge.pid.tmp"), os.path.join(args.dir, "forge.pid"))
    threading.Thread(target=blob.serve_forever, daemon=True).start()
    if args.unix_socket:
        unix = UnixServer(args.unix_socket, Handler)
        threading.Thread(target=unix.serve_forever, daemon=True).start()
    if args.exit_with:
        threading.Thread(target=watch_parent, args=(args.exit_with,), daemon=True).start()
    # Both sockets listen already: the port line is the readiness event.
    sys.stdout.write("%d\n" % FORGE.api_port)
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        api.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
