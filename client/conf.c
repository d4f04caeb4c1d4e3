/*
 * conf.c -- client.conf, the server and token `pkvmctl login` saved, and
 * token files (conf.h says where and how they are kept).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

/* The longest line either file may have: a URL or a path. */
#define LINE_MAX_BYTES 4096

static int fail(char **cause, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char **cause, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
	return err;
}

/* S without the blanks around it, in place. */
static char *
trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		s[--n] = '\0';
	return s;
}

int
conf_xdg_dir(const char *env, const char *fallback, char *buf, size_t len)
{
	const char *xdg = getenv(env), *home = getenv("HOME");

	/* The XDG spec: a relative $XDG_*_HOME is to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, len, "%s/pkvmd", xdg);
	else if (home != NULL && home[0] != '\0')
		snprintf(buf, len, "%s/%s/pkvmd", home, fallback);
	else
		return -ENOENT;
	return 0;
}

/* The folder client.conf is in into BUF: 0 or -ENOENT. */
static int
conf_dir(char *buf, size_t len)
{
	return conf_xdg_dir("XDG_CONFIG_HOME", ".config", buf, len);
}

int
conf_path(char *buf, size_t len)
{
	char dir[PATH_MAX];
	int r;

	if ((r = conf_dir(dir, sizeof(dir))) < 0)
		return r;
	snprintf(buf, len, "%s/client.conf", dir);
	return 0;
}

void
conf_free(struct client_conf *c)
{
	if (c->token != NULL)
		explicit_bzero(c->token, strlen(c->token));
	free(c->url);
	free(c->token);
	free(c->cacert);
	memset(c, 0, sizeof(*c));
}

int
conf_load(struct client_conf *c, char **cause)
{
	char path[PATH_MAX], line[LINE_MAX_BYTES];
	int lineno = 0, err = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	*cause = NULL;
	if (conf_path(path, sizeof(path)) < 0)
		return -ENOENT;
	if ((f = fopen(path, "re")) == NULL) {
		/* Not there, or not ours to read (another user's HOME):
		 * either way there is no saved login. */
		if (errno == ENOENT || errno == EACCES || errno == ENOTDIR)
			return -ENOENT;
		return fail(cause, -errno, "cannot read %s: %s", path, strerror(errno));
	}
	while (err == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *l = trim(line), *eq, *key, *value, **slot;

		lineno++;
		if (l[0] == '\0' || l[0] == '#')
			continue;
		if ((eq = strchr(l, '=')) == NULL) {
			err = fail(cause, -EINVAL, "%s:%d: expected 'key = value'", path, lineno);
			break;
		}
		*eq = '\0';
		key = trim(l);
		value = trim(eq + 1);
		slot = strcmp(key, "url") == 0   ? &c->url
		    : strcmp(key, "token") == 0  ? &c->token
		    : strcmp(key, "cacert") == 0 ? &c->cacert
						 : NULL;
		if (slot == NULL) {
			err = fail(cause, -EINVAL, "%s:%d: unknown key '%s'", path, lineno, key);
			break;
		}
		free(*slot);
		if ((*slot = strdup(value)) == NULL)
			err = fail(cause, -ENOMEM, "out of memory");
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	if (err == 0 && (c->url == NULL || c->token == NULL))
		err = fail(cause, -EINVAL, "%s: needs both url and token (run 'pkvmctl login URL')",
		    path);
	if (err < 0)
		conf_free(c);
	return err;
}

/* Make DIR (and its parent, ~/.config) when missing; DIR gets mode 0700. */
static int
make_dir(const char *dir, char **cause)
{
	char parent[PATH_MAX], *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST)
			return fail(cause, -errno, "cannot make %s: %s", parent, strerror(errno));
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(cause, -errno, "cannot make %s: %s", dir, strerror(errno));
	return 0;
}

int
conf_save(const struct client_conf *c, char **cause)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 16];
	int fd, err;
	FILE *f;

	*cause = NULL;
	if (conf_dir(dir, sizeof(dir)) < 0)
		return fail(cause, -ENOENT,
		    "cannot tell where to save: set HOME or XDG_CONFIG_HOME");
	if ((err = make_dir(dir, cause)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/client.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s/.client.conf.XXXXXX", dir);
	/* mkstemp makes the file 0600 before a byte of it is written. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return fail(cause, -errno, "cannot write in %s: %s", dir, strerror(errno));
	if ((f = fdopen(fd, "w")) == NULL) {
		err = fail(cause, -errno, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	fprintf(f, "# written by 'pkvmctl login': it holds a secret token, keep it mode 0600\n");
	fprintf(f, "url = %s\ntoken = %s\n", c->url, c->token);
	if (c->cacert != NULL)
		fprintf(f, "cacert = %s\n", c->cacert);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		err = fail(cause, -errno, "cannot write %s: %s", tmp, strerror(errno));
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		err = fail(cause, -errno, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		err = fail(cause, -errno, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return err;
}

int
conf_read_token(const char *path, char **token, char **cause)
{
	bool is_stdin = strcmp(path, "-") == 0;
	char line[LINE_MAX_BYTES], *t;
	FILE *f = is_stdin ? stdin : fopen(path, "re");
	int err = 0;

	*token = NULL;
	*cause = NULL;
	if (f == NULL)
		return fail(cause, -errno, "cannot read token file %s: %s", path, strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	if (!is_stdin)
		fclose(f);
	t = trim(line);
	if (t[0] == '\0')
		err = fail(cause, -EINVAL, "no token in %s", is_stdin ? "standard input" : path);
	else if (strpbrk(t, " \t") != NULL)
		err = fail(cause, -EINVAL, "the token in %s has blanks in it",
		    is_stdin ? "standard input" : path);
	else if ((*token = strdup(t)) == NULL)
		err = fail(cause, -ENOMEM, "out of memory");
	explicit_bzero(line, sizeof(line));
	return err;
}
