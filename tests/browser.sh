# browser.sh -- for the dashboard's browser tests, sourced after lib.sh:
# skip when the browser or what drives it is missing (scripts/setup
# installs them), and turn the lines a browser script prints ("PASS name",
# "FAIL name -- why", "SKIP name -- why") into TAP checks.
#
# BROWSER, set before sourcing, picks the browser: chromium (the default;
# chromium, chromium-driver and python3-selenium) or firefox (firefox-esr,
# driven over WebDriver BiDi by tests/firefox_bidi.py with
# python3-websockets: Debian has no geckodriver).

BROWSER=${BROWSER:-chromium}
case $BROWSER in
chromium) browser_needs=(chromium chromedriver) browser_module=selenium browser_pkg=python3-selenium ;;
firefox) browser_needs=(firefox-esr) browser_module=websockets browser_pkg=python3-websockets ;;
*) echo "Bail out! browser.sh: unknown BROWSER=$BROWSER"; exit 1 ;;
esac
for need in "${browser_needs[@]}"; do
	command -v "$need" >/dev/null || { echo "1..0 # SKIP $need not installed (scripts/setup)"; exit 0; }
done
# Debian's python3-selenium and python3-websockets are for Debian's
# python3, which a python3 earlier on PATH (pyenv, a venv) may hide.
BROWSER_PY=
for py in /usr/bin/python3 python3; do
	if "$py" -c "import $browser_module" 2>/dev/null; then
		BROWSER_PY=$py
		break
	fi
done
[ -n "$BROWSER_PY" ] || { echo "1..0 # SKIP $browser_pkg not installed (scripts/setup)"; exit 0; }

# Screenshots go where meson keeps its logs, which outlive $T.
SHOTS=${DASHBOARD_SHOTS:-$(dirname "$PKVMD")/meson-logs/dashboard}
mkdir -p "$SHOTS" "$T/$BROWSER"

# browser_checks SCRIPT ARGS... -- run the python SCRIPT (with BROWSER_PY) and
# count each line it prints as a check; a script that dies is a failure.
browser_checks() {
	local verdict rest script=$1
	shift
	while read -r verdict rest; do
		TESTS_RUN=$((TESTS_RUN + 1))
		case $verdict in
		PASS) echo "ok $TESTS_RUN - $rest" ;;
		SKIP) echo "ok $TESTS_RUN - ${rest%% -- *} # SKIP ${rest#* -- }" ;;
		*)
			echo "not ok $TESTS_RUN - ${rest%% -- *}"
			echo "#   ${rest#* -- }"
			TESTS_FAILED=$((TESTS_FAILED + 1))
			;;
		esac
	done < <("$BROWSER_PY" "$script" "$@" 2>"$T/$BROWSER.err" ||
		echo "FAIL the browser script ran to its end -- $(tail -3 "$T/$BROWSER.err" | tr '\n' ' ')")
}

# browser_left -- the pids of the browser processes still running with
# the test's profile ($T/$BROWSER) on their command line.
browser_left() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
		if tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- "$T/$BROWSER"; then
			echo "$pid"
		fi
	done
}

# Whatever ends the test, no browser it started outlives it (the python
# script ends it; this is for a script that could not).
# browser_cleanup passes the exit status on to lib.sh's cleanup: a trap
# running under set -e would stop at a function returning it.
browser_cleanup() {
	local rc=$? pid
	for pid in $(browser_left); do kill -KILL "$pid" 2>/dev/null || true; done
	cleanup "$rc"
}
trap browser_cleanup EXIT
