/*
 * watch.c -- a doubly linked list of watchers.
 *
 * A lab server has at most a few hundred open long polls, so a list is
 * enough; notify walks it once per event.
 */
#include <errno.h>
#include <stdlib.h>

#include "job/watch.h"

struct watch_list {
	struct job_watch *head;
};

int
watch_list_new(struct watch_list **out)
{
	*out = calloc(1, sizeof(struct watch_list));
	return *out == NULL ? -ENOMEM : 0;
}

void
watch_list_free(struct watch_list *l)
{
	free(l);
}

void
watch_add(struct watch_list *l, struct job_watch *w)
{
	if (w->linked)
		return;
	w->prev = NULL;
	w->next = l->head;
	if (l->head != NULL)
		l->head->prev = w;
	l->head = w;
	w->linked = true;
}

void
watch_remove(struct watch_list *l, struct job_watch *w)
{
	if (!w->linked)
		return;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		l->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->linked = false;
}

void
watch_notify(struct watch_list *l, int64_t job_id, enum watch_event ev)
{
	struct job_watch *w = l->head, *next;

	while (w != NULL) {
		/* The callback may unlink (and free) W itself. */
		next = w->next;
		if (w->job_id == job_id)
			w->cb(w, ev);
		w = next;
	}
}
