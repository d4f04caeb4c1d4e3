/*
 * download.c -- files from pkvmd, written to disk whole or not at all.
 *
 * download_file() streams a GET into DEST.XXXXXX (created with the user's
 * umask applied, like any new file) while hashing it, fsyncs it and only
 * then renames it to DEST.  Without DOWNLOAD_FORCE an existing DEST is
 * refused twice: before the transfer starts, so nobody waits for nothing,
 * and again at the rename, atomically (RENAME_NOREPLACE, or link() on file
 * systems without it), so a file that appeared meanwhile is not lost.
 * With -o - the bytes go to stdout as they come, and a mismatch can only
 * be reported afterwards, through the exit code.
 *
 * download_artifact() adds what an artifact needs: its row in the job's
 * listing (GET /v1/jobs/ID/artifacts) supplies the size and sha256 the
 * bytes are checked against, and an artifact the guest did not deliver
 * intact is refused before a byte is fetched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "download.h"
#include "output.h"
#include "sha256.h"
#include "wire.h"

/* A download in progress. */
struct download {
	int fd;
	struct sha256 *hash;
	unsigned long long size;
};

static int
on_data(void *arg, const char *buf, size_t len)
{
	struct download *d = arg;
	size_t done = 0;

	sha256_update(d->hash, buf, len);
	d->size += len;
	while (done < len) {
		ssize_t n = write(d->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* Move the finished download TMP to DEST, replacing it only when FORCE. */
static int
download_place(const char *tmp, const char *dest, bool force)
{
	struct stat st;
	int err;

	if (force) {
		if (rename(tmp, dest) == 0)
			return 0;
		fprintf(stderr, "pkvmctl: cannot rename '%s' to '%s': %s\n", tmp, dest,
		    strerror(errno));
		return PKVM_EXIT_INFRA;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
		return 0;
	err = errno;
	if (err == EINVAL || err == ENOSYS) {
		/* A file system without RENAME_NOREPLACE: link() does not
		 * replace either; without hard links, check and rename. */
		if (link(tmp, dest) == 0) {
			unlink(tmp);
			return 0;
		}
		err = errno;
		if (err != EEXIST) {
			if (lstat(dest, &st) == 0)
				err = EEXIST;
			else if (rename(tmp, dest) == 0)
				return 0;
			else
				err = errno;
		}
	}
	if (err == EEXIST)
		fprintf(stderr,
		    "pkvmctl: '%s' appeared during the download; not replaced (use -f)\n", dest);
	else
		fprintf(stderr, "pkvmctl: cannot rename '%s' to '%s': %s\n", tmp, dest,
		    strerror(err));
	return PKVM_EXIT_INFRA;
}

int
download_file(struct api *api, const char *path, const char *dest, const char *sha256,
    long long size, const char *what, unsigned flags)
{
	struct download d = { .fd = -1 };
	bool force = (flags & DOWNLOAD_FORCE) != 0;
	bool to_stdout = strcmp(dest, "-") == 0;
	char got[SHA256_HEX_LEN + 1];
	char *tmp = NULL;
	struct stat st;
	mode_t mask;
	int err, rc = 0;

	if (!to_stdout && !force && lstat(dest, &st) == 0) {
		fprintf(stderr, "pkvmctl: '%s' exists (use -f to replace it)\n", dest);
		return PKVM_EXIT_USAGE;
	}
	d.hash = sha256_new();
	if (d.hash == NULL)
		goto nomem;
	if (to_stdout) {
		d.fd = STDOUT_FILENO;
	} else {
		if (asprintf(&tmp, "%s.XXXXXX", dest) < 0) {
			tmp = NULL;
			goto nomem;
		}
		d.fd = mkstemp(tmp);
		if (d.fd < 0) {
			fprintf(stderr, "pkvmctl: cannot create '%s': %s\n", tmp, strerror(errno));
			free(tmp);
			tmp = NULL;
			rc = PKVM_EXIT_USAGE;
			goto out;
		}
		mask = umask(0);
		umask(mask);
		fchmod(d.fd, 0666 & ~mask);
	}
	err = api_stream(api, path, on_data, &d);
	if (err < 0) {
		rc = api_fail(api, err);
		goto out;
	}
	sha256_final_hex(d.hash, got);
	d.hash = NULL;
	if (sha256 != NULL &&
	    (strcmp(got, sha256) != 0 || (size >= 0 && (unsigned long long)size != d.size))) {
		fprintf(stderr,
		    "pkvmctl: %s does not match its listing (%llu bytes, "
		    "sha256 %.12s; expected %lld bytes, %.12s)%s\n",
		    what, d.size, got, size, sha256, to_stdout ? "" : "; nothing written");
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	if (to_stdout)
		goto out;
	if (fsync(d.fd) != 0 || close(d.fd) != 0) {
		d.fd = -1;
		fprintf(stderr, "pkvmctl: cannot write '%s': %s\n", tmp, strerror(errno));
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	d.fd = -1;
	rc = download_place(tmp, dest, force);
	if (rc == 0) {
		free(tmp);
		tmp = NULL;
		if (!(flags & DOWNLOAD_QUIET))
			fprintf(stderr, "pkvmctl: wrote %s (%llu bytes)\n", dest, d.size);
	}
	goto out;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	rc = PKVM_EXIT_INFRA;
out:
	if (d.fd >= 0 && d.fd != STDOUT_FILENO)
		close(d.fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	if (d.hash != NULL)
		sha256_free(d.hash);
	return rc;
}

/* Find artifact NAME in job ID's listing; *REPLY holds the listing, *A
 * points into it.  0, or the exit code after printing why. */
static int
artifact_find(struct api *api, int64_t id, const char *name, json_t **reply, json_t **a)
{
	json_t *list;
	char path[96];
	size_t i;
	int err;

	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/artifacts", (long long)id);
	err = api_get_member(api, path, "artifacts", JSON_ARRAY, reply, &list);
	if (err < 0)
		return api_fail(api, err);
	json_array_foreach(list, i, *a)
	{
		const char *n = job_str(*a, "name");

		if (n != NULL && strcmp(n, name) == 0)
			return 0;
	}
	fprintf(stderr, "pkvmctl: job %lld has no artifact '%s' (see 'pkvmctl artifacts %lld')\n",
	    (long long)id, name, (long long)id);
	json_decref(*reply);
	*reply = NULL;
	return PKVM_EXIT_USAGE;
}

int
download_artifact(struct api *api, int64_t id, const char *name, const char *dest, unsigned flags)
{
	const char *sha, *status, *slash;
	json_t *reply = NULL, *a = NULL;
	char *path = NULL, *esc = NULL, *dflt = NULL, *what = NULL;
	long long size = -1;
	struct stat st;
	int rc;

	rc = artifact_find(api, id, name, &reply, &a);
	if (rc != 0)
		return rc;
	sha = job_str(a, "sha256");
	status = job_str(a, "status");
	job_int(a, "size", &size);
	if (status == NULL || strcmp(status, "ok") != 0) {
		fprintf(stderr,
		    "pkvmctl: artifact '%s' is %s: only complete artifacts can be "
		    "downloaded\n",
		    name, status != NULL ? status : "of unknown status");
		rc = PKVM_EXIT_USAGE;
		goto out;
	}
	if (sha == NULL || !pkvm_sha256_hex_valid(sha)) {
		fprintf(stderr, "pkvmctl: bad answer from pkvmd: artifact '%s' without sha256\n",
		    name);
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	/* The last part of NAME, here or in the directory DEST names. */
	slash = strrchr(name, '/');
	slash = slash != NULL ? slash + 1 : name;
	if (dest == NULL)
		dest = dflt = strdup(slash);
	else if (strcmp(dest, "-") != 0 && stat(dest, &st) == 0 && S_ISDIR(st.st_mode))
		dest = asprintf(&dflt, "%s/%s", dest, slash) < 0 ? (dflt = NULL) : dflt;
	esc = api_escape(name);
	if (dest == NULL || esc == NULL)
		goto nomem;
	if (asprintf(&path, PKVM_API_PREFIX "/jobs/%lld/artifact?name=%s", (long long)id, esc) <
	    0) {
		path = NULL;
		goto nomem;
	}
	if (asprintf(&what, "artifact '%s'", name) < 0) {
		what = NULL;
		goto nomem;
	}
	rc = download_file(api, path, dest, sha, size, what, flags);
	goto out;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	rc = PKVM_EXIT_INFRA;
out:
	free(path);
	free(esc);
	free(dflt);
	free(what);
	json_decref(reply);
	return rc;
}
