#!/usr/bin/env python3
"""payloads.py -- webhook deliveries and artifact zips for pkvmd's CI tests.

Each subcommand writes one delivery into --out DIR as two files:

  DIR/body      the raw body, byte for byte what is signed
  DIR/headers   one "Name: value" per line, the delivery's headers
                (curl -H @DIR/headers reads them)

and prints the delivery id on stdout.  tests/forge/forge.sh sends them
(hook_send), over TCP or a Unix socket.

The bodies are modelled on the forges' documented examples: GitHub's `ping`
and `workflow_run` webhook payloads with X-GitHub-Event, X-GitHub-Delivery
(a GUID) and X-Hub-Signature-256 (`sha256=` and the hex HMAC-SHA256 of the
raw body under the webhook secret); GitLab's Job Hook and Pipeline Hook
with X-Gitlab-Event, X-Gitlab-Token (the secret token itself),
X-Gitlab-Event-UUID, X-Gitlab-Webhook-UUID and Idempotency-Key; and
pkvmd's own generic hook, signed in X-Pkvm-Signature-256 as GitHub signs
(docs/CI.md).  The values are made up; only the shapes follow the forges.

  payloads.py github-ping          --secret S --repo OWNER/NAME --out DIR
  payloads.py github-workflow-run  --secret S --repo OWNER/NAME --run-id N --sha SHA
                                   [--branch B] [--workflow NAME] [--path .github/workflows/F]
                                   [--action completed] [--conclusion success] [--run-number N]
                                   [--event push] --out DIR
  payloads.py gitlab-job           --token T --project GROUP/NAME --project-id N --job-id N
                                   --sha SHA [--job-name NAME] [--status success] [--ref B]
                                   [--stage test] [--pipeline-id N] --out DIR
  payloads.py gitlab-pipeline      --token T --project GROUP/NAME --project-id N --pipeline-id N
                                   --sha SHA [--ref B] [--status success]
                                   [--build NAME:STATUS:ID]... --out DIR
  payloads.py generic              --secret S --project P --ref R --commit SHA
                                   --kernel-url U --tests-url U [--kernel-sha256 H]
                                   [--tests-sha256 H] [--tag T]... [--callback-url U] [--id ID] --out DIR
  payloads.py sign   --secret S FILE            prints sha256=<hex> of FILE
  payloads.py zip    OUT DIR [--evil KIND]...   zips DIR's tree into OUT; KIND adds a
                     hostile entry: dotdot (../escape), absolute (/tmp/...),
                     symlink-out (a link to /etc), bomb:BYTES (one entry of BYTES
                     zeros, a few KiB compressed)

--secret-file F / --token-file F read the secret from a file instead (its
first line), as pkvmd's project files do; --delivery ID sets the delivery id
(default: a fresh UUID), so that a test can replay one.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import os
import stat
import sys
import uuid
import zipfile


def ts(offset_s=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def gl_ts(offset_s=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def secret_of(args, name):
    v = getattr(args, name)
    f = getattr(args, name + "_file")
    if f:
        with open(f) as fh:
            return fh.readline().rstrip("\r\n")
    if v is None:
        sys.exit("payloads: --%s or --%s-file is needed" % (name, name))
    return v


def write(out, body, headers):
    os.makedirs(out, exist_ok=True)
    raw = json.dumps(body, separators=(",", ":")).encode()
    headers = dict(headers)
    headers.setdefault("Content-Type", "application/json")
    return raw, headers


def emit(out, raw, headers, delivery):
    with open(os.path.join(out, "body"), "wb") as f:
        f.write(raw)
    with open(os.path.join(out, "headers"), "w") as f:
        for k, v in headers.items():
            f.write("%s: %s\n" % (k, v))
    print(delivery)


# -- GitHub -------------------------------------------------------------------

def gh_user(login, uid):
    return {"login": login, "id": uid, "node_id": "MDQ6VXNlcj%d" % uid, "type": "User",
            "site_admin": False, "html_url": "https://github.com/%s" % login}


def gh_repository(full_name, rid):
    owner, name = full_name.split("/", 1)
    return {
        "id": rid, "node_id": "R_kgDO%08d" % rid, "name": name, "full_name": full_name,
        "private": True, "owner": gh_user(owner, rid + 1),
        "html_url": "https://github.com/%s" % full_name,
        "url": "https://api.github.com/repos/%s" % full_name,
        "default_branch": "main", "visibility": "private",
    }


def gh_headers(event, delivery, hook_id, rid, secret, raw):
    return {
        "User-Agent": "GitHub-Hookshot/pkvm-test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Hook-ID": str(hook_id),
        "X-GitHub-Hook-Installation-Target-Type": "repository",
        "X-GitHub-Hook-Installation-Target-ID": str(rid),
        "X-Hub-Signature-256": signature(secret, raw),
    }


def github_ping(a):
    secret = secret_of(a, "secret")
    delivery = a.delivery or str(uuid.uuid4())
    body = {
        "zen": "Keep it logically awesome.",
        "hook_id": a.hook_id,
        "hook": {
            "type": "Repository", "id": a.hook_id, "name": "web", "active": True,
            "events": ["workflow_run"],
            "config": {"content_type": "json", "insecure_ssl": "0", "url": a.url},
            "updated_at": ts(), "created_at": ts(),
        },
        "repository": gh_repository(a.repo, a.repo_id),
        "sender": gh_user("octo-admin", 7),
    }
    raw, _ = write(a.out, body, {})
    headers = {"Content-Type": "application/json"}
    headers.update(gh_headers("ping", delivery, a.hook_id, a.repo_id, secret, raw))
    emit(a.out, raw, headers, delivery)


def github_workflow_run(a):
    secret = secret_of(a, "secret")
    delivery = a.delivery or str(uuid.uuid4())
    repo = gh_repository(a.repo, a.repo_id)
    api = "https://api.github.com/repos/%s" % a.repo
    status = "completed" if a.action == "completed" else ("in_progress" if a.action == "in_progress" else "queued")
    conclusion = a.conclusion if a.action == "completed" else None
    run = {
        "id": a.run_id, "name": a.workflow, "node_id": "WFR_kwLO%08d" % a.run_id,
        "head_branch": a.branch, "head_sha": a.sha, "path": a.path,
        "display_title": "kernel: a change to test", "run_number": a.run_number,
        "event": a.event, "status": status, "conclusion": conclusion,
        "workflow_id": a.workflow_id, "check_suite_id": a.run_id + 1,
        "check_suite_node_id": "CS_kwDO%08d" % (a.run_id + 1),
        "url": "%s/actions/runs/%d" % (api, a.run_id),
        "html_url": "https://github.com/%s/actions/runs/%d" % (a.repo, a.run_id),
        "pull_requests": [], "created_at": ts(-300), "updated_at": ts(),
        "actor": gh_user("kernel-dev", 42), "triggering_actor": gh_user("kernel-dev", 42),
        "run_attempt": a.run_attempt, "referenced_workflows": [], "run_started_at": ts(-300),
        "jobs_url": "%s/actions/runs/%d/jobs" % (api, a.run_id),
        "logs_url": "%s/actions/runs/%d/logs" % (api, a.run_id),
        "check_suite_url": "%s/check-suites/%d" % (api, a.run_id + 1),
        "artifacts_url": "%s/actions/runs/%d/artifacts" % (api, a.run_id),
        "cancel_url": "%s/actions/runs/%d/cancel" % (api, a.run_id),
        "rerun_url": "%s/actions/runs/%d/rerun" % (api, a.run_id),
        "previous_attempt_url": None,
        "workflow_url": "%s/actions/workflows/%d" % (api, a.workflow_id),
        "head_commit": {
            "id": a.sha, "tree_id": hashlib.sha1(a.sha.encode()).hexdigest(),
            "message": "kernel: a change to test", "timestamp": ts(-600),
            "author": {"name": "Kernel Dev", "email": "dev@example.org"},
            "committer": {"name": "Kernel Dev", "email": "dev@example.org"},
        },
        "repository": repo, "head_repository": repo,
    }
    body = {
        "action": a.action,
        "workflow_run": run,
        "workflow": {
            "id": a.workflow_id, "node_id": "W_kwDO%08d" % a.workflow_id, "name": a.workflow,
            "path": a.path, "state": "active", "created_at": ts(-86400), "updated_at": ts(-86400),
            "url": "%s/actions/workflows/%d" % (api, a.workflow_id),
            "html_url": "https://github.com/%s/blob/main/%s" % (a.repo, a.path),
            "badge_url": "https://github.com/%s/workflows/%s/badge.svg" % (a.repo, a.workflow),
        },
        "repository": repo,
        "sender": gh_user("kernel-dev", 42),
    }
    raw, _ = write(a.out, body, {})
    headers = {"Content-Type": "application/json"}
    headers.update(gh_headers("workflow_run", delivery, a.hook_id, a.repo_id, secret, raw))
    emit(a.out, raw, headers, delivery)


# -- GitLab -------------------------------------------------------------------

def gl_project(a):
    ns, _, name = a.project.rpartition("/")
    return {
        "id": a.project_id, "name": name, "description": "", "web_url": "https://gitlab.example/%s" % a.project,
        "avatar_url": None, "git_ssh_url": "git@gitlab.example:%s.git" % a.project,
        "git_http_url": "https://gitlab.example/%s.git" % a.project, "namespace": ns,
        "visibility_level": 0, "path_with_namespace": a.project, "default_branch": "main",
        "ci_config_path": "",
    }


def gl_user():
    return {"id": 42, "name": "Kernel Dev", "username": "kernel-dev", "avatar_url": None,
            "email": "[REDACTED]"}


def gl_headers(event, token, delivery):
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitLab/17.6.0",
        "X-Gitlab-Event": event,
        "X-Gitlab-Token": token,
        "X-Gitlab-Instance": "https://gitlab.example",
        "X-Gitlab-Webhook-UUID": str(uuid.uuid4()),
        "X-Gitlab-Event-UUID": delivery,
        "Idempotency-Key": delivery,
    }


def gitlab_job(a):
    token = secret_of(a, "token")
    delivery = a.delivery or str(uuid.uuid4())
    done = a.status in ("success", "failed", "canceled", "skipped")
    body = {
        "object_kind": "build",
        "ref": a.ref, "tag": False, "before_sha": "0" * 40, "sha": a.sha,
        "retries_count": 0,
        "build_id": a.job_id, "build_name": a.job_name, "build_stage": a.stage,
        "build_status": a.status,
        "build_created_at": gl_ts(-300), "build_started_at": gl_ts(-240),
        "build_finished_at": gl_ts() if done else None,
        "build_created_at_iso": ts(-300), "build_started_at_iso": ts(-240),
        "build_finished_at_iso": ts() if done else None,
        "build_duration": 240.0 if done else None, "build_queued_duration": 60.0,
        "build_allow_failure": False,
        "build_failure_reason": "script_failure" if a.status == "failed" else "unknown_failure",
        "pipeline_id": a.pipeline_id,
        "runner": {"id": 7, "description": "kernel-builder", "runner_type": "project_type",
                   "active": True, "is_shared": False, "tags": ["arm64"]},
        "project_id": a.project_id,
        "project_name": a.project.replace("/", " / "),
        "user": gl_user(),
        "commit": {
            "id": a.pipeline_id, "name": None, "sha": a.sha, "message": "kernel: a change to test\n",
            "author_name": "Kernel Dev", "author_email": "dev@example.org",
            "author_url": "https://gitlab.example/kernel-dev", "status": a.status,
            "duration": None, "started_at": gl_ts(-300), "finished_at": None,
        },
        "repository": {
            "name": a.project.rpartition("/")[2], "url": "git@gitlab.example:%s.git" % a.project,
            "description": "", "homepage": "https://gitlab.example/%s" % a.project,
            "git_http_url": "https://gitlab.example/%s.git" % a.project,
            "git_ssh_url": "git@gitlab.example:%s.git" % a.project, "visibility_level": 0,
        },
        "project": gl_project(a),
        "environment": None,
    }
    raw, _ = write(a.out, body, {})
    emit(a.out, raw, gl_headers("Job Hook", token, delivery), delivery)


def gitlab_pipeline(a):
    token = secret_of(a, "token")
    delivery = a.delivery or str(uuid.uuid4())
    builds = []
    for spec in a.build or []:
        name, status, bid = spec.split(":")
        builds.append({
            "id": int(bid), "stage": "build", "name": name, "status": status,
            "created_at": gl_ts(-300), "started_at": gl_ts(-240),
            "finished_at": gl_ts() if status in ("success", "failed", "canceled") else None,
            "duration": 240.0, "queued_duration": 60.0,
            "failure_reason": "script_failure" if status == "failed" else None,
            "when": "on_success", "manual": False, "allow_failure": False,
            "user": gl_user(), "runner": None,
            "artifacts_file": {"filename": "artifacts.zip", "size": 1024} if status == "success" else
                              {"filename": None, "size": None},
            "environment": None,
        })
    body = {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": a.pipeline_id, "iid": a.pipeline_id % 1000, "name": None, "ref": a.ref, "tag": False,
            "sha": a.sha, "before_sha": "0" * 40, "source": "push", "status": a.status,
            "detailed_status": "passed" if a.status == "success" else a.status,
            "stages": ["build", "test"], "created_at": gl_ts(-300),
            "finished_at": gl_ts() if a.status in ("success", "failed", "canceled") else None,
            "duration": 300, "queued_duration": 10, "variables": [],
            "url": "https://gitlab.example/%s/-/pipelines/%d" % (a.project, a.pipeline_id),
        },
        "merge_request": None,
        "user": gl_user(),
        "project": gl_project(a),
        "commit": {
            "id": a.sha, "message": "kernel: a change to test\n", "title": "kernel: a change to test",
            "timestamp": ts(-600), "url": "https://gitlab.example/%s/-/commit/%s" % (a.project, a.sha),
            "author": {"name": "Kernel Dev", "email": "dev@example.org"},
        },
        "source_pipeline": None,
        "builds": builds,
    }
    raw, _ = write(a.out, body, {})
    emit(a.out, raw, gl_headers("Pipeline Hook", token, delivery), delivery)


# -- pkvmd's generic hook ------------------------------------------------------

def generic(a):
    secret = secret_of(a, "secret")
    delivery = a.id or a.delivery or str(uuid.uuid4())
    body = {"id": delivery, "project": a.project, "ref": a.ref, "commit": a.commit,
            "kernel_url": a.kernel_url, "tests_url": a.tests_url}
    if a.kernel_sha256:
        body["kernel_sha256"] = a.kernel_sha256
    if a.tests_sha256:
        body["tests_sha256"] = a.tests_sha256
    if a.tag:
        body["tags"] = a.tag
    if a.callback_url:
        body["callback_url"] = a.callback_url
    raw, _ = write(a.out, body, {})
    headers = {"Content-Type": "application/json", "User-Agent": "pkvm-test",
               "X-Pkvm-Signature-256": signature(secret, raw)}
    emit(a.out, raw, headers, delivery)


# -- utilities -----------------------------------------------------------------

def sign(a):
    with open(a.file, "rb") as f:
        print(signature(secret_of(a, "secret"), f.read()))


def make_zip(a):
    with zipfile.ZipFile(a.out_zip, "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(a.dir):
            dirs.sort()
            for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                full = os.path.join(root, name)
                rel = os.path.relpath(full, a.dir)
                if os.path.islink(full):
                    info = zipfile.ZipInfo(rel)
                    info.create_system = 3
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    z.writestr(info, os.readlink(full))
                else:
                    z.write(full, rel)
        for evil in a.evil or []:
            if evil == "dotdot":
                z.writestr("../escape", "written outside the tree\n")
            elif evil == "absolute":
                z.writestr("/tmp/pkvm-absolute-escape", "written at an absolute path\n")
            elif evil == "symlink-out":
                info = zipfile.ZipInfo("tests/etc-link")
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, "/etc")
            elif evil.startswith("bomb:"):
                size = int(evil[5:])
                info = zipfile.ZipInfo("bomb")
                info.compress_type = zipfile.ZIP_DEFLATED
                with z.open(info, "w", force_zip64=size > (1 << 31)) as w:
                    chunk = b"\0" * (1 << 20)
                    left = size
                    while left > 0:
                        w.write(chunk[:min(left, len(chunk))])
                        left -= min(left, len(chunk))
            else:
                sys.exit("payloads: --evil is dotdot, absolute, symlink-out or bomb:BYTES")


def main():
    ap = argparse.ArgumentParser(description="Webhook deliveries and artifact zips for pkvmd's CI tests.")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, secret="secret"):
        p.add_argument("--" + secret)
        p.add_argument("--%s-file" % secret, dest=secret + "_file")
        p.add_argument("--delivery", help="delivery id (default: a fresh UUID)")
        p.add_argument("--out", required=True, help="directory for body and headers")

    p = sub.add_parser("github-ping")
    common(p)
    p.add_argument("--repo", required=True)
    p.add_argument("--repo-id", type=int, default=424242)
    p.add_argument("--hook-id", type=int, default=30)
    p.add_argument("--url", default="https://lab.example:8443/v1/hooks/github")
    p.set_defaults(fn=github_ping)

    p = sub.add_parser("github-workflow-run")
    common(p)
    p.add_argument("--repo", required=True)
    p.add_argument("--repo-id", type=int, default=424242)
    p.add_argument("--hook-id", type=int, default=30)
    p.add_argument("--run-id", type=int, required=True)
    p.add_argument("--sha", required=True)
    p.add_argument("--branch", default="main")
    p.add_argument("--workflow", default="kernel")
    p.add_argument("--workflow-id", type=int, default=161335)
    p.add_argument("--path", default=".github/workflows/kernel.yml")
    p.add_argument("--action", default="completed", choices=["requested", "in_progress", "completed"])
    p.add_argument("--conclusion", default="success")
    p.add_argument("--run-number", type=int, default=1)
    p.add_argument("--run-attempt", type=int, default=1)
    p.add_argument("--event", default="push")
    p.set_defaults(fn=github_workflow_run)

    p = sub.add_parser("gitlab-job")
    common(p, "token")
    p.add_argument("--project", required=True, help="path_with_namespace")
    p.add_argument("--project-id", type=int, required=True)
    p.add_argument("--job-id", type=int, required=True)
    p.add_argument("--job-name", default="build")
    p.add_argument("--stage", default="build")
    p.add_argument("--status", default="success")
    p.add_argument("--ref", default="main")
    p.add_argument("--sha", required=True)
    p.add_argument("--pipeline-id", type=int, default=9001)
    p.set_defaults(fn=gitlab_job)

    p = sub.add_parser("gitlab-pipeline")
    common(p, "token")
    p.add_argument("--project", required=True)
    p.add_argument("--project-id", type=int, required=True)
    p.add_argument("--pipeline-id", type=int, required=True)
    p.add_argument("--status", default="success")
    p.add_argument("--ref", default="main")
    p.add_argument("--sha", required=True)
    p.add_argument("--build", action="append", metavar="NAME:STATUS:ID")
    p.set_defaults(fn=gitlab_pipeline)

    p = sub.add_parser("generic")
    common(p)
    p.add_argument("--id", help="the body's id (default: --delivery, else a fresh UUID)")
    p.add_argument("--project", required=True)
    p.add_argument("--ref", required=True)
    p.add_argument("--commit", required=True)
    p.add_argument("--kernel-url", required=True)
    p.add_argument("--tests-url", required=True)
    p.add_argument("--kernel-sha256")
    p.add_argument("--tests-sha256")
    p.add_argument("--tag", action="append")
    p.add_argument("--callback-url")
    p.set_defaults(fn=generic)

    p = sub.add_parser("sign")
    p.add_argument("--secret")
    p.add_argument("--secret-file", dest="secret_file")
    p.add_argument("file")
    p.set_defaults(fn=sign)

    p = sub.add_parser("zip")
    p.add_argument("out_zip")
    p.add_argument("dir")
    p.add_argument("--evil", action="append")
    p.set_defaults(fn=make_zip)

    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
