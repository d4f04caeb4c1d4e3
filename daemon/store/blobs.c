/*
 * blobs.c -- blob files on disk and uploads through the thread pool.
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

int
blobs_new(struct blobs **out, const char *dir)
{
	struct blobs *b;
	char tmp[PATH_MAX];
	DIR *dh;
	struct dirent *de;
	int err;

	if ((err = mkdir_p(dir)) < 0)
		return err;
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	if ((err = mkdir_p(tmp)) < 0)
		return err;
	/* Temporary files belong to uploads that died with a previous
	 * daemon: they are never whole, so they go. */
	dh = opendir(tmp);
	if (dh != NULL) {
		while ((de = readdir(dh)) != NULL) {
			if (de->d_name[0] != '.')
				unlinkat(dirfd(dh), de->d_name, 0);
		}
		closedir(dh);
	}
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
 * a microsecond a blob from the page cache, so a scrape of a store of 10000
 * blobs spends some 10 ms here.  A running total would be cheaper but
 * would have to follow every writer and every remover of blob files. */
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
