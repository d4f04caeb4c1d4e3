/*
 * private.h -- what the symbolizer's files share: a job being symbolized.
 *
 * symbolizer.c owns the queue, the addr2line children and the store;
 * plan.c is step 1 (frames, the vmlinux, symbol tables, the runs' address
 * files) and answers.c step 3 (addr2line's answers into symbolized
 * copies), both run in the thread pool on a job no one else touches then;
 * job.c holds what all three use.  Only they include this header.
 */
#ifndef PKVM_SYMBOLS_PRIVATE_H
#define PKVM_SYMBOLS_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "guest/frames.h"
#include "store/store.h"
#include "symbols/elf.h"

#define SYM_MESSAGE_MAX 512

struct blobs;
struct symbolizer;

/* Which frame an address of a run is for. */
struct sym_ref {
	size_t crash, frame;
	bool probe; /* asked only to find the kernel's source directory */
};

/* One addr2line run: the vmlinux (always run 0), or one section of a
 * module (addr2line -j SECTION). */
struct sym_run {
	const char *program;
	char object[PATH_MAX];
	char section[ELF_SECTION_NAME_MAX]; /* "" for the vmlinux */
	char module[FRAME_MODULE_MAX]; /* "" for the vmlinux */
	uint64_t *addr;
	struct sym_ref *refs;
	size_t n, cap;
	/* Filled by symbolizer.c when it ended, */
	bool ran, timed_out;
	int64_t exit_status;
	int term_signal;
	/* and by answers.c: one per address. */
	struct frame_where *answers;
};

/* One crash report of the job. */
struct sym_crash {
	int64_t id;
	char *report;
	struct frame *frames;
	size_t nframes;
	struct frame_where *where; /* per frame, borrowed from the runs' answers */
	char *message; /* the misses, or why nothing */
	char *text; /* the symbolized copy */
	enum crash_symbols status;
};

/* A .ko of the job's --extra tree. */
struct sym_module {
	char name[FRAME_MODULE_MAX]; /* as the kernel prints it: '-' is '_' */
	char path[PATH_MAX];
};

struct sym_job {
	struct symbolizer *s;
	struct sym_job *next;
	struct blobs *blobs;
	int64_t job_id;
	int64_t started_ms;
	int64_t timeout_s; /* of one run */
	char dir[PATH_MAX]; /* JOBDIR/symbols: the runs' files */
	char kernel[PATH_MAX];
	char vmlinux[PATH_MAX]; /* the job's own, or "" */
	struct vmlinux_build *known; /* when it has none */
	size_t nknown;
	struct sym_module *modules;
	size_t nmodules;
	struct sym_crash *crashes;
	size_t ncrashes;
	struct sym_run *runs;
	size_t nruns, cur;

	/* When the whole job ends one way (no vmlinux, a failed run, ...). */
	bool all_done;
	enum crash_symbols all_status;
	char all_message[SYM_MESSAGE_MAX];
	char base[PATH_MAX]; /* the kernel's source directory, with its '/' */

	uv_work_t work;
	uv_process_t proc;
	uv_timer_t timer;
	int open_handles;
};

/* ---- job.c ------------------------------------------------------------ */

/* Free SJ and everything it owns. */
void sym_job_free(struct sym_job *sj);
/* The whole job ends with STATUS and the message FMT... for every report. */
void sym_job_end_all(struct sym_job *sj, enum crash_symbols status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add NOTE to crash C's message, once. */
void sym_crash_note(struct sym_crash *c, const char *note);

/* ---- plan.c (thread pool) -------------------------------------------- */

/* Step 1: frames, the vmlinux, symbol lookups, DIR/in-K for every run;
 * or the job ends (sym_job_end_all()). */
void sym_plan(struct sym_job *sj);

/* ---- answers.c (thread pool) ----------------------------------------- */

/* Step 3: the runs' answers into each report's status, message and
 * symbolized copy; or the job ends. */
void sym_answers(struct sym_job *sj);

#endif
