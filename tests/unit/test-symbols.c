/*
 * test-symbols.c -- the symbolizer's readers: ELF build ids, symbol and
 * line tables (symbols/elf.c) and addr2line's answers
 * (symbols/addr2line.c).
 *
 * The ELF file read is this test program itself (built with -g by
 * meson's debugoptimized build type): the address a function has at run
 * time minus the value its symbol has is the same load bias for every
 * function, which checks the lookups without knowing any address.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols/addr2line.h"
#include "symbols/elf.h"
#include "unit.h"

/* Two functions to find in our own symbol table. */
__attribute__((noinline)) int symbols_test_one(int x);
__attribute__((noinline)) int symbols_test_two(int x);

__attribute__((noinline)) int
symbols_test_one(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) int
symbols_test_two(int x)
{
	return symbols_test_one(x) * 5;
}

static void
test_elf_self(void)
{
	struct elf_sym_query q[] = {
		{ .name = "symbols_test_two" },
		{ .name = "symbols_test_one" },
		{ .name = "symbols_test_one", .size = 1 },
		{ .name = "no_such_function_here" },
	};
	char id[ELF_BUILD_ID_HEX];
	struct elf_file *e = NULL;
	uintptr_t bias1, bias2;

	CHECK_INT(elf_open("/proc/self/exe", &e), 0);
	if (e == NULL)
		return;
#if defined(__x86_64__)
	CHECK_INT(elf_machine(e), EM_X86_64);
#elif defined(__aarch64__)
	CHECK_INT(elf_machine(e), EM_AARCH64);
#endif
	CHECK(!elf_relocatable(e));
	CHECK(elf_has_lines(e));
	/* Debian's toolchain links every program with a sha1 build id. */
	CHECK_INT(elf_build_id(e, id), 0);
	CHECK_INT(strlen(id), 40);
	CHECK_INT(elf_symbols_find(e, q, 4), 0);
	CHECK(q[0].found && q[1].found && q[2].found);
	CHECK(!q[3].found);
	CHECK_STR(q[0].section, ".text");
	bias1 = (uintptr_t)&symbols_test_one - (uintptr_t)q[1].value;
	bias2 = (uintptr_t)&symbols_test_two - (uintptr_t)q[0].value;
	CHECK(bias1 == bias2);
	/* A size that fits nothing still finds the only function there is. */
	CHECK(q[2].value == q[1].value);
	elf_close(e);
}

/* Write LEN bytes of BUF to a temporary file; its path into PATH. */
static void
temp_file(char *path, size_t size, const void *buf, size_t len)
{
	int fd;

	snprintf(path, size, "/tmp/pkvm-test-symbols.XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, buf, len) == (ssize_t)len);
		close(fd);
	}
}

static void
test_elf_not_elf(void)
{
	static const char text[] = "just some text, no ELF header here at all\n";
	unsigned char head[128];
	char path[64];
	struct elf_file *e = NULL;
	FILE *f;

	temp_file(path, sizeof(path), text, sizeof(text));
	CHECK_INT(elf_open(path, &e), -ENOEXEC);
	unlink(path);
	/* Our own header, cut before its section headers. */
	f = fopen("/proc/self/exe", "rb");
	CHECK(f != NULL && fread(head, 1, sizeof(head), f) == sizeof(head));
	if (f != NULL)
		fclose(f);
	temp_file(path, sizeof(path), head, sizeof(head));
	CHECK_INT(elf_open(path, &e), -ENOEXEC);
	unlink(path);
	CHECK_INT(elf_open("/nonexistent/vmlinux", &e), -ENOENT);
}

/* A GNU build id note of N bytes, each byte B, at P. */
static size_t
put_note(unsigned char *p, unsigned n, unsigned char b)
{
	uint32_t h[3] = { 4, n, 3 };

	memcpy(p, h, sizeof(h));
	memcpy(p + 12, "GNU", 4);
	memset(p + 16, b, n);
	return 16 + n;
}

static void
test_image_build_ids(void)
{
	unsigned char img[4096] = { 0 };
	char path[64], ids[ELF_IMAGE_IDS_MAX][ELF_BUILD_ID_HEX];
	size_t n = 99;

	/* An arm64 Image keeps vmlinux's .notes in its read-only data. */
	put_note(img + 1024, 20, 0xab);
	temp_file(path, sizeof(path), img, sizeof(img));
	CHECK_INT(elf_image_build_ids(path, ids, &n), 0);
	CHECK_INT(n, 1);
	CHECK_STR(ids[0], "abababababababababababababababababababab");
	unlink(path);

	/* The same id twice is one id; a vDSO's is another. */
	put_note(img + 2048, 20, 0xab);
	put_note(img + 3072, 20, 0xcd);
	temp_file(path, sizeof(path), img, sizeof(img));
	CHECK_INT(elf_image_build_ids(path, ids, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(ids[1], "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd");
	unlink(path);

	/* A note at an odd place is not the kernel's. */
	memset(img, 0, sizeof(img));
	put_note(img + 1025, 20, 0xab);
	temp_file(path, sizeof(path), img, sizeof(img));
	CHECK_INT(elf_image_build_ids(path, ids, &n), -ENOENT);
	CHECK_INT(n, 0);
	unlink(path);

	img[0] = 0x1f;
	img[1] = 0x8b;
	temp_file(path, sizeof(path), img, sizeof(img));
	CHECK_INT(elf_image_build_ids(path, ids, &n), -ENOTSUP);
	unlink(path);
}

/* What aarch64-linux-gnu-addr2line -a -f -i printed for a small program:
 * an inlined function, a discriminator, an address it knew nothing of. */
static void
test_a2l_parse(void)
{
	static const char out[] = "0x0000000000000010\n"
				  "inl\n"
				  "/tmp/m.c:3\n"
				  "text_fn\n"
				  "/tmp/m.c:8 (discriminator 2)\n"
				  "text_fn2\n"
				  "/tmp/m.c:13\n"
				  "0x00000000000002d4\n"
				  "text_fn\n"
				  "/tmp/m.c:?\n"
				  "0x0000000000000100\n"
				  "??\n"
				  "??:0\n";
	uint64_t addr[] = { 0x10, 0x2d4, 0x100 };
	uint64_t wrong[] = { 0x10, 0x2d0, 0x100 };
	struct frame_where *w = NULL;

	CHECK_INT(a2l_parse(out, addr, 3, &w), 0);
	if (w == NULL)
		return;
	CHECK_INT(w[0].n, 3);
	CHECK_STR(w[0].places[0].func, "inl");
	CHECK_STR(w[0].places[0].file, "/tmp/m.c");
	CHECK_INT(w[0].places[0].line, 3);
	CHECK_STR(w[0].places[1].func, "text_fn");
	CHECK_INT(w[0].places[1].line, 8);
	CHECK_STR(w[0].places[2].func, "text_fn2");
	CHECK_INT(w[0].places[2].line, 13);
	CHECK_INT(w[1].n, 1);
	CHECK_INT(w[1].places[0].line, 0);
	CHECK_INT(w[2].n, 0);
	a2l_free(w, 3);

	w = NULL;
	CHECK_INT(a2l_parse(out, wrong, 3, &w), -EPROTO);
	CHECK_INT(a2l_parse(out, addr, 2, &w), -EPROTO);
	CHECK_INT(a2l_parse("0x10\ninl\n", addr, 1, &w), -EPROTO);
	CHECK_INT(a2l_parse("inl\n/tmp/m.c:3\n", addr, 1, &w), -EPROTO);
	CHECK(w == NULL);
}

static void
test_a2l_program(void)
{
	CHECK_STR(a2l_program(EM_AARCH64), "aarch64-linux-gnu-addr2line");
	CHECK_STR(a2l_program(EM_X86_64), "addr2line");
	CHECK(a2l_program(EM_RISCV) == NULL);
}

int
main(void)
{
	RUN(test_elf_self);
	RUN(test_elf_not_elf);
	RUN(test_image_build_ids);
	RUN(test_a2l_parse);
	RUN(test_a2l_program);
	return UNIT_DONE();
}
