/*
 * dyn-lib.c -- libpkvmdemo.so, the shared library of the dynamic-linking
 * end-to-end test (tests/e2e/tester.sh).  It needs libm, which the program
 * that links it (dyn-hello) does not: pkvmctl --sysroot finds libm only by
 * reading this library's own DT_NEEDED, so a run that gets libm proves it
 * follows them recursively.
 */
#include <math.h>

/* The hypotenuse of X and Y, through libm. */
double pkvm_demo_hypot(double x, double y);

double
pkvm_demo_hypot(double x, double y)
{
	return hypot(x, y);
}
