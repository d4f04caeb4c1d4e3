/*
 * ltp.c -- the Linux Test Project's result lines and its summary.
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
 * The lines are read by tout_ltp_line(); the summary is checked by
 * tout_ltp_finish() when the test ends, because LTP prints it last.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tout/private.h"
#include "tout/test-output.h"

/* The longest LTP node name, in bytes. */
#define LTP_NAME_MAX 200

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
		if (tout_has_prefix(t, ltp_types[k]))
			return k;
	if (tout_has_prefix(t, "TINFO") || tout_has_prefix(t, "TDEBUG"))
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

		if (!tout_parse_num(&num, &n) || num[0] != ':' || num[1] != ' ')
			return false;
		ty = num + 2;
		*kind = ltp_type(ty);
		ty += ltp_type_len(ty);
		if (*kind < 0 || *ty != ':')
			return false;
		snprintf(loc, locsize, "%.*s:%lld", (int)(s - t > 100 ? 100 : s - t), t, n);
		*msg = tout_skip_ws(ty + 1);
		return true;
	}
	/* Old library and shell tests: "name N TTYPE : msg". */
	if (s == t || (*s != ' ' && *s != '\t'))
		return false;
	ty = tout_skip_ws(s);
	if (!tout_parse_num(&ty, &n) || (*ty != ' ' && *ty != '\t'))
		return false;
	ty = tout_skip_ws(ty);
	*kind = ltp_type(ty);
	ty = tout_skip_ws(ty + ltp_type_len(ty));
	if (*kind < 0 || *ty != ':')
		return false;
	snprintf(loc, locsize, "%.*s %lld", (int)(s - t > 100 ? 100 : s - t), t, n);
	*msg = tout_skip_ws(ty + 1);
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
		s = tout_skip_ws(s);
		if (tout_parse_num(&s, &v) && *tout_skip_ws(s) == '\0')
			p->ltp_summary[k] = v;
		return;
	}
}

bool
tout_ltp_line(struct tout_parser *p, const char *t, uint64_t line)
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
		tout_block_enter(p, 0, line);
	mlen = utf8_cut(msg, tout_trimmed_len(msg, strlen(msg)), LTP_NAME_MAX);
	snprintf(where, sizeof(where), "%s at %s", ltp_types[kind], loc);
	if (tout_add_node(p, &p->stack[0].nodes, msg, mlen, verdicts[kind], where, line) != NULL)
		p->ltp_seen[kind]++;
	return true;
}

void
tout_ltp_finish(struct tout_parser *p)
{
	struct sbuf b = { 0 };

	for (int k = 0; k < LTP_NKINDS; k++) {
		if (p->ltp_summary[k] < 0 || p->ltp_summary[k] == p->ltp_seen[k])
			continue;
		tout_sbuf_part(&b);
		tout_sbuf_add(&b, "LTP summary says %s %lld, saw %d", ltp_summary_words[k],
		    p->ltp_summary[k], p->ltp_seen[k]);
	}
	free(p->note);
	p->note = b.s;
	if (b.oom)
		p->oom = true;
}
