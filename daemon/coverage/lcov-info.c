/*
 * lcov-info.c -- LCOV tracefiles (.info) in memory: parse, merge, sum, diff.
 *
 * A tracefile is a list of records, one a line, grouped into blocks that
 * open with "SF:<source file>" and close with "end_of_record".  lcov 1.16
 * and genhtml read these records (what they do not know they skip):
 *
 *   TN:<test name>                     starts a test's section (ignored here)
 *   SF:<path>                          opens a file's block
 *   FN:<line>,<name>                   a function starts at a line
 *   FNDA:<count>,<name>                how often it was called
 *   BRDA:<line>,<block>,<branch>,<taken or ->   one branch of a condition
 *   DA:<line>,<count>[,<checksum>]     how often a line ran
 *   FNF/FNH, BRF/BRH, LF/LH            totals (ignored: counted here)
 *   end_of_record                      closes the block
 *
 * One file may have several blocks (one per test, or several captures
 * concatenated); its records are summed, as lcov does.  Negative counts
 * (broken gcov output) count as 0; counts past 2^64 - 1 stay at the
 * largest value.  A file without any DA record is left out, as lcov and
 * genhtml leave it out, so the totals here are the ones they print.
 *
 * Parsing is one pass that appends every record to its block unsorted.
 * Then the blocks are sorted by path, the blocks of one path are joined
 * and each file's arrays are sorted and their duplicates summed, so a
 * kernel's tens of thousands of files cost O(n log n), never a lookup per
 * record.  Merging two parsed tracefiles is a linear walk of the sorted
 * arrays.  Functions are kept sorted by name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage/lcov-info.h"

/* One SF block while parsing: a file and the room in its arrays. */
struct block {
	struct lcov_file f;
	size_t cap_lines, cap_funcs, cap_branches;
	size_t seq; /* order in the input, to keep sorting stable */
};

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Sum two "taken" values: "-" (the block never ran) is no number at all. */
static int64_t
taken_add(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Grow *ARRAY of *CAP elements of SIZE bytes to hold N + 1. */
static int
grow(void **array, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if ((p = reallocarray(*array, ncap, size)) == NULL)
		return -ENOMEM;
	*array = p;
	*cap = ncap;
	return 0;
}

static void
file_free(struct lcov_file *f)
{
	free(f->path);
	free(f->lines);
	for (size_t i = 0; i < f->nfuncs; i++)
		free(f->funcs[i].name);
	free(f->funcs);
	free(f->branches);
	memset(f, 0, sizeof(*f));
}

/* --- Parsing ------------------------------------------------------------- */

/* A line number or a branch's block or number: digits, 0 to 2^32 - 1. */
static int
parse_u32(const char **p, const char *end, uint32_t *v)
{
	const char *c = *p;
	uint64_t n = 0;

	if (c == end || *c < '0' || *c > '9')
		return -EINVAL;
	for (; c < end && *c >= '0' && *c <= '9'; c++) {
		n = n * 10 + (uint64_t)(*c - '0');
		if (n > UINT32_MAX)
			return -EINVAL;
	}
	*v = (uint32_t)n;
	*p = c;
	return 0;
}

/* A count: digits with an optional '-' (a negative count is 0); too large
 * a count is the largest there is. */
static int
parse_count(const char **p, const char *end, uint64_t *v)
{
	const char *c = *p;
	bool negative = false;
	uint64_t n = 0;

	if (c < end && *c == '-') {
		negative = true;
		c++;
	}
	if (c == end || *c < '0' || *c > '9')
		return -EINVAL;
	for (; c < end && *c >= '0' && *c <= '9'; c++) {
		unsigned d = (unsigned)(*c - '0');

		n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
	}
	*v = negative ? 0 : n;
	*p = c;
	return 0;
}

static int
expect(const char **p, const char *end, char ch)
{
	if (*p == end || **p != ch)
		return -EINVAL;
	(*p)++;
	return 0;
}

/* Only blanks may follow the last field. */
static int
expect_end(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p != ' ' && *p != '\t')
			return -EINVAL;
	}
	return 0;
}

static int
parse_da(struct block *b, const char *p, const char *end)
{
	struct lcov_line l;

	if (parse_u32(&p, end, &l.line) < 0 || expect(&p, end, ',') < 0 ||
	    parse_count(&p, end, &l.count) < 0)
		return -EINVAL;
	/* A checksum of the line's text may follow; it is not kept. */
	if (p < end && *p == ',') {
		if (++p == end)
			return -EINVAL;
	} else if (expect_end(p, end) < 0) {
		return -EINVAL;
	}
	if (grow((void **)&b->f.lines, &b->cap_lines, b->f.nlines, sizeof(l)) < 0)
		return -ENOMEM;
	b->f.lines[b->f.nlines++] = l;
	return 0;
}

/* FN:<line>,<name> or FNDA:<count>,<name>: add a function, or its count. */
static int
parse_fn(struct block *b, const char *p, const char *end, bool is_fnda)
{
	struct lcov_func fn = { 0 };
	uint32_t endline;

	if (is_fnda) {
		if (parse_count(&p, end, &fn.count) < 0)
			return -EINVAL;
	} else if (parse_u32(&p, end, &fn.line) < 0) {
		return -EINVAL;
	}
	if (expect(&p, end, ',') < 0)
		return -EINVAL;
	/* lcov 2 writes FN:<line>,<end line>,<name>; no C name starts with a
	 * digit, so a number here is that end line. */
	if (!is_fnda && p < end && *p >= '0' && *p <= '9') {
		if (parse_u32(&p, end, &endline) < 0 || expect(&p, end, ',') < 0)
			return -EINVAL;
		/* For the same reason a name after it may not start with a
		 * digit: written back as FN:<line>,<name> it would be read as
		 * an end line. */
		if (p < end && *p >= '0' && *p <= '9')
			return -EINVAL;
	}
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (p == end)
		return -EINVAL;
	if (grow((void **)&b->f.funcs, &b->cap_funcs, b->f.nfuncs, sizeof(fn)) < 0 ||
	    (fn.name = strndup(p, (size_t)(end - p))) == NULL)
		return -ENOMEM;
	b->f.funcs[b->f.nfuncs++] = fn;
	return 0;
}

static int
parse_brda(struct block *b, const char *p, const char *end)
{
	struct lcov_branch br;
	uint64_t taken;

	if (parse_u32(&p, end, &br.line) < 0 || expect(&p, end, ',') < 0 ||
	    parse_u32(&p, end, &br.block) < 0 || expect(&p, end, ',') < 0 ||
	    parse_u32(&p, end, &br.branch) < 0 || expect(&p, end, ',') < 0)
		return -EINVAL;
	if (p < end && *p == '-' && (p + 1 == end || p[1] < '0' || p[1] > '9')) {
		br.taken = -1;
		p++;
	} else if (parse_count(&p, end, &taken) < 0) {
		return -EINVAL;
	} else {
		br.taken = taken > INT64_MAX ? INT64_MAX : (int64_t)taken;
	}
	if (expect_end(p, end) < 0)
		return -EINVAL;
	if (grow((void **)&b->f.branches, &b->cap_branches, b->f.nbranches, sizeof(br)) < 0)
		return -ENOMEM;
	b->f.branches[b->f.nbranches++] = br;
	return 0;
}

static int
cmp_line(const void *a, const void *b)
{
	const struct lcov_line *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

static int
cmp_func(const void *a, const void *b)
{
	const struct lcov_func *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int
cmp_branch(const struct lcov_branch *x, const struct lcov_branch *y)
{
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	if (x->branch != y->branch)
		return x->branch < y->branch ? -1 : 1;
	return 0;
}

static int
cmp_branch_q(const void *a, const void *b)
{
	return cmp_branch(a, b);
}

static int
cmp_block(const void *a, const void *b)
{
	const struct block *x = a, *y = b;
	int c = strcmp(x->f.path, y->f.path);

	if (c != 0)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* A function reported at two lines keeps the lower one (0 is "no FN
 * record"), so the result does not depend on the order of the input. */
static uint32_t
func_line(uint32_t a, uint32_t b)
{
	if (a == 0 || (b != 0 && b < a))
		return b;
	return a;
}

/* Sort F's arrays and sum the records that name the same thing. */
static void
file_normalize(struct lcov_file *f)
{
	size_t i, n;

	/* qsort's array may not be NULL even for no elements (glibc declares
	 * it nonnull), and a file with no records of a kind has none. */
	if (f->nlines > 1)
		qsort(f->lines, f->nlines, sizeof(*f->lines), cmp_line);
	for (i = 0, n = 0; i < f->nlines; i++) {
		if (n > 0 && f->lines[n - 1].line == f->lines[i].line)
			f->lines[n - 1].count = add_sat(f->lines[n - 1].count, f->lines[i].count);
		else
			f->lines[n++] = f->lines[i];
	}
	f->nlines = n;

	if (f->nfuncs > 1)
		qsort(f->funcs, f->nfuncs, sizeof(*f->funcs), cmp_func);
	for (i = 0, n = 0; i < f->nfuncs; i++) {
		struct lcov_func *last = n > 0 ? &f->funcs[n - 1] : NULL;

		if (last != NULL && strcmp(last->name, f->funcs[i].name) == 0) {
			last->count = add_sat(last->count, f->funcs[i].count);
			last->line = func_line(last->line, f->funcs[i].line);
			free(f->funcs[i].name);
		} else {
			f->funcs[n++] = f->funcs[i];
		}
	}
	f->nfuncs = n;

	if (f->nbranches > 1)
		qsort(f->branches, f->nbranches, sizeof(*f->branches), cmp_branch_q);
	for (i = 0, n = 0; i < f->nbranches; i++) {
		struct lcov_branch *last = n > 0 ? &f->branches[n - 1] : NULL;

		if (last != NULL && cmp_branch(last, &f->branches[i]) == 0)
			last->taken = taken_add(last->taken, f->branches[i].taken);
		else
			f->branches[n++] = f->branches[i];
	}
	f->nbranches = n;
}

/* Append SRC's records to DST's arrays (SRC's function names move). */
static int
block_join(struct block *dst, struct block *src)
{
	struct lcov_file *d = &dst->f, *s = &src->f;
	void *p;

	if (s->nlines > 0) {
		if ((p = reallocarray(d->lines, d->nlines + s->nlines, sizeof(*d->lines))) == NULL)
			return -ENOMEM;
		d->lines = p;
		memcpy(d->lines + d->nlines, s->lines, s->nlines * sizeof(*s->lines));
		d->nlines += s->nlines;
		dst->cap_lines = d->nlines;
	}
	if (s->nfuncs > 0) {
		if ((p = reallocarray(d->funcs, d->nfuncs + s->nfuncs, sizeof(*d->funcs))) == NULL)
			return -ENOMEM;
		d->funcs = p;
		memcpy(d->funcs + d->nfuncs, s->funcs, s->nfuncs * sizeof(*s->funcs));
		d->nfuncs += s->nfuncs;
		dst->cap_funcs = d->nfuncs;
		s->nfuncs = 0; /* the names are DST's now */
	}
	if (s->nbranches > 0) {
		p = reallocarray(d->branches, d->nbranches + s->nbranches, sizeof(*d->branches));
		if (p == NULL)
			return -ENOMEM;
		d->branches = p;
		memcpy(d->branches + d->nbranches, s->branches,
		    s->nbranches * sizeof(*s->branches));
		d->nbranches += s->nbranches;
		dst->cap_branches = d->nbranches;
	}
	return 0;
}

/* Turn the blocks into OUT's files: by path, joined, normalized, files
 * without lines left out.  The blocks are consumed either way. */
static int
blocks_to_data(struct block *blocks, size_t nblocks, struct lcov_data *out)
{
	size_t i, j;
	int err = 0;

	/* An empty tracefile has no blocks at all (BLOCKS is NULL, which
	 * qsort() may not be given). */
	if (nblocks > 1)
		qsort(blocks, nblocks, sizeof(*blocks), cmp_block);
	if (nblocks > 0 && (out->files = calloc(nblocks, sizeof(*out->files))) == NULL)
		err = -ENOMEM;
	for (i = 0; i < nblocks; i = j) {
		for (j = i + 1; j < nblocks && strcmp(blocks[i].f.path, blocks[j].f.path) == 0;
		     j++) {
			if (err == 0)
				err = block_join(&blocks[i], &blocks[j]);
			file_free(&blocks[j].f);
		}
		if (err < 0 || blocks[i].f.nlines == 0) {
			file_free(&blocks[i].f);
			continue;
		}
		file_normalize(&blocks[i].f);
		out->files[out->nfiles++] = blocks[i].f;
	}
	return err;
}

static int
fail_at(char **cause, int err, size_t lineno, const char *what)
{
	if (cause == NULL)
		return err;
	if (err == -ENOMEM)
		*cause = NULL;
	else if (asprintf(cause, "line %zu: %s", lineno, what) < 0)
		*cause = NULL;
	return err;
}

/* The records parsed by kind, with their names as the causes say them. */
enum rec { REC_OTHER, REC_TN, REC_SF, REC_END, REC_FN, REC_FNDA, REC_BRDA, REC_DA };

static const struct {
	const char *prefix;
	enum rec rec;
	const char *bad; /* the cause for a malformed record */
} records[] = {
	{ .prefix = "TN:", .rec = REC_TN },
	{ .prefix = "SF:", .rec = REC_SF, .bad = "empty SF record" },
	{ .prefix = "FN:", .rec = REC_FN, .bad = "bad FN record" },
	{ .prefix = "FNDA:", .rec = REC_FNDA, .bad = "bad FNDA record" },
	{ .prefix = "BRDA:", .rec = REC_BRDA, .bad = "bad BRDA record" },
	{ .prefix = "DA:", .rec = REC_DA, .bad = "bad DA record" },
	{ .prefix = "end_of_record", .rec = REC_END },
};

int
lcov_parse(const char *text, size_t len, struct lcov_data *out, char **cause)
{
	const char *p = text, *end = text + len;
	struct block *blocks = NULL, *cur = NULL;
	size_t nblocks = 0, cap = 0, lineno = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (cause != NULL)
		*cause = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *arg = NULL;
		size_t i, plen;

		lineno++;
		/* Every '\r' before the newline: a record that kept one
		 * would be written back as a line that reads differently. */
		while (eol > p && eol[-1] == '\r')
			eol--;
		for (i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
			plen = strlen(records[i].prefix);
			if ((size_t)(eol - p) >= plen && memcmp(p, records[i].prefix, plen) == 0) {
				arg = p + plen;
				break;
			}
		}
		if (arg == NULL || records[i].rec == REC_TN) {
			/* Unknown records and totals are skipped. */
		} else if (memchr(arg, '\0', (size_t)(eol - arg)) != NULL) {
			/* A path or function name is C text: one cut short at
			 * a NUL would be stored as another (an empty) name. */
			err = fail_at(cause, -EINVAL, lineno, records[i].bad);
			goto fail;
		} else if (records[i].rec == REC_SF) {
			if (arg == eol) {
				err = fail_at(cause, -EINVAL, lineno, records[i].bad);
				goto fail;
			}
			if (grow((void **)&blocks, &cap, nblocks, sizeof(*blocks)) < 0) {
				err = -ENOMEM;
				goto fail;
			}
			cur = &blocks[nblocks];
			memset(cur, 0, sizeof(*cur));
			cur->seq = nblocks;
			if ((cur->f.path = strndup(arg, (size_t)(eol - arg))) == NULL) {
				err = -ENOMEM;
				goto fail;
			}
			nblocks++;
		} else if (records[i].rec == REC_END) {
			cur = NULL;
		} else if (cur == NULL) {
			char what[64];

			snprintf(what, sizeof(what), "%.*s record outside an SF block",
			    (int)strlen(records[i].prefix) - 1, records[i].prefix);
			err = fail_at(cause, -EINVAL, lineno, what);
			goto fail;
		} else {
			switch (records[i].rec) {
			case REC_FN:
				err = parse_fn(cur, arg, eol, false);
				break;
			case REC_FNDA:
				err = parse_fn(cur, arg, eol, true);
				break;
			case REC_BRDA:
				err = parse_brda(cur, arg, eol);
				break;
			default:
				err = parse_da(cur, arg, eol);
				break;
			}
			if (err < 0) {
				err = fail_at(cause, err, lineno, records[i].bad);
				goto fail;
			}
		}
		p = nl ? nl + 1 : end;
	}
	err = blocks_to_data(blocks, nblocks, out);
	free(blocks);
	if (err < 0)
		lcov_free(out);
	return err;

fail:
	for (size_t i = 0; i < nblocks; i++)
		file_free(&blocks[i].f);
	free(blocks);
	return err;
}

int
lcov_parse_file(const char *path, struct lcov_data *out, char **cause)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int err;

	memset(out, 0, sizeof(*out));
	if (cause != NULL)
		*cause = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		err = -errno;
		if (cause != NULL && asprintf(cause, "%s: %s", path, strerror(-err)) < 0)
			*cause = NULL;
		return err;
	}
	for (;;) {
		if (cap - len < 65536) {
			char *p = realloc(text, cap ? cap * 2 : 1 << 20);

			if (p == NULL) {
				err = -ENOMEM;
				goto fail;
			}
			text = p;
			cap = cap ? cap * 2 : 1 << 20;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		if (cause != NULL && asprintf(cause, "%s: read error", path) < 0)
			*cause = NULL;
		goto fail;
	}
	fclose(f);
	err = lcov_parse(text, len, out, cause);
	free(text);
	return err;

fail:
	fclose(f);
	free(text);
	return err;
}

/* --- Merging ------------------------------------------------------------- */

/* Free the names of the NOUT functions OUT that are not DST's. */
static void
free_new_names(struct lcov_func *out, size_t nout, const struct lcov_file *dst)
{
	size_t j = 0;

	for (size_t k = 0; k < nout; k++) {
		if (j < dst->nfuncs && out[k].name == dst->funcs[j].name)
			j++;
		else
			free(out[k].name);
	}
}

/* Add SRC's records into DST (both normalized); DST is unchanged on
 * failure. */
static int
file_merge(struct lcov_file *dst, const struct lcov_file *src)
{
	struct lcov_line *lines = NULL;
	struct lcov_func *funcs = NULL;
	struct lcov_branch *branches = NULL;
	size_t i, j, k, nlines, nfuncs = 0;

	lines = calloc(dst->nlines + src->nlines + 1, sizeof(*lines));
	funcs = calloc(dst->nfuncs + src->nfuncs + 1, sizeof(*funcs));
	branches = calloc(dst->nbranches + src->nbranches + 1, sizeof(*branches));
	if (lines == NULL || funcs == NULL || branches == NULL)
		goto fail;

	for (i = j = k = 0; i < dst->nlines || j < src->nlines; k++) {
		if (j == src->nlines ||
		    (i < dst->nlines && dst->lines[i].line < src->lines[j].line))
			lines[k] = dst->lines[i++];
		else if (i == dst->nlines || src->lines[j].line < dst->lines[i].line)
			lines[k] = src->lines[j++];
		else {
			lines[k] = dst->lines[i++];
			lines[k].count = add_sat(lines[k].count, src->lines[j++].count);
		}
	}
	nlines = k;

	for (i = j = 0; i < dst->nfuncs || j < src->nfuncs; nfuncs++) {
		int c = i == dst->nfuncs ? 1
		    : j == src->nfuncs   ? -1
					 : strcmp(dst->funcs[i].name, src->funcs[j].name);

		if (c < 0) {
			funcs[nfuncs] = dst->funcs[i++];
			continue;
		}
		if (c > 0) {
			funcs[nfuncs] = src->funcs[j++];
			if ((funcs[nfuncs].name = strdup(src->funcs[j - 1].name)) == NULL) {
				free_new_names(funcs, nfuncs, dst);
				goto fail;
			}
			continue;
		}
		funcs[nfuncs] = dst->funcs[i++];
		funcs[nfuncs].count = add_sat(funcs[nfuncs].count, src->funcs[j].count);
		funcs[nfuncs].line = func_line(funcs[nfuncs].line, src->funcs[j++].line);
	}

	for (i = j = k = 0; i < dst->nbranches || j < src->nbranches; k++) {
		int c = i == dst->nbranches ? 1
		    : j == src->nbranches   ? -1
					    : cmp_branch(&dst->branches[i], &src->branches[j]);

		if (c < 0)
			branches[k] = dst->branches[i++];
		else if (c > 0)
			branches[k] = src->branches[j++];
		else {
			branches[k] = dst->branches[i++];
			branches[k].taken = taken_add(branches[k].taken, src->branches[j++].taken);
		}
	}

	free(dst->lines);
	free(dst->funcs);
	free(dst->branches);
	dst->lines = lines;
	dst->nlines = nlines;
	dst->funcs = funcs;
	dst->nfuncs = nfuncs;
	dst->branches = branches;
	dst->nbranches = k;
	return 0;

fail:
	free(lines);
	free(funcs);
	free(branches);
	return -ENOMEM;
}

static int
file_copy(struct lcov_file *dst, const struct lcov_file *src)
{
	memset(dst, 0, sizeof(*dst));
	if ((dst->path = strdup(src->path)) == NULL)
		return -ENOMEM;
	return file_merge(dst, src) < 0 ? (file_free(dst), -ENOMEM) : 0;
}

int
lcov_merge(struct lcov_data *into, const struct lcov_data *from)
{
	struct lcov_file *files;
	size_t i = 0, j = 0, k = 0;
	int err = 0;

	if (from->nfiles == 0)
		return 0;
	if ((files = calloc(into->nfiles + from->nfiles, sizeof(*files))) == NULL)
		return -ENOMEM;
	/* After a failure the walk goes on without adding anything, so INTO
	 * keeps every file it had. */
	while (i < into->nfiles || j < from->nfiles) {
		int c = i == into->nfiles ? 1
		    : j == from->nfiles   ? -1
					  : strcmp(into->files[i].path, from->files[j].path);

		if (c <= 0) {
			files[k] = into->files[i++];
			if (c == 0 && err == 0)
				err = file_merge(&files[k], &from->files[j]);
			j += c == 0;
			k++;
		} else if (err == 0 && (err = file_copy(&files[k], &from->files[j])) == 0) {
			k++;
			j++;
		} else {
			j++;
		}
	}
	free(into->files);
	into->files = files;
	into->nfiles = k;
	return err;
}

/* --- Totals, writing, diff ----------------------------------------------- */

void
lcov_file_summary(const struct lcov_file *f, struct lcov_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->lines.total = f->nlines;
	for (size_t i = 0; i < f->nlines; i++)
		s->lines.hit += f->lines[i].count > 0;
	s->functions.total = f->nfuncs;
	for (size_t i = 0; i < f->nfuncs; i++)
		s->functions.hit += f->funcs[i].count > 0;
	s->branches.total = f->nbranches;
	for (size_t i = 0; i < f->nbranches; i++)
		s->branches.hit += f->branches[i].taken > 0;
}

void
lcov_summary(const struct lcov_data *d, struct lcov_summary *s)
{
	struct lcov_summary fs;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < d->nfiles; i++) {
		lcov_file_summary(&d->files[i], &fs);
		s->lines.hit += fs.lines.hit;
		s->lines.total += fs.lines.total;
		s->functions.hit += fs.functions.hit;
		s->functions.total += fs.functions.total;
		s->branches.hit += fs.branches.hit;
		s->branches.total += fs.branches.total;
	}
}

static int
write_file(const struct lcov_file *f, FILE *out)
{
	struct lcov_summary s;

	lcov_file_summary(f, &s);
	if (fprintf(out, "TN:\nSF:%s\n", f->path) < 0)
		return -EIO;
	/* A function known only from FNDA records has no FN line. */
	for (size_t i = 0; i < f->nfuncs; i++) {
		if (f->funcs[i].line != 0 &&
		    fprintf(out, "FN:%" PRIu32 ",%s\n", f->funcs[i].line, f->funcs[i].name) < 0)
			return -EIO;
	}
	for (size_t i = 0; i < f->nfuncs; i++) {
		if (fprintf(out, "FNDA:%" PRIu64 ",%s\n", f->funcs[i].count, f->funcs[i].name) < 0)
			return -EIO;
	}
	if (fprintf(out, "FNF:%" PRIu64 "\nFNH:%" PRIu64 "\n", s.functions.total, s.functions.hit) <
	    0)
		return -EIO;
	for (size_t i = 0; i < f->nbranches; i++) {
		const struct lcov_branch *b = &f->branches[i];
		int r;

		if (b->taken < 0)
			r = fprintf(out, "BRDA:%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",-\n", b->line,
			    b->block, b->branch);
		else
			r = fprintf(out, "BRDA:%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRId64 "\n",
			    b->line, b->block, b->branch, b->taken);
		if (r < 0)
			return -EIO;
	}
	/* lcov writes branch totals only where there are branches. */
	if (f->nbranches > 0 &&
	    fprintf(out, "BRF:%" PRIu64 "\nBRH:%" PRIu64 "\n", s.branches.total, s.branches.hit) <
		0)
		return -EIO;
	for (size_t i = 0; i < f->nlines; i++) {
		if (fprintf(out, "DA:%" PRIu32 ",%" PRIu64 "\n", f->lines[i].line,
			f->lines[i].count) < 0)
			return -EIO;
	}
	if (fprintf(out, "LF:%" PRIu64 "\nLH:%" PRIu64 "\nend_of_record\n", s.lines.total,
		s.lines.hit) < 0)
		return -EIO;
	return 0;
}

int
lcov_write(const struct lcov_data *d, FILE *f)
{
	int err;

	for (size_t i = 0; i < d->nfiles; i++) {
		if ((err = write_file(&d->files[i], f)) < 0)
			return err;
	}
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	return 0;
}

int
lcov_diff(const struct lcov_data *a, const struct lcov_data *b, struct lcov_diff_file **out,
    size_t *n)
{
	struct lcov_diff_file *d = NULL;
	size_t i = 0, nd = 0;

	*out = NULL;
	*n = 0;
	if (b->nfiles > 0 && (d = calloc(b->nfiles, sizeof(*d))) == NULL)
		return -ENOMEM;
	for (size_t j = 0; j < b->nfiles; j++) {
		const struct lcov_file *fb = &b->files[j], *fa = NULL;
		size_t ia = 0, nl = 0;
		uint32_t *lines;

		while (i < a->nfiles && strcmp(a->files[i].path, fb->path) < 0)
			i++;
		if (i < a->nfiles && strcmp(a->files[i].path, fb->path) == 0)
			fa = &a->files[i];
		if ((lines = calloc(fb->nlines + 1, sizeof(*lines))) == NULL) {
			lcov_diff_free(d, nd);
			return -ENOMEM;
		}
		for (size_t k = 0; k < fb->nlines; k++) {
			const struct lcov_line *l = &fb->lines[k];

			if (l->count == 0)
				continue;
			while (fa != NULL && ia < fa->nlines && fa->lines[ia].line < l->line)
				ia++;
			if (fa != NULL && ia < fa->nlines && fa->lines[ia].line == l->line &&
			    fa->lines[ia].count > 0)
				continue;
			lines[nl++] = l->line;
		}
		if (nl == 0) {
			free(lines);
			continue;
		}
		d[nd].path = fb->path;
		d[nd].lines = lines;
		d[nd].nlines = nl;
		nd++;
	}
	if (nd == 0) {
		free(d);
		d = NULL;
	}
	*out = d;
	*n = nd;
	return 0;
}

void
lcov_diff_free(struct lcov_diff_file *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].lines);
	free(d);
}

void
lcov_free(struct lcov_data *d)
{
	for (size_t i = 0; i < d->nfiles; i++)
		file_free(&d->files[i]);
	free(d->files);
	memset(d, 0, sizeof(*d));
}
