/*
 * cmd-artifacts.c -- pkvmctl artifacts: the files a job's tests wrote to
 * $PKVM_OUTPUT, listed or downloaded.
 *
 * `artifacts ID` is a table of NAME SIZE STATUS SHA256 (GET
 * /v1/jobs/ID/artifacts).  `artifacts ID get NAME` downloads one (GET
 * /v1/jobs/ID/artifact?name=NAME): the bytes stream into a temporary file
 * next to the destination while being hashed, and only when size and
 * sha256 match the listing is the file renamed into place, so a cut or
 * damaged transfer never leaves a plausible-looking file behind.  An
 * existing file is not replaced without -f, checked before the download
 * and again, atomically, at the rename.  With -o - the bytes go to stdout
 * (a mismatch is then reported after the fact, by the exit code).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "output.h"
#include "sha256.h"
#include "wire.h"

enum { OPT_JSON = 256 };

static const struct cmd_option artifacts_options[] = {
	{ OPT_JSON, "json", 0, false },
	{ 'o', "output", 'o', true },
	{ 'f', "force", 'f', false },
	{ 0, NULL, 0, false },
};

/* A download in progress. */
struct download {
	int fd;
	struct sha256 *hash;
	unsigned long long size;
};

static int
artifacts_print(json_t *artifacts, void *arg)
{
	static const char *const headers[] = { "NAME", "SIZE", "STATUS", "SHA256" };
	struct table *t;
	json_t *a;
	size_t i;

	(void)arg;
	if (json_array_size(artifacts) == 0) {
		printf("no artifacts\n");
		return 0;
	}
	t = table_new(4, headers);
	if (t == NULL)
		goto nomem;
	table_align_right(t, 1);
	json_array_foreach(artifacts, i, a)
	{
		const char *sha = job_str(a, "sha256");
		char size[32] = "-", shortsha[16] = "-";
		const char *cells[4];
		long long n;

		if (job_int(a, "size", &n))
			output_size_format((double)n, size, sizeof(size));
		if (sha != NULL)
			snprintf(shortsha, sizeof(shortsha), "%.12s", sha);
		cells[0] = job_str(a, "name");
		cells[1] = size;
		cells[2] = job_str(a, "status");
		cells[3] = shortsha;
		if (table_add_row(t, cells) < 0)
			goto nomem;
	}
	table_print(t, stdout);
	table_free(t);
	return 0;
nomem:
	table_free(t);
	fprintf(stderr, "pkvmctl: out of memory\n");
	return PKVM_EXIT_INFRA;
}

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

/* Move the finished download TMP to DEST, replacing it only when FORCE. */
static int
artifact_place(const char *tmp, const char *dest, bool force)
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

/* Download artifact NAME of job ID to DEST ("-": stdout). */
static int
artifact_get(struct api *api, int64_t id, const char *name, const char *dest, bool force)
{
	struct download d = { .fd = -1 };
	const char *sha, *status, *slash;
	json_t *reply = NULL, *a = NULL;
	char *path = NULL, *esc = NULL, *tmp = NULL, *dflt = NULL;
	char got[SHA256_HEX_LEN + 1];
	bool to_stdout;
	long long size = -1;
	struct stat st;
	mode_t mask;
	int err, rc;

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
	/* The last part of NAME, here or in the directory -o names. */
	slash = strrchr(name, '/');
	slash = slash != NULL ? slash + 1 : name;
	if (dest == NULL)
		dest = dflt = strdup(slash);
	else if (strcmp(dest, "-") != 0 && stat(dest, &st) == 0 && S_ISDIR(st.st_mode))
		dest = asprintf(&dflt, "%s/%s", dest, slash) < 0 ? (dflt = NULL) : dflt;
	if (dest == NULL)
		goto nomem;
	to_stdout = strcmp(dest, "-") == 0;
	if (!to_stdout && !force && lstat(dest, &st) == 0) {
		fprintf(stderr, "pkvmctl: '%s' exists (use -f to replace it)\n", dest);
		rc = PKVM_EXIT_USAGE;
		goto out;
	}
	d.hash = sha256_new();
	esc = api_escape(name);
	if (d.hash == NULL || esc == NULL ||
	    asprintf(&path, PKVM_API_PREFIX "/jobs/%lld/artifact?name=%s", (long long)id, esc) <
		0) {
		path = NULL;
		goto nomem;
	}
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
	if (strcmp(got, sha) != 0 || (size >= 0 && (unsigned long long)size != d.size)) {
		fprintf(stderr,
		    "pkvmctl: artifact '%s' does not match its listing (%llu bytes, "
		    "sha256 %.12s; expected %lld bytes, %.12s)%s\n",
		    name, d.size, got, size, sha, to_stdout ? "" : "; nothing written");
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	if (!to_stdout) {
		if (fsync(d.fd) != 0 || close(d.fd) != 0) {
			d.fd = -1;
			fprintf(stderr, "pkvmctl: cannot write '%s': %s\n", tmp, strerror(errno));
			rc = PKVM_EXIT_INFRA;
			goto out;
		}
		d.fd = -1;
		rc = artifact_place(tmp, dest, force);
		if (rc == 0) {
			free(tmp);
			tmp = NULL;
			fprintf(stderr, "pkvmctl: wrote %s (%llu bytes)\n", dest, d.size);
		}
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
	free(path);
	free(esc);
	free(dflt);
	json_decref(reply);
	return rc;
}

static int
artifacts_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *pos[4] = { NULL }, *output = NULL;
	bool json = false, force = false;
	char path[96];
	int npos = 0;
	int64_t id;
	int rc;

	for (int i = 0; i < args->n; i++) {
		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (npos == 3)
				return cmd_usage_error(self, "too many arguments");
			pos[npos++] = args->v[i].value;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'o':
			output = args->v[i].value;
			break;
		case 'f':
			force = true;
			break;
		}
	}
	if (npos == 0)
		return cmd_usage_error(self, "missing job id");
	rc = cmd_parse_id(pos[0], &id);
	if (rc != 0)
		return rc;
	if (npos == 1) {
		if (output != NULL || force)
			return cmd_usage_error(self, "-o and -f go with 'get NAME'");
		snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/artifacts", (long long)id);
		return output_show(api, path, "artifacts", JSON_ARRAY, json, artifacts_print, NULL);
	}
	if (strcmp(pos[1], "get") != 0)
		return cmd_usage_error(self, "unknown action '%s' (expected 'get')", pos[1]);
	if (npos < 3)
		return cmd_usage_error(self, "missing artifact name");
	if (json)
		return cmd_usage_error(self, "--json goes with the listing, not with 'get'");
	if (output != NULL && output[0] == '\0')
		return cmd_usage_error(self, "-o needs a file name");
	return artifact_get(api, id, pos[2], output, force);
}

const struct cmd_entry cmd_artifacts_entry = {
	.name = "artifacts",
	.alias = NULL,
	.args = "[--json] ID\n"
		"       pkvmctl artifacts ID get NAME [-o FILE] [-f|--force]",
	.summary = "list the files a job's tests left, or download one",
	.details = "the listing shows NAME SIZE STATUS SHA256; only artifacts with status\n"
		   "ok can be downloaded.\n"
		   "\n"
		   "options:\n"
		   "  --json           print the artifact objects as a JSON array\n"
		   "  -o, --output FILE  where 'get' writes: a file, a directory to put it\n"
		   "                   in, or - for stdout (default: the last part of NAME,\n"
		   "                   in the current directory)\n"
		   "  -f, --force      replace FILE when it exists\n"
		   "\n"
		   "a download is checked against the listing's size and sha256 and kept\n"
		   "only when both match.\n",
	.options = artifacts_options,
	.takes_rest = false,
	.exec = artifacts_exec,
};
