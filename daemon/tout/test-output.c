/*
 * test-output.c -- read one test's console output and say how it went.
 *
 * The contract is in test-output.h.  This module is one streaming parser for
 * four families of output; a line is looked at once, in order, and never
 * kept.  What each line means depends only on the lines before it.
 *
 * The module is five files sharing private.h.  This one, on top, holds
 * printk-prefix stripping, format detection, the verdict rules and the
 * public functions.  How a line of each family is read lives in a file of
 * its own: tap.c (TAP 13/14 and KTAP), ltp.c (LTP) and kut.c
 * (kvm-unit-tests); node.c below them holds the node helpers and the
 * block stack every format's results are added to.
 *
 * Every line first loses a printk prefix ("[   12.345678] ", "[T123] " or
 * both; base/printk.h).  The kernel interleaves its own messages with a
 * test's output, but KUnit prints its KTAP through printk too, so the
 * prefix alone does not say whose a line is.  The line that
 * decides the format does: if it had a prefix, the test speaks through
 * printk and only prefixed lines are read from then on; if not, prefixed
 * lines are the kernel's and are ignored, even when they look like results.
 * What is left is offered to the parser of the detected format; lines it
 * does not recognise are ignored, and trailing blanks ('\r') never matter.
 *
 * Detection.  Until a format is known, a line can decide it: "TAP version
 * N" -> tap, "KTAP version N" -> ktap, a bare plan "1..N" or a numbered "ok
 * N"/"not ok N" -> tap, an LTP result line (any of TPASS TFAIL TBROK TCONF
 * TWARN TINFO, new or old library) -> ltp, a kvm-unit-tests report line
 * ("PASS: ", "FAIL: ", "SKIP: ", "XFAIL: ", "XPASS: ", "SUMMARY: ") ->
 * kvm-unit-tests.  The first format detected wins: a test prints one
 * format, and once decided, lines of the other families are ignored (TAP
 * and KTAP are one family; a KTAP header inside a TAP stream is read as
 * part of it, and the format stays the one first seen).
 *
 * The verdict (tout_parser_finish) follows test-output.h: a timeout wins,
 * then a bail-out (error), then the sub-results and the exit code.  One
 * detail the header leaves open: when every sub-result is a skip and the
 * exit code is not 0, the test is a skip if the code is the format's own
 * "skipped" exit code (kselftest's KSFT_SKIP 4, LTP's TCONF bit 32,
 * kvm-unit-tests' 77) and otherwise a failure for the disagreement.
 *
 * Nothing here trusts the input: numbers saturate, nesting is capped at
 * MAX_DEPTH, lines of any length are read in place, and running out of
 * memory makes the verdict an error rather than a crash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/printk.h"
#include "tout/private.h"
#include "tout/test-output.h"

/* ---- the parser ------------------------------------------------------- */

int
tout_parser_new(struct tout_parser **out)
{
	struct tout_parser *p = calloc(1, sizeof(*p));

	*out = p;
	if (p == NULL)
		return -ENOMEM;
	for (int k = 0; k < LTP_NKINDS; k++)
		p->ltp_summary[k] = -1;
	return 0;
}

void
tout_parser_line(struct tout_parser *p, const char *line, uint64_t lineno)
{
	const char *s, *t;
	bool prefixed;

	if (p == NULL || line == NULL || p->oom)
		return;
	s = printk_prefix_skip(line);
	prefixed = s != NULL;
	if (s == NULL)
		s = line;
	if (p->format != TOUT_NONE && prefixed != p->prefixed)
		return;
	switch (p->format) {
	case TOUT_NONE:
		t = tout_skip_ws(s);
		if (!tout_ltp_line(p, t, lineno) && !tout_kut_line(p, t, lineno))
			tout_tap_line(p, s, lineno);
		p->prefixed = prefixed;
		break;
	case TOUT_TAP:
	case TOUT_KTAP:
		tout_tap_line(p, s, lineno);
		break;
	case TOUT_LTP:
		tout_ltp_line(p, tout_skip_ws(s), lineno);
		break;
	case TOUT_KUT:
		tout_kut_line(p, tout_skip_ws(s), lineno);
		break;
	}
}

static void
parser_release(struct tout_parser *p)
{
	for (size_t i = 0; i < p->depth; i++) {
		struct block *b = &p->stack[i];

		tout_nodevec_free(&b->nodes);
		tout_nodevec_free(&b->pend);
		free(b->name);
		free(b->next_name);
		free(b->pend_name);
	}
	free(p->plan_skip_reason);
	free(p->bail_reason);
	free(p->note);
	free(p);
}

void
tout_parser_free(struct tout_parser *p)
{
	if (p != NULL)
		parser_release(p);
}

static void
count_leaves(const struct tout_node *n, struct tout_result *r)
{
	if (n->nchildren > 0) {
		for (size_t i = 0; i < n->nchildren; i++)
			count_leaves(&n->children[i], r);
		return;
	}
	if (n->verdict == VERDICT_PASS)
		r->passed++;
	else if (n->verdict == VERDICT_SKIP)
		r->skipped++;
	else if (test_verdict_failed(n->verdict))
		r->failed++;
}

/*
 * Count the failing nodes whose failure is their own (no failing child),
 * under a failing N, and remember the path of the first in *FIRST.
 */
static size_t
count_causes(const struct tout_node *n, const char *path, struct sbuf *first)
{
	struct sbuf here = { 0 };
	size_t causes = 0;

	if (!test_verdict_failed(n->verdict))
		return 0;
	if (path != NULL)
		tout_sbuf_add(&here, "%s/%s", path, n->name[0] ? n->name : "(unnamed)");
	else
		tout_sbuf_add(&here, "%s", n->name[0] ? n->name : "(unnamed)");
	for (size_t i = 0; i < n->nchildren; i++)
		causes += count_causes(&n->children[i], here.s ? here.s : "", first);
	if (causes == 0) {
		causes = 1;
		if (first->s == NULL && here.s != NULL)
			tout_sbuf_add(first, "%s", here.s);
	}
	free(here.s);
	return causes;
}

static bool
is_skip_exit(enum tout_format f, int code)
{
	switch (f) {
	case TOUT_TAP:
	case TOUT_KTAP:
		return code == 4; /* KSFT_SKIP */
	case TOUT_LTP:
		return code == 32; /* TCONF */
	case TOUT_KUT:
		return code == 77;
	case TOUT_NONE:
		break;
	}
	return false;
}

/* The verdict and message from the sub-results in R and the exit code. */
static enum test_verdict
judge(struct tout_parser *p, struct tout_result *r, int exit_code, struct sbuf *m)
{
	const struct block *root = &p->stack[0];
	bool bad = false, all_skip = true;
	enum test_verdict v;

	if (r->nnodes == 0) {
		if (root->plan > 0) {
			tout_sbuf_add(m, "planned %lld tests, saw 0", root->plan);
			return VERDICT_FAIL;
		}
		if (p->plan_skip && (exit_code == 0 || is_skip_exit(r->format, exit_code))) {
			if (p->plan_skip_reason != NULL)
				tout_sbuf_add(m, "%s", p->plan_skip_reason);
			return VERDICT_SKIP;
		}
		if (exit_code == 0)
			return VERDICT_PASS;
		tout_sbuf_add(m, "exit code %d", exit_code);
		return VERDICT_FAIL;
	}

	for (size_t i = 0; i < r->nnodes; i++) {
		bad |= test_verdict_failed(r->nodes[i].verdict);
		all_skip &= r->nodes[i].verdict == VERDICT_SKIP;
	}
	v = bad ? VERDICT_FAIL : all_skip ? VERDICT_SKIP : VERDICT_PASS;
	if (bad) {
		struct sbuf first = { 0 };
		size_t causes = 0;

		for (size_t i = 0; i < r->nnodes; i++)
			causes += count_causes(&r->nodes[i], NULL, &first);
		if (exit_code == 0)
			tout_sbuf_add(m, "exit code 0 but ");
		if (causes == 1)
			tout_sbuf_add(m, "sub-test failed: %s", first.s ? first.s : "?");
		else
			tout_sbuf_add(m, "%zu sub-tests failed, first: %s", causes,
			    first.s ? first.s : "?");
		free(first.s);
	}
	if (root->plan >= 0 && (size_t)root->plan != r->nnodes) {
		v = VERDICT_FAIL;
		tout_sbuf_part(m);
		tout_sbuf_add(m, "planned %lld tests, saw %zu", root->plan, r->nnodes);
	}
	if (exit_code != 0 &&
	    (v == VERDICT_PASS || (v == VERDICT_SKIP && !is_skip_exit(r->format, exit_code)))) {
		v = VERDICT_FAIL;
		tout_sbuf_part(m);
		tout_sbuf_add(m, "exit code %d but no sub-test failed", exit_code);
	}
	if (v == VERDICT_SKIP && m->len == 0 && r->nodes[0].message != NULL)
		tout_sbuf_add(m, "%s", r->nodes[0].message);
	return v;
}

void
tout_parser_finish(struct tout_parser *p, int exit_code, bool timed_out, struct tout_result *out)
{
	struct sbuf m = { 0 };

	memset(out, 0, sizeof(*out));
	if (p == NULL) {
		out->verdict = timed_out ? VERDICT_TIMEOUT
		    : exit_code == 0     ? VERDICT_PASS
					 : VERDICT_FAIL;
		return;
	}
	out->format = p->format;
	if (p->root_set) {
		tout_block_close_all(p);
		out->nodes = p->stack[0].nodes.v;
		out->nnodes = p->stack[0].nodes.n;
		memset(&p->stack[0].nodes, 0, sizeof(p->stack[0].nodes));
	}
	for (size_t i = 0; i < out->nnodes; i++)
		count_leaves(&out->nodes[i], out);

	if (p->format == TOUT_LTP)
		tout_ltp_finish(p);

	if (timed_out) {
		out->verdict = VERDICT_TIMEOUT;
		tout_sbuf_add(&m, "killed at its timeout");
	} else if (p->oom) {
		out->verdict = VERDICT_ERROR;
		tout_sbuf_add(&m, "out of memory while reading the output");
	} else if (p->bailed) {
		out->verdict = VERDICT_ERROR;
		if (p->bail_reason != NULL && p->bail_reason[0] != '\0')
			tout_sbuf_add(&m, "bail out: %s", p->bail_reason);
		else
			tout_sbuf_add(&m, "bail out");
	} else {
		out->verdict = judge(p, out, exit_code, &m);
	}
	if (p->note != NULL) {
		tout_sbuf_part(&m);
		tout_sbuf_add(&m, "%s", p->note);
	}
	out->message = m.oom ? NULL : m.s;
	if (m.oom)
		free(m.s);
	parser_release(p);
}

void
tout_result_free(struct tout_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nnodes; i++)
		tout_node_free(&r->nodes[i]);
	free(r->nodes);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

const char *
tout_format_name(enum tout_format f)
{
	switch (f) {
	case TOUT_NONE:
		return "none";
	case TOUT_TAP:
		return "tap";
	case TOUT_KTAP:
		return "ktap";
	case TOUT_LTP:
		return "ltp";
	case TOUT_KUT:
		return "kvm-unit-tests";
	}
	return "none";
}
