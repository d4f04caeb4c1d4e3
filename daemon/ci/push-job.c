/*
 * push-job.c -- a push's files into blobs, and its job request
 * (push-job.h).
 *
 * The test executables are every regular file with an execute bit in the
 * tests directory, not recursively, in name order, so that the order the
 * guest runs them in does not depend on how the archive listed them.  The
 * project's manifest is read here, in the worker, with common/manifest.c,
 * as `pkvmctl submit --manifest` reads one: it may name only those
 * executables, and its mistakes fail the delivery with its own message.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ci/push-job.h"
#include "kernel-image.h"
#include "manifest.h"
#include "store/blobs.h"
#include "wire.h"

static int
fail(char **why, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return err;
}

void
ci_files_clear(struct ci_files *f)
{
	free(f->exes);
	json_decref(f->manifest);
	memset(f, 0, sizeof(*f));
}

static int
check_kernel(const char *path, char **why)
{
	unsigned char head[64];
	const char *refusal;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(why, -errno, "kernel '%s': %s", path, strerror(errno));
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return fail(why, -errno, "kernel '%s': %s", path, strerror(errno));
	refusal = kernel_image_refusal(kernel_image_format(head, (size_t)n));
	if (refusal != NULL)
		return fail(why, -ENOEXEC, "kernel: %s", refusal);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ci_exe *)a)->name, ((const struct ci_exe *)b)->name);
}

/* The executables of directory DIR, sorted, into F (no blobs yet). */
static int
list_tests(const char *dir, struct ci_files *f, char **why)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	int err = 0;

	if (d == NULL)
		return fail(why, -errno, "tests '%s': %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct ci_exe *nv;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
			continue;
		if (!pkvm_name_valid(de->d_name) || strlen(de->d_name) >= sizeof(nv->name)) {
			err = fail(why, -EINVAL,
			    "test '%s': a name of letters, digits, '.', '_' and '-' is needed",
			    de->d_name);
			break;
		}
		if (f->nexes == PKVM_EXES_MAX) {
			err = fail(why, -EINVAL, "tests: more than %d executables", PKVM_EXES_MAX);
			break;
		}
		if ((nv = realloc(f->exes, (f->nexes + 1) * sizeof(*nv))) == NULL) {
			err = -ENOMEM;
			break;
		}
		f->exes = nv;
		memset(&nv[f->nexes], 0, sizeof(*nv));
		strcpy(nv[f->nexes].name, de->d_name);
		f->nexes++;
	}
	closedir(d);
	if (err == 0 && f->nexes > 1)
		qsort(f->exes, f->nexes, sizeof(*f->exes), name_cmp);
	return err;
}

/* Tests that are one file (a generic tests_url that is no archive): that
 * file is the one executable, whatever its mode, unless it looks like a
 * manifest: a manifest is named by the project's 'manifest', and taking
 * one as a test would run it in the guest. */
static int
single_test(const char *path, struct ci_files *f, char **why)
{
	const char *name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(name);

	if (strstr(name, "manifest") != NULL || (n > 5 && strcmp(name + n - 5, ".json") == 0))
		return fail(why, -EINVAL,
		    "tests: '%s' looks like a manifest, not an executable: a manifest is "
		    "named by the project's 'manifest', next to 'tests'",
		    name);
	if (!pkvm_name_valid(name) || n >= sizeof(f->exes[0].name))
		return fail(why, -EINVAL,
		    "test '%s': a name of letters, digits, '.', '_' and '-' is needed", name);
	if ((f->exes = calloc(1, sizeof(*f->exes))) == NULL)
		return -ENOMEM;
	strcpy(f->exes[0].name, name);
	f->nexes = 1;
	return 0;
}

/* Read U's manifest into F, naming F's executables; its message is the
 * delivery's, naming the file as the project does, not by its place in
 * the work directory. */
static int
read_manifest(const struct ci_unpacked *u, struct ci_files *f, char **why)
{
	const char **names = calloc(f->nexes + 1, sizeof(*names));
	struct manifest_tests tests = {
		.names = names,
		.n = f->nexes,
		.unknown = f->nexes > 0 ? "not among the artifact's tests"
					: "the job has no executables: the artifact has no tests",
	};
	const char *name = u->manifest_name != NULL ? u->manifest_name : "manifest";
	FILE *mf;
	int err;

	if (names == NULL)
		return -ENOMEM;
	if ((mf = fopen(u->manifest, "re")) == NULL) {
		err = -errno;
		fail(why, err, "manifest '%s': %s", name, strerror(-err));
		free(names);
		return err;
	}
	for (size_t i = 0; i < f->nexes; i++)
		names[i] = f->exes[i].name;
	err = manifest_read(mf, name, &tests, &f->manifest, why);
	fclose(mf);
	free(names);
	return err;
}

int
ci_files_collect(struct blobs *b, const struct ci_unpacked *u, struct ci_files *out, char **why)
{
	bool tests_dir = false;
	struct stat st;
	int err;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if ((err = check_kernel(u->kernel, why)) < 0)
		return err;
	if (u->tests != NULL) {
		if (stat(u->tests, &st) != 0)
			return fail(why, -errno, "tests '%s': %s", u->tests, strerror(errno));
		tests_dir = S_ISDIR(st.st_mode);
		if (tests_dir) {
			if ((err = list_tests(u->tests, out, why)) < 0)
				goto fail;
		} else if ((err = single_test(u->tests, out, why)) < 0) {
			goto fail;
		}
	}
	if (u->manifest != NULL && (err = read_manifest(u, out, why)) < 0)
		goto fail;
	if ((err = blobs_add_file(b, u->kernel, out->kernel)) < 0) {
		fail(why, err, "storing the kernel: %s", strerror(-err));
		goto fail;
	}
	for (size_t i = 0; i < out->nexes; i++) {
		char path[4096];

		if (tests_dir)
			snprintf(path, sizeof(path), "%s/%s", u->tests, out->exes[i].name);
		else
			snprintf(path, sizeof(path), "%s", u->tests);
		if ((err = blobs_add_file(b, path, out->exes[i].blob)) < 0) {
			fail(why, err, "storing test '%s': %s", out->exes[i].name, strerror(-err));
			goto fail;
		}
	}
	return 0;
fail:
	if (err == -ENOMEM && *why == NULL)
		*why = strdup("out of memory");
	ci_files_clear(out);
	return err;
}

void
ci_tag_value(const char *ref, char *buf, size_t len)
{
	size_t n = 0;

	for (; ref[n] != '\0' && n + 1 < len; n++) {
		char c = ref[n];
		char one[2] = { c, '\0' };

		buf[n] = pkvm_tag_valid(one) ? c : '-';
	}
	buf[n] = '\0';
}

/* Append tag TAG to array A unless it holds it or is full. */
static void
add_tag(json_t *a, const char *tag)
{
	size_t i;
	json_t *v;

	if (!pkvm_tag_valid(tag) || json_array_size(a) >= PKVM_TAGS_MAX)
		return;
	json_array_foreach(a, i, v)
	{
		if (strcmp(json_string_value(v), tag) == 0)
			return;
	}
	json_array_append_new(a, json_string(tag));
}

int
ci_job_request(const struct ci_project *p, const struct ci_files *f, const char *ref,
    const char *commit, json_t *extra_tags, json_t **out, char **why)
{
	json_t *o = json_deep_copy(p->job_template), *tags = json_array(), *exes = json_array(), *v;
	char tag[PKVM_TAG_MAX + 1], value[PKVM_TAG_MAX + 1];
	size_t i;
	int r;

	*out = NULL;
	*why = NULL;
	if (o == NULL || tags == NULL || exes == NULL)
		goto nomem;
	snprintf(tag, sizeof(tag), "project:%s", p->name);
	add_tag(tags, tag);
	ci_tag_value(ref, value, sizeof(value) - strlen("branch:"));
	snprintf(tag, sizeof(tag), "branch:%s", value);
	add_tag(tags, tag);
	snprintf(tag, sizeof(tag), "commit:%.12s", commit);
	add_tag(tags, tag);
	json_array_foreach(json_object_get(p->job_template, "tags"), i, v)
	{
		if (json_is_string(v))
			add_tag(tags, json_string_value(v));
	}
	json_array_foreach(extra_tags, i, v)
	{
		if (json_is_string(v))
			add_tag(tags, json_string_value(v));
	}
	for (i = 0; i < f->nexes; i++)
		if (json_array_append_new(exes,
			json_pack("{s:s, s:s}", "name", f->exes[i].name, "blob", f->exes[i].blob)) <
		    0)
			goto nomem;
	if (json_object_set_new(o, "kernel", json_string(f->kernel)) < 0)
		goto nomem;
	/* json_object_set_new() takes the value even when it fails. */
	r = json_object_set_new(o, "tags", tags);
	tags = NULL;
	if (r < 0 || (r = json_object_set_new(o, "executables", exes), exes = NULL, r < 0))
		goto nomem;
	if (f->manifest != NULL) {
		char *from = NULL;

		if (asprintf(&from, "job_template and manifest '%s'", p->manifest) < 0)
			goto nomem;
		r = manifest_apply(o, f->manifest, from, why);
		free(from);
		if (r < 0) {
			json_decref(o);
			return r;
		}
	}
	*out = o;
	return 0;
nomem:
	json_decref(o);
	json_decref(tags);
	json_decref(exes);
	*why = strdup("out of memory");
	return -ENOMEM;
}
