#!/bin/bash
# Integration: CI webhooks in (docs/CI.md): deliveries from the stand-in
# forge's payloads (tests/forge/) to pkvmd's Unix socket, fake-qemu jobs.
# GitHub: a ping, a missing and a wrong signature (401, a refused row),
# a replay (no second job), a repository no project has (404), events the
# project does not want (200 ignored, with the reason), a wanted
# workflow_run (202, then a job); GitLab: a wrong token, a Job Hook; the
# generic hook: a job from kernel_url/tests_url with the right tags,
# owner and via, a sha256 mismatch (failed), unknown fields, supersede on
# one branch only; a project's manifest (GitHub and generic: the job gets
# its args, env, timeout and modules; a mistake fails the delivery naming
# the line); pkvmctl ci list / ci deliveries; SIGHUP with a broken
# project file.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../forge/forge.sh"

forge_start
CI=$T/ci
mkdir -p "$CI"
echo "gh-secret" >"$T/gh.secret"
echo "gl-secret" >"$T/gl.secret"
echo "gen-secret" >"$T/gen.secret"
echo "forge-token" >"$T/token"
cat >"$CI/kernel-gh.json" <<JSON
{"name": "kernel-gh", "forge": "github", "repository": "acme/linux", "api_url": "$FORGE_URL",
 "secret_file": "$T/gh.secret", "token_file": "$T/token", "workflow": "kernel",
 "artifact": "kernel-and-tests", "kernel": "Image", "tests": "tests",
 "job_template": {"append": "fakeqemu=pass", "tags": ["nightly"]}, "owner": "ci-bot"}
JSON
cat >"$CI/kernel-gl.json" <<JSON
{"name": "kernel-gl", "forge": "gitlab", "repository": "acme/linux", "api_url": "$FORGE_URL/api/v4",
 "secret_file": "$T/gl.secret", "token_file": "$T/token", "job": "build", "kernel": "Image",
 "tests": "tests", "job_template": {"append": "fakeqemu=pass"}}
JSON
# gen's jobs boot and then wait, silent (up to the idle timeout), with no
# test done: they are still running whenever a newer push supersedes them,
# however slow the machine.
cat >"$CI/gen.json" <<JSON
{"name": "gen", "forge": "generic", "secret_file": "$T/gen.secret", "supersede": true,
 "job_template": {"append": "fakeqemu=hang-at=6", "smp": 1}, "owner": "gen-bot"}
JSON
cat >"$CI/kernel-mf.json" <<JSON
{"name": "kernel-mf", "forge": "github", "repository": "acme/mf", "api_url": "$FORGE_URL",
 "secret_file": "$T/gh.secret", "token_file": "$T/token", "workflow": "kernel",
 "artifact": "mf-art", "kernel": "Image", "tests": "tests", "manifest": "tests.manifest",
 "job_template": {"append": "fakeqemu=pass", "modules": ["first"]}}
JSON
echo "genmf-secret" >"$T/genmf.secret"
cat >"$CI/gen-mf.json" <<JSON
{"name": "gen-mf", "forge": "generic", "secret_file": "$T/genmf.secret",
 "manifest": "tests.manifest", "job_template": {"append": "fakeqemu=pass"}}
JSON
start_pkvmd --qemu "$FAKE_QEMU" --slots 4 --ci-dir "$CI"
export HOOK_UNIX_SOCKET=$SOCK
H=http://pkvmd/v1/hooks
SHA1=1111111111111111111111111111111111111111
SHA2=2222222222222222222222222222222222222222
SHA3=3333333333333333333333333333333333333333

# send HOOK_FUNCTION ARGS...: deliver in this shell (not a $(...)
# subshell, so HOOK_DIR and HOOK_DELIVERY stay set); the status is in
# $HOOK_STATUS.
send() { "$@" >/dev/null || true; }
jobs_tagged() { "$PKVMCTL" --socket "$SOCK" list --tag "$1" --json | forge_json 'len(j)'; }
deliveries() { "$PKVMCTL" --socket "$SOCK" ci deliveries "$1" --json; }
# wait_delivery PROJECT ID: until delivery ID of PROJECT is no longer
# pending; prints its outcome.  The delivery's own end is the event.
wait_delivery() {
	local o i
	for i in $(seq 1 300); do
		o=$(deliveries "$1" | forge_json "[d['outcome'] for d in j if d['delivery'] == '$2']")
		if [ -n "$o" ] && [ "$o" != pending ]; then echo "$o"; return 0; fi
		sleep 0.1
	done
	echo timeout
}

# --- GitHub ---------------------------------------------------------------
send hook_github_ping "$H/github" gh-secret acme/linux
check_eq "github ping: 200" "$HOOK_STATUS" 200
check_eq "github ping: pong" "$(hook_response_field outcome)" pong

send hook_github_workflow_run "$H/github" wrong-secret acme/linux 7 $SHA1
check_eq "github: wrong signature is 401" "$HOOK_STATUS" 401
check_match "github: a refused row says why" "$(deliveries - | forge_json 'j[0]["reason"]')" "not the signature"

send hook github-ping "$H/github" --secret gh-secret --repo acme/linux
grep -v -i '^X-Hub-Signature-256' "$HOOK_DIR/headers" >"$HOOK_DIR/h2" && mv "$HOOK_DIR/h2" "$HOOK_DIR/headers"
send hook_send "$HOOK_DIR" "$H/github"
check_eq "github: a missing signature is 401" "$HOOK_STATUS" 401
check_eq "github: refused: no header" "$(deliveries - | forge_json 'j[0]["reason"]')" "no X-Hub-Signature-256 header"

send hook_github_workflow_run "$H/github" gh-secret acme/other 7 $SHA1
check_eq "github: a repository no project has is 404" "$HOOK_STATUS" 404

send hook_github_workflow_run "$H/github" gh-secret acme/linux 8 $SHA1 --conclusion failure
check_eq "github: conclusion failure is 200" "$HOOK_STATUS" 200
check_eq "github: ... ignored" "$(hook_response_field outcome)" ignored
check_match "github: ... with the reason" "$(hook_response_field reason)" "conclusion is 'failure'"
send hook_github_workflow_run "$H/github" gh-secret acme/linux 9 $SHA1 --workflow docs --path .github/workflows/docs.yml
check_eq "github: another workflow is ignored" "$(hook_response_field outcome)" ignored
check_match "github: ... and says which" "$(hook_response_field reason)" "workflow 'docs' is not 'kernel'"
send hook_github_workflow_run "$H/github" gh-secret acme/linux 10 $SHA1 --action requested
check_eq "github: a requested run is ignored" "$(hook_response_field reason)" "action is 'requested', not completed"

# A wanted run: 202 at once; the job comes once the artifact is in.
mkdir -p "$T/art/tests"
cp "$TEST_KERNEL" "$T/art/Image"
printf '#!/bin/sh\necho ok\n' >"$T/art/tests/t1"; chmod +x "$T/art/tests/t1"
make_artifact_zip "$T/art.zip" "$T/art" >/dev/null
forge_github_token forge-token
forge_register_run acme/linux 11 $SHA1 main kernel-and-tests="$T/art.zip" >/dev/null
send hook_github_workflow_run "$H/github" gh-secret acme/linux 11 $SHA1
check_eq "github: workflow_run success is 202" "$HOOK_STATUS" 202
check_eq "github: ... pending" "$(hook_response_field outcome)" pending
gh_delivery=$HOOK_DELIVERY
gh_dir=$HOOK_DIR
outcome=$(wait_delivery kernel-gh "$gh_delivery")
check_eq "github: the delivery queued a job" "$outcome" queued
check_eq "github: one job tagged project:kernel-gh" "$(jobs_tagged project:kernel-gh)" 1
job=$("$PKVMCTL" --socket "$SOCK" list --tag project:kernel-gh --json | tr -d ' \n')
check_match "github: tags project, branch, commit, the template's" "$job" '"project:kernel-gh","branch:main","commit:111111111111","nightly"'
check_match "github: owner ci-bot" "$job" '"owner":"ci-bot"'
check_match "github: via webhook:kernel-gh" "$job" '"via":"webhook:kernel-gh"'
check_match "github: the artifact's test is its executable" "$job" '"name":"t1"'
send hook_send "$gh_dir" "$H/github"
check_eq "github: a replay is 200" "$HOOK_STATUS" 200
check_eq "github: ... duplicate" "$(forge_json 'j["outcome"]' <"$gh_dir/response")" duplicate
check_eq "github: ... no second delivery row" \
	"$(deliveries kernel-gh | forge_json "len([d for d in j if d['delivery'] == '$gh_delivery'])")" 1
check_eq "github: ... no second job" "$(jobs_tagged project:kernel-gh)" 1
gh_job=$("$PKVMCTL" --socket "$SOCK" list --tag project:kernel-gh --json | forge_json 'j[0]["id"]')
ctl_quiet wait "$gh_job" || true
status_sent() { "$PKVMCTL" --socket "$SOCK" ci deliveries kernel-gh | grep -q 'success: sent$'; }
check "ci deliveries: shows the job's last status reached the forge" wait_until 30 status_sent

# --- GitLab ---------------------------------------------------------------
send hook_gitlab_job "$H/gitlab" nope acme/linux 5 77 $SHA1
check_eq "gitlab: a wrong token is 401" "$HOOK_STATUS" 401
send hook_gitlab_job "$H/gitlab" gl-secret acme/linux 5 78 $SHA1 --status failed
check_eq "gitlab: a failed job is ignored" "$(hook_response_field outcome)" ignored
send hook_gitlab_job "$H/gitlab" gl-secret acme/linux 5 79 $SHA1 --job-name docs
check_eq "gitlab: another job is ignored" "$(hook_response_field reason)" "job 'docs' is not 'build'"
forge_gitlab_token forge-token
forge_register_project acme/linux 5 >/dev/null
forge_register_job acme/linux 80 build $SHA1 main "$T/art.zip" >/dev/null
send hook_gitlab_job "$H/gitlab" gl-secret acme/linux 5 80 $SHA1
check_eq "gitlab: Job Hook success is 202" "$HOOK_STATUS" 202
check_eq "gitlab: ... for the job's project" "$(hook_response_field project)" kernel-gl
check_eq "gitlab: the delivery queued a job" "$(wait_delivery kernel-gl "$HOOK_DELIVERY")" queued
job=$("$PKVMCTL" --socket "$SOCK" list --tag project:kernel-gl --json | tr -d ' \n')
check_match "gitlab: its job's tags, owner and via" "$job" '"owner":"ci-kernel-gl",.*"tags":\["project:kernel-gl","branch:main","commit:111111111111"\].*"via":"webhook:kernel-gl"'
send hook_gitlab_pipeline "$H/gitlab" gl-secret acme/linux 5 900 $SHA2 --build build:success:81
check_eq "gitlab: Pipeline Hook with the job is 202" "$HOOK_STATUS" 202

# --- generic --------------------------------------------------------------
kurl=$(forge_file Image "$TEST_KERNEL")
turl=$(forge_file t1 "$T/art/tests/t1")
ksha=$(sha256sum "$TEST_KERNEL" | cut -d' ' -f1)
send hook_generic "$H/generic" gen-secret nope main $SHA1 "$kurl" "$turl"
check_eq "generic: an unknown project (signed with a generic secret) is 404" "$HOOK_STATUS" 404
send hook_generic "$H/generic" bad gen main $SHA1 "$kurl" "$turl"
check_eq "generic: wrong signature is 401" "$HOOK_STATUS" 401
send hook_generic "$H/generic" gen-secret gen main $SHA1 ftp://127.0.0.1/k "$turl"
check_eq "generic: an ftp URL is 400" "$HOOK_STATUS" 400
send hook_generic "$H/generic" gen-secret gen main $SHA1 "$kurl" "$turl" --kernel-sha256 "$ksha" --tag extra:1
check_eq "generic: a job is 202" "$HOOK_STATUS" 202
g1=$HOOK_DELIVERY
check_eq "generic: the delivery queued a job" "$(wait_delivery gen "$g1")" queued
j1=$(deliveries gen | forge_json "[d['job'] for d in j if d['delivery'] == '$g1']")
job=$("$PKVMCTL" --socket "$SOCK" status "$j1" --json)
check_match "generic: tags project, branch, commit, the body's" "$(tr -d ' \n' <<<"$job")" '"project:gen","branch:main","commit:111111111111","extra:1"'
check_match "generic: owner gen-bot" "$job" '"owner": "gen-bot"'
check_match "generic: via webhook:gen" "$job" '"via": "webhook:gen"'
check_match "generic: the test is its executable" "$job" '"name": "t1"'
check "generic: the job runs" wait_for_console "$j1" 'Booting Linux'
check "generic: the work directory is gone" test -z "$(ls -A "$STATE/ci" 2>/dev/null)"

send hook_generic "$H/generic" gen-secret gen other $SHA1 "$kurl" "$turl"
check_eq "generic: a job on branch other" "$(wait_delivery gen "$HOOK_DELIVERY")" queued
jo=$(deliveries gen | forge_json "[d['job'] for d in j if d['delivery'] == '$HOOK_DELIVERY']")

send hook_generic "$H/generic" gen-secret gen main $SHA3 "$kurl" "$turl" --kernel-sha256 "$(printf '0%.0s' $(seq 64))"
check_eq "generic: a sha256 mismatch fails the delivery" "$(wait_delivery gen "$HOOK_DELIVERY")" failed
# A failed delivery is tried again when the forge delivers it again (the
# way a user retries after fixing what failed), unlike a taken one.
send hook_send "$HOOK_DIR" "$H/generic"
check_eq "generic: a failed delivery sent again is taken again (202)" "$HOOK_STATUS" 202
failed_twice() {
	test "$(deliveries gen | forge_json "len([d for d in j if d['delivery'] == '$HOOK_DELIVERY' and d['outcome'] == 'failed'])")" = 2
}
check "generic: ... and fails again, on its own row" wait_until 30 failed_twice

# Supersede: a newer push to main cancels the running job of main only.
send hook_generic "$H/generic" gen-secret gen main $SHA2 "$kurl" "$turl"
check_eq "supersede: the newer push queued a job" "$(wait_delivery gen "$HOOK_DELIVERY")" queued
"$PKVMCTL" --socket "$SOCK" wait "$j1" >/dev/null 2>&1 || true
check_eq "supersede: the older job of main is cancelled" "$(job_field "$j1" result)" cancelled
check_eq "supersede: the job of branch other still runs" "$(job_field "$jo" state)" running

# --- a project's manifest -------------------------------------------------
# The artifact's tests.manifest says how its tests run, as `pkvmctl submit
# --manifest` does; the job's JSON has what it says.
mkdir -p "$T/mf/tests"
cp "$TEST_KERNEL" "$T/mf/Image"
cp "$T/art/tests/t1" "$T/mf/tests/t1"
cat >"$T/mf/tests.manifest" <<'MF'
# from the artifact
module dummy
test t1 timeout=30 -- --verbose 'two words'
env t1 FOO=bar "GREETING=hello world"
MF
make_artifact_zip "$T/mf.zip" "$T/mf" >/dev/null
forge_register_run acme/mf 21 $SHA1 main mf-art="$T/mf.zip" >/dev/null
send hook_github_workflow_run "$H/github" gh-secret acme/mf 21 $SHA1
check_eq "manifest: github: the delivery queued a job" "$(wait_delivery kernel-mf "$HOOK_DELIVERY")" queued
jm=$(deliveries kernel-mf | forge_json "[d['job'] for d in j if d['delivery'] == '$HOOK_DELIVERY']")
job=$("$PKVMCTL" --socket "$SOCK" status "$jm" --json)
check_eq "manifest: github: the test's arguments" "$(forge_json 'json.dumps(j["executables"][0]["args"])' <<<"$job")" '["--verbose", "two words"]'
check_eq "manifest: github: its environment" "$(forge_json 'j["executables"][0]["env"]' <<<"$job")" '{"FOO": "bar", "GREETING": "hello world"}'
check_eq "manifest: github: its timeout" "$(forge_json 'j["executables"][0]["timeout"]' <<<"$job")" 30
check_eq "manifest: github: the manifest's modules after the template's" "$(forge_json 'json.dumps(j["modules"])' <<<"$job")" '["first", "dummy"]'
check_eq "manifest: github: the manifest itself is no executable" "$(forge_json 'len(j["executables"])' <<<"$job")" 1

# Generic: the manifest is in the tests_url's archive, next to the tests.
mkdir -p "$T/gmf"
cp "$T/art/tests/t1" "$T/gmf/t1"
printf 'test t1 timeout=7 -- -x\nenv t1 MODE=fast\n' >"$T/gmf/tests.manifest"
tar -C "$T/gmf" -cf "$T/gmf.tar" t1 tests.manifest
send hook_generic "$H/generic" genmf-secret gen-mf main $SHA1 "$kurl" "$(forge_file gmf.tar "$T/gmf.tar")"
check_eq "manifest: generic: the delivery queued a job" "$(wait_delivery gen-mf "$HOOK_DELIVERY")" queued
jm=$(deliveries gen-mf | forge_json "[d['job'] for d in j if d['delivery'] == '$HOOK_DELIVERY']")
job=$("$PKVMCTL" --socket "$SOCK" status "$jm" --json)
check_eq "manifest: generic: args, env and timeout" \
	"$(forge_json 'x = j["executables"][0]; json.dumps([x["name"], x["args"], x["env"], x["timeout"]])' <<<"$job")" \
	'["t1", ["-x"], {"MODE": "fast"}, 7]'

# A manifest naming a test the artifact does not have: no job, and the
# delivery says the manifest's own words, with the line.
printf '# two lines\ntest nope timeout=5\n' >"$T/gmf/tests.manifest"
tar -C "$T/gmf" -cf "$T/gmf-bad.tar" t1 tests.manifest
send hook_generic "$H/generic" genmf-secret gen-mf main $SHA2 "$kurl" "$(forge_file gmf-bad.tar "$T/gmf-bad.tar")"
check_eq "manifest: a mistake fails the delivery" "$(wait_delivery gen-mf "$HOOK_DELIVERY")" failed
check_eq "manifest: ... naming the file and line" \
	"$(deliveries gen-mf | forge_json "[d['reason'] for d in j if d['delivery'] == '$HOOK_DELIVERY']")" \
	"tests.manifest:2: unknown test 'nope' (not among the artifact's tests)"
check_eq "manifest: ... and no job (the one is the good push's)" "$(jobs_tagged project:gen-mf)" 1

# --- pkvmctl ---------------------------------------------------------------
out=$("$PKVMCTL" --socket "$SOCK" ci list)
check_match "ci list: the header" "$out" "NAME +FORGE +REPOSITORY"
check_match "ci list: the github project and its last delivery" "$out" "kernel-gh +github +acme/linux +kernel +ci-bot"
check_match "ci list: the generic one" "$out" "gen +generic"
out=$("$PKVMCTL" --socket "$SOCK" ci deliveries gen --limit 3)
check_match "ci deliveries: the newest is queued with its job" "$out" "queued: job"
check_eq "ci deliveries: --limit 3 gives 3 rows and a header" "$(wc -l <<<"$out")" 4
check_match "ci deliveries: a failed one says why" "$("$PKVMCTL" --socket "$SOCK" ci deliveries gen)" "failed: .*sha256"
check_match "ci deliveries: the ignored ones say why" "$("$PKVMCTL" --socket "$SOCK" ci deliveries kernel-gh)" "ignored: conclusion is 'failure'"

# --- SIGHUP: a broken file is reported, the rest keep working ----------------
echo '{"name": "broken", "forge": "github"' >"$CI/broken.json"
echo '{"name": "bad2", "forge": "generic", "secret_file": "/nonexistent"}' >"$CI/bad2.json"
kill -HUP "$PKVMD_PID"
for i in $(seq 1 100); do
	"$PKVMCTL" --socket "$SOCK" ci list | grep -q "not loaded: .*broken.json" && break
	sleep 0.1
done
out=$("$PKVMCTL" --socket "$SOCK" ci list)
check_match "sighup: the broken file is reported" "$out" "not loaded: .*broken.json: not valid JSON"
check_match "sighup: ... and the unreadable secret" "$out" "not loaded: .*bad2.json: secret_file '/nonexistent'"
send hook_github_ping "$H/github" gh-secret acme/linux
check_eq "sighup: the other projects still take hooks" "$HOOK_STATUS" 200

for j in $("$PKVMCTL" --socket "$SOCK" list --state running --json | forge_json '[x["id"] for x in j]'); do
	"$PKVMCTL" --socket "$SOCK" cancel "$j" >/dev/null 2>&1 || true
done
finish
