/*
 * fuzz-cpio.c -- a round trip of the initramfs writer (daemon/run/cpio.c):
 * entries the input describes are written, and the archive is read back
 * by an independent reader, libarchive's cpio reader.
 *
 * The input is a list of entries, each a kind byte, a permission byte, a
 * path and (for files and links) data, the fields cut at '\0'.  Every
 * entry the writer accepts must come back, in order, with its path, type,
 * permissions, size, data, link target or device numbers; every entry it
 * refuses must not appear; and nothing else may be in the archive.
 */
#include <errno.h>
#include <archive.h>
#include <archive_entry.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "run/cpio.h"

#define ENTRIES_MAX 64

struct entry {
	int kind; /* 0 dir, 1 file, 2 symlink, 3 chardev */
	mode_t perm;
	char *path;
	char *data;
	size_t len;
};

static int memfd = -1;

static void
check_back(const void *buf, size_t size, const struct entry *want, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	size_t i = 0;
	int r;

	fuzz_check(a != NULL, "archive_read_new");
	archive_read_support_format_cpio(a);
	fuzz_check(archive_read_open_memory(a, buf, size) == ARCHIVE_OK, "open the archive");
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const struct entry *e = &want[i];
		static const mode_t types[] = { AE_IFDIR, AE_IFREG, AE_IFLNK, AE_IFCHR };
		la_int64_t size_back = archive_entry_size(ae);

		fuzz_check(i < n, "more entries read back than written");
		fuzz_check(strcmp(archive_entry_pathname(ae), e->path) == 0, "a path changed");
		fuzz_check(archive_entry_filetype(ae) == types[e->kind], "a type changed");
		if (e->kind != 2)
			fuzz_check((archive_entry_perm(ae) & 07777) == (e->perm & 07777),
			    "permissions changed");
		if (e->kind == 1) {
			char *got = malloc(e->len + 1);

			fuzz_check(got != NULL, "malloc");
			fuzz_check(size_back == (la_int64_t)e->len, "a file's size changed");
			fuzz_check(archive_read_data(a, got, e->len + 1) == (la_ssize_t)e->len,
			    "a file's data is short");
			fuzz_check(memcmp(got, e->data, e->len) == 0, "a file's data changed");
			free(got);
		} else if (e->kind == 2) {
			const char *t = archive_entry_symlink(ae);

			fuzz_check(t != NULL && strcmp(t, e->data) == 0, "a link's target changed");
		} else if (e->kind == 3) {
			fuzz_check(archive_entry_rdevmajor(ae) == 5 &&
				archive_entry_rdevminor(ae) == 1,
			    "device numbers changed");
		}
		i++;
	}
	fuzz_check(r == ARCHIVE_EOF, "the archive does not read to its end");
	fuzz_check(i == n, "fewer entries read back than written");
	archive_read_free(a);
}

static void
fuzz_one(const uint8_t *data, size_t len)
{
	struct entry want[ENTRIES_MAX];
	struct cpio_writer *w;
	size_t n = 0;
	int64_t total;
	void *map;

	if (memfd < 0)
		memfd = memfd_create("fuzz-cpio", 0);
	fuzz_check(memfd >= 0 && ftruncate(memfd, 0) == 0 && lseek(memfd, 0, SEEK_SET) == 0,
	    "memfd");
	fuzz_check(cpio_writer_new(&w, memfd, 300) == 0, "cpio_writer_new");
	while (len >= 2 && n < ENTRIES_MAX) {
		struct entry *e = &want[n];
		size_t plen, dlen = 0;
		const uint8_t *p, *d = NULL;
		int r;

		e->kind = data[0] % 4;
		e->perm = (mode_t)data[1] << 1 | (data[0] >> 7);
		data += 2;
		len -= 2;
		p = fuzz_field(&data, &len, '\0', &plen);
		if (e->kind == 1 || e->kind == 2)
			d = fuzz_field(&data, &len, '\0', &dlen);
		e->path = fuzz_strndup(p, plen);
		e->data = fuzz_strndup(d != NULL ? d : (const uint8_t *)"", dlen);
		e->len = dlen;
		switch (e->kind) {
		case 0:
			r = cpio_add_dir(w, e->path, e->perm);
			break;
		case 1:
			r = cpio_add_file(w, e->path, e->perm, e->data, e->len);
			break;
		case 2:
			r = cpio_add_symlink(w, e->path, e->data);
			break;
		default:
			r = cpio_add_chardev(w, e->path, e->perm, 5, 1);
			break;
		}
		if (r < 0) {
			fuzz_check(r == -EINVAL || r == -ENAMETOOLONG, "an unexpected refusal");
			free(e->path);
			free(e->data);
			continue;
		}
		n++;
	}
	total = cpio_writer_finish(w);
	fuzz_check(total > 0 && total % 4 == 0, "cpio_writer_finish");
	map = mmap(NULL, (size_t)total, PROT_READ, MAP_SHARED, memfd, 0);
	fuzz_check(map != MAP_FAILED, "mmap");
	check_back(map, (size_t)total, want, n);
	munmap(map, (size_t)total);
	for (size_t i = 0; i < n; i++) {
		free(want[i].path);
		free(want[i].data);
	}
}
