/*
 * disks.c -- overlays for a job's writable disks (see disks.h).
 *
 * qemu-img runs as a plain child of the preparation worker: spawned with
 * posix_spawn, its stderr read through a pipe (its last line is the
 * reason when it fails), and waited for by its pid.  libuv reaps only the
 * children it spawned, so it never takes this one's status.  The blob's
 * header is checked again before anything is made: the store's file is
 * what qemu opens, whatever the submit saw.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disk-image.h"
#include "job/job.h"
#include "run/disks.h"
#include "store/blobs.h"

extern char **environ;

/* How much of qemu-img's stderr is kept for the reason. */
#define ERR_TAIL_BYTES 1024

void
disks_device_name(size_t i, char name[8])
{
	/* virtio-blk devices are named in the order their PCI slots are
	 * probed, which is the order of -device on the command line. */
	snprintf(name, 8, "vd%c", (char)('a' + (int)(i % 26)));
}

/* Read FD to its end, keeping the last bytes (without a trailing newline)
 * in TAIL. */
static void
read_tail(int fd, char tail[ERR_TAIL_BYTES])
{
	char buf[ERR_TAIL_BYTES / 2];
	size_t len = 0, drop;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* BUF is half of TAIL: dropping from the front makes room. */
		if (len + (size_t)n > ERR_TAIL_BYTES - 1) {
			drop = len + (size_t)n - (ERR_TAIL_BYTES - 1);
			memmove(tail, tail + drop, len - drop);
			len -= drop;
		}
		memcpy(tail + len, buf, (size_t)n);
		len += (size_t)n;
	}
	while (len > 0 && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
		len--;
	tail[len] = '\0';
}

/* Run QEMU_IMG with ARGV (ARGV[0] is it) to its end: 0, or negative errno
 * with *CAUSE saying which WHAT failed and qemu-img's last words. */
static int
qemu_img_run(const char *qemu_img, char **argv, const char *what, char **cause)
{
	posix_spawn_file_actions_t fa;
	char tail[ERR_TAIL_BYTES];
	int pipefd[2], status, err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	err = posix_spawnp(&pid, qemu_img, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err != 0) {
		close(pipefd[0]);
		if (asprintf(cause, "cannot run %s (pkvmd --qemu-img): %s", qemu_img,
			strerror(err)) < 0)
			*cause = NULL;
		return -err;
	}
	read_tail(pipefd[0], tail);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			if (asprintf(cause, "waiting for %s: %s", qemu_img, strerror(errno)) < 0)
				*cause = NULL;
			return -ECHILD;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (asprintf(cause, "%s %s failed%s%s", qemu_img, what, tail[0] ? ": " : "", tail) < 0)
		*cause = NULL;
	return -EIO;
}

/* qemu-img create -f qcow2 -b BACKING -F FORMAT OVERLAY: 0, or negative
 * errno with *CAUSE. */
static int
make_overlay(const char *qemu_img, const char *backing, const char *format, const char *overlay,
    char **cause)
{
	char *argv[] = { (char *)qemu_img, "create", "-q", "-f", "qcow2", "-b", (char *)backing,
		"-F", (char *)format, (char *)overlay, NULL };
	char what[PATH_MAX + 64];

	snprintf(what, sizeof(what), "create of the disk overlay %s", overlay);
	return qemu_img_run(qemu_img, argv, what, cause);
}

int
disks_rebase(const char *qemu_img, struct run_disk *d, const char *backing, const char *format,
    char **cause)
{
	/* -u: only the header changes; the new backing file is a copy of
	 * the old one, so no cluster needs comparing. */
	char *argv[] = { (char *)qemu_img, "rebase", "-q", "-u", "-f", "qcow2", "-b",
		(char *)backing, "-F", (char *)format, d->path, NULL };
	char what[PATH_MAX + 64];
	int err;

	snprintf(what, sizeof(what), "rebase of the disk overlay %s", d->path);
	if ((err = qemu_img_run(qemu_img, argv, what, cause)) == 0)
		snprintf(d->backing, sizeof(d->backing), "%s", backing);
	return err;
}

/* The blob of disk D must still be what the submit accepted. */
static int
recheck(const char *path, const struct job_disk *d, size_t i, char **cause)
{
	unsigned char head[DISK_IMAGE_HEAD_BYTES];
	const char *why = "cannot be read";
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = pread(fd, head, sizeof(head), 0);
		close(fd);
	}
	if (n >= 0 && disk_image_check(head, (size_t)n, d->size, &why) == d->format)
		return 0;
	if (asprintf(cause, "disk %zu (blob %.12s) %s", i + 1, d->blob,
		why ? why : "changed format since the job was submitted") < 0)
		*cause = NULL;
	return -EINVAL;
}

int
disks_prepare(const char *qemu_img, struct blobs *b, const struct job *j, const char *jobdir,
    struct run_disk *out, char **cause)
{
	char name[8];
	int err;

	*cause = NULL;
	memset(out, 0, j->ndisks * sizeof(*out));
	for (size_t i = 0; i < j->ndisks; i++) {
		const struct job_disk *d = &j->disks[i];
		struct run_disk *r = &out[i];
		char blob[PATH_MAX];

		blobs_path(b, d->blob, blob, sizeof(blob));
		if ((err = recheck(blob, d, i, cause)) < 0)
			goto fail;
		r->readonly = d->readonly;
		if (d->readonly) {
			snprintf(r->path, sizeof(r->path), "%s", blob);
			r->format = disk_format_name(d->format);
			continue;
		}
		disks_device_name(i, name);
		snprintf(r->path, sizeof(r->path), "%s/disk-%s.qcow2", jobdir, name);
		/* An overlay's relative backing path would be taken from the
		 * overlay's directory, not ours: it gets the absolute one. */
		if (realpath(blob, r->backing) == NULL) {
			err = -errno;
			if (asprintf(cause, "disk %zu: %s: %s", i + 1, blob, strerror(-err)) < 0)
				*cause = NULL;
			goto fail;
		}
		r->format = "qcow2";
		/* An earlier attempt's overlay holds that attempt's writes. */
		unlink(r->path);
		err = make_overlay(qemu_img, r->backing, disk_format_name(d->format), r->path,
		    cause);
		if (err < 0) {
			unlink(r->path);
			goto fail;
		}
		r->overlay = true;
	}
	return 0;
fail:
	disks_cleanup(out, j->ndisks, false);
	return err;
}

void
disks_cleanup(const struct run_disk *d, size_t n, bool keep)
{
	if (keep)
		return;
	for (size_t i = 0; i < n; i++)
		if (d[i].overlay)
			unlink(d[i].path);
}
