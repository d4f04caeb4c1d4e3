/*
 * limits.c -- what a user may ask of a shared machine, checked at the door.
 *
 * A submitted job is refused when it could never run (smp above the
 * slots, memory above --max-mem: 400, so it is not left queued forever),
 * when it asks for `high` priority without being an admin (403), or when
 * its owner already has their queued-jobs quota queued (429).  A blob
 * upload is refused when it would take its uploader past their blob
 * bytes per UTC day (429); what was stored counts once the blob is whole.
 * The running-slots quota is not checked here: the scheduler skips a user
 * at it, the job waits (job/scheduler.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/handlers.h"
#include "job/job.h"
#include "run/runner.h"
#include "run/share.h"
#include "run/slurm.h"
#include "store/store.h"

/* The caller's standing (share_users() of one user), or NULL after a
 * reply. */
static struct share_user *
caller_standing(struct http_request *req, size_t *n)
{
	struct http_env *d = http_request_env(req);
	struct share_user *u = NULL;
	int err;

	err = share_users(d->store, d->share, runner_queue(d->runner),
	    runner_slots_total(d->runner), clock_now_ms(), http_request_owner(req), &u, n);
	if (err < 0 || *n == 0) {
		http_reply_errno(req, err < 0 ? err : -ENOENT, "reading the user's quota");
		share_users_free(u, *n);
		return NULL;
	}
	return u;
}

int
http_limits_job(struct http_env *d, const struct job *j, bool is_admin, const char **field,
    char *why, size_t whylen)
{
	int slots = runner_slots_total(d->runner);
	struct share_user *u = NULL;
	size_t n = 0;
	int err;

	*field = NULL;
	why[0] = '\0';
	/* A kept overlay would stay on the shared directory, its backing
	 * copy gone with the run (docs/SLURM.md). */
	if (j->keep_disk && slurm_enabled()) {
		*field = "keep_disk";
		snprintf(why, whylen,
		    "keep_disk does not go with this server's Slurm executor: the overlay lives "
		    "on the shared directory only while the job runs");
		return -E2BIG;
	}
	/* A warm start restores the saved VM's memory file, which lives on
	 * pkvmd's host, not on the node Slurm picks (docs/PERFORMANCE.md). */
	if (j->warm && slurm_enabled()) {
		*field = "warm";
		snprintf(why, whylen,
		    "warm starts need the saved VM's memory file on this host; under --executor "
		    "slurm the guest runs on another node");
		return -E2BIG;
	}
	/* Under Slurm a slot is a job, and Slurm says whether one fits. */
	if (j->smp > slots && !runner_job_per_slot(d->runner)) {
		*field = "smp";
		snprintf(why, whylen,
		    "smp %d is above this server's %d slots (pkvmd --slots): the job could never "
		    "run",
		    j->smp, slots);
		return -E2BIG;
	}
	if (j->mem_mb > d->share->max_mem_mb) {
		*field = "mem";
		snprintf(why, whylen,
		    "mem %d MiB is above this server's limit of %" PRId64
		    " MiB (pkvmd --max-mem): the job could never run",
		    j->mem_mb, d->share->max_mem_mb);
		return -E2BIG;
	}
	if (j->priority > JOB_PRIORITY_NORMAL && !is_admin) {
		*field = "priority";
		snprintf(why, whylen,
		    "priority high is for admins only; %s may submit low or normal", j->owner);
		return -EPERM;
	}
	err = share_users(d->store, d->share, runner_queue(d->runner), slots, clock_now_ms(),
	    j->owner, &u, &n);
	if (err < 0 || n == 0) {
		snprintf(why, whylen, "reading the quota of %s", j->owner);
		share_users_free(u, n);
		return err < 0 ? err : -ENOENT;
	}
	err = 0;
	if (u->queued_jobs_quota != 0 && u->queued >= u->queued_jobs_quota) {
		snprintf(why, whylen,
		    "queued-jobs quota of %" PRId64 " reached: %s has %" PRId64
		    " jobs queued; wait for some to start",
		    u->queued_jobs_quota, u->name, u->queued);
		err = -EDQUOT;
	}
	share_users_free(u, n);
	return err;
}

bool
http_limits_submit(struct http_request *req, const struct job *j)
{
	const char *field;
	char why[256];
	int err = http_limits_job(http_request_env(req), j, http_request_is_admin(req), &field, why,
	    sizeof(why));

	switch (err) {
	case 0:
		return true;
	case -E2BIG:
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, field, "%s", why);
		break;
	case -EPERM:
		http_reply_error(req, HTTP_ERR_FORBIDDEN, field, "%s", why);
		break;
	case -EDQUOT:
		http_reply_error(req, HTTP_ERR_QUOTA_EXCEEDED, NULL, "%s", why);
		break;
	default:
		http_reply_errno(req, err, why);
		break;
	}
	return false;
}

bool
http_limits_blob(struct http_request *req, uint64_t size)
{
	struct share_user *u;
	size_t n = 0;
	bool ok;

	if ((u = caller_standing(req, &n)) == NULL)
		return false;
	ok = u->blob_bytes_per_day_quota == 0 ||
	    (uint64_t)u->blob_bytes_today + size <= (uint64_t)u->blob_bytes_per_day_quota;
	if (!ok)
		http_reply_error(req, HTTP_ERR_QUOTA_EXCEEDED, NULL,
		    "blob-bytes-per-day quota of %" PRId64 " bytes: %s uploaded %" PRId64
		    " bytes today (UTC), and this blob has %" PRIu64,
		    u->blob_bytes_per_day_quota, u->name, u->blob_bytes_today, size);
	share_users_free(u, n);
	return ok;
}

void
http_limits_blob_stored(struct http_request *req, uint64_t size)
{
	struct http_env *d = http_request_env(req);
	int err;

	err = store_user_blob_add(d->store, http_request_owner(req), share_day(clock_now_ms()),
	    (int64_t)size);
	if (err < 0)
		log_warn(err, "counting %" PRIu64 " blob bytes of %s", size,
		    http_request_owner(req));
}
