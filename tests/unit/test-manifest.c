/*
 * test-manifest.c -- the test manifest (common/manifest.c) that pkvmctl
 * submit --manifest and a CI project's 'manifest' share.
 *
 * The messages are the user interface (docs/MANIFEST.md quotes them, and a
 * failed CI delivery shows them as they are), so the tests pin them down
 * with the file and line; the JSON is what the job request gets, so it is
 * compared whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "manifest.h"
#include "unit.h"

static const char *const names[] = { "01-kvm", "02-ktap", "03-ltp" };
static const struct manifest_tests three = {
	.names = names,
	.n = 3,
	.unknown = "not among the --exe files",
};

/* manifest_read() of TEXT as file "t.mf"; *WHY as it said. */
static int
read_text(const char *text, const struct manifest_tests *tests, json_t **out, char **why)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	if (f == NULL)
		return -errno;
	r = manifest_read(f, "t.mf", tests, out, why);
	fclose(f);
	return r;
}

/* Whether TEXT fails with -EINVAL and exactly message WANT. */
static void
check_refused(const char *text, const char *want)
{
	json_t *m = NULL;
	char *why = NULL;

	CHECK_INT(read_text(text, &three, &m, &why), -EINVAL);
	CHECK_STR(why, want);
	CHECK(m == NULL);
	free(why);
}

static void
test_reads_args_env_timeout_and_modules(void)
{
	json_t *m = NULL, *want;
	char *why = NULL;

	CHECK_INT(read_text("# kvm selftests\n"
			    "module kvm_test_helper dummy\n"
			    "\n"
			    "test 01-kvm timeout=120 -- -smp 2 'arm/gic.flat'\r\n"
			    "test 02-ktap timeout=30\n"
			    "env 02-ktap KTAP_FILTER=\"gic.* vgic.*\" DEBUG=1 # two\n"
			    "test 03-ltp -- -f syscalls -s \"clock_gettime 01\" '--' a\\ b ''\n",
		      &three, &m, &why),
	    0);
	CHECK(why == NULL);
	want = json_pack("{s:{s:{s:i, s:[s,s,s]}, s:{s:i, s:{s:s, s:s}}, s:{s:[s,s,s,s,s,s,s]}},"
			 " s:[s,s]}",
	    "tests", "01-kvm", "timeout", 120, "args", "-smp", "2", "arm/gic.flat", "02-ktap",
	    "timeout", 30, "env", "KTAP_FILTER", "gic.* vgic.*", "DEBUG", "1", "03-ltp", "args",
	    "-f", "syscalls", "-s", "clock_gettime 01", "--", "a b", "", "modules",
	    "kvm_test_helper", "dummy");
	CHECK(json_equal(m, want));
	if (!json_equal(m, want)) {
		char *got = json_dumps(m, JSON_COMPACT);

		printf("#   got %s\n", got != NULL ? got : "(null)");
		free(got);
	}
	json_decref(want);
	json_decref(m);
}

static void
test_an_empty_manifest_sets_nothing(void)
{
	json_t *m = NULL;
	char *why = NULL;

	CHECK_INT(read_text("\n# nothing\n", &three, &m, &why), 0);
	CHECK_INT(json_object_size(json_object_get(m, "tests")), 0);
	CHECK_INT(json_array_size(json_object_get(m, "modules")), 0);
	json_decref(m);
}

static void
test_mistakes_name_the_file_and_line(void)
{
	check_refused("test 01-kvm\n\ntest foo\n",
	    "t.mf:3: unknown test 'foo' (not among the --exe files)");
	check_refused("test 01-kvm -- 'a\n", "t.mf:1: unterminated single quote");
	check_refused("env 02-ktap A=\"x\n", "t.mf:1: unterminated double quote");
	check_refused("test 01-kvm -- a\\\n",
	    "t.mf:1: backslash at the end of the line (lines do not continue)");
	check_refused("test 02-ktap\n#\n\n\ntest 02-ktap\n",
	    "t.mf:5: test '02-ktap' is already listed on line 1");
	check_refused("test 01-kvm timeout=604801\n",
	    "t.mf:1: invalid timeout '604801' (seconds, 0..604800; 0: none but the job's)");
	check_refused("test 01-kvm --verbose\n",
	    "t.mf:1: unknown option '--verbose' (only timeout=SECONDS; the test's arguments go "
	    "after --)");
	check_refused("env 01-kvm 1X=2\n",
	    "t.mf:1: '1X=2' is not KEY=VALUE with KEY a variable name ([A-Za-z_][A-Za-z0-9_]*, "
	    "at most 128)");
	check_refused("env 01-kvm A=1\nenv 01-kvm A=2\n",
	    "t.mf:2: A is set twice for test '01-kvm'");
	check_refused("module dummy x.ko\n",
	    "t.mf:1: invalid module name 'x.ko' (1..64 of [A-Za-z0-9_-], as modprobe takes it: no "
	    ".ko, no path)");
	check_refused("module dummy\nmodule dummy\n", "t.mf:2: module 'dummy' is listed twice");
	check_refused("run 01-kvm\n",
	    "t.mf:1: unknown keyword 'run' (expected test, env or module)");
}

static void
test_unknown_test_says_the_callers_words(void)
{
	const struct manifest_tests none = {
		.names = NULL,
		.n = 0,
		.unknown = "the job has no executables: the artifact has no tests",
	};
	json_t *m = NULL;
	char *why = NULL;

	CHECK_INT(read_text("module dummy\ntest t1\n", &none, &m, &why), -EINVAL);
	CHECK_STR(why,
	    "t.mf:2: unknown test 't1' (the job has no executables: the artifact has "
	    "no tests)");
	free(why);
	/* Modules need no test. */
	CHECK_INT(read_text("module dummy\n", &none, &m, &why), 0);
	json_decref(m);
}

static void
test_a_nul_byte_is_refused(void)
{
	static const char text[] = "test 01-kvm\ntest 02\0ktap\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	json_t *m = NULL;
	char *why = NULL;

	CHECK_INT(manifest_read(f, "t.mf", &three, &m, &why), -EINVAL);
	CHECK_STR(why, "t.mf:2: the line holds a NUL byte (not a text file?)");
	fclose(f);
	free(why);
}

static void
test_load_says_when_the_file_cannot_be_opened(void)
{
	json_t *m = NULL;
	char *why = NULL;

	CHECK_INT(manifest_load("data/no-such.manifest", &three, &m, &why), -ENOENT);
	CHECK_STR(why, "cannot open manifest 'data/no-such.manifest': No such file or directory");
	CHECK(m == NULL);
	free(why);
}

static void
test_apply_puts_tests_on_their_executables_and_modules_after(void)
{
	json_t *body = json_pack("{s:[{s:s, s:s}, {s:s, s:s}], s:[s]}", "executables", "name",
	    "01-kvm", "blob", "aa", "name", "02-ktap", "blob", "bb", "modules", "first");
	json_t *m = NULL, *want;
	char *why = NULL;

	CHECK_INT(read_text("test 02-ktap timeout=5 -- x\nenv 02-ktap A=b\nmodule m1 m2\n", &three,
		      &m, &why),
	    0);
	CHECK_INT(manifest_apply(body, m, "--module and manifest 't.mf'", &why), 0);
	CHECK(why == NULL);
	want = json_pack("{s:[{s:s, s:s}, {s:s, s:s, s:i, s:[s], s:{s:s}}], s:[s,s,s]}",
	    "executables", "name", "01-kvm", "blob", "aa", "name", "02-ktap", "blob", "bb",
	    "timeout", 5, "args", "x", "env", "A", "b", "modules", "first", "m1", "m2");
	CHECK(json_equal(body, want));
	json_decref(want);
	json_decref(body);
	/* A body without modules gets the manifest's. */
	body = json_object();
	CHECK_INT(manifest_apply(body, m, "x", &why), 0);
	CHECK_INT(json_array_size(json_object_get(body, "modules")), 2);
	json_decref(body);
	json_decref(m);
}

static void
test_apply_refuses_a_module_twice_and_too_many(void)
{
	json_t *body = json_pack("{s:[s]}", "modules", "m2"), *m = NULL;
	char *why = NULL;

	CHECK_INT(read_text("module m1 m2\n", &three, &m, &why), 0);
	CHECK_INT(manifest_apply(body, m, "job_template and manifest 't.mf'", &why), -EEXIST);
	CHECK_STR(why, "module 'm2' given twice (job_template and manifest 't.mf')");
	free(why);
	json_decref(body);
	body = json_pack("{s:[]}", "modules");
	for (int i = 0; i < MANIFEST_MODULES_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "x%d", i);
		json_array_append_new(json_object_get(body, "modules"), json_string(name));
	}
	CHECK_INT(manifest_apply(body, m, "x", &why), -E2BIG);
	CHECK_STR(why, "too many modules (at most 256)");
	free(why);
	json_decref(body);
	json_decref(m);
}

static void
test_module_names(void)
{
	CHECK(manifest_module_valid("kvm_test-helper9"));
	CHECK(!manifest_module_valid(""));
	CHECK(!manifest_module_valid("a.ko"));
	CHECK(!manifest_module_valid("../a"));
	CHECK(!manifest_module_valid(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int
main(void)
{
	RUN(test_reads_args_env_timeout_and_modules);
	RUN(test_an_empty_manifest_sets_nothing);
	RUN(test_mistakes_name_the_file_and_line);
	RUN(test_unknown_test_says_the_callers_words);
	RUN(test_a_nul_byte_is_refused);
	RUN(test_load_says_when_the_file_cannot_be_opened);
	RUN(test_apply_puts_tests_on_their_executables_and_modules_after);
	RUN(test_apply_refuses_a_module_twice_and_too_many);
	RUN(test_module_names);
	return UNIT_DONE();
}
