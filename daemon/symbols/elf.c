/*
 * elf.c -- build ids, symbol tables and line tables of ELF files, and the
 * build id of a kernel Image (see elf.h).
 *
 * Every offset and size the file gives is checked against the file's size
 * before it is used: a blob is whatever a client uploaded, and a damaged
 * one must give -ENOEXEC, not a crash of pkvmd.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols/elf.h"

struct elf_file {
	const unsigned char *map;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh; /* NULL when there are none */
	size_t shnum;
	const char *shstr; /* section names */
	size_t shstr_size;
};

/* Is [OFF, OFF + LEN) inside a file of SIZE bytes? */
static bool
in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static int
map_file(const char *path, const unsigned char **map, size_t *size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.st_size == 0) {
		close(fd);
		*map = NULL;
		*size = 0;
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err < 0)
		return err;
	*map = p;
	*size = (size_t)st.st_size;
	return 0;
}

int
elf_open(const char *path, struct elf_file **out)
{
	struct elf_file *e = calloc(1, sizeof(*e));
	const Elf64_Ehdr *eh;
	int err;

	if (e == NULL)
		return -ENOMEM;
	if ((err = map_file(path, &e->map, &e->size)) < 0) {
		free(e);
		return err;
	}
	eh = (const Elf64_Ehdr *)e->map;
	if (e->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		goto bad;
	e->eh = eh;
	if (eh->e_shoff != 0 && eh->e_shnum != 0) {
		if (eh->e_shentsize != sizeof(Elf64_Shdr) ||
		    !in_file(e->size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
		    eh->e_shoff % 8 != 0 || eh->e_shstrndx >= eh->e_shnum)
			goto bad;
		e->sh = (const Elf64_Shdr *)(e->map + eh->e_shoff);
		e->shnum = eh->e_shnum;
		if (!in_file(e->size, e->sh[eh->e_shstrndx].sh_offset,
			e->sh[eh->e_shstrndx].sh_size))
			goto bad;
		e->shstr = (const char *)e->map + e->sh[eh->e_shstrndx].sh_offset;
		e->shstr_size = e->sh[eh->e_shstrndx].sh_size;
	}
	*out = e;
	return 0;
bad:
	elf_close(e);
	return -ENOEXEC;
}

void
elf_close(struct elf_file *e)
{
	if (e == NULL)
		return;
	if (e->map != NULL)
		munmap((void *)e->map, e->size);
	free(e);
}

unsigned
elf_machine(const struct elf_file *e)
{
	return e->eh->e_machine;
}

bool
elf_relocatable(const struct elf_file *e)
{
	return e->eh->e_type == ET_REL;
}

/* The name of section I, or "" when it has none the file can give. */
static const char *
section_name(const struct elf_file *e, size_t i)
{
	uint32_t off = e->sh[i].sh_name;

	if (e->shstr == NULL || off >= e->shstr_size ||
	    memchr(e->shstr + off, '\0', e->shstr_size - off) == NULL)
		return "";
	return e->shstr + off;
}

bool
elf_has_lines(const struct elf_file *e)
{
	for (size_t i = 0; i < e->shnum; i++) {
		const char *name = section_name(e, i);

		if ((strcmp(name, ".debug_line") == 0 || strcmp(name, ".zdebug_line") == 0) &&
		    e->sh[i].sh_size > 0 && e->sh[i].sh_type != SHT_NOBITS)
			return true;
	}
	return false;
}

static void
hex(const unsigned char *b, size_t n, char *buf)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[b[i] >> 4];
		buf[2 * i + 1] = digits[b[i] & 15];
	}
	buf[2 * n] = '\0';
}

/* The GNU build id among the notes at P (LEN bytes) into BUF: 0 or -ENOENT. */
static int
notes_build_id(const unsigned char *p, uint64_t len, char *buf)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_len, desc_len;

		memcpy(&nh, p + off, sizeof(nh));
		off += sizeof(nh);
		name_len = ((uint64_t)nh.n_namesz + 3) & ~(uint64_t)3;
		desc_len = ((uint64_t)nh.n_descsz + 3) & ~(uint64_t)3;
		if (name_len > len - off || desc_len > len - off - name_len)
			return -ENOENT;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(p + off, "GNU", 4) == 0 && nh.n_descsz > 0 &&
		    nh.n_descsz <= ELF_BUILD_ID_MAX) {
			hex(p + off + name_len, nh.n_descsz, buf);
			return 0;
		}
		off += name_len + desc_len;
	}
	return -ENOENT;
}

int
elf_build_id(const struct elf_file *e, char *buf)
{
	const Elf64_Ehdr *eh = e->eh;

	for (size_t i = 0; i < e->shnum; i++) {
		const Elf64_Shdr *s = &e->sh[i];

		if (s->sh_type == SHT_NOTE && in_file(e->size, s->sh_offset, s->sh_size) &&
		    notes_build_id(e->map + s->sh_offset, s->sh_size, buf) == 0)
			return 0;
	}
	/* A file without section headers still has its notes segment. */
	if (eh->e_phoff == 0 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(e->size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return -ENOENT;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, e->map + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE && in_file(e->size, ph.p_offset, ph.p_filesz) &&
		    notes_build_id(e->map + ph.p_offset, ph.p_filesz, buf) == 0)
			return 0;
	}
	return -ENOENT;
}

/* ---- symbols ---------------------------------------------------------------- */

static int
query_cmp(const void *a, const void *b)
{
	const struct elf_sym_query *x = *(struct elf_sym_query *const *)a;
	const struct elf_sym_query *y = *(struct elf_sym_query *const *)b;

	return strcmp(x->name, y->name);
}

/* How well a function of SIZE bytes fits query Q (kallsyms' size): 3 the
 * same size, 2 smaller (the rest is padding), 1 anything else. */
static int
fit(const struct elf_sym_query *q, uint64_t size)
{
	if (q->size == 0 || size == q->size)
		return 3;
	return size > 0 && size < q->size ? 2 : 1;
}

/* A function named like Q, of SIZE bytes at VALUE in section SEC: keep it
 * when it fits Q better than what Q has; SCORE holds Q's best fit. */
static void
consider(const struct elf_file *e, struct elf_sym_query *q, int *score, uint64_t *best_size,
    const Elf64_Sym *s)
{
	int f = fit(q, s->st_size);

	if (q->found && (f < *score || (f == *score && (f != 2 || s->st_size <= *best_size))))
		return;
	q->found = true;
	q->value = s->st_value;
	snprintf(q->section, sizeof(q->section), "%s", section_name(e, s->st_shndx));
	*score = f;
	*best_size = s->st_size;
}

int
elf_symbols_find(const struct elf_file *e, struct elf_sym_query *q, size_t n)
{
	const Elf64_Shdr *symtab = NULL, *strtab;
	struct elf_sym_query **sorted;
	uint64_t *best_size;
	int *score;
	size_t nsyms;

	for (size_t i = 0; i < e->shnum && symtab == NULL; i++)
		if (e->sh[i].sh_type == SHT_SYMTAB)
			symtab = &e->sh[i];
	if (symtab == NULL || symtab->sh_link >= e->shnum ||
	    symtab->sh_entsize != sizeof(Elf64_Sym) ||
	    !in_file(e->size, symtab->sh_offset, symtab->sh_size))
		return -ENOENT;
	strtab = &e->sh[symtab->sh_link];
	if (!in_file(e->size, strtab->sh_offset, strtab->sh_size))
		return -ENOENT;
	if (n == 0)
		return 0;
	sorted = calloc(n, sizeof(*sorted));
	score = calloc(n, sizeof(*score));
	best_size = calloc(n, sizeof(*best_size));
	if (sorted == NULL || score == NULL || best_size == NULL) {
		free(sorted);
		free(score);
		free(best_size);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		q[i].found = false;
		sorted[i] = &q[i];
	}
	qsort(sorted, n, sizeof(*sorted), query_cmp);

	nsyms = symtab->sh_size / sizeof(Elf64_Sym);
	for (size_t i = 1; i < nsyms; i++) {
		const Elf64_Sym *s = (const Elf64_Sym *)(e->map + symtab->sh_offset) + i;
		unsigned type = ELF64_ST_TYPE(s->st_info);
		struct elf_sym_query key, *kp = &key, **hit;
		const char *name;

		if ((type != STT_FUNC && type != STT_NOTYPE) || s->st_shndx == SHN_UNDEF ||
		    s->st_shndx >= e->shnum || !(e->sh[s->st_shndx].sh_flags & SHF_EXECINSTR) ||
		    s->st_name >= strtab->sh_size)
			continue;
		name = (const char *)e->map + strtab->sh_offset + s->st_name;
		if (memchr(name, '\0', strtab->sh_size - s->st_name) == NULL || name[0] == '\0')
			continue;
		key.name = name;
		hit = bsearch(&kp, sorted, n, sizeof(*sorted), query_cmp);
		if (hit == NULL)
			continue;
		/* Two frames may name one function: every query of the name. */
		while (hit > sorted && strcmp(hit[-1]->name, name) == 0)
			hit--;
		for (; hit < sorted + n && strcmp((*hit)->name, name) == 0; hit++) {
			size_t k = (size_t)(*hit - q);

			consider(e, *hit, &score[k], &best_size[k], s);
		}
	}
	free(sorted);
	free(score);
	free(best_size);
	return 0;
}

/* ---- a kernel Image's build id ------------------------------------------- */

int
elf_image_build_ids(const char *path, char ids[][ELF_BUILD_ID_HEX], size_t *n)
{
	/* n_type and the name of a GNU build id note; its sizes come before. */
	static const unsigned char tail[] = { 3, 0, 0, 0, 'G', 'N', 'U', 0 };
	const unsigned char *map, *p, *end;
	char id[ELF_BUILD_ID_HEX];
	size_t size;
	int err;

	*n = 0;
	if ((err = map_file(path, &map, &size)) < 0)
		return err;
	if (size >= 2 && map[0] == 0x1f && map[1] == 0x8b) {
		munmap((void *)map, size);
		return -ENOTSUP;
	}
	end = map + size;
	for (p = map; size > 0 && (p = memmem(p, (size_t)(end - p), tail, sizeof(tail))) != NULL;
	     p++) {
		uint32_t namesz, descsz;
		bool seen = false;

		/* Notes are 4-byte aligned, and the Image is loaded at an
		 * aligned address. */
		if ((size_t)(p - map) < 8 || (p - map) % 4 != 0)
			continue;
		memcpy(&namesz, p - 8, 4);
		memcpy(&descsz, p - 4, 4);
		if (namesz != 4 || descsz < 8 || descsz > ELF_BUILD_ID_MAX ||
		    (size_t)(end - p) < sizeof(tail) + descsz)
			continue;
		hex(p + sizeof(tail), descsz, id);
		for (size_t i = 0; i < *n && !seen; i++)
			seen = strcmp(ids[i], id) == 0;
		if (!seen && *n < ELF_IMAGE_IDS_MAX)
			memcpy(ids[(*n)++], id, sizeof(id));
	}
	if (size > 0)
		munmap((void *)map, size);
	return *n > 0 ? 0 : -ENOENT;
}
