/*
 * test-output.c -- the test-output parsers on captured-style output.
 *
 * Every file in data/output/ (see its README) is parsed with exact
 * expected verdicts, counts and names; then one small case for each rule
 * of test-output.h (disagreements, plans, bail out, skip, TODO, nesting,
 * printk interleaving, timeouts) and some garbage the parser must survive.
 * Run from the tests/ source directory (meson's workdir).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "tout/test-output.h"
#include "unit.h"

/* Feed the lines of data/output/NAME and finish with EXIT_CODE. */
static void
parse_file(const char *name, int exit_code, bool timed_out, struct tout_result *r)
{
	char path[256], line[8192];
	struct tout_parser *p = NULL;
	CHECK_INT(tout_parser_new(&p), 0);
	uint64_t lineno = 0;
	FILE *f;

	snprintf(path, sizeof(path), "data/output/%s", name);
	f = fopen(path, "r");
	CHECK(f != NULL);
	CHECK(p != NULL);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		tout_parser_line(p, line, ++lineno);
	}
	if (f != NULL)
		fclose(f);
	tout_parser_finish(p, exit_code, timed_out, r);
}

/* Feed LINES (NULL-terminated) and finish with EXIT_CODE. */
static void
parse_lines(const char *const *lines, int exit_code, bool timed_out, struct tout_result *r)
{
	struct tout_parser *p = NULL;
	CHECK_INT(tout_parser_new(&p), 0);
	uint64_t lineno = 0;

	CHECK(p != NULL);
	for (; *lines != NULL; lines++)
		tout_parser_line(p, *lines, ++lineno);
	tout_parser_finish(p, exit_code, timed_out, r);
}

/* The node named NAME among N nodes, or NULL. */
static const struct tout_node *
find(const struct tout_node *nodes, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].name, name) == 0)
			return &nodes[i];
	printf("#   no node named \"%s\"\n", name);
	return NULL;
}

#define CHECK_COUNTS(r, p, f, s) \
	do { \
		CHECK_INT((r).passed, p); \
		CHECK_INT((r).failed, f); \
		CHECK_INT((r).skipped, s); \
	} while (0)

/* ---- the corpus ------------------------------------------------------- */

/* KUnit example: 2 suites, 7 cases: 5 pass, 1 fail, 1 skip; suite
 * 'example' fails; a parameterised test nested two levels deep. */
static void
test_corpus_kunit_example(void)
{
	struct tout_result r;
	const struct tout_node *ex, *params, *pg;

	parse_file("kunit-example.log", 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "ktap");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "exit code 0 but sub-test failed: example/example_fail_test");
	CHECK_COUNTS(r, 5, 1, 1);
	CHECK_INT(r.nnodes, 2);
	ex = find(r.nodes, r.nnodes, "example");
	CHECK(ex != NULL);
	if (ex != NULL) {
		CHECK_INT(ex->verdict, VERDICT_FAIL);
		CHECK_INT(ex->line, 28);
		CHECK_INT(ex->nchildren, 5);
		CHECK_STR(ex->children[0].name, "example_simple_test");
		CHECK_INT(ex->children[0].verdict, VERDICT_PASS);
		CHECK_INT(ex->children[0].line, 9);
		CHECK_INT(ex->children[1].verdict, VERDICT_SKIP);
		CHECK_STR(ex->children[1].message, "this test should be skipped");
		CHECK_INT(ex->children[2].verdict, VERDICT_FAIL);
		params = find(ex->children, ex->nchildren, "example_params_test");
		CHECK(params != NULL);
		if (params != NULL) {
			CHECK_INT(params->verdict, VERDICT_PASS);
			CHECK_INT(params->nchildren, 2);
			if (params->nchildren == 2)
				CHECK_STR(params->children[1].name, "example value 1");
		}
	}
	pg = find(r.nodes, r.nnodes, "kvm_pgtable");
	CHECK(pg != NULL);
	if (pg != NULL) {
		CHECK_INT(pg->verdict, VERDICT_PASS);
		CHECK_INT(pg->nchildren, 1);
	}
	tout_result_free(&r);
}

/* Old KUnit: "TAP version 14", tab-indented suites, "ok N - name". */
static void
test_corpus_kunit_old_tab(void)
{
	struct tout_result r;

	parse_file("kunit-old-tab.log", 1, false, &r);
	CHECK_STR(tout_format_name(r.format), "tap");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "sub-test failed: list-kunit-test/list_test_list_del");
	CHECK_COUNTS(r, 4, 1, 0);
	CHECK_INT(r.nnodes, 2);
	if (r.nnodes == 2) {
		CHECK_STR(r.nodes[0].name, "list-kunit-test");
		CHECK_INT(r.nodes[0].nchildren, 3);
		CHECK_STR(r.nodes[1].name, "sysctl_test");
		CHECK_INT(r.nodes[1].verdict, VERDICT_PASS);
		CHECK_INT(r.nodes[1].nchildren, 2);
	}
	tout_result_free(&r);
}

/* kselftest runner: 4 programs, "# " diagnostics (even "# ok 1") ignored. */
static void
test_corpus_kselftest_runner(void)
{
	struct tout_result r;

	parse_file("kselftest-kvm.log", 1, false, &r);
	CHECK_STR(tout_format_name(r.format), "tap");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "sub-test failed: selftests: kvm: debug-exceptions");
	CHECK_COUNTS(r, 2, 1, 1);
	CHECK_INT(r.nnodes, 4);
	if (r.nnodes == 4) {
		CHECK_STR(r.nodes[0].name, "selftests: kvm: arch_timer");
		CHECK_INT(r.nodes[1].verdict, VERDICT_FAIL);
		CHECK_INT(r.nodes[1].nchildren, 0);
		CHECK_STR(r.nodes[2].name, "selftests: kvm: vgic_irq");
		CHECK_INT(r.nodes[2].verdict, VERDICT_SKIP);
		CHECK(r.nodes[2].message == NULL);
		CHECK_INT(r.nodes[3].verdict, VERDICT_PASS);
	}
	tout_result_free(&r);
}

/* A kselftest program with XFAIL and SKIP, printk lines between results;
 * a prefixed "ok 9" is the kernel's, not the test's. */
static void
test_corpus_kselftest_printk(void)
{
	struct tout_result r;

	parse_file("kselftest-printk.log", 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "tap");
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK(r.message == NULL);
	CHECK_COUNTS(r, 2, 0, 1);
	CHECK_INT(r.nnodes, 3);
	if (r.nnodes == 3) {
		CHECK_STR(r.nodes[1].name, "guest_memfd");
		CHECK_INT(r.nodes[1].verdict, VERDICT_PASS);
		CHECK_STR(r.nodes[1].message, "expected failure: no guest_memfd on this kernel");
		CHECK_INT(r.nodes[2].verdict, VERDICT_SKIP);
		CHECK_STR(r.nodes[2].message, "pKVM is not enabled");
		CHECK_INT(r.nodes[2].line, 10);
	}
	tout_result_free(&r);
}

/* TAP 14: subtests, a TODO that does not fail, a YAML block ignored. */
static void
test_corpus_tap14_subtests(void)
{
	struct tout_result r;
	const struct tout_node *mem;

	parse_file("tap14-subtests.log", 1, false, &r);
	CHECK_STR(tout_format_name(r.format), "tap");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "sub-test failed: memory/protected memory donation");
	CHECK_COUNTS(r, 3, 1, 2);
	CHECK_INT(r.nnodes, 3);
	mem = find(r.nodes, r.nnodes, "memory");
	CHECK(mem != NULL);
	if (mem != NULL) {
		CHECK_INT(mem->verdict, VERDICT_FAIL);
		CHECK(mem->message == NULL);
		CHECK_INT(mem->nchildren, 3);
		if (mem->nchildren == 3) {
			CHECK_STR(mem->children[1].name, "dirty log");
			CHECK_INT(mem->children[1].verdict, VERDICT_SKIP);
			CHECK_STR(mem->children[1].message, "TODO: dirty logging not wired up yet");
			CHECK_INT(mem->children[2].verdict, VERDICT_FAIL);
		}
	}
	if (r.nnodes == 3) {
		CHECK_STR(r.nodes[0].name, "vcpu setup");
		CHECK_INT(r.nodes[0].nchildren, 2);
		CHECK_STR(r.nodes[2].name, "teardown");
		CHECK_INT(r.nodes[2].verdict, VERDICT_SKIP);
		CHECK_STR(r.nodes[2].message, "nothing to tear down");
	}
	tout_result_free(&r);
}

/* TAP 13: indented streams without headers before the parent's line. */
static void
test_corpus_tap13_nested(void)
{
	struct tout_result r;

	parse_file("tap13-nested.log", 1, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "sub-test failed: timer/timer irq");
	CHECK_COUNTS(r, 2, 1, 0);
	CHECK_INT(r.nnodes, 2);
	if (r.nnodes == 2) {
		CHECK_STR(r.nodes[0].name, "irqchip");
		CHECK_INT(r.nodes[0].nchildren, 2);
		CHECK_INT(r.nodes[1].nchildren, 1);
	}
	tout_result_free(&r);
}

/* LTP new library: each result type, TINFO ignored, Summary agrees. */
static void
test_corpus_ltp_new(void)
{
	struct tout_result r;

	parse_file("ltp-new.log", 7, false, &r);
	CHECK_STR(tout_format_name(r.format), "ltp");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "3 sub-tests failed, first: Nested page fault was not injected");
	CHECK_COUNTS(r, 1, 3, 1);
	CHECK_INT(r.nnodes, 5);
	if (r.nnodes == 5) {
		CHECK_STR(r.nodes[0].name, "Guest page fault handled");
		CHECK_INT(r.nodes[0].verdict, VERDICT_PASS);
		CHECK_STR(r.nodes[0].message, "TPASS at kvm_pagefault01.c:112");
		CHECK_INT(r.nodes[0].line, 3);
		CHECK_INT(r.nodes[1].verdict, VERDICT_FAIL);
		CHECK_INT(r.nodes[2].verdict, VERDICT_SKIP);
		CHECK_STR(r.nodes[2].name, "Nested virtualization not supported");
		CHECK_INT(r.nodes[3].verdict, VERDICT_FAIL);
		CHECK_STR(r.nodes[3].name, "munmap() failed: EINVAL (22)");
		CHECK_STR(r.nodes[3].message, "TWARN at kvm_pagefault01.c:142");
		CHECK_INT(r.nodes[4].verdict, VERDICT_ERROR);
		CHECK_STR(r.nodes[4].message, "TBROK at tst_kvm.c:205");
	}
	tout_result_free(&r);
}

/* LTP old library: "name  N  TTYPE  :  msg". */
static void
test_corpus_ltp_old(void)
{
	struct tout_result r;

	parse_file("ltp-old.log", 1, false, &r);
	CHECK_STR(tout_format_name(r.format), "ltp");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_COUNTS(r, 1, 1, 1);
	CHECK_INT(r.nnodes, 3);
	if (r.nnodes == 3) {
		CHECK_STR(r.nodes[0].name, "mmap() completed successfully.");
		CHECK_STR(r.nodes[0].message, "TPASS at mmap001 1");
		CHECK_INT(r.nodes[1].verdict, VERDICT_SKIP);
		CHECK_STR(r.nodes[2].name,
		    "mmap001.c:177: synchronizing mmapped page failed: errno=EIO(5): "
		    "Input/output error");
		CHECK_STR(r.nodes[2].message, "TFAIL at mmap001 3");
	}
	tout_result_free(&r);
}

/* kvm-unit-tests: PASS FAIL SKIP XFAIL XPASS, SUMMARY agrees. */
static void
test_corpus_kvm_unit_tests(void)
{
	struct tout_result r;

	parse_file("kut-selftest.log", 1, false, &r);
	CHECK_STR(tout_format_name(r.format), "kvm-unit-tests");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message,
	    "2 sub-tests failed, first: timer: vtimer-busy-loop: interrupt received");
	CHECK_COUNTS(r, 4, 2, 1);
	CHECK_INT(r.nnodes, 7);
	if (r.nnodes == 7) {
		CHECK_STR(r.nodes[0].name,
		    "selftest: setup: smp: number of CPUs matches expectation");
		CHECK_INT(r.nodes[3].verdict, VERDICT_SKIP);
		CHECK_STR(r.nodes[4].name,
		    "gicv3: its-introspection: typer reports a collection table");
		CHECK_INT(r.nodes[4].verdict, VERDICT_PASS);
		CHECK_STR(r.nodes[4].message, "expected failure");
		CHECK_INT(r.nodes[6].verdict, VERDICT_FAIL);
		CHECK_STR(r.nodes[6].message, "unexpected pass");
	}
	tout_result_free(&r);
}

/* ---- verdict rules ---------------------------------------------------- */

static void
test_unnumbered_not_ok_before_any_format_is_never_dropped(void)
{
	const char *lines[] = { "starting the check", "ok", "not ok - frobnicate", "not ok", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.format, TOUT_TAP);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	/* The bare "ok" before it decided nothing; both failures count. */
	CHECK_COUNTS(r, 0, 2, 0);
	tout_result_free(&r);
}

static void
test_exit_0_with_not_ok_is_a_disagreement(void)
{
	const char *lines[] = { "TAP version 13", "1..2", "ok 1 a", "not ok 2 b", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "exit code 0 but sub-test failed: b");
	CHECK_COUNTS(r, 1, 1, 0);
	tout_result_free(&r);
}

static void
test_exit_1_with_all_ok_is_a_disagreement(void)
{
	const char *lines[] = { "TAP version 13", "1..2", "ok 1 a", "ok 2 b", NULL };
	struct tout_result r;

	parse_lines(lines, 1, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "exit code 1 but no sub-test failed");
	CHECK_COUNTS(r, 2, 0, 0);
	tout_result_free(&r);
}

static void
test_all_ok_exit_0_passes(void)
{
	const char *lines[] = { "TAP version 13", "1..2", "ok 1 a", "ok 2 b", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK(r.message == NULL);
	tout_result_free(&r);
}

static void
test_unmet_plan_fails(void)
{
	const char *lines[] = { "TAP version 13", "1..5", "ok 1", "ok 2", "ok 3", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "planned 5 tests, saw 3");
	CHECK_COUNTS(r, 3, 0, 0);
	tout_result_free(&r);
}

static void
test_plan_with_no_results_fails(void)
{
	const char *lines[] = { "TAP version 13", "1..4", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "planned 4 tests, saw 0");
	tout_result_free(&r);
}

static void
test_plan_at_the_end_and_missing_plan_pass(void)
{
	const char *at_end[] = { "ok 1 a", "ok 2 b", "1..2", NULL };
	const char *none[] = { "TAP version 14", "ok 1 a", "ok 2 b", NULL };
	struct tout_result r;

	parse_lines(at_end, 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "tap");
	CHECK_INT(r.verdict, VERDICT_PASS);
	tout_result_free(&r);
	parse_lines(none, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_INT(r.nnodes, 2);
	tout_result_free(&r);
}

static void
test_bail_out_is_an_error(void)
{
	const char *lines[] = { "TAP version 13", "1..3", "ok 1 open", "Bail out! no /dev/kvm",
		NULL };
	struct tout_result r;

	parse_lines(lines, 1, false, &r);
	CHECK_INT(r.verdict, VERDICT_ERROR);
	CHECK_STR(r.message, "bail out: no /dev/kvm");
	CHECK_INT(r.nnodes, 1);
	tout_result_free(&r);
}

static void
test_skip_only_is_a_skip(void)
{
	const char *lines[] = { "TAP version 13", "1..2", "ok 1 a # SKIP no pKVM here",
		"ok 2 b # skip", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_SKIP);
	CHECK_STR(r.message, "no pKVM here");
	CHECK_COUNTS(r, 0, 0, 2);
	tout_result_free(&r);
	/* kselftest exits with KSFT_SKIP (4) when everything was skipped. */
	parse_lines(lines, 4, false, &r);
	CHECK_INT(r.verdict, VERDICT_SKIP);
	tout_result_free(&r);
	parse_lines(lines, 1, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "exit code 1 but no sub-test failed");
	tout_result_free(&r);
}

static void
test_skip_plan_is_a_skip(void)
{
	const char *lines[] = { "TAP version 13", "1..0 # SKIP KVM not available", NULL };
	struct tout_result r;

	parse_lines(lines, 4, false, &r);
	CHECK_INT(r.verdict, VERDICT_SKIP);
	CHECK_STR(r.message, "KVM not available");
	CHECK_INT(r.nnodes, 0);
	tout_result_free(&r);
}

static void
test_todo_does_not_fail(void)
{
	const char *lines[] = { "TAP version 14", "1..1", "# Subtest: s", "    1..3", "    ok 1 a",
		"    not ok 2 b # TODO not yet", "    ok 3 c # todo", "ok 1 s", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_COUNTS(r, 2, 0, 1);
	if (r.nnodes == 1 && r.nodes[0].nchildren == 3) {
		CHECK_INT(r.nodes[0].verdict, VERDICT_PASS);
		CHECK_INT(r.nodes[0].children[1].verdict, VERDICT_SKIP);
		CHECK_STR(r.nodes[0].children[1].message, "TODO: not yet");
		CHECK_INT(r.nodes[0].children[2].verdict, VERDICT_PASS);
		CHECK_STR(r.nodes[0].children[2].message, "TODO");
	} else {
		CHECK(0);
	}
	tout_result_free(&r);
}

static void
test_directives_case_and_escapes(void)
{
	const char *lines[] = { "TAP version 13", "ok 1 - a \\# b # Skip: Reason here ",
		"not ok 2 - c # error cannot open", "ok 3 d # xfail", "not ok 4 e # frobnicate",
		NULL };
	struct tout_result r;

	parse_lines(lines, 1, false, &r);
	CHECK_INT(r.nnodes, 4);
	if (r.nnodes == 4) {
		CHECK_STR(r.nodes[0].name, "a # b");
		CHECK_INT(r.nodes[0].verdict, VERDICT_SKIP);
		CHECK_STR(r.nodes[0].message, "Reason here");
		CHECK_INT(r.nodes[1].verdict, VERDICT_ERROR);
		CHECK_STR(r.nodes[1].message, "cannot open");
		CHECK_STR(r.nodes[2].message, "expected failure");
		CHECK_STR(r.nodes[3].name, "e");
		CHECK_INT(r.nodes[3].verdict, VERDICT_FAIL);
		CHECK(r.nodes[3].message == NULL);
	}
	CHECK_COUNTS(r, 1, 2, 1);
	CHECK_STR(r.message, "2 sub-tests failed, first: c");
	tout_result_free(&r);
}

static void
test_ok_parent_with_failed_child_fails(void)
{
	const char *lines[] = { "KTAP version 1", "1..1", "    KTAP version 1",
		"    # Subtest: suite", "    1..2", "    ok 1 a", "    not ok 2 b", "ok 1 suite",
		NULL };
	struct tout_result r;

	parse_lines(lines, 1, false, &r);
	CHECK_STR(tout_format_name(r.format), "ktap");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "sub-test failed: suite/b");
	if (r.nnodes == 1) {
		CHECK_INT(r.nodes[0].verdict, VERDICT_FAIL);
		CHECK_STR(r.nodes[0].message, "reported ok but a sub-test failed");
	} else {
		CHECK(0);
	}
	tout_result_free(&r);
}

static void
test_nested_unmet_plan_fails_the_parent(void)
{
	const char *lines[] = { "KTAP version 1", "1..1", "    KTAP version 1",
		"    # Subtest: suite", "    1..3", "    ok 1 a", "    ok 2 b", "ok 1 suite",
		NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "exit code 0 but sub-test failed: suite");
	if (r.nnodes == 1) {
		CHECK_STR(r.nodes[0].message, "planned 3 tests, saw 2");
	} else {
		CHECK(0);
	}
	tout_result_free(&r);
}

static void
test_missing_parent_line_is_an_error(void)
{
	const char *lines[] = { "KTAP version 1", "1..2", "    KTAP version 1",
		"    # Subtest: crashed", "    1..3", "    ok 1 a", "    KTAP version 1",
		"    # Subtest: next", "    1..1", "    ok 1 x", "ok 2 next", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_INT(r.nnodes, 2);
	if (r.nnodes == 2) {
		CHECK_STR(r.nodes[0].name, "crashed");
		CHECK_INT(r.nodes[0].verdict, VERDICT_ERROR);
		CHECK_STR(r.nodes[0].message, "no result line for subtest");
		CHECK_INT(r.nodes[0].nchildren, 1);
		CHECK_STR(r.nodes[1].name, "next");
		CHECK_INT(r.nodes[1].verdict, VERDICT_PASS);
	}
	CHECK_COUNTS(r, 2, 0, 0);
	tout_result_free(&r);
}

static void
test_deep_nesting_with_two_spaces(void)
{
	const char *lines[] = { "KTAP version 1", "1..1", "  # Subtest: a", "  1..1",
		"    # Subtest: b", "    1..1", "      # Subtest: c", "      1..2", "      ok 1 x",
		"      ok 2 y # SKIP nope", "    ok 1 c", "  ok 1 b", "ok 1 a", NULL };
	struct tout_result r;
	const struct tout_node *n;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_COUNTS(r, 1, 0, 1);
	CHECK_INT(r.nnodes, 1);
	n = r.nnodes == 1 ? &r.nodes[0] : NULL;
	n = n && n->nchildren == 1 ? &n->children[0] : NULL;
	n = n && n->nchildren == 1 ? &n->children[0] : NULL;
	CHECK(n != NULL);
	if (n != NULL) {
		CHECK_STR(n->name, "c");
		CHECK_INT(n->nchildren, 2);
	}
	tout_result_free(&r);
}

static void
test_timeout_wins(void)
{
	const char *lines[] = { "TAP version 13", "1..3", "ok 1 a", "not ok 2 b", NULL };
	struct tout_result r;

	parse_lines(lines, 137, true, &r);
	CHECK_INT(r.verdict, VERDICT_TIMEOUT);
	CHECK_STR(r.message, "killed at its timeout");
	CHECK_COUNTS(r, 1, 1, 0);
	tout_result_free(&r);
}

static void
test_no_output_uses_exit_code(void)
{
	const char *lines[] = { "hello", "[    1.000000] kvm [1]: ok", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "none");
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK(r.message == NULL);
	CHECK_INT(r.nnodes, 0);
	tout_result_free(&r);
	parse_lines(lines, 2, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_STR(r.message, "exit code 2");
	tout_result_free(&r);
}

static void
test_printk_interleaved_with_kunit(void)
{
	const char *lines[] = { "[    0.5] KTAP version 1", "[    0.500001] 1..1",
		"[    0.500002]     # Subtest: s", "[    0.500003]     1..1",
		"[    0.500004] kvm [1]: Hyp mode initialized successfully",
		"[    0.500005]     ok 1 t", "ok 7 userspace noise", "[    0.500006] ok 1 s",
		NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "ktap");
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_INT(r.nnodes, 1);
	CHECK_COUNTS(r, 1, 0, 0);
	tout_result_free(&r);
}

/* With printk.time=0 and CONFIG_PRINTK_CALLER the kernel's lines carry a
 * caller id alone; they are still printk lines, so KUnit's KTAP is read
 * from them and a program's unprefixed "ok" is not. */
static void
test_printk_caller_id_alone_is_a_prefix(void)
{
	const char *lines[] = { "[    T1] KTAP version 1", "[    T1] 1..2", "ok 1 userspace noise",
		"[   T12] ok 1 a", "[   T12]     # Subtest: b", "[   T12]     1..1",
		"[   T12]     not ok 1 c", "[   T12] not ok 2 b", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "ktap");
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_INT(r.nnodes, 2);
	CHECK_COUNTS(r, 1, 1, 0);
	tout_result_free(&r);
}

static void
test_first_format_wins(void)
{
	const char *ltp_first[] = { "foo.c:1: TINFO: starting", "ok 1 a", "not ok 2 b",
		"foo.c:9: TPASS: fine", NULL };
	const char *tap_first[] = { "1..1", "ok 1 a", "FAIL: not mine", NULL };
	struct tout_result r;

	parse_lines(ltp_first, 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "ltp");
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_INT(r.nnodes, 1);
	tout_result_free(&r);
	parse_lines(tap_first, 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "tap");
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_INT(r.nnodes, 1);
	tout_result_free(&r);
}

static void
test_ltp_summary_mismatch_is_a_note(void)
{
	const char *lines[] = { "a.c:3: TPASS: one", "", "Summary:", "passed   2", "failed   0",
		"broken   0", "skipped  0", "warnings 0", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_STR(r.message, "LTP summary says passed 2, saw 1");
	tout_result_free(&r);
}

static void
test_ltp_all_tconf_exit_32_is_a_skip(void)
{
	const char *lines[] = { "a.c:3: TCONF: no nested virt", NULL };
	struct tout_result r;

	parse_lines(lines, 32, false, &r);
	CHECK_INT(r.verdict, VERDICT_SKIP);
	CHECK_STR(r.message, "TCONF at a.c:3");
	tout_result_free(&r);
}

static void
test_ltp_long_message_is_cut_to_200_bytes(void)
{
	char line[400];
	const char *lines[] = { line, NULL };
	struct tout_result r;

	memcpy(line, "x.c:1: TFAIL: ", 14);
	memset(line + 14, 'm', 300);
	line[314] = '\0';
	parse_lines(lines, 1, false, &r);
	CHECK_INT(r.nnodes, 1);
	if (r.nnodes == 1)
		CHECK_INT(strlen(r.nodes[0].name), 200);
	tout_result_free(&r);
}

static void
test_kut_summary_mismatch_is_a_note(void)
{
	const char *lines[] = { "PASS: a", "SUMMARY: 2 tests", NULL };
	struct tout_result r;

	parse_lines(lines, 0, false, &r);
	CHECK_STR(tout_format_name(r.format), "kvm-unit-tests");
	CHECK_INT(r.verdict, VERDICT_PASS);
	CHECK_STR(r.message, "SUMMARY says 2 tests, saw 1");
	tout_result_free(&r);
}

static void
test_yaml_block_is_ignored(void)
{
	const char *lines[] = { "TAP version 13", "1..1", "not ok 1 a", "  ---",
		"  ok 2 not a result", "  1..9", "  ...", NULL };
	struct tout_result r;

	parse_lines(lines, 1, false, &r);
	CHECK_INT(r.nnodes, 1);
	CHECK_STR(r.message, "sub-test failed: a");
	tout_result_free(&r);
}

/* ---- robustness ------------------------------------------------------- */

static void
test_garbage_does_not_crash(void)
{
	static char longline[4200], deep[200];
	const char *lines[] = { "TAP version 99999999999999999999999", "1..99999999999999999999",
		"ok 18446744073709551616999 big", "not ok", "ok", "#", "# Subtest:", "1..", "1..x",
		"ok 1 #", "ok 1 # SKIP", "ok 1 # TODO", "not ok 1 \\", "    ok 1 orphan",
		"        # Subtest: deeper", "  not ok 3 between", "Bail out!", longline, deep,
		"\t\t\t\t\t\tok 1 tabs", "[", "[ 1.", "[    1.234567]", "[    1.234567][T", "",
		NULL };
	struct tout_result r;
	struct tout_parser *p;

	memset(longline, ' ', sizeof(longline) - 1);
	memcpy(longline + 4000, "ok 5 far", 8);
	memset(deep, ' ', sizeof(deep) - 1);
	memcpy(deep + 150, "ok 1 d", 6);
	parse_lines(lines, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_ERROR);
	CHECK_STR(r.message, "bail out");
	tout_result_free(&r);

	/* 100 levels of nesting, never closed. */
	CHECK_INT(tout_parser_new(&p), 0);
	CHECK(p != NULL);
	tout_parser_line(p, "KTAP version 1", 1);
	for (int i = 1; i <= 100; i++) {
		char line[512];

		snprintf(line, sizeof(line), "%*s# Subtest: s%d", i * 4, "", i);
		tout_parser_line(p, line, (uint64_t)i + 1);
		snprintf(line, sizeof(line), "%*sok 1 t%d", i * 4, "", i);
		tout_parser_line(p, line, (uint64_t)i + 1);
	}
	tout_parser_line(p, "not ok 1 top", 200);
	tout_parser_finish(p, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_FAIL);
	CHECK_INT(r.nnodes, 1);
	tout_result_free(&r);

	/* Nothing at all, and a NULL line. */
	CHECK_INT(tout_parser_new(&p), 0);
	tout_parser_line(p, NULL, 1);
	tout_parser_finish(p, 0, false, &r);
	CHECK_INT(r.verdict, VERDICT_PASS);
	tout_result_free(&r);
	tout_result_free(&r);
}

static void
test_free_without_finish(void)
{
	struct tout_parser *p = NULL;
	CHECK_INT(tout_parser_new(&p), 0);

	CHECK(p != NULL);
	tout_parser_line(p, "KTAP version 1", 1);
	tout_parser_line(p, "1..2", 2);
	tout_parser_line(p, "    # Subtest: a", 3);
	tout_parser_line(p, "    ok 1 x", 4);
	tout_parser_line(p, "        # Subtest: b", 5);
	tout_parser_line(p, "        ok 1 y", 6);
	tout_parser_line(p, "    # Subtest: c", 7);
	tout_parser_line(p, "Bail out! reason", 8);
	tout_parser_free(p);
	tout_parser_free(NULL);

	CHECK_INT(tout_parser_new(&p), 0);
	tout_parser_line(p, "a.c:1: TPASS: x", 1);
	tout_parser_line(p, "Summary:", 2);
	tout_parser_free(p);
}

static void
test_format_names(void)
{
	CHECK_STR(tout_format_name(TOUT_NONE), "none");
	CHECK_STR(tout_format_name(TOUT_TAP), "tap");
	CHECK_STR(tout_format_name(TOUT_KTAP), "ktap");
	CHECK_STR(tout_format_name(TOUT_LTP), "ltp");
	CHECK_STR(tout_format_name(TOUT_KUT), "kvm-unit-tests");
	CHECK_STR(tout_format_name((enum tout_format)42), "none");
}

int
main(void)
{
	RUN(test_corpus_kunit_example);
	RUN(test_corpus_kunit_old_tab);
	RUN(test_corpus_kselftest_runner);
	RUN(test_corpus_kselftest_printk);
	RUN(test_corpus_tap14_subtests);
	RUN(test_corpus_tap13_nested);
	RUN(test_corpus_ltp_new);
	RUN(test_corpus_ltp_old);
	RUN(test_corpus_kvm_unit_tests);
	RUN(test_unnumbered_not_ok_before_any_format_is_never_dropped);
	RUN(test_exit_0_with_not_ok_is_a_disagreement);
	RUN(test_exit_1_with_all_ok_is_a_disagreement);
	RUN(test_all_ok_exit_0_passes);
	RUN(test_unmet_plan_fails);
	RUN(test_plan_with_no_results_fails);
	RUN(test_plan_at_the_end_and_missing_plan_pass);
	RUN(test_bail_out_is_an_error);
	RUN(test_skip_only_is_a_skip);
	RUN(test_skip_plan_is_a_skip);
	RUN(test_todo_does_not_fail);
	RUN(test_directives_case_and_escapes);
	RUN(test_ok_parent_with_failed_child_fails);
	RUN(test_nested_unmet_plan_fails_the_parent);
	RUN(test_missing_parent_line_is_an_error);
	RUN(test_deep_nesting_with_two_spaces);
	RUN(test_timeout_wins);
	RUN(test_no_output_uses_exit_code);
	RUN(test_printk_interleaved_with_kunit);
	RUN(test_printk_caller_id_alone_is_a_prefix);
	RUN(test_first_format_wins);
	RUN(test_ltp_summary_mismatch_is_a_note);
	RUN(test_ltp_all_tconf_exit_32_is_a_skip);
	RUN(test_ltp_long_message_is_cut_to_200_bytes);
	RUN(test_kut_summary_mismatch_is_a_note);
	RUN(test_yaml_block_is_ignored);
	RUN(test_garbage_does_not_crash);
	RUN(test_free_without_finish);
	RUN(test_format_names);
	return UNIT_DONE();
}
