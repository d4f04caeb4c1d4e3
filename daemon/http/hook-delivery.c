/*
 * hook-delivery.c -- a wanted push, from the webhook's 202 to its queued
 * job (or to a failed delivery saying why).
 *
 * The webhook handler (hooks.c) has recorded the delivery as pending.
 * Here: a work directory STATE/ci/ROW, ci_artifact_get() into it (off the
 * loop), then in the thread pool the kernel and the tests become blobs
 * and the directory goes; back on the loop the job request is built from
 * the project's template, validated by job_from_request() and the user
 * limits like any submit, and inserted with its ci_jobs row in one
 * transaction; with supersede, the branch's older jobs are cancelled.
 * The delivery holds a reference to the project set it started with, so
 * a SIGHUP in the middle does not free its project.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "ci/artifact.h"
#include "ci/push-job.h"
#include "ci/status.h"
#include "http/handlers.h"
#include "job/job-json.h"
#include "run/runner.h"
#include "store/ci.h"
#include "store/store.h"

/* How long one download may take. */
#define DOWNLOAD_TIMEOUT_S 600

struct delivery {
	struct http_env *d;
	struct ci_projects *ps; /* referenced until the delivery ends */
	const struct ci_project *p;
	int64_t row;
	char *ref, *commit, *callback_url;
	char *kernel_url, *kernel_sha256, *tests_url, *tests_sha256;
	json_t *tags;
	struct ci_push push;
	char workdir[PATH_MAX];
	/* What the artifact gave, copied for the worker. */
	char *kernel, *tests, *manifest;
	uv_work_t work;
	struct ci_files files;
	int err;
	char *why;
};

static void
delivery_free(struct delivery *dl)
{
	ci_projects_unref(dl->ps);
	free(dl->ref);
	free(dl->commit);
	free(dl->callback_url);
	free(dl->kernel_url);
	free(dl->kernel_sha256);
	free(dl->tests_url);
	free(dl->tests_sha256);
	json_decref(dl->tags);
	free(dl->kernel);
	free(dl->tests);
	free(dl->manifest);
	ci_files_clear(&dl->files);
	free(dl->why);
	free(dl);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Remove the work directory DIR and all it holds (in a worker). */
static void
workdir_remove(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
delivery_failed(struct delivery *dl, const char *why)
{
	int err;

	log_warnx("ci: %s: delivery %" PRId64 " failed: %s", dl->p->name, dl->row, why);
	if ((err = store_ci_delivery_finish(dl->d->store, dl->row, CI_FAILED, why)) < 0)
		log_warn(err, "ci: %s: recording delivery %" PRId64 " as failed", dl->p->name,
		    dl->row);
}

/* Worker: remove the work directory after a failed fetch. */
static void
cleanup_work(uv_work_t *w)
{
	struct delivery *dl = w->data;

	workdir_remove(dl->workdir);
}

static void
cleanup_after(uv_work_t *w, int status)
{
	(void)status;
	delivery_free(w->data);
}

/* Fail the delivery with WHY and let a worker remove its directory. */
static void
delivery_end_failed(struct delivery *dl, const char *why)
{
	delivery_failed(dl, why);
	dl->work.data = dl;
	if (uv_queue_work(dl->d->loop, &dl->work, cleanup_work, cleanup_after) < 0) {
		workdir_remove(dl->workdir);
		delivery_free(dl);
	}
}

/* Cancel the project's older jobs of the branch: a newer push replaces
 * them. */
static void
supersede(struct delivery *dl, const struct job *j)
{
	int64_t *ids = NULL;
	int n = store_ci_supersede(dl->d->store, dl->p->name, dl->ref, j->id, dl->commit, &ids);

	if (n < 0) {
		log_warn(n, "ci: %s: superseding the older jobs of %s", dl->p->name, dl->ref);
		return;
	}
	for (int i = 0; i < n; i++) {
		int err = runner_cancel(dl->d->runner, ids[i], "ci");

		if (err < 0 && err != -ESTALE)
			log_warn(err, "ci: %s: cancelling job %" PRId64, dl->p->name, ids[i]);
		else
			log_info("ci: %s: job %" PRId64 " of %s superseded by %.12s (job %" PRId64
				 ")",
			    dl->p->name, ids[i], dl->ref, dl->commit, j->id);
	}
	free(ids);
}

/* The files are blobs: make the job and queue it. */
static void
queue_job(struct delivery *dl)
{
	struct job_json_error e = { 0 };
	const struct ci_job_rec rec = {
		.project = dl->p->name,
		.ref = dl->ref,
		.commit = dl->commit,
		.delivery_id = dl->row,
		.callback_url = dl->callback_url,
	};
	char why[512], *request_why = NULL;
	const char *field;
	json_t *body = NULL;
	struct job *j = NULL;
	int err;

	err = ci_job_request(dl->p, &dl->files, dl->ref, dl->commit, dl->tags, &body, &request_why);
	if (err < 0 || job_new(&j) < 0) {
		json_decref(body);
		delivery_failed(dl, request_why != NULL ? request_why : "out of memory");
		free(request_why);
		return;
	}
	err = job_from_request(body, j, &e);
	json_decref(body);
	if (err < 0) {
		snprintf(why, sizeof(why), "the job is not valid: %s%s%s", e.field,
		    e.field[0] != '\0' ? ": " : "", e.message);
		goto fail;
	}
	if ((err = job_seed_random(j)) < 0 || (j->owner = strdup(dl->p->owner)) == NULL ||
	    (j->cpu == NULL && (j->cpu = strdup(dl->d->default_cpu)) == NULL) ||
	    asprintf(&j->via, "webhook:%s", dl->p->name) < 0) {
		j->via = NULL;
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	/* The project file is the lab admin's: its template may ask for
	 * high priority; the owner's quotas still hold. */
	if ((err = http_limits_job(dl->d, j, true, &field, why, sizeof(why))) < 0)
		goto fail;
	j->created_ms = clock_now_ms();
	if ((err = store_ci_job_insert(dl->d->store, j, &rec)) < 0) {
		snprintf(why, sizeof(why), "storing the job: %s", strerror(-err));
		goto fail;
	}
	log_info("ci: %s: delivery %" PRId64 ": job %" PRId64 " queued for %s at %.12s",
	    dl->p->name, dl->row, j->id, dl->ref, dl->commit);
	ci_status_job_queued(dl->d->ci_status, j->id);
	runner_job_queued(dl->d->runner, j);
	if (dl->p->supersede)
		supersede(dl, j);
	runner_kick(dl->d->runner);
	job_free(j);
	return;
fail:
	delivery_failed(dl, why);
	job_free(j);
}

/* Worker: the kernel and tests into blobs, then the directory goes. */
static void
collect_work(uv_work_t *w)
{
	struct delivery *dl = w->data;
	const struct ci_unpacked u = { .dir = dl->workdir,
		.kernel = dl->kernel,
		.tests = dl->tests,
		.manifest = dl->manifest,
		.manifest_name = dl->p->manifest };

	dl->err = ci_files_collect(dl->d->blobs, &u, &dl->files, &dl->why);
	workdir_remove(dl->workdir);
}

static void
collect_after(uv_work_t *w, int status)
{
	struct delivery *dl = w->data;

	if (status < 0)
		delivery_failed(dl, "cancelled while storing its files");
	else if (dl->err < 0)
		delivery_failed(dl, dl->why != NULL ? dl->why : strerror(-dl->err));
	else
		queue_job(dl);
	delivery_free(dl);
}

static void
on_artifact(void *arg, int err, const char *why, const struct ci_unpacked *u)
{
	struct delivery *dl = arg;

	if (err < 0) {
		char text[600];

		snprintf(text, sizeof(text), "fetching the artifact: %s",
		    why != NULL && why[0] != '\0' ? why : strerror(-err));
		delivery_end_failed(dl, text);
		return;
	}
	if ((dl->kernel = strdup(u->kernel)) == NULL ||
	    (u->tests != NULL && (dl->tests = strdup(u->tests)) == NULL) ||
	    (u->manifest != NULL && (dl->manifest = strdup(u->manifest)) == NULL)) {
		delivery_end_failed(dl, "out of memory");
		return;
	}
	dl->work.data = dl;
	if ((err = uv_queue_work(dl->d->loop, &dl->work, collect_work, collect_after)) < 0)
		delivery_end_failed(dl, "cannot queue the storing of its files");
}

static int
dup_opt(const char *s, char **out)
{
	*out = NULL;
	return s == NULL || (*out = strdup(s)) != NULL ? 0 : -ENOMEM;
}

int
http_hook_delivery_start(struct http_env *d, const struct http_hook_push *hp, char **why)
{
	struct ci_artifact_req req = { 0 };
	struct delivery *dl;
	char dir[PATH_MAX];
	int err;

	*why = NULL;
	if ((dl = calloc(1, sizeof(*dl))) == NULL)
		return -ENOMEM;
	dl->d = d;
	dl->ps = ci_projects_ref(hp->projects);
	dl->p = hp->project;
	dl->row = hp->row;
	if (dup_opt(hp->ref, &dl->ref) < 0 || dup_opt(hp->commit, &dl->commit) < 0 ||
	    dup_opt(hp->callback_url, &dl->callback_url) < 0 ||
	    dup_opt(hp->kernel_url, &dl->kernel_url) < 0 ||
	    dup_opt(hp->kernel_sha256, &dl->kernel_sha256) < 0 ||
	    dup_opt(hp->tests_url, &dl->tests_url) < 0 ||
	    dup_opt(hp->tests_sha256, &dl->tests_sha256) < 0) {
		delivery_free(dl);
		return -ENOMEM;
	}
	dl->tags = json_incref(hp->tags);
	dl->push = (struct ci_push){
		.ref = dl->ref,
		.commit = dl->commit,
		.run_id = hp->run_id,
		.job_id = hp->job_id,
		.kernel_url = dl->kernel_url,
		.kernel_sha256 = dl->kernel_sha256,
		.tests_url = dl->tests_url,
		.tests_sha256 = dl->tests_sha256,
	};
	snprintf(dir, sizeof(dir), "%s/ci", d->state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	snprintf(dl->workdir, sizeof(dl->workdir), "%s/%" PRId64, dir, dl->row);
	/* A directory a dead daemon left under this row's number is stale. */
	workdir_remove(dl->workdir);
	if (mkdir(dl->workdir, 0700) != 0) {
		err = -errno;
		dl->workdir[0] = '\0';
		goto fail;
	}
	req.fetcher = d->fetcher;
	req.loop = d->loop;
	req.project = dl->p;
	req.push = &dl->push;
	req.workdir = dl->workdir;
	req.max_bytes = d->max_blob_bytes;
	req.timeout_s = DOWNLOAD_TIMEOUT_S;
	if ((err = ci_artifact_get(&req, on_artifact, dl)) < 0)
		goto fail;
	return 0;
fail:
	if (asprintf(why, "fetching the artifact: %s",
		err == -ENOSYS ? "not supported for this forge (yet)" : strerror(-err)) < 0)
		*why = NULL;
	workdir_remove(dl->workdir);
	delivery_free(dl);
	return err;
}
