/*
 * sysroot.c -- ship a dynamically linked test's loader and libraries.
 *
 * The guest has no libc, so a dynamically linked aarch64 test brings its
 * own, from a sysroot on the submitting machine (the cross toolchain's
 * /usr/aarch64-linux-gnu, a Buildroot staging tree, an unpacked arm64
 * root), as the pKVM tester ships a musl loader with its OCaml payloads.
 * The guest's loader looks for each file where it would look on the
 * target, so each goes to that path in the guest:
 *
 *  - the interpreter at its PT_INTERP path (/lib/ld-linux-aarch64.so.1);
 *  - each DT_NEEDED library in the first directory the loader searches
 *    that holds an aarch64 ELF file of that name: the object's DT_RPATH
 *    (when it has no DT_RUNPATH), its DT_RUNPATH ($ORIGIN is the object's
 *    own directory in the guest), then glibc's default directories,
 *    multiarch ones first (/lib/aarch64-linux-gnu, /usr/lib/aarch64-linux-gnu,
 *    /lib, /usr/lib; there is no ld.so.cache in the guest);
 *  - the libraries those need, and so on: a soname is shipped once, as the
 *    loader loads it once.
 *
 * The job's --extra tree is part of the guest's root too, and comes first:
 * a library found there (a test's own, under its DT_RUNPATH) is not
 * shipped again, but what it needs is looked up like the rest.
 *
 * A guest path is looked up in the sysroot component by component, so
 * that symlinks resolve as they would on the target: an absolute target
 * starts again at the sysroot, never at the host's own root (a sysroot's
 * "libm.so.6 -> /lib/aarch64-linux-gnu/libm.so.6" must not pick the
 * host's x86-64 libm).  The file is shipped as a regular file with the
 * bytes it resolves to.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extra-path.h"
#include "sysroot.h"
#include "wire.h"

/* Symlinks followed in one lookup before giving up (as the kernel's 40). */
#define SYSROOT_LINKS_MAX 40
/* Files one plan ships at most. */
#define SYSROOT_FILES_MAX 512

static const char *const default_dirs[] = { "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	"/lib", "/usr/lib" };

struct ship {
	char *guest; /* absolute guest path */
	char *host; /* the file in the sysroot it resolves to */
	char *soname; /* for libraries: the DT_NEEDED name; NULL for interpreters */
	bool in_extra; /* found in the --extra tree: already shipped */
};

struct sysroot_plan {
	char root[PATH_MAX];
	char extra[PATH_MAX]; /* the --extra tree, "" when none */
	struct ship v[SYSROOT_FILES_MAX];
	size_t n;
};

int
sysroot_plan_new(const char *dir, const char *extra_dir, struct sysroot_plan **out)
{
	struct sysroot_plan *p;
	struct stat st;

	*out = NULL;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "pkvmctl: --sysroot '%s' is not a directory\n", dir);
		return PKVM_EXIT_USAGE;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL || realpath(dir, p->root) == NULL) {
		fprintf(stderr, "pkvmctl: --sysroot '%s': %s\n", dir, strerror(errno));
		free(p);
		return PKVM_EXIT_USAGE;
	}
	if (strcmp(p->root, "/") == 0)
		p->root[0] = '\0';
	if (extra_dir != NULL && realpath(extra_dir, p->extra) == NULL)
		p->extra[0] = '\0';
	*out = p;
	return 0;
}

void
sysroot_plan_free(struct sysroot_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].guest);
		free(p->v[i].host);
		free(p->v[i].soname);
	}
	free(p);
}

/*
 * The host file that guest path GUEST (absolute) names inside the sysroot,
 * into HOST: each component is looked up with lstat(), a symlink's target
 * replaces the components so far (an absolute one from the sysroot's
 * root) and is walked again.  0, or -ENOENT, -ELOOP, -ENAMETOOLONG.
 */
static int
resolve_in(const char *root, const char *guest, char host[PATH_MAX])
{
	char todo[PATH_MAX], done[PATH_MAX] = "", link[PATH_MAX], next[PATH_MAX];
	int links = 0;
	size_t rlen = strlen(root);

	if (snprintf(todo, sizeof(todo), "%s", guest) >= (int)sizeof(todo))
		return -ENAMETOOLONG;
	for (;;) {
		char *c = todo, *slash, full[PATH_MAX];
		struct stat st;
		ssize_t n;

		while (*c == '/')
			c++;
		if (*c == '\0')
			break;
		slash = strchr(c, '/');
		if (slash != NULL)
			*slash = '\0';
		if (strcmp(c, ".") == 0) {
			/* nothing */
		} else if (strcmp(c, "..") == 0) {
			char *up = strrchr(done, '/');

			if (up != NULL)
				*up = '\0';
		} else {
			if (snprintf(next, sizeof(next), "%s/%s", done, c) >= (int)sizeof(next) ||
			    snprintf(full, sizeof(full), "%s%s", root, next) >= (int)sizeof(full))
				return -ENAMETOOLONG;
			if (lstat(full, &st) < 0)
				return -errno;
			if (S_ISLNK(st.st_mode)) {
				if (++links > SYSROOT_LINKS_MAX)
					return -ELOOP;
				n = readlink(full, link, sizeof(link) - 1);
				if (n < 0)
					return -errno;
				link[n] = '\0';
				/* The target, then what was left to walk. */
				if (snprintf(next, sizeof(next), "%s/%s", link,
					slash ? slash + 1 : "") >= (int)sizeof(next))
					return -ENAMETOOLONG;
				if (link[0] == '/')
					done[0] = '\0';
				memcpy(todo, next, sizeof(todo));
				continue;
			}
			memcpy(done, next, sizeof(done));
		}
		if (slash == NULL)
			break;
		memmove(todo, slash + 1, strlen(slash + 1) + 1);
	}
	if (rlen + strlen(done) + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	snprintf(host, PATH_MAX, "%s%s", root, done[0] ? done : "/");
	return 0;
}

/* resolve_in() the sysroot. */
static int
resolve(const struct sysroot_plan *p, const char *guest, char host[PATH_MAX])
{
	return resolve_in(p->root, guest, host);
}

static struct ship *
find_guest(struct sysroot_plan *p, const char *guest)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].guest, guest) == 0)
			return &p->v[i];
	return NULL;
}

static bool
have_soname(const struct sysroot_plan *p, const char *soname)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].soname != NULL && strcmp(p->v[i].soname, soname) == 0)
			return true;
	return false;
}

/* Add GUEST <- HOST to the plan (IN_EXTRA: --extra brings it); 0 or the
 * exit code. */
static int
plan_add(struct sysroot_plan *p, const char *guest, const char *host, const char *soname,
    bool in_extra)
{
	struct ship *s;

	if (find_guest(p, guest) != NULL)
		return 0;
	if (p->n == SYSROOT_FILES_MAX) {
		fprintf(stderr, "pkvmctl: --sysroot: more than %d files to ship\n",
		    SYSROOT_FILES_MAX);
		return PKVM_EXIT_USAGE;
	}
	s = &p->v[p->n];
	s->guest = strdup(guest);
	s->host = strdup(host);
	s->soname = soname ? strdup(soname) : NULL;
	s->in_extra = in_extra;
	if (s->guest == NULL || s->host == NULL || (soname != NULL && s->soname == NULL)) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	p->n++;
	return 0;
}

/* Is the file at HOST a regular aarch64 ELF file (the loader skips others)? */
static bool
is_aarch64_elf(const char *host)
{
	struct elf_exe e;
	struct stat st;
	bool ok;

	if (stat(host, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (elf_exe_read(host, &e) < 0)
		return false;
	ok = e.machine == ELF_EXE_AARCH64 && e.elf64_le;
	elf_exe_free(&e);
	return ok;
}

/* Search the directories of LIST (':'-separated; $ORIGIN is ORIGIN) for
 * SONAME, in the --extra tree, then in the sysroot: 0 with GUEST and HOST
 * set (*IN_EXTRA when --extra has it), or -ENOENT. */
static int
search_list(struct sysroot_plan *p, const char *list, const char *origin, const char *soname,
    char guest[PATH_MAX], char host[PATH_MAX], bool *in_extra)
{
	char *copy = strdup(list), *save = NULL, *dir;
	int found = -ENOENT;

	if (copy == NULL)
		return -ENOMEM;
	for (dir = strtok_r(copy, ":", &save); dir != NULL && found < 0;
	     dir = strtok_r(NULL, ":", &save)) {
		char d[PATH_MAX];
		const char *o = strstr(dir, "$ORIGIN");

		if (o == NULL)
			o = strstr(dir, "${ORIGIN}");
		if (o != NULL)
			snprintf(d, sizeof(d), "%.*s%s%s", (int)(o - dir), dir, origin,
			    o + (o[1] == '{' ? 9 : 7));
		else
			snprintf(d, sizeof(d), "%s", dir);
		/* Relative entries are relative to the loader's cwd: useless. */
		if (d[0] != '/')
			continue;
		if (snprintf(guest, PATH_MAX, "%s/%s", strcmp(d, "/") == 0 ? "" : d, soname) >=
		    PATH_MAX)
			continue;
		*in_extra = p->extra[0] != '\0' && resolve_in(p->extra, guest, host) == 0 &&
		    is_aarch64_elf(host);
		if (*in_extra || (resolve(p, guest, host) == 0 && is_aarch64_elf(host)))
			found = 0;
	}
	free(copy);
	return found;
}

/* The guest directory of guest path PATH, into DIR. */
static void
dir_of(const char *path, char dir[PATH_MAX])
{
	const char *slash = strrchr(path, '/');

	snprintf(dir, PATH_MAX, "%.*s", slash && slash != path ? (int)(slash - path) : 1,
	    slash ? path : "/");
}

/* Add the libraries object OWNER (guest path GUEST_PATH, parsed into E)
 * needs, and theirs; 0 or the exit code.  DEPTH bounds a cycle that
 * sonames would not catch. */
static int
plan_needed(struct sysroot_plan *p, const char *owner, const char *guest_path,
    const struct elf_exe *e, int depth)
{
	char origin[PATH_MAX], guest[PATH_MAX], host[PATH_MAX];
	int rc = 0;

	dir_of(guest_path, origin);
	for (size_t i = 0; rc == 0 && i < e->nneeded; i++) {
		const char *soname = e->needed[i];
		struct elf_exe lib;
		int found = -ENOENT, err;
		bool in_extra = false;

		if (have_soname(p, soname))
			continue;
		if (strchr(soname, '/') != NULL) {
			/* A path, not a name: the loader takes it as it is. */
			snprintf(guest, sizeof(guest), "%s", soname);
			if (guest[0] == '/' && resolve(p, guest, host) == 0 && is_aarch64_elf(host))
				found = 0;
		} else {
			if (e->rpath != NULL && e->runpath == NULL)
				found = search_list(p, e->rpath, origin, soname, guest, host,
				    &in_extra);
			if (found < 0 && e->runpath != NULL)
				found = search_list(p, e->runpath, origin, soname, guest, host,
				    &in_extra);
			for (size_t k = 0;
			     found < 0 && k < sizeof(default_dirs) / sizeof(*default_dirs); k++)
				found = search_list(p, default_dirs[k], origin, soname, guest, host,
				    &in_extra);
		}
		if (found < 0) {
			fprintf(stderr,
			    "pkvmctl: %s needs %s, which is not in --sysroot '%s' (looked in %s%s"
			    "/lib/aarch64-linux-gnu, /usr/lib/aarch64-linux-gnu, /lib and "
			    "/usr/lib)\n",
			    owner, soname, p->root[0] ? p->root : "/",
			    e->runpath     ? e->runpath
				: e->rpath ? e->rpath
					   : "",
			    e->runpath || e->rpath ? ", " : "");
			return PKVM_EXIT_USAGE;
		}
		if ((rc = plan_add(p, guest, host, soname, in_extra)) != 0)
			break;
		if ((err = elf_exe_read(host, &lib)) < 0) {
			fprintf(stderr, "pkvmctl: --sysroot: cannot read %s: %s\n", host,
			    strerror(-err));
			return PKVM_EXIT_USAGE;
		}
		if (depth < 64)
			rc = plan_needed(p, soname, guest, &lib, depth + 1);
		elf_exe_free(&lib);
	}
	return rc;
}

int
sysroot_plan_exe(struct sysroot_plan *p, const char *name, const struct elf_exe *e)
{
	char host[PATH_MAX], guest[PATH_MAX];
	int err, rc;

	if (e->interp != NULL) {
		if (e->interp[0] != '/' || (err = resolve(p, e->interp, host)) < 0 ||
		    !is_aarch64_elf(host)) {
			fprintf(stderr,
			    "pkvmctl: %s is dynamically linked (interpreter %s), which is not an "
			    "aarch64 ELF file in --sysroot '%s'\n",
			    name, e->interp, p->root[0] ? p->root : "/");
			return PKVM_EXIT_USAGE;
		}
		if ((rc = plan_add(p, e->interp, host, NULL, false)) != 0)
			return rc;
	}
	/* Tests run as /ramfs.exe/NAME: $ORIGIN is /ramfs.exe. */
	snprintf(guest, sizeof(guest), "/ramfs.exe/%s", name);
	return plan_needed(p, name, guest, e, 0);
}

/* Does EXTRA have an entry at PATH (relative)? */
static bool
extra_has(json_t *extra, const char *path)
{
	size_t i;
	json_t *x;

	json_array_foreach(extra, i, x)
	{
		const char *q = json_string_value(json_object_get(x, "path"));

		if (q != NULL && strcmp(q, path) == 0)
			return true;
	}
	return false;
}

int
sysroot_plan_ship(struct sysroot_plan *p, struct blob_set *set, json_t *extra, bool verbose)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *rel = p->v[i].guest + 1, *why;
		char *host;
		int rc;

		if (p->v[i].in_extra || extra_has(extra, rel))
			continue; /* --extra brings its own: it wins */
		if ((why = pkvm_extra_path_problem(rel)) != NULL) {
			fprintf(stderr, "pkvmctl: --sysroot: cannot ship %s: its path '%s' %s\n",
			    p->v[i].host, rel, why);
			return PKVM_EXIT_USAGE;
		}
		if ((host = strdup(p->v[i].host)) == NULL) {
			fprintf(stderr, "pkvmctl: out of memory\n");
			return PKVM_EXIT_INFRA;
		}
		if ((rc = blob_set_add(set, host, true, "library")) != 0)
			return rc;
		if (json_array_append_new(extra,
			json_pack("{s:s, s:i}", "path", rel, "mode", 0755)) < 0) {
			fprintf(stderr, "pkvmctl: out of memory\n");
			return PKVM_EXIT_INFRA;
		}
		if (verbose)
			fprintf(stderr, "pkvmctl: --sysroot: %s -> %s\n", p->v[i].host,
			    p->v[i].guest);
	}
	return 0;
}
