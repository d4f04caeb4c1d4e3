/*
 * cov-demo -- a guest test program whose coverage is known exactly.
 *
 * The end-to-end tests of coverage need a user-space program whose lines
 * and branches reached depend on its input in a way we can predict, so
 * that a job's captured numbers can be compared with fixed ones.  This is
 * it: built with `--coverage -O0` as a static arm64 binary (see
 * meson.build), run by /init with GCOV_PREFIX=/tmp/pkvm-gcov/<test>, it
 * writes its .gcda under that prefix at the absolute path of its object
 * in the build tree; the matching .gcno is build/tests/guest/cov-demo.gcno.
 *
 * It takes one integer N and branches on it: small or large (if/else), a
 * switch with a few cases, a loop that runs N times, and a function that
 * only N > 5 calls.  It prints one line and exits 0 for every N >= 0.
 *
 * Measured with lcov 1.16 (`lcov --capture --rc lcov_branch_coverage=1
 * --gcov-tool aarch64-linux-gnu-gcov`, the .gcda shipped by /init from a
 * boot of the test kernel, the stages merged with `lcov -a`), counting
 * the DA, BRDA and FNDA records of the .info (lcov 1.16 writes no LH/LF
 * totals; a branch is hit when its count is a number above 0):
 *
 *   input              lines hit/found   branches hit/found   functions
 *   cov-demo 1         15/33             6/14                 1/2
 *   cov-demo 7         21/33             8/14                 2/2
 *   both, merged       25/33             11/14                2/2
 *
 * Never reached by either: the usage error (2 lines, 1 branch), the
 * switch's case 0 and default (6 lines, 2 branches).  gcc 12, -O0.
 *
 * Whoever changes this file must measure again and update the table.
 */

#include <stdio.h>
#include <stdlib.h>

/* Reached only for N > 5, so its lines tell the inputs apart. */
static long
sum_of_squares(int n)
{
	long sum = 0;

	for (int i = 1; i <= n; i++)
		sum += (long)i * i;
	return sum;
}

int
main(int argc, char **argv)
{
	const char *kind;
	long total = 0;
	int n;

	if (argc < 2) {
		fprintf(stderr, "usage: cov-demo N\n");
		return 2;
	}
	n = atoi(argv[1]);

	if (n < 4)
		kind = "small";
	else
		kind = "large";

	switch (n) {
	case 0:
		total = 100;
		break;
	case 1:
		total = 10;
		break;
	case 7:
		total = 70;
		break;
	default:
		total = -1;
		break;
	}

	for (int i = 0; i < n; i++)
		total += i;

	if (n > 5)
		total += sum_of_squares(n);

	printf("cov-demo: n=%d %s total=%ld\n", n, kind, total);
	return 0;
}
