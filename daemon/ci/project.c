/*
 * project.c -- reading --ci-dir's project files.
 *
 * Each file is parsed strictly, like a job request: an unknown field is an
 * error (a misspelt "supersed" must not silently keep old jobs running),
 * and the job template is checked by job_from_request() itself, so a
 * template the API would refuse is reported when the file loads, not on
 * the first push.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "ci/project.h"
#include "job/job-json.h"
#include "wire.h"

/* The most bytes of a secret or token file: they are a line of text. */
#define SECRET_MAX_BYTES 4096

static const char *const forge_names[] = {
	[CI_FORGE_GITHUB] = "github",
	[CI_FORGE_GITLAB] = "gitlab",
	[CI_FORGE_GENERIC] = "generic",
};

/* The public forges' REST APIs, when a project names none. */
static const char *const default_api[] = {
	[CI_FORGE_GITHUB] = "https://api.github.com",
	[CI_FORGE_GITLAB] = "https://gitlab.com/api/v4",
	[CI_FORGE_GENERIC] = NULL,
};

const char *
ci_forge_name(enum ci_forge f)
{
	return (unsigned)f < sizeof(forge_names) / sizeof(forge_names[0]) ? forge_names[f] : "?";
}

static int
fail(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return -EINVAL;
}

void
ci_project_free(struct ci_project *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->file);
	free(p->repository);
	free(p->api_url);
	if (p->secret != NULL)
		explicit_bzero(p->secret, p->secret_len);
	free(p->secret);
	if (p->token != NULL)
		explicit_bzero(p->token, strlen(p->token));
	free(p->token);
	free(p->workflow);
	free(p->job);
	free(p->artifact);
	free(p->kernel);
	free(p->tests);
	free(p->manifest);
	json_decref(p->job_template);
	free(p->owner);
	free(p);
}

/* Read the secret in PATH: its first line, without the newline. */
static int
read_secret(const char *path, const char *field, char **out, size_t *len, char **why)
{
	char buf[SECRET_MAX_BYTES + 1];
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return fail(why, "%s '%s': %s", field, path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n > SECRET_MAX_BYTES)
		return fail(why, "%s '%s' is over %d bytes: not a secret", field, path,
		    SECRET_MAX_BYTES);
	buf[n] = '\0';
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		explicit_bzero(buf, sizeof(buf));
		return fail(why, "%s '%s' is empty", field, path);
	}
	*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (*out == NULL)
		return -ENOMEM;
	*len = n;
	return 0;
}

/* A string field KEY of OBJ into *OUT (NULL when absent). */
static int
get_str(json_t *obj, const char *key, char **out, char **why)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(why, "'%s' must be a non-empty string", key);
	if ((*out = strdup(json_string_value(v))) == NULL)
		return -ENOMEM;
	return 0;
}

/* Whether the template makes a valid job: the API's own check, on a job
 * with a stand-in kernel (the push brings the real one). */
static int
check_template(json_t *tmpl, char **why)
{
	struct job_json_error e = { 0 };
	json_t *trial = json_deep_copy(tmpl);
	struct job *j = NULL;
	int r;

	if (trial == NULL || job_new(&j) < 0) {
		json_decref(trial);
		return -ENOMEM;
	}
	if (json_object_get(trial, "kernel") != NULL ||
	    json_object_get(trial, "executables") != NULL) {
		json_decref(trial);
		job_free(j);
		return fail(why,
		    "job_template: 'kernel' and 'executables' come from the artifact, "
		    "not the template");
	}
	/* A disk is a blob checked at submit (docs/DISKS.md), which a push
	 * does not go through; a template cannot name one yet. */
	if (json_object_get(trial, "disks") != NULL || json_object_get(trial, "root") != NULL ||
	    json_object_get(trial, "keep_disk") != NULL) {
		json_decref(trial);
		job_free(j);
		return fail(why,
		    "job_template: 'disks', 'root' and 'keep_disk' are not taken from a CI "
		    "project (submit jobs with disks through POST /v1/jobs)");
	}
	json_object_set_new(trial, "kernel",
	    json_string("0000000000000000000000000000000000000000000000000000000000000000"));
	r = job_from_request(trial, j, &e);
	json_decref(trial);
	job_free(j);
	if (r < 0)
		return fail(why, "job_template: %s", e.message);
	return 0;
}

int
ci_project_parse(json_t *obj, const char *file, struct ci_project **out, char **why)
{
	static const char *const known[] = { "name", "forge", "repository", "api_url",
		"secret_file", "token_file", "workflow", "job", "artifact", "kernel", "tests",
		"manifest", "job_template", "owner", "supersede", NULL };
	struct ci_project *p;
	char *forge = NULL, *secret_file = NULL, *token_file = NULL;
	const char *key;
	json_t *v;
	size_t tlen;
	int r;

	*out = NULL;
	*why = NULL;
	if (!json_is_object(obj))
		return fail(why, "a project file holds one JSON object");
	json_object_foreach(obj, key, v)
	{
		size_t i;

		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL)
			return fail(why, "unknown field '%s'", key);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL || (p->file = strdup(file)) == NULL) {
		free(p);
		return -ENOMEM;
	}
	if ((r = get_str(obj, "name", &p->name, why)) < 0 ||
	    (r = get_str(obj, "forge", &forge, why)) < 0 ||
	    (r = get_str(obj, "repository", &p->repository, why)) < 0 ||
	    (r = get_str(obj, "api_url", &p->api_url, why)) < 0 ||
	    (r = get_str(obj, "secret_file", &secret_file, why)) < 0 ||
	    (r = get_str(obj, "token_file", &token_file, why)) < 0 ||
	    (r = get_str(obj, "workflow", &p->workflow, why)) < 0 ||
	    (r = get_str(obj, "job", &p->job, why)) < 0 ||
	    (r = get_str(obj, "artifact", &p->artifact, why)) < 0 ||
	    (r = get_str(obj, "kernel", &p->kernel, why)) < 0 ||
	    (r = get_str(obj, "tests", &p->tests, why)) < 0 ||
	    (r = get_str(obj, "manifest", &p->manifest, why)) < 0 ||
	    (r = get_str(obj, "owner", &p->owner, why)) < 0)
		goto out;
	r = -EINVAL;
	if (p->name == NULL || !pkvm_name_valid(p->name)) {
		r = fail(why, "'name' is required: letters, digits, '.', '_' and '-'");
		goto out;
	}
	if (forge == NULL) {
		r = fail(why, "'forge' is required: github, gitlab or generic");
		goto out;
	}
	for (p->forge = 0; p->forge <= CI_FORGE_GENERIC; p->forge++)
		if (strcmp(forge, forge_names[p->forge]) == 0)
			break;
	if (p->forge > CI_FORGE_GENERIC) {
		r = fail(why, "'forge' is '%s': expected github, gitlab or generic", forge);
		goto out;
	}
	if (p->forge != CI_FORGE_GENERIC) {
		if (p->repository == NULL) {
			r = fail(why, "'repository' is required for %s", forge);
			goto out;
		}
		if (token_file == NULL) {
			r = fail(why, "'token_file' is required for %s (artifacts and statuses)",
			    forge);
			goto out;
		}
		if (p->kernel == NULL) {
			r = fail(why, "'kernel' (its path in the artifact) is required");
			goto out;
		}
	}
	if (p->forge == CI_FORGE_GITHUB && (p->workflow == NULL || p->artifact == NULL)) {
		r = fail(why, "'workflow' and 'artifact' are required for github");
		goto out;
	}
	if (p->forge == CI_FORGE_GITLAB && p->job == NULL) {
		r = fail(why, "'job' is required for gitlab");
		goto out;
	}
	if (p->api_url == NULL && default_api[p->forge] != NULL &&
	    (p->api_url = strdup(default_api[p->forge])) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (p->api_url != NULL) {
		size_t n = strlen(p->api_url);

		if (strncmp(p->api_url, "https://", 8) != 0 &&
		    strncmp(p->api_url, "http://", 7) != 0) {
			r = fail(why, "'api_url' must be an http or https URL");
			goto out;
		}
		while (n > 0 && p->api_url[n - 1] == '/')
			p->api_url[--n] = '\0';
	}
	if (secret_file == NULL) {
		r = fail(why, "'secret_file' is required (the webhook secret)");
		goto out;
	}
	if ((r = read_secret(secret_file, "secret_file", &p->secret, &p->secret_len, why)) < 0)
		goto out;
	if (token_file != NULL &&
	    (r = read_secret(token_file, "token_file", &p->token, &tlen, why)) < 0)
		goto out;
	v = json_object_get(obj, "supersede");
	if (v != NULL && !json_is_boolean(v)) {
		r = fail(why, "'supersede' must be true or false");
		goto out;
	}
	p->supersede = v != NULL && json_is_true(v);
	v = json_object_get(obj, "job_template");
	if (v != NULL && !json_is_object(v)) {
		r = fail(why, "'job_template' must be an object of POST /v1/jobs fields");
		goto out;
	}
	p->job_template = v != NULL ? json_deep_copy(v) : json_object();
	if (p->job_template == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = check_template(p->job_template, why)) < 0)
		goto out;
	if (p->owner == NULL && asprintf(&p->owner, "ci-%s", p->name) < 0) {
		p->owner = NULL;
		r = -ENOMEM;
		goto out;
	}
	*out = p;
	p = NULL;
	r = 0;
out:
	free(forge);
	free(secret_file);
	free(token_file);
	ci_project_free(p);
	if (r == -ENOMEM && *why == NULL)
		*why = strdup("out of memory");
	return r;
}

static int
add_error(struct ci_projects *ps, const char *file, char *message)
{
	struct ci_load_error *ne = realloc(ps->errors, (ps->nerrors + 1) * sizeof(*ne));

	if (ne == NULL) {
		free(message);
		return -ENOMEM;
	}
	ps->errors = ne;
	ne[ps->nerrors].file = strdup(file);
	ne[ps->nerrors].message = message != NULL ? message : strdup("out of memory");
	ps->nerrors++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ci_projects_load(const char *dir, struct ci_projects **out)
{
	struct ci_projects *ps;
	struct dirent *de;
	char **names = NULL;
	size_t nnames = 0;
	DIR *d;
	int r = 0;

	*out = NULL;
	if ((d = opendir(dir)) == NULL)
		return -errno;
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		closedir(d);
		return -ENOMEM;
	}
	ps->refs = 1;
	/* In name order, so that which of two files naming the same project
	 * wins does not depend on the directory's order. */
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char **nn;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (nnames + 1) * sizeof(*nn))) == NULL) {
			r = -ENOMEM;
			break;
		}
		names = nn;
		if ((names[nnames] = strdup(de->d_name)) == NULL) {
			r = -ENOMEM;
			break;
		}
		nnames++;
	}
	closedir(d);
	if (nnames > 0)
		qsort(names, nnames, sizeof(*names), name_cmp);
	for (size_t i = 0; r == 0 && i < nnames; i++) {
		struct ci_project *p = NULL, **nv;
		json_error_t jerr;
		char *path = NULL, *why = NULL;
		json_t *obj;

		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		obj = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (obj == NULL) {
			if (asprintf(&why, "not valid JSON: %s (line %d)", jerr.text, jerr.line) <
			    0)
				why = NULL;
		} else if (ci_project_parse(obj, path, &p, &why) == 0 &&
		    ci_projects_find(ps, p->name) != NULL) {
			if (asprintf(&why, "project '%s' is already defined by another file",
				p->name) < 0)
				why = NULL;
			ci_project_free(p);
			p = NULL;
		}
		json_decref(obj);
		if (p != NULL) {
			if ((nv = realloc(ps->v, (ps->n + 1) * sizeof(*nv))) == NULL) {
				ci_project_free(p);
				r = -ENOMEM;
			} else {
				ps->v = nv;
				ps->v[ps->n++] = p;
			}
		} else {
			r = add_error(ps, path, why);
		}
		free(path);
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	if (r < 0) {
		ci_projects_unref(ps);
		return r;
	}
	*out = ps;
	return 0;
}

const struct ci_project *
ci_projects_find(const struct ci_projects *ps, const char *name)
{
	for (size_t i = 0; ps != NULL && i < ps->n; i++)
		if (strcmp(ps->v[i]->name, name) == 0)
			return ps->v[i];
	return NULL;
}

struct ci_projects *
ci_projects_ref(struct ci_projects *ps)
{
	ps->refs++;
	return ps;
}

void
ci_projects_unref(struct ci_projects *ps)
{
	if (ps == NULL || --ps->refs > 0)
		return;
	for (size_t i = 0; i < ps->n; i++)
		ci_project_free(ps->v[i]);
	for (size_t i = 0; i < ps->nerrors; i++) {
		free(ps->errors[i].file);
		free(ps->errors[i].message);
	}
	free(ps->v);
	free(ps->errors);
	free(ps);
}

int
ci_projects_reload(const char *dir, struct ci_projects **cur)
{
	struct ci_projects *ps;
	int err;

	if ((err = ci_projects_load(dir, &ps)) < 0) {
		log_warn(err, "ci: cannot read the projects in '%s'%s", dir,
		    *cur != NULL ? "; the projects loaded before stay" : "");
		return err;
	}
	for (size_t i = 0; i < ps->nerrors; i++)
		log_warnx("ci: %s: %s; left out", ps->errors[i].file, ps->errors[i].message);
	for (size_t i = 0; i < ps->n; i++)
		log_info("ci: project %s (%s%s%s) from %s", ps->v[i]->name,
		    ci_forge_name(ps->v[i]->forge), ps->v[i]->repository ? " " : "",
		    ps->v[i]->repository ? ps->v[i]->repository : "", ps->v[i]->file);
	ci_projects_unref(*cur);
	*cur = ps;
	return 0;
}
