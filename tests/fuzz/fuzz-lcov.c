/*
 * fuzz-lcov.c -- the lcov .info reader (daemon/coverage/lcov-info.c),
 * which reads what lcov captured from a guest's gcov data.
 *
 * What parses is written back with lcov_write() and parsed again: the
 * second reading must give the same summary, since stored coverage is
 * re-read that way (merge, diff).  Merging it into itself and diffing it
 * against itself exercise the rest of the module on the same data.
 */
#include "coverage/lcov-info.h"
#include "fuzz.h"

static void
fuzz_one(const uint8_t *data, size_t len)
{
	struct lcov_data d = { 0 }, again = { 0 }, merged = { 0 };
	struct lcov_summary s1, s2;
	struct lcov_diff_file *diff = NULL;
	size_t ndiff = 0;
	char *cause = NULL, *text = NULL;
	size_t text_len = 0;
	FILE *f;

	if (lcov_parse((const char *)data, len, &d, &cause) != 0) {
		free(cause);
		return;
	}
	f = open_memstream(&text, &text_len);
	fuzz_check(f != NULL, "open_memstream");
	fuzz_check(lcov_write(&d, f) == 0, "lcov_write");
	fclose(f);
	if (lcov_parse(text, text_len, &again, &cause) != 0)
		fprintf(stderr, "fuzz: written back:\n%.*s\nfuzz: does not parse: %s\n",
		    (int)text_len, text, cause);
	fuzz_check(cause == NULL, "written data does not parse");
	lcov_summary(&d, &s1);
	lcov_summary(&again, &s2);
	fuzz_check(memcmp(&s1, &s2, sizeof(s1)) == 0, "a round trip changed the summary");
	fuzz_check(lcov_merge(&merged, &d) == 0, "lcov_merge");
	fuzz_check(lcov_merge(&merged, &again) == 0, "lcov_merge");
	if (lcov_diff(&d, &again, &diff, &ndiff) == 0)
		lcov_diff_free(diff, ndiff);
	lcov_free(&merged);
	lcov_free(&again);
	lcov_free(&d);
	free(text);
}
