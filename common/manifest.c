/*
 * manifest.c -- read a test manifest (docs/MANIFEST.md) into the JSON
 * fields of a job request, and put them onto one.
 *
 * A manifest is a list of lines, each a keyword and words:
 *
 *     test NAME [timeout=SECONDS] [-- ARG...]
 *     env NAME KEY=VALUE...
 *     module MODNAME...
 *
 * Lines are split into words by split_words() with a small part of the
 * shell's quoting -- 'single', "double", backslash, # comments -- and
 * nothing else: no variables, globs or ~, so what is written is what the
 * test gets.  Everything the API would refuse is refused here, with the
 * file and line to blame, before a byte is uploaded.  Tests are named by
 * their executable's name and must be among the job's executables: the
 * manifest says how to run the tests, --exe and --exe-dir (or a CI
 * project's tests directory) say which.
 *
 * Nothing here prints: every mistake becomes one message, "NAME:LINE: why",
 * that the client prints and exits with, and that pkvmd records on the
 * failed CI delivery.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "wire.h"

/* One word of a line; QUOTED when any part of it was quoted or escaped,
 * so that a quoted '--' or '#' is an ordinary word. */
struct word {
	const char *s;
	bool quoted;
};

/* The file being read, for messages; ERR and *WHY once it failed. */
struct reader {
	const char *path;
	int line;
	int err;
	char **why;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fail with -EINVAL and "PATH:LINE: " and the message. */
static int
fail(struct reader *r, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(r->why, "%s:%d: %s", r->path, r->line, msg) < 0) {
		free(msg);
		*r->why = NULL;
		return r->err = -ENOMEM;
	}
	free(msg);
	return r->err = -EINVAL;
}

/* Fail with -ENOMEM, which names no line: it is not the file's fault. */
static int
nomem(struct reader *r)
{
	*r->why = strdup("out of memory");
	return r->err = -ENOMEM;
}

/* Split LINE into words, written to BUF (at least strlen(LINE) + 1 bytes)
 * and pointed at by WORDS (room for strlen(LINE) / 2 + 1); the number of
 * words, or -1 with *WHY set. */
static int
split_words(const char *line, char *buf, struct word *words, const char **why)
{
	const char *p = line;
	char *out = buf;
	int n = 0;

	for (;;) {
		bool quoted = false;
		char *start;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		start = out;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (end == NULL) {
					*why = "unterminated single quote";
					return -1;
				}
				memcpy(out, p + 1, (size_t)(end - p - 1));
				out += end - p - 1;
				p = end + 1;
				quoted = true;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (*p == '\0') {
						*why = "unterminated double quote";
						return -1;
					}
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					*out++ = *p;
				}
				p++;
				quoted = true;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					*why = "backslash at the end of the line (lines do not "
					       "continue)";
					return -1;
				}
				*out++ = p[1];
				p += 2;
				quoted = true;
			} else {
				*out++ = *p++;
			}
		}
		*out++ = '\0';
		words[n].s = start;
		words[n].quoted = quoted;
		n++;
	}
}

static bool
name_known(const char *name, const struct manifest_tests *tests)
{
	for (size_t i = 0; i < tests->n; i++) {
		if (strcmp(tests->names[i], name) == 0)
			return true;
	}
	return false;
}

/* Same rule as the daemon: a shell variable name, at most 128 bytes. */
static bool
env_key_valid(const char *k, size_t len)
{
	if (len == 0 || len > 128 || (k[0] >= '0' && k[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = k[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '_'))
			return false;
	}
	return true;
}

bool
manifest_module_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 64 &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* A JSON string of S, or NULL after complaining that it is not UTF-8. */
static json_t *
string_of(struct reader *r, const char *s, const char *what)
{
	json_t *j;

	if (strlen(s) > MANIFEST_VALUE_MAX) {
		fail(r, "%s is longer than %d bytes", what, MANIFEST_VALUE_MAX);
		return NULL;
	}
	j = json_string(s);
	if (j == NULL)
		fail(r, "%s is not valid UTF-8", what);
	return j;
}

/* The object for test NAME in OBJS, created when it is not there yet; NULL
 * after complaining when NAME is not one of TESTS. */
static json_t *
test_object(struct reader *r, json_t *objs, const char *name, const struct manifest_tests *tests)
{
	json_t *t = json_object_get(objs, name);

	if (t != NULL)
		return t;
	if (!name_known(name, tests)) {
		fail(r, "unknown test '%s' (%s)", name, tests->unknown);
		return NULL;
	}
	t = json_object();
	if (t == NULL || json_object_set_new(objs, name, t) < 0) {
		nomem(r);
		return NULL;
	}
	return t;
}

/* "test NAME [timeout=SECONDS] [-- ARG...]"; SEEN maps names to the line
 * of their test line. */
static int
line_test(struct reader *r, struct word *w, int n, json_t *objs, json_t *seen,
    const struct manifest_tests *tests)
{
	json_t *t, *args = NULL;
	bool dashdash = false;
	int i;

	if (n < 2)
		return fail(r, "'test' needs a test name");
	if (json_object_get(seen, w[1].s) != NULL)
		return fail(r, "test '%s' is already listed on line %lld", w[1].s,
		    (long long)json_integer_value(json_object_get(seen, w[1].s)));
	t = test_object(r, objs, w[1].s, tests);
	if (t == NULL)
		return r->err;
	if (json_object_set_new(seen, w[1].s, json_integer(r->line)) < 0)
		return nomem(r);
	for (i = 2; i < n; i++) {
		if (strcmp(w[i].s, "--") == 0 && !w[i].quoted) {
			dashdash = true;
			i++;
			break;
		}
		if (strncmp(w[i].s, "timeout=", 8) == 0 && !w[i].quoted) {
			const char *v = w[i].s + 8;
			char *end;
			long long s;

			errno = 0;
			s = strtoll(v, &end, 10);
			if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || s < 0 ||
			    s > PKVM_TIMEOUT_MAX_S)
				return fail(r,
				    "invalid timeout '%s' (seconds, 0..%d; 0: none but "
				    "the job's)",
				    v, PKVM_TIMEOUT_MAX_S);
			if (json_object_get(t, "timeout") != NULL)
				return fail(r, "timeout given twice");
			if (json_object_set_new(t, "timeout", json_integer(s)) < 0)
				return nomem(r);
			continue;
		}
		return fail(r,
		    "unknown option '%s' (only timeout=SECONDS; the test's arguments "
		    "go after --)",
		    w[i].s);
	}
	if (!dashdash)
		return 0; /* the test runs without arguments */
	args = json_array();
	if (args == NULL || json_object_set_new(t, "args", args) < 0)
		return nomem(r);
	if (n - i > MANIFEST_ARGS_MAX)
		return fail(r, "more than %d arguments", MANIFEST_ARGS_MAX);
	for (; i < n; i++) {
		json_t *a = string_of(r, w[i].s, "argument");

		if (a == NULL)
			return r->err;
		if (json_array_append_new(args, a) < 0)
			return nomem(r);
	}
	return 0;
}

/* "env NAME KEY=VALUE..." */
static int
line_env(struct reader *r, struct word *w, int n, json_t *objs, const struct manifest_tests *tests)
{
	json_t *t, *env;

	if (n < 3)
		return fail(r, "'env' needs a test name and KEY=VALUE");
	t = test_object(r, objs, w[1].s, tests);
	if (t == NULL)
		return r->err;
	env = json_object_get(t, "env");
	if (env == NULL) {
		env = json_object();
		if (env == NULL || json_object_set_new(t, "env", env) < 0)
			return nomem(r);
	}
	for (int i = 2; i < n; i++) {
		const char *eq = strchr(w[i].s, '=');
		size_t klen = eq != NULL ? (size_t)(eq - w[i].s) : 0;
		char key[129];
		json_t *v;

		if (eq == NULL || !env_key_valid(w[i].s, klen))
			return fail(r,
			    "'%s' is not KEY=VALUE with KEY a variable name "
			    "([A-Za-z_][A-Za-z0-9_]*, at most 128)",
			    w[i].s);
		memcpy(key, w[i].s, klen);
		key[klen] = '\0';
		if (json_object_get(env, key) != NULL)
			return fail(r, "%s is set twice for test '%s'", key, w[1].s);
		if (json_object_size(env) >= MANIFEST_ENV_MAX)
			return fail(r, "more than %d variables for test '%s'", MANIFEST_ENV_MAX,
			    w[1].s);
		v = string_of(r, eq + 1, "value");
		if (v == NULL)
			return r->err;
		if (json_object_set_new(env, key, v) < 0)
			return nomem(r);
	}
	return 0;
}

/* "module MODNAME..." */
static int
line_module(struct reader *r, struct word *w, int n, json_t *modules)
{
	size_t k;
	json_t *m;

	if (n < 2)
		return fail(r, "'module' needs a module name");
	for (int i = 1; i < n; i++) {
		if (!manifest_module_valid(w[i].s))
			return fail(r,
			    "invalid module name '%s' (1..64 of [A-Za-z0-9_-], "
			    "as modprobe takes it: no .ko, no path)",
			    w[i].s);
		json_array_foreach(modules, k, m)
		{
			if (strcmp(json_string_value(m), w[i].s) == 0)
				return fail(r, "module '%s' is listed twice", w[i].s);
		}
		if (json_array_size(modules) >= MANIFEST_MODULES_MAX)
			return fail(r, "more than %d modules", MANIFEST_MODULES_MAX);
		if (json_array_append_new(modules, json_string(w[i].s)) < 0)
			return nomem(r);
	}
	return 0;
}

int
manifest_read(FILE *f, const char *name, const struct manifest_tests *tests, json_t **out,
    char **why)
{
	struct reader r = { .path = name, .why = why };
	json_t *objs = json_object(), *modules = json_array(), *seen = json_object();
	struct word *words = NULL;
	char *line = NULL, *buf = NULL;
	size_t cap = 0, bufcap = 0;
	int rc = 0;
	ssize_t len;

	*out = NULL;
	*why = NULL;
	if (objs == NULL || modules == NULL || seen == NULL)
		rc = nomem(&r);
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		const char *split_why = NULL;
		int n;

		r.line++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (strlen(line) != (size_t)len) {
			rc = fail(&r, "the line holds a NUL byte (not a text file?)");
			break;
		}
		if ((size_t)len + 1 > bufcap) {
			free(buf);
			free(words);
			bufcap = (size_t)len + 1;
			buf = malloc(bufcap);
			words = calloc(bufcap / 2 + 1, sizeof(*words));
			if (buf == NULL || words == NULL) {
				rc = nomem(&r);
				break;
			}
		}
		n = split_words(line, buf, words, &split_why);
		if (n < 0)
			rc = fail(&r, "%s", split_why);
		else if (n == 0)
			continue;
		else if (strcmp(words[0].s, "test") == 0)
			rc = line_test(&r, words, n, objs, seen, tests);
		else if (strcmp(words[0].s, "env") == 0)
			rc = line_env(&r, words, n, objs, tests);
		else if (strcmp(words[0].s, "module") == 0)
			rc = line_module(&r, words, n, modules);
		else
			rc = fail(&r, "unknown keyword '%s' (expected test, env or module)",
			    words[0].s);
	}
	if (rc == 0 && ferror(f)) {
		rc = errno != 0 ? -errno : -EIO;
		if (asprintf(why, "cannot read manifest '%s': %s", name, strerror(-rc)) < 0) {
			*why = NULL;
			rc = nomem(&r);
		}
	}
	if (rc == 0 && (*out = json_pack("{s:O, s:O}", "tests", objs, "modules", modules)) == NULL)
		rc = nomem(&r);
	free(line);
	free(buf);
	free(words);
	json_decref(objs);
	json_decref(modules);
	json_decref(seen);
	return rc;
}

int
manifest_load(const char *path, const struct manifest_tests *tests, json_t **out, char **why)
{
	FILE *f = fopen(path, "re");
	int rc;

	*out = NULL;
	*why = NULL;
	if (f == NULL) {
		rc = -errno;
		if (asprintf(why, "cannot open manifest '%s': %s", path, strerror(-rc)) < 0) {
			*why = NULL;
			rc = -ENOMEM;
		}
		return rc;
	}
	rc = manifest_read(f, path, tests, out, why);
	fclose(f);
	return rc;
}

int
manifest_apply(json_t *body, const json_t *m, const char *from, char **why)
{
	json_t *tests = json_object_get(m, "tests"), *modules, *exe, *mod, *have;
	size_t i, k;

	*why = NULL;
	json_array_foreach(json_object_get(body, "executables"), i, exe)
	{
		json_t *t = json_object_get(tests, json_string_value(json_object_get(exe, "name")));

		if (t != NULL && json_object_update(exe, t) < 0)
			goto nomem;
	}
	if (json_array_size(json_object_get(m, "modules")) == 0)
		return 0;
	modules = json_object_get(body, "modules");
	if (modules == NULL) {
		/* json_object_set_new() takes the array even when it fails. */
		if (json_object_set_new(body, "modules", json_array()) < 0)
			goto nomem;
		modules = json_object_get(body, "modules");
	}
	json_array_foreach(json_object_get(m, "modules"), i, mod)
	{
		json_array_foreach(modules, k, have)
		{
			if (json_equal(have, mod)) {
				if (asprintf(why, "module '%s' given twice (%s)",
					json_string_value(mod), from) < 0)
					goto nomem;
				return -EEXIST;
			}
		}
		if (json_array_size(modules) >= MANIFEST_MODULES_MAX) {
			if (asprintf(why, "too many modules (at most %d)", MANIFEST_MODULES_MAX) <
			    0)
				goto nomem;
			return -E2BIG;
		}
		if (json_array_append(modules, mod) < 0)
			goto nomem;
	}
	return 0;
nomem:
	*why = strdup("out of memory");
	return -ENOMEM;
}
