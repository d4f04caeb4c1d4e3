/*
 * kernels.c -- what the store knows of each kernel blob: its first job
 * and the version it printed.
 *
 * The crash groups (crash-groups.c) show which kernels a crash title was
 * seen on and whether a newer kernel stopped showing it, and both need
 * something a kernel blob does not carry in its name.  Its age: pkvmd
 * cannot order kernels by their source (a version string is free text,
 * and a rebuild keeps it), so a kernel is as old as its first job, and
 * st_kernel_seen() records that job when a job is inserted.  Its version:
 * the kernel prints "Linux version X ..." early on the console, and the
 * console parser reports X once per boot (guest/console.c); since a blob
 * always prints the same banner, it is kept once per kernel, together
 * with the job whose console showed it, and a kernel whose consoles never
 * showed it (a `quiet` boot) has none.
 */
#include <errno.h>

#include "store/private.h"

const struct stmt_def st_kernel_stmts[] = {
	/* The first job with a kernel is its age: a later one changes nothing. */
	{ .id = STMT_KERNEL_SEEN,
	    .sql = "INSERT OR IGNORE INTO kernels (sha256, first_job) VALUES (?2, ?1)" },
	/* The first console that showed the version is the one kept. */
	{ .id = STMT_KERNEL_VERSION,
	    .sql = "UPDATE kernels SET version = ?2, version_job = ?1"
		   " WHERE sha256 = (SELECT kernel FROM jobs WHERE id = ?1) AND version IS NULL" },
};
const size_t st_kernel_nstmts = NELEM(st_kernel_stmts);

int
st_kernel_seen(struct store *st, const char *sha256, int64_t job_id, const char *fn)
{
	sqlite3_stmt *s = st->stmt[STMT_KERNEL_SEEN];

	sqlite3_bind_int64(s, 1, job_id);
	st_bind_text(s, 2, sha256);
	return st_run(st, STMT_KERNEL_SEEN, fn);
}

int
store_kernel_set_version(struct store *st, int64_t job_id, const char *version)
{
	sqlite3_stmt *s = st->stmt[STMT_KERNEL_VERSION];
	int r;

	if (version == NULL || version[0] == '\0')
		return -EINVAL;
	sqlite3_bind_int64(s, 1, job_id);
	st_bind_text(s, 2, version);
	if ((r = st_step_changes(st, s, __func__)) != 0)
		return r < 0 ? r : 0;
	/* Nothing changed: the kernel's version was known already, or
	 * there is no such job. */
	return st_job_exists(st, job_id, __func__);
}
