/*
 * kvm-ktap.c -- a small KVM test suite with KTAP output, run inside the
 * pKVM host that pkvmd boots.
 *
 * It is the sample of a real pKVM test: it creates a VM through /dev/kvm,
 * runs a short guest program in it and checks that each way the guest
 * leaves the vcpu reaches user space (or does not) as the KVM API says:
 *
 *   mmio_write        the guest stores 0xdeadbeef to 0x20000, which no
 *                     memory slot covers: KVM_EXIT_MMIO, a 4-byte write
 *                     of that value at that address
 *   mmio_read         the guest loads from 0x20008: KVM_EXIT_MMIO, a read;
 *                     we supply 0x12345678 in the exit's data and the
 *                     guest stores what it read to 0x20010, so the next
 *                     exit shows whether our value arrived
 *   hvc_psci_version  the guest calls PSCI_VERSION (0x84000000) with HVC;
 *                     KVM answers it in the kernel (no exit) and the guest
 *                     stores the answer to 0x20018 for us to check
 *   psci_system_off   the guest calls PSCI SYSTEM_OFF (0x84000008):
 *                     KVM_EXIT_SYSTEM_EVENT of type KVM_SYSTEM_EVENT_SHUTDOWN
 *
 * plus a case that is skipped where the host lacks what it needs (MTE for
 * guests; qemu's virt machine has none unless given mte=on).
 *
 * The guest program is written below as ordinary aarch64 assembly in the
 * host binary (which is itself aarch64) and copied into the VM's memory:
 * it uses only immediates and no addresses of its own, so it runs wherever
 * it lands.  The vcpu starts with its MMU off, so guest virtual = guest
 * physical, and each access is a single-register load or store without
 * writeback, which gives KVM a valid syndrome to decode as MMIO.
 *
 * Output is KTAP (Documentation/dev-tools/ktap.rst), the format of KUnit
 * and the kernel's selftests, with two nested suites:
 *
 *     KTAP version 1
 *     1..3
 *         KTAP version 1
 *         # Subtest: setup
 *         1..4
 *         ok 1 open_dev_kvm
 *         ...
 *     ok 1 setup
 *         KTAP version 1
 *         # Subtest: exits
 *         1..4
 *         ok 1 mmio_write
 *         ...
 *     ok 2 exits
 *     ok 3 mte_enable # SKIP KVM_CAP_ARM_MTE is not supported by this host
 *
 * Known counts on pkvmd's machine (-M virt, no MTE): 3 top-level results
 * (2 ok, 1 skip), 8 nested (all ok).  Exit 0 when every result that was
 * not skipped passed, 1 otherwise.  Built with `aarch64-linux-gnu-gcc
 * -static` from <linux/kvm.h> and libc only, so it runs on a bare busybox
 * initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

/* 64 KiB is a multiple of every arm64 page size (4K, 16K, 64K). */
#define MEM_ADDR 0x10000ULL
#define MEM_SIZE 0x10000ULL
/* The first byte past the slot: no memory there, so accesses are MMIO.
 * The offsets are the ones the guest program uses below. */
#define MMIO_BASE 0x20000ULL
#define MMIO_WRITE_ADDR (MMIO_BASE + 0x00)
#define MMIO_READ_ADDR (MMIO_BASE + 0x08)
#define MMIO_ECHO_ADDR (MMIO_BASE + 0x10)
#define MMIO_PSCI_ADDR (MMIO_BASE + 0x18)
#define MMIO_WRITE_VALUE 0xdeadbeefU
#define MMIO_READ_VALUE 0x12345678U
/* KVM_RUN may return for reasons that are not an exit of the guest's (a
 * signal, a scheduling hint); stop retrying long before this is a hang. */
#define MAX_RUNS 100
/* A guest that goes wrong tends to loop inside KVM (an exception with no
 * vector table faults again at the vector), and KVM_RUN never returns on
 * its own; SIGALRM interrupts it after this long so the case fails
 * instead of the whole test hanging until its timeout. */
#define RUN_TIMEOUT_S 10

/*
 * The guest program.  x19 holds MMIO_BASE throughout: an SMCCC call (the
 * HVCs) may change x0-x17, and KVM does set x0-x3, but it keeps x18-x30.
 * Each numbered access is one exit the "exits" suite expects, in order.
 */
__asm__(".pushsection .rodata.kvm_ktap_guest, \"a\"\n"
	".balign 4\n"
	".globl guest_code_start\n"
	".hidden guest_code_start\n"
	".globl guest_code_end\n"
	".hidden guest_code_end\n"
	"guest_code_start:\n"
	"	movz x19, #0x2, lsl #16\n" /* x19 = MMIO_BASE */
	"	movz x0, #0xbeef\n"
	"	movk x0, #0xdead, lsl #16\n"
	"	str  w0, [x19]\n" /* 1: write 0xdeadbeef */
	"	ldr  w2, [x19, #8]\n" /* 2: read, we supply the value */
	"	str  w2, [x19, #16]\n" /* 3: write back what was read */
	"	movz x0, #0\n"
	"	movk x0, #0x8400, lsl #16\n" /* PSCI_VERSION */
	"	hvc  #0\n" /* handled by KVM: no exit */
	"	str  w0, [x19, #24]\n" /* 4: write the PSCI version */
	"	movz x0, #0x8\n"
	"	movk x0, #0x8400, lsl #16\n" /* PSCI SYSTEM_OFF */
	"	hvc  #0\n" /* 5: KVM_EXIT_SYSTEM_EVENT */
	"	b    .\n"
	"guest_code_end:\n"
	".popsection\n");

/* Hidden, so the compiler addresses them directly: through the GOT, the
 * two local labels would come out as one address (the section's). */
extern const uint32_t guest_code_start[] __attribute__((visibility("hidden")));
extern const uint32_t guest_code_end[] __attribute__((visibility("hidden")));

/* The VM every case of the "exits" suite runs in. */
struct vm {
	int kvm;
	int vm;
	int vcpu;
	struct kvm_run *run;
	int run_size;
	void *mem;
};

/* Set by SIGALRM while a KVM_RUN takes too long. */
static volatile sig_atomic_t alarmed;

/* The explanation of the last failure, printed as a KTAP diagnostic. */
static char why[256];

static int __attribute__((format(printf, 1, 2))) failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Print one KTAP result at nesting level INDENT (0 or 1); OK < 0 fails
 * with the diagnostic in why[], a non-NULL SKIP skips with that reason. */
static void
report(int indent, int n, const char *name, int ok, const char *skip)
{
	const char *pad = indent ? "    " : "";

	if (skip != NULL)
		printf("%sok %d %s # SKIP %s\n", pad, n, name, skip);
	else if (ok == 0)
		printf("%sok %d %s\n", pad, n, name);
	else
		printf("%s# %s: %s\n%snot ok %d %s\n", pad, name, why, pad, n, name);
	fflush(stdout);
}

/* Start a nested suite. */
static void
subtest(const char *name, int plan)
{
	printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", name, plan);
	fflush(stdout);
}

/* --- the "setup" suite --------------------------------------------------- */

static int
open_dev_kvm(struct vm *v)
{
	int ret;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return failf("open /dev/kvm: %s (KVM missing, or no EL2 at boot?)",
		    strerror(errno));
	ret = ioctl(v->kvm, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION)
		return failf("KVM_GET_API_VERSION is %d, want %d", ret, KVM_API_VERSION);
	return 0;
}

/* A normal (type 0) VM with one slot holding the guest program. */
static int
create_vm(struct vm *v)
{
	struct kvm_userspace_memory_region region;
	size_t len = (size_t)(guest_code_end - guest_code_start) * sizeof(uint32_t);

	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return failf("KVM_CREATE_VM: %s", strerror(errno));
	v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		return failf("mmap: %s", strerror(errno));
	if (len == 0 || len > MEM_SIZE)
		return failf("guest program of %zu bytes", len);
	memcpy(v->mem, guest_code_start, len);
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = MEM_ADDR;
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return failf("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	return 0;
}

/* A vcpu with PSCI 0.2 or later, so that KVM answers PSCI calls itself. */
static int
create_vcpu(struct vm *v)
{
	struct kvm_vcpu_init init;

	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return failf("KVM_CREATE_VCPU: %s", strerror(errno));
	memset(&init, 0, sizeof(init));
	if (ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return failf("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(v->vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return failf("KVM_ARM_VCPU_INIT (target %u): %s", init.target, strerror(errno));
	v->run_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->run_size < (int)sizeof(*v->run))
		return failf("KVM_GET_VCPU_MMAP_SIZE: %d", v->run_size);
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		return failf("mmap kvm_run: %s", strerror(errno));
	return 0;
}

/* Core registers are addressed by their offset in struct kvm_regs,
 * counted in 32-bit words. */
static int
set_pc(struct vm *v)
{
	struct kvm_one_reg reg;
	uint64_t pc = MEM_ADDR;

	memset(&reg, 0, sizeof(reg));
	reg.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
	    (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t));
	reg.addr = (uintptr_t)&pc;
	if (ioctl(v->vcpu, KVM_SET_ONE_REG, &reg) < 0)
		return failf("KVM_SET_ONE_REG pc: %s", strerror(errno));
	return 0;
}

/* --- the "exits" suite --------------------------------------------------- */

static void
on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* Run the vcpu to its next exit of reason WANT, for at most RUN_TIMEOUT_S. */
static int
run_to(struct vm *v, uint32_t want, const char *want_name)
{
	int runs, ret = -1;

	alarmed = 0;
	alarm(RUN_TIMEOUT_S);
	for (runs = 0; runs < MAX_RUNS && !alarmed; runs++) {
		ret = ioctl(v->vcpu, KVM_RUN, 0);
		if (ret < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (ret == 0 && v->run->exit_reason == KVM_EXIT_INTR)
			continue;
		break;
	}
	alarm(0);
	if (alarmed)
		return failf("no exit within %d s (want %s)", RUN_TIMEOUT_S, want_name);
	if (runs == MAX_RUNS)
		return failf("no %s after %d runs", want_name, MAX_RUNS);
	if (ret < 0)
		return failf("KVM_RUN: %s", strerror(errno));
	if (v->run->exit_reason != want)
		return failf("exit reason %u, want %s (%u)", v->run->exit_reason, want_name, want);
	return 0;
}

/* Run to an MMIO exit and check its direction, address and length. */
static int
run_to_mmio(struct vm *v, int is_write, uint64_t addr)
{
	struct kvm_run *r = v->run;

	if (run_to(v, KVM_EXIT_MMIO, "KVM_EXIT_MMIO") < 0)
		return -1;
	if (r->mmio.is_write != is_write || r->mmio.phys_addr != addr || r->mmio.len != 4)
		return failf("MMIO %s of %u bytes at 0x%llx, want a %s of 4 at 0x%llx",
		    r->mmio.is_write ? "write" : "read", r->mmio.len,
		    (unsigned long long)r->mmio.phys_addr, is_write ? "write" : "read",
		    (unsigned long long)addr);
	return 0;
}

/* The value of a 4-byte MMIO write, as the guest (little endian) stored it. */
static uint32_t
mmio_value(const struct vm *v)
{
	uint32_t value;

	memcpy(&value, v->run->mmio.data, sizeof(value));
	return value;
}

static int
mmio_write(struct vm *v)
{
	if (run_to_mmio(v, 1, MMIO_WRITE_ADDR) < 0)
		return -1;
	if (mmio_value(v) != MMIO_WRITE_VALUE)
		return failf("value 0x%08x, want 0x%08x", mmio_value(v), MMIO_WRITE_VALUE);
	return 0;
}

static int
mmio_read(struct vm *v)
{
	uint32_t value = MMIO_READ_VALUE;

	if (run_to_mmio(v, 0, MMIO_READ_ADDR) < 0)
		return -1;
	/* KVM completes the guest's load with these bytes on the next run. */
	memcpy(v->run->mmio.data, &value, sizeof(value));
	if (run_to_mmio(v, 1, MMIO_ECHO_ADDR) < 0)
		return -1;
	if (mmio_value(v) != MMIO_READ_VALUE)
		return failf("guest read 0x%08x, we supplied 0x%08x", mmio_value(v),
		    MMIO_READ_VALUE);
	return 0;
}

static int
hvc_psci_version(struct vm *v)
{
	uint32_t version, major, minor;

	/* No exit for the HVC itself: the first one we see is the store. */
	if (run_to_mmio(v, 1, MMIO_PSCI_ADDR) < 0)
		return -1;
	version = mmio_value(v);
	major = version >> 16;
	minor = version & 0xffff;
	/* KVM offers PSCI 0.2, 1.0 or 1.1 to a vcpu with PSCI_0_2. */
	if (!(major == 0 && minor == 2) && !(major == 1 && minor <= 1))
		return failf("PSCI_VERSION returned 0x%08x, want 0.2, 1.0 or 1.1", version);
	printf("    # psci version %u.%u\n", major, minor);
	return 0;
}

static int
psci_system_off(struct vm *v)
{
	if (run_to(v, KVM_EXIT_SYSTEM_EVENT, "KVM_EXIT_SYSTEM_EVENT") < 0)
		return -1;
	if (v->run->system_event.type != KVM_SYSTEM_EVENT_SHUTDOWN)
		return failf("system event type %u, want KVM_SYSTEM_EVENT_SHUTDOWN (%u)",
		    v->run->system_event.type, KVM_SYSTEM_EVENT_SHUTDOWN);
	return 0;
}

/* --- top-level cases ----------------------------------------------------- */

/* MTE for guests must be enabled on a VM before it has vcpus; hosts
 * without MTE (qemu's virt machine unless mte=on) cannot offer it. */
static int
mte_enable(int kvm, const char **skip)
{
	struct kvm_enable_cap cap;
	int vm, ret;

	if (kvm < 0) {
		*skip = "/dev/kvm is not available";
		return 0;
	}
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_MTE) <= 0) {
		*skip = "KVM_CAP_ARM_MTE is not supported by this host";
		return 0;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return failf("KVM_CREATE_VM: %s", strerror(errno));
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_ARM_MTE;
	ret = ioctl(vm, KVM_ENABLE_CAP, &cap);
	close(vm);
	if (ret < 0)
		return failf("KVM_ENABLE_CAP KVM_CAP_ARM_MTE: %s", strerror(errno));
	return 0;
}

struct vm_case {
	const char *name;
	int (*fn)(struct vm *);
};

static const struct vm_case setup_cases[] = {
	{ "open_dev_kvm", open_dev_kvm },
	{ "create_vm", create_vm },
	{ "create_vcpu", create_vcpu },
	{ "set_pc", set_pc },
};

static const struct vm_case exit_cases[] = {
	{ "mmio_write", mmio_write },
	{ "mmio_read", mmio_read },
	{ "hvc_psci_version", hvc_psci_version },
	{ "psci_system_off", psci_system_off },
};

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Run the cases of one nested suite in order; once one fails, the rest
 * cannot run (each builds on the one before) and fail as not run.
 * Returns the number of failures. */
static int
run_suite(const char *name, const struct vm_case *cases, int n, struct vm *v, int broken)
{
	int i, failed = 0, ret;

	subtest(name, n);
	for (i = 0; i < n; i++) {
		if (broken || failed) {
			failf("not run: an earlier step failed");
			ret = -1;
		} else {
			ret = cases[i].fn(v);
		}
		report(1, i + 1, cases[i].name, ret, NULL);
		failed += ret < 0;
	}
	return failed;
}

int
main(void)
{
	struct vm v = { .kvm = -1, .vm = -1, .vcpu = -1 };
	const char *skip = NULL;
	struct sigaction sa;
	int setup_failed, exits_failed, ret;

	/* No SA_RESTART: the alarm must make KVM_RUN return. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	printf("KTAP version 1\n1..3\n");
	fflush(stdout);

	setup_failed = run_suite("setup", setup_cases, NCASES(setup_cases), &v, 0);
	failf("%d of %d steps failed", setup_failed, NCASES(setup_cases));
	report(0, 1, "setup", setup_failed ? -1 : 0, NULL);

	exits_failed = run_suite("exits", exit_cases, NCASES(exit_cases), &v, setup_failed);
	failf("%d of %d exits failed", exits_failed, NCASES(exit_cases));
	report(0, 2, "exits", exits_failed ? -1 : 0, NULL);

	ret = mte_enable(v.kvm, &skip);
	report(0, 3, "mte_enable", ret, skip);

	return setup_failed || exits_failed || ret < 0 ? 1 : 0;
}
