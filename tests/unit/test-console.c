/*
 * test-console.c -- the console parser: lines, result lines, data lines,
 * the serial log.
 *
 * Events are recorded into a flat array of copies (test-console.h) and
 * compared with what each test expects.  The crash detector's tests are
 * in test-crash.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/console.h"
#include "test-console.h"

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
	CHECK_INT(parse_str(&r, "x\r\n[    1.000000] BUG: scheduling while atomic\r\n"), 2);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].lineno, 2);
	CHECK_STR(r.ev[0].line, "[    1.000000] BUG: scheduling while atomic");
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

/* Streamed chunks: their own begin and end lines, and "s" data lines that
 * may come between an artifact's "d" lines without being taken for them;
 * the skip line of a test --stop-on-failure did not run. */
static void
test_stream_lines_and_skips(void)
{
	static struct recorder r;
	static const char sha[] =
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	char b[256], e[256], s[256], bad[256], buf[2048];

	snprintf(b, sizeof(b),
	    "stream-begin path=sys/kernel/debug/nvhe.log offset=4096 size=5 "
	    "sha256=%s",
	    sha);
	result_line(s, sizeof(s), b);
	result_line(e, sizeof(e), "stream-end path=sys/kernel/debug/nvhe.log lines=1");
	snprintf(buf, sizeof(buf), "%s\n@@pkvm:1 d YQ==\n@@pkvm:1 s aGVsbG8=\n%s\n", s, e);
	CHECK_INT(parse_str(&r, buf), 2);
	CHECK_INT(r.n, 4);
	CHECK_INT(r.ev[0].kind, CONSOLE_STREAM_BEGIN);
	CHECK_STR(r.ev[0].path, "sys/kernel/debug/nvhe.log");
	CHECK_INT(r.ev[0].offset, 4096);
	CHECK_INT(r.ev[0].size, 5);
	CHECK_STR(r.ev[0].sha256, sha);
	CHECK_INT(r.ev[1].kind, CONSOLE_FILE_DATA);
	CHECK_STR(r.ev[1].data, "YQ==");
	CHECK_INT(r.ev[2].kind, CONSOLE_STREAM_DATA);
	CHECK_STR(r.ev[2].data, "aGVsbG8=");
	CHECK_INT(r.ev[3].kind, CONSOLE_STREAM_END);
	CHECK_INT(r.ev[3].nlines, 1);
	/* A damaged "s" line is a bad data line, like a "d" one. */
	CHECK_INT(parse_str(&r, "@@pkvm:1 s aGV!bG8K\n[ 1.0] x@@pkvm:1 s YQ==\n"), 1);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.ev[0].title, "bad data line");
	CHECK_STR(r.ev[1].title, "bad data line");
	/* Missing fields. */
	result_line(bad, sizeof(bad), "stream-begin path=x offset=1 size=2");
	CHECK_INT(parse_str(&r, bad), 1);
	CHECK_STR(r.ev[0].title, "bad stream line");
	result_line(bad, sizeof(bad), "stream-end path=x");
	CHECK_INT(parse_str(&r, bad), 1);
	CHECK_STR(r.ev[0].title, "bad stream line");

	result_line(s, sizeof(s), "skip test=40-after.sh seq=4 reason=stop-on-failure");
	CHECK_INT(parse_str(&r, s), 1);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].kind, CONSOLE_TEST_SKIP);
	CHECK_STR(r.ev[0].test, "40-after.sh");
	CHECK_INT(r.ev[0].seq, 4);
	CHECK_STR(r.ev[0].title, "stop-on-failure");
	result_line(bad, sizeof(bad), "skip test=x seq=4");
	CHECK_INT(parse_str(&r, bad), 1);
	CHECK_STR(r.ev[0].title, "bad skip line");
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
	CHECK_STR(r.ev[0].title, "kernel panic: sysrq triggered crash");
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
	RUN(test_split_feeds_at_every_boundary);
	RUN(test_new_result_events);
	RUN(test_corrupt_new_events);
	RUN(test_data_lines);
	RUN(test_stream_lines_and_skips);
	RUN(test_log_output_is_the_input_minus_data_lines);
	RUN(test_log_output_streams);
	RUN(test_kernel_version_comes_from_the_banner_of_real_boots);
	RUN(test_kernel_version_is_reported_once_and_only_before_init);
	return UNIT_DONE();
}
