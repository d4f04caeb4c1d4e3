/*
 * pruned.c -- the answer for a job whose files are gone.
 *
 * Retention (daemon/prune/) removes a finished job's directory and keeps
 * its row, so the console, the artifacts' bytes and the coverage data a
 * merge reads are gone while the job, its results and crash reports are
 * not.  Every endpoint that reads the job's files asks here first and
 * answers 410 pruned, saying when, rather than 404 (the job is there) or
 * 500 (a file missing is no fault).
 */
#include <errno.h>
#include <time.h>

#include "http/handlers.h"
#include "job/job.h"
#include "store/store.h"

bool
http_reply_if_pruned(struct http_request *req, const struct job *j)
{
	time_t t;
	struct tm tm;
	char when[32] = "";

	if (j->pruned_ms == 0)
		return false;
	t = (time_t)(j->pruned_ms / 1000);
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	http_reply_error(req, HTTP_ERR_PRUNED, NULL,
	    "job %lld was pruned at %s: its console, artifacts and coverage data are gone "
	    "(retention); its results, crash reports and coverage numbers are kept",
	    (long long)j->id, when);
	return true;
}

bool
http_reply_if_id_pruned(struct http_request *req, int64_t id)
{
	struct job *j = NULL;
	int err = store_job_get(http_request_env(req)->store, id, &j);
	bool replied;

	if (err == -ENOENT)
		return false;
	if (err < 0) {
		http_reply_errno(req, err, "loading job");
		return true;
	}
	replied = http_reply_if_pruned(req, j);
	job_free(j);
	return replied;
}

bool
http_job_files_param(struct http_request *req, int64_t *id)
{
	struct job *j = NULL;
	int err;

	if (!http_job_id_param(req, id))
		return false;
	if ((err = store_job_get(http_request_env(req)->store, *id, &j)) < 0) {
		if (err == -ENOENT)
			http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no job %lld",
			    (long long)*id);
		else
			http_reply_errno(req, err, "loading job");
		return false;
	}
	err = http_reply_if_pruned(req, j);
	job_free(j);
	return !err;
}
