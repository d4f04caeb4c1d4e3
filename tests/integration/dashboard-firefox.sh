#!/bin/bash
# Integration: the web dashboard (docs/DASHBOARD.md) in Firefox.  The same
# pkvmd and jobs as dashboard.sh (tests/dashboard-jobs.sh); then
# dashboard-firefox.py drives headless firefox-esr over WebDriver BiDi
# (tests/firefox_bidi.py: Debian has no geckodriver) and checks that the
# overview lists the API's finished jobs, a job page lists a failed test
# first and shows its console, the crashes page lists the crash's title, a
# job submitted with pkvmctl appears on the open overview without a reload,
# and nothing is logged as an error.  Screenshots go next to the chromium
# ones, as firefox-*.png.  Firefox is ended when the script ends, however
# it ends.
BROWSER=firefox
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
. "$(dirname "$0")/../browser.sh"
. "$(dirname "$0")/../dashboard-jobs.sh"
command -v lcov >/dev/null || { echo "1..0 # SKIP lcov not installed (scripts/setup)"; exit 0; }

shots=(firefox-overview.png firefox-overview-live.png firefox-job-failed.png firefox-crashes.png)
(cd "$SHOTS" && rm -f "${shots[@]}")
dashboard_jobs

check_eq "the failing job failed" "$(job_field "$fail" result)" failed
check_eq "the crashing job crashed" "$(job_field "$crash" result)" crashed
browser_checks "$(dirname "$0")/dashboard-firefox.py" "$BASE" "$SHOTS" "$T/firefox" "$jobs"
check_eq "no firefox is left running" "$(browser_left)" ""
check_eq "screenshots of the pages are in $SHOTS" "$(cd "$SHOTS" && ls "${shots[@]}" 2>/dev/null | wc -l)" \
	"${#shots[@]}"
finish
