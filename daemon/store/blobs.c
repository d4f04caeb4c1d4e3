/*
 * blobs.c -- blob files on disk and uploads through the thread pool.
 *
 * Layout: DIR/ab/abcdef... (whole blobs), DIR/tmp/ (uploads being
 * written), DIR/trash/ (blobs the collector retired, deleted by a worker
 * next).  Both tmp/ and trash/ are emptied when the store is opened.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "store/blobs.h"

struct blobs {
	char *dir;
};

struct blob_upload {
	struct blobs *b;
	uv_loop_t *loop;
	uv_work_t work;
	char hex[SHA256_HEX_LEN + 1];
	char tmp[PATH_MAX];
	char final[PATH_MAX];
	int fd;
	struct sha256 *hash;
	uint64_t size_bytes; /* announced */
	uint64_t got_bytes; /* written and hashed so far */
	char *buf; /* the next chunk, for the worker to write */
	size_t buf_bytes;
	bool finishing;
	bool busy;
	bool aborted;
	int status;
	blob_upload_cb cb;
	void *arg;
};

static int
mkdir_p(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

/* Unlink every file of directory PATH, adding what went to *FILES and
 * *BYTES (either may be NULL). */
static int
empty_dir(const char *path, uint64_t *files, uint64_t *bytes)
{
	DIR *dh = opendir(path);
	struct dirent *de;
	struct stat st;
	int err = 0;

	if (dh == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dh)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (unlinkat(dirfd(dh), de->d_name, 0) != 0) {
			err = -errno;
			continue;
		}
		if (files != NULL)
			(*files)++;
		if (bytes != NULL)
			*bytes += (uint64_t)st.st_blocks * 512;
	}
	closedir(dh);
	return err;
}

int
blobs_new(struct blobs **out, const char *dir)
{
	struct blobs *b;
	char tmp[PATH_MAX], trash[PATH_MAX];
	int err;

	if ((err = mkdir_p(dir)) < 0)
		return err;
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	snprintf(trash, sizeof(trash), "%s/trash", dir);
	if ((err = mkdir_p(tmp)) < 0 || (err = mkdir_p(trash)) < 0)
		return err;
	/* Temporary files belong to uploads that died with a previous
	 * daemon: they are never whole, so they go; and so does what the
	 * collector retired but a previous daemon did not delete. */
	empty_dir(tmp, NULL, NULL);
	empty_dir(trash, NULL, NULL);
	b = calloc(1, sizeof(*b));
	if (b == NULL || (b->dir = strdup(dir)) == NULL) {
		free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void
blobs_free(struct blobs *b)
{
	if (b == NULL)
		return;
	free(b->dir);
	free(b);
}

void
blobs_path(struct blobs *b, const char *hex, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%.2s/%s", b->dir, hex, hex);
}

int
blobs_size(struct blobs *b, const char *hex, uint64_t *size)
{
	char path[PATH_MAX];
	struct stat st;

	blobs_path(b, hex, path, sizeof(path));
	if (stat(path, &st) != 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* The walk reads the 256 fan-out directories and stats every blob: about
 * a microsecond a blob from the page cache, some 10 ms for 10000 blobs,
 * so callers run it on the thread pool (it only reads).  A running total
 * would be cheaper but would have to follow every writer and every
 * remover of blob files. */
int
blobs_usage(struct blobs *b, uint64_t *count, uint64_t *bytes)
{
	DIR *top, *sub;
	struct dirent *de, *fe;
	struct stat st;
	int fd;

	*count = 0;
	*bytes = 0;
	if ((top = opendir(b->dir)) == NULL)
		return -errno;
	while ((de = readdir(top)) != NULL) {
		/* Blobs live in two-hex-digit directories; tmp/ holds uploads
		 * that are not blobs yet. */
		if (strlen(de->d_name) != 2 || strspn(de->d_name, "0123456789abcdef") != 2)
			continue;
		fd = openat(dirfd(top), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (sub = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((fe = readdir(sub)) != NULL) {
			if (fe->d_name[0] == '.' ||
			    fstatat(dirfd(sub), fe->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			(*count)++;
			*bytes += (uint64_t)st.st_size;
		}
		closedir(sub);
	}
	closedir(top);
	return 0;
}

ssize_t
blobs_read_head(struct blobs *b, const char *hex, void *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	blobs_path(b, hex, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, 0);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

int
blob_upload_begin(struct blobs *b, uv_loop_t *loop, const char *hex, uint64_t size,
    struct blob_upload **out)
{
	struct blob_upload *up = calloc(1, sizeof(*up));
	static unsigned counter;

	if (up == NULL)
		return -ENOMEM;
	up->b = b;
	up->loop = loop;
	memcpy(up->hex, hex, SHA256_HEX_LEN + 1);
	up->size_bytes = size;
	snprintf(up->tmp, sizeof(up->tmp), "%s/tmp/%s.%d.%u", b->dir, hex, (int)getpid(),
	    counter++);
	blobs_path(b, hex, up->final, sizeof(up->final));
	up->fd = open(up->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (up->fd < 0) {
		int err = -errno;
		free(up);
		return err;
	}
	up->hash = sha256_new();
	if (up->hash == NULL) {
		close(up->fd);
		unlink(up->tmp);
		free(up);
		return -ENOMEM;
	}
	up->work.data = up;
	*out = up;
	return 0;
}

static void
upload_free(struct blob_upload *up)
{
	if (up->fd >= 0)
		close(up->fd);
	if (up->tmp[0] != '\0')
		unlink(up->tmp);
	sha256_free(up->hash);
	free(up->buf);
	free(up);
}

/* Worker thread: write and hash the pending bytes; on finish, verify and
 * move into place. */
static void
upload_work(uv_work_t *w)
{
	struct blob_upload *up = w->data;
	size_t off = 0;

	while (off < up->buf_bytes) {
		ssize_t n = write(up->fd, up->buf + off, up->buf_bytes - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			up->status = -errno;
			return;
		}
		off += (size_t)n;
	}
	sha256_update(up->hash, up->buf, up->buf_bytes);
	up->got_bytes += up->buf_bytes;
	if (!up->finishing)
		return;

	char hex[SHA256_HEX_LEN + 1], dir[PATH_MAX];
	sha256_final_hex(up->hash, hex);
	up->hash = NULL;
	if (up->got_bytes != up->size_bytes || strcmp(hex, up->hex) != 0) {
		up->status = -EBADMSG;
		return;
	}
	if (fdatasync(up->fd) != 0) {
		up->status = -errno;
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%.2s", up->b->dir, up->hex);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		up->status = -errno;
		return;
	}
	/* Two clients may upload the same blob at once: rename is atomic
	 * and both files are identical, so the last one wins harmlessly. */
	if (rename(up->tmp, up->final) != 0) {
		up->status = -errno;
		return;
	}
	up->tmp[0] = '\0';
}

static void
upload_after(uv_work_t *w, int status)
{
	struct blob_upload *up = w->data;
	blob_upload_cb cb = up->cb;
	void *arg = up->arg;
	int st = status < 0 ? status : up->status;

	up->busy = false;
	free(up->buf);
	up->buf = NULL;
	up->buf_bytes = 0;
	if (up->aborted) {
		upload_free(up);
		return;
	}
	if (up->finishing) {
		upload_free(up);
		cb(arg, st);
		return;
	}
	cb(arg, st);
}

int
blob_upload_write(struct blob_upload *up, const void *data, size_t len, blob_upload_cb cb,
    void *arg)
{
	if (up->busy)
		return -EBUSY;
	if (up->status != 0)
		return up->status;
	if (up->got_bytes + len > up->size_bytes)
		return -EFBIG;
	up->buf = malloc(len);
	if (up->buf == NULL)
		return -ENOMEM;
	memcpy(up->buf, data, len);
	up->buf_bytes = len;
	up->cb = cb;
	up->arg = arg;
	up->busy = true;
	return uv_queue_work(up->loop, &up->work, upload_work, upload_after);
}

void
blob_upload_finish(struct blob_upload *up, blob_upload_cb cb, void *arg)
{
	up->finishing = true;
	up->cb = cb;
	up->arg = arg;
	up->busy = true;
	if (up->status != 0) {
		int st = up->status;
		upload_free(up);
		cb(arg, st);
		return;
	}
	uv_queue_work(up->loop, &up->work, upload_work, upload_after);
}

void
blob_upload_abort(struct blob_upload *up)
{
	if (up->busy) {
		up->aborted = true;
		return;
	}
	upload_free(up);
}

/* ---- collection ------------------------------------------------------------- */

static bool
is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[len] == '\0';
}

static int64_t
mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* Add the blobs of the fan-out directory SUB (two hex digits) to the list. */
static int
list_sub(int dirfd_, const char *sub, struct blob_entry **list, size_t *n, size_t *cap)
{
	int fd = openat(dirfd_, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	struct stat st;

	if (dh == NULL) {
		if (fd >= 0)
			close(fd);
		return errno == ENOENT ? 0 : -errno;
	}
	while ((de = readdir(dh)) != NULL) {
		struct blob_entry *e;

		/* Only names a blob can have, in the directory of its first
		 * two digits: anything else is not the store's. */
		if (!is_hex(de->d_name, SHA256_HEX_LEN) || strncmp(de->d_name, sub, 2) != 0 ||
		    fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct blob_entry *nl = realloc(*list, ncap * sizeof(*nl));

			if (nl == NULL) {
				closedir(dh);
				return -ENOMEM;
			}
			*list = nl;
			*cap = ncap;
		}
		e = &(*list)[(*n)++];
		memcpy(e->hex, de->d_name, SHA256_HEX_LEN + 1);
		e->bytes = (uint64_t)st.st_blocks * 512;
		e->mtime_ms = mtime_ms(&st);
	}
	closedir(dh);
	return 0;
}

int
blobs_list(struct blobs *b, struct blob_entry **out, size_t *n)
{
	struct blob_entry *list = NULL;
	size_t cap = 0;
	DIR *dh = opendir(b->dir);
	struct dirent *de;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (dh == NULL)
		return -errno;
	while (err == 0 && (de = readdir(dh)) != NULL)
		if (is_hex(de->d_name, 2))
			err = list_sub(dirfd(dh), de->d_name, &list, n, &cap);
	closedir(dh);
	if (err < 0) {
		free(list);
		*n = 0;
		return err;
	}
	*out = list;
	return 0;
}

int
blobs_retire(struct blobs *b, const char *hex, int64_t before_ms, uint64_t *bytes)
{
	char path[PATH_MAX], trash[PATH_MAX];
	struct stat st;

	blobs_path(b, hex, path, sizeof(path));
	snprintf(trash, sizeof(trash), "%s/trash/%s", b->dir, hex);
	if (stat(path, &st) != 0)
		return -errno;
	if (mtime_ms(&st) >= before_ms)
		return -EBUSY;
	if (rename(path, trash) != 0)
		return -errno;
	/* An upload of the same blob may have been renamed into place by a
	 * worker between the stat and the rename: then the file moved is the
	 * fresh one, and it goes back. */
	if (stat(trash, &st) == 0 && mtime_ms(&st) >= before_ms) {
		rename(trash, path);
		return -EBUSY;
	}
	*bytes = (uint64_t)st.st_blocks * 512;
	return 0;
}

int
blobs_trash_empty(struct blobs *b, uint64_t *files, uint64_t *bytes)
{
	char trash[PATH_MAX];

	snprintf(trash, sizeof(trash), "%s/trash", b->dir);
	return empty_dir(trash, files, bytes);
}

int
blobs_touch(struct blobs *b, const char *hex)
{
	char path[PATH_MAX];

	blobs_path(b, hex, path, sizeof(path));
	return utimensat(AT_FDCWD, path, NULL, 0) == 0 ? 0 : -errno;
}

int
blobs_add_file(struct blobs *b, const char *path, char hex[SHA256_HEX_LEN + 1])
{
	char dir[PATH_MAX], final[PATH_MAX];
	struct stat st;
	int err, fd;

	if ((err = sha256_file_hex(path, hex)) < 0)
		return err;
	blobs_path(b, hex, final, sizeof(final));
	if (stat(final, &st) == 0) {
		unlink(path);
		return blobs_touch(b, hex);
	}
	/* The bytes must be on disk before the name is: a blob file that
	 * exists is whole, also after a power cut. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	err = fdatasync(fd) == 0 ? 0 : -errno;
	close(fd);
	if (err < 0)
		return err;
	snprintf(dir, sizeof(dir), "%s/%.2s", b->dir, hex);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	if (chmod(path, 0644) != 0 || rename(path, final) != 0)
		return -errno;
	return 0;
}
