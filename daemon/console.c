/*
 * console.c -- the one parser of a guest's serial console.
 *
 * The runner hands us whatever qemu printed, in chunks of any size.  We cut
 * the stream into lines in a fixed buffer (CONSOLE_LINE_MAX bytes; the rest
 * of an over-long line is dropped, the line still counts once), drop every
 * '\r' the serial line adds, and sort each finished line into one of three
 * kinds:
 *
 * 0. Data lines, "@@pkvm:1 d <base64>" from the very start of the line: an
 *    artifact's bytes (docs/GUEST.md).  They carry no crc; we check that
 *    the text is whole groups of the base64 alphabet with '=' padding only
 *    at the end and report CONSOLE_FILE_DATA (or CONSOLE_CORRUPT, "bad data
 *    line"; the artifact's own checks catch what this cannot).  They are
 *    no part of the serial log: not counted, not handed to the output.
 *    The output (console_parser_set_output) streams everything else as it
 *    comes, so a prompt without a newline is logged at once; only a line's
 *    first bytes are held back, while they still spell the data marker --
 *    at most DATA_MARKER_LEN of them, plus any '\r' or NUL among them up
 *    to HOLD_MAX raw bytes.  The bytes logged are exactly the bytes fed
 *    minus the data lines (their '\r' and '\n' included), however the
 *    stream was cut into chunks.
 *
 * 1. Result lines.  initramfs/init frames what it reports as
 *
 *        @@pkvm:1 <event> key=value ... crc=<N>
 *
 *    where N is the POSIX cksum(1) CRC of the bytes from "@@pkvm:1" up to
 *    " crc=".  printk output shares the console, so the marker may come
 *    after unrelated text on the same line and a line may be mangled by
 *    interleaving; the CRC catches that.  A line that carries "@@pkvm:" but
 *    does not check out (wrong version, bad or missing crc, unknown event,
 *    a token that is not key=value, a missing or malformed field) is
 *    reported as CONSOLE_CORRUPT, with a short reason in ev->title, so that
 *    the runner can fail the job loudly instead of silently missing a
 *    result.  Keys an event does not know are ignored, so init can add
 *    information without a version bump (a "begin" without "timeout" is
 *    one from before it existed: no timeout).
 *
 * 2. Everything else is console output: CONSOLE_LINE, which the runner
 *    hands to the per-test output parser, and crash reports.  Each line
 *    is matched against the first line of the kernel's and the pKVM
 *    hypervisor's crash reports (the table crash_rules below).  Matching is anchored: the pattern has to start
 *    the printk message, that is the line after an optional
 *    "[   12.345678]" timestamp, an optional "[T123]"/"[C0]" caller id and
 *    an optional "kvm [N]: ", "rcu: " or "watchdog: " subsystem prefix.  A
 *    timestamp further into the line starts a candidate message too,
 *    because printk may begin right after a partial line a program left on
 *    the console.  Anchoring is what keeps "kvm [1]: ..." boot chatter and
 *    words like "DEBUG" or "BUG-free" from being taken for crashes.
 *
 *    Every matching line is one CONSOLE_CRASH event; a report usually has
 *    several (an Oops's "Unable to handle kernel ...", then "Internal
 *    error: ...", then "Kernel panic - not syncing: Oops: Fatal
 *    exception").  A "---[ end trace" or "---[ end Kernel panic" line is
 *    CONSOLE_CRASH_END.  The first matching line also opens a report,
 *    which collects the lines that follow until the report is over and
 *    then comes whole as one CONSOLE_CRASH_REPORT, with the title and kind
 *    of its first line, fatal if any of its lines was (see "crash
 *    reports" below for where a report ends).
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
 * Event order follows the log: a report that a line ends without being
 * part of it comes first, then the line's own event (CONSOLE_LINE or the
 * result), then its CONSOLE_CRASH/CONSOLE_CRASH_END, then the report it
 * completes.  A data line's events carry the number of the last logged
 * line before it.
 *
 * The parser is pure: no I/O, no clock, and the only allocation is the
 * parser itself (with its line, report and hold buffers), so it runs the
 * same on captured logs in tests/data/.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define TITLE_MAX 256
#define RESULT_PREFIX "@@pkvm:"
#define RESULT_MAX_FIELDS 16
#define DATA_MARKER CONSOLE_MARKER "d "
#define DATA_MARKER_LEN (sizeof(DATA_MARKER) - 1)
/* Raw bytes held at a line start: the marker's, plus a few '\r'/NUL. */
#define HOLD_MAX 32
#define REPORT_LINES_MAX 200
#define REPORT_TEXT_MAX (64 * 1024)

/* What the current line is, as far as the serial log is concerned. */
enum line_mode {
	LINE_DECIDING, /* at its start: could still be a data line */
	LINE_LOGGED, /* not a data line: its bytes go to the log */
	LINE_DATA, /* a data line: kept out of the log */
};

/* Where an open crash report is. */
enum report_phase {
	REPORT_BODY, /* collecting the report proper */
	REPORT_AFTER_END, /* saw "---[ end trace": a panic may follow */
	REPORT_TAIL, /* saw "Kernel Offset:": only the panic's tail follows */
};

struct report {
	bool open;
	enum report_phase phase;
	enum crash_kind kind;
	bool fatal;
	bool in_trace; /* a "Call trace:" header was seen */
	int frames; /* frames since that header */
	uint64_t first, last; /* line numbers */
	int nlines;
	/* Trailing blank lines are not kept: the text, its last line and
	 * its line count up to the last non-blank line. */
	size_t kept_len;
	uint64_t kept_last;
	size_t len;
	char title[TITLE_MAX];
	char first_line[CONSOLE_LINE_MAX + 1];
	char text[REPORT_TEXT_MAX + 1];
};

struct console_parser {
	console_event_cb cb;
	void *arg;
	console_output_cb out;
	void *out_arg;
	uint64_t lines; /* logged lines finished so far */
	size_t len; /* bytes of the current line in buf */
	bool pending; /* bytes of an unfinished line were seen */
	bool overflow; /* the current line was longer than CONSOLE_LINE_MAX */
	enum line_mode mode;
	size_t marker_pos; /* DATA_MARKER bytes matched at the line start */
	size_t nhold; /* raw bytes held back from the log */
	char hold[HOLD_MAX];
	char buf[CONSOLE_LINE_MAX + 1];
	/* Scratch space for events, reused line after line. */
	char scratch[CONSOLE_LINE_MAX + 1];
	char title[TITLE_MAX];
	struct report report;
};

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
 * Skip "[ <digits>.<digits>]" at S; return what follows it, or NULL if S
 * does not start with a printk timestamp.
 */
static const char *
skip_timestamp(const char *s)
{
	const char *p = s;

	if (*p++ != '[')
		return NULL;
	while (*p == ' ')
		p++;
	if (!is_digit(*p))
		return NULL;
	while (is_digit(*p))
		p++;
	if (*p++ != '.' || !is_digit(*p))
		return NULL;
	while (is_digit(*p))
		p++;
	if (*p++ != ']')
		return NULL;
	return p;
}

/* Skip a CONFIG_PRINTK_CALLER id, "[    T123]" or "[  C0]", if there is one. */
static const char *
skip_caller(const char *s)
{
	const char *p = s;

	if (*p++ != '[')
		return s;
	while (*p == ' ')
		p++;
	if (*p != 'T' && *p != 'C')
		return s;
	p++;
	if (!is_digit(*p))
		return s;
	while (is_digit(*p))
		p++;
	if (*p++ != ']')
		return s;
	return p;
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

/* The printk message that starts at S (S at a line start or timestamp). */
static const char *
message_start(const char *s)
{
	const char *p = skip_timestamp(s);

	if (p == NULL)
		p = s;
	p = skip_caller(p);
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
 * Write the stable form of [SRC, SRC+LEN) to DST (TITLE_MAX bytes): drop
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
		if (out > 0 && out + 1 < TITLE_MAX)
			dst[out++] = ' ';
		if (keep > TITLE_MAX - 1 - out)
			keep = TITLE_MAX - 1 - out;
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
			if (sym > TITLE_MAX - 12)
				sym = TITLE_MAX - 12;
			memcpy(t, "WARNING in ", 11);
			memcpy(t + 11, tok, sym);
			t[11 + sym] = '\0';
			return;
		}
	}
	if (first != NULL && starts_with(m, "WARNING: CPU:")) {
		char where[TITLE_MAX];

		scrub(where, first, first_len);
		if (where[0] != '\0') {
			snprintf(t, TITLE_MAX, "WARNING at %.*s", TITLE_MAX - 12, where);
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
	snprintf(t, TITLE_MAX, "INFO: task %.*s blocked",
	    (int)(end - name < TITLE_MAX / 2 ? end - name : TITLE_MAX / 2), name);
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
	{ "Kernel panic - not syncing: HYP panic", NULL, CRASH_HYP, true, title_hyp_panic },
	{ "Kernel panic - not syncing: ", NULL, CRASH_PANIC, true, title_plain },
	{ "Internal error: ", NULL, CRASH_OOPS, true, title_oops },
	{ "Oops: ", NULL, CRASH_OOPS, true, title_oops },
	{ "Oops - ", NULL, CRASH_OOPS, true, title_oops },
	{ "Unable to handle kernel ", NULL, CRASH_PAGING, true, title_paging },
	{ "kernel BUG at ", NULL, CRASH_BUG, true, title_plain },
	{ "BUG: KASAN: ", NULL, CRASH_SANITIZER, true, title_sanitizer_bug },
	{ "BUG: KFENCE: ", NULL, CRASH_SANITIZER, true, title_sanitizer_bug },
	{ "BUG: KCSAN: ", NULL, CRASH_SANITIZER, true, title_sanitizer_bug },
	{ "BUG: KMSAN: ", NULL, CRASH_SANITIZER, true, title_sanitizer_bug },
	{ "BUG: soft lockup", NULL, CRASH_LOCKUP, true, title_soft_lockup },
	{ "BUG: ", NULL, CRASH_BUG, true, title_bug },
	{ "UBSAN: ", NULL, CRASH_SANITIZER, true, title_plain },
	{ "WARNING: ", NULL, CRASH_WARNING, false, title_warning },
	{ "Watchdog detected hard LOCKUP", NULL, CRASH_LOCKUP, true, title_hard_lockup },
	{ "INFO: rcu_", "stall", CRASH_RCU_STALL, true, title_rcu },
	{ "INFO: task ", " blocked for more than ", CRASH_HUNG_TASK, true, title_hung_task },
	{ "SError Interrupt", NULL, CRASH_SERROR, true, title_serror },
	{ "nVHE hyp BUG at: ", NULL, CRASH_HYP, true, title_hyp_at },
	{ "nVHE hyp panic at: ", NULL, CRASH_HYP, true, title_hyp_at },
	{ "Invalid host exception to nVHE hyp", NULL, CRASH_HYP, true, title_plain },
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

static void
emit(struct console_parser *p, struct console_event *ev)
{
	ev->lineno = p->lines;
	ev->line = p->buf;
	p->cb(p->arg, ev);
}

enum crash_hit {
	HIT_NONE,
	HIT_CRASH, /* a report's first line: rule *R, title in p->title */
	HIT_END, /* "---[ end trace" / "---[ end Kernel panic" */
};

/*
 * Look for a crash report in TEXT (the line, or the part of it before a
 * result marker): at the line start and after every later timestamp.
 * Emits CONSOLE_CRASH or CONSOLE_CRASH_END and says which it was.
 */
static enum crash_hit
detect_crash(struct console_parser *p, const char *text, const struct crash_rule **rp)
{
	const char *s = text;

	for (;;) {
		const struct crash_rule *r;
		const char *m;

		if (s != text && skip_timestamp(s) == NULL)
			goto next;
		m = message_start(s);
		if (is_end_marker(m)) {
			struct console_event ev = { .kind = CONSOLE_CRASH_END };
			emit(p, &ev);
			return HIT_END;
		}
		r = match_rule(m);
		if (r != NULL) {
			struct console_event ev = { .kind = CONSOLE_CRASH };
			r->title(p->title, m);
			ev.crash = r->kind;
			ev.fatal = r->fatal;
			ev.title = p->title;
			emit(p, &ev);
			*rp = r;
			return HIT_CRASH;
		}
	next:
		if (*s == '\0' || (s = strchr(s + 1, '[')) == NULL)
			return HIT_NONE;
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
 *    before a result marker gets its CONSOLE_CRASH, but no report);
 *  - after REPORT_LINES_MAX lines, or at console_parser_flush().
 * The text is the lines as logged ('\r' dropped) joined by '\n', cut at
 * REPORT_TEXT_MAX bytes, without trailing blank lines.
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
	const char *p = skip_timestamp(line), *tok;
	size_t len;

	p = skip_caller(p != NULL ? p : line);
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

static void
report_emit(struct console_parser *p)
{
	struct report *r = &p->report;
	struct console_event ev = { .kind = CONSOLE_CRASH_REPORT };

	r->len = r->kept_len;
	r->text[r->len] = '\0';
	ev.lineno = r->first;
	ev.last_lineno = r->kept_last;
	ev.line = r->first_line;
	ev.crash = r->kind;
	ev.fatal = r->fatal;
	ev.title = r->title;
	ev.report = r->text;
	r->open = false;
	p->cb(p->arg, &ev);
}

/* Does the line whose message is M (LINE whole) belong to the open report? */
static bool
report_takes(const struct report *r, const char *line, const char *m)
{
	switch (r->phase) {
	case REPORT_AFTER_END:
		return starts_with(m, "Kernel panic - not syncing");
	case REPORT_TAIL:
		return *m == '\0' || starts_with_any(m, panic_tail);
	case REPORT_BODY:
		break;
	}
	if (!r->in_trace || r->frames == 0)
		return true;
	return *m == '\0' || is_frame(line) || starts_with_any(m, trace_headers) ||
	    starts_with_any(m, after_trace);
}

static void
report_append(struct report *r, const char *line, uint64_t lineno, bool blank)
{
	size_t n = strlen(line);

	if (r->nlines > 0 && r->len < REPORT_TEXT_MAX)
		r->text[r->len++] = '\n';
	if (n > REPORT_TEXT_MAX - r->len)
		n = REPORT_TEXT_MAX - r->len;
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
 * Feed the crash report machinery one logged line (LINE, its message M)
 * after its CONSOLE_CRASH/CONSOLE_CRASH_END event, HIT, if any.
 */
static void
report_line(struct console_parser *p, const char *line, const char *m, enum crash_hit hit,
    const struct crash_rule *rule)
{
	struct report *r = &p->report;

	if (!r->open) {
		if (hit != HIT_CRASH)
			return;
		memset(r, 0, offsetof(struct report, title));
		r->open = true;
		r->phase = REPORT_BODY;
		r->kind = rule->kind;
		r->fatal = rule->fatal;
		r->first = p->lines;
		snprintf(r->title, sizeof(r->title), "%s", p->title);
		snprintf(r->first_line, sizeof(r->first_line), "%s", line);
	} else if (hit == HIT_CRASH) {
		r->fatal = r->fatal || rule->fatal;
	}
	report_append(r, line, p->lines, *m == '\0');

	if (starts_with(m, "Kernel panic - not syncing")) {
		/* The panic an Oops causes: a fresh body, maybe a trace. */
		r->phase = REPORT_BODY;
		r->in_trace = false;
		r->frames = 0;
	}
	if (r->in_trace && is_frame(line))
		r->frames++;
	else if (starts_with_any(m, trace_headers)) {
		r->in_trace = true;
		r->frames = 0;
	}

	if (hit == HIT_END) {
		if (r->kind == CRASH_WARNING || starts_with(m, "---[ end Kernel panic"))
			report_emit(p);
		else
			r->phase = REPORT_AFTER_END;
	} else if (starts_with(m, "Memory Limit:")) {
		report_emit(p);
	} else if (starts_with(m, "Kernel Offset:")) {
		r->phase = REPORT_TAIL;
	}
	if (r->open && r->nlines >= REPORT_LINES_MAX)
		report_emit(p);
}

/* ---- result lines ------------------------------------------------------ */

struct field {
	const char *key;
	const char *value;
};

static const char *
field_get(const struct field *f, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].key, key) == 0)
			return f[i].value;
	return NULL;
}

/* Parse a decimal into *OUT within [MIN, MAX]; 0 or -EINVAL. */
static int
parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	bool neg = false;
	int64_t v = 0;

	if (s == NULL)
		return -EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!is_digit(*s))
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (!is_digit(*s) || v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * "<seconds>.<fraction>" as init prints /proc/uptime's first field, to
 * milliseconds in *MS (digits past the third decimal are dropped); 0 or
 * -EINVAL.
 */
static int
parse_uptime(const char *s, int64_t *ms)
{
	int64_t sec = 0, frac = 0;
	int digits = 0;

	if (s == NULL || !is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		if (sec > INT64_MAX / 10000)
			return -EINVAL;
		sec = sec * 10 + (*s - '0');
	}
	if (*s++ != '.' || !is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++)
		if (digits < 3) {
			frac = frac * 10 + (*s - '0');
			digits++;
		}
	if (*s != '\0')
		return -EINVAL;
	for (; digits < 3; digits++)
		frac *= 10;
	*ms = sec * 1000 + frac;
	return 0;
}

/* 64 lower-case hex digits. */
static bool
valid_sha256(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < 64; i++)
		if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return s[64] == '\0';
}

/* Base64 text of a data line: whole 4-character groups of the alphabet,
 * with at most two '=' of padding at the very end. */
static bool
valid_base64(const char *s, size_t len)
{
	size_t i, pad = 0;

	if (len == 0 || len % 4 != 0)
		return false;
	while (pad < 2 && s[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
			c == '/'))
			return false;
	}
	return true;
}

/* The fields of each event: parse F[N] into EV; NULL or why it failed. */
static const char *
parse_test_line(struct console_event *ev, const struct field *f, int n)
{
	const char *killed;
	int64_t v;

	ev->test = field_get(f, n, "test");
	if (ev->test == NULL || parse_int(field_get(f, n, "seq"), 0, INT32_MAX, &v) < 0)
		return "bad test line";
	ev->seq = (int)v;
	if (ev->kind == CONSOLE_TEST_BEGIN) {
		/* Lines from before "timeout" existed have none: no timeout. */
		v = 0;
		if (field_get(f, n, "timeout") != NULL &&
		    parse_int(field_get(f, n, "timeout"), 0, INT32_MAX, &v) < 0)
			return "bad test line";
		ev->timeout_s = (int)v;
		return NULL;
	}
	if (parse_int(field_get(f, n, "exit"), INT32_MIN, INT32_MAX, &v) < 0)
		return "bad test line";
	ev->exit_code = (int)v;
	if (parse_int(field_get(f, n, "ms"), 0, INT64_MAX, &ev->duration_ms) < 0)
		return "bad test line";
	killed = field_get(f, n, "killed");
	if (killed != NULL && strcmp(killed, "timeout") != 0)
		return "bad test line";
	ev->killed_timeout = killed != NULL;
	return NULL;
}

static const char *
parse_file_line(struct console_event *ev, const struct field *f, int n)
{
	int64_t v;

	ev->test = field_get(f, n, "test");
	ev->path = field_get(f, n, "path");
	if (ev->test == NULL || ev->path == NULL)
		return "bad file line";
	switch (ev->kind) {
	case CONSOLE_FILE_BEGIN:
		if (parse_int(field_get(f, n, "size"), 0, INT64_MAX, &v) < 0)
			return "bad file line";
		ev->size = (uint64_t)v;
		ev->sha256 = field_get(f, n, "sha256");
		if (!valid_sha256(ev->sha256))
			return "bad file line";
		break;
	case CONSOLE_FILE_END:
		if (parse_int(field_get(f, n, "lines"), 0, INT64_MAX, &v) < 0)
			return "bad file line";
		ev->nlines = (uint64_t)v;
		break;
	default: /* CONSOLE_FILE_SKIP */
		ev->title = field_get(f, n, "reason");
		if (ev->title == NULL)
			return "bad file line";
		break;
	}
	return NULL;
}

static const char *
parse_fields(struct console_event *ev, const char *event, const struct field *f, int n)
{
	const char *status;
	int64_t v;

	if (strcmp(event, "init") == 0) {
		ev->kind = CONSOLE_INIT;
		if (parse_uptime(field_get(f, n, "uptime"), &ev->uptime_ms) < 0)
			return "bad init line";
	} else if (strcmp(event, "mark") == 0) {
		ev->kind = CONSOLE_MARK;
		ev->test = field_get(f, n, "name");
		if (ev->test == NULL || parse_uptime(field_get(f, n, "uptime"), &ev->uptime_ms) < 0)
			return "bad mark line";
	} else if (strcmp(event, "module") == 0) {
		ev->kind = CONSOLE_MODULE;
		ev->test = field_get(f, n, "name");
		status = field_get(f, n, "status");
		if (ev->test == NULL || status == NULL ||
		    (strcmp(status, "ok") != 0 && strcmp(status, "fail") != 0) ||
		    parse_int(field_get(f, n, "exit"), INT32_MIN, INT32_MAX, &v) < 0)
			return "bad module line";
		ev->ok = status[0] == 'o';
		ev->exit_code = (int)v;
	} else if (strcmp(event, "begin") == 0 || strcmp(event, "end") == 0) {
		ev->kind = event[0] == 'b' ? CONSOLE_TEST_BEGIN : CONSOLE_TEST_END;
		return parse_test_line(ev, f, n);
	} else if (strcmp(event, "file-begin") == 0 || strcmp(event, "file-end") == 0 ||
	    strcmp(event, "file-skip") == 0) {
		ev->kind = event[5] == 'b' ? CONSOLE_FILE_BEGIN
		    : event[5] == 'e'      ? CONSOLE_FILE_END
					   : CONSOLE_FILE_SKIP;
		return parse_file_line(ev, f, n);
	} else if (strcmp(event, "done") == 0) {
		ev->kind = CONSOLE_DONE;
		if (parse_int(field_get(f, n, "tests"), 0, INT32_MAX, &v) < 0)
			return "bad done line";
		ev->ntests = (int)v;
	} else {
		return "unknown event";
	}
	return NULL;
}

/*
 * Check the result line whose "@@pkvm:" starts at MARK and fill EV; NULL,
 * or why the line is corrupt.
 */
static const char *
parse_result(struct console_parser *p, const char *mark, struct console_event *ev)
{
	struct field f[RESULT_MAX_FIELDS];
	const char *crc_at, *d, *event;
	char *s, *tok;
	int64_t crc = 0;
	int n = 0;

	if (!starts_with(mark, CONSOLE_MARKER))
		return "unknown result line version";
	/* A data line with text before it: damaged, not a result line. */
	if (starts_with(mark, DATA_MARKER))
		return "bad data line";
	crc_at = strstr(mark, " crc=");
	if (crc_at == NULL)
		return "missing crc";
	d = crc_at + 5;
	if (!is_digit(*d))
		return "bad crc";
	for (; is_digit(*d); d++) {
		crc = crc * 10 + (*d - '0');
		if (crc > UINT32_MAX)
			return "bad crc";
	}
	while (*d == ' ' || *d == '\t')
		d++;
	if (*d != '\0')
		return "garbage after crc";
	if (console_cksum(mark, (size_t)(crc_at - mark)) != (uint32_t)crc)
		return "crc mismatch";

	/* The body between the marker and " crc=", split in scratch. */
	memcpy(p->scratch, mark + strlen(CONSOLE_MARKER),
	    (size_t)(crc_at - mark) - strlen(CONSOLE_MARKER));
	p->scratch[crc_at - mark - strlen(CONSOLE_MARKER)] = '\0';
	s = p->scratch;
	event = strsep(&s, " ");
	while ((tok = strsep(&s, " ")) != NULL) {
		char *eq = strchr(tok, '=');

		if (eq == NULL || eq == tok || eq[1] == '\0')
			return "bad field";
		if (n == RESULT_MAX_FIELDS)
			return "too many fields";
		*eq = '\0';
		f[n].key = tok;
		f[n].value = eq + 1;
		if (field_get(f, n, tok) != NULL)
			return "duplicate field";
		n++;
	}
	return parse_fields(ev, event, f, n);
}

static void
report_result(struct console_parser *p, const char *mark)
{
	struct console_event ev = { .kind = CONSOLE_CORRUPT };
	const char *why = parse_result(p, mark, &ev);

	if (why != NULL) {
		/* Not a crash, but the reason is worth a log line. */
		memset(&ev, 0, sizeof(ev));
		ev.kind = CONSOLE_CORRUPT;
		ev.title = why;
	}
	emit(p, &ev);
}

/* ---- lines ------------------------------------------------------------- */

/* A finished data line: CONSOLE_FILE_DATA, numbered after the last logged
 * line (it is not one), or CONSOLE_CORRUPT. */
static void
parse_data_line(struct console_parser *p)
{
	struct console_event ev = { .kind = CONSOLE_FILE_DATA };

	p->buf[p->len] = '\0';
	ev.data = p->buf + DATA_MARKER_LEN;
	ev.data_len = p->len - DATA_MARKER_LEN;
	if (p->overflow || !valid_base64(ev.data, ev.data_len)) {
		ev.kind = CONSOLE_CORRUPT;
		ev.title = "bad data line";
		ev.data = NULL;
		ev.data_len = 0;
	}
	emit(p, &ev);
}

/* A finished logged line: a result line, or output (and maybe a crash). */
static void
parse_line(struct console_parser *p)
{
	const struct crash_rule *rule = NULL;
	enum crash_hit hit;
	const char *m;
	char *mark;

	p->lines++;
	p->buf[p->len] = '\0';
	mark = strstr(p->buf, RESULT_PREFIX);
	if (mark != NULL) {
		/* A result line ends a report and is no part of it. */
		if (p->report.open)
			report_emit(p);
		/* Crash detection sees only the text before the marker; such
		 * a crash gets its CONSOLE_CRASH but no report. */
		size_t off = (size_t)(mark - p->buf);
		if (off > 0) {
			memcpy(p->scratch, p->buf, off);
			p->scratch[off] = '\0';
			detect_crash(p, p->scratch, &rule);
		}
		report_result(p, mark);
		return;
	}
	m = message_start(p->buf);
	if (p->report.open && !report_takes(&p->report, p->buf, m))
		report_emit(p);
	{
		struct console_event ev = { .kind = CONSOLE_LINE };
		emit(p, &ev);
	}
	hit = detect_crash(p, p->buf, &rule);
	report_line(p, p->buf, m, hit, rule);
}

static void
end_line(struct console_parser *p)
{
	if (p->mode == LINE_DATA)
		parse_data_line(p);
	else
		parse_line(p);
	p->len = 0;
	p->pending = false;
	p->overflow = false;
	p->mode = LINE_DECIDING;
	p->marker_pos = 0;
	p->nhold = 0;
}

static void
output(struct console_parser *p, const char *buf, size_t len)
{
	if (p->out != NULL && len > 0)
		p->out(p->out_arg, buf, len);
}

/* The start of the line is not a data line's: log what was held back. */
static void
release_hold(struct console_parser *p)
{
	output(p, p->hold, p->nhold);
	p->nhold = 0;
	p->mode = LINE_LOGGED;
}

/* Add C to the line (NUL and the serial line's '\r' never are). */
static void
line_add(struct console_parser *p, char c)
{
	p->pending = true;
	if (c == '\r' || c == '\0')
		return;
	if (p->len < CONSOLE_LINE_MAX)
		p->buf[p->len++] = c;
	else
		p->overflow = true;
}

struct console_parser *
console_parser_new(console_event_cb cb, void *arg)
{
	struct console_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->cb = cb;
	p->arg = arg;
	return p;
}

void
console_parser_set_output(struct console_parser *p, console_output_cb out, void *arg)
{
	p->out = out;
	p->out_arg = arg;
}

/*
 * Lines are cut at '\n'.  Bytes of a logged line go to the output as they
 * come, in one call per run; only at a line start are up to
 * DATA_MARKER_LEN significant bytes (HOLD_MAX raw ones at most) held back,
 * until they either spell DATA_MARKER -- the line is a data line, and it
 * and its '\n' are dropped -- or do not.
 */
void
console_parser_feed(struct console_parser *p, const char *buf, size_t len)
{
	size_t i, run = 0; /* buf[run..i) is yet to be logged */

	for (i = 0; i < len; i++) {
		char c = buf[i];

		switch (p->mode) {
		case LINE_DECIDING:
			output(p, buf + run, i - run);
			run = i + 1;
			if (c == '\n') {
				release_hold(p);
				output(p, buf + i, 1);
				end_line(p);
				continue;
			}
			p->hold[p->nhold++] = c;
			line_add(p, c);
			if (c != '\r' && c != '\0') {
				if (c != DATA_MARKER[p->marker_pos])
					release_hold(p);
				else if (++p->marker_pos == DATA_MARKER_LEN) {
					p->nhold = 0;
					p->mode = LINE_DATA;
				}
			} else if (p->nhold == HOLD_MAX) {
				release_hold(p);
			}
			continue;
		case LINE_DATA:
			run = i + 1;
			break;
		case LINE_LOGGED:
			break;
		}
		if (c == '\n') {
			output(p, buf + run, i + 1 - run);
			run = i + 1;
			end_line(p);
			continue;
		}
		line_add(p, c);
	}
	if (p->mode != LINE_DECIDING)
		output(p, buf + run, len - run);
}

void
console_parser_flush(struct console_parser *p)
{
	if (p->pending) {
		if (p->mode == LINE_DECIDING)
			release_hold(p);
		end_line(p);
	}
	if (p->report.open)
		report_emit(p);
}

uint64_t
console_parser_lines(const struct console_parser *p)
{
	return p->lines;
}

void
console_parser_free(struct console_parser *p)
{
	free(p);
}

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

/*
 * The CRC of POSIX cksum(1): CRC-32 with polynomial 0x04C11DB7, MSB first,
 * starting from 0, over the data and then its length in as few bytes as it
 * takes (least significant first), the result inverted.  Bit by bit, with
 * no table: result lines are short, and no static state keeps this pure.
 */
static uint32_t
cksum_byte(uint32_t crc, unsigned char b)
{
	int i;

	crc ^= (uint32_t)b << 24;
	for (i = 0; i < 8; i++)
		crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
	return crc;
}

uint32_t
console_cksum(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t crc = 0;
	uint64_t n;
	size_t i;

	for (i = 0; i < len; i++)
		crc = cksum_byte(crc, p[i]);
	for (n = len; n != 0; n >>= 8)
		crc = cksum_byte(crc, (unsigned char)(n & 0xff));
	return ~crc;
}
