/*
 * monitor.c -- POST /v1/jobs/ID/monitor: one QEMU monitor command on a
 * running job's qemu (pkvmctl monitor).
 *
 * The command is checked against the policy of job/monitor-policy.c (an
 * allow-list; the file-writing commands for admins, into the job's
 * directory), then run through QMP's human-monitor-command by a worker
 * thread (run/qmp.c blocks, bounded by a timeout), and its text comes back
 * as {"output": "..."}.  Only the job's owner or an admin may send one.
 *
 * Files.  dump-guest-memory writes into a file pkvmd opens itself,
 * JOBDIR/artifacts/_monitor/NAME, handed to qemu over the QMP socket
 * (getfd; qemu then needs no access to the job directory, whoever it runs
 * as), through QMP's own dump-guest-memory (the human monitor's runs in a
 * monitor that does not see the descriptor); screendump writes to that path relative to the job directory, qemu's
 * working directory.  Either is kept, as the job's artifact
 * "_monitor/NAME", only when it is no bigger than --monitor-file-max; an
 * ELF memory dump is refused before it starts when the guest's memory
 * alone is over the cap (it is the whole memory and a few headers), a
 * compressed one (kdump formats) is deleted after when it is over.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "base/log.h"
#include "base/paths.h"
#include "http/handlers.h"
#include "job/job.h"
#include "job/monitor-policy.h"
#include "run/console-taps.h"
#include "run/qmp.h"
#include "run/runner.h"
#include "sha256.h"
#include "store/store.h"

/* How long qemu may take to answer a command, and a memory dump. */
#define MONITOR_TIMEOUT_MS (10 * 1000)
#define MONITOR_DUMP_TIMEOUT_MS (600 * 1000)
/* The test name monitor files are listed under (pkvmctl artifacts). */
#define MONITOR_ARTIFACT_TEST "_monitor"

struct monitor_call {
	uv_work_t work;
	struct http_request *req; /* NULL once the client is gone */
	struct http_env *env;
	int64_t id;
	struct monitor_plan plan;
	char dir[PATH_MAX]; /* the job's directory */
	int64_t cap_bytes;
	/* Results, from the worker. */
	int err;
	char *output;
	char *cause;
	struct artifact_record file; /* when a file was kept */
	bool has_file;
};

static void
monitor_orphan(void *arg)
{
	struct monitor_call *m = arg;

	m->req = NULL;
}

static void
set_cause(struct monitor_call *m, int err, const char *fmt, const char *arg)
{
	free(m->cause);
	if (asprintf(&m->cause, fmt, arg) < 0)
		m->cause = NULL;
	m->err = err;
}

/* After a file-writing command: keep FINAL when it is within the cap. */
static void
keep_file(struct monitor_call *m, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		/* The human monitor says why in its output, not as an error. */
		set_cause(m, -EIO, "%s",
		    m->output != NULL && m->output[0] != '\0' ? m->output : "qemu wrote no file");
		return;
	}
	if ((int64_t)st.st_size > m->cap_bytes) {
		unlink(path);
		set_cause(m, -EFBIG, "%s was over --monitor-file-max and was deleted",
		    m->plan.file);
		return;
	}
	m->file.job_id = m->id;
	m->file.test = strdup(MONITOR_ARTIFACT_TEST);
	m->file.path = strdup(m->plan.file);
	m->file.size = (uint64_t)st.st_size;
	m->file.status = ARTIFACT_OK;
	if (m->file.test == NULL || m->file.path == NULL ||
	    sha256_file_hex(path, m->file.sha256) < 0) {
		set_cause(m, -ENOMEM, "%s: cannot record it", m->plan.file);
		return;
	}
	m->has_file = true;
}

/* The QMP format of dump-guest-memory's flag FLAG (monitor-policy.c). */
static const char *
dump_format(const char *flag)
{
	if (strcmp(flag, "-z") == 0)
		return "kdump-zlib";
	if (strcmp(flag, "-l") == 0)
		return "kdump-lzo";
	if (strcmp(flag, "-s") == 0)
		return "kdump-snappy";
	return "elf";
}

static void
monitor_work(uv_work_t *w)
{
	struct monitor_call *m = w->data;
	char dir[PATH_MAX + 64], path[PATH_MAX + 256], cmd[MONITOR_COMMAND_MAX + 128];
	int fd;

	if (m->plan.kind == MONITOR_PLAIN) {
		m->err = qmp_human_command(m->dir, m->plan.command, MONITOR_TIMEOUT_MS, &m->output,
		    &m->cause);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/artifacts", m->dir);
	(void)mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/artifacts/" MONITOR_ARTIFACT_TEST, m->dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		set_cause(m, -errno, "cannot create %s", dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, m->plan.file);
	if (m->plan.kind == MONITOR_SCREENDUMP) {
		unlink(path);
		snprintf(cmd, sizeof(cmd), "screendump artifacts/" MONITOR_ARTIFACT_TEST "/%s",
		    m->plan.file);
		m->err = qmp_human_command(m->dir, cmd, MONITOR_TIMEOUT_MS, &m->output, &m->cause);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0) {
			set_cause(m, -errno, "cannot create %s", m->plan.file);
			return;
		}
		m->err = qmp_dump_guest_memory(m->dir, fd, dump_format(m->plan.command),
		    strcmp(m->plan.command, "-p") == 0, MONITOR_DUMP_TIMEOUT_MS, &m->cause);
		close(fd);
	}
	/* The human monitor reports a failure as text, not as a QMP error:
	 * a file that is not there, or empty, was not written. */
	if (m->err == 0)
		keep_file(m, path);
	else
		unlink(path);
}

static void
monitor_after(uv_work_t *w, int status)
{
	struct monitor_call *m = w->data;
	struct http_request *req = m->req;
	json_t *o;
	int err;

	if (status < 0 && m->err == 0)
		m->err = status;
	if (m->has_file && (err = store_artifact_add(m->env->store, &m->file)) < 0) {
		log_warn(err, "job %lld: recording monitor file %s", (long long)m->id,
		    m->plan.file);
		m->has_file = false;
	}
	if (req != NULL) {
		http_request_set_data(req, NULL, NULL);
		if (m->err == -EFBIG)
			http_reply_error(req, HTTP_ERR_TOO_LARGE, "command", "%s", m->cause);
		else if (m->err == -EIO && m->cause != NULL)
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "command", "qemu: %s",
			    m->cause);
		else if (m->err < 0)
			http_reply_error(req, HTTP_ERR_CONFLICT, NULL, "job %lld: %s",
			    (long long)m->id, m->cause != NULL ? m->cause : strerror(-m->err));
		else {
			o = json_pack("{s:s}", "output", m->output ? m->output : "");
			if (o != NULL && m->has_file)
				json_object_set_new(o, "file",
				    json_pack("{s:s+, s:I, s:s}", "name", MONITOR_ARTIFACT_TEST "/",
					m->file.path, "size", (json_int_t)m->file.size, "sha256",
					m->file.sha256));
			http_reply_json(req, 200, o);
		}
	}
	free(m->file.test);
	free(m->file.path);
	free(m->output);
	free(m->cause);
	free(m);
}

void
http_job_monitor(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	json_t *body = http_request_json(req);
	const char *line = json_string_value(json_object_get(body, "command"));
	const char *cause = NULL, *key;
	struct monitor_call *m;
	struct job *j;
	json_t *v;
	int64_t id;
	int err;

	if (!http_job_id_param(req, &id))
		return;
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "command") != 0) {
			http_reply_error(req, HTTP_ERR_UNKNOWN_FIELD, key, "unknown field %s", key);
			return;
		}
	}
	if (line == NULL) {
		http_reply_error(req, HTTP_ERR_MISSING_FIELD, "command",
		    "command (a QEMU monitor command line, e.g. \"info registers\") is required");
		return;
	}
	if ((j = http_job_load(req, id)) == NULL)
		return;
	if (!http_request_may_change(req, j->owner)) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, NULL,
		    "job %lld belongs to %s; only they or an admin may use its monitor",
		    (long long)id, j->owner);
		job_free(j);
		return;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		job_free(j);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	err = monitor_policy_plan(line, http_request_is_admin(req), &m->plan, &cause);
	if (err == -EPERM) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, "command", "%s", cause);
		goto fail;
	}
	if (err < 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "command", "%s", cause);
		goto fail;
	}
	/* An ELF dump is the whole memory: over the cap, do not start it.
	 * A compressed one is checked once written. */
	if (m->plan.kind == MONITOR_DUMP &&
	    (m->plan.command[0] == '\0' || strcmp(m->plan.command, "-p") == 0) &&
	    (int64_t)j->mem_mb * 1024 * 1024 > d->monitor_file_max_bytes) {
		http_reply_error(req, HTTP_ERR_TOO_LARGE, "command",
		    "a dump of job %lld's %d MB of memory is over --monitor-file-max (%lld bytes)",
		    (long long)id, j->mem_mb, (long long)d->monitor_file_max_bytes);
		goto fail;
	}
	if (runner_console_taps(d->runner, id) == NULL) {
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL,
		    "job %lld is not running: only a running guest has a monitor", (long long)id);
		goto fail;
	}
	job_free(j);
	m->req = req;
	m->env = d;
	m->id = id;
	m->cap_bytes = d->monitor_file_max_bytes;
	paths_job_dir(d->state_dir, id, m->dir, sizeof(m->dir));
	m->work.data = m;
	if (uv_queue_work(d->loop, &m->work, monitor_work, monitor_after) < 0) {
		free(m);
		http_reply_error(req, HTTP_ERR_INTERNAL, NULL, "cannot start the monitor call");
		return;
	}
	http_request_set_data(req, m, monitor_orphan);
	return;

fail:
	job_free(j);
	free(m);
}
