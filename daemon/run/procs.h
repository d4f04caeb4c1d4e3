/*
 * procs.h -- recognising a process across a daemon restart.
 *
 * A pid alone may have been reused by the time pkvmd restarts, so a qemu
 * is identified by its pid and its start time (field 22 of /proc/PID/stat,
 * in clock ticks since boot), which together are unique.
 */
#ifndef PKVM_PROCS_H
#define PKVM_PROCS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The start time of PID from /proc/PID/stat, in clock ticks since boot;
 * 0 or negative errno. */
int procs_starttime(pid_t pid, uint64_t *out);
/* SIGKILL PID if it is still the process that started at STARTTIME_TICKS.
 * 1 if a survivor was killed, 0 if none was there, negative errno. */
int procs_kill_survivor(pid_t pid, uint64_t starttime_ticks);

/* Whether a TCP connection to 127.0.0.1:PORT (or [::1]:PORT) on this host
 * is established: a debugger on a gdb stub.  1, 0, or negative errno when
 * /proc/net/tcp cannot be read. */
int procs_tcp_port_connected(int port);

#endif
