/*
 * scheduler.h -- which queued jobs start now.
 *
 * Pure policy, no I/O: given the queue in order (priority, then FIFO) and
 * the free CPU slots, pick the jobs to start.  A job needs min(smp, total)
 * slots, so `--smp 8` still runs on a 2-core host (it just has the host to
 * itself).  The head of the queue is never overtaken: if it does not fit,
 * nothing behind it starts, so a big job cannot starve behind a stream of
 * small ones.  Fair share between owners (lab server) will be a second
 * policy behind this same function.
 */
#ifndef PKVM_SCHEDULER_H
#define PKVM_SCHEDULER_H

#include <stddef.h>

struct sched_item {
	int smp; /* requested vCPUs */
};

/* Slots job of SMP vCPUs takes out of TOTAL. */
int scheduler_slots_needed(int smp, int total);
/* From QUEUE[0..N) in order, how many leading jobs start with FREE of
 * TOTAL slots free. */
size_t scheduler_pick(const struct sched_item *queue, size_t n, int free, int total);

#endif
