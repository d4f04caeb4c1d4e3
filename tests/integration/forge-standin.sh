#!/bin/bash
# Integration: the stand-in forge (tests/forge/forge.py) behaves as the
# forges' REST documentation says, so that the tests of pkvmd's CI support
# can trust it.  No pkvmd here: curl drives the forge.  GitHub: 401 for no
# token and a wrong one (Bearer and token schemes), 403 for a token without
# the permission, the workflow run's artifact list and its shape, name
# filter and pagination, 404 for an unknown repository or run, the download
# as a 302 to a short-lived URL on another port that serves the zip without
# auth, 410 for an expired artifact, commit statuses (201, 422 for a bad
# state or an unknown commit), the /api/v3 prefix of GitHub Enterprise.
# GitLab: PRIVATE-TOKEN, Bearer and JOB-TOKEN, 401 {"message": "401
# Unauthorized"}, the artifacts archive by project id and by URL-encoded
# path, 404s, the CDN-like redirect, statuses as form and JSON with
# GitLab's state machine (a repeated state is 400).  The call log, its long
# poll, the forge taken down (5xx, dropped, hanging) and brought back; the
# webhook deliveries of payloads.py (signatures, headers, bodies), sent over
# TCP and over a Unix socket; artifact zips with hostile entries.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
. "$(dirname "$0")/../forge/forge.sh"

SHA=$(printf 'a1b2c3d4%.0s' 1 2 3 4 5)
SHA2=$(printf '0f1e2d3c%.0s' 1 2 3 4 5)
GH_TOKEN=ghp_standin_good
GL_TOKEN=glpat-standin-good
JOB_TOKEN=glcbt-standin-job

# code [CURL ARGS...] URL -- the HTTP status, the body in $T/body, the
# headers in $T/headers.
code() {
	curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" || true
}

# body EXPR -- a Python expression on the last body's JSON, bound to j.
body() {
	forge_json "$1" <"$T/body"
}

# header NAME -- a header of the last answer (case-insensitive), no CR.
header() {
	grep -i "^$1:" "$T/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'
}

# --- start ----------------------------------------------------------------------
check "the forge starts and prints its port" forge_start "$T/forge" --unix-socket "$T/forge.sock"
check_match "  a loopback URL" "$FORGE_URL" '^http://127\.0\.0\.1:[0-9]+$'
check "  its pid file names a live process" kill -0 "$(cat "$T/forge/forge.pid")"
check_eq "  /_forge/health answers" "$(forge_ctl GET health | forge_json 'j["api_port"]')" "$FORGE_PORT"
rc=0; python3 "$FORGE_PY" --host 0.0.0.0 --dir "$T/nope" 2>"$T/err" || rc=$?
check "a non-loopback --host is refused" test "$rc" -ne 0
check_match "  saying why" "$(cat "$T/err")" 'must be a loopback address'

# The artifact a CI job uploads: Image and tests/.
mkdir -p "$T/art/tests"
printf 'ARMd\0fake arm64 Image\n' >"$T/art/Image"
printf '#!/bin/sh\necho ok\n' >"$T/art/tests/pass.sh"
chmod +x "$T/art/tests/pass.sh"
make_artifact_zip "$T/job.zip" "$T/art"
make_artifact_zip "$T/logs.zip" "$T/art/tests"
check_eq "the artifact zip holds Image and tests/" \
	"$(python3 -c 'import sys, zipfile; print(" ".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' "$T/job.zip")" \
	"Image tests/pass.sh"

# --- GitHub: auth ------------------------------------------------------------------
forge_github_token "$GH_TOKEN"
forge_github_token ghp_read_only '{"actions": "read"}'
ids=$(forge_register_run acme/linux 4242 "$SHA" dev pkvmd-job="$T/job.zip" logs="$T/logs.zip")
ART=$(head -1 <<<"$ids")
check_match "a run registers with two artifacts" "$(wc -l <<<"$ids")" '^2$'
LIST=$FORGE_URL/repos/acme/linux/actions/runs/4242/artifacts
check_eq "GitHub: no token is 401" "$(code "$LIST")" 401
check_eq "  with GitHub's message" "$(body 'j["message"]')" "Requires authentication"
check_match "  and its documentation_url" "$(body 'j["documentation_url"]')" '^https://docs\.github\.com/'
check_eq "a wrong token is 401" "$(code -H "Authorization: Bearer ghp_wrong" "$LIST")" 401
check_eq "  Bad credentials" "$(body 'j["message"]')" "Bad credentials"
check_eq "a Basic header is 401" "$(code -H "Authorization: Basic Z2g6eA==" "$LIST")" 401
check_eq "Bearer TOKEN with GitHub's Accept and API version is 200" \
	"$(code -H "Authorization: Bearer $GH_TOKEN" -H 'Accept: application/vnd.github+json' \
		-H 'X-GitHub-Api-Version: 2022-11-28' "$LIST")" 200
check_eq "'token TOKEN' is 200 too" "$(code -H "Authorization: token $GH_TOKEN" "$LIST")" 200

# --- GitHub: listing ---------------------------------------------------------------------
AUTH=(-H "Authorization: Bearer $GH_TOKEN")
code "${AUTH[@]}" "$LIST" >/dev/null
check_eq "the list has total_count 2" "$(body 'j["total_count"]')" 2
check_eq "  artifacts in order with their names" "$(body '" ".join(a["name"] for a in j["artifacts"])')" "pkvmd-job logs"
check_eq "  each with GitHub's fields" \
	"$(body 'sorted(j["artifacts"][0])' | tr '\n' ' ')" \
	"archive_download_url created_at digest expired expires_at id name node_id size_in_bytes updated_at url workflow_run "
check_eq "  size_in_bytes is the zip's size" "$(body 'j["artifacts"][0]["size_in_bytes"]')" "$(stat -c %s "$T/job.zip")"
check_eq "  expired is false" "$(body 'j["artifacts"][0]["expired"]')" false
check_eq "  archive_download_url is on the forge" "$(body 'j["artifacts"][0]["archive_download_url"]')" \
	"$FORGE_URL/repos/acme/linux/actions/artifacts/$ART/zip"
check_eq "  workflow_run names the head sha and branch" \
	"$(body 'j["artifacts"][0]["workflow_run"]["head_sha"] + " " + j["artifacts"][0]["workflow_run"]["head_branch"]')" "$SHA dev"
check_eq "?name= filters" "$(code "${AUTH[@]}" "$LIST?name=logs" >/dev/null; body '[a["name"] for a in j["artifacts"]]')" logs
code "${AUTH[@]}" "$LIST?per_page=1" >/dev/null
check_eq "?per_page=1 gives one" "$(body 'len(j["artifacts"])')" 1
check_match "  and a Link to the next page" "$(header Link)" 'page=2>; rel="next"'
check_eq "an unknown run is 404" "$(code "${AUTH[@]}" "$FORGE_URL/repos/acme/linux/actions/runs/1/artifacts")" 404
check_eq "  Not Found" "$(body 'j["message"]')" "Not Found"
check_eq "an unknown repository is 404" "$(code "${AUTH[@]}" "$FORGE_URL/repos/acme/other/actions/runs/4242/artifacts")" 404
check_eq "the owner and name are not case sensitive" "$(code "${AUTH[@]}" "$FORGE_URL/repos/ACME/Linux/actions/runs/4242/artifacts")" 200
check_eq "GitHub Enterprise's /api/v3 prefix works" "$(code "${AUTH[@]}" "$FORGE_URL/api/v3/repos/acme/linux/actions/runs/4242/artifacts")" 200

# --- GitHub: download --------------------------------------------------------------------
DL=$FORGE_URL/repos/acme/linux/actions/artifacts/$ART/zip
check_eq "download without a token is 401" "$(code "$DL")" 401
check_eq "download is 302" "$(code "${AUTH[@]}" "$DL")" 302
loc=$(header Location)
check_match "  to a URL on the forge's other port" "$loc" "^http://127\.0\.0\.1:[0-9]+/_blob/[A-Za-z0-9_-]+/pkvmd-job\.zip$"
check "  not the API's port" test "${loc#http://127.0.0.1:$FORGE_PORT/}" = "$loc"
check_eq "  with an empty body" "$(stat -c %s "$T/body")" 0
check_eq "the download URL serves the zip without auth" "$(code "$loc")" 200
check "  the same bytes" cmp -s "$T/body" "$T/job.zip"
check_eq "  as application/zip" "$(header Content-Type)" application/zip
rc=0; curl -sS -L -o "$T/followed.zip" "${AUTH[@]}" "$DL" || rc=$?
check "curl -L follows to the zip" cmp -s "$T/followed.zip" "$T/job.zip"
check_eq "an archive_format other than zip is 404" "$(code "${AUTH[@]}" "$FORGE_URL/repos/acme/linux/actions/artifacts/$ART/tar")" 404
check_eq "an unknown artifact is 404" "$(code "${AUTH[@]}" "$FORGE_URL/repos/acme/linux/actions/artifacts/9/zip")" 404
check_eq "another repository's artifact is 404" "$(code "${AUTH[@]}" "$FORGE_URL/repos/acme/other/actions/artifacts/$ART/zip")" 404
forge_url_ttl 0
code "${AUTH[@]}" "$DL" >/dev/null
check_eq "a download URL past its life is 403" "$(code "$(header Location)")" 403
forge_url_ttl 60
forge_expire_artifact "$ART"
check_eq "an expired artifact is listed expired" "$(code "${AUTH[@]}" "$LIST" >/dev/null; body 'j["artifacts"][0]["expired"]')" true
check_eq "  and its download is 410 Gone" "$(code "${AUTH[@]}" "$DL")" 410

# --- GitHub: statuses ----------------------------------------------------------------------
ST=$FORGE_URL/repos/acme/linux/statuses/$SHA
post_status() {
	code -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "$1" "${2:-$ST}"
}
check_eq "a status is 201" \
	"$(post_status '{"state": "pending", "target_url": "http://lab/jobs/1", "description": "queued (position 1)", "context": "pkvmd/linux"}')" 201
check_eq "  the status object echoes it" "$(body 'j["state"] + "|" + j["context"] + "|" + j["description"] + "|" + j["target_url"]')" \
	"pending|pkvmd/linux|queued (position 1)|http://lab/jobs/1"
check_eq "  with GitHub's fields" "$(body 'sorted(j)' | tr '\n' ' ')" \
	"avatar_url context created_at creator description id node_id state target_url updated_at url "
check_match "  and a Location" "$(header Location)" "/repos/acme/linux/statuses/$SHA"
check_eq "without a context it is 'default'" "$(post_status '{"state": "success"}' >/dev/null; body 'j["context"]')" default
check_eq "state 'failed' (GitLab's word) is 422" "$(post_status '{"state": "failed"}')" 422
check_eq "  Validation Failed" "$(body 'j["message"]')" "Validation Failed"
check_eq "no state is 422" "$(post_status '{"description": "x"}')" 422
check_eq "a body that is not JSON is 400" "$(post_status 'state=success')" 400
check_eq "an unknown commit is 422" "$(post_status '{"state": "success"}' "$FORGE_URL/repos/acme/linux/statuses/$SHA2")" 422
check_match "  naming the commit" "$(body 'j["message"]')" "No commit found for SHA: $SHA2"
check_eq "GET on the statuses route is 404" "$(code "${AUTH[@]}" "$ST")" 404
check_eq "a token without statuses:write is 403" \
	"$(code -X POST -H "Authorization: Bearer ghp_read_only" --data-binary '{"state": "success"}' "$ST")" 403
check_eq "without a token 401" "$(code -X POST --data-binary '{"state": "success"}' "$ST")" 401
forge_github_commit acme/linux "$SHA2"
check_eq "a registered commit takes statuses" "$(post_status '{"state": "error", "context": "pkvmd/linux"}' "$FORGE_URL/repos/acme/linux/statuses/$SHA2")" 201
check_eq "the forge lists the statuses in order" "$(forge_status_states github acme/linux "$SHA")" "pending success"
check_eq "  with the token each used" "$(forge_statuses github acme/linux "$SHA" | forge_json 'j[0]["token"]')" "$GH_TOKEN"

# --- GitLab: artifacts ------------------------------------------------------------------------
forge_gitlab_token "$GL_TOKEN"
forge_gitlab_token "$JOB_TOKEN" job
forge_gitlab_token glpat-reporter private reporter
forge_gitlab_token glpat-readapi private developer '["read_api"]'
PID=$(forge_register_project acme/kernel 77)
check_eq "a GitLab project registers with its id" "$PID" 77
forge_register_job 77 501 build "$SHA" dev "$T/job.zip" >/dev/null
forge_register_job 77 502 lint "$SHA" dev >/dev/null
forge_register_job acme/kernel 503 build "$SHA" dev "$T/job.zip" redirect >/dev/null
GA=$FORGE_URL/api/v4/projects/77/jobs/501/artifacts
check_eq "GitLab: no token is 401" "$(code "$GA")" 401
check_eq "  {\"message\": \"401 Unauthorized\"}" "$(body 'j["message"]')" "401 Unauthorized"
check_eq "a wrong PRIVATE-TOKEN is 401" "$(code -H "PRIVATE-TOKEN: glpat-wrong" "$GA")" 401
check_eq "PRIVATE-TOKEN gets the archive" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$GA")" 200
check "  the same bytes" cmp -s "$T/body" "$T/job.zip"
check_match "  as an attachment named artifacts.zip" "$(header Content-Disposition)" 'filename="artifacts.zip"'
check_eq "the URL-encoded path works as :id" \
	"$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/acme%2Fkernel/jobs/501/artifacts")" 200
check_eq "private_token in the query works" "$(code "$GA?private_token=$GL_TOKEN")" 200
check_eq "Authorization: Bearer works" "$(code -H "Authorization: Bearer $GL_TOKEN" "$GA")" 200
check_eq "JOB-TOKEN works for artifacts" "$(code -H "JOB-TOKEN: $JOB_TOKEN" "$GA")" 200
check_eq "job_token in the query too" "$(code "$GA?job_token=$JOB_TOKEN")" 200
check_eq "a read_api token reads artifacts" "$(code -H "PRIVATE-TOKEN: glpat-readapi" "$GA")" 200
check_eq "an unknown job is 404" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/77/jobs/9/artifacts")" 404
check_eq "a job without artifacts is 404" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/77/jobs/502/artifacts")" 404
check_eq "an unknown project is 404" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/acme%2Fnope/jobs/501/artifacts")" 404
check_eq "  404 Project Not Found" "$(body 'j["message"]')" "404 Project Not Found"
check_eq "the unencoded path is not a route (404)" \
	"$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/acme/kernel/jobs/501/artifacts")" 404
check_eq "a redirected job's archive is 302" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/77/jobs/503/artifacts")" 302
check_eq "  whose Location serves it" "$(code "$(header Location)")" 200
check "  the same bytes" cmp -s "$T/body" "$T/job.zip"
forge_expire_job 501
check_eq "an expired job's archive is 404" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$GA")" 404

# --- GitLab: statuses -----------------------------------------------------------------------------
GS=$FORGE_URL/api/v4/projects/77/statuses/$SHA
check_eq "a status as form parameters is 201" \
	"$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=pending&name=pkvmd/kernel&description=queued&target_url=http://lab/jobs/2' "$GS")" 201
check_eq "  GitLab's status object" "$(body 'j["status"] + "|" + j["name"] + "|" + j["ref"] + "|" + j["description"]')" "pending|pkvmd/kernel|dev|queued"
check_eq "  with GitLab's fields" "$(body 'sorted(j)' | tr '\n' ' ')" \
	"allow_failure author coverage created_at description finished_at id name pipeline_id ref sha started_at status target_url "
check_eq "pending again is 400" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=pending&name=pkvmd/kernel' "$GS")" 400
check_match "  Cannot transition via :enqueue" "$(body 'j["message"]')" 'Cannot transition status via :enqueue from :pending'
check_eq "running as JSON is 201" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" -H 'Content-Type: application/json' \
	--data '{"state": "running", "context": "pkvmd/kernel"}' "$GS")" 201
check_eq "  the same status, now running" "$(body 'j["status"]')" running
check_eq "running again is 400" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=running&name=pkvmd/kernel' "$GS")" 400
check_match "  Cannot transition via :run from :running" "$(body 'j["message"]')" 'Cannot transition status via :run from :running'
check_eq "success is 201" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" "$GS?state=success&name=pkvmd/kernel")" 201
check_eq "  finished" "$(body 'j["finished_at"] is not None')" true
check_eq "a second run after a finished one starts afresh (pending)" \
	"$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=pending&name=pkvmd/kernel' "$GS")" 201
check_eq "  and may be canceled" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=canceled&name=pkvmd/kernel' "$GS")" 201
check_eq "failed straight away is 201" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=failed&name=other' "$GS")" 201
check_eq "state 'failure' (GitHub's word) is 400" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=failure' "$GS")" 400
check_eq "  state does not have a valid value" "$(body 'j["error"]')" "state does not have a valid value"
check_eq "no state is 400" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'name=x' "$GS")" 400
check_eq "an unknown commit is 404" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=pending' \
	"$FORGE_URL/api/v4/projects/77/statuses/$SHA2")" 404
check_eq "a reporter's token is 403" "$(code -X POST -H "PRIVATE-TOKEN: glpat-reporter" --data 'state=pending' "$GS")" 403
check_eq "a read_api token is 403" "$(code -X POST -H "PRIVATE-TOKEN: glpat-readapi" --data 'state=pending' "$GS")" 403
check_eq "a job token cannot post statuses (401)" "$(code -X POST -H "JOB-TOKEN: $JOB_TOKEN" --data 'state=pending' "$GS")" 401
check_eq "the forge lists each status's history" \
	"$(forge_statuses gitlab 77 "$SHA" | forge_json '" ".join(s["name"] + ":" + "/".join(s["history"]) for s in j)')" \
	"pkvmd/kernel:pending/running/success pkvmd/kernel:pending/canceled other:failed"
check_eq "  and their pipeline" "$(forge_statuses gitlab acme/kernel "$SHA" | forge_json 'j[0]["pipeline_id"] is not None')" true

# --- the call log -----------------------------------------------------------------------------------
calls=$(forge_calls 'method=POST&path=/repos/acme/linux/statuses/')
check_eq "the log holds every GitHub status call, answered or not" \
	"$(forge_json '" ".join(str(c["status"]) for c in j)' <<<"$calls")" "201 201 422 422 400 422 403 401 201"
check_eq "  with the parsed body" "$(forge_json 'j[0]["json"]["description"]' <<<"$calls")" "queued (position 1)"
check_eq "  and the auth header" "$(forge_json 'j[0]["headers"]["authorization"]' <<<"$calls")" "Bearer $GH_TOKEN"
check_eq "download URLs are logged on the blob listener" \
	"$(forge_calls 'listener=blob&status=200' | forge_json 'len(j)')" 3
check_eq "  without the API token" "$(forge_calls 'listener=blob' | forge_json '[c for c in j if "authorization" in c["headers"]]')" ""
check_eq "the query is logged" "$(forge_calls "path=/api/v4/projects/77/statuses/&status=201" | forge_json 'j[2]["query"]["state"]')" success
check_eq "control calls are not logged" "$(forge_calls 'path=/_forge' | forge_json 'len(j)')" 0
check "the log is also in calls.jsonl" grep -q '"path": "/repos/acme/linux/statuses/' "$T/forge/calls.jsonl"
last=$(forge_calls | forge_json 'j[-1]["seq"]')
check_eq "a wait already satisfied answers at once" "$(forge_wait_calls 1 "since=0" 5 | forge_json 'len(j) > 0')" true
check "a wait that cannot be met times out (408)" eval '! forge_wait_calls 1 "since=$last&path=/never" 0.2 >/dev/null'
# An event-driven wait: the waiter is in place before the call it waits for.
forge_wait_calls 1 "since=$last&path=/_sink/wake" 30 >"$T/waited" &
waiter=$!
wait_until 10 eval '[ "$(forge_ctl GET state | forge_json "j[\"waiters\"]")" -ge 1 ]'
curl -s -o /dev/null -X POST --data 'x' "$FORGE_URL/_sink/wake"
check "a waiting forge_wait_calls returns with the call" wait "$waiter"
check_eq "  and prints it" "$(forge_json 'j[0]["path"]' <"$T/waited")" /_sink/wake

# --- down and up ----------------------------------------------------------------------------------------
forge_down error 2 502
check_eq "forge_down error 2 502: the first call is 502" "$(code "${AUTH[@]}" "$LIST")" 502
check_eq "  the second too" "$(code -X POST -H "PRIVATE-TOKEN: $GL_TOKEN" --data 'state=pending&name=z' "$GS")" 502
check_eq "  the third is served" "$(code "${AUTH[@]}" "$LIST")" 200
forge_down
check_eq "forge_down: every call is 503" "$(code "${AUTH[@]}" "$LIST")" 503
check_eq "  again" "$(code -X POST "${AUTH[@]}" --data-binary '{"state": "success"}' "$ST")" 503
check "  control still answers" eval 'forge_ctl GET health >/dev/null' 
forge_up
check_eq "forge_up: served again" "$(code "${AUTH[@]}" "$LIST")" 200
forge_down drop 1
rc=0; curl -sS -o /dev/null "${AUTH[@]}" "$LIST" 2>/dev/null || rc=$?
check_eq "forge_down drop: the connection closes without an answer (curl 52 or 56)" "$(case $rc in 52 | 56) echo closed ;; *) echo "$rc" ;; esac)" closed
check_eq "  logged as dropped" "$(forge_calls | forge_json 'j[-1]["status"]')" dropped
forge_down hang all 503 /repos/
rc=0; curl -sS -m 1 -o /dev/null "${AUTH[@]}" "$LIST" 2>/dev/null || rc=$?
check_eq "forge_down hang: a client's timeout fires (curl 28)" "$rc" 28
check_eq "  a path outside MATCH is served" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/77/jobs/503/artifacts")" 302
forge_up
check_eq "forge_up releases it: served again" "$(code "${AUTH[@]}" "$LIST")" 200
forge_down error all 429 /api/v4/
check_eq "forge_down with MATCH /api/v4/: GitLab is 429" "$(code -H "PRIVATE-TOKEN: $GL_TOKEN" "$FORGE_URL/api/v4/projects/77/jobs/503/artifacts")" 429
check_eq "  GitHub is served" "$(code "${AUTH[@]}" "$LIST")" 200
forge_up

# --- webhook deliveries -------------------------------------------------------------------------------------
printf 'Hello, World!' >"$T/hello"
check_eq "sign: GitHub's documented test vector" \
	"$(python3 "$PAYLOADS_PY" sign --secret "It's a Secret to Everybody" "$T/hello")" \
	"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
SECRET='s3cret with spaces'
SINK=$FORGE_URL/_sink/github
hook_github_workflow_run "$SINK" "$SECRET" acme/linux 4242 "$SHA" --branch dev --workflow "kernel build" --run-number 17 >/dev/null
check_eq "a workflow_run delivery is sent (200 from the sink)" "$HOOK_STATUS" 200
WR=$HOOK_DIR
check_match "  its delivery id is a UUID" "$HOOK_DELIVERY" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
got=$(forge_calls 'path=/_sink/github' | forge_json 'j[-1]')
check_eq "  X-GitHub-Event: workflow_run" "$(forge_json 'j["headers"]["x-github-event"]' <<<"$got")" workflow_run
check_eq "  X-GitHub-Delivery" "$(forge_json 'j["headers"]["x-github-delivery"]' <<<"$got")" "$HOOK_DELIVERY"
check_eq "  X-Hub-Signature-256 is the HMAC of the body as sent" \
	"$(forge_json 'j["headers"]["x-hub-signature-256"]' <<<"$got")" \
	"$(python3 -c 'import hashlib, hmac, sys; print("sha256=" + hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' \
		"$SECRET" "$(forge_json 'j["body"]' <<<"$got")")"
check_eq "  the body's documented fields" \
	"$(forge_json 'w = j["json"]; r = w["workflow_run"]; " ".join(str(x) for x in [w["action"], r["conclusion"], r["status"], r["id"], r["head_sha"][:8], r["head_branch"], r["name"], r["run_number"], w["workflow"]["path"], w["repository"]["full_name"]])' <<<"$got")" \
	"completed success completed 4242 ${SHA:0:8} dev kernel build 17 .github/workflows/kernel.yml acme/linux"
hook_send "$WR" "$SINK" >/dev/null
check_eq "a replay sends the same delivery again" "$HOOK_STATUS" 200
check_eq "  the same id is in the log twice" \
	"$(forge_calls 'path=/_sink/github' | forge_json "[c['headers']['x-github-delivery'] for c in j].count('$HOOK_DELIVERY')")" 2
hook_github_workflow_run "$SINK" "$SECRET" acme/linux 4243 "$SHA" --conclusion failure --action completed >/dev/null
check_eq "--conclusion failure" "$(forge_json 'j["workflow_run"]["conclusion"]' <"$HOOK_DIR/body")" failure
hook_github_ping "$SINK" "$SECRET" acme/linux >/dev/null
check_eq "a ping delivery" "$HOOK_STATUS" 200
check_eq "  X-GitHub-Event: ping, with zen and hook_id" \
	"$(grep -i '^X-GitHub-Event:' "$HOOK_DIR/headers" | tr -d '\r') $(forge_json '"zen" in j and j["hook_id"] == j["hook"]["id"]' <"$HOOK_DIR/body")" \
	"X-GitHub-Event: ping true"
hook github-ping "$SINK" --secret x --repo a/b --delivery 11111111-2222-3333-4444-555555555555 >/dev/null
check_eq "a given --delivery is used" "$HOOK_DELIVERY" 11111111-2222-3333-4444-555555555555

hook_gitlab_job "$FORGE_URL/_sink/gitlab" gl-hook-token acme/kernel 77 501 "$SHA" --ref dev --job-name build >/dev/null
got=$(forge_calls 'path=/_sink/gitlab' | forge_json 'j[-1]')
check_eq "a Job Hook: X-Gitlab-Event, X-Gitlab-Token, X-Gitlab-Event-UUID" \
	"$(forge_json 'h = j["headers"]; h["x-gitlab-event"] + "|" + h["x-gitlab-token"] + "|" + h["x-gitlab-event-uuid"]' <<<"$got")" \
	"Job Hook|gl-hook-token|$HOOK_DELIVERY"
check_eq "  object_kind build with the job, status, ref, sha and project" \
	"$(forge_json 'b = j["json"]; " ".join(str(x) for x in [b["object_kind"], b["build_id"], b["build_name"], b["build_status"], b["ref"], b["sha"][:8], b["project_id"], b["project"]["path_with_namespace"]])' <<<"$got")" \
	"build 501 build success dev ${SHA:0:8} 77 acme/kernel"
hook_gitlab_pipeline "$FORGE_URL/_sink/gitlab" gl-hook-token acme/kernel 77 9001 "$SHA" --build build:success:501 --build lint:failed:502 >/dev/null
check_eq "a Pipeline Hook: object_kind pipeline with its builds" \
	"$(forge_json 'j["object_kind"] + " " + j["object_attributes"]["status"] + " " + " ".join(b["name"] + ":" + b["status"] + ":" + str(b["id"]) for b in j["builds"])' <"$HOOK_DIR/body")" \
	"pipeline success build:success:501 lint:failed:502"
check_match "  X-Gitlab-Event: Pipeline Hook" "$(cat "$HOOK_DIR/headers")" '^X-Gitlab-Event: Pipeline Hook$'
echo "gl-token-from-file" >"$T/gl.token"
hook gitlab-job "$FORGE_URL/_sink/gitlab" --token-file "$T/gl.token" --project a/b --project-id 1 --job-id 2 --sha "$SHA" >/dev/null
check_match "--token-file reads the token" "$(cat "$HOOK_DIR/headers")" '^X-Gitlab-Token: gl-token-from-file$'

KURL=$(forge_file Image "$T/art/Image")
hook_generic "$FORGE_URL/_sink/generic" "$SECRET" linux dev "$SHA" "$KURL" "$FORGE_URL/_files/zeros/10" \
	--kernel-sha256 "$(sha256sum "$T/art/Image" | cut -d' ' -f1)" --tag nightly --tag arm64 --callback-url "$FORGE_URL/_sink/callback" >/dev/null
check_eq "a generic delivery" "$HOOK_STATUS" 200
check_eq "  its id is the delivery id" "$(forge_json 'j["id"]' <"$HOOK_DIR/body")" "$HOOK_DELIVERY"
check_eq "  the body's fields" "$(forge_json '" ".join(sorted(j))' <"$HOOK_DIR/body")" \
	"callback_url commit id kernel_sha256 kernel_url project ref tags tests_url"
check_eq "  X-Pkvm-Signature-256 is the HMAC of the body" \
	"$(grep -i '^X-Pkvm-Signature-256:' "$HOOK_DIR/headers" | cut -d' ' -f2 | tr -d '\r')" \
	"$(python3 "$PAYLOADS_PY" sign --secret "$SECRET" "$HOOK_DIR/body")"
HOOK_UNIX_SOCKET=$T/forge.sock hook_github_ping http://pkvmd/v1/hooks/github "$SECRET" acme/linux >/dev/null
check_eq "over a Unix socket too" "$HOOK_STATUS" 200
check_eq "  it reached the forge's Unix listener" "$(forge_calls 'listener=unix' | forge_json 'j[-1]["path"] + " " + j[-1]["headers"]["x-github-event"]')" \
	"/v1/hooks/github ping"

# --- files for the generic hook ----------------------------------------------------------------------------
check_eq "a registered file is served" "$(code "$KURL")" 200
check "  the same bytes" cmp -s "$T/body" "$T/art/Image"
check_eq "a redirect chain of 3 ends at the file" \
	"$(curl -sS -L -o "$T/body" -w '%{num_redirects} %{http_code}' "$FORGE_URL/_files/redirect/3/Image")" "3 200"
check_eq "/_files/zeros/N serves N bytes" "$(curl -sS "$FORGE_URL/_files/zeros/100000" | wc -c)" 100000
check_eq "an unknown file is 404" "$(code "$FORGE_URL/_files/nope")" 404

# --- hostile zips ---------------------------------------------------------------------------------------------
make_artifact_zip "$T/evil.zip" "$T/art" --evil dotdot --evil absolute --evil symlink-out --evil bomb:50000000
check_eq "--evil adds ../, an absolute path, a symlink out and a bomb" \
	"$(python3 -c '
import stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
out = []
for i in z.infolist():
    if i.filename in ("../escape", "/tmp/pkvm-absolute-escape"):
        out.append(i.filename)
    elif stat.S_ISLNK(i.external_attr >> 16):
        out.append("%s->%s" % (i.filename, z.read(i).decode()))
    elif i.filename == "bomb":
        out.append("bomb:%d<%d" % (i.file_size, 1 << 20) if i.compress_size < (1 << 20) else "big")
print(" ".join(out))' "$T/evil.zip")" \
	"../escape /tmp/pkvm-absolute-escape tests/etc-link->/etc bomb:50000000<1048576"

# --- stop -------------------------------------------------------------------------------------------------------
pid=$FORGE_PID
forge_stop
check "forge_stop: the forge has exited" eval '! kill -0 "$pid" 2>/dev/null'
finish
