/*
 * test-disks.c -- disk images: telling raw from qcow2, refusing what would
 * make qemu open a host file or is no disk at all (common/disk-image.c),
 * the disks, root and keep_disk of a job's request and JSON, its kernel
 * command line (job/job-json.c), and their round trip through the store
 * (store/disks.c, schema/014-disks.sql).
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "disk-image.h"
#include "job/job-json.h"
#include "test-store.h"

#define SHA_D "d15c000000000000000000000000000000000000000000000000000000000001"

/* A qcow2 header of VERSION with the given backing offset and
 * incompatible features, for an image of 1 GiB. */
static void
qcow2_header(unsigned char *h, int version, uint64_t backing_offset, uint64_t incompat)
{
	memset(h, 0, DISK_IMAGE_HEAD_BYTES);
	memcpy(h, "QFI\xfb", 4);
	h[7] = (unsigned char)version;
	for (int i = 0; i < 8; i++) {
		h[8 + i] = (unsigned char)(backing_offset >> (56 - 8 * i));
		h[72 + i] = (unsigned char)(incompat >> (56 - 8 * i));
	}
	h[27] = 0x40; /* size: 1 GiB */
	if (version == 3)
		h[103] = 104; /* header_length */
}

static void
test_qcow2_without_backing_is_qcow2(void)
{
	unsigned char h[DISK_IMAGE_HEAD_BYTES];
	const char *why = "x";

	qcow2_header(h, 3, 0, 0);
	CHECK_INT(disk_image_check(h, sizeof(h), 196608, &why), DISK_QCOW2);
	CHECK(why == NULL);
	qcow2_header(h, 2, 0, 0);
	CHECK_INT(disk_image_check(h, sizeof(h), 196608, &why), DISK_QCOW2);
}

static void
test_qcow2_with_backing_or_data_file_is_refused(void)
{
	unsigned char h[DISK_IMAGE_HEAD_BYTES];
	const char *why = NULL;

	qcow2_header(h, 3, 0x70, 0);
	CHECK_INT(disk_image_check(h, sizeof(h), 196608, &why), DISK_UNKNOWN);
	CHECK(why != NULL && strstr(why, "backing file") != NULL);
	qcow2_header(h, 2, 0x70, 0);
	CHECK_INT(disk_image_check(h, sizeof(h), 196608, &why), DISK_UNKNOWN);
	qcow2_header(h, 3, 0, 1u << 2);
	CHECK_INT(disk_image_check(h, sizeof(h), 196608, &why), DISK_UNKNOWN);
	CHECK(why != NULL && strstr(why, "external data file") != NULL);
}

static void
test_fake_and_truncated_qcow2_is_refused(void)
{
	unsigned char h[DISK_IMAGE_HEAD_BYTES];
	const char *why = NULL;

	qcow2_header(h, 3, 0, 0);
	h[7] = 9;
	CHECK_INT(disk_image_check(h, sizeof(h), 196608, &why), DISK_UNKNOWN);
	CHECK(why != NULL && strstr(why, "unknown qcow2 version") != NULL);
	qcow2_header(h, 3, 0, 0);
	CHECK_INT(disk_image_check(h, 40, 40, &why), DISK_UNKNOWN);
	CHECK(why != NULL && strstr(why, "not a whole qcow2 header") != NULL);
	qcow2_header(h, 3, 0, 0);
	h[103] = 0;
	CHECK_INT(disk_image_check(h, sizeof(h), 196608, &why), DISK_UNKNOWN);
}

static void
test_raw_is_whole_sectors_and_not_another_format(void)
{
	unsigned char h[DISK_IMAGE_HEAD_BYTES] = { 0 };
	const char *why = NULL;

	CHECK_INT(disk_image_check(h, sizeof(h), 1 << 20, &why), DISK_RAW);
	CHECK_INT(disk_image_check(h, sizeof(h), (1 << 20) + 1, &why), DISK_UNKNOWN);
	CHECK(why != NULL && strstr(why, "whole sectors") != NULL);
	CHECK_INT(disk_image_check(h, 0, 0, &why), DISK_UNKNOWN);
	memcpy(h, "KDMV", 4);
	CHECK_INT(disk_image_check(h, sizeof(h), 1 << 20, &why), DISK_UNKNOWN);
	CHECK(why != NULL && strstr(why, "VMDK") != NULL);
	memcpy(h, "\177ELF", 4);
	CHECK_INT(disk_image_check(h, sizeof(h), 1 << 20, &why), DISK_UNKNOWN);
	memset(h, 0, sizeof(h));
	memcpy(h + 56, "ARM\x64", 4);
	CHECK_INT(disk_image_check(h, sizeof(h), 1 << 20, &why), DISK_UNKNOWN);
	CHECK(why != NULL && strstr(why, "kernel Image") != NULL);
	memset(h, 0, sizeof(h));
	h[0] = 0x1f;
	h[1] = 0x8b;
	CHECK_INT(disk_image_check(h, sizeof(h), 1 << 20, &why), DISK_UNKNOWN);
}

/* Parse BODY into a new job: job_from_request()'s result, *J the job. */
static int
parse(const char *body, struct job **j, struct job_json_error *e)
{
	json_t *o = json_loads(body, 0, NULL);
	int r;

	if (job_new(j) < 0)
		abort();
	r = job_from_request(o, *j, e);
	json_decref(o);
	return r;
}

static void
test_request_takes_disks_root_and_keep_disk(void)
{
	struct job_json_error e = { 0 };
	struct job *j = NULL;
	char *cmdline;

	CHECK_INT(parse("{\"kernel\":\"" KERNEL "\",\"disks\":[{\"blob\":\"" SHA_D "\"},"
			"{\"blob\":\"" BLOB_A "\",\"readonly\":true}],"
			"\"root\":\"/dev/vda1\",\"keep_disk\":true}",
		      &j, &e),
	    0);
	CHECK_INT(j->ndisks, 2);
	CHECK_STR(j->disks[0].blob, SHA_D);
	CHECK_INT(j->disks[0].readonly, false);
	CHECK_INT(j->disks[1].readonly, true);
	CHECK_STR(j->root, "/dev/vda1");
	CHECK_INT(j->keep_disk, true);
	cmdline = job_cmdline(j);
	CHECK(cmdline != NULL && strstr(cmdline, " pkvm.root=/dev/vda1") != NULL);
	free(cmdline);
	job_free(j);
}

static void
test_request_refuses_what_does_not_fit(void)
{
	static const struct {
		const char *body, *field;
	} bad[] = {
		{ "{\"kernel\":\"" KERNEL "\",\"root\":\"/dev/vda\"}", "root" },
		{ "{\"kernel\":\"" KERNEL "\",\"disks\":[{\"blob\":\"" SHA_D
		  "\"}],\"root\":\"vda\"}",
		    "root" },
		{ "{\"kernel\":\"" KERNEL "\",\"disks\":[{\"blob\":\"" SHA_D
		  "\"}],\"root\":\"/dev/vda rw init=/bin/sh\"}",
		    "root" },
		{ "{\"kernel\":\"" KERNEL "\",\"disks\":[{\"blob\":\"" SHA_D
		  "\",\"readonly\":true}],\"keep_disk\":true}",
		    "keep_disk" },
		{ "{\"kernel\":\"" KERNEL "\",\"disks\":[{\"blob\":\"" SHA_D
		  "\"}],\"root\":\"/dev/vda\",\"executables\":[{\"name\":\"t\",\"blob\":\"" SHA_D
		  "\"}]}",
		    "root" },
		{ "{\"kernel\":\"" KERNEL "\",\"disks\":[{\"blob\":\"nope\"}]}", "disks" },
		{ "{\"kernel\":\"" KERNEL "\",\"disks\":[{\"blob\":\"" SHA_D "\",\"ro\":true}]}",
		    "disks" },
		{ "{\"kernel\":\"" KERNEL "\",\"disks\":{}}", "disks" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct job_json_error e = { 0 };
		struct job *j = NULL;

		CHECK_INT(parse(bad[i].body, &j, &e), -EINVAL);
		CHECK_STR(e.field, bad[i].field);
		job_free(j);
	}
}

static void
test_too_many_disks_are_refused(void)
{
	char body[4096];
	struct job_json_error e = { 0 };
	struct job *j = NULL;
	int n = snprintf(body, sizeof(body), "{\"kernel\":\"" KERNEL "\",\"disks\":[");

	for (int i = 0; i <= PKVM_DISKS_MAX; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "%s{\"blob\":\"" SHA_D "\"}",
		    i ? "," : "");
	snprintf(body + n, sizeof(body) - (size_t)n, "]}");
	CHECK_INT(parse(body, &j, &e), -EINVAL);
	CHECK_STR(e.field, "disks");
	job_free(j);
}

/* Whether the blobs the store's jobs refer to include HEX. */
static bool
refs_hold(struct store *st, const char *hex)
{
	char(*refs)[SHA256_HEX_LEN + 1] = NULL;
	bool found = false;
	size_t n = 0;

	CHECK_INT(store_blob_refs(st, &refs, &n), 0);
	for (size_t i = 0; i < n; i++)
		found = found || strcmp(refs[i], hex) == 0;
	free(refs);
	return found;
}

static void
test_disks_round_trip_through_the_store_and_json(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = job_make("alice", 0, 0), *g;
	json_t *o, *d;

	j->disks = calloc(2, sizeof(*j->disks));
	snprintf(j->disks[0].blob, sizeof(j->disks[0].blob), "%s", SHA_D);
	j->disks[0].format = DISK_QCOW2;
	j->disks[0].size = 196608;
	snprintf(j->disks[1].blob, sizeof(j->disks[1].blob), "%s", BLOB_A);
	j->disks[1].format = DISK_RAW;
	j->disks[1].readonly = true;
	j->disks[1].size = 1 << 20;
	j->ndisks = 2;
	j->root = strdup("/dev/vda");
	j->keep_disk = true;
	CHECK_INT(store_job_insert(st, j), 0);
	g = get(st, j->id);
	CHECK_INT(g->ndisks, 2);
	CHECK_STR(g->disks[0].blob, SHA_D);
	CHECK_INT(g->disks[0].format, DISK_QCOW2);
	CHECK_INT(g->disks[0].size, 196608);
	CHECK_INT(g->disks[1].format, DISK_RAW);
	CHECK_INT(g->disks[1].readonly, true);
	CHECK_STR(g->root, "/dev/vda");
	CHECK_INT(g->keep_disk, true);
	o = job_to_json(g);
	d = json_array_get(json_object_get(o, "disks"), 1);
	CHECK_STR(json_string_value(json_object_get(d, "format")), "raw");
	CHECK(json_is_true(json_object_get(d, "readonly")));
	CHECK_STR(json_string_value(json_object_get(o, "root")), "/dev/vda");
	CHECK(json_is_true(json_object_get(o, "keep_disk")));
	json_decref(o);
	job_free(g);
	/* Both disk images are referenced: the collector keeps them. */
	CHECK(refs_hold(st, SHA_D) && refs_hold(st, BLOB_A));

	/* A job without disks reads back with none, no root, nothing kept. */
	job_free(j);
	j = job_make("bob", 0, 0);
	CHECK_INT(store_job_insert(st, j), 0);
	g = get(st, j->id);
	CHECK_INT(g->ndisks, 0);
	CHECK(g->root == NULL);
	CHECK_INT(g->keep_disk, false);
	job_free(g);
	job_free(j);
	store_free(st);
}

int
main(void)
{
	if (store_test_setup() < 0)
		return 1;
	RUN(test_qcow2_without_backing_is_qcow2);
	RUN(test_qcow2_with_backing_or_data_file_is_refused);
	RUN(test_fake_and_truncated_qcow2_is_refused);
	RUN(test_raw_is_whole_sectors_and_not_another_format);
	RUN(test_request_takes_disks_root_and_keep_disk);
	RUN(test_request_refuses_what_does_not_fit);
	RUN(test_too_many_disks_are_refused);
	RUN(test_disks_round_trip_through_the_store_and_json);
	cleanup();
	return UNIT_DONE();
}
