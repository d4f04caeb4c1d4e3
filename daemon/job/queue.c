/*
 * queue.c -- each user's queued jobs as a sorted array with a moving start.
 *
 * A user's queue is the array v[off .. off + len) in scheduling order
 * (priority high to low, then id).  The scheduler takes heads, so a start
 * advances off; a submit's id is the largest yet, so it lands at the end
 * of its priority's run (the array's end when every job has the same
 * priority) and moves only the entries after it.  Finding a job by id
 * alone (a cancel) scans the arrays: contiguous memory, microseconds for
 * ten thousand jobs, and rarer than submits and starts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "job/queue.h"

/* A growable array of jobs, live in v[off .. off + len). */
struct jobs {
	struct queue_job *v;
	size_t off, len, cap;
};

struct user {
	char *name;
	struct jobs queued; /* scheduling order */
	struct jobs running; /* start order */
};

struct queue {
	struct user **u;
	size_t n, cap;
	size_t queued; /* all users' */
};

int
queue_new(struct queue **out)
{
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? -ENOMEM : 0;
}

static void
user_free(struct user *u)
{
	free(u->name);
	free(u->queued.v);
	free(u->running.v);
	free(u);
}

void
queue_clear(struct queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		user_free(q->u[i]);
	q->n = 0;
	q->queued = 0;
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	queue_clear(q);
	free(q->u);
	free(q);
}

/* Whether A goes before B in a user's queue. */
static bool
before(const struct queue_job *a, const struct queue_job *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority;
	return a->id < b->id;
}

/* Room for one more entry at the end of A.  0 or -ENOMEM. */
static int
jobs_room(struct jobs *a)
{
	struct queue_job *nv;
	size_t cap;

	if (a->off + a->len < a->cap)
		return 0;
	/* Slide back over the heads taken when they are at least half. */
	if (a->off > 0 && a->off >= a->len) {
		memmove(a->v, a->v + a->off, a->len * sizeof(*a->v));
		a->off = 0;
		return 0;
	}
	cap = a->cap ? 2 * a->cap : 16;
	if ((nv = realloc(a->v, cap * sizeof(*nv))) == NULL)
		return -ENOMEM;
	a->v = nv;
	a->cap = cap;
	return 0;
}

/* Insert J into A at its place in scheduling order.  0 or -ENOMEM. */
static int
jobs_insert(struct jobs *a, const struct queue_job *j)
{
	size_t lo = 0, hi = a->len;
	struct queue_job *base;
	int err;

	if ((err = jobs_room(a)) < 0)
		return err;
	base = a->v + a->off;
	/* The usual case first: after everything (the newest id). */
	if (a->len > 0 && before(&base[a->len - 1], j)) {
		lo = a->len;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (before(&base[mid], j))
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	memmove(base + lo + 1, base + lo, (a->len - lo) * sizeof(*base));
	base[lo] = *j;
	a->len++;
	return 0;
}

/* Append J to A (start order).  0 or -ENOMEM. */
static int
jobs_append(struct jobs *a, const struct queue_job *j)
{
	int err;

	if ((err = jobs_room(a)) < 0)
		return err;
	a->v[a->off + a->len++] = *j;
	return 0;
}

/* Index in A (from its start) of job ID, or -1. */
static ssize_t
jobs_find(const struct jobs *a, int64_t id)
{
	for (size_t i = 0; i < a->len; i++)
		if (a->v[a->off + i].id == id)
			return (ssize_t)i;
	return -1;
}

/* Remove entry I (from A's start) of A. */
static void
jobs_drop(struct jobs *a, size_t i)
{
	struct queue_job *base = a->v + a->off;

	if (i == 0) {
		a->off++;
	} else {
		memmove(base + i, base + i + 1, (a->len - i - 1) * sizeof(*base));
	}
	if (--a->len == 0)
		a->off = 0;
}

int
queue_user_find(const struct queue *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->u[i]->name, name) == 0)
			return (int)i;
	return -ENOENT;
}

/* User NAME, added empty when new; NULL when out of memory. */
static struct user *
user_get(struct queue *q, const char *name)
{
	int k = queue_user_find(q, name);
	struct user *u, **nu;

	if (k >= 0)
		return q->u[k];
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 8;

		if ((nu = realloc(q->u, cap * sizeof(*nu))) == NULL)
			return NULL;
		q->u = nu;
		q->cap = cap;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL || (u->name = strdup(name)) == NULL) {
		free(u);
		return NULL;
	}
	q->u[q->n++] = u;
	return u;
}

/* Drop user I when they have nothing left queued or running. */
static void
user_gc(struct queue *q, size_t i)
{
	struct user *u = q->u[i];

	if (u->queued.len > 0 || u->running.len > 0)
		return;
	user_free(u);
	q->u[i] = q->u[--q->n];
}

/* Where job ID is: its user's index, and whether it is running. */
static int
locate(const struct queue *q, int64_t id, size_t *user, bool *running, size_t *at)
{
	ssize_t k;

	for (size_t i = 0; i < q->n; i++) {
		if ((k = jobs_find(&q->u[i]->running, id)) >= 0) {
			*user = i;
			*running = true;
			*at = (size_t)k;
			return 0;
		}
		if ((k = jobs_find(&q->u[i]->queued, id)) >= 0) {
			*user = i;
			*running = false;
			*at = (size_t)k;
			return 0;
		}
	}
	return -ENOENT;
}

/* queue_add() and queue_add_running(). */
static int
add(struct queue *q, const char *owner, const struct queue_job *j, bool running)
{
	size_t ui, at;
	bool r;
	struct user *u;
	int err;

	if (locate(q, j->id, &ui, &r, &at) == 0)
		return -EEXIST;
	if ((u = user_get(q, owner)) == NULL)
		return -ENOMEM;
	err = running ? jobs_append(&u->running, j) : jobs_insert(&u->queued, j);
	if (err < 0) {
		user_gc(q, (size_t)queue_user_find(q, owner));
		return err;
	}
	if (!running)
		q->queued++;
	return 0;
}

int
queue_add(struct queue *q, const char *owner, const struct queue_job *j)
{
	return add(q, owner, j, false);
}

int
queue_add_running(struct queue *q, const char *owner, const struct queue_job *j)
{
	return add(q, owner, j, true);
}

int
queue_start(struct queue *q, int64_t id, int64_t started_ms)
{
	struct queue_job j;
	size_t ui, at;
	bool running;
	struct user *u;

	if (locate(q, id, &ui, &running, &at) < 0 || running)
		return -ENOENT;
	u = q->u[ui];
	j = u->queued.v[u->queued.off + at];
	j.started_ms = started_ms;
	/* Room first, so that a failure leaves the job where it was. */
	if (jobs_room(&u->running) < 0)
		return -ENOMEM;
	jobs_drop(&u->queued, at);
	q->queued--;
	return jobs_append(&u->running, &j);
}

int
queue_remove(struct queue *q, int64_t id)
{
	size_t ui, at;
	bool running;

	if (locate(q, id, &ui, &running, &at) < 0)
		return -ENOENT;
	if (running) {
		jobs_drop(&q->u[ui]->running, at);
	} else {
		jobs_drop(&q->u[ui]->queued, at);
		q->queued--;
	}
	user_gc(q, ui);
	return 0;
}

size_t
queue_queued(const struct queue *q)
{
	return q->queued;
}

size_t
queue_users(const struct queue *q)
{
	return q->n;
}

void
queue_user(const struct queue *q, size_t i, struct queue_user *out)
{
	out->name = q->u[i]->name;
	out->queued = q->u[i]->queued.len;
	out->running = q->u[i]->running.len;
}

size_t
queue_user_heads(const struct queue *q, size_t i, struct queue_job *out, size_t max)
{
	const struct jobs *a = &q->u[i]->queued;
	size_t n = a->len < max ? a->len : max;

	memcpy(out, a->v + a->off, n * sizeof(*out));
	return n;
}

void
queue_user_running(const struct queue *q, size_t i, size_t k, struct queue_job *out)
{
	*out = q->u[i]->running.v[q->u[i]->running.off + k];
}
