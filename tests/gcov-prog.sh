# gcov-prog.sh -- a native program built with --coverage whose paths the
# coverage tests control, and its .gcda packed as the guest packs them;
# sourced after lib.sh by tests/integration/coverage.sh and compare.sh.
#
# gcov_prog builds $T/src/prog: input 1 takes the "small" branch, input 7
# the "big" one and the loop (4 of its 10 lines and 2 of its 6 branches,
# against 9 and 4).  gcov_archive NAME INPUT runs it on INPUT and packs its
# .gcda as $T/NAME (the object's absolute path, without the leading '/').

gcov_prog() {
	mkdir -p "$T/src"
	cat >"$T/src/prog.c" <<'C'
#include <stdlib.h>

static int
big(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += i;
	return s;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;

	if (n > 5)
		return big(n) > 0 ? 0 : 1;
	return 0;
}
C
	(cd "$T/src" && gcc --coverage -O0 -o prog prog.c)
}

gcov_archive() {
	rm -f "$T/src/prog.gcda"
	"$T/src/prog" "$2"
	tar -czf "$T/$1" -C / "${T#/}/src/prog.gcda"
}
