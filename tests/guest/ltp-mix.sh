#!/bin/sh
# ltp-mix.sh -- output in the style of an LTP test written with the new
# library (tst_test.h), with a known mix of results, for checking how
# pkvmd reads LTP output: "file.c:LINE: TTYPE: message" lines and the
# "Summary:" block LTP prints at the end.
#
# Known counts (result lines; TINFO lines are not results):
#   TPASS 3, TFAIL 1, TBROK 1, TCONF 1, TWARN 0, TINFO 3
#   Summary: passed 3, failed 1, broken 1, skipped 1, warnings 0
#   exit status: 3, as LTP computes it: TFAIL (1) | TBROK (2); TCONF (32)
#   is not added because some results passed
cat <<'LTP'
tst_test.c:1558: TINFO: Timeout per run is 0h 00m 30s
mix.c:21: TINFO: checking the things that work
mix.c:25: TPASS: open() of /dev/null succeeded
mix.c:31: TPASS: read() returned 0 bytes
mix.c:37: TPASS: close() succeeded
mix.c:44: TFAIL: write() returned 3, expected 4
mix.c:52: TCONF: this kernel has no CONFIG_PKVM_MIX
mix.c:58: TINFO: now for something broken
mix.c:60: TBROK: setup of the broken case failed: EINVAL (22)

Summary:
passed   3
failed   1
broken   1
skipped  1
warnings 0
LTP
exit 3
