/*
 * log.c -- stderr logging with levels.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

static bool log_verbose;
static bool log_timestamps = true;

void
log_init(bool verbose, bool timestamps)
{
	log_verbose = verbose;
	log_timestamps = timestamps;
}

/* Write one line: LEVEL, the message, and ": WHY" when WHY is not NULL.
 * The stream stays locked for the line: the store logs from the checkpoint
 * thread too, and its lines must not interleave with the loop's. */
static void
vlog(const char *level, const char *why, const char *fmt, va_list ap)
{
	flockfile(stderr);
	if (log_timestamps) {
		struct timespec ts;
		struct tm tm;
		char buf[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ ", buf, ts.tv_nsec / 1000000);
	}
	fprintf(stderr, "pkvmd: %s", level);
	vfprintf(stderr, fmt, ap);
	if (why != NULL)
		fprintf(stderr, ": %s", why);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", NULL, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", strerror(-err), fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("debug: ", NULL, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal: ", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
