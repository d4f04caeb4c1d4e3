/*
 * share.h -- sharing the machine: fair share, quotas, the users' view.
 *
 * The scheduler (job/scheduler.h) holds the rule; this is its glue: it
 * takes the queued and running jobs from the queue in memory
 * (job/queue.h, which share_queue_load() rebuilds from the store) and what
 * the store keeps about their owners (decayed usage, quota overrides),
 * turns that into the scheduler's view, and charges a finished run to its
 * owner.  The users'
 * view (GET /v1/users) and the submit-time quota checks read the same
 * numbers through share_users(), so what an admin sees is what the
 * scheduler uses.
 */
#ifndef PKVM_SHARE_H
#define PKVM_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct queue;
struct store;

/* The daemon's settings for sharing (config.c rows; main.c fills it). */
struct share_config {
	int64_t half_life_s; /* --fair-share-half-life: usage halves in this */
	/* Default quotas of a user an admin set none for; 0 = no limit. */
	int64_t quota_running_slots;
	int64_t quota_queued_jobs;
	int64_t quota_blob_bytes_per_day;
	int64_t max_mem_mb; /* --max-mem: the most memory a job may ask for */
};

/* One user as GET /v1/users shows them. */
struct share_user {
	char *name;
	int64_t queued; /* jobs queued */
	int64_t running; /* jobs running */
	int64_t running_slots; /* slots they hold */
	double usage_slot_ms; /* decayed usage now, running jobs included */
	/* Quotas in force (0 = no limit), and whether an admin set each. */
	int64_t running_slots_quota, queued_jobs_quota, blob_bytes_per_day_quota;
	bool running_slots_set, queued_jobs_set, blob_bytes_per_day_set;
	int64_t blob_bytes_today; /* uploaded this UTC day */
};

/* Empty Q and fill it with the store's queued and running jobs.  0 or
 * negative errno (Q is then empty). */
int share_queue_load(struct store *st, struct queue *q);
/* Which of Q's queued jobs start now with FREE_SLOTS of TOTAL free, at
 * NOW_MS: their ids in start order, a malloc'd array *IDS of *N.  Reads
 * only each user's first FREE_SLOTS jobs (no job takes less than a slot)
 * and their rows.  0 or negative errno. */
int share_pick(struct store *st, const struct share_config *cfg, const struct queue *q, int total,
    int free_slots, int64_t now_ms, int64_t **ids, size_t *n);
/* Charge OWNER's run of SLOTS slots from STARTED_MS to NOW_MS to their
 * decayed usage.  0 or negative errno. */
int share_charge(struct store *st, const struct share_config *cfg, const char *owner, int slots,
    int64_t started_ms, int64_t now_ms);
/* Every user with a job queued or running in Q, or a row in the store
 * (ONLY non-NULL: just that user, who is listed even with nothing), by
 * name, into a malloc'd array *OUT of *N.  0 or negative errno. */
int share_users(struct store *st, const struct share_config *cfg, const struct queue *q, int total,
    int64_t now_ms, const char *only, struct share_user **out, size_t *n);
/* Free an array from share_users(). */
void share_users_free(struct share_user *u, size_t n);
/* The UTC day of NOW_MS, as blob quotas count them. */
int64_t share_day(int64_t now_ms);

#endif
