/*
 * qmp.h -- one exchange with a running qemu's QMP socket.
 *
 * Every job's qemu listens on JOBDIR/qmp.sock (executor-qemu.c).  pkvmd
 * connects only when asked (pkvmctl monitor), negotiates, runs one human
 * monitor command and hangs up, so a qemu that wedges costs one request,
 * never the loop: the exchange blocks, bounded by a timeout, and is meant
 * for a worker thread.
 */
#ifndef PKVM_QMP_H
#define PKVM_QMP_H

/* Run the human monitor command LINE on the QMP socket in JOBDIR (any
 * length of path: the socket is reached through a directory descriptor),
 * after passing PASS_FD to qemu as FDNAME ("getfd") when PASS_FD >= 0.
 * Waits at most TIMEOUT_MS for each answer.  0 with the command's text
 * output in *OUT (malloc'd; "" when it printed nothing), or negative errno
 * with *CAUSE (malloc'd): -ECONNREFUSED or -ENOENT when nothing listens,
 * -ETIMEDOUT, -EPROTO for a reply that is not QMP, -EIO when QEMU answered
 * with an error (its text in *CAUSE). */
int qmp_human_command(const char *jobdir, const char *line, int pass_fd, const char *fdname,
    int timeout_ms, char **out, char **cause);

#endif
