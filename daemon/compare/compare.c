/*
 * compare.c -- what changed between two runs (see compare.h).
 *
 * Both runs are flattened to one sorted array of results each and merged
 * in one pass: two jobs of 100,000 sub-results each compare in a sort and
 * a walk, with no lookup per row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"

static const char *const change_names[CMP__COUNT] = {
	[CMP_REGRESSED] = "regressed",
	[CMP_FIXED] = "fixed",
	[CMP_NEW] = "new",
	[CMP_REMOVED] = "removed",
	[CMP_FLAKY] = "flaky",
	[CMP_STILL_FAILING] = "still-failing",
	[CMP_CHANGED] = "changed",
	[CMP_UNCHANGED] = "unchanged",
};

const char *
cmp_change_name(enum cmp_change c)
{
	return c >= 0 && c < CMP__COUNT ? change_names[c] : "?";
}

/* ---- flattening ----------------------------------------------------------- */

struct flat {
	struct cmp_item *v;
	size_t n, cap;
};

static int
push(struct flat *f, const char *parent, const char *name, enum test_verdict verdict,
    int64_t duration_ms)
{
	struct cmp_item *it;
	int len;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct cmp_item *v = realloc(f->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	it = &f->v[f->n];
	len = parent != NULL ? asprintf(&it->key, "%s%c%s", parent, CMP_KEY_SEP, name)
			     : asprintf(&it->key, "%s", name);
	if (len < 0)
		return -ENOMEM;
	it->verdict = verdict;
	it->duration_ms = duration_ms;
	it->order = (uint32_t)f->n;
	f->n++;
	return 0;
}

/* The sub-results NODES under item PARENT, each named "name#K" when it
 * is the K-th sibling of its name (tout_nodes_nth()), so that twins and
 * what is under them pair by order, as the store counts them too. */
static int
push_nodes(struct flat *f, size_t parent, const struct tout_node *nodes, size_t n)
{
	size_t *nth = n > 0 ? calloc(n, sizeof(*nth)) : NULL;
	char *twin = NULL;
	int r = 0;

	if (n > 0 && (nth == NULL || tout_nodes_nth(nodes, n, nth) < 0)) {
		free(nth);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *name = nodes[i].name ? nodes[i].name : "";
		size_t me = f->n;

		if (nth[i] > 1 && asprintf(&twin, "%s#%zu", name, nth[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		/* f->v moves as it grows: the parent's key is read by index. */
		if ((r = push(f, f->v[parent].key, twin != NULL ? twin : name, nodes[i].verdict,
			 -1)) == 0)
			r = push_nodes(f, me, nodes[i].children, nodes[i].nchildren);
		free(twin);
		twin = NULL;
	}
	free(nth);
	return r;
}

static int
by_key_then_order(const void *x, const void *y)
{
	const struct cmp_item *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : (a->order > b->order) - (a->order < b->order);
}

/* Results still with the same key (a sibling whose own name is another's
 * "name#2") become "key#2", "key#3" in run order.  0 or -ENOMEM. */
static int
number_twins(struct flat *f)
{
	bool renamed = false;
	size_t i = 0;

	while (i < f->n) {
		size_t first = i++, k = 2;

		for (; i < f->n && strcmp(f->v[i].key, f->v[first].key) == 0; i++) {
			char *key;

			if (asprintf(&key, "%s#%zu", f->v[first].key, k++) < 0)
				return -ENOMEM;
			free(f->v[i].key);
			f->v[i].key = key;
			renamed = true;
		}
	}
	if (renamed)
		qsort(f->v, f->n, sizeof(*f->v), by_key_then_order);
	return 0;
}

int
cmp_items_from_tests(const struct test_full *t, size_t n, struct cmp_item **out, size_t *nout)
{
	struct flat f = { 0 };
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		size_t me = f.n;

		if ((r = push(&f, NULL, t[i].t.name ? t[i].t.name : "", t[i].t.verdict,
			 t[i].t.duration_ms)) == 0)
			r = push_nodes(&f, me, t[i].nodes, t[i].nnodes);
	}
	if (r == 0) {
		qsort(f.v, f.n, sizeof(*f.v), by_key_then_order);
		r = number_twins(&f);
	}
	if (r < 0) {
		cmp_items_free(f.v, f.n);
		*out = NULL;
		*nout = 0;
		return r;
	}
	*out = f.v;
	*nout = f.n;
	return 0;
}

void
cmp_items_free(struct cmp_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(it[i].key);
	free(it);
}

/* ---- verdicts ------------------------------------------------------------- */

/* Did the result not pass when it should have?  A not-run counts: the
 * run ended before it (a crash, the time), and it did not pass. */
static bool
failing(enum test_verdict v)
{
	return test_verdict_failed(v) || v == VERDICT_NOT_RUN;
}

/* Did it pass in the end?  A flaky result failed, then passed on a rerun. */
static bool
passing(enum test_verdict v)
{
	return v == VERDICT_PASS || v == VERDICT_FLAKY;
}

static enum cmp_change
change_of(const struct cmp_item *a, const struct cmp_item *b)
{
	if (a == NULL)
		return CMP_NEW;
	if (b == NULL)
		return CMP_REMOVED;
	if (failing(a->verdict) && failing(b->verdict))
		return CMP_STILL_FAILING;
	if (a->verdict == b->verdict)
		return CMP_UNCHANGED;
	/* Failing first in B is no regression when a rerun passed. */
	if (b->verdict == VERDICT_FLAKY)
		return CMP_FLAKY;
	if (passing(a->verdict) && failing(b->verdict))
		return CMP_REGRESSED;
	if (failing(a->verdict) && passing(b->verdict))
		return CMP_FIXED;
	return CMP_CHANGED;
}

int
cmp_tests(const struct cmp_item *a, size_t na, const struct cmp_item *b, size_t nb,
    struct cmp_row **out, size_t *nout, size_t counts[CMP__COUNT])
{
	struct cmp_row *rows = malloc((na + nb + 1) * sizeof(*rows));
	size_t i = 0, j = 0, n = 0;

	*out = NULL;
	*nout = 0;
	if (rows == NULL)
		return -ENOMEM;
	memset(counts, 0, CMP__COUNT * sizeof(counts[0]));
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].key, b[j].key);
		struct cmp_row *r = &rows[n++];

		r->a = c <= 0 ? &a[i++] : NULL;
		r->b = c >= 0 ? &b[j++] : NULL;
		r->change = change_of(r->a, r->b);
		counts[r->change]++;
	}
	*out = rows;
	*nout = n;
	return 0;
}

bool
cmp_duration_changed(int64_t a_ms, int64_t b_ms)
{
	int64_t d = b_ms > a_ms ? b_ms - a_ms : a_ms - b_ms, top = b_ms > a_ms ? b_ms : a_ms;

	if (a_ms < 0 || b_ms < 0)
		return false;
	return d >= CMP_NOISE_MS && d * 100 >= top * CMP_NOISE_PERCENT;
}

/* ---- crashes -------------------------------------------------------------- */

struct titled {
	const char *title;
	size_t idx;
};

static int
by_title(const void *x, const void *y)
{
	const struct titled *a = x, *b = y;
	int c = strcmp(a->title, b->title);

	return c != 0 ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* The distinct titles of C, sorted, each with its first report. */
static struct titled *
titles(const struct crash_record *c, size_t n, size_t *nout)
{
	struct titled *t = malloc((n + 1) * sizeof(*t));
	size_t k = 0;

	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		t[i] = (struct titled){ .title = c[i].title ? c[i].title : "", .idx = i };
	qsort(t, n, sizeof(*t), by_title);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(t[k - 1].title, t[i].title) != 0)
			t[k++] = t[i];
	*nout = k;
	return t;
}

/* The entries of X not in Y (both sorted and distinct), as indexes. */
static size_t *
minus(const struct titled *x, size_t nx, const struct titled *y, size_t ny, size_t *n)
{
	size_t *out = malloc((nx + 1) * sizeof(*out)), j = 0, k = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < nx; i++) {
		while (j < ny && strcmp(y[j].title, x[i].title) < 0)
			j++;
		if (j == ny || strcmp(y[j].title, x[i].title) != 0)
			out[k++] = x[i].idx;
	}
	*n = k;
	return out;
}

int
cmp_crashes(const struct crash_record *a, size_t na, const struct crash_record *b, size_t nb,
    size_t **new_idx, size_t *nnew, size_t **gone_idx, size_t *ngone)
{
	size_t ta_n = 0, tb_n = 0;
	struct titled *ta = titles(a, na, &ta_n), *tb = titles(b, nb, &tb_n);
	int r = 0;

	*new_idx = *gone_idx = NULL;
	*nnew = *ngone = 0;
	if (ta == NULL || tb == NULL || (*new_idx = minus(tb, tb_n, ta, ta_n, nnew)) == NULL ||
	    (*gone_idx = minus(ta, ta_n, tb, tb_n, ngone)) == NULL) {
		free(*new_idx);
		*new_idx = NULL;
		*nnew = 0;
		r = -ENOMEM;
	}
	free(ta);
	free(tb);
	return r;
}

/* ---- coverage ------------------------------------------------------------- */

static bool
line_hit(const struct lcov_line *l)
{
	return l->count > 0;
}

/* Lines X hits and Y does not (both sorted by line). */
static uint64_t
lines_only(const struct lcov_file *x, const struct lcov_file *y)
{
	uint64_t k = 0;
	size_t j = 0;

	for (size_t i = 0; x != NULL && i < x->nlines; i++) {
		if (!line_hit(&x->lines[i]))
			continue;
		while (y != NULL && j < y->nlines && y->lines[j].line < x->lines[i].line)
			j++;
		if (y == NULL || j == y->nlines || y->lines[j].line != x->lines[i].line ||
		    !line_hit(&y->lines[j]))
			k++;
	}
	return k;
}

static int
branch_cmp(const struct lcov_branch *a, const struct lcov_branch *b)
{
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->block != b->block)
		return a->block < b->block ? -1 : 1;
	if (a->branch != b->branch)
		return a->branch < b->branch ? -1 : 1;
	return 0;
}

/* Branches X takes and Y does not (both sorted). */
static uint64_t
branches_only(const struct lcov_file *x, const struct lcov_file *y)
{
	uint64_t k = 0;
	size_t j = 0;

	for (size_t i = 0; x != NULL && i < x->nbranches; i++) {
		if (x->branches[i].taken <= 0)
			continue;
		while (y != NULL && j < y->nbranches &&
		    branch_cmp(&y->branches[j], &x->branches[i]) < 0)
			j++;
		if (y == NULL || j == y->nbranches ||
		    branch_cmp(&y->branches[j], &x->branches[i]) != 0 || y->branches[j].taken <= 0)
			k++;
	}
	return k;
}

int
cmp_coverage(const struct lcov_data *a, const struct lcov_data *b, struct cmp_cov_file **out,
    size_t *n)
{
	struct cmp_cov_file *v = malloc((a->nfiles + b->nfiles + 1) * sizeof(*v));
	size_t i = 0, j = 0, k = 0;

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return -ENOMEM;
	while (i < a->nfiles || j < b->nfiles) {
		int c = i == a->nfiles ? 1
		    : j == b->nfiles   ? -1
				       : strcmp(a->files[i].path, b->files[j].path);
		const struct lcov_file *fa = c <= 0 ? &a->files[i++] : NULL;
		const struct lcov_file *fb = c >= 0 ? &b->files[j++] : NULL;
		struct cmp_cov_file f = {
			.path = fa != NULL ? fa->path : fb->path,
			.lines_gained = lines_only(fb, fa),
			.lines_lost = lines_only(fa, fb),
			.branches_gained = branches_only(fb, fa),
			.branches_lost = branches_only(fa, fb),
		};

		if (f.lines_gained || f.lines_lost || f.branches_gained || f.branches_lost)
			v[k++] = f;
	}
	*out = v;
	*n = k;
	return 0;
}
