/*
 * ci-artifact-get -- drives daemon/ci/fetch.c and ci_artifact_get() on a
 * real libuv loop, for tests/integration/ci-artifacts.sh (against the
 * stand-in forge, tests/forge/forge.py).
 *
 *   ci-artifact-get fetch URL [--max-bytes N] [--timeout-s S]
 *       [--redirects N] [--out FILE] [--header 'Name: value']... [--cancel]
 *     one request; prints "err=ENAME status=N bytes=N sha256=HEX
 *     location=URL|-" (--cancel frees the fetcher before it runs)
 *   ci-artifact-get get --forge github|gitlab|generic --workdir DIR
 *       [--api URL] [--repository R] [--token T] [--artifact NAME]
 *       [--kernel PATH] [--tests PATH] [--run-id N] [--job-id N]
 *       [--kernel-url U] [--kernel-sha256 H] [--tests-url U]
 *       [--tests-sha256 H] [--max-bytes N] [--timeout-s S]
 *     prints "ok kernel=PATH tests=PATH|-" (paths under DIR) or
 *     "error ENAME: why"; exits 0 or 1
 *
 * Either way the fetcher is freed and the loop must then close with no
 * handle left (exit 3 otherwise): a leaked poll or timer is a failure.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "ci/artifact.h"
#include "ci/fetch.h"

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ 0, "0" },
	{ ENOENT, "ENOENT" },
	{ EACCES, "EACCES" },
	{ EPERM, "EPERM" },
	{ EFBIG, "EFBIG" },
	{ EAGAIN, "EAGAIN" },
	{ ETIMEDOUT, "ETIMEDOUT" },
	{ EBADMSG, "EBADMSG" },
	{ EINVAL, "EINVAL" },
	{ EEXIST, "EEXIST" },
	{ EPROTO, "EPROTO" },
	{ ECANCELED, "ECANCELED" },
	{ ECONNREFUSED, "ECONNREFUSED" },
	{ ECONNRESET, "ECONNRESET" },
	{ EHOSTUNREACH, "EHOSTUNREACH" },
	{ ELOOP, "ELOOP" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ EIO, "EIO" },
};

static const char *
errname(int err)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == -err)
			return errnames[i].name;
	return strerror(-err);
}

static struct ci_fetcher *fetcher;
static int exit_code = 1;
static const char *workdir;

static void
on_fetch(void *arg, const struct ci_fetch_result *res)
{
	(void)arg;
	printf("err=%s status=%ld bytes=%lld sha256=%s location=%s\n", errname(res->err),
	    res->status, (long long)res->bytes, res->sha256,
	    res->location != NULL ? res->location : "-");
	if (res->err != 0)
		printf("error=%s\n", res->error);
	exit_code = res->err == 0 ? 0 : 1;
}

static const char *
under(const char *path)
{
	size_t n = strlen(workdir);

	if (path != NULL && strncmp(path, workdir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path != NULL ? path : "-";
}

static void
on_artifact(void *arg, int err, const char *why, const struct ci_unpacked *u)
{
	(void)arg;
	if (err < 0) {
		printf("error %s: %s\n", errname(err), why);
	} else {
		printf("ok kernel=%s tests=%s\n", under(u->kernel), under(u->tests));
		exit_code = 0;
	}
	fflush(stdout);
	/* The hooks free nothing here; the test frees the fetcher after. */
}

enum {
	O_MAX_BYTES = 256,
	O_TIMEOUT,
	O_REDIRECTS,
	O_OUT,
	O_HEADER,
	O_CANCEL,
	O_FORGE,
	O_WORKDIR,
	O_API,
	O_REPO,
	O_TOKEN,
	O_ARTIFACT,
	O_KERNEL,
	O_TESTS,
	O_RUN,
	O_JOB,
	O_KURL,
	O_KSHA,
	O_TURL,
	O_TSHA
};

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-bytes", 1, NULL, O_MAX_BYTES },
		{ "timeout-s", 1, NULL, O_TIMEOUT },
		{ "redirects", 1, NULL, O_REDIRECTS },
		{ "out", 1, NULL, O_OUT },
		{ "header", 1, NULL, O_HEADER },
		{ "cancel", 0, NULL, O_CANCEL },
		{ "forge", 1, NULL, O_FORGE },
		{ "workdir", 1, NULL, O_WORKDIR },
		{ "api", 1, NULL, O_API },
		{ "repository", 1, NULL, O_REPO },
		{ "token", 1, NULL, O_TOKEN },
		{ "artifact", 1, NULL, O_ARTIFACT },
		{ "kernel", 1, NULL, O_KERNEL },
		{ "tests", 1, NULL, O_TESTS },
		{ "run-id", 1, NULL, O_RUN },
		{ "job-id", 1, NULL, O_JOB },
		{ "kernel-url", 1, NULL, O_KURL },
		{ "kernel-sha256", 1, NULL, O_KSHA },
		{ "tests-url", 1, NULL, O_TURL },
		{ "tests-sha256", 1, NULL, O_TSHA },
		{ NULL, 0, NULL, 0 },
	};
	struct ci_project p = { .name = "t" };
	struct ci_push push = { .ref = "main", .commit = "0" };
	struct ci_fetch_req freq = { .method = "GET", .max_bytes = 64 << 20, .timeout_s = 20 };
	const char *headers[16] = { NULL };
	const char *forge = NULL;
	size_t nheaders = 0;
	int cancel = 0, c, r;
	uv_loop_t loop;

	if (argc < 2 || (strcmp(argv[1], "fetch") != 0 && strcmp(argv[1], "get") != 0)) {
		fprintf(stderr, "usage: ci-artifact-get fetch URL ... | get --forge F ...\n");
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_MAX_BYTES:
			freq.max_bytes = strtoll(optarg, NULL, 10);
			break;
		case O_TIMEOUT:
			freq.timeout_s = strtol(optarg, NULL, 10);
			break;
		case O_REDIRECTS:
			freq.max_redirects = strtol(optarg, NULL, 10);
			break;
		case O_OUT:
			freq.out_path = optarg;
			break;
		case O_HEADER:
			if (nheaders + 1 < sizeof(headers) / sizeof(headers[0]))
				headers[nheaders++] = optarg;
			break;
		case O_CANCEL:
			cancel = 1;
			break;
		case O_FORGE:
			forge = optarg;
			break;
		case O_WORKDIR:
			workdir = optarg;
			break;
		case O_API:
			p.api_url = optarg;
			break;
		case O_REPO:
			p.repository = optarg;
			break;
		case O_TOKEN:
			p.token = optarg;
			break;
		case O_ARTIFACT:
			p.artifact = optarg;
			break;
		case O_KERNEL:
			p.kernel = optarg;
			break;
		case O_TESTS:
			p.tests = optarg;
			break;
		case O_RUN:
			push.run_id = strtoll(optarg, NULL, 10);
			break;
		case O_JOB:
			push.job_id = strtoll(optarg, NULL, 10);
			break;
		case O_KURL:
			push.kernel_url = optarg;
			break;
		case O_KSHA:
			push.kernel_sha256 = optarg;
			break;
		case O_TURL:
			push.tests_url = optarg;
			break;
		case O_TSHA:
			push.tests_sha256 = optarg;
			break;
		default:
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uv_loop_init(&loop);
	if ((r = ci_fetcher_new(&fetcher, &loop)) < 0) {
		fprintf(stderr, "ci_fetcher_new: %s\n", strerror(-r));
		return 2;
	}
	if (strcmp(argv[1], "fetch") == 0) {
		if (optind >= argc)
			return 2;
		freq.url = argv[optind];
		freq.headers = nheaders > 0 ? headers : NULL;
		if ((r = ci_fetch_start(fetcher, &freq, on_fetch, NULL)) < 0) {
			printf("start=%s\n", errname(r));
			exit_code = 1;
		}
		if (cancel)
			ci_fetcher_free(fetcher);
	} else {
		struct ci_artifact_req req = {
			.fetcher = fetcher,
			.loop = &loop,
			.project = &p,
			.push = &push,
			.workdir = workdir,
			.max_bytes = freq.max_bytes,
			.timeout_s = freq.timeout_s,
		};

		if (forge == NULL || strcmp(forge, "generic") == 0)
			p.forge = CI_FORGE_GENERIC;
		else
			p.forge = strcmp(forge, "github") == 0 ? CI_FORGE_GITHUB : CI_FORGE_GITLAB;
		if ((r = ci_artifact_get(&req, on_artifact, NULL)) < 0) {
			printf("start=%s\n", errname(r));
			exit_code = 1;
		}
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	if (!cancel)
		ci_fetcher_free(fetcher);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0) {
		printf("loop: handles left open\n");
		return 3;
	}
	return exit_code;
}
