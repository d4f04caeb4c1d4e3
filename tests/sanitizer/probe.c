/*
 * san-probe -- makes one sanitizer report on demand, for
 * tests/integration/sanitizers.sh, which holds tests/lib.sh to its promise:
 * in a -Db_sanitize build, a report from any process a test starts, even
 * one in the background that nobody waits for, fails the test.
 *
 * Usage: san-probe leak|overflow|shift|none
 *   leak      loses a heap block (LeakSanitizer, at exit)
 *   overflow  reads one byte past a heap block (AddressSanitizer)
 *   shift     shifts an int by 40 (UndefinedBehaviorSanitizer)
 *   none      does nothing wrong, the control
 * In a build without sanitizers every mode exits 0 with nothing to say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	/* volatile: the compiler may not see through to the bad operation
	 * and fold it away. */
	volatile int shift_bits = 40;
	char *volatile p;

	if (strcmp(mode, "leak") == 0) {
		p = malloc(16);
		if (p != NULL)
			strcpy(p, "lost");
		p = NULL;
		return 0;
	}
	if (strcmp(mode, "overflow") == 0) {
		p = malloc(16);
		if (p == NULL)
			return 1;
		printf("%d\n", p[16]);
		free(p);
		return 0;
	}
	if (strcmp(mode, "shift") == 0) {
		printf("%d\n", 1 << shift_bits);
		return 0;
	}
	if (strcmp(mode, "none") == 0)
		return 0;
	fprintf(stderr, "usage: san-probe leak|overflow|shift|none\n");
	return 2;
}
