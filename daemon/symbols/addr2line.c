/*
 * addr2line.c -- which addr2line reads an object, and reading what it
 * printed (see addr2line.h).
 *
 * The output for one address, with -a -f -i:
 *
 *     0xffffffc0083a1c44
 *     lkdtm_WARNING                       the function (innermost first)
 *     /src/linux/drivers/misc/lkdtm/bugs.c:81
 *     lkdtm_do_action                     a function it is inlined into
 *     /src/linux/drivers/misc/lkdtm/core.c:201 (discriminator 2)
 *
 * and "??" / "??:0" (or "??:?") for what it does not know.  The address
 * line starts every answer, so a function named like an address cannot
 * be told from one: addr2line has no such names in kernel code (C names
 * cannot start with a digit).
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/addr2line.h"

/* binutils' addr2line per ELF machine: the cross one for arm64 guests
 * (binutils-aarch64-linux-gnu), the host's own for x86-64. */
static const struct {
	unsigned machine;
	const char *program;
} programs[] = {
	{ .machine = EM_AARCH64, .program = "aarch64-linux-gnu-addr2line" },
	{ .machine = EM_X86_64, .program = "addr2line" },
};

const char *
a2l_program(unsigned machine)
{
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (programs[i].machine == machine)
			return programs[i].program;
	return NULL;
}

static bool
address_line(const char *s, size_t len, uint64_t *v)
{
	char *end;

	if (len < 3 || s[0] != '0' || s[1] != 'x')
		return false;
	*v = strtoull(s, &end, 16);
	return end == s + len;
}

/* "file:line" or "file:line (discriminator N)" into P: false when
 * addr2line knew no file ("??"). */
static bool
place_parse(const char *s, size_t len, struct frame_place *p)
{
	const char *paren = memchr(s, '(', len), *colon;
	unsigned long line = 0;
	char *end;

	if (paren != NULL)
		len = (size_t)(paren - s);
	while (len > 0 && s[len - 1] == ' ')
		len--;
	for (colon = s + len; colon > s && colon[-1] != ':'; colon--)
		;
	if (colon == s)
		return false;
	if (colon < s + len && colon[0] != '?') {
		line = strtoul(colon, &end, 10);
		if (end != s + len)
			return false;
	}
	len = (size_t)(colon - 1 - s);
	if (len == 0 || (len == 2 && memcmp(s, "??", 2) == 0))
		return false;
	if ((p->file = strndup(s, len)) == NULL)
		return false;
	p->line = (unsigned)line;
	return true;
}

static int
place_add(struct frame_where *w, const char *func, size_t flen, const char *file, size_t len)
{
	struct frame_place p = { 0 }, *v;

	if (!place_parse(file, len, &p))
		return 0;
	if ((p.func = strndup(func, flen)) == NULL ||
	    (v = realloc(w->places, (w->n + 1) * sizeof(*v))) == NULL) {
		free(p.func);
		free(p.file);
		return -ENOMEM;
	}
	w->places = v;
	w->places[w->n++] = p;
	return 0;
}

int
a2l_parse(const char *text, const uint64_t *addr, size_t n, struct frame_where **out)
{
	struct frame_where *w = calloc(n + 1, sizeof(*w));
	const char *p = text, *func = NULL;
	size_t k = 0, flen = 0;
	int err = 0;

	if (w == NULL)
		return -ENOMEM;
	while (*p != '\0' && err == 0) {
		size_t len = strcspn(p, "\n");
		uint64_t v;

		if (address_line(p, len, &v)) {
			if (k == n || v != addr[k] || func != NULL)
				err = -EPROTO;
			k++;
		} else if (k == 0) {
			err = -EPROTO;
		} else if (func == NULL) {
			func = p;
			flen = len;
		} else {
			err = place_add(&w[k - 1], func, flen, p, len);
			func = NULL;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (err == 0 && (k != n || func != NULL))
		err = -EPROTO;
	if (err < 0) {
		a2l_free(w, n);
		return err;
	}
	*out = w;
	return 0;
}

void
a2l_free(struct frame_where *w, size_t n)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < w[i].n; k++) {
			free(w[i].places[k].func);
			free(w[i].places[k].file);
		}
		free(w[i].places);
	}
	free(w);
}
