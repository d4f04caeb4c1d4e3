/*
 * ci.c -- the SQL of CI webhooks: deliveries, the jobs CI projects
 * queued, and superseding a branch's older jobs (store/ci.h).
 *
 * A delivery's id is checked before it is inserted, on the loop where
 * every write happens, so a replay is answered from the row that took the
 * id instead of from a constraint error; the partial unique index of
 * schema 011 stays the guard should two writers ever race.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/ci.h"
#include "store/private.h"

#define DELIVERY_COLS \
	"id, project, forge, delivery, event, received_ms, outcome, reason, job_id, ref," \
	" commit_sha"

const struct stmt_def st_ci_stmts[] = {
	{ .id = STMT_CI_DELIVERY_FIND,
	    .sql = "SELECT " DELIVERY_COLS " FROM ci_deliveries"
		   " WHERE forge = ?1 AND delivery = ?2 AND outcome NOT IN ('refused', 'failed')" },
	{ .id = STMT_CI_DELIVERY_INSERT,
	    .sql =
		"INSERT INTO ci_deliveries (project, forge, delivery, event, received_ms,"
		" outcome, reason, ref, commit_sha) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)" },
	/* Refused and ignored rows past the project's last ?2 of them: they
	 * come as often as anyone cares to send them. */
	{ .id = STMT_CI_DELIVERY_TRIM,
	    .sql = "DELETE FROM ci_deliveries WHERE project = ?1"
		   " AND outcome IN ('refused', 'ignored') AND id NOT IN"
		   " (SELECT id FROM ci_deliveries WHERE project = ?1"
		   "  AND outcome IN ('refused', 'ignored') ORDER BY id DESC LIMIT ?2)" },
	{ .id = STMT_CI_DELIVERY_FINISH,
	    .sql = "UPDATE ci_deliveries SET outcome = ?2, reason = ?3"
		   " WHERE id = ?1 AND outcome = 'pending'" },
	{ .id = STMT_CI_DELIVERY_QUEUED,
	    .sql = "UPDATE ci_deliveries SET outcome = 'queued', reason = NULL, job_id = ?2"
		   " WHERE id = ?1 AND outcome = 'pending'" },
	{ .id = STMT_CI_DELIVERIES_INTERRUPT,
	    .sql = "UPDATE ci_deliveries SET outcome = 'failed', reason = ?1"
		   " WHERE outcome = 'pending'" },
	{ .id = STMT_CI_DELIVERIES_LIST,
	    .sql = "SELECT " DELIVERY_COLS " FROM ci_deliveries WHERE project = ?1"
		   " ORDER BY id DESC LIMIT ?2" },
	{ .id = STMT_CI_JOB_INSERT,
	    .sql = "INSERT INTO ci_jobs (job_id, project, ref, commit_sha, delivery_id,"
		   " callback_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" },
	{ .id = STMT_CI_SUPERSEDE_SELECT,
	    .sql = "SELECT c.job_id FROM ci_jobs c JOIN jobs j ON j.id = c.job_id"
		   " WHERE c.project = ?1 AND c.ref = ?2 AND c.job_id <> ?3"
		   " AND c.superseded_by IS NULL AND j.state IN ('queued', 'running')"
		   " ORDER BY c.job_id" },
	{ .id = STMT_CI_SUPERSEDE_MARK,
	    .sql = "UPDATE ci_jobs SET superseded_by = ?2 WHERE job_id = ?1" },
};
const size_t st_ci_nstmts = NELEM(st_ci_stmts);

static const char *const outcome_names[] = {
	[CI_PENDING] = "pending",
	[CI_QUEUED] = "queued",
	[CI_IGNORED] = "ignored",
	[CI_REFUSED] = "refused",
	[CI_FAILED] = "failed",
};
static const struct st_names outcomes = {
	.names = outcome_names,
	.n = NELEM(outcome_names),
	.what = "delivery outcome",
};

const char *
store_ci_outcome_name(enum ci_outcome o)
{
	const char *n = st_name_of(&outcomes, (int)o);

	return n != NULL ? n : "?";
}

void
store_ci_delivery_clear(struct ci_delivery *d)
{
	free(d->project);
	free(d->forge);
	free(d->delivery);
	free(d->event);
	free(d->reason);
	free(d->ref);
	free(d->commit);
	memset(d, 0, sizeof(*d));
}

static void
clear_elem(void *elem)
{
	store_ci_delivery_clear(elem);
}

static int
read_delivery(sqlite3_stmt *s, void *elem, void *arg)
{
	struct ci_delivery *d = elem;
	const struct st_row_ctx ctx = { .job_id = sqlite3_column_int64(s, 8), .fn = arg };
	int o;

	d->id = sqlite3_column_int64(s, 0);
	d->received_ms = sqlite3_column_int64(s, 5);
	d->job_id = sqlite3_column_int64(s, 8);
	if ((o = st_col_name(s, 6, &outcomes, &ctx)) < 0)
		return o;
	d->outcome = (enum ci_outcome)o;
	if (st_col_dup(s, 1, &d->project) < 0 || st_col_dup(s, 2, &d->forge) < 0 ||
	    st_col_dup(s, 3, &d->delivery) < 0 || st_col_dup(s, 4, &d->event) < 0 ||
	    st_col_dup(s, 7, &d->reason) < 0 || st_col_dup(s, 9, &d->ref) < 0 ||
	    st_col_dup(s, 10, &d->commit) < 0)
		return -ENOMEM;
	return 0;
}

static const struct st_list_kind delivery_list = {
	.elem = sizeof(struct ci_delivery),
	.read = read_delivery,
	.clear = clear_elem,
};

int
store_ci_delivery_find(struct store *st, const char *forge, const char *delivery,
    struct ci_delivery *out)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_DELIVERY_FIND];
	int r;

	memset(out, 0, sizeof(*out));
	st_bind_text(s, 1, forge);
	st_bind_text(s, 2, delivery);
	if ((r = st_step_row(st, s, __func__)) == 0 &&
	    (r = read_delivery(s, out, (void *)__func__)) < 0)
		store_ci_delivery_clear(out);
	st_stmt_done(s);
	return r;
}

int
store_ci_delivery_add(struct store *st, const struct ci_delivery *d, int64_t *id)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_DELIVERY_INSERT];
	struct ci_delivery old;
	int r;

	if (d->outcome != CI_REFUSED) {
		r = store_ci_delivery_find(st, d->forge, d->delivery, &old);
		if (r == 0) {
			store_ci_delivery_clear(&old);
			return -EEXIST;
		}
		if (r != -ENOENT)
			return r;
	}
	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	st_bind_text(s, 1, d->project != NULL ? d->project : "");
	st_bind_text(s, 2, d->forge);
	st_bind_text(s, 3, d->delivery);
	st_bind_text(s, 4, d->event != NULL ? d->event : "");
	sqlite3_bind_int64(s, 5, d->received_ms);
	st_bind_text(s, 6, store_ci_outcome_name(d->outcome));
	st_bind_text(s, 7, d->reason);
	st_bind_text(s, 8, d->ref);
	st_bind_text(s, 9, d->commit);
	r = st_step_one(st, s, __func__);
	if (r == 0) {
		*id = sqlite3_last_insert_rowid(st->db);
		s = st->stmt[STMT_CI_DELIVERY_TRIM];
		st_bind_text(s, 1, d->project != NULL ? d->project : "");
		sqlite3_bind_int(s, 2, CI_DELIVERIES_KEPT);
		r = st_step_changes(st, s, __func__);
	}
	return st_tx_end(st, r, __func__);
}

int
store_ci_delivery_finish(struct store *st, int64_t id, enum ci_outcome outcome, const char *reason)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_DELIVERY_FINISH];

	sqlite3_bind_int64(s, 1, id);
	st_bind_text(s, 2, store_ci_outcome_name(outcome));
	st_bind_text(s, 3, reason);
	return st_step_one(st, s, __func__);
}

int
store_ci_deliveries_interrupt(struct store *st, const char *reason)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_DELIVERIES_INTERRUPT];

	st_bind_text(s, 1, reason);
	return st_step_changes(st, s, __func__);
}

int
store_ci_job_insert(struct store *st, struct job *j, const struct ci_job_rec *c)
{
	int64_t id = j->id, created = j->created_ms;
	sqlite3_stmt *s;
	int r;

	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	if ((r = st_job_insert_rows(st, j, __func__)) < 0)
		goto out;
	s = st->stmt[STMT_CI_JOB_INSERT];
	sqlite3_bind_int64(s, 1, j->id);
	st_bind_text(s, 2, c->project);
	st_bind_text(s, 3, c->ref);
	st_bind_text(s, 4, c->commit);
	sqlite3_bind_int64(s, 5, c->delivery_id);
	st_bind_text(s, 6, c->callback_url);
	if ((r = st_step_one(st, s, __func__)) < 0)
		goto out;
	s = st->stmt[STMT_CI_DELIVERY_QUEUED];
	sqlite3_bind_int64(s, 1, c->delivery_id);
	sqlite3_bind_int64(s, 2, j->id);
	r = st_step_one(st, s, __func__);
out:
	if ((r = st_tx_end(st, r, __func__)) < 0) {
		j->id = id; /* rolled back: J is not stored */
		j->created_ms = created;
	}
	return r;
}

int
store_ci_supersede(struct store *st, const char *project, const char *ref, int64_t new_job_id,
    const char *commit, int64_t **ids)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_SUPERSEDE_SELECT];
	int64_t *v = NULL;
	size_t n = 0, cap = 0;
	int r, rc;

	*ids = NULL;
	if ((r = st_tx_begin(st, __func__)) < 0)
		return r;
	st_bind_text(s, 1, project);
	st_bind_text(s, 2, ref);
	sqlite3_bind_int64(s, 3, new_job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t *nv = st_grow(v, &cap, n, sizeof(*v));

		if (nv == NULL) {
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[n++] = sqlite3_column_int64(s, 0);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = st_db_fail(st->db, __func__);
	st_stmt_done(s);
	for (size_t i = 0; r == 0 && i < n; i++) {
		s = st->stmt[STMT_CI_SUPERSEDE_MARK];
		sqlite3_bind_int64(s, 1, v[i]);
		st_bind_text(s, 2, commit);
		r = st_step_one(st, s, __func__);
	}
	if ((r = st_tx_end(st, r, __func__)) < 0) {
		free(v);
		return r;
	}
	*ids = v;
	return (int)n;
}

int
store_ci_deliveries_list(struct store *st, const char *project, int limit, struct ci_delivery **out,
    size_t *n)
{
	sqlite3_stmt *s = st->stmt[STMT_CI_DELIVERIES_LIST];

	st_bind_text(s, 1, project);
	st_bind_limit(s, 2, limit);
	return st_collect(st, s, &delivery_list, (void *)__func__, (void **)out, n, __func__);
}

void
store_ci_deliveries_free(struct ci_delivery *v, size_t n)
{
	st_list_free(&delivery_list, v, n);
}
