/*
 * tap.c -- TAP 13, TAP 14 and KTAP, read onto the block stack (node.c)
 * that holds every format's results.
 *
 * TAP and KTAP.  The stream is a stack of blocks, one per nesting level,
 * each with the indentation of its lines.  Indentation is measured in
 * columns (a tab advances to the next multiple of 8) and compared only
 * with the blocks on the stack, so 4 spaces (TAP 14, KTAP), 2 spaces and
 * tabs (older KUnit) all nest.  A structural line (version, plan, result,
 * "# Subtest:") deeper than the top block opens a child block; one at a
 * shallower indentation closes blocks until it fits.  A closed block waits
 * in its parent for the parent's next result line ("ok 1 suite"), which
 * becomes a node with the block's results as its children.  That parent
 * line carries the parent's verdict, except that a parent whose children
 * failed fails even if its line says ok (the node's message says so), and
 * one whose children did not meet their plan fails too.  A block closed
 * with no result line for it (the test crashed, or a second subtest began)
 * becomes a node of verdict error, "no result line for subtest".  "#"
 * comment lines are diagnostics and ignored; so is a YAML block ("---" ...
 * "...") after a result.  TAP 13 subtests without "# Subtest:" headers are
 * simply indented streams before their parent's result line, and nest the
 * same way.  "# Subtest: NAME" names the block it opens or starts, or,
 * printed at the parent's level as node-tap does, the next child block.
 *
 * Directives (after an unescaped '#', case-insensitive): SKIP -> skip, the
 * reason as message; TODO -> "not ok" is a skip and "ok" a pass, message
 * "TODO: reason", so a failing TODO test never fails its parent; XFAIL
 * (kselftest) -> pass, message "expected failure[: reason]"; ERROR
 * (kselftest's ksft_test_result_error) on "not ok" -> error.  A plan
 * "1..0 # SKIP reason" at the top level, with no results, makes the test a
 * skip.  "Bail out!" makes the test an error with its reason.
 *
 * LTP and kvm-unit-tests do not nest, but they keep their results on the
 * same stack: they add every node to the top-level block, which
 * tout_block_enter() creates at indentation 0, and tout_parser_finish()
 * closes whatever is still open with tout_block_close_all().
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tout/private.h"
#include "tout/test-output.h"

/* ---- TAP and KTAP lines ----------------------------------------------- */

enum directive { DIR_NONE, DIR_SKIP, DIR_TODO, DIR_XFAIL, DIR_ERROR };

/*
 * The directive in S (the text after '#'): its kind, and its reason in
 * *REASON (pointing into S, *RLEN bytes).
 */
static enum directive
parse_directive(const char *s, const char **reason, size_t *rlen)
{
	static const struct {
		const char *word;
		enum directive d;
	} words[] = {
		{ .word = "skip", .d = DIR_SKIP },
		{ .word = "todo", .d = DIR_TODO },
		{ .word = "xfail", .d = DIR_XFAIL },
		{ .word = "error", .d = DIR_ERROR },
	};
	enum directive d = DIR_NONE;

	s = tout_skip_ws(s);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);

		if (strncasecmp(s, words[i].word, n) != 0)
			continue;
		/* "SKIP", "skipped" and "Skipping" are skips; "todos" is not a TODO. */
		if (isalpha((unsigned char)s[n]) && words[i].d != DIR_SKIP)
			continue;
		d = words[i].d;
		s += n;
		while (isalpha((unsigned char)*s))
			s++;
		break;
	}
	if (d == DIR_NONE)
		return DIR_NONE;
	s = tout_skip_ws(s);
	if (*s == ':')
		s = tout_skip_ws(s + 1);
	*reason = s;
	*rlen = tout_trimmed_len(s, strlen(s));
	return d;
}

/* Index of the first '#' in S not escaped as "\#", or the length of S. */
static size_t
find_hash(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (s[i] == '#')
			break;
	}
	return i;
}

/* Copy the description S[0..LEN), unescaping "\#" and "\\". */
static char *
unescape(struct tout_parser *p, const char *s, size_t len)
{
	char *d = tout_dupn(p, s, len);
	size_t j = 0;

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '#' || s[i + 1] == '\\'))
			i++;
		d[j++] = s[i];
	}
	d[j] = '\0';
	return d;
}

/* Set a node's message to "reported WHAT but a sub-test failed". */
static void
node_fail_children(struct tout_parser *p, struct tout_node *n, const char *why)
{
	char *m = tout_dup(p, why);

	if (m == NULL)
		return;
	free(n->message);
	n->message = m;
	n->verdict = VERDICT_FAIL;
}

/* A result line in block B: OK, the text after the test number in REST. */
static void
tap_result(struct tout_parser *p, struct block *b, bool ok, const char *rest, uint64_t line)
{
	size_t hash = find_hash(rest), dlen;
	const char *desc = tout_skip_ws(rest), *reason = "";
	size_t rlen = 0;
	enum directive d = DIR_NONE;
	enum test_verdict v = ok ? VERDICT_PASS : VERDICT_FAIL;
	struct sbuf msg = { 0 };
	struct tout_node *n;
	char *name;

	if (rest[hash] == '#')
		d = parse_directive(rest + hash + 1, &reason, &rlen);
	if (desc[0] == '-' && (desc[1] == ' ' || desc[1] == '\0' || desc[1] == '#'))
		desc = tout_skip_ws(desc + 1);
	dlen = desc < rest + hash ? tout_trimmed_len(desc, (size_t)(rest + hash - desc)) : 0;

	switch (d) {
	case DIR_SKIP:
		v = VERDICT_SKIP;
		if (rlen > 0)
			tout_sbuf_add(&msg, "%.*s", (int)rlen, reason);
		break;
	case DIR_TODO:
		v = ok ? VERDICT_PASS : VERDICT_SKIP;
		tout_sbuf_add(&msg, "TODO");
		if (rlen > 0)
			tout_sbuf_add(&msg, ": %.*s", (int)rlen, reason);
		break;
	case DIR_XFAIL:
		v = VERDICT_PASS;
		tout_sbuf_add(&msg, "expected failure");
		if (rlen > 0)
			tout_sbuf_add(&msg, ": %.*s", (int)rlen, reason);
		break;
	case DIR_ERROR:
		if (!ok) {
			v = VERDICT_ERROR;
			if (rlen > 0)
				tout_sbuf_add(&msg, "%.*s", (int)rlen, reason);
			else
				tout_sbuf_add(&msg, "error");
		}
		break;
	case DIR_NONE:
		break;
	}
	if (msg.oom)
		p->oom = true;

	name = unescape(p, desc, dlen);
	if (name == NULL) {
		free(msg.s);
		return;
	}
	if (name[0] == '\0' && b->pending && b->pend_name != NULL) {
		free(name);
		name = tout_dup(p, b->pend_name);
		if (name == NULL) {
			free(msg.s);
			return;
		}
	}
	n = tout_nodevec_add(p, &b->nodes);
	if (n == NULL) {
		free(name);
		free(msg.s);
		return;
	}
	n->name = name;
	n->verdict = v;
	n->message = msg.s;
	n->line = line;
	b->has_content = true;
	if (!b->pending)
		return;

	/* The waiting child block is this node's subtests. */
	n->children = b->pend.v;
	n->nchildren = b->pend.n;
	memset(&b->pend, 0, sizeof(b->pend));
	free(b->pend_name);
	b->pend_name = NULL;
	b->pending = false;
	if (v == VERDICT_PASS || v == VERDICT_SKIP) {
		bool child_failed = false;

		for (size_t i = 0; i < n->nchildren; i++)
			child_failed |= test_verdict_failed(n->children[i].verdict);
		if (child_failed) {
			node_fail_children(p, n,
			    v == VERDICT_PASS ? "reported ok but a sub-test failed"
					      : "reported skip but a sub-test failed");
		} else if (v == VERDICT_PASS && b->pend_plan >= 0 &&
		    (size_t)b->pend_plan != n->nchildren) {
			char buf[96];

			snprintf(buf, sizeof(buf), "planned %lld tests, saw %zu", b->pend_plan,
			    n->nchildren);
			node_fail_children(p, n, buf);
		}
	}
}

/* Columns of indentation at the start of S; *REST is set past it. */
static int
indentation(const char *s, const char **rest)
{
	int col = 0;

	for (; *s == ' ' || *s == '\t'; s++) {
		col = *s == '\t' ? (col / 8 + 1) * 8 : col + 1;
		if (col > 100000)
			col = 100000;
	}
	*rest = s;
	return col;
}

/* Is T "ok"/"not ok" followed by a blank or the end?  Sets *OK and *REST. */
static bool
is_result(const char *t, bool *ok, const char **rest)
{
	if (tout_has_prefix(t, "ok") && (t[2] == '\0' || t[2] == ' ' || t[2] == '\t')) {
		*ok = true;
		*rest = t + 2;
		return true;
	}
	if (tout_has_prefix(t, "not ok") && (t[6] == '\0' || t[6] == ' ' || t[6] == '\t')) {
		*ok = false;
		*rest = t + 6;
		return true;
	}
	return false;
}

/* Is T a plan "1..N"?  Sets *N and *REST (what follows). */
static bool
is_plan(const char *t, long long *n, const char **rest)
{
	if (!tout_has_prefix(t, "1.."))
		return false;
	t += 3;
	if (!tout_parse_num(&t, n))
		return false;
	if (*t != '\0' && *t != ' ' && *t != '\t' && *t != '#')
		return false;
	*rest = t;
	return true;
}

/* Is T a version line?  Sets *KTAP. */
static bool
is_version(const char *t, bool *ktap)
{
	const char *v;

	if (tout_has_prefix(t, "TAP version "))
		v = t + 12, *ktap = false;
	else if (tout_has_prefix(t, "KTAP version "))
		v = t + 13, *ktap = true;
	else
		return false;
	return isdigit((unsigned char)*tout_skip_ws(v));
}

void
tout_tap_line(struct tout_parser *p, const char *s, uint64_t line)
{
	const char *t, *rest;
	int indent = indentation(s, &t);
	bool ok, ktap;
	long long n;

	if (p->in_yaml) {
		if (indent > p->result_indent || *t == '\0') {
			if (tout_has_prefix(t, "...") && tout_trimmed_len(t, strlen(t)) == 3)
				p->in_yaml = false;
			return;
		}
		p->in_yaml = false;
	}
	if (p->after_result && indent > p->result_indent && tout_has_prefix(t, "---") &&
	    tout_trimmed_len(t, strlen(t)) == 3) {
		p->in_yaml = true;
		return;
	}

	if (is_version(t, &ktap)) {
		if (p->format == TOUT_NONE)
			p->format = ktap ? TOUT_KTAP : TOUT_TAP;
		tout_block_enter(p, indent, line);
		/* A second stream at the level of a finished sibling. */
		if (p->depth > 1 && tout_block_top(p)->indent == indent &&
		    tout_block_top(p)->has_content) {
			tout_block_close_top(p);
			tout_block_push(p, indent, line);
		}
		p->after_result = false;
		return;
	}
	if (is_plan(t, &n, &rest)) {
		struct block *b;

		if (p->format == TOUT_NONE)
			p->format = TOUT_TAP;
		tout_block_enter(p, indent, line);
		b = tout_block_top(p);
		if (p->depth == 1) {
			const char *hash = strchr(rest, '#'), *reason;
			size_t rlen;

			/* Concatenated top-level streams add up. */
			b->plan = b->plan < 0 ? n : (b->plan + n > NUM_MAX ? NUM_MAX : b->plan + n);
			if (n == 0 && hash != NULL &&
			    parse_directive(hash + 1, &reason, &rlen) == DIR_SKIP &&
			    !p->plan_skip) {
				p->plan_skip = true;
				p->plan_skip_reason = rlen > 0 ? tout_dupn(p, reason, rlen) : NULL;
			}
		} else if (b->plan < 0) {
			b->plan = n;
		}
		b->has_content = true;
		p->after_result = false;
		return;
	}
	if (is_result(t, &ok, &rest)) {
		const char *num = tout_skip_ws(rest);

		/* Before a format is known, an unnumbered "ok" is too common in
		 * plain output to decide one, unless TAP-style ("ok - name");
		 * "not ok" always decides: a failure is never dropped. */
		if (p->format == TOUT_NONE) {
			if (ok && !isdigit((unsigned char)*num) && *num != '-')
				return;
			p->format = TOUT_TAP;
		}
		if (isdigit((unsigned char)*num)) {
			tout_parse_num(&num, &n);
			rest = num;
		}
		tout_block_enter(p, indent, line);
		tap_result(p, tout_block_top(p), ok, rest, line);
		p->after_result = true;
		p->result_indent = indent;
		return;
	}
	if (p->format == TOUT_NONE)
		return;
	if (tout_has_prefix(t, "# Subtest:") || tout_has_prefix(t, "# Subtest ")) {
		const char *name = tout_skip_ws(t + 10);
		size_t len = tout_trimmed_len(name, strlen(name));
		struct block *b;
		char *copy;

		tout_block_enter(p, indent, line);
		b = tout_block_top(p);
		copy = tout_dupn(p, name, len);
		if (copy == NULL)
			return;
		if (p->depth > 1 && b->name == NULL && !b->has_content) {
			b->name = copy;
		} else {
			free(b->next_name);
			b->next_name = copy;
		}
		p->after_result = false;
		return;
	}
	if (tout_has_prefix(t, "Bail out!")) {
		const char *r = tout_skip_ws(t + 9);

		if (!p->bailed) {
			p->bailed = true;
			p->bail_reason = tout_dupn(p, r, tout_trimmed_len(r, strlen(r)));
		}
		p->after_result = false;
	}
}
