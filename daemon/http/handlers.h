/*
 * handlers.h -- the handlers the routing table points at, and what they
 * share.
 */
#ifndef PKVM_HTTP_HANDLERS_H
#define PKVM_HTTP_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "job/watch.h"

struct job;
struct store;

/* The longest a long poll (?timeout= of .../wait, ?wait= of .../coverage)
 * may be asked to wait: a client that wants longer polls again. */
#define HTTP_WAIT_MAX_S 3600

/* Parse the {id} path parameter; replies 404 and returns false when bad. */
bool http_job_id_param(struct http_request *req, int64_t *id);
/* Reply for ERR from a store call about job ID: 404 for -ENOENT. */
void http_reply_job_error(struct http_request *req, int64_t id, int err, const char *what);
/* Load job ID (job_free() it), or reply with the error and return NULL. */
struct job *http_job_load(struct http_request *req, int64_t id);

/* Answer REQ with REPLY(req, job_id) when EVENT (watch.h) happens to
 * JOB_ID or after TIMEOUT_S seconds, whichever comes first (wait.c). */
void http_wait_for(struct http_request *req, int64_t job_id, enum watch_event event, long timeout_s,
    void (*reply)(struct http_request *req, int64_t job_id));
/* GET /v1/jobs/{id}/...?wait=S: answer with REPLY(req, id) now when S is 0
 * or FINAL(env, id) says nothing will change, else when EVENT happens to
 * the job or S seconds have passed (wait.c). */
void http_job_long_poll(struct http_request *req, enum watch_event event,
    bool (*final)(struct http_env *d, int64_t id),
    void (*reply)(struct http_request *req, int64_t job_id));

/* When job J's directory was pruned, reply 410 pruned saying when, and
 * return true; else return false (pruned.c). */
bool http_reply_if_pruned(struct http_request *req, const struct job *j);
/* http_reply_if_pruned() for job ID; an unknown ID is left to the caller
 * (false), any other error is replied (true) (pruned.c). */
bool http_reply_if_id_pruned(struct http_request *req, int64_t id);
/* Parse the {id} of a request for a job's files (console, report, qemu
 * command): reply 404 for a bad or unknown id and 410 when the files were
 * pruned, and return false; true when they are there (pruned.c). */
bool http_job_files_param(struct http_request *req, int64_t *id);

/* job-cache.c: each job's API object, rendered once and kept while
 * store_job_version() says the job is unchanged (server.c makes it). */
struct job_cache;
/* Job ID's API object as compact JSON into *TEXT and *LEN, valid until
 * the next call: 0, -ENOENT for no such job, or another negative errno. */
int job_cache_get(struct job_cache *c, struct store *st, int64_t id, const char **text,
    size_t *len);

/* meta.c */
void http_version_get(struct http_request *req);

/* health.c */
void http_health_get(struct http_request *req);
/* Bytes free for pkvmd in the state directory's file system: 0 or
 * negative errno. */
int http_state_free_bytes(const struct http_env *d, uint64_t *free_bytes);

/* metrics.c */
void http_metrics_get(struct http_request *req);

/* blobs.c */
void http_blobs_missing(struct http_request *req);
void http_blob_put_begin(struct http_request *req);
void http_blob_put_chunk(struct http_request *req, const char *data, size_t len);
void http_blob_put_done(struct http_request *req);
void http_blob_head(struct http_request *req);

/* jobs.c */
void http_jobs_submit(struct http_request *req);
void http_jobs_list(struct http_request *req);
void http_job_get(struct http_request *req);
void http_job_wait(struct http_request *req);
void http_job_estimate(struct http_request *req);
void http_job_console(struct http_request *req);
void http_job_cancel(struct http_request *req);

/* attach.c, monitor.c, debug.c: a running job's console, monitor and gdb
 * stub (docs/INTERACTIVE.md). */
void http_job_attach(struct http_request *req);
void http_job_monitor(struct http_request *req);
void http_job_gdb(struct http_request *req);
/* GET /v1/jobs/{id}/qemu-cmd: the shell-quoted qemu command line it ran. */
void http_job_qemu_cmd(struct http_request *req);

/* disks.c: GET /v1/jobs/{id}/disks/{name}, a kept overlay (keep_disk). */
void http_job_disk_get(struct http_request *req);

/* static.c: the dashboard's files (docs/DASHBOARD.md) */
/* GET / and GET /ui/{file}: a file of the ui directory, with its ETag. */
void http_ui_get(struct http_request *req);

/* events.c: GET /v1/events, the server-sent-events stream */
void http_events_get(struct http_request *req);

/* retention.c */
void http_job_pin(struct http_request *req);
void http_job_unpin(struct http_request *req);
void http_prune_run(struct http_request *req);

/* results.c */
void http_job_results(struct http_request *req);
void http_job_crashes(struct http_request *req);
/* GET /v1/jobs/{id}/statuses (ci.c). */
void http_job_statuses(struct http_request *req);
void http_crash_groups(struct http_request *req);
void http_job_artifacts(struct http_request *req);
void http_job_artifact_get(struct http_request *req);

/* limits.c: what a user may ask for, checked at the door */
/* Whether job J (owner set) may be queued: when not, the reply (400 for a
 * job that could never run, 403 for high priority from a non-admin, 429
 * over the queued-jobs quota) has been sent. */
bool http_limits_submit(struct http_request *req, const struct job *j);
/* Whether job J (owner set) may be queued, for callers without a request
 * (a CI push): 0, or -E2BIG (could never run here, or asks what this
 * server's executor cannot do; *FIELD names why),
 * -EPERM (high priority without IS_ADMIN), -EDQUOT (queued-jobs quota),
 * or another negative errno, with WHY saying it in WHYLEN bytes. */
int http_limits_job(struct http_env *d, const struct job *j, bool is_admin, const char **field,
    char *why, size_t whylen);
/* Whether the caller may upload a blob of SIZE bytes today; when not, 429
 * has been sent. */
bool http_limits_blob(struct http_request *req, uint64_t size);
/* A blob of SIZE bytes from the caller was stored: count it for today. */
void http_limits_blob_stored(struct http_request *req, uint64_t size);

/* hook-delivery.c: a wanted push, fetched and queued off the request */
struct ci_project;
struct ci_projects;
/* What a webhook asks to test (strings borrowed for the call). */
struct http_hook_push {
	struct ci_projects *projects; /* the set PROJECT is in (referenced) */
	const struct ci_project *project;
	int64_t row; /* its pending delivery row */
	const char *ref, *commit;
	int64_t run_id, job_id; /* GitHub's run, GitLab's job */
	const char *kernel_url, *kernel_sha256, *tests_url, *tests_sha256; /* generic */
	json_t *tags; /* extra tags (generic), or NULL */
	const char *callback_url; /* or NULL */
};
/* Start fetching what HP names; its job is queued, or its delivery row
 * failed, later.  0, or negative errno with *WHY (malloc'd): nothing
 * started, the row untouched. */
int http_hook_delivery_start(struct http_env *d, const struct http_hook_push *hp, char **why);

/* hooks.c: POST /v1/hooks/{github,gitlab,generic} */
void http_hook_github(struct http_request *req);
void http_hook_gitlab(struct http_request *req);
void http_hook_generic(struct http_request *req);

/* ci.c: GET /v1/ci/... */
void http_ci_projects_list(struct http_request *req);
void http_ci_deliveries_list(struct http_request *req);

/* users.c */
void http_users_list(struct http_request *req);
void http_user_get(struct http_request *req);
void http_user_quota_put(struct http_request *req);

/* coverage.c */
void http_job_coverage(struct http_request *req);
void http_coverage_merged(struct http_request *req);
void http_coverage_diff(struct http_request *req);

/* reader.c: a request answered from the thread pool on a read-only
 * connection.  What the worker leaves: an error (ERR other than
 * HTTP_ERR_COUNT, with FIELD and MESSAGE), or the reply's JSON TEXT
 * (malloc'd) of LEN bytes. */
struct http_reader_result {
	enum http_error err;
	char field[16];
	char message[512];
	char *text;
	size_t len;
};
/* The worker: reads ST (the state directory is STATE_DIR), fills RES. */
typedef void (*http_reader_fn)(struct store *st, const char *state_dir, void *arg,
    struct http_reader_result *res);
/* Answer REQ with what FN(…, ARG, …) leaves, FN run in the thread pool;
 * FREE_ARG(ARG) once done, also when the client left first. */
void http_reader_run(struct http_request *req, http_reader_fn fn, void *arg,
    void (*free_arg)(void *arg));
/* Set RES to the error ERR of FIELD (or NULL), with a message; -1. */
int http_reader_fail(struct http_reader_result *res, enum http_error err, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* compare.c: GET /v1/compare, in the thread pool. */
void http_compare(struct http_request *req);
/* history.c: GET /v1/tests/history, in the thread pool. */
void http_test_history(struct http_request *req);
/* flaky.c: GET /v1/flaky, in the thread pool. */
void http_flaky(struct http_request *req);
/* coverage-html.c: GET /v1/jobs/{id}/coverage/html/{path...}, genhtml's
 * report (rendered on the first request, then kept). */
void http_job_coverage_html(struct http_request *req);

/* tokens.c */
void http_tokens_create(struct http_request *req);
void http_tokens_list(struct http_request *req);
void http_token_revoke(struct http_request *req);
void http_whoami_get(struct http_request *req);

#endif
