# dashboard-jobs.sh -- the pkvmd and the jobs the dashboard's browser tests
# (tests/integration/dashboard.sh, dashboard-firefox.sh) look at, sourced
# after lib.sh and net.sh.
#
# dashboard_jobs starts a real pkvmd with fake-qemu on the test's unix
# socket and a loopback TCP listener with --public-read, and leaves:
#   PORT, BASE      the TCP listener, http://127.0.0.1:PORT (never
#                   "localhost": a minimal root may have no /etc/hosts)
#   pass fail crash cov   finished jobs: passed, failed (test b), crashed
#                   (a panic during b, its crash report stored), and one
#                   with coverage (tag covdash, its capture done)
#   hang            a running job that never ends (its console has begun)
#   token           a read+submit token of the test's user
#   jobs            all of it as the JSON the browser scripts take, with
#                   "submit": the argv of a pkvmctl submit of a 5-test job
#                   (0.15 s a test) that prints its id

dashboard_jobs() {
	PORT=$(free_port)
	BASE=http://127.0.0.1:$PORT

	start_pkvmd --qemu "$FAKE_QEMU" --slots 4 --listen "unix:$SOCK" --listen "tcp:127.0.0.1:$PORT" \
		--public-read

	# A program built with --coverage and one run of it, packed as the guest
	# packs .gcda files (the object's absolute path), as coverage.sh does.
	mkdir -p "$T/src"
	cat >"$T/src/prog.c" <<'C'
int
main(int argc, char **argv)
{
	int s = 0;
	for (int i = 0; i < argc * 3; i++)
		s += i;
	return s < 0;
}
C
	(cd "$T/src" && gcc --coverage -O0 -o prog prog.c)
	"$T/src/prog"
	tar -czf "$T/cov.tar.gz" -C / "${T#/}/src/prog.gcda"

	pass=$(dashboard_submit_wait --tag dash --append "fakeqemu=pass fakeqemu.tests=a,b,c")
	fail=$(dashboard_submit_wait --tag dash --append "fakeqemu=fail fakeqemu.tests=a,b,c fakeqemu.fail=b")
	crash=$(dashboard_submit_wait --tag dash --append "fakeqemu=panic-at=6 fakeqemu.tests=a,b fakeqemu.panic-end=1")
	cov=$(dashboard_submit_wait --tag covdash --gcov-tool gcov --append "fakeqemu=pass fakeqemu.ship=$T/cov.tar.gz")
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$cov/coverage?wait=120" >/dev/null
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$crash/crashes?wait=60" >/dev/null
	hang=$(ctl submit "$TEST_KERNEL" --append "fakeqemu=hang")
	wait_for_console "$hang" '.'
	token=$(ctl token create --user "$(id -un)" --scope read --scope submit 2>/dev/null)

	jobs=$(python3 -c 'import json,sys; a=sys.argv
print(json.dumps({"pass": int(a[1]), "fail": int(a[2]), "crash": int(a[3]), "cov": int(a[4]),
  "hang": int(a[5]), "tag": "covdash", "token": a[6], "owner": a[7],
  "submit": [a[8], "--socket", a[9], "submit", a[10], "--append",
             "fakeqemu=pass fakeqemu.tests=t1,t2,t3,t4,t5 fakeqemu.delay-ms=150"]}))' \
		"$pass" "$fail" "$crash" "$cov" "$hang" "$token" "$(id -un)" "$PKVMCTL" "$SOCK" "$TEST_KERNEL")
}

# dashboard_submit_wait ARGS... -- submit a job, wait until it is done, and
# print its id.
dashboard_submit_wait() {
	local id
	id=$(ctl submit "$TEST_KERNEL" "$@")
	ctl wait "$id" >/dev/null 2>&1 || true
	echo "$id"
}
