/*
 * payload.c -- a small bare-metal aarch64 test that ends the way
 * kvm-unit-tests' tests end, for pkvmd's payload jobs (docs/PAYLOADS.md).
 *
 * kvm-unit-tests is not packaged in Debian, so the end-to-end tests boot
 * these instead.  They print kvm-unit-tests' exact line formats
 * (lib/report.c: "PASS: ", "FAIL: ", "SKIP: ", "SUMMARY: N tests, M
 * unexpected failures, S skipped", lib/arm/io.c: "EXIT: STATUS=N") on the
 * PL011 at 0x09000000, and exit as lib/arm/io.c exit() does: "EXIT:
 * STATUS=((code << 1) | 1)", then "<code>q" to the chr-testdev (a virtio
 * console behind virtio-mmio, driven here with a minimal legacy driver),
 * then PSCI SYSTEM_OFF.
 *
 * What a payload does is its mode: the first word of its arguments (qemu
 * -append, found in the device tree's /chosen/bootargs), else MODE, the
 * one it was built with:
 *
 *   pass    two PASS lines, exit 0                   -> qemu exits 1
 *   fail    a PASS and a FAIL, exit 1                -> qemu exits 3
 *   skip    a SKIP only, exit 77 >> 1                -> qemu exits 77
 *   crash   a PASS, then an undefined instruction: "Unhandled exception
 *           ec=0x0 (UNKNOWN)" from the vector, abort() = exit 63 -> 127
 *   hang    a PASS, then spins with no more output
 *   psci    a PASS, "EXIT: STATUS=1" and PSCI SYSTEM_OFF without the
 *           test device                              -> qemu exits 0
 *   off     a PASS and PSCI SYSTEM_OFF with no "EXIT: STATUS" line: qemu
 *           exits 0, which kvm-unit-tests counts as a failure
 *   setup   kvm-unit-tests' selftest "setup": checks "smp=N" against the
 *           CPUs in the device tree, reports each argument it got
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef MODE
#define MODE "pass"
#endif

#define UART_BASE 0x09000000UL
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)
#define VIRTIO_MMIO_BASE 0x0a000000UL
#define VIRTIO_MMIO_SLOTS 32
#define VIRTIO_MMIO_SIZE 0x200
#define VIRTIO_ID_CONSOLE 3
#define PSCI_SYSTEM_OFF 0x84000008UL

void payload_main(const void *dtb);
void exception(unsigned long vector);

/* ---- output ------------------------------------------------------------- */

static inline void
mmio_write32(unsigned long addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint32_t
mmio_read32(unsigned long addr)
{
	return *(volatile uint32_t *)addr;
}

static void
putc_(char c)
{
	while (mmio_read32(UART_BASE + UART_FR) & UART_FR_TXFF)
		;
	mmio_write32(UART_BASE, (uint32_t)(unsigned char)c);
}

static void
puts_(const char *s)
{
	while (*s != '\0')
		putc_(*s++);
}

static void
put_dec(unsigned long v)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		putc_(buf[--n]);
}

static void
put_hex(unsigned long v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		putc_("0123456789abcdef"[(v >> (4 * i)) & 0xf]);
}

/* ---- kvm-unit-tests' report (lib/report.c) -------------------------------- */

static int tests, failures, skipped;

static void
report(bool pass, const char *what)
{
	tests++;
	if (!pass)
		failures++;
	puts_(pass ? "PASS: " : "FAIL: ");
	puts_(what);
	puts_("\n");
}

static void
report_skip(const char *what)
{
	tests++;
	skipped++;
	puts_("SKIP: ");
	puts_(what);
	puts_("\n");
}

static int
report_summary(void)
{
	puts_("SUMMARY: ");
	put_dec((unsigned long)tests);
	puts_(" tests");
	if (failures) {
		puts_(", ");
		put_dec((unsigned long)failures);
		puts_(" unexpected failures");
	}
	if (skipped) {
		puts_(", ");
		put_dec((unsigned long)skipped);
		puts_(" skipped");
	}
	puts_("\n");
	if (tests == skipped)
		return 77 >> 1;
	return failures > 0 ? 1 : 0;
}

/* ---- the chr-testdev (lib/chr-testdev.c over lib/virtio-mmio.c) ----------- */

/* A legacy virtio-mmio queue of 4 descriptors in one page-aligned area. */
#define VQ_NUM 4
static uint8_t vring[2 * 4096] __attribute__((aligned(4096)));
static char testdev_buf[16];

/* The virtio-mmio transport of the console, or 0. */
static unsigned long
find_console(void)
{
	for (int i = 0; i < VIRTIO_MMIO_SLOTS; i++) {
		unsigned long base = VIRTIO_MMIO_BASE + (unsigned long)i * VIRTIO_MMIO_SIZE;

		if (mmio_read32(base) == 0x74726976 /* "virt" */ &&
		    mmio_read32(base + 0x008) == VIRTIO_ID_CONSOLE)
			return base;
	}
	return 0;
}

/* Send "<code>q" on port 0's transmit queue (queue 1): qemu's testdev
 * chardev exits with (code << 1) | 1.  Returns when there is no test
 * device (or qemu did not exit). */
static void
testdev_exit(int code)
{
	unsigned long base = find_console();
	volatile uint64_t *desc = (volatile uint64_t *)vring;
	volatile uint16_t *avail = (volatile uint16_t *)(vring + 16 * VQ_NUM);
	int n = 0;
	char tmp[12];
	unsigned v = (unsigned)code;

	if (base == 0 || mmio_read32(base + 0x004) != 1 /* legacy only */)
		return;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (int i = 0; i < n; i++)
		testdev_buf[i] = tmp[n - 1 - i];
	testdev_buf[n++] = 'q';

	mmio_write32(base + 0x070, 0); /* reset */
	mmio_write32(base + 0x070, 1 | 2); /* ACKNOWLEDGE | DRIVER */
	mmio_write32(base + 0x020, 0); /* no features */
	mmio_write32(base + 0x028, 4096); /* GuestPageSize */
	mmio_write32(base + 0x030, 1); /* QueueSel: transmitq of port 0 */
	if (mmio_read32(base + 0x034) < VQ_NUM)
		return;
	mmio_write32(base + 0x038, VQ_NUM);
	mmio_write32(base + 0x03c, 4096); /* QueueAlign */
	mmio_write32(base + 0x040, (uint32_t)((unsigned long)vring >> 12)); /* QueuePFN */
	mmio_write32(base + 0x070, 1 | 2 | 4); /* DRIVER_OK */

	/* Descriptor 0: addr, then len | flags << 32 | next << 48. */
	desc[0] = (uint64_t)(unsigned long)testdev_buf;
	desc[1] = (uint64_t)(uint32_t)n;
	avail[2] = 0; /* ring[0] = descriptor 0 */
	__asm__ volatile("dsb sy" ::: "memory");
	avail[1] = 1; /* idx */
	__asm__ volatile("dsb sy" ::: "memory");
	mmio_write32(base + 0x050, 1); /* QueueNotify */
}

static void
psci_system_off(void)
{
	register unsigned long x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}

/* lib/arm/io.c exit(). */
static void __attribute__((noreturn)) exit_(int code)
{
	puts_("\nEXIT: STATUS=");
	put_dec((unsigned long)((code << 1) | 1));
	puts_("\n");
	testdev_exit(code);
	psci_system_off();
	for (;;)
		__asm__ volatile("wfi");
}

/* ---- the device tree ---------------------------------------------------- */

static uint32_t
be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool
str_eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool
str_prefix(const char *s, const char *prefix)
{
	while (*prefix != '\0')
		if (*s++ != *prefix++)
			return false;
	return true;
}

/* Walk the flattened device tree for /chosen/bootargs (into *ARGS) and
 * count the nodes under /cpus named cpu@N. */
static void
dt_scan(const void *dtb, const char **args, int *cpus)
{
	const uint8_t *fdt = dtb;
	const uint8_t *p, *strings;
	int depth = 0;
	bool in_chosen = false, in_cpus = false;

	*args = "";
	*cpus = 0;
	if (dtb == NULL || be32(fdt) != 0xd00dfeed)
		return;
	p = fdt + be32(fdt + 8);
	strings = fdt + be32(fdt + 12);
	for (;;) {
		uint32_t tok = be32(p);

		p += 4;
		if (tok == 1) { /* FDT_BEGIN_NODE */
			const char *name = (const char *)p;
			size_t len = 0;

			while (name[len] != '\0')
				len++;
			depth++;
			if (depth == 2)
				in_chosen = str_eq(name, "chosen"), in_cpus = str_eq(name, "cpus");
			if (depth == 3 && in_cpus && str_prefix(name, "cpu@"))
				(*cpus)++;
			p += (len + 4) & ~3u;
		} else if (tok == 2) { /* FDT_END_NODE */
			depth--;
		} else if (tok == 3) { /* FDT_PROP */
			uint32_t len = be32(p), nameoff = be32(p + 4);

			if (depth == 2 && in_chosen &&
			    str_eq((const char *)strings + nameoff, "bootargs"))
				*args = (const char *)(p + 8);
			p += 8 + ((len + 3) & ~3u);
		} else if (tok == 4) { /* FDT_NOP */
			continue;
		} else {
			return;
		}
	}
}

/* ---- the modes ---------------------------------------------------------- */

static const char *const ec_names[64] = { [0x00] = "UNKNOWN",
	[0x15] = "SVC64",
	[0x20] = "IABT_EL0",
	[0x21] = "IABT_EL1",
	[0x24] = "DABT_EL0",
	[0x25] = "DABT_EL1",
	[0x3c] = "BRK64" };
static const char *const vector_names[16] = { "el1t_sync", "el1t_irq", "el1t_fiq", "el1t_error",
	"el1h_sync", "el1h_irq", "el1h_fiq", "el1h_error", "el0_sync_64", "el0_irq_64",
	"el0_fiq_64", "el0_error_64", "el0_sync_32", "el0_irq_32", "el0_fiq_32", "el0_error_32" };

/* kvm-unit-tests' lib/arm64/processor.c do_handle_exception(), shortened:
 * the same first lines, then abort(), which is exit(63). */
void
exception(unsigned long vector)
{
	unsigned long esr, far, elr;
	unsigned ec;

	__asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
	__asm__ volatile("mrs %0, far_el1" : "=r"(far));
	__asm__ volatile("mrs %0, elr_el1" : "=r"(elr));
	ec = (unsigned)(esr >> 26) & 0x3f;
	puts_("Unhandled exception ec=0x");
	put_hex(ec, ec > 0xf ? 2 : 1);
	puts_(" (");
	puts_(ec_names[ec] ? ec_names[ec] : "UNKNOWN");
	puts_(")\nVector: ");
	put_dec(vector);
	puts_(" (");
	puts_(vector_names[vector & 15]);
	puts_(")\nESR_EL1:         ");
	put_hex(esr & 0xffffffffUL, 8);
	puts_(", ec=0x");
	put_hex(ec, 2);
	puts_("\nFAR_EL1: ");
	put_hex(far, 16);
	puts_("\npc : ");
	put_hex(elr, 16);
	puts_("\n");
	exit_(63);
}

/* The first word of ARGS as the mode (in BUF), else MODE. */
static const char *
mode_of(const char *args, char *buf, size_t len)
{
	size_t n = 0;

	while (*args == ' ')
		args++;
	while (args[n] != '\0' && args[n] != ' ' && n + 1 < len) {
		buf[n] = args[n];
		n++;
	}
	buf[n] = '\0';
	return n > 0 ? buf : MODE;
}

/* kvm-unit-tests' selftest "setup": every argument is reported, and
 * smp=N must be the CPUs the machine has. */
static void
setup(const char *args, int cpus)
{
	const char *a = args;

	puts_("INFO: selftest: setup: ");
	put_dec((unsigned long)cpus);
	puts_(" cpus, args '");
	puts_(args);
	puts_("'\n");
	while (*a != '\0') {
		char word[64];
		size_t n = 0;

		while (*a == ' ')
			a++;
		while (*a != '\0' && *a != ' ' && n + 1 < sizeof(word))
			word[n++] = *a++;
		word[n] = '\0';
		if (n == 0)
			break;
		if (str_prefix(word, "smp=")) {
			int want = 0;

			for (const char *d = word + 4; *d >= '0' && *d <= '9'; d++)
				want = want * 10 + (*d - '0');
			report(want == cpus, "selftest: setup: smp");
		} else if (!str_eq(word, "setup")) {
			puts_("PASS: selftest: setup: arg ");
			puts_(word);
			puts_("\n");
			tests++;
		}
	}
}

void
payload_main(const void *dtb)
{
	const char *args, *mode;
	char buf[32];
	int cpus;

	dt_scan(dtb, &args, &cpus);
	mode = mode_of(args, buf, sizeof(buf));
	if (str_eq(mode, "pass")) {
		report(true, "payload: first check");
		report(true, "payload: second check");
	} else if (str_eq(mode, "fail")) {
		report(true, "payload: good check");
		report(false, "payload: bad check");
	} else if (str_eq(mode, "skip")) {
		report_skip("payload: nothing to test here");
	} else if (str_eq(mode, "crash")) {
		report(true, "payload: before the crash");
		__asm__ volatile("udf #0");
	} else if (str_eq(mode, "hang")) {
		report(true, "payload: before the hang");
		for (;;)
			__asm__ volatile("wfi");
	} else if (str_eq(mode, "psci")) {
		report(true, "payload: powers off through PSCI");
		report_summary();
		puts_("\nEXIT: STATUS=1\n");
		psci_system_off();
		for (;;)
			__asm__ volatile("wfi");
	} else if (str_eq(mode, "off")) {
		report(true, "payload: powers off saying nothing");
		report_summary();
		psci_system_off();
		for (;;)
			__asm__ volatile("wfi");
	} else if (str_eq(mode, "setup")) {
		setup(args, cpus);
	} else {
		report(false, "payload: unknown mode");
	}
	exit_(report_summary());
}
