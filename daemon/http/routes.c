/*
 * http-routes.c -- the REST API's one routing table.
 *
 * Every endpoint of docs/API.md is one row: method, path pattern, how the
 * body is taken, and the handler.  Handlers live in one file per resource
 * (http-jobs.c, http-blobs.c, http-meta.c).  A path that matches a row
 * with another method gets 405 with an Allow header; no match is 404.
 */
#include "http/handlers.h"

const struct http_route http_routes[] = {
	{ "GET", "/v1/version", HTTP_BODY_NONE, http_version_get, NULL, NULL },

	{ "POST", "/v1/blobs/missing", HTTP_BODY_JSON, http_blobs_missing, NULL, NULL },
	{ "PUT", "/v1/blobs/{sha256}", HTTP_BODY_STREAM, http_blob_put_done, http_blob_put_begin,
	    http_blob_put_chunk },
	{ "HEAD", "/v1/blobs/{sha256}", HTTP_BODY_NONE, http_blob_head, NULL, NULL },

	{ "POST", "/v1/jobs", HTTP_BODY_JSON, http_jobs_submit, NULL, NULL },
	{ "GET", "/v1/jobs", HTTP_BODY_NONE, http_jobs_list, NULL, NULL },
	{ "GET", "/v1/jobs/{id}", HTTP_BODY_NONE, http_job_get, NULL, NULL },
	{ "GET", "/v1/jobs/{id}/wait", HTTP_BODY_NONE, http_job_wait, NULL, NULL },
	{ "GET", "/v1/jobs/{id}/console", HTTP_BODY_NONE, http_job_console, NULL, NULL },
	{ "POST", "/v1/jobs/{id}/cancel", HTTP_BODY_NONE, http_job_cancel, NULL, NULL },
	{ "GET", "/v1/jobs/{id}/results", HTTP_BODY_NONE, http_job_results, NULL, NULL },
	{ "GET", "/v1/jobs/{id}/crashes", HTTP_BODY_NONE, http_job_crashes, NULL, NULL },
	{ "GET", "/v1/jobs/{id}/artifacts", HTTP_BODY_NONE, http_job_artifacts, NULL, NULL },
	{ "GET", "/v1/jobs/{id}/artifact", HTTP_BODY_NONE, http_job_artifact_get, NULL, NULL },
	{ "GET", "/v1/crashes", HTTP_BODY_NONE, http_crash_groups, NULL, NULL },
	{ "GET", "/v1/jobs/{id}/coverage", HTTP_BODY_NONE, http_job_coverage, NULL, NULL },
	{ "GET", "/v1/coverage", HTTP_BODY_NONE, http_coverage_merged, NULL, NULL },
	{ "GET", "/v1/coverage/diff", HTTP_BODY_NONE, http_coverage_diff, NULL, NULL },
};

const size_t http_nroutes = sizeof(http_routes) / sizeof(http_routes[0]);
