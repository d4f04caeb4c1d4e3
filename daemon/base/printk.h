/*
 * printk.h -- the prefix the kernel's printk puts before each console line.
 *
 * The console module (crash reports) and the test-output readers (KUnit's
 * KTAP goes through printk) both need to know where a kernel message
 * starts, so the prefix is recognised in one place and both agree on it.
 *
 * The prefix is a "[   12.345678]" timestamp, a "[    T123]" or "[  C0]"
 * caller id, or the one right after the other; one blank after it, if
 * there is one, is part of it (printk.c says which near misses are not).
 * The crash detector also reads the two fields: the time tells a report
 * printed in one burst from a line that came later, and the caller id
 * tells lines of one task or CPU from another's interleaved with them.
 */
#ifndef PKVM_PRINTK_H
#define PKVM_PRINTK_H

#include <stdint.h>

/* The fields of a printk prefix. */
struct printk_prefix {
	int64_t time_us; /* the timestamp in microseconds, -1 when there is none */
	char caller[16]; /* "T123" or "C0", "" when there is none */
};

/* What follows S's printk prefix (time and/or caller id, one blank), or NULL if it has none. */
const char *printk_prefix_skip(const char *s);
/* Like printk_prefix_skip(), and fills *PP with the prefix's fields when S has one. */
const char *printk_prefix_parse(const char *s, struct printk_prefix *pp);

#endif
