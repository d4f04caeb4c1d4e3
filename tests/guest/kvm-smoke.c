/*
 * kvm-smoke.c -- the smallest real use of KVM from inside a pKVM host.
 *
 * This runs in the guest pkvmd boots (as /ramfs.exe/<name>), where the
 * kernel is the pKVM host: it owns /dev/kvm while the EL2 hypervisor guards
 * the memory.  It checks the path every pKVM test depends on, end to end:
 * create a VM, give it one memory slot holding a few instructions, create
 * and initialise a vcpu, point its PC at the code and KVM_RUN it until the
 * guest stores to an address no slot covers, which KVM reports to us as an
 * MMIO exit carrying the stored value.
 *
 * The guest code (assembled by hand, see guest_code[]) is:
 *
 *     movz x0, #0xbeef
 *     movk x0, #0xdead, lsl #16      // x0 = 0xdeadbeef
 *     movz x1, #0x2, lsl #16         // x1 = MMIO_ADDR
 *     str  w0, [x1]                  // 4-byte store -> KVM_EXIT_MMIO
 *     b    .                         // never reached: we stop at the exit
 *
 * The vcpu starts with its MMU off, so guest virtual = guest physical and
 * the store is a plain stage-2 fault on an unbacked IPA.  A single-register
 * store without writeback gives a valid ESR syndrome, so KVM can decode it
 * and hand it to user space instead of failing the vcpu.
 *
 * Output is TAP (one "ok N - what" per step) so a human and the daemon's
 * logs show exactly which step failed.  Exit 0 when every step passed, 1
 * otherwise.  It uses only <linux/kvm.h> and libc, built with
 * `aarch64-linux-gnu-gcc -static`, so it runs on a bare busybox initramfs.
 */
#include <errno.h>
#include <fcntl.h>
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

#define NSTEPS 10
/* 64 KiB is a multiple of every arm64 page size (4K, 16K, 64K). */
#define MEM_ADDR 0x10000ULL
#define MEM_SIZE 0x10000ULL
/* The first byte past the slot: no memory there, so a store is MMIO. */
#define MMIO_ADDR 0x20000ULL
#define MMIO_VALUE 0xdeadbeefU
/* KVM_RUN may return for reasons that are not our exit (a signal, a
 * scheduling hint); stop retrying long before this becomes a hang. */
#define MAX_RUNS 100

static const uint32_t guest_code[] = {
	0xd297dde0, /* movz x0, #0xbeef */
	0xf2bbd5a0, /* movk x0, #0xdead, lsl #16 */
	0xd2a00041, /* movz x1, #0x2, lsl #16 */
	0xb9000020, /* str  w0, [x1] */
	0x14000000, /* b    . */
};

static int step;

/* Report the next step as passed. */
static void
pass(const char *what)
{
	printf("ok %d - %s\n", ++step, what);
	fflush(stdout);
}

/* Report the next step as failed, say why, and stop: every later step
 * depends on this one, so the rest are reported as not run. */
static void __attribute__((noreturn, format(printf, 2, 3)))
fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("not ok %d - %s\n# ", ++step, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	while (step < NSTEPS)
		printf("not ok %d - skipped after failure # SKIP\n", ++step);
	printf("# kvm-smoke: FAILED at \"%s\"\n", what);
	fflush(stdout);
	exit(1);
}

int
main(void)
{
	struct kvm_userspace_memory_region region;
	struct kvm_vcpu_init init;
	struct kvm_one_reg reg;
	struct kvm_run *run;
	uint64_t pc = MEM_ADDR;
	uint32_t value;
	void *mem;
	int kvm, vm, vcpu, ret, runs, mmap_size;

	printf("TAP version 13\n1..%d\n", NSTEPS);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("open /dev/kvm",
		    "open: %s (is KVM enabled in this "
		    "kernel, and did it boot at EL2?)",
		    strerror(errno));
	ret = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION)
		fail("open /dev/kvm", "KVM_GET_API_VERSION is %d, want %d", ret, KVM_API_VERSION);
	pass("open /dev/kvm (API version 12)");

	/* Type 0: a normal (non-protected) VM with the default IPA size,
	 * which is what pKVM gives an ordinary VMM. */
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM", "%s", strerror(errno));
	pass("KVM_CREATE_VM");

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("memory slot", "mmap: %s", strerror(errno));
	memcpy(mem, guest_code, sizeof(guest_code));
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = MEM_ADDR;
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("memory slot", "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	pass("memory slot with guest code at 0x10000");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU", "%s", strerror(errno));
	pass("KVM_CREATE_VCPU");

	/* The kernel picks the target that matches the host CPU; feature
	 * bits stay 0 (no PSCI, no SVE, no PMU) because the code needs none. */
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		fail("KVM_ARM_VCPU_INIT", "KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		fail("KVM_ARM_VCPU_INIT", "target %u: %s", init.target, strerror(errno));
	pass("KVM_ARM_VCPU_INIT");

	/* Core registers are addressed by their offset in struct kvm_regs,
	 * counted in 32-bit words. */
	memset(&reg, 0, sizeof(reg));
	reg.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
	    (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t));
	reg.addr = (uintptr_t)&pc;
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		fail("set PC", "KVM_SET_ONE_REG: %s", strerror(errno));
	pass("set PC to 0x10000");

	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*run))
		fail("map kvm_run", "KVM_GET_VCPU_MMAP_SIZE: %d (%s)", mmap_size,
		    mmap_size < 0 ? strerror(errno) : "too small");
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("map kvm_run", "mmap: %s", strerror(errno));
	pass("map kvm_run");

	for (runs = 0; runs < MAX_RUNS; runs++) {
		ret = ioctl(vcpu, KVM_RUN, 0);
		if (ret < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (ret < 0)
			fail("KVM_RUN to an MMIO exit", "KVM_RUN: %s", strerror(errno));
		if (run->exit_reason == KVM_EXIT_MMIO)
			break;
		if (run->exit_reason == KVM_EXIT_INTR)
			continue;
		fail("KVM_RUN to an MMIO exit",
		    "exit reason %u, want "
		    "KVM_EXIT_MMIO (%u)",
		    run->exit_reason, KVM_EXIT_MMIO);
	}
	if (runs == MAX_RUNS)
		fail("KVM_RUN to an MMIO exit", "no MMIO exit after %d runs", MAX_RUNS);
	pass("KVM_RUN to an MMIO exit");

	if (run->mmio.phys_addr != MMIO_ADDR || !run->mmio.is_write ||
	    run->mmio.len != sizeof(value))
		fail("MMIO exit is the guest's store",
		    "addr 0x%llx write %u "
		    "len %u, want addr 0x%llx write 1 len %zu",
		    (unsigned long long)run->mmio.phys_addr, run->mmio.is_write, run->mmio.len,
		    MMIO_ADDR, sizeof(value));
	pass("MMIO exit is a 4-byte write to 0x20000");

	/* KVM hands over the bytes as the guest stored them (little
	 * endian, like this host). */
	memcpy(&value, run->mmio.data, sizeof(value));
	if (value != MMIO_VALUE)
		fail("MMIO data", "value 0x%08x, want 0x%08x", value, MMIO_VALUE);
	pass("MMIO data is 0xdeadbeef");

	printf("# kvm-smoke: guest ran %zu instructions to its MMIO store\n",
	    sizeof(guest_code) / sizeof(guest_code[0]) - 1);
	munmap(run, mmap_size);
	munmap(mem, MEM_SIZE);
	close(vcpu);
	close(vm);
	close(kvm);
	return 0;
}
