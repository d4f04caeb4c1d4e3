/*
 * frames.h -- the frames of a stored crash report, and the report again
 * with their source lines (docs/SYMBOLS.md).
 *
 * A frame is what the kernel prints with %pS: "func+0x1c/0x30", with
 * " [module]" after it when the function is in a module.  frames_parse()
 * finds them on the lines of a report: call trace entries (also with
 * "[<address>]" or x86's "? " before them), arm64's "pc : " and "lr : ",
 * x86's "RIP: 0010:", the hypervisor's "nVHE hyp BUG at: [<...>] ...!"
 * and a WARNING's first line.  frames_rewrite() gives each symbolized frame
 * its " file:line", after one line per function inlined there, as syzbot
 * prints them.  Both are plain text work; the symbolizer (symbols/) runs
 * the tools that know the lines.
 */
#ifndef PKVM_FRAMES_H
#define PKVM_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_FUNC_MAX 128
#define FRAME_MODULE_MAX 64

/* One frame of a report. */
struct frame {
	size_t line_start; /* where its line starts in the report */
	size_t line_len; /* the line's length, without its '\n' */
	size_t lead_len; /* its printk prefix and the blanks after it */
	char func[FRAME_FUNC_MAX]; /* "lkdtm_WARNING", "__kvm_nvhe_hyp_panic" */
	uint64_t offset; /* into the function */
	uint64_t size; /* of the function, as kallsyms knows it */
	char module[FRAME_MODULE_MAX]; /* "" when in the kernel itself */
	/* The address is the instruction that faulted or warned (pc, RIP, a
	 * hyp BUG), not a return address. */
	bool exact;
};

/* Where one function of a frame is: the frame's own function, or one
 * inlined into it. */
struct frame_place {
	char *func; /* the function's name in the debug info */
	char *file; /* as it is to be printed */
	unsigned line; /* 0 when unknown */
};

/* What the symbolizer found for a frame: its places, innermost first, the
 * last being the frame's own function; N 0 when it found nothing. */
struct frame_where {
	struct frame_place *places;
	size_t n;
};

/* The frames of REPORT in order, at most one per line, into a malloc'd
 * *OUT of *N (NULL and 0 when there are none).  0 or -ENOMEM. */
int frames_parse(const char *report, struct frame **out, size_t *n);
/* The address whose source line is wanted for F, whose function starts
 * at START: a return address's own line may be the one after the call,
 * so for all but exact frames it is the call's last byte (one before).
 * That also holds at offset 0, where a call that never returns ended the
 * function before. */
uint64_t frame_address(const struct frame *f, uint64_t start);
/* REPORT with each frame F[i] that has places W[i] given " file:line" of
 * its own function, and before its line one line "LEAD func file:line
 * [inline]" for every function inlined there, innermost first.  N frames,
 * as frames_parse() gave them.  Malloc'd, or NULL (ENOMEM). */
char *frames_rewrite(const char *report, const struct frame *f, const struct frame_where *w,
    size_t n);

#endif
