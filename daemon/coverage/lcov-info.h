/*
 * lcov-info.h -- LCOV tracefiles (.info) in memory: parse, merge, sum, diff.
 *
 * pkvmd stores coverage numbers per job and per source file, merges the
 * coverage of many jobs (all jobs of a tag, of a commit) and shows what one
 * job reaches that another does not.  Merging must work line by line (a
 * union of hits), so it needs the records themselves, not totals; this
 * module holds them.  It reads what lcov 1.16 writes (TN, SF, FN, FNDA,
 * FNF/FNH, DA, BRDA, BRF/BRH, LF/LH, end_of_record) and ignores what it does
 * not know; totals are always counted from the records, since lcov 1.16
 * leaves LF/LH out.  Pure: no I/O but the *_file helpers.
 */
#ifndef PKVM_LCOV_INFO_H
#define PKVM_LCOV_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lcov_line {
	uint32_t line;
	uint64_t count;
};

struct lcov_func {
	char *name;
	uint32_t line;
	uint64_t count;
};

struct lcov_branch {
	uint32_t line;
	uint32_t block;
	uint32_t branch;
	int64_t taken; /* -1 for "-": the block never ran */
};

struct lcov_file {
	char *path; /* SF: */
	struct lcov_line *lines; /* sorted by line, unique */
	size_t nlines;
	struct lcov_func *funcs; /* unique by name */
	size_t nfuncs;
	struct lcov_branch *branches; /* sorted by (line, block, branch), unique */
	size_t nbranches;
};

struct lcov_data {
	struct lcov_file *files; /* sorted by path, unique */
	size_t nfiles;
};

struct lcov_counts {
	uint64_t hit, total;
};

struct lcov_summary {
	struct lcov_counts lines, functions, branches;
};

/* Parse LEN bytes of tracefile TEXT into *OUT (zeroed first).  Records of
 * the same file are merged.  0, or -EINVAL with *CAUSE ("line 12: bad DA
 * record") for malformed input, -ENOMEM. */
int lcov_parse(const char *text, size_t len, struct lcov_data *out, char **cause);
/* Parse the tracefile at PATH. */
int lcov_parse_file(const char *path, struct lcov_data *out, char **cause);
/* Add FROM's counts into INTO (files, lines, functions, branches united;
 * counts summed).  0 or -ENOMEM. */
int lcov_merge(struct lcov_data *into, const struct lcov_data *from);
/* Totals of one file / of everything. */
void lcov_file_summary(const struct lcov_file *f, struct lcov_summary *s);
void lcov_summary(const struct lcov_data *d, struct lcov_summary *s);
/* Write D as a tracefile lcov and genhtml read (with FNF/FNH, BRF/BRH,
 * LF/LH totals).  0 or negative errno. */
int lcov_write(const struct lcov_data *d, FILE *f);

/* Lines hit in B but not in A, for one file. */
struct lcov_diff_file {
	const char *path; /* borrowed from B */
	uint32_t *lines;
	size_t nlines;
};
/* Per file of B, the lines B hits and A does not (files with none are
 * left out).  0 or -ENOMEM; free with lcov_diff_free(). */
int lcov_diff(const struct lcov_data *a, const struct lcov_data *b, struct lcov_diff_file **out,
    size_t *n);
void lcov_diff_free(struct lcov_diff_file *d, size_t n);
/* Free what D holds (D itself is the caller's). */
void lcov_free(struct lcov_data *d);

#endif
