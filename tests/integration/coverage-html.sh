#!/bin/bash
# Integration: GET /v1/jobs/ID/coverage/html/PATH, genhtml's report of a
# job's coverage (fake-qemu ships a gcov archive made here, as in
# coverage.sh):
#  - the first requests, several at once, render the report once;
#  - index.html is HTML and names the source files; a page in a
#    subdirectory is served; the stylesheet has its type;
#  - a second request comes from the kept report (no second render);
#  - '..', a symbolic link planted in the report: refused;
#  - a job without coverage: 404 saying so; no such job: 404.
. "$(dirname "$0")/../lib.sh"

command -v genhtml >/dev/null || { echo "1..0 # SKIP genhtml not installed (lcov)"; exit 0; }
start_pkvmd --qemu "$FAKE_QEMU"

# The source sits in a subdirectory, so the report has one too.
mkdir -p "$T/src/lib"
cat >"$T/src/lib/prog.c" <<'C'
int
main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return 1;
	return 0;
}
C
(cd "$T/src" && gcc --coverage -O0 -o prog lib/prog.c)
"$T/src/prog"
tar -czf "$T/run.tar.gz" -C / "${T#/}/src/prog.gcda"

wait_cov() {
	ctl wait "$1" >/dev/null 2>&1 || true
	curl -s --unix-socket "$SOCK" "http://pkvmd/v1/jobs/$1/coverage?wait=120" >/dev/null
}
# get PATH [CURL-ARGS...]: "STATUS CONTENT-TYPE" of GET PATH; the body in $T/body.
get() {
	local path=$1
	shift
	curl -s --path-as-is --unix-socket "$SOCK" -o "$T/body" -w '%{http_code} %{content_type}' \
		"$@" "http://pkvmd$path"
}
renders() { grep -c "job $1: coverage report rendered" "$STATE/pkvmd.log" || true; }

id=$(ctl submit "$TEST_KERNEL" --gcov-tool gcov --append "fakeqemu=pass fakeqemu.ship=$T/run.tar.gz")
wait_cov "$id"
check_match "the job has coverage" "$(ctl coverage --json "$id")" '"status": *"ok"'
base=/v1/jobs/$id/coverage/html

# Four first requests at once: one render, all four answered with it.
for i in 1 2 3 4; do
	curl -s --unix-socket "$SOCK" -o "$T/concurrent.$i" -w '%{http_code}\n' \
		"http://pkvmd$base/index.html" >"$T/status.$i" &
done
wait
check_eq "concurrent first requests: all 200" "$(cat "$T"/status.* | sort -u)" "200"
check_eq "concurrent first requests: one render" "$(renders "$id")" "1"

check_eq "index.html: 200, text/html" "$(get "$base/index.html")" "200 text/html; charset=utf-8"
check_match "index.html names the source directory" "$(cat "$T/body")" 'href="lib/index.html"'
check_eq "the directory's page" "$(get "$base/lib/index.html")" "200 text/html; charset=utf-8"
check_match "names the source file" "$(cat "$T/body")" 'href="prog.c.gcov.html"'
check_eq "html/ is index.html" "$(get "$base/")" "200 text/html; charset=utf-8"
check_match "a page in a subdirectory" "$(get "$base/lib/prog.c.gcov.html")" \
	"^200 text/html"
check_match "it shows the source (readable here)" "$(cat "$T/body")" "argc &gt; 1"
check_eq "the stylesheet" "$(get "$base/gcov.css")" "200 text/css; charset=utf-8"
check_match "cached for long, privately" \
	"$(curl -s -D - -o /dev/null --unix-socket "$SOCK" "http://pkvmd$base/index.html")" \
	"Cache-Control: private, max-age=[0-9]{6,}"

mtime=$(find "$STATE" -path '*coverage-html/index.html' -exec stat -c %y {} +)
get "$base/index.html" >/dev/null
check_eq "a second request: no second render" "$(renders "$id")" "1"
check_eq "and the report is the same file" \
	"$(find "$STATE" -path '*coverage-html/index.html' -exec stat -c %y {} +)" "$mtime"

etag=$(curl -s -D - -o /dev/null --unix-socket "$SOCK" "http://pkvmd$base/index.html" |
	tr -d '\r' | sed -n 's/^ETag: //p')
check_match "If-None-Match: 304" "$(get "$base/index.html" -H "If-None-Match: $etag")" "^304"

check_match "'..' refused" "$(get "$base/../../coverage")" "^404"
check_match "'..' inside the path refused" "$(get "$base/lib/../index.html")" "^404"
check_match "an encoded '..' refused" "$(get "$base/%2e%2e/%2e%2e/coverage")" "^404"
report=$(dirname "$(find "$STATE" -path '*coverage-html/index.html' | head -1)")
ln -s /etc/passwd "$report/passwd.html"
check_match "a symbolic link is not followed" "$(get "$base/passwd.html")" "^404"
check_match "a missing file: 404" "$(get "$base/nothing.html")" "^404"

none=$(ctl submit "$TEST_KERNEL" --append fakeqemu=pass)
wait_cov "$none"
check_match "a job without coverage: 404" "$(get "/v1/jobs/$none/coverage/html/index.html")" "^404"
check_match "saying why" "$(cat "$T/body")" "has no coverage to show \(coverage none"
check_match "no such job: 404" "$(get "/v1/jobs/999999999/coverage/html/index.html")" "^404"
finish
