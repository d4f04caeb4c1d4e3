/*
 * addr2line.h -- the symbolizer's tool: binutils' addr2line, and what it
 * prints.
 *
 * `addr2line -a -f -i -e OBJECT [-j SECTION]` reads addresses, one per
 * line, and prints for each the address, then for every function at it,
 * innermost (inlined) first, two lines: the function and "file:line".
 * addr2line rather than llvm-symbolizer: a module (.ko) is a relocatable
 * file whose code sections all start at 0, and only addr2line's -j takes
 * an address as an offset into one named section; llvm-symbolizer 14
 * mixes the sections up.  binutils' addr2line reads one architecture's
 * files, so the program is chosen by the object's ELF machine.
 */
#ifndef PKVM_SYMBOLS_ADDR2LINE_H
#define PKVM_SYMBOLS_ADDR2LINE_H

#include <stddef.h>
#include <stdint.h>

#include "guest/frames.h"

/* The addr2line program for ELF files of MACHINE (EM_*), or NULL when
 * there is none we know. */
const char *a2l_program(unsigned machine);
/* Parse TEXT, addr2line's output for the N addresses ADDR in order, into a
 * malloc'd array *OUT of N answers (a2l_free() it): each address's places,
 * innermost first, without the ones addr2line knows nothing of ("??:0").
 * 0, -EPROTO when TEXT is not the N answers to ADDR, or -ENOMEM. */
int a2l_parse(const char *text, const uint64_t *addr, size_t n, struct frame_where **out);
/* Free N answers from a2l_parse(); NULL is fine. */
void a2l_free(struct frame_where *w, size_t n);

#endif
