#!/bin/sh
# flood.sh -- prints to the console as fast as it can, forever, to check
# that the daemon caps the console log it keeps and still ends the job at
# its timeout while the guest is busy talking (not idle).
n=0
while :; do
	n=$((n + 1))
	echo "flood.sh: line $n: the quick brown fox jumps over the lazy dog"
done
