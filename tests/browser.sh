# browser.sh -- for the dashboard's browser tests, sourced after lib.sh:
# skip when chromium, chromium-driver or python3-selenium is missing
# (scripts/setup installs them), and turn the lines a browser script prints
# ("PASS name", "FAIL name -- why", "SKIP name -- why") into TAP checks.

for need in chromium chromedriver; do
	command -v "$need" >/dev/null || { echo "1..0 # SKIP $need not installed (scripts/setup)"; exit 0; }
done
# Debian's python3-selenium is for Debian's python3, which a python3
# earlier on PATH (pyenv, a venv) may hide.
SELENIUM_PY=
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import selenium' 2>/dev/null; then
		SELENIUM_PY=$py
		break
	fi
done
[ -n "$SELENIUM_PY" ] || { echo "1..0 # SKIP python3-selenium not installed (scripts/setup)"; exit 0; }

# Screenshots go where meson keeps its logs, which outlive $T.
SHOTS=${DASHBOARD_SHOTS:-$(dirname "$PKVMD")/meson-logs/dashboard}
mkdir -p "$SHOTS" "$T/chromium"

# browser_checks SCRIPT ARGS... -- run the python SCRIPT with selenium and
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
	done < <("$SELENIUM_PY" "$script" "$@" 2>"$T/selenium.err" ||
		echo "FAIL the browser script ran to its end -- $(tail -3 "$T/selenium.err" | tr '\n' ' ')")
}
