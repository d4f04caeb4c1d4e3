#!/bin/bash
# End to end, the dashboard's console page with a real guest: the small
# test kernel boots and runs a test that prints a numbered line every
# second; the job page, opened while the job runs, shows the guest's lines
# as it prints them (a line appears while the API still says "running",
# and more follow without a reload), then the whole console once the job
# is done, with nothing in the browser's console log.  One boot.
#
# The guest ticks until the browser script, having seen the live part,
# types a line on its console (pkvmctl attach): a browser slow to start
# under load sees the job running however long it took, with no timing
# to guess.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../net.sh"
. "$(dirname "$0")/../browser.sh"

[ -s "$SMALL_KERNEL" ] || { echo "Bail out! no test kernel at $SMALL_KERNEL: run scripts/build-test-kernel"; exit 1; }

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
start_pkvmd --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" --public-read

cat >"$T/ticks.sh" <<'SH'
#!/bin/sh
# Numbered lines, one a second, for the page to show as they come: at
# least 8, and on until a line typed on the console says the page has
# seen enough (or 600, should no one ever type it).
(read -r _ </dev/console && : >enough) &
reader=$!
i=0
while [ "$i" -lt 8 ] || { [ ! -e enough ] && [ "$i" -lt 600 ]; }; do
	i=$((i + 1))
	echo "dashboard tick $i"
	sleep 1
done
kill "$reader" 2>/dev/null
echo "dashboard ticks: $i"
SH
chmod +x "$T/ticks.sh"
id=$(ctl submit "$SMALL_KERNEL" --exe "$T/ticks.sh" -C --timeout 300)
browser_checks "$(dirname "$0")/dashboard-console.py" "$BASE" "$SHOTS" "$T/chromium" "$id" \
	"$PKVMCTL" "$SOCK"
check_eq "the job passed" "$(job_field "$id" result)" passed
finish
