/*
 * qemu-policy.c -- the allow-list of qemu arguments for non-admin jobs.
 *
 * pkvmd appends a job's qemu_args to the command line it builds, so on a
 * shared server they are the one place where a user could make qemu -- a
 * process running as pkvmd (or --qemu-user) -- read, write or connect to
 * something on the host: -drive file=/etc/shadow, -chardev socket,...,
 * -D ~pkvmd/.bashrc, -machine dumpdtb=FILE, -device loader,file=FILE,
 * -plugin a.so, -semihosting.  This file decides, without any I/O, whether
 * a job's arguments stay inside the emulated machine.
 *
 * The arguments are read the way qemu reads its command line (vl.c): an
 * argument that starts with '-' is an option, "--opt" is "-opt", an option
 * that takes a value takes the next argument whatever it looks like, there
 * is no "-opt=value" form, and an argument that is not an option is a disk
 * image file.  Values are comma-separated properties as QemuOpts and keyval
 * read them: "key=value", ",," for a comma inside a value, a first element
 * without '=' is the option's implied key (-device DRIVER, -machine TYPE),
 * a later bare "flag" is flag=on and "noflag" flag=off.
 *
 * Only the options in option_rules below are allowed, each with a check of
 * its value that allows what it knows and refuses the rest; every other
 * option is refused, with the reason when it is a known danger.  The first
 * refusal ends the check and names the argument.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job/qemu-policy.h"

/* How much of a refused argument the error message quotes. */
#define QUOTE_MAX_CHARS 60

struct policy {
	const struct job *j;
	struct job_json_error *e;
	const char *opt; /* the option as given ("--device") */
	const char *value; /* its value, NULL when it takes none */
	const char *name; /* the option without its dashes ("device") */
};

/* One property of an option's value. */
struct prop {
	char key[64];
	const char *value; /* unescaped; "on"/"off" for a flag */
	bool implied; /* a first element without '=': the implied key's value */
};

/* Walks the properties of one value; BUF holds the current value. */
struct props {
	const char *p;
	const char *implied; /* key of a first element without '=', or NULL */
	bool first;
	char *buf;
};

static int refuse(struct policy *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fill *E: "qemu argument '-opt value': why". */
static int
refuse(struct policy *pc, const char *fmt, ...)
{
	char why[192], arg[QUOTE_MAX_CHARS + 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(arg, sizeof(arg), "%s%s%s", pc->opt, pc->value ? " " : "",
	    pc->value ? pc->value : "");
	if (strlen(arg) > QUOTE_MAX_CHARS)
		memcpy(arg + QUOTE_MAX_CHARS - 3, "...", 4);
	pc->e->code = "invalid_field";
	snprintf(pc->e->field, sizeof(pc->e->field), "qemu_args");
	snprintf(pc->e->message, sizeof(pc->e->message), "qemu argument '%s' is refused: %s", arg,
	    why);
	return -EINVAL;
}

/* The next property into *PR: 1, 0 at the end, or -ENAMETOOLONG. */
static int
props_next(struct props *it, struct prop *pr)
{
	const char *p = it->p;
	size_t len = strcspn(p, "=,");
	char *v = it->buf;

	if (*p == '\0')
		return 0;
	pr->implied = false;
	if (p[len] != '=' && it->first && it->implied != NULL) {
		snprintf(pr->key, sizeof(pr->key), "%s", it->implied);
		pr->implied = true;
	} else {
		if (len >= sizeof(pr->key))
			return -ENAMETOOLONG;
		memcpy(pr->key, p, len);
		pr->key[len] = '\0';
		p += len;
		it->first = false;
		if (*p != '=') {
			/* A flag: "foo" is foo=on, and QemuOpts still reads
			 * the old "nofoo" as foo=off. */
			pr->value = "on";
			if (strncmp(pr->key, "no", 2) == 0 && pr->key[2] != '\0') {
				memmove(pr->key, pr->key + 2, len - 1);
				pr->value = "off";
			}
			it->p = *p == ',' ? p + 1 : p;
			return 1;
		}
		p++;
	}
	it->first = false;
	/* The value runs to a single comma; ",," is a comma in it. */
	while (*p != '\0') {
		if (*p == ',' && *++p != ',')
			break;
		*v++ = *p++;
	}
	*v = '\0';
	pr->value = it->buf;
	it->p = p;
	return 1;
}

/* Call FN for each property of the option's value; stops at the first
 * refusal. */
static int
walk_props(struct policy *pc, const char *implied,
    int (*fn)(struct policy *pc, const struct prop *pr))
{
	struct props it = { .p = pc->value, .implied = implied, .first = true };
	struct prop pr;
	int rc;

	it.buf = malloc(strlen(pc->value) + 1);
	if (it.buf == NULL)
		return -ENOMEM;
	while ((rc = props_next(&it, &pr)) > 0) {
		if (pr.key[0] == '\0')
			rc = refuse(pc, "an empty property name");
		else
			rc = fn(pc, &pr);
		if (rc < 0)
			break;
	}
	if (rc == -ENAMETOOLONG)
		rc = refuse(pc, "a property name longer than %zu characters", sizeof(pr.key) - 1);
	free(it.buf);
	return rc;
}

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* A known dangerous key or name and why it is refused. */
struct refusal {
	const char *name;
	const char *why;
};

static const char *
refusal_find(const struct refusal *r, const char *name)
{
	for (; r->name != NULL; r++)
		if (strcmp(r->name, name) == 0)
			return r->why;
	return NULL;
}

/* A property outside the option's allow-list: the known reason, else a
 * plain "not allowed". */
static int
refuse_key(struct policy *pc, const struct refusal *known, const struct prop *pr)
{
	const char *why = known != NULL ? refusal_find(known, pr->key) : NULL;

	if (why != NULL)
		return refuse(pc, "-%s property '%s' %s", pc->name, pr->key, why);
	return refuse(pc, "-%s property '%s' is not on the allow-list", pc->name, pr->key);
}

/* A decimal number in [0, 2^31) into *N; false otherwise. */
static bool
decimal(const char *s, long long *n)
{
	size_t len = strspn(s, "0123456789");

	if (len == 0 || len > 9 || s[len] != '\0')
		return false;
	*n = atoll(s);
	return true;
}

/* ---- -smp: the job's CPU count, any topology ---- */

static int
smp_prop(struct policy *pc, const struct prop *pr)
{
	static const char *const keys[] = { "cpus", "sockets", "dies", "clusters", "cores",
		"threads", "maxcpus", NULL };
	long long n;

	if (!in_list(pr->key, keys))
		return refuse_key(pc, NULL, pr);
	if (!decimal(pr->value, &n))
		return refuse(pc, "-smp %s must be a decimal number", pr->key);
	/* The scheduler gave the job smp CPU slots; more vCPUs than that
	 * would take other jobs' share. */
	if ((strcmp(pr->key, "cpus") == 0 || strcmp(pr->key, "maxcpus") == 0) && n > pc->j->smp)
		return refuse(pc,
		    "%lld CPUs is more than the job's smp (%d): set smp (pkvmctl submit --smp)", n,
		    pc->j->smp);
	return 0;
}

static int
check_smp(struct policy *pc)
{
	/* Without a count qemu derives it from the topology: ask for it
	 * first, so the check above sees it. */
	if (strcspn(pc->value, "=,") == 0 || pc->value[strcspn(pc->value, "=,")] == '=')
		if (strncmp(pc->value, "cpus=", 5) != 0)
			return refuse(pc,
			    "-smp needs the CPU count first (-smp 4,sockets=2,cores=2)");
	return walk_props(pc, "cpus", smp_prop);
}

/* ---- -m: at most the job's memory ---- */

static int
mem_prop(struct policy *pc, const struct prop *pr)
{
	static const struct refusal known[] = {
		{ "slots", "is memory hotplug, which needs a host memory backend" },
		{ "maxmem", "is memory hotplug, which needs a host memory backend" },
		{ NULL, NULL },
	};
	const char *s = pr->value;
	size_t len = strspn(s, "0123456789");
	long long n, mb;

	if (strcmp(pr->key, "size") != 0)
		return refuse_key(pc, known, pr);
	/* qemu reads a bare number as MiB and takes K, M, G, T suffixes. */
	if (len == 0 || len > 9 ||
	    (s[len] != '\0' && (strchr("kKmMgGtT", s[len]) == NULL || s[len + 1] != '\0')))
		return refuse(pc, "give -m as a whole number of MB, or with a K, M, G or T suffix");
	n = atoll(s);
	switch (s[len]) {
	case 'k':
	case 'K':
		mb = (n + 1023) / 1024;
		break;
	case 'g':
	case 'G':
		mb = n * 1024;
		break;
	case 't':
	case 'T':
		mb = n * 1024 * 1024;
		break;
	default:
		mb = n;
	}
	if (mb > pc->j->mem_mb)
		return refuse(pc,
		    "%lld MB is more than the job's mem (%d MB): set mem "
		    "(pkvmctl submit --mem)",
		    mb, pc->j->mem_mb);
	return 0;
}

static int
check_mem(struct policy *pc)
{
	return walk_props(pc, "size", mem_prop);
}

/* ---- -cpu: any model, any feature ---- */

static int
check_cpu(struct policy *pc)
{
	/* CPU models and their properties (sve=on, pauth-impdef=on, pmu=off)
	 * describe the emulated CPU only. */
	size_t model = strcspn(pc->value, ",");

	if (model == 0 ||
	    strspn(pc->value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") <
		model)
		return refuse(pc, "not a CPU model name");
	return 0;
}

/* ---- -machine / -M: the virt board and its guest-side properties ---- */

static int
machine_prop(struct policy *pc, const struct prop *pr)
{
	static const char *const keys[] = { "virtualization", "gic-version", "secure", "highmem",
		"highmem-ecam", "highmem-mmio", "highmem-redists", "compact-highmem", "its",
		"iommu", "ras", "mte", "acpi", "dtb-randomness", "dtb-kaslr-seed",
		"default-bus-bypass-iommu", "usb", "graphics", NULL };
	static const struct refusal known[] = {
		{ "dumpdtb", "writes a host file" },
		{ "dtb", "loads a host file" },
		{ "firmware", "loads a host file" },
		{ "kernel", "loads a host file (pkvmd sets the kernel)" },
		{ "initrd", "loads a host file (pkvmd sets the initrd)" },
		{ "append", "overrides the kernel command line (use the job's append)" },
		{ "accel", "can use a host device (/dev/kvm); -accel tcg is allowed" },
		{ "memory-backend", "names a host memory backend" },
		{ "confidential-guest-support", "names a backend object" },
		{ "memory-encryption", "names a backend object" },
		{ "pflash0", "names a host block device" },
		{ "pflash1", "names a host block device" },
		{ "dump-guest-core", "changes what qemu writes to host core dumps" },
		{ NULL, NULL },
	};
	const char *type = pr->value;

	if (strcmp(pr->key, "type") == 0) {
		/* pkvmd's boot, console and pKVM mode assume the virt board;
		 * a versioned one (virt-7.2) keeps a machine stable. */
		if (strcmp(type, "virt") == 0 ||
		    (strncmp(type, "virt-", 5) == 0 && type[5] != '\0' &&
			strspn(type + 5, "0123456789.") == strlen(type + 5)))
			return 0;
		return refuse(pc, "machine type '%.32s': only virt and virt-X.Y", type);
	}
	if (strncmp(pr->key, "smp.", 4) == 0 || strncmp(pr->key, "memory.", 7) == 0)
		return refuse(pc, "set CPUs and memory with -smp and -m");
	if (!in_list(pr->key, keys))
		return refuse_key(pc, known, pr);
	return 0;
}

static int
check_machine(struct policy *pc)
{
	return walk_props(pc, "type", machine_prop);
}

/* ---- -accel: TCG only ---- */

static int
accel_prop(struct policy *pc, const struct prop *pr)
{
	static const char *const keys[] = { "thread", "one-insn-per-tb", "split-wx", NULL };
	static const struct refusal known[] = {
		{ "tb-size", "sizes qemu's host-side code cache" },
		{ NULL, NULL },
	};

	if (strcmp(pr->key, "accel") == 0)
		return strcmp(pr->value, "tcg") == 0
		    ? 0
		    : refuse(pc, "accelerator '%.32s': only tcg (others use host devices)",
			  pr->value);
	return in_list(pr->key, keys) ? 0 : refuse_key(pc, known, pr);
}

static int
check_accel(struct policy *pc)
{
	return walk_props(pc, "accel", accel_prop);
}

/* ---- -d: log items, to qemu.log ---- */

static int
check_log(struct policy *pc)
{
	static const char *const items[] = { "int", "guest_errors", "unimp", "mmu", "cpu_reset",
		"page", "pcall", "strace", "nochain", "plugin", "invalid_mem", "help", NULL };
	static const char *const per_block[] = { "in_asm", "out_asm", "op", "op_opt", "op_ind",
		"op_plugin", "exec", "cpu", "fpu", NULL };
	const char *p = pc->value;
	char item[64];

	/* qemu splits the list at every comma, without escapes. */
	while (*p != '\0') {
		size_t len = strcspn(p, ",");

		if (len >= sizeof(item))
			return refuse(pc, "a log item longer than %zu characters",
			    sizeof(item) - 1);
		memcpy(item, p, len);
		item[len] = '\0';
		p += len + (p[len] == ',');
		if (len == 0 || in_list(item, items) || strncmp(item, "trace:", 6) == 0)
			continue;
		/* These log every translated block or instruction: qemu.log,
		 * which nothing caps, would fill the server's disk. */
		if (in_list(item, per_block))
			return refuse(pc,
			    "log item '%s' logs every block or instruction: too much "
			    "for a shared server",
			    item);
		return refuse(pc, "unknown log item '%.32s' (-d help lists them)", item);
	}
	return 0;
}

/* ---- -dfilter: address ranges for -d ---- */

static int
check_dfilter(struct policy *pc)
{
	if (strspn(pc->value, "0123456789abcdefABCDEFxX.+-,") != strlen(pc->value))
		return refuse(pc, "give address ranges: 0x1000..0x2fff,0x8000+0x100");
	return 0;
}

/* ---- options whose properties are a fixed list ---- */

static int
icount_prop(struct policy *pc, const struct prop *pr)
{
	static const char *const keys[] = { "shift", "align", "sleep", NULL };
	static const struct refusal known[] = {
		{ "rr", "records or replays through a host file" },
		{ "rrfile", "names a host file" },
		{ "rrsnapshot", "writes or loads a host snapshot" },
		{ NULL, NULL },
	};

	return in_list(pr->key, keys) ? 0 : refuse_key(pc, known, pr);
}

static int
check_icount(struct policy *pc)
{
	return walk_props(pc, "shift", icount_prop);
}

static int
rtc_prop(struct policy *pc, const struct prop *pr)
{
	static const char *const keys[] = { "base", "clock", "driftfix", NULL };

	return in_list(pr->key, keys) ? 0 : refuse_key(pc, NULL, pr);
}

static int
check_rtc(struct policy *pc)
{
	return walk_props(pc, NULL, rtc_prop);
}

static int
trace_prop(struct policy *pc, const struct prop *pr)
{
	static const struct refusal known[] = {
		{ "events", "reads a host file" },
		{ "file", "writes a host file" },
		{ NULL, NULL },
	};

	return strcmp(pr->key, "enable") == 0 ? 0 : refuse_key(pc, known, pr);
}

static int
check_trace(struct policy *pc)
{
	return walk_props(pc, "enable", trace_prop);
}

static int
name_prop(struct policy *pc, const struct prop *pr)
{
	static const char *const keys[] = { "guest", "process", "debug-threads", NULL };

	return in_list(pr->key, keys) ? 0 : refuse_key(pc, NULL, pr);
}

static int
check_name(struct policy *pc)
{
	return walk_props(pc, "guest", name_prop);
}

static int
msg_prop(struct policy *pc, const struct prop *pr)
{
	static const char *const keys[] = { "timestamp", "guest-name", NULL };

	return in_list(pr->key, keys) ? 0 : refuse_key(pc, NULL, pr);
}

static int
check_msg(struct policy *pc)
{
	return walk_props(pc, NULL, msg_prop);
}

/* ---- -device: models without a host backend ---- */

/* Device models that need nothing on the host: buses and bridges,
 * controllers without their disks, NICs without a netdev, input, display
 * without a window, test and debug devices.  The virtio ones also come
 * as -pci, -device, -pci-transitional and -pci-non-transitional. */
static const char *const device_models[] = { "pcie-root-port", "pci-bridge", "pcie-pci-bridge",
	"ioh3420", "x3130-upstream", "xio3130-downstream", "pxb-pcie", "usb-hub", "qemu-xhci",
	"nec-usb-xhci", "usb-ehci", "pci-ohci", "usb-kbd", "usb-mouse", "usb-tablet", "ich9-ahci",
	"ahci", "lsi53c895a", "lsi", "megasas", "megasas-gen2", "sdhci-pci", "e1000", "e1000e",
	"rtl8139", "bochs-display", "edu", "pci-testdev", "pvpanic-pci", "vmcoreinfo", "i6300esb",
	NULL };
static const char *const virtio_models[] = { "virtio-net", "virtio-scsi", "virtio-rng",
	"virtio-balloon", "virtio-iommu", "virtio-keyboard", "virtio-mouse", "virtio-tablet",
	"virtio-gpu", "virtio-serial", NULL };

static bool
device_model_allowed(const char *model)
{
	static const char *const suffixes[] = { "", "-pci", "-device", "-pci-transitional",
		"-pci-non-transitional", NULL };

	if (in_list(model, device_models))
		return true;
	for (const char *const *v = virtio_models; *v != NULL; v++) {
		size_t len = strlen(*v);

		if (strncmp(model, *v, len) == 0 && in_list(model + len, suffixes))
			return true;
	}
	return false;
}

static int
device_prop(struct policy *pc, const struct prop *pr)
{
	/* Properties that connect a device to the host, whatever the model:
	 * refused even on an allowed one, in case a later qemu gives it
	 * such a property. */
	static const struct refusal known[] = {
		{ "chardev", "connects the device to a host character device" },
		{ "netdev", "connects the device to host networking (use the job's net)" },
		{ "drive", "connects the device to a host disk" },
		{ "fsdev", "shares a host directory" },
		{ "rng", "names a host entropy backend" },
		{ "memdev", "names a host memory backend" },
		{ "audiodev", "connects to host audio" },
		{ "tpmdev", "connects to a host TPM" },
		{ "cryptodev", "names a host crypto backend" },
		{ "iothread", "names a host I/O thread object" },
		{ "canbus", "names a host CAN bus" },
		{ "file", "names a host file" },
		{ "filename", "names a host file" },
		{ "path", "names a host file" },
		{ "fd", "hands over a host file descriptor" },
		{ "vhostfd", "hands over a host file descriptor" },
		{ "vhostfds", "hands over host file descriptors" },
		{ "vhost", "uses a host vhost device" },
		{ "vhostforce", "uses a host vhost device" },
		{ "vhostdev", "names a host device" },
		{ "host", "names a host device" },
		{ "hostbus", "names a host device" },
		{ "hostaddr", "names a host device" },
		{ "hostport", "names a host device" },
		{ "hostdevice", "names a host device" },
		{ "sysfsdev", "names a host device" },
		{ "evdev", "names a host device" },
		{ "rootdir", "shares a host directory" },
		{ NULL, NULL },
	};
	const char *why;

	if (strcmp(pr->key, "driver") == 0) {
		if (pr->value[0] != '\0' && device_model_allowed(pr->value))
			return 0;
		return refuse(pc, "device model '%.40s' is not on the allow-list", pr->value);
	}
	if ((why = refusal_find(known, pr->key)) != NULL)
		return refuse(pc, "-device property '%s' %s", pr->key, why);
	/* A ROM image is a host file; romfile= (none) is what pkvmd passes. */
	if (strcmp(pr->key, "romfile") == 0 && pr->value[0] != '\0')
		return refuse(pc,
		    "-device property 'romfile' loads a host file (romfile= is allowed)");
	if (strchr(pr->value, '/') != NULL)
		return refuse(pc, "-device property '%s' looks like a host path", pr->key);
	return 0;
}

static int
check_device(struct policy *pc)
{
	if (pc->value[0] == '{')
		return refuse(pc, "give -device as DRIVER,PROP=VALUE, not JSON");
	return walk_props(pc, "driver", device_prop);
}

/* ---- the options ---- */

struct option_rule {
	const char *name; /* without its leading dash */
	bool has_value;
	int (*check)(struct policy *pc); /* NULL: refused, for WHY */
	const char *why;
};

#define HOST_FILE_DISK "attaches a host file as a disk"
#define HOST_FILE_LOAD "loads a host file into the guest"
#define HOST_FILE_WRITE "writes a host file"
#define HOST_CONNECT "connects qemu or the guest to a host file, socket or terminal"
#define PKVMD_DECIDES "changes how qemu runs on the host, which pkvmd decides"

static const struct option_rule option_rules[] = {
	{ "smp", true, check_smp, NULL },
	{ "m", true, check_mem, NULL },
	{ "cpu", true, check_cpu, NULL },
	{ "machine", true, check_machine, NULL },
	{ "M", true, check_machine, NULL },
	{ "accel", true, check_accel, NULL },
	{ "d", true, check_log, NULL },
	{ "dfilter", true, check_dfilter, NULL },
	{ "icount", true, check_icount, NULL },
	{ "rtc", true, check_rtc, NULL },
	{ "device", true, check_device, NULL },
	{ "trace", true, check_trace, NULL },
	{ "name", true, check_name, NULL },
	{ "msg", true, check_msg, NULL },
	{ "singlestep", false, NULL, NULL },
	{ "one-insn-per-tb", false, NULL, NULL },

	{ "drive", true, NULL, HOST_FILE_DISK },
	{ "blockdev", true, NULL, HOST_FILE_DISK },
	{ "hda", true, NULL, HOST_FILE_DISK },
	{ "hdb", true, NULL, HOST_FILE_DISK },
	{ "hdc", true, NULL, HOST_FILE_DISK },
	{ "hdd", true, NULL, HOST_FILE_DISK },
	{ "cdrom", true, NULL, HOST_FILE_DISK },
	{ "fda", true, NULL, HOST_FILE_DISK },
	{ "fdb", true, NULL, HOST_FILE_DISK },
	{ "sd", true, NULL, HOST_FILE_DISK },
	{ "mtdblock", true, NULL, HOST_FILE_DISK },
	{ "pflash", true, NULL, HOST_FILE_DISK },
	{ "snapshot", false, NULL, "changes how host disk files are written" },
	{ "bios", true, NULL, HOST_FILE_LOAD },
	{ "L", true, NULL, "makes qemu load its ROMs and firmware from a host directory" },
	{ "option-rom", true, NULL, HOST_FILE_LOAD },
	{ "dtb", true, NULL, HOST_FILE_LOAD },
	{ "acpitable", true, NULL, HOST_FILE_LOAD },
	{ "smbios", true, NULL, HOST_FILE_LOAD },
	{ "fw_cfg", true, NULL, HOST_FILE_LOAD },
	{ "kernel", true, NULL, "loads a host file (pkvmd boots the job's kernel)" },
	{ "initrd", true, NULL, "loads a host file (pkvmd builds the initrd)" },
	{ "append", true, NULL, "overrides the kernel command line (use the job's append)" },
	{ "D", true, NULL, HOST_FILE_WRITE " (-d logs go to the job's qemu.log)" },
	{ "pidfile", true, NULL, HOST_FILE_WRITE },
	{ "writeconfig", true, NULL, HOST_FILE_WRITE },
	{ "readconfig", true, NULL, "reads options from a host file" },
	{ "plugin", true, NULL, "loads a host shared library into qemu" },
	{ "chardev", true, NULL, HOST_CONNECT },
	{ "serial", true, NULL, HOST_CONNECT },
	{ "parallel", true, NULL, HOST_CONNECT },
	{ "monitor", true, NULL, HOST_CONNECT },
	{ "qmp", true, NULL, HOST_CONNECT },
	{ "qmp-pretty", true, NULL, HOST_CONNECT },
	{ "mon", true, NULL, HOST_CONNECT },
	{ "debugcon", true, NULL, HOST_CONNECT },
	{ "qtest", true, NULL, HOST_CONNECT },
	{ "gdb", true, NULL, "opens a host socket (use the job's debug_port: submit --debug)" },
	{ "s", false, NULL, "opens a host socket (use the job's debug_port: submit --debug)" },
	{ "netdev", true, NULL, "connects the guest to host networking (use the job's net)" },
	{ "nic", true, NULL, "connects the guest to host networking (use the job's net)" },
	{ "net", true, NULL, "connects the guest to host networking (use the job's net)" },
	{ "object", true, NULL, "creates host backends (memory files, sockets, secrets)" },
	{ "fsdev", true, NULL, "shares a host directory" },
	{ "virtfs", true, NULL, "shares a host directory" },
	{ "add-fd", true, NULL, "hands qemu a host file descriptor" },
	{ "incoming", true, NULL, "loads guest state from a host file or socket" },
	{ "loadvm", true, NULL, "loads guest state from a host disk" },
	{ "semihosting", false, NULL, "gives the guest host file and console access" },
	{ "semihosting-config", true, NULL, "gives the guest host file and console access" },
	{ "daemonize", false, NULL, PKVMD_DECIDES },
	{ "runas", true, NULL, PKVMD_DECIDES },
	{ "run-with", true, NULL, PKVMD_DECIDES },
	{ "chroot", true, NULL, PKVMD_DECIDES },
	{ "sandbox", true, NULL, PKVMD_DECIDES },
	{ "overcommit", true, NULL, "changes how qemu uses host memory and CPUs" },
	{ "mem-path", true, NULL, "backs guest memory with a host file" },
	{ "mem-prealloc", false, NULL, "changes how qemu uses host memory" },
	{ "enable-kvm", false, NULL, "uses a host device (/dev/kvm)" },
	{ "vnc", true, NULL, "opens a host display socket" },
	{ "spice", true, NULL, "opens a host display socket" },
	{ "display", true, NULL, "opens a host display" },
	{ "audiodev", true, NULL, "connects to host audio" },
	{ "audio", true, NULL, "connects to host audio" },
	{ "tpmdev", true, NULL, "connects to a host TPM" },
	{ "usbdevice", true, NULL, "can attach host USB devices" },
	{ "global", true, NULL,
	    "sets device properties, host backends too (give them on -device)" },
	{ "set", true, NULL, "sets any option's properties, host files too" },
	{ NULL, false, NULL, NULL },
};

static const struct option_rule *
option_find(const char *name)
{
	for (const struct option_rule *r = option_rules; r->name != NULL; r++)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

int
job_qemu_args_check(const struct job *j, struct job_json_error *e)
{
	struct policy pc = { .j = j, .e = e };
	const struct option_rule *r;
	int err;

	for (size_t i = 0; i < j->nqemu_args; i++) {
		const char *a = j->qemu_args[i];

		pc.opt = a;
		pc.value = NULL;
		/* qemu takes any argument that is not an option as the file
		 * of a disk image. */
		if (a[0] != '-')
			return refuse(&pc,
			    "qemu reads an argument that is not an option as a "
			    "host disk image");
		/* qemu reads "--opt" as "-opt", and knows no "-opt=value". */
		pc.name = a + 1 + (a[1] == '-');
		if (strchr(pc.name, '=') != NULL)
			return refuse(&pc,
			    "qemu takes no -option=value: give the value as the next "
			    "argument");
		r = option_find(pc.name);
		if (r == NULL)
			return refuse(&pc, "-%.32s is not on the allow-list", pc.name);
		if (r->check == NULL && r->why != NULL) {
			/* Quote the value too: it often shows the danger. */
			if (r->has_value && i + 1 < j->nqemu_args)
				pc.value = j->qemu_args[i + 1];
			return refuse(&pc, "-%s %s", pc.name, r->why);
		}
		if (!r->has_value)
			continue;
		if (i + 1 >= j->nqemu_args)
			return refuse(&pc, "-%s needs a value", pc.name);
		pc.value = j->qemu_args[++i];
		if ((err = r->check(&pc)) < 0)
			return err;
	}
	return 0;
}
