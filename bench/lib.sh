# lib.sh -- what the benchmark scripts share, sourced by bench/api and
# bench/dashboard: a free loopback port, a pkvmd of their own started and
# stopped in a temporary directory, pkvmctl on its socket, and a store of
# many jobs made quickly (one real job, run by fake-qemu, copied in the
# database while pkvmd is stopped).
#
# The script sets before it sources this file:
#   root, builddir   the source tree and the build directory
# and gets:
#   t                a temporary directory, removed (and pkvmd stopped) on exit
#   kernel           the guest kernel of scripts/setup (fake-qemu reads only
#                    its banner)
# and sets BENCH_PKVMD_ARGS (an array) to the options of its pkvmd beyond
# the state directory, pid file, Unix socket, spawn helper and fake-qemu.

cache=${PKVM_GUEST_CACHE:-$HOME/.cache/pkvmd/guest}
kernel=$cache/kernel/Image
BENCH_PKVMD_ARGS=()
BENCH_SUBMIT_ARGS=(--tag bench --append fakeqemu=pass)

# bench_need NAME TOOL... -- fail with a hint when a tool or the kernel is
# missing.
bench_need() {
	local name=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "$name: $tool is missing: run scripts/setup" >&2; exit 1; }
	done
	[ -s "$kernel" ] || { echo "$name: no kernel at $kernel: run scripts/setup" >&2; exit 1; }
	[ -x "$builddir/pkvmd" ] && [ -x "$builddir/tests/fake-qemu" ] ||
		{ echo "$name: build first (ninja -C $builddir)" >&2; exit 1; }
	# pkvmd serves build/ui, which ninja copies from ui/.
	ninja -C "$builddir" >/dev/null || exit 1
}

t=$(mktemp -d)
trap 'kill $(cat "$t/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$t"' EXIT
export PKVM_DATA_DIR=$builddir/initramfs

# bench_port -- a free TCP port on 127.0.0.1.
bench_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_start -- start pkvmd (it daemonizes once it listens).
bench_start() {
	"$builddir/pkvmd" --state-dir "$t/state" --pid-file "$t/pid" --listen "unix:$t/sock" \
		--spawn-helper "$builddir/pkvmd-spawn" --qemu "$builddir/tests/fake-qemu" \
		"${BENCH_PKVMD_ARGS[@]}"
}

# bench_stop -- stop it and wait until it is gone.
bench_stop() {
	local pid
	pid=$(cat "$t/pid")
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# bench_ctl ARGS... -- pkvmctl on the benchmark's pkvmd.
bench_ctl() { "$builddir/client/pkvmctl" --socket "$t/sock" "$@"; }

# bench_store N [SQL] -- a store of N jobs: starts pkvmd, runs one
# fake-qemu job (pkvmctl submit's BENCH_SUBMIT_ARGS; default a passing one
# tagged "bench") to its end, stops pkvmd, copies that job's row N-1 times
# in the database (ids 2..N), then runs SQL there in the same transaction
# (to vary owners, results, tags...), and leaves pkvmd stopped.
bench_store() {
	local n=$1 sql=${2:-} cols
	bench_start
	bench_ctl submit "$kernel" "${BENCH_SUBMIT_ARGS[@]}" --wait >"$t/seed.log" 2>&1 ||
		{ cat "$t/seed.log" >&2; exit 1; }
	bench_stop
	cols=$(sqlite3 "$t/state/pkvmd.db" "SELECT group_concat(name, ', ') FROM pragma_table_info('jobs') WHERE name != 'id'")
	sqlite3 "$t/state/pkvmd.db" "BEGIN;
		WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
		INSERT INTO jobs (id, $cols) SELECT n.i, $cols FROM jobs, n WHERE jobs.id = 1;
		$sql
		COMMIT;"
}
