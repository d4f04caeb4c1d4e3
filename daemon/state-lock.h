/*
 * state-lock.h -- one pkvmd per state directory.
 *
 * Two daemons on one state directory would each think the other's running
 * jobs were left behind by a dead pkvmd, and end them.  pkvmd holds an
 * exclusive flock(2) on STATE/pkvmd.lock for its whole life; the kernel
 * drops it when the process dies however it dies, so a stale lock file
 * never blocks a start.  The file holds the holder's pid, for the message.
 */
#ifndef PKVM_STATE_LOCK_H
#define PKVM_STATE_LOCK_H

#include <sys/types.h>

/* Lock DIR/pkvmd.lock: 0 with *FD the lock's fd (close-on-exec, so qemu
 * children do not inherit it), -EBUSY with *HOLDER the pid of the pkvmd
 * holding it (0 when it has not written it yet), or another -errno. */
int state_lock(const char *dir, int *fd, pid_t *holder);
/* Record the calling process's pid in the lock file FD; 0 or -errno.
 * Called again after a fork (the lock is the open file's, not the pid's). */
int state_lock_write_pid(int fd);

#endif
