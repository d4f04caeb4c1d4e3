/*
 * test-artifact-channel.c -- files from the fast channel's record stream:
 * whole in any chunking, checked against the guest's sha256 when it sends
 * one, refused past the job's cap, never left half-written, and a stream
 * that stops making sense stops being read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/artifact-channel.h"
#include "sha256.h"
#include "unit.h"

static char dir[64];
static struct artifact_record last;
static struct artifact_channel_file last_info;
static int reports;

static void
on_done(void *arg, const struct artifact_record *a, const struct artifact_channel_file *f)
{
	(void)arg;
	free(last.test);
	free(last.path);
	last = *a;
	last.test = strdup(a->test ? a->test : "");
	last.path = strdup(a->path ? a->path : "");
	last_info = *f;
	reports++;
}

static unsigned char *
pattern(size_t len)
{
	unsigned char *p = malloc(len + 1);

	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 8));
	return p;
}

static void
hex_of(const unsigned char *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256 *h = sha256_new();

	sha256_update(h, data, len);
	sha256_final_hex(h, hex);
}

/* The stream /init writes for one file, malloc'd, its length in *N.
 * SHA: "" for none, NULL for the right one, else that text. */
static char *
record(const char *test, const char *path, const unsigned char *data, size_t len, const char *sha,
    size_t *n)
{
	char head[512], tail[512], hex[SHA256_HEX_LEN + 1];
	size_t hl, tl;
	char *s;

	hex_of(data, len, hex);
	hl = (size_t)snprintf(head, sizeof(head), "@@pkvm:1 file-begin test=%s path=%s size=%zu\n",
	    test, path, len);
	if (sha != NULL && sha[0] == '\0')
		tl = (size_t)snprintf(tail, sizeof(tail), "@@pkvm:1 file-end test=%s path=%s\n",
		    test, path);
	else
		tl = (size_t)snprintf(tail, sizeof(tail),
		    "@@pkvm:1 file-end test=%s path=%s sha256=%s\n", test, path, sha ? sha : hex);
	s = malloc(hl + len + tl);
	memcpy(s, head, hl);
	memcpy(s + hl, data, len);
	memcpy(s + hl + len, tail, tl);
	*n = hl + len + tl;
	return s;
}

/* Feed N bytes of S in chunks of CHUNK. */
static void
feed(struct artifact_channel *c, const char *s, size_t n, size_t chunk)
{
	for (size_t off = 0; off < n; off += chunk)
		artifact_channel_feed(c, s + off, n - off < chunk ? n - off : chunk);
}

static bool
file_is(const char *rel, const unsigned char *data, size_t len)
{
	char path[256];
	FILE *f;
	char *buf = malloc(len + 1);
	size_t got;
	bool same;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "r");
	if (f == NULL) {
		free(buf);
		return false;
	}
	got = fread(buf, 1, len + 1, f);
	fclose(f);
	same = got == len && memcmp(buf, data, len) == 0;
	free(buf);
	return same;
}

static bool
exists(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

static void
test_files_come_back_whole_in_any_chunking(void)
{
	size_t chunks[] = { 1, 7, 4096, 1 << 20 };
	size_t len = 300007, n1, n2;
	unsigned char *data = pattern(len);
	char *s1 = record("t1", "sub/big.bin", data, len, "", &n1);
	char *s2 = record("t1", "small", data, 5, NULL, &n2);

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct artifact_channel *c = NULL;
		char hex[SHA256_HEX_LEN + 1];

		CHECK_INT(artifact_channel_new(&c, dir, 0, on_done, NULL), 0);
		reports = 0;
		feed(c, s1, n1, chunks[i]);
		CHECK_INT(reports, 1);
		CHECK_INT(last.status, ARTIFACT_OK);
		CHECK_INT(last.size, len);
		hex_of(data, len, hex);
		CHECK_STR(last.sha256, hex);
		CHECK(!last_info.guest_sha256);
		CHECK(file_is("t1/sub/big.bin", data, len));
		feed(c, s2, n2, chunks[i]);
		CHECK_INT(reports, 2);
		CHECK_INT(last.status, ARTIFACT_OK);
		CHECK(last_info.guest_sha256);
		CHECK(file_is("t1/small", data, 5));
		CHECK_INT(artifact_channel_kept_bytes(c), len + 5);
		CHECK(artifact_channel_error(c) == NULL);
		artifact_channel_free(c);
	}
	CHECK(!exists(".partial-channel"));
	free(s1);
	free(s2);
	free(data);
}

static void
test_a_wrong_guest_sha256_makes_it_corrupt_and_absent(void)
{
	struct artifact_channel *c = NULL;
	unsigned char *data = pattern(1000);
	size_t n;
	char *s = record("t2", "f", data, 1000,
	    "1111111111111111111111111111111111111111111111111111111111111111", &n);

	CHECK_INT(artifact_channel_new(&c, dir, 0, on_done, NULL), 0);
	feed(c, s, n, 333);
	CHECK_INT(last.status, ARTIFACT_CORRUPT);
	CHECK(!exists("t2/f"));
	CHECK(!exists(".partial-channel"));
	/* The stream is still in step: the next file arrives. */
	free(s);
	s = record("t2", "g", data, 10, NULL, &n);
	feed(c, s, n, n);
	CHECK_INT(last.status, ARTIFACT_OK);
	CHECK(file_is("t2/g", data, 10));
	artifact_channel_free(c);
	free(s);
	free(data);
}

static void
test_a_cut_stream_is_incomplete_and_absent(void)
{
	struct artifact_channel *c = NULL;
	unsigned char *data = pattern(5000);
	size_t n;
	char *s = record("t3", "cut", data, 5000, NULL, &n);

	CHECK_INT(artifact_channel_new(&c, dir, 0, on_done, NULL), 0);
	reports = 0;
	/* The guest died with half the file sent. */
	feed(c, s, n / 2, 100);
	CHECK_INT(reports, 0);
	artifact_channel_finish(c);
	CHECK_INT(reports, 1);
	CHECK_STR(last.path, "cut");
	CHECK_INT(last.status, ARTIFACT_INCOMPLETE);
	CHECK(!exists("t3/cut"));
	CHECK(!exists(".partial-channel"));
	artifact_channel_free(c);
	CHECK_INT(reports, 1);
	free(s);
	free(data);
}

static void
test_files_past_the_cap_are_refused_without_writing(void)
{
	struct artifact_channel *c = NULL;
	unsigned char *data = pattern(4000);
	size_t n1, n2, n3;
	char *s1 = record("t4", "a", data, 3000, NULL, &n1);
	char *s2 = record("t4", "b", data, 2000, NULL, &n2);
	char *s3 = record("t4", "c", data, 1000, NULL, &n3);

	CHECK_INT(artifact_channel_new(&c, dir, 4000, on_done, NULL), 0);
	feed(c, s1, n1, 512);
	CHECK_INT(last.status, ARTIFACT_OK);
	/* 3000 + 2000 > 4000: b is read through and dropped. */
	feed(c, s2, n2, 512);
	CHECK_STR(last.path, "b");
	CHECK_INT(last.status, ARTIFACT_INCOMPLETE);
	CHECK(last_info.refused);
	CHECK(!exists("t4/b"));
	/* ... and the stream goes on: c still fits. */
	feed(c, s3, n3, 512);
	CHECK_STR(last.path, "c");
	CHECK_INT(last.status, ARTIFACT_OK);
	CHECK(!last_info.refused);
	CHECK_INT(artifact_channel_kept_bytes(c), 4000);
	CHECK(artifact_channel_error(c) == NULL);
	artifact_channel_free(c);
	free(s1);
	free(s2);
	free(s3);
	free(data);
}

static void
test_bad_records_end_the_channel(void)
{
	const char *bad[] = {
		"hello\n",
		"@@pkvm:1 file-begin test=t5 path=../escape size=3\nabc",
		"@@pkvm:1 file-begin test=t5 path=/etc/passwd size=3\nabc",
		"@@pkvm:1 file-begin test=../t5 path=x size=3\nabc",
		"@@pkvm:1 file-begin test=t5 path=.hidden size=3\nabc",
		"@@pkvm:1 file-begin test=t5 path=x size=-3\nabc",
		"@@pkvm:1 file-begin test=t5 path=x size=99999999999999999999\nabc",
		"@@pkvm:1 file-begin test=t5 path=x\nabc",
	};
	unsigned char *data = pattern(100);
	size_t n;
	char *good = record("t5", "after", data, 100, NULL, &n);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct artifact_channel *c = NULL;

		CHECK_INT(artifact_channel_new(&c, dir, 0, on_done, NULL), 0);
		reports = 0;
		artifact_channel_feed(c, bad[i], strlen(bad[i]));
		CHECK(artifact_channel_error(c) != NULL);
		/* Nothing after a bad record is taken for a file. */
		feed(c, good, n, n);
		CHECK_INT(reports, 0);
		CHECK(!exists("t5/after"));
		artifact_channel_free(c);
	}
	CHECK(!exists("escape"));

	/* A file-end that names another file: incomplete, and the end. */
	{
		struct artifact_channel *c = NULL;
		const char *s = "@@pkvm:1 file-begin test=t5 path=x size=3\nabc"
				"@@pkvm:1 file-end test=t5 path=y\n";

		CHECK_INT(artifact_channel_new(&c, dir, 0, on_done, NULL), 0);
		reports = 0;
		artifact_channel_feed(c, s, strlen(s));
		CHECK_INT(reports, 1);
		CHECK_INT(last.status, ARTIFACT_INCOMPLETE);
		CHECK(!exists("t5/x"));
		CHECK(artifact_channel_error(c) != NULL);
		artifact_channel_free(c);
	}
	/* An endless line is cut off, not buffered. */
	{
		struct artifact_channel *c = NULL;
		char *junk = malloc(1 << 16);

		memset(junk, 'x', 1 << 16);
		CHECK_INT(artifact_channel_new(&c, dir, 0, on_done, NULL), 0);
		artifact_channel_feed(c, junk, 1 << 16);
		CHECK(artifact_channel_error(c) != NULL);
		artifact_channel_free(c);
		free(junk);
	}
	free(good);
	free(data);
}

int
main(void)
{
	char cmd[128];
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/pkvm-chan.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(test_files_come_back_whole_in_any_chunking);
	RUN(test_a_wrong_guest_sha256_makes_it_corrupt_and_absent);
	RUN(test_a_cut_stream_is_incomplete_and_absent);
	RUN(test_files_past_the_cap_are_refused_without_writing);
	RUN(test_bad_records_end_the_channel);
	rc = UNIT_DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	free(last.test);
	free(last.path);
	return rc;
}
