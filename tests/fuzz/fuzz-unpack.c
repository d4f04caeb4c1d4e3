/*
 * fuzz-unpack.c -- extraction of a CI push's archive (daemon/ci/unpack.c,
 * libarchive: zip, tar, compressed or not) into a directory.
 *
 * Each input is written to a file and unpacked into a fresh directory
 * "out" inside a box directory of its own, within a small budget.  After
 * every run, whatever ci_unpack() returned: the box holds nothing but
 * "out" (no file escaped upwards), nothing under "out" is a link, device,
 * fifo or socket (only regular files and directories are ever made, and
 * none of them outside the tree through a link), the budget never went
 * below zero, and a refusal says why.  The tree is removed with
 * ci_tree_remove(), which must leave nothing.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ci/unpack.h"
#include "fuzz.h"

static char top[64], box[128], out[160], archive[128];

static int
check_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	fuzz_check(type == FTW_F || type == FTW_D, "an entry nftw could not read");
	fuzz_check(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode),
	    "an unpacked entry that is not a file or directory");
	return 0;
}

static void
check_box(void)
{
	DIR *d = opendir(box);
	struct dirent *e;

	fuzz_check(d != NULL, "opendir box");
	while ((e = readdir(d)) != NULL)
		fuzz_check(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			strcmp(e->d_name, "out") == 0,
		    "a file escaped the unpack directory");
	closedir(d);
}

static void
fuzz_one(const uint8_t *data, size_t len)
{
	struct ci_unpack_budget b = { .bytes_left = 1 << 20, .entries_left = 64 };
	struct ci_unpack_seen seen = { 0 };
	char why[512] = "";
	int fd, dir, rc;

	if (top[0] == '\0') {
		const char *t = getenv("TMPDIR");

		snprintf(top, sizeof(top), "%s/fuzz-unpack.XXXXXX", t != NULL ? t : "/tmp");
		fuzz_check(mkdtemp(top) != NULL, "mkdtemp");
		snprintf(box, sizeof(box), "%s/box", top);
		snprintf(out, sizeof(out), "%s/out", box);
		snprintf(archive, sizeof(archive), "%s/archive", top);
		fuzz_check(mkdir(box, 0700) == 0, "mkdir box");
	}
	fd = open(archive, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fuzz_check(fd >= 0 && write(fd, data, len) == (ssize_t)len && close(fd) == 0,
	    "write the archive");
	fuzz_check(mkdir(out, 0700) == 0, "mkdir out");
	dir = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fuzz_check(dir >= 0, "open out");
	rc = ci_unpack(archive, dir, &b, &seen, why, sizeof(why));
	close(dir);
	fuzz_check(rc <= 0, "a positive return");
	if (rc < 0 && why[0] == '\0')
		fprintf(stderr, "fuzz: ci_unpack: %s, and no reason\n", strerror(-rc));
	fuzz_check(rc == 0 || why[0] != '\0', "a refusal without a reason");
	fuzz_check(b.bytes_left >= 0 && b.entries_left >= 0, "over the budget");
	fuzz_check(seen.n <= CI_UNPACK_SEEN_MAX, "seen past its array");
	check_box();
	fuzz_check(nftw(out, check_entry, 16, FTW_PHYS) == 0, "walk out");
	fuzz_check(ci_tree_remove(out) == 0, "ci_tree_remove");
	fuzz_check(access(out, F_OK) != 0 && errno == ENOENT, "the tree is still there");
}

/* The box goes when the run ends (libFuzzer exits through exit()). */
static void __attribute__((destructor)) remove_top(void)
{
	if (top[0] != '\0') {
		ci_tree_remove(top);
	}
}
