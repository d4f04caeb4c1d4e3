/*
 * test-console.h -- what the console parser's tests share.
 *
 * The console's tests are two programs, test-console.c (lines, result
 * lines, data lines, the log) and test-crash.c (crash reports).  Both feed
 * text to a real parser and record what it reports: events are copied
 * into a flat array (the strings an event points at live only during the
 * callback), CONSOLE_LINE events are only counted and checked to come in
 * line order, and CONSOLE_CRASH_REPORT events are kept apart.  They run
 * from tests/, where data/ holds the console logs.
 *
 * Everything here is static: each program uses some of it.
 */
#ifndef PKVM_TEST_CONSOLE_H
#define PKVM_TEST_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/console.h"
#include "unit.h"

#define UNUSED __attribute__((unused))

#define MAX_EVENTS 64
#define MAX_REPORTS 16
#define REPORT_TEXT 70000

struct rec {
	enum console_event_kind kind;
	uint64_t lineno;
	char line[CONSOLE_LINE_MAX + 1];
	char test[128];
	int seq, exit_code, ntests, timeout_s;
	int64_t duration_ms, uptime_ms;
	bool killed_timeout, ok;
	char limit[16];
	char path[128];
	uint64_t size, nlines, offset;
	char sha256[80];
	char data[CONSOLE_LINE_MAX + 1];
	size_t data_len;
	enum crash_kind crash;
	bool fatal;
	char title[256];
	int order; /* among all events */
};

struct report_rec {
	uint64_t lineno, last_lineno, fatal_lineno;
	enum crash_kind crash;
	bool fatal;
	char title[256];
	char line[CONSOLE_LINE_MAX + 1];
	char text[REPORT_TEXT];
	size_t text_len;
	int order;
};

/*
 * What a parse gave: the events (but CONSOLE_LINE, which are only counted
 * and checked to come in line order, CONSOLE_CRASH_REPORT, which are kept
 * apart in rep[], and CONSOLE_KERNEL_VERSION, counted in nversions with
 * the last one's version and line).
 */
struct recorder {
	int n;
	struct rec ev[MAX_EVENTS];
	uint64_t nline_events;
	uint64_t ntest_lines; /* CONSOLE_LINE events marked from_test */
	char last_test_line[256]; /* the text of the last of them */
	char last_text[256]; /* the text of the last CONSOLE_LINE */
	uint64_t last_line; /* lineno of the last CONSOLE_LINE */
	bool line_order_bad;
	int nreports;
	struct report_rec rep[MAX_REPORTS];
	int nversions;
	char version[CONSOLE_KERNEL_VERSION_MAX + 1];
	uint64_t version_line;
	int nall; /* events of every kind */
};

UNUSED static void
record_report(struct recorder *r, const struct console_event *ev)
{
	struct report_rec *e;

	if (r->nreports++ >= MAX_REPORTS)
		return;
	e = &r->rep[r->nreports - 1];
	e->order = r->nall;
	e->lineno = ev->lineno;
	e->last_lineno = ev->last_lineno;
	e->fatal_lineno = ev->fatal_lineno;
	e->crash = ev->crash;
	e->fatal = ev->fatal;
	snprintf(e->title, sizeof(e->title), "%s", ev->title ? ev->title : "");
	snprintf(e->line, sizeof(e->line), "%s", ev->line ? ev->line : "");
	e->text_len = ev->report ? strlen(ev->report) : 0;
	snprintf(e->text, sizeof(e->text), "%s", ev->report ? ev->report : "");
}

UNUSED static void
record(void *arg, const struct console_event *ev)
{
	struct recorder *r = arg;
	struct rec *e;

	r->nall++;
	if (ev->kind == CONSOLE_LINE) {
		if (ev->lineno <= r->last_line || ev->line == NULL)
			r->line_order_bad = true;
		r->last_line = ev->lineno;
		r->nline_events++;
		snprintf(r->last_text, sizeof(r->last_text), "%s", ev->line);
		if (ev->from_test) {
			r->ntest_lines++;
			snprintf(r->last_test_line, sizeof(r->last_test_line), "%s", ev->line);
		}
		return;
	}
	if (ev->kind == CONSOLE_CRASH_REPORT) {
		record_report(r, ev);
		return;
	}
	if (ev->kind == CONSOLE_KERNEL_VERSION) {
		r->nversions++;
		r->version_line = ev->lineno;
		snprintf(r->version, sizeof(r->version), "%s",
		    ev->version ? ev->version : "(null)");
		return;
	}
	if (r->n == MAX_EVENTS)
		return;
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = ev->kind;
	e->order = r->nall;
	e->lineno = ev->lineno;
	snprintf(e->line, sizeof(e->line), "%s", ev->line ? ev->line : "");
	snprintf(e->test, sizeof(e->test), "%s", ev->test ? ev->test : "");
	e->seq = ev->seq;
	e->exit_code = ev->exit_code;
	e->ntests = ev->ntests;
	e->timeout_s = ev->timeout_s;
	snprintf(e->limit, sizeof(e->limit), "%s", ev->limit ? ev->limit : "(null)");
	e->duration_ms = ev->duration_ms;
	e->uptime_ms = ev->uptime_ms;
	e->killed_timeout = ev->killed_timeout;
	e->ok = ev->ok;
	snprintf(e->path, sizeof(e->path), "%s", ev->path ? ev->path : "");
	e->size = ev->size;
	e->nlines = ev->nlines;
	e->offset = ev->offset;
	snprintf(e->sha256, sizeof(e->sha256), "%s", ev->sha256 ? ev->sha256 : "");
	if (ev->data != NULL && ev->data_len < sizeof(e->data)) {
		memcpy(e->data, ev->data, ev->data_len);
		e->data_len = ev->data_len;
	}
	e->crash = ev->crash;
	e->fatal = ev->fatal;
	snprintf(e->title, sizeof(e->title), "%s", ev->title ? ev->title : "");
}

/* The serial log as the parser hands it out. */
struct output {
	char *buf;
	size_t len, cap;
	int calls;
	bool empty_call; /* out() was called with nothing */
};

UNUSED static void
collect(void *arg, const char *buf, size_t len)
{
	struct output *o = arg;

	o->calls++;
	if (len == 0)
		o->empty_call = true;
	if (o->len + len > o->cap) {
		size_t cap = (o->len + len) * 2 + 64;
		char *nb = realloc(o->buf, cap);
		if (nb == NULL)
			return;
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
}

/* Fed chunk sizes: 0 all at once, > 0 that many bytes, RANDOM_CHUNKS a
 * random size from 1 to 64 each time (seeded, so runs repeat). */
#define RANDOM_CHUNKS ((size_t)-1)

/* Parse LEN bytes fed in chunks of CHUNK bytes; the log goes to OUT. */
UNUSED static uint64_t
parse_out(struct recorder *r, const char *buf, size_t len, size_t chunk, struct output *out)
{
	struct console_parser *p = NULL;
	CHECK_INT(console_parser_new(&p, record, r), 0);
	uint64_t lines;
	size_t off, n;

	memset(r, 0, sizeof(*r));
	if (p == NULL) {
		CHECK(p != NULL);
		return 0;
	}
	if (out != NULL)
		console_parser_set_output(p, collect, out);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (off = 0; off < len; off += n) {
		n = chunk == RANDOM_CHUNKS ? 1 + (size_t)(rand() % 64) : chunk;
		if (n > len - off)
			n = len - off;
		console_parser_feed(p, buf + off, n);
	}
	console_parser_flush(p);
	lines = console_parser_lines(p);
	console_parser_free(p);
	CHECK(!r->line_order_bad);
	return lines;
}

/* Parse LEN bytes fed in chunks of CHUNK bytes (0: all at once). */
UNUSED static uint64_t
parse(struct recorder *r, const char *buf, size_t len, size_t chunk)
{
	return parse_out(r, buf, len, chunk, NULL);
}

UNUSED static uint64_t
parse_str(struct recorder *r, const char *s)
{
	return parse(r, s, strlen(s), 0);
}

/* "@@pkvm:1 BODY crc=N" with N computed by the cksum(1) command. */
UNUSED static char *
result_line(char *out, size_t size, const char *body)
{
	char cmd[1024], *line = NULL;
	unsigned long crc = 0;
	FILE *f;

	snprintf(line = out, size, "%s%s", CONSOLE_MARKER, body);
	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | cksum", out);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(fscanf(f, "%lu", &crc) == 1);
		pclose(f);
	}
	snprintf(out + strlen(out), size - strlen(out), " crc=%lu", crc);
	return line;
}

UNUSED static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL) {
		printf("#   cannot open %s (run from tests/)\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

#endif
