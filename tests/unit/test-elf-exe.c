/*
 * test-elf-exe.c -- reading what an executable needs to be loaded
 * (common/elf-exe.c): its machine, PT_INTERP, DT_NEEDED and DT_RUNPATH,
 * from a hand-made ELF file, and -EINVAL, never a read past the end, for
 * headers that point outside the file.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf-exe.h"
#include "unit.h"

#define VADDR 0x10000
#define INTERP_AT 300
#define STRTAB_AT 400
#define DYNAMIC_AT 512
#define FILE_LEN 1024

static const char strtab[] = "\0libdemo.so\0libc.so.6\0/opt/pkvm/lib";

/* A dynamically linked aarch64 executable: interpreter, two DT_NEEDED, a
 * DT_RUNPATH; 8-aligned like malloc's memory. */
static unsigned char *
make_exe(void)
{
	unsigned char *b = calloc(1, FILE_LEN);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof(*eh));
	Elf64_Dyn *d = (Elf64_Dyn *)(b + DYNAMIC_AT);
	const char *interp = "/lib/ld-linux-aarch64.so.1";

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_AARCH64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 3;
	ph[0] = (Elf64_Phdr){ .p_type = PT_INTERP,
		.p_offset = INTERP_AT,
		.p_filesz = strlen(interp) + 1 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_vaddr = VADDR, .p_filesz = FILE_LEN };
	ph[2] = (Elf64_Phdr){ .p_type = PT_DYNAMIC,
		.p_offset = DYNAMIC_AT,
		.p_filesz = 6 * sizeof(*d) };
	memcpy(b + INTERP_AT, interp, strlen(interp) + 1);
	memcpy(b + STRTAB_AT, strtab, sizeof(strtab));
	d[0] = (Elf64_Dyn){ .d_tag = DT_NEEDED, .d_un.d_val = 1 };
	d[1] = (Elf64_Dyn){ .d_tag = DT_NEEDED, .d_un.d_val = 12 };
	d[2] = (Elf64_Dyn){ .d_tag = DT_RUNPATH, .d_un.d_val = 22 };
	d[3] = (Elf64_Dyn){ .d_tag = DT_STRTAB, .d_un.d_ptr = VADDR + STRTAB_AT };
	d[4] = (Elf64_Dyn){ .d_tag = DT_STRSZ, .d_un.d_val = sizeof(strtab) };
	d[5] = (Elf64_Dyn){ .d_tag = DT_NULL };
	return b;
}

static void
test_a_dynamic_aarch64_executable(void)
{
	unsigned char *b = make_exe();
	struct elf_exe e;

	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), 0);
	CHECK_INT(e.machine, ELF_EXE_AARCH64);
	CHECK(e.elf64_le);
	CHECK_STR(e.interp, "/lib/ld-linux-aarch64.so.1");
	CHECK_INT(e.nneeded, 2);
	if (e.nneeded == 2) {
		CHECK_STR(e.needed[0], "libdemo.so");
		CHECK_STR(e.needed[1], "libc.so.6");
	}
	CHECK_STR(e.runpath, "/opt/pkvm/lib");
	CHECK(e.rpath == NULL);
	elf_exe_free(&e);
	free(b);
}

static void
test_static_and_foreign_files(void)
{
	unsigned char *b = make_exe();
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	struct elf_exe e;

	/* No program headers of interest: a static program. */
	eh->e_phnum = 0;
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), 0);
	CHECK(e.interp == NULL);
	CHECK_INT(e.nneeded, 0);
	elf_exe_free(&e);
	eh->e_phnum = 3;
	/* An x86-64 program is named as one. */
	eh->e_machine = EM_X86_64;
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), 0);
	CHECK_INT(e.machine, EM_X86_64);
	CHECK_STR(elf_exe_machine_name(e.machine), "x86-64");
	elf_exe_free(&e);
	/* A 32-bit file: its machine, and nothing more read. */
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_machine = EM_ARM;
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), 0);
	CHECK(!e.elf64_le);
	CHECK_STR(elf_exe_machine_name(e.machine), "32-bit arm");
	elf_exe_free(&e);
	/* Not ELF at all: a script. */
	CHECK_INT(elf_exe_parse((const unsigned char *)"#!/bin/sh\necho hi\n", 18, &e), -ENOEXEC);
	free(b);
}

static void
test_headers_pointing_outside_are_refused(void)
{
	unsigned char *b = make_exe();
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof(*eh));
	struct elf_exe e;

	/* Cut before the dynamic section. */
	CHECK_INT(elf_exe_parse(b, DYNAMIC_AT + 8, &e), -EINVAL);
	/* Cut inside the program headers. */
	CHECK_INT(elf_exe_parse(b, sizeof(*eh) + 10, &e), -EINVAL);
	/* An interpreter without its NUL. */
	ph[0].p_filesz = 5;
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), -EINVAL);
	ph[0].p_filesz = 27;
	/* A string table no PT_LOAD maps. */
	((Elf64_Dyn *)(b + DYNAMIC_AT))[3].d_un.d_ptr = 0x900000;
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), -EINVAL);
	((Elf64_Dyn *)(b + DYNAMIC_AT))[3].d_un.d_ptr = VADDR + STRTAB_AT;
	/* A name offset past the table's end. */
	((Elf64_Dyn *)(b + DYNAMIC_AT))[0].d_un.d_val = 4000;
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), -EINVAL);
	((Elf64_Dyn *)(b + DYNAMIC_AT))[0].d_un.d_val = 1;
	/* A program header table beyond the file. */
	eh->e_phoff = FILE_LEN;
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), -EINVAL);
	eh->e_phoff = sizeof(*eh);
	CHECK_INT(elf_exe_parse(b, FILE_LEN, &e), 0);
	elf_exe_free(&e);
	free(b);
}

int
main(void)
{
	RUN(test_a_dynamic_aarch64_executable);
	RUN(test_static_and_foreign_files);
	RUN(test_headers_pointing_outside_are_refused);
	return UNIT_DONE();
}
