#!/bin/bash
# End to end, the dashboard's console page with a real guest: the small
# test kernel boots and runs a test that prints a numbered line every
# second; the job page, opened while the job runs, shows the guest's lines
# as it prints them (a line appears while the API still says "running",
# and more follow without a reload), then the whole console once the job
# is done, with nothing in the browser's console log.  One boot.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
. "$(dirname "$0")/../browser.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
start_pkvmd --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" --public-read

cat >"$T/ticks.sh" <<'SH'
#!/bin/sh
# Numbered lines, one a second, for the page to show as they come.
i=0
while [ "$i" -lt 8 ]; do
	i=$((i + 1))
	echo "dashboard tick $i"
	sleep 1
done
SH
chmod +x "$T/ticks.sh"
id=$(ctl submit "$SMALL_KERNEL" --exe "$T/ticks.sh" -C --timeout 300)
browser_checks "$(dirname "$0")/dashboard-console.py" "$BASE" "$SHOTS" "$T/chromium" "$id"
check_eq "the job passed" "$(job_field "$id" result)" passed
finish
