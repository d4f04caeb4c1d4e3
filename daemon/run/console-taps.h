/*
 * console-taps.h -- who watches a running job's console live, and who
 * types into it (pkvmctl attach).
 *
 * A running job has one set of taps.  Every tap sees the console bytes as
 * qemu prints them, raw (not the line-buffered log of JOBDIR/serial: a
 * shell's prompt has no newline).  At most one tap at a time is the writer,
 * whose keys go to the guest's serial input; another tap asking to write
 * is refused (-EBUSY) unless it forces, and then the previous writer is
 * told and goes on as a viewer.  When the job ends, every tap is told and
 * the set is freed: a tap's owner must not touch the set after that.
 */
#ifndef PKVM_CONSOLE_TAPS_H
#define PKVM_CONSOLE_TAPS_H

#include <stdbool.h>
#include <stddef.h>

struct console_taps;

/* One watcher, owned by whoever attached it (http/attach.c). */
struct console_tap {
	void *arg;
	/* Console bytes, as the guest prints them. */
	void (*on_output)(void *arg, const char *buf, size_t len);
	/* Another tap took over writing; BY is who (a user name). */
	void (*on_demoted)(void *arg, const char *by);
	/* The job ended: the tap is off the set, which is going away. */
	void (*on_end)(void *arg);

	bool writer; /* the set's; read only */
	char who[64]; /* the user behind it, for the writer taken over */
	struct console_tap *next;
};

/* A set of taps whose writer's keys go to INPUT(ARG, buf, len) (0 or
 * negative errno); into *OUT: 0 or -ENOMEM. */
int console_taps_new(struct console_taps **out,
    int (*input)(void *arg, const char *buf, size_t len), void *arg);
/* Tell every tap the job ended (on_end) and free the set. */
void console_taps_end(struct console_taps *t);
/* Hand LEN console bytes to every tap. */
void console_taps_feed(struct console_taps *t, const char *buf, size_t len);
/* Add TAP, as the writer when WRITE: 0, or -EBUSY when another tap writes
 * and FORCE is not set (TAP is then not added).  With FORCE the writer
 * before is demoted (on_demoted) to a viewer. */
int console_taps_add(struct console_taps *t, struct console_tap *tap, bool write, bool force);
/* Take TAP off the set (it may be the writer: then there is none). */
void console_taps_remove(struct console_taps *t, struct console_tap *tap);
/* Keys from TAP for the guest: 0, -EPERM when TAP is not the writer, or
 * the input callback's error. */
int console_taps_input(struct console_taps *t, struct console_tap *tap, const char *buf,
    size_t len);
/* Whether some tap writes now, and how many taps there are. */
bool console_taps_has_writer(const struct console_taps *t);
int console_taps_count(const struct console_taps *t);

#endif
