/*
 * coverage-html.c -- pkvmctl coverage --html DIR ID: a job's coverage as
 * the HTML report people know from lcov.
 *
 * pkvmd keeps the merged tracefile of every captured job as the artifact
 * _coverage/coverage.info.  It is downloaded (through download.c, so it is
 * checked against the artifact listing's sha256) to DIR/coverage.info,
 * where it stays next to the report for anyone who wants to run lcov on
 * it, and then `genhtml --branch-coverage -o DIR` renders it here, on
 * this machine.
 *
 * genhtml needs more than the tracefile: it reads every source file the
 * tracefile names (SF: lines), at the paths of the machine that built the
 * kernel.  Run anywhere else it fails, and its own message ("cannot read
 * /home/me/linux/arch/arm64/kvm/arm.c") does not say why that matters, so
 * on failure the tracefile's sources are checked here and the reason is
 * given plainly.  genhtml's progress chatter goes to stderr: stdout carries
 * only the path of the report's index.html, for `xdg-open $(pkvmctl ...)`.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coverage.h"
#include "download.h"
#include "output.h"
#include "wire.h"

extern char **environ;

/* Refuse early, with the server's reason, when job ID has no tracefile. */
static int
html_check_status(struct api *api, int64_t id, bool wait)
{
	json_t *reply = NULL, *cov = NULL;
	const char *status, *message;
	char path[96];
	int err, rc = 0;

	coverage_job_path(id, wait, path, sizeof(path));
	err = api_get_member(api, path, NULL, JSON_OBJECT, &reply, &cov);
	if (err < 0)
		return api_fail(api, err);
	status = job_str(cov, "status");
	if (status != NULL && strcmp(status, "ok") != 0) {
		message = job_str(cov, "message");
		if (message == NULL)
			message = coverage_status_explain(status);
		fprintf(stderr, "pkvmctl: coverage of job %lld is %s, no report to make%s%s\n",
		    (long long)id, status, message != NULL ? ": " : "",
		    message != NULL ? message : "");
		rc = strcmp(status, "error") == 0 ? PKVM_EXIT_INFRA : PKVM_EXIT_USAGE;
	}
	json_decref(reply);
	return rc;
}

/* Run genhtml on INFO into DIR; 0 when it succeeded, else the exit code
 * after saying how it failed (*RAN: it did run and exit non-zero). */
static int
html_genhtml(const char *dir, const char *info, bool *ran)
{
	char *argv[] = { "genhtml", "--quiet", "--branch-coverage", "-o", (char *)dir, (char *)info,
		NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int err, status;

	*ran = false;
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO) != 0) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	fflush(stdout);
	err = posix_spawnp(&pid, "genhtml", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err == ENOENT) {
		fprintf(stderr,
		    "pkvmctl: genhtml not found: install lcov, which comes with it "
		    "(the tracefile is in %s)\n",
		    info);
		return PKVM_EXIT_INFRA;
	}
	if (err != 0) {
		fprintf(stderr, "pkvmctl: cannot run genhtml: %s\n", strerror(err));
		return PKVM_EXIT_INFRA;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "pkvmctl: cannot wait for genhtml: %s\n", strerror(errno));
			return PKVM_EXIT_INFRA;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	*ran = true;
	if (WIFEXITED(status))
		fprintf(stderr, "pkvmctl: genhtml failed (exit status %d)\n", WEXITSTATUS(status));
	else
		fprintf(stderr, "pkvmctl: genhtml was killed by signal %d\n", WTERMSIG(status));
	return PKVM_EXIT_INFRA;
}

/* After genhtml failed: say how many of INFO's source files cannot be
 * read here, the usual reason. */
static void
html_explain(const char *info)
{
	char *line = NULL, *first = NULL;
	size_t cap = 0, total = 0, missing = 0;
	ssize_t len;
	FILE *f = fopen(info, "r");

	if (f == NULL)
		return;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (strncmp(line, "SF:", 3) != 0)
			continue;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		total++;
		if (access(line + 3, R_OK) == 0)
			continue;
		if (missing++ == 0)
			first = strdup(line + 3);
	}
	free(line);
	fclose(f);
	if (missing > 0)
		fprintf(stderr,
		    "  genhtml reads the source files the coverage names, on this machine, at\n"
		    "  the paths they had where the code was built: %zu of %zu cannot be read\n"
		    "  here, the first being\n"
		    "    %s\n"
		    "  run this where the source tree is at that path (%s is kept)\n",
		    missing, total, first != NULL ? first : "?", info);
	else
		fprintf(stderr,
		    "  all %zu source files the coverage names are readable here; see\n"
		    "  genhtml's messages above\n",
		    total);
	free(first);
}

int
coverage_html(struct api *api, int64_t id, const char *dir, bool wait)
{
	char *info = NULL, *d = strdup(dir);
	struct stat st;
	size_t len;
	bool ran;
	int rc;

	if (d == NULL)
		goto nomem;
	/* "out/" and "out" are the same; "/" stays "/". */
	len = strlen(d);
	while (len > 1 && d[len - 1] == '/')
		d[--len] = '\0';
	rc = html_check_status(api, id, wait);
	if (rc != 0)
		goto out;
	if (mkdir(d, 0777) != 0 && (errno != EEXIST || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "pkvmctl: cannot create directory '%s': %s\n", d,
		    strerror(errno == EEXIST ? ENOTDIR : errno));
		rc = PKVM_EXIT_USAGE;
		goto out;
	}
	/* "./" keeps genhtml from taking "-x/coverage.info" for an option. */
	if (asprintf(&info, "%s%s/coverage.info", d[0] == '-' ? "./" : "", d) < 0) {
		info = NULL;
		goto nomem;
	}
	rc = download_artifact(api, id, COVERAGE_INFO_ARTIFACT, info,
	    DOWNLOAD_FORCE | DOWNLOAD_QUIET);
	if (rc != 0)
		goto out;
	rc = html_genhtml(d, info, &ran);
	if (rc != 0) {
		if (ran)
			html_explain(info);
		goto out;
	}
	if (printf("%s%sindex.html\n", d, d[len - 1] == '/' ? "" : "/") < 0)
		rc = PKVM_EXIT_INFRA;
	goto out;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	rc = PKVM_EXIT_INFRA;
out:
	free(info);
	free(d);
	return rc;
}
