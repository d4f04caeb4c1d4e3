/* demo.c -- a tiny program whose coverage differs with its argument; its
 * lcov 1.16 captures are the samples of tests/test-lcov.c. */
#include <stdio.h>
#include <stdlib.h>

static int
classify(int n)
{
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	return 1;
}

static int
sum_to(int n)
{
	int s = 0;

	for (int i = 1; i <= n; i++)
		s += i;
	return s;
}

static void
never_called(void)
{
	puts("unreachable");
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;

	if (n > 1000)
		never_called();
	switch (classify(n)) {
	case -1:
		printf("negative\n");
		break;
	case 0:
		printf("zero\n");
		break;
	default:
		printf("sum %d\n", sum_to(n));
		break;
	}
	return 0;
}
