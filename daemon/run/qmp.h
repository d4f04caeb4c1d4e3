/*
 * qmp.h -- one exchange with a running qemu's QMP socket.
 *
 * Every job's qemu listens on JOBDIR/qmp/sock (executor-qemu.c).  pkvmd
 * connects only when asked (pkvmctl monitor), negotiates, runs one human
 * monitor command and hangs up, so a qemu that wedges costs one request,
 * never the loop: the exchange blocks, bounded by a timeout, and is meant
 * for a worker thread.
 */
#ifndef PKVM_QMP_H
#define PKVM_QMP_H

#include <stdbool.h>

/* Run the human monitor command LINE on the QMP socket in JOBDIR (any
 * length of path: the socket is reached through a directory descriptor),
 * waiting at most TIMEOUT_MS for each answer.  0 with the command's text
 * output in *OUT (malloc'd; "" when it printed nothing), or negative errno
 * with *CAUSE (malloc'd): -ECONNREFUSED or -ENOENT when nothing listens,
 * -ETIMEDOUT, -EPROTO for a reply that is not QMP, -EIO when QEMU answered
 * with an error (its text in *CAUSE). */
int qmp_human_command(const char *jobdir, const char *line, int timeout_ms, char **out,
    char **cause);
/* Dump the guest's memory into FD (passed to qemu over the socket), in
 * FORMAT ("elf", "kdump-zlib", ...), with PAGING or not; 0 once it is
 * written, or negative errno with *CAUSE, as above. */
int qmp_dump_guest_memory(const char *jobdir, int fd, const char *format, bool paging,
    int timeout_ms, char **cause);

/* Save the running guest's devices into FD (a migration stream) with its
 * RAM left out (x-ignore-shared: the RAM is a shared file the caller
 * copies), waiting at most TIMEOUT_MS for the end; the guest is left
 * stopped (qmp_cont goes on).  0, or negative errno with *CAUSE. */
int qmp_migrate_save(const char *jobdir, int fd, int timeout_ms, char **cause);
/* Let a stopped guest run again: 0, or negative errno with *CAUSE. */
int qmp_cont(const char *jobdir, int timeout_ms, char **cause);
/* Load into a qemu started with "-incoming defer", on the RAM file saved
 * with the state, the devices qmp_migrate_save wrote to what FD reads,
 * waiting for its monitor to come up and the load to end, at most
 * TIMEOUT_MS each: 0 once loaded (the guest runs on, as it was saved),
 * or negative errno with *CAUSE. */
int qmp_migrate_load(const char *jobdir, int fd, int timeout_ms, char **cause);

#endif
