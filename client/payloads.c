/*
 * payloads.c -- --payload, --payload-cfg and the request's "payloads".
 *
 * unittests.cfg is read with common/kut-cfg.c, then each entry is taken or
 * left out as kvm-unit-tests' scripts/runtime.bash run() decides on an
 * arm64 host running TCG: an entry for another arch, or for an accel that
 * is not tcg (accel = kvm), is left out; so is one in the group
 * "nodefault" unless --payload-group names one of its groups; with
 * --payload-group only that group's entries run.  Entries of group
 * "migration" are left out: they wait for the runner to migrate the VM
 * (scripts/arch-run.bash run_migration), which pkvmd does not do.  An entry without smp
 * has one CPU, as in kvm-unit-tests; "smp = $MAX_SMP", or shell arithmetic
 * on it, is the job's --smp (else the job's default).  extra_params/qemu_params may give
 * -append (the test's arguments when there is no test_args), -smp, -m and
 * -machine properties; an entry with any other qemu option is left out,
 * since pkvmd builds the machine itself.  Without a timeout an entry gets
 * kvm-unit-tests' default of 90 s.  check and disabled_if, which test the
 * host, are not evaluated.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kut-cfg.h"
#include "output.h"
#include "payload-image.h"
#include "payloads.h"
#include "wire.h"

/* kvm-unit-tests' run(): `timeout` defaults to 90s. */
#define KUT_DEFAULT_TIMEOUT_S 90

static void
spec_clear(struct payload_spec *p)
{
	free(p->path);
	free(p->name);
	free(p->append);
	free(p->machine);
	json_decref(p->groups);
	memset(p, 0, sizeof(*p));
}

static struct payload_spec *
payload_new(struct payloads *ps)
{
	struct payload_spec *v;

	if (ps->n >= PKVM_EXES_MAX) {
		fprintf(stderr, "pkvmctl: too many payloads (at most %d)\n", PKVM_EXES_MAX);
		return NULL;
	}
	v = realloc(ps->v, (ps->n + 1) * sizeof(*v));
	if (v == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return NULL;
	}
	ps->v = v;
	memset(&v[ps->n], 0, sizeof(v[0]));
	v[ps->n].smp = v[ps->n].mem_mb = v[ps->n].timeout_s = -1;
	return &v[ps->n++];
}

int
payloads_add_file(struct payloads *ps, const char *path)
{
	struct payload_spec *p = payload_new(ps);
	const char *slash = strrchr(path, '/');

	if (p == NULL)
		return PKVM_EXIT_USAGE;
	if ((p->path = strdup(path)) == NULL ||
	    (p->name = strdup(slash != NULL ? slash + 1 : path)) == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	return 0;
}

void
payloads_set_append(struct payloads *ps, const char *args)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].groups == NULL && ps->v[i].append == NULL)
			ps->v[i].append = strdup(args);
}

/* Whether the space-separated LIST holds WORD. */
static bool
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p != NULL && *p != '\0';) {
		p += strspn(p, " \t");
		if (strncmp(p, word, n) == 0 && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return true;
		p += strcspn(p, " \t");
	}
	return false;
}

/* A qemu size for -m ("256", "256M", "1G") in MB, or -1. */
static long long
mem_mb_of(const char *v)
{
	char *end;
	long long n = strtoll(v, &end, 10);

	if (end == v || n <= 0)
		return -1;
	if (*end == 'G' || *end == 'g')
		n *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		end++;
	return *end == '\0' ? n : -1;
}

/* The qemu options of an entry's extra_params into P; NULL, or why the
 * entry is left out (static text, or *WHY_BUF). */
static const char *
take_params(struct payload_spec *p, const char *params, bool has_test_args, char *why_buf,
    size_t why_len)
{
	char **w = NULL;
	size_t n = 0;
	const char *why = NULL;

	if (kut_cfg_words(params, &w, &n) < 0)
		return "its extra_params do not parse (an unclosed quote, or a $(...) "
		       "or `...` only a shell could run)";
	for (size_t i = 0; i < n && why == NULL; i++) {
		const char *o = w[i], *v = i + 1 < n ? w[i + 1] : NULL;

		if (v == NULL) {
			snprintf(why_buf, why_len,
			    "qemu option '%s' in its extra_params has no value", o);
			why = why_buf;
		} else if (strcmp(o, "-append") == 0) {
			if (!has_test_args) {
				free(p->append);
				p->append = strdup(v);
			}
			i++;
		} else if (strcmp(o, "-smp") == 0) {
			p->smp = strtoll(strncmp(v, "cpus=", 5) == 0 ? v + 5 : v, NULL, 10);
			i++;
		} else if (strcmp(o, "-m") == 0) {
			if ((p->mem_mb = mem_mb_of(v)) < 0) {
				snprintf(why_buf, why_len, "its '-m %s' is not a size in MB or GB",
				    v);
				why = why_buf;
			}
			i++;
		} else if (strcmp(o, "-machine") == 0 || strcmp(o, "-M") == 0) {
			const char *props = strncmp(v, "virt,", 5) == 0 ? v + 5 : v;
			char *m;

			if (strcmp(v, "virt") == 0)
				props = "";
			if (p->machine != NULL && p->machine[0] != '\0' && props[0] != '\0') {
				if (asprintf(&m, "%s,%s", p->machine, props) < 0)
					m = NULL;
			} else {
				m = strdup(
				    props[0] != '\0' ? props : (p->machine ? p->machine : ""));
			}
			free(p->machine);
			p->machine = m;
			i++;
		} else {
			snprintf(why_buf, why_len,
			    "qemu option '%s' in its extra_params is not one pkvmd takes (-append, "
			    "-smp, -m, -machine)",
			    o);
			why = why_buf;
		}
	}
	kut_cfg_words_free(w);
	return why;
}

/* Read the whole file at PATH into *TEXT: 0, or the exit code. */
static int
read_text(const char *path, char **text)
{
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *nb;

	if (f == NULL) {
		fprintf(stderr, "pkvmctl: cannot open --payload-cfg '%s': %s\n", path,
		    strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				fprintf(stderr, "pkvmctl: out of memory\n");
				return PKVM_EXIT_INFRA;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0 && len < (1 << 22));
	fclose(f);
	buf[len] = '\0';
	*text = buf;
	return 0;
}

/* Take entry E of the cfg in directory DIR into PS, or say why not. */
static int
take_entry(struct payloads *ps, const struct kut_cfg_entry *e, const char *cfg, const char *dir)
{
	char why_buf[256], *path = NULL, *efi = NULL;
	const char *why = NULL;
	struct payload_spec *p;
	long long t;

	if (ps->group != NULL && !has_word(e->groups, ps->group))
		return 0; /* run_tests.sh -g passes over them without a word */
	if (e->file == NULL)
		why = "it has no file";
	else if (e->arch != NULL && strcmp(e->arch, "arm64") != 0 &&
	    strcmp(e->arch, "aarch64") != 0)
		snprintf(why_buf, sizeof(why_buf), "%s only", e->arch), why = why_buf;
	else if (e->accel != NULL && strncmp(e->accel, "tcg", 3) != 0)
		snprintf(why_buf, sizeof(why_buf), "%s only, pkvmd runs payloads under tcg",
		    e->accel),
		    why = why_buf;
	else if (e->machine != NULL && strcmp(e->machine, "virt") != 0)
		snprintf(why_buf, sizeof(why_buf), "%s only", e->machine), why = why_buf;
	else if (has_word(e->groups, "migration"))
		why = "a migration test: it waits for the runner to migrate it, which pkvmd "
		      "does not do";
	else if (ps->group == NULL && has_word(e->groups, "nodefault"))
		why = "test marked as manual run only (group nodefault; --payload-group runs it)";
	if (why != NULL) {
		fprintf(stderr, "pkvmctl: %s: skipping %s (%s)\n", cfg, e->name, why);
		return 0;
	}
	if (asprintf(&path, "%s/%s", dir, e->file) < 0)
		goto nomem;
	/* kvm-unit-tests built for EFI names its tests .efi where the cfg
	 * says .flat (scripts/runtime.bash). */
	if (access(path, F_OK) != 0 && strlen(path) > 5 &&
	    strcmp(path + strlen(path) - 5, ".flat") == 0) {
		if (asprintf(&efi, "%.*s.efi", (int)strlen(path) - 5, path) < 0)
			goto nomem;
		if (access(efi, F_OK) == 0) {
			free(path);
			path = efi;
			efi = NULL;
		}
	}
	free(efi);
	if ((p = payload_new(ps)) == NULL) {
		free(path);
		return PKVM_EXIT_USAGE;
	}
	p->path = path;
	if ((p->name = strdup(e->name)) == NULL || (p->groups = json_array()) == NULL)
		goto nomem;
	for (const char *g = e->groups ? e->groups : ""; *g != '\0';) {
		size_t len;

		g += strspn(g, " \t");
		len = strcspn(g, " \t");
		if (len > 0)
			json_array_append_new(p->groups, json_stringn(g, len));
		g += len;
	}
	/* Without smp an entry has one CPU; $MAX_SMP, or shell arithmetic on
	 * it such as "$((($MAX_SMP < 8)?$MAX_SMP:8))", leaves it unset, which
	 * the server makes the job's smp. */
	p->smp = 1;
	if (e->smp != NULL && strstr(e->smp, "MAX_SMP") != NULL) {
		p->smp = -1;
	} else if (e->smp != NULL) {
		char *end;

		p->smp = strtoll(e->smp, &end, 10);
		if (*end != '\0' || p->smp < 1 || p->smp > PKVM_SMP_MAX) {
			fprintf(stderr,
			    "pkvmctl: %s: line %d: [%s]: smp '%s' must be 1..%d or $MAX_SMP\n", cfg,
			    e->line, e->name, e->smp, PKVM_SMP_MAX);
			return PKVM_EXIT_USAGE;
		}
	}
	if (e->test_args != NULL) {
		char **w = NULL;
		size_t n = 0;
		size_t len = 0;

		/* The runner passes `-append <test_args>` through a shell: its
		 * words, joined by spaces, are the arguments. */
		if (kut_cfg_words(e->test_args, &w, &n) < 0) {
			fprintf(stderr, "pkvmctl: %s: line %d: [%s]: test_args do not parse\n", cfg,
			    e->line, e->name);
			return PKVM_EXIT_USAGE;
		}
		for (size_t i = 0; i < n; i++)
			len += strlen(w[i]) + 1;
		if ((p->append = calloc(1, len + 1)) == NULL) {
			kut_cfg_words_free(w);
			goto nomem;
		}
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				strcat(p->append, " ");
			strcat(p->append, w[i]);
		}
		kut_cfg_words_free(w);
	}
	if (e->params != NULL &&
	    (why = take_params(p, e->params, e->test_args != NULL, why_buf, sizeof(why_buf))) !=
		NULL) {
		fprintf(stderr, "pkvmctl: %s: skipping %s (%s)\n", cfg, e->name, why);
		spec_clear(p);
		ps->n--;
		return 0;
	}
	p->timeout_s = KUT_DEFAULT_TIMEOUT_S;
	if (e->timeout != NULL) {
		if (kut_cfg_timeout_s(e->timeout, &t) < 0 || t > PKVM_TIMEOUT_MAX_S) {
			fprintf(stderr,
			    "pkvmctl: %s: line %d: [%s]: timeout '%s' is not a duration such as "
			    "90s, 10m or 1h\n",
			    cfg, e->line, e->name, e->timeout);
			return PKVM_EXIT_USAGE;
		}
		p->timeout_s = t > 0 ? t : 0;
	}
	return 0;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	return PKVM_EXIT_INFRA;
}

int
payloads_add_cfg(struct payloads *ps, const char *path)
{
	struct kut_cfg cfg = { 0 };
	char *text = NULL, *why = NULL, *copy, *dir;
	size_t before = ps->n;
	int rc, err;

	if ((rc = read_text(path, &text)) != 0)
		return rc;
	err = kut_cfg_parse(text, &cfg, &why);
	free(text);
	if (err < 0) {
		fprintf(stderr, "pkvmctl: %s: %s\n", path, why ? why : strerror(-err));
		free(why);
		return err == -ENOMEM ? PKVM_EXIT_INFRA : PKVM_EXIT_USAGE;
	}
	if ((copy = strdup(path)) == NULL) {
		kut_cfg_free(&cfg);
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	dir = dirname(copy);
	for (size_t i = 0; rc == 0 && i < cfg.n; i++)
		rc = take_entry(ps, &cfg.v[i], path, dir);
	free(copy);
	kut_cfg_free(&cfg);
	if (rc == 0 && ps->n == before) {
		fprintf(stderr, "pkvmctl: %s: no entry to run%s%s\n", path,
		    ps->group ? " in group " : "", ps->group ? ps->group : "");
		rc = PKVM_EXIT_USAGE;
	}
	return rc;
}

/* PATH must be a flat aarch64 binary or an arm64 EFI app. */
static int
check_file(const struct payload_spec *p)
{
	unsigned char head[PAYLOAD_HEAD_BYTES];
	const char *why = NULL;
	ssize_t n = -1;
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, head, sizeof(head));
		close(fd);
	}
	if (n < 0) {
		fprintf(stderr, "pkvmctl: cannot read payload '%s': %s\n", p->path,
		    strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	if (payload_image_format(head, (size_t)n, &why) == PAYLOAD_UNKNOWN) {
		fprintf(stderr,
		    "pkvmctl: payload '%s' is not a flat aarch64 binary or an arm64 EFI app: "
		    "it is %s\n",
		    p->path, why);
		return PKVM_EXIT_USAGE;
	}
	return 0;
}

int
payloads_collect(struct payloads *ps, struct blob_set *set)
{
	int rc;

	for (size_t i = 0; i < ps->n; i++) {
		const struct payload_spec *p = &ps->v[i];

		if (!pkvm_name_valid(p->name)) {
			fprintf(stderr,
			    "pkvmctl: invalid payload name '%s' (from '%s'): use 1..%d "
			    "of [A-Za-z0-9._+-], not starting with '.'\n",
			    p->name, p->path, PKVM_NAME_MAX);
			return PKVM_EXIT_USAGE;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(ps->v[k].name, p->name) == 0) {
				fprintf(stderr,
				    "pkvmctl: two payloads are named '%s' ('%s' and '%s')\n",
				    p->name, ps->v[k].path, p->path);
				return PKVM_EXIT_USAGE;
			}
		if ((rc = blob_set_add(set, p->path, false, "payload")) != 0 ||
		    (rc = check_file(p)) != 0)
			return rc;
	}
	return 0;
}

json_t *
payloads_json(const struct payloads *ps, const struct blob_file *files)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < ps->n; i++) {
		const struct payload_spec *p = &ps->v[i];
		json_t *o = json_pack("{s:s, s:s}", "name", p->name, "blob", files[i].hash);

		if (o == NULL) {
			json_decref(a);
			return NULL;
		}
		if (p->smp > 0)
			json_object_set_new(o, "smp", json_integer(p->smp));
		if (p->mem_mb > 0)
			json_object_set_new(o, "mem", json_integer(p->mem_mb));
		if (p->timeout_s >= 0)
			json_object_set_new(o, "timeout", json_integer(p->timeout_s));
		if (p->append != NULL)
			json_object_set_new(o, "append", json_string(p->append));
		if (p->machine != NULL)
			json_object_set_new(o, "machine", json_string(p->machine));
		if (p->groups != NULL)
			json_object_set(o, "groups", p->groups);
		json_array_append_new(a, o);
	}
	return a;
}

void
payloads_free(struct payloads *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		spec_clear(&ps->v[i]);
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}
