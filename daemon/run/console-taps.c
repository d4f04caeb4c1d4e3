/*
 * console-taps.c -- the live watchers of one running job's console, and
 * its one writer (console-taps.h).
 *
 * A plain list: a job has a handful of viewers at most, and the list is
 * walked once per console chunk.  A tap's callbacks may remove other taps
 * only through on_end, which is called after the tap is off the list, so
 * the walk in console_taps_feed() takes the next pointer first and never
 * sees a freed tap.
 */
#include <errno.h>
#include <stdlib.h>

#include "run/console-taps.h"

struct console_taps {
	struct console_tap *head;
	int (*input)(void *arg, const char *buf, size_t len);
	void *arg;
};

int
console_taps_new(struct console_taps **out, int (*input)(void *arg, const char *buf, size_t len),
    void *arg)
{
	struct console_taps *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	t->input = input;
	t->arg = arg;
	*out = t;
	return 0;
}

void
console_taps_end(struct console_taps *t)
{
	struct console_tap *tap;

	if (t == NULL)
		return;
	while ((tap = t->head) != NULL) {
		t->head = tap->next;
		tap->next = NULL;
		tap->writer = false;
		tap->on_end(tap->arg);
	}
	free(t);
}

void
console_taps_feed(struct console_taps *t, const char *buf, size_t len)
{
	struct console_tap *tap, *next;

	if (t == NULL)
		return;
	for (tap = t->head; tap != NULL; tap = next) {
		next = tap->next;
		tap->on_output(tap->arg, buf, len);
	}
}

int
console_taps_add(struct console_taps *t, struct console_tap *tap, bool write, bool force)
{
	struct console_tap *w;

	tap->writer = false;
	if (write) {
		for (w = t->head; w != NULL && !w->writer; w = w->next)
			;
		if (w != NULL && !force)
			return -EBUSY;
		if (w != NULL) {
			w->writer = false;
			w->on_demoted(w->arg, tap->who);
		}
		tap->writer = true;
	}
	tap->next = t->head;
	t->head = tap;
	return 0;
}

void
console_taps_remove(struct console_taps *t, struct console_tap *tap)
{
	for (struct console_tap **pp = &t->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == tap) {
			*pp = tap->next;
			tap->next = NULL;
			tap->writer = false;
			return;
		}
	}
}

int
console_taps_input(struct console_taps *t, struct console_tap *tap, const char *buf, size_t len)
{
	if (!tap->writer)
		return -EPERM;
	return t->input(t->arg, buf, len);
}

bool
console_taps_has_writer(const struct console_taps *t)
{
	for (const struct console_tap *tap = t->head; tap != NULL; tap = tap->next)
		if (tap->writer)
			return true;
	return false;
}

int
console_taps_count(const struct console_taps *t)
{
	int n = 0;

	for (const struct console_tap *tap = t->head; tap != NULL; tap = tap->next)
		n++;
	return n;
}
