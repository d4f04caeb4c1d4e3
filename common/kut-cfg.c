/*
 * kut-cfg.c -- reading unittests.cfg.
 *
 * The format is line based and forgiving: for_each_unittest() matches each
 * line against "^[(.*)]$" and "^key *= *(.*)$" and ignores everything
 * else, so this does the same, keeping the last value of a key given
 * twice.  A triple-quoted params value runs to the line that ends with
 * the closing quotes; its lines are joined with spaces (a trailing
 * backslash joins without one), which is what the shell the runner hands
 * them to makes of them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kut-cfg.h"

static void
entry_free(struct kut_cfg_entry *e)
{
	char **fields[] = { &e->name, &e->file, &e->smp, &e->test_args, &e->params, &e->groups,
		&e->arch, &e->machine, &e->accel, &e->timeout, &e->check, &e->disabled_if };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}

void
kut_cfg_free(struct kut_cfg *c)
{
	for (size_t i = 0; i < c->n; i++)
		entry_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* The field of E that KEY names, or NULL for keys the runner ignores. */
static char **
field_of(struct kut_cfg_entry *e, const char *key, size_t len)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "file", offsetof(struct kut_cfg_entry, file) },
		{ "smp", offsetof(struct kut_cfg_entry, smp) },
		{ "test_args", offsetof(struct kut_cfg_entry, test_args) },
		{ "extra_params", offsetof(struct kut_cfg_entry, params) },
		{ "qemu_params", offsetof(struct kut_cfg_entry, params) },
		{ "groups", offsetof(struct kut_cfg_entry, groups) },
		{ "arch", offsetof(struct kut_cfg_entry, arch) },
		{ "machine", offsetof(struct kut_cfg_entry, machine) },
		{ "accel", offsetof(struct kut_cfg_entry, accel) },
		{ "timeout", offsetof(struct kut_cfg_entry, timeout) },
		{ "check", offsetof(struct kut_cfg_entry, check) },
		{ "disabled_if", offsetof(struct kut_cfg_entry, disabled_if) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == len && memcmp(keys[i].key, key, len) == 0)
			return (char **)((char *)e + keys[i].off);
	return NULL;
}

static int
fail(char **why, int lineno, const char *text)
{
	if (asprintf(why, "line %d: %s", lineno, text) < 0)
		*why = NULL;
	return -EINVAL;
}

/* Strip trailing blanks (and a '\r') in place. */
static void
rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Append LINE to the triple-quoted value *ACC; true when LINE closed it. */
static int
triple_add(char **acc, const char *line, bool *closed)
{
	const char *end = strstr(line, "\"\"\"");
	size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
	size_t have = *acc ? strlen(*acc) : 0;
	bool join = have > 0 && (*acc)[have - 1] == '\\';
	char *v = realloc(*acc, have + len + 2);

	if (v == NULL)
		return -ENOMEM;
	if (join)
		have--; /* "\<newline>" joins the lines */
	else if (have > 0)
		v[have++] = ' ';
	memcpy(v + have, line, len);
	v[have + len] = '\0';
	*acc = v;
	*closed = end != NULL;
	return 0;
}

int
kut_cfg_parse(const char *text, struct kut_cfg *out, char **why)
{
	struct kut_cfg c = { 0 };
	struct kut_cfg_entry *cur = NULL;
	char **triple = NULL; /* the field a triple-quoted value goes to */
	int lineno = 0, triple_line = 0, err = 0;
	const char *p = text;

	*why = NULL;
	memset(out, 0, sizeof(*out));
	while (*p != '\0' && err == 0) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len), *eq, *key, *val;
		bool closed;

		p += len + (nl != NULL);
		lineno++;
		if (line == NULL) {
			err = -ENOMEM;
			break;
		}
		rstrip(line);
		if (triple != NULL) {
			err = triple_add(triple, line, &closed);
			if (closed)
				triple = NULL;
			free(line);
			continue;
		}
		if (line[0] == '[' && line[strlen(line) - 1] == ']') {
			struct kut_cfg_entry *v = realloc(c.v, (c.n + 1) * sizeof(*v));

			if (v == NULL) {
				err = -ENOMEM;
				free(line);
				break;
			}
			c.v = v;
			cur = &c.v[c.n++];
			memset(cur, 0, sizeof(*cur));
			cur->line = lineno;
			cur->name = strndup(line + 1, strlen(line) - 2);
			if (cur->name == NULL)
				err = -ENOMEM;
			free(line);
			continue;
		}
		/* "key = value": the key a word at the start of the line. */
		key = line;
		eq = key + strspn(key, "abcdefghijklmnopqrstuvwxyz_");
		val = eq + strspn(eq, " ");
		if (eq == key || *val != '=') {
			free(line);
			continue;
		}
		val++;
		val += strspn(val, " \t");
		if (cur == NULL) {
			if (field_of(&(struct kut_cfg_entry){ 0 }, key, (size_t)(eq - key)) != NULL)
				err = fail(why, lineno, "a key before the first [name] line");
			free(line);
			continue;
		}
		{
			char **f = field_of(cur, key, (size_t)(eq - key));

			if (f != NULL) {
				free(*f);
				*f = NULL;
				if (strncmp(val, "\"\"\"", 3) == 0) {
					triple_line = lineno;
					err = triple_add(f, val + 3, &closed);
					if (err == 0 && !closed)
						triple = f;
				} else if ((*f = strdup(val)) == NULL) {
					err = -ENOMEM;
				}
			}
		}
		free(line);
	}
	if (err == 0 && triple != NULL)
		err = fail(why, triple_line, "a \"\"\" value that is never closed");
	if (err < 0) {
		kut_cfg_free(&c);
		return err;
	}
	*out = c;
	return 0;
}

void
kut_cfg_words_free(char **words)
{
	if (words == NULL)
		return;
	for (size_t i = 0; words[i] != NULL; i++)
		free(words[i]);
	free(words);
}

/* Add the word BUF[0..LEN) to *WORDS. */
static int
word_add(char ***words, size_t *n, const char *buf, size_t len)
{
	char **v = realloc(*words, (*n + 2) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	*words = v;
	if ((v[*n] = strndup(buf, len)) == NULL)
		return -ENOMEM;
	v[++*n] = NULL;
	return 0;
}

int
kut_cfg_words(const char *s, char ***words, size_t *n)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *buf = malloc(cap);
	bool in_word = false;
	int err = 0;

	*words = NULL;
	*n = 0;
	if (buf == NULL || (*words = calloc(1, sizeof(**words))) == NULL) {
		free(buf);
		return -ENOMEM;
	}
	for (const char *c = s; *c != '\0' && err == 0; c++) {
		if (*c == ' ' || *c == '\t' || *c == '\n') {
			if (in_word)
				err = word_add(words, n, buf, len);
			in_word = false;
			len = 0;
		} else if (*c == '\'') {
			const char *end = strchr(c + 1, '\'');

			if (end == NULL) {
				err = -EINVAL;
				break;
			}
			memcpy(buf + len, c + 1, (size_t)(end - c - 1));
			len += (size_t)(end - c - 1);
			c = end;
			in_word = true;
		} else if (*c == '"') {
			for (c++; *c != '\0' && *c != '"'; c++) {
				if (*c == '\\' && (c[1] == '"' || c[1] == '\\' || c[1] == '$'))
					c++;
				else if (*c == '$' || *c == '`')
					err = -EINVAL;
				buf[len++] = *c;
			}
			if (*c == '\0')
				err = -EINVAL;
			in_word = true;
		} else if (*c == '\\' && c[1] != '\0') {
			buf[len++] = *++c;
			in_word = true;
		} else if (*c == '`' || (*c == '$' && c[1] == '(')) {
			err = -EINVAL;
		} else {
			buf[len++] = *c;
			in_word = true;
		}
	}
	if (err == 0 && in_word)
		err = word_add(words, n, buf, len);
	free(buf);
	if (err < 0) {
		kut_cfg_words_free(*words);
		*words = NULL;
		*n = 0;
	}
	return err;
}

int
kut_cfg_timeout_s(const char *s, long long *out)
{
	static const struct {
		char suffix;
		long long mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char *end;
	double v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	v = strtod(s, &end);
	if (*end != '\0') {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*end == units[i].suffix && end[1] == '\0')
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		v *= (double)units[i].mult;
	}
	if (v > 1e9)
		return -EINVAL;
	*out = (long long)v + ((double)(long long)v < v);
	return 0;
}
