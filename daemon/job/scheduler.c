/*
 * scheduler.c -- slot accounting, head-of-line order.
 */
#include "job/scheduler.h"

int
scheduler_slots_needed(int smp, int total)
{
	if (smp < 1)
		smp = 1;
	return smp < total ? smp : total;
}

size_t
scheduler_pick(const struct sched_item *queue, size_t n, int free, int total)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int need = scheduler_slots_needed(queue[i].smp, total);

		if (need > free)
			break;
		free -= need;
	}
	return i;
}
