/*
 * console.h -- the one parser of a guest's serial console.
 *
 * The runner feeds it raw console bytes as qemu prints them; it splits
 * lines (dropping the '\r' the serial line adds, capping absurdly long
 * lines), and reports two kinds of things through a callback:
 *
 *  - result lines printed by initramfs/init, framed so that kernel printk
 *    output interleaved on the same console cannot be mistaken for them and
 *    a damaged line is detected (see "Result lines" below);
 *  - kernel and hypervisor crash reports (panic, Oops, KASAN, lockdep,
 *    hung tasks, ...: docs/CRASHES.md), with a stable one-line title and
 *    whether the crash is fatal to the job;
 *  - the kernel's version, from its "Linux version X ..." banner.
 *
 * It is pure: no I/O, no clock, no allocation per byte, so it is unit
 * tested on captured console logs (tests/data/).
 *
 * Result lines (wire format v1) are specified in docs/GUEST.md, which is
 * the contract between initramfs/init and this parser:
 *
 *     @@pkvm:1 <event> key=value ... crc=<N>
 *
 * plus artifact data lines "@@pkvm:1 d <base64>" (no crc), which the
 * parser reports as CONSOLE_FILE_DATA and keeps out of the output it hands
 * to the serial log (console_parser_set_output), and the data lines of
 * streamed files' chunks, "@@pkvm:1 s <base64>", likewise reported as
 * CONSOLE_STREAM_DATA: the two may interleave, so each has its own.
 *
 * Crash reports: CONSOLE_CRASH fires on every line that starts or joins a
 * report (so the runner can start its crash grace at once), with a title
 * from that line alone; CONSOLE_CRASH_REPORT fires when the report is
 * complete (crash-report.c says where a report ends: its end marker, the
 * end of its backtrace, the next report of the same printk caller, the
 * next result line, console_parser_flush(), ...) with the report's lines and
 * its title, which names the culprit function found in its stack ("kernel
 * BUG in lkdtm_BUG" where the first line only said "kernel BUG").  A line
 * that joins a report -- the "Kernel panic - not syncing: Oops: Fatal
 * exception" after an Oops -- belongs to it: one report, with the title
 * and kind of its first line, fatal when any of its lines is.  Reports of
 * different printk callers (CONFIG_PRINTK_CALLER's "[T123]"/"[C0]") may be
 * open at once; each comes when complete, so reports need not come in the
 * order of their first lines.
 *
 * The kernel's version: CONSOLE_KERNEL_VERSION fires once, for the first
 * line whose printk message is "Linux version X ..." (the banner a kernel
 * prints first thing), and only before the first result line: once init
 * runs, such a line is a program's output (cat /proc/version), not the
 * kernel booting.  A kernel booted with `quiet` prints no banner.
 */
#ifndef PKVM_CONSOLE_H
#define PKVM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 4096
#define CONSOLE_MARKER "@@pkvm:1 "
/* What initramfs/init puts before every line of a test's own output (ASCII
 * RS): the kernel never prints it.  Such a line is never a result, data or
 * crash line, and the mark is no part of the serial log. */
#define CONSOLE_TEST_MARK '\036'

/* The longest kernel release reported (utsname's release field holds 64). */
#define CONSOLE_KERNEL_VERSION_MAX 64
/* The most reruns of one test a begin or end line may number. */
#define CONSOLE_RETRY_MAX 100

enum console_event_kind {
	CONSOLE_INIT, /* init started; uptime_ms */
	CONSOLE_TEST_BEGIN, /* test, seq, timeout_s, limit, retry */
	CONSOLE_TEST_END, /* test, seq, exit_code, duration_ms, killed_timeout, retry */
	CONSOLE_DONE, /* ntests: init ran everything, powering off */
	CONSOLE_CORRUPT, /* a result line failed its crc or did not parse; title = reason */
	CONSOLE_CRASH, /* crash_kind, fatal, title: a line that starts or joins a report */
	CONSOLE_CRASH_END, /* the end marker of a report ("---[ end ...") */
	CONSOLE_CRASH_REPORT, /* a whole report: crash_kind, fatal, title, report,
				 * lineno..last_lineno, fatal_lineno */
	CONSOLE_LINE, /* any line that is not a result or data line (test output, printk) */
	CONSOLE_MARK, /* name (in test), uptime_ms */
	CONSOLE_MODULE, /* name (in test), ok, exit_code */
	CONSOLE_FILE_BEGIN, /* test, path, size, sha256 */
	CONSOLE_FILE_DATA, /* data, data_len: the base64 text of one data line */
	CONSOLE_FILE_END, /* test, path, nlines */
	CONSOLE_FILE_SKIP, /* test, path, title = reason */
	CONSOLE_KERNEL_VERSION, /* version: the kernel's banner, once per boot */
	CONSOLE_STREAM_BEGIN, /* path, offset, size, sha256: a chunk of a streamed file */
	CONSOLE_STREAM_DATA, /* data, data_len: one "s" data line's base64 text */
	CONSOLE_STREAM_END, /* path, nlines */
	CONSOLE_TEST_SKIP, /* test, seq, title = reason: a test init did not run */
};

/* The kinds of crash report (docs/CRASHES.md); crash_kind_name() gives
 * each its name on the wire. */
enum crash_kind {
	CRASH_PANIC, /* Kernel panic - not syncing */
	CRASH_OOPS, /* Internal error:, Oops, general protection fault, ... */
	CRASH_PAGING, /* Unable to handle kernel ..., BUG: unable to handle ... */
	CRASH_BUG, /* kernel BUG at, and BUG: reports in the kernel's forms */
	CRASH_WARNING, /* a WARNING splat */
	CRASH_HYP, /* nVHE hyp BUG/panic, Invalid host exception */
	CRASH_SERROR, /* SError Interrupt */
	CRASH_LOCKUP, /* soft/hard lockup, workqueue lockup */
	CRASH_RCU_STALL, /* an RCU or RCU-tasks stall */
	CRASH_HUNG_TASK, /* INFO: task ... blocked for more than / can't die */
	CRASH_SANITIZER, /* KASAN/KMSAN/KCSAN/KFENCE/UBSAN report */
	CRASH_LOCKDEP, /* lockdep: possible deadlock, bad unlock balance, ... */
	CRASH_MEMORY_LEAK, /* kmemleak: unreferenced object */
	CRASH_REBOOT, /* the kernel restarted unasked */
};

struct console_event {
	enum console_event_kind kind;
	uint64_t lineno; /* 1-based line of the event in the serial log (data
			       * lines are not counted: they are not logged) */
	const char *line; /* the whole line, '\r' and '\n' stripped */
	/* results */
	const char *test; /* NUL-terminated, valid during the callback; the
			       * module or mark name for CONSOLE_MODULE/MARK */
	int seq;
	int exit_code;
	int64_t duration_ms;
	int ntests;
	int timeout_s; /* TEST_BEGIN: the test's timeout, 0 = none */
	const char *limit; /* TEST_BEGIN: whose limit timeout_s is: "own"
			    * (manifest), "default" (--test-timeout), "job"
			    * (what is left of the job's), "none"; NULL from
			    * a guest that does not say */
	bool killed_timeout; /* TEST_END: killed at its timeout */
	int retry; /* TEST_BEGIN, TEST_END: 0 for a test's run, K for its K-th
		    * rerun after it failed (--retry-failed) */
	bool ok; /* MODULE: loaded */
	bool from_test; /* LINE: the test's own output (it carried the test mark) */
	int64_t uptime_ms; /* INIT, MARK */
	/* artifacts */
	const char *path;
	uint64_t size;
	const char *sha256;
	const char *data; /* FILE_DATA: base64 text, not NUL-terminated */
	size_t data_len;
	uint64_t nlines; /* FILE_END: data lines the guest sent */
	uint64_t offset; /* STREAM_BEGIN: where in the streamed file the chunk starts */
	/* crashes */
	enum crash_kind crash;
	bool fatal; /* the job is crashed (a WARNING is not) */
	const char *title; /* stable title, no addresses/timestamps/pids */
	const char *report; /* CRASH_REPORT: the report's lines joined by '\n' */
	uint64_t last_lineno; /* CRASH_REPORT: its last line */
	/* KERNEL_VERSION: X of the line "Linux version X ...", the release as
	 * `uname -r` shows it, at most CONSOLE_KERNEL_VERSION_MAX bytes. */
	const char *version;
	uint64_t fatal_lineno; /* CRASH_REPORT: the line that made it fatal, 0 if none */
};

typedef void (*console_event_cb)(void *arg, const struct console_event *ev);

struct console_parser;

/* A parser that reports to CB(ARG, event), into *OUT; 0 or -ENOMEM. */
int console_parser_new(struct console_parser **out, console_event_cb cb, void *arg);
/* Bytes for the serial log: everything fed, minus artifact data lines. */
typedef void (*console_output_cb)(void *arg, const char *buf, size_t len);
/* Have the parser pass the loggable bytes to OUT(ARG) as it goes (at most
 * the first few bytes of a line are held back while it decides whether the
 * line is a data line). */
void console_parser_set_output(struct console_parser *p, console_output_cb out, void *arg);
/* Feed LEN console bytes; events fire from inside this call. */
void console_parser_feed(struct console_parser *p, const char *buf, size_t len);
/* End of stream: a final line without '\n' is parsed now. */
void console_parser_flush(struct console_parser *p);
/* Lines seen so far. */
uint64_t console_parser_lines(const struct console_parser *p);
/* Make P as new, keeping its callbacks: one parser for many streams
 * without a 280 KiB allocation each (the fuzz target's inputs). */
void console_parser_reset(struct console_parser *p);
/* Free the parser; NULL is fine. */
void console_parser_free(struct console_parser *p);
/* Name of a crash kind ("panic", "oops", ...). */
const char *crash_kind_name(enum crash_kind k);
/* POSIX cksum(1) CRC of LEN bytes (the checksum result lines carry). */
uint32_t console_cksum(const void *buf, size_t len);

#endif
