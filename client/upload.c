/*
 * upload.c -- hash, ask what is missing, upload what is.
 *
 * Files are opened once up front (upload_file_init) so a typo'd path fails
 * before anything is hashed or sent.  Uploads stream from disk through
 * api_upload().  When stderr is a terminal a progress line is redrawn in
 * place, so a slow link to a lab server does not look like a hang: for one
 * file bigger than 1 MiB its own, for several files (an --extra tree of
 * modules) one line for all of them, "uploading 123 files, 45.6 MB (40%)".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash-cache.h"
#include "upload.h"
#include "wire.h"

#define PROGRESS_MIN_SIZE (1024 * 1024)

struct progress {
	const char *name; /* the file, or NULL for the summary line */
	size_t nfiles; /* for the summary line */
	uint64_t base; /* bytes of the files before this one */
	uint64_t total; /* bytes of all of them, for the summary line */
	int last_percent; /* -1 before the first line */
};

int
blob_set_add(struct blob_set *set, char *path, bool own, const char *what)
{
	int rc;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct blob_file *v = realloc(set->v, cap * sizeof(*v));
		char **o;

		if (v != NULL)
			set->v = v;
		o = v != NULL ? realloc(set->owned, cap * sizeof(*o)) : NULL;
		if (o == NULL) {
			if (own)
				free(path);
			fprintf(stderr, "pkvmctl: out of memory\n");
			return PKVM_EXIT_INFRA;
		}
		set->owned = o;
		set->cap = cap;
	}
	rc = upload_file_init(&set->v[set->n], path, what);
	if (rc != 0) {
		if (own)
			free(path);
		return rc;
	}
	set->owned[set->n++] = own ? path : NULL;
	return 0;
}

void
blob_set_free(struct blob_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->owned[i]);
	free(set->owned);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

int
upload_file_init(struct blob_file *f, const char *path, const char *what)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->what = what;
	f->name = slash != NULL ? slash + 1 : path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "pkvmctl: cannot open %s '%s': %s\n", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return PKVM_EXIT_USAGE;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "pkvmctl: cannot use %s '%s': not a regular file\n", what, path);
		return PKVM_EXIT_USAGE;
	}
	f->size = (uint64_t)st.st_size;
	f->mode = st.st_mode & 0777;
	return 0;
}

static void
on_progress(void *arg, uint64_t sent, uint64_t total)
{
	struct progress *p = arg;
	int percent;

	if (p->name == NULL) {
		sent += p->base;
		total = p->total;
	}
	percent = total > 0 ? (int)(sent * 100 / total) : 100;
	if (percent == p->last_percent)
		return;
	p->last_percent = percent;
	if (p->name != NULL)
		fprintf(stderr, "\rpkvmctl: uploading %s: %.1f / %.1f MB (%d%%)", p->name,
		    (double)sent / 1e6, (double)total / 1e6, percent);
	else
		fprintf(stderr, "\rpkvmctl: uploading %zu files, %.1f MB (%d%%)", p->nfiles,
		    (double)total / 1e6, percent);
	fflush(stderr);
}

/* PUT F to the server, showing progress in P when it is not NULL. */
static int
upload_one(struct api *api, const struct blob_file *f, struct progress *p)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), PKVM_API_PREFIX "/blobs/%s", f->hash);
	err = api_upload(api, path, f->path, f->size, p != NULL ? on_progress : NULL, p);
	if (err < 0) {
		if (p != NULL && p->last_percent >= 0)
			fputc('\n', stderr);
		fprintf(stderr, "pkvmctl: cannot upload %s '%s'\n", f->what, f->path);
		return api_fail(api, err);
	}
	return 0;
}

/* Build {"blobs": [...]} with each distinct hash of FILES once. */
static json_t *
missing_request(struct blob_file *files, size_t n)
{
	json_t *blobs = json_array();

	for (size_t i = 0; blobs != NULL && i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(files[i].hash, files[j].hash) == 0;
		if (!seen && json_array_append_new(blobs, json_string(files[i].hash)) < 0) {
			json_decref(blobs);
			return NULL;
		}
	}
	return json_pack("{s:o*}", "blobs", blobs);
}

int
upload_blobs(struct api *api, struct blob_file *files, size_t n)
{
	json_t *req = NULL, *reply = NULL, *missing, *h;
	struct progress all = { .last_percent = -1 };
	const struct blob_file **todo;
	struct hash_cache *hc;
	size_t i, k, ntodo = 0;
	int err, rc = 0;
	bool tty;

	hc = hash_cache_open();
	for (i = 0; i < n; i++) {
		err = hash_file(hc, files[i].path, files[i].hash);
		if (err < 0) {
			fprintf(stderr, "pkvmctl: cannot read %s '%s': %s\n", files[i].what,
			    files[i].path, strerror(-err));
			hash_cache_close(hc);
			return PKVM_EXIT_USAGE;
		}
	}
	hash_cache_close(hc);
	req = missing_request(files, n);
	if (req == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	err = api_request(api, "POST", PKVM_API_PREFIX "/blobs/missing", req, &reply);
	json_decref(req);
	if (err < 0)
		return api_fail(api, err);
	missing = json_object_get(reply, "missing");
	if (!json_is_array(missing)) {
		fprintf(stderr,
		    "pkvmctl: bad answer from pkvmd to blobs/missing: "
		    "no \"missing\" array\n");
		json_decref(reply);
		return PKVM_EXIT_INFRA;
	}
	/* Which of FILES to send: the first file of each missing hash. */
	todo = calloc(json_array_size(missing) + 1, sizeof(*todo));
	if (todo == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		json_decref(reply);
		return PKVM_EXIT_INFRA;
	}
	json_array_foreach(missing, k, h)
	{
		const char *hash = json_string_value(h);

		for (i = 0; hash != NULL && i < n; i++) {
			if (strcmp(files[i].hash, hash) == 0)
				break;
		}
		if (hash == NULL || i == n)
			continue; /* not ours: nothing we could send */
		todo[ntodo++] = &files[i];
		all.total += files[i].size;
	}
	json_decref(reply);
	all.nfiles = ntodo;
	tty = isatty(STDERR_FILENO);
	for (k = 0; rc == 0 && k < ntodo; k++) {
		struct progress one = { .name = todo[k]->name, .last_percent = -1 };
		struct progress *p = NULL;

		if (tty && ntodo > 1)
			p = &all;
		else if (tty && todo[k]->size > PROGRESS_MIN_SIZE)
			p = &one;
		/* Empty files never call back: draw the line for them too. */
		if (p == &all)
			on_progress(p, 0, todo[k]->size);
		rc = upload_one(api, todo[k], p);
		all.base += todo[k]->size;
		if (p == &one && one.last_percent >= 0 && rc == 0)
			fputc('\n', stderr);
	}
	if (all.last_percent >= 0 && rc == 0) {
		on_progress(&all, 0, 0);
		fputc('\n', stderr);
	}
	free(todo);
	return rc;
}
