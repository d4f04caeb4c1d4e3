/*
 * kut.c -- kvm-unit-tests' report lines and its SUMMARY line.
 *
 * kvm-unit-tests.  "PASS: name" -> pass, "FAIL: name" -> fail, "SKIP:
 * name" -> skip, "XFAIL: name" -> pass with message "expected failure",
 * "XPASS: name" -> fail with message "unexpected pass", "ABORT: why" ->
 * error, "KFAIL: name" -> pass with message "known failure" (report_kfail():
 * a failure the test expects, which does not fail it); the name is the
 * text after the colon.  "SUMMARY: N tests, M
 * unexpected failures, F known failures, K expected failures, S skipped"
 * is checked like
 * LTP's summary (counts since the previous SUMMARY line).
 */
#include <stdlib.h>
#include <string.h>

#include "tout/private.h"
#include "tout/test-output.h"

static void
kut_summary(struct tout_parser *p, const char *s)
{
	/* "N tests, M unexpected failures, K expected failures, S skipped" */
	long long want[KUT_NKINDS] = { -1, -1, -1, -1, -1, -1 }, total = -1, n;
	long long seen_total = 0, seen_failures, seen;
	struct sbuf b = { 0 };

	while (*s != '\0') {
		s = tout_skip_ws(s);
		if (*s == '\0')
			break;
		if (!tout_parse_num(&s, &n)) {
			s++;
			continue;
		}
		s = tout_skip_ws(s);
		if (tout_has_prefix(s, "tests"))
			total = n;
		else if (tout_has_prefix(s, "unexpected failures"))
			want[KUT_FAIL] = n;
		else if (tout_has_prefix(s, "expected failures"))
			want[KUT_XFAIL] = n;
		else if (tout_has_prefix(s, "known failures"))
			want[KUT_KFAIL] = n;
		else if (tout_has_prefix(s, "skipped"))
			want[KUT_SKIP] = n;
	}
	for (int k = 0; k < KUT_NKINDS; k++)
		seen_total += p->kut_seen[k];
	seen_failures = p->kut_seen[KUT_FAIL] + p->kut_seen[KUT_XPASS];
	if (total >= 0 && total != seen_total)
		tout_sbuf_add(&b, "SUMMARY says %lld tests, saw %lld", total, seen_total);
	if (want[KUT_FAIL] >= 0 && want[KUT_FAIL] != seen_failures) {
		tout_sbuf_part(&b);
		tout_sbuf_add(&b, "SUMMARY says %lld unexpected failures, saw %lld", want[KUT_FAIL],
		    seen_failures);
	}
	seen = p->kut_seen[KUT_XFAIL];
	if (want[KUT_XFAIL] >= 0 && want[KUT_XFAIL] != seen) {
		tout_sbuf_part(&b);
		tout_sbuf_add(&b, "SUMMARY says %lld expected failures, saw %lld", want[KUT_XFAIL],
		    seen);
	}
	seen = p->kut_seen[KUT_KFAIL];
	if (want[KUT_KFAIL] >= 0 && want[KUT_KFAIL] != seen) {
		tout_sbuf_part(&b);
		tout_sbuf_add(&b, "SUMMARY says %lld known failures, saw %lld", want[KUT_KFAIL],
		    seen);
	}
	seen = p->kut_seen[KUT_SKIP];
	if (want[KUT_SKIP] >= 0 && want[KUT_SKIP] != seen) {
		tout_sbuf_part(&b);
		tout_sbuf_add(&b, "SUMMARY says %lld skipped, saw %lld", want[KUT_SKIP], seen);
	}
	if (b.oom)
		p->oom = true;
	if (b.s != NULL && p->note == NULL)
		p->note = b.s;
	else
		free(b.s);
	memset(p->kut_seen, 0, sizeof(p->kut_seen));
}

bool
tout_kut_line(struct tout_parser *p, const char *t, uint64_t line)
{
	static const struct {
		const char *prefix;
		int kind; /* -1: ABORT */
		enum test_verdict verdict;
		const char *message;
	} kinds[] = {
		{ .prefix = "PASS: ", .kind = KUT_PASS, .verdict = VERDICT_PASS },
		{ .prefix = "FAIL: ", .kind = KUT_FAIL, .verdict = VERDICT_FAIL },
		{ .prefix = "SKIP: ", .kind = KUT_SKIP, .verdict = VERDICT_SKIP },
		{ .prefix = "XFAIL: ",
		    .kind = KUT_XFAIL,
		    .verdict = VERDICT_PASS,
		    .message = "expected failure" },
		{ .prefix = "XPASS: ",
		    .kind = KUT_XPASS,
		    .verdict = VERDICT_FAIL,
		    .message = "unexpected pass" },
		{ .prefix = "KFAIL: ",
		    .kind = KUT_KFAIL,
		    .verdict = VERDICT_PASS,
		    .message = "known failure" },
		{ .prefix = "ABORT: ", .kind = -1, .verdict = VERDICT_ERROR, .message = "aborted" },
	};

	if (tout_has_prefix(t, "SUMMARY: ")) {
		if (p->format == TOUT_NONE)
			p->format = TOUT_KUT;
		kut_summary(p, t + 9);
		return true;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *name;

		if (!tout_has_prefix(t, kinds[i].prefix))
			continue;
		if (kinds[i].kind < 0 && p->format != TOUT_KUT)
			return false;
		p->format = TOUT_KUT;
		if (!p->root_set)
			tout_block_enter(p, 0, line);
		name = tout_skip_ws(t + strlen(kinds[i].prefix));
		if (tout_add_node(p, &p->stack[0].nodes, name, tout_trimmed_len(name, strlen(name)),
			kinds[i].verdict, kinds[i].message, line) != NULL &&
		    kinds[i].kind >= 0)
			p->kut_seen[kinds[i].kind]++;
		return true;
	}
	return false;
}
