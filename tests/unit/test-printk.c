/*
 * test-printk.c -- the printk prefix that crash detection and the
 * test-output readers both strip (base/printk.h).
 *
 * The forms are the ones the kernel prints (time, caller id, both) plus
 * the near misses a program's own output could contain.  Before there was
 * one parser, crash.c and test-output.c each had their own and disagreed
 * on three inputs; the tests marked "pinned" say which way each went.
 */
#include <string.h>

#include "base/printk.h"
#include "unit.h"

static void
test_timestamp_alone(void)
{
	CHECK_STR(printk_prefix_skip("[   12.345678] Booting Linux"), "Booting Linux");
	CHECK_STR(printk_prefix_skip("[    0.000000] x"), "x");
	CHECK_STR(printk_prefix_skip("[12345.678901] x"), "x");
	CHECK_STR(printk_prefix_skip("[1.0] x"), "x");
	CHECK_STR(printk_prefix_skip("[    0.5] KTAP version 1"), "KTAP version 1");
}

static void
test_timestamp_and_caller_id(void)
{
	CHECK_STR(printk_prefix_skip("[   12.345678][  T123] msg"), "msg");
	CHECK_STR(printk_prefix_skip("[   12.345678][    C0] watchdog: x"), "watchdog: x");
	CHECK_STR(printk_prefix_skip("[   12.345678][T1234567] msg"), "msg");
	CHECK_STR(printk_prefix_skip("[    1.000000][C1] msg"), "msg");
}

static void
test_only_one_blank_after_the_prefix_goes(void)
{
	/* KTAP nests by indentation after the prefix, so it must survive. */
	CHECK_STR(printk_prefix_skip("[    0.500002]     # Subtest: s"), "    # Subtest: s");
	CHECK_STR(printk_prefix_skip("[    1.0][    T1]  two"), " two");
	CHECK_STR(printk_prefix_skip("[    1.000000]x"), "x");
	CHECK_STR(printk_prefix_skip("[    1.000000]"), "");
	CHECK_STR(printk_prefix_skip("[    1.000000][    T1]"), "");
}

static void
test_caller_id_without_timestamp_is_a_prefix_pinned(void)
{
	/* printk.time=0 with CONFIG_PRINTK_CALLER: the kernel prints the
	 * caller id alone.  crash.c took it for a prefix, test-output.c did
	 * not; it is the kernel's, so it is one. */
	CHECK_STR(printk_prefix_skip("[    T1] BUG: scheduling while atomic"),
	    "BUG: scheduling while atomic");
	CHECK_STR(printk_prefix_skip("[  C0] x"), "x");
	CHECK_STR(printk_prefix_skip("[T42] ok 1 t"), "ok 1 t");
}

static void
test_caller_id_needs_digits_pinned(void)
{
	/* The kernel prints "T%u"/"C%u", never a bare letter.  test-output.c
	 * took "[T]" for a caller id, crash.c did not; it is not one, so only
	 * the timestamp goes. */
	CHECK_STR(printk_prefix_skip("[    1.0][T] ok 1"), "[T] ok 1");
	CHECK_STR(printk_prefix_skip("[    1.0][  C] x"), "[  C] x");
	CHECK(printk_prefix_skip("[T] x") == NULL);
}

static void
test_padding_is_spaces_only_pinned(void)
{
	/* The kernel pads with spaces ("%5lu", "%6s").  test-output.c also
	 * skipped tabs, crash.c did not; a tab means it is not printk's. */
	CHECK(printk_prefix_skip("[\t1.000000] x") == NULL);
	CHECK(printk_prefix_skip("[\tT1] x") == NULL);
	CHECK_STR(printk_prefix_skip("[    1.0][\tT1] x"), "[\tT1] x");
}

static void
test_caller_id_must_touch_the_timestamp(void)
{
	/* The kernel writes no blank between them; after one, the rest is
	 * the message (both copies agreed). */
	CHECK_STR(printk_prefix_skip("[    1.0] [T1] msg"), "[T1] msg");
}

static void
test_near_misses_are_not_prefixes(void)
{
	static const char *const lines[] = {
		"",
		"hello",
		" [    1.000000] indented",
		"[",
		"[ ",
		"[ 1.",
		"[1.]",
		"[.5] x",
		"[ 1.5",
		"[1.5 ] x",
		"[1,5] x",
		"[-1.5] x",
		"[ 1.5.6] x",
		"[T1",
		"[ X1] x",
		"[T1x] x",
		"[    1.000000[T1] x",
		"kvm [1]: Hyp mode initialized",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (printk_prefix_skip(lines[i]) != NULL)
			printf("#   taken for a prefix: \"%s\"\n", lines[i]);
		CHECK(printk_prefix_skip(lines[i]) == NULL);
	}
}

static void
test_result_points_into_the_line(void)
{
	const char *line = "[    1.000000][    T1] msg";

	CHECK(printk_prefix_skip(line) == line + strlen("[    1.000000][    T1] "));
}

static void
test_fields_are_read(void)
{
	struct printk_prefix pp;

	CHECK_STR(printk_prefix_parse("[   12.345678][  T123] msg", &pp), "msg");
	CHECK_INT(pp.time_us, 12345678);
	CHECK_STR(pp.caller, "T123");
	CHECK_STR(printk_prefix_parse("[    0.000000] Booting Linux", &pp), "Booting Linux");
	CHECK_INT(pp.time_us, 0);
	CHECK_STR(pp.caller, "");
	CHECK_STR(printk_prefix_parse("[  C1] x", &pp), "x");
	CHECK_INT(pp.time_us, -1);
	CHECK_STR(pp.caller, "C1");
	/* Short and long fractions are decimal fractions all the same. */
	CHECK(printk_prefix_parse("[  1.5] x", &pp) != NULL);
	CHECK_INT(pp.time_us, 1500000);
	CHECK(printk_prefix_parse("[  2.12345678] x", &pp) != NULL);
	CHECK_INT(pp.time_us, 2123456);
	/* A caller id too long for the field is no caller id. */
	CHECK(printk_prefix_parse("[T12345678901234567] x", &pp) == NULL);
}

int
main(void)
{
	RUN(test_timestamp_alone);
	RUN(test_timestamp_and_caller_id);
	RUN(test_only_one_blank_after_the_prefix_goes);
	RUN(test_caller_id_without_timestamp_is_a_prefix_pinned);
	RUN(test_caller_id_needs_digits_pinned);
	RUN(test_padding_is_spaces_only_pinned);
	RUN(test_caller_id_must_touch_the_timestamp);
	RUN(test_near_misses_are_not_prefixes);
	RUN(test_result_points_into_the_line);
	RUN(test_fields_are_read);
	return UNIT_DONE();
}
