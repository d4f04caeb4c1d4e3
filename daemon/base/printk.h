/*
 * printk.h -- the prefix the kernel's printk puts before each console line.
 *
 * The console module (crash reports) and the test-output readers (KUnit's
 * KTAP goes through printk) both need to know where a kernel message
 * starts, so the prefix is recognised in one place and both agree on it.
 */
#ifndef PKVM_PRINTK_H
#define PKVM_PRINTK_H

/* What follows the printk prefix at S -- a "[   12.345678]" timestamp, a
 * "[    T123]"/"[  C0]" caller id, or the one then the other, and one blank
 * after them -- or NULL when S starts with neither. */
const char *printk_prefix_skip(const char *s);

#endif
