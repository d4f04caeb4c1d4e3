/*
 * tests.c -- a job's tests, their sub-results and its counters.
 *
 * A job's tests are rows keyed by (job, attempt, seq); only those of the
 * job's current attempt are visible through the API.  The counters on the
 * job row are recomputed from those rows inside the same transaction as
 * every change (st_tx_end_counters() does it just before the commit), so
 * they cannot drift.
 * tests_passed counts "pass"; tests_failed counts "fail", "error" (a test
 * that never finished did not pass either) and "timeout"; "skip" and
 * "running" count only in tests_total.  store_test_end() is
 * store_test_finish() with a verdict from the exit code and no details, so
 * both take the same path.
 *
 * Sub-results.  A test's tout_node tree is one subtests row per node,
 * written by a walk in C with one prepared INSERT, parents first, so
 * reading a test's rows by id sees every parent before its children and
 * the tree is rebuilt in one pass (build_tree()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/private.h"

/* Flakiness: the longest name of a result counted ("test / sub / ..."),
 * the deepest path, and the other runs of a test looked at for its passes
 * before a first failure. */
#define OUTCOMES_KEY_MAX 2048
#define OUTCOMES_DEPTH_MAX 16
#define OUTCOMES_EARLIER_MAX 256

/* The tests of a job's current attempt, as a join condition. */
#define CURRENT_ATTEMPT "t.job_id = j.id AND t.attempt = j.attempt"

/* The age of job j's kernel (kernels.c), which a test row keeps so that
 * the crash groups find the runs of a test on one kernel by one seek
 * (crash-groups.c).  Every kernel has its row; 0 would only hide a test
 * from that search. */
#define KERNEL_AGE "ifnull((SELECT k.first_job FROM kernels k WHERE k.sha256 = j.kernel), 0)"

/* The columns read_test() reads, in its order, from "tests t". */
#define TEST_COLS \
	"t.seq, t.name, t.verdict, t.exit_code, t.duration_ms, t.id," \
	" t.message, t.format, t.first_line, t.last_line"

const struct stmt_def st_test_stmts[] = {
	{ .id = STMT_COUNTERS,
	    .sql = "UPDATE jobs AS j SET"
		   " tests_total = (SELECT count(*) FROM tests t WHERE " CURRENT_ATTEMPT "),"
		   " tests_passed = (SELECT count(*) FROM tests t"
		   "  WHERE " CURRENT_ATTEMPT " AND t.verdict = 'pass'),"
		   " tests_failed = (SELECT count(*) FROM tests t"
		   "  WHERE " CURRENT_ATTEMPT " AND t.verdict IN ('fail', 'error', 'timeout'))"
		   " WHERE j.id = ?1" },
	{ .id = STMT_TEST_BEGIN,
	    .sql = "INSERT INTO tests (job_id, attempt, seq, name, verdict, kernel_age)"
		   " SELECT j.id, j.attempt, ?2, ?3, 'running', " KERNEL_AGE " FROM jobs j"
		   " WHERE j.id = ?1 AND j.state = 'running'" },
	/* The newest running test of that name in the current attempt. */
	{ .id = STMT_TEST_RUNNING,
	    .sql = "SELECT t.id FROM tests t JOIN jobs j ON " CURRENT_ATTEMPT
		   " WHERE j.id = ?1 AND t.name = ?2 AND t.verdict = 'running'"
		   " ORDER BY t.seq DESC LIMIT 1" },
	{ .id = STMT_TEST_UPDATE,
	    .sql = "UPDATE tests SET verdict = ?2, exit_code = ?3,"
		   " duration_ms = ?4, message = ?5, format = ?6, first_line = ?7,"
		   " last_line = ?8 WHERE id = ?1" },
	{ .id = STMT_TEST_FIND,
	    .sql = "SELECT 1 FROM tests t JOIN jobs j ON " CURRENT_ATTEMPT
		   " WHERE j.id = ?1 AND t.name = ?2" },
	{ .id = STMT_TEST_ADD,
	    .sql = "INSERT INTO tests (job_id, attempt, seq, name, verdict, exit_code,"
		   " duration_ms, message, format, first_line, last_line, kernel_age)"
		   " SELECT j.id, j.attempt, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, " KERNEL_AGE
		   " FROM jobs j WHERE j.id = ?1 AND j.state = 'running'" },
	{ .id = STMT_SUBTEST_INSERT,
	    .sql = "INSERT INTO subtests (test_id, parent_id, seq, name, verdict,"
		   " message, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
	{ .id = STMT_TESTS_ABORT,
	    .sql = "UPDATE tests SET verdict = 'error' WHERE job_id = ?1 AND verdict = 'running'" },
	/* A test's runs, newest job first: each done job's current attempt,
	 * of a tag when ?2 is not NULL (tests_kernel finds the name). */
	{ .id = STMT_HISTORY_TESTS,
	    .sql = "SELECT t.id, t.job_id, t.attempt, t.verdict, t.duration_ms, j.kernel,"
		   " j.created_ms FROM tests t JOIN jobs j ON j.id = t.job_id"
		   " AND j.attempt = t.attempt"
		   " WHERE t.name = ?1 AND j.state = 'done' AND (?2 IS NULL OR EXISTS"
		   " (SELECT 1 FROM job_tags g WHERE g.job_id = j.id AND g.tag = ?2))"
		   " ORDER BY t.job_id DESC LIMIT ?3" },
	/* The ?4-th (from 0) sub-result named ?3 under ?2 (NULL: the
	 * test's top level) of test ?1. */
	{ .id = STMT_HISTORY_SUB,
	    .sql = "SELECT id, verdict FROM subtests WHERE test_id = ?1 AND parent_id IS ?2"
		   " AND name = ?3 ORDER BY seq LIMIT 1 OFFSET ?4" },
	/* Flakiness (019-outcomes.sql). */
	{ .id = STMT_OUTCOME_JOB, .sql = "SELECT kernel, tests_key FROM jobs WHERE id = ?1" },
	{ .id = STMT_OUTCOME_GROUP,
	    .sql = "SELECT 1 FROM test_outcomes WHERE kernel = ?1 AND tests_key = ?2 LIMIT 1" },
	{ .id = STMT_OUTCOME_PASS,
	    .sql = "UPDATE test_outcomes SET passes = passes + 1, last_job = ?4"
		   " WHERE kernel = ?1 AND tests_key = ?2 AND test = ?3" },
	{ .id = STMT_OUTCOME_FAIL,
	    .sql = "INSERT INTO test_outcomes (kernel, tests_key, test, passes, fails, last_job)"
		   " VALUES (?1, ?2, ?3, ?5, 1, ?4) ON CONFLICT (kernel, tests_key, test)"
		   " DO UPDATE SET fails = fails + 1, last_job = ?4" },
	/* The other jobs of a kernel and test files whose current attempt
	 * ran test ?3: its row, for the passes before a first failure. */
	{ .id = STMT_OUTCOME_EARLIER,
	    .sql = "SELECT t.id, t.verdict FROM jobs j JOIN tests t ON t.job_id = j.id"
		   " AND t.attempt = j.attempt WHERE j.kernel = ?1 AND j.tests_key = ?2"
		   " AND j.id != ?4 AND t.name = ?3" },
	{ .id = STMT_OUTCOME_GET,
	    .sql = "SELECT passes, fails FROM test_outcomes"
		   " WHERE kernel = ?1 AND tests_key = ?2 AND test = ?3" },
	{ .id = STMT_FLAKY_LIST,
	    .sql = "SELECT o.test, o.kernel, o.tests_key, o.passes, o.fails, o.last_job"
		   " FROM test_outcomes o WHERE o.passes > 0 AND o.fails > 0"
		   " AND (?1 IS NULL OR EXISTS (SELECT 1 FROM jobs j JOIN job_tags g"
		   " ON g.job_id = j.id WHERE g.tag = ?1 AND j.kernel = o.kernel"
		   " AND j.tests_key = o.tests_key))"
		   " ORDER BY o.last_job DESC LIMIT ?2" },
	/* One kernel's and test files' flaky results, by name. */
	{ .id = STMT_FLAKY_OF,
	    .sql = "SELECT test, kernel, tests_key, passes, fails, last_job FROM test_outcomes"
		   " WHERE kernel = ?1 AND tests_key = ?2 AND passes > 0 AND fails > 0"
		   " ORDER BY test" },
	{ .id = STMT_TEST_LIST,
	    .sql = "SELECT " TEST_COLS " FROM tests t JOIN jobs j ON " CURRENT_ATTEMPT
		   " WHERE j.id = ?1 ORDER BY t.seq" },
	{ .id = STMT_SUBTESTS_GET,
	    .sql = "SELECT id, parent_id, name, verdict, message, line"
		   " FROM subtests WHERE test_id = ?1 ORDER BY id" },
	/* Reruns (020-flaky.sql): the first run of test ?2 in the current
	 * attempt, a rerun of it, and what a passing one changes. */
	{ .id = STMT_TEST_FIRST_RUN,
	    .sql = "SELECT t.id FROM tests t JOIN jobs j ON " CURRENT_ATTEMPT
		   " WHERE j.id = ?1 AND t.name = ?2 ORDER BY t.seq LIMIT 1" },
	/* ?7, the format, goes unused: bind_record() binds it. */
	{ .id = STMT_RERUN_INSERT,
	    .sql = "INSERT OR REPLACE INTO test_retries (test_id, retry, verdict, exit_code,"
		   " duration_ms, message, first_line, last_line)"
		   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?9)" },
	{ .id = STMT_TEST_FLAKY,
	    .sql = "UPDATE tests SET verdict = 'flaky', message = 'failed, then passed on rerun '"
		   " || ?2 || ifnull(': ' || message, '')"
		   " WHERE id = ?1 AND verdict IN ('fail', 'error', 'timeout')" },
	{ .id = STMT_SUBTEST_FLAKY,
	    .sql = "UPDATE subtests SET verdict = 'flaky'"
		   " WHERE id = ?1 AND verdict IN ('fail', 'error', 'timeout')" },
	{ .id = STMT_RERUN_LIST,
	    .sql = "SELECT r.test_id, r.retry, r.verdict, r.exit_code, r.duration_ms, r.message,"
		   " r.first_line, r.last_line FROM jobs j JOIN tests t ON " CURRENT_ATTEMPT
		   " JOIN test_retries r ON r.test_id = t.id WHERE j.id = ?1"
		   " ORDER BY r.test_id, r.retry" },
};
const size_t st_test_nstmts = NELEM(st_test_stmts);

int
st_counters_update(struct store *st, int64_t id, const char *fn)
{
	return st_run_key(st, STMT_COUNTERS, id, fn);
}

int
st_tx_end_counters(struct store *st, int64_t id, int r, const char *fn)
{
	if (r >= 0)
		r = st_counters_update(st, id, fn);
	return st_tx_end(st, r, fn);
}

/* The store's names for output formats, as in tests.format.  They match
 * tout_format_name() today, but they are the database's encoding and must
 * not change when a wire name does. */
static const char *const format_names[] = {
	[TOUT_NONE] = "none",
	[TOUT_TAP] = "tap",
	[TOUT_KTAP] = "ktap",
	[TOUT_LTP] = "ltp",
	[TOUT_KUT] = "kvm-unit-tests",
};
static const struct st_names formats = {
	.names = format_names,
	.n = NELEM(format_names),
	.what = "test format",
};

/* True when V is a verdict verdict.c knows (its name parses back to it). */
static bool
verdict_valid(enum test_verdict v)
{
	enum test_verdict back;

	return test_verdict_parse(test_verdict_name(v), &back) == 0 && back == v;
}

/* Read column I of S as a verdict: 0, or -EIO (logged) for a bad name.
 * The names are verdict.c's, so st_col_name() cannot read them. */
static int
col_verdict(sqlite3_stmt *s, int i, enum test_verdict *out, const struct st_row_ctx *ctx)
{
	const char *name = (const char *)sqlite3_column_text(s, i);

	if (name != NULL && test_verdict_parse(name, out) == 0)
		return 0;
	return st_col_bad(s, i, "verdict", ctx);
}

static void
nodes_free(struct tout_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(nodes[i].name);
		free(nodes[i].message);
		nodes_free(nodes[i].children, nodes[i].nchildren);
	}
	free(nodes);
}

/* Insert the sub-result tree NODES of test TEST_ID under PARENT (0 = top),
 * parents before children, with the one prepared INSERT. */
static int
insert_nodes(struct store *st, int64_t test_id, int64_t parent, const struct tout_node *nodes,
    size_t n, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_SUBTEST_INSERT];
	int64_t id;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (!verdict_valid(nodes[i].verdict))
			return -EINVAL;
		sqlite3_bind_int64(s, 1, test_id);
		if (parent != 0)
			sqlite3_bind_int64(s, 2, parent);
		sqlite3_bind_int64(s, 3, (int64_t)i + 1);
		st_bind_text(s, 4, nodes[i].name ? nodes[i].name : "");
		st_bind_text(s, 5, test_verdict_name(nodes[i].verdict));
		st_bind_text(s, 6, nodes[i].message);
		sqlite3_bind_int64(s, 7, (int64_t)nodes[i].line);
		if ((r = st_step_changes(st, s, fn)) < 0)
			return r;
		id = sqlite3_last_insert_rowid(st->db);
		if ((r = insert_nodes(st, test_id, id, nodes[i].children, nodes[i].nchildren, fn)) <
		    0)
			return r;
	}
	return 0;
}

/* One subtests row while the tree is being put together. */
struct node_row {
	int64_t id, parent_id;
	size_t parent; /* index of the parent row, when parent_id != 0 */
	size_t fill; /* children placed so far */
	struct tout_node node;
};

static int
row_cmp_id(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key, other = ((const struct node_row *)elem)->id;

	return id < other ? -1 : id > other;
}

/* Turn ROWS (in id order, so every parent comes before its children) into
 * a tree: count each node's children, give it an array of that size, then
 * copy each node into its parent's next free slot.  A node is copied
 * before its own children arrive, which is fine: the copy shares its
 * children array.  On success the rows' strings belong to the tree. */
static int
build_tree(struct node_row *rows, size_t n, struct tout_node **out, size_t *nout, int64_t test_id,
    const char *fn)
{
	struct tout_node *top = NULL, *dst;
	struct node_row *p;
	size_t ntop = 0, fill = 0;

	for (size_t i = 0; i < n; i++) {
		if (rows[i].parent_id == 0) {
			ntop++;
			continue;
		}
		p = bsearch(&rows[i].parent_id, rows, i, sizeof(*rows), row_cmp_id);
		if (p == NULL) {
			log_warnx("store: %s: test %lld has a sub-result without its parent", fn,
			    (long long)test_id);
			return -EIO;
		}
		rows[i].parent = (size_t)(p - rows);
		p->node.nchildren++;
	}
	if (ntop > 0 && (top = calloc(ntop, sizeof(*top))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].node.nchildren > 0 &&
		    (rows[i].node.children = calloc(rows[i].node.nchildren,
			 sizeof(struct tout_node))) == NULL) {
			for (size_t k = 0; k < i; k++)
				free(rows[k].node.children);
			free(top);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].parent_id == 0) {
			dst = &top[fill++];
		} else {
			p = &rows[rows[i].parent];
			dst = &p->node.children[p->fill++];
		}
		*dst = rows[i].node;
	}
	*out = top;
	*nout = ntop;
	return 0;
}

static int
read_node_row(sqlite3_stmt *s, void *elem, void *arg)
{
	const struct st_row_ctx *ctx = arg;
	struct node_row *row = elem;
	int r;

	row->id = sqlite3_column_int64(s, 0);
	row->parent_id = sqlite3_column_int64(s, 1); /* NULL reads as 0 */
	row->node.line = (uint64_t)sqlite3_column_int64(s, 5);
	if ((r = st_col_dup(s, 2, &row->node.name)) < 0 ||
	    (r = st_col_dup(s, 4, &row->node.message)) < 0 ||
	    (r = col_verdict(s, 3, &row->node.verdict, ctx)) < 0)
		return r;
	return 0;
}

static void
clear_node_row(void *elem)
{
	struct node_row *row = elem;

	free(row->node.name);
	free(row->node.message);
}

static const struct st_list_kind node_row_kind = {
	.elem = sizeof(struct node_row),
	.read = read_node_row,
	.clear = clear_node_row,
};

/* The sub-result tree of test TEST_ID (a row id) into *OUT, *N. */
static int
load_nodes(struct store *st, int64_t job_id, int64_t test_id, struct tout_node **out, size_t *n,
    const char *fn)
{
	struct st_row_ctx ctx = { job_id, fn };
	struct node_row *rows;
	void *list;
	size_t nrows;
	int r;

	*out = NULL;
	*n = 0;
	r = st_collect_key(st, STMT_SUBTESTS_GET, test_id, &node_row_kind, &ctx, &list, &nrows, fn);
	rows = list;
	if (r == 0 && (r = build_tree(rows, nrows, out, n, test_id, fn)) < 0) {
		st_list_free(&node_row_kind, rows, nrows);
		return r;
	}
	/* The tree has the rows' strings now. */
	free(rows);
	return r;
}

int
store_test_begin(struct store *st, int64_t job_id, int seq, const char *name)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_BEGIN];
	int r;

	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int(s, 2, seq);
	st_bind_text(s, 3, name);
	if ((r = st_tx_begin_guarded(st, s, job_id, __func__)) < 0)
		return r;
	return st_tx_end_counters(st, job_id, 0, __func__);
}

/* Bind what R says of a test's outcome to the parameters FIRST.. of S in
 * the order verdict, exit_code, duration, message, format, first_line,
 * last_line; -EINVAL, with S's other bindings cleared, for a verdict or
 * format the store cannot keep. */
static int
bind_record(sqlite3_stmt *s, int first, const struct test_record *r)
{
	const char *format = st_name_of(&formats, r->format);

	if (r->verdict == VERDICT_RUNNING || !verdict_valid(r->verdict) || format == NULL) {
		st_stmt_done(s);
		return -EINVAL;
	}
	st_bind_text(s, first, test_verdict_name(r->verdict));
	if (r->has_exit_code)
		sqlite3_bind_int(s, first + 1, r->exit_code);
	else
		sqlite3_bind_null(s, first + 1);
	sqlite3_bind_int64(s, first + 2, r->duration_ms);
	st_bind_text(s, first + 3, r->message);
	st_bind_text(s, first + 4, format);
	sqlite3_bind_int64(s, first + 5, (int64_t)r->first_line);
	sqlite3_bind_int64(s, first + 6, (int64_t)r->last_line);
	return 0;
}

/* The row id of the newest running test NAME of job JOB_ID's current
 * attempt into *TEST_ID: 0, -ESTALE when that test already ended (or was
 * aborted), -ENOENT when it never began, or another negative errno. */
static int
running_test(struct store *st, int64_t job_id, const char *name, int64_t *test_id, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_RUNNING];
	int r;

	sqlite3_bind_int64(s, 1, job_id);
	st_bind_text(s, 2, name);
	if ((r = st_step_row(st, s, fn)) == 0)
		*test_id = sqlite3_column_int64(s, 0);
	st_stmt_done(s);
	if (r != -ENOENT)
		return r;
	s = st->stmt[STMT_TEST_FIND];
	sqlite3_bind_int64(s, 1, job_id);
	st_bind_text(s, 2, name);
	return st_step_stale(st, s, fn);
}

/* store_test_finish() and store_test_end(): one transaction that finds the
 * newest running test of that name, records R and its sub-results, and
 * updates the counters. */
/* ---- flakiness ------------------------------------------------------------ */

/* What recording one finished test's outcomes needs. */
struct outcomes {
	struct store *st;
	int64_t job_id;
	char kernel[SHA256_HEX_LEN + 1], tests_key[SHA256_HEX_LEN + 1];
	bool group; /* a row of this kernel and test files exists */
	const char *test; /* the test's name */
	int64_t earlier_ids[OUTCOMES_EARLIER_MAX]; /* the test's rows in other jobs */
	enum test_verdict earlier[OUTCOMES_EARLIER_MAX];
	size_t nearlier;
	bool earlier_read;
	const char *fn;
};

static int sub_verdict(struct store *st, int64_t test_id, char *const *path, size_t npath,
    enum test_verdict *v, const char *fn);

/* The other jobs' rows of the test, read once per test when a first
 * failure needs them. */
static int
earlier_rows(struct outcomes *o)
{
	sqlite3_stmt *s = o->st->stmt[STMT_OUTCOME_EARLIER];
	int rc;

	if (o->earlier_read)
		return 0;
	o->earlier_read = true;
	st_bind_text(s, 1, o->kernel);
	st_bind_text(s, 2, o->tests_key);
	st_bind_text(s, 3, o->test);
	sqlite3_bind_int64(s, 4, o->job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && o->nearlier < OUTCOMES_EARLIER_MAX) {
		const char *v = (const char *)sqlite3_column_text(s, 1);

		o->earlier_ids[o->nearlier] = sqlite3_column_int64(s, 0);
		if (v != NULL && test_verdict_parse(v, &o->earlier[o->nearlier]) == 0)
			o->nearlier++;
	}
	st_stmt_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : st_db_fail(o->st->db, o->fn);
}

/* How many of the other jobs passed the result KEY ("test / sub / ...";
 * the names after the test are the path to look up in each). */
static int
earlier_passes(struct outcomes *o, const char *key, int64_t *passes)
{
	char *copy, *path[OUTCOMES_DEPTH_MAX], *p;
	size_t npath = 0;
	enum test_verdict v;
	int r;

	*passes = 0;
	if ((r = earlier_rows(o)) < 0)
		return r;
	if (o->nearlier == 0)
		return 0;
	if ((copy = strdup(key)) == NULL)
		return -ENOMEM;
	for (p = strstr(copy, " / "); p != NULL && npath < OUTCOMES_DEPTH_MAX;
	     p = strstr(p, " / ")) {
		*p = '\0';
		p += 3;
		path[npath++] = p;
	}
	for (size_t i = 0; i < o->nearlier; i++) {
		v = o->earlier[i];
		if (npath > 0 &&
		    (r = sub_verdict(o->st, o->earlier_ids[i], path, npath, &v, o->fn)) < 0) {
			if (r != -ENOENT)
				break;
			r = 0;
			continue;
		}
		*passes += v == VERDICT_PASS;
	}
	free(copy);
	return r;
}

/* Count one outcome, verdict V, of the result KEY ("test / sub / ..."). */
static int
outcome(struct outcomes *o, const char *key, enum test_verdict v)
{
	struct store *st = o->st;
	sqlite3_stmt *s;
	int64_t passes = 0;
	int r;

	if (v == VERDICT_PASS && !o->group)
		return 0; /* no failure here yet: nothing to count */
	if (v != VERDICT_PASS && !test_verdict_failed(v))
		return 0; /* skipped, not run: neither */
	if (v != VERDICT_PASS && (r = earlier_passes(o, key, &passes)) < 0)
		return r;
	s = st->stmt[v == VERDICT_PASS ? STMT_OUTCOME_PASS : STMT_OUTCOME_FAIL];
	st_bind_text(s, 1, o->kernel);
	st_bind_text(s, 2, o->tests_key);
	st_bind_text(s, 3, key);
	sqlite3_bind_int64(s, 4, o->job_id);
	if (v != VERDICT_PASS)
		sqlite3_bind_int64(s, 5, passes);
	if ((r = st_step_changes(st, s, o->fn)) < 0)
		return r;
	o->group = o->group || v != VERDICT_PASS;
	return 0;
}

/* Count the sub-results NODES under the result KEY (KEYLEN bytes, DEPTH
 * names below the test), each named after KEY by its name, "name#K" for
 * the K-th sibling of a name, as compare/ names them. */
static int
outcome_nodes(struct outcomes *o, char *key, size_t keylen, size_t depth,
    const struct tout_node *nodes, size_t n)
{
	size_t *nth;
	int r = 0;

	if (n == 0)
		return 0;
	if (depth == OUTCOMES_DEPTH_MAX)
		return 0; /* deeper than any name we could look up */
	if ((nth = calloc(n, sizeof(*nth))) == NULL || tout_nodes_nth(nodes, n, nth) < 0) {
		free(nth);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *name = nodes[i].name ? nodes[i].name : "";
		int len = nth[i] > 1
		    ? snprintf(key + keylen, OUTCOMES_KEY_MAX - keylen, " / %s#%zu", name, nth[i])
		    : snprintf(key + keylen, OUTCOMES_KEY_MAX - keylen, " / %s", name);

		if (len < 0 || keylen + (size_t)len >= OUTCOMES_KEY_MAX)
			continue; /* a name too long to count */
		if ((r = outcome(o, key, nodes[i].verdict)) == 0)
			r = outcome_nodes(o, key, keylen + (size_t)len, depth + 1,
			    nodes[i].children, nodes[i].nchildren);
		key[keylen] = '\0';
	}
	free(nth);
	return r;
}

/* Count test R's outcomes and its sub-results' for flakiness, in the
 * transaction that stores them. */
static int
outcomes_record(struct store *st, int64_t job_id, const struct test_record *r, const char *fn)
{
	struct outcomes *o;
	char *key;
	sqlite3_stmt *s = st->stmt[STMT_OUTCOME_JOB];
	int e;

	if ((o = calloc(1, sizeof(*o))) == NULL || (key = malloc(OUTCOMES_KEY_MAX)) == NULL) {
		free(o);
		return -ENOMEM;
	}
	o->st = st;
	o->job_id = job_id;
	o->test = r->name;
	o->fn = fn;
	sqlite3_bind_int64(s, 1, job_id);
	if ((e = st_step_row(st, s, fn)) == 0) {
		st_col_copy(s, 0, o->kernel, sizeof(o->kernel));
		st_col_copy(s, 1, o->tests_key, sizeof(o->tests_key));
	}
	st_stmt_done(s);
	if (e < 0 || o->tests_key[0] == '\0')
		goto out; /* a job from before test files had a key */
	s = st->stmt[STMT_OUTCOME_GROUP];
	st_bind_text(s, 1, o->kernel);
	st_bind_text(s, 2, o->tests_key);
	e = st_step_row(st, s, fn);
	st_stmt_done(s);
	if (e < 0 && e != -ENOENT)
		goto out;
	o->group = e == 0;
	snprintf(key, OUTCOMES_KEY_MAX, "%s", r->name);
	if ((e = outcome(o, key, r->verdict)) == 0)
		e = outcome_nodes(o, key, strlen(key), 0, r->nodes, r->nnodes);
out:
	free(key);
	free(o);
	return e;
}

static int
test_finish(struct store *st, int64_t job_id, const struct test_record *r, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_UPDATE];
	int64_t test_id = 0;
	int e;

	if ((e = st_tx_begin(st, fn)) < 0)
		return e;
	if ((e = running_test(st, job_id, r->name, &test_id, fn)) < 0)
		return st_tx_end(st, e, fn);
	sqlite3_bind_int64(s, 1, test_id);
	if ((e = bind_record(s, 2, r)) == 0 && (e = st_step_changes(st, s, fn)) >= 0 &&
	    (e = insert_nodes(st, test_id, 0, r->nodes, r->nnodes, fn)) == 0)
		e = outcomes_record(st, job_id, r, fn);
	return st_tx_end_counters(st, job_id, e, fn);
}

int
store_test_finish(struct store *st, int64_t job_id, const struct test_record *r)
{
	return test_finish(st, job_id, r, __func__);
}

int
store_test_end(struct store *st, int64_t job_id, const char *name, int exit_code,
    int64_t duration_ms)
{
	struct test_record r = {
		.name = name,
		.verdict = exit_code == 0 ? VERDICT_PASS : VERDICT_FAIL,
		.has_exit_code = true,
		.exit_code = exit_code,
		.duration_ms = duration_ms,
		.format = TOUT_NONE,
	};

	return test_finish(st, job_id, &r, __func__);
}

int
store_test_add(struct store *st, int64_t job_id, int seq, const struct test_record *r)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_ADD];
	int e;

	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int(s, 2, seq);
	st_bind_text(s, 3, r->name);
	if ((e = bind_record(s, 4, r)) < 0 ||
	    (e = st_tx_begin_guarded(st, s, job_id, __func__)) < 0)
		return e;
	e = insert_nodes(st, sqlite3_last_insert_rowid(st->db), 0, r->nodes, r->nnodes, __func__);
	if (e == 0)
		e = outcomes_record(st, job_id, r, __func__);
	return st_tx_end_counters(st, job_id, e, __func__);
}

/* ---- reruns (--retry-failed) ---------------------------------------------- */

/* Mark flaky each sub-result of test row TEST_ID, under PARENT (0: its top
 * level), that failed there and passed in a rerun's NODES; matched by
 * name, the K-th of a name with the K-th (as compare/ matches them). */
static int
flaky_nodes(struct store *st, int64_t test_id, int64_t parent, const struct tout_node *nodes,
    size_t n, size_t depth, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_HISTORY_SUB];
	size_t *nth;
	int r = 0;

	if (n == 0 || depth == OUTCOMES_DEPTH_MAX)
		return 0;
	if ((nth = calloc(n, sizeof(*nth))) == NULL || tout_nodes_nth(nodes, n, nth) < 0) {
		free(nth);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		enum test_verdict was = VERDICT_PASS;
		int64_t id;

		sqlite3_bind_int64(s, 1, test_id);
		if (parent == 0)
			sqlite3_bind_null(s, 2);
		else
			sqlite3_bind_int64(s, 2, parent);
		st_bind_text(s, 3, nodes[i].name ? nodes[i].name : "");
		sqlite3_bind_int64(s, 4, (int64_t)nth[i] - 1);
		r = st_step_row(st, s, fn);
		id = r == 0 ? sqlite3_column_int64(s, 0) : 0;
		if (r == 0 && test_verdict_parse((const char *)sqlite3_column_text(s, 1), &was) < 0)
			r = -EIO;
		st_stmt_done(s);
		if (r == -ENOENT) {
			r = 0; /* the first run had no such result */
			continue;
		}
		if (r == 0 && nodes[i].verdict == VERDICT_PASS && test_verdict_failed(was))
			r = st_run_key(st, STMT_SUBTEST_FLAKY, id, fn);
		if (r == 0)
			r = flaky_nodes(st, test_id, id, nodes[i].children, nodes[i].nchildren,
			    depth + 1, fn);
	}
	free(nth);
	return r;
}

int
store_test_rerun(struct store *st, int64_t job_id, int retry, const struct test_record *r)
{
	sqlite3_stmt *s = st->stmt[STMT_TEST_FIRST_RUN];
	int64_t test_id = 0;
	int e;

	if (retry < 1)
		return -EINVAL;
	if ((e = st_tx_begin(st, __func__)) < 0)
		return e;
	sqlite3_bind_int64(s, 1, job_id);
	st_bind_text(s, 2, r->name);
	if ((e = st_step_row(st, s, __func__)) == 0)
		test_id = sqlite3_column_int64(s, 0);
	st_stmt_done(s);
	if (e < 0)
		return st_tx_end(st, e, __func__);
	s = st->stmt[STMT_RERUN_INSERT];
	sqlite3_bind_int64(s, 1, test_id);
	sqlite3_bind_int(s, 2, retry);
	if ((e = bind_record(s, 3, r)) == 0 && (e = st_step_changes(st, s, __func__)) >= 0 &&
	    r->verdict == VERDICT_PASS) {
		s = st->stmt[STMT_TEST_FLAKY];
		sqlite3_bind_int64(s, 1, test_id);
		sqlite3_bind_int(s, 2, retry);
		e = st_step_changes(st, s, __func__);
	}
	if (e >= 0)
		e = flaky_nodes(st, test_id, 0, r->nodes, r->nnodes, 0, __func__);
	/* A rerun is one more run on this kernel with these test files. */
	if (e == 0)
		e = outcomes_record(st, job_id, r, __func__);
	return st_tx_end_counters(st, job_id, e < 0 ? e : 0, __func__);
}

int
store_tests_abort(struct store *st, int64_t job_id)
{
	int r;

	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	if ((r = st_job_exists(st, job_id, __func__)) == 0)
		r = st_run_key(st, STMT_TESTS_ABORT, job_id, __func__);
	return st_tx_end_counters(st, job_id, r, __func__);
}

/* Read the TEST_COLS row of S into T (name, verdict, exit code, duration,
 * seq) and, when F is not NULL, the rest of F but the sub-results. */
static int
read_test(sqlite3_stmt *s, struct test_result *t, struct test_full *f, const struct st_row_ctx *ctx)
{
	int r;

	t->seq = sqlite3_column_int(s, 0);
	if ((r = st_col_dup(s, 1, &t->name)) < 0 || (r = col_verdict(s, 2, &t->verdict, ctx)) < 0)
		return r;
	t->has_exit_code = sqlite3_column_type(s, 3) != SQLITE_NULL;
	t->exit_code = sqlite3_column_int(s, 3);
	t->duration_ms = sqlite3_column_int64(s, 4);
	if (f == NULL)
		return 0;
	if ((r = st_col_dup(s, 6, &f->message)) < 0 || (r = st_col_name(s, 7, &formats, ctx)) < 0)
		return r;
	f->format = (enum tout_format)r;
	f->first_line = (uint64_t)sqlite3_column_int64(s, 8);
	f->last_line = (uint64_t)sqlite3_column_int64(s, 9);
	return 0;
}

static int
read_test_result(sqlite3_stmt *s, void *elem, void *arg)
{
	const struct st_row_ctx *ctx = arg;

	return read_test(s, elem, NULL, ctx);
}

static void
clear_test_result(void *elem)
{
	free(((struct test_result *)elem)->name);
}

static const struct st_list_kind test_result_kind = {
	.elem = sizeof(struct test_result),
	.read = read_test_result,
	.clear = clear_test_result,
};

int
store_test_list(struct store *st, int64_t job_id, struct test_result **out, size_t *n)
{
	struct st_row_ctx ctx = { job_id, __func__ };
	void *list;
	int r = st_collect_job(st, STMT_TEST_LIST, job_id, &test_result_kind, &ctx, &list, n,
	    __func__);

	*out = list;
	return r;
}

void
store_test_list_free(struct test_result *t, size_t n)
{
	st_list_free(&test_result_kind, t, n);
}

/* What read_test_full() needs: the test rows' ids go to IDS, one for each
 * test read, for the sub-results to be loaded once the list is reset. */
struct test_full_ctx {
	struct st_row_ctx row;
	int64_t *ids;
	size_t nids, idcap;
};

static int
read_test_full(sqlite3_stmt *s, void *elem, void *arg)
{
	struct test_full_ctx *ctx = arg;
	struct test_full *t = elem;
	int64_t *p;

	if ((p = st_grow(ctx->ids, &ctx->idcap, ctx->nids, sizeof(*p))) == NULL)
		return -ENOMEM;
	ctx->ids = p;
	ctx->ids[ctx->nids++] = sqlite3_column_int64(s, 5);
	return read_test(s, &t->t, t, &ctx->row);
}

static void
clear_test_full(void *elem)
{
	struct test_full *t = elem;

	free(t->t.name);
	free(t->message);
	nodes_free(t->nodes, t->nnodes);
	for (size_t i = 0; i < t->nreruns; i++)
		free(t->reruns[i].message);
	free(t->reruns);
}

/* The reruns of job JOB_ID's tests, each onto its test in TESTS (N, whose
 * row ids are IDS). */
static int
load_reruns(struct store *st, int64_t job_id, struct test_full *tests, const int64_t *ids, size_t n,
    const char *fn)
{
	struct st_row_ctx ctx = { job_id, fn };
	sqlite3_stmt *s = st->stmt[STMT_RERUN_LIST];
	size_t i = 0;
	int rc, r = 0;

	sqlite3_bind_int64(s, 1, job_id);
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct test_full *t;
		struct test_rerun *v, *x;

		/* Its test: reruns come grouped by test, mostly in the test
		 * list's order, so the search starts where the last ended. */
		size_t k = 0;

		while (k < n && ids[i] != id) {
			i = (i + 1) % n;
			k++;
		}
		if (k == n)
			continue; /* not a test of this list */
		t = &tests[i];
		if ((v = realloc(t->reruns, (t->nreruns + 1) * sizeof(*v))) == NULL) {
			r = -ENOMEM;
			break;
		}
		t->reruns = v;
		x = &v[t->nreruns];
		memset(x, 0, sizeof(*x));
		x->retry = sqlite3_column_int(s, 1);
		x->has_exit_code = sqlite3_column_type(s, 3) != SQLITE_NULL;
		x->exit_code = sqlite3_column_int(s, 3);
		x->duration_ms = sqlite3_column_int64(s, 4);
		x->first_line = (uint64_t)sqlite3_column_int64(s, 6);
		x->last_line = (uint64_t)sqlite3_column_int64(s, 7);
		if ((r = col_verdict(s, 2, &x->verdict, &ctx)) == 0 &&
		    (r = st_col_dup(s, 5, &x->message)) == 0)
			t->nreruns++;
	}
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = st_db_fail(st->db, fn);
	st_stmt_done(s);
	return r;
}

static const struct st_list_kind test_full_kind = {
	.elem = sizeof(struct test_full),
	.read = read_test_full,
	.clear = clear_test_full,
};

int
store_test_list_full(struct store *st, int64_t job_id, struct test_full **out, size_t *n)
{
	struct test_full_ctx ctx = { { job_id, __func__ }, NULL, 0, 0 };
	struct test_full *tests;
	void *list;
	int r = st_collect_job(st, STMT_TEST_LIST, job_id, &test_full_kind, &ctx, &list, n,
	    __func__);

	/* The sub-results once the test list is reset: the two statements
	 * never step at the same time. */
	tests = list;
	for (size_t i = 0; r == 0 && i < *n; i++)
		r = load_nodes(st, job_id, ctx.ids[i], &tests[i].nodes, &tests[i].nnodes, __func__);
	if (r == 0 && *n > 0)
		r = load_reruns(st, job_id, tests, ctx.ids, *n, __func__);
	free(ctx.ids);
	if (r < 0) {
		st_list_free(&test_full_kind, tests, *n);
		tests = NULL;
		*n = 0;
	}
	*out = tests;
	return r;
}

void
store_test_list_full_free(struct test_full *t, size_t n)
{
	st_list_free(&test_full_kind, t, n);
}

/* Split "name#K" (K >= 2) into NAME's length and K-1; else all of it, 0. */
static size_t
twin_of(const char *name, int64_t *skip)
{
	const char *hash = strrchr(name, '#');
	char *end;
	long k;

	*skip = 0;
	if (hash == NULL || hash[1] < '2' || hash[1] > '9')
		return strlen(name);
	k = strtol(hash + 1, &end, 10);
	if (*end != '\0' || k < 2)
		return strlen(name);
	*skip = k - 1;
	return (size_t)(hash - name);
}

/* The verdict of test row TEST_ID's sub-result at PATH: 0 with *V, or
 * -ENOENT when the run has none there. */
static int
sub_verdict(struct store *st, int64_t test_id, char *const *path, size_t npath,
    enum test_verdict *v, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_HISTORY_SUB];
	int64_t parent = 0, skip;
	int r = 0;

	for (size_t i = 0; i < npath && r == 0; i++) {
		size_t len = twin_of(path[i], &skip);

		sqlite3_bind_int64(s, 1, test_id);
		if (i == 0)
			sqlite3_bind_null(s, 2);
		else
			sqlite3_bind_int64(s, 2, parent);
		sqlite3_bind_text(s, 3, path[i], (int)len, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, skip);
		if ((r = st_step_row(st, s, fn)) == 0) {
			parent = sqlite3_column_int64(s, 0);
			if (test_verdict_parse((const char *)sqlite3_column_text(s, 1), v) < 0)
				r = -EIO;
		}
		st_stmt_done(s);
	}
	return r;
}

int
store_test_history(struct store *st, const char *name, char *const *path, size_t npath,
    const char *tag, int limit, struct test_run **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_HISTORY_TESTS];
	struct test_run *runs = NULL;
	size_t k = 0, cap = 0;
	bool began = st_read_begin(st, __func__);
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	st_bind_text(s, 1, name);
	st_bind_text(s, 2, tag);
	st_bind_limit(s, 3, limit);
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct test_run t = { .job_id = sqlite3_column_int64(s, 1),
			.attempt = sqlite3_column_int(s, 2),
			.duration_ms = npath == 0 ? sqlite3_column_int64(s, 4) : -1,
			.created_ms = sqlite3_column_int64(s, 6) };

		st_col_copy(s, 5, t.kernel, sizeof(t.kernel));
		if (test_verdict_parse((const char *)sqlite3_column_text(s, 3), &t.verdict) < 0) {
			r = -EIO;
			break;
		}
		if (npath > 0) {
			r = sub_verdict(st, sqlite3_column_int64(s, 0), path, npath, &t.verdict,
			    __func__);
			if (r == -ENOENT) { /* that run has no such sub-result */
				r = 0;
				continue;
			}
		}
		if (r == 0 && k == cap) {
			struct test_run *v = realloc(runs, (cap = cap ? 2 * cap : 32) * sizeof(*v));

			if (v == NULL)
				r = -ENOMEM;
			else
				runs = v;
		}
		if (r == 0)
			runs[k++] = t;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = st_db_fail(st->db, __func__);
	st_stmt_done(s);
	st_read_end(st, began, __func__);
	if (r < 0) {
		free(runs);
		return r;
	}
	*out = runs;
	*n = k;
	return 0;
}

/* Step S to its end, each row a flaky_test (test, kernel, tests_key,
 * passes, fails, last_job), into *OUT. */
static int
collect_flaky(struct store *st, sqlite3_stmt *s, struct flaky_test **out, size_t *n, const char *fn)
{
	struct flaky_test *v = NULL;
	size_t k = 0, cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	while (r == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct flaky_test f = { .passes = sqlite3_column_int64(s, 3),
			.fails = sqlite3_column_int64(s, 4),
			.last_job = sqlite3_column_int64(s, 5) };

		st_col_copy(s, 1, f.kernel, sizeof(f.kernel));
		st_col_copy(s, 2, f.tests_key, sizeof(f.tests_key));
		if ((r = st_col_dup(s, 0, &f.test)) < 0)
			break;
		if (k == cap) {
			struct flaky_test *w = realloc(v, (cap = cap ? 2 * cap : 32) * sizeof(*w));

			if (w == NULL) {
				free(f.test);
				r = -ENOMEM;
				break;
			}
			v = w;
		}
		v[k++] = f;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = st_db_fail(st->db, fn);
	st_stmt_done(s);
	if (r < 0) {
		store_flaky_free(v, k);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

int
store_flaky(struct store *st, const char *tag, int limit, struct flaky_test **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_FLAKY_LIST];

	st_bind_text(s, 1, tag);
	st_bind_limit(s, 2, limit);
	return collect_flaky(st, s, out, n, __func__);
}

int
store_flaky_of(struct store *st, const char *kernel, const char *tests_key, struct flaky_test **out,
    size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_FLAKY_OF];

	st_bind_text(s, 1, kernel);
	st_bind_text(s, 2, tests_key);
	return collect_flaky(st, s, out, n, __func__);
}

void
store_flaky_free(struct flaky_test *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].test);
	free(f);
}

int
store_outcome_get(struct store *st, const char *kernel, const char *tests_key, const char *test,
    int64_t *passes, int64_t *fails)
{
	sqlite3_stmt *s = st->stmt[STMT_OUTCOME_GET];
	int r;

	*passes = *fails = 0;
	st_bind_text(s, 1, kernel);
	st_bind_text(s, 2, tests_key);
	st_bind_text(s, 3, test);
	if ((r = st_step_row(st, s, __func__)) == 0) {
		*passes = sqlite3_column_int64(s, 0);
		*fails = sqlite3_column_int64(s, 1);
	}
	st_stmt_done(s);
	return r;
}
