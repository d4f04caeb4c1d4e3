/*
 * fuzz-tout.c -- the test-output readers (daemon/tout/: TAP 13/14, KTAP,
 * LTP, kvm-unit-tests), through their one entry, which detects the
 * format from the lines; the seed corpus holds real output of each.
 *
 * The input is a test's console lines; its first byte is the exit code
 * and whether the test timed out.  Checked on the result: the leaf counts
 * are those of the tree, every node has a name, and a format was chosen
 * only when some line was read.
 */
#include "fuzz.h"
#include "tout/test-output.h"

static void
count(const struct tout_node *n, size_t nn, int *leaves)
{
	for (size_t i = 0; i < nn; i++) {
		fuzz_check(n[i].name != NULL, "a node without a name");
		if (n[i].nchildren == 0)
			(*leaves)++;
		else
			count(n[i].children, n[i].nchildren, leaves);
	}
}

static void
fuzz_one(const uint8_t *data, size_t len)
{
	struct tout_parser *p;
	struct tout_result r;
	uint64_t lineno = 0;
	int exit_code, leaves = 0;
	bool timed_out;

	if (len == 0)
		return;
	exit_code = data[0] >> 1;
	timed_out = data[0] & 1;
	data++;
	len--;
	fuzz_check(tout_parser_new(&p) == 0, "tout_parser_new");
	while (len > 0) {
		size_t n;
		const uint8_t *f = fuzz_field(&data, &len, '\n', &n);
		char *line = fuzz_strndup(f, n);

		tout_parser_line(p, line, ++lineno);
		free(line);
	}
	tout_parser_finish(p, exit_code, timed_out, &r);
	count(r.nodes, r.nnodes, &leaves);
	fuzz_check(r.passed >= 0 && r.failed >= 0 && r.skipped >= 0, "negative counts");
	fuzz_check(r.passed + r.failed + r.skipped <= leaves, "counts past the leaves");
	fuzz_check(lineno > 0 || r.format == TOUT_NONE, "a format from no output");
	fuzz_check(tout_format_name(r.format) != NULL, "a format without a name");
	tout_result_free(&r);
}
