/*
 * test-output.h -- what one test's console output says about its results.
 *
 * Kernel developers' tests already report in a few well-known shapes, and
 * pkvmd reads them all without wrappers:
 *
 *   TAP 13 and 14     "ok 1 - name", "not ok 2 name # TODO why",
 *                     "# SKIP", plan "1..N", subtests (TAP 14: "# Subtest:"
 *                     and 4-space indentation; TAP 13: indented blocks)
 *   KTAP              "KTAP version 1", nested by indentation, as KUnit and
 *                     kselftest print it ("# Subtest:" headers, "# SKIP")
 *   LTP               "file.c:12: TPASS: msg" (new library) and
 *                     "name  1  TPASS  :  msg" (old), TFAIL, TBROK, TCONF,
 *                     TWARN, TINFO
 *   kvm-unit-tests    "PASS: name", "FAIL: name", "SKIP: name",
 *                     "XFAIL: name", "XPASS: name", "SUMMARY: ..."
 *
 * The runner creates one parser per test when the test begins, feeds it
 * every console line printed while the test runs (kernel printk lines
 * included: the parsers must ignore what they do not recognise), and
 * finishes it with the test's exit code.  The parser then gives the
 * sub-result tree and the test's verdict:
 *
 *   - killed at its timeout            -> timeout
 *   - sub-results present: any fail or error -> fail; else all skip -> skip;
 *     else pass.  A plan ("1..N") that was not met is a failure with a
 *     message ("planned 5 tests, saw 3").
 *   - no sub-results: exit 0 -> pass, else fail.
 *   - a disagreement (exit 0 but a failed sub-result, or exit != 0 with
 *     every sub-result passing) is a failure with a message saying so.
 *
 * It is pure (no I/O), so tests/test-output.c checks it on captured output
 * in tests/data/.
 */
#ifndef PKVM_TEST_OUTPUT_H
#define PKVM_TEST_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tout/verdict.h"

/* The formats, as detected from the output. */
enum tout_format { TOUT_NONE, TOUT_TAP, TOUT_KTAP, TOUT_LTP, TOUT_KUT };

/* One sub-result; children for nested TAP/KTAP. */
struct tout_node {
	char *name; /* description, e.g. "mmio_write" ("" when none) */
	enum test_verdict verdict;
	char *message; /* directive reason, LTP message, or NULL */
	uint64_t line; /* console line of the result */
	struct tout_node *children;
	size_t nchildren;
};

struct tout_result {
	enum test_verdict verdict;
	char *message; /* why it is not a pass (or a note), or NULL */
	enum tout_format format;
	struct tout_node *nodes; /* top-level sub-results in order */
	size_t nnodes;
	int passed, failed, skipped; /* leaf counts over the whole tree */
};

struct tout_parser;

/* A parser for one test into *OUT; 0 or -ENOMEM. */
int tout_parser_new(struct tout_parser **out);
/* Feed one console line (no '\n'), printed while the test ran. */
void tout_parser_line(struct tout_parser *p, const char *line, uint64_t lineno);
/* Finish: the test exited with EXIT_CODE (or was killed at its timeout
 * when TIMED_OUT).  Fills *OUT (free with tout_result_free) and frees P. */
void tout_parser_finish(struct tout_parser *p, int exit_code, bool timed_out,
    struct tout_result *out);
/* Free a parser without finishing it (job ended mid-test). */
void tout_parser_free(struct tout_parser *p);
/* Free what tout_parser_finish() put in R. */
void tout_result_free(struct tout_result *r);
/* For each of the N sibling NODES, which of its name it is, into NTH
 * (1 for the first): a result's identity among twins, "name#2" for the
 * second (docs/COMPARE.md).  0 or -ENOMEM. */
int tout_nodes_nth(const struct tout_node *nodes, size_t n, size_t *nth);
/* Name of a format: "none", "tap", "ktap", "ltp", "kvm-unit-tests". */
const char *tout_format_name(enum tout_format f);

#endif
