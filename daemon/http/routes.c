/*
 * routes.c -- the REST API's one routing table, and its lookup.
 *
 * Every endpoint of docs/API.md is one row: method, path pattern, the scope
 * a caller needs (auth.c), how the body is taken, and the handler.  Handlers live in one file per resource
 * (jobs.c, blobs.c, results.c, coverage.c, meta.c, health.c, metrics.c), and the
 * dashboard's files are served by static.c.  A path that matches
 * a row with another method gets 405 with an Allow header; no match is
 * 404.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "http/private.h"

static const struct http_route routes[] = {
	{ .method = "GET",
	    .pattern = "/v1/version",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_version_get },
	{ .method = "GET",
	    .pattern = "/v1/health",
	    .scope = HTTP_SCOPE_PUBLIC,
	    .handler = http_health_get },
	{ .method = "GET",
	    .pattern = "/metrics",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_metrics_get },

	{ .method = "POST",
	    .pattern = "/v1/blobs/missing",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .body = HTTP_BODY_JSON,
	    .handler = http_blobs_missing },
	{ .method = "PUT",
	    .pattern = "/v1/blobs/{sha256}",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .body = HTTP_BODY_STREAM,
	    .handler = http_blob_put_done,
	    .body_begin = http_blob_put_begin,
	    .body_chunk = http_blob_put_chunk },
	{ .method = "HEAD",
	    .pattern = "/v1/blobs/{sha256}",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_blob_head },

	{ .method = "GET",
	    .pattern = "/v1/events",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_events_get },
	{ .method = "POST",
	    .pattern = "/v1/jobs",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .body = HTTP_BODY_JSON,
	    .handler = http_jobs_submit },
	{ .method = "GET",
	    .pattern = "/v1/jobs",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_jobs_list },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_get },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/wait",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_wait },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/estimate",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_estimate },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/console",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_console },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/qemu-cmd",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_qemu_cmd },
	{ .method = "POST",
	    .pattern = "/v1/jobs/{id}/cancel",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .handler = http_job_cancel },
	/* A running job's console both ways, its monitor and its gdb stub
	 * (attach.c, monitor.c, debug.c): the owner or an admin, checked
	 * there, since the scope alone does not say whose job it is. */
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/attach",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .handler = http_job_attach },
	{ .method = "POST",
	    .pattern = "/v1/jobs/{id}/monitor",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .body = HTTP_BODY_JSON,
	    .handler = http_job_monitor },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/gdb",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_gdb },
	{ .method = "POST",
	    .pattern = "/v1/jobs/{id}/pin",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .handler = http_job_pin },
	{ .method = "DELETE",
	    .pattern = "/v1/jobs/{id}/pin",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .handler = http_job_unpin },
	{ .method = "POST",
	    .pattern = "/v1/prune",
	    .scope = HTTP_SCOPE_ADMIN,
	    .handler = http_prune_run },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/results",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_results },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/crashes",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_crashes },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/statuses",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_statuses },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/artifacts",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_artifacts },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/artifact",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_artifact_get },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/disks/{name}",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_disk_get },
	{ .method = "GET",
	    .pattern = "/v1/crashes",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_crash_groups },
	{ .method = "GET",
	    .pattern = "/v1/users",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_users_list },
	{ .method = "GET",
	    .pattern = "/v1/users/{user}",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_user_get },
	{ .method = "PUT",
	    .pattern = "/v1/users/{user}/quota",
	    .scope = HTTP_SCOPE_ADMIN,
	    .body = HTTP_BODY_JSON,
	    .handler = http_user_quota_put },
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/coverage",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_coverage },
	/* genhtml's report: a tree of files whose pages link to each other
	 * by relative paths, so the path after html/ is one parameter. */
	{ .method = "GET",
	    .pattern = "/v1/jobs/{id}/coverage/html/{path...}",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_job_coverage_html },
	{ .method = "GET",
	    .pattern = "/v1/coverage",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_coverage_merged },
	{ .method = "GET",
	    .pattern = "/v1/coverage/diff",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_coverage_diff },
	{ .method = "GET",
	    .pattern = "/v1/compare",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_compare },
	{ .method = "GET",
	    .pattern = "/v1/tests/history",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_test_history },
	{ .method = "GET",
	    .pattern = "/v1/flaky",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_flaky },

	/* Tokens: users make and revoke their own (tokens.c says who may do
	 * what); anyone may ask who they are. */
	{ .method = "POST",
	    .pattern = "/v1/tokens",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .body = HTTP_BODY_JSON,
	    .handler = http_tokens_create },
	{ .method = "GET",
	    .pattern = "/v1/tokens",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_tokens_list },
	{ .method = "DELETE",
	    .pattern = "/v1/tokens/{id}",
	    .scope = HTTP_SCOPE_SUBMIT,
	    .handler = http_token_revoke },
	{ .method = "GET",
	    .pattern = "/v1/whoami",
	    .scope = HTTP_SCOPE_PUBLIC,
	    .handler = http_whoami_get },

	/* CI webhooks: the signature is the authentication (hooks.c), so
	 * they are public; the raw body is kept for its HMAC. */
	{ .method = "POST",
	    .pattern = "/v1/hooks/github",
	    .scope = HTTP_SCOPE_PUBLIC,
	    .body = HTTP_BODY_RAW,
	    .handler = http_hook_github },
	{ .method = "POST",
	    .pattern = "/v1/hooks/gitlab",
	    .scope = HTTP_SCOPE_PUBLIC,
	    .body = HTTP_BODY_RAW,
	    .handler = http_hook_gitlab },
	{ .method = "POST",
	    .pattern = "/v1/hooks/generic",
	    .scope = HTTP_SCOPE_PUBLIC,
	    .body = HTTP_BODY_RAW,
	    .handler = http_hook_generic },
	{ .method = "GET",
	    .pattern = "/v1/ci/projects",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_ci_projects_list },
	{ .method = "GET",
	    .pattern = "/v1/ci/projects/{name}/deliveries",
	    .scope = HTTP_SCOPE_READ,
	    .handler = http_ci_deliveries_list },

	/* The dashboard (static.c): its files hold no data, so they are
	 * public; what the pages show comes from the routes above, under
	 * their scopes. */
	{ .method = "GET", .pattern = "/", .scope = HTTP_SCOPE_PUBLIC, .handler = http_ui_get },
	{ .method = "GET",
	    .pattern = "/ui/{file}",
	    .scope = HTTP_SCOPE_PUBLIC,
	    .handler = http_ui_get },
};

/* Match PATH against PATTERN, collecting {name} segments (and a final
 * {name...}, the rest of the path) into REQ. */
static bool
route_match(const char *pattern, const char *path, struct http_request *req)
{
	const char *p = pattern, *u = path;

	req->nparams = 0;
	while (*p != '\0' && *u != '\0') {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			size_t ulen = strcspn(u, "/"), nlen;
			bool rest;

			if (pe == NULL || req->nparams == HTTP_MAX_PARAMS)
				return false;
			nlen = (size_t)(pe - p - 1);
			/* {name...} ends a pattern and takes the rest of the
			 * path, slashes and all (the handler checks it). */
			rest = nlen > 3 && strncmp(pe - 3, "...", 3) == 0 && pe[1] == '\0';
			if (rest) {
				nlen -= 3;
				ulen = strlen(u);
			}
			if (ulen == 0)
				return false;
			free(req->params[req->nparams][0]);
			free(req->params[req->nparams][1]);
			req->params[req->nparams][0] = strndup(p + 1, nlen);
			req->params[req->nparams][1] = strndup(u, ulen);
			req->nparams++;
			p = pe + 1;
			u += ulen;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	/* "/x/{path...}" also matches "/x/": the rest is empty. */
	if (*u == '\0' && *p == '{' && req->nparams < HTTP_MAX_PARAMS) {
		const char *pe = strchr(p, '}');
		size_t nlen = pe != NULL ? (size_t)(pe - p - 1) : 0;

		if (nlen <= 3 || strncmp(pe - 3, "...", 3) != 0 || pe[1] != '\0')
			return false;
		free(req->params[req->nparams][0]);
		free(req->params[req->nparams][1]);
		req->params[req->nparams][0] = strndup(p + 1, nlen - 3);
		req->params[req->nparams][1] = strdup("");
		req->nparams++;
		return true;
	}
	return *p == '\0' && *u == '\0';
}

const struct http_route *
http_route_find(struct http_request *req, bool *path_known, char *allow, size_t allowlen)
{
	const struct http_route *found = NULL;

	*path_known = false;
	allow[0] = '\0';
	/* Literal paths first: /v1/blobs/missing is that endpoint, not a
	 * blob named "missing", so its 405 lists only its own methods. */
	for (int literal = 1; literal >= 0 && !*path_known; literal--) {
		for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
			const struct http_route *r = &routes[i];

			if ((strchr(r->pattern, '{') == NULL) != literal ||
			    !route_match(r->pattern, req->path, req))
				continue;
			*path_known = true;
			if (allow[0] != '\0')
				strncat(allow, ", ", allowlen - strlen(allow) - 1);
			strncat(allow, r->method, allowlen - strlen(allow) - 1);
			if (strcmp(r->method, req->method) == 0 && found == NULL)
				found = r;
		}
	}
	if (found != NULL)
		route_match(found->pattern, req->path, req);
	return found;
}

int
http_routes_check(void)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].scope == 0)
			return -EINVAL;
	return 0;
}
