/*
 * crash-title.c -- a crash report's title (crash.h).
 *
 * A title must be the same every time the same bug fires, and tell two
 * bugs apart, so it can be compared across runs, jobs and kernels.  We
 * follow the convention of syzkaller and the kernel community's bug
 * lists: the kind of report plus the culprit function, "KASAN:
 * use-after-free Read in tcp_retransmit_timer", "WARNING in
 * __alloc_pages", "INFO: task hung in p9_fd_close".  The rule of the
 * report's first line (crash.c) gives the format; this file fills
 * it in:
 *
 *   {1}..{4}  the pattern's captures, scrubbed: addresses become ADDR,
 *             other numbers NUM, "func+0x1c/0x30" becomes "func", "CPU#3"
 *             becomes "CPU", "[<ffff...>]" goes; a "%f" capture keeps its
 *             file and drops the line, which moves with every edit;
 *   {access}  " Read" or " Write", from KASAN's "Read of size 8 at ...";
 *   {frame}   the culprit: a function name with its compiler clone
 *             suffix (".isra.5.part.6", ".cold", ".constprop.0") and
 *             its system-call wrapper prefix ("__x64_", "__se_sys_", ...)
 *             taken off.
 *
 * Finding the culprit.  The candidates are, in order: the function the
 * first line names ("at kernel/foo.c:12 foo+0x1c/0x30", "in
 * kfree+0x9/0x30"), the functions after the rule's lead marker (lockdep's
 * "at: FUNC"), for a rule with .pc the function of the first pc line
 * (arm64 "pc : FUNC+0x..", x86 "RIP: 0010:FUNC+0x..") and the stack after
 * it, else the frames of the stack under the rule's trace header, or of
 * the first stack (" func+0x1c/0x30", "[<ffff...>] func+0x...", with or
 * without a "Call trace:" header) up to the next stack's header.  Lines
 * that are no frames are passed over: a program's output may be printed
 * in the middle of a stack.  Frames marked "? " are guesses of x86's
 * unwinder and never candidates; "<IRQ>"-style markers, inlined frames
 * and unsymbolised addresses are part of a stack but name nothing.  Then,
 * by the rule's culprit:
 *
 *   CULPRIT_TOP    the first candidate that is in no skip list; when
 *                  every one is a generic helper (crash_skip_generic or
 *                  the rule's own list), the first that is not reporting
 *                  code (crash_skip_never);
 *   CULPRIT_STALL  a stalled CPU was interrupted somewhere in a loop that
 *                  spans several functions, so the top frame varies from
 *                  report to report: drop the skipped candidates and name
 *                  the one right above the first entry point
 *                  (crash_stall_entries: the system call, the work item,
 *                  the file operation that dispatched to a driver);
 *                  smp_call_function stands for all its variants;
 *   CULPRIT_INTERRUPTED  the same, but an RCU stall report dumps the
 *                  detecting CPU's own stack and the grace-period
 *                  kthread's first: the candidates are the frames after
 *                  the first timer interrupt entry of the report, the
 *                  interrupted code's, or else the pc's and those after;
 *   CULPRIT_HANG   a blocked task's stack is mostly waiting: hangs in
 *                  synchronize_rcu and its kin are one bucket, hangs in
 *                  rtnl_lock another, else the first frame that is not
 *                  waiting (crash_hang_waits).
 *
 * No culprit makes the title "... in corrupted" (a stack cut off or
 * garbled cannot be trusted), or the rule's bare title when a culprit is
 * optional (the hypervisor often cannot unwind its own stack).  A title
 * from the first line alone (the CONSOLE_CRASH event's) just leaves " in
 * {frame}" out when that line names no function.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/printk.h"
#include "guest/crash.h"

#define NAMES_MAX 512 /* candidate functions looked at */
#define NAME_MAX 128
#define FIELD_MAX 120 /* a capture's share of a title */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
is_word(char c)
{
	return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '_';
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- lines and frames --------------------------------------------------------- */

/* One line of a report's text: [s, s + len). */
struct line {
	const char *s;
	size_t len;
};

/* What a line of a stack is. */
enum frame_type {
	NOT_FRAME,
	FRAME, /* a function, maybe unsymbolised (name_len 0) */
	GUESS, /* "? func+0x..": x86's unwinder guessed */
	MARK, /* "<IRQ>", "<TASK>", an inlined frame: part of a stack */
	IRQ_END, /* "</IRQ>": the interrupted context follows */
};

struct frame {
	enum frame_type type;
	bool irq_end; /* an "<EOI>" marker came first on the line */
	bool at_start; /* "func+0x0/...": the function's first instruction */
	const char *name;
	size_t name_len;
};

/* The length of a token's function name if it is "name+0xOFF[/0xSIZE]...",
 * else 0.  A name is a C symbol, maybe with a clone suffix ("f.isra.0"):
 * nothing else a guest prints becomes part of a title. */
static size_t
symbol_len(const char *tok, size_t len)
{
	size_t i;

	if (len == 0 || !(is_word(tok[0]) && !is_digit(tok[0])))
		return 0;
	for (i = 1; i + 3 < len; i++) {
		if (tok[i] == '+' && tok[i + 1] == '0' && tok[i + 2] == 'x' && is_hex(tok[i + 3]))
			return i;
		if (!is_word(tok[i]) && tok[i] != '.')
			return 0;
	}
	return 0;
}

static const char *
skip_blanks(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* Past "[<ffff800008bca0e8>]" tokens (one or two) and the blanks after them. */
static const char *
skip_pc_tokens(const char *s, const char *end)
{
	int i;

	for (i = 0; i < 2 && s + 1 < end && s[0] == '[' && s[1] == '<'; i++) {
		const char *close = memchr(s, ']', (size_t)(end - s));

		if (close == NULL)
			break;
		s = skip_blanks(close + 1, end);
	}
	return s;
}

/* The message of line L: past its printk prefix and subsystem prefix. */
static struct line
message(struct line l)
{
	char buf[64];
	size_t n = l.len < sizeof(buf) - 1 ? l.len : sizeof(buf) - 1;
	struct line m;

	/* crash_message_start() needs a string: the prefixes are short, so
	 * a copy of the line's start says how long they are. */
	memcpy(buf, l.s, n);
	buf[n] = '\0';
	m.s = l.s + (crash_message_start(buf) - buf);
	if (m.s > l.s + l.len)
		m.s = l.s + l.len;
	m.len = l.len - (size_t)(m.s - l.s);
	return m;
}

/* What line L is as part of a stack. */
static struct frame
parse_frame(struct line l)
{
	struct frame f = { .type = NOT_FRAME };
	struct line m = message(l);
	const char *end = m.s + m.len, *p = skip_blanks(m.s, end), *tok;
	size_t len;

	/* x86's "<IRQ>", "</IRQ>", "<TASK>"; before 4.14 the "<IRQ>" and
	 * "<EOI>" markers shared a line with the next frame. */
	if (p < end && *p == '<') {
		const char *close = memchr(p, '>', (size_t)(end - p));

		if (close != NULL && memchr(p, ' ', (size_t)(close - p)) == NULL) {
			bool irq_end = (close - p == 5 && memcmp(p, "</IRQ", 5) == 0) ||
			    (close - p == 4 && memcmp(p, "<EOI", 4) == 0);

			p = skip_blanks(close + 1, end);
			if (p == end) {
				f.type = irq_end ? IRQ_END : MARK;
				return f;
			}
			f.irq_end = irq_end;
		}
	}
	p = skip_pc_tokens(p, end);
	if (p + 1 < end && p[0] == '?' && p[1] == ' ') {
		f.type = GUESS;
		return f;
	}
	tok = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	len = (size_t)(p - tok);
	if (len == 0)
		return f;
	if (len >= 10 && tok[0] == '0' && tok[1] == 'x') {
		size_t i;

		for (i = 2; i < len && is_hex(tok[i]); i++)
			;
		if (i == len)
			f.type = FRAME;
		return f;
	}
	if ((f.name_len = symbol_len(tok, len)) > 0) {
		f.type = FRAME;
		f.name = tok;
		f.at_start = len > f.name_len + 4 && tok[f.name_len + 3] == '0' &&
		    (f.name_len + 4 == len || tok[f.name_len + 4] == '/');
		return f;
	}
	/* A frame the symbolizer found inlined: "func file.c:12 [inline]". */
	if (m.len > 9 && memcmp(end - 9, " [inline]", 9) == 0)
		f.type = MARK;
	return f;
}

/* The function of a pc line (arm64 "pc : f+0x..", x86 "RIP: 0010:f+0x..",
 * older "IP: [<..>] f+0x..", "PC is at f+0x.."), or 0 in *LEN. */
static const char *
pc_function(struct line l, size_t *len)
{
	struct line m = message(l);
	const char *end = m.s + m.len, *p = NULL, *tok;

	*len = 0;
	if (m.len > 5 && memcmp(m.s, "pc : ", 5) == 0)
		p = m.s + 5;
	else if (m.len > 5 && (memcmp(m.s, "RIP: ", 5) == 0 || memcmp(m.s, "EIP: ", 5) == 0)) {
		p = m.s + 5;
		/* "0010:" is the code segment; "0033:" is user space. */
		if (end - p > 5 && is_hex(p[0]) && p[4] == ':') {
			if (memcmp(p, "0033", 4) == 0 || memcmp(p, "0073", 4) == 0)
				return NULL;
			p += 5;
		}
	} else if (m.len > 4 && memcmp(m.s, "IP: ", 4) == 0)
		p = m.s + 4;
	else if (m.len > 9 && memcmp(m.s, "PC is at ", 9) == 0)
		p = m.s + 9;
	if (p == NULL)
		return NULL;
	p = skip_pc_tokens(skip_blanks(p, end), end);
	tok = p;
	while (p < end && *p != ' ')
		p++;
	*len = symbol_len(tok, (size_t)(p - tok));
	return *len > 0 ? tok : NULL;
}

/* The first "name+0x.." token of [S, END), past "[<..>]" tokens, or NULL. */
static const char *
first_symbol(const char *s, const char *end, size_t *len)
{
	while (s < end) {
		const char *tok;
		size_t n;

		s = skip_blanks(s, end);
		if (s + 1 < end && s[0] == '[' && s[1] == '<') {
			const char *past = skip_pc_tokens(s, end);

			/* An unclosed "[<" is a token like any other. */
			if (past != s) {
				s = past;
				continue;
			}
		}
		tok = s;
		while (s < end && *s != ' ' && *s != '\t')
			s++;
		/* "(func+0x..)", or "0010:func+0x.." after a code segment */
		while (tok < s && *tok == '(')
			tok++;
		if (s - tok > 5 && is_hex(tok[0]) && is_hex(tok[1]) && is_hex(tok[2]) &&
		    is_hex(tok[3]) && tok[4] == ':')
			tok += 5;
		if ((n = symbol_len(tok, (size_t)(s - tok))) > 0) {
			*len = n;
			return tok;
		}
	}
	return NULL;
}

/* ---- the report as a list of candidate functions ------------------------------ */

struct name {
	const char *s;
	size_t len;
	bool after_irq; /* comes after the first interrupt entry */
};

struct names {
	int n;
	int pc; /* index of the first pc's name, -1 when none */
	struct name v[NAMES_MAX];
};

static void
add_name(struct names *ns, const char *s, size_t len, bool after_irq)
{
	if (ns->n < NAMES_MAX && len > 0) {
		ns->v[ns->n].s = s;
		ns->v[ns->n].len = len;
		ns->v[ns->n].after_irq = after_irq;
		ns->n++;
	}
}

/* Split TEXT into at most MAX lines. */
static int
split_lines(const char *text, struct line *lines, int max)
{
	int n = 0;

	while (n < max) {
		const char *nl = strchr(text, '\n');

		lines[n].s = text;
		lines[n].len = nl ? (size_t)(nl - text) : strlen(text);
		n++;
		if (nl == NULL)
			break;
		text = nl + 1;
	}
	return n;
}

/* The name without its clone suffix: ".isra.5", ".cold", ".constprop.0". */
static size_t
base_len(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);

	return dot != NULL && dot > s ? (size_t)(dot - s) : len;
}

/* The frames after which the stack holds the pc an exception interrupted
 * rather than a return address: arm64's exception vectors. */
static bool
is_exception_entry(const char *s, size_t len)
{
	static const char *const entries[] = { "^el1h_64_", "^el0t_64_", "^el1_", NULL };

	return crash_skip_match(entries, s, len);
}

static bool
is_irq_entry(const char *s, size_t len)
{
	static const char *const entries[] = { "^asm_sysvec_apic_timer_interrupt",
		"^sysvec_apic_timer_interrupt", "^apic_timer_interrupt",
		"^smp_apic_timer_interrupt", "^el1h_64_irq$", "^el1_interrupt", NULL };

	return crash_skip_match(entries, s, len);
}

/* Lines that start a stack: once a stack has frames, the next of these
 * starts another one. */
static const char *const stack_starts[] = { "Call Trace:", "Call trace:", "Backtrace:",
	"stack backtrace:", "nVHE call trace:", "Allocated by task", "Freed by task",
	"Last potentially related", "Second to last", "Uninit was ", "Local variable ",
	"Memory state around", "The buggy address", "-> #", "NMI backtrace for cpu",
	"Task dump for CPU", "task:", "Showing all locks", "backtrace", "kfence-#",
	"... which became", "other info that might help", NULL };

static bool
starts_stack(struct line l)
{
	struct line m = message(l);
	size_t i;

	for (i = 0; stack_starts[i] != NULL; i++) {
		size_t n = strlen(stack_starts[i]);
		if (m.len >= n && memcmp(m.s, stack_starts[i], n) == 0)
			return true;
	}
	return false;
}

/* Does line L's message start with PREFIX? */
static bool
message_is(struct line l, const char *prefix)
{
	struct line m = message(l);

	return m.len >= strlen(prefix) && memcmp(m.s, prefix, strlen(prefix)) == 0;
}

/* Add the functions after RULE's lead marker in LINES[1..N). */
static void
lead_names(const struct crash_rule *rule, const struct line *lines, int n, struct names *ns)
{
	size_t ll = strlen(rule->lead), len;
	int i;

	for (i = 1; i < n; i++) {
		const char *p = NULL, *s, *end = lines[i].s + lines[i].len;

		for (size_t j = 0; j + ll <= lines[i].len && p == NULL; j++)
			if (memcmp(lines[i].s + j, rule->lead, ll) == 0)
				p = lines[i].s + j + ll;
		if (p == NULL)
			continue;
		p = skip_pc_tokens(skip_blanks(p, end), end);
		if (p == end) {
			/* "... at:" with the function on the next line */
			struct frame f = i + 1 < n ? parse_frame(lines[i + 1])
						   : (struct frame){ 0 };
			if (f.type == FRAME && f.name != NULL)
				add_name(ns, f.name, f.name_len, false);
			continue;
		}
		s = p;
		while (p < end && *p != ' ')
			p++;
		len = symbol_len(s, (size_t)(p - s));
		add_name(ns, s, len > 0 ? len : (size_t)(p - s), false);
	}
}

/*
 * The candidates of the report in LINES (line 0 is the first, its message
 * at offset AT): the first line's function, the lead's, the first pc's,
 * then the frames of the stack -- the one under the rule's trace header,
 * or the one after the pc line, or the first -- up to the next stack's
 * header.  Lines that are no frames are passed over: a program's output
 * may be interleaved with the stack.  For CULPRIT_INTERRUPTED, every pc
 * and frame of the report, marked after the first interrupt entry.
 */
static void
candidates(const struct crash_rule *rule, const struct line *lines, int n, size_t at,
    struct names *ns)
{
	const char *s, *end = lines[0].s + lines[0].len;
	bool stall = rule->culprit == CULPRIT_INTERRUPTED, after_irq = false, got = false;
	bool after_call = false; /* the last frame was a return address */
	size_t len;
	int i, start = 1, pc = -1;

	ns->n = 0;
	ns->pc = -1;
	if (lines[0].s + at <= end && (s = first_symbol(lines[0].s + at, end, &len)) != NULL)
		add_name(ns, s, len, false);
	if (rule->lead != NULL)
		lead_names(rule, lines, n, ns);
	if (rule->trace != NULL) {
		for (start = 1; start < n && !message_is(lines[start], rule->trace); start++)
			;
		start++;
	}
	for (i = start; i < n && pc < 0 && rule->pc; i++)
		if (pc_function(lines[i], &len) != NULL)
			pc = i;
	if (pc >= 0 && !stall) {
		add_name(ns, pc_function(lines[pc], &len), len, false);
		start = pc + 1;
	}
	for (i = start; i < n; i++) {
		struct frame f;
		const char *p;

		if (stall && rule->pc && (p = pc_function(lines[i], &len)) != NULL) {
			if (ns->pc < 0)
				ns->pc = ns->n;
			add_name(ns, p, len, after_irq);
			continue;
		}
		if (!stall && got && starts_stack(lines[i]))
			break;
		f = parse_frame(lines[i]);
		if (f.type == NOT_FRAME)
			continue;
		got = true;
		if (f.type == IRQ_END || f.irq_end)
			after_irq = true;
		if (f.type != FRAME || f.name == NULL) {
			after_call = f.type == FRAME;
			continue;
		}
		/* A return address is past its call, never at a function's
		 * first byte, unless the call was the last instruction of a
		 * function that never returns (panic, BUG, usercopy_abort):
		 * then it is the first byte of whatever function comes next
		 * in memory, which has nothing to do with the report. */
		if (f.at_start && after_call) {
			after_call = true;
			continue;
		}
		after_call = !is_exception_entry(f.name, f.name_len);
		add_name(ns, f.name, f.name_len, after_irq);
		if (is_irq_entry(f.name, base_len(f.name, f.name_len)))
			after_irq = true;
	}
}

/* ---- choosing the culprit -------------------------------------------------- */

/*
 * The culprit's name without its clone suffix and system-call wrapper
 * prefix into OUT: of the prefixes that start it, the one leaving the
 * shortest name goes ("__x64_sys_read" -> "sys_read", "__do_sys_read" ->
 * "read").  Pure hyp symbols lose their "__kvm_nvhe_" alias prefix.
 */
static void
canonical(char *out, const char *s, size_t len)
{
	static const char *const prefixes[] = { "__x64_", "__ia32_", "__arm64_", "__se_sys_",
		"__se_", "__do_sys_", "__do_compat_sys_", "____sys_", "___sys_", "__sys_", "ksys_",
		"sys_", "SyS_", "SYSC_", "compat_SyS_", "compat_SYSC_", "__kvm_nvhe_", NULL };
	size_t best = 0, i;

	len = base_len(s, len);
	for (i = 0; prefixes[i] != NULL; i++) {
		size_t n = strlen(prefixes[i]);

		if (n < len && memcmp(s, prefixes[i], n) == 0 && n > best)
			best = n;
	}
	s += best;
	len -= best;
	if (len >= NAME_MAX)
		len = NAME_MAX - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

static bool
skipped(const struct crash_rule *rule, const char *s, size_t len)
{
	return crash_skip_match(crash_skip_never, s, len) ||
	    crash_skip_match(crash_skip_generic, s, len) || crash_skip_match(rule->skip, s, len);
}

static const struct name *
culprit_top(const struct crash_rule *rule, const struct names *ns)
{
	const struct name *fallback = NULL;
	int i;

	for (i = 0; i < ns->n; i++) {
		size_t len = base_len(ns->v[i].s, ns->v[i].len);

		if (crash_skip_match(crash_skip_never, ns->v[i].s, len))
			continue;
		if (!skipped(rule, ns->v[i].s, len))
			return &ns->v[i];
		if (fallback == NULL)
			fallback = &ns->v[i];
	}
	return fallback;
}

static const struct name *
culprit_stall(const struct crash_rule *rule, const struct names *ns, bool *smp_call)
{
	const struct name *prev = NULL;
	char name[NAME_MAX];
	bool irq = false;
	int i;

	*smp_call = false;
	for (i = 0; i < ns->n; i++)
		irq = irq || ns->v[i].after_irq;
	/* No interrupt entry: the stack where the CPU was is the pc's. */
	for (i = irq || ns->pc < 0 ? 0 : ns->pc; i < ns->n; i++) {
		const struct name *c = &ns->v[i];
		size_t len = base_len(c->s, c->len);

		if ((irq && !c->after_irq) || skipped(rule, c->s, len))
			continue;
		/* "__sys_setsockopt" enters as "setsockopt" does. */
		canonical(name, c->s, c->len);
		if (crash_skip_match(crash_stall_entries, c->s, len) ||
		    crash_skip_match(crash_stall_entries, name, strlen(name))) {
			if (len >= 17 && memcmp(c->s, "smp_call_function", 17) == 0) {
				*smp_call = true;
				return c;
			}
			return prev != NULL ? prev : c;
		}
		prev = c;
	}
	return NULL;
}

static const struct name *
culprit_hang(const struct crash_rule *rule, const struct names *ns, const char **bucket)
{
	static const char *const rcu_waits[] = { "^synchronize_rcu", "^synchronize_srcu",
		"^synchronize_net", "^synchronize_sched", NULL };
	static const char *const rtnl[] = { "rtnl_lock", NULL };
	int i;

	*bucket = NULL;
	for (i = 0; i < ns->n; i++) {
		size_t len = base_len(ns->v[i].s, ns->v[i].len);

		if (crash_skip_match(rcu_waits, ns->v[i].s, len)) {
			*bucket = "synchronize_rcu";
			return &ns->v[i];
		}
		if (crash_skip_match(rtnl, ns->v[i].s, len)) {
			*bucket = "rtnl_lock";
			return &ns->v[i];
		}
	}
	for (i = 0; i < ns->n; i++) {
		size_t len = base_len(ns->v[i].s, ns->v[i].len);

		if (!skipped(rule, ns->v[i].s, len) &&
		    !crash_skip_match(crash_hang_waits, ns->v[i].s, len))
			return &ns->v[i];
	}
	return NULL;
}

/* ---- filling in the format -------------------------------------------------- */

struct out {
	char *t;
	size_t len;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (n > CRASH_TITLE_MAX - 1 - o->len)
		n = CRASH_TITLE_MAX - 1 - o->len;
	memcpy(o->t + o->len, s, n);
	o->len += n;
	o->t[o->len] = '\0';
}

/* Append capture [S, S+N) scrubbed (see the top of the file). */
static void
put_scrubbed(struct out *o, const char *s, size_t n, bool file)
{
	size_t start = o->len, i = 0;

	if (file) {
		const char *colon = memchr(s, ':', n);
		put(o, s, colon ? (size_t)(colon - s) : n);
		return;
	}
	while (i < n && o->len - start < FIELD_MAX) {
		size_t j = i, k;
		bool boundary = i == 0 || !is_word(s[i - 1]);

		if (s[i] == '[' && i + 1 < n && s[i + 1] == '<') {
			const char *close = memchr(s + i, ']', n - i);
			i = close ? (size_t)(close - s) + 1 : n;
			continue;
		}
		if (s[i] == '+' && i + 2 < n && s[i + 1] == '0' && s[i + 2] == 'x' && i > 0 &&
		    is_word(s[i - 1])) {
			/* "func+0x1c/0x30": the offset goes. */
			for (i += 3; i < n && (is_hex(s[i]) || s[i] == '/' || s[i] == 'x'); i++)
				;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			if (o->len > start && o->t[o->len - 1] != ' ')
				put(o, " ", 1);
			i++;
			continue;
		}
		if (boundary && s[i] == 'C' && n - i > 4 && memcmp(s + i, "CPU#", 4) == 0 &&
		    is_digit(s[i + 4])) {
			put(o, "CPU", 3);
			for (i += 4; i < n && is_digit(s[i]); i++)
				;
			continue;
		}
		if (!boundary || !is_word(s[i])) {
			put(o, s + i, 1);
			i++;
			continue;
		}
		/* A word: an address, a number, or text. */
		while (j < n && is_word(s[j]))
			j++;
		if (j - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
			for (k = i + 2; k < j && is_hex(s[k]); k++)
				;
			if (k == j) {
				put(o, "ADDR", 4);
				i = j;
				continue;
			}
		}
		for (k = i; k < j && is_digit(s[k]); k++)
			;
		if (k == j) {
			put(o, "NUM", 3);
			i = j;
			continue;
		}
		if (j - i >= 8) {
			bool digit = false;

			for (k = i; k < j && is_hex(s[k]); k++)
				digit = digit || is_digit(s[k]);
			if (k == j && digit) {
				put(o, "ADDR", 4);
				i = j;
				continue;
			}
		}
		put(o, s + i, j - i);
		i = j;
	}
	while (o->len > start &&
	    (o->t[o->len - 1] == ' ' || o->t[o->len - 1] == ':' || o->t[o->len - 1] == ','))
		o->t[--o->len] = '\0';
}

/* " Read" or " Write" from KASAN's access line, or "". */
static const char *
access_of(const struct line *lines, int n)
{
	int i;

	for (i = 1; i < n && i < 8; i++) {
		struct line m = message(lines[i]);

		if (m.len > 5 && memcmp(m.s, "Read ", 5) == 0)
			return " Read";
		if (m.len > 6 && memcmp(m.s, "Write ", 6) == 0)
			return " Write";
	}
	return "";
}

/*
 * Fill in FMT.  CULPRIT is NULL when there is none: with PARTIAL the
 * " in {frame}" goes, without it the frame is "corrupted".
 */
static void
expand(char *t, const char *fmt, const struct crash_captures *caps, const char *access,
    const char *culprit, bool partial)
{
	struct out o = { .t = t, .len = 0 };
	const char *p;

	t[0] = '\0';
	for (p = fmt; *p != '\0';) {
		if (starts_with(p, " in {frame}") && culprit == NULL && partial) {
			p += strlen(" in {frame}");
		} else if (starts_with(p, "{frame}")) {
			put(&o, culprit ? culprit : "corrupted",
			    strlen(culprit ? culprit : "corrupted"));
			p += 7;
		} else if (starts_with(p, "{access}")) {
			put(&o, access, strlen(access));
			p += 8;
		} else if (p[0] == '{' && p[1] >= '1' && p[1] <= '4' && p[2] == '}') {
			int k = p[1] - '1';

			if (k < caps->n)
				put_scrubbed(&o, caps->at[k], caps->len[k], caps->file[k]);
			p += 3;
		} else {
			put(&o, p, 1);
			p++;
		}
	}
	/* A capture that came out empty leaves no dangling word. */
	while (o.len > 0 && t[o.len - 1] == ' ')
		t[--o.len] = '\0';
	if (o.len > 3 && (strcmp(t + o.len - 3, " at") == 0 || strcmp(t + o.len - 3, " in") == 0))
		t[o.len -= 3] = '\0';
}

void
crash_title(char *t, const struct crash_rule *rule, const char *text, size_t at, bool partial)
{
	struct line lines[CRASH_REPORT_LINES_MAX];
	struct crash_captures caps = { 0 };
	char name[NAME_MAX];
	const char *culprit = NULL, *fmt = rule->title;
	struct names ns;
	int n = split_lines(text, lines, CRASH_REPORT_LINES_MAX);
	const char *m = lines[0].s + at;

	/* The captures point into the first line, which TEXT ends after or
	 * at its first '\n': match the rule on a copy of it. */
	{
		char first[CONSOLE_LINE_MAX + 1];
		size_t len = lines[0].len - (at < lines[0].len ? at : lines[0].len);

		if (len > CONSOLE_LINE_MAX)
			len = CONSOLE_LINE_MAX;
		memcpy(first, m, len);
		first[len] = '\0';
		struct crash_line_state any = { .booted = true, .printk = true };

		if (crash_rule_find(first, any, &caps) != rule)
			caps.n = 0;
		for (int i = 0; i < caps.n; i++)
			caps.at[i] = m + (caps.at[i] - first);
	}
	if (rule->culprit != CULPRIT_NONE) {
		const struct name *c = NULL;
		const char *bucket = NULL;
		bool smp_call = false;

		candidates(rule, lines, partial ? 1 : n, at, &ns);
		switch (rule->culprit) {
		case CULPRIT_TOP:
			c = culprit_top(rule, &ns);
			break;
		case CULPRIT_STALL:
		case CULPRIT_INTERRUPTED:
			c = partial ? NULL : culprit_stall(rule, &ns, &smp_call);
			bucket = smp_call ? "smp_call_function" : NULL;
			break;
		case CULPRIT_HANG:
			c = partial ? NULL : culprit_hang(rule, &ns, &bucket);
			break;
		case CULPRIT_NONE:
			break;
		}
		if (bucket != NULL)
			snprintf(name, sizeof(name), "%s", bucket);
		else if (c != NULL)
			canonical(name, c->s, c->len);
		if (c != NULL && name[0] != '\0')
			culprit = name;
		if (culprit == NULL && rule->bare != NULL)
			fmt = rule->bare;
	}
	expand(t, fmt, &caps, access_of(lines, partial ? 1 : n), culprit, partial);
}
