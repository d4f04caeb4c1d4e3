/*
 * fd-limit.h -- enough file descriptors for the connections pkvmd allows.
 *
 * Every client connection holds a descriptor, and so does each running
 * job (qemu's pipes, its console, its sockets), the database, the log and
 * the listeners.  The soft RLIMIT_NOFILE a daemon inherits is often 1024,
 * less than --max-connections (1024) plus the rest, while the hard limit
 * is usually much higher.  Running out mid-flight would be the worst way
 * to find out: accept() fails with EMFILE, libmicrohttpd stops accepting
 * until a connection closes, and a job that starts meanwhile cannot open
 * its console.  So at start-up the soft limit is raised to the hard one,
 * and if that is still short, --max-connections is lowered to what fits,
 * with a warning: the cap then refuses the connection past it, at once
 * and logged, as it refuses any other over the cap.
 */
#ifndef PKVM_FD_LIMIT_H
#define PKVM_FD_LIMIT_H

#include <stdint.h>

/* Descriptors kept for all that is not a client connection. */
#define FD_LIMIT_RESERVE 256
/* Descriptors kept for each job slot (a qemu's pipes, console, sockets). */
#define FD_LIMIT_PER_SLOT 16

/* Raise the soft RLIMIT_NOFILE to the hard one and lower *MAX_CONNECTIONS
 * (never below 1) to what fits beside SLOTS job slots; logs what it did.
 * 0, or -errno when the limit cannot be read. */
int fd_limit_fit(int64_t *max_connections, int64_t slots);

#endif
