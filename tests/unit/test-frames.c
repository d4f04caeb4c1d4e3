/*
 * test-frames.c -- the frames of crash reports, and the reports written
 * again with their source lines (guest/frames.c).
 *
 * The reports are the hand-written excerpts in tests/data (an arm64 Oops
 * in a module, WARNINGs in several formats, the hypervisor's BUG and
 * panic lines) read as the store keeps them: '\r' dropped, lines joined by
 * '\n'; and lines of an x86 Oops written here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/frames.h"
#include "unit.h"

/* tests/data/NAME as the store keeps a report: without '\r'. */
static char *
read_report(const char *name)
{
	char path[256], *buf, *out;
	size_t len, k = 0;
	FILE *f;

	snprintf(path, sizeof(path), "data/%s", name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len + 1);
	out = malloc(len + 1);
	if (buf == NULL || out == NULL || fread(buf, 1, len, f) != len) {
		fclose(f);
		free(buf);
		free(out);
		return NULL;
	}
	fclose(f);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\r')
			out[k++] = buf[i];
	out[k] = '\0';
	free(buf);
	return out;
}

/* The text of frame F's line in REPORT, for messages. */
static const char *
line_of(const char *report, const struct frame *f)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%.*s", (int)f->line_len, report + f->line_start);
	return buf;
}

struct want {
	const char *func;
	unsigned long long offset, size;
	const char *module;
	bool exact;
};

static void
check_frames(const char *report, const struct want *w, size_t nw)
{
	struct frame *f = NULL;
	size_t n = 0;

	CHECK_INT(frames_parse(report, &f, &n), 0);
	CHECK_INT(n, nw);
	for (size_t i = 0; i < n && i < nw; i++) {
		CHECK_STR(f[i].func, w[i].func);
		CHECK_INT(f[i].offset, w[i].offset);
		CHECK_INT(f[i].size, w[i].size);
		CHECK_STR(f[i].module, w[i].module);
		if (f[i].exact != w[i].exact)
			printf("#   frame %zu (%s): exact is %d\n", i, line_of(report, &f[i]),
			    f[i].exact);
		CHECK(f[i].exact == w[i].exact);
	}
	free(f);
}

/* The Oops of a module: pc and lr lines, then the trace, whose first entry
 * is the pc again (exact) and whose module frames name the module. */
static void
test_parse_module_oops(void)
{
	static const struct want w[] = {
		{ "pkvm_test_share", 0x2c, 0x90, "pkvm_test", true },
		{ "pkvm_test_write", 0x58, 0xa0, "pkvm_test", false },
		{ "pkvm_test_share", 0x2c, 0x90, "pkvm_test", true },
		{ "pkvm_test_write", 0x58, 0xa0, "pkvm_test", false },
		{ "vfs_write", 0xdc, 0x3a0, "", false },
		{ "ksys_write", 0x7c, 0x11c, "", false },
		{ "__arm64_sys_write", 0x24, 0x30, "", false },
		{ "invoke_syscall", 0x68, 0xe0, "", false },
		{ "el0_svc_common.constprop.0", 0x4c, 0xf4, "", false },
		{ "do_el0_svc", 0x2c, 0x9c, "", false },
		{ "el0_svc", 0x34, 0xdc, "", false },
		{ "el0t_64_sync_handler", 0xf4, 0x120, "", false },
		{ "el0t_64_sync", 0x18c, 0x190, "", false },
	};
	char *r = read_report("oops-null-deref.log");

	CHECK(r != NULL);
	if (r != NULL)
		check_frames(r, w, sizeof(w) / sizeof(w[0]));
	free(r);
}

/* WARNINGs: the first line names the warning instruction (exact); a
 * WARNING line that ends in a bare address or goes on after the frame
 * holds none. */
static void
test_parse_warnings(void)
{
	static const struct want w[] = {
		{ "pkvm_teardown_vm", 0x1c, 0x30, "", true }, /* WARNING: ... at ... */
		{ "pkvm_teardown_vm", 0x1c, 0x30, "", true }, /* pc : */
		{ "kvm_arch_destroy_vm", 0x4c, 0x90, "", false }, /* lr : */
		{ "pkvm_teardown_vm", 0x1c, 0x30, "", true }, /* the trace's first */
		{ "kvm_arch_destroy_vm", 0x4c, 0x90, "", false },
		{ "kvm_destroy_vm", 0x160, 0x2a0, "", false },
		{ "kvm_vm_release", 0x2c, 0x40, "", false },
		{ "__fput", 0x78, 0x260, "", false },
		{ "task_work_run", 0x80, 0xe0, "", false },
		{ "do_notify_resume", 0x1d4, 0x1370, "", false },
		{ "el0_svc", 0xa4, 0xdc, "", false },
		{ "el0t_64_sync_handler", 0xf4, 0x120, "", false },
		{ "el0t_64_sync", 0x18c, 0x190, "", false },
		{ "__alloc_pages", 0x2e4, 0x358, "", true },
	};
	char *r = read_report("warning.log");

	CHECK(r != NULL);
	if (r != NULL)
		check_frames(r, w, sizeof(w) / sizeof(w[0]));
	free(r);
}

/* The hypervisor: its call trace lines ("kvm [1]:  [<addr>] ...") are
 * return addresses; the "nVHE hyp panic at: ...!" line is exact; an
 * unsymbolised BUG line holds no frame. */
static void
test_parse_hyp(void)
{
	static const struct want w[] = {
		{ "__kvm_nvhe_hyp_panic", 0xac, 0xf8, "", false },
		{ "__kvm_nvhe_handle___pkvm_host_share_hyp", 0x48, 0x70, "", false },
		{ "__kvm_nvhe___pkvm_vcpu_run", 0x1e0, 0x2b4, "", true },
	};
	char *r = read_report("hyp-hand.log");

	CHECK(r != NULL);
	if (r != NULL)
		check_frames(r, w, sizeof(w) / sizeof(w[0]));
	free(r);
}

/* x86: RIP with its code segment, "? " entries, a module with a build id;
 * and lines that look like frames but are none. */
static void
test_parse_x86_and_near_misses(void)
{
	static const char r[] = "[   5.000000] RIP: 0010:ext4_foo+0x12/0x40\n"
				"[   5.000001] Call Trace:\n"
				"[   5.000002]  <TASK>\n"
				"[   5.000003]  ? show_regs+0x6d/0x80\n"
				"[   5.000004]  ext4_foo+0x12/0x40\n"
				"[   5.000005]  mod_fn+0x1/0x2 [my-mod 0123456789abcdef]\n"
				"[   5.000006]  </TASK>\n"
				"[   5.000007] Code: 48 89 e5 <0f> 0b\n"
				"[   5.000008] Modules linked in: my_mod(O)\n"
				"foo+0x1/0x2 bar\n"
				"a+0x/0x1\n"
				"+0x1/0x2\n"
				"f+0x1/0x2]\n"
				"f+0x1/0x2 [bad/mod]\n"
				"x+0x10000000000000000/0x1\n"
				"  bare+0x8/0x10";
	static const struct want w[] = {
		{ "ext4_foo", 0x12, 0x40, "", true },
		{ "show_regs", 0x6d, 0x80, "", false },
		{ "ext4_foo", 0x12, 0x40, "", true },
		{ "mod_fn", 0x1, 0x2, "my-mod", false },
		{ "bare", 0x8, 0x10, "", false },
	};

	check_frames(r, w, sizeof(w) / sizeof(w[0]));
}

/* A return address is looked up at the last byte of its call, also at
 * offset 0 (a call that never returns ended the function before); an
 * exact address as it is. */
static void
test_frame_address(void)
{
	struct frame f = { .offset = 0x1c };

	CHECK_INT(frame_address(&f, 0x1000), 0x101b);
	f.exact = true;
	CHECK_INT(frame_address(&f, 0x1000), 0x101c);
	f.exact = false;
	f.offset = 0;
	CHECK_INT(frame_address(&f, 0x1000), 0xfff);
}

/* Places get appended; inlined functions come as lines of their own
 * before the frame's, with its printk prefix and blanks; frames without
 * places and every other line stay as they were. */
static void
test_rewrite(void)
{
	static const char r[] = "[    1.0] WARNING: CPU: 0 PID: 1 at lib/a.c:5 f+0x8/0x20\n"
				"[    1.0] pc : f+0x8/0x20\n"
				"[    1.0] Call trace:\n"
				"[    1.0]  f+0x8/0x20\n"
				"[    1.0]  g+0x14/0x30 [mod]  \n"
				"[    1.0]  h+0x4/0x10\n"
				"[    1.0] ---[ end trace 0000000000000000 ]---";
	static const char want[] =
	    "[    1.0] inl lib/a.h:3 [inline]\n"
	    "[    1.0] WARNING: CPU: 0 PID: 1 at lib/a.c:5 f+0x8/0x20 lib/a.c:5\n"
	    "[    1.0] inl lib/a.h:3 [inline]\n"
	    "[    1.0] pc : f+0x8/0x20 lib/a.c:5\n"
	    "[    1.0] Call trace:\n"
	    "[    1.0]  inl lib/a.h:3 [inline]\n"
	    "[    1.0]  f+0x8/0x20 lib/a.c:5\n"
	    "[    1.0]  g+0x14/0x30 [mod] /src/mod/g.c\n"
	    "[    1.0]  h+0x4/0x10\n"
	    "[    1.0] ---[ end trace 0000000000000000 ]---";
	struct frame_place pf[] = { { "inl", "lib/a.h", 3 }, { "f", "lib/a.c", 5 } };
	struct frame_place pg[] = { { "g", "/src/mod/g.c", 0 } };
	struct frame_where w[5] = { { pf, 2 }, { pf, 2 }, { pf, 2 }, { pg, 1 }, { NULL, 0 } };
	struct frame *f = NULL;
	size_t n = 0;
	char *out;

	CHECK_INT(frames_parse(r, &f, &n), 0);
	CHECK_INT(n, 5);
	if (n == 5) {
		out = frames_rewrite(r, f, w, n);
		CHECK_STR(out, want);
		free(out);
	}
	/* Nothing symbolized: the report as it was. */
	memset(w, 0, sizeof(w));
	out = frames_rewrite(r, f, w, n);
	CHECK_STR(out, r);
	free(out);
	free(f);
}

/* A report without frames has none, and the empty one too. */
static void
test_no_frames(void)
{
	struct frame *f = (struct frame *)1;
	size_t n = 99;

	CHECK_INT(frames_parse("", &f, &n), 0);
	CHECK(f == NULL);
	CHECK_INT(n, 0);
	CHECK_INT(frames_parse("[ 1.0] Kernel panic - not syncing: sysrq triggered crash\n", &f,
		      &n),
	    0);
	CHECK_INT(n, 0);
	free(f);
}

int
main(void)
{
	RUN(test_parse_module_oops);
	RUN(test_parse_warnings);
	RUN(test_parse_hyp);
	RUN(test_parse_x86_and_near_misses);
	RUN(test_frame_address);
	RUN(test_rewrite);
	RUN(test_no_frames);
	return UNIT_DONE();
}
