/*
 * compare.h -- what changed between two runs (docs/COMPARE.md): each test
 * and sub-test's verdict, crash titles, coverage per file, durations.
 *
 * Pure: the caller loads both runs (store, coverage files) and renders
 * the answer; nothing here does I/O.  A test's identity is its name and
 * its sub-test path; two sub-results of one parent with the same name are
 * told apart by their order ("name#2"), in both runs alike.
 */
#ifndef PKVM_COMPARE_H
#define PKVM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage/lcov-info.h"
#include "store/store.h"

/* A result's change from run A to run B, in the order they are listed. */
enum cmp_change {
	CMP_REGRESSED, /* passed in A, failed (fail, error, timeout, not-run) in B */
	CMP_FIXED, /* failed in A, passes in B */
	CMP_NEW, /* only in B */
	CMP_REMOVED, /* only in A */
	CMP_FLAKY, /* B's verdict is flaky (it passed on a rerun), or it regressed but
		    * both passed and failed before on A's kernel and tests */
	CMP_STILL_FAILING, /* failed in both */
	CMP_CHANGED, /* any other change of verdict (a skip, say) */
	CMP_UNCHANGED,
	CMP__COUNT,
};
/* The wire name of C: "regressed", "fixed", "new", "removed", "flaky",
 * "still-failing", "changed", "unchanged". */
const char *cmp_change_name(enum cmp_change c);

/* The separator of a key's names: a byte no test prints in a name. */
#define CMP_KEY_SEP '\x1f'

/* One result of one run: a test, or a sub-result under it. */
struct cmp_item {
	char *key; /* the names from the test down, joined by CMP_KEY_SEP */
	enum test_verdict verdict;
	int64_t duration_ms; /* a test's; -1 for a sub-result */
	uint32_t order; /* its place in the run, for a stable order */
};

/* Flatten the N tests of a run (store_test_list_full()) and their
 * sub-results into *OUT, sorted by key.  0 or -ENOMEM. */
int cmp_items_from_tests(const struct test_full *t, size_t n, struct cmp_item **out, size_t *nout);
/* Free what cmp_items_from_tests() made. */
void cmp_items_free(struct cmp_item *it, size_t n);

/* A key of either run with what happened to it. */
struct cmp_row {
	const struct cmp_item *a, *b; /* NULL where the run lacks it */
	enum cmp_change change;
};
/* Every key of A and B (sorted items), in key order, into *OUT (free()
 * it), with COUNTS[change] summed.  0 or -ENOMEM. */
int cmp_tests(const struct cmp_item *a, size_t na, const struct cmp_item *b, size_t nb,
    struct cmp_row **out, size_t *nout, size_t counts[CMP__COUNT]);

/* A duration beyond noise: at least this much and this share of the
 * longer of the two.  Without a history of the test's durations, a fixed
 * rule, wide enough that a loaded 2-core machine does not trip it. */
#define CMP_NOISE_MS 100
#define CMP_NOISE_PERCENT 20
/* Whether A_MS to B_MS is a change beyond noise. */
bool cmp_duration_changed(int64_t a_ms, int64_t b_ms);

/* Crash titles of B that A has not (NEW) and of A that B has not (GONE),
 * as indexes into the arrays, each title once.  0 or -ENOMEM; free(). */
int cmp_crashes(const struct crash_record *a, size_t na, const struct crash_record *b, size_t nb,
    size_t **new_idx, size_t *nnew, size_t **gone_idx, size_t *ngone);

/* One source file's coverage from A to B: lines and branches B reaches
 * that A does not (gained), and the reverse (lost). */
struct cmp_cov_file {
	const char *path; /* borrowed from A or B */
	uint64_t lines_gained, lines_lost, branches_gained, branches_lost;
};
/* Per file of either, those with any change, in path order.  0 or
 * -ENOMEM; free() *OUT. */
int cmp_coverage(const struct lcov_data *a, const struct lcov_data *b, struct cmp_cov_file **out,
    size_t *n);

#endif
