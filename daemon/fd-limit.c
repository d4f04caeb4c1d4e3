/*
 * fd-limit.c -- raise RLIMIT_NOFILE, and fit --max-connections under it
 * (fd-limit.h says why).
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "base/log.h"
#include "fd-limit.h"

int
fd_limit_fit(int64_t *max_connections, int64_t slots)
{
	struct rlimit rl;
	rlim_t want;
	int64_t fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		/* An infinite hard limit may still be refused above
		 * nr_open; then what we need is enough. */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			want = (rlim_t)(*max_connections + FD_LIMIT_RESERVE +
			    slots * FD_LIMIT_PER_SLOT);
			rl.rlim_cur = want > old ? want : old;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				rl.rlim_cur = old;
		}
		if (rl.rlim_cur != old)
			log_debug("file descriptors: soft limit raised from %llu to %llu",
			    (unsigned long long)old, (unsigned long long)rl.rlim_cur);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	fit = (int64_t)rl.rlim_cur - FD_LIMIT_RESERVE - slots * FD_LIMIT_PER_SLOT;
	if (fit < 1)
		fit = 1;
	if (fit < *max_connections) {
		log_warnx("--max-connections %lld lowered to %lld: the file descriptor limit is "
			  "%llu (ulimit -n; raise the hard limit, e.g. LimitNOFILE= in the "
			  "unit), and %d are kept for the daemon and %d for each of %lld slots",
		    (long long)*max_connections, (long long)fit, (unsigned long long)rl.rlim_cur,
		    FD_LIMIT_RESERVE, FD_LIMIT_PER_SLOT, (long long)slots);
		*max_connections = fit;
	}
	return 0;
}
