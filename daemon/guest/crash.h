/*
 * crash.h -- the console parser's crash detector (private to console.c).
 *
 * console.c cuts the console into lines and owns the events; the detector
 * says whether a line starts or ends a kernel or hypervisor crash report,
 * collects each report's lines until it is over, and titles it.  It is
 * three files, one thing each:
 *
 *   crash.c         the rule table: which first lines are reports, their
 *                   kind, whether fatal, the title format, the frames a
 *                   title never names; the pattern matcher; kind names;
 *   crash-title.c   titles: a report's frames, its culprit, the format
 *                   filled in;
 *   crash-report.c  reports: which lines belong to which open report,
 *                   where each ends.
 *
 * docs/CRASHES.md describes every kind, its title and the boundaries.
 * Callers outside console.c use console.h, never this header.
 */
#ifndef PKVM_CRASH_H
#define PKVM_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/printk.h"
#include "guest/console.h"

#define CRASH_TITLE_MAX 256
#define CRASH_REPORT_TEXT_MAX (64 * 1024)
/* Lines of one report: lockdep's and the RCU stall's run to a few hundred. */
#define CRASH_REPORT_LINES_MAX 400
/* Reports open at once: one per printk caller (task or CPU) printing one. */
#define CRASH_OPEN_MAX 4
/* The '*' and '%f' a rule's pattern may capture. */
#define CRASH_CAPTURES_MAX 4

/* How a title finds its culprit function (crash-title.c). */
enum crash_culprit {
	CULPRIT_NONE, /* the title names none */
	CULPRIT_TOP, /* the first frame that is no generic helper */
	CULPRIT_STALL, /* a stalled CPU: the frame above the entry point it loops under */
	CULPRIT_INTERRUPTED, /* the same, in the stack the timer interrupt interrupted */
	CULPRIT_HANG, /* a blocked task: the first frame that is not waiting */
};

/* How a report ends, besides a new report, a result line, its size and the
 * end of the console (crash-report.c). */
enum crash_end {
	END_TRACE, /* after its backtrace, or at "---[ end trace" */
	END_FRAMED, /* at its closing "=====" line (the sanitizers frame theirs) */
	END_LINE, /* it is one line */
};

/* One row of the rule table (crash.c says how to read the fields). */
struct crash_rule {
	const char *match; /* pattern the printk message starts with */
	enum crash_kind kind;
	bool fatal;
	bool joins; /* continues an open report of its caller instead of starting one */
	bool after_boot; /* a crash only once the kernel has been up (boot banners) */
	bool printk; /* only on a line with a printk prefix */
	enum crash_end end;
	const char *title; /* title format: {1}.. captures, {access}, {frame} */
	const char *bare; /* the title when no culprit is found; NULL: "... in corrupted" */
	enum crash_culprit culprit;
	const char *lead; /* "LEAD func" on a line names a culprit before the stack */
	const char *trace; /* the stack is the one under this header; NULL: the first */
	bool pc; /* the pc/RIP line names a candidate, and the stack follows it */
	const char *const *skip; /* frames never the culprit, besides the common ones */
};

/* Where the pattern's captures are in a message. */
struct crash_captures {
	int n;
	const char *at[CRASH_CAPTURES_MAX];
	size_t len[CRASH_CAPTURES_MAX];
	bool file[CRASH_CAPTURES_MAX]; /* a '%f' capture: "file:line" */
};

/* What crash_match_line() found on a line. */
enum crash_hit {
	CRASH_HIT_NONE,
	CRASH_HIT_CRASH, /* a report's first line: kind, fatal and title set */
	CRASH_HIT_END, /* "---[ end trace" / "---[ end Kernel panic" */
};

/* What the reports need of a line besides its text, read once per line
 * by crash_match_line(): the printk prefix is the part of a flooding
 * console's line that costs most to read, and every report looks at it. */
struct crash_line {
	const char *m; /* its printk message (crash_message_start()), in the line */
	bool prefixed; /* it has a printk prefix */
	struct printk_prefix pp;
};

/* A line that starts (or joins) a crash report, as crash_match_line() saw it. */
struct crash_match {
	const struct crash_rule *rule;
	enum crash_kind kind;
	bool fatal;
	char title[CRASH_TITLE_MAX]; /* from this line alone */
	size_t at; /* where in the line the matching message starts */
	struct crash_line line; /* set for every line, whatever the hit */
};

/* Where an open crash report is. */
enum crash_report_phase {
	CRASH_REPORT_BODY, /* collecting the report proper */
	CRASH_REPORT_AFTER_END, /* saw its end marker: a panic may follow */
	CRASH_REPORT_TAIL, /* saw "Kernel Offset:": only the panic's tail follows */
};

/* A crash report being collected; embedded in the detector, no allocation. */
struct crash_report {
	bool open;
	enum crash_report_phase phase;
	const struct crash_rule *rule; /* of its first line */
	enum crash_kind kind;
	bool fatal;
	char caller[16]; /* the printk caller id its lines carry, "" when none */
	bool prefixed; /* its lines carry a printk prefix */
	bool all_cpus; /* it dumps every CPU's stack ("NMI backtrace for cpu") */
	int64_t last_us; /* printk time of its last line, -1 when none */
	bool in_trace; /* a trace header was seen */
	int frames; /* frames since that header */
	uint64_t first, last; /* line numbers */
	uint64_t fatal_line; /* the line that made it fatal, 0 while it is not */
	uint64_t seq; /* opening order, to close the oldest first */
	int nlines;
	size_t at; /* where the message starts in its first line */
	/* Trailing blank lines are not kept: the text, its last line and
	 * its line count up to the last non-blank line. */
	size_t kept_len;
	uint64_t kept_last;
	size_t len;
	char title[CRASH_TITLE_MAX];
	char first_line[CONSOLE_LINE_MAX + 1];
	char text[CRASH_REPORT_TEXT_MAX + 1];
};

/* The detector: the open reports and what it knows of the kernel. */
struct crash_detector {
	bool booted; /* a running kernel printed (a boot banner now is a reboot) */
	uint64_t seq;
	struct crash_report reports[CRASH_OPEN_MAX];
};

/* A finished report, handed to the caller, which may read R until it returns. */
typedef void (*crash_report_cb)(void *arg, const struct crash_report *r);

/* ---- crash.c ----------------------------------------------------------- */

/* The printk message that starts at S (a line start or a printk prefix):
 * past its printk prefix and subsystem prefix. */
const char *crash_message_start(const char *s);
/* The same for a line whose printk prefix, if it has one, ends at P. */
const char *crash_message_from(const char *p);
/* What a rule needs to know of the line besides its message. */
struct crash_line_state {
	bool booted; /* the kernel has been up: boot banners are reboots */
	bool printk; /* the message came after a printk prefix */
};
/* The first rule whose pattern starts message M, given S, its captures in
 * *CAPS; NULL when none does. */
const struct crash_rule *crash_rule_find(const char *m, struct crash_line_state s,
    struct crash_captures *caps);
/* Does function NAME match one of SKIP's entries ("^x" starts, "x$" ends
 * it, else anywhere)? */
bool crash_skip_match(const char *const *skip, const char *name, size_t len);
/* The reporting code, sanitizer runtimes and exception entry never named. */
extern const char *const crash_skip_never[];
/* The generic helpers (allocators, locks, string functions, ...) named
 * only when a stack has nothing else. */
extern const char *const crash_skip_generic[];
/* The frames a stalled CPU's stack is entered through (CULPRIT_STALL). */
extern const char *const crash_stall_entries[];
/* The frames a blocked task waits in (CULPRIT_HANG). */
extern const char *const crash_hang_waits[];

/* ---- crash-title.c ------------------------------------------------------ */

/* The title of the report whose lines are TEXT (its first line's message
 * at offset AT), by RULE, into T (CRASH_TITLE_MAX bytes).  With PARTIAL the
 * report is only its first line so far: no culprit is called corrupted. */
void crash_title(char *t, const struct crash_rule *rule, const char *text, size_t at, bool partial);

/* ---- crash-report.c ----------------------------------------------------- */

/* Look for a report's first line or end marker in TEXT, at its start and
 * at every later printk prefix; on CRASH_HIT_CRASH *CM says which crash.
 * CM->line describes TEXT in every case: the two calls below take it, for
 * the same TEXT, unchanged. */
enum crash_hit crash_match_line(const struct crash_detector *d, const char *text,
    struct crash_match *cm);
/* Close the reports the line crash_match_line() last saw (HIT, CM) shows
 * to be over before it, handing each to CB. */
void crash_reports_end_before(struct crash_detector *d, enum crash_hit hit,
    const struct crash_match *cm, crash_report_cb cb, void *arg);
/* Add line LINENO to its report, or open one on a crash; hand each report
 * it completes to CB. */
void crash_reports_add(struct crash_detector *d, const char *line, uint64_t lineno,
    enum crash_hit hit, const struct crash_match *cm, crash_report_cb cb, void *arg);
/* Close every open report, oldest first, handing each to CB (a result line,
 * the end of the console). */
void crash_reports_close_all(struct crash_detector *d, crash_report_cb cb, void *arg);
/* A result line says init runs: the kernel is up. */
void crash_detector_booted(struct crash_detector *d);
/* Make D as new (zeroed), touching only what a new report relies on. */
void crash_detector_reset(struct crash_detector *d);

#endif
