/*
 * test-console.c -- the console parser: lines, result lines, crash reports.
 *
 * Events are recorded into a flat array of copies (the strings an event
 * points at live only during the callback) and compared with what each
 * test expects.  Crash detection is checked on real console output
 * captured from the Debian arm64 kernel in pKVM mode and on short
 * hand-written excerpts (tests/data/README says which is which); every log
 * is also fed one byte at a time and must give the very same events.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/console.h"
#include "unit.h"

#define MAX_EVENTS 64
#define MAX_REPORTS 6
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
	uint64_t size, nlines;
	char sha256[80];
	char data[CONSOLE_LINE_MAX + 1];
	size_t data_len;
	enum crash_kind crash;
	bool fatal;
	char title[256];
	int order; /* among all events */
};

struct report_rec {
	uint64_t lineno, last_lineno;
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

static void
record_report(struct recorder *r, const struct console_event *ev)
{
	struct report_rec *e;

	if (r->nreports++ >= MAX_REPORTS)
		return;
	e = &r->rep[r->nreports - 1];
	e->order = r->nall;
	e->lineno = ev->lineno;
	e->last_lineno = ev->last_lineno;
	e->crash = ev->crash;
	e->fatal = ev->fatal;
	snprintf(e->title, sizeof(e->title), "%s", ev->title ? ev->title : "");
	snprintf(e->line, sizeof(e->line), "%s", ev->line ? ev->line : "");
	e->text_len = ev->report ? strlen(ev->report) : 0;
	snprintf(e->text, sizeof(e->text), "%s", ev->report ? ev->report : "");
}

static void
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

static void
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
static uint64_t
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
static uint64_t
parse(struct recorder *r, const char *buf, size_t len, size_t chunk)
{
	return parse_out(r, buf, len, chunk, NULL);
}

static uint64_t
parse_str(struct recorder *r, const char *s)
{
	return parse(r, s, strlen(s), 0);
}

/* "@@pkvm:1 BODY crc=N" with N computed by the cksum(1) command. */
static char *
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

static char *
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

/* ---- cksum ------------------------------------------------------------- */

static unsigned long
cksum_command(const char *data)
{
	char cmd[512];
	unsigned long crc = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | cksum", data);
	f = popen(cmd, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &crc) != 1)
		crc = 0;
	pclose(f);
	return crc;
}

static void
test_cksum_matches_the_cksum_command(void)
{
	static const char *const vectors[] = { "", "a", "hello", "@@pkvm:1 init uptime=12.34",
		"@@pkvm:1 end test=smoke seq=1 exit=0 ms=15",
		"0123456789012345678901234567890123456789012345678901234567890"
		"123456789012345678901234567890123456789012345678901234567890"
		"123456789012345678901234567890123456789012345678901234567890"
		"123456789012345678901234567890123456789012345678901234567890"
		"123456789" /* 259 bytes: the length takes two bytes */ };
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		CHECK_INT(console_cksum(vectors[i], strlen(vectors[i])), cksum_command(vectors[i]));
	/* Fixed values from `printf ... | cksum`, in case popen misbehaves. */
	CHECK_INT(console_cksum("", 0), 4294967295u);
	CHECK_INT(console_cksum("hello", 5), 3287646509u);
}

/* ---- lines ------------------------------------------------------------- */

static void
test_lines_are_counted_and_cr_stripped(void)
{
	static struct recorder r;

	CHECK_INT(parse_str(&r, "one\r\ntwo\r\n\r\nfour\n"), 4);
	CHECK_INT(r.n, 0);
	CHECK_INT(r.nline_events, 4);
	CHECK_INT(r.last_line, 4);
	CHECK_INT(parse_str(&r, ""), 0);
	CHECK_INT(parse_str(&r, "no newline"), 1);
	CHECK_INT(parse_str(&r, "x\r\n[    1.000000] BUG: oops\r\n"), 2);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].lineno, 2);
	CHECK_STR(r.ev[0].line, "[    1.000000] BUG: oops");
}

static void
test_final_line_without_newline_is_parsed_on_flush(void)
{
	static struct recorder r;
	char l[256], buf[512];

	result_line(l, sizeof(l), "done tests=3");
	snprintf(buf, sizeof(buf), "a\r\nb\r\n%s", l);
	CHECK_INT(parse_str(&r, buf), 3);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_DONE);
	CHECK_INT(r.ev[0].lineno, 3);
	CHECK_INT(r.ev[0].ntests, 3);
}

static void
test_long_line_is_cut_and_counts_once(void)
{
	size_t len = CONSOLE_LINE_MAX * 3;
	char *buf = malloc(len + 64);
	static struct recorder r;
	size_t i;

	if (buf == NULL)
		return;
	/* A panic line padded far beyond the limit, then one more line. */
	strcpy(buf, "[   1.000000] Kernel panic - not syncing: ");
	for (i = strlen(buf); i < len; i++)
		buf[i] = 'x';
	strcpy(buf + len, "\r\nnext\r\n");
	CHECK_INT(parse(&r, buf, strlen(buf), 0), 2);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_CRASH);
	CHECK_INT(r.ev[0].lineno, 1);
	CHECK_INT(strlen(r.ev[0].line), CONSOLE_LINE_MAX);
	CHECK_INT(parse(&r, buf, strlen(buf), 7), 2);
	CHECK_INT(strlen(r.ev[0].line), CONSOLE_LINE_MAX);
	/* Exactly CONSOLE_LINE_MAX bytes are kept whole. */
	memset(buf, 'y', CONSOLE_LINE_MAX);
	strcpy(buf + CONSOLE_LINE_MAX, "\n");
	CHECK_INT(parse(&r, buf, strlen(buf), 0), 1);
	free(buf);
}

/* ---- result lines ------------------------------------------------------ */

static void
test_result_events(void)
{
	char buf[2048], l[5][256];
	static struct recorder r;

	result_line(l[0], sizeof(l[0]), "init uptime=3.21");
	result_line(l[1], sizeof(l[1]), "begin test=kvm/share-hyp seq=7");
	result_line(l[2], sizeof(l[2]), "end test=kvm/share-hyp seq=7 exit=1 ms=12345678901");
	result_line(l[3], sizeof(l[3]), "done tests=7");
	snprintf(buf, sizeof(buf), "%s\r\n%s\r\noutput\r\n%s\r\n%s\r\n", l[0], l[1], l[2], l[3]);
	CHECK_INT(parse_str(&r, buf), 5);
	CHECK_INT(r.n, 4);
	CHECK_INT(r.ev[0].kind, CONSOLE_INIT);
	CHECK_INT(r.ev[0].lineno, 1);
	CHECK_STR(r.ev[0].line, l[0]);
	CHECK_INT(r.ev[1].kind, CONSOLE_TEST_BEGIN);
	CHECK_STR(r.ev[1].test, "kvm/share-hyp");
	CHECK_INT(r.ev[1].seq, 7);
	CHECK_INT(r.ev[2].kind, CONSOLE_TEST_END);
	CHECK_INT(r.ev[2].lineno, 4);
	CHECK_STR(r.ev[2].test, "kvm/share-hyp");
	CHECK_INT(r.ev[2].seq, 7);
	CHECK_INT(r.ev[2].exit_code, 1);
	CHECK_INT(r.ev[2].duration_ms, 12345678901LL);
	CHECK_INT(r.ev[3].kind, CONSOLE_DONE);
	CHECK_INT(r.ev[3].ntests, 7);
}

static void
test_marker_after_printk_text_and_unknown_keys(void)
{
	char buf[512], l[256];
	static struct recorder r;

	result_line(l, sizeof(l), "end test=t seq=0 exit=-1 ms=0 extra=1");
	snprintf(buf, sizeof(buf), "[   5.1] random: crng init%s\r\n", l);
	CHECK_INT(parse_str(&r, buf), 1);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_TEST_END);
	CHECK_INT(r.ev[0].exit_code, -1);
	CHECK_STR(r.ev[0].test, "t");
}

/* Feed LINE and expect one CONSOLE_CORRUPT event with reason WHY. */
static void
expect_corrupt(const char *line, const char *why)
{
	static struct recorder r;

	parse_str(&r, line);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_CORRUPT);
	if (strcmp(r.ev[0].title, why) != 0)
		printf("#   line: %s\n", line);
	CHECK_STR(r.ev[0].title, why);
}

static void
test_corrupt_result_lines(void)
{
	char l[256], bad[300];

	result_line(l, sizeof(l), "begin test=a seq=1");
	/* One flipped character anywhere before " crc=" breaks the crc. */
	snprintf(bad, sizeof(bad), "%s\n", l);
	bad[strlen(CONSOLE_MARKER) + 8] ^= 1;
	expect_corrupt(bad, "crc mismatch");
	/* Printk text spliced into the middle of the line. */
	snprintf(bad, sizeof(bad), "%.*s[  1.2] x%s\n", 20, l, l + 20);
	expect_corrupt(bad, "crc mismatch");
	expect_corrupt("@@pkvm:1 begin test=a seq=1\n", "missing crc");
	expect_corrupt("@@pkvm:1 begin test=a seq=1 crc=\n", "bad crc");
	expect_corrupt("@@pkvm:1 begin test=a seq=1 crc=99999999999\n", "bad crc");
	snprintf(bad, sizeof(bad), "%s junk\n", l);
	expect_corrupt(bad, "garbage after crc");
	expect_corrupt("@@pkvm:2 begin test=a seq=1 crc=1\n", "unknown result line version");
	expect_corrupt("@@pkvm:", "unknown result line version");

	/* Lines whose crc is right but whose content is not. */
	result_line(l, sizeof(l), "begin test=a");
	expect_corrupt(l, "bad test line");
	result_line(l, sizeof(l), "begin test=a seq=x");
	expect_corrupt(l, "bad test line");
	result_line(l, sizeof(l), "end test=a seq=1 exit=0");
	expect_corrupt(l, "bad test line");
	result_line(l, sizeof(l), "end test=a seq=1 exit=0 ms=-5");
	expect_corrupt(l, "bad test line");
	result_line(l, sizeof(l), "begin test=a seq=99999999999");
	expect_corrupt(l, "bad test line");
	result_line(l, sizeof(l), "begin test=a seq=1 seq=2");
	expect_corrupt(l, "duplicate field");
	result_line(l, sizeof(l), "begin test=a garbage seq=1");
	expect_corrupt(l, "bad field");
	result_line(l, sizeof(l), "begin test= seq=1");
	expect_corrupt(l, "bad field");
	result_line(l, sizeof(l), "begin  test=a seq=1");
	expect_corrupt(l, "bad field");
	result_line(l, sizeof(l), "init uptime=soon");
	expect_corrupt(l, "bad init line");
	result_line(l, sizeof(l), "done");
	expect_corrupt(l, "bad done line");
	result_line(l, sizeof(l), "reboot now=1");
	expect_corrupt(l, "unknown event");
}

/* ---- crash reports ----------------------------------------------------- */

struct want {
	uint64_t lineno;
	enum console_event_kind kind;
	enum crash_kind crash;
	bool fatal;
	const char *title;
};

#define END(line) \
	{ \
		line, CONSOLE_CRASH_END, 0, false, NULL \
	}

/*
 * Parse tests/data/NAME whole and one byte at a time; both must give
 * exactly the events in WANT (results are skipped unless listed).
 */
static void
check_log(const char *name, const struct want *want, int nwant, uint64_t nlines)
{
	static struct recorder whole, bytewise;
	char path[256];
	size_t len;
	char *buf;
	int i;

	snprintf(path, sizeof(path), "data/%s", name);
	buf = read_file(path, &len);
	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	CHECK_INT(parse(&whole, buf, len, 0), nlines);
	CHECK_INT(parse(&bytewise, buf, len, 1), nlines);
	CHECK_INT(whole.n, bytewise.n);
	for (i = 0; i < whole.n && i < bytewise.n; i++) {
		CHECK_INT(whole.ev[i].kind, bytewise.ev[i].kind);
		CHECK_INT(whole.ev[i].lineno, bytewise.ev[i].lineno);
		CHECK_STR(whole.ev[i].line, bytewise.ev[i].line);
		CHECK_STR(whole.ev[i].title, bytewise.ev[i].title);
	}
	CHECK_INT(whole.n, nwant);
	for (i = 0; i < whole.n && i < nwant; i++) {
		const struct rec *e = &whole.ev[i];
		const struct want *w = &want[i];

		if (e->lineno != w->lineno || e->kind != w->kind)
			printf("#   %s event %d: line %llu \"%s\"\n", name, i,
			    (unsigned long long)e->lineno, e->line);
		CHECK_INT(e->lineno, w->lineno);
		CHECK_INT(e->kind, w->kind);
		if (w->kind != CONSOLE_CRASH)
			continue;
		CHECK_STR(crash_kind_name(e->crash), crash_kind_name(w->crash));
		CHECK_INT(e->fatal, w->fatal);
		CHECK_STR(e->title, w->title);
	}
	free(buf);
}

static void
test_clean_pkvm_boot_has_no_crash(void)
{
	static const struct want want[] = {
		{ 254, CONSOLE_INIT, 0, false, NULL },
		{ 255, CONSOLE_TEST_BEGIN, 0, false, NULL },
		{ 257, CONSOLE_TEST_END, 0, false, NULL },
		{ 258, CONSOLE_TEST_BEGIN, 0, false, NULL },
		{ 259, CONSOLE_TEST_END, 0, false, NULL },
		{ 260, CONSOLE_DONE, 0, false, NULL },
	};

	check_log("boot-clean.log", want, 6, 262);
}

static void
test_sysrq_panic(void)
{
	static const struct want want[] = {
		{ 255, CONSOLE_CRASH, CRASH_PANIC, true,
		    "Kernel panic - not syncing: sysrq triggered crash" },
	};
	static const struct want halt[] = {
		{ 255, CONSOLE_CRASH, CRASH_PANIC, true,
		    "Kernel panic - not syncing: sysrq triggered crash" },
		END(281),
	};

	check_log("panic-sysrq.log", want, 1, 280);
	check_log("panic-sysrq-halt.log", halt, 2, 281);
}

static void
test_real_hyp_bug(void)
{
	static const struct want want[] = {
		{ 256, CONSOLE_CRASH, CRASH_HYP, true,
		    "nVHE hyp BUG at: __kvm_nvhe_handle_host_mem_abort" },
		{ 259, CONSOLE_CRASH, CRASH_HYP, true, "Kernel panic - not syncing: HYP panic" },
	};

	check_log("hyp-bug-kcore.log", want, 2, 286);
}

static void
test_real_hung_task(void)
{
	static const struct want want[] = {
		{ 269, CONSOLE_CRASH, CRASH_HUNG_TASK, true, "INFO: task init blocked" },
		{ 290, CONSOLE_CRASH, CRASH_HUNG_TASK, true, "INFO: task init blocked" },
		{ 311, CONSOLE_CRASH, CRASH_HUNG_TASK, true, "INFO: task init blocked" },
	};

	check_log("hung-task-fsfreeze.log", want, 3, 334);
}

static void
test_oops_then_panic(void)
{
	static const struct want want[] = {
		{ 1, CONSOLE_CRASH, CRASH_PAGING, true,
		    "Unable to handle kernel NULL pointer dereference" },
		{ 13, CONSOLE_CRASH, CRASH_OOPS, true, "Internal error: Oops" },
		END(34),
		{ 35, CONSOLE_CRASH, CRASH_PANIC, true,
		    "Kernel panic - not syncing: Oops: Fatal exception" },
		END(40),
	};

	check_log("oops-null-deref.log", want, 5, 40);
}

static void
test_warnings_are_not_fatal(void)
{
	static const struct want want[] = {
		{ 2, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING in pkvm_teardown_vm" },
		END(21),
		{ 22, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING in __alloc_pages" },
		END(23),
		{ 24, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING at kernel/smp.c:912" },
		{ 25, CONSOLE_CRASH, CRASH_WARNING, false,
		    "WARNING: possible circular locking dependency detected" },
		{ 26, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING in mutex_unlock" },
	};

	check_log("warning.log", want, 7, 26);
}

static void
test_hyp_reports(void)
{
	static const struct want want[] = {
		{ 1, CONSOLE_CRASH, CRASH_HYP, true,
		    "nVHE hyp BUG at: arch/arm64/kvm/hyp/nvhe/mem_protect.c:123" },
		{ 6, CONSOLE_CRASH, CRASH_HYP, true, "Kernel panic - not syncing: HYP panic" },
		{ 10, CONSOLE_CRASH, CRASH_HYP, true,
		    "nVHE hyp panic at: __kvm_nvhe___pkvm_vcpu_run" },
		{ 11, CONSOLE_CRASH, CRASH_HYP, true, "Kernel panic - not syncing: HYP panic" },
		{ 12, CONSOLE_CRASH, CRASH_HYP, true, "Invalid host exception to nVHE hyp" },
		{ 13, CONSOLE_CRASH, CRASH_HYP, true, "Kernel panic - not syncing: HYP panic" },
		{ 14, CONSOLE_CRASH, CRASH_HYP, true, "nVHE hyp BUG" },
	};

	check_log("hyp-hand.log", want, 7, 14);
}

static void
test_sanitizer_reports(void)
{
	static const struct want want[] = {
		{ 2, CONSOLE_CRASH, CRASH_SANITIZER, true,
		    "KASAN: slab-out-of-bounds in kmalloc_oob_right" },
		{ 7, CONSOLE_CRASH, CRASH_SANITIZER, true,
		    "KASAN: use-after-free in pkvm_host_unshare_hyp" },
		{ 8, CONSOLE_CRASH, CRASH_SANITIZER, true,
		    "KFENCE: out-of-bounds read in test_out_of_bounds_read" },
		{ 10, CONSOLE_CRASH, CRASH_SANITIZER, true,
		    "UBSAN: shift-out-of-bounds in arch/arm64/kvm/hyp/pgtable.c:73:21" },
		{ 12, CONSOLE_CRASH, CRASH_SANITIZER, true,
		    "KCSAN: data-race in pkvm_load_hyp_vcpu / pkvm_put_hyp_vcpu" },
	};

	check_log("sanitizers.log", want, 5, 12);
}

static void
test_stalls_lockups_and_bugs(void)
{
	static const struct want want[] = {
		{ 1, CONSOLE_CRASH, CRASH_LOCKUP, true, "BUG: soft lockup" },
		{ 4, CONSOLE_CRASH, CRASH_LOCKUP, true, "Watchdog detected hard LOCKUP" },
		{ 5, CONSOLE_CRASH, CRASH_RCU_STALL, true,
		    "INFO: rcu_sched self-detected stall on CPU" },
		{ 8, CONSOLE_CRASH, CRASH_RCU_STALL, true,
		    "INFO: rcu_preempt detected stalls on CPUs/tasks" },
		{ 9, CONSOLE_CRASH, CRASH_RCU_STALL, true,
		    "INFO: rcu_sched detected expedited stalls on CPUs/tasks" },
		{ 10, CONSOLE_CRASH, CRASH_SERROR, true, "SError Interrupt" },
		{ 11, CONSOLE_CRASH, CRASH_PANIC, true,
		    "Kernel panic - not syncing: Asynchronous SError Interrupt" },
		{ 13, CONSOLE_CRASH, CRASH_BUG, true, "kernel BUG at arch/arm64/kvm/pkvm.c:321" },
		{ 14, CONSOLE_CRASH, CRASH_OOPS, true, "Internal error: Oops - BUG" },
		{ 15, CONSOLE_CRASH, CRASH_BUG, true,
		    "BUG: sleeping function called from invalid context at "
		    "kernel/locking/mutex.c:580" },
		{ 16, CONSOLE_CRASH, CRASH_BUG, true, "BUG: scheduling while atomic" },
		{ 17, CONSOLE_CRASH, CRASH_BUG, true,
		    "BUG: unable to handle page fault for address" },
		{ 18, CONSOLE_CRASH, CRASH_BUG, true, "BUG: spinlock bad magic" },
		{ 19, CONSOLE_CRASH, CRASH_BUG, true, "BUG: Bad page state" },
		{ 20, CONSOLE_CRASH, CRASH_PAGING, true, "Unable to handle kernel paging request" },
		{ 21, CONSOLE_CRASH, CRASH_OOPS, true, "Oops: general protection fault" },
	};

	check_log("stalls.log", want, 16, 21);
}

/* Feed one line and return the number of crash events it gave. */
static int
crashes_in(const char *line, struct recorder *r)
{
	int i, n = 0;

	parse_str(r, line);
	for (i = 0; i < r->n; i++)
		n += r->ev[i].kind == CONSOLE_CRASH;
	return n;
}

static void
test_no_false_positives(void)
{
	static const char *const lines[] = {
		"[    6.269708] kvm [1]: Protected nVHE mode initialized successfully",
		"[    4.858663] kvm [1]: IPA Size Limit: 48 bits",
		"[    0.000000] Kernel command line: console=ttyAMA0 panic=-1",
		"[    1.000000] CONFIG_DEBUG_BUGVERBOSE is set",
		"[    1.000000] DEBUG: BUG: is only a word here",
		"smoke test: kvm [1] style text, BUG-free, no WARNING here",
		"[    1.000000] NOWARNING: x",
		"[    1.000000] rcu: Hierarchical RCU implementation.",
		"[    1.000000] INFO: task list follows",
		"[    1.000000] watchdog: Delayed init of the lockup detector",
		"[   18.220417] \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\""
		" disables this message.",
		"[   10.441342] PS:604003c9 PC:00009b8dc0dca0e8 ESR:00000000f2000800",
		"kvm [79]: ---[ end nVHE call trace ]---",
		"[1.0]",
		"[",
		"[ ",
		"[    1.000000][",
	};
	static struct recorder r;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int n = crashes_in(lines[i], &r);
		if (n != 0 || r.n != 0)
			printf("#   false positive: %s\n", lines[i]);
		CHECK_INT(r.n, 0);
	}
}

static void
test_prefixes_and_mid_line_reports(void)
{
	static struct recorder r;

	/* No timestamp at all (printk.time=0). */
	CHECK_INT(crashes_in("Kernel panic - not syncing: VFS: Unable to "
			     "mount root fs on unknown-block(0,0)\r\n",
		      &r),
	    1);
	CHECK_STR(r.ev[0].title,
	    "Kernel panic - not syncing: VFS: Unable "
	    "to mount root fs on unknown-block(0,0)");
	/* Caller id without timestamp, and a CPU caller id. */
	CHECK_INT(crashes_in("[    T1] BUG: scheduling while atomic: "
			     "swapper/0/1/0x00000002\n",
		      &r),
	    1);
	CHECK_STR(r.ev[0].title, "BUG: scheduling while atomic");
	CHECK_INT(crashes_in("[   12.000001][    C0] watchdog: BUG: soft "
			     "lockup - CPU#0 stuck for 26s! [swapper/0:0]\n",
		      &r),
	    1);
	CHECK_INT(r.ev[0].crash, CRASH_LOCKUP);
	/* A program left a partial line; printk starts after it. */
	CHECK_INT(crashes_in("progress: 50%[   12.345678] Kernel panic - not "
			     "syncing: Attempted to kill init! exitcode=0x0000000b\n",
		      &r),
	    1);
	CHECK_STR(r.ev[0].title,
	    "Kernel panic - not syncing: Attempted to "
	    "kill init! exitcode=0x0000000b");
	CHECK_INT(r.ev[0].crash, CRASH_PANIC);
	/* With printk.time=0 the caller id alone is the printk prefix, and
	 * it starts a message after a partial line just as a timestamp does
	 * (base/printk.h: one rule for both). */
	CHECK_INT(crashes_in("progress: 50%[    T1] Kernel panic - not "
			     "syncing: Attempted to kill init! exitcode=0x0000000b\n",
		      &r),
	    1);
	CHECK_INT(r.ev[0].crash, CRASH_PANIC);
	/* "[T]" is no caller id (the kernel always prints a number), so the
	 * message does not start after it. */
	CHECK_INT(crashes_in("[    1.000000][T] BUG: scheduling while atomic\n", &r), 0);
	/* But a report that does not start a message is not one. */
	CHECK_INT(crashes_in("echo 'Kernel panic - not syncing: x'\n", &r), 0);
	/* Printk text before a result marker is still checked. */
	{
		char l[256], buf[512];
		result_line(l, sizeof(l), "done tests=1");
		snprintf(buf, sizeof(buf),
		    "[  1.5] BUG: KASAN: "
		    "double-free in kfree+0x1/0x2%s\n",
		    l);
		CHECK_INT(crashes_in(buf, &r), 1);
		CHECK_INT(r.n, 2);
		CHECK_STR(r.ev[0].title, "KASAN: double-free in kfree");
		CHECK_INT(r.ev[1].kind, CONSOLE_DONE);
		CHECK_INT(r.ev[0].lineno, r.ev[1].lineno);
	}
}

static void
test_split_feeds_at_every_boundary(void)
{
	static struct recorder whole, split;
	char l[3][256], buf[2048];
	size_t len, cut;
	int i;

	result_line(l[0], sizeof(l[0]), "begin test=x seq=1");
	result_line(l[1], sizeof(l[1]), "end test=x seq=1 exit=0 ms=3");
	result_line(l[2], sizeof(l[2]), "done tests=1");
	snprintf(buf, sizeof(buf),
	    "%s\r\n[    2.0] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\r\n"
	    "%s\r\n[    3.0] ---[ end trace 0000000000000000 ]---\r\n%s",
	    l[0], l[1], l[2]);
	len = strlen(buf);
	parse(&whole, buf, len, 0);
	CHECK_INT(whole.n, 5);
	for (cut = 0; cut <= len; cut++) {
		struct console_parser *p = NULL;
		CHECK_INT(console_parser_new(&p, record, &split), 0);
		memset(&split, 0, sizeof(split));
		console_parser_feed(p, buf, cut);
		console_parser_feed(p, buf + cut, len - cut);
		console_parser_flush(p);
		console_parser_free(p);
		CHECK_INT(split.n, whole.n);
		for (i = 0; i < split.n && i < whole.n; i++) {
			CHECK_INT(split.ev[i].kind, whole.ev[i].kind);
			CHECK_INT(split.ev[i].lineno, whole.ev[i].lineno);
			CHECK_STR(split.ev[i].line, whole.ev[i].line);
			CHECK_STR(split.ev[i].title, whole.ev[i].title);
			CHECK_STR(split.ev[i].test, whole.ev[i].test);
		}
	}
	for (i = 1; i <= 17; i += 4) {
		parse(&split, buf, len, (size_t)i);
		CHECK_INT(split.n, whole.n);
	}
}

/* ---- issue 3: more result events, data lines, the log, reports ------- */

static void
test_new_result_events(void)
{
	static struct recorder r;
	static const char *const bodies[] = {
		"init uptime=3.2",
		"mark name=modules uptime=12.34",
		"module name=brd status=ok exit=0",
		"module name=pkvm_test status=fail exit=1",
		"begin test=a seq=1 timeout=30 limit=job",
		"begin test=b seq=2",
		"end test=b seq=2 exit=143 ms=5002 killed=timeout",
		"end test=a seq=1 exit=0 ms=7",
		"file-begin test=a path=out/x.txt size=102 "
		"sha256=7980017f613bb47f06767f9d91c1bc47abc357928e91e3a14e7ffb6f30d7450c",
		"file-end test=a path=out/x.txt lines=2",
		"file-skip test=a path=.hidden reason=bad-path",
	};
	char buf[4096], l[256];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		result_line(l, sizeof(l), bodies[i]);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\r\n", l);
	}
	CHECK_INT(parse_str(&r, buf), 11);
	CHECK_INT(r.n, 11);
	CHECK_INT(r.nline_events, 0);
	CHECK_INT(r.ev[0].kind, CONSOLE_INIT);
	CHECK_INT(r.ev[0].uptime_ms, 3200);
	CHECK_INT(r.ev[1].kind, CONSOLE_MARK);
	CHECK_STR(r.ev[1].test, "modules");
	CHECK_INT(r.ev[1].uptime_ms, 12340);
	CHECK_INT(r.ev[1].lineno, 2);
	CHECK_INT(r.ev[2].kind, CONSOLE_MODULE);
	CHECK_STR(r.ev[2].test, "brd");
	CHECK(r.ev[2].ok);
	CHECK_INT(r.ev[2].exit_code, 0);
	CHECK_INT(r.ev[3].kind, CONSOLE_MODULE);
	CHECK_STR(r.ev[3].test, "pkvm_test");
	CHECK(!r.ev[3].ok);
	CHECK_INT(r.ev[3].exit_code, 1);
	CHECK_INT(r.ev[4].kind, CONSOLE_TEST_BEGIN);
	CHECK_INT(r.ev[4].timeout_s, 30);
	CHECK_STR(r.ev[4].limit, "job");
	/* A begin line from before "timeout" existed: no timeout, and no
	 * word on whose limit it is. */
	CHECK_INT(r.ev[5].kind, CONSOLE_TEST_BEGIN);
	CHECK_INT(r.ev[5].timeout_s, 0);
	CHECK_STR(r.ev[5].limit, "(null)");
	CHECK_INT(r.ev[6].kind, CONSOLE_TEST_END);
	CHECK(r.ev[6].killed_timeout);
	CHECK_INT(r.ev[6].exit_code, 143);
	CHECK_INT(r.ev[7].kind, CONSOLE_TEST_END);
	CHECK(!r.ev[7].killed_timeout);
	CHECK_INT(r.ev[8].kind, CONSOLE_FILE_BEGIN);
	CHECK_STR(r.ev[8].test, "a");
	CHECK_STR(r.ev[8].path, "out/x.txt");
	CHECK_INT(r.ev[8].size, 102);
	CHECK_STR(r.ev[8].sha256,
	    "7980017f613bb47f06767f9d91c1bc47abc357928e91e3a14e7ffb6f30d7450c");
	CHECK_INT(r.ev[9].kind, CONSOLE_FILE_END);
	CHECK_STR(r.ev[9].path, "out/x.txt");
	CHECK_INT(r.ev[9].nlines, 2);
	CHECK_INT(r.ev[10].kind, CONSOLE_FILE_SKIP);
	CHECK_STR(r.ev[10].path, ".hidden");
	CHECK_STR(r.ev[10].title, "bad-path");
	CHECK_INT(r.ev[10].lineno, 11);
}

static void
test_corrupt_new_events(void)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "mark uptime=1.00", "bad mark line" },
		{ "mark name=tests uptime=1", "bad mark line" },
		{ "mark name=tests", "bad mark line" },
		{ "module name=brd status=maybe exit=0", "bad module line" },
		{ "module name=brd status=ok", "bad module line" },
		{ "module status=ok exit=0", "bad module line" },
		{ "begin test=a seq=1 timeout=-1", "bad test line" },
		{ "begin test=a seq=1 timeout=soon", "bad test line" },
		{ "begin test=a seq=1 timeout=3 limit=mine", "bad test line" },
		{ "end test=a seq=1 exit=0 ms=1 killed=signal", "bad test line" },
		{ "file-begin test=a path=x size=1 sha256=abc", "bad file line" },
		{ "file-begin test=a path=x size=1", "bad file line" },
		{ "file-begin test=a path=x size=1 "
		  "sha256=7980017f613bb47f06767f9d91c1bc47abc357928e91e3a14e7ffb6f30d7450c0",
		    "bad file line" },
		{ "file-begin test=a path=x size=1 "
		  "sha256=7980017F613BB47F06767F9D91C1BC47ABC357928E91E3A14E7FFB6F30D7450C",
		    "bad file line" },
		{ "file-begin test=a path=x size=-1 "
		  "sha256=7980017f613bb47f06767f9d91c1bc47abc357928e91e3a14e7ffb6f30d7450c",
		    "bad file line" },
		{ "file-begin test=a size=1 "
		  "sha256=7980017f613bb47f06767f9d91c1bc47abc357928e91e3a14e7ffb6f30d7450c",
		    "bad file line" },
		{ "file-end test=a path=x", "bad file line" },
		{ "file-end path=x lines=1", "bad file line" },
		{ "file-skip test=a path=x", "bad file line" },
		{ "file-nope test=a path=x", "unknown event" },
	};
	static const char *const good[] = {
		"mark name=tests uptime=1.00",
		"module name=brd status=ok exit=0",
		"begin test=a seq=1 timeout=30",
		"end test=a seq=1 exit=0 ms=1 killed=timeout",
		"file-begin test=a path=x size=1 "
		"sha256=7980017f613bb47f06767f9d91c1bc47abc357928e91e3a14e7ffb6f30d7450c",
		"file-end test=a path=x lines=1",
		"file-skip test=a path=x reason=too-big",
	};
	char l[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		result_line(l, sizeof(l), bad[i].body);
		expect_corrupt(l, bad[i].why);
	}
	/* Each new event with one character changed fails its crc. */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		result_line(l, sizeof(l), good[i]);
		l[strlen(CONSOLE_MARKER) + 2] ^= 1;
		expect_corrupt(l, "crc mismatch");
	}
}

static void
test_data_lines(void)
{
	static struct recorder r;
	char l[256], buf[1024];

	result_line(l, sizeof(l), "done tests=0");
	snprintf(buf, sizeof(buf),
	    "one\r\n@@pkvm:1 d aGVsbG8K\r\n@@pkvm:1 d aHlwIGxvZwo=\r\ntwo\r\n"
	    "@@pkvm:1 d YQ==\r\n%s\r\n",
	    l);
	/* Data lines are not lines of the log: "two" is line 2. */
	CHECK_INT(parse_str(&r, buf), 3);
	CHECK_INT(r.nline_events, 2);
	CHECK_INT(r.n, 4);
	CHECK_INT(r.ev[0].kind, CONSOLE_FILE_DATA);
	CHECK_INT(r.ev[0].data_len, 8);
	CHECK_STR(r.ev[0].data, "aGVsbG8K");
	CHECK_INT(r.ev[0].lineno, 1);
	CHECK_STR(r.ev[1].data, "aHlwIGxvZwo=");
	CHECK_STR(r.ev[2].data, "YQ==");
	CHECK_INT(r.ev[2].lineno, 2);
	CHECK_INT(r.ev[3].kind, CONSOLE_DONE);
	CHECK_INT(r.ev[3].lineno, 3);

	/* Damaged data lines: dropped from the log all the same. */
	static const char *const bad[] = {
		"@@pkvm:1 d aGV!bG8K\n", /* not the alphabet */
		"@@pkvm:1 d aGVsbG8\n", /* not whole groups of 4 */
		"@@pkvm:1 d aG=sbG8K\n", /* padding in the middle */
		"@@pkvm:1 d a===\n", /* three of padding */
		"@@pkvm:1 d \n", /* nothing */
		"@@pkvm:1 d aGVs bG8K\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse_str(&r, bad[i]), 0);
		CHECK_INT(r.n, 1);
		CHECK_INT(r.ev[0].kind, CONSOLE_CORRUPT);
		CHECK_STR(r.ev[0].title, "bad data line");
	}
	/* A data line with printk text before it is a damaged line of the
	 * log (it is logged: the marker is not at its start). */
	CHECK_INT(parse_str(&r, "[  1.0] x@@pkvm:1 d aGVsbG8K\n"), 1);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.ev[0].title, "bad data line");
	/* The serial line's '\r' does not hide the marker. */
	CHECK_INT(parse_str(&r, "\r@@pkvm:1 d aGVs\r\r\nx"), 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_FILE_DATA);
	CHECK_STR(r.ev[0].data, "aGVs");
	/* A data line cut short by the end of the stream is still one. */
	CHECK_INT(parse_str(&r, "x\n@@pkvm:1 d aGVs"), 1);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_FILE_DATA);
	/* Not data lines: the marker without "d ", or cut short. */
	CHECK_INT(parse_str(&r, "@@pkvm:1 dx\n@@pkvm:1 d\n@@pkvm:1\n"), 3);
	CHECK_INT(r.nline_events, 0);
	CHECK_INT(r.n, 3);
	CHECK_INT(r.ev[0].kind, CONSOLE_CORRUPT);
	/* An over-long data line is damaged. */
	{
		static char lng[CONSOLE_LINE_MAX + 64];
		memset(lng, 'A', sizeof(lng) - 2);
		memcpy(lng, "@@pkvm:1 d ", 11);
		lng[sizeof(lng) - 2] = '\n';
		lng[sizeof(lng) - 1] = '\0';
		CHECK_INT(parse_str(&r, lng), 0);
		CHECK_INT(r.n, 1);
		CHECK_STR(r.ev[0].title, "bad data line");
	}
}

/* BUF without its data lines, the way the log must have it: a line whose
 * first bytes, '\r' and NUL aside, are "@@pkvm:1 d " goes, '\n' and all. */
static char *
without_data_lines(const char *buf, size_t len, size_t *outlen)
{
	char *out = malloc(len + 1);
	size_t i = 0, o = 0;

	while (out != NULL && i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) + 1 : len, j, k = 0;

		for (j = i; j < end && k < 11; j++)
			if (buf[j] != '\r' && buf[j] != '\0')
				if (buf[j] != "@@pkvm:1 d "[k++])
					break;
		if (k < 11 || buf[j - 1] != ' ') {
			memcpy(out + o, buf + i, end - i);
			o += end - i;
		}
		i = end;
	}
	*outlen = o;
	return out;
}

/* Parse BUF whole, byte by byte and in random chunks: the log each time
 * must be BUF without its data lines, and the events the same. */
static void
check_output(const char *what, const char *buf, size_t len)
{
	static struct recorder whole, other;
	struct output o1 = { 0 }, o2 = { 0 };
	size_t want_len,
	    chunks[] = { 1, 2, 3, 11, 12, RANDOM_CHUNKS, RANDOM_CHUNKS, RANDOM_CHUNKS };
	char *want = without_data_lines(buf, len, &want_len);
	size_t c;
	int i;

	if (want == NULL)
		return;
	parse_out(&whole, buf, len, 0, &o1);
	CHECK_INT(o1.len, want_len);
	CHECK(o1.len == want_len && memcmp(o1.buf, want, want_len) == 0);
	CHECK(!o1.empty_call);
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		o2.len = 0;
		parse_out(&other, buf, len, chunks[c], &o2);
		if (o2.len != want_len || memcmp(o2.buf, want, want_len) != 0)
			printf("#   %s: the log differs with chunks of %zu\n", what, chunks[c]);
		CHECK(o2.len == want_len && memcmp(o2.buf, want, want_len) == 0);
		CHECK(!o2.empty_call);
		CHECK_INT(other.n, whole.n);
		CHECK_INT(other.nline_events, whole.nline_events);
		CHECK_INT(other.nreports, whole.nreports);
		for (i = 0; i < other.n && i < whole.n; i++) {
			CHECK_INT(other.ev[i].kind, whole.ev[i].kind);
			CHECK_INT(other.ev[i].lineno, whole.ev[i].lineno);
			CHECK_STR(other.ev[i].line, whole.ev[i].line);
			CHECK_STR(other.ev[i].data, whole.ev[i].data);
		}
	}
	free(o1.buf);
	free(o2.buf);
	free(want);
}

static void
test_log_output_is_the_input_minus_data_lines(void)
{
	static const char *const logs[] = { "artifacts.log", "boot-clean.log", "hyp-bug-kcore.log",
		"oops-null-deref.log" };
	static const char tricky[] = "@@pkvm:1 d QUJD\r\n\r\r@@pkvm:1 d QUJD\n@@pkvm:1 d\n"
				     "@@pkvm:1 \n@@\r\n@@pkvm:1 d QUJD\n@\r\n@@pkvm:1 d QQ==\n"
				     "x@@pkvm:1 d QUJD\n@@pkvm:1 d QU";
	static struct recorder r;
	size_t i, len;

	srand(1);
	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		char path[256], *buf;

		snprintf(path, sizeof(path), "data/%s", logs[i]);
		buf = read_file(path, &len);
		CHECK(buf != NULL);
		if (buf == NULL)
			continue;
		check_output(logs[i], buf, len);
		free(buf);
	}
	check_output("tricky", tricky, sizeof(tricky) - 1);
	check_output("tricky-no-end", tricky, sizeof(tricky) - 4);

	/* The artifact log: what the runner gets out of it. */
	{
		char *buf = read_file("data/artifacts.log", &len);
		struct output o = { 0 };
		int ndata = 0, j;

		if (buf == NULL)
			return;
		CHECK_INT(parse_out(&r, buf, len, 0, &o), 24);
		for (j = 0; j < r.n; j++) {
			ndata += r.ev[j].kind == CONSOLE_FILE_DATA;
			CHECK(r.ev[j].kind != CONSOLE_CORRUPT);
		}
		CHECK_INT(ndata, 4);
		CHECK_INT(r.nline_events, 8);
		CHECK_INT(r.last_line, 24);
		CHECK(o.len > 4 && memcmp(o.buf + o.len - 4, "/ # ", 4) == 0);
		CHECK(memmem(o.buf, o.len, " d ", 3) == NULL);
		free(o.buf);
		free(buf);
	}
}

static void
test_log_output_streams(void)
{
	static struct recorder r;
	struct output o = { 0 };
	struct console_parser *p = NULL;
	CHECK_INT(console_parser_new(&p, record, &r), 0);

	if (p == NULL)
		return;
	memset(&r, 0, sizeof(r));
	console_parser_set_output(p, collect, &o);
	/* A shell prompt with no newline reaches the log at once. */
	console_parser_feed(p, "/ # ", 4);
	CHECK_INT(o.len, 4);
	console_parser_feed(p, "ls\r\n", 4);
	CHECK_INT(o.len, 8);
	/* The start of a line that could be a data line waits... */
	console_parser_feed(p, "@@pkvm:1", 8);
	CHECK_INT(o.len, 8);
	/* ...until it cannot be one. */
	console_parser_feed(p, " x", 2);
	CHECK_INT(o.len, 18);
	CHECK(memcmp(o.buf + 8, "@@pkvm:1 x", 10) == 0);
	console_parser_feed(p, "yz\n@@pkvm:1 d QUJD\r", 19);
	CHECK_INT(o.len, 21);
	console_parser_feed(p, "\n@@pkv", 6);
	CHECK_INT(o.len, 21);
	/* Held bytes are released at flush. */
	console_parser_flush(p);
	CHECK_INT(o.len, 26);
	CHECK(memcmp(o.buf + 21, "@@pkv", 5) == 0);
	CHECK_INT(console_parser_lines(p), 3);
	console_parser_free(p);
	free(o.buf);
}

/* ---- crash reports, whole --------------------------------------------- */

struct want_report {
	uint64_t first, last;
	enum crash_kind crash;
	bool fatal;
	const char *title;
	const char *contains; /* besides the first and last lines */
};

/* Does TEXT hold exactly the lines FIRST..LAST of LOG ('\r' dropped)? */
static bool
report_is_lines(const char *text, const char *log, uint64_t first, uint64_t last)
{
	static char want[REPORT_TEXT];
	size_t o = 0;
	uint64_t no = 1;
	const char *s;

	for (s = log; *s != '\0' && o + 1 < sizeof(want); s++) {
		if (*s == '\n') {
			if (no >= first && no < last)
				want[o++] = '\n';
			no++;
			continue;
		}
		if (*s != '\r' && no >= first && no <= last)
			want[o++] = *s;
	}
	want[o] = '\0';
	if (strcmp(text, want) != 0) {
		printf("#   report text:\n%s\n#   expected:\n%s\n", text, want);
		return false;
	}
	return true;
}

static void
check_reports(const char *name, const struct want_report *want, int nwant)
{
	static struct recorder whole, bytewise;
	char path[256];
	size_t len;
	char *buf;
	int i;

	snprintf(path, sizeof(path), "data/%s", name);
	buf = read_file(path, &len);
	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	parse(&whole, buf, len, 0);
	parse(&bytewise, buf, len, 1);
	CHECK_INT(whole.nreports, nwant);
	CHECK_INT(bytewise.nreports, nwant);
	for (i = 0; i < whole.nreports && i < nwant && i < MAX_REPORTS; i++) {
		const struct report_rec *e = &whole.rep[i];
		const struct want_report *w = &want[i];

		if (e->lineno != w->first || e->last_lineno != w->last)
			printf("#   %s report %d: lines %llu-%llu\n", name, i,
			    (unsigned long long)e->lineno, (unsigned long long)e->last_lineno);
		CHECK_INT(e->lineno, w->first);
		CHECK_INT(e->last_lineno, w->last);
		CHECK_STR(crash_kind_name(e->crash), crash_kind_name(w->crash));
		CHECK_INT(e->fatal, w->fatal);
		CHECK_STR(e->title, w->title);
		CHECK(report_is_lines(e->text, buf, w->first, w->last));
		CHECK(strncmp(e->text, e->line, strlen(e->line)) == 0);
		if (w->contains != NULL)
			CHECK(strstr(e->text, w->contains) != NULL);
		CHECK_STR(bytewise.rep[i].text, e->text);
		CHECK_INT(bytewise.rep[i].lineno, e->lineno);
	}
	free(buf);
}

static void
test_reports_of_real_crashes(void)
{
	static const struct want_report sysrq[] = {
		{ 255, 280, CRASH_PANIC, true, "Kernel panic - not syncing: sysrq triggered crash",
		    "] Call trace:\n[   12.298060]  dump_backtrace+0xe4/0x140\n" },
	};
	static const struct want_report halt[] = {
		{ 255, 280, CRASH_PANIC, true, "Kernel panic - not syncing: sysrq triggered crash",
		    "] Call trace:\n[   18.661613]  dump_backtrace+0xe4/0x140\n" },
	};
	static const struct want_report hyp[] = {
		{ 256, 286, CRASH_HYP, true, "nVHE hyp BUG at: __kvm_nvhe_handle_host_mem_abort",
		    "Call trace:\n[   10.444689]  dump_backtrace" },
	};
	static const struct want_report hung[] = {
		{ 269, 289, CRASH_HUNG_TASK, true, "INFO: task init blocked",
		    "] Call trace:\n[   18.225531]  __switch_to+0xe8/0x120\n" },
		{ 290, 310, CRASH_HUNG_TASK, true, "INFO: task init blocked",
		    "] Call trace:\n[   20.269984]  __switch_to+0xe8/0x120\n" },
		{ 311, 331, CRASH_HUNG_TASK, true, "INFO: task init blocked",
		    "] Call trace:\n[   22.318230]  __switch_to+0xe8/0x120\n" },
	};

	check_reports("panic-sysrq.log", sysrq, 1);
	check_reports("panic-sysrq-halt.log", halt, 1);
	check_reports("hyp-bug-kcore.log", hyp, 1);
	check_reports("hung-task-fsfreeze.log", hung, 3);
	check_reports("boot-clean.log", NULL, 0);
}

static void
test_reports_of_excerpts(void)
{
	/* The Oops and the panic it causes: one report, through the panic's
	 * last line ("Memory Limit:"); the end marker after it is not. */
	static const struct want_report oops[] = {
		{ 1, 39, CRASH_PAGING, true, "Unable to handle kernel NULL pointer dereference",
		    "] Call trace:\n[   23.113907][  T231]  pkvm_test_share+0x2c/0x90 "
		    "[pkvm_test]\n" },
	};
	/* A WARNING ends at its end marker and is not fatal. */
	static const struct want_report warn[] = {
		{ 2, 21, CRASH_WARNING, false, "WARNING in pkvm_teardown_vm", "Call trace:" },
		{ 22, 23, CRASH_WARNING, false, "WARNING in __alloc_pages", NULL },
		{ 24, 26, CRASH_WARNING, false, "WARNING at kernel/smp.c:912", NULL },
	};
	/* Crash lines inside an open report belong to it: each of these
	 * excerpts is one report (no trace ends them). */
	static const struct want_report hyp[] = {
		{ 1, 14, CRASH_HYP, true,
		    "nVHE hyp BUG at: arch/arm64/kvm/hyp/nvhe/mem_protect.c:123",
		    "nVHE call trace:" },
	};
	static const struct want_report san[] = {
		{ 2, 12, CRASH_SANITIZER, true, "KASAN: slab-out-of-bounds in kmalloc_oob_right",
		    NULL },
	};
	static const struct want_report stalls[] = {
		{ 1, 21, CRASH_LOCKUP, true, "BUG: soft lockup", NULL },
	};

	check_reports("oops-null-deref.log", oops, 1);
	check_reports("warning.log", warn, 3);
	check_reports("hyp-hand.log", hyp, 1);
	check_reports("sanitizers.log", san, 1);
	check_reports("stalls.log", stalls, 1);
}

/* Append LINE and "\r\n" to the growing BUF. */
static void
add(char *buf, size_t size, const char *line)
{
	snprintf(buf + strlen(buf), size - strlen(buf), "%s\r\n", line);
}

static void
test_report_boundaries(void)
{
	static struct recorder r;
	static char buf[1 << 20];
	char l[256];
	int i;

	/* A result line ends a report and is not in it. */
	buf[0] = '\0';
	add(buf, sizeof(buf), "[  1.0] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2");
	add(buf, sizeof(buf), "[  1.1] Modules linked in:");
	result_line(l, sizeof(l), "end test=a seq=1 exit=0 ms=1");
	add(buf, sizeof(buf), l);
	add(buf, sizeof(buf), "[  1.2] after");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 1);
	CHECK_INT(r.rep[0].lineno, 1);
	CHECK_INT(r.rep[0].last_lineno, 2);
	CHECK(!r.rep[0].fatal);
	CHECK_STR(r.rep[0].text,
	    "[  1.0] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n[  1.1] Modules linked in:");
	/* The report comes before the result line's event. */
	CHECK_INT(r.n, 2);
	CHECK_INT(r.ev[1].kind, CONSOLE_TEST_END);
	CHECK(r.rep[0].order < r.ev[1].order);

	/* A WARNING, then a panic inside it (panic_on_warn): one fatal report
	 * with the WARNING's title. */
	buf[0] = '\0';
	add(buf, sizeof(buf), "[  1.0] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2");
	add(buf, sizeof(buf), "[  1.1] Kernel panic - not syncing: kernel: panic_on_warn set ...");
	add(buf, sizeof(buf), "[  1.2] Call trace:");
	add(buf, sizeof(buf), "[  1.3]  panic+0x1/0x2");
	add(buf, sizeof(buf), "[  1.4] Kernel Offset: disabled");
	add(buf, sizeof(buf),
	    "[  1.5] ---[ end Kernel panic - not syncing: kernel: panic_on_warn ]---");
	add(buf, sizeof(buf), "[  1.6] rebooting");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 1);
	CHECK_INT(r.rep[0].crash, CRASH_WARNING);
	CHECK(r.rep[0].fatal);
	CHECK_STR(r.rep[0].title, "WARNING in f");
	CHECK_INT(r.rep[0].last_lineno, 6);

	/* 200 lines at most; the next crash line starts a new report. */
	buf[0] = '\0';
	add(buf, sizeof(buf), "[  1.0] BUG: spinlock bad magic on CPU#1, x/1");
	for (i = 0; i < 250; i++)
		add(buf, sizeof(buf), "[  1.1] BUG: scheduling while atomic: x/1/0x2");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 2);
	CHECK_INT(r.rep[0].lineno, 1);
	CHECK_INT(r.rep[0].last_lineno, 200);
	CHECK_STR(r.rep[0].title, "BUG: spinlock bad magic");
	CHECK_INT(r.rep[1].lineno, 201);
	CHECK_INT(r.rep[1].last_lineno, 251);
	CHECK_STR(r.rep[1].title, "BUG: scheduling while atomic");

	/* The text is bounded: 200 lines of 4000 bytes give 64 KiB. */
	{
		static char lng[4001];
		memset(lng, 'x', 4000);
		memcpy(lng, "[  1.0] BUG: a", 14);
		buf[0] = '\0';
		for (i = 0; i < 200; i++)
			add(buf, sizeof(buf), lng);
		parse_str(&r, buf);
		CHECK_INT(r.nreports, 1);
		CHECK_INT(r.rep[0].last_lineno, 200);
		CHECK_INT(r.rep[0].text_len, 64 * 1024);
	}

	/* Flush ends an open report; trailing blank lines are not in it. */
	parse_str(&r,
	    "x\r\n[  1.0] Kernel panic - not syncing: x\r\n[  1.1] CPU: 0\r\n\r\n[  1.2] \r\n");
	CHECK_INT(r.nreports, 1);
	CHECK_INT(r.rep[0].lineno, 2);
	CHECK_INT(r.rep[0].last_lineno, 3);
	CHECK_STR(r.rep[0].text, "[  1.0] Kernel panic - not syncing: x\n[  1.1] CPU: 0");

	/* A trace ends the report at the first line that is none of it, and
	 * that line may start the next one; an Oops's end marker waits for
	 * the panic that may follow, and ends it if none does. */
	buf[0] = '\0';
	add(buf, sizeof(buf), "[  1.0] Internal error: Oops: 96000006 [#1] SMP");
	add(buf, sizeof(buf), "[  1.1] Call trace:");
	add(buf, sizeof(buf), "[  1.2]  f+0x1/0x2");
	add(buf, sizeof(buf), "[  1.3]  ? g+0x1/0x2");
	add(buf, sizeof(buf), "[  1.4] Code: f9400260 (f9400421)");
	add(buf, sizeof(buf), "[  1.5] ---[ end trace 0000000000000000 ]---");
	add(buf, sizeof(buf), "segfault");
	add(buf, sizeof(buf), "[  2.0] BUG: Bad page state in process x  pfn:4401c");
	add(buf, sizeof(buf), "[  2.1] Call trace:");
	add(buf, sizeof(buf), "[  2.2]  [<ffff800008bca0e8>] h+0x1/0x2");
	add(buf, sizeof(buf), "[  2.3]  0xffff800008bca0e8");
	add(buf, sizeof(buf), "test output");
	add(buf, sizeof(buf), "[  3.0] Kernel panic - not syncing: x");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 3);
	CHECK_INT(r.rep[0].lineno, 1);
	CHECK_INT(r.rep[0].last_lineno, 6);
	CHECK_INT(r.rep[1].lineno, 8);
	CHECK_INT(r.rep[1].last_lineno, 11);
	CHECK_INT(r.rep[2].lineno, 13);
	CHECK_INT(r.rep[2].last_lineno, 13);
	CHECK_INT(r.nline_events, 13);
}

/* The banners of the captured boots: Debian's 6.1 kernel, at line 2. */
static void
test_kernel_version_comes_from_the_banner_of_real_boots(void)
{
	static const char *const logs[] = { "boot-clean.log", "panic-sysrq.log",
		"hyp-bug-kcore.log" };
	static struct recorder r;
	char path[256];
	size_t len;
	char *buf;

	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		snprintf(path, sizeof(path), "data/%s", logs[i]);
		buf = read_file(path, &len);
		CHECK(buf != NULL);
		if (buf == NULL)
			continue;
		parse(&r, buf, len, 1);
		CHECK_INT(r.nversions, 1);
		CHECK_STR(r.version, "6.1.0-56-cloud-arm64");
		CHECK_INT(r.version_line, 2);
		free(buf);
	}
}

static void
test_kernel_version_is_reported_once_and_only_before_init(void)
{
	static struct recorder r;
	char init[256], buf[1024];

	/* Without printk times; the release ends at the first blank. */
	parse_str(&r, "Booting Linux\r\nLinux version 6.12.0-rc1+ (me@host) #3 SMP\r\n");
	CHECK_INT(r.nversions, 1);
	CHECK_STR(r.version, "6.12.0-rc1+");
	CHECK_INT(r.version_line, 2);
	CHECK_INT(r.n, 0);
	/* Only the first banner counts. */
	parse_str(&r,
	    "[    0.000000] Linux version 6.1.0-a #1\r\n"
	    "[    0.000000] Linux version 6.1.0-b #1\r\n");
	CHECK_INT(r.nversions, 1);
	CHECK_STR(r.version, "6.1.0-a");
	/* Once init runs it is a program's output (cat /proc/version). */
	result_line(init, sizeof(init), "init uptime=1.00");
	snprintf(buf, sizeof(buf), "%s\r\nLinux version 6.1.0-c #1\r\n", init);
	parse_str(&r, buf);
	CHECK_INT(r.nversions, 0);
	/* Not a banner: not the message start, no release, a release too long
	 * for utsname. */
	parse_str(&r,
	    "[    0.000000] Hello Linux version 6.1.0-d\r\n"
	    "Linux version  6.1.0-e\r\n"
	    "Linux version "
	    "12345678901234567890123456789012345678901234567890123456789012345\r\n"
	    "linux version 6.1.0-f\r\n");
	CHECK_INT(r.nversions, 0);
	/* A release of exactly the most utsname holds is whole. */
	parse_str(&r,
	    "Linux version "
	    "1234567890123456789012345678901234567890123456789012345678901234\r\n");
	CHECK_INT(r.nversions, 1);
	CHECK_INT(strlen(r.version), CONSOLE_KERNEL_VERSION_MAX);
}

static void
test_crash_kind_names(void)
{
	CHECK_STR(crash_kind_name(CRASH_PANIC), "panic");
	CHECK_STR(crash_kind_name(CRASH_OOPS), "oops");
	CHECK_STR(crash_kind_name(CRASH_HYP), "hyp");
	CHECK_STR(crash_kind_name(CRASH_SANITIZER), "sanitizer");
	CHECK_STR(crash_kind_name((enum crash_kind)99), "unknown");
	console_parser_free(NULL);
}

/* A test's own output (each line marked by init) is never a crash, a
 * result or a data line, whatever it says; the kernel's output that lands
 * inside such a line still is; the marks never reach the log. */
static void
test_a_tests_own_words_never_make_a_crash(void)
{
	static struct recorder r;
	struct output o = { 0 };
	char end[256], text[2048];

	result_line(end, sizeof(end), "end test=a seq=1 exit=0 ms=5");
	snprintf(text, sizeof(text),
	    "\036BUG: expected 4, got 5\r\n"
	    "\036WARNING: option -x is deprecated\r\n"
	    "\036[    1.000000] Kernel panic - not syncing: saved log of an old run\r\n"
	    "\036%s\r\n"
	    "\036@@pkvm:1 d AAAA\r\n"
	    "\036ok 1 last words[   12.345678] Kernel panic - not syncing: sysrq triggered "
	    "crash\r\n"
	    "[   12.345900] CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0 #1\r\n",
	    end);
	parse_out(&r, text, strlen(text), 0, &o);
	CHECK_INT(r.ntest_lines, 6);
	/* The data line of a test is output, logged, and not data. */
	CHECK_INT(r.nline_events, 7);
	CHECK_STR(r.last_test_line,
	    "ok 1 last words[   12.345678] Kernel panic - not syncing: sysrq triggered crash");
	/* One crash: the kernel's panic inside the last test line. */
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_CRASH);
	CHECK_STR(r.ev[0].title, "Kernel panic - not syncing: sysrq triggered crash");
	CHECK_INT(r.nreports, 1);
	CHECK(o.buf != NULL && memchr(o.buf, '\036', o.len) == NULL);
	CHECK(o.buf != NULL && strstr(o.buf, "BUG: expected 4, got 5\r\nWARNING: option") != NULL);
	free(o.buf);
}

/* A line printed without a newline has init's next result line appended;
 * its text is still output, for the results parser. */
static void
test_text_before_a_result_marker_is_output(void)
{
	static struct recorder r;
	char end[256], text[512];

	result_line(end, sizeof(end), "end test=a seq=1 exit=0 ms=5");
	snprintf(text, sizeof(text), "ok 1 suite%s\r\n", end);
	CHECK_INT(parse_str(&r, text), 1);
	CHECK_INT(r.nline_events, 1);
	CHECK_STR(r.last_text, "ok 1 suite");
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_TEST_END);
}

int
main(void)
{
	RUN(test_a_tests_own_words_never_make_a_crash);
	RUN(test_text_before_a_result_marker_is_output);
	RUN(test_cksum_matches_the_cksum_command);
	RUN(test_lines_are_counted_and_cr_stripped);
	RUN(test_final_line_without_newline_is_parsed_on_flush);
	RUN(test_long_line_is_cut_and_counts_once);
	RUN(test_result_events);
	RUN(test_marker_after_printk_text_and_unknown_keys);
	RUN(test_corrupt_result_lines);
	RUN(test_clean_pkvm_boot_has_no_crash);
	RUN(test_sysrq_panic);
	RUN(test_real_hyp_bug);
	RUN(test_real_hung_task);
	RUN(test_oops_then_panic);
	RUN(test_warnings_are_not_fatal);
	RUN(test_hyp_reports);
	RUN(test_sanitizer_reports);
	RUN(test_stalls_lockups_and_bugs);
	RUN(test_no_false_positives);
	RUN(test_prefixes_and_mid_line_reports);
	RUN(test_split_feeds_at_every_boundary);
	RUN(test_new_result_events);
	RUN(test_corrupt_new_events);
	RUN(test_data_lines);
	RUN(test_log_output_is_the_input_minus_data_lines);
	RUN(test_log_output_streams);
	RUN(test_reports_of_real_crashes);
	RUN(test_reports_of_excerpts);
	RUN(test_report_boundaries);
	RUN(test_kernel_version_comes_from_the_banner_of_real_boots);
	RUN(test_kernel_version_is_reported_once_and_only_before_init);
	RUN(test_crash_kind_names);
	return UNIT_DONE();
}
