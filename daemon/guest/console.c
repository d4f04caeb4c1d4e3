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
 *    line"; the artifact's own checks catch what this cannot).  A streamed
 *    chunk's data lines are "@@pkvm:1 s <base64>", reported as
 *    CONSOLE_STREAM_DATA and treated alike: the letter is the only byte
 *    in which the two markers differ.  They are
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
 * 2. A line that starts with CONSOLE_TEST_MARK is a test's own output
 *    (initramfs/init tags every line a test prints): CONSOLE_LINE with
 *    from_test set, and nothing else.  Whatever it says ("BUG: expected 4",
 *    "@@pkvm:1 end ...", a saved kernel log) is never a result, a data
 *    line or a crash -- unless the kernel's own printk output landed in
 *    the middle of it, which is found by its printk prefix.  The mark
 *    itself is dropped from the line and from the log.
 *
 * 3. Everything else is console output: CONSOLE_LINE, which the runner
 *    hands to the per-test output parser, and crash reports, which the
 *    crash detector recognises (crash.h): every line that starts or joins
 *    a kernel or hypervisor crash report is one CONSOLE_CRASH event, with
 *    a stable title; a report usually has several (an Oops's "Unable to
 *    handle kernel ...", then "Internal error: ...", then "Kernel panic -
 *    not syncing: Oops: Fatal exception").  A "---[ end trace" or "---[
 *    end Kernel panic" line is CONSOLE_CRASH_END.  A line that starts a
 *    report also opens one, which collects the lines that follow until
 *    the report is over and then comes whole as one CONSOLE_CRASH_REPORT,
 *    with the kind of its first line, the title of the whole report, fatal
 *    if any of its lines was.  crash-report.c says which lines a report
 *    takes and when it is complete; this file ends every open report
 *    before a result line and at console_parser_flush(), and emits them.
 *
 * 3. The kernel's banner, "Linux version X ...", is also reported as
 *    CONSOLE_KERNEL_VERSION with X, once and only before the first result
 *    line (console.h says why).
 *
 * Event order follows the log: a report that a line ends without being
 * part of it comes first, then the line's own event (CONSOLE_LINE or the
 * result), then its CONSOLE_KERNEL_VERSION, then its
 * CONSOLE_CRASH/CONSOLE_CRASH_END, then the report it completes.  A data
 * line's events carry the number of the last logged line before it.
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

#include "base/printk.h"
#include "base/printk.h"
#include "guest/console.h"
#include "guest/crash.h"
#include "wire.h"

#define RESULT_PREFIX "@@pkvm:"
#define RESULT_MAX_FIELDS 16
#define DATA_MARKER CONSOLE_MARKER "d "
#define DATA_MARKER_LEN (sizeof(DATA_MARKER) - 1)
/* A streamed chunk's data lines differ from an artifact's in this byte of
 * the marker only ('s' for 'd'). */
#define DATA_CHANNEL_AT (sizeof(CONSOLE_MARKER) - 1)
#define STREAM_DATA_MARKER CONSOLE_MARKER "s "
#define BANNER "Linux version "
/* Raw bytes held at a line start: the marker's, plus a few '\r'/NUL. */
#define HOLD_MAX 32

/* What the current line is, as far as the serial log is concerned. */
enum line_mode {
	LINE_DECIDING, /* at its start: could still be a data line */
	LINE_LOGGED, /* not a data line: its bytes go to the log */
	LINE_DATA, /* a data line: kept out of the log */
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
	bool from_test; /* the current line started with CONSOLE_TEST_MARK */
	enum line_mode mode;
	size_t marker_pos; /* DATA_MARKER bytes matched at the line start */
	char channel; /* the data line's kind: 'd' (artifact) or 's' (stream) */
	size_t nhold; /* raw bytes held back from the log */
	char hold[HOLD_MAX];
	/* The kernel's banner was reported, or init ran and a banner now
	 * would be a program's output. */
	bool version_done;
	struct crash_match match; /* the last crash line's kind and title */
	/* The buffers last (console_parser_reset() clears what comes before
	 * them): each is written before it is read. */
	char buf[CONSOLE_LINE_MAX + 1];
	/* Scratch space for events, reused line after line. */
	char scratch[CONSOLE_LINE_MAX + 1];
	struct crash_detector crashes;
};

/* ---- helpers ----------------------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- events and crash reports ----------------------------------------- */

static void
emit(struct console_parser *p, struct console_event *ev)
{
	ev->lineno = p->lines;
	ev->line = p->buf;
	p->cb(p->arg, ev);
}

/* Emit what crash_match_line() found on the line: CONSOLE_CRASH or
 * CONSOLE_CRASH_END. */
static void
emit_crash(struct console_parser *p, enum crash_hit hit)
{
	if (hit == CRASH_HIT_END) {
		struct console_event ev = { .kind = CONSOLE_CRASH_END };
		emit(p, &ev);
	} else if (hit == CRASH_HIT_CRASH) {
		struct console_event ev = { .kind = CONSOLE_CRASH };
		ev.crash = p->match.kind;
		ev.fatal = p->match.fatal;
		ev.title = p->match.title;
		emit(p, &ev);
	}
}

/* Hand a finished report over whole as CONSOLE_CRASH_REPORT. */
static void
report_emit(void *arg, const struct crash_report *r)
{
	struct console_parser *p = arg;
	struct console_event ev = { .kind = CONSOLE_CRASH_REPORT };

	ev.lineno = r->first;
	ev.last_lineno = r->kept_last;
	ev.fatal_lineno = r->fatal_line;
	ev.line = r->first_line;
	ev.crash = r->kind;
	ev.fatal = r->fatal;
	ev.title = r->title;
	ev.report = r->text;
	p->cb(p->arg, &ev);
}

/* Report the kernel's release when the line is its banner: "Linux
 * version X ..." as a printk message, X one word of printable ASCII. */
static void
kernel_version(struct console_parser *p)
{
	struct console_event ev = { .kind = CONSOLE_KERNEL_VERSION };
	const char *m = printk_prefix_skip(p->buf);
	size_t len;

	if (m == NULL)
		m = p->buf; /* printk.time=0 */
	if (!starts_with(m, BANNER))
		return;
	m += strlen(BANNER);
	len = strcspn(m, " ");
	if (len == 0 || len > CONSOLE_KERNEL_VERSION_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		if (m[i] < '!' || m[i] > '~')
			return;
	memcpy(p->scratch, m, len);
	p->scratch[len] = '\0';
	p->version_done = true;
	ev.version = p->scratch;
	emit(p, &ev);
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
	/* Guests from before reruns existed say nothing: a first run. */
	v = 0;
	if (field_get(f, n, "retry") != NULL &&
	    parse_int(field_get(f, n, "retry"), 0, CONSOLE_RETRY_MAX, &v) < 0)
		return "bad test line";
	ev->retry = (int)v;
	if (ev->kind == CONSOLE_TEST_BEGIN) {
		/* Lines from before "timeout" existed have none: no timeout. */
		v = 0;
		if (field_get(f, n, "timeout") != NULL &&
		    parse_int(field_get(f, n, "timeout"), 0, INT32_MAX, &v) < 0)
			return "bad test line";
		ev->timeout_s = (int)v;
		ev->limit = field_get(f, n, "limit");
		if (ev->limit != NULL && strcmp(ev->limit, "own") != 0 &&
		    strcmp(ev->limit, "default") != 0 && strcmp(ev->limit, "job") != 0 &&
		    strcmp(ev->limit, "none") != 0)
			return "bad test line";
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
		if (ev->sha256 == NULL || !pkvm_sha256_hex_valid(ev->sha256))
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

/* stream-begin and stream-end: a chunk of a streamed file. */
static const char *
parse_stream_line(struct console_event *ev, const struct field *f, int n)
{
	int64_t v;

	ev->path = field_get(f, n, "path");
	if (ev->path == NULL)
		return "bad stream line";
	if (ev->kind == CONSOLE_STREAM_END) {
		if (parse_int(field_get(f, n, "lines"), 0, INT64_MAX, &v) < 0)
			return "bad stream line";
		ev->nlines = (uint64_t)v;
		return NULL;
	}
	if (parse_int(field_get(f, n, "offset"), 0, INT64_MAX, &v) < 0)
		return "bad stream line";
	ev->offset = (uint64_t)v;
	if (parse_int(field_get(f, n, "size"), 0, INT64_MAX, &v) < 0)
		return "bad stream line";
	ev->size = (uint64_t)v;
	ev->sha256 = field_get(f, n, "sha256");
	if (ev->sha256 == NULL || !pkvm_sha256_hex_valid(ev->sha256))
		return "bad stream line";
	return NULL;
}

/* skip: a test init did not run (--stop-on-failure). */
static const char *
parse_skip_line(struct console_event *ev, const struct field *f, int n)
{
	int64_t v;

	ev->test = field_get(f, n, "test");
	ev->title = field_get(f, n, "reason");
	if (ev->test == NULL || ev->title == NULL ||
	    parse_int(field_get(f, n, "seq"), 0, INT32_MAX, &v) < 0)
		return "bad skip line";
	ev->seq = (int)v;
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
	} else if (strcmp(event, "stream-begin") == 0 || strcmp(event, "stream-end") == 0) {
		ev->kind = event[7] == 'b' ? CONSOLE_STREAM_BEGIN : CONSOLE_STREAM_END;
		return parse_stream_line(ev, f, n);
	} else if (strcmp(event, "skip") == 0) {
		ev->kind = CONSOLE_TEST_SKIP;
		return parse_skip_line(ev, f, n);
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
	if (starts_with(mark, DATA_MARKER) || starts_with(mark, STREAM_DATA_MARKER))
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

	if (p->channel == 's')
		ev.kind = CONSOLE_STREAM_DATA;
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

/* The kernel's own output inside a test's line, found by its printk
 * prefix ("ok 1 a[   12.3] BUG: ..."): a pointer into LINE, or NULL.  Not
 * at the line's start: the tagger writes the mark and the line at once,
 * so a prefix there is the test's (a saved kernel log it prints). */
static const char *
kernel_tail(const char *line)
{
	if (line[0] == '\0')
		return NULL;
	for (const char *b = strchr(line + 1, '['); b != NULL; b = strchr(b + 1, '['))
		if (printk_prefix_skip(b) != NULL)
			return b;
	return NULL;
}

/* A finished line of a test's own output: CONSOLE_LINE, and a crash only
 * in the kernel's output that landed in it. */
static void
parse_test_output(struct console_parser *p)
{
	struct console_event ev = { .kind = CONSOLE_LINE, .from_test = true };
	const char *k = kernel_tail(p->buf);
	enum crash_hit hit;

	emit(p, &ev);
	if (k == NULL)
		return;
	/* As a kernel line of its own, for the detector and the reports. */
	snprintf(p->scratch, sizeof(p->scratch), "%s", k);
	hit = crash_match_line(&p->crashes, p->scratch, &p->match);
	crash_reports_end_before(&p->crashes, hit, &p->match, report_emit, p);
	emit_crash(p, hit);
	crash_reports_add(&p->crashes, p->scratch, p->lines, hit, &p->match, report_emit, p);
}

/* The first RESULT_PREFIX in the LEN bytes at S, or NULL.  By its '@':
 * most console lines have none, and memchr passes them at memory speed
 * where strstr() was a twentieth of a flood's capture. */
static char *
find_result(char *s, size_t len)
{
	const size_t plen = sizeof(RESULT_PREFIX) - 1;
	char *end = s + len, *at = s;

	while ((at = memchr(at, '@', (size_t)(end - at))) != NULL) {
		if ((size_t)(end - at) < plen)
			return NULL;
		if (memcmp(at, RESULT_PREFIX, plen) == 0)
			return at;
		at++;
	}
	return NULL;
}

/* A finished logged line: a result line, or output (and maybe a crash). */
static void
parse_line(struct console_parser *p)
{
	enum crash_hit hit;
	char *mark;

	p->lines++;
	p->buf[p->len] = '\0';
	if (p->from_test) {
		parse_test_output(p);
		return;
	}
	mark = find_result(p->buf, p->len);
	if (mark != NULL) {
		/* A result line ends every report and is no part of one; init
		 * runs, so the kernel is up. */
		crash_reports_close_all(&p->crashes, report_emit, p);
		crash_detector_booted(&p->crashes);
		p->version_done = true;
		/* The text before the marker is output of its own (a last
		 * line printed without a newline: "ok 1 suite@@pkvm:1 end"),
		 * for the results parser too; crash detection sees it, and
		 * such a crash gets its CONSOLE_CRASH but no report. */
		size_t off = (size_t)(mark - p->buf);
		if (off > 0) {
			struct console_event ev = { .kind = CONSOLE_LINE };

			memcpy(p->scratch, p->buf, off);
			p->scratch[off] = '\0';
			ev.lineno = p->lines;
			ev.line = p->scratch;
			p->cb(p->arg, &ev);
			emit_crash(p, crash_match_line(&p->crashes, p->scratch, &p->match));
		}
		report_result(p, mark);
		return;
	}
	/* The line's CONSOLE_CRASH comes after its CONSOLE_LINE, but whether
	 * it starts a report decides which reports it ends: match first,
	 * emit in log order. */
	hit = crash_match_line(&p->crashes, p->buf, &p->match);
	crash_reports_end_before(&p->crashes, hit, &p->match, report_emit, p);
	{
		struct console_event ev = { .kind = CONSOLE_LINE };
		emit(p, &ev);
	}
	if (!p->version_done)
		kernel_version(p);
	emit_crash(p, hit);
	crash_reports_add(&p->crashes, p->buf, p->lines, hit, &p->match, report_emit, p);
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
	p->from_test = false;
	p->mode = LINE_DECIDING;
	p->marker_pos = 0;
	p->channel = 0;
	p->nhold = 0;
}

static void
output(struct console_parser *p, const char *buf, size_t len)
{
	if (p->out != NULL && len > 0)
		p->out(p->out_arg, buf, len);
}

/* Does C continue a data marker at the line start (either kind)? */
static bool
marker_byte(struct console_parser *p, char c)
{
	if (p->marker_pos == DATA_CHANNEL_AT && (c == 'd' || c == 's')) {
		p->channel = c;
		return true;
	}
	return c == DATA_MARKER[p->marker_pos];
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

/* Add the N bytes at S, none of them a newline, to the line: line_add()
 * for each, with the usual run (no '\r', no NUL) copied at once. */
static void
line_add_run(struct console_parser *p, const char *s, size_t n)
{
	size_t room = CONSOLE_LINE_MAX - p->len;

	if (n == 0)
		return;
	if (memchr(s, '\r', n) != NULL || memchr(s, '\0', n) != NULL) {
		for (size_t k = 0; k < n; k++)
			line_add(p, s[k]);
		return;
	}
	p->pending = true;
	if (n > room) {
		p->overflow = true;
		n = room;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

int
console_parser_new(struct console_parser **out, console_event_cb cb, void *arg)
{
	struct console_parser *p = calloc(1, sizeof(*p));

	*out = p;
	if (p == NULL)
		return -ENOMEM;
	p->cb = cb;
	p->arg = arg;
	return 0;
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
			if (c == CONSOLE_TEST_MARK && p->nhold == 0 && !p->pending) {
				/* A test's line: never a data line, and the
				 * mark goes nowhere. */
				p->pending = true;
				p->from_test = true;
				p->mode = LINE_LOGGED;
				continue;
			}
			if (c == '\n') {
				release_hold(p);
				output(p, buf + i, 1);
				end_line(p);
				continue;
			}
			p->hold[p->nhold++] = c;
			line_add(p, c);
			if (c != '\r' && c != '\0') {
				if (!marker_byte(p, c)) {
					release_hold(p);
					continue;
				}
				if (++p->marker_pos == DATA_MARKER_LEN) {
					p->nhold = 0;
					p->mode = LINE_DATA;
					continue;
				}
			}
			/* Full, with the marker still undecided (the fuzzer's
			 * '\r's between its bytes): the line is logged. */
			if (p->nhold == HOLD_MAX)
				release_hold(p);
			continue;
		case LINE_DATA:
		case LINE_LOGGED:
			break;
		}
		/* The rest of the line at once, up to its newline or the end
		 * of BUF: a flooding guest's console is almost all this. */
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;

		line_add_run(p, buf + i, end - i);
		if (p->mode == LINE_DATA)
			run = nl != NULL ? end + 1 : len; /* no byte of a data line is logged */
		if (nl == NULL)
			break;
		i = end;
		output(p, buf + run, i + 1 - run);
		run = i + 1;
		end_line(p);
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
	crash_reports_close_all(&p->crashes, report_emit, p);
}

uint64_t
console_parser_lines(const struct console_parser *p)
{
	return p->lines;
}

void
console_parser_reset(struct console_parser *p)
{
	console_event_cb cb = p->cb;
	void *arg = p->arg;
	console_output_cb out = p->out;
	void *out_arg = p->out_arg;

	memset(p, 0, offsetof(struct console_parser, buf));
	p->buf[0] = '\0';
	p->scratch[0] = '\0';
	crash_detector_reset(&p->crashes);
	p->cb = cb;
	p->arg = arg;
	p->out = out;
	p->out_arg = out_arg;
}

void
console_parser_free(struct console_parser *p)
{
	free(p);
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
