/*
 * versions.c -- a number per job that changes whenever what
 * store_job_get() returns for it may have changed: the HTTP layer keeps
 * each job's rendered JSON and checks it against this number, so a
 * status request reads no row and builds no object for a job that did
 * not change.
 *
 * SQLite reports every row this connection writes, before it is
 * written, through the preupdate hook (Debian's libsqlite3 has it): a row
 * of `jobs` changes that job, a row of a table with a `job_id` column
 * changes the job it names (old and new value), any other row no job.
 * store_job_get() reads only such rows; that is the rule which keeps the
 * numbers right, and a new child table of a job must keep it.  Nothing
 * else writes the database: it is this connection's alone (the
 * checkpoint connection copies pages, it changes no row).
 *
 * The counters are a fixed table indexed by the job id's low bits: two
 * jobs sharing a counter cost a needless miss, never a stale hit.  A
 * rollback, or a library without the hook, moves the epoch, which every
 * version includes: then everything counts as changed.
 */
#include "build-config.h"

#if PKVM_HAVE_PREUPDATE_HOOK
#define SQLITE_ENABLE_PREUPDATE_HOOK
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/private.h"

static void
bump(struct store_versions *v, int64_t id)
{
	v->slot[(uint64_t)id & (STORE_VERSION_SLOTS - 1)]++;
}

static void
on_rollback(void *arg)
{
	struct store_versions *v = arg;

	v->epoch++;
}

#if PKVM_HAVE_PREUPDATE_HOOK
/* Column I of the row being written, old or new: the job id it holds,
 * or -1 when it is no integer. */
static int64_t
job_id_of(sqlite3 *db, int i, bool old)
{
	sqlite3_value *val = NULL;

	if ((old ? sqlite3_preupdate_old(db, i, &val) : sqlite3_preupdate_new(db, i, &val)) !=
		SQLITE_OK ||
	    val == NULL || sqlite3_value_type(val) != SQLITE_INTEGER)
		return -1;
	return sqlite3_value_int64(val);
}

static void
on_preupdate(void *arg, sqlite3 *db, int op, const char *zdb, const char *table, sqlite3_int64 key1,
    sqlite3_int64 key2)
{
	struct store_versions *v = arg;

	(void)zdb;
	if (strcmp(table, "jobs") == 0) {
		bump(v, key1);
		if (key2 != key1)
			bump(v, key2);
		return;
	}
	for (size_t t = 0; t < v->ntables; t++) {
		int col = v->tables[t].job_id_col;
		int64_t id;

		if (strcmp(v->tables[t].name, table) != 0)
			continue;
		if (op != SQLITE_INSERT && (id = job_id_of(db, col, true)) >= 0)
			bump(v, id);
		if (op != SQLITE_DELETE && (id = job_id_of(db, col, false)) >= 0)
			bump(v, id);
		return;
	}
}

/* SQLite's error, logged; store.c's st_db_fail() is not called from here,
 * since store.c calls this file. */
static int
fail(sqlite3 *db)
{
	log_warnx("store: finding the tables of jobs: %s", sqlite3_errmsg(db));
	return -EIO;
}

/* Learn which tables have a job_id column, and where. */
static int
find_tables(struct store *st, struct store_versions *v)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db,
	    "SELECT m.name, p.cid FROM sqlite_schema m, pragma_table_info(m.name) p"
	    " WHERE m.type = 'table' AND p.name = 'job_id'",
	    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return fail(st->db);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		struct store_versions_table *t;

		if (v->ntables == STORE_VERSION_TABLES || name == NULL ||
		    strlen(name) >= sizeof(t->name)) {
			sqlite3_finalize(s);
			return -E2BIG; /* raise the bound: a table must not go unwatched */
		}
		t = &v->tables[v->ntables++];
		strcpy(t->name, name);
		t->job_id_col = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : fail(st->db);
}
#else
static void
on_update(void *arg, int op, const char *zdb, const char *table, sqlite3_int64 rowid)
{
	struct store_versions *v = arg;

	(void)op;
	(void)zdb;
	if (strcmp(table, "jobs") == 0)
		bump(v, rowid);
	else
		v->epoch++;
}
#endif

int
st_versions_start(struct store *st)
{
	struct store_versions *v = &st->versions;

#if PKVM_HAVE_PREUPDATE_HOOK
	int r = find_tables(st, v);

	if (r < 0)
		return r;
	sqlite3_preupdate_hook(st->db, on_preupdate, v);
#else
	sqlite3_update_hook(st->db, on_update, v);
#endif
	sqlite3_rollback_hook(st->db, on_rollback, v);
	return 0;
}

uint64_t
store_job_version(const struct store *st, int64_t id)
{
	const struct store_versions *v = &st->versions;

	return (v->epoch << 32) ^ v->slot[(uint64_t)id & (STORE_VERSION_SLOTS - 1)];
}
