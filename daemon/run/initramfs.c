/*
 * initramfs.c -- base layer cache and per-job assembly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "job/job.h"
#include "run/cpio.h"
#include "run/initramfs.h"
#include "sha256.h"
#include "store/blobs.h"

/* Inode numbers of the job layer start here so they never collide with
 * the base layer's (the kernel would take equal numbers for hard links). */
#define JOB_INO_BASE 100000

struct initramfs {
	char base[PATH_MAX];
};

static int
set_cause(char **cause, int err, const char *fmt, const char *arg)
{
	if (asprintf(cause, fmt, arg, strerror(-err)) < 0)
		*cause = NULL;
	return err;
}

static int
add_file_path(struct cpio_writer *w, const char *name, mode_t perm, const char *path)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = cpio_add_file_fd(w, name, perm, fd, (uint64_t)st.st_size);
	close(fd);
	return err;
}

static int
write_base(const char *init, const char *busybox, const char *path)
{
	static const char *const dirs[] = { "bin", "sbin", "dev", "proc", "sys", "tmp", "root",
		"etc", "mnt", "ramfs.exe", "usr", "usr/bin", "usr/sbin" };
	struct cpio_writer *w = NULL;
	char tmp[PATH_MAX];
	int fd, err;
	int64_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if ((err = cpio_writer_new(&w, fd, 1)) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((err = cpio_add_dir(w, dirs[i], 0755)) < 0)
			goto fail;
	/* The kernel opens /dev/console for init's stdio before init runs,
	 * so it must exist before devtmpfs is mounted. */
	if ((err = cpio_add_chardev(w, "dev/console", 0600, 5, 1)) < 0 ||
	    (err = add_file_path(w, "bin/busybox", 0755, busybox)) < 0 ||
	    (err = cpio_add_symlink(w, "bin/sh", "busybox")) < 0 ||
	    (err = add_file_path(w, "init", 0755, init)) < 0)
		goto fail;
	n = cpio_writer_finish(w);
	w = NULL;
	if (n < 0) {
		err = (int)n;
		goto fail;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		err = -errno;
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	cpio_writer_free(w);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}

/* Remove the base layers a killed pkvmd was writing ("*.tmp.PID"): only
 * one pkvmd owns the state directory, so none of them is anyone's now. */
static void
remove_stale_tmp(const char *cache_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dh = opendir(cache_dir);

	if (dh == NULL)
		return;
	while ((de = readdir(dh)) != NULL) {
		if (strstr(de->d_name, ".tmp.") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache_dir, de->d_name);
		unlink(path);
	}
	closedir(dh);
}

int
initramfs_new(struct initramfs **out, const char *data_dir, const char *cache_dir, char **cause)
{
	char init[PATH_MAX], busybox[PATH_MAX], hi[SHA256_HEX_LEN + 1], hb[SHA256_HEX_LEN + 1],
	    key[200], kh[SHA256_HEX_LEN + 1];
	struct initramfs *ir;
	struct sha256 *h;
	int err;

	*cause = NULL;
	snprintf(init, sizeof(init), "%s/init", data_dir);
	snprintf(busybox, sizeof(busybox), "%s/busybox", data_dir);
	if ((err = sha256_file_hex(init, hi)) < 0)
		return set_cause(cause, err,
		    "cannot read guest init '%s': %s "
		    "(pass --data-dir, or reinstall pkvmd)",
		    init);
	if ((err = sha256_file_hex(busybox, hb)) < 0)
		return set_cause(cause, err,
		    "cannot read guest busybox '%s': %s "
		    "(run scripts/fetch-guest, or pass --data-dir)",
		    busybox);
	if (mkdir(cache_dir, 0755) != 0 && errno != EEXIST)
		return set_cause(cause, -errno, "cannot create '%s': %s", cache_dir);
	remove_stale_tmp(cache_dir);

	/* The cache key covers both inputs: a new busybox or init makes a
	 * new base layer, and old ones are harmless. */
	snprintf(key, sizeof(key), "%s %s", hi, hb);
	h = sha256_new();
	if (h == NULL)
		return -ENOMEM;
	sha256_update(h, key, strlen(key));
	sha256_final_hex(h, kh);

	ir = calloc(1, sizeof(*ir));
	if (ir == NULL)
		return -ENOMEM;
	snprintf(ir->base, sizeof(ir->base), "%s/base-%.16s.cpio", cache_dir, kh);
	if (access(ir->base, R_OK) != 0) {
		err = write_base(init, busybox, ir->base);
		if (err < 0) {
			free(ir);
			return set_cause(cause, err, "cannot write the base initramfs '%s': %s",
			    init);
		}
	}
	*out = ir;
	return 0;
}

void
initramfs_free(struct initramfs *ir)
{
	free(ir);
}

static int
copy_all(int in, int out)
{
	ssize_t n;

	do {
		n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
	} while (n > 0);
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL)
		return -errno;
	/* Fall back to read/write across file systems. */
	char buf[1 << 16];
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n)
			return -EIO;
	}
	return n < 0 ? -errno : 0;
}

/* Write the lines of V (N of them) as one file, each ending in '\n'. */
static int
add_lines(struct cpio_writer *w, const char *path, char *const *v, size_t n)
{
	size_t len = 0, off = 0;
	char *buf;
	int err;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	buf = malloc(len + 1);
	if (buf == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]);

		memcpy(buf + off, v[i], l);
		off += l;
		buf[off++] = '\n';
	}
	err = cpio_add_file(w, path, 0644, buf, len);
	free(buf);
	return err;
}

/* The per-test settings /init reads (docs/GUEST.md): pkvm/test/NAME/. */
static int
add_test_settings(struct cpio_writer *w, const struct job *j)
{
	bool dir_done = false;
	char path[PATH_MAX];
	int err;

	if ((err = cpio_add_dir(w, "pkvm", 0755)) < 0)
		return err;
	for (size_t i = 0; i < j->nexes; i++) {
		const struct job_exe *x = &j->exes[i];

		if (x->nargs == 0 && x->nenv == 0 && x->timeout_s == 0)
			continue;
		if (!dir_done && (err = cpio_add_dir(w, "pkvm/test", 0755)) < 0)
			return err;
		dir_done = true;
		snprintf(path, sizeof(path), "pkvm/test/%s", x->name);
		if ((err = cpio_add_dir(w, path, 0755)) < 0)
			return err;
		if (x->nargs > 0) {
			snprintf(path, sizeof(path), "pkvm/test/%s/args", x->name);
			if ((err = add_lines(w, path, x->args, x->nargs)) < 0)
				return err;
		}
		if (x->nenv > 0) {
			snprintf(path, sizeof(path), "pkvm/test/%s/env", x->name);
			if ((err = add_lines(w, path, x->env, x->nenv)) < 0)
				return err;
		}
		if (x->timeout_s > 0) {
			char t[32];
			int n = snprintf(t, sizeof(t), "%d\n", x->timeout_s);

			snprintf(path, sizeof(path), "pkvm/test/%s/timeout", x->name);
			if ((err = cpio_add_file(w, path, 0644, t, (size_t)n)) < 0)
				return err;
		}
	}
	if (j->nmodules > 0 && (err = add_lines(w, "pkvm/modules", j->modules, j->nmodules)) < 0)
		return err;
	if (j->ncoverage_paths > 0 &&
	    (err = add_lines(w, "pkvm/coverage-paths", j->coverage_paths, j->ncoverage_paths)) < 0)
		return err;
	if (j->nstream_paths > 0 &&
	    (err = add_lines(w, "pkvm/stream-paths", j->stream_paths, j->nstream_paths)) < 0)
		return err;
	return 0;
}

static int
by_extra_path(const void *a, const void *b)
{
	return strcmp((*(const struct job_extra *const *)a)->path,
	    (*(const struct job_extra *const *)b)->path);
}

/* The --extra tree, in path order so that every directory comes before
 * what it holds; parents the client did not list are added, since the
 * kernel's unpacker creates no missing directories. */
static int
add_extra(struct cpio_writer *w, struct blobs *b, const struct job *j, char **cause)
{
	const struct job_extra **v;
	const char *prev = "";
	int err = 0;

	if (j->nextra == 0)
		return 0;
	v = calloc(j->nextra, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < j->nextra; i++)
		v[i] = &j->extra[i];
	qsort(v, j->nextra, sizeof(*v), by_extra_path);
	for (size_t i = 0; i < j->nextra && err == 0; i++) {
		const struct job_extra *x = v[i];
		char parent[PATH_MAX], blob[PATH_MAX];

		for (const char *sl = strchr(x->path, '/'); sl != NULL && err == 0;
		     sl = strchr(sl + 1, '/')) {
			size_t len = (size_t)(sl - x->path);

			/* The previous path shares this parent: it is there. */
			if (strncmp(prev, x->path, len) == 0 &&
			    (prev[len] == '/' || prev[len] == '\0'))
				continue;
			snprintf(parent, sizeof(parent), "%.*s", (int)len, x->path);
			err = cpio_add_dir(w, parent, 0755);
		}
		if (err != 0)
			break;
		switch (x->kind) {
		case EXTRA_DIR:
			err = cpio_add_dir(w, x->path, x->mode & 07777);
			break;
		case EXTRA_SYMLINK:
			err = cpio_add_symlink(w, x->path, x->target);
			break;
		case EXTRA_FILE:
			blobs_path(b, x->blob, blob, sizeof(blob));
			err = add_file_path(w, x->path, x->mode & 07777, blob);
			if (err < 0)
				set_cause(cause, err, "cannot add extra file '%s': %s", x->path);
			break;
		}
		prev = x->path;
	}
	free(v);
	return err;
}

/* Job J's own files into W: /ramfs.exe with its tests, their settings
 * under /pkvm, and with EXTRA its --extra tree. */
static int
add_job_layer(struct cpio_writer *w, struct blobs *b, const struct job *j, bool extra, char **cause)
{
	int err;

	if ((err = cpio_add_dir(w, "ramfs.exe", 0755)) < 0)
		return err;
	for (size_t i = 0; i < j->nexes; i++) {
		char name[PATH_MAX], blob[PATH_MAX];

		snprintf(name, sizeof(name), "ramfs.exe/%s", j->exes[i].name);
		blobs_path(b, j->exes[i].blob, blob, sizeof(blob));
		if ((err = add_file_path(w, name, j->exes[i].mode & 07777, blob)) < 0)
			return set_cause(cause, err, "cannot add test executable '%s': %s",
			    j->exes[i].name);
	}
	if ((err = add_test_settings(w, j)) < 0)
		return err;
	return extra ? add_extra(w, b, j, cause) : 0;
}

int
initramfs_build_job(const struct initramfs *ir, struct blobs *b, const struct job *j,
    const char *path, char **cause)
{
	struct cpio_writer *w = NULL;
	int in = -1, out = -1, err;
	int64_t n;

	*cause = NULL;
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return set_cause(cause, -errno, "cannot create initrd '%s': %s", path);
	in = open(ir->base, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		err = set_cause(cause, -errno, "cannot open base initramfs '%s': %s", ir->base);
		goto fail;
	}
	if ((err = copy_all(in, out)) < 0) {
		set_cause(cause, err, "cannot copy base initramfs '%s': %s", ir->base);
		goto fail;
	}
	close(in);
	in = -1;
	if ((err = cpio_writer_new(&w, out, JOB_INO_BASE)) < 0)
		goto fail_io;
	if ((err = add_job_layer(w, b, j, true, cause)) < 0) {
		if (*cause != NULL)
			goto fail;
		goto fail_io;
	}
	n = cpio_writer_finish(w);
	w = NULL;
	if (n < 0) {
		err = (int)n;
		goto fail_io;
	}
	if (close(out) != 0) {
		out = -1;
		err = -errno;
		goto fail_io;
	}
	return 0;
fail_io:
	set_cause(cause, err, "cannot write initrd '%s': %s", path);
fail:
	cpio_writer_free(w);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	unlink(path);
	return err;
}

const char *
initramfs_base_path(const struct initramfs *ir)
{
	return ir->base;
}

int
initramfs_build_warm_layer(struct blobs *b, const struct job *j, const char *cmdline,
    const char *path, char **cause)
{
	struct cpio_writer *w = NULL;
	unsigned char entropy[64];
	char clock[32];
	int out, err, n;
	int64_t size;

	*cause = NULL;
	if (getrandom(entropy, sizeof(entropy), 0) != (ssize_t)sizeof(entropy))
		return set_cause(cause, -EIO, "cannot get random bytes for '%s': %s", path);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return set_cause(cause, -errno, "cannot create '%s': %s", path);
	n = snprintf(clock, sizeof(clock), "%lld\n", (long long)time(NULL));
	if ((err = cpio_writer_new(&w, out, JOB_INO_BASE)) < 0 ||
	    (err = add_job_layer(w, b, j, false, cause)) < 0 ||
	    (err = cpio_add_file(w, "pkvm/cmdline", 0644, cmdline, strlen(cmdline))) < 0 ||
	    (err = cpio_add_file(w, "pkvm/entropy", 0600, entropy, sizeof(entropy))) < 0 ||
	    (err = cpio_add_file(w, "pkvm/clock", 0644, clock, (size_t)n)) < 0)
		goto fail;
	size = cpio_writer_finish(w);
	w = NULL;
	if (size < 0) {
		err = (int)size;
		goto fail;
	}
	if (close(out) != 0) {
		out = -1;
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	if (*cause == NULL)
		set_cause(cause, err, "cannot write '%s': %s", path);
	cpio_writer_free(w);
	if (out >= 0)
		close(out);
	unlink(path);
	return err;
}
