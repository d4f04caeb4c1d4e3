/*
 * fuzz-manifest.c -- the test manifest reader (common/manifest.c,
 * docs/MANIFEST.md), which pkvmctl runs on a user's file, and
 * manifest_apply(), which puts what it read onto a job request.
 *
 * The known tests are a fixed list, as pkvmctl's --exe files would be.
 * A manifest is read into an object, or refused with a reason that names
 * it and its line; never both.
 */
#include <errno.h>
#include <jansson.h>

#include "fuzz.h"
#include "manifest.h"

static const char *const names[] = { "01-kvm", "01-kvm-unit", "02-ktap", "03-ltp", "a" };
static const struct manifest_tests tests = {
	.names = names,
	.n = sizeof(names) / sizeof(names[0]),
	.unknown = "not an --exe",
};

static void
fuzz_one(const uint8_t *data, size_t len)
{
	FILE *f = fmemopen((void *)data, len, "r");
	json_t *m = NULL;
	char *why = NULL;
	int rc;

	if (len == 0 || f == NULL) {
		if (f != NULL)
			fclose(f);
		return;
	}
	rc = manifest_read(f, "fuzz.manifest", &tests, &m, &why);
	fclose(f);
	if (rc == 0) {
		json_t *body = json_pack("{s:[{s:s,s:s,s:i},{s:s,s:s,s:i}]}", "executables", "name",
		    "01-kvm", "blob", "x", "mode", 493, "name", "a", "blob", "x", "mode", 493);

		fuzz_check(m != NULL && why == NULL, "read without an object, or with a reason");
		fuzz_check(body != NULL, "json_pack");
		rc = manifest_apply(body, m, "fuzz.manifest", &why);
		fuzz_check(rc == 0 || why != NULL, "apply refused without a reason");
		json_decref(body);
		json_decref(m);
	} else {
		fuzz_check(m == NULL, "an object from a refused manifest");
		fuzz_check(rc == -ENOMEM || (why != NULL && strncmp(why, "fuzz.manifest", 13) == 0),
		    "a refusal that does not name the manifest");
	}
	free(why);
}
