/*
 * share.c -- the scheduler's view of users, from the queue and the store.
 *
 * Both share_pick() and share_users() start from the queue in memory
 * (job/queue.h) and the users' rows in the store; a server has a handful
 * of users, so they are found by a linear search.  Neither reads the
 * queued jobs from the store: a submit with ten thousand jobs queued
 * costs what one with none does.  A user's usage is what the store kept,
 * decayed to now, plus what each running job of theirs has weighed so
 * far: a running job counts while it runs, not only once it ends.  A run
 * is charged to the stored usage when it ends (share_charge(), from the
 * runner); a run cut short by a crash of pkvmd is not charged (the store
 * keeps nothing of it), which errs towards the user.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "job/queue.h"
#include "job/scheduler.h"
#include "run/share.h"
#include "store/store.h"

#define DAY_MS (24LL * 3600 * 1000)

int64_t
share_day(int64_t now_ms)
{
	return now_ms / DAY_MS;
}

/* The users being built. */
struct view {
	struct share_user *u;
	size_t n, cap;
};

/* User NAME's index in V, added with nothing when new; -ENOMEM. */
static ssize_t
view_user(struct view *v, const char *name)
{
	struct share_user *nu;

	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->u[i].name, name) == 0)
			return (ssize_t)i;
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 8;

		if ((nu = realloc(v->u, cap * sizeof(*nu))) == NULL)
			return -ENOMEM;
		v->u = nu;
		v->cap = cap;
	}
	memset(&v->u[v->n], 0, sizeof(v->u[v->n]));
	if ((v->u[v->n].name = strdup(name)) == NULL)
		return -ENOMEM;
	return (ssize_t)v->n++;
}

/* Quota Q an admin set (-1: none) over default DEF into *VAL and *SET. */
static void
quota(int64_t q, int64_t def, int64_t *val, bool *set)
{
	*set = q >= 0;
	*val = q >= 0 ? q : def;
}

/* The stored part of user U: usage decayed to NOW_MS, quotas, blobs. */
static void
apply_row(struct share_user *u, const struct store_user *row, const struct share_config *cfg,
    int64_t now_ms)
{
	u->usage_slot_ms += scheduler_usage_decay(row->usage_slot_ms, now_ms - row->usage_at_ms,
	    cfg->half_life_s);
	quota(row->quota_running_slots, cfg->quota_running_slots, &u->running_slots_quota,
	    &u->running_slots_set);
	quota(row->quota_queued_jobs, cfg->quota_queued_jobs, &u->queued_jobs_quota,
	    &u->queued_jobs_set);
	quota(row->quota_blob_bytes_per_day, cfg->quota_blob_bytes_per_day,
	    &u->blob_bytes_per_day_quota, &u->blob_bytes_per_day_set);
	u->blob_bytes_today = row->blob_day == share_day(now_ms) ? row->blob_bytes : 0;
}

static void
view_free(struct view *v)
{
	share_users_free(v->u, v->n);
}

/* Build V: the users of Q's jobs (and every stored user when ALL, else
 * only ONLY when non-NULL), with their standing at NOW_MS. */
static int
view_build(struct view *v, struct store *st, const struct share_config *cfg, const struct queue *q,
    int total, int64_t now_ms, bool all, const char *only)
{
	struct store_user *rows = NULL, row;
	size_t nrows = 0;
	ssize_t k;
	int err;

	memset(v, 0, sizeof(*v));
	if (only != NULL && (k = view_user(v, only)) < 0)
		goto nomem;
	for (size_t i = 0; i < queue_users(q); i++) {
		struct queue_user qu;
		struct share_user *u;

		queue_user(q, i, &qu);
		if (only != NULL && strcmp(qu.name, only) != 0)
			continue;
		if ((k = view_user(v, qu.name)) < 0)
			goto nomem;
		u = &v->u[k];
		u->queued = (int64_t)qu.queued;
		u->running = (int64_t)qu.running;
		for (size_t r = 0; r < qu.running; r++) {
			struct queue_job j;
			int slots;

			queue_user_running(q, i, r, &j);
			slots = scheduler_slots_needed(j.smp, total);
			u->running_slots += slots;
			u->usage_slot_ms += scheduler_run_usage(slots, now_ms - j.started_ms,
			    cfg->half_life_s);
		}
	}
	if (all && (err = store_users_list(st, &rows, &nrows)) < 0) {
		view_free(v);
		return err;
	}
	for (size_t i = 0; i < nrows; i++)
		if (view_user(v, rows[i].name) < 0) {
			store_users_free(rows, nrows);
			goto nomem;
		}
	store_users_free(rows, nrows);
	/* Every user's stored row (one query each: a handful of users). */
	for (size_t i = 0; i < v->n; i++) {
		err = store_user_get(st, v->u[i].name, &row);
		if (err < 0 && err != -ENOENT) {
			view_free(v);
			return err;
		}
		apply_row(&v->u[i], &row, cfg, now_ms);
	}
	return 0;
nomem:
	view_free(v);
	return -ENOMEM;
}

int
share_queue_load(struct store *st, struct queue *q)
{
	struct job_brief *jobs;
	size_t n;
	int err;

	queue_clear(q);
	if ((err = store_jobs_active(st, &jobs, &n)) < 0)
		return err;
	for (size_t i = 0; i < n && err == 0; i++) {
		const struct job_brief *b = &jobs[i];
		struct queue_job j = { .id = b->id,
			.smp = b->smp,
			.priority = b->priority,
			.started_ms = b->started_ms };

		err = b->state == JOB_QUEUED ? queue_add(q, b->owner, &j)
					     : queue_add_running(q, b->owner, &j);
	}
	store_jobs_active_free(jobs, n);
	if (err < 0)
		queue_clear(q);
	return err;
}

int
share_pick(struct store *st, const struct share_config *cfg, const struct queue *q, int total,
    int free_slots, int64_t now_ms, int64_t **ids, size_t *n)
{
	struct sched_job *jobs = NULL;
	struct queue_job *heads = NULL;
	struct sched_user *users = NULL;
	size_t *picked = NULL, nq = 0, per_user;
	struct view v;
	int err, k;

	*ids = NULL;
	*n = 0;
	if (free_slots <= 0 || queue_queued(q) == 0)
		return 0;
	if ((err = view_build(&v, st, cfg, q, total, now_ms, false, NULL)) < 0)
		return err;
	/* Every job takes a slot at least: no user starts more than this. */
	per_user = (size_t)free_slots;
	jobs = calloc(v.n * per_user + 1, sizeof(*jobs));
	heads = calloc(per_user, sizeof(*heads));
	users = calloc(v.n + 1, sizeof(*users));
	picked = calloc(v.n * per_user + 1, sizeof(*picked));
	*ids = calloc(v.n * per_user + 1, sizeof(**ids));
	if (jobs == NULL || heads == NULL || users == NULL || picked == NULL || *ids == NULL) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		int qi = queue_user_find(q, v.u[i].name); /* present: the view came from Q */
		size_t nh = qi < 0 ? 0 : queue_user_heads(q, (size_t)qi, heads, per_user);

		users[i].usage_slot_ms = v.u[i].usage_slot_ms;
		users[i].running_slots = (int)v.u[i].running_slots;
		users[i].quota_running_slots = (int)v.u[i].running_slots_quota;
		for (size_t h = 0; h < nh; h++) {
			jobs[nq].id = heads[h].id;
			jobs[nq].user = i;
			jobs[nq].smp = heads[h].smp;
			jobs[nq].priority = heads[h].priority;
			nq++;
		}
	}
	if ((k = scheduler_pick(jobs, nq, users, v.n, free_slots, total, picked)) < 0) {
		err = k;
		goto out;
	}
	for (int i = 0; i < k; i++)
		(*ids)[i] = jobs[picked[i]].id;
	*n = (size_t)k;
out:
	if (err < 0) {
		free(*ids);
		*ids = NULL;
	}
	free(jobs);
	free(heads);
	free(users);
	free(picked);
	view_free(&v);
	return err;
}

int
share_charge(struct store *st, const struct share_config *cfg, const char *owner, int slots,
    int64_t started_ms, int64_t now_ms)
{
	struct store_user row;
	double usage;
	int err;

	if (owner == NULL || started_ms <= 0)
		return 0;
	err = store_user_get(st, owner, &row);
	if (err < 0 && err != -ENOENT)
		return err;
	usage = scheduler_usage_decay(row.usage_slot_ms, now_ms - row.usage_at_ms,
	    cfg->half_life_s);
	usage += scheduler_run_usage(slots, now_ms - started_ms, cfg->half_life_s);
	return store_user_usage_put(st, owner, usage, now_ms);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct share_user *)a)->name, ((const struct share_user *)b)->name);
}

int
share_users(struct store *st, const struct share_config *cfg, const struct queue *q, int total,
    int64_t now_ms, const char *only, struct share_user **out, size_t *n)
{
	struct view v;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = view_build(&v, st, cfg, q, total, now_ms, only == NULL, only)) < 0)
		return err;
	if (v.n > 1)
		qsort(v.u, v.n, sizeof(*v.u), by_name);
	*out = v.u;
	*n = v.n;
	return 0;
}

void
share_users_free(struct share_user *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i].name);
	free(u);
}
