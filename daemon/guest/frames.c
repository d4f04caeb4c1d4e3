/*
 * frames.c -- find the frames of a crash report, and write it again with
 * their source lines (see frames.h).
 *
 * A line holds a frame when its last word, before an optional " [module]"
 * (or " [module buildid]") and the "!" the hypervisor ends its BUG line
 * with, is "name+0xOFF/0xSIZE", as the kernel's %pS prints it.  That is
 * the rule of the kernel's scripts/decode_stacktrace.sh, with the name
 * checked too, so that no other word is taken for one.  x86's "0010:"
 * segment before the name is dropped.
 *
 * Most frames are return addresses: the instruction after a call, whose
 * line may already be the next statement.  Only the faulting or warning
 * instruction itself is exact: the "pc : " and "RIP: " lines, a hyp BUG
 * or panic "at: " line, a WARNING's first line, and the call trace entry
 * that names the same function and offset as one of those.
 *
 * The rewritten report keeps every line as it was and adds the place at
 * the end of a frame's line; a function inlined at that place gets a line
 * of its own before it, starting with the frame line's printk prefix and
 * blanks, so the report still reads innermost first:
 *
 *     [    5.1]  __dump_stack lib/dump_stack.c:88 [inline]
 *     [    5.1]  dump_stack_lvl+0x1e3/0x2cb lib/dump_stack.c:106
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/printk.h"
#include "guest/frames.h"

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '.' || c == '$';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Is S (LEN bytes) in LINE (LINE_LEN bytes)? */
static bool
contains(const char *line, size_t line_len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= line_len; i++)
		if (memcmp(line + i, s, n) == 0)
			return true;
	return false;
}

/* "0x" and hex digits at *P (up to END) into *V, *P moved past them. */
static bool
parse_hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int digits = 0;

	if (end - s < 3 || s[0] != '0' || s[1] != 'x')
		return false;
	for (s += 2; s < end && is_hex(*s); s++, digits++) {
		int d = *s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10;

		if (digits == 16)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	if (digits == 0)
		return false;
	*v = x;
	*p = s;
	return true;
}

/* "name+0xOFF/0xSIZE" filling F, the whole of TOK .. END. */
static bool
parse_token(const char *tok, const char *end, struct frame *f)
{
	const char *plus = NULL, *p;
	size_t n;

	/* x86's "RIP: 0010:func+...": a code segment before the name. */
	for (p = tok; p < end && is_hex(*p); p++)
		;
	if (p < end && *p == ':' && p > tok)
		tok = p + 1;
	for (p = tok; p < end && is_name_char(*p); p++)
		;
	if (p == tok || p == end || *p != '+')
		return false;
	plus = p++;
	if (!parse_hex(&p, end, &f->offset) || p == end || *p++ != '/' ||
	    !parse_hex(&p, end, &f->size) || p != end)
		return false;
	n = (size_t)(plus - tok);
	if (n >= sizeof(f->func))
		return false;
	memcpy(f->func, tok, n);
	f->func[n] = '\0';
	return true;
}

/* A " [module]" or " [module buildid]" ending the line at *END: its name
 * into F->module and *END moved before it; false when there is none. */
static bool
parse_module(const char *line, const char **end, struct frame *f)
{
	const char *e = *end, *open, *name;
	size_t n;

	if (e == line || e[-1] != ']')
		return false;
	for (open = e - 1; open > line && open[-1] != '['; open--)
		;
	if (open == line || open - 1 == line || !is_blank(open[-2]))
		return false;
	name = open;
	for (n = 0; name + n < e - 1 && (is_name_char(name[n]) || name[n] == '-'); n++)
		;
	if (n == 0 || n >= sizeof(f->module) || (name[n] != ']' && name[n] != ' '))
		return false;
	memcpy(f->module, name, n);
	f->module[n] = '\0';
	for (e = open - 1; e > line && is_blank(e[-1]); e--)
		;
	*end = e;
	return true;
}

/* Is the frame on LINE (whose message, past the printk prefix and blanks,
 * is M .. END) the faulting or warning instruction itself? */
static bool
line_is_exact(const char *m, const char *end)
{
	size_t len = (size_t)(end - m);

	return starts_with(m, len, "pc : ") || starts_with(m, len, "RIP: ") ||
	    starts_with(m, len, "WARNING: ") || contains(m, len, "hyp BUG at: ") ||
	    contains(m, len, "hyp panic at: ");
}

/* The frame on LINE (LEN bytes), if it has one, into F. */
static bool
parse_line(const char *line, size_t len, struct frame *f)
{
	const char *end = line + len, *tok, *m;

	memset(f, 0, sizeof(*f));
	while (end > line && is_blank(end[-1]))
		end--;
	if (end > line && end[-1] == '!')
		end--;
	parse_module(line, &end, f);
	for (tok = end; tok > line && !is_blank(tok[-1]); tok--)
		;
	if (!parse_token(tok, end, f))
		return false;
	m = printk_prefix_skip(line);
	if (m == NULL || m > line + len)
		m = line;
	while (m < line + len && is_blank(*m))
		m++;
	f->lead_len = (size_t)(m - line);
	f->exact = line_is_exact(m, line + len);
	return true;
}

/* A trace entry that names an exact frame's function and offset is that
 * frame again (the trace starts at the pc). */
static void
mark_exact_repeats(struct frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!f[i].exact)
			continue;
		for (size_t k = 0; k < n; k++)
			if (!f[k].exact && f[k].offset == f[i].offset &&
			    strcmp(f[k].func, f[i].func) == 0 &&
			    strcmp(f[k].module, f[i].module) == 0)
				f[k].exact = true;
	}
}

int
frames_parse(const char *report, struct frame **out, size_t *n)
{
	struct frame *v = NULL, f;
	size_t cap = 0, start = 0;

	*out = NULL;
	*n = 0;
	while (report[start] != '\0') {
		size_t len = strcspn(report + start, "\n");

		if (parse_line(report + start, len, &f)) {
			if (*n == cap) {
				size_t ncap = cap ? 2 * cap : 16;
				struct frame *p = realloc(v, ncap * sizeof(*v));

				if (p == NULL) {
					free(v);
					*n = 0;
					return -ENOMEM;
				}
				v = p;
				cap = ncap;
			}
			f.line_start = start;
			f.line_len = len;
			v[(*n)++] = f;
		}
		start += len;
		if (report[start] == '\n')
			start++;
	}
	mark_exact_repeats(v, *n);
	*out = v;
	return 0;
}

uint64_t
frame_address(const struct frame *f, uint64_t start)
{
	return start + f->offset - (f->exact ? 0 : 1);
}

/* A growing string; on ENOMEM it is freed and stays NULL. */
struct text {
	char *s;
	size_t len, cap;
};

static void
text_add(struct text *t, const char *s, size_t n)
{
	if (t->s == NULL && t->cap != 0)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t ncap = t->cap ? t->cap : 256;
		char *p;

		while (t->len + n + 1 > ncap)
			ncap *= 2;
		if ((p = realloc(t->s, ncap)) == NULL) {
			free(t->s);
			t->s = NULL;
			t->cap = 1; /* failed: add nothing more */
			return;
		}
		t->s = p;
		t->cap = ncap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void
text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* " file:line" of P (" file" when its line is unknown). */
static void
text_place(struct text *t, const struct frame_place *p)
{
	char num[16];

	text_add(t, " ", 1);
	text_str(t, p->file);
	if (p->line > 0) {
		snprintf(num, sizeof(num), ":%u", p->line);
		text_str(t, num);
	}
}

char *
frames_rewrite(const char *report, const struct frame *f, const struct frame_where *w, size_t n)
{
	struct text t = { 0 };
	size_t pos = 0;

	text_add(&t, "", 0);
	for (size_t i = 0; i < n; i++) {
		const char *line = report + f[i].line_start;
		size_t len = f[i].line_len;

		if (w[i].n == 0)
			continue;
		/* Everything up to this frame's line, as it was. */
		text_add(&t, report + pos, f[i].line_start - pos);
		for (size_t k = 0; k + 1 < w[i].n; k++) {
			text_add(&t, line, f[i].lead_len);
			text_str(&t, w[i].places[k].func);
			text_place(&t, &w[i].places[k]);
			text_str(&t, " [inline]\n");
		}
		while (len > 0 && is_blank(line[len - 1]))
			len--;
		text_add(&t, line, len);
		text_place(&t, &w[i].places[w[i].n - 1]);
		pos = f[i].line_start + f[i].line_len;
	}
	text_str(&t, report + pos);
	return t.s;
}
