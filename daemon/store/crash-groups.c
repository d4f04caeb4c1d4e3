/*
 * crash-groups.c -- crash reports of every job grouped by title: one row
 * per crash however often it happened, the kernels it was seen on, and
 * whether a newer kernel stopped showing it.
 *
 * A title carries no addresses, timestamps or pids (guest/crash.c), so
 * the same bug has the same title in every run, and grouping by title is
 * grouping by bug.  store_crash_groups() answers in three steps:
 *
 *   1. The groups: one statement counts the chosen reports (the filter's
 *      kind and tag) per title from the crashes_title_kernel index alone,
 *      keeps the titles last seen at or after the filter's time, most
 *      recent first, and takes each one's first and last report by seeks
 *      on crashes_title.  With a tag it starts from the tag's jobs
 *      (job_tags_tag) instead, as the job list does.
 *   2. The kernels of each group: one range of crashes_title_kernel, the
 *      newest CRASH_GROUP_KERNELS by their first job (kernels.c), with
 *      their count.
 *   3. Whether it is fixed, by the rule in store.h: from the title's last
 *      report in any job (one seek), the oldest newer kernel that never
 *      showed the title and on which a later job ran the report's test to
 *      its end.  The search walks the newer kernels in age order
 *      (kernels_first_job), and for each asks one seek: of tests_kernel,
 *      whose rows carry their kernel's age, for the test's runs on that
 *      kernel after the last report; or, for a report outside any test,
 *      of jobs_kernel_through for a later job that ran through.  So it
 *      costs at most one seek per newer kernel, however many jobs and
 *      runs there are, and none on a server that tests one kernel.
 *
 * Every statement is a read on the loop thread, so no write comes
 * between them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

/* The reports a filter chooses, as a condition on the crashes row "c": ?1
 * is the kind, ?2 the tag, NULL for any. */
#define CHOSEN \
	"(?1 IS NULL OR c.kind = ?1) AND (?2 IS NULL OR EXISTS (SELECT 1 FROM job_tags jt" \
	" WHERE jt.job_id = c.job_id AND jt.tag = ?2))"

/* The groups, around an aggregate over the chosen reports "c": kind and
 * fatal come from the latest report, first_job and last_job from the
 * earliest and latest (ties broken by id, so the answer does not depend
 * on the plan).  ?3 is the time since, ?4 the limit. */
#define GROUPS_HEAD \
	"SELECT g.title, l.kind, l.fatal, g.n, g.jobs, g.first_ms, g.last_ms," \
	" (SELECT c.job_id FROM crashes c WHERE c.title = g.title AND " CHOSEN \
	"  ORDER BY c.time_ms, c.id LIMIT 1), l.job_id" \
	" FROM (SELECT c.title, count(*) AS n, count(DISTINCT c.job_id) AS jobs," \
	"  min(c.time_ms) AS first_ms, max(c.time_ms) AS last_ms"
#define GROUPS_TAIL \
	"  GROUP BY c.title HAVING max(c.time_ms) >= ?3" \
	"  ORDER BY last_ms DESC, c.title LIMIT ?4) g" \
	" JOIN crashes l ON l.id = (SELECT c.id FROM crashes c WHERE c.title = g.title" \
	"  AND " CHOSEN " ORDER BY c.time_ms DESC, c.id DESC LIMIT 1)" \
	" ORDER BY g.last_ms DESC, g.title"

/* Kernel k never showed the title ?1. */
#define CLEAR "NOT EXISTS (SELECT 1 FROM crashes o WHERE o.title = ?1 AND o.kernel = k.sha256)"

const struct stmt_def st_group_stmts[] = {
	{ .id = STMT_CRASH_GROUPS,
	    .sql = GROUPS_HEAD " FROM crashes c WHERE (?1 IS NULL OR c.kind = ?1)" GROUPS_TAIL },
	{ .id = STMT_CRASH_GROUPS_TAG,
	    .sql = GROUPS_HEAD " FROM job_tags t JOIN crashes c ON c.job_id = t.job_id"
			       " WHERE t.tag = ?2 AND (?1 IS NULL OR c.kind = ?1)" GROUPS_TAIL },
	/* The window counts the kernels before LIMIT keeps the newest. */
	{ .id = STMT_CRASH_KERNELS,
	    .sql = "SELECT c.kernel, k.version, count(*), count(*) OVER () FROM crashes c"
		   " LEFT JOIN kernels k ON k.sha256 = c.kernel WHERE c.title = ?3 AND " CHOSEN
		   " GROUP BY c.kernel ORDER BY k.first_job DESC, c.kernel LIMIT ?4" },
	{ .id = STMT_CRASH_LAST,
	    .sql = "SELECT c.job_id, c.test, k.first_job FROM crashes c"
		   " JOIN kernels k ON k.sha256 = c.kernel WHERE c.title = ?1"
		   " ORDER BY c.time_ms DESC, c.id DESC LIMIT 1" },
	/* ?2 is the test, ?3 the last report's job, ?4 its kernel's age.
	 * Kernel by kernel, oldest first: one seek of tests_kernel each (the
	 * "+" keeps sqlite from trading that seek for a range of ages).  A
	 * test "ran" when it came to its end in the job's current attempt:
	 * pass or fail, not skipped, killed or lost. */
	{ .id = STMT_CRASH_FIXED_TEST,
	    .sql = "SELECT t.job_id, k.sha256, k.version FROM kernels k"
		   " CROSS JOIN tests t ON t.name = ?2 AND t.kernel_age = +k.first_job"
		   "  AND t.job_id > ?3"
		   " JOIN jobs j ON j.id = t.job_id AND j.attempt = t.attempt"
		   " WHERE k.first_job > ?4 AND t.verdict IN ('pass', 'fail') AND " CLEAR
		   " ORDER BY k.first_job, t.job_id LIMIT 1" },
	/* A report outside any test (boot, init, between tests): a later job
	 * that ran through, passed or failed, got past where it happened;
	 * one seek of jobs_kernel_through per kernel.  ?2 goes unused. */
	{ .id = STMT_CRASH_FIXED_BOOT,
	    .sql = "SELECT j.id, k.sha256, k.version FROM kernels k"
		   " CROSS JOIN jobs j ON j.kernel = +k.sha256 AND j.id > ?3"
		   "  AND j.result IN ('passed', 'failed')"
		   " WHERE k.first_job > ?4 AND " CLEAR " ORDER BY k.first_job, j.id LIMIT 1" },
};
const size_t st_group_nstmts = NELEM(st_group_stmts);

static int
read_group(sqlite3_stmt *s, void *elem, void *arg)
{
	struct crash_group *g = elem;
	int r;

	(void)arg;
	g->fatal = sqlite3_column_int(s, 2) != 0;
	g->count = sqlite3_column_int64(s, 3);
	g->jobs = sqlite3_column_int64(s, 4);
	g->first_ms = sqlite3_column_int64(s, 5);
	g->last_ms = sqlite3_column_int64(s, 6);
	g->first_job = sqlite3_column_int64(s, 7);
	g->last_job = sqlite3_column_int64(s, 8);
	if ((r = st_col_dup(s, 0, &g->title)) < 0 || (r = st_col_dup(s, 1, &g->kind)) < 0)
		return r;
	return 0;
}

/* A row of STMT_CRASH_KERNELS into ELEM; every row also says how many
 * kernels the group ARG has in all. */
static int
read_kernel(sqlite3_stmt *s, void *elem, void *arg)
{
	struct crash_kernel *k = elem;
	struct crash_group *g = arg;

	st_col_copy(s, 0, k->sha256, sizeof(k->sha256));
	k->count = sqlite3_column_int64(s, 2);
	g->kernel_count = sqlite3_column_int64(s, 3);
	return st_col_dup(s, 1, &k->version);
}

static void
clear_kernel(void *elem)
{
	free(((struct crash_kernel *)elem)->version);
}

static const struct st_list_kind kernel_kind = {
	.elem = sizeof(struct crash_kernel),
	.read = read_kernel,
	.clear = clear_kernel,
};

static void
clear_group(void *elem)
{
	struct crash_group *g = elem;

	free(g->title);
	free(g->kind);
	st_list_free(&kernel_kind, g->kernels, g->nkernels);
	free(g->fixed_in.version);
	free(g->fixed_in.test);
}

static const struct st_list_kind group_kind = {
	.elem = sizeof(struct crash_group),
	.read = read_group,
	.clear = clear_group,
};

/* Bind F's kind and tag to ?1 and ?2 of S. */
static void
bind_chosen(sqlite3_stmt *s, const struct crash_filter *f)
{
	st_bind_text(s, 1, f->kind);
	st_bind_text(s, 2, f->tag);
}

/* The newest kernels group G was seen on, among the reports F chooses. */
static int
group_kernels(struct store *st, const struct crash_filter *f, struct crash_group *g, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_KERNELS];
	void *list;
	int r;

	bind_chosen(s, f);
	st_bind_text(s, 3, g->title);
	sqlite3_bind_int(s, 4, CRASH_GROUP_KERNELS);
	r = st_collect(st, s, &kernel_kind, g, &list, &g->nkernels, fn);
	g->kernels = list;
	return r;
}

/* Search for the job that fixed group G, whose last report was in job
 * LAST_JOB, test TEST (NULL: outside any), on a kernel whose first job was
 * AGE: 0 with G->fixed_in set, -ENOENT when there is none, or another
 * negative errno.  TEST goes to G->fixed_in on success. */
static int
fix_search(struct store *st, struct crash_group *g, char **test, int64_t last_job, int64_t age,
    const char *fn)
{
	sqlite3_stmt *s = st->stmt[*test != NULL ? STMT_CRASH_FIXED_TEST : STMT_CRASH_FIXED_BOOT];
	int r;

	st_bind_text(s, 1, g->title);
	st_bind_text(s, 2, *test);
	sqlite3_bind_int64(s, 3, last_job);
	sqlite3_bind_int64(s, 4, age);
	if ((r = st_step_row(st, s, fn)) == 0) {
		g->fixed = true;
		g->fixed_in.job = sqlite3_column_int64(s, 0);
		st_col_copy(s, 1, g->fixed_in.sha256, sizeof(g->fixed_in.sha256));
		g->fixed_in.test = *test;
		*test = NULL;
		r = st_col_dup(s, 2, &g->fixed_in.version);
	}
	st_stmt_done(s);
	return r;
}

/* Whether group G is fixed (the rule is in store.h), into G->fixed and
 * G->fixed_in. */
static int
group_fixed(struct store *st, struct crash_group *g, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_CRASH_LAST];
	int64_t last_job = 0, age = 0;
	char *test = NULL;
	int r;

	st_bind_text(s, 1, g->title);
	if ((r = st_step_row(st, s, fn)) == 0) {
		last_job = sqlite3_column_int64(s, 0);
		age = sqlite3_column_int64(s, 2);
		r = st_col_dup(s, 1, &test);
	}
	st_stmt_done(s);
	/* No row: the report's kernel has no kernels row (007 and
	 * store_job_insert() give every kernel one), so nothing is judged. */
	if (r == 0)
		r = fix_search(st, g, &test, last_job, age, fn);
	free(test);
	return r == -ENOENT ? 0 : r;
}

int
store_crash_groups(struct store *st, const struct crash_filter *f, struct crash_group **out,
    size_t *n)
{
	static const struct crash_filter all = { 0 };
	sqlite3_stmt *s;
	struct crash_group *g;
	void *list;
	int r;

	if (f == NULL)
		f = &all;
	s = st->stmt[f->tag != NULL ? STMT_CRASH_GROUPS_TAG : STMT_CRASH_GROUPS];
	bind_chosen(s, f);
	sqlite3_bind_int64(s, 3, f->since_ms);
	st_bind_limit(s, 4, f->limit);
	r = st_collect(st, s, &group_kind, NULL, &list, n, __func__);
	g = list;
	/* The groups statement is reset: each group's own queries run now. */
	for (size_t i = 0; r == 0 && i < *n; i++)
		if ((r = group_kernels(st, f, &g[i], __func__)) == 0)
			r = group_fixed(st, &g[i], __func__);
	if (r < 0) {
		store_crash_groups_free(g, *n);
		g = NULL;
		*n = 0;
	}
	*out = g;
	return r;
}

void
store_crash_groups_free(struct crash_group *g, size_t n)
{
	st_list_free(&group_kind, g, n);
}
