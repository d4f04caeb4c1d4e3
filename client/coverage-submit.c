/*
 * coverage-submit.c -- the coverage fields of a job request, from submit's
 * --build-dir, --gcov-tool and --coverage-path.
 *
 * They are checked here as the daemon checks them (daemon/job-json.c), so
 * a typo is refused before anything is uploaded.  build_dir names a
 * directory on the server, where pkvmd runs lcov, not on this machine: an
 * absolute path is sent as it is, even when it does not exist here.  A
 * relative one can only have been meant from here, so it is made absolute
 * with realpath(), which is what a daemon on this same machine needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "wire.h"

/* Same limits as the daemon's coverage fields (daemon/job-json.c). */
#define COVERAGE_BUILD_DIR_MAX 4096
#define COVERAGE_PATH_MAX 1024
#define COVERAGE_PATHS_MAX 32

static int
set_build_dir(json_t *body, const char *dir)
{
	char *abs;

	if (dir[0] == '/') {
		if (strlen(dir) > COVERAGE_BUILD_DIR_MAX || strchr(dir, '\n') != NULL) {
			fprintf(stderr,
			    "pkvmctl: invalid --build-dir: at most %d bytes, one line\n",
			    COVERAGE_BUILD_DIR_MAX);
			return PKVM_EXIT_USAGE;
		}
		json_object_set_new(body, "build_dir", json_string(dir));
		return 0;
	}
	abs = realpath(dir, NULL);
	if (abs == NULL) {
		fprintf(stderr,
		    "pkvmctl: cannot resolve --build-dir '%s': %s\n"
		    "  (a relative path is taken from this machine; give the absolute path\n"
		    "  of the build directory on the server)\n",
		    dir, strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	json_object_set_new(body, "build_dir", json_string(abs));
	free(abs);
	return 0;
}

/* True when P is a guest path the daemon takes for coverage_paths:
 * absolute, no "..", of [A-Za-z0-9/._+-]. */
static bool
guest_path_valid(const char *p)
{
	return p[0] == '/' && strlen(p) <= COVERAGE_PATH_MAX && strstr(p, "..") == NULL &&
	    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-") ==
	    strlen(p);
}

static int
add_coverage_path(json_t *body, const char *path)
{
	json_t *paths = json_object_get(body, "coverage_paths");

	if (!guest_path_valid(path)) {
		fprintf(stderr,
		    "pkvmctl: invalid --coverage-path '%s': give an absolute path in the guest\n"
		    "  of [A-Za-z0-9/._+-], without '..', at most %d bytes\n",
		    path, COVERAGE_PATH_MAX);
		return PKVM_EXIT_USAGE;
	}
	if (paths == NULL) {
		paths = json_array();
		if (paths == NULL || json_object_set_new(body, "coverage_paths", paths) < 0) {
			fprintf(stderr, "pkvmctl: out of memory\n");
			return PKVM_EXIT_INFRA;
		}
	}
	if (json_array_size(paths) >= COVERAGE_PATHS_MAX) {
		fprintf(stderr, "pkvmctl: too many --coverage-path (at most %d)\n",
		    COVERAGE_PATHS_MAX);
		return PKVM_EXIT_USAGE;
	}
	json_array_append_new(paths, json_string(path));
	return 0;
}

int
coverage_submit_option(json_t *body, enum coverage_field field, const char *v)
{
	switch (field) {
	case COVERAGE_BUILD_DIR:
		return set_build_dir(body, v);
	case COVERAGE_GCOV_TOOL:
		if (strcmp(v, "gcov") != 0 && strcmp(v, "aarch64-linux-gnu-gcov") != 0 &&
		    strcmp(v, "llvm-cov") != 0) {
			fprintf(stderr,
			    "pkvmctl: invalid --gcov-tool '%s': use gcov, aarch64-linux-gnu-gcov "
			    "or llvm-cov\n",
			    v);
			return PKVM_EXIT_USAGE;
		}
		json_object_set_new(body, "gcov_tool", json_string(v));
		return 0;
	case COVERAGE_PATH:
		return add_coverage_path(body, v);
	}
	return PKVM_EXIT_USAGE;
}
