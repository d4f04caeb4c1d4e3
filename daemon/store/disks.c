/*
 * disks.c -- a job's disk images and the root it boots, in the store.
 *
 * The disks are rows of job_disks in --disk order; root and keep_disk are
 * two columns of jobs (schema/014-disks.sql).  Both are written with the
 * job, in store_job_insert()'s transaction, and read with its other child
 * rows: jobs.c calls st_job_disks_insert() and st_job_disks_load().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

const struct stmt_def st_disk_stmts[] = {
	{ .id = STMT_DISK_INSERT,
	    .sql = "INSERT INTO job_disks (job_id, seq, blob, format, readonly, size)"
		   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)" },
	{ .id = STMT_DISKS_GET,
	    .sql = "SELECT blob, format, readonly, size FROM job_disks WHERE job_id = ?1"
		   " ORDER BY seq" },
	{ .id = STMT_JOB_ROOT_SET,
	    .sql = "UPDATE jobs SET root = ?2, keep_disk = ?3 WHERE id = ?1" },
	{ .id = STMT_JOB_ROOT_GET, .sql = "SELECT root, keep_disk FROM jobs WHERE id = ?1" },
};
const size_t st_disk_nstmts = NELEM(st_disk_stmts);

static const char *const disk_format_names[] = {
	[DISK_UNKNOWN] = NULL,
	[DISK_RAW] = "raw",
	[DISK_QCOW2] = "qcow2",
};
static const struct st_names disk_formats = {
	.names = disk_format_names,
	.n = NELEM(disk_format_names),
	.what = "disk format",
};

static int
read_disk(sqlite3_stmt *s, void *elem, void *arg)
{
	struct job_disk *d = elem;
	int r;

	st_col_copy(s, 0, d->blob, sizeof(d->blob));
	if ((r = st_col_name(s, 1, &disk_formats, arg)) < 0)
		return r;
	d->format = (enum disk_format)r;
	d->readonly = sqlite3_column_int(s, 2) != 0;
	d->size = (uint64_t)sqlite3_column_int64(s, 3);
	return 0;
}

static const struct st_list_kind disk_kind = {
	.elem = sizeof(struct job_disk),
	.read = read_disk,
};

int
st_job_disks_insert(struct store *st, int64_t id, const struct job *j, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_DISK_INSERT];
	int r;

	for (size_t i = 0; i < j->ndisks; i++) {
		const struct job_disk *d = &j->disks[i];
		const char *format = st_name_of(&disk_formats, d->format);

		if (format == NULL)
			return -EINVAL;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		st_bind_text(s, 3, d->blob);
		st_bind_text(s, 4, format);
		sqlite3_bind_int(s, 5, d->readonly);
		sqlite3_bind_int64(s, 6, (int64_t)d->size);
		if ((r = st_step_changes(st, s, fn)) < 0)
			return r;
	}
	if (j->root == NULL && !j->keep_disk)
		return 0; /* the columns' defaults */
	s = st->stmt[STMT_JOB_ROOT_SET];
	sqlite3_bind_int64(s, 1, id);
	st_bind_text(s, 2, j->root);
	sqlite3_bind_int(s, 3, j->keep_disk);
	return st_step_one(st, s, fn);
}

int
st_job_disks_load(struct store *st, struct job *j, const char *fn)
{
	struct st_row_ctx ctx = { j->id, fn };
	sqlite3_stmt *s = st->stmt[STMT_JOB_ROOT_GET];
	void *list;
	int r;

	r = st_collect_key(st, STMT_DISKS_GET, j->id, &disk_kind, &ctx, &list, &j->ndisks, fn);
	j->disks = list;
	if (r < 0)
		return r;
	sqlite3_bind_int64(s, 1, j->id);
	if ((r = st_step_row(st, s, fn)) == 0) {
		r = st_col_dup(s, 0, &j->root);
		j->keep_disk = sqlite3_column_int(s, 1) != 0;
	}
	st_stmt_done(s);
	return r;
}
