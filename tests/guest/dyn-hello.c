/*
 * dyn-hello.c -- a dynamically linked guest test (tests/e2e/tester.sh).
 *
 * Linked against glibc from the cross toolchain and against
 * libpkvmdemo.so (dyn-lib.c), found through its DT_RUNPATH /opt/pkvm/lib.
 * It runs only if the guest has the loader, libc, libpkvmdemo and the libm
 * that libpkvmdemo needs; it prints a TAP line with what it computed.
 */
#include <stdio.h>
#include <stdlib.h>

double pkvm_demo_hypot(double x, double y);

int
main(int argc, char **argv)
{
	/* From the command line when given, so no compiler folds it away. */
	double x = argc > 1 ? atof(argv[1]) : 3.0, y = argc > 2 ? atof(argv[2]) : 4.0;
	double h = pkvm_demo_hypot(x, y);

	printf("1..1\n%s 1 - hypot(%g, %g) = %g through libpkvmdemo and libm\n",
	    h == 5.0 ? "ok" : "not ok", x, y, h);
	return h == 5.0 ? 0 : 1;
}
