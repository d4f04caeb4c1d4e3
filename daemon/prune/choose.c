/*
 * choose.c -- which job directories a prune pass removes (see choose.h).
 *
 * Kept apart from the pass (prune.c) so the rule is a function of its
 * inputs: the unit tests give it jobs and limits and read the marks.
 */
#include <stdlib.h>

#include "prune/choose.h"

/* Oldest first: by finish time, then id. */
static int
by_age(const void *a, const void *b)
{
	const struct prune_item *x = *(struct prune_item *const *)a;
	const struct prune_item *y = *(struct prune_item *const *)b;

	if (x->finished_ms != y->finished_ms)
		return x->finished_ms < y->finished_ms ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t
prune_choose(struct prune_item *items, size_t n, const struct prune_limits *l, int64_t *left)
{
	struct prune_item **order = calloc(n + 1, sizeof(*order));
	size_t norder = 0, chosen = 0;
	int64_t used = 0;

	for (size_t i = 0; i < n; i++) {
		items[i].prune = false;
		used += items[i].bytes;
		if (items[i].prunable)
			order[norder++] = &items[i];
	}
	/* Without memory for the order, prune nothing this pass: keeping
	 * too much is the harmless mistake. */
	if (order == NULL) {
		*left = used;
		return 0;
	}
	qsort(order, norder, sizeof(*order), by_age);
	for (size_t i = 0; i < norder; i++) {
		struct prune_item *it = order[i];
		bool old = l->keep_ms > 0 && it->finished_ms < l->now_ms - l->keep_ms;
		bool over = l->keep_bytes > 0 && used > l->keep_bytes;

		if (!old && !over)
			continue;
		it->prune = true;
		used -= it->bytes;
		chosen++;
	}
	free(order);
	*left = used;
	return chosen;
}
