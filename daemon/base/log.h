/*
 * log.h -- the daemon's diagnostics, OpenBSD-daemon style.
 *
 * log_warnx() for what the daemon survives (log_warn() when a negative errno
 * says why), log_info() for the life of jobs, log_debug() when --verbose,
 * fatalx() only at start-up or for a broken invariant.  Messages go to stderr (journald captures it under systemd)
 * with a timestamp when stderr is not the journal.
 */
#ifndef PKVM_LOG_H
#define PKVM_LOG_H

#include <stdbool.h>

/* Set verbosity and whether to prefix lines with a timestamp. */
void log_init(bool verbose, bool timestamps);
/* An event in the normal life of the daemon. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something went wrong and the daemon carries on. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As log_warnx(), with ": " and the text of the negative errno ERR appended. */
void log_warn(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Detail for --verbose. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log and exit(1); for start-up failures and broken invariants. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
