/*
 * node.c -- what every test-output reader builds on: growing strings, the
 * result nodes, number and prefix helpers, and the block stack that TAP's
 * nesting needs and the flat formats (LTP, kvm-unit-tests) share.
 *
 * This file calls nothing of the readers (tap.c, ltp.c, kut.c) or of the
 * dispatcher (test-output.c); they call it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tout/private.h"

void
tout_sbuf_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s = realloc(b->s, b->len + (size_t)n + 1);
	if (s == NULL) {
		b->oom = true;
		return;
	}
	b->s = s;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append "; " before a second part of a message. */
void
tout_sbuf_part(struct sbuf *b)
{
	if (b->len > 0)
		tout_sbuf_add(b, "; ");
}

char *
tout_dupn(struct tout_parser *p, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		p->oom = true;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
tout_dup(struct tout_parser *p, const char *s)
{
	return tout_dupn(p, s, strlen(s));
}

void
tout_node_free(struct tout_node *n)
{
	for (size_t i = 0; i < n->nchildren; i++)
		tout_node_free(&n->children[i]);
	free(n->children);
	free(n->name);
	free(n->message);
}

void
tout_nodevec_free(struct nodevec *v)
{
	for (size_t i = 0; i < v->n; i++)
		tout_node_free(&v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* Append a node to V; NULL on ENOMEM (P is marked). */
struct tout_node *
tout_nodevec_add(struct tout_parser *p, struct nodevec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct tout_node *nv = realloc(v->v, cap * sizeof(*nv));

		if (nv == NULL) {
			p->oom = true;
			return NULL;
		}
		v->v = nv;
		v->cap = cap;
	}
	memset(&v->v[v->n], 0, sizeof(v->v[0]));
	return &v->v[v->n++];
}

/* Add a node with NAME (copied, LEN bytes) to V; NULL on ENOMEM. */
struct tout_node *
tout_add_node(struct tout_parser *p, struct nodevec *v, const char *name, size_t len,
    enum test_verdict verdict, const char *message, uint64_t line)
{
	char *n = tout_dupn(p, name, len);
	char *m = message ? tout_dup(p, message) : NULL;
	struct tout_node *node;

	if (n == NULL || (message && m == NULL) || (node = tout_nodevec_add(p, v)) == NULL) {
		free(n);
		free(m);
		return NULL;
	}
	node->name = n;
	node->verdict = verdict;
	node->message = m;
	node->line = line;
	return node;
}

/* Parse a decimal number at *S, saturating; false if there is none. */
bool
tout_parse_num(const char **s, long long *out)
{
	long long n = 0;

	if (!isdigit((unsigned char)**s))
		return false;
	while (isdigit((unsigned char)**s)) {
		if (n < NUM_MAX)
			n = n * 10 + (**s - '0');
		(*s)++;
	}
	if (n > NUM_MAX)
		n = NUM_MAX;
	*out = n;
	return true;
}

const char *
tout_skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

bool
tout_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Length of S without trailing blanks. */
size_t
tout_trimmed_len(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return len;
}

/* ---- the block stack -------------------------------------------------- */

struct block *
tout_block_top(struct tout_parser *p)
{
	return &p->stack[p->depth - 1];
}

/* Turn a waiting child block of B that has no result line into a node. */
static void
flush_pending(struct tout_parser *p, struct block *b)
{
	struct tout_node *n;
	const char *name;

	if (!b->pending)
		return;
	name = b->pend_name ? b->pend_name : "";
	n = tout_add_node(p, &b->nodes, name, strlen(name), VERDICT_ERROR,
	    "no result line for subtest", b->pend_line);
	if (n != NULL) {
		n->children = b->pend.v;
		n->nchildren = b->pend.n;
	} else {
		tout_nodevec_free(&b->pend);
	}
	memset(&b->pend, 0, sizeof(b->pend));
	free(b->pend_name);
	b->pend_name = NULL;
	b->pending = false;
}

/* Close the innermost block; its results wait in its parent. */
void
tout_block_close_top(struct tout_parser *p)
{
	struct block *b = tout_block_top(p), *parent = b - 1;

	flush_pending(p, b);
	flush_pending(p, parent);
	parent->pending = true;
	parent->pend = b->nodes;
	parent->pend_plan = b->plan;
	parent->pend_name = b->name;
	parent->pend_line = b->line;
	free(b->next_name);
	memset(b, 0, sizeof(*b));
	p->depth--;
}

/* Close blocks nested deeper than INDENT. */
static void
pop_to(struct tout_parser *p, int indent)
{
	while (p->depth > 1 && tout_block_top(p)->indent > indent)
		tout_block_close_top(p);
}

void
tout_block_push(struct tout_parser *p, int indent, uint64_t line)
{
	struct block *parent = tout_block_top(p), *b;

	if (p->depth == MAX_DEPTH)
		return;
	flush_pending(p, parent);
	b = &p->stack[p->depth++];
	memset(b, 0, sizeof(*b));
	b->indent = indent;
	b->plan = -1;
	b->line = line;
	b->name = parent->next_name;
	parent->next_name = NULL;
}

/* Make the block for a structural line at INDENT the top of the stack. */
void
tout_block_enter(struct tout_parser *p, int indent, uint64_t line)
{
	if (!p->root_set) {
		memset(&p->stack[0], 0, sizeof(p->stack[0]));
		p->stack[0].indent = indent;
		p->stack[0].plan = -1;
		p->stack[0].line = line;
		p->depth = 1;
		p->root_set = true;
	}
	pop_to(p, indent);
	if (tout_block_top(p)->indent < indent)
		tout_block_push(p, indent, line);
}

/* Close every open block at the end of the output, so stack[0] holds it all. */
void
tout_block_close_all(struct tout_parser *p)
{
	pop_to(p, -1);
	flush_pending(p, &p->stack[0]);
}

struct twin {
	const char *name;
	size_t i;
};

static int
by_twin(const void *x, const void *y)
{
	const struct twin *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c != 0 ? c : (a->i > b->i) - (a->i < b->i);
}

int
tout_nodes_nth(const struct tout_node *nodes, size_t n, size_t *nth)
{
	struct twin *tw = calloc(n + 1, sizeof(*tw));

	if (tw == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		tw[i] = (struct twin){ .name = nodes[i].name ? nodes[i].name : "", .i = i };
	/* Sorted by name, then place: a name's siblings in run order. */
	qsort(tw, n, sizeof(*tw), by_twin);
	for (size_t i = 0, k = 1; i < n; i++) {
		k = i > 0 && strcmp(tw[i].name, tw[i - 1].name) == 0 ? k + 1 : 1;
		nth[tw[i].i] = k;
	}
	free(tw);
	return 0;
}
