/*
 * crash.c -- kernel and hypervisor crash reports on the guest's console.
 *
 * console.c hands every logged line here (crash.h).  Each line is matched
 * against the first line of the kernel's and the pKVM hypervisor's crash
 * reports (the table crash_rules below).  Matching is anchored: the
 * pattern has to start the printk message, that is the line after an
 * optional printk prefix (a "[   12.345678]" timestamp and/or a
 * "[T123]"/"[C0]" caller id, as base/printk.h reads it) and an optional
 * "kvm [N]: ", "rcu: " or "watchdog: " subsystem prefix.  A printk prefix
 * further into the line starts a candidate message too, because printk may
 * begin right after a partial line a program left on the console.  Anchoring is what keeps "kvm [1]: ..." boot chatter and
 * words like "DEBUG" or "BUG-free" from being taken for crashes.  A
 * "---[ end trace" or "---[ end Kernel panic" line is a report's end marker.
 *
 * The first matching line also opens a report, which collects the lines
 * that follow until the report is over (see "crash reports" below for
 * where a report ends), with the title and kind of its first line, fatal
 * if any of its lines was.
 *
 * Titles.  A title must be the same every time the same bug fires, so it
 * can be compared across runs and jobs.  It is built from the matching line
 * only, in these steps:
 *
 *  - the timestamp, caller id and subsystem prefix ("kvm [79]: ") go;
 *  - "[<ffff800008bca0e8>]" tokens go, "func+0x1c/0x30" becomes "func",
 *    and any token holding a run of 12 or more hex digits (64-bit
 *    addresses, hashed pointers, ESR values; not "exitcode=0x0000000b")
 *    is dropped;
 *  - trailing blanks and '!', '.', ':' and ',' go;
 *  - then the rule for the kind of report:
 *
 *      Kernel panic - not syncing: MSG   kept whole (MSG is the panic's
 *                                        reason; "HYP panic" is CRASH_HYP)
 *      Internal error: WHAT: ESR [#1]    "Internal error: WHAT"
 *      Oops: ... [#1]                    the text before ": <code> [#N]"
 *      Unable to handle kernel X at virtual address A
 *                                        "Unable to handle kernel X"
 *      kernel BUG at FILE:LINE!          "kernel BUG at FILE:LINE"
 *      BUG: KASAN: KIND in FUNC+off      "KASAN: KIND in FUNC" (same for
 *                                        KFENCE, KCSAN, KMSAN)
 *      BUG: soft lockup - CPU#0 ...      "BUG: soft lockup"
 *      BUG: WHAT: details                "BUG: WHAT", also cut at ", ",
 *                                        " - ", " in process ", " on CPU#"
 *      UBSAN: KIND in FILE:LINE:COL      kept whole
 *      WARNING: CPU: N PID: N at FILE:LINE FUNC+off
 *                                        "WARNING in FUNC" (syzkaller's
 *                                        form; "WARNING at FILE:LINE" when
 *                                        no function is printed)
 *      WARNING: other                    kept whole (lockdep etc.)
 *      Watchdog detected hard LOCKUP on cpu N
 *                                        "Watchdog detected hard LOCKUP"
 *      INFO: rcu_X ... stall(s) ...: details
 *                                        the text before the first ": "
 *                                        after "INFO: "
 *      INFO: task COMM:PID blocked for more than N seconds.
 *                                        "INFO: task COMM blocked" (N grows
 *                                        while the task stays blocked)
 *      SError Interrupt on CPU0, ...     "SError Interrupt"
 *      nVHE hyp BUG at: FILE:LINE!       "nVHE hyp BUG at: FILE:LINE"
 *      nVHE hyp BUG at: [<A>] FUNC+off!  "nVHE hyp BUG at: FUNC"
 *      nVHE hyp panic at: [<A>] FUNC+off!
 *                                        "nVHE hyp panic at: FUNC"
 *      Invalid host exception to nVHE hyp!
 *                                        "Invalid host exception to nVHE hyp"
 *
 * A WARNING is not fatal; every other report is (sanitizer
 * reports included: the kernel carries on after them, but the memory it
 * runs on is no longer trustworthy and the test found a bug).
 *
 * Like console.c this is pure: no I/O, no clock, no allocation.
 */
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/printk.h"
#include "guest/crash.h"

#define REPORT_LINES_MAX 200

/* ---- helpers ----------------------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Skip the subsystem prefixes that precede some report lines: kvm_err()'s
 * "kvm [PID]: ", "rcu: ", "watchdog: " and "NMI watchdog: ".
 */
static const char *
skip_subsystem(const char *s)
{
	static const char *const plain[] = { "rcu: ", "watchdog: ", "NMI watchdog: " };
	size_t i;

	if (starts_with(s, "kvm [")) {
		const char *p = s + 5;
		if (is_digit(*p)) {
			while (is_digit(*p))
				p++;
			if (starts_with(p, "]: "))
				return p + 3;
		}
		return s;
	}
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (starts_with(s, plain[i]))
			return s + strlen(plain[i]);
	return s;
}

/* The printk message that starts at S (S at a line start or printk prefix). */
const char *
crash_message_start(const char *s)
{
	const char *p = printk_prefix_skip(s);

	if (p == NULL)
		p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	return skip_subsystem(p);
}

/* ---- title scrubbing --------------------------------------------------- */

/* Does [S, S+LEN) hold a run of 12 or more hex digits (an address)? */
static bool
has_long_hex(const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		run = is_hex(s[i]) ? run + 1 : 0;
		if (run >= 12)
			return true;
	}
	return false;
}

/*
 * Length of a token's "sym" part if the token is "sym+0xOFF/0xSIZE..."; the
 * whole length otherwise.
 */
static size_t
strip_offset(const char *tok, size_t len)
{
	size_t i;

	for (i = 0; i + 3 <= len; i++) {
		if (tok[i] == '+' && tok[i + 1] == '0' && tok[i + 2] == 'x') {
			const char *p = tok + i + 3;
			if (is_hex(*p) && memchr(p, '/', len - i - 3) != NULL)
				return i;
		}
	}
	return len;
}

static bool
is_trailing_junk(char c)
{
	return c == ' ' || c == '\t' || c == '!' || c == '.' || c == ':' || c == ',';
}

/*
 * Write the stable form of [SRC, SRC+LEN) to DST (CRASH_TITLE_MAX bytes): drop
 * address tokens, cut symbol offsets, squeeze blanks, trim trailing junk.
 */
static void
scrub(char *dst, const char *src, size_t len)
{
	size_t out = 0, i = 0;

	while (i < len) {
		size_t start, tlen, keep;

		while (i < len && (src[i] == ' ' || src[i] == '\t'))
			i++;
		start = i;
		while (i < len && src[i] != ' ' && src[i] != '\t')
			i++;
		tlen = i - start;
		if (tlen == 0)
			break;
		if (src[start] == '[' && tlen >= 2 && src[start + 1] == '<')
			continue; /* "[<ffff800008bca0e8>]" */
		keep = strip_offset(src + start, tlen);
		if (has_long_hex(src + start, keep))
			continue;
		if (keep == 0)
			continue;
		if (out > 0 && out + 1 < CRASH_TITLE_MAX)
			dst[out++] = ' ';
		if (keep > CRASH_TITLE_MAX - 1 - out)
			keep = CRASH_TITLE_MAX - 1 - out;
		memcpy(dst + out, src + start, keep);
		out += keep;
	}
	while (out > 0 && is_trailing_junk(dst[out - 1]))
		out--;
	dst[out] = '\0';
}

/* Cut DST at the first occurrence of any of CUTS (NULL-terminated list). */
static void
cut_at(char *dst, size_t from, const char *const *cuts)
{
	char *end = NULL;
	size_t i;

	if (strlen(dst) < from)
		return;
	for (i = 0; cuts[i] != NULL; i++) {
		char *p = strstr(dst + from, cuts[i]);
		if (p != NULL && (end == NULL || p < end))
			end = p;
	}
	if (end == NULL)
		return;
	while (end > dst && is_trailing_junk(end[-1]))
		end--;
	*end = '\0';
}

/* ---- crash rules ------------------------------------------------------- */

/* Build the title of message M (NUL-terminated) into T. */
typedef void (*title_fn)(char *t, const char *m);

static void
title_plain(char *t, const char *m)
{
	scrub(t, m, strlen(m));
}

/* "Internal error: Oops: 0000000096000005 [#1] SMP" -> "Internal error: Oops";
 * x86-style "Oops: 0000 [#1] SMP" -> "Oops". */
static void
title_oops(char *t, const char *m)
{
	const char *end = strstr(m, " [#");
	const char *colon;

	if (end == NULL)
		end = m + strlen(m);
	/* Drop the ": <error code>" right before " [#N]". */
	for (colon = end; colon > m && colon[-1] != ':'; colon--)
		if (!is_hex(colon[-1]) && colon[-1] != ' ')
			break;
	if (colon > m && colon[-1] == ':')
		end = colon - 1;
	scrub(t, m, (size_t)(end - m));
}

static void
title_paging(char *t, const char *m)
{
	const char *end = strstr(m, " at virtual address");

	scrub(t, m, end ? (size_t)(end - m) : strlen(m));
}

static void
title_sanitizer_bug(char *t, const char *m)
{
	/* "BUG: KASAN: ..." -> "KASAN: ..." */
	scrub(t, m + strlen("BUG: "), strlen(m) - strlen("BUG: "));
}

static void
title_soft_lockup(char *t, const char *m)
{
	(void)m;
	strcpy(t, "BUG: soft lockup");
}

static void
title_bug(char *t, const char *m)
{
	static const char *const cuts[] = { ": ", ", ", " - ", " in process ", " on CPU#", NULL };

	scrub(t, m, strlen(m));
	cut_at(t, strlen("BUG: "), cuts);
}

/* WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 foo_bar+0x1c/0x30 [mod]
 * (and the newer "WARNING: kernel/foo.c:12 at foo_bar+0x1c/0x30, CPU#0: ...")
 * -> "WARNING in foo_bar". */
static void
title_warning(char *t, const char *m)
{
	const char *at = strstr(m, " at ");
	const char *p, *first = NULL;
	size_t first_len = 0;

	if (at == NULL) {
		title_plain(t, m);
		return;
	}
	for (p = at + 4; *p != '\0';) {
		const char *tok;
		size_t len, sym;

		while (*p == ' ')
			p++;
		tok = p;
		while (*p != '\0' && *p != ' ')
			p++;
		len = (size_t)(p - tok);
		if (len == 0)
			break;
		if (first == NULL) {
			first = tok;
			first_len = len;
		}
		sym = strip_offset(tok, len);
		if (sym < len && sym > 0) {
			if (sym > CRASH_TITLE_MAX - 12)
				sym = CRASH_TITLE_MAX - 12;
			memcpy(t, "WARNING in ", 11);
			memcpy(t + 11, tok, sym);
			t[11 + sym] = '\0';
			return;
		}
	}
	if (first != NULL && starts_with(m, "WARNING: CPU:")) {
		char where[CRASH_TITLE_MAX];

		scrub(where, first, first_len);
		if (where[0] != '\0') {
			snprintf(t, CRASH_TITLE_MAX, "WARNING at %.*s", CRASH_TITLE_MAX - 12,
			    where);
			return;
		}
	}
	title_plain(t, m);
}

static void
title_hard_lockup(char *t, const char *m)
{
	(void)m;
	strcpy(t, "Watchdog detected hard LOCKUP");
}

/* "INFO: rcu_sched detected expedited stalls on CPUs/tasks: { 0-... } ..."
 * -> "INFO: rcu_sched detected expedited stalls on CPUs/tasks". */
static void
title_rcu(char *t, const char *m)
{
	static const char *const cuts[] = { ": ", " {", NULL };

	scrub(t, m, strlen(m));
	cut_at(t, strlen("INFO: "), cuts);
}

/* "INFO: task kworker/0:1:45 blocked for more than 120 seconds."
 * -> "INFO: task kworker/0:1 blocked".  The seconds go too: the kernel
 * reports how long it has waited so far, which depends on timing. */
static void
title_hung_task(char *t, const char *m)
{
	const char *name = m + strlen("INFO: task ");
	const char *blocked = strstr(name, " blocked for more than");
	const char *end;

	if (blocked == NULL) {
		title_plain(t, m);
		return;
	}
	/* The PID is after the last ':' of "COMM:PID". */
	for (end = blocked; end > name && is_digit(end[-1]); end--)
		;
	if (end > name && end < blocked && end[-1] == ':')
		end--;
	else
		end = blocked;
	snprintf(t, CRASH_TITLE_MAX, "INFO: task %.*s blocked",
	    (int)(end - name < CRASH_TITLE_MAX / 2 ? end - name : CRASH_TITLE_MAX / 2), name);
}

static void
title_serror(char *t, const char *m)
{
	(void)m;
	strcpy(t, "SError Interrupt");
}

/* "Kernel panic - not syncing: HYP panic:" (the rest is on later lines). */
static void
title_hyp_panic(char *t, const char *m)
{
	(void)m;
	strcpy(t, "Kernel panic - not syncing: HYP panic");
}

/* "nVHE hyp BUG at: [<A>] f+0x1/0x2!" -> "nVHE hyp BUG at: f"; when the
 * location cannot be told at all, just "nVHE hyp BUG" (or "panic"). */
static void
title_hyp_at(char *t, const char *m)
{
	const char *at = strstr(m, " at: ");

	title_plain(t, m);
	if (at != NULL && (size_t)(at - m) + 4 >= strlen(t))
		t[at - m] = '\0';
}

struct crash_rule {
	const char *prefix; /* the message starts with this */
	const char *also; /* and contains this, unless NULL */
	enum crash_kind kind;
	bool fatal;
	title_fn title;
};

/* First match wins, so longer prefixes come before shorter ones. */
static const struct crash_rule crash_rules[] = {
	{ .prefix = "Kernel panic - not syncing: HYP panic",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .title = title_hyp_panic },
	{ .prefix = "Kernel panic - not syncing: ",
	    .kind = CRASH_PANIC,
	    .fatal = true,
	    .title = title_plain },
	{ .prefix = "Internal error: ", .kind = CRASH_OOPS, .fatal = true, .title = title_oops },
	{ .prefix = "Oops: ", .kind = CRASH_OOPS, .fatal = true, .title = title_oops },
	{ .prefix = "Oops - ", .kind = CRASH_OOPS, .fatal = true, .title = title_oops },
	{ .prefix = "Unable to handle kernel ",
	    .kind = CRASH_PAGING,
	    .fatal = true,
	    .title = title_paging },
	{ .prefix = "kernel BUG at ", .kind = CRASH_BUG, .fatal = true, .title = title_plain },
	{ .prefix = "BUG: KASAN: ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .title = title_sanitizer_bug },
	{ .prefix = "BUG: KFENCE: ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .title = title_sanitizer_bug },
	{ .prefix = "BUG: KCSAN: ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .title = title_sanitizer_bug },
	{ .prefix = "BUG: KMSAN: ",
	    .kind = CRASH_SANITIZER,
	    .fatal = true,
	    .title = title_sanitizer_bug },
	{ .prefix = "BUG: soft lockup",
	    .kind = CRASH_LOCKUP,
	    .fatal = true,
	    .title = title_soft_lockup },
	{ .prefix = "BUG: ", .kind = CRASH_BUG, .fatal = true, .title = title_bug },
	{ .prefix = "UBSAN: ", .kind = CRASH_SANITIZER, .fatal = true, .title = title_plain },
	{ .prefix = "WARNING: ", .kind = CRASH_WARNING, .fatal = false, .title = title_warning },
	{ .prefix = "Watchdog detected hard LOCKUP",
	    .kind = CRASH_LOCKUP,
	    .fatal = true,
	    .title = title_hard_lockup },
	{ .prefix = "INFO: rcu_",
	    .also = "stall",
	    .kind = CRASH_RCU_STALL,
	    .fatal = true,
	    .title = title_rcu },
	{ .prefix = "INFO: task ",
	    .also = " blocked for more than ",
	    .kind = CRASH_HUNG_TASK,
	    .fatal = true,
	    .title = title_hung_task },
	{ .prefix = "SError Interrupt",
	    .kind = CRASH_SERROR,
	    .fatal = true,
	    .title = title_serror },
	{ .prefix = "nVHE hyp BUG at: ", .kind = CRASH_HYP, .fatal = true, .title = title_hyp_at },
	{ .prefix = "nVHE hyp panic at: ",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .title = title_hyp_at },
	{ .prefix = "Invalid host exception to nVHE hyp",
	    .kind = CRASH_HYP,
	    .fatal = true,
	    .title = title_plain },
};

static const struct crash_rule *
match_rule(const char *m)
{
	size_t i;

	for (i = 0; i < sizeof(crash_rules) / sizeof(crash_rules[0]); i++) {
		const struct crash_rule *r = &crash_rules[i];
		if (starts_with(m, r->prefix) && (r->also == NULL || strstr(m, r->also) != NULL))
			return r;
	}
	return NULL;
}

static bool
is_end_marker(const char *m)
{
	return starts_with(m, "---[ end trace") || starts_with(m, "---[ end Kernel panic");
}

/*
 * Look for a crash report in TEXT (the line, or the part of it before a
 * result marker): at the line start and at every later printk prefix.
 */
enum crash_hit
crash_match_line(const char *text, struct crash_match *cm)
{
	const char *s = text;

	for (;;) {
		const struct crash_rule *r;
		const char *m;

		if (s != text && printk_prefix_skip(s) == NULL)
			goto next;
		m = crash_message_start(s);
		if (is_end_marker(m))
			return CRASH_HIT_END;
		r = match_rule(m);
		if (r != NULL) {
			r->title(cm->title, m);
			cm->kind = r->kind;
			cm->fatal = r->fatal;
			return CRASH_HIT_CRASH;
		}
	next:
		if (*s == '\0' || (s = strchr(s + 1, '[')) == NULL)
			return CRASH_HIT_NONE;
	}
}

/* ---- crash reports ----------------------------------------------------- */

/*
 * A report runs from its first crash line to the end of its backtrace.
 * The kernel marks that end only sometimes ("---[ end trace" after an
 * Oops or a WARNING, "Kernel Offset:" ... "Memory Limit:" after a panic);
 * a hung task or a stall report just stops.  So, as syzkaller's
 * pkg/report does with its own means, we also watch the shape of the
 * report: once a "Call trace:" block has had frames, a line that is no
 * frame and none of the lines known to follow a backtrace ("Code:", the
 * end markers, the panic that an Oops causes, the panic's tail) is no
 * longer part of the report -- it ends the report and is looked at afresh,
 * so three hung-task reports in a row are three reports.
 *
 * Otherwise a report ends:
 *  - at its "---[ end trace" line if it is a WARNING; any other report
 *    waits for one more line there, which joins it if it is the panic the
 *    Oops causes ("Kernel panic - not syncing: Oops: Fatal exception");
 *  - at "---[ end Kernel panic", or at "Memory Limit:", the last line of
 *    an arm64 panic's tail ("Kernel Offset:", "PHYS_OFFSET:", "CPU
 *    features:", "Memory Limit:"), which is kept whole: after "Kernel
 *    Offset:" only the tail's lines are taken;
 *  - before a result line, which is no part of it (a crash in the text
 *    before a result marker gets its CONSOLE_CRASH, but no report; console.c
 *    closes the report there);
 *  - after REPORT_LINES_MAX lines, or at console_parser_flush() (console.c
 *    again).
 * The text is the lines as logged ('\r' dropped) joined by '\n', cut at
 * CRASH_REPORT_TEXT_MAX bytes, without trailing blank lines.
 */

static const char *const trace_headers[] = {
	"Call trace:",
	"Call Trace:",
	"nVHE call trace:",
	"Allocated by task ",
	"Freed by task ",
	"Last potentially related work creation:",
	"Second to last potentially related work creation:",
	NULL,
};

/* Lines that may follow a backtrace and still belong to its report. */
static const char *const after_trace[] = {
	"Code: ",
	"---[ end ",
	"Kernel panic - not syncing",
	"Kernel Offset:",
	"PHYS_OFFSET:",
	"CPU features:",
	"Memory Limit:",
	"SMP: stopping secondary CPUs",
	NULL,
};

/* The lines a panic prints after "Kernel Offset:" (arm64). */
static const char *const panic_tail[] = {
	"PHYS_OFFSET:",
	"CPU features:",
	"Memory Limit:",
	"---[ end Kernel panic",
	NULL,
};

static bool
starts_with_any(const char *s, const char *const *prefixes)
{
	size_t i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (starts_with(s, prefixes[i]))
			return true;
	return false;
}

/*
 * Is LINE a backtrace frame: " func+0x1c/0x30 [mod]", "[<ffff...>] func+...",
 * "? func+...", an unsymbolised " 0xffff800008bca0e8", an x86 "<IRQ>"
 * style marker, with or without a "kvm [N]: " prefix (the hyp's trace)?
 */
static bool
is_frame(const char *line)
{
	const char *p = printk_prefix_skip(line), *tok;
	size_t len;

	if (p == NULL)
		p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	p = skip_subsystem(p);
	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == '[' && p[1] == '<') {
		p = strchr(p, ']');
		if (p == NULL)
			return false;
		while (*++p == ' ')
			;
	}
	if (p[0] == '?' && p[1] == ' ')
		p += 2;
	tok = p;
	len = strcspn(tok, " \t");
	if (len == 0)
		return false;
	if (tok[0] == '<' && tok[len - 1] == '>')
		return true; /* <IRQ>, </IRQ>, <TASK>, ... */
	if (tok[0] == '0' && tok[1] == 'x' && len >= 10) {
		size_t i;
		for (i = 2; i < len && is_hex(tok[i]); i++)
			;
		return i == len;
	}
	return strip_offset(tok, len) < len;
}

bool
crash_report_takes(const struct crash_report *r, const char *line, const char *m)
{
	switch (r->phase) {
	case CRASH_REPORT_AFTER_END:
		return starts_with(m, "Kernel panic - not syncing");
	case CRASH_REPORT_TAIL:
		return *m == '\0' || starts_with_any(m, panic_tail);
	case CRASH_REPORT_BODY:
		break;
	}
	if (!r->in_trace || r->frames == 0)
		return true;
	return *m == '\0' || is_frame(line) || starts_with_any(m, trace_headers) ||
	    starts_with_any(m, after_trace);
}

static void
report_append(struct crash_report *r, const char *line, uint64_t lineno, bool blank)
{
	size_t n = strlen(line);

	if (r->nlines > 0 && r->len < CRASH_REPORT_TEXT_MAX)
		r->text[r->len++] = '\n';
	if (n > CRASH_REPORT_TEXT_MAX - r->len)
		n = CRASH_REPORT_TEXT_MAX - r->len;
	memcpy(r->text + r->len, line, n);
	r->len += n;
	r->nlines++;
	r->last = lineno;
	if (!blank) {
		r->kept_len = r->len;
		r->kept_last = lineno;
	}
}

/*
 * The line comes after its CONSOLE_CRASH/CONSOLE_CRASH_END event, if any;
 * the caller reports a complete report (and crash_report_close()s it).
 */
bool
crash_report_add(struct crash_report *r, const char *line, const char *m, uint64_t lineno,
    enum crash_hit hit, const struct crash_match *cm)
{
	if (!r->open) {
		if (hit != CRASH_HIT_CRASH)
			return false;
		memset(r, 0, offsetof(struct crash_report, title));
		r->open = true;
		r->phase = CRASH_REPORT_BODY;
		r->kind = cm->kind;
		r->fatal = cm->fatal;
		r->first = lineno;
		snprintf(r->title, sizeof(r->title), "%s", cm->title);
		snprintf(r->first_line, sizeof(r->first_line), "%s", line);
	} else if (hit == CRASH_HIT_CRASH) {
		r->fatal = r->fatal || cm->fatal;
	}
	report_append(r, line, lineno, *m == '\0');

	if (starts_with(m, "Kernel panic - not syncing")) {
		/* The panic an Oops causes: a fresh body, maybe a trace. */
		r->phase = CRASH_REPORT_BODY;
		r->in_trace = false;
		r->frames = 0;
	}
	if (r->in_trace && is_frame(line))
		r->frames++;
	else if (starts_with_any(m, trace_headers)) {
		r->in_trace = true;
		r->frames = 0;
	}

	if (hit == CRASH_HIT_END) {
		if (r->kind == CRASH_WARNING || starts_with(m, "---[ end Kernel panic"))
			return true;
		r->phase = CRASH_REPORT_AFTER_END;
	} else if (starts_with(m, "Memory Limit:")) {
		return true;
	} else if (starts_with(m, "Kernel Offset:")) {
		r->phase = CRASH_REPORT_TAIL;
	}
	return r->nlines >= REPORT_LINES_MAX;
}

void
crash_report_close(struct crash_report *r)
{
	r->len = r->kept_len;
	r->text[r->len] = '\0';
	r->open = false;
}

/* Name of a crash kind; declared in console.h, the API callers use. */
const char *
crash_kind_name(enum crash_kind k)
{
	switch (k) {
	case CRASH_PANIC:
		return "panic";
	case CRASH_OOPS:
		return "oops";
	case CRASH_PAGING:
		return "paging";
	case CRASH_BUG:
		return "bug";
	case CRASH_WARNING:
		return "warning";
	case CRASH_HYP:
		return "hyp";
	case CRASH_SERROR:
		return "serror";
	case CRASH_LOCKUP:
		return "lockup";
	case CRASH_RCU_STALL:
		return "rcu-stall";
	case CRASH_HUNG_TASK:
		return "hung-task";
	case CRASH_SANITIZER:
		return "sanitizer";
	}
	return "unknown";
}
