/*
 * bench-prepare.c -- how long a job's preparation takes.
 *
 * Preparation is what pkvmd does between "a slot is free" and "qemu is
 * spawned": look up the job's blobs and assemble its initrd (copy of the
 * cached base layer + a cpio of the test files).  The target is under
 * 20 ms for 10 MB of test files.  This builds the real base layer from the
 * build tree's initramfs/ (init + busybox), stores ten 1 MB test files as
 * blobs, and times initramfs_build_job() plus the blob lookups, printing
 * the median and the worst of RUNS runs.
 *
 * Usage: bench-prepare DATA-DIR [RUNS] [FILES] [FILE-KB]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/blobs.h"
#include "run/initramfs.h"
#include "job/job.h"
#include "sha256.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Store LEN pseudo-random bytes as a blob the way an upload would. */
static void
make_blob(struct blobs *b, const char *dir, size_t len, unsigned seed, char hex[SHA256_HEX_LEN + 1])
{
	char *buf = malloc(len), path[4096], d[4096];
	struct sha256 *h = sha256_new();
	FILE *f;

	srand(seed);
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)rand();
	sha256_update(h, buf, len);
	sha256_final_hex(h, hex);
	snprintf(d, sizeof(d), "%s/%.2s", dir, hex);
	mkdir(d, 0755);
	blobs_path(b, hex, path, sizeof(path));
	f = fopen(path, "w");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(buf);
}

int
main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 50;
	int nfiles = argc > 3 ? atoi(argv[3]) : 10;
	int kb = argc > 4 ? atoi(argv[4]) : 1024;
	char tmpl[] = "/tmp/pkvm-bench.XXXXXX", blobdir[4096], cache[4096], initrd[4096];
	struct initramfs *ir;
	struct blobs *b;
	struct job *j;
	char *cause = NULL;
	double *t;

	if (argc < 2 || runs < 1 || nfiles < 1 || kb < 1) {
		fprintf(stderr, "usage: bench-prepare DATA-DIR [RUNS] [FILES] [FILE-KB]\n");
		return 2;
	}
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(blobdir, sizeof(blobdir), "%s/blobs", tmpl);
	snprintf(cache, sizeof(cache), "%s/cache", tmpl);
	snprintf(initrd, sizeof(initrd), "%s/initrd", tmpl);
	if (blobs_new(&b, blobdir) < 0 || initramfs_new(&ir, argv[1], cache, &cause) < 0) {
		fprintf(stderr, "bench-prepare: %s\n", cause ? cause : "cannot open stores");
		return 1;
	}
	if (job_new(&j) < 0)
		return 1;
	j->exes = calloc((size_t)nfiles, sizeof(*j->exes));
	for (int i = 0; i < nfiles; i++) {
		char name[32];

		snprintf(name, sizeof(name), "test-%02d", i);
		j->exes[i].name = strdup(name);
		j->exes[i].mode = 0755;
		make_blob(b, blobdir, (size_t)kb * 1024, (unsigned)i + 1, j->exes[i].blob);
		j->nexes++;
	}

	t = calloc((size_t)runs, sizeof(double));
	for (int r = 0; r < runs; r++) {
		double t0 = now_ms();
		uint64_t size;

		for (size_t i = 0; i < j->nexes; i++)
			if (blobs_size(b, j->exes[i].blob, &size) != 0)
				return 1;
		if (initramfs_build_job(ir, b, j, initrd, &cause) < 0) {
			fprintf(stderr, "bench-prepare: %s\n", cause);
			return 1;
		}
		t[r] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_double);
	printf("prepare: %d files x %d KiB: median %.2f ms, worst %.2f ms over %d runs (target < "
	       "20 ms)\n",
	    nfiles, kb, t[runs / 2], t[runs - 1], runs);

	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	if (system(cmd) != 0)
		fprintf(stderr, "bench-prepare: could not remove %s\n", tmpl);
	free(t);
	job_free(j);
	initramfs_free(ir);
	blobs_free(b);
	return 0;
}
