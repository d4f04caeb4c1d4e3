#!/bin/bash
# Integration: the web dashboard (docs/DASHBOARD.md) in a real browser.
# pkvmd serves the pages and the API on a loopback TCP listener with
# --public-read; fake-qemu runs a passing, a failing, a crashing, a
# coverage-shipping and a hanging job; dashboard.py then drives headless
# chromium through chromium-driver and checks what each page shows against
# the API: the overview's running card, finished list and filters, a failed
# test listed first, the crash title and backtrace, the console's lines,
# search and line links, the coverage numbers, a cancel refused without a
# token and done with one, no sideways scrolling on a narrow screen, and
# nothing in the browser's console log.  The live checks (a job appearing
# within a second, its progress moving) need GET /v1/events and are skipped
# with a reason while pkvmd lacks it.  Screenshots of each page go to
# $DASHBOARD_SHOTS (default: meson-logs/dashboard in the build tree).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
. "$(dirname "$0")/../browser.sh"
. "$(dirname "$0")/../dashboard-jobs.sh"
command -v lcov >/dev/null || { echo "1..0 # SKIP lcov not installed (scripts/setup)"; exit 0; }

(cd "$SHOTS" && rm -f overview.png overview-live.png overview-narrow.png job-failed.png job-crashed.png \
	job-passed.png job-coverage.png job-no-token.png crashes.png coverage.png)
dashboard_jobs

check_eq "the failing job failed" "$(job_field "$fail" result)" failed
check_eq "the crashing job crashed" "$(job_field "$crash" result)" crashed
check_eq "the coverage job has coverage" \
	"$(curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$cov/coverage" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" ok
check_eq "the hanging job runs" "$(job_field "$hang" state)" running
check_match "GET / is the overview page" "$(curl -s "$BASE/")" '<title>Overview'
check_match "a file has an ETag and must be revalidated" "$(curl -si "$BASE/ui/style.css")" \
	'Cache-Control: no-cache'
etag=$(curl -si "$BASE/ui/api.js" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
check_eq "the same ETag again is 304" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/ui/api.js")" 304
check_eq "a script is text/javascript" \
	"$(curl -s -o /dev/null -w '%{content_type}' "$BASE/ui/api.js")" 'text/javascript; charset=utf-8'
check_eq "no way out of the ui directory (..)" \
	"$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$BASE/ui/../meson.build")" 404
check_eq "no way out of the ui directory (%2e%2e%2f)" \
	"$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$BASE/ui/%2e%2e%2fmeson.build")" 404
check_eq "no file of an unknown kind" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ui/meson.build")" 404

# The overview pages finished jobs with the API's cursor.
page() { curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs?$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(" ".join(str(j["id"]) for j in r["jobs"]), "next", r["next"])'; }
check_eq "a full page names the next one's cursor" "$(page "state=done&limit=2")" "$cov $crash next $crash"
check_eq "before= gives the page after it" "$(page "state=done&limit=2&before=$crash")" \
	"$fail $pass next $pass"
check_eq "a short page has no next" "$(page "state=done&limit=3&before=$fail")" "$pass next None"
check_eq "result= filters, with the tag too" "$(page "tag=dash&result=failed")" "$fail next None"
check_eq "a result no job can have is refused" \
	"$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://pkvmd/v1/jobs?result=green")" 400

browser_checks "$(dirname "$0")/dashboard.py" "$BASE" "$SHOTS" "$T/chromium" "$jobs"
shots=$(cd "$SHOTS" && ls overview.png overview-narrow.png job-failed.png job-crashed.png job-passed.png \
	job-coverage.png job-no-token.png crashes.png coverage.png 2>/dev/null | wc -l)
check_eq "screenshots of the pages are in $SHOTS" "$shots" 9
finish
