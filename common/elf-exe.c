/*
 * elf-exe.c -- the loading needs of an ELF file (elf-exe.h).
 *
 * The program headers give PT_INTERP (a string in the file) and
 * PT_DYNAMIC (the dynamic section); the dynamic section's strings live at
 * DT_STRTAB, an address, which the PT_LOAD segment that maps it turns
 * back into a file offset.  Any offset, size or string that leaves the
 * file makes the file -EINVAL: a truncated upload or a hand-made header
 * gets an answer, never a read past the end.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf-exe.h"

/* The most DT_NEEDED entries taken from one file. */
#define ELF_NEEDED_MAX 256

/* Is [OFF, OFF+SIZE) inside a file of LEN bytes? */
static bool
in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* A copy of the NUL-terminated string at OFF within the LIMIT bytes at
 * BUF (LIMIT itself within the file), or NULL. */
static char *
string_at(const unsigned char *buf, uint64_t off, uint64_t limit)
{
	const unsigned char *nul;

	if (off >= limit)
		return NULL;
	nul = memchr(buf + off, '\0', limit - off);
	return nul == NULL ? NULL : strdup((const char *)buf + off);
}

/* The file offset of address ADDR, through the PT_LOAD headers PH[N]. */
static bool
addr_to_offset(const Elf64_Phdr *ph, size_t n, uint64_t addr, uint64_t *off)
{
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && addr >= ph[i].p_vaddr &&
		    addr - ph[i].p_vaddr < ph[i].p_filesz) {
			*off = ph[i].p_offset + (addr - ph[i].p_vaddr);
			return true;
		}
	return false;
}

/* The dynamic section's needs, from PT_DYNAMIC header DYN. */
static int
parse_dynamic(const unsigned char *buf, size_t len, const Elf64_Phdr *ph, size_t nph,
    const Elf64_Phdr *dyn, struct elf_exe *out)
{
	const Elf64_Dyn *d;
	uint64_t n, strtab = 0, strsz = 0, off;
	bool have_strtab = false;

	if (!in_file(dyn->p_offset, dyn->p_filesz, len) || dyn->p_offset % 8 != 0)
		return -EINVAL;
	d = (const Elf64_Dyn *)(buf + dyn->p_offset);
	n = dyn->p_filesz / sizeof(*d);
	for (uint64_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		if (d[i].d_tag == DT_STRTAB) {
			strtab = d[i].d_un.d_ptr;
			have_strtab = true;
		} else if (d[i].d_tag == DT_STRSZ) {
			strsz = d[i].d_un.d_val;
		}
	}
	if (!have_strtab)
		return 0;
	if (!addr_to_offset(ph, nph, strtab, &off) || !in_file(off, strsz, len))
		return -EINVAL;
	out->needed = calloc(ELF_NEEDED_MAX + 1, sizeof(char *));
	if (out->needed == NULL)
		return -ENOMEM;
	for (uint64_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		char **slot = NULL, *s;

		if (d[i].d_tag == DT_NEEDED && out->nneeded < ELF_NEEDED_MAX)
			slot = &out->needed[out->nneeded];
		else if (d[i].d_tag == DT_RUNPATH && out->runpath == NULL)
			slot = &out->runpath;
		else if (d[i].d_tag == DT_RPATH && out->rpath == NULL)
			slot = &out->rpath;
		if (slot == NULL)
			continue;
		if ((s = string_at(buf + off, d[i].d_un.d_val, strsz)) == NULL)
			return -EINVAL;
		*slot = s;
		if (slot == &out->needed[out->nneeded])
			out->nneeded++;
	}
	return 0;
}

int
elf_exe_parse(const unsigned char *buf, size_t len, struct elf_exe *out)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const Elf64_Phdr *ph, *dyn = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (len < EI_NIDENT + 4 || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	/* e_machine is at the same place in both classes and byte orders
	 * differ only in how it reads: enough to name a wrong machine. */
	out->machine = buf[EI_DATA] == ELFDATA2MSB ? (unsigned)buf[18] << 8 | buf[19]
						   : (unsigned)buf[19] << 8 | buf[18];
	out->elf64_le = buf[EI_CLASS] == ELFCLASS64 && buf[EI_DATA] == ELFDATA2LSB;
	if (!out->elf64_le)
		return 0;
	if (len < sizeof(*eh) || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff % 8 != 0 ||
	    !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(*ph), len))
		return -EINVAL;
	ph = (const Elf64_Phdr *)(buf + eh->e_phoff);
	for (size_t i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP && out->interp == NULL) {
			if (!in_file(ph[i].p_offset, ph[i].p_filesz, len) ||
			    (out->interp = string_at(buf, ph[i].p_offset,
				 ph[i].p_offset + ph[i].p_filesz)) == NULL) {
				err = -EINVAL;
				break;
			}
		} else if (ph[i].p_type == PT_DYNAMIC && dyn == NULL) {
			dyn = &ph[i];
		}
	}
	if (err == 0 && dyn != NULL)
		err = parse_dynamic(buf, len, ph, eh->e_phnum, dyn, out);
	if (err < 0)
		elf_exe_free(out);
	return err;
}

int
elf_exe_read(const char *path, struct elf_exe *out)
{
	struct stat st;
	void *map;
	int fd, err;

	memset(out, 0, sizeof(*out));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.st_size < EI_NIDENT + 4) {
		close(fd);
		return -ENOEXEC;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err < 0)
		return err;
	err = elf_exe_parse(map, (size_t)st.st_size, out);
	munmap(map, (size_t)st.st_size);
	return err;
}

void
elf_exe_free(struct elf_exe *e)
{
	for (size_t i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->needed);
	free(e->interp);
	free(e->runpath);
	free(e->rpath);
	memset(e, 0, sizeof(*e));
}

const char *
elf_exe_machine_name(unsigned m)
{
	switch (m) {
	case EM_AARCH64:
		return "aarch64";
	case EM_X86_64:
		return "x86-64";
	case EM_386:
		return "i386";
	case EM_ARM:
		return "32-bit arm";
	case EM_RISCV:
		return "riscv";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	default:
		return NULL;
	}
}
