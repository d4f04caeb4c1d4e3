/*
 * test-artifacts.c -- files rebuilt from base64 console lines, and refused
 * when they are damaged, cut short or aimed outside the job directory; and
 * streamed files, appended chunk by chunk, which stay a checked prefix of
 * the guest's file whatever happens to a chunk.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "guest/artifacts.h"
#include "guest/streams.h"
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

/* Send the chunk of DATA at OFF, LEN bytes, of streamed file PATH as the
 * streamer does; END_LINES adds to the line count (a wrong one) and
 * BREAK_AT damages that data line (-1: none).  */
static void
send_chunk(struct stream_rx *rx, const char *path, const unsigned char *data, size_t off,
    size_t len, int end_lines, int break_at)
{
	char hex[SHA256_HEX_LEN + 1], b64[80];
	struct sha256 *h = sha256_new();
	uint64_t lines = 0;

	sha256_update(h, data + off, len);
	sha256_final_hex(h, hex);
	stream_rx_begin(rx, path, off, len, hex);
	for (size_t o = 0; o < len; o += 57) {
		size_t n = len - o < 57 ? len - o : 57;
		int m = EVP_EncodeBlock((unsigned char *)b64, data + off + o, (int)n);

		if ((int)lines == break_at)
			b64[0] = b64[0] == 'A' ? 'B' : 'A';
		stream_rx_data(rx, b64, (size_t)m);
		lines++;
	}
	if (end_lines >= 0)
		stream_rx_end(rx, path, lines + (uint64_t)end_lines);
}

/* The streamed file on the host, compared with the first LEN bytes of DATA. */
static bool
stream_holds(const char *path, const unsigned char *data, size_t len)
{
	char full[256], *back;
	size_t got = 0;
	bool same;

	snprintf(full, sizeof(full), "%s/_stream/%s", dir, path);
	back = slurp(full, &got);
	same = back != NULL && got == len && memcmp(back, data, len) == 0;
	free(back);
	return same;
}

static void
test_a_streamed_file_grows_chunk_by_chunk(void)
{
	struct stream_rx *rx = NULL;
	unsigned char *data = pattern(5000);
	char hex[SHA256_HEX_LEN + 1];
	struct sha256 *h;

	CHECK_INT(stream_rx_new(&rx, dir, 1, on_done, NULL), 0);
	reports = 0;
	send_chunk(rx, "sys/kernel/debug/nvhe.log", data, 0, 1000, 0, -1);
	CHECK(stream_holds("sys/kernel/debug/nvhe.log", data, 1000));
	CHECK_INT(reports, 1);
	CHECK_STR(last.test, "_stream");
	CHECK_STR(last.path, "sys/kernel/debug/nvhe.log");
	CHECK_INT(last.size, 1000);
	CHECK_INT(last.status, ARTIFACT_OK);
	/* Another file in between does not disturb the first. */
	send_chunk(rx, "tmp/other.log", data, 0, 10, 0, -1);
	CHECK(stream_holds("tmp/other.log", data, 10));
	send_chunk(rx, "sys/kernel/debug/nvhe.log", data, 1000, 3000, 0, -1);
	CHECK(stream_holds("sys/kernel/debug/nvhe.log", data, 4000));
	CHECK_INT(last.size, 4000);
	/* The reported sha256 is that of everything so far. */
	h = sha256_new();
	sha256_update(h, data, 4000);
	sha256_final_hex(h, hex);
	CHECK_STR(last.sha256, hex);
	/* A chunk sent again changes nothing. */
	reports = 0;
	send_chunk(rx, "sys/kernel/debug/nvhe.log", data, 1000, 3000, 0, -1);
	CHECK_INT(reports, 0);
	CHECK(stream_holds("sys/kernel/debug/nvhe.log", data, 4000));
	/* A chunk cut short by a crash (no end line) is dropped, and the
	 * next chunk still lands. */
	send_chunk(rx, "sys/kernel/debug/nvhe.log", data, 4000, 500, -1, -1);
	send_chunk(rx, "sys/kernel/debug/nvhe.log", data, 4000, 200, 0, -1);
	CHECK(stream_holds("sys/kernel/debug/nvhe.log", data, 4200));
	stream_rx_free(rx);
	free(data);
}

static void
test_a_damaged_chunk_ends_the_streamed_file(void)
{
	struct stream_rx *rx = NULL;
	unsigned char *data = pattern(3000);

	CHECK_INT(stream_rx_new(&rx, dir, 1, on_done, NULL), 0);
	send_chunk(rx, "tmp/d.log", data, 0, 1000, 0, -1);
	reports = 0;
	/* A damaged data line, then a wrong line count: neither lands. */
	send_chunk(rx, "tmp/d.log", data, 1000, 1000, 0, 3);
	send_chunk(rx, "tmp/d.log", data, 1000, 1000, 1, -1);
	CHECK_INT(reports, 0);
	CHECK(stream_holds("tmp/d.log", data, 1000));
	/* A chunk after a hole is not appended: the file stays a prefix. */
	send_chunk(rx, "tmp/d.log", data, 2000, 1000, 0, -1);
	CHECK_INT(reports, 0);
	CHECK(stream_holds("tmp/d.log", data, 1000));
	/* Nor is the lost chunk, should it come again late: the file ended. */
	send_chunk(rx, "tmp/d.log", data, 1000, 1000, 0, -1);
	CHECK(stream_holds("tmp/d.log", data, 1000));
	/* Paths that would leave the job directory are refused. */
	send_chunk(rx, "../escape.log", data, 0, 10, 0, -1);
	send_chunk(rx, "tmp/.hidden", data, 0, 10, 0, -1);
	CHECK_INT(reports, 0);
	{
		char esc[256];

		snprintf(esc, sizeof(esc), "%s/escape.log", dir);
		CHECK(access(esc, F_OK) != 0);
	}
	stream_rx_free(rx);
	free(data);
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
	RUN(test_a_streamed_file_grows_chunk_by_chunk);
	RUN(test_a_damaged_chunk_ends_the_streamed_file);
	rc = UNIT_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	free(last.test);
	free(last.path);
	return rc;
}
