/*
 * crash-report.c -- kernel and hypervisor crash reports on the guest's console:
 * which lines belong to which report, and where each report ends.
 *
 * console.c hands every logged line here (crash.h).  A line whose printk
 * message starts a report (crash.c) opens one, which collects the
 * lines that follow until it is over, and is then handed back whole with
 * its title (crash-title.c), kind, and fatal flag (fatal if any of its
 * lines was).  A "---[ end trace" or "---[ end Kernel panic" line is an
 * end marker.
 *
 * Whose line is it.  With CONFIG_PRINTK_CALLER every printk line says
 * which task ("[  T123]") or CPU ("[    C0]") printed it, and a report is
 * printed by one of them; so lines of another caller, interleaved while
 * two CPUs print at once, are no part of the report and do not end it --
 * they may be a report of their own: up to CRASH_OPEN_MAX reports, one
 * per caller, are open at once.  A report that dumps every CPU's stack
 * ("Sending NMI from CPU", "NMI backtrace for cpu": RCU stalls, hard
 * lockups) takes the lines of every CPU caller.  A line with no caller id
 * on such a console is a program's output: it ends a report that is past
 * its backtrace, and is skipped by one that is not.  Without caller ids
 * every line is the one open report's to judge.
 *
 * Where a report ends.  The kernel marks the end only sometimes ("---[ end
 * trace" after an Oops or a WARNING, the sanitizers' closing "=====" line,
 * "Kernel Offset:" ... "Memory Limit:" after a panic); a hung task, a
 * stall or a lockdep report just stops.  So, as syzkaller's pkg/report
 * does with its own means, we also watch the report's shape and timing.
 * The kernel prints a report in one burst, so a printk line more than
 * REPORT_GAP_US after the report's last one is something else.  Once a
 * backtrace has had frames, the report is also over at
 *   - the first line that is no printk output (a program ran again) -- on
 *     a console with printk prefixes;
 *   - without printk prefixes, at the first line that is no frame, no
 *     trace or section header, and none of the lines known to follow a
 *     backtrace ("Code:", the panic that an Oops causes, the panic's
 *     tail).
 * Such a line is looked at afresh, so three hung-task reports in a row
 * are three reports.  Otherwise a report ends:
 *  - at its end marker ("---[ end trace", or a sanitizer's closing "====="
 *    line), but waits for one more line there, which joins it if it is the
 *    panic the report causes ("Kernel panic - not syncing: Oops: Fatal
 *    exception", "...: panic_on_warn set");
 *  - at "---[ end Kernel panic", or at "Memory Limit:" or "Rebooting in",
 *    the last lines of a panic's tail ("Kernel Offset:", "PHYS_OFFSET:",
 *    "CPU features:", "Memory Limit:"), which is kept whole: after "Kernel
 *    Offset:" only the tail's lines are taken;
 *  - before the first line of another report of the same caller, unless
 *    that line joins it (its rule says so: the panic, the "Internal
 *    error:" after "Unable to handle kernel ...");
 *  - right away for a one-line report (an unexpected reboot's banner);
 *  - before a result line, which is no part of it (console.c closes every
 *    open report there: a report belongs to the test that was running);
 *  - after CRASH_REPORT_LINES_MAX lines, or at console_parser_flush().
 * The text is the report's lines as logged ('\r' dropped) joined by '\n',
 * cut at CRASH_REPORT_TEXT_MAX bytes, without trailing blank lines.
 *
 * Reboots.  The console starts with the kernel's boot, so a boot banner is
 * expected until a running kernel has printed (a printk time past zero, or
 * init's first result line); after that it is an unexpected reboot.
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

/* The longest pause inside one report: printk stamps a report's lines
 * within milliseconds of each other, even on a slow serial console. */
#define REPORT_GAP_US (2 * 1000000)
/* The printk prefixes of one line looked at for a report's first line. */
#define PREFIXES_MAX 4

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
starts_with_any(const char *s, const char *const *prefixes)
{
	size_t i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (starts_with(s, prefixes[i]))
			return true;
	return false;
}

/* ---- lines ---------------------------------------------------------------- */

/* The printk prefix of LINE: at its start, or the first one further in
 * (printk may start right after a partial line a program left). */
static struct crash_line
line_info(const char *line)
{
	struct crash_line li = { .prefixed = false };
	const char *s, *after;

	li.pp.time_us = -1;
	li.pp.caller[0] = '\0';
	for (s = line; s != NULL; s = strchr(s + 1, '[')) {
		if ((after = printk_prefix_parse(s, &li.pp)) != NULL) {
			li.prefixed = true;
			li.m = crash_message_from(after);
			return li;
		}
		if (*s == '\0')
			break;
	}
	li.m = crash_message_from(line);
	return li;
}

static bool
is_end_marker(const char *m)
{
	return starts_with(m, "---[ end trace") || starts_with(m, "---[ end Kernel panic");
}

/* The sanitizers' frame: a line of '=' alone. */
static bool
is_frame_line(const char *m)
{
	size_t n = strspn(m, "=");

	return n >= 20 && m[n + strspn(m + n, " ")] == '\0';
}

/* ---- matching ------------------------------------------------------------- */

enum crash_hit
crash_match_line(const struct crash_detector *d, const char *text, struct crash_match *cm)
{
	const char *s = text;
	int prefixes = 0;

	cm->line = line_info(text);
	for (;;) {
		const struct crash_rule *r;
		struct crash_captures caps;
		struct crash_line_state st;
		const char *m, *after = printk_prefix_skip(s);

		if (s != text && after == NULL)
			goto next;
		/* A real line has a prefix or two; a hostile one may have a
		 * thousand. */
		if (++prefixes > PREFIXES_MAX)
			return CRASH_HIT_NONE;
		m = crash_message_from(after != NULL ? after : s);
		if (is_end_marker(m))
			return CRASH_HIT_END;
		st.booted = d->booted;
		st.printk = after != NULL;
		r = crash_rule_find(m, st, &caps);
		if (r != NULL) {
			cm->rule = r;
			cm->kind = r->kind;
			cm->fatal = r->fatal;
			cm->at = (size_t)(m - text);
			crash_title(cm->title, r, text, cm->at, true);
			return CRASH_HIT_CRASH;
		}
	next:
		if (*s == '\0' || (s = strchr(s + 1, '[')) == NULL)
			return CRASH_HIT_NONE;
	}
}

/* ---- the shape of a report ------------------------------------------------- */

/* Lines that start a stack or a section of a report (its shape without
 * printk prefixes to go by). */
static const char *const trace_headers[] = {
	"Call trace:",
	"Call Trace:",
	"Backtrace:",
	"nVHE call trace:",
	"stack backtrace:",
	"Allocated by task ",
	"Freed by task ",
	"Last potentially related work creation:",
	"Second to last potentially related work creation:",
	"Uninit was ",
	"Local variable ",
	"-> #",
	"Task dump for CPU",
	"NMI backtrace for cpu",
	"Showing all locks held",
	"  backtrace",
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
	"Rebooting in ",
	"SMP: stopping secondary CPUs",
	NULL,
};

/* The lines a panic prints after "Kernel Offset:". */
static const char *const panic_tail[] = {
	"PHYS_OFFSET:",
	"CPU features:",
	"Memory Limit:",
	"Rebooting in ",
	"---[ end Kernel panic",
	NULL,
};

/*
 * Is LINE a backtrace frame: " func+0x1c/0x30 [mod]", "[<ffff...>] func+...",
 * "? func+...", an unsymbolised " 0xffff800008bca0e8", an x86 "<IRQ>"
 * style marker, an inlined "func file.c:12 [inline]", with or without a
 * "kvm [N]: " prefix (the hyp's trace)?
 */
static bool
is_frame(const char *m)
{
	const char *p = m, *tok;
	size_t len, i;

	while (*p == ' ' || *p == '\t')
		p++;
	while (p[0] == '[' && p[1] == '<') {
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
		for (i = 2; i < len && is_hex(tok[i]); i++)
			;
		return i == len;
	}
	for (i = 1; i + 3 < len; i++)
		if (tok[i] == '+' && tok[i + 1] == '0' && tok[i + 2] == 'x')
			return true;
	len = strlen(m);
	return len > 9 && strcmp(m + len - 9, " [inline]") == 0;
}

/* A register dump's line: x86 prints the registers again after an Oops's
 * end marker ("RIP: 0010:f+0x..", "RSP: 0018:...", "Code: 48 89 ..."),
 * before the panic that may follow. */
static bool
is_register_line(const char *m)
{
	size_t n = 0;

	if (starts_with(m, "Code: "))
		return true;
	while (n < 5 && ((m[n] >= 'A' && m[n] <= 'Z') || (n > 0 && m[n] >= '0' && m[n] <= '9')))
		n++;
	if (n < 2 || m[n] != ':' || m[n + 1] != ' ')
		return false;
	n += 1 + strspn(m + n + 1, " ");
	return is_hex(m[n]);
}

/* Is report R past a backtrace that has had frames? */
static bool
past_trace(const struct crash_report *r)
{
	return r->rule->end == END_TRACE && r->in_trace && r->frames > 0;
}

/* Does the line (LI, HIT, CM), one of R's caller's, belong to R? */
static bool
report_takes(const struct crash_report *r, const struct crash_line *li, enum crash_hit hit,
    const struct crash_match *cm)
{
	const char *m = li->m;

	switch (r->phase) {
	case CRASH_REPORT_AFTER_END:
		return starts_with(m, "Kernel panic - not syncing") || is_register_line(m);
	case CRASH_REPORT_TAIL:
		return *m == '\0' || starts_with_any(m, panic_tail);
	case CRASH_REPORT_BODY:
		break;
	}
	if (hit == CRASH_HIT_CRASH && !cm->rule->joins)
		return false;
	if (r->prefixed && li->pp.time_us >= 0 && r->last_us >= 0 &&
	    li->pp.time_us - r->last_us > REPORT_GAP_US)
		return false;
	if (!past_trace(r) || *m == '\0')
		return true;
	if (r->prefixed)
		return li->prefixed;
	return is_frame(m) || starts_with_any(m, trace_headers) || starts_with_any(m, after_trace);
}

/* How a line of caller CALLER stands to report R. */
enum relation {
	MINE, /* R's caller printed it */
	PROGRAM, /* no caller id on a console that has them: a program's output */
	OTHER, /* another caller's */
};

static enum relation
relation(const struct crash_report *r, const char *caller)
{
	if (r->caller[0] == '\0' || strcmp(r->caller, caller) == 0 ||
	    (r->all_cpus && caller[0] == 'C'))
		return MINE;
	return caller[0] == '\0' ? PROGRAM : OTHER;
}

/* ---- open and close -------------------------------------------------------- */

/* Close R, title it, and hand it to CB. */
static void
report_close(struct crash_report *r, crash_report_cb cb, void *arg)
{
	r->len = r->kept_len;
	r->text[r->len] = '\0';
	r->last = r->kept_last;
	crash_title(r->title, r->rule, r->text, r->at, false);
	r->open = false;
	cb(arg, r);
}

static struct crash_report *
report_open(struct crash_detector *d, crash_report_cb cb, void *arg)
{
	struct crash_report *r, *oldest = NULL;

	for (r = d->reports; r < d->reports + CRASH_OPEN_MAX; r++) {
		if (!r->open)
			return r;
		if (oldest == NULL || r->seq < oldest->seq)
			oldest = r;
	}
	report_close(oldest, cb, arg);
	return oldest;
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
	/* The first line is kept whatever it looks like: a crash line whose
	 * message a prefix parse leaves empty is still the report's start. */
	if (!blank || r->nlines == 1) {
		r->kept_len = r->len;
		r->kept_last = lineno;
	}
}

/* Add the line to R (opening it on a crash); true when R is complete. */
static bool
report_add(struct crash_detector *d, struct crash_report *r, const char *line,
    const struct crash_line *li, uint64_t lineno, enum crash_hit hit, const struct crash_match *cm)
{
	const char *m = li->m;

	if (!r->open) {
		memset(r, 0, offsetof(struct crash_report, title));
		r->open = true;
		r->seq = ++d->seq;
		r->rule = cm->rule;
		r->kind = cm->kind;
		r->fatal = cm->fatal;
		r->first = lineno;
		r->fatal_line = cm->fatal ? lineno : 0;
		r->at = cm->at;
		r->prefixed = li->prefixed;
		snprintf(r->caller, sizeof(r->caller), "%s", li->pp.caller);
		snprintf(r->title, sizeof(r->title), "%s", cm->title);
		snprintf(r->first_line, sizeof(r->first_line), "%s", line);
	} else if (hit == CRASH_HIT_CRASH && cm->fatal && !r->fatal) {
		r->fatal = true;
		r->fatal_line = lineno;
	}
	report_append(r, line, lineno, *m == '\0');
	if (li->pp.time_us >= 0)
		r->last_us = li->pp.time_us;
	else if (r->nlines == 1)
		r->last_us = -1;

	if (r->rule->end == END_LINE)
		return true;
	if (starts_with(m, "Sending NMI from CPU") || starts_with(m, "NMI backtrace for cpu"))
		r->all_cpus = true;
	if (starts_with(m, "Kernel panic - not syncing")) {
		/* The panic a report causes: a fresh body, maybe a trace. */
		r->phase = CRASH_REPORT_BODY;
		r->in_trace = false;
		r->frames = 0;
	}
	if (r->in_trace && is_frame(m))
		r->frames++;
	else if (starts_with_any(m, trace_headers)) {
		r->in_trace = true;
		r->frames = 0;
	}

	if (hit == CRASH_HIT_END ||
	    (r->rule->end == END_FRAMED && r->nlines > 1 && is_frame_line(m))) {
		if (starts_with(m, "---[ end Kernel panic"))
			return true;
		r->phase = CRASH_REPORT_AFTER_END;
	} else if (starts_with(m, "Memory Limit:") || starts_with(m, "Rebooting in ")) {
		return true;
	} else if (starts_with(m, "Kernel Offset:")) {
		r->phase = CRASH_REPORT_TAIL;
	}
	return r->nlines >= CRASH_REPORT_LINES_MAX;
}

void
crash_reports_end_before(struct crash_detector *d, enum crash_hit hit, const struct crash_match *cm,
    crash_report_cb cb, void *arg)
{
	const struct crash_line *li = &cm->line;
	struct crash_report *r;

	for (r = d->reports; r < d->reports + CRASH_OPEN_MAX; r++) {
		if (!r->open)
			continue;
		switch (relation(r, li->pp.caller)) {
		case MINE:
			if (!report_takes(r, li, hit, cm))
				report_close(r, cb, arg);
			break;
		case PROGRAM:
			if (past_trace(r) || r->phase != CRASH_REPORT_BODY)
				report_close(r, cb, arg);
			break;
		case OTHER:
			break;
		}
	}
}

void
crash_reports_add(struct crash_detector *d, const char *line, uint64_t lineno, enum crash_hit hit,
    const struct crash_match *cm, crash_report_cb cb, void *arg)
{
	const struct crash_line *li = &cm->line;
	struct crash_report *r, *mine = NULL;

	for (r = d->reports; r < d->reports + CRASH_OPEN_MAX; r++)
		if (r->open && relation(r, li->pp.caller) == MINE &&
		    (mine == NULL || strcmp(r->caller, li->pp.caller) == 0))
			mine = r;
	if (mine == NULL && hit == CRASH_HIT_CRASH)
		mine = report_open(d, cb, arg);
	if (mine != NULL && report_add(d, mine, line, li, lineno, hit, cm)) {
		if (mine->rule->kind == CRASH_REBOOT)
			d->booted = false;
		report_close(mine, cb, arg);
	}
	if (li->pp.time_us > 0 && !(hit == CRASH_HIT_CRASH && cm->kind == CRASH_REBOOT))
		d->booted = true;
}

void
crash_reports_close_all(struct crash_detector *d, crash_report_cb cb, void *arg)
{
	for (;;) {
		struct crash_report *r, *oldest = NULL;

		for (r = d->reports; r < d->reports + CRASH_OPEN_MAX; r++)
			if (r->open && (oldest == NULL || r->seq < oldest->seq))
				oldest = r;
		if (oldest == NULL)
			return;
		report_close(oldest, cb, arg);
	}
}

void
crash_detector_booted(struct crash_detector *d)
{
	d->booted = true;
}

void
crash_detector_reset(struct crash_detector *d)
{
	/* Only the heads: a report clears its head when it opens and writes
	 * its texts before reading them, so 256 KiB need no clearing. */
	d->booted = false;
	d->seq = 0;
	for (int i = 0; i < CRASH_OPEN_MAX; i++)
		memset(&d->reports[i], 0, offsetof(struct crash_report, title));
}
