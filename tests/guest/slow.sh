#!/bin/sh
# slow.sh -- a guest test that takes longer than the per-test timeouts the
# end-to-end tests give it (its default run is 600 s), so /init must kill
# it: with a process group of its own, the background sleep it started
# dies too.  It prints a line every second so a timeout is not mistaken for
# an idle guest.  The first argument, if any, is how many seconds to take;
# run that briefly it passes, which checks that arguments arrive.
secs=${1:-600}
echo "slow.sh: taking ${secs}s (pid $$)"
sleep "$secs" &
i=0
while [ "$i" -lt "$secs" ]; do
	i=$((i + 1))
	sleep 1
	echo "slow.sh: ${i}s"
done
echo "slow.sh: done"
exit 0
