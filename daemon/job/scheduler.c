/*
 * scheduler.c -- fair share between users, priorities, head-of-line order.
 *
 * scheduler.h states the rule.  The pick sorts the jobs into per-user
 * queues once, then repeatedly serves the best user (a linear scan: a
 * server has a handful of users with queued jobs, not thousands).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "job/scheduler.h"

int
scheduler_slots_needed(int smp, int total)
{
	if (smp < 1)
		smp = 1;
	return smp < total ? smp : total;
}

double
scheduler_usage_decay(double usage_slot_ms, int64_t dt_ms, int64_t half_life_s)
{
	if (half_life_s <= 0 || dt_ms <= 0)
		return usage_slot_ms;
	return usage_slot_ms * exp2(-(double)dt_ms / ((double)half_life_s * 1000.0));
}

double
scheduler_run_usage(int slots, int64_t elapsed_ms, int64_t half_life_s)
{
	double h_ms;

	if (elapsed_ms <= 0 || slots <= 0)
		return 0;
	if (half_life_s <= 0)
		return (double)slots * (double)elapsed_ms;
	/* The integral of slots * 2^(-(e - t) / h) for t in [0, e]. */
	h_ms = (double)half_life_s * 1000.0;
	return (double)slots * h_ms / M_LN2 * (1.0 - exp2(-(double)elapsed_ms / h_ms));
}

/* A job's place in the per-user queues: its key, and where it is in JOBS. */
struct slot {
	struct sched_job key;
	size_t index;
};

/* A user's queue order: priority, then FIFO; grouped by user. */
static int
by_user_queue(const void *a, const void *b)
{
	const struct sched_job *x = &((const struct slot *)a)->key;
	const struct sched_job *y = &((const struct slot *)b)->key;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Whether user U's head (job HU) goes before user V's head (job HV). */
static bool
user_before(const struct sched_user *u, const struct sched_job *hu, const struct sched_user *v,
    const struct sched_job *hv)
{
	if (hu->priority != hv->priority)
		return hu->priority > hv->priority;
	if (u->usage_slot_ms != v->usage_slot_ms)
		return u->usage_slot_ms < v->usage_slot_ms;
	if (u->running_slots != v->running_slots)
		return u->running_slots < v->running_slots;
	return hu->id < hv->id;
}

int
scheduler_pick(const struct sched_job *jobs, size_t n, struct sched_user *users, size_t nusers,
    int free_slots, int total, size_t *picked)
{
	struct slot *order;
	size_t *head, *end, npicked = 0;
	bool *skipped;

	if (n == 0 || nusers == 0 || free_slots <= 0)
		return 0;
	order = calloc(n, sizeof(*order));
	head = calloc(nusers, sizeof(*head));
	end = calloc(nusers, sizeof(*end));
	skipped = calloc(nusers, sizeof(*skipped));
	if (order == NULL || head == NULL || end == NULL || skipped == NULL) {
		free(order);
		free(head);
		free(end);
		free(skipped);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		order[i].key = jobs[i];
		order[i].index = i;
	}
	qsort(order, n, sizeof(*order), by_user_queue);
	/* Each user's queue is ORDER[head[u] .. end[u]). */
	for (size_t i = n; i-- > 0;) {
		size_t u = order[i].key.user;

		if (end[u] == 0)
			end[u] = i + 1;
		head[u] = i;
	}

	while (free_slots > 0) {
		size_t best = nusers;
		const struct sched_job *h;
		struct sched_user *u;
		int need;

		for (size_t i = 0; i < nusers; i++) {
			if (skipped[i] || head[i] >= end[i])
				continue;
			if (best == nusers ||
			    user_before(&users[i], &order[head[i]].key, &users[best],
				&order[head[best]].key))
				best = i;
		}
		if (best == nusers)
			break;
		u = &users[best];
		h = &order[head[best]].key;
		need = scheduler_slots_needed(h->smp, total);
		if (u->quota_running_slots > 0 && u->running_slots > 0 &&
		    u->running_slots + need > u->quota_running_slots) {
			skipped[best] = true;
			continue;
		}
		if (need > free_slots)
			break; /* the head blocks the free slots (rule 4) */
		picked[npicked++] = order[head[best]].index;
		free_slots -= need;
		u->running_slots += need;
		head[best]++;
	}
	free(order);
	free(head);
	free(end);
	free(skipped);
	return (int)npicked;
}
