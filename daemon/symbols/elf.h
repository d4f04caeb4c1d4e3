/*
 * elf.h -- what the symbolizer reads from ELF files itself: a vmlinux's or
 * a module's GNU build id, its symbol table, whether it has line tables;
 * and the build id a kernel Image carries without being ELF.
 *
 * Only 64-bit little-endian ELF (arm64, x86-64) is read.  The file is
 * mapped, not read: a vmlinux with debug info is hundreds of megabytes,
 * and only its headers, notes and symbol table are touched.  Every call
 * does file I/O and belongs in the thread pool, except elf_open() and
 * elf_build_id() of one file, which touch a few pages.
 */
#ifndef PKVM_SYMBOLS_ELF_H
#define PKVM_SYMBOLS_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A GNU build id is at most this many bytes (sha1 is 20, sha256 32). */
#define ELF_BUILD_ID_MAX 64
/* Its hex text with the NUL. */
#define ELF_BUILD_ID_HEX (2 * ELF_BUILD_ID_MAX + 1)
#define ELF_SECTION_NAME_MAX 64

struct elf_file;

/* Map the ELF file at PATH: 0, -ENOEXEC when it is no 64-bit
 * little-endian ELF file (or a damaged one), or another negative errno. */
int elf_open(const char *path, struct elf_file **out);
/* Unmap and free E; NULL is fine. */
void elf_close(struct elf_file *e);
/* E's e_machine (EM_AARCH64, EM_X86_64, ...). */
unsigned elf_machine(const struct elf_file *e);
/* True for a relocatable file (a module's .ko): its symbols' values are
 * offsets into their sections. */
bool elf_relocatable(const struct elf_file *e);
/* True when E has line tables (.debug_line): the symbolizer can say
 * file:line for it. */
bool elf_has_lines(const struct elf_file *e);
/* E's GNU build id as lower-case hex into BUF (ELF_BUILD_ID_HEX bytes):
 * 0, or -ENOENT when it has none. */
int elf_build_id(const struct elf_file *e, char *buf);

/* One function to look up in a symbol table. */
struct elf_sym_query {
	const char *name; /* in */
	uint64_t size; /* in: the size kallsyms printed, to choose among
			* functions of one name; 0 when unknown */
	bool found; /* out */
	uint64_t value; /* out: its address (in a .ko, its offset in SECTION) */
	char section[ELF_SECTION_NAME_MAX]; /* out: the section it is in */
};
/* Look up the N queries Q among E's functions (symbols in executable
 * sections) in one pass over its symbol table.  Of several functions of
 * one name, the one whose size is the query's wins, else the largest one
 * that fits in it (kallsyms counts the padding up to the next symbol),
 * else the first.  0 (whatever was found), -ENOENT when E has no symbol
 * table, -ENOMEM. */
int elf_symbols_find(const struct elf_file *e, struct elf_sym_query *q, size_t n);

/* The most build ids elf_image_build_ids() gives. */
#define ELF_IMAGE_IDS_MAX 8

/* The GNU build id notes a raw kernel Image carries in its data, read
 * from the file at PATH: the kernel's own (vmlinux's .notes, which
 * objcopy -O binary keeps) and those of the ELF files built into it (the
 * vDSOs), which are no vmlinux's, so a caller matches vmlinux ids against
 * all of them.  Each distinct one as hex into IDS (at most
 * ELF_IMAGE_IDS_MAX), their number into *N: 0; -ENOENT when there is
 * none, -ENOTSUP when the file is compressed (gzip), or another negative
 * errno. */
int elf_image_build_ids(const char *path, char ids[][ELF_BUILD_ID_HEX], size_t *n);

#endif
