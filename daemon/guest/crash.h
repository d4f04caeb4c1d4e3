/*
 * crash.h -- the console parser's crash detector (private to console.c).
 *
 * console.c cuts the console into lines and owns the events; crash.c says
 * whether a line starts or ends a kernel or hypervisor crash report, gives
 * the report its stable title, and collects the report's lines until it is
 * over.  Callers outside console.c use console.h, never this header.
 */
#ifndef PKVM_CRASH_H
#define PKVM_CRASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/console.h"

#define CRASH_TITLE_MAX 256
#define CRASH_REPORT_TEXT_MAX (64 * 1024)

/* What crash_match_line() found on a line. */
enum crash_hit {
	CRASH_HIT_NONE,
	CRASH_HIT_CRASH, /* a report's first line: kind, fatal and title set */
	CRASH_HIT_END, /* "---[ end trace" / "---[ end Kernel panic" */
};

/* A line that starts a crash report, as crash_match_line() saw it. */
struct crash_match {
	enum crash_kind kind;
	bool fatal;
	char title[CRASH_TITLE_MAX];
};

/* Where an open crash report is. */
enum crash_report_phase {
	CRASH_REPORT_BODY, /* collecting the report proper */
	CRASH_REPORT_AFTER_END, /* saw "---[ end trace": a panic may follow */
	CRASH_REPORT_TAIL, /* saw "Kernel Offset:": only the panic's tail follows */
};

/* A crash report being collected; embedded in the parser, no allocation. */
struct crash_report {
	bool open;
	enum crash_report_phase phase;
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
	char title[CRASH_TITLE_MAX];
	char first_line[CONSOLE_LINE_MAX + 1];
	char text[CRASH_REPORT_TEXT_MAX + 1];
};

/* The printk message that starts at S (a line start or a printk prefix):
 * past its printk prefix and subsystem prefix. */
const char *crash_message_start(const char *s);
/* Look for a report's first line or end marker in TEXT, at its start and
 * at every later printk prefix; on CRASH_HIT_CRASH *CM says which crash. */
enum crash_hit crash_match_line(const char *text, struct crash_match *cm);
/* Does the line LINE, whose message is M, belong to the open report R? */
bool crash_report_takes(const struct crash_report *r, const char *line, const char *m);
/* Add line LINENO (LINE, its message M, what crash_match_line() found on it
 * in HIT and CM) to R, opening R on a crash; true when R is now complete. */
bool crash_report_add(struct crash_report *r, const char *line, const char *m, uint64_t lineno,
    enum crash_hit hit, const struct crash_match *cm);
/* Finish R's text (trailing blank lines dropped) and close R; its fields
 * stay as they are until the next report opens. */
void crash_report_close(struct crash_report *r);

#endif
