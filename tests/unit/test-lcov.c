/*
 * test-lcov.c -- daemon/lcov-info.c against what lcov 1.16 itself reads.
 *
 * data/lcov/demo-a.info and demo-b.info are real `lcov --capture --rc
 * lcov_branch_coverage=1` output for data/lcov/demo.c (see
 * data/lcov/README); demo-ab-lcov.info is what `lcov -a demo-a.info -a
 * demo-b.info` wrote.  The numbers checked below are the ones `lcov
 * --summary --rc lcov_branch_coverage=1` printed for those files.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "coverage/lcov-info.h"
#include "unit.h"

#define PARSE(text, d) lcov_parse((text), strlen(text), (d), NULL)

static void
check_counts_(const struct lcov_counts *c, uint64_t hit, uint64_t total, const char *what, int line)
{
	if (c->hit != hit || c->total != total) {
		printf("#   %s:%d: %s %" PRIu64 " of %" PRIu64 ", expected %" PRIu64 " of %" PRIu64
		       "\n",
		    __FILE__, line, what, c->hit, c->total, hit, total);
		unit_failed_checks++;
	}
}
#define CHECK_COUNTS(c, hit, total) check_counts_(&(c), (hit), (total), #c, __LINE__)

static bool
files_equal(const struct lcov_file *x, const struct lcov_file *y)
{
	if (strcmp(x->path, y->path) != 0 || x->nlines != y->nlines || x->nfuncs != y->nfuncs ||
	    x->nbranches != y->nbranches)
		return false;
	for (size_t i = 0; i < x->nlines; i++) {
		if (x->lines[i].line != y->lines[i].line || x->lines[i].count != y->lines[i].count)
			return false;
	}
	for (size_t i = 0; i < x->nfuncs; i++) {
		if (strcmp(x->funcs[i].name, y->funcs[i].name) != 0 ||
		    x->funcs[i].line != y->funcs[i].line || x->funcs[i].count != y->funcs[i].count)
			return false;
	}
	for (size_t i = 0; i < x->nbranches; i++) {
		const struct lcov_branch *a = &x->branches[i], *b = &y->branches[i];

		if (a->line != b->line || a->block != b->block || a->branch != b->branch ||
		    a->taken != b->taken)
			return false;
	}
	return true;
}

static bool
data_equal(const struct lcov_data *x, const struct lcov_data *y)
{
	if (x->nfiles != y->nfiles)
		return false;
	for (size_t i = 0; i < x->nfiles; i++) {
		if (!files_equal(&x->files[i], &y->files[i]))
			return false;
	}
	return true;
}

/* Every file's arrays sorted and unique, as lcov-info.h promises. */
static bool
data_sorted(const struct lcov_data *d)
{
	for (size_t i = 0; i < d->nfiles; i++) {
		const struct lcov_file *f = &d->files[i];

		if (i > 0 && strcmp(d->files[i - 1].path, f->path) >= 0)
			return false;
		for (size_t j = 1; j < f->nlines; j++) {
			if (f->lines[j - 1].line >= f->lines[j].line)
				return false;
		}
		for (size_t j = 1; j < f->nfuncs; j++) {
			if (strcmp(f->funcs[j - 1].name, f->funcs[j].name) >= 0)
				return false;
		}
		for (size_t j = 1; j < f->nbranches; j++) {
			const struct lcov_branch *a = &f->branches[j - 1], *b = &f->branches[j];

			if (a->line > b->line || (a->line == b->line && a->block > b->block) ||
			    (a->line == b->line && a->block == b->block && a->branch >= b->branch))
				return false;
		}
	}
	return true;
}

static const struct lcov_line *
find_line(const struct lcov_file *f, uint32_t line)
{
	for (size_t i = 0; i < f->nlines; i++) {
		if (f->lines[i].line == line)
			return &f->lines[i];
	}
	return NULL;
}

static const struct lcov_func *
find_func(const struct lcov_file *f, const char *name)
{
	for (size_t i = 0; i < f->nfuncs; i++) {
		if (strcmp(f->funcs[i].name, name) == 0)
			return &f->funcs[i];
	}
	return NULL;
}

static int64_t
find_taken(const struct lcov_file *f, uint32_t line, uint32_t block, uint32_t branch)
{
	for (size_t i = 0; i < f->nbranches; i++) {
		const struct lcov_branch *b = &f->branches[i];

		if (b->line == line && b->block == block && b->branch == branch)
			return b->taken;
	}
	return -2; /* no such branch */
}

static char *
read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;

	*len = 0;
	if (f == NULL)
		return NULL;
	if ((text = malloc(1 << 16)) != NULL)
		*len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	if (text != NULL)
		text[*len] = '\0';
	return text;
}

/* Write D and read it back. */
static int
write_and_parse(const struct lcov_data *d, struct lcov_data *out, char **text)
{
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	int err;

	if (f == NULL)
		return -errno;
	err = lcov_write(d, f);
	fclose(f);
	if (err < 0)
		return err;
	return lcov_parse(*text, len, out, NULL);
}

static void
test_parse_real_lcov_capture_matches_lcov_summary(void)
{
	struct lcov_data a, b;
	struct lcov_summary s;
	char *cause = NULL;

	CHECK_INT(lcov_parse_file("data/lcov/demo-a.info", &a, &cause), 0);
	CHECK_STR(cause, NULL);
	CHECK_INT(a.nfiles, 1);
	CHECK_STR(a.files[0].path, "/src/demo.c");
	CHECK(data_sorted(&a));
	/* lcov --summary: lines 17 of 29, functions 3 of 4, branches 7 of 13. */
	lcov_summary(&a, &s);
	CHECK_COUNTS(s.lines, 17, 29);
	CHECK_COUNTS(s.functions, 3, 4);
	CHECK_COUNTS(s.branches, 7, 13);
	lcov_file_summary(&a.files[0], &s);
	CHECK_COUNTS(s.lines, 17, 29);
	CHECK_INT(find_line(&a.files[0], 21)->count, 6);
	CHECK_INT(find_line(&a.files[0], 27)->count, 0);
	CHECK_INT(find_func(&a.files[0], "sum_to")->line, 17);
	CHECK_INT(find_func(&a.files[0], "sum_to")->count, 1);
	CHECK_INT(find_func(&a.files[0], "never_called")->count, 0);
	CHECK_INT(find_taken(&a.files[0], 39, 0, 2), 1);

	/* lcov --summary: lines 11 of 29, functions 2 of 4, branches 4 of 13;
	 * its "-" branches count in the total only. */
	CHECK_INT(lcov_parse_file("data/lcov/demo-b.info", &b, NULL), 0);
	lcov_summary(&b, &s);
	CHECK_COUNTS(s.lines, 11, 29);
	CHECK_COUNTS(s.functions, 2, 4);
	CHECK_COUNTS(s.branches, 4, 13);
	CHECK_INT(find_taken(&b.files[0], 11, 0, 1), -1);
	CHECK_INT(find_taken(&b.files[0], 21, 0, 0), -1);
	CHECK_INT(find_func(&b.files[0], "main")->count, 2);
	lcov_free(&a);
	lcov_free(&b);
	CHECK_INT(a.nfiles, 0);
}

static void
test_merge_equals_lcov_add(void)
{
	struct lcov_data a, b, lcov_ab;
	struct lcov_summary s;

	CHECK_INT(lcov_parse_file("data/lcov/demo-a.info", &a, NULL), 0);
	CHECK_INT(lcov_parse_file("data/lcov/demo-b.info", &b, NULL), 0);
	CHECK_INT(lcov_parse_file("data/lcov/demo-ab-lcov.info", &lcov_ab, NULL), 0);
	CHECK_INT(lcov_merge(&a, &b), 0);
	/* lcov -a a -a b: lines 21 of 29, functions 3 of 4, branches 9 of 13. */
	lcov_summary(&a, &s);
	CHECK_COUNTS(s.lines, 21, 29);
	CHECK_COUNTS(s.functions, 3, 4);
	CHECK_COUNTS(s.branches, 9, 13);
	/* Record by record what lcov wrote: '-' + 0 is 0, '-' + 1 is 1. */
	CHECK(data_equal(&a, &lcov_ab));
	CHECK(data_sorted(&a));
	CHECK_INT(find_taken(&a.files[0], 11, 0, 0), 0);
	CHECK_INT(find_taken(&a.files[0], 11, 0, 1), 1);
	CHECK_INT(find_func(&a.files[0], "main")->count, 3);
	lcov_free(&a);
	lcov_free(&b);
	lcov_free(&lcov_ab);
}

static void
test_blocks_of_one_file_are_summed_like_a_merge(void)
{
	struct lcov_data both, ab, b;
	size_t na, nb;
	char *ta = read_text("data/lcov/demo-a.info", &na);
	char *tb = read_text("data/lcov/demo-b.info", &nb);
	char *text = malloc(na + nb + 1);

	CHECK(ta != NULL && tb != NULL && text != NULL);
	if (ta == NULL || tb == NULL || text == NULL)
		goto out;
	/* Two TN sections naming the same SF, as `cat a.info b.info` gives. */
	memcpy(text, ta, na);
	memcpy(text + na, tb, nb);
	CHECK_INT(lcov_parse(text, na + nb, &both, NULL), 0);
	CHECK_INT(lcov_parse(ta, na, &ab, NULL), 0);
	CHECK_INT(lcov_parse(tb, nb, &b, NULL), 0);
	CHECK_INT(lcov_merge(&ab, &b), 0);
	CHECK(data_equal(&both, &ab));
	lcov_free(&both);
	lcov_free(&ab);
	lcov_free(&b);
out:
	free(ta);
	free(tb);
	free(text);
}

static void
test_diff_lists_lines_only_one_side_hits(void)
{
	struct lcov_data a, b, empty = { 0 };
	struct lcov_diff_file *d;
	size_t n;
	static const uint32_t b_only[] = { 10, 40, 41, 42 };
	static const uint32_t a_only[] = { 11, 13, 17, 19, 21, 22, 23, 46, 47, 48 };

	CHECK_INT(lcov_parse_file("data/lcov/demo-a.info", &a, NULL), 0);
	CHECK_INT(lcov_parse_file("data/lcov/demo-b.info", &b, NULL), 0);

	/* b (negative numbers) reaches the "negative" branch a (5) does not. */
	CHECK_INT(lcov_diff(&a, &b, &d, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(d[0].path, "/src/demo.c");
		CHECK(d[0].path == b.files[0].path);
		CHECK_INT(d[0].nlines, 4);
		CHECK(d[0].nlines == 4 && memcmp(d[0].lines, b_only, sizeof(b_only)) == 0);
	}
	lcov_diff_free(d, n);

	CHECK_INT(lcov_diff(&b, &a, &d, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_INT(d[0].nlines, 10);
		CHECK(d[0].nlines == 10 && memcmp(d[0].lines, a_only, sizeof(a_only)) == 0);
	}
	lcov_diff_free(d, n);

	/* Nothing new against itself: no files at all. */
	CHECK_INT(lcov_diff(&a, &a, &d, &n), 0);
	CHECK_INT(n, 0);
	lcov_diff_free(d, n);

	/* Against nothing, every hit line is new. */
	CHECK_INT(lcov_diff(&empty, &a, &d, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(d[0].nlines, 17);
	lcov_diff_free(d, n);
	lcov_free(&a);
	lcov_free(&b);
}

static void
test_diff_per_file_with_files_on_one_side(void)
{
	struct lcov_data a, b;
	struct lcov_diff_file *d;
	size_t n;

	CHECK_INT(PARSE("SF:/a.c\nDA:1,1\nDA:2,0\nend_of_record\n"
			"SF:/c.c\nDA:5,3\nend_of_record\n",
		      &a),
	    0);
	CHECK_INT(PARSE("SF:/a.c\nDA:1,4\nDA:2,1\nDA:3,1\nend_of_record\n"
			"SF:/b.c\nDA:7,1\nDA:8,0\nend_of_record\n"
			"SF:/c.c\nDA:5,1\nend_of_record\n",
		      &b),
	    0);
	CHECK_INT(lcov_diff(&a, &b, &d, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(d[0].path, "/a.c");
		CHECK_INT(d[0].nlines, 2);
		CHECK_INT(d[0].lines[0], 2);
		CHECK_INT(d[0].lines[1], 3);
		CHECK_STR(d[1].path, "/b.c");
		CHECK_INT(d[1].nlines, 1);
		CHECK_INT(d[1].lines[0], 7);
	}
	lcov_diff_free(d, n);
	lcov_free(&a);
	lcov_free(&b);
}

static void
test_write_round_trips_and_carries_totals(void)
{
	struct lcov_data a, b, back;
	char *text = NULL;

	CHECK_INT(lcov_parse_file("data/lcov/demo-a.info", &a, NULL), 0);
	CHECK_INT(lcov_parse_file("data/lcov/demo-b.info", &b, NULL), 0);
	CHECK_INT(lcov_merge(&a, &b), 0);
	CHECK_INT(write_and_parse(&a, &back, &text), 0);
	CHECK(data_equal(&a, &back));
	CHECK(text != NULL && strstr(text, "SF:/src/demo.c\n") != NULL);
	CHECK(text != NULL && strstr(text, "\nFNF:4\nFNH:3\n") != NULL);
	CHECK(text != NULL && strstr(text, "\nBRF:13\nBRH:9\n") != NULL);
	CHECK(text != NULL && strstr(text, "\nLF:29\nLH:21\nend_of_record\n") != NULL);
	CHECK(text != NULL && strstr(text, "FN:17,sum_to\n") != NULL);
	CHECK(text != NULL && strstr(text, "BRDA:11,0,0,0\n") != NULL);
	lcov_free(&back);
	free(text);
	text = NULL;

	/* '-' branches, FNDA without FN and several files survive too. */
	CHECK_INT(write_and_parse(&b, &back, &text), 0);
	CHECK(data_equal(&b, &back));
	CHECK(text != NULL && strstr(text, "BRDA:11,0,1,-\n") != NULL);
	lcov_free(&back);
	free(text);
	text = NULL;
	lcov_free(&b);
	CHECK_INT(PARSE("SF:/z.c\nFNDA:2,orphan\nDA:1,1\nend_of_record\n"
			"SF:/y.c\nFN:4,f\nDA:4,0\nend_of_record\n",
		      &b),
	    0);
	CHECK_INT(write_and_parse(&b, &back, &text), 0);
	CHECK(data_equal(&b, &back));
	CHECK(text != NULL && strstr(text, "FN:0") == NULL);
	CHECK(text != NULL && strstr(text, "FNDA:2,orphan\n") != NULL);
	/* No branches, no branch totals (as lcov writes it). */
	CHECK(text != NULL && strstr(text, "BRF:") == NULL);
	lcov_free(&back);
	free(text);

	/* Nothing writes nothing. */
	lcov_free(&b);
	text = NULL;
	CHECK_INT(write_and_parse(&b, &back, &text), 0);
	CHECK_STR(text, "");
	CHECK_INT(back.nfiles, 0);
	free(text);
	lcov_free(&a);
}

static void
test_malformed_inputs_name_their_line(void)
{
	static const struct {
		const char *text, *cause;
	} cases[] = {
		{ "DA:1,1\n", "line 1: DA record outside an SF block" },
		{ "TN:\nFN:3,main\n", "line 2: FN record outside an SF block" },
		{ "SF:/a\nDA:1,1\nend_of_record\nFNDA:1,f\n",
		    "line 4: FNDA record outside an SF block" },
		{ "SF:/a\nend_of_record\nBRDA:1,0,0,1\n",
		    "line 3: BRDA record outside an SF block" },
		{ "TN:\nSF:\n", "line 2: empty SF record" },
		{ "SF:\r\r\nDA:1,1\n", "line 1: empty SF record" },
		{ "SF:/a\nFN:1,\r\t\r\n", "line 2: bad FN record" },
		{ "SF:/a\nDA:x,1\n", "line 2: bad DA record" },
		{ "SF:/a\nDA:1\n", "line 2: bad DA record" },
		{ "SF:/a\nDA:1,\n", "line 2: bad DA record" },
		{ "SF:/a\nDA:1,2x\n", "line 2: bad DA record" },
		{ "SF:/a\nDA:1,2,\n", "line 2: bad DA record" },
		{ "SF:/a\nDA:-1,2\n", "line 2: bad DA record" },
		{ "SF:/a\nDA:4294967296,1\n", "line 2: bad DA record" },
		{ "SF:/a\r\nDA:1,1\r\nDA:2,one\r\n", "line 3: bad DA record" },
		{ "SF:/a\nFN:12\n", "line 2: bad FN record" },
		{ "SF:/a\nFN:12,\n", "line 2: bad FN record" },
		{ "SF:/a\nFN:main,12\n", "line 2: bad FN record" },
		/* A name that starts with a digit reads back as an end line
		 * (found by tests/fuzz/fuzz-lcov.c). */
		{ "SF:/a\nFN:21,0,0,f\n", "line 2: bad FN record" },
		{ "SF:/a\nFNDA:1\n", "line 2: bad FNDA record" },
		{ "SF:/a\nFNDA:x,main\n", "line 2: bad FNDA record" },
		{ "SF:/a\nBRDA:1,0,0\n", "line 2: bad BRDA record" },
		{ "SF:/a\nBRDA:1,0,0,x\n", "line 2: bad BRDA record" },
		{ "SF:/a\nBRDA:1,0,0,-x\n", "line 2: bad BRDA record" },
		{ "SF:/a\nBRDA:1,a,0,1\n", "line 2: bad BRDA record" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lcov_data d;
		char *cause = NULL;
		int err = lcov_parse(cases[i].text, strlen(cases[i].text), &d, &cause);

		if (err != -EINVAL || cause == NULL || strcmp(cause, cases[i].cause) != 0)
			printf("# case %zu\n", i);
		CHECK_INT(err, -EINVAL);
		CHECK_STR(cause, cases[i].cause);
		CHECK_INT(d.nfiles, 0);
		CHECK(d.files == NULL);
		free(cause);
	}
}

/* A NUL in a name would cut it short: "FN:17,\0x" was stored as a
 * function with an empty name, which lcov_write() wrote back as a record
 * that does not parse (found by tests/fuzz/fuzz-lcov.c). */
static void
test_nul_in_a_name_is_refused(void)
{
	static const char fn[] = "SF:/a\nFN:17,\0x\nDA:1,1\n";
	static const char sf[] = "SF:\0/a\nDA:1,1\n";
	struct lcov_data d;
	char *cause = NULL;

	CHECK_INT(lcov_parse(fn, sizeof(fn) - 1, &d, &cause), -EINVAL);
	CHECK_STR(cause, "line 2: bad FN record");
	free(cause);
	cause = NULL;
	CHECK_INT(lcov_parse(sf, sizeof(sf) - 1, &d, &cause), -EINVAL);
	CHECK_STR(cause, "line 1: empty SF record");
	free(cause);
}

static void
test_missing_file_is_enoent_with_its_path(void)
{
	struct lcov_data d;
	char *cause = NULL;

	CHECK_INT(lcov_parse_file("data/lcov/no-such.info", &d, &cause), -ENOENT);
	CHECK(cause != NULL && strstr(cause, "data/lcov/no-such.info") != NULL);
	CHECK_INT(d.nfiles, 0);
	free(cause);
}

static void
test_crlf_and_missing_final_newline(void)
{
	static const char text[] = "TN:\r\nSF:/src/a.c\r\nFN:1,f\r\nFNDA:2,f\r\n"
				   "BRDA:1,0,0,-\r\nDA:1,2\r\nDA:2,0,abcd\r\nend_of_record";
	struct lcov_data d;
	struct lcov_summary s;

	CHECK_INT(PARSE(text, &d), 0);
	CHECK_INT(d.nfiles, 1);
	if (d.nfiles == 1) {
		CHECK_STR(d.files[0].path, "/src/a.c");
		CHECK_INT(d.files[0].nfuncs, 1);
		CHECK_STR(d.files[0].funcs[0].name, "f");
		CHECK_INT(find_taken(&d.files[0], 1, 0, 0), -1);
	}
	lcov_summary(&d, &s);
	CHECK_COUNTS(s.lines, 1, 2);
	CHECK_COUNTS(s.functions, 1, 1);
	CHECK_COUNTS(s.branches, 0, 1);
	lcov_free(&d);

	/* No end_of_record at all: the block still counts. */
	CHECK_INT(PARSE("SF:/b.c\nDA:3,1", &d), 0);
	CHECK_INT(d.nfiles, 1);
	lcov_free(&d);
}

static void
test_empty_input_has_no_files(void)
{
	static const char *texts[] = { "", "\n", "\r\n\r\n", "TN:\n", "TN:t\nend_of_record\n" };
	struct lcov_data d;
	char *cause = NULL;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		CHECK_INT(lcov_parse(texts[i], strlen(texts[i]), &d, &cause), 0);
		CHECK_INT(d.nfiles, 0);
		CHECK_STR(cause, NULL);
		lcov_free(&d);
	}
	CHECK_INT(lcov_parse(NULL, 0, &d, NULL), 0);
	CHECK_INT(d.nfiles, 0);
}

static void
test_unknown_records_and_stated_totals_are_ignored(void)
{
	struct lcov_data d;
	struct lcov_summary s;

	/* Totals that lie are not believed: they are counted from records. */
	CHECK_INT(PARSE("VER:2\nTN:x\nSF:/a.c\nFOO:bar\nFNF:7\nFNH:7\nBRF:9\nBRH:9\n"
			"DA:1,1\nDA:2,0\nLF:99\nLH:99\nKF:zz\n# note\nend_of_record\n",
		      &d),
	    0);
	lcov_summary(&d, &s);
	CHECK_COUNTS(s.lines, 1, 2);
	CHECK_COUNTS(s.functions, 0, 0);
	CHECK_COUNTS(s.branches, 0, 0);
	lcov_free(&d);
}

static void
test_file_without_da_records_is_left_out_like_lcov(void)
{
	struct lcov_data d;

	CHECK_INT(PARSE("SF:/x.c\nFN:1,f\nFNDA:1,f\nBRDA:1,0,0,1\nend_of_record\n"
			"SF:/y.c\nDA:1,1\nend_of_record\n",
		      &d),
	    0);
	CHECK_INT(d.nfiles, 1);
	if (d.nfiles == 1)
		CHECK_STR(d.files[0].path, "/y.c");
	lcov_free(&d);
}

static void
test_records_sorted_unique_and_summed(void)
{
	struct lcov_data d;
	const struct lcov_file *f;

	CHECK_INT(PARSE("TN:t1\nSF:/z.c\nDA:9,1\nDA:3,2\nDA:9,4\nFN:5,zeta\nFNDA:1,zeta\n"
			"FN:2,alpha\nBRDA:9,1,0,1\nBRDA:3,0,1,-\nBRDA:3,0,0,2\nBRDA:9,0,0,0\n"
			"end_of_record\n"
			"TN:t2\nSF:/a.c\nDA:1,1\nend_of_record\n"
			"SF:/z.c\nDA:3,1\nFNDA:2,zeta\nFNDA:0,alpha\nBRDA:3,0,1,5\nBRDA:9,1,0,-\n"
			"end_of_record\n",
		      &d),
	    0);
	CHECK(data_sorted(&d));
	CHECK_INT(d.nfiles, 2);
	if (d.nfiles != 2)
		goto out;
	CHECK_STR(d.files[0].path, "/a.c");
	f = &d.files[1];
	CHECK_INT(f->nlines, 2);
	CHECK_INT(find_line(f, 3)->count, 3);
	CHECK_INT(find_line(f, 9)->count, 5);
	CHECK_INT(f->nfuncs, 2);
	CHECK_STR(f->funcs[0].name, "alpha");
	CHECK_INT(f->funcs[0].line, 2);
	CHECK_INT(f->funcs[0].count, 0);
	CHECK_INT(find_func(f, "zeta")->count, 3);
	CHECK_INT(find_func(f, "zeta")->line, 5);
	CHECK_INT(f->nbranches, 4);
	CHECK_INT(find_taken(f, 3, 0, 0), 2);
	CHECK_INT(find_taken(f, 3, 0, 1), 5);
	CHECK_INT(find_taken(f, 9, 0, 0), 0);
	CHECK_INT(find_taken(f, 9, 1, 0), 1);
out:
	lcov_free(&d);
}

static void
test_negative_and_huge_counts(void)
{
	struct lcov_data d, e;
	const struct lcov_file *f;
	struct lcov_summary s;

	/* Broken gcov output has negative counts: they are 0, as in lcov. */
	CHECK_INT(PARSE("SF:/a.c\nDA:1,-5\nDA:2,18446744073709551615\n"
			"DA:3,123456789012345678901234567890\nDA:4,9007199254740993\n"
			"FN:1,f\nFNDA:-3,f\nBRDA:1,0,0,-7\nBRDA:1,0,1,99999999999999999999\n"
			"end_of_record\n",
		      &d),
	    0);
	CHECK_INT(d.nfiles, 1);
	if (d.nfiles != 1)
		goto out;
	f = &d.files[0];
	CHECK(find_line(f, 1)->count == 0);
	CHECK(find_line(f, 2)->count == UINT64_MAX);
	CHECK(find_line(f, 3)->count == UINT64_MAX);
	CHECK(find_line(f, 4)->count == 9007199254740993ULL);
	CHECK_INT(find_func(f, "f")->count, 0);
	CHECK_INT(find_taken(f, 1, 0, 0), 0);
	CHECK(find_taken(f, 1, 0, 1) == INT64_MAX);
	lcov_summary(&d, &s);
	CHECK_COUNTS(s.lines, 3, 4);
	CHECK_COUNTS(s.functions, 0, 1);
	CHECK_COUNTS(s.branches, 1, 2);

	/* Sums stop at the largest count rather than wrap to 0. */
	CHECK_INT(PARSE("SF:/a.c\nDA:2,1\nDA:4,1\nBRDA:1,0,1,1\nend_of_record\n", &e), 0);
	CHECK_INT(lcov_merge(&d, &e), 0);
	CHECK(find_line(&d.files[0], 2)->count == UINT64_MAX);
	CHECK(find_line(&d.files[0], 4)->count == 9007199254740994ULL);
	CHECK(find_taken(&d.files[0], 1, 0, 1) == INT64_MAX);
	lcov_free(&e);
out:
	lcov_free(&d);
}

static void
test_merge_of_dash_branches(void)
{
	struct lcov_data a, b;
	const struct lcov_file *f;

	CHECK_INT(PARSE("SF:/a.c\nDA:1,1\nBRDA:1,0,0,-\nBRDA:1,0,1,-\nBRDA:1,0,2,0\n"
			"BRDA:1,0,3,2\nend_of_record\n",
		      &a),
	    0);
	CHECK_INT(PARSE("SF:/a.c\nDA:1,0\nBRDA:1,0,0,-\nBRDA:1,0,1,3\nBRDA:1,0,2,-\n"
			"BRDA:1,0,3,-\nBRDA:2,0,0,-\nend_of_record\n",
		      &b),
	    0);
	CHECK_INT(lcov_merge(&a, &b), 0);
	f = &a.files[0];
	CHECK_INT(f->nbranches, 5);
	CHECK_INT(find_taken(f, 1, 0, 0), -1); /* - + - */
	CHECK_INT(find_taken(f, 1, 0, 1), 3); /* - + 3 */
	CHECK_INT(find_taken(f, 1, 0, 2), 0); /* 0 + - */
	CHECK_INT(find_taken(f, 1, 0, 3), 2); /* 2 + - */
	CHECK_INT(find_taken(f, 2, 0, 0), -1); /* only in b */
	lcov_free(&a);
	lcov_free(&b);
}

static void
test_merge_unites_files_and_functions(void)
{
	struct lcov_data a, b, empty = { 0 }, copy = { 0 };

	CHECK_INT(PARSE("SF:/m.c\nFN:3,g\nFNDA:1,g\nDA:3,1\nend_of_record\n"
			"SF:/q.c\nDA:1,1\nend_of_record\n",
		      &a),
	    0);
	CHECK_INT(PARSE("SF:/b.c\nDA:1,0\nend_of_record\n"
			"SF:/m.c\nFNDA:4,h\nFN:3,g\nFNDA:2,g\nDA:3,2\nDA:7,1\nend_of_record\n"
			"SF:/z.c\nDA:2,2\nend_of_record\n",
		      &b),
	    0);
	CHECK_INT(lcov_merge(&a, &b), 0);
	CHECK(data_sorted(&a));
	CHECK_INT(a.nfiles, 4);
	if (a.nfiles == 4) {
		CHECK_STR(a.files[0].path, "/b.c");
		CHECK_STR(a.files[1].path, "/m.c");
		CHECK_STR(a.files[2].path, "/q.c");
		CHECK_STR(a.files[3].path, "/z.c");
		CHECK_INT(find_func(&a.files[1], "g")->count, 3);
		CHECK_INT(find_func(&a.files[1], "g")->line, 3);
		CHECK_INT(find_func(&a.files[1], "h")->count, 4);
		CHECK_INT(find_func(&a.files[1], "h")->line, 0);
		CHECK_INT(find_line(&a.files[1], 3)->count, 3);
		CHECK_INT(find_line(&a.files[1], 7)->count, 1);
		CHECK(a.files[0].path != b.files[0].path); /* a copy, not B's */
	}
	/* Merging nothing changes nothing; merging into nothing copies. */
	CHECK_INT(lcov_merge(&b, &empty), 0);
	CHECK_INT(lcov_merge(&copy, &b), 0);
	CHECK(data_equal(&copy, &b));
	lcov_free(&a);
	lcov_free(&b);
	lcov_free(&copy);
}

static void
test_fn_with_end_line_from_lcov2(void)
{
	struct lcov_data d;

	CHECK_INT(PARSE("SF:/a.c\nFN:3,9,main\nFNDA:1,main\nDA:3,1\nend_of_record\n", &d), 0);
	CHECK_INT(d.files[0].nfuncs, 1);
	CHECK_STR(d.files[0].funcs[0].name, "main");
	CHECK_INT(d.files[0].funcs[0].line, 3);
	lcov_free(&d);
}

/* A tracefile of NFILES files of NLINES lines each (plus two functions
 * and four branches a file), with counts that depend on SEED.  Files are
 * written in a scrambled order so the parser's sort has work to do. */
static char *
big_tracefile(size_t nfiles, size_t nlines, unsigned seed, size_t *len)
{
	size_t cap = nfiles * (nlines * 16 + 256), off = 0;
	char *text = malloc(cap);

	if (text == NULL)
		return NULL;
	for (size_t k = 0; k < nfiles; k++) {
		size_t i = (k * 7919) % nfiles; /* 7919 is prime, nfiles is not its multiple */

		off += (size_t)snprintf(text + off, cap - off,
		    "TN:\nSF:/src/linux/dir%zu/file%zu.c\nFN:1,f%zu\nFNDA:%u,f%zu\n"
		    "FN:10,g%zu\nFNDA:0,g%zu\n",
		    i % 97, i, i, (unsigned)(i + seed) % 3, i, i, i);
		for (size_t l = 1; l <= 4; l++)
			off += (size_t)snprintf(text + off, cap - off, "BRDA:%zu,0,%zu,%s\n", l,
			    l % 2,
			    (l + i + seed) % 3 == 0 ? "-"
				: (l + seed) % 2    ? "1"
						    : "0");
		for (size_t l = 1; l <= nlines; l++)
			off += (size_t)snprintf(text + off, cap - off, "DA:%zu,%zu\n", l,
			    (l + i + seed) % 4 == 0 ? (size_t)0 : l);
		off += (size_t)snprintf(text + off, cap - off, "end_of_record\n");
	}
	*len = off;
	return text;
}

/* CPU time, not wall time: a loaded machine must not fail the test. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* valgrind preloads its vgpreload_*.so into the program it runs. */
static bool
under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload != NULL && strstr(preload, "vgpreload") != NULL;
}

static void
test_large_input_parses_and_merges_fast(void)
{
	const size_t nfiles = 20000, nlines = 20;
	size_t la = 0, lb = 0;
	char *ta = big_tracefile(nfiles, nlines, 0, &la);
	char *tb = big_tracefile(nfiles, nlines, 1, &lb);
	struct lcov_data a, b;
	struct lcov_summary s;
	double t0, t1, t2;

	CHECK(ta != NULL && tb != NULL);
	if (ta == NULL || tb == NULL)
		goto out;
	t0 = now();
	CHECK_INT(lcov_parse(ta, la, &a, NULL), 0);
	CHECK_INT(lcov_parse(tb, lb, &b, NULL), 0);
	t1 = now();
	CHECK_INT(lcov_merge(&a, &b), 0);
	t2 = now();
	printf("# %zu files x %zu lines (%.1f MB each): parse both %.3f s, merge %.3f s\n", nfiles,
	    nlines, (double)la / 1e6, t1 - t0, t2 - t1);
	/* Not a speed target (bench/coverage has those): a bound that only a
	 * work per file growing with the number of files (a quadratic merge
	 * or sort, some minutes here) would break.  Under valgrind everything
	 * is some 20 times slower: no bound. */
	if (!under_valgrind())
		CHECK(t2 - t0 < 20.0);
	CHECK(data_sorted(&a));
	CHECK_INT(a.nfiles, nfiles);
	lcov_summary(&a, &s);
	CHECK_COUNTS(s.lines, nfiles * nlines, nfiles * nlines);
	CHECK_COUNTS(s.functions, nfiles, 2 * nfiles); /* every f, no g */
	CHECK_INT(s.branches.total, 4 * nfiles);
	lcov_free(&a);
	lcov_free(&b);
out:
	free(ta);
	free(tb);
}

int
main(void)
{
	RUN(test_parse_real_lcov_capture_matches_lcov_summary);
	RUN(test_merge_equals_lcov_add);
	RUN(test_nul_in_a_name_is_refused);
	RUN(test_blocks_of_one_file_are_summed_like_a_merge);
	RUN(test_diff_lists_lines_only_one_side_hits);
	RUN(test_diff_per_file_with_files_on_one_side);
	RUN(test_write_round_trips_and_carries_totals);
	RUN(test_malformed_inputs_name_their_line);
	RUN(test_missing_file_is_enoent_with_its_path);
	RUN(test_crlf_and_missing_final_newline);
	RUN(test_empty_input_has_no_files);
	RUN(test_unknown_records_and_stated_totals_are_ignored);
	RUN(test_file_without_da_records_is_left_out_like_lcov);
	RUN(test_records_sorted_unique_and_summed);
	RUN(test_negative_and_huge_counts);
	RUN(test_merge_of_dash_branches);
	RUN(test_merge_unites_files_and_functions);
	RUN(test_fn_with_end_line_from_lcov2);
	RUN(test_large_input_parses_and_merges_fast);
	return UNIT_DONE();
}
