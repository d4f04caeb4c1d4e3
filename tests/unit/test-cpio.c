/*
 * test-cpio.c -- the newc writer, checked by an independent reader.
 *
 * Archives are written into a temporary directory and read back with GNU
 * cpio: `cpio -it` for the names, `cpio -itv` for types, sizes, device
 * numbers and link targets, and `cpio -id` to extract files whose bytes are
 * then compared with what went in.  Only the fixed header fields that cpio
 * does not show (inode, mtime) are looked at by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/cpio.h"
#include "unit.h"

static char tmpdir[] = "/tmp/pkvm-test-cpio-XXXXXX";

/* Run CMD through sh and return its whole stdout (NULL if it failed). */
static char *
capture(const char *cmd)
{
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	FILE *f = popen(cmd, "r");
	size_t n;

	if (f == NULL || out == NULL) {
		free(out);
		if (f != NULL)
			pclose(f);
		return NULL;
	}
	while ((n = fread(out + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(out, cap * 2);
			if (bigger == NULL)
				break;
			out = bigger;
			cap *= 2;
		}
	}
	out[len] = '\0';
	if (pclose(f) != 0) {
		printf("#   command failed: %s\n", cmd);
		free(out);
		return NULL;
	}
	return out;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL)
		*len = (size_t)n;
	return buf;
}

static int
open_out(const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", tmpdir, name);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static bool
file_equals(const char *path, const void *data, size_t len)
{
	size_t got = 0;
	char *buf = read_all(path, &got);
	bool same = buf != NULL && got == len && memcmp(buf, data, len) == 0;

	if (!same)
		printf("#   %s: %zu bytes, expected %zu\n", path, got, len);
	free(buf);
	return same;
}

/* The 8-hex-digit header field number I (0 = c_ino) of the entry at HDR. */
static unsigned long
header_field(const char *hdr, int i)
{
	char f[9];

	memcpy(f, hdr + 6 + 8 * i, 8);
	f[8] = '\0';
	return strtoul(f, NULL, 16);
}

static const char hello[] = "#!/bin/sh\necho hello\n";

/* Write the small tree most tests read back; returns finish()'s result. */
static int64_t
write_small_tree(int fd, uint32_t ino_base)
{
	struct cpio_writer *w;

	CHECK_INT(cpio_writer_new(&w, fd, ino_base), 0);
	CHECK_INT(cpio_add_dir(w, "bin", 0755), 0);
	CHECK_INT(cpio_add_file(w, "bin/hello", 0755, hello, strlen(hello)), 0);
	CHECK_INT(cpio_add_dir(w, "etc", 0755), 0);
	CHECK_INT(cpio_add_file(w, "etc/empty", 0644, NULL, 0), 0);
	CHECK_INT(cpio_add_symlink(w, "init", "bin/busybox"), 0);
	CHECK_INT(cpio_add_dir(w, "dev", 0755), 0);
	CHECK_INT(cpio_add_chardev(w, "dev/console", 0600, 5, 1), 0);
	return cpio_writer_finish(w);
}

static void
test_names_types_and_contents(void)
{
	char path[512], cmd[1024], *out;
	struct stat st;
	int64_t n;
	int fd;

	fd = open_out("small.cpio", path, sizeof(path));
	CHECK(fd >= 0);
	n = write_small_tree(fd, 100);
	close(fd);
	CHECK(stat(path, &st) == 0);
	CHECK_INT(n, st.st_size);
	CHECK_INT(n % 4, 0);

	snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s", path);
	out = capture(cmd);
	CHECK_STR(out,
	    "bin\nbin/hello\netc\netc/empty\ninit\ndev\n"
	    "dev/console\n");
	free(out);

	/* -itv: types, permissions, owners, sizes, link target, devices. */
	snprintf(cmd, sizeof(cmd),
	    "cpio -itv --quiet < %s | "
	    "awk '{ $4 = $4; print $1, $2, $3, $4, $5, $6, $NF }' | "
	    "sed 's/ *$//'",
	    path);
	out = capture(cmd);
	CHECK(out != NULL);
	if (out != NULL) {
		CHECK(strstr(out, "drwxr-xr-x 2 root root 0 ") != NULL);
		CHECK(strstr(out, "-rwxr-xr-x 1 root root 21 ") != NULL);
		CHECK(strstr(out, "-rw-r--r-- 1 root root 0 ") != NULL);
		CHECK(strstr(out, "crw------- 1 root root 5, 1 ") != NULL);
		if (strstr(out, "crw------- 1 root root 5, 1 ") == NULL)
			printf("#   %s", out);
	}
	free(out);
	snprintf(cmd, sizeof(cmd), "cpio -itv --quiet < %s | grep '^l'", path);
	out = capture(cmd);
	CHECK(out != NULL && strstr(out, "init -> bin/busybox\n") != NULL);
	free(out);

	/* Extract everything but the device node (mknod may be denied). */
	snprintf(cmd, sizeof(cmd),
	    "mkdir -p %s/x && cd %s/x && "
	    "cpio -id --quiet -f 'dev/console' < %s",
	    tmpdir, tmpdir, path);
	CHECK_INT(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/x/bin/hello", tmpdir);
	CHECK(file_equals(path, hello, strlen(hello)));
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0755);
	snprintf(path, sizeof(path), "%s/x/etc/empty", tmpdir);
	CHECK(file_equals(path, "", 0));
	snprintf(path, sizeof(path), "%s/x/init", tmpdir);
	{
		char target[64] = "";
		ssize_t r = readlink(path, target, sizeof(target) - 1);
		CHECK_INT(r, strlen("bin/busybox"));
		CHECK_STR(target, "bin/busybox");
	}
}

static void
test_header_fields_are_fixed(void)
{
	char path[512], *a, *b;
	size_t alen = 0, blen = 0, off;
	unsigned long ino = 100;
	int fd;

	fd = open_out("a.cpio", path, sizeof(path));
	write_small_tree(fd, 100);
	close(fd);
	a = read_all(path, &alen);
	fd = open_out("b.cpio", path, sizeof(path));
	write_small_tree(fd, 100);
	close(fd);
	b = read_all(path, &blen);
	/* The same input gives the same bytes. */
	CHECK(a != NULL && b != NULL && alen == blen && memcmp(a, b, alen) == 0);
	/* Walk the headers: magic, inode numbers counting up, mtime 0. */
	for (off = 0; a != NULL && off + 110 <= alen;) {
		unsigned long size, namesize;
		const char *name = a + off + 110;

		CHECK(memcmp(a + off, "070701", 6) == 0);
		size = header_field(a + off, 6);
		namesize = header_field(a + off, 11);
		CHECK_INT(header_field(a + off, 5), 0); /* mtime */
		CHECK_INT(header_field(a + off, 2), 0); /* uid */
		CHECK_INT(header_field(a + off, 3), 0); /* gid */
		CHECK_INT(header_field(a + off, 12), 0); /* check */
		if (strcmp(name, "TRAILER!!!") == 0) {
			off += (110 + namesize + 3) & ~3ul;
			break;
		}
		CHECK_INT(header_field(a + off, 0), ino++);
		off = (off + 110 + namesize + 3) & ~3ul;
		off = (off + size + 3) & ~3ul;
	}
	CHECK_INT(ino, 107);
	CHECK_INT(off, alen);
	free(a);
	free(b);
}

/* A file of SIZE pseudo-random bytes at PATH; returns its contents. */
static char *
make_source(const char *path, size_t size)
{
	char *data = malloc(size);
	uint32_t x = 12345;
	size_t i;
	FILE *f;

	if (data == NULL)
		return NULL;
	for (i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (char)(x >> 16);
	}
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size) {
		free(data);
		data = NULL;
	}
	if (f != NULL)
		fclose(f);
	return data;
}

static void
test_large_file_from_fd(void)
{
	const size_t size = 3 * 1024 * 1024 + 3; /* not a multiple of 4 */
	char src[512], path[512], cmd[1024];
	struct cpio_writer *w;
	char *data;
	int fd, sfd;

	snprintf(src, sizeof(src), "%s/big.src", tmpdir);
	data = make_source(src, size);
	CHECK(data != NULL);
	sfd = open(src, O_RDONLY | O_CLOEXEC);
	CHECK(sfd >= 0);
	/* The source's own offset must not matter. */
	CHECK(lseek(sfd, 12345, SEEK_SET) == 12345);
	fd = open_out("big.cpio", path, sizeof(path));
	CHECK_INT(cpio_writer_new(&w, fd, 1), 0);
	CHECK_INT(cpio_add_file(w, "small", 0644, "abc", 3), 0);
	CHECK_INT(cpio_add_file_fd(w, "lib/big.bin", 0644, sfd, size), 0);
	CHECK_INT(cpio_add_file(w, "after", 0644, "z", 1), 0);
	CHECK(cpio_writer_finish(w) > (int64_t)size);
	close(fd);
	close(sfd);

	snprintf(cmd, sizeof(cmd),
	    "mkdir -p %s/big && cd %s/big && "
	    "cpio -id --quiet < %s",
	    tmpdir, tmpdir, path);
	CHECK_INT(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/big/lib/big.bin", tmpdir);
	CHECK(data != NULL && file_equals(path, data, size));
	snprintf(path, sizeof(path), "%s/big/small", tmpdir);
	CHECK(file_equals(path, "abc", 3));
	snprintf(path, sizeof(path), "%s/big/after", tmpdir);
	CHECK(file_equals(path, "z", 1));
	free(data);
}

static void
test_source_from_a_pipe(void)
{
	char path[512], cmd[1024];
	struct cpio_writer *w;
	int fd, pfd[2];

	CHECK_INT(pipe(pfd), 0);
	CHECK_INT(write(pfd[1], "piped data", 10), 10);
	close(pfd[1]);
	fd = open_out("pipe.cpio", path, sizeof(path));
	CHECK_INT(cpio_writer_new(&w, fd, 1), 0);
	CHECK_INT(cpio_add_file_fd(w, "p", 0644, pfd[0], 10), 0);
	CHECK(cpio_writer_finish(w) > 0);
	close(fd);
	close(pfd[0]);
	snprintf(cmd, sizeof(cmd),
	    "mkdir -p %s/pipe && cd %s/pipe && "
	    "cpio -id --quiet < %s",
	    tmpdir, tmpdir, path);
	CHECK_INT(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/pipe/p", tmpdir);
	CHECK(file_equals(path, "piped data", 10));
}

/*
 * The kernel reads concatenated archives as one.  GNU cpio stops at the
 * first trailer, so the concatenation is read as two archives: the first
 * N bytes (N from the first writer) and everything after them.
 */
static void
test_concatenated_archives(void)
{
	char path[512], cmd[1024], *out;
	struct cpio_writer *w;
	int64_t first, second;
	struct stat st;
	int fd;

	fd = open_out("cat.cpio", path, sizeof(path));
	first = write_small_tree(fd, 1);
	CHECK_INT(cpio_writer_new(&w, fd, 1000), 0);
	CHECK_INT(cpio_add_dir(w, "job", 0755), 0);
	CHECK_INT(cpio_add_file(w, "job/cmd", 0644, "run\n", 4), 0);
	second = cpio_writer_finish(w);
	close(fd);
	CHECK(stat(path, &st) == 0);
	CHECK_INT(first + second, st.st_size);
	CHECK_INT(first % 4, 0);

	snprintf(cmd, sizeof(cmd), "head -c %lld %s | cpio -it --quiet", (long long)first, path);
	out = capture(cmd);
	CHECK_STR(out,
	    "bin\nbin/hello\netc\netc/empty\ninit\ndev\n"
	    "dev/console\n");
	free(out);
	snprintf(cmd, sizeof(cmd), "tail -c +%lld %s | cpio -it --quiet", (long long)first + 1,
	    path);
	out = capture(cmd);
	CHECK_STR(out, "job\njob/cmd\n");
	free(out);
	/* Read whole, GNU cpio sees the first archive and stops cleanly. */
	snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s | wc -l", path);
	out = capture(cmd);
	CHECK_STR(out, "7\n");
	free(out);
}

static void
test_many_entries_cross_the_buffer(void)
{
	char path[512], cmd[1024], name[64], *out;
	struct cpio_writer *w;
	int fd, i;

	fd = open_out("many.cpio", path, sizeof(path));
	CHECK_INT(cpio_writer_new(&w, fd, 1), 0);
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "f/%04d-with-a-longish-name", i);
		CHECK_INT(cpio_add_file(w, name, 0644, name, strlen(name)), 0);
	}
	CHECK(cpio_writer_finish(w) > 64 * 1024);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s | wc -l", path);
	out = capture(cmd);
	CHECK_STR(out, "2000\n");
	free(out);
	snprintf(cmd, sizeof(cmd),
	    "mkdir -p %s/many && cd %s/many && "
	    "cpio -id --quiet < %s",
	    tmpdir, tmpdir, path);
	CHECK_INT(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/many/f/1999-with-a-longish-name", tmpdir);
	CHECK(file_equals(path, "f/1999-with-a-longish-name", 26));
}

static void
test_short_source_fails_with_eio(void)
{
	char src[512], path[512];
	struct cpio_writer *w;
	char *data;
	int fd, sfd;

	snprintf(src, sizeof(src), "%s/short.src", tmpdir);
	data = make_source(src, 100000);
	free(data);
	sfd = open(src, O_RDONLY | O_CLOEXEC);
	fd = open_out("short.cpio", path, sizeof(path));
	CHECK_INT(cpio_writer_new(&w, fd, 1), 0);
	CHECK_INT(cpio_add_file_fd(w, "short", 0644, sfd, 100001), -EIO);
	/* The archive is broken now; the error sticks. */
	CHECK_INT(cpio_add_dir(w, "more", 0755), -EIO);
	CHECK_INT(cpio_writer_finish(w), -EIO);
	close(fd);
	close(sfd);
}

static void
test_argument_errors(void)
{
	struct cpio_writer *w;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	CHECK_INT(cpio_writer_new(&w, -1, 1), -EBADF);
	CHECK(w == NULL);
	CHECK_INT(cpio_writer_new(&w, fd, 1), 0);
	CHECK_INT(cpio_add_dir(w, "/abs", 0755), -EINVAL);
	CHECK_INT(cpio_add_dir(w, "", 0755), -EINVAL);
	CHECK_INT(cpio_add_file(w, NULL, 0644, "x", 1), -EINVAL);
	CHECK_INT(cpio_add_file(w, "f", 0644, NULL, 1), -EINVAL);
	CHECK_INT(cpio_add_symlink(w, "l", ""), -EINVAL);
	CHECK_INT(cpio_add_file_fd(w, "f", 0644, -1, 1), -EBADF);
	CHECK_INT(cpio_add_file_fd(w, "f", 0644, fd, 1ull << 32), -EFBIG);
	/* The trailer's name would end the archive early for every reader
	 * (found by tests/fuzz/fuzz-cpio.c). */
	CHECK_INT(cpio_add_file(w, "TRAILER!!!", 0644, "x", 1), -EINVAL);
	CHECK_INT(cpio_add_dir(w, "TRAILER!!!", 0755), -EINVAL);
	/* Argument errors do not break the archive. */
	CHECK_INT(cpio_add_dir(w, "ok", 0755), 0);
	CHECK(cpio_writer_finish(w) > 0);
	/* A writer dropped on an error path. */
	CHECK_INT(cpio_writer_new(&w, fd, 1), 0);
	CHECK_INT(cpio_add_dir(w, "x", 0755), 0);
	cpio_writer_free(w);
	cpio_writer_free(NULL);
	close(fd);
}

static void
test_write_error_is_reported(void)
{
	struct cpio_writer *w;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fd2 = open("/dev/full", O_WRONLY | O_CLOEXEC);

	/* Small entries stay buffered; the failure shows at finish. */
	CHECK_INT(cpio_writer_new(&w, fd, 1), 0);
	CHECK_INT(cpio_add_file(w, "a", 0644, "x", 1), 0);
	CHECK_INT(cpio_writer_finish(w), -EBADF);
	if (fd2 >= 0) {
		static char big[200000];
		CHECK_INT(cpio_writer_new(&w, fd2, 1), 0);
		CHECK_INT(cpio_add_file(w, "big", 0644, big, sizeof(big)), -ENOSPC);
		CHECK_INT(cpio_writer_finish(w), -ENOSPC);
	}
	close(fd);
	if (fd2 >= 0)
		close(fd2);
}

int
main(void)
{
	char cmd[256];
	int status;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_names_types_and_contents);
	RUN(test_header_fields_are_fixed);
	RUN(test_large_file_from_fd);
	RUN(test_source_from_a_pipe);
	RUN(test_concatenated_archives);
	RUN(test_many_entries_cross_the_buffer);
	RUN(test_short_source_fails_with_eio);
	RUN(test_argument_errors);
	RUN(test_write_error_is_reported);
	status = UNIT_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return status;
}
