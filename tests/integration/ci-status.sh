#!/bin/bash
# Integration: commit statuses out (ci/status.c) against the stand-in forge
# (tests/forge), which records every call.  CI jobs are fake-qemu jobs
# whose ci_jobs rows this test writes with sqlite3, as the hooks would
# (a job is held queued behind a blocker on the one slot while its row
# is written).  Checked: the exact sequence of GitHub statuses of a
# passing job (pending "queued (position N)", pending "running", success
# with its description, target_url and context) and of a failing one
# (failure naming the test); GitLab's states (pending, running, success
# or failed); the forge answering 503 for a while (delivered in order once
# it is back); the forge down across a restart of pkvmd (delivered by
# the next pkvmd); a 422 (rejected, not retried, shown on
# GET /v1/jobs/ID/statuses); a generic project's callback, signed with
# its secret (the HMAC checked here).  Waiting is on the forge's call
# log (a long poll) and on pkvmctl wait, never on a sleep.
. "$(dirname "$0")/../lib.sh"

FORGE_SH=$(dirname "$0")/../forge/forge.sh
if [ ! -f "$FORGE_SH" ]; then
	echo "1..0 # SKIP the stand-in forge (tests/forge) is not in this tree"
	exit 0
fi
. "$FORGE_SH"

forge_start
forge_github_token gh-status-token
forge_gitlab_token gl-status-token
forge_register_project group/linux 77 >/dev/null

sha() { printf '%040x' "$1"; }
GH_PASS=$(sha 1)
GH_FAIL=$(sha 2)
GL_PASS=$(sha 3)
GL_FAIL=$(sha 4)
GEN=$(sha 5)
GH_DOWN=$(sha 6)
GH_RESTART=$(sha 7)
GH_UNKNOWN=$(sha 8) # never registered: GitHub answers 422
for s in $GH_PASS $GH_FAIL $GH_DOWN $GH_RESTART; do forge_github_commit acme/linux "$s"; done
for s in $GL_PASS $GL_FAIL; do
	forge_ctl POST gitlab/commits "{\"project\": \"group/linux\", \"sha\": \"$s\", \"ref\": \"main\"}" >/dev/null
done

CI=$T/ci
mkdir -p "$CI"
printf 'hook-secret' >"$CI/hook.secret"
printf 'gh-status-token\n' >"$CI/gh.token"
printf 'gl-status-token\n' >"$CI/gl.token"
cat >"$CI/gh.json" <<EOF
{"name": "gh", "forge": "github", "repository": "acme/linux", "api_url": "$FORGE_URL",
 "secret_file": "$CI/hook.secret", "token_file": "$CI/gh.token",
 "workflow": "kernel", "artifact": "kernel", "kernel": "Image"}
EOF
cat >"$CI/gl.json" <<EOF
{"name": "gl", "forge": "gitlab", "repository": "group/linux", "api_url": "$FORGE_URL/api/v4",
 "secret_file": "$CI/hook.secret", "token_file": "$CI/gl.token", "job": "build", "kernel": "Image"}
EOF
cat >"$CI/gen.json" <<EOF
{"name": "gen", "forge": "generic", "secret_file": "$CI/hook.secret"}
EOF

PUBLIC=https://lab.example:8443
OPTS=(--qemu "$FAKE_QEMU" --slots 1 --no-requeue-interrupted --ci-dir "$CI" --public-url "$PUBLIC/"
	--ci-retry 1 --ci-retry-max 1)
start_pkvmd "${OPTS[@]}"
DB=$STATE/pkvmd.db

# ci_row JOB PROJECT SHA [CALLBACK] -- make JOB a CI job, as the hooks do.
ci_row() {
	local cb=NULL
	[ -n "${4:-}" ] && cb="'$4'"
	sqlite3 -cmd '.timeout 10000' "$DB" \
		"INSERT INTO ci_jobs (job_id, project, ref, commit_sha, callback_url) VALUES ($1, '$2', 'main', '$3', $cb)"
}

# hold -- a job that keeps the one slot busy until cancelled; prints its id.
hold() {
	local b
	b=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang-at=2")
	wait_for_console "$b" 'Booting Linux'
	echo "$b"
}

# ci_job PROJECT SHA APPEND [CALLBACK] -- a CI job that starts once its row
# is written; prints its id.
ci_job() {
	local b j
	b=$(hold)
	j=$(ctl submit "$TEST_KERNEL" --append "$3")
	ci_row "$j" "$1" "$2" "${4:-}"
	ctl cancel "$b" >/dev/null
	echo "$j"
}

# gh_path SHA -- the call log's filter for SHA's GitHub statuses.
gh_path() { echo "path=/repos/acme/linux/statuses/$1"; }
# gl_path SHA -- the same for GitLab: the project's path is one %-encoded
# segment, and the filter itself is a query parameter (%25 is its '%').
gl_path() { echo "path=/api/v4/projects/group%252Flinux/statuses/$1"; }

# wait_calls COUNT QUERY -- forge_wait_calls, for its exit status only.
wait_calls() { forge_wait_calls "$@" >/dev/null; }

# gh_seq SHA -- "state|description" of each status GitHub took for SHA.
gh_seq() {
	forge_statuses github acme/linux "$1" | forge_json '[s["state"] + "|" + (s["description"] or "") for s in j]'
}

# statuses JOB EXPR -- EXPR (python, on `j`) of GET /v1/jobs/JOB/statuses.
statuses() {
	curl -sS --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$1/statuses" | forge_json "$2"
}

# ---- queued, running, done: one restart tells "queued" of jobs held in the queue
blocker=$(hold)
j_pass=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass fakeqemu.tests=t1,t2")
j_fail=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=fail fakeqemu.tests=t1,t2 fakeqemu.fail=t2")
j_glpass=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass")
j_glfail=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=fail")
j_gen=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=pass")
ci_row "$j_pass" gh "$GH_PASS"
ci_row "$j_fail" gh "$GH_FAIL"
ci_row "$j_glpass" gl "$GL_PASS"
ci_row "$j_glfail" gl "$GL_FAIL"
ci_row "$j_gen" gen "$GEN" "$FORGE_URL/_sink/callback"
# A restart: the blocker is interrupted, and the new pkvmd queues the
# "queued" statuses the hooks would have queued.
stop_pkvmd
start_pkvmd "${OPTS[@]}"
for j in $j_pass $j_fail $j_glpass $j_glfail $j_gen; do ctl wait "$j" >/dev/null 2>&1 || true; done
check_eq "blocker was interrupted" "$(job_field "$blocker" result)" interrupted

check "github: three statuses for the passing job" wait_calls 3 "method=POST&$(gh_path "$GH_PASS")&status=201"
check_eq "github: pending queued, pending running, success" "$(gh_seq "$GH_PASS" | tr '\n' ',')" \
	"pending|queued (position 1),pending|running,success|2/2 tests passed,"
st=$(forge_statuses github acme/linux "$GH_PASS")
check_eq "github: target_url is the job" "$(forge_json '" ".join(sorted(set(s["target_url"] for s in j)))' <<<"$st")" \
	"$PUBLIC/v1/jobs/$j_pass"
check_eq "github: context pkvmd/<project>" "$(forge_json '" ".join(sorted(set(s["context"] for s in j)))' <<<"$st")" "pkvmd/gh"
check_eq "github: the project's token" "$(forge_json '" ".join(sorted(set(s["token"] for s in j)))' <<<"$st")" gh-status-token
calls=$(forge_calls "method=POST&$(gh_path "$GH_PASS")")
check_eq "github: headers as documented" \
	"$(forge_json '" ".join(sorted(set(c["headers"].get("accept", "") + "," + c["headers"].get("x-github-api-version", "") + "," + c["headers"].get("authorization", "") for c in j)))' <<<"$calls")" \
	"application/vnd.github+json,2022-11-28,Bearer gh-status-token"

check "github: three statuses for the failing job" wait_calls 3 "method=POST&$(gh_path "$GH_FAIL")&status=201"
check_eq "github: the failing job's queue position" "$(gh_seq "$GH_FAIL" | head -1)" "pending|queued (position 2)"
check_eq "github: failure naming the failed test" "$(gh_seq "$GH_FAIL" | tail -1)" \
	"failure|1/2 tests passed; test t2 exited with status 1"

check "gitlab: three calls for the passing job" wait_calls 3 "method=POST&$(gl_path "$GL_PASS")&status=201"
check_eq "gitlab: pending, running, success" "$(forge_status_states gitlab group/linux "$GL_PASS")" "pending running success"
check "gitlab: three calls for the failing job" wait_calls 3 "method=POST&$(gl_path "$GL_FAIL")&status=201"
check_eq "gitlab: pending, running, failed" "$(forge_status_states gitlab group/linux "$GL_FAIL")" "pending running failed"
gl=$(forge_statuses gitlab group/linux "$GL_PASS")
check_eq "gitlab: name, ref and target_url" "$(forge_json 'j[0]["name"] + " " + j[0]["ref"] + " " + j[0]["target_url"]' <<<"$gl")" \
	"pkvmd/gl main $PUBLIC/v1/jobs/$j_glpass"
check_eq "gitlab: the project's PRIVATE-TOKEN" \
	"$(forge_calls "path=/api/v4/projects/" | forge_json '" ".join(sorted(set(c["headers"].get("private-token", "") for c in j)))')" gl-status-token

cb=$(forge_wait_calls 1 "method=POST&path=/_sink/callback")
check_eq "callback: the finished job's JSON" "$(forge_json 'str(j[0]["json"]["id"]) + " " + j[0]["json"]["result"]' <<<"$cb")" "$j_gen passed"
check_eq "callback: signed with the project's secret" "$(python3 -c '
import hashlib, hmac, json, sys
c = json.load(sys.stdin)[0]
want = "sha256=" + hmac.new(b"hook-secret", c["body"].encode(), hashlib.sha256).hexdigest()
print("good" if hmac.compare_digest(want, c["headers"]["x-pkvm-signature-256"]) else "bad: " + c["headers"]["x-pkvm-signature-256"])' <<<"$cb")" good
check_eq "callback: one row, sent" "$(statuses "$j_gen" '" ".join(s["kind"] + ":" + s["outcome"] for s in j["statuses"])')" "callback:sent"
check_eq "api: a job's statuses, in order" \
	"$(statuses "$j_pass" '" ".join(s["state"] + ":" + s["outcome"] + ":" + str(s["http_status"]) for s in j["statuses"])')" \
	"pending:sent:201 pending:sent:201 success:sent:201"

# ---- the forge answers 503 for a while, then comes back
forge_down error all 503 "/repos/acme/linux/statuses/$GH_DOWN"
j=$(ci_job gh "$GH_DOWN" "fakeqemu=pass")
ctl wait "$j" >/dev/null
check "503: retried" wait_calls 3 "$(gh_path "$GH_DOWN")&status=503"
forge_up
check "503: delivered once the forge is back" wait_calls 2 "$(gh_path "$GH_DOWN")&status=201"
check_eq "503: in order" "$(gh_seq "$GH_DOWN" | tr '\n' ',')" "pending|running,success|1/1 tests passed,"
check_eq "503: the calls' order: every 503 before the first 201, running first" \
	"$(forge_calls "$(gh_path "$GH_DOWN")" | forge_json '"".join("x" if c["status"] == 503 else c["json"]["state"][0] for c in j)' | sed 's/xx*/x/')" \
	"xps"
check "503: the first row took several attempts" test "$(statuses "$j" 'j["statuses"][0]["attempts"]')" -ge 4

# ---- the forge is down across a restart of pkvmd
forge_down error all 502 "/repos/acme/linux/statuses/$GH_RESTART"
j=$(ci_job gh "$GH_RESTART" "fakeqemu=pass")
ctl wait "$j" >/dev/null
check "restart: the forge refused the first try" wait_calls 1 "$(gh_path "$GH_RESTART")&status=502"
stop_pkvmd
check_eq "restart: nothing delivered while pkvmd was down" \
	"$(forge_calls "$(gh_path "$GH_RESTART")&status=201" | forge_json 'len(j)')" 0
forge_up
start_pkvmd "${OPTS[@]}"
check "restart: delivered by the next pkvmd" wait_calls 2 "$(gh_path "$GH_RESTART")&status=201"
check_eq "restart: in order" "$(gh_seq "$GH_RESTART" | tr '\n' ',')" "pending|running,success|1/1 tests passed,"

# ---- a 4xx is not retried, and it shows
j=$(ci_job gh "$GH_UNKNOWN" "fakeqemu=pass")
ctl wait "$j" >/dev/null
check "422: both statuses answered" wait_calls 2 "$(gh_path "$GH_UNKNOWN")&status=422"
rejected() { [ "$(statuses "$j" '" ".join(s["outcome"] for s in j["statuses"])')" = "rejected rejected" ]; }
check "422: both rows rejected" wait_until 30 rejected
check_eq "422: one attempt each, the status and the forge's message shown" \
	"$(statuses "$j" '" ".join(str(s["attempts"]) + ":" + str(s["http_status"]) for s in j["statuses"])')" "1:422 1:422"
check_match "422: the forge's message" "$(statuses "$j" 'j["statuses"][1]["error"]')" "^HTTP 422: No commit found for SHA: $GH_UNKNOWN"
check_eq "422: not retried" "$(forge_calls "$(gh_path "$GH_UNKNOWN")" | forge_json 'len(j)')" 2

# ---- the token never shows in the log
check "the tokens are not in pkvmd's log" bash -c "! grep -q -e gh-status-token -e gl-status-token '$STATE/pkvmd.log'"

finish
