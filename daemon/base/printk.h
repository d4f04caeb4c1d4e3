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
 */
#ifndef PKVM_PRINTK_H
#define PKVM_PRINTK_H

/* What follows S's printk prefix (time and/or caller id, one blank), or NULL if it has none. */
const char *printk_prefix_skip(const char *s);

#endif
