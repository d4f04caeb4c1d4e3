#!/bin/sh
# kut-mix.sh -- output in the style of a kvm-unit-tests test, with a known
# mix of results, for checking how pkvmd reads it: "PASS: ", "FAIL: ",
# "SKIP: ", "XFAIL: " report lines (with the "prefix: " parts a test's
# report_prefix_push() adds) and the "SUMMARY:" line of report_summary().
#
# Known counts:
#   PASS 3, FAIL 1, SKIP 1, XFAIL 1, XPASS 0, INFO 1 (not a result)
#   SUMMARY: 6 tests, 1 unexpected failures, 1 expected failures, 1 skipped
#   exit status: 1 (report_summary() fails on an unexpected failure)
cat <<'KUT'
INFO: mix: running on pkvm
PASS: mix: setup: smp: number of CPUs matches expectation
PASS: mix: setup: mem: memory size matches expectation
PASS: mix: timer: counter is increasing
FAIL: mix: timer: interrupt arrived in time
SKIP: mix: pmu: no PMU in this guest
XFAIL: mix: gic: known erratum on this model
SUMMARY: 6 tests, 1 unexpected failures, 1 expected failures, 1 skipped
KUT
exit 1
