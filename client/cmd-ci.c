/*
 * cmd-ci.c -- pkvmctl ci list|deliveries: the CI projects pkvmd takes
 * webhooks for, and what their recent deliveries did (a job queued,
 * ignored and why, refused and why, failed and why).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_LIMIT = 256, OPT_JSON };

static const struct cmd_option ci_options[] = {
	{ .key = OPT_LIMIT, .long_name = "limit", .short_name = 'n', .has_arg = true },
	{ .key = OPT_JSON, .long_name = "json" },
	{ 0 },
};

/* What a delivery did, in a few words: "job 12", "ignored: why". */
static void
delivery_what(json_t *dl, char *buf, size_t size)
{
	const char *outcome = job_str(dl, "outcome"), *reason = job_str(dl, "reason");
	long long job;

	if (outcome == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	if (job_int(dl, "job", &job))
		snprintf(buf, size, "%s: job %lld", outcome, job);
	else if (reason != NULL)
		snprintf(buf, size, "%s: %s", outcome, reason);
	else
		snprintf(buf, size, "%s", outcome);
}

/* What the forge was last told about the delivery's job: "success: sent",
 * "failure: rejected (422: Validation Failed)", "pending: waiting (2
 * attempts)"; "-" when nothing. */
static void
delivery_status(json_t *dl, char *buf, size_t size)
{
	json_t *st = json_object_get(dl, "statuses"), *last;
	const char *outcome, *error;
	long long code, attempts;

	if (json_array_size(st) == 0) {
		snprintf(buf, size, "-");
		return;
	}
	last = json_array_get(st, json_array_size(st) - 1);
	outcome = job_str(last, "outcome") ? job_str(last, "outcome") : "?";
	error = job_str(last, "error");
	if (strcmp(outcome, "sent") == 0)
		snprintf(buf, size, "%s: sent", job_str(last, "state"));
	else if (strcmp(outcome, "waiting") == 0 && job_int(last, "attempts", &attempts) &&
	    attempts > 0)
		snprintf(buf, size, "%s: waiting (%lld attempts; %s)", job_str(last, "state"),
		    attempts, error ? error : "no answer");
	else if (job_int(last, "http_status", &code))
		snprintf(buf, size, "%s: %s (%lld: %s)", job_str(last, "state"), outcome, code,
		    error ? error : "");
	else
		snprintf(buf, size, "%s: %s%s%s", job_str(last, "state"), outcome, error ? " " : "",
		    error ? error : "");
}

static int
project_row(struct table *t, json_t *p)
{
	json_t *last = json_object_get(p, "last_delivery");
	char when[32] = "-", what[300] = "-";
	const char *which = job_str(p, "workflow") ? job_str(p, "workflow") : job_str(p, "job");
	const char *cells[] = { job_str(p, "name"), job_str(p, "forge"),
		job_str(p, "repository") ? job_str(p, "repository") : "-", which ? which : "-",
		job_str(p, "owner"), when, what };

	if (json_is_object(last)) {
		job_time(last, "received", false, when, sizeof(when));
		delivery_what(last, what, sizeof(what));
	}
	return table_add_row(t, cells);
}

static const char *const project_headers[] = { "NAME", "FORGE", "REPOSITORY", "WORKFLOW/JOB",
	"OWNER", "LAST-DELIVERY", "OUTCOME" };

static const struct output_table project_table = {
	.ncols = 7,
	.headers = project_headers,
	.right = 0,
	.empty = "no CI projects",
	.row = project_row,
};

static int
print_projects(json_t *v, const void *arg)
{
	json_t *e;
	size_t i;
	int rc;

	(void)arg;
	rc = output_table(json_object_get(v, "projects"), &project_table);
	json_array_foreach(json_object_get(v, "errors"), i, e)
	{
		printf("not loaded: %s: %s\n", job_str(e, "file") ? job_str(e, "file") : "?",
		    job_str(e, "message") ? job_str(e, "message") : "?");
	}
	return rc;
}

static int
delivery_row(struct table *t, json_t *dl)
{
	char id[24], when[32], commit[16] = "-", what[600], status[600];
	const char *c = job_str(dl, "commit");
	const char *cells[] = { id, when, job_str(dl, "event"), job_str(dl, "delivery"),
		job_str(dl, "ref") ? job_str(dl, "ref") : "-", commit, what, status };

	job_int_format(dl, "id", id, sizeof(id));
	job_time(dl, "received", false, when, sizeof(when));
	if (c != NULL)
		snprintf(commit, sizeof(commit), "%.12s", c);
	delivery_what(dl, what, sizeof(what));
	delivery_status(dl, status, sizeof(status));
	return table_add_row(t, cells);
}

static const char *const delivery_headers[] = { "ID", "RECEIVED", "EVENT", "DELIVERY", "REF",
	"COMMIT", "OUTCOME", "STATUS" };

static const struct output_table delivery_table = {
	.ncols = 8,
	.headers = delivery_headers,
	.right = 1u << 0,
	.empty = "no deliveries",
	.row = delivery_row,
};

static int
ci_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *sub = args->n > 0 && args->v[0].key == CMD_ARG_POSITIONAL ? args->v[0].value
									      : NULL;
	const char *project = NULL;
	char query[64] = "", path[400], *esc;
	bool json = false;
	long long limit;

	if (sub == NULL)
		return cmd_usage_error(self, "say list or deliveries");
	if (strcmp(sub, "list") != 0 && strcmp(sub, "ls") != 0 && strcmp(sub, "deliveries") != 0)
		return cmd_usage_error(self, "unknown ci command '%s' (list or deliveries)", sub);
	for (int i = 1; i < args->n; i++) {
		const char *v = args->v[i].value;

		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (strcmp(sub, "deliveries") != 0 || project != NULL)
				return cmd_usage_error(self, "unexpected argument '%s'", v);
			project = v;
			break;
		case OPT_LIMIT:
			if (strcmp(sub, "deliveries") != 0)
				return cmd_usage_error(self, "--limit is for ci deliveries");
			if (cmd_parse_int("limit", v, 1, 1000, &limit) != 0)
				return PKVM_EXIT_USAGE;
			snprintf(query, sizeof(query), "?limit=%lld", limit);
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return cmd_usage_error(self, "unexpected option");
		}
	}
	if (strcmp(sub, "deliveries") != 0)
		return output_show(api, PKVM_API_PREFIX "/ci/projects", NULL, JSON_OBJECT, json,
		    print_projects, NULL);
	if (project == NULL)
		return cmd_usage_error(self, "ci deliveries needs a project's name");
	if ((esc = api_escape(project)) == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/ci/projects/%s/deliveries%s", esc, query);
	free(esc);
	return output_show_table(api, path, "deliveries", json, &delivery_table);
}

const struct cmd_entry cmd_ci_entry = {
	.name = "ci",
	.alias = NULL,
	.args = "list [--json]\n"
		"       pkvmctl ci deliveries PROJECT [--limit N] [--json]",
	.summary = "list CI projects and what their webhook deliveries did",
	.details = "list shows each project of pkvmd's --ci-dir with its last delivery (and,\n"
		   "to admins, the project files that did not load); deliveries shows a\n"
		   "project's recent deliveries, newest first: the job each queued, or why it\n"
		   "was ignored, refused or failed (\"-\" names deliveries no project matched).\n"
		   "\n"
		   "options:\n"
		   "  -n, --limit N   how many deliveries (default 20)\n"
		   "  --json          print the answer as JSON\n",
	.options = ci_options,
	.takes_rest = false,
	.exec = ci_exec,
};
