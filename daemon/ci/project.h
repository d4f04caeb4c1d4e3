/*
 * project.h -- the CI projects a lab server takes webhooks for: one JSON
 * file each in --ci-dir (docs/CI.md lists the fields), read at start-up
 * and again on SIGHUP.
 *
 * A file that does not load (bad JSON, an unknown field, a secret file
 * that cannot be read, a job template the API would refuse) is reported
 * by name and left out; the other projects keep working.  Secrets are read
 * from their files at load, never written inline in the project file.
 */
#ifndef PKVM_CI_PROJECT_H
#define PKVM_CI_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum ci_forge { CI_FORGE_GITHUB, CI_FORGE_GITLAB, CI_FORGE_GENERIC };

struct ci_project {
	char *name; /* pkvm_name_valid(); tags and status contexts carry it */
	char *file; /* the file it was read from */
	enum ci_forge forge;
	char *repository; /* "owner/name"; GitLab: project id or path; NULL for generic */
	char *api_url; /* REST API base, no trailing '/' */
	char *secret; /* the webhook secret (from secret_file) */
	size_t secret_len;
	char *token; /* the forge token for artifacts and statuses (token_file), or NULL */
	char *workflow; /* GitHub: the workflow's name or file name */
	char *job; /* GitLab: the job's name */
	char *artifact; /* GitHub: the artifact's name */
	char *kernel; /* path of the kernel Image inside the artifact */
	char *tests; /* path of the test executables (a directory, or one file) in it, or NULL */
	char *manifest; /* path of a manifest (docs/MANIFEST.md) in it for them, or NULL */
	json_t *job_template; /* POST /v1/jobs fields every job of it starts from */
	char *owner; /* the user its jobs run as */
	bool supersede; /* a newer push to a branch cancels its older jobs */
};

/* A file of --ci-dir that did not load, and why. */
struct ci_load_error {
	char *file;
	char *message;
};

/* One load of --ci-dir.  A reload makes a new set; work in flight (a
 * download for a delivery) holds a reference to the set it started with,
 * so its project stays valid until it ends. */
struct ci_projects {
	struct ci_project **v;
	size_t n;
	struct ci_load_error *errors;
	size_t nerrors;
	int refs;
};

/* Read every *.json file of DIR into *OUT (one reference: ci_projects_unref() it).  Files
 * that do not load are in (*OUT)->errors; 0, or negative errno when DIR
 * itself cannot be read (*OUT is then NULL). */
int ci_projects_load(const char *dir, struct ci_projects **out);
/* The project named NAME, or NULL. */
const struct ci_project *ci_projects_find(const struct ci_projects *p, const char *name);
/* Take a reference to P; returns P. */
struct ci_projects *ci_projects_ref(struct ci_projects *p);
/* Drop a reference (the loader's counts as one); the last frees P and
 * its projects.  NULL is fine. */
void ci_projects_unref(struct ci_projects *p);
/* Load DIR again into *CUR, the old set unreferenced, logging each file
 * that does not load and the projects that do.  When DIR cannot be read
 * the old set stays.  0 or negative errno. */
int ci_projects_reload(const char *dir, struct ci_projects **cur);
/* "github", "gitlab" or "generic". */
const char *ci_forge_name(enum ci_forge f);

/* Parse one project file's JSON OBJ (read from FILE) into *OUT.  0, or
 * -EINVAL with *WHY (malloc'd) saying what is wrong. */
int ci_project_parse(json_t *obj, const char *file, struct ci_project **out, char **why);
/* Free one project. */
void ci_project_free(struct ci_project *p);

#endif
