/*
 * test-wire.c -- the names and checks pkvmd and pkvmctl share.
 *
 * The state and result names are the wire format, so the tests pin every
 * name down and check that each parses back to what printed it.  The name,
 * tag, sha256 and extra-path checks guard file names in the guest and paths
 * in the blob store, so the tests try the strings an attacker would.
 */
#include <errno.h>
#include <string.h>

#include "extra-path.h"
#include "unit.h"
#include "wire.h"

static void
test_state_names_round_trip(void)
{
	static const struct {
		enum job_state s;
		const char *name;
	} want[] = {
		{ JOB_QUEUED, "queued" },
		{ JOB_RUNNING, "running" },
		{ JOB_DONE, "done" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		enum job_state s = (enum job_state) - 1;

		CHECK_STR(job_state_name(want[i].s), want[i].name);
		CHECK_INT(job_state_parse(want[i].name, &s), 0);
		CHECK_INT(s, want[i].s);
	}
}

static void
test_state_parse_rejects_unknown_names(void)
{
	enum job_state s = JOB_RUNNING;

	CHECK_INT(job_state_parse("", &s), -EINVAL);
	CHECK_INT(job_state_parse("Queued", &s), -EINVAL);
	CHECK_INT(job_state_parse("queued ", &s), -EINVAL);
	CHECK_INT(job_state_parse("finished", &s), -EINVAL);
	CHECK_INT(s, JOB_RUNNING); /* untouched on failure */
	CHECK_STR(job_state_name((enum job_state)42), "unknown");
}

static void
test_result_names_round_trip(void)
{
	static const struct {
		enum job_result r;
		const char *name;
	} want[] = {
		{ RESULT_PASSED, "passed" },
		{ RESULT_FAILED, "failed" },
		{ RESULT_TIMEOUT, "timeout" },
		{ RESULT_CRASHED, "crashed" },
		{ RESULT_CANCELLED, "cancelled" },
		{ RESULT_ERROR, "error" },
		{ RESULT_INTERRUPTED, "interrupted" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		enum job_result r = RESULT_NONE;

		CHECK_STR(job_result_name(want[i].r), want[i].name);
		CHECK_INT(job_result_parse(want[i].name, &r), 0);
		CHECK_INT(r, want[i].r);
	}
}

static void
test_result_none_has_no_name_and_does_not_parse(void)
{
	enum job_result r = RESULT_PASSED;

	/* RESULT_NONE travels as JSON null, never as a string. */
	CHECK_STR(job_result_name(RESULT_NONE), NULL);
	CHECK_STR(job_result_name((enum job_result)99), NULL);
	CHECK_INT(job_result_parse("", &r), -EINVAL);
	CHECK_INT(job_result_parse("none", &r), -EINVAL);
	CHECK_INT(job_result_parse("null", &r), -EINVAL);
	CHECK_INT(job_result_parse("PASSED", &r), -EINVAL);
	CHECK_INT(r, RESULT_PASSED);
}

static void
test_result_exit_codes(void)
{
	CHECK_INT(job_result_exit_code(RESULT_PASSED), PKVM_EXIT_PASSED);
	CHECK_INT(job_result_exit_code(RESULT_FAILED), PKVM_EXIT_FAILED);
	CHECK_INT(job_result_exit_code(RESULT_TIMEOUT), PKVM_EXIT_TIMEOUT);
	CHECK_INT(job_result_exit_code(RESULT_CRASHED), PKVM_EXIT_CRASHED);
	CHECK_INT(job_result_exit_code(RESULT_CANCELLED), PKVM_EXIT_CANCELLED);
	CHECK_INT(job_result_exit_code(RESULT_ERROR), PKVM_EXIT_INFRA);
	CHECK_INT(job_result_exit_code(RESULT_INTERRUPTED), PKVM_EXIT_INFRA);
}

static void
test_name_accepts_ordinary_test_names(void)
{
	char longest[PKVM_NAME_MAX + 1];

	CHECK(pkvm_name_valid("01-kvm"));
	CHECK(pkvm_name_valid("a"));
	CHECK(pkvm_name_valid("test_v2.sh"));
	CHECK(pkvm_name_valid("c++-thing"));
	CHECK(pkvm_name_valid("a..b")); /* dots inside are harmless */
	memset(longest, 'x', PKVM_NAME_MAX);
	longest[PKVM_NAME_MAX] = '\0';
	CHECK(pkvm_name_valid(longest));
}

static void
test_name_rejects_paths_dots_empty_and_overlong(void)
{
	char overlong[PKVM_NAME_MAX + 2];

	CHECK(!pkvm_name_valid(""));
	CHECK(!pkvm_name_valid("/"));
	CHECK(!pkvm_name_valid("."));
	CHECK(!pkvm_name_valid(".."));
	CHECK(!pkvm_name_valid(".x"));
	CHECK(!pkvm_name_valid("../etc/passwd"));
	CHECK(!pkvm_name_valid("a/b"));
	CHECK(!pkvm_name_valid("/init"));
	CHECK(!pkvm_name_valid("a b"));
	CHECK(!pkvm_name_valid("a\nb"));
	CHECK(!pkvm_name_valid("a\\b"));
	CHECK(!pkvm_name_valid("caf\xc3\xa9"));
	memset(overlong, 'x', PKVM_NAME_MAX + 1);
	overlong[PKVM_NAME_MAX + 1] = '\0';
	CHECK(!pkvm_name_valid(overlong));
}

static void
test_tag_validation(void)
{
	char longest[PKVM_TAG_MAX + 1], overlong[PKVM_TAG_MAX + 2];

	CHECK(pkvm_tag_valid("v4"));
	CHECK(pkvm_tag_valid("branch:pkvm/next"));
	CHECK(pkvm_tag_valid("user@host"));
	CHECK(pkvm_tag_valid("k=v+w_x.y-z"));
	memset(longest, 't', PKVM_TAG_MAX);
	longest[PKVM_TAG_MAX] = '\0';
	CHECK(pkvm_tag_valid(longest));

	CHECK(!pkvm_tag_valid(""));
	CHECK(!pkvm_tag_valid("has space"));
	CHECK(!pkvm_tag_valid("semi;colon"));
	CHECK(!pkvm_tag_valid("quote\""));
	CHECK(!pkvm_tag_valid("amp&"));
	CHECK(!pkvm_tag_valid("tab\t"));
	memset(overlong, 't', PKVM_TAG_MAX + 1);
	overlong[PKVM_TAG_MAX + 1] = '\0';
	CHECK(!pkvm_tag_valid(overlong));
}

static void
test_sha256_hex_validation(void)
{
	const char *good = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char buf[80];

	CHECK(pkvm_sha256_hex_valid(good));
	CHECK(!pkvm_sha256_hex_valid(""));
	/* 63 and 65 digits. */
	snprintf(buf, sizeof(buf), "%.63s", good);
	CHECK(!pkvm_sha256_hex_valid(buf));
	snprintf(buf, sizeof(buf), "%s0", good);
	CHECK(!pkvm_sha256_hex_valid(buf));
	/* Upper case is refused: one spelling per blob, one file name. */
	snprintf(buf, sizeof(buf), "%s", good);
	buf[0] = 'E';
	CHECK(!pkvm_sha256_hex_valid(buf));
	buf[0] = 'g';
	CHECK(!pkvm_sha256_hex_valid(buf));
	buf[0] = '/';
	CHECK(!pkvm_sha256_hex_valid(buf));
	snprintf(buf, sizeof(buf), "../%.61s", good);
	CHECK(!pkvm_sha256_hex_valid(buf));
}

static void
test_extra_path_accepts_ordinary_paths(void)
{
	char longest[PKVM_EXTRA_PATH_MAX + 1];

	CHECK_STR(pkvm_extra_path_problem("lib/modules/6.1.0/kernel/drivers/net/dummy.ko"), NULL);
	CHECK_STR(pkvm_extra_path_problem("etc/modules-load.d"), NULL);
	CHECK_STR(pkvm_extra_path_problem("a"), NULL);
	CHECK_STR(pkvm_extra_path_problem(".hidden/x..y/a+b@c:d=e-f_g"), NULL);
	/* Near the reserved names, but none of them. */
	CHECK_STR(pkvm_extra_path_problem("init.d"), NULL);
	CHECK_STR(pkvm_extra_path_problem("etc/init"), NULL);
	CHECK_STR(pkvm_extra_path_problem("bin/busybox2"), NULL);
	CHECK_STR(pkvm_extra_path_problem("bin"), NULL);
	CHECK_STR(pkvm_extra_path_problem("pkvmx"), NULL);
	CHECK_STR(pkvm_extra_path_problem("ramfs.exe2/a"), NULL);
	CHECK_STR(pkvm_extra_path_problem("lib/pkvm/a"), NULL);
	memset(longest, 'x', PKVM_EXTRA_PATH_MAX);
	longest[PKVM_EXTRA_PATH_MAX] = '\0';
	CHECK_STR(pkvm_extra_path_problem(longest), NULL);
}

static void
test_extra_path_refusals_say_why(void)
{
	char overlong[PKVM_EXTRA_PATH_MAX + 2];

	CHECK_STR(pkvm_extra_path_problem(""), "must be 1 to 1024 characters");
	memset(overlong, 'x', PKVM_EXTRA_PATH_MAX + 1);
	overlong[PKVM_EXTRA_PATH_MAX + 1] = '\0';
	CHECK_STR(pkvm_extra_path_problem(overlong), "must be 1 to 1024 characters");
	CHECK_STR(pkvm_extra_path_problem("/etc/passwd"), "must be relative (no leading '/')");
	CHECK_STR(pkvm_extra_path_problem("a//b"),
	    "has an empty component ('//' or a trailing '/')");
	CHECK_STR(pkvm_extra_path_problem("lib/modules/"),
	    "has an empty component ('//' or a trailing '/')");
	CHECK_STR(pkvm_extra_path_problem("."), "may not contain '.' or '..' components");
	CHECK_STR(pkvm_extra_path_problem("a/../../etc"), "may not contain '.' or '..' components");
	CHECK_STR(pkvm_extra_path_problem("a/./b"), "may not contain '.' or '..' components");
	CHECK_STR(pkvm_extra_path_problem("a b"),
	    "has a character outside A-Z a-z 0-9 . _ + @ : = -");
	CHECK_STR(pkvm_extra_path_problem("a\nb"),
	    "has a character outside A-Z a-z 0-9 . _ + @ : = -");
	CHECK_STR(pkvm_extra_path_problem("a\\b"),
	    "has a character outside A-Z a-z 0-9 . _ + @ : = -");
	CHECK_STR(pkvm_extra_path_problem("caf\xc3\xa9"),
	    "has a character outside A-Z a-z 0-9 . _ + @ : = -");
	CHECK_STR(pkvm_extra_path_problem("init"), "would replace a file /init needs");
	CHECK_STR(pkvm_extra_path_problem("bin/busybox"), "would replace a file /init needs");
	CHECK_STR(pkvm_extra_path_problem("bin/sh"), "would replace a file /init needs");
	CHECK_STR(pkvm_extra_path_problem("ramfs.exe"),
	    "is where the job's executables go (ramfs.exe/)");
	CHECK_STR(pkvm_extra_path_problem("ramfs.exe/01-test"),
	    "is where the job's executables go (ramfs.exe/)");
	CHECK_STR(pkvm_extra_path_problem("pkvm"),
	    "is where pkvmd puts the job's settings (pkvm/)");
	CHECK_STR(pkvm_extra_path_problem("pkvm/modules"),
	    "is where pkvmd puts the job's settings (pkvm/)");
}

static void
test_time_parse_reads_the_api_times_to_the_millisecond(void)
{
	int64_t ms = 0;

	CHECK_INT(pkvm_time_parse("2026-11-21T18:20:00.123Z", &ms), 0);
	CHECK_INT(ms, INT64_C(1795285200123));
	CHECK_INT(pkvm_time_parse("2026-11-21T18:20:00Z", &ms), 0);
	CHECK_INT(ms, INT64_C(1795285200000));
	/* Digits past the millisecond are dropped, not rounded. */
	CHECK_INT(pkvm_time_parse("2026-11-21T18:20:00.1239+00:00", &ms), 0);
	CHECK_INT(ms, INT64_C(1795285200123));
	CHECK_INT(pkvm_time_parse("2026-11-21T18:20:00.5z", &ms), 0);
	CHECK_INT(ms, INT64_C(1795285200500));
	CHECK_INT(pkvm_time_parse("1970-01-01T00:00:00Z", &ms), 0);
	CHECK_INT(ms, 0);
}

static void
test_time_parse_refuses_anything_else(void)
{
	static const char *const bad[] = {
		"",
		"2026-11-21",
		"2026-11-21 18:20:00Z",
		"2026-11-21T18:20:00",
		"2026-11-21T18:20:00+01:00",
		"2026-11-21T18:20:00.Z",
		"2026-11-21T18:20:00Zjunk",
		" 2026-11-21T18:20:00Z",
		"+2026-11-21T18:20:00Z",
		"2026-13-21T18:20:00Z",
		"2026-11-00T18:20:00Z",
		"2026-11-21T24:00:00Z",
		"2026-11-21T18:60:00Z",
		"1795285200",
	};
	int64_t ms = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(pkvm_time_parse(bad[i], &ms), -EINVAL);
		CHECK_INT(ms, 42);
	}
}

int
main(void)
{
	RUN(test_state_names_round_trip);
	RUN(test_state_parse_rejects_unknown_names);
	RUN(test_result_names_round_trip);
	RUN(test_result_none_has_no_name_and_does_not_parse);
	RUN(test_result_exit_codes);
	RUN(test_name_accepts_ordinary_test_names);
	RUN(test_name_rejects_paths_dots_empty_and_overlong);
	RUN(test_tag_validation);
	RUN(test_sha256_hex_validation);
	RUN(test_extra_path_accepts_ordinary_paths);
	RUN(test_extra_path_refusals_say_why);
	RUN(test_time_parse_reads_the_api_times_to_the_millisecond);
	RUN(test_time_parse_refuses_anything_else);
	return UNIT_DONE();
}
