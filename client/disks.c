/*
 * disks.c -- --disk, --root and --keep-disk of pkvmctl submit (see disks.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-image.h"
#include "disks.h"

/* Is the file at PATH a disk image qemu may attach?  0, or the exit code
 * after saying why not. */
static int
check_file(const char *path)
{
	unsigned char head[DISK_IMAGE_HEAD_BYTES];
	const char *why;
	struct stat st;
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "pkvmctl: cannot open disk '%s': %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return PKVM_EXIT_USAGE;
	}
	if (S_ISREG(st.st_mode))
		n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "pkvmctl: cannot use disk '%s': not a regular file\n", path);
		return PKVM_EXIT_USAGE;
	}
	if (n < 0) {
		fprintf(stderr, "pkvmctl: cannot read disk '%s': %s\n", path, strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	if (disk_image_check(head, (size_t)n, (uint64_t)st.st_size, &why) == DISK_UNKNOWN) {
		fprintf(stderr, "pkvmctl: disk '%s' %s\n", path, why);
		return PKVM_EXIT_USAGE;
	}
	return 0;
}

int
disks_add(struct submit_disks *d, const char *value)
{
	size_t len = strlen(value);
	bool ro = len > 3 && strcmp(value + len - 3, ",ro") == 0;
	char *path;
	int rc;

	if (d->n >= PKVM_DISKS_MAX) {
		fprintf(stderr, "pkvmctl: too many disks (at most %d)\n", PKVM_DISKS_MAX);
		return PKVM_EXIT_USAGE;
	}
	if ((path = strndup(value, ro ? len - 3 : len)) == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	if ((rc = check_file(path)) != 0) {
		free(path);
		return rc;
	}
	d->path[d->n] = path;
	d->readonly[d->n++] = ro;
	return 0;
}

int
disks_check(const struct submit_disks *d, size_t nexes)
{
	bool writable = false;

	for (size_t i = 0; i < d->n; i++)
		writable = writable || !d->readonly[i];
	if (d->root != NULL && d->n == 0) {
		fprintf(stderr,
		    "pkvmctl: --root %s names a device of the job's disks: give --disk\n", d->root);
		return PKVM_EXIT_USAGE;
	}
	if (d->root != NULL && nexes > 0) {
		fprintf(stderr,
		    "pkvmctl: --root boots the disk's own system, which runs its own "
		    "tests (pkvm-agent, docs/DISKS.md): --exe tests would never run\n");
		return PKVM_EXIT_USAGE;
	}
	if (d->keep && !writable) {
		fprintf(stderr,
		    "pkvmctl: --keep-disk keeps the overlay of a writable disk, and "
		    "every --disk is read-only (,ro)\n");
		return PKVM_EXIT_USAGE;
	}
	return 0;
}

int
disks_add_blobs(struct submit_disks *d, struct blob_set *set)
{
	int rc = 0;

	d->first = set->n;
	for (size_t i = 0; rc == 0 && i < d->n; i++)
		rc = blob_set_add(set, (char *)d->path[i], false, "disk");
	return rc;
}

void
disks_set_body(const struct submit_disks *d, const struct blob_set *set, json_t *body)
{
	json_t *a;

	if (d->n == 0)
		return;
	a = json_array();
	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:b}", "blob", set->v[d->first + i].hash, "readonly",
			d->readonly[i]));
	json_object_set_new(body, "disks", a);
	if (d->root != NULL)
		json_object_set_new(body, "root", json_string(d->root));
	if (d->keep)
		json_object_set_new(body, "keep_disk", json_true());
}

void
disks_free(struct submit_disks *d)
{
	for (size_t i = 0; i < d->n; i++)
		free((char *)d->path[i]);
	d->n = 0;
}
