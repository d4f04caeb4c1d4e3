/*
 * test-qemu-policy.c -- which qemu arguments a non-admin job may carry.
 *
 * Each check builds a job with smp 4 and 2048 MB and the given qemu
 * arguments, and expects either acceptance or a refusal whose message
 * quotes the argument and contains the reason's key words.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "job/qemu-policy.h"
#include "unit.h"

#define MAX_TEST_ARGS 8

/* Check the arguments (NULL-terminated) of a smp 4, 2048 MB job; 0 or
 * -EINVAL, with the message in *E. */
static int
check_args(struct job_json_error *e, ...)
{
	char *args[MAX_TEST_ARGS];
	struct job j = { .smp = 4, .mem_mb = 2048, .qemu_args = args };
	va_list ap;
	char *a;

	memset(e, 0, sizeof(*e));
	va_start(ap, e);
	while ((a = va_arg(ap, char *)) != NULL && j.nqemu_args < MAX_TEST_ARGS)
		args[j.nqemu_args++] = a;
	va_end(ap);
	return job_qemu_args_check(&j, e);
}

#define ALLOWED(...) \
	do { \
		struct job_json_error e_; \
		int rc_ = check_args(&e_, __VA_ARGS__, NULL); \
		CHECK_INT(rc_, 0); \
		if (rc_ != 0) \
			printf("#   %s\n", e_.message); \
	} while (0)

/* Refused, and the message contains QUOTE (the argument) and WHY. */
#define REFUSED(quote, why, ...) \
	do { \
		struct job_json_error e_; \
		CHECK_INT(check_args(&e_, __VA_ARGS__, NULL), -EINVAL); \
		CHECK_STR(e_.field, "qemu_args"); \
		CHECK(e_.code != NULL && strcmp(e_.code, "invalid_field") == 0); \
		CHECK(strstr(e_.message, "'" quote) != NULL); \
		CHECK(strstr(e_.message, why) != NULL); \
		if (strstr(e_.message, "'" quote) == NULL || strstr(e_.message, why) == NULL) \
			printf("#   message: %s\n", e_.message); \
	} while (0)

static void
test_no_arguments_pass(void)
{
	struct job_json_error e;

	CHECK_INT(check_args(&e, NULL), 0);
}

static void
test_cpu_count_and_topology_within_the_job(void)
{
	ALLOWED("-smp", "4");
	ALLOWED("-smp", "2");
	ALLOWED("-smp", "4,sockets=2,cores=2,threads=1");
	ALLOWED("-smp", "cpus=4,clusters=2,maxcpus=4");
	ALLOWED("--smp", "4");
	REFUSED("-smp 8", "more than the job's smp (4)", "-smp", "8");
	REFUSED("-smp 4,maxcpus=16", "16 CPUs", "-smp", "4,maxcpus=16");
	REFUSED("-smp sockets=8", "CPU count first", "-smp", "sockets=8");
	REFUSED("-smp 0x10", "decimal", "-smp", "0x10");
	REFUSED("-smp 4,books=2", "'books' is not on the allow-list", "-smp", "4,books=2");
}

static void
test_memory_within_the_job(void)
{
	ALLOWED("-m", "2048");
	ALLOWED("-m", "2G");
	ALLOWED("-m", "512M");
	ALLOWED("-m", "size=1024");
	REFUSED("-m 3G", "more than the job's mem (2048 MB)", "-m", "3G");
	REFUSED("-m 1T", "more than", "-m", "1T");
	REFUSED("-m 1024,maxmem=8G", "'maxmem' is memory hotplug", "-m", "1024,maxmem=8G");
	REFUSED("-m 1024,slots=2", "'slots'", "-m", "1024,slots=2");
	REFUSED("-m 1.5G", "whole number", "-m", "1.5G");
}

static void
test_cpu_models_and_features(void)
{
	ALLOWED("-cpu", "max");
	ALLOWED("-cpu", "max,pauth-impdef=on");
	ALLOWED("-cpu", "cortex-a57,pmu=off");
	ALLOWED("-cpu", "max,sve=on,sve128=on,lpa2=off");
	REFUSED("-cpu ,sve=on", "not a CPU model", "-cpu", ",sve=on");
}

static void
test_machine_properties_that_stay_in_the_guest(void)
{
	ALLOWED("-machine", "virt,gic-version=2");
	ALLOWED("-M", "virt,virtualization=off,mte=on");
	ALLOWED("-M", "virt-7.2,highmem=off,its=off,iommu=smmuv3");
	ALLOWED("-M", "gic-version=max");
	ALLOWED("--machine", "virt,secure=on");
	/* dumpdtb writes the device tree to a host file. */
	REFUSED("-machine virt,dumpdtb=/tmp/x", "'dumpdtb' writes a host file", "-machine",
	    "virt,dumpdtb=/tmp/x");
	REFUSED("-M virt,dtb=/etc/passwd", "'dtb' loads a host file", "-M", "virt,dtb=/etc/passwd");
	REFUSED("-M virt,firmware=x", "'firmware' loads a host file", "-M", "virt,firmware=x");
	REFUSED("-M virt,kernel=/etc/shadow", "'kernel'", "-M", "virt,kernel=/etc/shadow");
	REFUSED("-M virt,memory-backend=m0", "'memory-backend'", "-M", "virt,memory-backend=m0");
	REFUSED("-M virt,accel=kvm", "'accel'", "-M", "virt,accel=kvm");
	REFUSED("-M virt,memory.size=64G", "-smp and -m", "-M", "virt,memory.size=64G");
	REFUSED("-M virt,pflash0=n", "'pflash0'", "-M", "virt,pflash0=n");
	REFUSED("-M raspi3b", "only virt", "-M", "raspi3b");
	REFUSED("-M virt,frobnicate=on", "'frobnicate' is not on the allow-list", "-M",
	    "virt,frobnicate=on");
}

static void
test_property_escaping_is_read_as_qemu_reads_it(void)
{
	/* ",," is a comma inside a value: here the id swallows the text
	 * that looks like a netdev, so there is no netdev property. */
	ALLOWED("-device", "virtio-net-pci,id=a,,netdev=x");
	/* ...but a real netdev after an escaped comma is still seen. */
	REFUSED("-device virtio-net-pci,id=a,,b,netdev=x", "'netdev'", "-device",
	    "virtio-net-pci,id=a,,b,netdev=x");
	/* A first element without '=' is the implied key, commas and all. */
	REFUSED("-M virt,,dumpdtb=x", "machine type 'virt,dumpdtb=x'", "-M", "virt,,dumpdtb=x");
	/* The old "noflag" is flag=off: still the flag. */
	REFUSED("-M virt,nodumpdtb", "'dumpdtb' writes a host file", "-M", "virt,nodumpdtb");
	REFUSED("-device e1000,nodrive", "'drive'", "-device", "e1000,nodrive");
	/* The driver may be named explicitly, and every occurrence counts. */
	REFUSED("-device driver=loader,file=/etc/shadow", "'loader'", "-device",
	    "driver=loader,file=/etc/shadow");
	REFUSED("-device edu,driver=vfio-pci", "'vfio-pci'", "-device", "edu,driver=vfio-pci");
	REFUSED("-M virt,,", "machine type", "-M", "virt,,");
	REFUSED("-M virt,=x", "empty property", "-M", "virt,=x");
}

static void
test_log_items_but_not_the_log_file(void)
{
	ALLOWED("-d", "int,guest_errors,unimp");
	ALLOWED("-d", "mmu,cpu_reset,trace:gicv3_*");
	ALLOWED("-dfilter", "0x40000000..0x40001000,0x8000+0x100");
	REFUSED("-D", "-D writes a host file", "-D", "/tmp/qemu.log");
	REFUSED("--D", "writes a host file", "--D", "/etc/passwd");
	REFUSED("-d in_asm,int", "'in_asm' logs every block", "-d", "in_asm,int");
	REFUSED("-d exec", "'exec'", "-d", "exec");
	REFUSED("-d nosuch", "unknown log item 'nosuch'", "-d", "nosuch");
	REFUSED("-dfilter /etc", "address ranges", "-dfilter", "/etc");
}

static void
test_clocks_names_and_messages(void)
{
	ALLOWED("-icount", "shift=4,align=off,sleep=on");
	ALLOWED("-icount", "auto");
	ALLOWED("-rtc", "base=2020-01-01T00:00:00,clock=vm,driftfix=none");
	ALLOWED("-name", "myguest,debug-threads=on");
	ALLOWED("-msg", "timestamp=on");
	ALLOWED("-trace", "gicv3_*");
	ALLOWED("-trace", "enable=smmuv3_*");
	ALLOWED("-accel", "tcg,thread=single");
	ALLOWED("-singlestep");
	REFUSED("-icount shift=1,rr=record,rrfile=/tmp/r", "'rr' records or replays", "-icount",
	    "shift=1,rr=record,rrfile=/tmp/r");
	REFUSED("-icount rrfile=/tmp/r", "'rrfile' names a host file", "-icount", "rrfile=/tmp/r");
	REFUSED("-rtc utc", "'utc' is not on the allow-list", "-rtc", "utc");
	REFUSED("-trace events=/etc/x", "'events' reads a host file", "-trace", "events=/etc/x");
	REFUSED("-trace enable=x,file=/tmp/t", "'file' writes a host file", "-trace",
	    "enable=x,file=/tmp/t");
	REFUSED("-accel kvm", "only tcg", "-accel", "kvm");
	REFUSED("-accel tcg,tb-size=4096", "'tb-size'", "-accel", "tcg,tb-size=4096");
}

static void
test_devices_without_a_host_backend(void)
{
	ALLOWED("-device", "virtio-rng-pci");
	ALLOWED("-device", "edu,id=edu0");
	ALLOWED("-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1", "-device",
	    "e1000e,bus=rp1,romfile=");
	ALLOWED("-device", "virtio-net-pci-non-transitional,mac=52:54:00:12:34:56");
	ALLOWED("-device", "virtio-iommu-pci", "-device", "pci-testdev");
	ALLOWED("--device", "qemu-xhci", "-device", "usb-kbd");
	REFUSED("-device virtio-blk,drive=x", "not on the allow-list", "-device",
	    "virtio-blk,drive=x");
	REFUSED("-device virtio-net-pci,netdev=n0", "'netdev' connects", "-device",
	    "virtio-net-pci,netdev=n0");
	REFUSED("-device virtio-rng-pci,rng=r0", "'rng'", "-device", "virtio-rng-pci,rng=r0");
	REFUSED("-device virtio-serial-pci,chardev=c", "'chardev'", "-device",
	    "virtio-serial-pci,chardev=c");
	REFUSED("-device e1000,romfile=/etc/shadow", "'romfile' loads a host file", "-device",
	    "e1000,romfile=/etc/shadow");
	REFUSED("-device edu,x=/etc", "looks like a host path", "-device", "edu,x=/etc");
	REFUSED("-device vhost-vsock-pci,guest-cid=3", "'vhost-vsock-pci'", "-device",
	    "vhost-vsock-pci,guest-cid=3");
	REFUSED("-device vfio-pci,host=01:00.0", "'vfio-pci'", "-device", "vfio-pci,host=01:00.0");
	REFUSED("-device virtio-9p-pci,fsdev=f", "'virtio-9p-pci'", "-device",
	    "virtio-9p-pci,fsdev=f");
	REFUSED("-device usb-host,hostbus=1", "'usb-host'", "-device", "usb-host,hostbus=1");
	REFUSED("-device loader,file=/etc/shadow,addr=0x40000000", "'loader'", "-device",
	    "loader,file=/etc/shadow,addr=0x40000000");
	REFUSED("-device guest-loader,kernel=/x", "'guest-loader'", "-device",
	    "guest-loader,kernel=/x");
	REFUSED("-device {\"driver\":\"virtio-blk\"", "not JSON", "-device",
	    "{\"driver\":\"virtio-blk\",\"drive\":\"x\"}");
	REFUSED("-device help", "'help' is not on the allow-list", "-device", "help");
}

/* Every option the brief of the policy names as naming a host file,
 * device, socket or program, in both spellings. */
static void
test_host_facing_options_are_refused(void)
{
	REFUSED("-drive", "attaches a host file as a disk", "-drive", "file=/etc/shadow");
	REFUSED("--drive", "attaches a host file", "--drive", "file=/etc/shadow");
	REFUSED("-blockdev", "disk", "-blockdev", "driver=file,filename=/x,node-name=d");
	REFUSED("-hda", "disk", "-hda", "/x");
	REFUSED("-cdrom", "disk", "-cdrom", "/x");
	REFUSED("-pflash", "disk", "-pflash", "/x");
	REFUSED("-chardev", "socket or terminal", "-chardev", "socket,id=c,path=/x");
	REFUSED("-serial", "socket", "-serial", "file:/tmp/x");
	REFUSED("-monitor", "socket", "-monitor", "unix:/tmp/m,server");
	REFUSED("-qmp", "socket", "-qmp", "tcp:0:4444,server");
	REFUSED("-mon", "socket", "-mon", "chardev=c");
	REFUSED("-gdb", "debug_port", "-gdb", "tcp::1234");
	REFUSED("-s", "debug_port", "-s");
	REFUSED("-netdev", "host networking", "-netdev", "user,id=n,hostfwd=tcp::2222-:22");
	REFUSED("-nic", "host networking", "-nic", "user,hostfwd=tcp::22-:22");
	REFUSED("-net", "host networking", "-net", "user");
	REFUSED("-object", "host backends", "-object", "memory-backend-file,id=m,mem-path=/x");
	REFUSED("-plugin", "shared library", "-plugin", "/tmp/evil.so");
	REFUSED("-L", "host directory", "-L", "/tmp");
	REFUSED("-bios", "loads a host file", "-bios", "/etc/shadow");
	REFUSED("-kernel", "job's kernel", "-kernel", "/boot/vmlinuz");
	REFUSED("-initrd", "initrd", "-initrd", "/x");
	REFUSED("-append", "job's append", "-append", "init=/bin/sh");
	REFUSED("-dtb", "loads a host file", "-dtb", "/x.dtb");
	REFUSED("-readconfig", "reads options from a host file", "-readconfig", "/x");
	REFUSED("-writeconfig", "writes a host file", "-writeconfig", "/x");
	REFUSED("-pidfile", "writes a host file", "-pidfile", "/x");
	REFUSED("-daemonize", "pkvmd decides", "-daemonize");
	REFUSED("-runas", "pkvmd decides", "-runas", "root");
	REFUSED("-chroot", "pkvmd decides", "-chroot", "/");
	REFUSED("-sandbox", "pkvmd decides", "-sandbox", "off");
	REFUSED("-fsdev", "host directory", "-fsdev", "local,id=f,path=/");
	REFUSED("-virtfs", "host directory", "-virtfs", "local,path=/,mount_tag=r");
	REFUSED("-add-fd", "file descriptor", "-add-fd", "fd=3,set=1");
	REFUSED("-incoming", "guest state", "-incoming", "tcp:0:4444");
	REFUSED("-loadvm", "guest state", "-loadvm", "snap");
	REFUSED("-overcommit", "host memory", "-overcommit", "mem-lock=on");
	REFUSED("-mem-path", "host file", "-mem-path", "/dev/hugepages");
	REFUSED("-semihosting", "host file and console access", "-semihosting");
	REFUSED("-semihosting-config", "host file", "-semihosting-config", "enable=on");
	REFUSED("-fw_cfg", "loads a host file", "-fw_cfg", "name=opt/x,file=/etc/shadow");
	REFUSED("-global", "give them on -device", "-global", "e1000.romfile=/etc/shadow");
	REFUSED("-vnc", "display", "-vnc", ":0");
	REFUSED("-enable-kvm", "/dev/kvm", "-enable-kvm");
	REFUSED("-S", "-S is not on the allow-list", "-S");
}

static void
test_qemu_command_line_syntax(void)
{
	/* A bare argument is a disk image to qemu. */
	REFUSED("/etc/shadow", "host disk image", "/etc/shadow");
	REFUSED("", "host disk image", "");
	/* qemu has no -opt=value; it would reject it, but say so here. */
	REFUSED("-smp=4", "no -option=value", "-smp=4");
	REFUSED("--drive=file=/x", "no -option=value", "--drive=file=/x");
	/* A value is the next argument whatever it looks like: the -d value
	 * "-drive" is a (bad) log item, not an option. */
	REFUSED("-d -drive", "unknown log item '-drive'", "-d", "-drive");
	/* ...so an option's value cannot hide one: the -name value is a
	 * name, and the -drive after it is seen. */
	REFUSED("-drive", "disk", "-name", "-drive", "-drive", "file=/x");
	REFUSED("-smp", "-smp needs a value", "-smp");
	REFUSED("---drive", "is not on the allow-list", "---drive", "file=/x");
	REFUSED("--", "is not on the allow-list", "--");
	/* The first refused argument is named, after allowed ones. */
	REFUSED("-plugin", "shared library", "-smp", "2", "-d", "int", "-plugin", "x.so");
}

static void
test_long_arguments_are_quoted_short(void)
{
	struct job_json_error e;
	char dev[300];

	memset(dev, 'a', sizeof(dev) - 1);
	dev[sizeof(dev) - 1] = '\0';
	memcpy(dev, "edu,id=", 7);
	memcpy(dev + 200, ",chardev=c", 10);
	CHECK_INT(check_args(&e, "-device", dev, NULL), -EINVAL);
	CHECK(strstr(e.message, "...'") != NULL);
	CHECK(strstr(e.message, "'chardev'") != NULL);
}

int
main(void)
{
	RUN(test_no_arguments_pass);
	RUN(test_cpu_count_and_topology_within_the_job);
	RUN(test_memory_within_the_job);
	RUN(test_cpu_models_and_features);
	RUN(test_machine_properties_that_stay_in_the_guest);
	RUN(test_property_escaping_is_read_as_qemu_reads_it);
	RUN(test_log_items_but_not_the_log_file);
	RUN(test_clocks_names_and_messages);
	RUN(test_devices_without_a_host_backend);
	RUN(test_host_facing_options_are_refused);
	RUN(test_qemu_command_line_syntax);
	RUN(test_long_arguments_are_quoted_short);
	return UNIT_DONE();
}
