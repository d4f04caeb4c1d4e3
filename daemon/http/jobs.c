/*
 * jobs.c -- /v1/jobs: submit, list, inspect, wait, follow, cancel.
 *
 * Waiting is event driven: a long poll registers a watch on the job and is
 * answered from the runner's "done" notification, and a console follower
 * is resumed by the runner's "console grew" notification.  No handler
 * polls on a timer, so `pkvmctl submit --wait` returns as soon as the job
 * is stored as done.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/paths.h"
#include "disk-image.h"
#include "http/handlers.h"
#include "job/job-json.h"
#include "job/qemu-policy.h"
#include "job/watch.h"
#include "elf-exe.h"
#include "kernel-image.h"
#include "payload-image.h"
#include "run/runner.h"
#include "store/blobs.h"
#include "store/store.h"
#include "symbols/elf.h"

/* GET .../wait without ?timeout=. */
#define WAIT_DEFAULT_S 60
/* Below this much free space in the state directory a submit is refused
 * (507): a job needs room for its rows, its directory and its console,
 * and taking it only to fail it at its first write helps nobody. */
#define SUBMIT_MIN_FREE_BYTES (1024 * 1024)
/* How much of the console a ?test= slice reads at a time. */
#define CONSOLE_CHUNK_BYTES (64 * 1024)

void
http_reply_job_error(struct http_request *req, int64_t id, int err, const char *what)
{
	if (err == -ENOENT)
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no job %lld", (long long)id);
	else
		http_reply_errno(req, err, what);
}

struct job *
http_job_load(struct http_request *req, int64_t id)
{
	struct job *j = NULL;
	int err = store_job_get(http_request_env(req)->store, id, &j);

	if (err < 0) {
		http_reply_job_error(req, id, err, "loading job");
		return NULL;
	}
	return j;
}

static void
reply_job(struct http_request *req, unsigned status, struct job *j)
{
	json_t *o = job_to_json(j);

	job_free(j);
	if (o == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	http_reply_json(req, status, o);
}

/* A payload job's payloads must be here and each be a flat aarch64
 * binary or an arm64 EFI app (common/payload-image.h), which sets its
 * format; the kernel check does not apply. */
static bool
check_payloads(struct http_request *req, struct job *j)
{
	struct http_env *d = http_request_env(req);
	unsigned char head[PAYLOAD_HEAD_BYTES];
	enum payload_format f;
	const char *why = NULL;
	ssize_t n;

	for (size_t i = 0; i < j->nexes; i++) {
		struct job_exe *p = &j->exes[i];

		if (blobs_size(d->blobs, p->blob, &p->size) != 0) {
			http_reply_error(req, HTTP_ERR_MISSING_BLOB, "payloads",
			    "blob %s of payload '%s' is not on the server: upload it first",
			    p->blob, p->name);
			return false;
		}
		n = blobs_read_head(d->blobs, p->blob, head, sizeof(head));
		if (n < 0) {
			http_reply_errno(req, (int)n, "reading a payload blob");
			return false;
		}
		f = payload_image_format(head, (size_t)n, &why);
		if (f == PAYLOAD_UNKNOWN) {
			http_reply_error(req, HTTP_ERR_BAD_PAYLOAD, "payloads",
			    "payload '%s' is no flat aarch64 binary nor arm64 EFI app: it is %s",
			    p->name, why);
			return false;
		}
		snprintf(p->format, sizeof(p->format), "%s", payload_format_name(f));
	}
	return true;
}

/* Every blob the job names must be here, and the kernel must be one. */
static bool
check_blobs(struct http_request *req, struct job *j)
{
	struct http_env *d = http_request_env(req);
	unsigned char head[64];
	uint64_t size;
	ssize_t n;

	if (j->kind == JOB_KIND_PAYLOAD)
		return check_payloads(req, j);
	if (blobs_size(d->blobs, j->kernel, &size) != 0) {
		http_reply_error(req, HTTP_ERR_MISSING_BLOB, "kernel",
		    "kernel blob %s is not on the server: upload it first "
		    "(PUT /v1/blobs/%s)",
		    j->kernel, j->kernel);
		return false;
	}
	n = blobs_read_head(d->blobs, j->kernel, head, sizeof(head));
	if (n < 0) {
		http_reply_errno(req, (int)n, "reading kernel blob");
		return false;
	}
	if (kernel_image_refusal(kernel_image_format(head, (size_t)n)) != NULL) {
		http_reply_error(req, HTTP_ERR_BAD_KERNEL, "kernel", "%s",
		    kernel_image_refusal(kernel_image_format(head, (size_t)n)));
		return false;
	}
	for (size_t i = 0; i < j->nexes; i++) {
		if (blobs_size(d->blobs, j->exes[i].blob, &j->exes[i].size) != 0) {
			http_reply_error(req, HTTP_ERR_MISSING_BLOB, "executables",
			    "blob %s of executable '%s' is not on the server: upload it first",
			    j->exes[i].blob, j->exes[i].name);
			return false;
		}
	}
	for (size_t i = 0; i < j->nextra; i++) {
		if (j->extra[i].kind != EXTRA_FILE)
			continue;
		if (blobs_size(d->blobs, j->extra[i].blob, &j->extra[i].size) != 0) {
			http_reply_error(req, HTTP_ERR_MISSING_BLOB, "extra",
			    "blob %s of extra file '%s' is not on the server: upload it first",
			    j->extra[i].blob, j->extra[i].path);
			return false;
		}
	}
	return true;
}

/* Every disk the job names must be here and be a raw or qcow2 image
 * that opens no other file; its format and size go into the job. */
static bool
check_disks(struct http_request *req, struct job *j)
{
	struct http_env *d = http_request_env(req);
	unsigned char head[DISK_IMAGE_HEAD_BYTES];
	const char *why;
	ssize_t n;

	for (size_t i = 0; i < j->ndisks; i++) {
		struct job_disk *disk = &j->disks[i];

		if (blobs_size(d->blobs, disk->blob, &disk->size) != 0) {
			http_reply_error(req, HTTP_ERR_MISSING_BLOB, "disks",
			    "blob %s of disk %zu is not on the server: upload it first", disk->blob,
			    i + 1);
			return false;
		}
		n = blobs_read_head(d->blobs, disk->blob, head, sizeof(head));
		if (n < 0) {
			http_reply_errno(req, (int)n, "reading a disk blob");
			return false;
		}
		disk->format = disk_image_check(head, (size_t)n, disk->size, &why);
		if (disk->format == DISK_UNKNOWN) {
			http_reply_error(req, HTTP_ERR_BAD_DISK, "disks",
			    "disk %zu (blob %.12s) %s", i + 1, disk->blob, why);
			return false;
		}
	}
	return true;
}

/* Is there an extra entry at guest path ABS (absolute) in job J? */
static bool
extra_has(const struct job *j, const char *abs)
{
	for (size_t i = 0; i < j->nextra; i++)
		if (j->extra[i].kind != EXTRA_DIR && strcmp(j->extra[i].path, abs + 1) == 0)
			return true;
	return false;
}

/* An ELF executable must be a 64-bit aarch64 one, and a dynamically linked
 * one runs only if the job brings its loader: pkvmctl checks both and
 * ships the loader with --sysroot, but an API client may not have (the
 * guest would only say "not found" when exec fails).  Only the ELF
 * headers are read; the loader's libraries are the job's business. */
static bool
check_interpreters(struct http_request *req, const struct job *j)
{
	struct http_env *d = http_request_env(req);
	char path[PATH_MAX];

	for (size_t i = 0; i < j->nexes; i++) {
		struct elf_exe e;
		bool ok;
		int err;

		blobs_path(d->blobs, j->exes[i].blob, path, sizeof(path));
		if ((err = elf_exe_read(path, &e)) == -ENOEXEC)
			continue;
		if (err == -EINVAL) {
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "executables",
			    "executable '%s' is a damaged ELF file (its headers point outside it)",
			    j->exes[i].name);
			return false;
		}
		if (err < 0) {
			http_reply_errno(req, err, "reading an executable's blob");
			return false;
		}
		if (e.machine != ELF_EXE_AARCH64 || !e.elf64_le) {
			const char *m = elf_exe_machine_name(e.machine);
			char what[64];

			if (m != NULL)
				snprintf(what, sizeof(what), "%s%s", m,
				    e.elf64_le ? "" : ", not 64-bit little-endian");
			else
				snprintf(what, sizeof(what), "number %u", e.machine);
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "executables",
			    "executable '%s' is not a 64-bit aarch64 program (ELF machine %s): the "
			    "guest runs no other",
			    j->exes[i].name, what);
			elf_exe_free(&e);
			return false;
		}
		ok = e.interp == NULL || (e.interp[0] == '/' && extra_has(j, e.interp));
		if (!ok)
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "executables",
			    "executable '%s' is dynamically linked (interpreter %.256s) and the "
			    "job's extra tree has no %.256s: ship the loader and libraries "
			    "(pkvmctl submit --sysroot DIR) or link it statically",
			    j->exes[i].name, e.interp, e.interp);
		elf_exe_free(&e);
		if (!ok)
			return false;
	}
	return true;
}

/* The job's vmlinux, if it names one, must be here and be an ELF file;
 * its build id (or "" when it has none) into ID, so that later jobs of
 * the same kernel find it.  Only its headers and notes are read. */
static bool
check_vmlinux(struct http_request *req, const struct job *j, char *id)
{
	struct http_env *d = http_request_env(req);
	char path[PATH_MAX];
	struct elf_file *e;
	uint64_t size;
	int err;

	id[0] = '\0';
	if (j->vmlinux[0] == '\0')
		return true;
	if (blobs_size(d->blobs, j->vmlinux, &size) != 0) {
		http_reply_error(req, HTTP_ERR_MISSING_BLOB, "vmlinux",
		    "vmlinux blob %s is not on the server: upload it first", j->vmlinux);
		return false;
	}
	blobs_path(d->blobs, j->vmlinux, path, sizeof(path));
	if ((err = elf_open(path, &e)) == -ENOEXEC) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "vmlinux",
		    "vmlinux blob %s is not a 64-bit little-endian ELF file: give the "
		    "kernel build's vmlinux, not its Image",
		    j->vmlinux);
		return false;
	}
	if (err < 0) {
		http_reply_errno(req, err, "reading the vmlinux blob");
		return false;
	}
	if (elf_build_id(e, id) < 0)
		id[0] = '\0';
	elf_close(e);
	return true;
}

void
http_jobs_submit(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct job_json_error e = { 0 };
	char build_id[ELF_BUILD_ID_HEX];
	uint64_t free_bytes = 0;
	struct job *j;
	int err;

	if (d->shutting_down) {
		http_reply_error(req, HTTP_ERR_SHUTTING_DOWN, NULL, NULL);
		return;
	}
	if (http_state_free_bytes(d, &free_bytes) == 0 && free_bytes < SUBMIT_MIN_FREE_BYTES) {
		http_reply_errno(req, -ENOSPC, "storing job");
		return;
	}
	if (job_new(&j) < 0) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	err = job_from_request(http_request_json(req), j, &e);
	if (err == 0 && !http_request_is_admin(req))
		err = job_qemu_args_check(j, &e);
	if (err == -EINVAL) {
		http_reply_error(req, http_error_by_code(e.code, HTTP_ERR_INVALID_FIELD), e.field,
		    "%s", e.message);
		goto out;
	}
	if (err == 0 && j->seed == NULL)
		err = job_seed_random(j);
	if (err == 0 && j->cpu == NULL && (j->cpu = strdup(d->default_cpu)) == NULL)
		err = -ENOMEM;
	if (err == 0 && (j->owner = strdup(http_request_owner(req))) == NULL)
		err = -ENOMEM;
	if (err == 0 && (j->via = strdup(http_request_via(req))) == NULL)
		err = -ENOMEM;
	if (err < 0) {
		http_reply_errno(req, err, "reading job");
		goto out;
	}
	if (!http_limits_submit(req, j))
		goto out;
	if (!check_blobs(req, j) || !check_disks(req, j) || !check_interpreters(req, j) ||
	    !check_vmlinux(req, j, build_id))
		goto out;
	j->created_ms = clock_now_ms();
	err = store_job_insert(d->store, j);
	if (err < 0) {
		http_reply_errno(req, err, "storing job");
		goto out;
	}
	/* A later job of the same kernel finds this vmlinux by its build id
	 * (docs/SYMBOLS.md); without the record it only goes without. */
	if (build_id[0] != '\0' &&
	    (err = store_vmlinux_add(d->store, build_id, j->vmlinux, j->created_ms)) < 0)
		log_warn(err, "job %lld: recording its vmlinux's build id", (long long)j->id);
	runner_job_queued(d->runner, j);
	reply_job(req, 201, j);
	j = NULL;
	runner_kick(d->runner);
out:
	job_free(j);
}

void
http_job_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *text;
	size_t len;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id))
		return;
	if ((err = job_cache_get(d->job_cache, d->store, id, &text, &len)) < 0) {
		http_reply_job_error(req, id, err, "loading job");
		return;
	}
	http_reply_json_text(req, 200, text, len);
}

/* GET /v1/jobs/{id}/estimate: what `pkvmctl wait` shows as the expected
 * run time. */
void
http_job_estimate(struct http_request *req)
{
	int64_t id, from = 0, ms = 0;
	struct job *j;
	int err;

	if (!http_job_id_param(req, &id) || (j = http_job_load(req, id)) == NULL)
		return;
	job_free(j);
	err = store_job_estimate(http_request_env(req)->store, id, &from, &ms);
	if (err < 0 && err != -ENOENT) {
		http_reply_errno(req, err, "estimating the job");
		return;
	}
	http_reply_json(req, 200,
	    json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id, "estimate_ms",
		err == 0 ? json_integer(ms) : json_null(), "from",
		err == 0 ? json_integer(from) : json_null()));
}

/* ---- long poll ---------------------------------------------------------- */

static void
reply_job_now(struct http_request *req, int64_t id)
{
	struct job *j = http_job_load(req, id);

	if (j != NULL)
		reply_job(req, 200, j);
}

void
http_job_wait(struct http_request *req)
{
	struct job *j;
	long long timeout_s;
	int64_t id;

	if (http_query_int(req, "timeout", 0, HTTP_WAIT_MAX_S, WAIT_DEFAULT_S, &timeout_s) < 0)
		return;
	if (!http_job_id_param(req, &id) || (j = http_job_load(req, id)) == NULL)
		return;
	if (j->state == JOB_DONE || timeout_s == 0) {
		reply_job(req, 200, j);
		return;
	}
	job_free(j);
	http_wait_for(req, id, WATCH_DONE, (long)timeout_s, reply_job_now);
}

/* ---- console ------------------------------------------------------------ */

struct console_state {
	struct http_request *req;
	struct http_env *d;
	struct job_watch watch;
	char path[PATH_MAX];
	int fd;
	uint64_t offset;
	bool follow;
	bool done;
	/* ?test=NAME: only lines first_line..last_line, read from file_off. */
	uint64_t first_line, last_line, line;
	uint64_t file_off;
};

/* Copy into BUF the bytes of lines first_line..last_line that follow
 * cs->file_off; -1 once past last_line or at the end of the file. */
static ssize_t
console_read_lines(struct console_state *cs, char *buf, size_t max)
{
	char chunk[CONSOLE_CHUNK_BYTES];
	size_t out = 0;

	while (out == 0) {
		size_t want = sizeof(chunk) < max ? sizeof(chunk) : max;
		ssize_t n = pread(cs->fd, chunk, want, (off_t)cs->file_off);

		if (n <= 0 || cs->line > cs->last_line)
			return -1;
		for (ssize_t i = 0; i < n && cs->line <= cs->last_line; i++) {
			if (cs->line >= cs->first_line)
				buf[out++] = chunk[i];
			if (chunk[i] == '\n')
				cs->line++;
			cs->file_off++;
		}
	}
	return (ssize_t)out;
}

static void
on_console_event(struct job_watch *w, enum watch_event ev)
{
	struct console_state *cs = (struct console_state *)((char *)w -
	    offsetof(struct console_state, watch));

	if (ev == WATCH_DONE)
		cs->done = true;
	http_request_resume(cs->req);
}

/* Produce console bytes; pause at the end of the file while the job may
 * still print more. */
static ssize_t
console_read(void *arg, uint64_t pos, char *buf, size_t max)
{
	struct console_state *cs = arg;
	ssize_t n;

	if (cs->fd < 0)
		cs->fd = open(cs->path, O_RDONLY | O_CLOEXEC);
	if (cs->last_line != 0)
		return cs->fd < 0 ? -1 : console_read_lines(cs, buf, max);
	if (cs->fd >= 0) {
		/* Page-cache reads of a file the runner just wrote. */
		n = pread(cs->fd, buf, max, (off_t)(cs->offset + pos));
		if (n > 0)
			return n;
	}
	if (!cs->follow || cs->done)
		return -1;
	watch_add(cs->d->watches, &cs->watch);
	http_request_pause(cs->req);
	return 0;
}

static void
console_state_free(void *arg)
{
	struct console_state *cs = arg;

	watch_remove(cs->d->watches, &cs->watch);
	if (cs->fd >= 0)
		close(cs->fd);
	free(cs);
}

/* Find TEST's lines in job ID's console; replies 404 and returns false when
 * there is no such test. */
static bool
console_test_range(struct http_request *req, int64_t id, const char *test, struct console_state *cs)
{
	struct test_full *t = NULL;
	size_t n = 0;
	int err;

	err = store_test_list_full(http_request_env(req)->store, id, &t, &n);
	if (err < 0) {
		http_reply_errno(req, err, "listing tests");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].t.name, test) == 0 && t[i].first_line > 0) {
			cs->first_line = t[i].first_line;
			cs->last_line = t[i].last_line ? t[i].last_line : UINT64_MAX;
		}
	}
	store_test_list_full_free(t, n);
	if (cs->last_line == 0) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, "test", "job %lld has no test '%.128s'",
		    (long long)id, test);
		return false;
	}
	/* A slice is read once, from the start of the file. */
	cs->follow = false;
	cs->line = 1;
	return true;
}

void
http_job_console(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *follow = http_request_query(req, "follow");
	const char *test = http_request_query(req, "test");
	struct console_state *cs;
	struct job *j;
	int64_t id;
	long long offset;
	char dir[PATH_MAX];

	if (http_query_int(req, "offset", 0, INT64_MAX, 0, &offset) < 0)
		return;
	if (!http_job_id_param(req, &id) || (j = http_job_load(req, id)) == NULL)
		return;
	if (http_reply_if_pruned(req, j)) {
		job_free(j);
		return;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		job_free(j);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	cs->req = req;
	cs->d = d;
	cs->fd = -1;
	cs->watch.job_id = id;
	cs->watch.cb = on_console_event;
	cs->follow = follow != NULL && strcmp(follow, "0") != 0 && strcmp(follow, "false") != 0;
	cs->done = j->state == JOB_DONE;
	cs->offset = (uint64_t)offset;
	if (test != NULL && !console_test_range(req, id, test, cs)) {
		free(cs);
		job_free(j);
		return;
	}
	paths_job_dir(d->state_dir, id, dir, sizeof(dir));
	snprintf(cs->path, sizeof(cs->path), "%s/serial", dir);
	/* The state belongs to the request, which outlives every call of the
	 * reader: a watch event can never resume a freed request. */
	http_request_set_data(req, cs, console_state_free);
	http_reply_stream(req, 200, "text/plain; charset=utf-8", console_read, cs, NULL,
	    "X-Pkvm-Job-State", job_state_name(j->state));
	job_free(j);
}

/* ---- cancel ------------------------------------------------- */

void
http_job_cancel(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	struct job *j;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id))
		return;
	if ((j = http_job_load(req, id)) == NULL)
		return;
	if (!http_request_may_change(req, j->owner)) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, NULL,
		    "job %lld belongs to %s; only they or an admin may cancel it", (long long)id,
		    j->owner);
		job_free(j);
		return;
	}
	job_free(j);
	err = runner_cancel(d->runner, id, http_request_owner(req));
	if (err == -ESTALE) {
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL, "job %lld is already done",
		    (long long)id);
		return;
	}
	if (err == -ENOENT) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no job %lld", (long long)id);
		return;
	}
	if (err < 0) {
		http_reply_errno(req, err, "cancelling job");
		return;
	}
	if ((j = http_job_load(req, id)) != NULL)
		reply_job(req, 202, j);
}

/* ---- the qemu command --------------------------------------------------- */

/* The bytes of qemu.cmd are a copy of what ran, for a human to rerun the
 * guest by hand; more than this is not a command line. */
#define QEMU_CMD_MAX_BYTES (256 * 1024)

void
http_job_qemu_cmd(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	char dir[PATH_MAX], path[PATH_MAX + 16];
	char *text;
	ssize_t n;
	int64_t id;
	int fd;

	if (!http_job_files_param(req, &id))
		return;
	paths_job_dir(d->state_dir, id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/qemu.cmd", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Written when qemu starts: a queued job has none yet. */
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "job %lld has no qemu command yet",
		    (long long)id);
		return;
	}
	text = malloc(QEMU_CMD_MAX_BYTES);
	if (text == NULL) {
		close(fd);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	n = read(fd, text, QEMU_CMD_MAX_BYTES);
	close(fd);
	if (n < 0) {
		free(text);
		http_reply_errno(req, -errno, "reading qemu.cmd");
		return;
	}
	http_reply_text(req, 200, "text/plain; charset=utf-8", text, (size_t)n);
}
