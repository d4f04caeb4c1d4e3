/*
 * tout-private.h -- what the files of the test-output module share.
 *
 * The parser behind test-output.h is five files in three layers: node.c
 * at the bottom (strings, nodes, number helpers, the block stack), the
 * readers above it (tap.c: TAP 13/14 and KTAP; ltp.c: LTP; kut.c:
 * kvm-unit-tests), and test-output.c on top (printk prefixes, format
 * detection, the verdict rules, the public functions).  Calls go down
 * only.  Only these files include this header.  It holds the parser's state, which every format reads and
 * writes because detection hands a line from one family's reader to the
 * next, and the helpers they share.
 *
 * The helpers' names start with "tout_" so they cannot collide with the
 * rest of the daemon in the one static library; none of them is API.
 */
#ifndef PKVM_TOUT_PRIVATE_H
#define PKVM_TOUT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tout/test-output.h"

/* Deeper nesting is read as part of the deepest block. */
#define MAX_DEPTH 32
/* Numbers in plans and summaries saturate here. */
#define NUM_MAX 1000000000LL

/* A growing array of nodes. */
struct nodevec {
	struct tout_node *v;
	size_t n, cap;
};

/* One nesting level of TAP/KTAP output; see tout-tap.c. */
struct block {
	int indent;
	struct nodevec nodes;
	long long plan; /* -1 when none */
	char *name; /* from "# Subtest:" */
	char *next_name; /* a "# Subtest:" at this level for the next child */
	bool has_content;
	uint64_t line;
	/* A closed child block waiting for this block's next result line. */
	bool pending;
	struct nodevec pend;
	long long pend_plan;
	char *pend_name;
	uint64_t pend_line;
};

/* The LTP result types that make a node, and the kvm-unit-tests ones. */
enum ltp_kind { LTP_PASS, LTP_FAIL, LTP_BROK, LTP_CONF, LTP_WARN, LTP_NKINDS };
enum kut_kind { KUT_PASS, KUT_FAIL, KUT_SKIP, KUT_XFAIL, KUT_XPASS, KUT_KFAIL, KUT_NKINDS };

/* One test's parser: the format detected and every format's state. */
struct tout_parser {
	enum tout_format format;
	struct block stack[MAX_DEPTH];
	size_t depth; /* stack[0] is the top level once root_set */
	bool root_set;
	bool plan_skip; /* "1..0 # SKIP" at the top level */
	char *plan_skip_reason;
	bool bailed;
	char *bail_reason;
	bool after_result, in_yaml;
	int result_indent;
	int ltp_seen[LTP_NKINDS];
	long long ltp_summary[LTP_NKINDS]; /* -1 when not printed */
	bool ltp_in_summary;
	int kut_seen[KUT_NKINDS]; /* since the last SUMMARY line */
	char *note; /* summary mismatches */
	bool prefixed; /* the test's lines carry a printk prefix (KUnit) */
	bool oom;
};

/* A growing string; on allocation failure it stays NULL and sets *oom. */
struct sbuf {
	char *s;
	size_t len;
	bool oom;
};

/* ---- node.c: helpers every format uses --------------------------------- */

/* Append printf-style text to B; on ENOMEM B->s stays as it was and B->oom is set. */
void tout_sbuf_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append "; " before a second part of a message. */
void tout_sbuf_part(struct sbuf *b);
/* A NUL-terminated copy of N bytes of S; NULL on ENOMEM (P is marked). */
char *tout_dupn(struct tout_parser *p, const char *s, size_t n);
/* A copy of S; NULL on ENOMEM (P is marked). */
char *tout_dup(struct tout_parser *p, const char *s);
/* Free what node N owns, with its children (not N itself). */
void tout_node_free(struct tout_node *n);
/* Free every node of V with its children, and leave V empty. */
void tout_nodevec_free(struct nodevec *v);
/* Append a zeroed node to V; NULL on ENOMEM (P is marked). */
struct tout_node *tout_nodevec_add(struct tout_parser *p, struct nodevec *v);
/* Add a node with NAME (copied, LEN bytes) to V; NULL on ENOMEM. */
struct tout_node *tout_add_node(struct tout_parser *p, struct nodevec *v, const char *name,
    size_t len, enum test_verdict verdict, const char *message, uint64_t line);
/* Parse a decimal number at *S, saturating at NUM_MAX; false if there is none. */
bool tout_parse_num(const char **s, long long *out);
/* S past its leading blanks and tabs. */
const char *tout_skip_ws(const char *s);
/* Whether S starts with PREFIX. */
bool tout_has_prefix(const char *s, const char *prefix);
/* Length of S (LEN bytes) without trailing blanks. */
size_t tout_trimmed_len(const char *s, size_t len);

/* ---- node.c: the block stack ------------------------------------------ */

/* The innermost open block. */
struct block *tout_block_top(struct tout_parser *p);
/* Close the innermost block into its parent (it waits there as pending). */
void tout_block_close_top(struct tout_parser *p);
/* Open a child block at INDENT, starting at LINE. */
void tout_block_push(struct tout_parser *p, int indent, uint64_t line);
/* Make the block for a structural line at INDENT the top of the stack (the first call
 * creates the top level). */
void tout_block_enter(struct tout_parser *p, int indent, uint64_t line);
/* Close every open block at the end of the output, so stack[0] holds it all. */
void tout_block_close_all(struct tout_parser *p);

/* ---- tap.c ------------------------------------------------------------ */

/* Read line S (printk prefix removed, indentation kept) as TAP or KTAP; may detect the format. */
void tout_tap_line(struct tout_parser *p, const char *s, uint64_t line);

/* ---- tout-ltp.c ------------------------------------------------------- */

/* Read line T (leading blanks removed) as LTP; true when it was LTP's (the format is then LTP). */
bool tout_ltp_line(struct tout_parser *p, const char *t, uint64_t line);
/* Check LTP's "Summary:" block against the results seen; a mismatch becomes P's note. */
void tout_ltp_finish(struct tout_parser *p);

/* ---- tout-kut.c ------------------------------------------------------- */

/* Read line T (leading blanks removed) as kvm-unit-tests; true when it was one of its lines. */
bool tout_kut_line(struct tout_parser *p, const char *t, uint64_t line);

#endif
