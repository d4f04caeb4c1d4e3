/*
 * test-crash.c -- the crash detector (guest/crash*.c), through the console
 * parser: which lines are reports, where each report ends, its title.
 *
 * The logs are in tests/data/ (its README says where each came from):
 *  - real console captures of this project's kernels: Debian's 6.1 in
 *    pKVM mode (a sysrq panic, a hyp BUG, hung tasks, a clean boot) and the
 *    small LKDTM test kernel (WARNING, BUG, Oopses, a panic, RCU stalls, a
 *    reboot);
 *  - public syzbot reports from syzkaller's test data (data/reports/):
 *    every kind of report on x86 and arm64, with the boundaries and the
 *    titles we expect of them;
 *  - hand-written excerpts for forms no capture has, and a log of lines
 *    that look like reports and are not (false-alarms.log).
 * Every log is parsed whole and one byte at a time, and both must agree.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/console.h"
#include "test-console.h"

/* ---- what a log gives ---------------------------------------------------- */

/* One event of a log: a crash line, an end marker, or a result. */
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

/* One report of a log. */
struct want_report {
	uint64_t first, last;
	enum crash_kind crash;
	bool fatal;
	const char *title;
	const char *contains; /* besides the first and last lines, or NULL */
};

static char *
read_data(const char *name, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), "data/%s", name);
	return read_file(path, len);
}

/* Parse BUF whole into WHOLE and one byte at a time into BYTEWISE; both
 * must give the same events and reports. */
static void
parse_both(const char *name, const char *buf, size_t len, struct recorder *whole,
    struct recorder *bytewise)
{
	int i;

	CHECK_INT(parse(whole, buf, len, 0), parse(bytewise, buf, len, 1));
	CHECK_INT(whole->n, bytewise->n);
	for (i = 0; i < whole->n && i < bytewise->n; i++) {
		CHECK_INT(whole->ev[i].kind, bytewise->ev[i].kind);
		CHECK_INT(whole->ev[i].lineno, bytewise->ev[i].lineno);
		CHECK_STR(whole->ev[i].title, bytewise->ev[i].title);
	}
	CHECK_INT(whole->nreports, bytewise->nreports);
	for (i = 0; i < whole->nreports && i < bytewise->nreports && i < MAX_REPORTS; i++) {
		if (strcmp(whole->rep[i].text, bytewise->rep[i].text) != 0)
			printf("#   %s: report %d differs fed byte by byte\n", name, i);
		CHECK_STR(whole->rep[i].text, bytewise->rep[i].text);
		CHECK_STR(whole->rep[i].title, bytewise->rep[i].title);
	}
}

/* Line NO (from 1) of LOG, '\r' dropped, into OUT. */
static void
log_line(const char *log, uint64_t no, char *out, size_t size)
{
	size_t o = 0;

	for (; no > 1 && *log != '\0'; log++)
		if (*log == '\n')
			no--;
	for (; *log != '\0' && *log != '\n'; log++)
		if (*log != '\r' && o + 1 < size)
			out[o++] = *log;
	out[o] = '\0';
}

/*
 * Is TEXT made of lines FIRST..LAST of LOG: the first and the last, and
 * the others in order (a report leaves out another caller's lines)?
 * With WHOLE, every line of the range.
 */
static bool
report_is_lines(const char *text, const char *log, uint64_t first, uint64_t last, bool whole)
{
	static char want[CONSOLE_LINE_MAX + 1];
	const char *t = text;
	uint64_t no;

	for (no = first; no <= last; no++) {
		size_t n;

		log_line(log, no, want, sizeof(want));
		n = strlen(want);
		if (strncmp(t, want, n) == 0 && (t[n] == '\n' || t[n] == '\0')) {
			t += n + (t[n] == '\n');
			continue;
		}
		if (whole || no == first || no == last) {
			printf("#   report text:\n%s\n#   has no line %llu:\n%s\n", text,
			    (unsigned long long)no, want);
			return false;
		}
	}
	if (*t != '\0')
		printf("#   report text goes on past line %llu: %s\n", (unsigned long long)last, t);
	return *t == '\0';
}

/*
 * tests/data/NAME must give exactly the crash events in WANT (and the
 * result events it lists: a log without results lists none).
 */
static void
check_log(const char *name, const struct want *want, int nwant, uint64_t nlines)
{
	static struct recorder whole, bytewise;
	size_t len;
	char *buf = read_data(name, &len);
	int i;

	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	parse_both(name, buf, len, &whole, &bytewise);
	CHECK_INT(whole.last_line <= nlines, true);
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

/* tests/data/NAME must give exactly the reports in WANT, in order. */
static void
check_reports(const char *name, const struct want_report *want, int nwant)
{
	static struct recorder whole, bytewise;
	size_t len;
	char *buf = read_data(name, &len);
	int i;

	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	parse_both(name, buf, len, &whole, &bytewise);
	CHECK_INT(whole.nreports, nwant);
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
		CHECK(report_is_lines(e->text, buf, w->first, w->last, true));
		CHECK(strncmp(e->text, e->line, strlen(e->line)) == 0);
		if (w->contains != NULL)
			CHECK(strstr(e->text, w->contains) != NULL);
	}
	free(buf);
}

/* ---- real captures of this project's kernels ------------------------------ */

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
	check_reports("boot-clean.log", NULL, 0);
}

static void
test_sysrq_panic(void)
{
	static const struct want want[] = {
		{ 255, CONSOLE_CRASH, CRASH_PANIC, true, "kernel panic: sysrq triggered crash" },
	};
	static const struct want halt[] = {
		{ 255, CONSOLE_CRASH, CRASH_PANIC, true, "kernel panic: sysrq triggered crash" },
		END(281),
	};
	static const struct want_report sysrq[] = {
		{ 255, 280, CRASH_PANIC, true, "kernel panic: sysrq triggered crash",
		    "] Call trace:\n[   12.298060]  dump_backtrace+0xe4/0x140\n" },
	};
	/* The "---[ end Kernel panic" line of panic=0 comes after the tail
	 * that completed the report. */
	static const struct want_report sysrq_halt[] = {
		{ 255, 280, CRASH_PANIC, true, "kernel panic: sysrq triggered crash",
		    "] Call trace:\n[   18.661613]  dump_backtrace+0xe4/0x140\n" },
	};

	check_log("panic-sysrq.log", want, 1, 280);
	check_log("panic-sysrq-halt.log", halt, 2, 281);
	check_reports("panic-sysrq.log", sysrq, 1);
	check_reports("panic-sysrq-halt.log", sysrq_halt, 1);
}

static void
test_real_hyp_bug(void)
{
	/* The BUG's own line names the hyp function: the first line's title
	 * is already the report's. */
	static const struct want want[] = {
		{ 256, CONSOLE_CRASH, CRASH_HYP, true, "nVHE hyp BUG in handle_host_mem_abort" },
		{ 259, CONSOLE_CRASH, CRASH_HYP, true, "kernel panic: HYP panic" },
	};
	static const struct want_report hyp[] = {
		{ 256, 286, CRASH_HYP, true, "nVHE hyp BUG in handle_host_mem_abort",
		    "Call trace:\n[   10.444689]  dump_backtrace" },
	};

	check_log("hyp-bug-kcore.log", want, 2, 286);
	check_reports("hyp-bug-kcore.log", hyp, 1);
}

static void
test_real_hung_tasks_are_three_reports_of_one_bug(void)
{
	/* The first line names no function; the stack does.  The blocked
	 * task's name and the seconds it waited are in neither title. */
	static const struct want want[] = {
		{ 269, CONSOLE_CRASH, CRASH_HUNG_TASK, true, "INFO: task hung" },
		{ 290, CONSOLE_CRASH, CRASH_HUNG_TASK, true, "INFO: task hung" },
		{ 311, CONSOLE_CRASH, CRASH_HUNG_TASK, true, "INFO: task hung" },
	};
	static const struct want_report hung[] = {
		{ 269, 289, CRASH_HUNG_TASK, true, "INFO: task hung in mnt_want_write",
		    "] Call trace:\n[   18.225531]  __switch_to+0xe8/0x120\n" },
		{ 290, 310, CRASH_HUNG_TASK, true, "INFO: task hung in mnt_want_write",
		    "] Call trace:\n[   20.269984]  __switch_to+0xe8/0x120\n" },
		{ 311, 331, CRASH_HUNG_TASK, true, "INFO: task hung in mnt_want_write",
		    "] Call trace:\n[   22.318230]  __switch_to+0xe8/0x120\n" },
	};

	check_log("hung-task-fsfreeze.log", want, 3, 334);
	check_reports("hung-task-fsfreeze.log", hung, 3);
}

static void
test_lkdtm_warning_and_bug(void)
{
	static const struct want_report warning[] = {
		{ 105, 135, CRASH_WARNING, false, "WARNING in lkdtm_WARNING",
		    "pc : lkdtm_WARNING" },
	};
	/* The BUG, then (in the idle task, once the killed shell is gone)
	 * an unrelated WARNING: the first report is the job's crash, the
	 * second is kept as a report of its own. */
	static const struct want_report bug[] = {
		{ 105, 137, CRASH_BUG, true, "kernel BUG in lkdtm_BUG",
		    "Internal error: Oops - BUG" },
		{ 143, 170, CRASH_WARNING, false, "WARNING in ct_kernel_exit", NULL },
	};
	/* The BUG killed init: the panic comes after "note: ... exited"
	 * and is a report of its own. */
	static const struct want_report bug_init[] = {
		{ 105, 137, CRASH_BUG, true, "kernel BUG in lkdtm_BUG", NULL },
		{ 139, 142, CRASH_PANIC, true, "kernel panic: Attempted to kill init!", NULL },
	};
	static const struct want first_lines[] = {
		{ 105, CONSOLE_CRASH, CRASH_BUG, true, "kernel BUG" },
		{ 106, CONSOLE_CRASH, CRASH_OOPS, true, "Internal error" },
		END(137),
		{ 143, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING in ct_kernel_exit" },
		END(170),
	};

	check_reports("lkdtm-warning.log", warning, 1);
	check_reports("lkdtm-bug.log", bug, 2);
	check_reports("lkdtm-bug-init.log", bug_init, 2);
	check_log("lkdtm-bug.log", first_lines, 5, 172);
}

static void
test_lkdtm_oopses_end_with_the_panic_they_cause(void)
{
	static const struct want_report exception[] = {
		{ 104, 151, CRASH_PAGING, true,
		    "BUG: unable to handle kernel NULL pointer dereference in lkdtm_EXCEPTION",
		    "Kernel panic - not syncing: Attempted to kill init!" },
	};
	static const struct want_report exec_data[] = {
		{ 106, 152, CRASH_PAGING, true,
		    "BUG: unable to handle kernel execute from non-executable memory in "
		    "lkdtm_EXEC_DATA",
		    NULL },
	};
	static const struct want_report write_ro[] = {
		{ 105, 153, CRASH_PAGING, true,
		    "BUG: unable to handle kernel write to read-only memory in lkdtm_WRITE_RO",
		    NULL },
	};
	static const struct want_report panic[] = {
		{ 104, 127, CRASH_PANIC, true, "kernel panic: dumptest", NULL },
	};

	check_reports("lkdtm-exception.log", exception, 1);
	check_reports("lkdtm-exec-data.log", exec_data, 1);
	check_reports("lkdtm-write-ro.log", write_ro, 1);
	check_reports("lkdtm-panic.log", panic, 1);
}

static void
test_lkdtm_rcu_stalls(void)
{
	/* The grace-period kthread's stack comes first; the culprit is where
	 * the stalled CPU was, above the entry point it loops under. */
	static const struct want_report one[] = {
		{ 104, 148, CRASH_RCU_STALL, true, "INFO: rcu detected stall in direct_entry",
		    "rcu: RCU grace-period kthread stack dump:" },
	};
	static const struct want_report two[] = {
		{ 108, 138, CRASH_RCU_STALL, true, "INFO: rcu detected stall in direct_entry",
		    "pc : lkdtm_SOFTLOCKUP" },
	};

	/* The console ends in the middle of the stall (the job's timeout):
	 * the report is cut off, and still one report. */
	check_reports("lkdtm-rcu-stall.log", one, 1);
	check_reports("lkdtm-rcu-stall-smp2.log", two, 1);
}

/* The consoles of tests/e2e/lkdtm-types.sh (one per boot; the tests of a
 * boot are LKDTM crash types, in the order of their names): every report,
 * where it starts and ends, its kind and title.  The e2e test asserts the
 * same titles from a run of its own. */
static void
test_lkdtm_types(void)
{
	/* CORRUPT_STACK */
	static const struct want_report corrupt_stack[] = {
		{ 112, 127, CRASH_PANIC, true,
		    "kernel panic: stack is corrupted in lkdtm_CORRUPT_STACK", NULL },
	};
	/* CORRUPT_STACK_STRONG */
	static const struct want_report corrupt_stack_strong[] = {
		{ 112, 127, CRASH_PANIC, true,
		    "kernel panic: stack is corrupted in lkdtm_CORRUPT_STACK_STRONG", NULL },
	};
	/* EXHAUST_STACK */
	static const struct want_report exhaust_stack[] = {
		{ 112, 175, CRASH_BUG, true, "kernel stack overflow in direct_entry", NULL },
	};
	/* LOOP */
	static const struct want_report loop[] = {
		{ 111, 179, CRASH_LOCKUP, true, "BUG: soft lockup in direct_entry", NULL },
	};
	/* ACCESS_NULL, BUG, CORRUPT_LIST_ADD, CORRUPT_LIST_DEL, EXCEPTION, EXEC_DATA, EXEC_KMALLOC, EXEC_NULL, EXEC_RODATA, EXEC_STACK, EXEC_USERSPACE, EXEC_VMALLOC, FORTIFY_MEM_MEMBER, FORTIFY_MEM_OBJECT, FORTIFY_STRSCPY, FORTIFY_STR_MEMBER, FORTIFY_STR_OBJECT, USERCOPY_FOLIO, USERCOPY_KERNEL, USERCOPY_SLAB_SIZE_FROM, USERCOPY_SLAB_SIZE_TO, USERCOPY_SLAB_WHITELIST_FROM, USERCOPY_SLAB_WHITELIST_TO, USERCOPY_STACK_BEYOND, USERCOPY_STACK_FRAME_FROM, USERCOPY_STACK_FRAME_TO, USERCOPY_VMALLOC, VMALLOC_LINEAR_OVERFLOW, WRITE_KERN, WRITE_RO, WRITE_RO_AFTER_INIT */
	static const struct want_report oopses[] = {
		{ 112, 156, CRASH_PAGING, true,
		    "BUG: unable to handle kernel NULL pointer dereference in lkdtm_ACCESS_NULL",
		    NULL },
		{ 161, 193, CRASH_BUG, true, "kernel BUG in lkdtm_BUG", NULL },
		{ 202, 236, CRASH_BUG, true, "BUG: corrupted list in lkdtm_CORRUPT_LIST_ADD",
		    NULL },
		{ 245, 279, CRASH_BUG, true, "BUG: corrupted list in lkdtm_CORRUPT_LIST_DEL",
		    NULL },
		{ 284, 327, CRASH_PAGING, true,
		    "BUG: unable to handle kernel NULL pointer dereference in lkdtm_EXCEPTION",
		    NULL },
		{ 333, 375, CRASH_PAGING, true,
		    "BUG: unable to handle kernel execute from non-executable memory in "
		    "lkdtm_EXEC_DATA",
		    NULL },
		{ 381, 423, CRASH_PAGING, true,
		    "BUG: unable to handle kernel execute from non-executable memory in "
		    "lkdtm_EXEC_KMALLOC",
		    NULL },
		{ 429, 471, CRASH_PAGING, true,
		    "BUG: unable to handle kernel NULL pointer dereference in lkdtm_EXEC_NULL",
		    NULL },
		{ 477, 519, CRASH_PAGING, true,
		    "BUG: unable to handle kernel execute from non-executable memory in "
		    "lkdtm_EXEC_RODATA",
		    NULL },
		{ 525, 567, CRASH_PAGING, true,
		    "BUG: unable to handle kernel execute from non-executable memory in "
		    "lkdtm_EXEC_STACK",
		    NULL },
		{ 573, 614, CRASH_PAGING, true,
		    "BUG: unable to handle kernel execution of user memory in lkdtm_do_action",
		    NULL },
		{ 620, 662, CRASH_PAGING, true,
		    "BUG: unable to handle kernel execute from non-executable memory in "
		    "lkdtm_EXEC_VMALLOC",
		    NULL },
		{ 669, 700, CRASH_WARNING, false, "WARNING in lkdtm_FORTIFY_MEM_MEMBER", NULL },
		{ 712, 746, CRASH_BUG, true, "kernel BUG in lkdtm_FORTIFY_MEM_OBJECT", NULL },
		{ 753, 787, CRASH_BUG, true, "kernel BUG in lkdtm_do_action", NULL },
		{ 795, 829, CRASH_BUG, true, "kernel BUG in lkdtm_FORTIFY_STR_MEMBER", NULL },
		{ 837, 871, CRASH_BUG, true, "kernel BUG in lkdtm_FORTIFY_STR_OBJECT", NULL },
		{ 880, 916, CRASH_BUG, true, "BUG: bad usercopy in lkdtm_USERCOPY_FOLIO", NULL },
		{ 925, 960, CRASH_BUG, true, "BUG: bad usercopy in lkdtm_USERCOPY_KERNEL", NULL },
		{ 969, 1006, CRASH_BUG, true, "BUG: bad usercopy in lkdtm_USERCOPY_SLAB_SIZE_FROM",
		    NULL },
		{ 1015, 1052, CRASH_BUG, true, "BUG: bad usercopy in lkdtm_USERCOPY_SLAB_SIZE_TO",
		    NULL },
		{ 1061, 1098, CRASH_BUG, true,
		    "BUG: bad usercopy in lkdtm_USERCOPY_SLAB_WHITELIST_FROM", NULL },
		{ 1107, 1144, CRASH_BUG, true,
		    "BUG: bad usercopy in lkdtm_USERCOPY_SLAB_WHITELIST_TO", NULL },
		{ 1155, 1191, CRASH_BUG, true, "BUG: bad usercopy in lkdtm_USERCOPY_STACK_BEYOND",
		    NULL },
		{ 1202, 1238, CRASH_BUG, true,
		    "BUG: bad usercopy in lkdtm_USERCOPY_STACK_FRAME_FROM", NULL },
		{ 1249, 1285, CRASH_BUG, true, "BUG: bad usercopy in lkdtm_USERCOPY_STACK_FRAME_TO",
		    NULL },
		{ 1292, 1338, CRASH_PAGING, true,
		    "BUG: unable to handle kernel paging request in do_usercopy_page_span", NULL },
		{ 1345, 1379, CRASH_BUG, true, "kernel BUG in lkdtm_VMALLOC_LINEAR_OVERFLOW",
		    NULL },
		{ 1385, 1429, CRASH_PAGING, true,
		    "BUG: unable to handle kernel write to read-only memory in lkdtm_do_action",
		    NULL },
		{ 1434, 1478, CRASH_PAGING, true,
		    "BUG: unable to handle kernel write to read-only memory in lkdtm_WRITE_RO",
		    NULL },
		{ 1483, 1527, CRASH_PAGING, true,
		    "BUG: unable to handle kernel write to read-only memory in "
		    "lkdtm_WRITE_RO_AFTER_INIT",
		    NULL },
		{ 1532, 1559, CRASH_WARNING, false, "WARNING in ct_kernel_exit", NULL },
	};
	/* PANIC */
	static const struct want_report panic[] = {
		{ 111, 134, CRASH_PANIC, true, "kernel panic: dumptest", NULL },
	};
	/* REFCOUNT_ADD_NOT_ZERO_OVERFLOW, REFCOUNT_SUB_AND_TEST_SATURATED */
	static const struct want_report refcount_add_not_zero_overflow[] = {
		{ 114, 147, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_ADD_NOT_ZERO_OVERFLOW", NULL },
		{ 155, 188, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_SUB_AND_TEST_SATURATED", NULL },
	};
	/* REFCOUNT_ADD_NOT_ZERO_SATURATED */
	static const struct want_report refcount_add_not_zero_saturated[] = {
		{ 114, 147, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_ADD_NOT_ZERO_SATURATED", NULL },
	};
	/* REFCOUNT_ADD_OVERFLOW, REFCOUNT_ADD_ZERO, REFCOUNT_DEC_NEGATIVE, REFCOUNT_SUB_AND_TEST_NEGATIVE */
	static const struct want_report refcount_add_overflow[] = {
		{ 115, 148, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_ADD_OVERFLOW", NULL },
		{ 159, 192, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_ADD_ZERO", NULL },
		{ 200, 233, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_DEC_NEGATIVE", NULL },
		{ 241, 274, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_SUB_AND_TEST_NEGATIVE", NULL },
	};
	/* REFCOUNT_ADD_SATURATED */
	static const struct want_report refcount_add_saturated[] = {
		{ 114, 147, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_ADD_SATURATED", NULL },
	};
	/* REFCOUNT_DEC_AND_TEST_SATURATED, REFCOUNT_DEC_SATURATED, REFCOUNT_INC_NOT_ZERO_OVERFLOW */
	static const struct want_report refcount_dec_and_test_saturated[] = {
		{ 114, 147, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_DEC_AND_TEST_SATURATED", NULL },
		{ 155, 188, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_DEC_SATURATED", NULL },
		{ 196, 229, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_INC_NOT_ZERO_OVERFLOW", NULL },
	};
	/* REFCOUNT_INC_NOT_ZERO_SATURATED */
	static const struct want_report refcount_inc_not_zero_saturated[] = {
		{ 114, 147, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_INC_NOT_ZERO_SATURATED", NULL },
	};
	/* REFCOUNT_INC_SATURATED */
	static const struct want_report refcount_inc_saturated[] = {
		{ 114, 147, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_INC_SATURATED", NULL },
	};
	/* READ_AFTER_FREE, READ_BUDDY_AFTER_FREE, SLAB_FREE_CROSS, SLAB_FREE_DOUBLE, SLAB_FREE_PAGE, SLAB_LINEAR_OVERFLOW, WRITE_AFTER_FREE, WRITE_BUDDY_AFTER_FREE */
	static const struct want_report slab[] = {
		{ 141, 173, CRASH_WARNING, false, "WARNING in lkdtm_SLAB_FREE_CROSS", NULL },
		{ 192, 221, CRASH_BUG, true,
		    "BUG: Slab has fewer allocated objects than are to be freed",
		    "lkdtm_SLAB_FREE_DOUBLE+0x70/0x74" },
		{ 226, 271, CRASH_PAGING, true,
		    "BUG: unable to handle kernel NULL pointer dereference in lkdtm_SLAB_FREE_PAGE",
		    NULL },
		{ 277, 525, CRASH_BUG, true, "BUG: Redzone overwritten",
		    "Allocated in lkdtm_SLAB_LINEAR_OVERFLOW" },
		{ 532, 812, CRASH_BUG, true, "BUG: Poison overwritten", NULL },
	};
	/* SOFTLOCKUP */
	static const struct want_report softlockup[] = {
		{ 111, 179, CRASH_LOCKUP, true, "BUG: soft lockup in direct_entry", NULL },
	};
	/* SPINLOCKUP */
	static const struct want_report spinlockup[] = {
		{ 112, 182, CRASH_LOCKUP, true, "BUG: soft lockup in direct_entry", NULL },
	};
	/* STACK_GUARD_PAGE_LEADING */
	static const struct want_report stack_guard_page_leading[] = {
		{ 112, 156, CRASH_PAGING, true,
		    "BUG: unable to handle kernel paging request in lkdtm_STACK_GUARD_PAGE_LEADING",
		    NULL },
	};
	/* STACK_GUARD_PAGE_TRAILING */
	static const struct want_report stack_guard_page_trailing[] = {
		{ 112, 156, CRASH_PAGING, true,
		    "BUG: unable to handle kernel paging request in "
		    "lkdtm_STACK_GUARD_PAGE_TRAILING",
		    NULL },
	};
	/* HUNG_TASK, REFCOUNT_DEC_AND_TEST_NEGATIVE, REFCOUNT_DEC_ZERO, REFCOUNT_INC_OVERFLOW, REFCOUNT_INC_ZERO, WARNING, WARNING_MESSAGE */
	static const struct want_report warnings[] = {
		{ 111, 130, CRASH_HUNG_TASK, true, "INFO: task hung in lkdtm_HUNG_TASK", NULL },
		{ 137, 170, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_DEC_AND_TEST_NEGATIVE", NULL },
		{ 179, 212, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_DEC_ZERO", NULL },
		{ 221, 254, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_INC_OVERFLOW", NULL },
		{ 265, 298, CRASH_WARNING, false,
		    "WARNING: refcount bug in lkdtm_REFCOUNT_INC_ZERO", NULL },
		{ 304, 334, CRASH_WARNING, false, "WARNING in lkdtm_WARNING", NULL },
		{ 340, 371, CRASH_WARNING, false, "WARNING in lkdtm_WARNING_MESSAGE", NULL },
	};
	check_reports("lkdtm-types-corrupt-stack.log", corrupt_stack, 1);
	check_reports("lkdtm-types-corrupt-stack-strong.log", corrupt_stack_strong, 1);
	check_reports("lkdtm-types-exhaust-stack.log", exhaust_stack, 1);
	check_reports("lkdtm-types-loop.log", loop, 1);
	check_reports("lkdtm-types-oopses.log", oopses, 32);
	check_reports("lkdtm-types-panic.log", panic, 1);
	check_reports("lkdtm-types-refcount-add-not-zero-overflow.log",
	    refcount_add_not_zero_overflow, 2);
	check_reports("lkdtm-types-refcount-add-not-zero-saturated.log",
	    refcount_add_not_zero_saturated, 1);
	check_reports("lkdtm-types-refcount-add-overflow.log", refcount_add_overflow, 4);
	check_reports("lkdtm-types-refcount-add-saturated.log", refcount_add_saturated, 1);
	check_reports("lkdtm-types-refcount-dec-and-test-saturated.log",
	    refcount_dec_and_test_saturated, 3);
	check_reports("lkdtm-types-refcount-inc-not-zero-saturated.log",
	    refcount_inc_not_zero_saturated, 1);
	check_reports("lkdtm-types-refcount-inc-saturated.log", refcount_inc_saturated, 1);
	check_reports("lkdtm-types-slab.log", slab, 5);
	check_reports("lkdtm-types-softlockup.log", softlockup, 1);
	check_reports("lkdtm-types-spinlockup.log", spinlockup, 1);
	check_reports("lkdtm-types-stack-guard-page-leading.log", stack_guard_page_leading, 1);
	check_reports("lkdtm-types-stack-guard-page-trailing.log", stack_guard_page_trailing, 1);
	check_reports("lkdtm-types-warnings.log", warnings, 7);
}

/* A copy of LOG without its lines that hold DROP. */
static char *
without_lines(const char *log, const char *drop, size_t *len)
{
	char *out = malloc(strlen(log) + 1);
	size_t o = 0;
	const char *s = log;

	while (out != NULL && *s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);
		char line[CONSOLE_LINE_MAX + 1];

		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		if (strstr(line, drop) == NULL) {
			memcpy(out + o, s, n);
			o += n;
		}
		s += n;
	}
	if (out != NULL)
		out[o] = '\0';
	*len = o;
	return out;
}

static void
test_unexpected_reboots(void)
{
	static const struct want_report reboots[] = {
		{ 104, 104, CRASH_REBOOT, true, "unexpected kernel reboot", NULL },
		{ 208, 208, CRASH_REBOOT, true, "unexpected kernel reboot", NULL },
	};
	static struct recorder r;
	size_t len, n;
	char *buf = read_data("reboot.log", &len), *silent;

	/* Each test asks for a reboot; the first boot's banner is no crash,
	 * and neither is the banner right after "Restarting system". */
	check_reports("reboot.log", reboots, 2);
	if (buf == NULL)
		return;
	/* A reset that prints nothing first (a watchdog, a triple fault):
	 * the next boot's banner is the reboot. */
	silent = without_lines(buf, "reboot: Restarting system", &n);
	CHECK(silent != NULL);
	if (silent != NULL) {
		parse(&r, silent, n, 0);
		CHECK_INT(r.nreports, 2);
		CHECK_INT(r.rep[0].lineno, 104);
		CHECK(strstr(r.rep[0].text, "Booting Linux on physical CPU") != NULL);
		CHECK_STR(r.rep[0].title, "unexpected kernel reboot");
		CHECK_INT(r.rep[1].lineno, 207);
		free(silent);
	}
	free(buf);
}

/* ---- syzbot's reports: every kind, x86 and arm64 -------------------------- */

/* The primary (first) report of a log: its lines, kind, title. */
struct want_primary {
	const char *file; /* in data/reports/ */
	uint64_t first, last;
	enum crash_kind crash;
	bool fatal;
	const char *title;
	int nreports;
};

/* syzbot's titles for these, from syzkaller's test data, are ours too,
 * but for 542 (README says why). */
static const struct want_primary syzbot[] = {
	{ "41-ubsan-undefined-behaviour-in-ip-idents-reserve.log", 2, 18, CRASH_SANITIZER, true,
	    "UBSAN: undefined-behaviour in ip_idents_reserve", 1 },
	{ "54-memory-leak-in-eth-rx-fill.log", 2, 10, CRASH_MEMORY_LEAK, false,
	    "memory leak in eth_rx_fill", 1 },
	{ "72-info-task-hung-in-rtnl-lock.log", 1, 15, CRASH_HUNG_TASK, true,
	    "INFO: task hung in rtnl_lock", 1 },
	{ "117-warning-bad-unlock-balance-in-ipmr-mfc-seq-stop.log", 2, 40, CRASH_LOCKDEP, false,
	    "WARNING: bad unlock balance in ipmr_mfc_seq_stop", 1 },
	{ "119-info-trying-to-register-non-static-key-in-tun-fl.log", 2, 14, CRASH_LOCKDEP, false,
	    "INFO: trying to register non-static key in tun_flow_cleanup", 1 },
	{ "139-bug-unable-to-handle-kernel-paging-request-in-ha.log", 4, 55, CRASH_PAGING, true,
	    "BUG: unable to handle kernel paging request in hash_sendmsg", 1 },
	{ "150-warning-held-lock-freed-in-sctp-wait-for-sndbuf.log", 2, 86, CRASH_LOCKDEP, false,
	    "WARNING: held lock freed in sctp_wait_for_sndbuf", 1 },
	{ "184-bug-corrupted-list-in-dev-remove-pack.log", 3, 50, CRASH_BUG, true,
	    "BUG: corrupted list in __dev_remove_pack", 1 },
	{ "223-kasan-use-after-free-read-in-binder-release-work.log", 2, 134, CRASH_SANITIZER, true,
	    "KASAN: use-after-free Read in binder_release_work", 1 },
	{ "247-bug-unable-to-handle-kernel-null-pointer-derefer.log", 1, 40, CRASH_PAGING, true,
	    "BUG: unable to handle kernel NULL pointer dereference in inet_sendmsg", 1 },
	{ "250-possible-deadlock-in-blkdev-reread-part.log", 2, 159, CRASH_LOCKDEP, false,
	    "possible deadlock in blkdev_reread_part", 1 },
	{ "258-bug-lock-held-when-returning-to-user-space-in-fu.log", 2, 8, CRASH_LOCKDEP, false,
	    "BUG: lock held when returning to user space in fuse_lock_inode", 1 },
	{ "266-bug-soft-lockup-in-sys-rmdir.log", 1, 38, CRASH_LOCKUP, true,
	    "BUG: soft lockup in sys_rmdir", 1 },
	{ "276-info-rcu-detected-stall-in-cleanup-mnt.log", 1, 44, CRASH_RCU_STALL, true,
	    "INFO: rcu detected stall in __cleanup_mnt", 1 },
	{ "313-panic-double-fault-in-kvm-async-pf-task-wait.log", 1, 48, CRASH_OOPS, true,
	    "PANIC: double fault in kvm_async_pf_task_wait", 1 },
	{ "330-kernel-panic-corrupted-stack-end-in-wb-workfn.log", 1, 54, CRASH_PANIC, true,
	    "kernel panic: corrupted stack end in wb_workfn", 1 },
	{ "384-warning-locking-bug-in-do-ipv6-setsockopt.log", 1, 45, CRASH_LOCKDEP, true,
	    "WARNING: locking bug in do_ipv6_setsockopt", 1 },
	{ "397-bug-held-lock-freed-in-sctp-sendmsg.log", 2, 44, CRASH_LOCKDEP, false,
	    "BUG: held lock freed in sctp_sendmsg", 1 },
	{ "415-warning-odebug-bug-in-netdev-freemem.log", 5, 51, CRASH_WARNING, true,
	    "WARNING: ODEBUG bug in netdev_freemem", 1 },
	{ "428-kcsan-data-race-in-e1000-clean-rx-irq.log", 2, 23, CRASH_SANITIZER, true,
	    "KCSAN: data-race in e1000_clean_rx_irq", 1 },
	{ "433-info-task-hung-in-synchronize-rcu.log", 1, 50, CRASH_HUNG_TASK, true,
	    "INFO: task hung in synchronize_rcu", 1 },
	{ "461-stack-segment-fault-in-kernel-init.log", 1, 36, CRASH_OOPS, true,
	    "stack segment fault in kernel_init", 1 },
	{ "508-info-task-can-t-die-in-p9-client-rpc.log", 1, 35, CRASH_HUNG_TASK, true,
	    "INFO: task can't die in p9_client_rpc", 1 },
	{ "510-general-protection-fault-in-kernfs-remove.log", 1, 37, CRASH_OOPS, true,
	    "general protection fault in __kernfs_remove", 1 },
	{ "520-ubsan-array-index-out-of-bounds-in-arch-uprobe-a.log", 2, 34, CRASH_SANITIZER, true,
	    "UBSAN: array-index-out-of-bounds in arch_uprobe_analyze_insn", 1 },
	{ "522-divide-error-in-tabledist.log", 1, 63, CRASH_OOPS, true, "divide error in tabledist",
	    1 },
	{ "527-warning-suspicious-rcu-usage-in-gc-worker.log", 2, 29, CRASH_LOCKDEP, false,
	    "WARNING: suspicious RCU usage in gc_worker", 1 },
	{ "533-warning-still-has-locks-held-in-prepare-bprm-cre.log", 2, 27, CRASH_LOCKDEP, false,
	    "WARNING: still has locks held in prepare_bprm_creds", 1 },
	{ "535-bug-soft-lockup-in-ip-list-rcv.log", 1, 148, CRASH_LOCKUP, true,
	    "BUG: soft lockup in ip_list_rcv", 1 },
	{ "541-internal-error-in-clear-page.log", 4, 45, CRASH_OOPS, true,
	    "Internal error in clear_page", 1 },
	{ "542-kernel-panic-bad-mode.log", 1, 38, CRASH_OOPS, true,
	    "bad mode in update_cpu_capabilities", 1 },
	{ "551-unhandled-fault-in-jffs2-parse-param.log", 2, 68, CRASH_OOPS, true,
	    "Unhandled fault in jffs2_parse_param", 1 },
	{ "569-kasan-invalid-access-read-in-enqueue-timer.log", 2, 51, CRASH_SANITIZER, true,
	    "KASAN: invalid-access Read in enqueue_timer", 1 },
	{ "587-kernel-bug-in-btree-readpage-end-io-hook.log", 2, 31, CRASH_BUG, true,
	    "kernel BUG in btree_readpage_end_io_hook", 1 },
	{ "593-kfence-use-after-free-read-in-test-use-after-fre.log", 2, 53, CRASH_SANITIZER, true,
	    "KFENCE: use-after-free read in test_use_after_free_read", 1 },
	{ "617-kernel-panic-vfs-unable-to-mount-root-fs-on-unkn.log", 1, 21, CRASH_PANIC, true,
	    "kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)", 1 },
	{ "628-bug-sleeping-function-called-from-invalid-contex.log", 1, 57, CRASH_BUG, true,
	    "BUG: sleeping function called from invalid context in console_lock", 1 },
	{ "630-bug-stack-guard-page-was-hit-in-tls-setsockopt.log", 1, 190, CRASH_BUG, true,
	    "BUG: stack guard page was hit in tls_setsockopt", 2 },
	{ "652-kasan-invalid-free-in-xt-free-table-info.log", 2, 73, CRASH_SANITIZER, true,
	    "KASAN: invalid-free in xt_free_table_info", 1 },
	{ "663-kernel-stack-overflow-in-rtnl-newlink.log", 1, 217, CRASH_BUG, true,
	    "kernel stack overflow in rtnl_newlink", 1 },
	{ "667-inconsistent-lock-state-in-io-req-aux-free.log", 2, 79, CRASH_LOCKDEP, false,
	    "inconsistent lock state in __io_req_aux_free", 1 },
	{ "671-kmsan-uninit-value-in-flush-to-ldisc.log", 2, 34, CRASH_SANITIZER, true,
	    "KMSAN: uninit-value in flush_to_ldisc", 1 },
	{ "688-info-rcu-detected-stall-in-sys-recvmmsg.log", 8, 67, CRASH_RCU_STALL, true,
	    "INFO: rcu detected stall in sys_recvmmsg", 1 },
	{ "690-kmsan-kernel-infoleak-in-skb-datagram-iter.log", 2, 53, CRASH_SANITIZER, true,
	    "KMSAN: kernel-infoleak in __skb_datagram_iter", 1 },
	{ "693-bug-unable-to-handle-kernel-null-pointer-derefer.log", 1, 56, CRASH_PAGING, true,
	    "BUG: unable to handle kernel NULL pointer dereference in ni_readpage_cmpr", 1 },
	{ "695-warning-in-nfc-llcp-unregister-device.log", 3, 44, CRASH_WARNING, false,
	    "WARNING in nfc_llcp_unregister_device", 1 },
	{ "725-bug-bad-page-state-in-get-metapage.log", 1, 89, CRASH_BUG, true,
	    "BUG: Bad page state in __get_metapage", 1 },
	{ "754-warning-refcount-bug-in-vma-enter-locked.log", 3, 62, CRASH_WARNING, false,
	    "WARNING: refcount bug in __vma_enter_locked", 1 },
	{ "999-warning-in-io-ring-exit-work.log", 2, 27, CRASH_WARNING, false,
	    "WARNING in io_ring_exit_work", 1 },
	{ "1000-info-task-hung-in-read-cache-folio.log", 3, 33, CRASH_HUNG_TASK, true,
	    "INFO: task hung in read_cache_folio", 1 },
	{ "1002-info-rcu-detected-stall-in-corrupted.log", 1, 61, CRASH_RCU_STALL, true,
	    "INFO: rcu detected stall in corrupted", 1 },
};

static void
test_syzbot_reports(void)
{
	static struct recorder whole, bytewise;
	size_t i;

	for (i = 0; i < sizeof(syzbot) / sizeof(syzbot[0]); i++) {
		const struct want_primary *w = &syzbot[i];
		const struct report_rec *e = NULL;
		char name[256];
		size_t len;
		char *buf;
		int j;

		snprintf(name, sizeof(name), "reports/%s", w->file);
		buf = read_data(name, &len);
		CHECK(buf != NULL);
		if (buf == NULL)
			continue;
		parse_both(name, buf, len, &whole, &bytewise);
		if (whole.nreports != w->nreports)
			printf("#   %s: %d reports\n", w->file, whole.nreports);
		CHECK_INT(whole.nreports, w->nreports);
		for (j = 0; j < whole.nreports && j < MAX_REPORTS; j++)
			if (e == NULL || whole.rep[j].lineno < e->lineno)
				e = &whole.rep[j];
		CHECK(e != NULL);
		if (e != NULL) {
			if (e->lineno != w->first || e->last_lineno != w->last ||
			    strcmp(e->title, w->title) != 0)
				printf("#   %s: lines %llu-%llu \"%s\"\n", w->file,
				    (unsigned long long)e->lineno,
				    (unsigned long long)e->last_lineno, e->title);
			CHECK_INT(e->lineno, w->first);
			CHECK_INT(e->last_lineno, w->last);
			CHECK_STR(crash_kind_name(e->crash), crash_kind_name(w->crash));
			CHECK_INT(e->fatal, w->fatal);
			CHECK_STR(e->title, w->title);
			CHECK(report_is_lines(e->text, buf, w->first, w->last, false));
		}
		free(buf);
	}
}

static void
test_every_kind_has_a_real_report(void)
{
	bool seen[CRASH_REBOOT + 1] = { false };
	size_t i;

	for (i = 0; i < sizeof(syzbot) / sizeof(syzbot[0]); i++)
		seen[syzbot[i].crash] = true;
	/* pKVM's hypervisor and reboots come from our own kernels above;
	 * an SError only from the excerpt in stalls.log. */
	seen[CRASH_HYP] = seen[CRASH_REBOOT] = seen[CRASH_SERROR] = true;
	for (i = 0; i <= CRASH_REBOOT; i++) {
		if (!seen[i])
			printf("#   no real report of kind %s\n",
			    crash_kind_name((enum crash_kind)i));
		CHECK(seen[i]);
	}
}

/* ---- boundaries: interleaved, cut off, followed by another ---------------- */

static void
test_another_callers_lines_are_no_part_of_a_report(void)
{
	static struct recorder r;
	static char buf[8192];
	size_t len;
	char *log = read_data("reports/415-warning-odebug-bug-in-netdev-freemem.log", &len);

	/* A real one: a kworker's WARNING (T24159), with another task's
	 * kobject chatter (T1807, T1812) printed between its lines. */
	if (log != NULL) {
		parse(&r, log, len, 0);
		CHECK_INT(r.nreports, 1);
		CHECK(strstr(r.rep[0].text, "kobject:") == NULL);
		CHECK(strstr(r.rep[0].text, "8021q:") == NULL);
		CHECK(strstr(r.rep[0].text, "netdev_run_todo+0xbff/0xd90") != NULL);
		CHECK(report_is_lines(r.rep[0].text, log, 5, 51, false));
		free(log);
	}

	/* Two CPUs warn at once: two reports, each with its own lines. */
	buf[0] = '\0';
	strcat(buf,
	    "[  1.0][    T7] WARNING: CPU: 0 PID: 7 at a.c:1 alpha+0x1/0x2\n"
	    "[  1.0][    T9] WARNING: CPU: 1 PID: 9 at b.c:2 beta+0x1/0x2\n"
	    "[  1.1][    T7] Call trace:\n"
	    "[  1.1][    T9] Call trace:\n"
	    "[  1.1][    T7]  alpha+0x1/0x2\n"
	    "[  1.1][    T9]  beta+0x1/0x2\n"
	    "[  1.2][    T7]  do_alpha+0x1/0x2\n"
	    "[  1.2][    T9]  do_beta+0x1/0x2\n"
	    "[  1.3][    T7] ---[ end trace 0000000000000000 ]---\n"
	    "[  1.3][    T9] ---[ end trace 0000000000000000 ]---\n"
	    "after\n");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 2);
	CHECK_STR(r.rep[0].title, "WARNING in alpha");
	CHECK_INT(r.rep[0].lineno, 1);
	CHECK_INT(r.rep[0].last_lineno, 9);
	CHECK(strstr(r.rep[0].text, "beta") == NULL);
	CHECK_STR(r.rep[1].title, "WARNING in beta");
	CHECK_INT(r.rep[1].lineno, 2);
	CHECK_INT(r.rep[1].last_lineno, 10);
	CHECK(strstr(r.rep[1].text, "alpha") == NULL);

	/* An RCU stall dumps the other CPUs' stacks: their lines are its. */
	parse_str(&r,
	    "[  5.0][    C0] rcu: INFO: rcu_sched self-detected stall on CPU\n"
	    "[  5.0][    C0] Sending NMI from CPU 0 to CPUs 1:\n"
	    "[  5.0][    C1] NMI backtrace for cpu 1\n"
	    "[  5.0][    C1] Call trace:\n"
	    "[  5.0][    C1]  spin+0x1/0x2\n"
	    "[  5.0][    C0] Call trace:\n"
	    "[  5.0][    C0]  el1h_64_irq+0x1/0x2\n"
	    "[  5.0][    C0]  loop_here+0x1/0x2\n"
	    "[  5.0][    C0]  vfs_write+0x1/0x2\n"
	    "$ \n");
	CHECK_INT(r.nreports, 1);
	CHECK_INT(r.rep[0].last_lineno, 9);
	CHECK(strstr(r.rep[0].text, "spin+0x1/0x2") != NULL);
	CHECK_STR(r.rep[0].title, "INFO: rcu detected stall in loop_here");
}

static void
test_a_program_interleaved_with_a_report(void)
{
	static struct recorder r;
	size_t len;
	char *log = read_data("reports/223-kasan-use-after-free-read-in-binder-release-work.log",
	    &len);

	/* KASAN's report is framed by "=====" lines: syzkaller's program
	 * log printed in the middle of it ends nothing, and the title comes
	 * from the stack around it. */
	if (log == NULL)
		return;
	parse(&r, log, len, 0);
	CHECK_INT(r.nreports, 1);
	CHECK(strstr(r.rep[0].text, "executing program") != NULL);
	CHECK_STR(r.rep[0].title, "KASAN: use-after-free Read in binder_release_work");
	free(log);
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
	static char buf[2 << 20];
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

	/* CRASH_REPORT_LINES_MAX lines at most; the next crash line starts
	 * a new report. */
	buf[0] = '\0';
	add(buf, sizeof(buf), "[  1.0] BUG: spinlock bad magic on CPU#1, x/1");
	for (i = 0; i < 450; i++)
		add(buf, sizeof(buf), "[  1.1] scheduling while atomic: x/1/0x2");
	add(buf, sizeof(buf), "[  1.2] BUG: scheduling while atomic: x/1/0x2");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 2);
	CHECK_INT(r.rep[0].lineno, 1);
	CHECK_INT(r.rep[0].last_lineno, 400);
	CHECK_STR(r.rep[0].title, "BUG: spinlock bad magic in corrupted");
	CHECK_INT(r.rep[1].lineno, 452);
	CHECK_INT(r.rep[1].last_lineno, 452);
	CHECK_STR(r.rep[1].title, "BUG: scheduling while atomic in corrupted");

	/* The text is bounded: 400 lines of 4000 bytes give 64 KiB. */
	{
		static char lng[4001];
		memset(lng, 'x', 4000);
		memcpy(lng, "[  1.0] BUG: scheduling while atomic", 36);
		buf[0] = '\0';
		add(buf, sizeof(buf), lng);
		memcpy(lng, "[  1.0] more of the same report  ", 33);
		for (i = 1; i < 400; i++)
			add(buf, sizeof(buf), lng);
		parse_str(&r, buf);
		CHECK_INT(r.nreports, 1);
		CHECK_INT(r.rep[0].last_lineno, 400);
		CHECK_INT(r.rep[0].text_len, 64 * 1024);
	}

	/* Flush ends an open report; trailing blank lines are not in it. */
	parse_str(&r,
	    "x\r\n[  1.0] Kernel panic - not syncing: x\r\n[  1.1] CPU: 0\r\n\r\n[  1.2] \r\n");
	CHECK_INT(r.nreports, 1);
	CHECK_INT(r.rep[0].lineno, 2);
	CHECK_INT(r.rep[0].last_lineno, 3);
	CHECK_STR(r.rep[0].text, "[  1.0] Kernel panic - not syncing: x\n[  1.1] CPU: 0");

	/* A trace ends the report at the first line a program printed, and
	 * a crash line may start the next one; an Oops's end marker waits
	 * for the panic that may follow, and ends it if none does. */
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
	CHECK_STR(r.rep[0].title, "Internal error in f");
	CHECK_INT(r.rep[1].lineno, 8);
	CHECK_INT(r.rep[1].last_lineno, 11);
	CHECK_STR(r.rep[1].title, "BUG: Bad page state in h");
	CHECK_INT(r.rep[2].lineno, 13);
	CHECK_INT(r.rep[2].last_lineno, 13);
	CHECK_INT(r.nline_events, 13);

	/* A kernel line long after a report is no part of it: the kernel
	 * prints a report in one burst. */
	buf[0] = '\0';
	add(buf, sizeof(buf), "[  1.0] INFO: task a:1 blocked for more than 2 seconds.");
	add(buf, sizeof(buf), "[  1.0] Call trace:");
	add(buf, sizeof(buf), "[  1.0]  __switch_to+0x1/0x2");
	add(buf, sizeof(buf), "[  1.0]  stuck_here+0x1/0x2");
	add(buf, sizeof(buf), "[  1.1] Showing all locks held in the system:");
	add(buf, sizeof(buf), "[  9.0] random: crng init done");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 1);
	CHECK_INT(r.rep[0].last_lineno, 5);
	CHECK_STR(r.rep[0].title, "INFO: task hung in stuck_here");

	/* A KASAN report cut off by the next report: two reports. */
	buf[0] = '\0';
	add(buf, sizeof(buf), "[  1.0] BUG: KASAN: use-after-free in f+0x1/0x2");
	add(buf, sizeof(buf), "[  1.0] Read of size 8 at addr ffff888012345678 by task a/1");
	add(buf, sizeof(buf), "[  1.0] Call Trace:");
	add(buf, sizeof(buf), "[  1.0]  g+0x1/0x2");
	add(buf, sizeof(buf), "[  1.1] general protection fault: 0000 [#1] SMP KASAN");
	add(buf, sizeof(buf), "[  1.1] RIP: 0010:h+0x1/0x2");
	parse_str(&r, buf);
	CHECK_INT(r.nreports, 2);
	CHECK_INT(r.rep[0].last_lineno, 4);
	CHECK_STR(r.rep[0].title, "KASAN: use-after-free Read in f");
	CHECK_STR(r.rep[1].title, "general protection fault in h");
}

/* ---- titles ------------------------------------------------------------------ */

/* The title of the one report in TEXT. */
static const char *
title_of(const char *text)
{
	static struct recorder r;

	parse_str(&r, text);
	CHECK_INT(r.nreports, 1);
	return r.nreports > 0 ? r.rep[0].title : "";
}

static void
test_titles_leave_out_what_varies(void)
{
	/* Clone suffixes and system-call wrappers go. */
	CHECK_STR(title_of("WARNING: CPU: 3 PID: 4711 at net/x.c:9 f.isra.5.part.6+0x1/0x2\n"
			   "Call Trace:\n f.isra.5.part.6+0x1/0x2\n"),
	    "WARNING in f");
	CHECK_STR(title_of("BUG: soft lockup - CPU#1 stuck for 22s! [a.out:77]\n"
			   "RIP: 0010:spin.cold+0x1/0x2\n"
			   "Call Trace:\n <TASK>\n spin.cold+0x1/0x2\n"
			   " __x64_sys_rmdir+0x1/0x2\n do_syscall_64+0x1/0x2\n </TASK>\n"),
	    "BUG: soft lockup in sys_rmdir");
	/* Which task hung, and for how long, is no part of the bug. */
	CHECK_STR(title_of("INFO: task kworker/u4:3:123 blocked for more than 143 seconds.\n"
			   "Call Trace:\n __schedule+0x1/0x2\n schedule+0x1/0x2\n"
			   " mutex_lock_nested+0x1/0x2\n p9_fd_close+0x1/0x2\n"),
	    "INFO: task hung in p9_fd_close");
	/* x86's "? " frames are guesses. */
	CHECK_STR(title_of("BUG: unable to handle page fault for address: ffffffffff600000\n"
			   "RIP: 0010:0xffffffffff600000\n"
			   "Call Trace:\n ? guess+0x1/0x2\n real_one+0x1/0x2\n"),
	    "BUG: unable to handle kernel paging request in real_one");
	/* Generic helpers are passed over; the pc comes first. */
	CHECK_STR(title_of("Unable to handle kernel paging request at virtual address dead\n"
			   "pc : memcpy+0x1/0x2\nlr : caller+0x1/0x2\n"
			   "Call trace:\n memcpy+0x1/0x2\n kmalloc_trace+0x1/0x2\n"
			   " esp6_gro_receive+0x1/0x2\n"),
	    "BUG: unable to handle kernel paging request in esp6_gro_receive");
	/* ... unless there is nothing else. */
	CHECK_STR(title_of(
		      "WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:5530 __alloc_pages+0x1/0x2\n"),
	    "WARNING in __alloc_pages");
	/* A panic's message: numbers and addresses become NUM and ADDR. */
	CHECK_STR(title_of("[ 7.5][ T1] Kernel panic - not syncing: VFS: Unable to mount root "
			   "fs on unknown-block(0,0)\n"),
	    "kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)");
	CHECK_STR(title_of("Kernel panic - not syncing: bad thing at 0xffff800008bca0e8 cpu 3\n"),
	    "kernel panic: bad thing at ADDR cpu NUM");
	/* KASAN: the bug, the access, the culprit. */
	CHECK_STR(title_of("BUG: KASAN: use-after-free in tcp_retransmit_timer+0x1/0x2\n"
			   "Read of size 8 at addr ffff888012345678 by task swapper/0/0\n"),
	    "KASAN: use-after-free Read in tcp_retransmit_timer");
	/* Lockdep names the deadlock where the lock is taken. */
	CHECK_STR(title_of("WARNING: possible circular locking dependency detected\n"
			   "a/1 is trying to acquire lock:\n"
			   "ffff0000 (&wq->mutex){+.+.}-{3:3}, at: flush_workqueue+0x1/0x2\n"
			   "but task is already holding lock:\n"
			   "ffff0001 (&x->lock){+.+.}-{3:3}, at: my_teardown+0x1/0x2\n"),
	    "possible deadlock in my_teardown");
	/* No stack at all: the stack cannot be trusted. */
	CHECK_STR(title_of("kernel BUG at fs/x.c:12!\n"), "kernel BUG in corrupted");
	/* pKVM's hyp names its own function, without the host's alias prefix. */
	CHECK_STR(title_of("kvm [1]: nVHE hyp panic at: [<ffff80000914b2e0>] "
			   "__kvm_nvhe___pkvm_vcpu_run+0x1e0/0x2b4!\n"),
	    "nVHE hyp panic in __pkvm_vcpu_run");
}

/* ---- the first lines, one kind after another (hand-written excerpts) ----- */

static void
test_oops_then_panic(void)
{
	static const struct want want[] = {
		{ 1, CONSOLE_CRASH, CRASH_PAGING, true,
		    "BUG: unable to handle kernel NULL pointer dereference" },
		{ 13, CONSOLE_CRASH, CRASH_OOPS, true, "Internal error" },
		END(34),
		{ 35, CONSOLE_CRASH, CRASH_PANIC, true, "kernel panic: Oops: Fatal exception" },
		END(40),
	};
	/* The Oops and the panic it causes: one report, through the panic's
	 * last line ("Memory Limit:"); the end marker after it is not. */
	static const struct want_report oops[] = {
		{ 1, 39, CRASH_PAGING, true,
		    "BUG: unable to handle kernel NULL pointer dereference in pkvm_test_share",
		    "] Call trace:\n[   23.113907][  T231]  pkvm_test_share+0x2c/0x90 "
		    "[pkvm_test]\n" },
	};

	check_log("oops-null-deref.log", want, 5, 40);
	check_reports("oops-null-deref.log", oops, 1);
}

static void
test_warnings_are_not_fatal(void)
{
	static const struct want want[] = {
		{ 2, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING in pkvm_teardown_vm" },
		END(21),
		{ 22, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING in __alloc_pages" },
		END(23),
		{ 24, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING" },
		{ 25, CONSOLE_CRASH, CRASH_LOCKDEP, false, "possible deadlock" },
		{ 26, CONSOLE_CRASH, CRASH_WARNING, false, "WARNING in mutex_unlock" },
	};
	static const struct want_report reports[] = {
		{ 2, 21, CRASH_WARNING, false, "WARNING in pkvm_teardown_vm", "Call trace:" },
		{ 22, 23, CRASH_WARNING, false, "WARNING in __alloc_pages", NULL },
		{ 24, 24, CRASH_WARNING, false, "WARNING in corrupted", NULL },
		{ 25, 25, CRASH_LOCKDEP, false, "possible deadlock in corrupted", NULL },
		{ 26, 26, CRASH_WARNING, false, "WARNING in mutex_unlock", NULL },
	};

	check_log("warning.log", want, 7, 26);
	check_reports("warning.log", reports, 5);
}

static void
test_hyp_reports(void)
{
	static const struct want want[] = {
		{ 1, CONSOLE_CRASH, CRASH_HYP, true,
		    "nVHE hyp BUG at arch/arm64/kvm/hyp/nvhe/mem_protect.c" },
		{ 6, CONSOLE_CRASH, CRASH_HYP, true, "kernel panic: HYP panic" },
		{ 10, CONSOLE_CRASH, CRASH_HYP, true, "nVHE hyp panic in __pkvm_vcpu_run" },
		{ 11, CONSOLE_CRASH, CRASH_HYP, true, "kernel panic: HYP panic" },
		{ 12, CONSOLE_CRASH, CRASH_HYP, true, "Invalid host exception to nVHE hyp" },
		{ 13, CONSOLE_CRASH, CRASH_HYP, true, "kernel panic: HYP panic" },
		{ 14, CONSOLE_CRASH, CRASH_HYP, true, "nVHE hyp BUG" },
	};
	/* Each hyp report and its panic are one report; the hyp's own call
	 * trace names the culprit of the one whose first line gives a file. */
	static const struct want_report reports[] = {
		{ 1, 9, CRASH_HYP, true, "nVHE hyp BUG in handle___pkvm_host_share_hyp",
		    "nVHE call trace:" },
		{ 10, 11, CRASH_HYP, true, "nVHE hyp panic in __pkvm_vcpu_run", NULL },
		{ 12, 13, CRASH_HYP, true, "Invalid host exception to nVHE hyp", NULL },
		{ 14, 14, CRASH_HYP, true, "nVHE hyp BUG", NULL },
	};

	check_log("hyp-hand.log", want, 7, 14);
	check_reports("hyp-hand.log", reports, 4);
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
		{ 10, CONSOLE_CRASH, CRASH_SANITIZER, true, "UBSAN: shift-out-of-bounds" },
		{ 12, CONSOLE_CRASH, CRASH_SANITIZER, true,
		    "KCSAN: data-race in pkvm_load_hyp_vcpu / pkvm_put_hyp_vcpu" },
	};
	/* The first report ends at its closing "=====" line. */
	static const struct want_report first[] = {
		{ 2, 6, CRASH_SANITIZER, true,
		    "KASAN: slab-out-of-bounds Write in kmalloc_oob_right", NULL },
		{ 7, 7, CRASH_SANITIZER, true, "KASAN: use-after-free in pkvm_host_unshare_hyp",
		    NULL },
		{ 8, 9, CRASH_SANITIZER, true,
		    "KFENCE: out-of-bounds read in test_out_of_bounds_read", NULL },
		{ 10, 11, CRASH_SANITIZER, true, "UBSAN: shift-out-of-bounds in corrupted", NULL },
		{ 12, 12, CRASH_SANITIZER, true,
		    "KCSAN: data-race in pkvm_load_hyp_vcpu / pkvm_put_hyp_vcpu", NULL },
	};

	check_log("sanitizers.log", want, 5, 12);
	check_reports("sanitizers.log", first, 5);
}

static void
test_stalls_lockups_and_bugs(void)
{
	/* One line each, and no stack: the first lines' titles. */
	static const struct want want[] = {
		{ 1, CONSOLE_CRASH, CRASH_LOCKUP, true, "BUG: soft lockup" },
		{ 4, CONSOLE_CRASH, CRASH_LOCKUP, true, "Watchdog detected hard LOCKUP" },
		{ 5, CONSOLE_CRASH, CRASH_RCU_STALL, true, "INFO: rcu detected stall" },
		{ 8, CONSOLE_CRASH, CRASH_RCU_STALL, true, "INFO: rcu detected stall" },
		{ 9, CONSOLE_CRASH, CRASH_RCU_STALL, true, "INFO: rcu detected stall" },
		{ 10, CONSOLE_CRASH, CRASH_SERROR, true, "SError Interrupt" },
		{ 11, CONSOLE_CRASH, CRASH_PANIC, true,
		    "kernel panic: Asynchronous SError Interrupt" },
		{ 13, CONSOLE_CRASH, CRASH_BUG, true, "kernel BUG" },
		{ 14, CONSOLE_CRASH, CRASH_OOPS, true, "Internal error" },
		{ 15, CONSOLE_CRASH, CRASH_BUG, true,
		    "BUG: sleeping function called from invalid context" },
		{ 16, CONSOLE_CRASH, CRASH_BUG, true, "BUG: scheduling while atomic" },
		{ 17, CONSOLE_CRASH, CRASH_PAGING, true,
		    "BUG: unable to handle kernel paging request" },
		{ 18, CONSOLE_CRASH, CRASH_BUG, true, "BUG: spinlock bad magic" },
		{ 19, CONSOLE_CRASH, CRASH_BUG, true, "BUG: Bad page state" },
		{ 20, CONSOLE_CRASH, CRASH_PAGING, true,
		    "BUG: unable to handle kernel paging request" },
		{ 21, CONSOLE_CRASH, CRASH_OOPS, true, "general protection fault" },
	};
	static struct recorder r;

	check_log("stalls.log", want, 16, 21);
	/* Each is a report of its own, "in corrupted": without a stack the
	 * culprit cannot be told. */
	parse(&r, "", 0, 0);
	{
		size_t len;
		char *buf = read_data("stalls.log", &len);

		if (buf != NULL) {
			parse(&r, buf, len, 0);
			CHECK_INT(r.nreports, 14);
			CHECK_STR(r.rep[0].title, "BUG: soft lockup in corrupted");
			CHECK_INT(r.rep[0].last_lineno, 3);
			CHECK_STR(r.rep[5].title, "SError Interrupt");
			CHECK_INT(r.rep[5].lineno, 10);
			/* The "cut here" line is five seconds later. */
			CHECK_INT(r.rep[5].last_lineno, 11);
			free(buf);
		}
	}
}

/* ---- false alarms ------------------------------------------------------------- */

static void
test_no_false_alarms(void)
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
		"[    1.000000] BUG: oops",
		"BUG: my test found a bug",
		"WARNING: my test is flaky",
		"[1.0]",
		"[",
		"[ ",
		"[    1.000000][",
	};
	static struct recorder r;
	size_t i, len;
	char *buf;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		parse_str(&r, lines[i]);
		if (r.n != 0)
			printf("#   false alarm: %s\n", lines[i]);
		CHECK_INT(r.n, 0);
	}
	/* Programs' own "WARNING:" and "BUG:" lines, the kernel's notices
	 * that are no splat (the mand mount option's deprecation, boot-time
	 * mitigation notes), a program printing /proc/version. */
	buf = read_data("false-alarms.log", &len);
	CHECK(buf != NULL);
	if (buf != NULL) {
		parse(&r, buf, len, 0);
		for (int j = 0; j < r.n; j++)
			printf("#   false alarm: %s\n", r.ev[j].line);
		CHECK_INT(r.n, 0);
		CHECK_INT(r.nreports, 0);
		free(buf);
	}
}

static void
test_prefixes_and_mid_line_reports(void)
{
	static struct recorder r;

	/* No timestamp at all (printk.time=0). */
	parse_str(&r,
	    "Kernel panic - not syncing: VFS: Unable to "
	    "mount root fs on unknown-block(0,0)\r\n");
	CHECK_INT(r.n, 1);
	CHECK_STR(r.ev[0].title,
	    "kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)");
	/* Caller id without timestamp, and a CPU caller id. */
	parse_str(&r, "[    T1] BUG: scheduling while atomic: swapper/0/1/0x00000002\n");
	CHECK_INT(r.n, 1);
	CHECK_STR(r.ev[0].title, "BUG: scheduling while atomic");
	parse_str(&r,
	    "[   12.000001][    C0] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! "
	    "[swapper/0:0]\n");
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].crash, CRASH_LOCKUP);
	/* A program left a partial line; printk starts after it. */
	parse_str(&r,
	    "progress: 50%[   12.345678] Kernel panic - not "
	    "syncing: Attempted to kill init! exitcode=0x0000000b\n");
	CHECK_INT(r.n, 1);
	CHECK_STR(r.ev[0].title, "kernel panic: Attempted to kill init!");
	CHECK_INT(r.ev[0].crash, CRASH_PANIC);
	/* With printk.time=0 the caller id alone is the printk prefix, and
	 * it starts a message after a partial line just as a timestamp does
	 * (base/printk.h: one rule for both). */
	parse_str(&r,
	    "progress: 50%[    T1] Kernel panic - not "
	    "syncing: Attempted to kill init! exitcode=0x0000000b\n");
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].crash, CRASH_PANIC);
	/* "[T]" is no caller id (the kernel always prints a number), so the
	 * message does not start after it. */
	parse_str(&r, "[    1.000000][T] BUG: scheduling while atomic\n");
	CHECK_INT(r.n, 0);
	/* But a report that does not start a message is not one. */
	parse_str(&r, "echo 'Kernel panic - not syncing: x'\n");
	CHECK_INT(r.n, 0);
	/* Lockdep's old framed headers. */
	parse_str(&r, "[   36.720935] [ BUG: lock held when returning to user space! ]\n");
	CHECK_INT(r.n, 1);
	CHECK_INT(r.ev[0].crash, CRASH_LOCKDEP);
	/* x86 since 6.9 puts "Oops: " before the fault's name. */
	parse_str(&r,
	    "[ 1.0] Oops: general protection fault, probably for non-canonical "
	    "address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN NOPTI\n");
	CHECK_INT(r.n, 1);
	CHECK_STR(r.ev[0].title, "general protection fault");
	/* Printk text before a result marker is still checked. */
	{
		char l[256], buf[512];
		result_line(l, sizeof(l), "done tests=1");
		snprintf(buf, sizeof(buf),
		    "[  1.5] BUG: KASAN: "
		    "double-free in kfree+0x1/0x2%s\n",
		    l);
		parse_str(&r, buf);
		CHECK_INT(r.n, 2);
		CHECK_STR(r.ev[0].title, "KASAN: invalid-free in kfree");
		CHECK_INT(r.ev[1].kind, CONSOLE_DONE);
		CHECK_INT(r.ev[0].lineno, r.ev[1].lineno);
	}
}

/* LINE repeated to a console line's length. */
static const char *
repeated(const char *unit)
{
	static char buf[CONSOLE_LINE_MAX];
	size_t n = strlen(unit), o = 0;

	while (o + n + 2 < sizeof(buf)) {
		memcpy(buf + o, unit, n);
		o += n;
	}
	buf[o++] = '\n';
	buf[o] = '\0';
	return buf;
}

static void
test_hostile_lines_are_cheap_and_harmless(void)
{
	static struct recorder r;

	/* The guest prints what it likes.  An unclosed "[<" once made the
	 * title's search for a function loop forever. */
	parse_str(&r,
	    "[ 52.1] kvm [312]: nVHE hyp panic at: [<ffff8000091+0x1/0x2__kvm_nvhe_x+0x1/0x2!\n");
	CHECK_INT(r.nreports, 1);
	CHECK_STR(r.rep[0].title, "nVHE hyp panic");
	parse_str(&r, "WARNING: CPU: 0 PID: 1 at a.c:1 [<\n");
	CHECK_INT(r.nreports, 1);
	/* Lines a '*' of a pattern could try at every position, or with a
	 * printk prefix at every word: each is a report or none, at once. */
	parse_str(&r, repeated("WARNING: mm/mm/"));
	CHECK_INT(r.nreports, 0);
	parse_str(&r, repeated("[1.0] WARNING: lib/lib/"));
	CHECK_INT(r.nreports, 0);
	parse_str(&r, repeated("[1.0] WARNING: CPU: 1 PID: 2 at "));
	CHECK_INT(r.nreports, 1);
	parse_str(&r, repeated("INFO: task a blocked b"));
	CHECK_INT(r.nreports, 0);
	parse_str(&r, repeated("[[<"));
	CHECK_INT(r.nreports, 0);
	parse_str(&r, repeated(" f+0x1/0x2 [<"));
	CHECK_INT(r.nreports, 0);
}

static void
test_fatal_line_of_a_report(void)
{
	static struct recorder r;

	/* A WARNING is not fatal; the panic that joins it makes it so, and
	 * the report says on which line. */
	parse_str(&r,
	    "[ 1.0] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n"
	    "[ 1.1] Kernel panic - not syncing: kernel: panic_on_warn set ...\n");
	CHECK_INT(r.nreports, 1);
	CHECK(r.rep[0].fatal);
	CHECK_INT(r.rep[0].fatal_lineno, 2);
	parse_str(&r,
	    "[ 1.0] kernel BUG at a.c:1!\n[ 1.1] Internal error: Oops - BUG: 0 [#1] SMP\n");
	CHECK_INT(r.rep[0].fatal_lineno, 1);
	parse_str(&r, "[ 1.0] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n");
	CHECK(!r.rep[0].fatal);
	CHECK_INT(r.rep[0].fatal_lineno, 0);
}

static void
test_crash_kind_names(void)
{
	static const char *const names[] = { "panic", "oops", "paging", "bug", "warning", "hyp",
		"serror", "lockup", "rcu-stall", "hung-task", "sanitizer", "lockdep", "memory-leak",
		"reboot" };

	for (int k = 0; k <= CRASH_REBOOT; k++)
		CHECK_STR(crash_kind_name((enum crash_kind)k), names[k]);
	CHECK_STR(crash_kind_name((enum crash_kind)99), "unknown");
	console_parser_free(NULL);
}

int
main(void)
{
	RUN(test_clean_pkvm_boot_has_no_crash);
	RUN(test_sysrq_panic);
	RUN(test_real_hyp_bug);
	RUN(test_real_hung_tasks_are_three_reports_of_one_bug);
	RUN(test_lkdtm_warning_and_bug);
	RUN(test_lkdtm_oopses_end_with_the_panic_they_cause);
	RUN(test_lkdtm_rcu_stalls);
	RUN(test_lkdtm_types);
	RUN(test_unexpected_reboots);
	RUN(test_syzbot_reports);
	RUN(test_every_kind_has_a_real_report);
	RUN(test_another_callers_lines_are_no_part_of_a_report);
	RUN(test_a_program_interleaved_with_a_report);
	RUN(test_report_boundaries);
	RUN(test_titles_leave_out_what_varies);
	RUN(test_oops_then_panic);
	RUN(test_warnings_are_not_fatal);
	RUN(test_hyp_reports);
	RUN(test_sanitizer_reports);
	RUN(test_stalls_lockups_and_bugs);
	RUN(test_no_false_alarms);
	RUN(test_prefixes_and_mid_line_reports);
	RUN(test_hostile_lines_are_cheap_and_harmless);
	RUN(test_fatal_line_of_a_report);
	RUN(test_crash_kind_names);
	return UNIT_DONE();
}
