#!/bin/sh
# tap-mix.sh -- TAP 14 with a known mix of results, for checking how pkvmd
# reads TAP: every kind of result line once, a YAML diagnostic block, and
# a subtest block (TAP 14: "# Subtest:" then a 4-space indented stream,
# closed by the parent's own result line).
#
# Known counts:
#   top level: plan 1..6, 6 results: 3 ok (1, 2, 6), 1 not ok (3),
#              1 "# SKIP" (4), 1 failing "# TODO" (5)
#   subtest "group" (result 6): plan 1..2, 2 ok
#   leaves (results without subtests): 7 = 4 pass, 1 fail, 1 skip, 1 todo
#   (pkvmd reads a failing TODO as a skip: 4 pass, 1 fail, 2 skip)
#   exit status: 1 (one real failure; the TODO does not count)
cat <<'TAP'
TAP version 14
1..6
ok 1 - the guest booted
ok 2 - arithmetic still works
not ok 3 - fails on purpose
  ---
  message: "tap-mix fails this one on purpose"
  severity: fail
  ...
ok 4 - a feature this guest lacks # SKIP no such feature here
not ok 5 - a known bug # TODO fix the known bug
# Subtest: group
    1..2
    ok 1 - first in the group
    ok 2 - second in the group
ok 6 - group
TAP
exit 1
