/*
 * extra.c -- turn a local directory into the "extra" entries of a job.
 *
 * `--extra DIR` is how modules, firmware and configuration get into the
 * guest: DIR/lib/modules/6.1.0/... lands at /lib/modules/6.1.0/....  The
 * tree is walked with lstat(), so a symlink is sent as a symlink (its
 * target as it is, resolved in the guest) and never followed.  Regular
 * files become blobs, uploaded like executables (only when the server
 * lacks them); directories become entries of their own, so empty ones
 * exist in the guest too.  Nothing is skipped silently: hidden files are
 * sent, and a socket, fifo or device, a name the API refuses or a path
 * that would replace what /init needs stops the submit with the path at
 * fault.  Entries are sorted by name so that the same tree gives the same
 * request.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extra-path.h"
#include "extra.h"
#include "wire.h"

/* The API's limit on a symlink target. */
#define EXTRA_TARGET_MAX 4096

struct walk {
	const char *root; /* as the user gave it, for messages */
	struct blob_set *set;
	json_t *entries;
};

static const char *
type_name(mode_t m)
{
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISFIFO(m))
		return "a fifo";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file, directory or symlink";
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in directory FULL (without "." and ".."), or NULL after
 * printing why; *N is their number. */
static char **
read_names(const char *full, size_t *n)
{
	char **names = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*n = 0;
	d = opendir(full);
	if (d == NULL) {
		fprintf(stderr, "pkvmctl: --extra: cannot open directory '%s': %s\n", full,
		    strerror(errno));
		return NULL;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*p));

			if (p == NULL)
				goto nomem;
			names = p;
		}
		if ((names[*n] = strdup(de->d_name)) == NULL)
			goto nomem;
		(*n)++;
	}
	if (errno != 0) {
		fprintf(stderr, "pkvmctl: --extra: cannot read directory '%s': %s\n", full,
		    strerror(errno));
		goto fail;
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), compare_names);
	/* An empty directory still needs a non-NULL answer. */
	return names != NULL ? names : calloc(1, sizeof(*names));
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
fail:
	closedir(d);
	while (*n > 0)
		free(names[--*n]);
	free(names);
	return NULL;
}

/* Add one entry; 0, or the exit code after printing why. */
static int
walk_add(struct walk *w, json_t *entry)
{
	if (entry == NULL || json_array_append_new(w->entries, entry) < 0) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	return 0;
}

/* Add the entries of directory FULL, whose path in the guest is REL ("" for
 * the root). */
static int
walk_dir(struct walk *w, const char *full, const char *rel)
{
	size_t n, i;
	char **names = read_names(full, &n);
	int rc = 0;

	if (names == NULL)
		return PKVM_EXIT_USAGE;
	for (i = 0; rc == 0 && i < n; i++) {
		char *path = NULL, *sub = NULL, target[EXTRA_TARGET_MAX + 1];
		const char *why;
		json_t *jtarget;
		struct stat st;
		ssize_t len;

		if (asprintf(&path, "%s/%s", full, names[i]) < 0 ||
		    asprintf(&sub, "%s%s%s", rel, rel[0] ? "/" : "", names[i]) < 0) {
			fprintf(stderr, "pkvmctl: out of memory\n");
			rc = PKVM_EXIT_INFRA;
			path = sub = NULL;
			goto next;
		}
		if (json_array_size(w->entries) >= EXTRA_ENTRIES_MAX) {
			fprintf(stderr, "pkvmctl: --extra '%s' has more than %d entries\n", w->root,
			    EXTRA_ENTRIES_MAX);
			rc = PKVM_EXIT_USAGE;
			goto next;
		}
		if ((why = pkvm_extra_path_problem(sub)) != NULL) {
			fprintf(stderr, "pkvmctl: --extra: cannot send '%s': its path '%s' %s\n",
			    path, sub, why);
			rc = PKVM_EXIT_USAGE;
			goto next;
		}
		if (lstat(path, &st) < 0) {
			fprintf(stderr, "pkvmctl: --extra: cannot stat '%s': %s\n", path,
			    strerror(errno));
			rc = PKVM_EXIT_USAGE;
			goto next;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = walk_add(w, json_pack("{s:s, s:b}", "path", sub, "dir", 1));
			if (rc == 0)
				rc = walk_dir(w, path, sub);
		} else if (S_ISLNK(st.st_mode)) {
			len = readlink(path, target, sizeof(target));
			if (len < 0 || len > EXTRA_TARGET_MAX) {
				fprintf(stderr, "pkvmctl: --extra: cannot read symlink '%s': %s\n",
				    path, len < 0 ? strerror(errno) : "target too long");
				rc = PKVM_EXIT_USAGE;
				goto next;
			}
			target[len] = '\0';
			jtarget = strpbrk(target, "\n\r") == NULL ? json_string(target) : NULL;
			if (jtarget == NULL) {
				fprintf(stderr,
				    "pkvmctl: --extra: cannot send symlink '%s': its target "
				    "is not one line of UTF-8\n",
				    path);
				rc = PKVM_EXIT_USAGE;
				goto next;
			}
			rc = walk_add(w, json_pack("{s:s, s:o}", "path", sub, "symlink", jtarget));
		} else if (S_ISREG(st.st_mode)) {
			rc = blob_set_add(w->set, path, true, "extra file");
			path = NULL; /* the set has it now */
			if (rc == 0)
				rc = walk_add(w,
				    json_pack("{s:s, s:i}", "path", sub, "mode",
					(int)(st.st_mode & 0777)));
		} else {
			fprintf(stderr,
			    "pkvmctl: --extra: cannot send '%s': it is %s (only regular "
			    "files, directories and symlinks can be)\n",
			    path, type_name(st.st_mode));
			rc = PKVM_EXIT_USAGE;
		}
	next:
		free(path);
		free(sub);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
extra_walk(const char *dir, struct blob_set *set, json_t **entries)
{
	struct walk w = { .root = dir, .set = set };
	struct stat st;
	int rc;

	*entries = NULL;
	if (stat(dir, &st) < 0) {
		fprintf(stderr, "pkvmctl: cannot open --extra directory '%s': %s\n", dir,
		    strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "pkvmctl: --extra '%s' is not a directory\n", dir);
		return PKVM_EXIT_USAGE;
	}
	w.entries = json_array();
	if (w.entries == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	rc = walk_dir(&w, dir, "");
	if (rc != 0) {
		json_decref(w.entries);
		return rc;
	}
	if (json_array_size(w.entries) == 0)
		fprintf(stderr, "pkvmctl: warning: --extra '%s' is empty\n", dir);
	*entries = w.entries;
	return 0;
}

void
extra_set_blobs(json_t *entries, const struct blob_file *files)
{
	size_t i, k = 0;
	json_t *e;

	json_array_foreach(entries, i, e)
	{
		if (json_object_get(e, "mode") != NULL)
			json_object_set_new(e, "blob", json_string(files[k++].hash));
	}
}
