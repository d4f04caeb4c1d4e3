/*
 * artifact.h -- what a push brings: the kernel and the tests, fetched from
 * the forge (a GitHub Actions artifact, a GitLab job's artifacts archive)
 * or from the URLs of a generic hook, and unpacked into a directory.
 *
 * The contract between the hooks (which decide a push is wanted and turn
 * the files into a job) and the fetching: the hooks fill a struct ci_push
 * and get back, later, a directory holding the files, or why not.
 * Downloads are capped in size and time; archives are read with
 * libarchive, refusing absolute paths, "..", links that lead out of the
 * directory, and more bytes than the cap (zip bombs).
 */
#ifndef PKVM_CI_ARTIFACT_H
#define PKVM_CI_ARTIFACT_H

#include <stdint.h>

#include "ci/fetch.h"
#include "ci/project.h"

/* What a delivery asks to test. */
struct ci_push {
	const char *ref; /* the branch (or tag) */
	const char *commit; /* the commit's sha */
	int64_t run_id; /* GitHub: the workflow run whose artifacts to take */
	int64_t job_id; /* GitLab: the job whose artifacts archive to take */
	/* Generic: where the kernel and the tests are (a tar, a zip or a
	 * single file; tests_url may be NULL), with their sha256 or NULL. */
	const char *kernel_url, *kernel_sha256;
	const char *tests_url, *tests_sha256;
};

/* What came out, all paths inside the work directory. */
struct ci_unpacked {
	const char *dir; /* the work directory */
	const char *kernel; /* the kernel Image's file */
	const char *tests; /* the tests: a directory or one executable; NULL when none */
	const char *manifest; /* the project's manifest file, or NULL when it names none */
	const char *manifest_name; /* it as the project names it, for messages */
};

/* Called once: ERR 0 with U, or negative errno with WHY:
 *   -ENOENT     no such run, job or artifact, an expired one, or the
 *               project's kernel, tests or manifest path is not in it (WHY
 *               lists the first entries it holds)
 *   -EACCES     the forge (or its storage) refused the token: 401, 403
 *   -EAGAIN     the forge is down or busy: connection refused or reset,
 *               unknown host, 429, 5xx; try again later
 *   -ETIMEDOUT  a download took longer than timeout_s; may be retried
 *   -EFBIG      a download, or the unpacked contents, over max_bytes (or
 *               too many entries)
 *   -EPERM      an absolute path, "..", a symbolic link, a hard link
 *               outside the archive's files, a device in an archive
 *   -EEXIST     a path twice in an archive
 *   -EBADMSG    a generic download's sha256 is not the one the hook gave
 *   -EINVAL     not a zip or tar, a corrupt one, an empty download
 *   -EPROTO     an answer the forge should not give (other HTTP codes,
 *               no artifact list)
 *   -ECANCELED  the fetcher was freed
 * and the work directory holds none of it any more. */
typedef void (*ci_artifact_cb)(void *arg, int err, const char *why, const struct ci_unpacked *u);

struct ci_artifact_req {
	struct ci_fetcher *fetcher;
	uv_loop_t *loop; /* unpacking runs on its thread pool */
	const struct ci_project *project; /* held by the caller until CB */
	const struct ci_push *push; /* copied */
	const char *workdir; /* an empty directory of the caller's */
	int64_t max_bytes; /* the most a download, or an archive's contents, may be */
	long timeout_s; /* for each download */
};

/* Fetch and unpack what REQ's push names into REQ->workdir, then CB(ARG)
 * on the loop.  0, or negative errno (CB never runs). */
int ci_artifact_get(const struct ci_artifact_req *req, ci_artifact_cb cb, void *arg);

#endif
