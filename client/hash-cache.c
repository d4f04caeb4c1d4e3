/*
 * hash-cache.c -- one line per file in a small text file:
 *
 *   SHA256 DEV INO SIZE MTIME_NS CTIME_NS PATH
 *
 * read whole at open, looked up by path, and written back whole (to a
 * temporary file renamed over it) when a hash was added.  The newest
 * HASH_CACHE_MAX entries are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "hash-cache.h"

#define HASH_CACHE_MAX 512

struct entry {
	char hash[SHA256_HEX_LEN + 1];
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	char *path;
};

struct hash_cache {
	char file[PATH_MAX];
	struct entry *v;
	size_t n, cap;
	bool dirty;
};

/* Where the cache lives into BUF: 0, or -ENOENT when nowhere (or off). */
static int
cache_file(char *buf, size_t len)
{
	const char *env = getenv("PKVM_HASH_CACHE");
	char dir[PATH_MAX];

	if (env != NULL && strcmp(env, "off") == 0)
		return -ENOENT;
	if (env != NULL && env[0] != '\0') {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	if (conf_xdg_dir("XDG_CACHE_HOME", ".cache", dir, sizeof(dir)) < 0)
		return -ENOENT;
	snprintf(buf, len, "%s/hashes", dir);
	return 0;
}

static int
entry_add(struct hash_cache *c, const struct entry *e, const char *path)
{
	struct entry *nv;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;

		if ((nv = realloc(c->v, cap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n] = *e;
	if ((c->v[c->n].path = strdup(path)) == NULL)
		return -ENOMEM;
	c->n++;
	return 0;
}

static bool
hex_ok(const char *s)
{
	if (strlen(s) != SHA256_HEX_LEN)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

struct hash_cache *
hash_cache_open(void)
{
	struct hash_cache *c = calloc(1, sizeof(*c));
	char line[PATH_MAX + 256];
	FILE *f;

	if (c == NULL)
		return NULL;
	if (cache_file(c->file, sizeof(c->file)) < 0) {
		free(c);
		return NULL;
	}
	if ((f = fopen(c->file, "re")) == NULL)
		return c;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct entry e = { 0 };
		int off = 0;

		line[strcspn(line, "\n")] = '\0';
		/* A line that does not parse is dropped: the file is ours,
		 * and the next write leaves it out. */
		if (sscanf(line,
			"%64s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64 " %n",
			e.hash, &e.dev, &e.ino, &e.size, &e.mtime_ns, &e.ctime_ns, &off) != 6 ||
		    off == 0 || line[off] != '/' || !hex_ok(e.hash))
			continue;
		if (entry_add(c, &e, line + off) < 0)
			break;
	}
	fclose(f);
	return c;
}

static int64_t
ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* The entry of ABS, or NULL. */
static struct entry *
find(struct hash_cache *c, const char *abs)
{
	for (size_t i = c->n; i-- > 0;)
		if (strcmp(c->v[i].path, abs) == 0)
			return &c->v[i];
	return NULL;
}

int
hash_file(struct hash_cache *c, const char *path, char hex[SHA256_HEX_LEN + 1])
{
	char abs[PATH_MAX];
	struct stat st;
	struct entry *e, now = { 0 };
	int err;

	if (c == NULL || realpath(path, abs) == NULL || abs[0] != '/' ||
	    strpbrk(abs, "\n") != NULL || stat(abs, &st) != 0 || !S_ISREG(st.st_mode))
		return sha256_file_hex(path, hex);
	now.dev = (uint64_t)st.st_dev;
	now.ino = (uint64_t)st.st_ino;
	now.size = (uint64_t)st.st_size;
	now.mtime_ns = ns(&st.st_mtim);
	now.ctime_ns = ns(&st.st_ctim);
	e = find(c, abs);
	if (e != NULL && e->dev == now.dev && e->ino == now.ino && e->size == now.size &&
	    e->mtime_ns == now.mtime_ns && e->ctime_ns == now.ctime_ns) {
		memcpy(hex, e->hash, sizeof(e->hash));
		return 0;
	}
	if ((err = sha256_file_hex(abs, hex)) < 0)
		return err;
	memcpy(now.hash, hex, sizeof(now.hash));
	if (e != NULL) {
		free(e->path);
		*e = c->v[--c->n];
	}
	if (entry_add(c, &now, abs) == 0)
		c->dirty = true;
	return 0;
}

/* Make the folders of FILE (mode 0700, as a cache of paths is private). */
static void
make_parents(const char *file)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", file);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(dir, 0700);
		*p = '/';
	}
}

void
hash_cache_close(struct hash_cache *c)
{
	char tmp[PATH_MAX + 32];
	size_t first;
	FILE *f;

	if (c == NULL)
		return;
	if (c->dirty) {
		make_parents(c->file);
		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", c->file, (long)getpid());
		first = c->n > HASH_CACHE_MAX ? c->n - HASH_CACHE_MAX : 0;
		if ((f = fopen(tmp, "we")) != NULL) {
			bool ok = true;

			for (size_t i = first; i < c->n && ok; i++)
				ok = fprintf(f,
					 "%s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64
					 " %" PRId64 " %s\n",
					 c->v[i].hash, c->v[i].dev, c->v[i].ino, c->v[i].size,
					 c->v[i].mtime_ns, c->v[i].ctime_ns, c->v[i].path) > 0;
			if (fclose(f) != 0 || !ok || rename(tmp, c->file) != 0)
				unlink(tmp);
		}
	}
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c);
}
