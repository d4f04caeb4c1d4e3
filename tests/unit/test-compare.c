/*
 * test-compare.c -- daemon/compare: the transition of each result, twins
 * told apart by order, crash titles new and gone, coverage gained and
 * lost, and the noise rule for durations.
 */
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "unit.h"

/* A node with N children (taken over). */
static struct tout_node
node(const char *name, enum test_verdict v, struct tout_node *children, size_t n)
{
	return (struct tout_node){ .name = (char *)name,
		.verdict = v,
		.children = children,
		.nchildren = n };
}

static struct test_full
test(const char *name, enum test_verdict v, int64_t ms, struct tout_node *nodes, size_t n)
{
	struct test_full t = { .t = { .name = (char *)name, .verdict = v, .duration_ms = ms },
		.nodes = nodes,
		.nnodes = n };

	return t;
}

/* The change of KEY among ROWS, or -1 when it is not there. */
static int
change(const struct cmp_row *rows, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		const char *k = rows[i].a ? rows[i].a->key : rows[i].b->key;

		if (strcmp(k, key) == 0)
			return (int)rows[i].change;
	}
	return -1;
}

static void
test_every_transition_and_its_count(void)
{
	struct tout_node ka[] = {
		node("p2f", VERDICT_PASS, NULL, 0),
		node("f2p", VERDICT_FAIL, NULL, 0),
		node("gone", VERDICT_PASS, NULL, 0),
		node("f2t", VERDICT_FAIL, NULL, 0),
		node("s2p", VERDICT_SKIP, NULL, 0),
		node("same", VERDICT_PASS, NULL, 0),
		node("p2nr", VERDICT_PASS, NULL, 0),
	};
	struct tout_node kb[] = {
		node("p2f", VERDICT_FAIL, NULL, 0),
		node("f2p", VERDICT_PASS, NULL, 0),
		node("f2t", VERDICT_TIMEOUT, NULL, 0),
		node("s2p", VERDICT_PASS, NULL, 0),
		node("same", VERDICT_PASS, NULL, 0),
		node("p2nr", VERDICT_NOT_RUN, NULL, 0),
		node("born", VERDICT_FAIL, NULL, 0),
	};
	struct test_full ta = test("t", VERDICT_FAIL, 10, ka, 7),
			 tb = test("t", VERDICT_FAIL, 10, kb, 7);
	struct cmp_item *a, *b;
	struct cmp_row *rows;
	size_t na, nb, n, counts[CMP__COUNT];

	CHECK_INT(cmp_items_from_tests(&ta, 1, &a, &na), 0);
	CHECK_INT(cmp_items_from_tests(&tb, 1, &b, &nb), 0);
	CHECK_INT(na, 8);
	CHECK_INT(cmp_tests(a, na, b, nb, &rows, &n, counts), 0);
	CHECK_INT(n, 9);
	CHECK_INT(change(rows, n, "t\x1fp2f"), CMP_REGRESSED);
	CHECK_INT(change(rows, n, "t\x1fp2nr"), CMP_REGRESSED);
	CHECK_INT(change(rows, n,
		      "t\x1f"
		      "f2p"),
	    CMP_FIXED);
	CHECK_INT(change(rows, n, "t\x1fgone"), CMP_REMOVED);
	CHECK_INT(change(rows, n,
		      "t\x1f"
		      "born"),
	    CMP_NEW);
	CHECK_INT(change(rows, n,
		      "t\x1f"
		      "f2t"),
	    CMP_STILL_FAILING);
	CHECK_INT(change(rows, n, "t\x1fs2p"), CMP_CHANGED);
	CHECK_INT(change(rows, n, "t\x1fsame"), CMP_UNCHANGED);
	CHECK_INT(change(rows, n, "t"), CMP_STILL_FAILING);
	CHECK_INT(counts[CMP_REGRESSED], 2);
	CHECK_INT(counts[CMP_STILL_FAILING], 2);
	CHECK_INT(counts[CMP_UNCHANGED], 1);
	free(rows);
	cmp_items_free(a, na);
	cmp_items_free(b, nb);
}

/* A result flaky in B (it passed on a rerun) is flaky, never regressed
 * (the gate does not count it); flaky in A and failing in B regressed;
 * flaky in A and passing in B merely changed. */
static void
test_flaky_verdicts_are_no_regression(void)
{
	struct tout_node ka[] = {
		node("p2k", VERDICT_PASS, NULL, 0),
		node("f2k", VERDICT_FAIL, NULL, 0),
		node("k2f", VERDICT_FLAKY, NULL, 0),
		node("k2p", VERDICT_FLAKY, NULL, 0),
	};
	struct tout_node kb[] = {
		node("p2k", VERDICT_FLAKY, NULL, 0),
		node("f2k", VERDICT_FLAKY, NULL, 0),
		node("k2f", VERDICT_FAIL, NULL, 0),
		node("k2p", VERDICT_PASS, NULL, 0),
	};
	struct test_full ta = test("t", VERDICT_FLAKY, 10, ka, 4),
			 tb = test("t", VERDICT_FAIL, 10, kb, 4);
	struct cmp_item *a, *b;
	struct cmp_row *rows;
	size_t na, nb, n, counts[CMP__COUNT];

	CHECK_INT(cmp_items_from_tests(&ta, 1, &a, &na), 0);
	CHECK_INT(cmp_items_from_tests(&tb, 1, &b, &nb), 0);
	CHECK_INT(cmp_tests(a, na, b, nb, &rows, &n, counts), 0);
	CHECK_INT(change(rows, n, "t\x1fp2k"), CMP_FLAKY);
	CHECK_INT(change(rows, n,
		      "t\x1f"
		      "f2k"),
	    CMP_FLAKY);
	CHECK_INT(change(rows, n, "t\x1fk2f"), CMP_REGRESSED);
	CHECK_INT(change(rows, n, "t\x1fk2p"), CMP_CHANGED);
	CHECK_INT(change(rows, n, "t"), CMP_REGRESSED);
	CHECK_INT(counts[CMP_FLAKY], 2);
	CHECK_INT(counts[CMP_REGRESSED], 2);
	free(rows);
	cmp_items_free(a, na);
	cmp_items_free(b, nb);
}

/* Twins' children pair by their parent's order too. */
static void
test_children_of_twins_pair_by_their_parents_order(void)
{
	struct tout_node la1[] = { node("leaf", VERDICT_PASS, NULL, 0) };
	struct tout_node la2[] = { node("leaf", VERDICT_PASS, NULL, 0) };
	struct tout_node lb1[] = { node("leaf", VERDICT_PASS, NULL, 0) };
	struct tout_node lb2[] = { node("leaf", VERDICT_FAIL, NULL, 0) };
	struct tout_node ka[] = { node("dup", VERDICT_PASS, la1, 1),
		node("dup", VERDICT_PASS, la2, 1) };
	struct tout_node kb[] = { node("dup", VERDICT_PASS, lb1, 1),
		node("dup", VERDICT_FAIL, lb2, 1) };
	struct test_full ta = test("t", VERDICT_PASS, 10, ka, 2),
			 tb = test("t", VERDICT_PASS, 10, kb, 2);
	struct cmp_item *a, *b;
	struct cmp_row *rows;
	size_t na, nb, n, counts[CMP__COUNT];

	CHECK_INT(cmp_items_from_tests(&ta, 1, &a, &na), 0);
	CHECK_INT(cmp_items_from_tests(&tb, 1, &b, &nb), 0);
	CHECK_INT(cmp_tests(a, na, b, nb, &rows, &n, counts), 0);
	CHECK_INT(n, 5);
	CHECK_INT(change(rows, n,
		      "t\x1f"
		      "dup\x1fleaf"),
	    CMP_UNCHANGED);
	CHECK_INT(change(rows, n,
		      "t\x1f"
		      "dup#2\x1fleaf"),
	    CMP_REGRESSED);
	CHECK_INT(change(rows, n,
		      "t\x1f"
		      "dup#2"),
	    CMP_REGRESSED);
	free(rows);
	cmp_items_free(a, na);
	cmp_items_free(b, nb);
}

/* Siblings of one name are paired by their order; so are their children
 * and a name that is a prefix of another stays apart. */
static void
test_twins_pair_by_order_and_paths_nest(void)
{
	struct tout_node kids_a[] = { node("leaf", VERDICT_PASS, NULL, 0) };
	struct tout_node kids_b[] = { node("leaf", VERDICT_FAIL, NULL, 0) };
	struct tout_node ka[] = {
		node("", VERDICT_PASS, NULL, 0),
		node("", VERDICT_PASS, NULL, 0),
		node("grp", VERDICT_PASS, kids_a, 1),
		node("grp2", VERDICT_PASS, NULL, 0),
	};
	struct tout_node kb[] = {
		node("", VERDICT_PASS, NULL, 0),
		node("", VERDICT_FAIL, NULL, 0),
		node("grp", VERDICT_FAIL, kids_b, 1),
		node("grp2", VERDICT_PASS, NULL, 0),
	};
	struct test_full ta = test("t", VERDICT_PASS, 10, ka, 4),
			 tb = test("t", VERDICT_FAIL, 10, kb, 4);
	struct cmp_item *a, *b;
	struct cmp_row *rows;
	size_t na, nb, n, counts[CMP__COUNT];

	CHECK_INT(cmp_items_from_tests(&ta, 1, &a, &na), 0);
	CHECK_INT(cmp_items_from_tests(&tb, 1, &b, &nb), 0);
	CHECK_INT(cmp_tests(a, na, b, nb, &rows, &n, counts), 0);
	CHECK_INT(n, 6);
	CHECK_INT(change(rows, n, "t\x1f"), CMP_UNCHANGED);
	CHECK_INT(change(rows, n, "t\x1f#2"), CMP_REGRESSED);
	CHECK_INT(change(rows, n, "t\x1fgrp\x1fleaf"), CMP_REGRESSED);
	CHECK_INT(change(rows, n, "t\x1fgrp2"), CMP_UNCHANGED);
	CHECK_INT(counts[CMP_REGRESSED], 4); /* t, #2, grp, grp/leaf */
	free(rows);
	cmp_items_free(a, na);
	cmp_items_free(b, nb);
}

static void
test_crash_titles_new_and_gone_once_each(void)
{
	struct crash_record a[] = {
		{ .title = "BUG: one", .kind = "bug" },
		{ .title = "WARNING: two", .kind = "warning" },
		{ .title = "WARNING: two", .kind = "warning" },
	};
	struct crash_record b[] = {
		{ .title = "WARNING: two", .kind = "warning" },
		{ .title = "kernel panic: three", .kind = "panic" },
		{ .title = "kernel panic: three", .kind = "panic" },
	};
	size_t *nw, *gone, nnew, ngone;

	CHECK_INT(cmp_crashes(a, 3, b, 3, &nw, &nnew, &gone, &ngone), 0);
	CHECK_INT(nnew, 1);
	CHECK_INT(ngone, 1);
	if (nnew == 1)
		CHECK_STR(b[nw[0]].title, "kernel panic: three");
	if (ngone == 1)
		CHECK_STR(a[gone[0]].title, "BUG: one");
	free(nw);
	free(gone);
}

static void
test_coverage_gained_and_lost_per_file(void)
{
	static const char info_a[] = "SF:a.c\nDA:1,1\nDA:2,1\nDA:3,0\nBRDA:2,0,0,1\nBRDA:2,0,1,0\n"
				     "end_of_record\nSF:gone.c\nDA:1,5\nend_of_record\n"
				     "SF:same.c\nDA:1,2\nend_of_record\n";
	static const char info_b[] = "SF:a.c\nDA:1,1\nDA:2,0\nDA:3,4\nBRDA:2,0,0,1\nBRDA:2,0,1,3\n"
				     "end_of_record\nSF:new.c\nDA:7,1\nDA:8,1\nend_of_record\n"
				     "SF:same.c\nDA:1,1\nend_of_record\n";
	struct lcov_data a = { 0 }, b = { 0 };
	struct cmp_cov_file *f;
	char *cause = NULL;
	size_t n;

	CHECK_INT(lcov_parse(info_a, strlen(info_a), &a, &cause), 0);
	CHECK_INT(lcov_parse(info_b, strlen(info_b), &b, &cause), 0);
	CHECK_INT(cmp_coverage(&a, &b, &f, &n), 0);
	CHECK_INT(n, 3); /* same.c reaches what it did: left out */
	if (n == 3) {
		CHECK_STR(f[0].path, "a.c");
		CHECK_INT(f[0].lines_gained, 1);
		CHECK_INT(f[0].lines_lost, 1);
		CHECK_INT(f[0].branches_gained, 1);
		CHECK_INT(f[0].branches_lost, 0);
		CHECK_STR(f[1].path, "gone.c");
		CHECK_INT(f[1].lines_lost, 1);
		CHECK_STR(f[2].path, "new.c");
		CHECK_INT(f[2].lines_gained, 2);
	}
	free(f);
	lcov_free(&a);
	lcov_free(&b);
	free(cause);
}

static void
test_durations_change_beyond_noise_only(void)
{
	CHECK(!cmp_duration_changed(1000, 1090)); /* under 100 ms */
	CHECK(!cmp_duration_changed(10000, 11000)); /* 1 s, but 9% */
	CHECK(cmp_duration_changed(10, 900));
	CHECK(cmp_duration_changed(2000, 1500)); /* 25%, 500 ms, either way */
	CHECK(!cmp_duration_changed(-1, 5000)); /* a sub-result has none */
}

int
main(void)
{
	RUN(test_every_transition_and_its_count);
	RUN(test_flaky_verdicts_are_no_regression);
	RUN(test_twins_pair_by_order_and_paths_nest);
	RUN(test_children_of_twins_pair_by_their_parents_order);
	RUN(test_crash_titles_new_and_gone_once_each);
	RUN(test_coverage_gained_and_lost_per_file);
	RUN(test_durations_change_beyond_noise_only);
	return UNIT_DONE();
}
