/*
 * unit.h -- the smallest test harness that reads well.
 *
 * Each test is a function `static void test_<what>(void)` registered in
 * main() with RUN(test_<what>).  CHECK* macros print the file, line and the
 * values that differed, mark the test failed and carry on, so one run
 * shows every failure.  Output is TAP, which meson reads.
 */
#ifndef PKVM_UNIT_H
#define PKVM_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_failed_checks;
static int unit_test_no;
static int unit_failures;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_failed_checks++; \
		} \
	} while (0)

#define CHECK_INT(a, b) \
	do { \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ != b_) { \
			printf("#   %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
			    #a, a_, #b, b_); \
			unit_failed_checks++; \
		} \
	} while (0)

#define CHECK_STR(a, b) \
	do { \
		const char *a_ = (a), *b_ = (b); \
		if (a_ == NULL || b_ == NULL ? a_ != b_ : strcmp(a_, b_) != 0) { \
			printf("#   %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
			    #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			unit_failed_checks++; \
		} \
	} while (0)

#define RUN(fn) \
	do { \
		int before_ = unit_failed_checks; \
		fn(); \
		unit_test_no++; \
		if (unit_failed_checks != before_) { \
			unit_failures++; \
			printf("not ok %d - %s\n", unit_test_no, #fn); \
		} else { \
			printf("ok %d - %s\n", unit_test_no, #fn); \
		} \
	} while (0)

/* Print the TAP plan and return main()'s exit status. */
#define UNIT_DONE() (printf("1..%d\n", unit_test_no), unit_failures ? 1 : 0)

#endif
