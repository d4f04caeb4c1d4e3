/*
 * cmd-coverage.c -- pkvmctl coverage: what code a job's tests reached.
 *
 * One command with three forms, chosen by the first positional argument
 * the way `artifacts ID get` chooses its action:
 *
 *     coverage [--json] [-n N] ID     one job (GET /v1/jobs/ID/coverage)
 *     coverage --html DIR ID          its HTML report, made here
 *     coverage merge ID... | -T TAG   several jobs' union (GET /v1/coverage)
 *     coverage diff A B               lines one reaches and the other not
 *                                     (GET /v1/coverage/diff)
 *
 * This file reads the command line, checks that each form got only the
 * options that mean something to it, and fetches; coverage-print.c shows
 * the answers to people (--json prints the server's object as it is) and
 * coverage-html.c runs genhtml.  `merge -o FILE` also fetches the merged
 * tracefile (format=info) into FILE through download.c, so FILE is
 * replaced whole or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "coverage.h"
#include "download.h"
#include "output.h"
#include "wire.h"

/* Files in the table unless -n says otherwise. */
#define COVERAGE_TOP_DEFAULT 10
/* Job ids named in a merged coverage's title; the rest are counted. */
#define COVERAGE_TITLE_JOBS 10

enum { OPT_JSON = 256, OPT_HTML };

static const struct cmd_option coverage_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ .key = 'n', .long_name = "files", .short_name = 'n', .has_arg = true },
	{ .key = OPT_HTML, .long_name = "html", .has_arg = true },
	{ .key = 'T', .long_name = "tag", .short_name = 'T', .has_arg = true },
	{ .key = 'o', .long_name = "output", .short_name = 'o', .has_arg = true },
	{ .key = 'w', .long_name = "wait", .short_name = 'w' },
	{ 0 },
};

/* The parsed command line. */
struct coverage_opts {
	const char **pos; /* positional arguments */
	int npos;
	bool json;
	bool wait; /* until the coverage is final */
	long long top; /* -1 when not given */
	const char *html, *tag, *output; /* or NULL */
};

/* Print job ID's coverage. */
static int
coverage_show(struct api *api, int64_t id, const struct coverage_opts *o)
{
	json_t *reply = NULL, *cov = NULL;
	char path[96], title[64];
	int err, rc;

	coverage_job_path(id, o->wait, path, sizeof(path));
	err = api_get_member(api, path, NULL, JSON_OBJECT, &reply, &cov);
	if (err < 0)
		return api_fail(api, err);
	snprintf(title, sizeof(title), "coverage of job %lld", (long long)id);
	if (o->json)
		rc = output_json(cov) < 0 ? PKVM_EXIT_INFRA : 0;
	else
		rc = coverage_print(cov, title, o->top >= 0 ? o->top : COVERAGE_TOP_DEFAULT);
	json_decref(reply);
	return rc;
}

/* The title of a merged coverage: which jobs it unites. */
static char *
merge_title(json_t *cov, const char *tag)
{
	json_t *jobs = json_object_get(cov, "jobs"), *j;
	size_t n = json_array_size(jobs), i;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return NULL;
	fprintf(f, "merged coverage of ");
	if (tag != NULL)
		fprintf(f, "tag %s (%zu job%s%s", tag, n, n == 1 ? "" : "s", n > 0 ? ": " : ")");
	else
		fprintf(f, "job%s ", n == 1 ? "" : "s");
	json_array_foreach(jobs, i, j)
	{
		if (i == COVERAGE_TITLE_JOBS) {
			fprintf(f, ", and %zu more", n - i);
			break;
		}
		fprintf(f, "%s%lld", i > 0 ? ", " : "", (long long)json_integer_value(j));
	}
	if (tag != NULL && n > 0)
		fprintf(f, ")");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Build the query of a merge: "jobs=1,2,3" or "tag=T"; NULL after
 * printing why (*RC the exit code). */
static char *
merge_query(const struct cmd_entry *self, const struct coverage_opts *o, int *rc)
{
	char *buf = NULL, *esc;
	size_t size = 0;
	int64_t id;
	FILE *f;

	if (o->tag != NULL && o->npos > 1) {
		*rc = cmd_usage_error(self, "give job ids or --tag, not both");
		return NULL;
	}
	if (o->tag == NULL && o->npos < 2) {
		*rc = cmd_usage_error(self, "merge needs job ids or --tag");
		return NULL;
	}
	if (o->tag != NULL) {
		if (!pkvm_tag_valid(o->tag)) {
			fprintf(stderr, "pkvmctl: invalid tag '%s'\n", o->tag);
			*rc = PKVM_EXIT_USAGE;
			return NULL;
		}
		esc = api_escape(o->tag);
		if (esc == NULL || asprintf(&buf, "tag=%s", esc) < 0)
			buf = NULL;
		free(esc);
		goto done;
	}
	f = open_memstream(&buf, &size);
	if (f == NULL)
		goto done;
	fprintf(f, "jobs=");
	for (int i = 1; i < o->npos; i++) {
		*rc = cmd_parse_id(o->pos[i], &id);
		if (*rc != 0) {
			fclose(f);
			free(buf);
			return NULL;
		}
		fprintf(f, "%s%lld", i > 1 ? "," : "", (long long)id);
	}
	if (fclose(f) != 0) {
		free(buf);
		buf = NULL;
	}
done:
	if (buf == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		*rc = PKVM_EXIT_INFRA;
	}
	return buf;
}

/* Print the merged coverage of the jobs O names, and write its tracefile
 * with -o. */
static int
coverage_merge(const struct cmd_entry *self, struct api *api, const struct coverage_opts *o)
{
	json_t *reply = NULL, *cov = NULL;
	char *query, *path = NULL, *title = NULL;
	int err, rc = 0;

	query = merge_query(self, o, &rc);
	if (query == NULL)
		return rc;
	/* "-o -" puts the tracefile on stdout, so nothing else goes there. */
	if (o->output == NULL || strcmp(o->output, "-") != 0) {
		if (asprintf(&path, PKVM_API_PREFIX "/coverage?%s", query) < 0) {
			path = NULL;
			goto nomem;
		}
		err = api_get_member(api, path, NULL, JSON_OBJECT, &reply, &cov);
		if (err < 0) {
			rc = api_fail(api, err);
			goto out;
		}
		if (o->json) {
			rc = output_json(cov) < 0 ? PKVM_EXIT_INFRA : 0;
		} else {
			title = merge_title(cov, o->tag);
			if (title == NULL)
				goto nomem;
			rc = coverage_print(cov, title,
			    o->top >= 0 ? o->top : COVERAGE_TOP_DEFAULT);
		}
		free(path);
		path = NULL;
	}
	if (rc != 0 || o->output == NULL)
		goto out;
	fflush(stdout);
	if (asprintf(&path, PKVM_API_PREFIX "/coverage?%s&format=info", query) < 0) {
		path = NULL;
		goto nomem;
	}
	rc = download_file(api, path, o->output, NULL, -1, "merged coverage", DOWNLOAD_FORCE);
	goto out;
nomem:
	fprintf(stderr, "pkvmctl: out of memory\n");
	rc = PKVM_EXIT_INFRA;
out:
	json_decref(reply);
	free(query);
	free(path);
	free(title);
	return rc;
}

/* Print the lines job B reaches that A does not, and the reverse. */
static int
coverage_diff(const struct cmd_entry *self, struct api *api, const struct coverage_opts *o)
{
	json_t *reply = NULL, *diff = NULL;
	int64_t a, b;
	char path[128];
	int err, rc;

	if (o->npos != 3)
		return cmd_usage_error(self, "diff needs two job ids, A and B");
	if ((rc = cmd_parse_id(o->pos[1], &a)) != 0 || (rc = cmd_parse_id(o->pos[2], &b)) != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/coverage/diff?a=%lld&b=%lld", (long long)a,
	    (long long)b);
	err = api_get_member(api, path, NULL, JSON_OBJECT, &reply, &diff);
	if (err < 0)
		return api_fail(api, err);
	if (o->json)
		rc = output_json(diff) < 0 ? PKVM_EXIT_INFRA : 0;
	else
		rc = coverage_diff_print(diff, a, b);
	json_decref(reply);
	return rc;
}

/* Refuse the options form FORM has no use for; 0 or the exit code. */
static int
coverage_check_options(const struct cmd_entry *self, const struct coverage_opts *o,
    const char *form)
{
	bool merge = strcmp(form, "merge") == 0, diff = strcmp(form, "diff") == 0;
	bool html = strcmp(form, "--html") == 0;

	if (o->html != NULL && !html)
		return cmd_usage_error(self, "--html goes with one job id, not with '%s'", form);
	if (html && (o->json || o->top >= 0))
		return cmd_usage_error(self, "--html makes a report; --json and -n do not apply");
	if ((o->tag != NULL || o->output != NULL) && !merge)
		return cmd_usage_error(self, "-T and -o go with 'merge'");
	if (o->wait && (merge || diff))
		return cmd_usage_error(self,
		    "--wait goes with one job id (merge and diff "
		    "take only finished coverage)");
	if (diff && o->top >= 0)
		return cmd_usage_error(self, "-n does not apply to 'diff'");
	if (merge && o->json && o->output != NULL && strcmp(o->output, "-") == 0)
		return cmd_usage_error(self,
		    "--json and -o - cannot be combined "
		    "(both write to stdout)");
	return 0;
}

static int
coverage_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	struct coverage_opts o = { .top = -1 };
	const char *form;
	int64_t id;
	int rc = 0;

	o.pos = calloc((size_t)args->n + 1, sizeof(*o.pos));
	if (o.pos == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	for (int i = 0; i < args->n && rc == 0; i++) {
		const char *v = args->v[i].value;

		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			o.pos[o.npos++] = v;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case 'n':
			rc = cmd_parse_int("number of files", v, 0, 1000000, &o.top);
			break;
		case OPT_HTML:
			o.html = v;
			if (v[0] == '\0')
				rc = cmd_usage_error(self, "--html needs a directory");
			break;
		case 'w':
			o.wait = true;
			break;
		case 'T':
			o.tag = v;
			break;
		case 'o':
			o.output = v;
			if (v[0] == '\0')
				rc = cmd_usage_error(self, "-o needs a file name");
			break;
		}
	}
	if (rc != 0)
		goto out;
	if (o.npos == 0) {
		rc = cmd_usage_error(self, "missing job id (or 'merge', 'diff')");
		goto out;
	}
	form = o.pos[0];
	if (strcmp(form, "merge") != 0 && strcmp(form, "diff") != 0)
		form = o.html != NULL ? "--html" : "ID";
	rc = coverage_check_options(self, &o, form);
	if (rc != 0)
		goto out;
	if (strcmp(form, "merge") == 0) {
		rc = coverage_merge(self, api, &o);
	} else if (strcmp(form, "diff") == 0) {
		rc = coverage_diff(self, api, &o);
	} else if (o.npos > 1) {
		rc = cmd_usage_error(self, "too many arguments (expected one job id)");
	} else if ((rc = cmd_parse_id(o.pos[0], &id)) == 0) {
		rc = o.html != NULL ? coverage_html(api, id, o.html, o.wait)
				    : coverage_show(api, id, &o);
	}
out:
	free(o.pos);
	return rc;
}

const struct cmd_entry cmd_coverage_entry = {
	.name = "coverage",
	.alias = NULL,
	.args = "[--json] [-n N] [-w|--wait] ID\n"
		"       pkvmctl coverage --html DIR [-w|--wait] ID\n"
		"       pkvmctl coverage merge {ID... | -T TAG} [-o FILE] [--json] [-n N]\n"
		"       pkvmctl coverage diff A B [--json]",
	.summary = "show what code a job's tests reached, merge or compare jobs",
	.details = "'coverage ID' shows the job's coverage status, its line, function and\n"
		   "branch totals, and the files with code that are least covered.\n"
		   "'merge' shows the union of several jobs' coverage (job ids, or every\n"
		   "job with tag TAG).  'diff A B' lists per file the lines job B reaches\n"
		   "that job A does not (+) and the reverse (-).\n"
		   "\n"
		   "options:\n"
		   "  --json           print the server's object as it is\n"
		   "  -n, --files N    show the N least covered files (default 10, 0 = all)\n"
		   "  --html DIR       fetch the job's coverage.info into DIR and render it\n"
		   "                   there with genhtml (from lcov); genhtml reads the\n"
		   "                   kernel's source files at the paths they had when it\n"
		   "                   was built, so run it where that tree is; prints\n"
		   "                   DIR/index.html\n"
		   "  -w, --wait       wait until the job's coverage is final (captures run\n"
		   "                   after the job is done), up to an hour\n"
		   "  -T, --tag TAG    merge every job with tag TAG\n"
		   "  -o, --output FILE  merge: also write the merged tracefile (.info) to\n"
		   "                   FILE, replacing it whole, or to stdout with -o -\n"
		   "\n"
		   "coverage is collected unless the job was submitted with -C; status is\n"
		   "disabled, none (nothing was built for coverage), pending, running, ok\n"
		   "or error.  See docs/COVERAGE.md.\n",
	.options = coverage_options,
	.takes_rest = false,
	.exec = coverage_exec,
};
