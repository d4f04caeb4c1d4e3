#!/bin/sh
# hang.sh -- a guest test that never ends and prints nothing, so only the
# daemon's timeout (or idle watchdog) can end the job.  It keeps the guest
# alive and quiet the way a deadlocked test would.
echo "hang.sh: sleeping forever"
while :; do
	sleep 3600
done
