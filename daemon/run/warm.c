/*
 * warm.c -- saved VMs for warm starts (warm.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/files.h"
#include "job/job.h"
#include "run/qmp.h"
#include "run/warm.h"

static const char *const state_files[] = { "vmstate", "ram", "job", "unavailable" };

static void
set_cause(char **cause, int err, const char *what, const char *path)
{
	if (asprintf(cause, "%s %s: %s", what, path, strerror(-err)) < 0)
		*cause = NULL;
}

/* One field into the key: its name and length first, so that no two
 * different jobs hash the same bytes. */
static void
put(struct sha256 *h, const char *name, const char *value)
{
	char head[64];
	int n;

	value = value ? value : "";
	n = snprintf(head, sizeof(head), "%s=%zu:", name, strlen(value));
	sha256_update(h, head, (size_t)n);
	sha256_update(h, value, strlen(value));
	sha256_update(h, "\n", 1);
}

int
warm_key(const struct job *j, const char *base, const char *cpu, char key[SHA256_HEX_LEN + 1])
{
	struct sha256 *h = sha256_new();
	char num[64];

	if (h == NULL)
		return -ENOMEM;
	put(h, "version", "pkvm-warm-1");
	put(h, "owner", j->owner);
	put(h, "kernel", j->kernel);
	put(h, "base", base);
	put(h, "cpu", cpu);
	snprintf(num, sizeof(num), "%d %d", j->mem_mb, j->smp);
	put(h, "mem smp", num);
	put(h, "net", job_net_name(j->net));
	put(h, "append", j->append);
	for (size_t i = 0; i < j->nqemu_args; i++)
		put(h, "qemu_arg", j->qemu_args[i]);
	for (size_t i = 0; i < j->nextra; i++) {
		const struct job_extra *x = &j->extra[i];

		snprintf(num, sizeof(num), "%d %o", (int)x->kind, (unsigned)x->mode);
		put(h, "extra", x->path);
		put(h, "extra kind mode", num);
		put(h, "extra blob", x->kind == EXTRA_FILE ? x->blob : x->target);
	}
	sha256_final_hex(h, key);
	return 0;
}

static void
state_path(const char *state_dir, const char *key, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, "%s/warm/%s%s%s", state_dir, key, file ? "/" : "", file ? file : "");
}

enum warm_state
warm_lookup(const char *state_dir, const char *key, int64_t *from, char *why, size_t len)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	*from = 0;
	state_path(state_dir, key, "unavailable", path, sizeof(path));
	if ((f = fopen(path, "re")) != NULL) {
		long long id = 0;
		int off = 0;

		if (fgets(line, sizeof(line), f) != NULL &&
		    sscanf(line, "%lld %n", &id, &off) == 1) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(why, len, "%s", line + off);
			*from = id;
		}
		fclose(f);
		return WARM_UNAVAILABLE;
	}
	state_path(state_dir, key, "job", path, sizeof(path));
	if ((f = fopen(path, "re")) == NULL)
		return WARM_SAVE;
	if (fgets(line, sizeof(line), f) != NULL)
		*from = strtoll(line, NULL, 10);
	fclose(f);
	return *from > 0 ? WARM_RESTORE : WARM_SAVE;
}

/* Remove DIR (a saved VM's directory) and what it holds. */
static void
remove_state_dir(const char *dir)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(state_files) / sizeof(state_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, state_files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
warm_restore_prepare(const char *state_dir, const char *key, const char *ram, int *fd, char **cause)
{
	char path[PATH_MAX];
	int err;

	*cause = NULL;
	*fd = -1;
	/* Used now: the last to go when room is made (evict()). */
	state_path(state_dir, key, NULL, path, sizeof(path));
	(void)utimensat(AT_FDCWD, path, NULL, 0);
	state_path(state_dir, key, "ram", path, sizeof(path));
	if ((err = files_copy_sparse(path, ram)) < 0) {
		set_cause(cause, err, "cannot copy the saved RAM", path);
		return err;
	}
	state_path(state_dir, key, "vmstate", path, sizeof(path));
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err = -errno;
		set_cause(cause, err, "cannot open", path);
		return err;
	}
	return 0;
}

/* Keep the WARM_KEEP saved VMs used last; the rest go. */
static void
evict(const char *state_dir)
{
	char dir[PATH_MAX], path[PATH_MAX], oldest[NAME_MAX + 1];
	struct dirent *de;
	struct stat st;
	int64_t oldest_ns;
	DIR *dh;
	int n;

	snprintf(dir, sizeof(dir), "%s/warm", state_dir);
	for (;;) {
		if ((dh = opendir(dir)) == NULL)
			return;
		n = 0;
		oldest_ns = INT64_MAX;
		while ((de = readdir(dh)) != NULL) {
			int64_t ns;

			if (strlen(de->d_name) != SHA256_HEX_LEN)
				continue;
			snprintf(path, sizeof(path), "%s/%s/job", dir, de->d_name);
			if (stat(path, &st) != 0)
				continue; /* an unavailable mark: a few bytes, kept */
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (stat(path, &st) != 0)
				continue;
			n++;
			ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
			if (ns < oldest_ns) {
				oldest_ns = ns;
				snprintf(oldest, sizeof(oldest), "%s", de->d_name);
			}
		}
		closedir(dh);
		if (n <= WARM_KEEP)
			return;
		snprintf(path, sizeof(path), "%s/%s", dir, oldest);
		remove_state_dir(path);
	}
}

/* Write "ID[ WHY]\n" to PATH. */
static int
write_id(const char *path, int64_t id, const char *why)
{
	FILE *f = fopen(path, "we");
	int err = 0;

	if (f == NULL)
		return -errno;
	fprintf(f, "%" PRId64 "%s%s\n", id, why ? " " : "", why ? why : "");
	if (ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

/* Make STATE_DIR/warm and TMP in it: 0 or negative errno. */
static int
make_dirs(const char *state_dir, const char *tmp)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/warm", state_dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
warm_save(const char *state_dir, const char *key, const char *jobdir, const char *ram, int64_t id,
    char **cause)
{
	char tmp[PATH_MAX], path[PATH_MAX], final[PATH_MAX], *why = NULL;
	int fd = -1, err;

	*cause = NULL;
	snprintf(tmp, sizeof(tmp), "%s/warm/.tmp-%" PRId64, state_dir, id);
	state_path(state_dir, key, NULL, final, sizeof(final));
	if ((err = make_dirs(state_dir, tmp)) < 0) {
		set_cause(cause, err, "cannot create", tmp);
		goto cont;
	}
	snprintf(path, sizeof(path), "%s/vmstate", tmp);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		err = -errno;
		set_cause(cause, err, "cannot create", path);
		goto cont;
	}
	/* The guest stops for this; its RAM file is still until qmp_cont. */
	err = qmp_migrate_save(jobdir, fd, WARM_MIGRATE_TIMEOUT_MS, cause);
	close(fd);
	if (err < 0)
		goto cont;
	snprintf(path, sizeof(path), "%s/ram", tmp);
	if ((err = files_copy_sparse(ram, path)) < 0) {
		set_cause(cause, err, "cannot copy the guest's RAM to", path);
		goto cont;
	}
	snprintf(path, sizeof(path), "%s/job", tmp);
	if ((err = write_id(path, id, NULL)) < 0) {
		set_cause(cause, err, "cannot write", path);
		goto cont;
	}
	/* Another job of the same key may have saved first: its VM stays. */
	if (rename(tmp, final) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
		err = -errno;
		set_cause(cause, err, "cannot rename to", final);
	}
cont:
	remove_state_dir(tmp);
	if (qmp_cont(jobdir, WARM_MIGRATE_TIMEOUT_MS, &why) < 0 && *cause == NULL) {
		*cause = why;
		why = NULL;
		err = -EIO;
	}
	free(why);
	if (err == 0)
		evict(state_dir);
	return err;
}

void
warm_mark_unavailable(const char *state_dir, const char *key, int64_t id, const char *why)
{
	char dir[PATH_MAX], path[PATH_MAX];

	state_path(state_dir, key, NULL, dir, sizeof(dir));
	if (make_dirs(state_dir, dir) < 0)
		return;
	state_path(state_dir, key, "unavailable", path, sizeof(path));
	(void)write_id(path, id, why);
}

void
warm_forget(const char *state_dir, const char *key)
{
	char dir[PATH_MAX];

	state_path(state_dir, key, NULL, dir, sizeof(dir));
	remove_state_dir(dir);
}
