/*
 * job.h -- the job: what was asked for, and where it is in its life.
 *
 * A job is created by POST /v1/jobs, persisted by the store, scheduled by
 * the scheduler and run by the runner.  Its life is a small state machine:
 *
 *     queued --start--> running --finish(result)--> done
 *       |                  |
 *       +--cancel--> done  +--daemon killed, restart--> queued (requeue)
 *                                                  or  done (interrupted)
 *
 * job_transition_ok() is the single statement of those rules; the store
 * enforces them again in SQL so a racing writer cannot break them.
 */
#ifndef PKVM_JOB_H
#define PKVM_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk-image.h"
#include "sha256.h"
#include "wire.h"

#define JOB_DEFAULT_SMP 1
#define JOB_DEFAULT_MEM_MB 1024
#define JOB_DEFAULT_TIMEOUT_S 600
#define JOB_DEFAULT_IDLE_TIMEOUT_S 120
/* Runs of a job an infrastructure failure may take (docs/API.md). */
#define JOB_DEFAULT_MAX_ATTEMPTS 2
#define JOB_MAX_ATTEMPTS_MAX 10
#define JOB_RETRY_FAILED_MAX 10
#define JOB_SEED_MAX 64
/* The most guest files a job streams (stream_paths). */
#define JOB_STREAM_PATHS_MAX 8
/* Priorities are three classes; the API names them (job_priority_name()).
 * An integer from an older client counts by its sign. */
#define JOB_PRIORITY_LOW (-1)
#define JOB_PRIORITY_NORMAL 0
#define JOB_PRIORITY_HIGH 1
/* The integers older clients may send. */
#define JOB_PRIORITY_MIN (-100)
#define JOB_PRIORITY_MAX 100

enum job_extra_kind { EXTRA_FILE, EXTRA_DIR, EXTRA_SYMLINK };

/* The guest's network: none (no NIC), or one NIC on qemu's user-mode
 * network, restricted so it reaches neither the host nor beyond. */
enum job_net { JOB_NET_NONE, JOB_NET_USER };

/* One entry of the --extra tree, placed at PATH under the guest's root. */
struct job_extra {
	char *path; /* relative, '/'-separated, no "." or ".." components */
	enum job_extra_kind kind;
	char blob[SHA256_HEX_LEN + 1]; /* EXTRA_FILE: sha256 hex */
	uint32_t mode; /* permission bits */
	uint64_t size; /* EXTRA_FILE: bytes, from the blob store */
	char *target; /* EXTRA_SYMLINK: where it points */
};

/* One disk of --disk: a raw or qcow2 blob, attached as virtio-blk in the
 * order given (/dev/vda first).  A writable one gets its own qcow2
 * overlay in the job directory, so the blob itself is never written. */
struct job_disk {
	char blob[SHA256_HEX_LEN + 1]; /* sha256 hex */
	enum disk_format format; /* from the blob's header, at submit */
	bool readonly; /* attached readonly=on, without an overlay */
	uint64_t size; /* bytes, from the blob store */
};
/* What a job boots: a Linux kernel with its tests in an initramfs, or
 * bare payloads (docs/PAYLOADS.md: kvm-unit-tests' .flat files, EFI apps),
 * each booted by a qemu of its own, one after another.  A payload job
 * keeps its payloads in exes, one test each; its kernel is the first
 * payload's blob. */
enum job_kind { JOB_KIND_KERNEL, JOB_KIND_PAYLOAD };

struct job_exe {
	char *name; /* validated by pkvm_name_valid() */
	char blob[SHA256_HEX_LEN + 1]; /* sha256 hex */
	uint32_t mode; /* permission bits for the guest file */
	uint64_t size; /* bytes, filled from the blob store */
	char **args; /* command-line arguments (manifest) */
	size_t nargs;
	char **env; /* KEY=VALUE entries (manifest) */
	size_t nenv;
	int timeout_s; /* own timeout, 0 = the job's test_timeout */
	/* A payload's (JOB_KIND_PAYLOAD) own machine: */
	int smp; /* its CPUs (1..the job's smp) */
	int mem_mb; /* its memory, 0 = the job's */
	char *append; /* its arguments (qemu -append), "" when none */
	char *machine; /* extra -machine properties ("gic-version=2"), "" when none */
	char *groups; /* kvm-unit-tests groups, space-separated, "" when none */
	char format[8]; /* "flat" or "efi", from its first bytes at submit */
};

struct job {
	int64_t id;
	char *owner;
	/* How it came: "socket", "token:ID" (the API sets it, the client
	 * cannot); NULL for jobs from before pkvmd recorded it. */
	char *via;
	enum job_state state;
	enum job_result result; /* RESULT_NONE until done */
	char *message; /* why it did not pass, or NULL */
	int64_t created_ms; /* unix time in ms; 0 = not yet */
	int64_t started_ms;
	int64_t finished_ms;

	char kernel[SHA256_HEX_LEN + 1];
	int smp;
	int mem_mb;
	char *append; /* user's extra kernel args, "" when none */
	int timeout_s;
	int idle_timeout_s; /* 0 disables the idle watchdog */
	int debug_port; /* 0 = no gdb stub */
	bool coverage;
	bool uefi;
	enum job_net net;
	/* qemu's -cpu: a model and its properties ("max,pauth-impdef=on"),
	 * the server's --default-cpu unless the submitter chose one. */
	char *cpu;
	char *seed;
	int priority;
	char **tags;
	size_t ntags;
	char **qemu_args;
	size_t nqemu_args;
	struct job_exe *exes;
	size_t nexes;
	enum job_kind kind; /* JOB_KIND_PAYLOAD: exes are payloads */

	int test_timeout_s; /* default per-test timeout, 0 = none */
	bool fail_on_warn; /* a WARNING report fails the job */
	char **modules; /* kernel modules to load before the tests */
	size_t nmodules;
	struct job_extra *extra; /* the --extra tree */
	size_t nextra;
	char *timings; /* the guest's timing marks as JSON text, or NULL */
	char *build_dir; /* where .gcno files are on the server, or NULL */
	char *gcov_tool; /* "gcov", "aarch64-linux-gnu-gcov", "llvm-cov", or NULL = detect */
	char **coverage_paths; /* extra guest paths with .gcda files */
	size_t ncoverage_paths;
	/* The kernel's vmlinux blob, sha256 hex, for file:line in crash
	 * reports (docs/SYMBOLS.md); "" when none was given. */
	char vmlinux[SHA256_HEX_LEN + 1];

	/* The pKVM tester's ways (docs/TESTER.md): skip the tests after the
	 * first failure; guest files streamed into _stream artifacts while
	 * the tests run, besides the hypervisor's log. */
	bool stop_on_failure;
	char **stream_paths;
	size_t nstream_paths;

	/* The sha256 of its test files, which flakiness is counted against
	 * (019-outcomes.sql); "" for jobs from before. */
	char tests_key[SHA256_HEX_LEN + 1];
	int attempt; /* 1 for the first run */
	/* An attempt an infrastructure failure ended (qemu that would not
	 * start or was killed by the host, pkvmd restarted) is run again, up
	 * to MAX_ATTEMPTS in all; ATTEMPTS are those that ended so. */
	int max_attempts;
	/* --retry-failed (020-flaky.sql): /init runs a test that failed up to
	 * RETRY_FAILED more times, with a seed of its own each time when
	 * NEW_SEED; a test that passes on one is flaky, and a job whose only
	 * failures are flaky passes unless STRICT. */
	int retry_failed;
	bool new_seed;
	bool strict;
	/* Where the guest runs when not here ("Slurm job 12 on node n1"), or
	 * NULL (021-placement.sql). */
	char *placement;
	struct job_attempt *attempts;
	size_t nattempts;
	bool has_exit_status;
	int exit_status; /* qemu exit code, or -signal */
	int64_t console_bytes;
	int tests_total, tests_passed, tests_failed;

	/* Retention (docs/LAB.md section 5): a pinned job's directory is
	 * never pruned; PRUNED_MS is when it was (0: it was not). */
	bool pinned;
	int64_t pruned_ms;

	/* Disks (docs/DISKS.md): attached in order; ROOT, when not NULL,
	 * is the guest device /init mounts and switches root to; KEEP_DISK
	 * keeps the writable disks' overlays as job files. */
	struct job_disk *disks;
	size_t ndisks;
	char *root;
	bool keep_disk;
	/* After the tests the guest drops to a shell on its console instead
	 * of powering off (docs/INTERACTIVE.md): no idle timeout, and the job
	 * ends when the guest powers off, on cancel or at its timeout. */
	bool interactive;
	/* The job asks to start from a saved VM of the same kernel and
	 * machine instead of booting (docs/PERFORMANCE.md, "Boot once, test
	 * many"; 022-warm.sql). */
	bool warm;
};

/* One attempt of a job that infrastructure ended. */
struct job_attempt {
	int attempt;
	enum job_result result; /* RESULT_ERROR or RESULT_INTERRUPTED */
	char *message;
	int64_t started_ms, finished_ms;
};

/* An empty job with every default filled in, into *OUT; 0 or -ENOMEM. */
int job_new(struct job **out);
/* Give J a random test seed (16 hex digits, the guest's pkvm.seed= when
 * the submitter names none): 0, or negative errno. */
int job_seed_random(struct job *j);
/* Free a job and everything it owns; NULL is fine. */
void job_free(struct job *j);
/* True when the state machine allows FROM -> TO. */
bool job_transition_ok(enum job_state from, enum job_state to);
/* True when R is a valid final result (not RESULT_NONE). */
bool job_result_final(enum job_result r);
/* Name of a network mode ("none", "user"). */
const char *job_net_name(enum job_net n);
/* Name of a job kind ("kernel", "payload"). */
const char *job_kind_name(enum job_kind k);
/* Parse a job kind name; 0 on success, -EINVAL otherwise. */
int job_kind_parse(const char *name, enum job_kind *out);
/* Parse a network mode name; 0 on success, -EINVAL otherwise. */
int job_net_parse(const char *name, enum job_net *out);
/* The longest -cpu value a job may give. */
#define JOB_CPU_MAX 128
/* pkvmd --default-cpu's default: every feature of "max", pointer
 * authentication included, with its implementation-defined hash instead
 * of the architected QARMA cipher, which TCG computes slowly (a boot in
 * 0.27 of the time, docs/PERFORMANCE.md). */
#define JOB_CPU_DEFAULT "max,pauth-impdef=on"

/* True when S can be qemu's -cpu for a job: a model name, then
 * ",property=value" pairs, of letters, digits and "._+-", at most
 * JOB_CPU_MAX characters. */
bool job_cpu_valid(const char *s);
/* Name of priority P: "low" below 0, "normal" at 0, "high" above. */
const char *job_priority_name(int p);
/* Parse "low", "normal" or "high" into *OUT; 0 or -EINVAL. */
int job_priority_parse(const char *name, int *out);

#endif
