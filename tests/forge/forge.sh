# tests/forge/forge.sh -- the stand-in forge and webhook deliveries, for the
# tests of pkvmd's CI support; sourced after tests/lib.sh.
#
# forge_start runs tests/forge/forge.py (a loopback stand-in for the GitHub
# and GitLab REST endpoints pkvmd uses) and returns once it listens; the
# other forge_* functions drive its control API with curl.  hook_* build a
# webhook delivery with tests/forge/payloads.py and POST it to pkvmd, over
# TCP or, with HOOK_UNIX_SOCKET set, over a Unix socket.  Waiting is on
# events: the forge's port line, and forge_wait_calls, a long poll on the
# forge's call log.
#
# After forge_start:
#   FORGE_URL    http://127.0.0.1:PORT, the api_url of a test project (GitHub
#                paths at /repos/..., also under /api/v3; GitLab's at /api/v4)
#   FORGE_PORT, FORGE_PID, FORGE_DIR (pid file, calls.jsonl, forge.log)
#
# Every function fails (non-zero) when the forge answers a control request
# with an error, and prints the JSON it answered on stdout.

FORGE_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FORGE_PY=$FORGE_HOME/forge.py
PAYLOADS_PY=$FORGE_HOME/payloads.py
FORGE_PID=
HOOK_SEQ=0

# forge_start [DIR [FORGE.PY OPTIONS...]] -- start the stand-in (state in
# DIR, default $T/forge); returns once it listens.  It exits by itself when
# this shell does.  Options: --unix-socket PATH (also serve there).
forge_start() {
	local fd
	FORGE_DIR=${1:-$T/forge}
	shift || true
	mkdir -p "$FORGE_DIR"
	exec {fd}< <(exec python3 "$FORGE_PY" --port 0 --dir "$FORGE_DIR" --exit-with $$ "$@" 2>>"$FORGE_DIR/forge.log")
	# The first line is the port, printed once both sockets listen.
	if ! read -r -t 30 -u "$fd" FORGE_PORT; then
		echo "# forge did not start:" >&2
		sed 's/^/#   /' "$FORGE_DIR/forge.log" >&2
		return 1
	fi
	exec {fd}<&-
	FORGE_PID=$(cat "$FORGE_DIR/forge.pid")
	FORGE_URL=http://127.0.0.1:$FORGE_PORT
}

# forge_stop -- stop the stand-in and wait until it has exited.
forge_stop() {
	[ -n "$FORGE_PID" ] || return 0
	kill -TERM "$FORGE_PID" 2>/dev/null || true
	wait_gone "$FORGE_PID" 10 || kill -KILL "$FORGE_PID" 2>/dev/null || true
	FORGE_PID=
}

# forge_ctl METHOD PATH [JSON] -- one control request (PATH under /_forge/);
# prints the answer, fails on a status of 300 or more.
forge_ctl() {
	local code out
	out=$(mktemp "$FORGE_DIR/ctl.XXXXXX")
	code=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$FORGE_URL/_forge/$2") || code=000
	cat "$out"
	rm -f "$out"
	[ "$code" -ge 200 ] && [ "$code" -lt 300 ]
}

# forge_json CODE -- run Python CODE on the JSON on stdin, bound to `j`, and
# print the value of its last statement, an expression (e.g. forge_json
# 'j["artifacts"][0]["id"]', or 'r = j["workflow_run"]; r["id"]'); a list
# prints one item a line, a dict or a boolean as JSON.
forge_json() {
	python3 -c '
import ast, json, sys
j = json.load(sys.stdin)
tree = ast.parse(sys.argv[1])
last = tree.body.pop()
exec(compile(tree, "forge_json", "exec"))
v = eval(compile(ast.Expression(last.value), "forge_json", "eval"))
for x in (v if isinstance(v, list) else [v]):
    print("null" if x is None else (json.dumps(x) if isinstance(x, (dict, bool)) else x))' "$1"
}

# --- GitHub ------------------------------------------------------------------

# forge_github_token TOKEN [PERMISSIONS_JSON] -- accept TOKEN on the GitHub
# API; default permissions {"actions": "read", "statuses": "write"} (a
# fine-grained token with "Actions: read" and "Commit statuses: write").
forge_github_token() {
	local perms='{"actions": "read", "statuses": "write"}'
	forge_ctl POST github/tokens "{\"token\": \"$1\", \"permissions\": ${2:-$perms}}" >/dev/null
}

# forge_register_run REPO RUN_ID SHA BRANCH NAME=ZIP... -- a completed
# workflow run of REPO (owner/name) on SHA with artifacts, each NAME from
# the zip file ZIP; prints the artifact ids, one a line, in order.
forge_register_run() {
	local repo=$1 run=$2 sha=$3 branch=$4 arts="" a
	shift 4
	for a in "$@"; do
		arts+="${arts:+,}{\"name\": \"${a%%=*}\", \"file\": \"${a#*=}\"}"
	done
	forge_ctl POST github/runs "{\"repo\": \"$repo\", \"run_id\": $run, \"head_sha\": \"$sha\",
		\"head_branch\": \"$branch\", \"artifacts\": [$arts]}" | forge_json '[a["id"] for a in j["artifacts"]]'
}

# forge_github_commit REPO SHA -- a commit GitHub knows (statuses on an
# unknown commit are 422, as GitHub answers them).
forge_github_commit() {
	forge_ctl POST github/commits "{\"repo\": \"$1\", \"sha\": \"$2\"}" >/dev/null
}

# forge_expire_artifact ID -- the artifact expired: listed with "expired":
# true, its download is 410 Gone.
forge_expire_artifact() {
	forge_ctl POST "github/artifacts/$1/expire" >/dev/null
}

# forge_url_ttl SECONDS -- how long a download URL (GitHub's 302 Location)
# stays valid; GitHub's last a minute, the default.
forge_url_ttl() {
	forge_ctl POST url-ttl "{\"seconds\": $1}" >/dev/null
}

# --- GitLab --------------------------------------------------------------------

# forge_gitlab_token TOKEN [KIND [ROLE [SCOPES_JSON]]] -- accept TOKEN on the
# GitLab API: KIND private (PRIVATE-TOKEN or Bearer; default) or job
# (JOB-TOKEN, artifacts only), ROLE developer (default), reporter, guest,
# maintainer; SCOPES default ["api"].
forge_gitlab_token() {
	forge_ctl POST gitlab/tokens "{\"token\": \"$1\", \"kind\": \"${2:-private}\",
		\"role\": \"${3:-developer}\", \"scopes\": ${4:-[\"api\"]}}" >/dev/null
}

# forge_register_project PATH [ID] -- a GitLab project (group/name); prints its id.
forge_register_project() {
	forge_ctl POST gitlab/projects "{\"path\": \"$1\"${2:+, \"id\": $2}}" | forge_json 'j["id"]'
}

# forge_register_job PROJECT JOB_ID NAME SHA REF [ZIP [redirect]] -- a
# finished GitLab job of PROJECT (path or id) with ZIP as its artifacts
# archive (none without ZIP); with "redirect" the archive is answered with a
# 302 to the download listener, as GitLab behind a CDN does.  Prints the
# pipeline id.
forge_register_job() {
	local redirect=false zip=null
	[ "${7:-}" = redirect ] && redirect=true
	[ -n "${6:-}" ] && zip="\"$6\""
	forge_ctl POST gitlab/jobs "{\"project\": \"$1\", \"job_id\": $2, \"name\": \"$3\", \"sha\": \"$4\",
		\"ref\": \"$5\", \"artifacts\": $zip, \"redirect\": $redirect}" | forge_json 'j["pipeline_id"]'
}

# forge_expire_job JOB_ID -- the job's artifacts are gone (404).
forge_expire_job() {
	forge_ctl POST "gitlab/jobs/$1/expire" >/dev/null
}

# --- files for the generic hook ---------------------------------------------------

# forge_file NAME PATH -- serve PATH at $FORGE_URL/_files/NAME; prints the URL.
# Also served without registering: /_files/redirect/N/NAME (N 302s first)
# and /_files/zeros/BYTES (that many zero bytes).
forge_file() {
	forge_ctl POST files "{\"name\": \"$1\", \"file\": \"$2\"}" | forge_json 'j["url"]'
}

# --- what pkvmd did -----------------------------------------------------------------

# forge_calls [QUERY] -- the call log as a JSON array; QUERY filters it:
# since=SEQ, method=M, path=PREFIX, listener=api|blob, status=CODE
# (e.g. forge_calls 'method=POST&path=/repos/acme/linux/statuses/').
# Each call: seq, time, listener, method, path, query, headers
# (authorization, private-token, job-token, accept, content-type,
# x-github-api-version, user-agent, ...), body and json (when it parses),
# status (a number, or "dropped"), fault (when injected).
forge_calls() {
	forge_ctl GET "calls${1:+?$1}"
}

# forge_wait_calls COUNT [QUERY [TIMEOUT]] -- wait until the log holds at
# least COUNT calls matching QUERY (default timeout 60 s); prints them.
forge_wait_calls() {
	forge_ctl GET "wait?count=$1&timeout=${3:-60}${2:+&$2}"
}

# forge_clear_calls -- empty the call log.
forge_clear_calls() {
	forge_ctl DELETE calls >/dev/null
}

# forge_statuses github REPO [SHA] | forge_statuses gitlab PROJECT [SHA] --
# the commit statuses created, in order, as JSON (GitHub's objects plus the
# token used; GitLab's plus each status's history of states).
forge_statuses() {
	case $1 in
	github) forge_ctl GET "github/statuses?repo=$2${3:+&sha=$3}" ;;
	gitlab) forge_ctl GET "gitlab/statuses?project=$2${3:+&sha=$3}" ;;
	*) echo "forge_statuses: github or gitlab" >&2; return 2 ;;
	esac
}

# forge_status_states github|gitlab REPO [SHA] -- the states posted, in
# order, on one line: "pending pending success" (GitHub) or the states each
# GitLab status went through, "pending running success".
forge_status_states() {
	if [ "$1" = github ]; then
		forge_statuses "$@" | forge_json '" ".join(s["state"] for s in j)'
	else
		forge_statuses "$@" | forge_json '" ".join(x for s in j for x in s["history"])'
	fi
}

# --- taking it down ---------------------------------------------------------------------

# forge_down [MODE [COUNT [STATUS [MATCH]]]] -- the next COUNT forge calls
# (default all, until forge_up) whose path starts with MATCH (default any)
# fail: MODE error answers STATUS (default 503), drop closes the connection
# without an answer, hang holds the request until forge_up (then drops it).
# Control calls are never affected.
forge_down() {
	local count=${2:-null}
	[ "$count" = all ] && count=null
	forge_ctl POST down "{\"mode\": \"${1:-error}\", \"count\": $count, \"status\": ${3:-503}${4:+, \"match\": \"$4\"}}" >/dev/null
}

# forge_up -- serve normally again (and release hanging requests).
forge_up() {
	forge_ctl POST up >/dev/null
}

# --- webhook deliveries -------------------------------------------------------------------

# hook KIND URL [PAYLOAD OPTIONS...] -- build a delivery with payloads.py
# (KIND github-ping, github-workflow-run, gitlab-job, gitlab-pipeline,
# generic; options as `payloads.py KIND --help` lists) and POST it to URL.
# Prints the HTTP status; sets HOOK_DIR (body, headers, response),
# HOOK_DELIVERY (the delivery id) and HOOK_STATUS.  With HOOK_UNIX_SOCKET
# set, the POST goes over that socket (URL like http://pkvmd/v1/hooks/github).
# Call it as a command, not in $(...), to keep HOOK_*: `hook ... >/dev/null;
# check_eq ... "$HOOK_STATUS" 200`.
hook() {
	local kind=$1 url=$2
	shift 2
	HOOK_SEQ=$((HOOK_SEQ + 1))
	HOOK_DIR=${FORGE_DIR:-$T}/hooks/$HOOK_SEQ
	mkdir -p "$HOOK_DIR"
	HOOK_DELIVERY=$(python3 "$PAYLOADS_PY" "$kind" --out "$HOOK_DIR" "$@") || return 2
	hook_send "$HOOK_DIR" "$url"
}

# hook_send DIR URL -- POST DIR/body with DIR/headers to URL (again, for a
# replay, or after a test altered the body); prints the status, keeps the
# answer in DIR/response.
hook_send() {
	HOOK_STATUS=$(curl -sS -o "$1/response" -w '%{http_code}' -X POST \
		${HOOK_UNIX_SOCKET:+--unix-socket "$HOOK_UNIX_SOCKET"} \
		-H @"$1/headers" --data-binary @"$1/body" "$2") || HOOK_STATUS=000
	echo "$HOOK_STATUS"
}

# hook_github_ping URL SECRET REPO
hook_github_ping() {
	hook github-ping "$1" --secret "$2" --repo "$3"
}

# hook_github_workflow_run URL SECRET REPO RUN_ID SHA [OPTIONS...] -- a
# workflow_run delivery (default action completed, conclusion success,
# workflow "kernel", branch main); OPTIONS: --branch B --workflow NAME
# --path .github/workflows/F --conclusion failure --action requested
# --run-number N --delivery ID.
hook_github_workflow_run() {
	local url=$1 secret=$2 repo=$3 run=$4 sha=$5
	shift 5
	hook github-workflow-run "$url" --secret "$secret" --repo "$repo" --run-id "$run" --sha "$sha" "$@"
}

# hook_gitlab_job URL TOKEN PROJECT PROJECT_ID JOB_ID SHA [OPTIONS...] -- a
# Job Hook (default status success, job name build, ref main); OPTIONS:
# --job-name N --status failed --ref B --pipeline-id N --delivery UUID.
hook_gitlab_job() {
	local url=$1 token=$2 project=$3 pid=$4 job=$5 sha=$6
	shift 6
	hook gitlab-job "$url" --token "$token" --project "$project" --project-id "$pid" --job-id "$job" --sha "$sha" "$@"
}

# hook_gitlab_pipeline URL TOKEN PROJECT PROJECT_ID PIPELINE_ID SHA [OPTIONS...]
# -- a Pipeline Hook; OPTIONS: --status S --ref B --build NAME:STATUS:JOB_ID...
hook_gitlab_pipeline() {
	local url=$1 token=$2 project=$3 pid=$4 pipeline=$5 sha=$6
	shift 6
	hook gitlab-pipeline "$url" --token "$token" --project "$project" --project-id "$pid" \
		--pipeline-id "$pipeline" --sha "$sha" "$@"
}

# hook_generic URL SECRET PROJECT REF COMMIT KERNEL_URL TESTS_URL [OPTIONS...]
# -- pkvmd's generic hook; OPTIONS: --kernel-sha256 H --tests-sha256 H
# --tag T... --callback-url U --id ID.
hook_generic() {
	local url=$1 secret=$2 project=$3 ref=$4 commit=$5 kurl=$6 turl=$7
	shift 7
	hook generic "$url" --secret "$secret" --project "$project" --ref "$ref" --commit "$commit" \
		--kernel-url "$kurl" --tests-url "$turl" "$@"
}

# hook_response_field FIELD -- a member of the last delivery's JSON answer.
hook_response_field() {
	forge_json "j$(printf '["%s"]' ${1//./ })" <"$HOOK_DIR/response"
}

# make_artifact_zip OUT DIR [--evil KIND]... -- zip DIR's tree into OUT
# (kernel Image and tests/ as a CI job uploads them); KIND adds a hostile
# entry: dotdot, absolute, symlink-out, bomb:BYTES.
make_artifact_zip() {
	python3 "$PAYLOADS_PY" zip "$@"
}
