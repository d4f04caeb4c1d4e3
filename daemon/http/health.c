/*
 * health.c -- GET /v1/health: whether this pkvmd can take work, for a load
 * balancer, systemd or a lab's monitoring, without a token.
 *
 * Two checks can make it unhealthy (503): the database takes no write
 * (store_write_check() commits a one-page write, so a full or read-only
 * file system, or a writer stuck on the lock, is seen as it would be by
 * the next job's commit), and the state directory's file system has less
 * than --min-free bytes free for pkvmd (statvfs's f_bavail: what an
 * unprivileged writer gets, so root's reserve is not counted as room).
 * The body is the same either way: the figures, and a reason for each
 * check that failed.  It says nothing a caller could use against the
 * server: no paths, no users, no job ids.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "http/handlers.h"
#include "run/runner.h"
#include "store/store.h"

int
http_state_free_bytes(const struct http_env *d, uint64_t *free_bytes)
{
	struct statvfs sv;

	if (statvfs(d->state_dir, &sv) != 0)
		return -errno;
	*free_bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	return 0;
}

static void reason(json_t *reasons, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reason(json_t *reasons, const char *check, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_pack("{s:s, s:s}", "check", check, "message", msg));
}

void
http_health_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	int64_t queued = 0;
	uint64_t free_bytes = 0;
	json_t *reasons = json_array(), *body;
	int db_err, disk_err, jobs_err;

	db_err = store_write_check(d->store);
	if (db_err < 0)
		reason(reasons, "database", "the database cannot be written: %s",
		    strerror(-db_err));
	disk_err = http_state_free_bytes(d, &free_bytes);
	if (disk_err < 0)
		reason(reasons, "disk", "cannot tell the free space of the state directory: %s",
		    strerror(-disk_err));
	else if (free_bytes < (uint64_t)d->min_free_bytes)
		reason(reasons, "disk",
		    "%llu bytes free in the state directory, below --min-free %lld",
		    (unsigned long long)free_bytes, (long long)d->min_free_bytes);
	if (d->shutting_down)
		reason(reasons, "shutdown", "the daemon is shutting down");
	/* Only the queued count: counting every state read all 100,000 rows
	 * of a big store (bench/dashboard). */
	jobs_err = store_jobs_queued(d->store, &queued);

	body = json_pack("{s:s, s:o, s:{s:b, s:s?}, s:{s:o, s:I}, s:{s:i, s:i}, s:{s:o}}", "status",
	    json_array_size(reasons) == 0 ? "ok" : "unhealthy", "reasons", reasons, "database",
	    "writable", db_err == 0, "error", db_err < 0 ? strerror(-db_err) : NULL, "disk",
	    "free_bytes", disk_err < 0 ? json_null() : json_integer((json_int_t)free_bytes),
	    "min_free_bytes", (json_int_t)d->min_free_bytes, "slots", "total",
	    runner_slots_total(d->runner), "used", runner_slots_busy(d->runner), "queue", "depth",
	    jobs_err < 0 ? json_null() : json_integer((json_int_t)queued));
	if (body == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	http_reply_json(req, json_array_size(reasons) == 0 ? 200 : 503, body);
}
