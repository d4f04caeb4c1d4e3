/*
 * elf-exe.h -- what a test executable needs from the guest to run.
 *
 * The guest has no libc: a test is a static aarch64 program or a script.
 * A dynamically linked program names its loader in PT_INTERP
 * ("/lib/ld-linux-aarch64.so.1") and its libraries in DT_NEEDED entries,
 * found along DT_RUNPATH (or the older DT_RPATH) and the loader's default
 * directories.  pkvmctl reads that from each --exe (and, with --sysroot,
 * from each library it ships, recursively); pkvmd reads the interpreter of
 * an executable posted through the API, to refuse one whose loader the
 * job does not bring.  Only the headers are read, from a mapped file, and
 * nothing in them is trusted: every offset is checked against the file.
 */
#ifndef PKVM_ELF_EXE_H
#define PKVM_ELF_EXE_H

#include <stdbool.h>
#include <stddef.h>

/* EM_AARCH64, the only machine the guest runs. */
#define ELF_EXE_AARCH64 183

/* What one ELF file says about how it is loaded. */
struct elf_exe {
	unsigned machine; /* e_machine */
	bool elf64_le; /* 64-bit little-endian: the only kind read further */
	char *interp; /* PT_INTERP, or NULL (static, or a library) */
	char **needed; /* DT_NEEDED sonames, in order */
	size_t nneeded;
	char *runpath; /* DT_RUNPATH, or NULL */
	char *rpath; /* DT_RPATH, or NULL */
};

/* Parse the LEN bytes at BUF into *OUT: 0, -ENOEXEC when they are not an
 * ELF file, -EINVAL when its headers point outside the file or are not
 * terminated, -ENOMEM. */
int elf_exe_parse(const unsigned char *buf, size_t len, struct elf_exe *out);
/* elf_exe_parse() of the file at PATH: also -errno when it cannot be read. */
int elf_exe_read(const char *path, struct elf_exe *out);
/* Free what OUT holds (not OUT itself); a zeroed one is fine. */
void elf_exe_free(struct elf_exe *e);
/* A name for machine M ("aarch64", "x86-64", ...), or NULL when unknown. */
const char *elf_exe_machine_name(unsigned m);

#endif
