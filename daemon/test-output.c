/*
 * test-output.c -- read one test's console output and say how it went.
 *
 * The contract is in test-output.h.  This file is one streaming parser for
 * four families of output; a line is looked at once, in order, and never
 * kept.  What each line means depends only on the lines before it.
 *
 * Every line first loses a printk prefix ("[   12.345678] ", optionally
 * followed by a "[T123] " caller id).  The kernel interleaves its own
 * messages with a test's output, but KUnit prints its KTAP through printk
 * too, so the prefix alone does not say whose a line is.  The line that
 * decides the format does: if it had a prefix, the test speaks through
 * printk and only prefixed lines are read from then on; if not, prefixed
 * lines are the kernel's and are ignored, even when they look like results.
 * What is left is offered to the parser of the detected format; lines it
 * does not recognise are ignored, and trailing blanks ('\r') never matter.
 *
 * Detection.  Until a format is known, a line can decide it: "TAP version
 * N" -> tap, "KTAP version N" -> ktap, a bare plan "1..N" or a numbered "ok
 * N"/"not ok N" -> tap, an LTP result line (any of TPASS TFAIL TBROK TCONF
 * TWARN TINFO, new or old library) -> ltp, a kvm-unit-tests report line
 * ("PASS: ", "FAIL: ", "SKIP: ", "XFAIL: ", "XPASS: ", "SUMMARY: ") ->
 * kvm-unit-tests.  The first format detected wins: a test prints one
 * format, and once decided, lines of the other families are ignored (TAP
 * and KTAP are one family; a KTAP header inside a TAP stream is read as
 * part of it, and the format stays the one first seen).
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
 * LTP.  New library: "file.c:LINE: TTYPE: message"; old library and shell
 * tests: "name  N  TTYPE  :  message".  A node's name is the message text
 * (at most 200 bytes, cut at a character boundary), because that is what a
 * reader recognises; its message is "TTYPE at file.c:LINE" (or "TTYPE at
 * name N"), so the source location is kept and a TWARN's or TBROK's node
 * says which it was.  TPASS -> pass, TFAIL -> fail, TBROK -> error, TCONF
 * -> skip, TWARN -> fail (LTP sets a non-zero exit bit for warnings), TINFO
 * and anything else ignored.  The "Summary:" block is checked against what
 * was seen; a mismatch becomes a note in the result's message, never a
 * verdict.
 *
 * kvm-unit-tests.  "PASS: name" -> pass, "FAIL: name" -> fail, "SKIP:
 * name" -> skip, "XFAIL: name" -> pass with message "expected failure",
 * "XPASS: name" -> fail with message "unexpected pass", "ABORT: why" ->
 * error; the name is the text after the colon.  "SUMMARY: N tests, M
 * unexpected failures, K expected failures, S skipped" is checked like
 * LTP's summary (counts since the previous SUMMARY line).
 *
 * The verdict (tout_parser_finish) follows test-output.h: a timeout wins,
 * then a bail-out (error), then the sub-results and the exit code.  One
 * detail the header leaves open: when every sub-result is a skip and the
 * exit code is not 0, the test is a skip if the code is the format's own
 * "skipped" exit code (kselftest's KSFT_SKIP 4, LTP's TCONF bit 32,
 * kvm-unit-tests' 77) and otherwise a failure for the disagreement.
 *
 * Nothing here trusts the input: numbers saturate, nesting is capped at
 * MAX_DEPTH, lines of any length are read in place, and running out of
 * memory makes the verdict an error rather than a crash.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "test-output.h"

/* Deeper nesting is read as part of the deepest block. */
#define MAX_DEPTH 32
/* The longest LTP node name, in bytes. */
#define LTP_NAME_MAX 200
/* Numbers in plans and summaries saturate here. */
#define NUM_MAX 1000000000LL

struct nodevec {
	struct tout_node *v;
	size_t n, cap;
};

struct block {
	int indent;
	struct nodevec nodes;
	long long plan; /* -1 when none */
	char *name; /* from "# Subtest:" */
	char *next_name; /* a "# Subtest:" at this level for the next child */
	bool has_content;
	uint64_t line;
	/* A closed child block waiting for this block's next result line. */
	bool pending;
	struct nodevec pend;
	long long pend_plan;
	char *pend_name;
	uint64_t pend_line;
};

enum ltp_kind { LTP_PASS, LTP_FAIL, LTP_BROK, LTP_CONF, LTP_WARN, LTP_NKINDS };
enum kut_kind { KUT_PASS, KUT_FAIL, KUT_SKIP, KUT_XFAIL, KUT_XPASS, KUT_NKINDS };

struct tout_parser {
	enum tout_format format;
	struct block stack[MAX_DEPTH];
	size_t depth; /* stack[0] is the top level once root_set */
	bool root_set;
	bool plan_skip; /* "1..0 # SKIP" at the top level */
	char *plan_skip_reason;
	bool bailed;
	char *bail_reason;
	bool after_result, in_yaml;
	int result_indent;
	int ltp_seen[LTP_NKINDS];
	long long ltp_summary[LTP_NKINDS]; /* -1 when not printed */
	bool ltp_in_summary;
	int kut_seen[KUT_NKINDS]; /* since the last SUMMARY line */
	char *note; /* summary mismatches */
	bool prefixed; /* the test's lines carry a printk prefix (KUnit) */
	bool oom;
};

/* A growing string; on allocation failure it stays NULL and sets *oom. */
struct sbuf {
	char *s;
	size_t len;
	bool oom;
};

static void sbuf_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sbuf_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s = realloc(b->s, b->len + (size_t)n + 1);
	if (s == NULL) {
		b->oom = true;
		return;
	}
	b->s = s;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append "; " before a second part of a message. */
static void
sbuf_part(struct sbuf *b)
{
	if (b->len > 0)
		sbuf_add(b, "; ");
}

static char *
dupn(struct tout_parser *p, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		p->oom = true;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *
dup(struct tout_parser *p, const char *s)
{
	return dupn(p, s, strlen(s));
}

static bool
is_bad(enum test_verdict v)
{
	return v == VERDICT_FAIL || v == VERDICT_ERROR || v == VERDICT_TIMEOUT;
}

static void
node_free(struct tout_node *n)
{
	for (size_t i = 0; i < n->nchildren; i++)
		node_free(&n->children[i]);
	free(n->children);
	free(n->name);
	free(n->message);
}

static void
nodevec_free(struct nodevec *v)
{
	for (size_t i = 0; i < v->n; i++)
		node_free(&v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* Append a node to V; NULL on ENOMEM (P is marked). */
static struct tout_node *
nodevec_add(struct tout_parser *p, struct nodevec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct tout_node *nv = realloc(v->v, cap * sizeof(*nv));

		if (nv == NULL) {
			p->oom = true;
			return NULL;
		}
		v->v = nv;
		v->cap = cap;
	}
	memset(&v->v[v->n], 0, sizeof(v->v[0]));
	return &v->v[v->n++];
}

/* Add a node with NAME (copied, LEN bytes) to V; NULL on ENOMEM. */
static struct tout_node *
add_node(struct tout_parser *p, struct nodevec *v, const char *name, size_t len,
    enum test_verdict verdict, const char *message, uint64_t line)
{
	char *n = dupn(p, name, len);
	char *m = message ? dup(p, message) : NULL;
	struct tout_node *node;

	if (n == NULL || (message && m == NULL) || (node = nodevec_add(p, v)) == NULL) {
		free(n);
		free(m);
		return NULL;
	}
	node->name = n;
	node->verdict = verdict;
	node->message = m;
	node->line = line;
	return node;
}

/* Parse a decimal number at *S, saturating; false if there is none. */
static bool
parse_num(const char **s, long long *out)
{
	long long n = 0;

	if (!isdigit((unsigned char)**s))
		return false;
	while (isdigit((unsigned char)**s)) {
		if (n < NUM_MAX)
			n = n * 10 + (**s - '0');
		(*s)++;
	}
	if (n > NUM_MAX)
		n = NUM_MAX;
	*out = n;
	return true;
}

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Length of S without trailing blanks. */
static size_t
trimmed_len(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return len;
}

/*
 * The printk prefix "[   12.345678] " and an optional caller id "[T123] ",
 * or NULL when LINE does not start with one.
 */
static const char *
skip_printk(const char *s)
{
	const char *t = s;

	if (*t++ != '[')
		return NULL;
	t = skip_ws(t);
	if (!isdigit((unsigned char)*t))
		return NULL;
	while (isdigit((unsigned char)*t))
		t++;
	if (*t++ != '.' || !isdigit((unsigned char)*t))
		return NULL;
	while (isdigit((unsigned char)*t))
		t++;
	if (*t++ != ']')
		return NULL;
	if (t[0] == '[' && (t[1] == 'T' || t[1] == 'C' || t[1] == ' ')) {
		const char *c = skip_ws(t + 1);

		if (*c == 'T' || *c == 'C') {
			c++;
			while (isdigit((unsigned char)*c))
				c++;
			if (*c == ']')
				t = c + 1;
		}
	}
	if (*t == ' ')
		t++;
	return t;
}

/* ---- TAP and KTAP ------------------------------------------------------ */

static struct block *
top(struct tout_parser *p)
{
	return &p->stack[p->depth - 1];
}

/* Turn a waiting child block of B that has no result line into a node. */
static void
flush_pending(struct tout_parser *p, struct block *b)
{
	struct tout_node *n;
	const char *name;

	if (!b->pending)
		return;
	name = b->pend_name ? b->pend_name : "";
	n = add_node(p, &b->nodes, name, strlen(name), VERDICT_ERROR, "no result line for subtest",
	    b->pend_line);
	if (n != NULL) {
		n->children = b->pend.v;
		n->nchildren = b->pend.n;
	} else {
		nodevec_free(&b->pend);
	}
	memset(&b->pend, 0, sizeof(b->pend));
	free(b->pend_name);
	b->pend_name = NULL;
	b->pending = false;
}

/* Close the innermost block; its results wait in its parent. */
static void
close_top(struct tout_parser *p)
{
	struct block *b = top(p), *parent = b - 1;

	flush_pending(p, b);
	flush_pending(p, parent);
	parent->pending = true;
	parent->pend = b->nodes;
	parent->pend_plan = b->plan;
	parent->pend_name = b->name;
	parent->pend_line = b->line;
	free(b->next_name);
	memset(b, 0, sizeof(*b));
	p->depth--;
}

/* Close blocks nested deeper than INDENT. */
static void
pop_to(struct tout_parser *p, int indent)
{
	while (p->depth > 1 && top(p)->indent > indent)
		close_top(p);
}

static void
push(struct tout_parser *p, int indent, uint64_t line)
{
	struct block *parent = top(p), *b;

	if (p->depth == MAX_DEPTH)
		return;
	flush_pending(p, parent);
	b = &p->stack[p->depth++];
	memset(b, 0, sizeof(*b));
	b->indent = indent;
	b->plan = -1;
	b->line = line;
	b->name = parent->next_name;
	parent->next_name = NULL;
}

/* Make the block for a structural line at INDENT the top of the stack. */
static void
enter(struct tout_parser *p, int indent, uint64_t line)
{
	if (!p->root_set) {
		memset(&p->stack[0], 0, sizeof(p->stack[0]));
		p->stack[0].indent = indent;
		p->stack[0].plan = -1;
		p->stack[0].line = line;
		p->depth = 1;
		p->root_set = true;
	}
	pop_to(p, indent);
	if (top(p)->indent < indent)
		push(p, indent, line);
}

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
		{ "skip", DIR_SKIP },
		{ "todo", DIR_TODO },
		{ "xfail", DIR_XFAIL },
		{ "error", DIR_ERROR },
	};
	enum directive d = DIR_NONE;

	s = skip_ws(s);
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
	s = skip_ws(s);
	if (*s == ':')
		s = skip_ws(s + 1);
	*reason = s;
	*rlen = trimmed_len(s, strlen(s));
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
	char *d = dupn(p, s, len);
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
	char *m = dup(p, why);

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
	const char *desc = skip_ws(rest), *reason = "";
	size_t rlen = 0;
	enum directive d = DIR_NONE;
	enum test_verdict v = ok ? VERDICT_PASS : VERDICT_FAIL;
	struct sbuf msg = { 0 };
	struct tout_node *n;
	char *name;

	if (rest[hash] == '#')
		d = parse_directive(rest + hash + 1, &reason, &rlen);
	if (desc[0] == '-' && (desc[1] == ' ' || desc[1] == '\0' || desc[1] == '#'))
		desc = skip_ws(desc + 1);
	dlen = desc < rest + hash ? trimmed_len(desc, (size_t)(rest + hash - desc)) : 0;

	switch (d) {
	case DIR_SKIP:
		v = VERDICT_SKIP;
		if (rlen > 0)
			sbuf_add(&msg, "%.*s", (int)rlen, reason);
		break;
	case DIR_TODO:
		v = ok ? VERDICT_PASS : VERDICT_SKIP;
		sbuf_add(&msg, "TODO");
		if (rlen > 0)
			sbuf_add(&msg, ": %.*s", (int)rlen, reason);
		break;
	case DIR_XFAIL:
		v = VERDICT_PASS;
		sbuf_add(&msg, "expected failure");
		if (rlen > 0)
			sbuf_add(&msg, ": %.*s", (int)rlen, reason);
		break;
	case DIR_ERROR:
		if (!ok) {
			v = VERDICT_ERROR;
			if (rlen > 0)
				sbuf_add(&msg, "%.*s", (int)rlen, reason);
			else
				sbuf_add(&msg, "error");
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
		name = dup(p, b->pend_name);
		if (name == NULL) {
			free(msg.s);
			return;
		}
	}
	n = nodevec_add(p, &b->nodes);
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
			child_failed |= is_bad(n->children[i].verdict);
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
	if (has_prefix(t, "ok") && (t[2] == '\0' || t[2] == ' ' || t[2] == '\t')) {
		*ok = true;
		*rest = t + 2;
		return true;
	}
	if (has_prefix(t, "not ok") && (t[6] == '\0' || t[6] == ' ' || t[6] == '\t')) {
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
	if (!has_prefix(t, "1.."))
		return false;
	t += 3;
	if (!parse_num(&t, n))
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

	if (has_prefix(t, "TAP version "))
		v = t + 12, *ktap = false;
	else if (has_prefix(t, "KTAP version "))
		v = t + 13, *ktap = true;
	else
		return false;
	return isdigit((unsigned char)*skip_ws(v));
}

static void
tap_line(struct tout_parser *p, const char *s, uint64_t line)
{
	const char *t, *rest;
	int indent = indentation(s, &t);
	bool ok, ktap;
	long long n;

	if (p->in_yaml) {
		if (indent > p->result_indent || *t == '\0') {
			if (has_prefix(t, "...") && trimmed_len(t, strlen(t)) == 3)
				p->in_yaml = false;
			return;
		}
		p->in_yaml = false;
	}
	if (p->after_result && indent > p->result_indent && has_prefix(t, "---") &&
	    trimmed_len(t, strlen(t)) == 3) {
		p->in_yaml = true;
		return;
	}

	if (is_version(t, &ktap)) {
		if (p->format == TOUT_NONE)
			p->format = ktap ? TOUT_KTAP : TOUT_TAP;
		enter(p, indent, line);
		/* A second stream at the level of a finished sibling. */
		if (p->depth > 1 && top(p)->indent == indent && top(p)->has_content) {
			close_top(p);
			push(p, indent, line);
		}
		p->after_result = false;
		return;
	}
	if (is_plan(t, &n, &rest)) {
		struct block *b;

		if (p->format == TOUT_NONE)
			p->format = TOUT_TAP;
		enter(p, indent, line);
		b = top(p);
		if (p->depth == 1) {
			const char *hash = strchr(rest, '#'), *reason;
			size_t rlen;

			/* Concatenated top-level streams add up. */
			b->plan = b->plan < 0 ? n : (b->plan + n > NUM_MAX ? NUM_MAX : b->plan + n);
			if (n == 0 && hash != NULL &&
			    parse_directive(hash + 1, &reason, &rlen) == DIR_SKIP &&
			    !p->plan_skip) {
				p->plan_skip = true;
				p->plan_skip_reason = rlen > 0 ? dupn(p, reason, rlen) : NULL;
			}
		} else if (b->plan < 0) {
			b->plan = n;
		}
		b->has_content = true;
		p->after_result = false;
		return;
	}
	if (is_result(t, &ok, &rest)) {
		const char *num = skip_ws(rest);

		if (p->format == TOUT_NONE) {
			if (!isdigit((unsigned char)*num))
				return;
			p->format = TOUT_TAP;
		}
		if (isdigit((unsigned char)*num)) {
			parse_num(&num, &n);
			rest = num;
		}
		enter(p, indent, line);
		tap_result(p, top(p), ok, rest, line);
		p->after_result = true;
		p->result_indent = indent;
		return;
	}
	if (p->format == TOUT_NONE)
		return;
	if (has_prefix(t, "# Subtest:") || has_prefix(t, "# Subtest ")) {
		const char *name = skip_ws(t + 10);
		size_t len = trimmed_len(name, strlen(name));
		struct block *b;
		char *copy;

		enter(p, indent, line);
		b = top(p);
		copy = dupn(p, name, len);
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
	if (has_prefix(t, "Bail out!")) {
		const char *r = skip_ws(t + 9);

		if (!p->bailed) {
			p->bailed = true;
			p->bail_reason = dupn(p, r, trimmed_len(r, strlen(r)));
		}
		p->after_result = false;
	}
}

/* ---- LTP -------------------------------------------------------------- */

static const char *const ltp_types[] = {
	[LTP_PASS] = "TPASS",
	[LTP_FAIL] = "TFAIL",
	[LTP_BROK] = "TBROK",
	[LTP_CONF] = "TCONF",
	[LTP_WARN] = "TWARN",
};

/*
 * The LTP result type at T ("TPASS" ...): its kind, LTP_NKINDS for TINFO
 * and the other known informational types, -1 for none.
 */
static int
ltp_type(const char *t)
{
	for (int k = 0; k < LTP_NKINDS; k++)
		if (has_prefix(t, ltp_types[k]))
			return k;
	if (has_prefix(t, "TINFO") || has_prefix(t, "TDEBUG"))
		return LTP_NKINDS;
	return -1;
}

/* Length of a type token: "TINFO" 5, "TDEBUG" 6. */
static size_t
ltp_type_len(const char *t)
{
	size_t n = 0;

	while (isupper((unsigned char)t[n]))
		n++;
	return n;
}

/*
 * Parse an LTP result line.  New library "file.c:12: TPASS: msg" or old
 * "name  1  TPASS  :  msg".  Writes the location ("file.c:12", "name 1")
 * to LOC and sets the kind and message; false when T is not one.
 */
static bool
ltp_parse(const char *t, char *loc, size_t locsize, int *kind, const char **msg)
{
	const char *s = t, *ty;
	long long n;

	/* New library: a file name without blanks, ":LINE: ". */
	while (*s != '\0' && *s != ':' && *s != ' ' && *s != '\t')
		s++;
	if (s > t && *s == ':') {
		const char *num = s + 1;

		if (!parse_num(&num, &n) || num[0] != ':' || num[1] != ' ')
			return false;
		ty = num + 2;
		*kind = ltp_type(ty);
		ty += ltp_type_len(ty);
		if (*kind < 0 || *ty != ':')
			return false;
		snprintf(loc, locsize, "%.*s:%lld", (int)(s - t > 100 ? 100 : s - t), t, n);
		*msg = skip_ws(ty + 1);
		return true;
	}
	/* Old library and shell tests: "name N TTYPE : msg". */
	if (s == t || (*s != ' ' && *s != '\t'))
		return false;
	ty = skip_ws(s);
	if (!parse_num(&ty, &n) || (*ty != ' ' && *ty != '\t'))
		return false;
	ty = skip_ws(ty);
	*kind = ltp_type(ty);
	ty = skip_ws(ty + ltp_type_len(ty));
	if (*kind < 0 || *ty != ':')
		return false;
	snprintf(loc, locsize, "%.*s %lld", (int)(s - t > 100 ? 100 : s - t), t, n);
	*msg = skip_ws(ty + 1);
	return true;
}

/* Length of at most MAX bytes of S, cut before a UTF-8 continuation. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* The words of LTP's "Summary:" block. */
static const char *const ltp_summary_words[LTP_NKINDS] = {
	[LTP_PASS] = "passed",
	[LTP_FAIL] = "failed",
	[LTP_BROK] = "broken",
	[LTP_CONF] = "skipped",
	[LTP_WARN] = "warnings",
};

static void
ltp_summary_line(struct tout_parser *p, const char *t)
{
	for (int k = 0; k < LTP_NKINDS; k++) {
		size_t n = strlen(ltp_summary_words[k]);
		const char *s = t + n;
		long long v;

		if (strncmp(t, ltp_summary_words[k], n) != 0 || (*s != ' ' && *s != '\t'))
			continue;
		s = skip_ws(s);
		if (parse_num(&s, &v) && *skip_ws(s) == '\0')
			p->ltp_summary[k] = v;
		return;
	}
}

static bool
ltp_line(struct tout_parser *p, const char *t, uint64_t line)
{
	static const enum test_verdict verdicts[LTP_NKINDS] = {
		[LTP_PASS] = VERDICT_PASS,
		[LTP_FAIL] = VERDICT_FAIL,
		[LTP_BROK] = VERDICT_ERROR,
		[LTP_CONF] = VERDICT_SKIP,
		[LTP_WARN] = VERDICT_FAIL,
	};
	const char *msg;
	size_t mlen;
	int kind;
	char loc[128], where[160];

	if (p->format == TOUT_LTP) {
		if (strcmp(t, "Summary:") == 0) {
			p->ltp_in_summary = true;
			return true;
		}
		if (p->ltp_in_summary)
			ltp_summary_line(p, t);
	}
	if (!ltp_parse(t, loc, sizeof(loc), &kind, &msg))
		return false;
	p->format = TOUT_LTP;
	if (kind == LTP_NKINDS)
		return true;
	if (!p->root_set)
		enter(p, 0, line);
	mlen = utf8_cut(msg, trimmed_len(msg, strlen(msg)), LTP_NAME_MAX);
	snprintf(where, sizeof(where), "%s at %s", ltp_types[kind], loc);
	if (add_node(p, &p->stack[0].nodes, msg, mlen, verdicts[kind], where, line) != NULL)
		p->ltp_seen[kind]++;
	return true;
}

/* ---- kvm-unit-tests --------------------------------------------------- */

static void
kut_summary(struct tout_parser *p, const char *s)
{
	/* "N tests, M unexpected failures, K expected failures, S skipped" */
	long long want[KUT_NKINDS] = { -1, -1, -1, -1, -1 }, total = -1, n;
	long long seen_total = 0, seen_failures, seen;
	struct sbuf b = { 0 };

	while (*s != '\0') {
		s = skip_ws(s);
		if (*s == '\0')
			break;
		if (!parse_num(&s, &n)) {
			s++;
			continue;
		}
		s = skip_ws(s);
		if (has_prefix(s, "tests"))
			total = n;
		else if (has_prefix(s, "unexpected failures"))
			want[KUT_FAIL] = n;
		else if (has_prefix(s, "expected failures"))
			want[KUT_XFAIL] = n;
		else if (has_prefix(s, "skipped"))
			want[KUT_SKIP] = n;
	}
	for (int k = 0; k < KUT_NKINDS; k++)
		seen_total += p->kut_seen[k];
	seen_failures = p->kut_seen[KUT_FAIL] + p->kut_seen[KUT_XPASS];
	if (total >= 0 && total != seen_total)
		sbuf_add(&b, "SUMMARY says %lld tests, saw %lld", total, seen_total);
	if (want[KUT_FAIL] >= 0 && want[KUT_FAIL] != seen_failures) {
		sbuf_part(&b);
		sbuf_add(&b, "SUMMARY says %lld unexpected failures, saw %lld", want[KUT_FAIL],
		    seen_failures);
	}
	seen = p->kut_seen[KUT_XFAIL];
	if (want[KUT_XFAIL] >= 0 && want[KUT_XFAIL] != seen) {
		sbuf_part(&b);
		sbuf_add(&b, "SUMMARY says %lld expected failures, saw %lld", want[KUT_XFAIL],
		    seen);
	}
	seen = p->kut_seen[KUT_SKIP];
	if (want[KUT_SKIP] >= 0 && want[KUT_SKIP] != seen) {
		sbuf_part(&b);
		sbuf_add(&b, "SUMMARY says %lld skipped, saw %lld", want[KUT_SKIP], seen);
	}
	if (b.oom)
		p->oom = true;
	if (b.s != NULL && p->note == NULL)
		p->note = b.s;
	else
		free(b.s);
	memset(p->kut_seen, 0, sizeof(p->kut_seen));
}

static bool
kut_line(struct tout_parser *p, const char *t, uint64_t line)
{
	static const struct {
		const char *prefix;
		int kind; /* -1: ABORT */
		enum test_verdict verdict;
		const char *message;
	} kinds[] = {
		{ "PASS: ", KUT_PASS, VERDICT_PASS, NULL },
		{ "FAIL: ", KUT_FAIL, VERDICT_FAIL, NULL },
		{ "SKIP: ", KUT_SKIP, VERDICT_SKIP, NULL },
		{ "XFAIL: ", KUT_XFAIL, VERDICT_PASS, "expected failure" },
		{ "XPASS: ", KUT_XPASS, VERDICT_FAIL, "unexpected pass" },
		{ "ABORT: ", -1, VERDICT_ERROR, "aborted" },
	};

	if (has_prefix(t, "SUMMARY: ")) {
		if (p->format == TOUT_NONE)
			p->format = TOUT_KUT;
		kut_summary(p, t + 9);
		return true;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *name;

		if (!has_prefix(t, kinds[i].prefix))
			continue;
		if (kinds[i].kind < 0 && p->format != TOUT_KUT)
			return false;
		p->format = TOUT_KUT;
		if (!p->root_set)
			enter(p, 0, line);
		name = skip_ws(t + strlen(kinds[i].prefix));
		if (add_node(p, &p->stack[0].nodes, name, trimmed_len(name, strlen(name)),
			kinds[i].verdict, kinds[i].message, line) != NULL &&
		    kinds[i].kind >= 0)
			p->kut_seen[kinds[i].kind]++;
		return true;
	}
	return false;
}

/* ---- the parser ------------------------------------------------------- */

struct tout_parser *
tout_parser_new(void)
{
	struct tout_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	for (int k = 0; k < LTP_NKINDS; k++)
		p->ltp_summary[k] = -1;
	return p;
}

void
tout_parser_line(struct tout_parser *p, const char *line, uint64_t lineno)
{
	const char *s, *t;
	bool prefixed;

	if (p == NULL || line == NULL || p->oom)
		return;
	s = skip_printk(line);
	prefixed = s != NULL;
	if (s == NULL)
		s = line;
	if (p->format != TOUT_NONE && prefixed != p->prefixed)
		return;
	switch (p->format) {
	case TOUT_NONE:
		t = skip_ws(s);
		if (!ltp_line(p, t, lineno) && !kut_line(p, t, lineno))
			tap_line(p, s, lineno);
		p->prefixed = prefixed;
		break;
	case TOUT_TAP:
	case TOUT_KTAP:
		tap_line(p, s, lineno);
		break;
	case TOUT_LTP:
		ltp_line(p, skip_ws(s), lineno);
		break;
	case TOUT_KUT:
		kut_line(p, skip_ws(s), lineno);
		break;
	}
}

static void
parser_release(struct tout_parser *p)
{
	for (size_t i = 0; i < p->depth; i++) {
		struct block *b = &p->stack[i];

		nodevec_free(&b->nodes);
		nodevec_free(&b->pend);
		free(b->name);
		free(b->next_name);
		free(b->pend_name);
	}
	free(p->plan_skip_reason);
	free(p->bail_reason);
	free(p->note);
	free(p);
}

void
tout_parser_free(struct tout_parser *p)
{
	if (p != NULL)
		parser_release(p);
}

static void
count_leaves(const struct tout_node *n, struct tout_result *r)
{
	if (n->nchildren > 0) {
		for (size_t i = 0; i < n->nchildren; i++)
			count_leaves(&n->children[i], r);
		return;
	}
	if (n->verdict == VERDICT_PASS)
		r->passed++;
	else if (n->verdict == VERDICT_SKIP)
		r->skipped++;
	else if (is_bad(n->verdict))
		r->failed++;
}

/*
 * Count the failing nodes whose failure is their own (no failing child),
 * under a failing N, and remember the path of the first in *FIRST.
 */
static size_t
count_causes(const struct tout_node *n, const char *path, struct sbuf *first)
{
	struct sbuf here = { 0 };
	size_t causes = 0;

	if (!is_bad(n->verdict))
		return 0;
	if (path != NULL)
		sbuf_add(&here, "%s/%s", path, n->name[0] ? n->name : "(unnamed)");
	else
		sbuf_add(&here, "%s", n->name[0] ? n->name : "(unnamed)");
	for (size_t i = 0; i < n->nchildren; i++)
		causes += count_causes(&n->children[i], here.s ? here.s : "", first);
	if (causes == 0) {
		causes = 1;
		if (first->s == NULL && here.s != NULL)
			sbuf_add(first, "%s", here.s);
	}
	free(here.s);
	return causes;
}

static bool
is_skip_exit(enum tout_format f, int code)
{
	switch (f) {
	case TOUT_TAP:
	case TOUT_KTAP:
		return code == 4; /* KSFT_SKIP */
	case TOUT_LTP:
		return code == 32; /* TCONF */
	case TOUT_KUT:
		return code == 77;
	case TOUT_NONE:
		break;
	}
	return false;
}

/* The verdict and message from the sub-results in R and the exit code. */
static enum test_verdict
judge(struct tout_parser *p, struct tout_result *r, int exit_code, struct sbuf *m)
{
	const struct block *root = &p->stack[0];
	bool bad = false, all_skip = true;
	enum test_verdict v;

	if (r->nnodes == 0) {
		if (root->plan > 0) {
			sbuf_add(m, "planned %lld tests, saw 0", root->plan);
			return VERDICT_FAIL;
		}
		if (p->plan_skip && (exit_code == 0 || is_skip_exit(r->format, exit_code))) {
			if (p->plan_skip_reason != NULL)
				sbuf_add(m, "%s", p->plan_skip_reason);
			return VERDICT_SKIP;
		}
		if (exit_code == 0)
			return VERDICT_PASS;
		sbuf_add(m, "exit code %d", exit_code);
		return VERDICT_FAIL;
	}

	for (size_t i = 0; i < r->nnodes; i++) {
		bad |= is_bad(r->nodes[i].verdict);
		all_skip &= r->nodes[i].verdict == VERDICT_SKIP;
	}
	v = bad ? VERDICT_FAIL : all_skip ? VERDICT_SKIP : VERDICT_PASS;
	if (bad) {
		struct sbuf first = { 0 };
		size_t causes = 0;

		for (size_t i = 0; i < r->nnodes; i++)
			causes += count_causes(&r->nodes[i], NULL, &first);
		if (exit_code == 0)
			sbuf_add(m, "exit code 0 but ");
		if (causes == 1)
			sbuf_add(m, "sub-test failed: %s", first.s ? first.s : "?");
		else
			sbuf_add(m, "%zu sub-tests failed, first: %s", causes,
			    first.s ? first.s : "?");
		free(first.s);
	}
	if (root->plan >= 0 && (size_t)root->plan != r->nnodes) {
		v = VERDICT_FAIL;
		sbuf_part(m);
		sbuf_add(m, "planned %lld tests, saw %zu", root->plan, r->nnodes);
	}
	if (exit_code != 0 &&
	    (v == VERDICT_PASS || (v == VERDICT_SKIP && !is_skip_exit(r->format, exit_code)))) {
		v = VERDICT_FAIL;
		sbuf_part(m);
		sbuf_add(m, "exit code %d but no sub-test failed", exit_code);
	}
	if (v == VERDICT_SKIP && m->len == 0 && r->nodes[0].message != NULL)
		sbuf_add(m, "%s", r->nodes[0].message);
	return v;
}

void
tout_parser_finish(struct tout_parser *p, int exit_code, bool timed_out, struct tout_result *out)
{
	struct sbuf m = { 0 };

	memset(out, 0, sizeof(*out));
	if (p == NULL) {
		out->verdict = timed_out ? VERDICT_TIMEOUT
		    : exit_code == 0     ? VERDICT_PASS
					 : VERDICT_FAIL;
		return;
	}
	out->format = p->format;
	if (p->root_set) {
		pop_to(p, -1);
		flush_pending(p, &p->stack[0]);
		out->nodes = p->stack[0].nodes.v;
		out->nnodes = p->stack[0].nodes.n;
		memset(&p->stack[0].nodes, 0, sizeof(p->stack[0].nodes));
	}
	for (size_t i = 0; i < out->nnodes; i++)
		count_leaves(&out->nodes[i], out);

	if (p->format == TOUT_LTP) {
		struct sbuf b = { 0 };

		for (int k = 0; k < LTP_NKINDS; k++) {
			if (p->ltp_summary[k] < 0 || p->ltp_summary[k] == p->ltp_seen[k])
				continue;
			sbuf_part(&b);
			sbuf_add(&b, "LTP summary says %s %lld, saw %d", ltp_summary_words[k],
			    p->ltp_summary[k], p->ltp_seen[k]);
		}
		free(p->note);
		p->note = b.s;
		if (b.oom)
			p->oom = true;
	}

	if (timed_out) {
		out->verdict = VERDICT_TIMEOUT;
		sbuf_add(&m, "killed at its timeout");
	} else if (p->oom) {
		out->verdict = VERDICT_ERROR;
		sbuf_add(&m, "out of memory while reading the output");
	} else if (p->bailed) {
		out->verdict = VERDICT_ERROR;
		if (p->bail_reason != NULL && p->bail_reason[0] != '\0')
			sbuf_add(&m, "bail out: %s", p->bail_reason);
		else
			sbuf_add(&m, "bail out");
	} else {
		out->verdict = judge(p, out, exit_code, &m);
	}
	if (p->note != NULL) {
		sbuf_part(&m);
		sbuf_add(&m, "%s", p->note);
	}
	out->message = m.oom ? NULL : m.s;
	if (m.oom)
		free(m.s);
	parser_release(p);
}

void
tout_result_free(struct tout_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nnodes; i++)
		node_free(&r->nodes[i]);
	free(r->nodes);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

const char *
tout_format_name(enum tout_format f)
{
	switch (f) {
	case TOUT_NONE:
		return "none";
	case TOUT_TAP:
		return "tap";
	case TOUT_KTAP:
		return "ktap";
	case TOUT_LTP:
		return "ltp";
	case TOUT_KUT:
		return "kvm-unit-tests";
	}
	return "none";
}
