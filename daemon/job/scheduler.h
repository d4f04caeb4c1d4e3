/*
 * scheduler.h -- which queued jobs start now.
 *
 * Pure policy, no I/O: given the queued jobs, their owners' standing and
 * the free CPU slots, pick the jobs to start, in order.  The rule:
 *
 *  1. Each user has a queue of their own, ordered by priority (high,
 *     normal, low), then FIFO (job id).  Its first job is the user's head.
 *     A user's head is never overtaken by that user's later jobs, however
 *     small: a big job is not starved by its owner's small ones.
 *  2. Users are taken in this order: the priority of their head (so an
 *     admin's `high` job goes before everyone's `normal` ones, and `low`
 *     jobs run when no one has a `normal` one waiting); then the least
 *     usage (slot-milliseconds over a decaying window: past runs halve in
 *     weight every half-life, running jobs count for the time they have
 *     run so far); then the fewest slots running now (so users of equal
 *     usage, new users included, alternate within one pick); then the
 *     oldest head.
 *  3. The first user in that order is served: a user at their running-slots
 *     quota is skipped (not refused: their jobs stay queued, and the next
 *     user is served); otherwise, when the head fits in the free slots it
 *     starts, the user's standing is updated and the order is taken again.
 *  4. When the head of the user being served does not fit, it blocks the
 *     free slots: nothing else starts in this pick, not even a small job of
 *     a user further down.  The head starts as soon as running jobs end
 *     and free enough slots, unless a user with a better standing (less
 *     usage, or a higher priority head) has come first by then.  Those
 *     users' jobs then start and run up their usage, while the blocked
 *     user's decays, so the blocked head is served within a bounded
 *     number of other jobs: it is never starved.  The price is that up to
 *     (its slots - 1) slots stay idle while it waits for running jobs to
 *     end; without knowing how long jobs run there is no safe way to lend
 *     them out (a job lent those slots could hold them for its whole
 *     timeout).
 *
 * A user of quota Q running R slots may start a job of S slots when
 * R + S <= Q, or when R == 0: a job bigger than the quota still runs, alone.
 * A job needs min(smp, total) slots: submit refuses smp above the slots
 * (http/limits.c), so only jobs queued before --slots was lowered are cut.
 */
#ifndef PKVM_SCHEDULER_H
#define PKVM_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

/* A queued job, as the scheduler sees it. */
struct sched_job {
	int64_t id; /* FIFO order within a priority */
	size_t user; /* index into the users array */
	int smp; /* requested vCPUs */
	int priority; /* JOB_PRIORITY_LOW..HIGH: higher first */
};

/* A user with queued jobs, as the scheduler sees them. */
struct sched_user {
	double usage_slot_ms; /* decayed usage now, running jobs included */
	int running_slots; /* slots their running jobs hold */
	int quota_running_slots; /* 0 = no limit */
};

/* Slots a job of SMP vCPUs takes out of TOTAL. */
int scheduler_slots_needed(int smp, int total);

/* From the N queued JOBS (any order) of USERS[0..NUSERS), which start now
 * with FREE_SLOTS of TOTAL slots free: their indices into JOBS, in start order,
 * into PICKED (room for N); returns how many.  Updates USERS'
 * running_slots for the jobs picked.  Scratch memory is malloc'd: -ENOMEM
 * when that fails. */
int scheduler_pick(const struct sched_job *jobs, size_t n, struct sched_user *users, size_t nusers,
    int free_slots, int total, size_t *picked);

/* USAGE_SLOT_MS as it weighs DT_MS later, halving every HALF_LIFE_S
 * seconds (no decay when HALF_LIFE_S <= 0). */
double scheduler_usage_decay(double usage_slot_ms, int64_t dt_ms, int64_t half_life_s);

/* What a run of SLOTS slots for ELAPSED_MS weighs at its end, each of its
 * milliseconds decayed by how long ago it was (a run of one half-life
 * counts for about 72% of its slot-ms). */
double scheduler_run_usage(int slots, int64_t elapsed_ms, int64_t half_life_s);

#endif
