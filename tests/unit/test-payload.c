/*
 * test-payload.c -- payload jobs' pure parts (docs/PAYLOADS.md): what a
 * payload file is (common/payload-image.c), kvm-unit-tests' unittests.cfg
 * (common/kut-cfg.c), kvm-unit-tests' exit rules (guest/payload-exit.c)
 * and the "payloads" of a submitted job (job/job-json.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/payload-exit.h"
#include "job/job-json.h"
#include "kut-cfg.h"
#include "payload-image.h"
#include "unit.h"

/* ---- payload-image -------------------------------------------------------- */

static enum payload_format
format_of(const void *head, size_t len, const char **why)
{
	*why = NULL;
	return payload_image_format(head, len, why);
}

/* A PE/COFF header as gnu-efi's crt0 writes it: "MZ", e_lfanew 0x40,
 * "PE\0\0", MACHINE, a PE32+ optional header with SUBSYSTEM. */
static void
make_pe(unsigned char *b, size_t len, unsigned machine, unsigned subsystem)
{
	memset(b, 0, len);
	b[0] = 'M', b[1] = 'Z';
	b[0x3c] = 0x40;
	memcpy(b + 0x40, "PE\0\0", 4);
	b[0x44] = (unsigned char)(machine & 0xff), b[0x45] = (unsigned char)(machine >> 8);
	b[0x58] = 0x0b, b[0x59] = 0x02; /* PE32+ */
	b[0x58 + 68] = (unsigned char)subsystem;
}

static void
test_payload_image_flat_and_efi(void)
{
	/* adrp x4, 0 -- the first instruction of kvm-unit-tests' arm64 start. */
	static const unsigned char flat[16] = { 0x04, 0x00, 0x00, 0x90, 0xf3, 0x03, 0x00, 0xaa };
	unsigned char image[64] = { 0 }, pe[512];
	const char *why;

	CHECK_INT(format_of(flat, sizeof(flat), &why), PAYLOAD_FLAT);
	memcpy(image, flat, 8);
	memcpy(image + 56, "ARM\x64", 4);
	CHECK_INT(format_of(image, sizeof(image), &why), PAYLOAD_FLAT);
	make_pe(pe, sizeof(pe), 0xaa64, 10);
	CHECK_INT(format_of(pe, sizeof(pe), &why), PAYLOAD_EFI);
	CHECK_STR(payload_format_name(PAYLOAD_EFI), "efi");
	CHECK_STR(payload_format_name(PAYLOAD_FLAT), "flat");
}

static void
test_payload_image_refusals_say_what_it_is(void)
{
	static const unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	static const unsigned char gz[16] = { 0x1f, 0x8b, 8 };
	static const unsigned char zero[16] = { 0 };
	static const unsigned char udf[8] = { 0x00, 0x00, 0x00, 0x00 };
	static const unsigned char unalloc[8] = { 0x00, 0x00, 0x00, 0x02 }; /* op0 0001 */
	const char script[] = "#!/bin/sh\necho hello\n", text[] = "[selftest]\nfile = x.flat\n";
	unsigned char pe[512];
	const char *why;

	CHECK_INT(format_of(elf, sizeof(elf), &why), PAYLOAD_UNKNOWN);
	CHECK(why != NULL && strstr(why, "an ELF file") == why);
	CHECK_INT(format_of(gz, sizeof(gz), &why), PAYLOAD_UNKNOWN);
	CHECK(why != NULL && strstr(why, "gzip") != NULL);
	CHECK_INT(format_of(script, strlen(script), &why), PAYLOAD_UNKNOWN);
	CHECK_STR(why, "a script, not a flat aarch64 binary");
	CHECK_INT(format_of(text, strlen(text), &why), PAYLOAD_UNKNOWN);
	CHECK_STR(why, "a text file, not a flat aarch64 binary");
	CHECK_INT(format_of(zero, sizeof(zero), &why), PAYLOAD_UNKNOWN);
	CHECK_INT(format_of(udf, sizeof(udf), &why), PAYLOAD_UNKNOWN);
	CHECK_INT(format_of(unalloc, sizeof(unalloc), &why), PAYLOAD_UNKNOWN);
	CHECK(why != NULL && strstr(why, "unallocated") != NULL);
	CHECK_INT(format_of("", 0, &why), PAYLOAD_UNKNOWN);
	CHECK_STR(why, "an empty file");
	make_pe(pe, sizeof(pe), 0x8664, 10);
	CHECK_INT(format_of(pe, sizeof(pe), &why), PAYLOAD_UNKNOWN);
	CHECK_STR(why, "a PE/COFF image for x86-64, not arm64");
	make_pe(pe, sizeof(pe), 0xaa64, 3); /* a console program, not an EFI app */
	CHECK_INT(format_of(pe, sizeof(pe), &why), PAYLOAD_UNKNOWN);
	CHECK(why != NULL && strstr(why, "not an EFI application") != NULL);
	make_pe(pe, sizeof(pe), 0xaa64, 10);
	pe[0x3c] = 0xf0, pe[0x3d] = 0x01; /* PE header past what was read */
	CHECK_INT(format_of(pe, sizeof(pe), &why), PAYLOAD_UNKNOWN);
}

/* ---- kut-cfg ------------------------------------------------------------------ */

static const char cfg_text[] = "# comment\n"
			       "[selftest-setup]\n"
			       "file = selftest.flat\n"
			       "smp = 2\n"
			       "extra_params = -m 256 -append 'setup smp=2 mem=256'\n"
			       "groups = selftest\n"
			       "kvmtool_params = --mem 256\n"
			       "\n"
			       "[multi]\n"
			       "file=multi.flat\n"
			       "qemu_params = \"\"\"-machine gic-version=2\n"
			       "  -append 'a b' \\\n"
			       "x\"\"\"\n"
			       "smp = $MAX_SMP\n"
			       "timeout = 10m\n"
			       "accel = kvm\r\n";

static void
test_kut_cfg_reads_entries_as_the_runner_does(void)
{
	struct kut_cfg c = { 0 };
	char *why = NULL;

	CHECK_INT(kut_cfg_parse(cfg_text, &c, &why), 0);
	CHECK_INT(c.n, 2);
	if (c.n != 2)
		return;
	CHECK_STR(c.v[0].name, "selftest-setup");
	CHECK_STR(c.v[0].file, "selftest.flat");
	CHECK_STR(c.v[0].smp, "2");
	CHECK_STR(c.v[0].params, "-m 256 -append 'setup smp=2 mem=256'");
	CHECK_STR(c.v[0].groups, "selftest");
	CHECK_INT(c.v[0].line, 2);
	CHECK_STR(c.v[1].file, "multi.flat");
	/* Lines joined by a space, a trailing backslash joins without one. */
	CHECK_STR(c.v[1].params, "-machine gic-version=2   -append 'a b' x");
	CHECK_STR(c.v[1].smp, "$MAX_SMP");
	CHECK_STR(c.v[1].timeout, "10m");
	CHECK_STR(c.v[1].accel, "kvm");
	CHECK(c.v[1].groups == NULL);
	kut_cfg_free(&c);
}

static void
test_kut_cfg_errors_name_the_line(void)
{
	struct kut_cfg c = { 0 };
	char *why = NULL;

	CHECK_INT(kut_cfg_parse("file = x.flat\n[a]\n", &c, &why), -EINVAL);
	CHECK_STR(why, "line 1: a key before the first [name] line");
	free(why);
	why = NULL;
	CHECK_INT(kut_cfg_parse("[a]\nfile = a.flat\nextra_params = \"\"\"-smp 2\n", &c, &why),
	    -EINVAL);
	CHECK_STR(why, "line 3: a \"\"\" value that is never closed");
	free(why);
}

static void
test_kut_cfg_words_and_timeouts(void)
{
	char **w = NULL;
	size_t n = 0;
	long long t = 0;

	CHECK_INT(kut_cfg_words("-m 256 -append 'setup smp=2' \"x y\"z \\ a", &w, &n), 0);
	CHECK_INT(n, 6);
	if (n == 6) {
		CHECK_STR(w[0], "-m");
		CHECK_STR(w[3], "setup smp=2");
		CHECK_STR(w[4], "x yz");
		CHECK_STR(w[5], " a");
	}
	kut_cfg_words_free(w);
	CHECK_INT(kut_cfg_words("-append 'open", &w, &n), -EINVAL);
	CHECK_INT(kut_cfg_words("-smp `nproc`", &w, &n), -EINVAL);
	CHECK_INT(kut_cfg_words("-smp $(nproc)", &w, &n), -EINVAL);
	CHECK_INT(kut_cfg_timeout_s("90", &t), 0);
	CHECK_INT(t, 90);
	CHECK_INT(kut_cfg_timeout_s("2s", &t), 0);
	CHECK_INT(t, 2);
	CHECK_INT(kut_cfg_timeout_s("10m", &t), 0);
	CHECK_INT(t, 600);
	CHECK_INT(kut_cfg_timeout_s("1.5s", &t), 0);
	CHECK_INT(t, 2);
	CHECK_INT(kut_cfg_timeout_s("1h", &t), 0);
	CHECK_INT(t, 3600);
	CHECK_INT(kut_cfg_timeout_s("soon", &t), -EINVAL);
	CHECK_INT(kut_cfg_timeout_s("5x", &t), -EINVAL);
}

/* ---- payload-exit ------------------------------------------------------------- */

static void
test_payload_exit_follows_kvm_unit_tests(void)
{
	struct payload_exit x = { 0 };
	const char *how = NULL;

	/* The test device: qemu exits (code << 1) | 1; 1 is success. */
	CHECK_INT(payload_exit_status(&x, 1, &how), 0);
	CHECK_STR(how, "the test device");
	CHECK_INT(payload_exit_status(&x, 3, &how), 3);
	CHECK_INT(payload_exit_status(&x, PAYLOAD_STATUS_SKIP, &how), 77);
	CHECK_INT(payload_exit_status(&x, PAYLOAD_STATUS_ABORT, &how), 127);
	/* qemu exits 0: no test-device exit; without EXIT: STATUS a failure. */
	CHECK_INT(payload_exit_status(&x, 0, &how), 1);
	CHECK_STR(how, "a power-off without an exit status");
	payload_exit_line(&x, "EXIT: STATUS=1");
	CHECK_INT(payload_exit_status(&x, 0, &how), 0);
	CHECK_STR(how, "EXIT: STATUS on the console");
	/* Only the first one counts. */
	payload_exit_line(&x, "EXIT: STATUS=5");
	CHECK_INT(payload_exit_status(&x, 0, NULL), 0);
	memset(&x, 0, sizeof(x));
	payload_exit_line(&x, "\033[0m\033[37m\033[40mEXIT: STATUS=3");
	CHECK_INT(payload_exit_status(&x, 0, NULL), 3);
}

static void
test_payload_exit_finds_the_exception(void)
{
	struct payload_exit x = { 0 };

	payload_exit_line(&x, "PASS: before");
	CHECK_STR(x.exception, "");
	CHECK(x.printed);
	payload_exit_line(&x, "Unhandled exception ec=0x25 (DABT_EL1)");
	payload_exit_line(&x, "Unhandled exception ec=0x0 (UNKNOWN)");
	CHECK_STR(x.exception, "Unhandled exception ec=0x25 (DABT_EL1)");
	memset(&x, 0, sizeof(x));
	payload_exit_line(&x, "Synchronous Exception at 0x000000013F3A1234");
	CHECK_STR(x.exception, "Synchronous Exception at 0x000000013F3A1234");
}

/* ---- job-json: "payloads" ---------------------------------------------------- */

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Parse TEXT into a new job: its return, *J to free, E filled. */
static int
parse(const char *text, struct job **j, struct job_json_error *e)
{
	json_t *o = json_loads(text, 0, NULL);
	int r;

	memset(e, 0, sizeof(*e));
	if (job_new(j) < 0 || o == NULL) {
		json_decref(o);
		return -ENOMEM;
	}
	r = job_from_request(o, *j, e);
	json_decref(o);
	return r;
}

static void
test_job_payloads_parse(void)
{
	struct job_json_error e;
	struct job *j = NULL;
	json_t *o;

	CHECK_INT(parse("{\"payloads\": [{\"name\": \"a.flat\", \"blob\": \"" SHA_A "\"},"
			" {\"name\": \"b\", \"blob\": \"" SHA_B "\", \"smp\": 4, \"mem\": 256,"
			" \"append\": \"setup smp=4\", \"machine\": \"gic-version=2\","
			" \"groups\": [\"selftest\", \"smp\"], \"timeout\": 90}]}",
		      &j, &e),
	    0);
	CHECK_INT(j->kind, JOB_KIND_PAYLOAD);
	CHECK_INT(j->nexes, 2);
	/* The job's CPUs are the largest payload's; a payload without smp
	 * has the job's default. */
	CHECK_INT(j->smp, 4);
	CHECK_INT(j->exes[0].smp, 1);
	CHECK_STR(j->exes[1].append, "setup smp=4");
	CHECK_STR(j->exes[1].groups, "selftest smp");
	CHECK_INT(j->exes[1].mem_mb, 256);
	CHECK_INT(j->exes[1].timeout_s, 90);
	CHECK_STR(j->kernel, SHA_A);
	CHECK(!j->coverage);
	snprintf(j->exes[0].format, sizeof(j->exes[0].format), "flat");
	snprintf(j->exes[1].format, sizeof(j->exes[1].format), "flat");
	o = job_to_json(j);
	CHECK_STR(json_string_value(json_object_get(o, "kind")), "payload");
	CHECK_INT(json_array_size(json_object_get(o, "payloads")), 2);
	CHECK_STR(json_string_value(
		      json_array_get(json_object_get(json_array_get(json_object_get(o, "payloads"),
							 1),
					 "groups"),
			  1)),
	    "smp");
	json_decref(o);
	job_free(j);
}

static void
test_job_payloads_refusals(void)
{
	struct job_json_error e;
	struct job *j = NULL;

	CHECK_INT(parse("{\"kernel\": \"" SHA_A "\", \"payloads\": [{\"name\": \"a\","
			" \"blob\": \"" SHA_A "\"}]}",
		      &j, &e),
	    -EINVAL);
	CHECK_STR(e.field, "kernel");
	job_free(j);
	CHECK_INT(parse("{\"smp\": 2, \"payloads\": [{\"name\": \"a\", \"blob\": \"" SHA_A
			"\", \"smp\": 4}]}",
		      &j, &e),
	    -EINVAL);
	CHECK_STR(e.message, "payload a wants 4 CPUs, more than the job's smp of 2");
	job_free(j);
	CHECK_INT(parse("{\"payloads\": [{\"name\": \"a\", \"blob\": \"" SHA_A
			"\", \"machine\": \"dumpdtb=/etc/x\"}]}",
		      &j, &e),
	    -EINVAL);
	CHECK_STR(e.field, "payloads");
	job_free(j);
	CHECK_INT(parse("{\"payloads\": [{\"name\": \"a\", \"blob\": \"" SHA_A
			"\"}, {\"name\": \"a\", \"blob\": \"" SHA_B "\"}]}",
		      &j, &e),
	    -EINVAL);
	CHECK_STR(e.message, "payload name 'a' appears twice");
	job_free(j);
	CHECK_INT(parse("{\"payloads\": []}", &j, &e), -EINVAL);
	job_free(j);
	CHECK_INT(parse("{\"payloads\": [{\"name\": \"a\", \"blob\": \"" SHA_A
			"\", \"args\": []}]}",
		      &j, &e),
	    -EINVAL);
	CHECK_STR(e.code, "unknown_field");
	job_free(j);
	CHECK_INT(parse("{}", &j, &e), -EINVAL);
	CHECK_STR(e.message, "kernel is required (or payloads)");
	job_free(j);
}

int
main(void)
{
	RUN(test_payload_image_flat_and_efi);
	RUN(test_payload_image_refusals_say_what_it_is);
	RUN(test_kut_cfg_reads_entries_as_the_runner_does);
	RUN(test_kut_cfg_errors_name_the_line);
	RUN(test_kut_cfg_words_and_timeouts);
	RUN(test_payload_exit_follows_kvm_unit_tests);
	RUN(test_payload_exit_finds_the_exception);
	RUN(test_job_payloads_parse);
	RUN(test_job_payloads_refusals);
	return UNIT_DONE();
}
