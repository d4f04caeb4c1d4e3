#!/bin/bash
# End to end, CI webhooks with real guests (docs/CI.md): a stand-in forge
# (tests/forge/) holds artifacts with the small test kernel and its tests.
# A GitHub workflow_run delivery makes a job that boots, passes, and puts
# exactly pending "queued (position 1)", pending "running", success
# "2/2 tests passed" on the commit, each linking to the job; a GitLab Job
# Hook whose artifact holds a failing test makes a job that fails, and the
# commit goes pending, running, failed with the test named.  Two boots.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../forge/forge.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }

forge_start
CI=$T/ci
mkdir -p "$CI"
echo "gh-secret" >"$T/gh.secret"
echo "gl-secret" >"$T/gl.secret"
echo "forge-token" >"$T/token"
PUBLIC=https://lab.example:8443
# The jobs' only limit is their timeout: other tests' guests share the two
# cores, and a starved guest may print nothing for a while (no idle
# watchdog).
cat >"$CI/linux-gh.json" <<JSON
{"name": "linux-gh", "forge": "github", "repository": "acme/linux", "api_url": "$FORGE_URL",
 "secret_file": "$T/gh.secret", "token_file": "$T/token", "workflow": "kernel",
 "artifact": "pkvmd-job", "kernel": "Image", "tests": "tests",
 "job_template": {"smp": 1, "timeout": 300, "idle_timeout": 0, "coverage": false}}
JSON
cat >"$CI/linux-gl.json" <<JSON
{"name": "linux-gl", "forge": "gitlab", "repository": "acme/linux", "api_url": "$FORGE_URL/api/v4",
 "secret_file": "$T/gl.secret", "token_file": "$T/token", "job": "build", "kernel": "Image",
 "tests": "tests", "job_template": {"smp": 1, "timeout": 300, "idle_timeout": 0, "coverage": false}}
JSON
start_pkvmd --ci-dir "$CI" --public-url "$PUBLIC"
export HOOK_UNIX_SOCKET=$SOCK
H=http://pkvmd/v1/hooks
SHA_GH=a1b2c3d4e5f60718293a4b5c6d7e8f9012345678
SHA_GL=0f1e2d3c4b5a69788796a5b4c3d2e1f001234567

# The artifacts: the kernel and its tests, as a CI build would upload them.
mkdir -p "$T/pass/tests" "$T/fail/tests"
cp "$SMALL_KERNEL" "$T/pass/Image"
cp "$SMALL_KERNEL" "$T/fail/Image"
cp "$SRC_GUEST_DIR/pass.sh" "$T/pass/tests/01-pass.sh"
printf '#!/bin/sh\necho "the kernel said yes"\n' >"$T/pass/tests/02-echo.sh"
cp "$SRC_GUEST_DIR/pass.sh" "$T/fail/tests/01-pass.sh"
cp "$SRC_GUEST_DIR/fail.sh" "$T/fail/tests/02-fail.sh"
chmod +x "$T"/pass/tests/* "$T"/fail/tests/*
make_artifact_zip "$T/pass.zip" "$T/pass" >/dev/null
make_artifact_zip "$T/fail.zip" "$T/fail" >/dev/null
forge_github_token forge-token
forge_gitlab_token forge-token
forge_register_run acme/linux 501 $SHA_GH main pkvmd-job="$T/pass.zip" >/dev/null
forge_register_project acme/linux 9 >/dev/null
forge_register_job acme/linux 601 build $SHA_GL main "$T/fail.zip" >/dev/null

# job_of PROJECT -- the id of the project's one job, once it is queued.
job_of() {
	local id i
	for i in $(seq 1 600); do
		id=$(ctl list --tag "project:$1" --json | forge_json 'j[0]["id"] if j else ""')
		if [ -n "$id" ]; then echo "$id"; return 0; fi
		sleep 0.1
	done
	return 1
}
# settled github|gitlab REPO SHA COUNT -- wait until the forge holds COUNT
# states for SHA with a final one last (statuses go out after the job).
settled() {
	local n
	n=$(forge_status_states "$1" "$2" "$3" | wc -w)
	[ "$n" -ge "$4" ]
}

# --- GitHub: a passing push ---------------------------------------------------
hook_github_workflow_run "$H/github" gh-secret acme/linux 501 $SHA_GH >/dev/null
check_eq "github: the delivery is taken (202)" "$HOOK_STATUS" 202
gh=$(job_of linux-gh) || gh=
check_match "github: it queued a job" "$gh" '^[0-9]+$'
rc=0; ctl wait "$gh" >/dev/null 2>&1 || rc=$?
r=$(job_field "$gh" result)
check_eq "github: the job passed on a real guest" "$r" passed
[ "$r" = passed ] || echo "job $gh: $r: $(job_field "$gh" message)" >&2
check "github: its statuses all reached the forge" wait_until 60 settled github acme/linux $SHA_GH 3
st=$(forge_statuses github acme/linux $SHA_GH)
check_eq "github: exactly pending, pending, success" \
	"$(forge_json '" | ".join(s["state"] + ": " + s["description"] for s in j)' <<<"$st")" \
	"pending: queued (position 1) | pending: running | success: 2/2 tests passed"
check_eq "github: every status links to the job" \
	"$(forge_json '" ".join(sorted(set(s["target_url"] for s in j)))' <<<"$st")" "$PUBLIC/v1/jobs/$gh"
check_eq "github: under the context pkvmd/linux-gh" \
	"$(forge_json '" ".join(sorted(set(s["context"] for s in j)))' <<<"$st")" "pkvmd/linux-gh"

# --- GitLab: a failing push ---------------------------------------------------
hook_gitlab_job "$H/gitlab" gl-secret acme/linux 9 601 $SHA_GL >/dev/null
check_eq "gitlab: the delivery is taken (202)" "$HOOK_STATUS" 202
gl=$(job_of linux-gl) || gl=
check_match "gitlab: it queued a job" "$gl" '^[0-9]+$'
rc=0; ctl wait "$gl" >/dev/null 2>&1 || rc=$?
r=$(job_field "$gl" result)
check_eq "gitlab: the job failed on a real guest" "$r" failed
[ "$r" = failed ] || echo "job $gl: $r: $(job_field "$gl" message)" >&2
check "gitlab: its statuses all reached the forge" wait_until 60 settled gitlab acme/linux $SHA_GL 3
check_eq "gitlab: pending, running, failed" "$(forge_status_states gitlab acme/linux $SHA_GL)" \
	"pending running failed"
check_match "gitlab: the final description names the failed test" \
	"$(forge_statuses gitlab acme/linux $SHA_GL | forge_json 'j[-1]["description"]')" \
	'^1/2 tests passed; test 02-fail.sh exited with status 3'
finish
