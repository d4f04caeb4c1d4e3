/*
 * cmd-submit.c -- pkvmctl submit: upload a kernel and tests, queue a job.
 *
 * Two spellings work: pkvmctl's own (`submit Image --smp 8 --exe t`) and
 * the pKVM tester's run-vm (`submit Image --no-cov -- --smp 8 -d int`),
 * where everything after "--" is for qemu.  The daemon builds -smp and -m
 * itself (it allocates CPU slots by smp), so "-smp N" / "--smp N" and
 * "-m N" after "--" are taken out of the qemu arguments and become the
 * job's smp and mem; the rest is sent as qemu_args.
 *
 * How tests run comes from --manifest FILE (common/manifest.c: each test's
 * arguments, environment and timeout, modules to load), and what else the
 * guest needs from --extra DIR (extra.c: a tree of files, directories and
 * symlinks under the guest's root).  Both are read after every option, so
 * the manifest can name executables given after it.
 *
 * Everything that can be checked locally is checked before the server is
 * contacted: the kernel is an arm64 Image or a gzip, a --vmlinux is a
 * 64-bit ELF file (the build's vmlinux, not its Image), every executable is a
 * readable regular file with a valid, unique name, the manifest parses and
 * names only those executables, the --extra tree holds only what the API
 * takes, numbers are in range, every ELF executable is an aarch64 one, and
 * a dynamically linked one comes with its loader and libraries from
 * --sysroot DIR (sysroot.c).  Then the files are hashed and the missing
 * ones uploaded (upload.c), the job is posted with only the fields the
 * user set, and its id printed alone on stdout so that
 * `id=$(pkvmctl submit ...)` works.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "elf-exe.h"
#include "coverage.h"
#include "disks.h"
#include "extra.h"
#include "junit.h"
#include "kernel-image.h"
#include "manifest.h"
#include "output.h"
#include "sysroot.h"
#include "payload-image.h"
#include "payloads.h"
#include "upload.h"
#include "wire.h"

/* Same limits as the daemon's job model (daemon/job.h). */
#define SUBMIT_PRIORITY_MIN (-100)
#define SUBMIT_PRIORITY_MAX 100
#define SUBMIT_SEED_MAX 64

enum {
	OPT_SMP = 256,
	OPT_MEM,
	OPT_EXE,
	OPT_EXE_DIR,
	OPT_APPEND,
	OPT_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_MAX_ATTEMPTS,
	OPT_UEFI,
	OPT_NET,
	OPT_CPU,
	OPT_SEED,
	OPT_PRIORITY,
	OPT_WAIT,
	OPT_JUNIT,
	OPT_JSON,
	OPT_MANIFEST,
	OPT_EXTRA,
	OPT_TEST_TIMEOUT,
	OPT_MODULE,
	OPT_FAIL_ON_WARN,
	OPT_INTERACTIVE,
	OPT_BUILD_DIR,
	OPT_GCOV_TOOL,
	OPT_COVERAGE_PATH,
	OPT_VMLINUX,
	OPT_DISK,
	OPT_ROOT,
	OPT_KEEP_DISK,
	OPT_STOP_ON_FAILURE,
	OPT_RETRY_FAILED,
	OPT_NEW_SEED,
	OPT_STRICT,
	OPT_WARM,
	OPT_STREAM,
	OPT_SYSROOT,
	OPT_PAYLOAD,
	OPT_PAYLOAD_CFG,
	OPT_PAYLOAD_GROUP,
};

static const struct cmd_option submit_options[] = {
	{ .key = OPT_SMP, .long_name = "smp", .has_arg = true },
	{ .key = OPT_MEM, .long_name = "mem", .has_arg = true },
	{ .key = OPT_EXE, .long_name = "exe", .has_arg = true },
	{ .key = OPT_EXE_DIR, .long_name = "exe-dir", .has_arg = true },
	{ .key = OPT_APPEND, .long_name = "append", .has_arg = true },
	{ .key = OPT_TIMEOUT, .long_name = "timeout", .has_arg = true },
	{ .key = OPT_IDLE_TIMEOUT, .long_name = "idle-timeout", .has_arg = true },
	{ .key = OPT_MAX_ATTEMPTS, .long_name = "max-attempts", .has_arg = true },
	{ .key = 'T', .long_name = "tag", .short_name = 'T', .has_arg = true },
	{ .key = 'd', .long_name = "debug", .short_name = 'd', .has_arg = true },
	{ .key = 'C', .long_name = "no-cov", .short_name = 'C' },
	{ .key = OPT_UEFI, .long_name = "uefi" },
	{ .key = OPT_NET, .long_name = "net", .has_arg = true },
	{ .key = OPT_CPU, .long_name = "cpu", .has_arg = true },
	{ .key = OPT_SEED, .long_name = "seed", .has_arg = true },
	{ .key = OPT_PRIORITY, .long_name = "priority", .has_arg = true },
	{ .key = OPT_WAIT, .long_name = "wait", .short_name = 'w' },
	{ .key = OPT_JUNIT, .long_name = "junit", .has_arg = true },
	{ .key = 'f', .long_name = "follow", .short_name = 'f' },
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = OPT_MANIFEST, .long_name = "manifest", .has_arg = true },
	{ .key = OPT_EXTRA, .long_name = "extra", .has_arg = true },
	{ .key = OPT_TEST_TIMEOUT, .long_name = "test-timeout", .has_arg = true },
	{ .key = OPT_MODULE, .long_name = "module", .has_arg = true },
	{ .key = OPT_FAIL_ON_WARN, .long_name = "fail-on-warn" },
	{ .key = OPT_INTERACTIVE, .long_name = "interactive" },
	{ .key = OPT_BUILD_DIR, .long_name = "build-dir", .has_arg = true },
	{ .key = OPT_GCOV_TOOL, .long_name = "gcov-tool", .has_arg = true },
	{ .key = OPT_COVERAGE_PATH, .long_name = "coverage-path", .has_arg = true },
	{ .key = OPT_VMLINUX, .long_name = "vmlinux", .has_arg = true },
	{ .key = OPT_DISK, .long_name = "disk", .has_arg = true },
	{ .key = OPT_ROOT, .long_name = "root", .has_arg = true },
	{ .key = OPT_KEEP_DISK, .long_name = "keep-disk" },
	{ .key = OPT_STOP_ON_FAILURE, .long_name = "stop-on-failure" },
	{ .key = OPT_RETRY_FAILED, .long_name = "retry-failed", .has_arg = true },
	{ .key = OPT_NEW_SEED, .long_name = "new-seed" },
	{ .key = OPT_STRICT, .long_name = "strict" },
	{ .key = OPT_WARM, .long_name = "warm" },
	{ .key = OPT_STREAM, .long_name = "stream", .has_arg = true },
	{ .key = OPT_SYSROOT, .long_name = "sysroot", .has_arg = true },
	{ .key = OPT_PAYLOAD, .long_name = "payload", .has_arg = true },
	{ .key = OPT_PAYLOAD_CFG, .long_name = "payload-cfg", .has_arg = true },
	{ .key = OPT_PAYLOAD_GROUP, .long_name = "payload-group", .has_arg = true },
	{ 0 },
};

struct submit {
	const char *kernel;
	json_t *body; /* the request, fields added as they are set */
	json_t *tags; /* or NULL */
	json_t *qemu_args; /* or NULL */
	long long smp, mem; /* from options, -1 when unset */
	long long qemu_smp, qemu_mem; /* from after "--", -1 when unset */
	struct blob_set set; /* [0] the kernel, then executables, then extras */
	size_t nexes;
	const char *manifest, *extra_dir; /* or NULL */
	json_t *modules; /* from --module, or NULL */
	json_t *extra; /* the --extra entries, or NULL */
	bool coverage_options; /* --build-dir, --gcov-tool or --coverage-path */
	size_t extra_first; /* index in set of the first extra file */
	const char *vmlinux; /* or NULL */
	size_t vmlinux_at; /* its index in set, the last */
	bool wait, follow, json;
	const char *junit; /* --junit FILE: the report once the job is done */
	struct submit_disks disks; /* --disk, --root, --keep-disk */
	json_t *stream_paths; /* from --stream, or NULL */
	const char *sysroot; /* --sysroot DIR, or NULL */
	/* A payload job (payloads.h): set[0..] are the payloads, no kernel. */
	struct payloads payloads;
	const char *payload_cfg; /* --payload-cfg, read once the options are */
	bool payload_job;
	const char *append; /* --append: the payloads' arguments */
};

/* Every ELF executable must run on the guest: an aarch64 program, static,
 * or dynamically linked with --sysroot to take its loader and libraries
 * from (shipped as extra entries after --extra's own).  Scripts pass. */
static int
submit_check_exes(struct submit *s)
{
	struct sysroot_plan *plan = NULL;
	int rc = 0;

	for (size_t i = 1; rc == 0 && i <= s->nexes; i++) {
		const char *path = s->set.v[i].path, *name = s->set.v[i].name, *m;
		struct elf_exe e;
		int err = elf_exe_read(path, &e);

		if (err == -ENOEXEC)
			continue;
		if (err < 0) {
			fprintf(stderr, "pkvmctl: executable '%s': %s\n", path,
			    err == -EINVAL ? "a damaged ELF file (its headers point outside it)"
					   : strerror(-err));
			return PKVM_EXIT_USAGE;
		}
		if (e.machine != ELF_EXE_AARCH64 || !e.elf64_le) {
			m = elf_exe_machine_name(e.machine);
			fprintf(stderr,
			    "pkvmctl: %s is %s%s ELF program ('%s'): the guest runs 64-bit aarch64 "
			    "programs (build it with aarch64-linux-gnu-gcc)\n",
			    name, m && strchr("aix", m[0]) != NULL ? "an " : "a ",
			    m ? m : "non-aarch64", path);
			rc = PKVM_EXIT_USAGE;
		} else if (e.interp != NULL && s->sysroot == NULL) {
			fprintf(stderr,
			    "pkvmctl: %s is dynamically linked (interpreter %s); give --sysroot "
			    "DIR "
			    "to ship its loader and libraries, or link it with -static\n",
			    name, e.interp);
			rc = PKVM_EXIT_USAGE;
		} else if (e.interp != NULL || (s->sysroot != NULL && e.nneeded > 0)) {
			if (plan == NULL)
				rc = sysroot_plan_new(s->sysroot, s->extra_dir, &plan);
			if (rc == 0)
				rc = sysroot_plan_exe(plan, name, &e);
		}
		elf_exe_free(&e);
	}
	if (rc == 0 && plan != NULL) {
		if (s->extra == NULL) {
			s->extra_first = s->set.n;
			if ((s->extra = json_array()) == NULL)
				rc = PKVM_EXIT_INFRA;
		}
		if (rc == 0)
			rc = sysroot_plan_ship(plan, &s->set, s->extra,
			    getenv("PKVM_DEBUG") != NULL);
	}
	sysroot_plan_free(plan);
	return rc;
}

/* Refuse anything but an arm64 Image or a gzip before a byte is sent. */
static int
submit_check_kernel(const char *path)
{
	unsigned char head[PAYLOAD_HEAD_BYTES];
	const char *why;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "pkvmctl: cannot open kernel '%s': %s\n", path, strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	n = read(fd, head, sizeof(head));
	if (n < 0) {
		fprintf(stderr, "pkvmctl: cannot read kernel '%s': %s\n", path, strerror(errno));
		close(fd);
		return PKVM_EXIT_USAGE;
	}
	close(fd);
	why = kernel_image_refusal(kernel_image_format(head, (size_t)n));
	if (why != NULL) {
		fprintf(stderr, "pkvmctl: kernel '%s': %s\n", path, why);
		/* A kvm-unit-tests .flat or an EFI app given where the kernel goes. */
		if (payload_image_format(head, (size_t)n, NULL) != PAYLOAD_UNKNOWN)
			fprintf(stderr,
			    "pkvmctl: '%s' looks like a bare payload: boot it with --payload %s\n",
			    path, path);
		return PKVM_EXIT_USAGE;
	}
	return 0;
}

/* A vmlinux is the build's ELF file; its Image (or a gzip) is a mistake
 * the daemon would refuse only after the upload. */
static int
submit_check_vmlinux(const char *path)
{
	unsigned char head[5];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, head, sizeof(head));
		close(fd);
	}
	if (n < 0) {
		fprintf(stderr, "pkvmctl: cannot read vmlinux '%s': %s\n", path, strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	if (n < (ssize_t)sizeof(head) || memcmp(head, "\177ELF\2", 5) != 0) {
		fprintf(stderr,
		    "pkvmctl: vmlinux '%s' is not a 64-bit ELF file: give the kernel build's "
		    "vmlinux, not its Image\n",
		    path);
		return PKVM_EXIT_USAGE;
	}
	return 0;
}

/* Add the executable at PATH: a string that outlives S, or when OWN one S
 * frees (also on failure). */
static int
submit_add_exe(struct submit *s, char *path, bool own)
{
	struct blob_file *f;
	int rc;

	if (s->nexes >= PKVM_EXES_MAX) {
		fprintf(stderr, "pkvmctl: too many executables (at most %d)\n", PKVM_EXES_MAX);
		if (own)
			free(path);
		return PKVM_EXIT_USAGE;
	}
	rc = blob_set_add(&s->set, path, own, "executable");
	if (rc != 0)
		return rc;
	f = &s->set.v[s->set.n - 1];
	if (!pkvm_name_valid(f->name)) {
		fprintf(stderr,
		    "pkvmctl: invalid executable name '%s' (from '%s'): use 1..%d "
		    "of [A-Za-z0-9._+-], not starting with '.'\n",
		    f->name, path, PKVM_NAME_MAX);
		return PKVM_EXIT_USAGE;
	}
	for (size_t i = 1; i < s->set.n - 1; i++) {
		if (strcmp(s->set.v[i].name, f->name) == 0) {
			fprintf(stderr,
			    "pkvmctl: duplicate executable name '%s' "
			    "('%s' and '%s')\n",
			    f->name, s->set.v[i].path, path);
			return PKVM_EXIT_USAGE;
		}
	}
	s->nexes++;
	return 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add every regular file in DIR, in name order; hidden files are skipped
 * (editor droppings would not pass pkvm_name_valid anyway). */
static int
submit_add_exe_dir(struct submit *s, const char *dir)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr,
		    "pkvmctl: cannot open executable directory '%s': "
		    "%s\n",
		    dir, strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*p));
			if (p == NULL) {
				rc = PKVM_EXIT_INFRA;
				break;
			}
			names = p;
		}
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
			rc = PKVM_EXIT_INFRA;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc != 0)
		fprintf(stderr, "pkvmctl: out of memory\n");
	if (n > 0)
		qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			/* The set takes the name: its file keeps pointing at it. */
			rc = submit_add_exe(s, names[i], true);
			continue;
		}
		free(names[i]);
	}
	free(names);
	if (rc == 0 && n == 0)
		fprintf(stderr, "pkvmctl: warning: no executables in '%s'\n", dir);
	return rc;
}

/* Append VALUE to the array *LIST, made on first use, which takes at most
 * MAX of WHAT: the daemon would refuse more, so it is said here, before
 * anything is uploaded.  0, or the exit code after saying why not. */
static int
submit_append(json_t **list, const char *value, size_t max, const char *what)
{
	if (*list == NULL && (*list = json_array()) == NULL)
		goto nomem;
	if (json_array_size(*list) >= max) {
		fprintf(stderr, "pkvmctl: too many %s (at most %zu)\n", what, max);
		return PKVM_EXIT_USAGE;
	}
	if (json_array_append_new(*list, json_string(value)) < 0)
		goto nomem;
	return 0;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	return PKVM_EXIT_INFRA;
}

static int
submit_add_tag(struct submit *s, const char *tag)
{
	if (!pkvm_tag_valid(tag)) {
		fprintf(stderr,
		    "pkvmctl: invalid tag '%s': use 1..%d of "
		    "[A-Za-z0-9._:+=/@-]\n",
		    tag, PKVM_TAG_MAX);
		return PKVM_EXIT_USAGE;
	}
	return submit_append(&s->tags, tag, PKVM_TAGS_MAX, "tags");
}

static bool
seed_valid(const char *seed)
{
	size_t n = strlen(seed);

	if (n == 0 || n > SUBMIT_SEED_MAX)
		return false;
	return strspn(seed,
		   "abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Set integer field KEY of the request from option value V. */
static int
submit_set_int(struct submit *s, const char *key, const char *v, long long min, long long max)
{
	long long n;
	int rc = cmd_parse_int(key, v, min, max, &n);

	if (rc == 0)
		json_object_set_new(s->body, key, json_integer(n));
	return rc;
}

/* Add kernel module NAME of --module. */
static int
submit_add_module(struct submit *s, const char *name)
{
	size_t i;
	json_t *m;

	if (!manifest_module_valid(name)) {
		fprintf(stderr,
		    "pkvmctl: invalid module name '%s': use 1..64 of [A-Za-z0-9_-], "
		    "as modprobe takes it (no .ko, no path)\n",
		    name);
		return PKVM_EXIT_USAGE;
	}
	json_array_foreach(s->modules, i, m)
	{
		if (strcmp(json_string_value(m), name) == 0) {
			fprintf(stderr, "pkvmctl: module '%s' given twice\n", name);
			return PKVM_EXIT_USAGE;
		}
	}
	return submit_append(&s->modules, name, MANIFEST_MODULES_MAX, "modules");
}

/* Put the executables (their blobs come once they are hashed) and the
 * modules into the request, so that the manifest can be applied to it
 * before anything is uploaded. */
static int
submit_body_files(struct submit *s)
{
	json_t *exes = json_array();

	if (exes == NULL || json_object_set_new(s->body, "executables", exes) < 0)
		goto nomem;
	for (size_t i = 1; i <= s->nexes; i++) {
		const struct blob_file *f = &s->set.v[i];

		if (json_array_append_new(exes,
			json_pack("{s:s, s:i}", "name", f->name, "mode", (int)f->mode)) < 0)
			goto nomem;
	}
	if (s->modules != NULL && json_object_set(s->body, "modules", s->modules) < 0)
		goto nomem;
	return 0;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	return PKVM_EXIT_INFRA;
}

/* Read the manifest, now that every executable is known, and apply it to
 * the request. */
static int
submit_load_manifest(struct submit *s)
{
	const char **names = calloc(s->nexes + 1, sizeof(*names));
	struct manifest_tests tests = {
		.names = names,
		.n = s->nexes,
		.unknown = s->nexes > 0 ? "not among the --exe files"
					: "the job has no executables: give --exe or --exe-dir",
	};
	char *why = NULL, *from = NULL;
	json_t *m = NULL;
	int err;

	if (names == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	for (size_t i = 0; i < s->nexes; i++)
		names[i] = s->set.v[1 + i].name;
	err = manifest_load(s->manifest, &tests, &m, &why);
	free(names);
	if (err == 0) {
		if (asprintf(&from, "--module and manifest '%s'", s->manifest) < 0) {
			from = NULL;
			err = -ENOMEM;
		} else {
			err = manifest_apply(s->body, m, from, &why);
		}
	}
	json_decref(m);
	free(from);
	if (err < 0)
		fprintf(stderr, "pkvmctl: %s\n", why != NULL ? why : strerror(-err));
	free(why);
	if (err == -ENOMEM)
		return PKVM_EXIT_INFRA;
	return err < 0 ? PKVM_EXIT_USAGE : 0;
}

/* Handle one option of the table above. */
static int
submit_option(struct submit *s, int key, const char *v)
{
	switch (key) {
	case OPT_PAYLOAD:
		return payloads_add_file(&s->payloads, v);
	case OPT_PAYLOAD_CFG:
		if (s->payload_cfg != NULL) {
			fprintf(stderr, "pkvmctl: --payload-cfg given twice\n");
			return PKVM_EXIT_USAGE;
		}
		s->payload_cfg = v;
		return 0;
	case OPT_PAYLOAD_GROUP:
		s->payloads.group = v;
		return 0;
	case OPT_SMP:
		return cmd_parse_int("smp", v, 1, PKVM_SMP_MAX, &s->smp);
	case OPT_MEM:
		return cmd_parse_int("mem", v, PKVM_MEM_MIN_MB, PKVM_MEM_MAX_MB, &s->mem);
	case OPT_EXE:
		return submit_add_exe(s, (char *)v, false);
	case OPT_EXE_DIR:
		return submit_add_exe_dir(s, v);
	case OPT_APPEND:
		if (strlen(v) > PKVM_APPEND_MAX) {
			fprintf(stderr,
			    "pkvmctl: --append is too long "
			    "(at most %d bytes)\n",
			    PKVM_APPEND_MAX);
			return PKVM_EXIT_USAGE;
		}
		s->append = v;
		if (!s->payload_job)
			json_object_set_new(s->body, "append", json_string(v));
		return 0;
	case OPT_TIMEOUT:
		return submit_set_int(s, "timeout", v, 1, PKVM_TIMEOUT_MAX_S);
	case OPT_IDLE_TIMEOUT:
		return submit_set_int(s, "idle_timeout", v, 0, PKVM_TIMEOUT_MAX_S);
	case OPT_MAX_ATTEMPTS:
		return submit_set_int(s, "max_attempts", v, 1, 10);
	case 'T':
		return submit_add_tag(s, v);
	case 'd':
		return submit_set_int(s, "debug_port", v, 1, 65535);
	case 'C':
		json_object_set_new(s->body, "coverage", json_false());
		return 0;
	case OPT_UEFI:
		json_object_set_new(s->body, "uefi", json_true());
		return 0;
	case OPT_NET:
		if (strcmp(v, "none") != 0 && strcmp(v, "user") != 0) {
			fprintf(stderr, "pkvmctl: invalid --net '%s': use none or user\n", v);
			return PKVM_EXIT_USAGE;
		}
		json_object_set_new(s->body, "net", json_string(v));
		return 0;
	case OPT_CPU:
		/* pkvmd checks it (a clear 400 names what it accepts). */
		json_object_set_new(s->body, "cpu", json_string(v));
		return 0;
	case OPT_SEED:
		if (!seed_valid(v)) {
			fprintf(stderr,
			    "pkvmctl: invalid seed '%s': use 1..%d of "
			    "[A-Za-z0-9_-]\n",
			    v, SUBMIT_SEED_MAX);
			return PKVM_EXIT_USAGE;
		}
		json_object_set_new(s->body, "seed", json_string(v));
		return 0;
	case OPT_PRIORITY:
		if (strcmp(v, "low") == 0 || strcmp(v, "normal") == 0 || strcmp(v, "high") == 0) {
			json_object_set_new(s->body, "priority", json_string(v));
			return 0;
		}
		/* A number, as older pkvmctl took: the server counts its sign. */
		return submit_set_int(s, "priority", v, SUBMIT_PRIORITY_MIN, SUBMIT_PRIORITY_MAX);
	case OPT_WAIT:
		s->wait = true;
		return 0;
	case OPT_JUNIT:
		if (v[0] == '\0') {
			fprintf(stderr, "pkvmctl: --junit needs a file name\n");
			return PKVM_EXIT_USAGE;
		}
		/* A report needs the result: --junit waits. */
		s->junit = v;
		s->wait = true;
		return 0;
	case 'f':
		s->follow = true;
		return 0;
	case OPT_JSON:
		s->json = true;
		return 0;
	case OPT_MANIFEST:
		if (s->manifest != NULL) {
			fprintf(stderr, "pkvmctl: --manifest given twice\n");
			return PKVM_EXIT_USAGE;
		}
		s->manifest = v;
		return 0;
	case OPT_EXTRA:
		if (s->extra_dir != NULL) {
			fprintf(stderr,
			    "pkvmctl: --extra given twice (put everything in one "
			    "tree)\n");
			return PKVM_EXIT_USAGE;
		}
		s->extra_dir = v;
		return 0;
	case OPT_TEST_TIMEOUT:
		return submit_set_int(s, "test_timeout", v, 0, PKVM_TIMEOUT_MAX_S);
	case OPT_MODULE:
		return submit_add_module(s, v);
	case OPT_FAIL_ON_WARN:
		json_object_set_new(s->body, "fail_on_warn", json_true());
		return 0;
	case OPT_INTERACTIVE:
		json_object_set_new(s->body, "interactive", json_true());
		return 0;
	case OPT_BUILD_DIR:
		s->coverage_options = true;
		return coverage_submit_option(s->body, COVERAGE_BUILD_DIR, v);
	case OPT_GCOV_TOOL:
		s->coverage_options = true;
		return coverage_submit_option(s->body, COVERAGE_GCOV_TOOL, v);
	case OPT_COVERAGE_PATH:
		s->coverage_options = true;
		return coverage_submit_option(s->body, COVERAGE_PATH, v);
	case OPT_STOP_ON_FAILURE:
		json_object_set_new(s->body, "stop_on_failure", json_true());
		return 0;
	case OPT_RETRY_FAILED:
		return submit_set_int(s, "retry_failed", v, 0, 10);
	case OPT_NEW_SEED:
		json_object_set_new(s->body, "new_seed", json_true());
		return 0;
	case OPT_STRICT:
		json_object_set_new(s->body, "strict", json_true());
		return 0;
	case OPT_WARM:
		json_object_set_new(s->body, "warm", json_true());
		return 0;
	case OPT_STREAM:
		if (v[0] != '/') {
			fprintf(stderr,
			    "pkvmctl: --stream '%s' must be an absolute path in the guest\n", v);
			return PKVM_EXIT_USAGE;
		}
		if (s->stream_paths == NULL && (s->stream_paths = json_array()) == NULL)
			return PKVM_EXIT_INFRA;
		json_array_append_new(s->stream_paths, json_string(v));
		return 0;
	case OPT_SYSROOT:
		s->sysroot = v;
		return 0;
	case OPT_VMLINUX:
		if (s->vmlinux != NULL) {
			fprintf(stderr, "pkvmctl: --vmlinux given twice\n");
			return PKVM_EXIT_USAGE;
		}
		s->vmlinux = v;
		return submit_check_vmlinux(v);
	case OPT_DISK:
		return disks_add(&s->disks, v);
	case OPT_ROOT:
		if (s->disks.root != NULL) {
			fprintf(stderr, "pkvmctl: --root given twice\n");
			return PKVM_EXIT_USAGE;
		}
		if (strncmp(v, "/dev/", 5) != 0 || strlen(v) <= 5 || strlen(v) > PKVM_ROOT_MAX) {
			fprintf(stderr,
			    "pkvmctl: invalid --root '%s': give the guest's device, e.g. "
			    "/dev/vda\n",
			    v);
			return PKVM_EXIT_USAGE;
		}
		s->disks.root = v;
		return 0;
	case OPT_KEEP_DISK:
		s->disks.keep = true;
		return 0;
	}
	return PKVM_EXIT_USAGE;
}

/* True when V is one or more decimal digits and nothing else. */
static bool
all_digits(const char *v)
{
	return v[0] != '\0' && strspn(v, "0123456789") == strlen(v);
}

/* Take "-smp N" from the qemu arguments: "N" or "cpus=N". */
static int
submit_qemu_smp(struct submit *s, const char *v)
{
	const char *n = strncmp(v, "cpus=", 5) == 0 ? v + 5 : v;

	if (!all_digits(n)) {
		fprintf(stderr,
		    "pkvmctl: qemu option '-smp %s' is not supported: "
		    "give -smp N (pkvmd builds -smp itself)\n",
		    v);
		return PKVM_EXIT_USAGE;
	}
	return cmd_parse_int("smp", n, 1, PKVM_SMP_MAX, &s->qemu_smp);
}

/* Take "-m N" from the qemu arguments: "N", "NM" or "NG", or size=... */
static int
submit_qemu_mem(struct submit *s, const char *v)
{
	const char *n = strncmp(v, "size=", 5) == 0 ? v + 5 : v;
	size_t len = strspn(n, "0123456789");
	long long mb;
	char digits[24];
	int rc;

	if (len == 0 || len >= sizeof(digits) ||
	    (n[len] != '\0' && (strchr("MmGg", n[len]) == NULL || n[len + 1] != '\0'))) {
		fprintf(stderr,
		    "pkvmctl: qemu option '-m %s' is not supported: "
		    "give -m MB or -m NG (pkvmd builds -m itself)\n",
		    v);
		return PKVM_EXIT_USAGE;
	}
	memcpy(digits, n, len);
	digits[len] = '\0';
	rc = cmd_parse_int("mem", digits, 0, PKVM_MEM_MAX_MB, &mb);
	if (rc != 0)
		return rc;
	if (n[len] == 'G' || n[len] == 'g')
		mb *= 1024;
	if (mb < PKVM_MEM_MIN_MB || mb > PKVM_MEM_MAX_MB) {
		fprintf(stderr, "pkvmctl: invalid mem '%s' (must be %d..%d MB)\n", v,
		    PKVM_MEM_MIN_MB, PKVM_MEM_MAX_MB);
		return PKVM_EXIT_USAGE;
	}
	s->qemu_mem = mb;
	return 0;
}

/* Sort what followed "--" into smp, mem and qemu_args. */
static int
submit_rest(struct submit *s, char **rest, int nrest)
{
	for (int i = 0; i < nrest; i++) {
		const char *a = rest[i], *v = NULL;
		bool smp = false, mem = false;
		int rc;

		if (strcmp(a, "-smp") == 0 || strcmp(a, "--smp") == 0)
			smp = true;
		else if (strncmp(a, "-smp=", 5) == 0 || strncmp(a, "--smp=", 6) == 0)
			smp = true, v = strchr(a, '=') + 1;
		else if (strcmp(a, "-m") == 0)
			mem = true;
		if (!smp && !mem) {
			rc = submit_append(&s->qemu_args, a, PKVM_QEMU_ARGS_MAX, "qemu arguments");
			if (rc != 0)
				return rc;
			continue;
		}
		if (v == NULL && i + 1 >= nrest) {
			fprintf(stderr, "pkvmctl: qemu option '%s' needs a value\n", a);
			return PKVM_EXIT_USAGE;
		}
		if (v == NULL)
			v = rest[++i];
		rc = smp ? submit_qemu_smp(s, v) : submit_qemu_mem(s, v);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Put NAME into the body from the option or the qemu arguments; they must
 * agree when both are given. */
static int
submit_merge(struct submit *s, const char *name, long long opt, long long qemu)
{
	if (opt >= 0 && qemu >= 0 && opt != qemu) {
		fprintf(stderr,
		    "pkvmctl: %s given twice: --%s %lld, and %lld "
		    "after --\n",
		    name, name, opt, qemu);
		return PKVM_EXIT_USAGE;
	}
	if (opt >= 0 || qemu >= 0)
		json_object_set_new(s->body, name, json_integer(opt >= 0 ? opt : qemu));
	return 0;
}

/* Complete the request with the blobs, once they are hashed. */
static void
submit_finish_body(struct submit *s)
{
	json_t *exes = json_object_get(s->body, "executables");

	json_object_set_new(s->body, "kernel", json_string(s->set.v[0].hash));
	/* submit_body_files() listed them in the order of the set. */
	for (size_t i = 1; i <= s->nexes; i++)
		json_object_set_new(json_array_get(exes, i - 1), "blob",
		    json_string(s->set.v[i].hash));
	if (s->extra != NULL) {
		extra_set_blobs(s->extra, s->set.v + s->extra_first);
		json_object_set(s->body, "extra", s->extra);
	}
	if (s->tags != NULL)
		json_object_set(s->body, "tags", s->tags);
	if (s->qemu_args != NULL)
		json_object_set(s->body, "qemu_args", s->qemu_args);
	if (s->vmlinux != NULL)
		json_object_set_new(s->body, "vmlinux", json_string(s->set.v[s->vmlinux_at].hash));
	disks_set_body(&s->disks, &s->set, s->body);
	if (s->stream_paths != NULL)
		json_object_set(s->body, "stream_paths", s->stream_paths);
}

static int submit_post(struct submit *s, struct api *api);

/* A payload job has no kernel and none of what goes with one. */
static int
submit_payload_conflicts(const struct cmd_entry *self, const struct submit *s)
{
	const char *what = s->nexes > 0 ? "--exe"
	    : s->manifest != NULL       ? "--manifest"
	    : s->extra_dir != NULL      ? "--extra"
	    : s->modules != NULL        ? "--module"
	    : s->vmlinux != NULL        ? "--vmlinux"
	    : s->coverage_options       ? "--build-dir, --gcov-tool and --coverage-path"
	    : s->payloads.group != NULL && !s->payload_cfg
	    ? "--payload-group (without --payload-cfg)"
	    : NULL;

	if (what == NULL)
		return 0;
	return cmd_usage_error(self, "%s does not go with --payload: a payload job boots no kernel",
	    what);
}

/* Submit a payload job: check and upload the payloads, post the job. */
static int
submit_payloads(const struct cmd_entry *self, struct api *api, struct submit *s,
    struct cmd_args *args)
{
	json_t *list;
	int rc;

	if ((rc = submit_payload_conflicts(self, s)) != 0)
		return rc;
	if (s->append != NULL)
		payloads_set_append(&s->payloads, s->append);
	if (s->payload_cfg != NULL && (rc = payloads_add_cfg(&s->payloads, s->payload_cfg)) != 0)
		return rc;
	if ((rc = payloads_collect(&s->payloads, &s->set)) != 0 ||
	    (rc = submit_rest(s, args->rest, args->nrest)) != 0 ||
	    (rc = submit_merge(s, "smp", s->smp, s->qemu_smp)) != 0 ||
	    (rc = submit_merge(s, "mem", s->mem, s->qemu_mem)) != 0)
		return rc;
	if (s->json && s->follow)
		return cmd_usage_error(self,
		    "--json and --follow cannot be combined "
		    "(both write to stdout)");
	if ((rc = upload_blobs(api, s->set.v, s->set.n)) != 0)
		return rc;
	if ((list = payloads_json(&s->payloads, s->set.v)) == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	json_object_set_new(s->body, "payloads", list);
	if (s->tags != NULL)
		json_object_set(s->body, "tags", s->tags);
	if (s->qemu_args != NULL)
		json_object_set(s->body, "qemu_args", s->qemu_args);
	return submit_post(s, api);
}

/* Post the job and report it; the exit code. */
static int
submit_post(struct submit *s, struct api *api)
{
	json_t *job = NULL;
	long long id;
	int err, rc;

	err = api_request(api, "POST", PKVM_API_PREFIX "/jobs", s->body, &job);
	if (err < 0)
		return api_fail(api, err);
	if (!job_int(job, "id", &id) || id <= 0) {
		fprintf(stderr, "pkvmctl: bad answer from pkvmd: job without id\n");
		json_decref(job);
		return PKVM_EXIT_INFRA;
	}
	if (!s->wait && !s->follow) {
		rc = s->json ? output_json(job) : printf("%lld\n", id) < 0;
		json_decref(job);
		return rc != 0 ? PKVM_EXIT_INFRA : 0;
	}
	json_decref(job);
	/* The console takes stdout with --follow, so the id goes to stderr. */
	if (s->follow)
		fprintf(stderr, "job %lld submitted\n", id);
	else if (!s->json)
		printf("%lld\n", id);
	fflush(stdout);
	rc = cmd_wait_job(api, id, s->follow, s->json);
	/* The job's verdict stays the exit status; only a report that cannot
	 * be written (or fetched) turns it into an infrastructure error. */
	if (s->junit != NULL && rc != PKVM_EXIT_INFRA && rc != PKVM_EXIT_USAGE &&
	    junit_write_job(api, id, s->junit) != 0)
		rc = PKVM_EXIT_INFRA;
	return rc;
}

static int
submit_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	struct submit s = { .smp = -1, .mem = -1, .qemu_smp = -1, .qemu_mem = -1 };
	int rc = 0;

	s.body = json_object();
	if (s.body == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	/* The kernel first, so that its errors come before the tests'. */
	for (int i = 0; i < args->n; i++) {
		if (args->v[i].key != CMD_ARG_POSITIONAL)
			continue;
		if (s.kernel != NULL) {
			rc = cmd_usage_error(self,
			    "unexpected argument '%s' "
			    "(qemu arguments go after --)",
			    args->v[i].value);
			goto out;
		}
		s.kernel = args->v[i].value;
	}
	for (int i = 0; i < args->n; i++)
		s.payload_job |= args->v[i].key == OPT_PAYLOAD || args->v[i].key == OPT_PAYLOAD_CFG;
	if (s.payload_job && s.kernel != NULL) {
		rc = cmd_usage_error(self,
		    "a kernel ('%s') does not go with --payload: a payload job boots the "
		    "payloads alone",
		    s.kernel);
		goto out;
	}
	if (s.payload_job) {
		for (int i = 0; rc == 0 && i < args->n; i++)
			rc = submit_option(&s, args->v[i].key, args->v[i].value);
		if (rc == 0)
			rc = submit_payloads(self, api, &s, args);
		goto out;
	}
	if (s.kernel == NULL) {
		rc = cmd_usage_error(self, "missing kernel (or --payload)");
		goto out;
	}
	rc = submit_check_kernel(s.kernel);
	if (rc == 0)
		rc = blob_set_add(&s.set, (char *)s.kernel, false, "kernel");
	for (int i = 0; rc == 0 && i < args->n; i++) {
		if (args->v[i].key != CMD_ARG_POSITIONAL)
			rc = submit_option(&s, args->v[i].key, args->v[i].value);
	}
	if (rc == 0)
		rc = submit_body_files(&s);
	if (rc == 0 && s.manifest != NULL)
		rc = submit_load_manifest(&s);
	if (rc == 0 && s.extra_dir != NULL) {
		s.extra_first = s.set.n;
		rc = extra_walk(s.extra_dir, &s.set, &s.extra);
	}
	if (rc == 0)
		rc = submit_check_exes(&s);
	if (rc == 0 && s.vmlinux != NULL) {
		s.vmlinux_at = s.set.n;
		rc = blob_set_add(&s.set, (char *)s.vmlinux, false, "vmlinux");
	}
	if (rc == 0)
		rc = disks_check(&s.disks, s.nexes);
	if (rc == 0)
		rc = disks_add_blobs(&s.disks, &s.set);
	if (rc == 0)
		rc = submit_rest(&s, args->rest, args->nrest);
	if (rc == 0)
		rc = submit_merge(&s, "smp", s.smp, s.qemu_smp);
	if (rc == 0)
		rc = submit_merge(&s, "mem", s.mem, s.qemu_mem);
	if (rc == 0 && s.coverage_options && json_is_false(json_object_get(s.body, "coverage")))
		fprintf(stderr,
		    "pkvmctl: warning: -C turns coverage off; --build-dir, --gcov-tool and "
		    "--coverage-path do nothing\n");
	if (rc == 0 && s.json && s.follow)
		rc = cmd_usage_error(self,
		    "--json and --follow cannot be combined "
		    "(both write to stdout)");
	if (rc == 0)
		rc = upload_blobs(api, s.set.v, s.set.n);
	if (rc != 0)
		goto out;
	submit_finish_body(&s);
	rc = submit_post(&s, api);
out:
	payloads_free(&s.payloads);
	blob_set_free(&s.set);
	disks_free(&s.disks);
	json_decref(s.modules);
	json_decref(s.extra);
	json_decref(s.tags);
	json_decref(s.qemu_args);
	json_decref(s.stream_paths);
	json_decref(s.body);
	return rc;
}

const struct cmd_entry cmd_submit_entry = {
	.name = "submit",
	.alias = "run",
	.args = "KERNEL [--smp N] [--mem MB] [--exe FILE]... [--exe-dir DIR]\n"
		"                      | --payload FILE... | --payload-cfg FILE\n"
		"                      [--payload-group G]\n"
		"                      [--manifest FILE] [--extra DIR] [--module NAME]...\n"
		"                      [--test-timeout SEC] [--fail-on-warn] [--interactive]\n"
		"                      [--append ARGS] [--timeout SEC] [--idle-timeout SEC]\n"
		"                      [--max-attempts N] [--retry-failed N [--new-seed]]\n"
		"                      [--strict] [--warm]\n"
		"                      [-T TAG]... [-d PORT] [--uefi] [--net none|user]\n"
		"                      [--cpu MODEL]\n"
		"                      [--seed S] [--priority low|normal|high]\n"
		"                      [-C|--no-cov] [--build-dir DIR] [--gcov-tool TOOL]\n"
		"                      [--coverage-path PATH]... [--vmlinux FILE]\n"
		"                      [--disk FILE[,ro]]... [--root DEVICE] [--keep-disk]\n"
		"                      [--stop-on-failure] [--stream PATH]... [--sysroot DIR]\n"
		"                      [-w|--wait] [-f|--follow] [--junit FILE] [--json]\n"
		"                      [-- QEMU-ARG...]",
	.summary = "upload a kernel and tests and queue a job",
	.details = "options (before or after KERNEL):\n"
		   "  --smp N           virtual CPUs, 1..64 (default 1)\n"
		   "  --mem MB          guest memory, 64..65536 MB (default 1024)\n"
		   "  --exe FILE        a test executable, named after the file\n"
		   "  --exe-dir DIR     every regular file in DIR (hidden ones skipped)\n"
		   "  --manifest FILE   how to run the tests: arguments, environment,\n"
		   "                    timeouts, modules (format: docs/MANIFEST.md)\n"
		   "  --extra DIR       put DIR's files, directories and symlinks under\n"
		   "                    the guest's root (DIR/lib/modules -> /lib/modules)\n"
		   "  --module NAME     load kernel module NAME before the tests\n"
		   "                    (repeatable; from --extra or built in)\n"
		   "  --test-timeout SEC  default time limit of each test, 0 = none\n"
		   "                    but the job's (default 0)\n"
		   "  --fail-on-warn    a kernel WARNING fails the job\n"
		   "  --stop-on-failure  after the first test that fails, skip the rest\n"
		   "                    (they are reported as skipped)\n"
		   "  --retry-failed N  run each test that fails again, up to N times\n"
		   "                    (0-10) in the same boot: one that passes on a\n"
		   "                    rerun is flaky, and a job whose only failures\n"
		   "                    are flaky passes\n"
		   "  --new-seed        give each rerun a new seed (PKVM_SEED), not the\n"
		   "                    job's\n"
		   "  --strict          a flaky test fails the job\n"
		   "  --warm            start from a saved VM of this kernel and machine\n"
		   "                    (boot once, test many)\n"
		   "  --stream PATH     stream guest file PATH into the artifact\n"
		   "                    _stream/PATH while the tests run, as it grows\n"
		   "                    (repeatable, at most 8; the hypervisor's log\n"
		   "                    /sys/kernel/debug/nvhe.log always is, if present)\n"
		   "  --sysroot DIR     ship what dynamically linked executables need\n"
		   "                    from DIR: their loader and DT_NEEDED libraries,\n"
		   "                    recursively (e.g. /usr/aarch64-linux-gnu)\n"
		   "  --interactive     after the tests, a shell on the console instead of\n"
		   "                    powering off (pkvmctl attach ID); no idle timeout\n"
		   "  --append ARGS     extra kernel command line\n"
		   "  --timeout SEC     total time limit (default 600)\n"
		   "  --idle-timeout SEC  limit on console silence, 0 = none "
		   "(default 120)\n"
		   "  --max-attempts N  runs an infrastructure failure may take (qemu that\n"
		   "                    would not start or was killed by the host, pkvmd\n"
		   "                    restarted), 1-10 (default 2)\n"
		   "  -T, --tag TAG     label the job (repeatable)\n"
		   "  -d, --debug PORT  qemu gdb stub on PORT\n"
		   "  -C, --no-cov      no coverage collection (see 'pkvmctl help coverage')\n"
		   "  --build-dir DIR   where the .gcno files are ON THE SERVER (the same\n"
		   "                    machine for a local daemon), when the kernel or\n"
		   "                    test tree moved since it was built; a relative DIR\n"
		   "                    is made absolute here\n"
		   "  --gcov-tool TOOL  gcov, aarch64-linux-gnu-gcov or llvm-cov (default:\n"
		   "                    chosen from the .gcda files)\n"
		   "  --coverage-path PATH  also collect the .gcda files under PATH, an\n"
		   "                    absolute path in the guest (repeatable, at most 32)\n"
		   "  --vmlinux FILE    the kernel build's vmlinux (with debug info): the\n"
		   "                    job's crash reports get file:line for every frame\n"
		   "                    ('pkvmctl crashes -v'); uploaded like the kernel.\n"
		   "                    Without it, one an earlier job gave is used when\n"
		   "                    its build id is the kernel's\n"
		   "  --disk FILE[,ro]  attach a raw or qcow2 image as a virtio disk\n"
		   "                    (repeatable, at most 8: /dev/vda, /dev/vdb, ...);\n"
		   "                    uploaded once, never changed: the job writes to\n"
		   "                    its own overlay; ,ro attaches it read-only\n"
		   "  --root DEVICE     boot the disk's own system: /init loads the\n"
		   "                    modules, mounts DEVICE (e.g. /dev/vda) and\n"
		   "                    switches root to its /sbin/init (docs/DISKS.md)\n"
		   "  --keep-disk       keep the writable disks' overlays as job files\n"
		   "                    ('pkvmctl disk ID vda -o FILE')\n"
		   "  --uefi            boot through UEFI firmware\n"
		   "  --payload FILE    instead of KERNEL: boot FILE, a flat aarch64 binary\n"
		   "                    (kvm-unit-tests' .flat) or an arm64 EFI app, in a\n"
		   "                    qemu of its own on kvm-unit-tests' machine, with\n"
		   "                    the --append ARGS as its arguments and the --smp\n"
		   "                    CPUs; repeat for several, run one after another,\n"
		   "                    each a test (docs/PAYLOADS.md)\n"
		   "  --payload-cfg FILE  the entries of kvm-unit-tests' unittests.cfg FILE\n"
		   "                    that run under tcg on arm64, as payloads: each\n"
		   "                    entry's file, smp, test_args/extra_params, groups\n"
		   "                    and timeout\n"
		   "  --payload-group G  only the cfg entries in group G (as run_tests.sh's\n"
		   "                    group option)\n"
		   "  --cpu MODEL       qemu's -cpu, e.g. cortex-a72 (default: the server's,\n"
		   "                    max,pauth-impdef=on unless its admin chose another)\n"
		   "  --net MODE        none (default: no NIC) or user (one virtio-net\n"
		   "                    NIC on qemu's user-mode network, DHCP only: no\n"
		   "                    route to the host or beyond)\n"
		   "  --seed S          test seed (default random)\n"
		   "  --priority P      low, normal (default) or high (admins only): high\n"
		   "                    goes before everyone's normal jobs, low after them\n"
		   "  -w, --wait        wait for the result; exit with the codes below\n"
		   "  -f, --follow      print the console as it runs, then as --wait\n"
		   "  --junit FILE      wait, then write the JUnit XML report to FILE (for\n"
		   "                    GitLab's artifacts:reports:junit); the exit status\n"
		   "                    stays the job's\n"
		   "  --json            print the job object instead of its id\n"
		   "  -- QEMU-ARG...    passed to qemu, except -smp N and -m N, which\n"
		   "                    set --smp and --mem.  Unless you are an admin\n"
		   "                    the server allows only arguments that stay in\n"
		   "                    the guest (-cpu, -M virt,..., -d int, -device\n"
		   "                    without a backend, ...) and refuses any that\n"
		   "                    names a host file, device or socket (docs/LAB.md)\n"
		   "\n"
		   "prints the job id on stdout.  Exit codes with --wait/--follow:\n"
		   "  0 passed, 1 a test failed, 2 bad command line or request refused,\n"
		   "  3 timeout, 4 kernel or hypervisor crash, 5 cancelled,\n"
		   "  6 daemon unreachable, job error or interrupted\n",
	.options = submit_options,
	.takes_rest = true,
	.exec = submit_exec,
};
