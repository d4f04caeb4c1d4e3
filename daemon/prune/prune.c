/*
 * prune.c -- prune passes: when they run, and their three steps on the
 * loop around two in the thread pool (see prune.h).
 *
 * Scheduling is one timer.  Whatever asks for a pass (the interval, a
 * finished job, an admin) sets when the next one is due and re-arms the
 * timer; a pass in flight defers everything to its end, so passes never
 * overlap and an admin's request is served by a pass that started after
 * it, which sees the jobs as they were when it was asked.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/paths.h"
#include "prune/choose.h"
#include "prune/disk.h"
#include "prune/prune.h"
#include "store/blobs.h"
#include "store/store.h"

/* A finished job asks for a pass at most this often: a queue of short
 * jobs would otherwise walk the state directory after each of them. */
#define JOB_DONE_GAP_MS 60000

#define MS_PER_DAY (86400LL * 1000)

/* One pass, from its first step to its last. */
struct pass {
	struct prune *p;
	uv_work_t work;
	int64_t now_ms;

	/* Read by the first worker, on a connection of its own: the jobs
	 * and what retention needs of each (at 10,000 jobs that read took
	 * 75 ms, too long for the loop; a job pinned or busy since is
	 * refused by the guarded mark). */
	struct retention_job *jobs;
	size_t njobs;
	int jobs_err;
	/* Measured by the first worker: the sizes of the jobs' directories
	 * (by id, ascending) and the blob files. */
	int64_t *ids;
	int64_t *sizes;
	size_t nids;
	bool measure;
	struct blob_entry *blobs;
	size_t nblobs;
	int blobs_err;

	/* Removed by the second worker: the chosen jobs' directories and
	 * the trash. */
	int64_t *victims;
	size_t nvictims;
	int64_t job_bytes;
	int remove_err;
	uint64_t trash_files, trash_bytes;

	struct prune_stats st;
	struct prune_waiter *waiters; /* answered at the end */
};

struct prune {
	struct prune_env env;
	uv_timer_t timer;
	struct pass *pass; /* in flight, or NULL */
	bool stopped;
	bool job_done; /* a job finished since the last pass started */
	uint64_t last_start; /* uv_now() when the last pass started */
	struct prune_waiter *waiting; /* for the next pass */
	struct prune_stats totals;
};

static void pass_begin(struct prune *p);

/* ---- scheduling ------------------------------------------------------------ */

static void
on_timer(uv_timer_t *t)
{
	pass_begin(t->data);
}

/* Arm the timer for the next pass that is due. */
static void
schedule(struct prune *p)
{
	uint64_t now = uv_now(p->env.loop), due;

	if (p->stopped || p->pass != NULL)
		return;
	due = p->last_start + (uint64_t)p->env.interval_s * 1000;
	if (p->job_done && p->last_start + JOB_DONE_GAP_MS < due)
		due = p->last_start + JOB_DONE_GAP_MS;
	if (p->waiting != NULL)
		due = now;
	uv_timer_start(&p->timer, on_timer, due > now ? due - now : 0, 0);
}

void
prune_start(struct prune *p)
{
	/* The first pass right away: what a stopped daemon left over the
	 * budget goes before new jobs add to it. */
	uv_timer_start(&p->timer, on_timer, 0, 0);
}

void
prune_job_done(struct prune *p)
{
	p->job_done = true;
	schedule(p);
}

void
prune_run(struct prune *p, struct prune_waiter *w)
{
	w->next = p->waiting;
	p->waiting = w;
	schedule(p);
}

void
prune_waiter_cancel(struct prune *p, struct prune_waiter *w)
{
	struct prune_waiter **pp = &p->waiting;

	while (*pp != NULL && *pp != w)
		pp = &(*pp)->next;
	if (*pp == NULL && p->pass != NULL) {
		pp = &p->pass->waiters;
		while (*pp != NULL && *pp != w)
			pp = &(*pp)->next;
	}
	if (*pp == w)
		*pp = w->next;
}

void
prune_totals(const struct prune *p, struct prune_stats *out)
{
	*out = p->totals;
}

/* ---- the pass ------------------------------------------------------------------ */

static void
pass_free(struct pass *ps)
{
	free(ps->jobs);
	free(ps->ids);
	free(ps->sizes);
	free(ps->blobs);
	free(ps->victims);
	free(ps);
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Worker: read the jobs on a reader connection; 0 or negative errno. */
static int
read_jobs(struct pass *ps)
{
	const struct prune_env *env = &ps->p->env;
	char db[PATH_MAX], *cause = NULL;
	struct store *st = NULL;
	int err;

	snprintf(db, sizeof(db), "%s/pkvmd.db", env->state_dir);
	if ((err = store_open_reader(&st, db, &cause)) < 0) {
		log_warnx("prune: opening the database to read: %s",
		    cause ? cause : strerror(-err));
		free(cause);
		return err;
	}
	err = store_retention_jobs(st, &ps->jobs, &ps->njobs);
	store_free(st);
	if (err < 0 || !ps->measure)
		return err;
	ps->ids = calloc(ps->njobs + 1, sizeof(*ps->ids));
	ps->sizes = calloc(ps->njobs + 1, sizeof(*ps->sizes));
	if (ps->ids == NULL || ps->sizes == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < ps->njobs; i++)
		ps->ids[i] = ps->jobs[i].id;
	ps->nids = ps->njobs;
	qsort(ps->ids, ps->nids, sizeof(*ps->ids), cmp_id);
	return 0;
}

/* Worker: read the jobs, and measure what the pass needs. */
static void
measure_work(uv_work_t *w)
{
	struct pass *ps = w->data;
	const struct prune_env *env = &ps->p->env;
	char dir[PATH_MAX];

	ps->jobs_err = read_jobs(ps);
	for (size_t i = 0; ps->jobs_err == 0 && ps->measure && i < ps->nids; i++) {
		paths_job_dir(env->state_dir, ps->ids[i], dir, sizeof(dir));
		ps->sizes[i] = prune_dir_bytes(dir);
	}
	if (env->blob_grace_s > 0)
		ps->blobs_err = blobs_list(env->blobs, &ps->blobs, &ps->nblobs);
}

/* Worker: remove the chosen directories and the retired blobs. */
static void
remove_work(uv_work_t *w)
{
	struct pass *ps = w->data;
	const struct prune_env *env = &ps->p->env;
	char dir[PATH_MAX];
	int err;

	for (size_t i = 0; i < ps->nvictims; i++) {
		paths_job_dir(env->state_dir, ps->victims[i], dir, sizeof(dir));
		if ((err = prune_dir_remove(dir, &ps->job_bytes)) < 0 && ps->remove_err == 0)
			ps->remove_err = err;
	}
	if ((err = blobs_trash_empty(env->blobs, &ps->trash_files, &ps->trash_bytes)) < 0 &&
	    ps->remove_err == 0)
		ps->remove_err = err;
}

static void
pass_end(uv_work_t *w, int status)
{
	struct pass *ps = w->data;
	struct prune *p = ps->p;
	struct prune_waiter *wt, *next;

	if (status < 0)
		log_warn(status, "prune: the thread pool refused the removal");
	if (ps->remove_err < 0)
		log_warn(ps->remove_err, "prune: some files could not be removed");
	ps->st.job_bytes = ps->job_bytes;
	ps->st.blob_bytes = (int64_t)ps->trash_bytes;
	p->totals.passes++;
	p->totals.jobs_pruned += ps->st.jobs_pruned;
	p->totals.job_bytes += ps->st.job_bytes;
	p->totals.blobs_deleted += ps->st.blobs_deleted;
	p->totals.blob_bytes += ps->st.blob_bytes;
	p->totals.job_bytes_left = ps->st.job_bytes_left;
	metrics_prune_add((uint64_t)ps->st.jobs_pruned,
	    (uint64_t)(ps->st.job_bytes + ps->st.blob_bytes), (uint64_t)ps->st.blobs_deleted);
	if (ps->st.jobs_pruned > 0 || ps->st.blobs_deleted > 0)
		log_info("prune: %lld job directories pruned (%lld bytes), %lld blobs deleted "
			 "(%lld bytes)",
		    (long long)ps->st.jobs_pruned, (long long)ps->st.job_bytes,
		    (long long)ps->st.blobs_deleted, (long long)ps->st.blob_bytes);
	else
		log_debug("prune: nothing to free");
	p->pass = NULL;
	for (wt = ps->waiters; wt != NULL; wt = next) {
		next = wt->next;
		wt->cb(wt->arg, &ps->st);
	}
	pass_free(ps);
	schedule(p);
}

/* Loop: move the blobs no kept job refers to, and that are older than
 * the grace, into the trash. */
static void
retire_blobs(struct pass *ps)
{
	const struct prune_env *env = &ps->p->env;
	char(*refs)[SHA256_HEX_LEN + 1] = NULL;
	int64_t before_ms = ps->now_ms - env->blob_grace_s * 1000;
	size_t nrefs = 0;
	uint64_t bytes;
	int err;

	if (env->blob_grace_s == 0 || ps->nblobs == 0)
		return;
	if (ps->blobs_err < 0) {
		log_warn(ps->blobs_err, "prune: listing the blobs");
		return;
	}
	/* Read now, after the jobs were marked: the references of jobs
	 * just pruned are gone, and those of a job submitted a moment ago
	 * are there. */
	if ((err = store_blob_refs(env->store, &refs, &nrefs)) < 0) {
		log_warn(err, "prune: reading which blobs jobs refer to");
		return;
	}
	for (size_t i = 0; i < ps->nblobs; i++) {
		const struct blob_entry *b = &ps->blobs[i];

		if (b->mtime_ms >= before_ms ||
		    bsearch(b->hex, refs, nrefs, sizeof(*refs),
			(int (*)(const void *, const void *))strcmp) != NULL)
			continue;
		err = blobs_retire(env->blobs, b->hex, before_ms, &bytes);
		if (err == 0) {
			ps->st.blobs_deleted++;
			log_debug("prune: blob %s is referenced by no kept job", b->hex);
		} else if (err != -EBUSY && err != -ENOENT) {
			log_warn(err, "prune: retiring blob %s", b->hex);
		}
	}
	free(refs);
}

/* Loop, after the measurements: choose, record, retire, then remove. */
static void
pass_decide(uv_work_t *w, int status)
{
	struct pass *ps = w->data;
	struct prune *p = ps->p;
	const struct prune_env *env = &p->env;
	struct retention_job *jobs = NULL;
	struct prune_item *items = NULL;
	struct prune_limits lim = {
		.keep_bytes = env->keep_bytes,
		.keep_ms = env->keep_days * MS_PER_DAY,
		.now_ms = ps->now_ms,
	};
	size_t n = 0, k = 0;
	int64_t left = 0;
	int err;

	if (status < 0) {
		log_warn(status, "prune: the thread pool refused the measurement");
		goto remove;
	}
	/* As the worker read them: a job pinned or busy since then is
	 * refused by store_jobs_mark_pruned(), and one submitted since is
	 * not finished. */
	if (ps->jobs_err < 0) {
		log_warn(ps->jobs_err, "prune: listing the jobs");
		goto remove;
	}
	jobs = ps->jobs;
	n = ps->njobs;
	if ((items = calloc(n + 1, sizeof(*items))) == NULL ||
	    (ps->victims = calloc(n + 1, sizeof(*ps->victims))) == NULL)
		goto remove;
	for (size_t i = 0; i < n; i++) {
		const int64_t *at = ps->measure
		    ? bsearch(&jobs[i].id, ps->ids, ps->nids, sizeof(*ps->ids), cmp_id)
		    : NULL;

		items[i].id = jobs[i].id;
		items[i].finished_ms = jobs[i].finished_ms;
		items[i].bytes = at != NULL ? ps->sizes[at - ps->ids] : 0;
		items[i].prunable = jobs[i].state == JOB_DONE && !jobs[i].pinned && !jobs[i].busy;
	}
	if (env->keep_bytes > 0 || env->keep_days > 0)
		prune_choose(items, n, &lim, &left);
	ps->st.job_bytes_left = env->keep_bytes > 0 ? left : -1;
	for (size_t i = 0; i < n; i++)
		if (items[i].prune)
			ps->victims[k++] = items[i].id;
	err = k > 0 ? store_jobs_mark_pruned(env->store, ps->victims, k, ps->now_ms) : 0;
	if (err < 0) {
		log_warn(err, "prune: recording the pruned jobs");
		k = 0;
	} else {
		k = (size_t)err;
	}
	ps->nvictims = k;
	ps->st.jobs_pruned = (int64_t)k;
	if (env->keep_bytes > 0 && left > env->keep_bytes)
		log_warnx("prune: job directories use %lld bytes, over the budget of %lld: the "
			  "rest are pinned, running or still being written",
		    (long long)left, (long long)env->keep_bytes);
	retire_blobs(ps);

remove:
	free(items);
	if ((err = uv_queue_work(env->loop, &ps->work, remove_work, pass_end)) < 0)
		pass_end(&ps->work, err);
}

/* Loop: what to measure, then off to the thread pool. */
static void
pass_begin(struct prune *p)
{
	const struct prune_env *env = &p->env;
	struct pass *ps;
	int err;

	if (p->stopped || p->pass != NULL)
		return;
	p->last_start = uv_now(env->loop);
	p->job_done = false;
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		schedule(p);
		return;
	}
	ps->p = p;
	ps->work.data = ps;
	ps->now_ms = clock_now_ms();
	ps->waiters = p->waiting;
	p->waiting = NULL;
	p->pass = ps;
	ps->measure = env->keep_bytes > 0;
	if ((err = uv_queue_work(env->loop, &ps->work, measure_work, pass_decide)) < 0)
		pass_decide(&ps->work, err);
}

/* ---- life ---------------------------------------------------------------------- */

int
prune_new(struct prune **out, const struct prune_env *env)
{
	struct prune *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	p->env = *env;
	p->totals.job_bytes_left = -1;
	uv_timer_init(env->loop, &p->timer);
	p->timer.data = p;
	*out = p;
	return 0;
}

void
prune_stop(struct prune *p)
{
	p->stopped = true;
	uv_close((uv_handle_t *)&p->timer, NULL);
}

void
prune_free(struct prune *p)
{
	free(p);
}
