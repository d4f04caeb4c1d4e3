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

#include "console.h"
#include "unit.h"

#define MAX_EVENTS 64

struct rec {
	enum console_event_kind kind;
	uint64_t lineno;
	char line[CONSOLE_LINE_MAX + 1];
	char test[128];
	int seq, exit_code, ntests;
	int64_t duration_ms;
	enum crash_kind crash;
	bool fatal;
	char title[256];
};

struct recorder {
	int n;
	struct rec ev[MAX_EVENTS];
};

static void
record(void *arg, const struct console_event *ev)
{
	struct recorder *r = arg;
	struct rec *e;

	if (r->n == MAX_EVENTS)
		return;
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = ev->kind;
	e->lineno = ev->lineno;
	snprintf(e->line, sizeof(e->line), "%s", ev->line ? ev->line : "");
	snprintf(e->test, sizeof(e->test), "%s", ev->test ? ev->test : "");
	e->seq = ev->seq;
	e->exit_code = ev->exit_code;
	e->ntests = ev->ntests;
	e->duration_ms = ev->duration_ms;
	e->crash = ev->crash;
	e->fatal = ev->fatal;
	snprintf(e->title, sizeof(e->title), "%s", ev->title ? ev->title : "");
}

/* Parse LEN bytes fed in chunks of CHUNK bytes (0: all at once). */
static uint64_t
parse(struct recorder *r, const char *buf, size_t len, size_t chunk)
{
	struct console_parser *p = console_parser_new(record, r);
	uint64_t lines;
	size_t off;

	memset(r, 0, sizeof(*r));
	if (p == NULL) {
		CHECK(p != NULL);
		return 0;
	}
	if (chunk == 0)
		chunk = len ? len : 1;
	for (off = 0; off < len; off += chunk)
		console_parser_feed(p, buf + off, len - off < chunk ? len - off : chunk);
	console_parser_flush(p);
	lines = console_parser_lines(p);
	console_parser_free(p);
	return lines;
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
	struct recorder r;

	CHECK_INT(parse_str(&r, "one\r\ntwo\r\n\r\nfour\n"), 4);
	CHECK_INT(r.n, 0);
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
	struct recorder r;
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
	struct recorder r;
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
	struct recorder r;

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
	struct recorder r;

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
	struct recorder r;

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
	struct recorder r;
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
	struct recorder r;

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
		struct console_parser *p = console_parser_new(record, &split);
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

int
main(void)
{
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
	RUN(test_crash_kind_names);
	return UNIT_DONE();
}
