/*
 * retention.c -- the SQL of keeping the disk in budget: which jobs still
 * hold a directory, marking them pruned, pins, and the blobs jobs refer to.
 *
 * The prune module (daemon/prune/) decides; this file only answers and
 * records, on the loop thread like every store call.  Two rules live in
 * SQL here so that a racing change cannot slip between a decision and its
 * record:
 *
 *   Busy.  A done job whose coverage capture is pending or running, or
 *   with a crash report still waiting for its symbolization, is still
 *   being written to (JOBDIR/coverage, JOBDIR/symbols): it is listed as
 *   busy, and marking it pruned is refused, like marking a pinned job or
 *   one that is not done.
 *
 *   References.  A blob is referenced while a job that names it keeps its
 *   directory (is not pruned): its kernel, vmlinux, executables and
 *   --extra files.  While any crash report waits for its symbolization,
 *   every vmlinux known by build id is referenced too: the symbolizer may
 *   have picked one that no kept job names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

/* The guard of both the list's busy flag and the mark: writes still due
 * into the directory of job j. */
#define JOB_BUSY \
	"(EXISTS (SELECT 1 FROM coverage c WHERE c.job_id = j.id AND c.attempt = j.attempt" \
	" AND c.status IN ('pending', 'running'))" \
	" OR EXISTS (SELECT 1 FROM crashes k WHERE k.job_id = j.id AND k.symbols = 'pending'))"

const struct stmt_def st_retention_stmts[] = {
	{ .id = STMT_RETENTION_JOBS,
	    .sql = "SELECT j.id, j.state, j.finished_ms, j.pinned, " JOB_BUSY
		   " FROM jobs j WHERE j.pruned_ms IS NULL ORDER BY j.finished_ms, j.id" },
	{ .id = STMT_JOB_MARK_PRUNED,
	    .sql = "UPDATE jobs AS j SET pruned_ms = ?2 WHERE j.id = ?1 AND j.state = 'done'"
		   " AND j.pinned = 0 AND j.pruned_ms IS NULL AND NOT " JOB_BUSY },
	{ .id = STMT_JOB_SET_PINNED, .sql = "UPDATE jobs SET pinned = ?2 WHERE id = ?1" },
	{ .id = STMT_BLOB_REFS,
	    .sql = "SELECT kernel FROM jobs WHERE pruned_ms IS NULL"
		   " UNION SELECT vmlinux FROM jobs WHERE pruned_ms IS NULL AND vmlinux IS NOT NULL"
		   " UNION SELECT e.blob FROM job_exes e JOIN jobs j ON j.id = e.job_id"
		   " WHERE j.pruned_ms IS NULL"
		   " UNION SELECT x.blob FROM job_extra x JOIN jobs j ON j.id = x.job_id"
		   " WHERE j.pruned_ms IS NULL AND x.blob IS NOT NULL"
		   " UNION SELECT d.blob FROM job_disks d JOIN jobs j ON j.id = d.job_id"
		   " WHERE j.pruned_ms IS NULL"
		   " UNION SELECT blob FROM vmlinux_builds"
		   " WHERE EXISTS (SELECT 1 FROM crashes WHERE symbols = 'pending')"
		   " ORDER BY 1" },
};
const size_t st_retention_nstmts = NELEM(st_retention_stmts);

static int
read_retention_job(sqlite3_stmt *s, void *elem, void *arg)
{
	struct retention_job *r = elem;
	const char *state = (const char *)sqlite3_column_text(s, 1);
	struct st_row_ctx ctx = { sqlite3_column_int64(s, 0), arg };

	r->id = ctx.job_id;
	if (state == NULL || job_state_parse(state, &r->state) < 0)
		return st_col_bad(s, 1, "state", &ctx);
	r->finished_ms = sqlite3_column_int64(s, 2);
	r->pinned = sqlite3_column_int(s, 3) != 0;
	r->busy = sqlite3_column_int(s, 4) != 0;
	return 0;
}

static const struct st_list_kind retention_job_kind = {
	.elem = sizeof(struct retention_job),
	.read = read_retention_job,
};

int
store_retention_jobs(struct store *st, struct retention_job **out, size_t *n)
{
	void *list;
	int r = st_collect(st, st->stmt[STMT_RETENTION_JOBS], &retention_job_kind, (void *)__func__,
	    &list, n, __func__);

	*out = list;
	return r;
}

int
store_jobs_mark_pruned(struct store *st, int64_t *ids, size_t n, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_MARK_PRUNED];
	size_t kept = 0;
	int r;

	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, ids[i]);
		sqlite3_bind_int64(s, 2, now_ms);
		if ((r = st_step_changes(st, s, __func__)) < 0)
			break;
		if (r > 0)
			ids[kept++] = ids[i];
	}
	if ((r = st_tx_end(st, r < 0 ? r : 0, __func__)) < 0)
		return r;
	return (int)kept;
}

int
store_job_set_pinned(struct store *st, int64_t id, bool pinned)
{
	sqlite3_stmt *s = st->stmt[STMT_JOB_SET_PINNED];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, pinned ? 1 : 0);
	return st_step_one(st, s, __func__);
}

static int
read_blob_ref(sqlite3_stmt *s, void *elem, void *arg)
{
	(void)arg;
	st_col_copy(s, 0, elem, SHA256_HEX_LEN + 1);
	return 0;
}

static const struct st_list_kind blob_ref_kind = {
	.elem = SHA256_HEX_LEN + 1,
	.read = read_blob_ref,
};

int
store_blob_refs(struct store *st, char (**out)[SHA256_HEX_LEN + 1], size_t *n)
{
	void *list;
	int r = st_collect(st, st->stmt[STMT_BLOB_REFS], &blob_ref_kind, NULL, &list, n, __func__);

	*out = list;
	return r;
}
