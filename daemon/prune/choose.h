/*
 * choose.h -- which job directories a prune pass removes (pure policy).
 *
 * Two limits, either or both: an age (a done job's directory goes once the
 * job finished more than --keep-days ago) and a byte budget (while all job
 * directories together use more than --keep-bytes, the oldest finished
 * job's goes next).  Only prunable jobs go: done, not pinned, and not
 * busy (a coverage capture or symbolization still writes there).  Oldest
 * means finished first; ties go by id.  Directories of jobs that cannot go
 * still count against the budget, so a pinned job's console makes the
 * others go sooner.
 */
#ifndef PKVM_PRUNE_CHOOSE_H
#define PKVM_PRUNE_CHOOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One job directory, as prune_choose() weighs it. */
struct prune_item {
	int64_t id;
	int64_t finished_ms; /* when the job ended; 0 while it runs */
	int64_t bytes; /* its directory's size on disk */
	bool prunable; /* done, not pinned, not busy */
	bool prune; /* set by prune_choose(): remove it */
};

/* The limits; 0 turns one off. */
struct prune_limits {
	int64_t keep_bytes; /* all job directories together */
	int64_t keep_ms; /* since a job finished */
	int64_t now_ms;
};

/* Mark with PRUNE the items of ITEMS (N, any order) that L says go:
 * every prunable item older than KEEP_MS, then the oldest prunable ones
 * until the rest fit in KEEP_BYTES.  Returns how many are marked; *LEFT
 * gets the bytes the unmarked items still use. */
size_t prune_choose(struct prune_item *items, size_t n, const struct prune_limits *l,
    int64_t *left);

#endif
