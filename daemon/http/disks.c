/*
 * disks.c -- GET /v1/jobs/{id}/disks/{name}: a kept disk overlay.
 *
 * A job submitted with keep_disk keeps each writable disk's qcow2 overlay
 * in its directory (disk-vda.qcow2, ...: run/disks.h), holding only what
 * the guest wrote, with the disk's blob as its backing file.  This serves
 * one, by the guest's name of its disk ("vda"), once the job is done: the
 * overlay of a running job is still being written.  The file is sent by
 * MHD from the descriptor (sendfile), never read into memory; a pruned job
 * answers 410 like its other files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"
#include "http/handlers.h"
#include "run/disks.h"
#include "store/store.h"

void
http_job_disk_get(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *name = http_request_param(req, "name");
	char dir[PATH_MAX], path[PATH_MAX + 32], dev[8];
	struct job *j;
	struct stat st;
	size_t i;
	int64_t id;
	int fd;

	if (!http_job_id_param(req, &id) || (j = http_job_load(req, id)) == NULL)
		return;
	for (i = 0; i < j->ndisks; i++) {
		disks_device_name(i, dev);
		if (strcmp(dev, name) == 0)
			break;
	}
	if (i == j->ndisks || j->disks[i].readonly || !j->keep_disk) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, "name",
		    "job %lld keeps no overlay of a disk '%.16s': only its writable disks "
		    "(vda, vdb, ...) with keep_disk",
		    (long long)id, name);
		goto out;
	}
	if (j->state != JOB_DONE) {
		http_reply_error(req, HTTP_ERR_CONFLICT, "name",
		    "job %lld is not done: its disk %s is still being written", (long long)id,
		    name);
		goto out;
	}
	if (http_reply_if_pruned(req, j))
		goto out;
	paths_job_dir(d->state_dir, id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/disk-%s.qcow2", dir, dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		/* A job that ended before qemu started made no overlay. */
		http_reply_error(req, HTTP_ERR_NOT_FOUND, "name",
		    "job %lld has no overlay of disk %s (it ended before its guest started)",
		    (long long)id, dev);
		goto out;
	}
	http_reply_fd(req, 200, "application/octet-stream", fd, (uint64_t)st.st_size);
out:
	job_free(j);
}
