/*
 * test-artifacts.c -- files rebuilt from base64 console lines, and refused
 * when they are damaged, cut short or aimed outside the job directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "guest/artifacts.h"
#include "sha256.h"
#include "unit.h"

static char dir[64];
static struct artifact_record last;
static int reports;

static void
on_done(void *arg, const struct artifact_record *a)
{
	(void)arg;
	free(last.test);
	free(last.path);
	last = *a;
	last.test = strdup(a->test ? a->test : "");
	last.path = strdup(a->path ? a->path : "");
	reports++;
}

/* Send LEN bytes of DATA as file TEST/PATH the way /init does: 76-column
 * base64 lines; returns the number of lines. */
static uint64_t
send(struct artifact_rx *rx, const char *test, const char *path, const unsigned char *data,
    size_t len, const char *sha_override)
{
	char hex[SHA256_HEX_LEN + 1], b64[80];
	struct sha256 *h = sha256_new();
	uint64_t lines = 0;

	sha256_update(h, data, len);
	sha256_final_hex(h, hex);
	artifact_rx_begin(rx, test, path, len, sha_override ? sha_override : hex);
	for (size_t off = 0; off < len; off += 57) {
		size_t n = len - off < 57 ? len - off : 57;
		int m = EVP_EncodeBlock((unsigned char *)b64, data + off, (int)n);

		artifact_rx_data(rx, b64, (size_t)m);
		lines++;
	}
	return lines;
}

static unsigned char *
pattern(size_t len)
{
	unsigned char *p = malloc(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 8));
	return p;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(4 << 20);
	*len = fread(buf, 1, 4 << 20, f);
	fclose(f);
	return buf;
}

static void
test_a_file_comes_back_byte_for_byte(void)
{
	struct artifact_rx *rx = NULL;
	CHECK_INT(artifact_rx_new(&rx, dir, on_done, NULL), 0);
	size_t len = 1000003, got = 0;
	unsigned char *data = pattern(len);
	char path[256], *back;
	uint64_t lines;

	lines = send(rx, "t1", "sub/dir/blob.bin", data, len, NULL);
	artifact_rx_end(rx, "t1", "sub/dir/blob.bin", lines);
	CHECK_INT(last.status, ARTIFACT_OK);
	snprintf(path, sizeof(path), "%s/t1/sub/dir/blob.bin", dir);
	back = slurp(path, &got);
	CHECK(back != NULL);
	CHECK_INT(got, len);
	CHECK(back != NULL && memcmp(back, data, len) == 0);
	free(back);
	free(data);
	artifact_rx_free(rx);
}

static void
test_empty_and_padded_files(void)
{
	struct artifact_rx *rx = NULL;
	CHECK_INT(artifact_rx_new(&rx, dir, on_done, NULL), 0);
	char path[256];
	struct stat st;

	for (size_t len = 0; len < 5; len++) {
		unsigned char *data = pattern(len);
		uint64_t lines = send(rx, "t2", "f", data, len, NULL);

		artifact_rx_end(rx, "t2", "f", lines);
		CHECK_INT(last.status, ARTIFACT_OK);
		snprintf(path, sizeof(path), "%s/t2/f", dir);
		CHECK(stat(path, &st) == 0 && (size_t)st.st_size == len);
		free(data);
	}
	artifact_rx_free(rx);
}

static void
test_a_damaged_line_makes_it_corrupt_and_absent(void)
{
	struct artifact_rx *rx = NULL;
	CHECK_INT(artifact_rx_new(&rx, dir, on_done, NULL), 0);
	unsigned char *data = pattern(300);
	char path[256];
	uint64_t lines;

	artifact_rx_begin(rx, "t3", "x", 300,
	    "0000000000000000000000000000000000000000000000000000000000000000");
	artifact_rx_data(rx, "[  1.2] kvm: oops", 17);
	lines = 1;
	artifact_rx_end(rx, "t3", "x", lines);
	CHECK_INT(last.status, ARTIFACT_CORRUPT);
	lines = send(rx, "t3", "y", data, 300,
	    "1111111111111111111111111111111111111111111111111111111111111111");
	artifact_rx_end(rx, "t3", "y", lines);
	CHECK_INT(last.status, ARTIFACT_CORRUPT);
	snprintf(path, sizeof(path), "%s/t3/y", dir);
	CHECK(access(path, F_OK) != 0);
	free(data);
	artifact_rx_free(rx);
}

static void
test_a_cut_transfer_is_incomplete(void)
{
	struct artifact_rx *rx = NULL;
	CHECK_INT(artifact_rx_new(&rx, dir, on_done, NULL), 0);
	unsigned char *data = pattern(1000);
	char partial[128];
	uint64_t lines;

	/* A line lost: the count at the end does not match. */
	lines = send(rx, "t4", "a", data, 1000, NULL);
	artifact_rx_end(rx, "t4", "a", lines + 1);
	CHECK_INT(last.status, ARTIFACT_INCOMPLETE);
	/* The guest crashed mid-file: the job ends with it open. */
	reports = 0;
	send(rx, "t4", "b", data, 1000, NULL);
	artifact_rx_free(rx);
	CHECK_INT(reports, 1);
	CHECK_INT(last.status, ARTIFACT_INCOMPLETE);
	CHECK_STR(last.path, "b");
	snprintf(partial, sizeof(partial), "%s/.partial", dir);
	CHECK(access(partial, F_OK) != 0);
	free(data);
}

static void
test_paths_cannot_leave_the_job_directory(void)
{
	struct artifact_rx *rx = NULL;
	CHECK_INT(artifact_rx_new(&rx, dir, on_done, NULL), 0);
	unsigned char *data = pattern(10);
	uint64_t lines;

	CHECK(!artifact_path_valid("../escape"));
	CHECK(!artifact_path_valid("a/../../b"));
	CHECK(!artifact_path_valid("/etc/passwd"));
	CHECK(!artifact_path_valid(".hidden"));
	CHECK(!artifact_path_valid("a//b"));
	CHECK(!artifact_path_valid("a/"));
	CHECK(artifact_path_valid("cov/kernel.gcda.tar.gz"));
	lines = send(rx, "..", "x", data, 10, NULL);
	artifact_rx_end(rx, "..", "x", lines);
	CHECK_INT(last.status, ARTIFACT_CORRUPT);
	lines = send(rx, "t5", "../../x", data, 10, NULL);
	artifact_rx_end(rx, "t5", "../../x", lines);
	CHECK_INT(last.status, ARTIFACT_CORRUPT);
	CHECK(access("x", F_OK) != 0);
	free(data);
	artifact_rx_free(rx);
}

int
main(void)
{
	char cmd[128];
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/pkvm-art.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(test_a_file_comes_back_byte_for_byte);
	RUN(test_empty_and_padded_files);
	RUN(test_a_damaged_line_makes_it_corrupt_and_absent);
	RUN(test_a_cut_transfer_is_incomplete);
	RUN(test_paths_cannot_leave_the_job_directory);
	rc = UNIT_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	free(last.test);
	free(last.path);
	return rc;
}
