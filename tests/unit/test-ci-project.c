/*
 * test-ci-project.c -- ci_project_parse() (the fields each forge needs,
 * unknown fields, secret files, the job template, api_url) and the
 * webhook signature and token checks of ci/signature.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ci/project.h"
#include "ci/signature.h"
#include "unit.h"

static char secret_path[64], empty_path[64];

/* Parse TEXT (a template with %s for the secret file): the error, and
 * the message in WHY when there is one. */
static int
parse(const char *text, struct ci_project **p, char *why, size_t len)
{
	char buf[2048];
	json_error_t jerr;
	char *w = NULL;
	json_t *o;
	int r;

	snprintf(buf, sizeof(buf), text, secret_path, secret_path);
	o = json_loads(buf, 0, &jerr);
	if (o == NULL) {
		printf("# bad test JSON: %s\n", jerr.text);
		return -999;
	}
	r = ci_project_parse(o, "test.json", p, &w);
	json_decref(o);
	snprintf(why, len, "%s", w != NULL ? w : "");
	free(w);
	return r;
}

#define GH \
	"{\"name\": \"k\", \"forge\": \"github\", \"repository\": \"acme/linux\", " \
	"\"secret_file\": \"%s\", \"token_file\": \"%s\", \"workflow\": \"kernel\", " \
	"\"artifact\": \"a\", \"kernel\": \"Image\""

static void
test_github_project_with_defaults(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse(GH "}", &p, why, sizeof(why)), 0);
	if (p == NULL)
		return;
	CHECK_STR(p->api_url, "https://api.github.com");
	CHECK_STR(p->secret, "s3cret");
	CHECK_INT((int)p->secret_len, 6);
	CHECK_STR(p->owner, "ci-k");
	CHECK(!p->supersede);
	ci_project_free(p);
}

static void
test_github_needs_workflow_and_artifact(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse("{\"name\": \"k\", \"forge\": \"github\", \"repository\": \"a/b\", "
			"\"secret_file\": \"%s\", \"token_file\": \"%s\", \"kernel\": \"I\"}",
		      &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "'workflow' and 'artifact' are required") != NULL);
	CHECK(p == NULL);
}

static void
test_gitlab_needs_job_and_token(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse("{\"name\": \"k\", \"forge\": \"gitlab\", \"repository\": \"7\", "
			"\"secret_file\": \"%s\", \"token_file\": \"%s\", \"kernel\": \"I\"}",
		      &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "'job' is required") != NULL);
	CHECK_INT(parse("{\"name\": \"k\", \"forge\": \"gitlab\", \"repository\": \"7\", "
			"\"secret_file\": \"%s\", \"job\": \"build\", \"kernel\": \"I\"}",
		      &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "'token_file' is required") != NULL);
}

static void
test_generic_needs_only_a_secret(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse("{\"name\": \"g\", \"forge\": \"generic\", \"secret_file\": \"%s\"}", &p,
		      why, sizeof(why)),
	    0);
	CHECK(p != NULL && p->api_url == NULL);
	ci_project_free(p);
	CHECK_INT(parse("{\"name\": \"g\", \"forge\": \"generic\"}", &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "'secret_file' is required") != NULL);
}

static void
test_manifest_is_a_path_next_to_tests(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse(GH ", \"tests\": \"t\", \"manifest\": \"pkvmd-job/tests.manifest\"}", &p,
		      why, sizeof(why)),
	    0);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK_STR(p->tests, "t");
		CHECK_STR(p->manifest, "pkvmd-job/tests.manifest");
	}
	ci_project_free(p);
	/* Without it, no manifest; it needs no 'tests' (modules only). */
	CHECK_INT(parse(GH "}", &p, why, sizeof(why)), 0);
	CHECK(p != NULL && p->manifest == NULL);
	ci_project_free(p);
	CHECK_INT(parse(GH ", \"manifest\": \"m\"}", &p, why, sizeof(why)), 0);
	CHECK(p != NULL && p->tests == NULL);
	ci_project_free(p);
	p = NULL;
	CHECK_INT(parse(GH ", \"manifest\": 1}", &p, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "'manifest' must be a non-empty string");
	CHECK(p == NULL);
	CHECK_INT(parse(GH ", \"manifest\": \"\"}", &p, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "'manifest' must be a non-empty string");
	CHECK_INT(parse(GH ", \"manifests\": \"m\"}", &p, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "unknown field 'manifests'");
}

static void
test_unknown_field_is_refused(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse(GH ", \"supersed\": true}", &p, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "unknown field 'supersed'");
}

static void
test_secret_file_unreadable_or_empty(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse("{\"name\": \"g\", \"forge\": \"generic\", \"secret_file\": "
			"\"/nonexistent/s\"}",
		      &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "secret_file '/nonexistent/s'") != NULL);
	char text[256];
	snprintf(text, sizeof(text),
	    "{\"name\": \"g\", \"forge\": \"generic\", \"secret_file\": \"%s\"}", empty_path);
	CHECK_INT(parse(text, &p, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "is empty") != NULL);
}

static void
test_bad_template_is_refused(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse(GH ", \"job_template\": {\"smp\": \"four\"}}", &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strncmp(why, "job_template: ", 14) == 0);
	CHECK_INT(parse(GH ", \"job_template\": {\"kernel\": \"x\"}}", &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "come from the artifact") != NULL);
	CHECK_INT(parse(GH ", \"job_template\": {\"executables\": []}}", &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "come from the artifact") != NULL);
	CHECK_INT(parse(GH ", \"job_template\": [1]}", &p, why, sizeof(why)), -EINVAL);
	CHECK_INT(parse(GH ", \"job_template\": {\"root\": \"/dev/vda\"}}", &p, why, sizeof(why)),
	    -EINVAL);
	CHECK(strstr(why, "not taken from a CI project") != NULL);
}

static void
test_api_url_trailing_slash_and_scheme(void)
{
	struct ci_project *p = NULL;
	char why[256];

	CHECK_INT(parse(GH ", \"api_url\": \"http://127.0.0.1:9/api/v3//\"}", &p, why, sizeof(why)),
	    0);
	CHECK(p != NULL && strcmp(p->api_url, "http://127.0.0.1:9/api/v3") == 0);
	ci_project_free(p);
	CHECK_INT(parse(GH ", \"api_url\": \"ftp://x\"}", &p, why, sizeof(why)), -EINVAL);
}

/* RFC 4231 test case 2: key "Jefe", "what do ya want for nothing?". */
static void
test_hmac_sha256_known_answer(void)
{
	char hex[CI_HMAC_HEX_LEN + 1];
	const char *msg = "what do ya want for nothing?";

	CHECK_INT(ci_hmac_sha256_hex("Jefe", 4, msg, strlen(msg), hex), 0);
	CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
test_signature_check(void)
{
	const char *body = "{\"zen\": \"x\"}";
	char hex[CI_HMAC_HEX_LEN + 1], header[80];

	ci_hmac_sha256_hex("k", 1, body, strlen(body), hex);
	snprintf(header, sizeof(header), "sha256=%s", hex);
	CHECK_INT(ci_signature_check(header, "k", 1, body, strlen(body)), 0);
	for (char *c = header + 7; *c; c++)
		*c = (char)(*c >= 'a' ? *c - 32 : *c);
	CHECK_INT(ci_signature_check(header, "k", 1, body, strlen(body)), 0); /* upper-case hex */
	CHECK_INT(ci_signature_check(header, "K", 1, body, strlen(body)), -EBADMSG);
	CHECK_INT(ci_signature_check(header, "k", 1, body, strlen(body) - 1), -EBADMSG);
	CHECK_INT(ci_signature_check(NULL, "k", 1, body, strlen(body)), -EINVAL);
	CHECK_INT(ci_signature_check("sha1=abc", "k", 1, body, strlen(body)), -EINVAL);
	header[20] = 'g';
	CHECK_INT(ci_signature_check(header, "k", 1, body, strlen(body)), -EINVAL);
	header[strlen(header) - 1] = '\0';
	CHECK_INT(ci_signature_check(header, "k", 1, body, strlen(body)), -EINVAL);
}

static void
test_token_check(void)
{
	CHECK_INT(ci_token_check("gl-secret", "gl-secret", 9), 0);
	CHECK_INT(ci_token_check("gl-secreT", "gl-secret", 9), -EBADMSG);
	CHECK_INT(ci_token_check("gl-secret-longer", "gl-secret", 9), -EBADMSG);
	CHECK_INT(ci_token_check("gl", "gl-secret", 9), -EBADMSG);
	CHECK_INT(ci_token_check("", "gl-secret", 9), -EINVAL);
	CHECK_INT(ci_token_check(NULL, "gl-secret", 9), -EINVAL);
}

int
main(void)
{
	FILE *f;
	int fd;

	snprintf(secret_path, sizeof(secret_path), "/tmp/pkvm-ci-secret.XXXXXX");
	snprintf(empty_path, sizeof(empty_path), "/tmp/pkvm-ci-empty.XXXXXX");
	if ((fd = mkstemp(secret_path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return 2;
	fputs("s3cret\n", f);
	fclose(f);
	if ((fd = mkstemp(empty_path)) < 0)
		return 2;
	close(fd);
	RUN(test_github_project_with_defaults);
	RUN(test_github_needs_workflow_and_artifact);
	RUN(test_gitlab_needs_job_and_token);
	RUN(test_generic_needs_only_a_secret);
	RUN(test_manifest_is_a_path_next_to_tests);
	RUN(test_unknown_field_is_refused);
	RUN(test_secret_file_unreadable_or_empty);
	RUN(test_bad_template_is_refused);
	RUN(test_api_url_trailing_slash_and_scheme);
	RUN(test_hmac_sha256_known_answer);
	RUN(test_signature_check);
	RUN(test_token_check);
	unlink(secret_path);
	unlink(empty_path);
	return UNIT_DONE();
}
