/*
 * wire.h -- what pkvmd and pkvmctl agree on over the wire.
 *
 * The REST API lives under PKVM_API_PREFIX.  Job states and results travel
 * as the lower-case strings below; both sides convert through these tables
 * so a new state is added in exactly one place.  Bump PKVM_WIRE_VERSION
 * whenever a JSON shape changes in a way an older peer would misread.
 */
#ifndef PKVM_WIRE_H
#define PKVM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKVM_API_PREFIX "/v1"
/* Bump when a request or response JSON shape changes incompatibly. */
#define PKVM_WIRE_VERSION 1

#define PKVM_DEFAULT_SOCKET "/run/pkvmd/pkvmd.sock"

/* Limits shared by the client (early, friendly checks) and the daemon (the
 * checks that count). */
#define PKVM_SMP_MAX 64
#define PKVM_MEM_MIN_MB 64
#define PKVM_MEM_MAX_MB 65536
#define PKVM_TIMEOUT_MAX_S (7 * 24 * 3600)
#define PKVM_NAME_MAX 128
#define PKVM_TAG_MAX 64
#define PKVM_TAGS_MAX 32
#define PKVM_EXES_MAX 1024
#define PKVM_APPEND_MAX 4096
#define PKVM_QEMU_ARGS_MAX 128
#define PKVM_EXTRA_MAX 10000
/* Disks a job may attach (--disk): virtio-blk devices /dev/vda.. */
#define PKVM_DISKS_MAX 8
/* The longest --root device path ("/dev/vda1", "/dev/disk/by-id/...") */
#define PKVM_ROOT_MAX 128

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

/* RESULT_NONE is "not done yet" and travels as JSON null. */
enum job_result {
	RESULT_NONE,
	RESULT_PASSED,
	RESULT_FAILED,
	RESULT_TIMEOUT,
	RESULT_CRASHED,
	RESULT_CANCELLED,
	RESULT_ERROR,
	RESULT_INTERRUPTED,
};

/* Exit codes of `pkvmctl submit --wait` (and `pkvmctl wait`), documented in
 * README.md and pkvmctl's usage text. */
enum pkvm_exit {
	PKVM_EXIT_PASSED = 0,
	PKVM_EXIT_FAILED = 1, /* a test failed */
	PKVM_EXIT_USAGE = 2, /* bad command line or request refused */
	PKVM_EXIT_TIMEOUT = 3, /* total or idle timeout */
	PKVM_EXIT_CRASHED = 4, /* kernel or hypervisor crash */
	PKVM_EXIT_CANCELLED = 5, /* cancelled */
	PKVM_EXIT_INFRA = 6, /* daemon unreachable, job error or interrupted */
};

/* Name of a job state ("queued", "running", "done"). */
const char *job_state_name(enum job_state s);
/* Parse a job state name; 0 on success, -EINVAL otherwise. */
int job_state_parse(const char *name, enum job_state *out);
/* Name of a result ("passed", ...), or NULL for RESULT_NONE. */
const char *job_result_name(enum job_result r);
/* Parse a result name; 0 on success, -EINVAL otherwise. */
int job_result_parse(const char *name, enum job_result *out);
/* The pkvmctl exit code for a finished job's result. */
enum pkvm_exit job_result_exit_code(enum job_result r);

/* True when NAME is a safe test executable name: 1..PKVM_NAME_MAX bytes of
 * [A-Za-z0-9._+-], not starting with '.', so never "/" or "..". */
bool pkvm_name_valid(const char *name);
/* True when TAG is 1..PKVM_TAG_MAX bytes of [A-Za-z0-9._:+=/@-]. */
bool pkvm_tag_valid(const char *tag);
/* True when HEX is SHA256_HEX_LEN lower-case hex digits (a sha256 in hex). */
bool pkvm_sha256_hex_valid(const char *hex);

/* Parse a time as the API writes it, RFC 3339 in UTC
 * ("2026-11-21T18:20:00.123Z"; the fraction is optional and "+00:00" may
 * stand for "Z"), into unix milliseconds; 0 or -EINVAL. */
int pkvm_time_parse(const char *s, int64_t *ms);

#endif
