#!/bin/sh
# fail.sh -- a guest test that fails in a known way: the end-to-end tests
# check that the job's result is "failed" and that exit code 3 is reported
# for this test, not lost or replaced by a generic 1.
echo "fail.sh: failing on purpose with exit code 3"
exit 3
