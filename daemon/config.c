/*
 * config.c -- the settings table and its command-line parser.
 *
 * To add a setting: add a field to struct config and one row here.  Values
 * are checked against the row's bounds at parse time, so the rest of the
 * daemon never re-validates them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "job/job.h"
#include "wire.h"

/* CONF_LIST may be given several times; each value is appended.
 * CONF_SIZE is a byte count with an optional binary suffix (K, M, G, T:
 * 10G is 10 GiB). */
enum config_type { CONF_STRING, CONF_INT, CONF_BOOL, CONF_MODE, CONF_LIST, CONF_SIZE };

struct config_key {
	const char *name;
	char shortopt;
	enum config_type type;
	size_t offset;
	const char *def; /* default as text; NULL = unset / computed */
	int64_t min, max;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)
#define GIB (1024LL * 1024 * 1024)

static const struct config_key config_keys[] = {
	{ .name = "state-dir",
	    .shortopt = 's',
	    .type = CONF_STRING,
	    .offset = OFF(state_dir),
	    .help = "directory for the database, blobs and job outputs (required)" },
	{ .name = "socket",
	    .type = CONF_STRING,
	    .offset = OFF(socket),
	    .help = "Unix socket to listen on (default $PKVM_SOCKET or " PKVM_DEFAULT_SOCKET ")" },
	{ .name = "listen",
	    .type = CONF_LIST,
	    .offset = OFF(listen),
	    .help = "listen on unix:PATH[,mode=0660] or tcp:ADDR:PORT[,tls] (repeatable; "
		    "default: the --socket)" },
	{ .name = "pid-file",
	    .type = CONF_STRING,
	    .offset = OFF(pid_file),
	    .help = "write the daemon's pid here once it is listening" },
	{ .name = "socket-mode",
	    .type = CONF_MODE,
	    .offset = OFF(socket_mode),
	    .def = "0660",
	    .max = 0777,
	    .help = "permission bits of the socket" },
	{ .name = "slots",
	    .shortopt = 'j',
	    .type = CONF_INT,
	    .offset = OFF(slots),
	    .min = 1,
	    .max = 4096,
	    .help = "CPU budget shared by running jobs (default: number of cores)" },
	{ .name = "foreground",
	    .shortopt = 'f',
	    .type = CONF_BOOL,
	    .offset = OFF(foreground),
	    .def = "false",
	    .help = "stay in the foreground (systemd runs it this way)" },
	{ .name = "verbose",
	    .shortopt = 'v',
	    .type = CONF_BOOL,
	    .offset = OFF(verbose),
	    .def = "false",
	    .help = "log debug detail" },
	{ .name = "qemu",
	    .type = CONF_STRING,
	    .offset = OFF(qemu),
	    .def = "qemu-system-aarch64",
	    .help = "qemu binary to run guests with" },
	{ .name = "executor",
	    .type = CONF_STRING,
	    .offset = OFF(executor),
	    .def = "qemu",
	    .help =
		"where guests run: qemu (here) or slurm (srun on a Slurm cluster; docs/SLURM.md)" },
	{ .name = "slurm-partition",
	    .type = CONF_STRING,
	    .offset = OFF(slurm_partition),
	    .help = "Slurm partition of the guests (default: the cluster's default)" },
	{ .name = "slurm-account",
	    .type = CONF_STRING,
	    .offset = OFF(slurm_account),
	    .help = "Slurm account charged for the guests (default: the user's)" },
	{ .name = "slurm-max-jobs",
	    .type = CONF_INT,
	    .offset = OFF(slurm_max_jobs),
	    .def = "16",
	    .min = 1,
	    .max = 4096,
	    .help = "jobs handed to Slurm at once; Slurm packs them onto its nodes" },
	{ .name = "slurm-shared-dir",
	    .type = CONF_STRING,
	    .offset = OFF(slurm_shared_dir),
	    .help = "directory every Slurm node sees at the same path: job files go there "
		    "(needed with --executor slurm)" },
	{ .name = "default-cpu",
	    .type = CONF_STRING,
	    .offset = OFF(default_cpu),
	    .def = JOB_CPU_DEFAULT,
	    .help = "qemu -cpu of jobs that name none (pkvmctl submit --cpu)" },
	{ .name = "qemu-img",
	    .type = CONF_STRING,
	    .offset = OFF(qemu_img),
	    .def = "qemu-img",
	    .help = "qemu-img binary that makes the overlays of writable --disk images" },
	{ .name = "data-dir",
	    .type = CONF_STRING,
	    .offset = OFF(data_dir),
	    .help = "directory holding init and busybox (default $PKVM_DATA_DIR or " PKVM_DATADIR
		    ")" },
	{ .name = "ui-dir",
	    .type = CONF_STRING,
	    .offset = OFF(ui_dir),
	    .help = "directory holding the dashboard's files (default: DATA-DIR/ui, else ui/ next "
		    "to pkvmd, else " PKVM_DATADIR "/ui)" },
	{ .name = "spawn-helper",
	    .type = CONF_STRING,
	    .offset = OFF(spawn_helper),
	    .help = "pkvmd-spawn binary (default: next to pkvmd, else " PKVM_LIBEXECDIR ")" },
	{ .name = "qemu-user",
	    .type = CONF_STRING,
	    .offset = OFF(qemu_user),
	    .help = "run qemu as this user and its groups (only when pkvmd runs as root; "
		    "default: as pkvmd)" },
	{ .name = "capture-helper",
	    .type = CONF_STRING,
	    .offset = OFF(capture_helper),
	    .help = "pkvmd-capture program (default: next to pkvmd, else " PKVM_LIBEXECDIR ")" },
	{ .name = "max-captures",
	    .type = CONF_INT,
	    .offset = OFF(max_captures),
	    .def = "2",
	    .min = 1,
	    .max = 64,
	    .help = "coverage captures (lcov) running at once; as many HTML reports (genhtml) "
		    "may render besides" },
	{ .name = "coverage-html-timeout",
	    .type = CONF_INT,
	    .offset = OFF(coverage_html_timeout_s),
	    .def = "300",
	    .min = 1,
	    .max = 86400,
	    .help = "seconds a coverage report's render (genhtml) may take before it is killed" },
	{ .name = "symbolize-timeout",
	    .type = CONF_INT,
	    .offset = OFF(symbolize_timeout_s),
	    .def = "300",
	    .min = 1,
	    .max = 86400,
	    .help = "s an addr2line run symbolizing crash reports may take" },
	{ .name = "firmware-dir",
	    .type = CONF_STRING,
	    .offset = OFF(firmware_dir),
	    .def = "/usr/share/qemu/firmware",
	    .help = "QEMU firmware descriptors, searched for UEFI (--uefi jobs)" },
	{ .name = "requeue-interrupted",
	    .type = CONF_BOOL,
	    .offset = OFF(requeue_interrupted),
	    .def = "true",
	    .help =
		"requeue jobs a daemon crash or shutdown interrupted (else: result interrupted)" },
	{ .name = "shutdown-grace",
	    .type = CONF_INT,
	    .offset = OFF(shutdown_grace_s),
	    .def = "0",
	    .max = 86400,
	    .help = "seconds running jobs may finish after SIGTERM before they are stopped" },
	{ .name = "stop-grace",
	    .type = CONF_INT,
	    .offset = OFF(stop_grace_s),
	    .def = "5",
	    .max = 600,
	    .help = "seconds between SIGTERM and SIGKILL when stopping a qemu" },
	{ .name = "crash-grace",
	    .type = CONF_INT,
	    .offset = OFF(crash_grace_ms),
	    .def = "2000",
	    .max = 600000,
	    .help = "milliseconds of console kept after a kernel crash, for the backtrace" },
	{ .name = "done-grace",
	    .type = CONF_INT,
	    .offset = OFF(done_grace_s),
	    .def = "30",
	    .min = 1,
	    .max = 3600,
	    .help = "seconds qemu may take to power off after the guest reported done" },
	{ .name = "console-max",
	    .type = CONF_INT,
	    .offset = OFF(console_max_bytes),
	    .def = "67108864",
	    .min = 4096,
	    .max = 64 * GIB,
	    .help = "bytes of console output kept per job; the rest is dropped and noted" },
	{ .name = "monitor-file-max",
	    .type = CONF_INT,
	    .offset = OFF(monitor_file_max_bytes),
	    .def = "4294967296",
	    .min = 4096,
	    .max = 64 * GIB,
	    .help = "largest file a monitor command (dump-guest-memory, screendump) may write into "
		    "a job's directory, in bytes" },
	{ .name = "artifact-max",
	    .type = CONF_INT,
	    .offset = OFF(artifact_max_bytes),
	    .def = "4294967296",
	    .min = 1,
	    .max = 1024 * GIB,
	    .help = "bytes of fast-channel artifacts kept per job; a file past it is refused" },
	{ .name = "max-blob",
	    .type = CONF_INT,
	    .offset = OFF(max_blob_bytes),
	    .def = "1073741824",
	    .min = 1,
	    .max = 64 * GIB,
	    .help = "largest blob (kernel, test file, disk image) accepted, in bytes" },
	{ .name = "max-body",
	    .type = CONF_INT,
	    .offset = OFF(max_body_bytes),
	    .def = "1048576",
	    .min = 1024,
	    .max = GIB,
	    .help = "largest JSON request body accepted, in bytes" },
	{ .name = "admin-group",
	    .type = CONF_STRING,
	    .offset = OFF(admin_group),
	    .def = "pkvmd-admin",
	    .help = "members of this group are admins on the Unix socket (as is root)" },
	{ .name = "ci-dir",
	    .type = CONF_STRING,
	    .offset = OFF(ci_dir),
	    .help = "directory of CI project files, one JSON file each (docs/CI.md); "
		    "read again on SIGHUP" },
	{ .name = "public-url",
	    .type = CONF_STRING,
	    .offset = OFF(public_url),
	    .help = "this server's URL as users reach it (https://lab:8443), for the "
		    "links in commit statuses" },
	{ .name = "ci-retry",
	    .type = CONF_INT,
	    .offset = OFF(ci_retry_s),
	    .def = "5",
	    .min = 1,
	    .max = 3600,
	    .help = "seconds before a commit status the forge did not take is sent again; "
		    "doubled at each attempt" },
	{ .name = "ci-retry-max",
	    .type = CONF_INT,
	    .offset = OFF(ci_retry_max_s),
	    .def = "600",
	    .min = 1,
	    .max = 86400,
	    .help = "the longest wait between two attempts to send a commit status" },
	{ .name = "ci-give-up",
	    .type = CONF_INT,
	    .offset = OFF(ci_give_up_s),
	    .def = "86400",
	    .min = 1,
	    .max = 30 * 86400,
	    .help = "seconds after which a commit status still not delivered is given up" },
	{ .name = "public-read",
	    .type = CONF_BOOL,
	    .offset = OFF(public_read),
	    .def = "false",
	    .help = "TCP clients without a token may read jobs, logs and results" },
	{ .name = "fair-share-half-life",
	    .type = CONF_INT,
	    .offset = OFF(fair_share_half_life_s),
	    .def = "3600",
	    .min = 60,
	    .max = 30 * 86400,
	    .help = "seconds in which a user's past usage halves in weight for fair share" },
	{ .name = "quota-running-slots",
	    .type = CONF_INT,
	    .offset = OFF(quota_running_slots),
	    .def = "0",
	    .max = 4096,
	    .help =
		"slots one user's running jobs may hold (0 = no limit; per-user: pkvmctl quota)" },
	{ .name = "quota-queued-jobs",
	    .type = CONF_INT,
	    .offset = OFF(quota_queued_jobs),
	    .def = "0",
	    .max = 1000000000,
	    .help = "jobs one user may have queued (0 = no limit)" },
	{ .name = "quota-blob-bytes-per-day",
	    .type = CONF_INT,
	    .offset = OFF(quota_blob_bytes_per_day),
	    .def = "0",
	    .max = 1024 * 1024 * GIB,
	    .help = "blob bytes one user may upload per UTC day (0 = no limit)" },
	{ .name = "max-mem",
	    .type = CONF_INT,
	    .offset = OFF(max_mem_mb),
	    .min = 64,
	    .max = 1024 * 1024 * 1024,
	    .help = "MiB of memory a job may ask for (default: the host's physical memory)" },
	{ .name = "keep-days",
	    .type = CONF_INT,
	    .offset = OFF(keep_days),
	    .def = "0",
	    .max = 36500,
	    .help = "days a finished job's directory is kept (console, artifacts; 0 = no limit)" },
	{ .name = "keep-bytes",
	    .type = CONF_SIZE,
	    .offset = OFF(keep_bytes),
	    .def = "0",
	    .max = 1LL << 60,
	    .help = "bytes all job directories may use, e.g. 200G (oldest go first; 0 = no "
		    "limit)" },
	{ .name = "keep-initrd",
	    .type = CONF_BOOL,
	    .offset = OFF(keep_initrd),
	    .def = "false",
	    .help = "keep a job's initrd when it ends (else deleted: rebuilt from blobs)" },
	{ .name = "blob-grace",
	    .type = CONF_INT,
	    .offset = OFF(blob_grace_s),
	    .def = "86400",
	    .max = 100LL * 365 * 86400,
	    .help = "seconds a blob no kept job refers to is kept (0 = blobs are never "
		    "deleted)" },
	{ .name = "prune-interval",
	    .type = CONF_INT,
	    .offset = OFF(prune_interval_s),
	    .def = "300",
	    .min = 10,
	    .max = 86400,
	    .help = "seconds between passes pruning job directories and blobs" },
	{ .name = "max-jobs-listed",
	    .type = CONF_INT,
	    .offset = OFF(max_jobs_listed),
	    .def = "10000",
	    .min = 1,
	    .max = 1000000,
	    .help = "most jobs one GET /v1/jobs returns" },
	{ .name = "min-free",
	    .type = CONF_INT,
	    .offset = OFF(min_free_bytes),
	    .def = "1073741824",
	    .min = 0,
	    .max = 1024 * 1024 * GIB,
	    .help = "bytes free in the state directory below which /v1/health is 503 (0: off)" },
	{ .name = "tls-cert",
	    .type = CONF_STRING,
	    .offset = OFF(tls_cert),
	    .help = "PEM certificate (chain) of the ,tls listeners; read again on SIGHUP" },
	{ .name = "tls-key",
	    .type = CONF_STRING,
	    .offset = OFF(tls_key),
	    .help = "PEM private key of --tls-cert; read again on SIGHUP" },
	{ .name = "max-connections",
	    .type = CONF_INT,
	    .offset = OFF(max_connections),
	    .def = "1024",
	    .min = 1,
	    .max = 1000000,
	    .help = "client connections open at once, all listeners together" },
	{ .name = "max-connections-per-ip",
	    .type = CONF_INT,
	    .offset = OFF(max_connections_per_ip),
	    .def = "64",
	    .min = 0,
	    .max = 1000000,
	    .help = "TCP connections open at once from one address (IPv6: one /64; 0: no cap)" },
	{ .name = "read-timeout",
	    .type = CONF_INT,
	    .offset = OFF(read_timeout_s),
	    .def = "30",
	    .min = 0,
	    .max = 86400,
	    .help = "seconds a client may stay silent while sending a request or between "
		    "requests, and has to send a whole request header (0: no limit)" },
	{ .name = "events-max-queue",
	    .type = CONF_INT,
	    .offset = OFF(events_max_queue_bytes),
	    .def = "1048576",
	    .min = 1024,
	    .max = GIB,
	    .help = "bytes of events a GET /v1/events client may leave unread before it is cut" },
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pkvmd --state-dir DIR [--socket PATH] [--slots N] [--foreground] "
	    "[OPTION]...\n\n");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		char opt[64];

		snprintf(opt, sizeof(opt), "%c%c%s--%s%s", k->shortopt ? '-' : ' ',
		    k->shortopt ? k->shortopt : ' ', k->shortopt ? ", " : "  ", k->name,
		    k->type == CONF_BOOL ? "" : " VALUE");
		fprintf(f, "  %-32s %s", opt, k->help);
		if (k->def != NULL && k->type != CONF_BOOL && k->type != CONF_STRING)
			fprintf(f, " [%s]", k->def);
		else if (k->def != NULL && k->type == CONF_STRING)
			fprintf(f, " [%s]", k->def);
		fputc('\n', f);
	}
	fprintf(f, "  %-32s %s\n", "    --no-OPTION", "turn a yes/no option off");
	fprintf(f, "  %-32s %s\n", "-h, --help", "show this help");
	fprintf(f, "  %-32s %s\n", "    --version", "show the version");
}

static int
set_value(struct config *c, const struct config_key *k, const char *val, char **cause)
{
	void *field = (char *)c + k->offset;
	char *end;
	long long v;

	switch (k->type) {
	case CONF_LIST: {
		struct config_list *l = field;
		char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		l->v = nv;
		if ((l->v[l->n] = strdup(val)) == NULL)
			return -ENOMEM;
		l->n++;
		return 0;
	}
	case CONF_STRING:
		free(*(char **)field);
		*(char **)field = strdup(val);
		return *(char **)field == NULL ? -ENOMEM : 0;
	case CONF_BOOL:
		if (strcmp(val, "true") == 0 || strcmp(val, "yes") == 0 || strcmp(val, "1") == 0)
			*(bool *)field = true;
		else if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0 ||
		    strcmp(val, "0") == 0)
			*(bool *)field = false;
		else
			goto bad;
		return 0;
	case CONF_INT:
	case CONF_MODE:
	case CONF_SIZE:
		errno = 0;
		v = strtoll(val, &end, k->type == CONF_MODE ? 8 : 10);
		if (errno != 0 || end == val || (v < 0 && k->type == CONF_SIZE))
			goto bad;
		if (k->type == CONF_SIZE && *end != '\0' && end[1] == '\0') {
			const char *units = "KMGT", *u = strchr(units, *end);

			if (u == NULL)
				goto bad;
			for (long i = 0; i <= u - units; i++) {
				if (v > k->max / 1024)
					goto bad;
				v *= 1024;
			}
			end++;
		}
		if (*end != '\0' || v < k->min || v > k->max)
			goto bad;
		*(int64_t *)field = v;
		return 0;
	}
bad:
	if (asprintf(cause, "invalid value '%s' for --%s (%s)", val, k->name,
		k->type == CONF_BOOL       ? "expected yes or no"
		    : k->type == CONF_SIZE ? "expected bytes, or a number with K, M, G or T"
					   : "out of range or not a number") < 0)
		*cause = NULL;
	return -EINVAL;
}

static const struct config_key *
find_key(const char *name, char shortopt)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (name != NULL && strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
		if (name == NULL && shortopt != 0 && config_keys[i].shortopt == shortopt)
			return &config_keys[i];
	}
	return NULL;
}

/* config_parse's work; whatever it returns, C may hold strings. */
static int
parse(struct config *c, int argc, char **argv, char **cause)
{
	int err;

	memset(c, 0, sizeof(*c));
	*cause = NULL;
	for (size_t i = 0; i < NKEYS; i++) {
		if (config_keys[i].def == NULL)
			continue;
		if ((err = set_value(c, &config_keys[i], config_keys[i].def, cause)) < 0)
			return err;
	}
	c->slots = sysconf(_SC_NPROCESSORS_ONLN);
	if (c->slots < 1)
		c->slots = 1;
	/* A job asking for more memory than the host has can never run. */
	c->max_mem_mb = (int64_t)sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;
	if (c->max_mem_mb < 64)
		c->max_mem_mb = 64;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;
		const struct config_key *k = NULL;
		char name[64];
		bool negate = false;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("pkvmd %s\n", PKVM_VERSION);
			return 1;
		}
		if (strncmp(arg, "--", 2) == 0) {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

			if (len >= sizeof(name))
				len = sizeof(name) - 1;
			memcpy(name, arg + 2, len);
			name[len] = '\0';
			if (eq != NULL)
				val = eq + 1;
			k = find_key(name, 0);
			if (k == NULL && strncmp(name, "no-", 3) == 0) {
				k = find_key(name + 3, 0);
				if (k != NULL && k->type == CONF_BOOL && val == NULL) {
					negate = true;
				} else {
					k = NULL;
				}
			}
		} else if (arg[0] == '-' && arg[1] != '\0' && arg[2] == '\0') {
			k = find_key(NULL, arg[1]);
		}
		if (k == NULL) {
			if (asprintf(cause, "unknown option '%s' (see pkvmd --help)", arg) < 0)
				*cause = NULL;
			return -EINVAL;
		}
		if (k->type == CONF_BOOL && val == NULL) {
			val = negate ? "false" : "true";
		} else if (val == NULL) {
			if (i + 1 >= argc) {
				if (asprintf(cause, "option --%s needs a value", k->name) < 0)
					*cause = NULL;
				return -EINVAL;
			}
			val = argv[++i];
		}
		if ((err = set_value(c, k, val, cause)) < 0)
			return err;
	}
	if (c->state_dir == NULL) {
		*cause = strdup(
		    "--state-dir DIR is required (where jobs, blobs and the database live)");
		return -EINVAL;
	}
	if (!job_cpu_valid(c->default_cpu)) {
		if (asprintf(cause,
			"invalid value '%s' for --default-cpu (qemu's -cpu: a model and "
			",property=value pairs, e.g. cortex-a72)",
			c->default_cpu) < 0)
			*cause = NULL;
		return -EINVAL;
	}
	return 0;
}

int
config_parse(struct config *c, int argc, char **argv, char **cause)
{
	int err = parse(c, argc, argv, cause);

	/* Only a parse that succeeded leaves the caller anything to free. */
	if (err != 0)
		config_free(c);
	return err;
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		void *field = (char *)c + config_keys[i].offset;

		if (config_keys[i].type == CONF_STRING) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (config_keys[i].type == CONF_LIST) {
			struct config_list *l = field;

			for (size_t j = 0; j < l->n; j++)
				free(l->v[j]);
			free(l->v);
			l->v = NULL;
			l->n = 0;
		}
	}
}
