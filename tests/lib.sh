# tests/lib.sh -- shared by the integration and end-to-end tests.
#
# Each test script sources this file, calls start_pkvmd (a real pkvmd on a
# private socket and state directory), drives it with the real pkvmctl,
# and states expectations with check/check_eq.  Waiting is always on an
# event: `pkvmctl wait` (a long poll answered when the job is stored as
# done), the daemon's own readiness (it forks only once it listens), or
# wait_for_console, which follows the console stream until a pattern shows.
# There is no sleep-and-hope.
#
# Environment (set by tests/meson.build): PKVMD, PKVMD_SPAWN, PKVMCTL,
# FAKE_QEMU, GUEST_DIR (built guest programs), SRC_GUEST_DIR (guest
# scripts), TEST_KERNEL (Debian arm64 kernel from scripts/fetch-guest).

set -euo pipefail

TESTS_RUN=0
TESTS_FAILED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/pkvm-test.XXXXXX")
SOCK=$T/pkvmd.sock
STATE=$T/state
PIDFILE=$T/pkvmd.pid
export FAKE_QEMU_PIDFILE=$T/fake-qemu.pids
# pkvmctl's cache of file hashes (client/hash-cache.h): the test's own,
# not the user's running the suite.
export PKVM_HASH_CACHE=$T/hashes

# In a sanitizer build (tests/meson.build sets *SAN_OPTIONS) every process
# this test starts writes its reports to $SANITIZER_DIR/report.PID instead
# of a stderr nobody reads (pkvmd's, once it has forked), and cleanup fails
# the test if any report is there.  The directory is open to all, since
# some tests run pkvmctl and fake-qemu as other users.
SANITIZER_DIR=
if [ -n "${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-}" ]; then
	SANITIZER_DIR=$T/sanitizer
	mkdir "$SANITIZER_DIR"
	chmod 1777 "$SANITIZER_DIR"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$SANITIZER_DIR/report"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$SANITIZER_DIR/report"
fi

# ok/not ok lines in TAP, which meson reads.
check() {
	local what=$1
	shift
	TESTS_RUN=$((TESTS_RUN + 1))
	if "$@"; then
		echo "ok $TESTS_RUN - $what"
	else
		echo "not ok $TESTS_RUN - $what"
		TESTS_FAILED=$((TESTS_FAILED + 1))
	fi
}

# skip WHAT WHY -- a check this run cannot make, said as a TAP skip.
skip() {
	TESTS_RUN=$((TESTS_RUN + 1))
	echo "ok $TESTS_RUN - $1 # SKIP $2"
}

# check_eq WHAT ACTUAL EXPECTED
check_eq() {
	TESTS_RUN=$((TESTS_RUN + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $TESTS_RUN - $1"
	else
		echo "not ok $TESTS_RUN - $1"
		echo "#   got:      '$2'"
		echo "#   expected: '$3'"
		TESTS_FAILED=$((TESTS_FAILED + 1))
	fi
}

# check_match WHAT TEXT REGEX
check_match() {
	TESTS_RUN=$((TESTS_RUN + 1))
	# A here-string, not a pipe: under pipefail, grep -q leaving at its
	# first match would fail the check with the writer's SIGPIPE.
	if grep -Eq -- "$3" <<<"$2"; then
		echo "ok $TESTS_RUN - $1"
	else
		echo "not ok $TESTS_RUN - $1"
		echo "#   '$3' not found in:"
		printf '%s\n' "$2" | head -20 | sed 's/^/#     /'
		TESTS_FAILED=$((TESTS_FAILED + 1))
	fi
}

# wait_until SECONDS COMMAND... -- poll COMMAND every 0.05 s until it
# succeeds; fail after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# open_to_others -- let other uids (setpriv --reuid) run the test's
# pkvmctl and fake-qemu and reach its socket: the build tree may sit where
# they cannot look (a clone in /root, mode 0700), so both are copied into
# $T/bin, and $T is opened for searching.
open_to_others() {
	mkdir -p "$T/bin"
	cp "$PKVMCTL" "$FAKE_QEMU" "$T/bin/"
	chmod 0755 "$T" "$T/bin" "$T/bin/"*
	PKVMCTL=$T/bin/$(basename "$PKVMCTL")
	FAKE_QEMU=$T/bin/$(basename "$FAKE_QEMU")
}

# Start pkvmd with extra options; returns once it listens (the daemon's
# parent exits only then).
start_pkvmd() {
	"$PKVMD" --state-dir "$STATE" --socket "$SOCK" --pid-file "$PIDFILE" \
		--spawn-helper "$PKVMD_SPAWN" "$@"
	PKVMD_PID=$(cat "$PIDFILE")
}

# Stop pkvmd with SIGTERM and wait for it to exit.
stop_pkvmd() {
	local pid=${PKVMD_PID:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait_gone "$pid" || true
	PKVMD_PID=
}

# wait_gone PID [SECONDS] -- block until process PID has exited; with
# SECONDS, give up after that long and fail.  A pidfd becomes readable the
# moment the process exits, before anyone reaps it: a daemonised pkvmd is
# reaped by PID 1, which may take its time, and kill -0 (what tail --pid
# polls) still sees the zombie until then.
wait_gone() {
	python3 -c '
import os, select, sys
try:
    fd = os.pidfd_open(int(sys.argv[1]))
except ProcessLookupError:
    sys.exit(0)
t = float(sys.argv[2]) if len(sys.argv) > 2 else None
sys.exit(0 if select.select([fd], [], [], t)[0] else 1)
' "$@"
}

ctl() {
	"$PKVMCTL" --socket "$SOCK" "$@"
}

# ctl_quiet ARGS... -- ctl for its exit status alone (its output would
# break the TAP stream).
ctl_quiet() {
	ctl "$@" >/dev/null
}

# job_field ID FIELD -- one field of `pkvmctl status --json`.
job_field() {
	ctl status --json "$1" | python3 -c "import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print('null' if v is None else v)" "$2"
}

# wait_for_console ID REGEX -- follow the console until REGEX shows; fails
# if the job ends without it.  The follower is stopped as soon as grep has
# matched: a plain pipe would wait for it, and it only notices a closed pipe
# on its next write, which never comes when the guest hangs silent.  A
# guest that keeps running without ever printing REGEX fails it after
# WAIT_CONSOLE_S (120) rather than hanging the test until meson kills it
# with nothing said.
wait_for_console() {
	local fd pid rc=0
	exec {fd}< <(exec timeout "${WAIT_CONSOLE_S:-120}" "$PKVMCTL" --socket "$SOCK" logs -f "$1")
	pid=$!
	grep -Eq -m1 -- "$2" <&"$fd" || rc=$?
	[ "$rc" -eq 0 ] || echo "# wait_for_console: job $1 never printed /$2/" >&2
	kill "$pid" 2>/dev/null || true
	exec {fd}<&-
	return "$rc"
}

# Processes from FAKE_QEMU_PIDFILE that are still alive.  A zombie does not
# count: one whose parent pkvmd died waits for PID 1 to reap it.
surviving_fakes() {
	local pid stat
	[ -f "$FAKE_QEMU_PIDFILE" ] || return 0
	while read -r pid; do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		if [ "${stat%% *}" != Z ]; then echo "$pid"; fi
	done <"$FAKE_QEMU_PIDFILE"
}

# cleanup [STATUS] -- the EXIT trap; STATUS is the script's exit status
# when another trap (browser.sh's) calls it.
cleanup() {
	local rc=${1:-$?}
	# SIGTERM first: pkvmd then stops its qemus and coverage captures
	# (lcov included) itself, so nothing is left writing into $T.
	if [ -n "${PKVMD_PID:-}" ]; then
		kill -TERM "$PKVMD_PID" 2>/dev/null || true
		wait_gone "$PKVMD_PID" 15 || kill -KILL "$PKVMD_PID" 2>/dev/null || true
	fi
	for pid in $(surviving_fakes); do kill -KILL "$pid" 2>/dev/null || true; done
	if [ -n "$SANITIZER_DIR" ] && [ -n "$(ls -A "$SANITIZER_DIR" 2>/dev/null)" ]; then
		echo "# sanitizer reports (a failure however the checks went):"
		head -c 20000 "$SANITIZER_DIR"/* | sed 's/^/# /'
		rc=1
	fi
	# GCC's UBSan, linked with ASan, ignores log_path (GCC PR 94328) and
	# writes to stderr: pkvmd's, once it has forked, is its log.
	if [ -n "$SANITIZER_DIR" ] && [ -f "$STATE/pkvmd.log" ] &&
		grep -Eq -m1 ':[0-9]+:[0-9]+: runtime error: ' "$STATE/pkvmd.log"; then
		echo "# UBSan reports in pkvmd.log (a failure however the checks went):"
		grep -E -A12 ':[0-9]+:[0-9]+: runtime error: ' "$STATE/pkvmd.log" | head -100 | sed 's/^/# /'
		rc=1
	fi
	if [ "$TESTS_FAILED" -ne 0 ] || [ "$rc" -ne 0 ]; then
		echo "# state kept in $T"
		[ -f "$STATE/pkvmd.log" ] && tail -30 "$STATE/pkvmd.log" | sed 's/^/# log: /'
	else
		rm -rf "$T" 2>/dev/null || true
	fi
	# A script that passed its checks still fails on a sanitizer report.
	[ "$rc" -eq 0 ] || exit "$rc"
}
trap cleanup EXIT

# virtio_blk_modules DIR -- the Debian cloud kernel's virtio and
# virtio_blk modules (it has them as modules; ext4 is built in) copied
# into the extra tree DIR, and MODARGS set to the --module options that
# load them, so that a job on $TEST_KERNEL sees its --disk images.
virtio_blk_modules() {
	local kver m f
	kver=$(ls "$TEST_MODULES")
	mkdir -p "$1/lib/modules/$kver"
	MODARGS=()
	for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
		f=$(find "$TEST_MODULES/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
		cp "$f" "$1/lib/modules/$kver/"
		MODARGS+=(--module "$m")
	done
}

# Print the TAP plan and exit non-zero when a check failed.
finish() {
	echo "1..$TESTS_RUN"
	[ "$TESTS_FAILED" -eq 0 ]
}
