/*
 * test-ci-status.c -- what a commit status says (ci/status-text.c): the
 * state each forge gets at each moment of a job's life, the one-line
 * description of a finished job and its cut to 140 characters, the link
 * to the job, and the outbox's retry schedule.
 */
#include <stdlib.h>
#include <string.h>

#include "ci/status-text.h"
#include "unit.h"

#define SEC INT64_C(1000)
#define HOUR (3600 * SEC)

/* The number of UTF-8 characters of S. */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void
test_github_states_are_its_four(void)
{
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_QUEUED, RESULT_NONE), "pending");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_RUNNING, RESULT_NONE), "pending");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_DONE, RESULT_PASSED), "success");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_DONE, RESULT_FAILED), "failure");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_DONE, RESULT_TIMEOUT), "failure");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_DONE, RESULT_CRASHED), "failure");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_DONE, RESULT_CANCELLED), "error");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_DONE, RESULT_ERROR), "error");
	CHECK_STR(ci_status_state(CI_FORGE_GITHUB, CI_PHASE_DONE, RESULT_INTERRUPTED), "error");
}

static void
test_gitlab_states_have_running_and_canceled(void)
{
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_QUEUED, RESULT_NONE), "pending");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_RUNNING, RESULT_NONE), "running");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_DONE, RESULT_PASSED), "success");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_DONE, RESULT_FAILED), "failed");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_DONE, RESULT_TIMEOUT), "failed");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_DONE, RESULT_CRASHED), "failed");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_DONE, RESULT_CANCELLED), "canceled");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_DONE, RESULT_ERROR), "failed");
	CHECK_STR(ci_status_state(CI_FORGE_GITLAB, CI_PHASE_DONE, RESULT_INTERRUPTED), "failed");
}

static void
test_generic_projects_get_no_state(void)
{
	CHECK(ci_status_state(CI_FORGE_GENERIC, CI_PHASE_QUEUED, RESULT_NONE) == NULL);
	CHECK(ci_status_state(CI_FORGE_GENERIC, CI_PHASE_DONE, RESULT_PASSED) == NULL);
}

static void
test_a_pass_says_the_counters(void)
{
	struct ci_status_facts f = { .result = RESULT_PASSED,
		.tests_total = 42,
		.tests_passed = 42 };
	char d[CI_DESCRIPTION_BUF];

	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d, "42/42 tests passed");
}

static void
test_a_pass_without_tests_says_passed(void)
{
	struct ci_status_facts f = { .result = RESULT_PASSED };
	char d[CI_DESCRIPTION_BUF];

	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d, "passed");
}

static void
test_a_failure_names_the_test_and_the_crash(void)
{
	struct ci_status_facts f = { .result = RESULT_FAILED,
		.message = "test 02-fail exited with status 1",
		.tests_total = 42,
		.tests_passed = 41,
		.crash_title = "BUG: KASAN: slab-out-of-bounds in foo" };
	char d[CI_DESCRIPTION_BUF];

	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d,
	    "41/42 tests passed; test 02-fail exited with status 1; crash: BUG: KASAN: "
	    "slab-out-of-bounds in foo");
}

static void
test_a_crash_the_message_names_is_not_said_twice(void)
{
	struct ci_status_facts f = { .result = RESULT_CRASHED,
		.message = "kernel panic: sysrq triggered crash (during test panic.sh)",
		.tests_total = 3,
		.tests_passed = 1,
		.crash_title = "kernel panic: sysrq triggered crash" };
	char d[CI_DESCRIPTION_BUF];

	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d,
	    "1/3 tests passed; kernel panic: sysrq triggered crash (during test panic.sh)");
}

static void
test_a_timeout_says_its_reason(void)
{
	struct ci_status_facts f = { .result = RESULT_TIMEOUT,
		.message = "timed out: no console output for 120 s (the idle timeout)" };
	char d[CI_DESCRIPTION_BUF];

	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d, "timed out: no console output for 120 s (the idle timeout)");
}

static void
test_cancelled_says_by_whom_or_superseded_by_which_commit(void)
{
	struct ci_status_facts f = { .result = RESULT_CANCELLED,
		.message = "cancelled by alice",
		.tests_total = 5,
		.tests_passed = 2 };
	char d[CI_DESCRIPTION_BUF];

	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d, "cancelled by alice");
	f.message = NULL;
	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d, "cancelled");
	f.superseded_by = "0123456789abcdef0123456789abcdef01234567";
	ci_status_describe(&f, d, sizeof(d));
	CHECK_STR(d, "superseded by 0123456789abcdef0123456789abcdef01234567");
}

static void
test_a_long_description_is_cut_to_140_characters_at_a_word(void)
{
	struct ci_status_facts f = { .result = RESULT_FAILED,
		.tests_total = 10,
		.tests_passed = 9 };
	char msg[400], d[CI_DESCRIPTION_BUF];

	strcpy(msg, "test a-very-long-name exited with status 1:");
	while (strlen(msg) < 300)
		strcat(msg, " word");
	f.message = msg;
	ci_status_describe(&f, d, sizeof(d));
	CHECK(chars(d) <= 140);
	CHECK(chars(d) >= 120);
	CHECK(strncmp(d, "9/10 tests passed; test a-very-long-name", 40) == 0);
	/* Ends on a whole word, then the ellipsis. */
	CHECK(strlen(d) > 8 && strcmp(d + strlen(d) - 8, " word...") == 0);
}

static void
test_the_cut_never_splits_a_character(void)
{
	/* 200 two-byte characters and no space to cut at. */
	char s[512];

	for (int i = 0; i < 200; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	s[400] = '\0';
	ci_status_cut(s, 140);
	CHECK_INT((int)chars(s), 140);
	CHECK_INT((int)strlen(s), 137 * 2 + 3);
	CHECK_STR(s + 137 * 2, "...");
}

static void
test_the_cut_keeps_a_short_text_and_flattens_lines(void)
{
	char s[] = "line one\nline two\ttab";

	ci_status_cut(s, 140);
	CHECK_STR(s, "line one line two tab");
}

static void
test_exactly_140_characters_are_kept_whole(void)
{
	char s[141];

	memset(s, 'x', 140);
	s[140] = '\0';
	ci_status_cut(s, 140);
	CHECK_INT((int)strlen(s), 140);
	CHECK(s[139] == 'x');
}

static void
test_target_url_is_the_jobs_api_path(void)
{
	char *u = ci_status_target_url("https://lab.example:8443/", 42);

	CHECK_STR(u, "https://lab.example:8443/v1/jobs/42");
	free(u);
	u = ci_status_target_url("http://127.0.0.1:9", 7);
	CHECK_STR(u, "http://127.0.0.1:9/v1/jobs/7");
	free(u);
	CHECK(ci_status_target_url(NULL, 7) == NULL);
}

static void
test_backoff_doubles_from_5_s_to_10_min(void)
{
	static const int64_t want_s[] = { 5, 10, 20, 40, 80, 160, 320, 600, 600, 600 };
	int64_t next;

	for (int a = 1; a <= 10; a++) {
		CHECK(ci_outbox_next_try(a, 0, 1000 * SEC, 5 * SEC, 600 * SEC, 24 * HOUR, &next));
		CHECK_INT((int)((next - 1000 * SEC) / SEC), (int)want_s[a - 1]);
	}
	/* A huge attempt count does not overflow. */
	CHECK(ci_outbox_next_try(100000, 0, 0, 5 * SEC, 600 * SEC, 24 * HOUR, &next));
	CHECK_INT((int)(next / SEC), 600);
}

static void
test_a_row_is_given_up_after_the_bound(void)
{
	int64_t next;

	/* Queued at 0, failing at 23:55: the next try (10 min) would be
	 * past 24 h. */
	CHECK(!ci_outbox_next_try(50, 0, 24 * HOUR - 5 * 60 * SEC, 5 * SEC, 600 * SEC, 24 * HOUR,
	    &next));
	CHECK(ci_outbox_next_try(50, 0, 23 * HOUR, 5 * SEC, 600 * SEC, 24 * HOUR, &next));
}

int
main(void)
{
	RUN(test_github_states_are_its_four);
	RUN(test_gitlab_states_have_running_and_canceled);
	RUN(test_generic_projects_get_no_state);
	RUN(test_a_pass_says_the_counters);
	RUN(test_a_pass_without_tests_says_passed);
	RUN(test_a_failure_names_the_test_and_the_crash);
	RUN(test_a_crash_the_message_names_is_not_said_twice);
	RUN(test_a_timeout_says_its_reason);
	RUN(test_cancelled_says_by_whom_or_superseded_by_which_commit);
	RUN(test_a_long_description_is_cut_to_140_characters_at_a_word);
	RUN(test_the_cut_never_splits_a_character);
	RUN(test_the_cut_keeps_a_short_text_and_flattens_lines);
	RUN(test_exactly_140_characters_are_kept_whole);
	RUN(test_target_url_is_the_jobs_api_path);
	RUN(test_backoff_doubles_from_5_s_to_10_min);
	RUN(test_a_row_is_given_up_after_the_bound);
	return UNIT_DONE();
}
