/*
 * watch.h -- waiting for something to happen to a job.
 *
 * Long polls (GET .../wait) and console followers (GET .../console?follow)
 * register a watch on a job id; the runner and the cancel path notify the
 * list when the job's console grows or when the job is done.  A watch is
 * embedded in the state of whoever waits, and that owner removes it before
 * freeing itself.  A callback may remove its own watch (and only its own).
 */
#ifndef PKVM_WATCH_H
#define PKVM_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/* WATCH_COVERAGE: the job's coverage reached a final status.
 * WATCH_SYMBOLS: the symbolizer is through with the job's crash reports
 * (symbolized, or found nothing to do). */
enum watch_event { WATCH_CONSOLE, WATCH_DONE, WATCH_COVERAGE, WATCH_SYMBOLS };

struct job_watch {
	int64_t job_id;
	void (*cb)(struct job_watch *w, enum watch_event ev);
	struct job_watch *prev, *next;
	bool linked;
};

struct watch_list;

/* An empty list into *OUT; 0 or -ENOMEM. */
int watch_list_new(struct watch_list **out);
/* Free the list (it must be empty). */
void watch_list_free(struct watch_list *l);
/* Start watching W->job_id; W must stay valid until watch_remove(). */
void watch_add(struct watch_list *l, struct job_watch *w);
/* Stop watching; harmless when W is not linked. */
void watch_remove(struct watch_list *l, struct job_watch *w);
/* Tell every watcher of JOB_ID about EV. */
void watch_notify(struct watch_list *l, int64_t job_id, enum watch_event ev);

#endif
