/*
 * queue.h -- the jobs waiting and the jobs running, in memory.
 *
 * What the scheduler and the quota checks read on every submit and every
 * finish.  The store stays the truth (a restart rebuilds this from it); the
 * queue is its index for the questions asked on the hot path: each user's
 * queued jobs in scheduling order (priority, then id), how many they have
 * queued, and what they run.  A submit, a start, a cancel or an end touches
 * one user's entries, never the whole queue.
 *
 * Pure data, no I/O.  A user is kept while they have a job queued or
 * running; a server has a handful, found by a linear search.
 */
#ifndef PKVM_QUEUE_H
#define PKVM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct queue;

/* A job as the queue keeps it. */
struct queue_job {
	int64_t id;
	int smp; /* requested vCPUs */
	int priority; /* JOB_PRIORITY_LOW..HIGH */
	int64_t started_ms; /* running jobs: when they started */
};

/* One user's standing in the queue. */
struct queue_user {
	const char *name; /* owned by the queue: valid until it changes */
	size_t queued; /* jobs queued */
	size_t running; /* jobs running */
};

/* A new, empty queue into *OUT.  0 or -ENOMEM. */
int queue_new(struct queue **out);
/* Free Q and everything in it; NULL is fine. */
void queue_free(struct queue *q);
/* Forget every job and user (before a rebuild from the store). */
void queue_clear(struct queue *q);

/* Job J of OWNER is queued (a submit, a requeue, the rebuild): it goes in
 * its owner's queue in order, wherever its id falls.  0, -EEXIST when the
 * id is already in, or -ENOMEM (Q is then as it was). */
int queue_add(struct queue *q, const char *owner, const struct queue_job *j);
/* Job J of OWNER is running since J->started_ms (the rebuild of a running
 * job).  0, -EEXIST or -ENOMEM. */
int queue_add_running(struct queue *q, const char *owner, const struct queue_job *j);
/* Queued job ID starts at STARTED_MS: it moves to its owner's running jobs.
 * 0, or -ENOENT when it is not queued. */
int queue_start(struct queue *q, int64_t id, int64_t started_ms);
/* Job ID, queued or running, leaves the queue (cancelled, ended).  0, or
 * -ENOENT when it is in neither. */
int queue_remove(struct queue *q, int64_t id);

/* Jobs queued, all users together. */
size_t queue_queued(const struct queue *q);
/* Users with a job queued or running. */
size_t queue_users(const struct queue *q);
/* User I (0 <= I < queue_users()) into *OUT. */
void queue_user(const struct queue *q, size_t i, struct queue_user *out);
/* Index of user NAME, or -ENOENT when they have nothing queued or running. */
int queue_user_find(const struct queue *q, const char *name);
/* User I's first up to MAX queued jobs in scheduling order (priority
 * high to low, then id) into OUT; returns how many. */
size_t queue_user_heads(const struct queue *q, size_t i, struct queue_job *out, size_t max);
/* User I's running job K (0 <= K < its running count) into *OUT. */
void queue_user_running(const struct queue *q, size_t i, size_t k, struct queue_job *out);

#endif
