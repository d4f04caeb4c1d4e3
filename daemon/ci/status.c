/*
 * status.c -- the outbox of commit statuses and callbacks (status.h).
 *
 * Queueing and sending are apart.  The job's moments (queued, running,
 * done) each add a row to ci_outbox in the store, and nothing else: a
 * row is kept before anything is sent, so a pkvmd that stops or crashes
 * loses nothing.  Sending is a pump: it asks the store for the head of
 * each (project, commit) -- the oldest waiting row -- and starts those
 * that are due, at most CI_STATUS_IN_FLIGHT at once, on the libcurl
 * fetcher.  A later row of a commit is never a head while an earlier one
 * waits, so statuses reach the forge in the order they happened, even
 * across retries and restarts.  The pump runs when a row is added, when
 * an answer comes, and on one timer set to the next row due.
 *
 * What an answer does to its row:
 *   2xx                      sent
 *   network error, 5xx, 408 (timeout), 429 (rate limit)
 *                            retried: 5 s, 10 s, 20 s, ... doubling up to
 *                            10 min (--ci-retry, --ci-retry-max), until
 *                            the row is --ci-give-up (24 h) old: given up
 *   any other 4xx or a 3xx   rejected with the status and the forge's
 *                            message: not retried (a retry would be
 *                            refused the same way)
 * A row whose project is gone from --ci-dir (a reload that failed) is
 * retried like a network error: the file may come back.
 *
 * The token goes in a header of the request and nowhere else: never in
 * a log line, a row, or an error text (curl's messages name the host,
 * not the headers).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/clock.h"
#include "base/log.h"
#include "ci/fetch.h"
#include "ci/project.h"
#include "ci/status-text.h"
#include "ci/status.h"
#include "job/job-json.h"
#include "store/ci-outbox.h"
#include "store/store.h"

/* Requests to forges at once: a few, so a burst of finished jobs does
 * not look like abuse to a forge's rate limiter. */
#define CI_STATUS_IN_FLIGHT 4
/* One request's time, connecting included. */
#define CI_STATUS_TIMEOUT_S 30
/* The most of a forge's answer kept (its error message is in it). */
#define CI_STATUS_ANSWER_MAX_BYTES (64 * 1024)
/* The most of an answer's text kept as a row's error. */
#define CI_STATUS_ERROR_MAX 300

struct ci_status {
	struct ci_status_env env;
	uv_timer_t timer;
	bool stopped;
	int64_t in_flight[CI_STATUS_IN_FLIGHT]; /* row ids, 0 for a free slot */
	int n_in_flight;
};

/* One request on its way: what its answer needs to update the row. */
struct sending {
	struct ci_status *s;
	int64_t id, job_id, created_ms;
	int attempts; /* before this one */
	enum ci_outbox_kind kind;
	char project[128];
	char state[32];
};

static void pump(struct ci_status *s);

/* ---- queueing ------------------------------------------------------------ */

/* The project of row ROW's name in the current set, or NULL. */
static const struct ci_project *
project_of(struct ci_status *s, const char *name)
{
	return *s->env.projects != NULL ? ci_projects_find(*s->env.projects, name) : NULL;
}

/* The description of finished job J: its counters, message, first crash. */
static void
describe_done(struct ci_status *s, const struct job *j, const struct ci_job_row *cj, char *buf,
    size_t size)
{
	struct crash_record *c = NULL;
	size_t n = 0, primary = 0;
	struct ci_status_facts f = {
		.result = j->result,
		.message = j->message,
		.tests_total = j->tests_total,
		.tests_passed = j->tests_passed,
		.superseded_by = cj->superseded_by,
	};

	if (store_crash_list(s->env.store, j->id, &c, &n) == 0 && n > 0) {
		/* The primary report: the first fatal one, else the first. */
		while (primary < n && !c[primary].fatal)
			primary++;
		f.crash_title = c[primary < n ? primary : 0].title;
	}
	ci_status_describe(&f, buf, size);
	store_crash_list_free(c, n);
}

/* What a job's outbox rows are asked: any row at all, a final one (a
 * status past pending and running, or a callback), or a last status of
 * the same state and description. */
enum told { TOLD_ANY, TOLD_FINAL, TOLD_SAME };

/* True when job JOB_ID's rows already answer WHAT (with STATE and
 * DESCRIPTION for TOLD_SAME). */
static bool
already_told(struct ci_status *s, int64_t job_id, enum told what, const char *state,
    const char *description)
{
	struct ci_outbox_row *rows = NULL;
	size_t n = 0;
	bool told = false;

	if (store_ci_outbox_list_job(s->env.store, job_id, &rows, &n) < 0)
		return false;
	if (what == TOLD_ANY)
		told = n > 0;
	for (size_t i = 0; i < n && what == TOLD_FINAL; i++)
		if (rows[i].kind == CI_OUTBOX_CALLBACK ||
		    (strcmp(rows[i].state, "pending") != 0 &&
			strcmp(rows[i].state, "running") != 0))
			told = true;
	for (size_t i = n; i > 0 && what == TOLD_SAME; i--) {
		if (rows[i - 1].kind != CI_OUTBOX_STATUS)
			continue;
		told = strcmp(rows[i - 1].state, state) == 0 &&
		    strcmp(rows[i - 1].description, description) == 0;
		break;
	}
	store_ci_outbox_list_free(rows, n);
	return told;
}

/* Queue one row for job JOB_ID's moment PHASE. */
static void
enqueue(struct ci_status *s, int64_t job_id, enum ci_status_phase phase)
{
	struct ci_job_row cj;
	struct job *j = NULL;
	const struct ci_project *p;
	struct ci_outbox_row row = { .job_id = job_id, .kind = CI_OUTBOX_STATUS };
	char desc[CI_DESCRIPTION_BUF], *url = NULL;
	int64_t pos = 0;
	int err;

	if ((err = store_ci_job_row(s->env.store, job_id, &cj)) < 0) {
		if (err != -ENOENT)
			log_warn(err, "job %lld: reading its CI row", (long long)job_id);
		return;
	}
	if ((p = project_of(s, cj.project)) == NULL) {
		log_warnx("job %lld: CI project '%s' is not in --ci-dir: no status for it",
		    (long long)job_id, cj.project);
		goto out;
	}
	row.project = cj.project;
	row.commit_sha = cj.commit_sha;
	row.created_ms = clock_now_ms();
	row.state = (char *)ci_status_state(p->forge, phase, RESULT_NONE);
	switch (phase) {
	case CI_PHASE_QUEUED:
		/* Only as the first news: a job that started meanwhile has
		 * said "running" already. */
		if (store_ci_queue_position(s->env.store, job_id, &pos) < 0)
			goto out;
		if (already_told(s, job_id, TOLD_ANY, NULL, NULL))
			goto out;
		snprintf(desc, sizeof(desc), "queued (position %lld)", (long long)pos);
		break;
	case CI_PHASE_RUNNING:
		snprintf(desc, sizeof(desc), "running");
		break;
	case CI_PHASE_DONE:
		if ((err = store_job_get(s->env.store, job_id, &j)) < 0) {
			log_warn(err, "job %lld: reading it for its commit status",
			    (long long)job_id);
			goto out;
		}
		if (j->state != JOB_DONE || already_told(s, job_id, TOLD_FINAL, NULL, NULL))
			goto out;
		describe_done(s, j, &cj, desc, sizeof(desc));
		row.state = (char *)ci_status_state(p->forge, phase, j->result);
		break;
	}
	row.description = desc;
	if (row.state != NULL) {
		if (phase != CI_PHASE_DONE && already_told(s, job_id, TOLD_SAME, row.state, desc))
			goto out;
		url = ci_status_target_url(s->env.public_url, job_id);
		row.target_url = url;
		if ((err = store_ci_outbox_add(s->env.store, &row)) < 0)
			log_warn(err, "job %lld: queueing its commit status", (long long)job_id);
	}
	/* A generic hook's callback gets the finished job. */
	if (phase == CI_PHASE_DONE && cj.callback_url != NULL && cj.callback_url[0] != '\0') {
		row.kind = CI_OUTBOX_CALLBACK;
		row.state = (char *)job_result_name(j->result);
		row.target_url = cj.callback_url;
		if ((err = store_ci_outbox_add(s->env.store, &row)) < 0)
			log_warn(err, "job %lld: queueing its callback", (long long)job_id);
	}
	pump(s);
out:
	free(url);
	job_free(j);
	store_ci_job_row_clear(&cj);
}

void
ci_status_job_queued(struct ci_status *s, int64_t job_id)
{
	if (s != NULL)
		enqueue(s, job_id, CI_PHASE_QUEUED);
}

void
ci_status_job_started(struct ci_status *s, int64_t job_id)
{
	if (s != NULL)
		enqueue(s, job_id, CI_PHASE_RUNNING);
}

void
ci_status_job_done(struct ci_status *s, int64_t job_id)
{
	if (s != NULL)
		enqueue(s, job_id, CI_PHASE_DONE);
}

/* ---- building a request ------------------------------------------------------ */

/* TEXT with every byte but RFC 3986's unreserved ones %-encoded, so a
 * GitLab project path ("group/name") is one path segment; malloc'd. */
static char *
url_escape(const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(text) * 3 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c) != NULL) {
			*o++ = (char)*c;
		} else {
			*o++ = '%';
			*o++ = hex[*c >> 4];
			*o++ = hex[*c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* The hex HMAC-SHA256 of BODY with KEY into HEX (65 bytes); 0 or -EIO. */
static int
hmac_hex(const char *key, size_t key_len, const char *body, size_t len, char *hex)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)body, len, mac,
		&mac_len) == NULL ||
	    mac_len != 32)
		return -EIO;
	for (unsigned int i = 0; i < mac_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

/* What one request is made of, owned until it is started. */
struct request {
	char *url;
	char *body;
	char *headers[6];
	const char *hdrs[7];
};

static void
request_clear(struct request *q)
{
	free(q->url);
	free(q->body);
	for (size_t i = 0; i < sizeof(q->headers) / sizeof(q->headers[0]); i++)
		free(q->headers[i]);
	memset(q, 0, sizeof(*q));
}

/* Add header "NAME: VALUE" to Q (NAME may hold the value's start:
 * "Authorization: Bearer" and the token make "Authorization: Bearer T"). */
static int
add_header(struct request *q, const char *name, const char *value)
{
	size_t i = 0;

	while (q->headers[i] != NULL)
		i++;
	if (i + 1 >= sizeof(q->headers) / sizeof(q->headers[0]))
		return -E2BIG;
	if (asprintf(&q->headers[i], "%s%s %s", name, strchr(name, ':') ? "" : ":", value) < 0) {
		q->headers[i] = NULL;
		return -ENOMEM;
	}
	q->hdrs[i] = q->headers[i];
	return 0;
}

/* The JSON text of OBJ (which is consumed) into Q's body. */
static int
set_body(struct request *q, json_t *obj)
{
	if (obj == NULL)
		return -ENOMEM;
	q->body = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return q->body != NULL ? 0 : -ENOMEM;
}

/* A commit status of row R to project P's forge. */
static int
build_status(struct ci_status *s, const struct ci_project *p, const struct ci_outbox_row *r,
    struct request *q)
{
	char context[160];
	json_t *o;
	int err;

	if (p->token == NULL || p->repository == NULL || p->api_url == NULL)
		return -EINVAL;
	snprintf(context, sizeof(context), "pkvmd/%s", p->name);
	o = json_pack("{s:s, s:s}", "state", r->state, "description", r->description);
	if (o != NULL && r->target_url != NULL)
		json_object_set_new(o, "target_url", json_string(r->target_url));
	if (p->forge == CI_FORGE_GITHUB) {
		if (o != NULL)
			json_object_set_new(o, "context", json_string(context));
		if (asprintf(&q->url, "%s/repos/%s/statuses/%s", p->api_url, p->repository,
			r->commit_sha) < 0) {
			q->url = NULL;
			json_decref(o);
			return -ENOMEM;
		}
		if ((err = set_body(q, o)) < 0 ||
		    (err = add_header(q, "Accept", "application/vnd.github+json")) < 0 ||
		    (err = add_header(q, "X-GitHub-Api-Version", "2022-11-28")) < 0 ||
		    (err = add_header(q, "Content-Type", "application/json")) < 0)
			return err;
		return add_header(q, "Authorization: Bearer", p->token);
	}
	/* GitLab: the status is found again by name and ref, so the ref
	 * goes along when the hook recorded one. */
	struct ci_job_row cj;
	char *id = url_escape(p->repository);

	if (o != NULL)
		json_object_set_new(o, "name", json_string(context));
	if (o != NULL && store_ci_job_row(s->env.store, r->job_id, &cj) == 0) {
		if (cj.ref != NULL && cj.ref[0] != '\0')
			json_object_set_new(o, "ref", json_string(cj.ref));
		store_ci_job_row_clear(&cj);
	}
	if (id == NULL ||
	    asprintf(&q->url, "%s/projects/%s/statuses/%s", p->api_url, id, r->commit_sha) < 0) {
		q->url = NULL;
		free(id);
		json_decref(o);
		return -ENOMEM;
	}
	free(id);
	if ((err = set_body(q, o)) < 0 ||
	    (err = add_header(q, "Content-Type", "application/json")) < 0)
		return err;
	return add_header(q, "PRIVATE-TOKEN", p->token);
}

/* A callback of row R: the finished job's JSON, signed with P's secret. */
static int
build_callback(struct ci_status *s, const struct ci_project *p, const struct ci_outbox_row *r,
    struct request *q)
{
	char hex[2 * 32 + 1], sig[8 + sizeof(hex)];
	struct job *j = NULL;
	int err;

	if (r->target_url == NULL || p->secret == NULL)
		return -EINVAL;
	if ((err = store_job_get(s->env.store, r->job_id, &j)) < 0)
		return err;
	err = set_body(q, job_to_json(j));
	job_free(j);
	if (err < 0)
		return err;
	if ((err = hmac_hex(p->secret, p->secret_len, q->body, strlen(q->body), hex)) < 0)
		return err;
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	if ((q->url = strdup(r->target_url)) == NULL)
		return -ENOMEM;
	if ((err = add_header(q, "Content-Type", "application/json")) < 0)
		return err;
	return add_header(q, "X-Pkvm-Signature-256", sig);
}

/* ---- sending ------------------------------------------------------------------ */

static bool
in_flight(const struct ci_status *s, int64_t id)
{
	for (int i = 0; i < CI_STATUS_IN_FLIGHT; i++)
		if (s->in_flight[i] == id)
			return true;
	return false;
}

static void
flight_set(struct ci_status *s, int64_t old_id, int64_t new_id)
{
	for (int i = 0; i < CI_STATUS_IN_FLIGHT; i++) {
		if (s->in_flight[i] == old_id) {
			s->in_flight[i] = new_id;
			s->n_in_flight += new_id != 0 ? 1 : -1;
			return;
		}
	}
}

/* The forge's own words for a refusal: its JSON "message" (GitHub adds
 * "errors"), "error" (GitLab, the generic receiver), else the body's
 * start; into BUF. */
static void
forge_message(const char *body, char *buf, size_t size)
{
	json_t *o = json_loads(body, JSON_DECODE_ANY, NULL), *m, *errs;
	const char *text = NULL;

	buf[0] = '\0';
	if (o != NULL && json_is_object(o)) {
		if ((m = json_object_get(o, "message")) == NULL || !json_is_string(m))
			m = json_object_get(o, "error");
		text = json_is_string(m) ? json_string_value(m) : NULL;
		errs = json_object_get(o, "errors");
		if (text != NULL && json_is_array(errs) && json_array_size(errs) > 0) {
			json_t *e = json_array_get(errs, 0);
			json_t *em = json_is_object(e) ? json_object_get(e, "message") : NULL;

			if (json_is_string(em))
				snprintf(buf, size, "%s: %s", text, json_string_value(em));
		}
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "%s", text != NULL ? text : body);
	json_decref(o);
	ci_status_cut(buf, CI_STATUS_ERROR_MAX);
}

/* Attempt ATTEMPTS of row X failed with HTTP_STATUS (0: no answer) and
 * WHY, and may be tried again: retry it later, or give it up. */
static void
failed(struct ci_status *s, const struct sending *x, int attempts, int http_status, const char *why)
{
	int64_t now = clock_now_ms(), next;
	int err;

	if (ci_outbox_next_try(attempts, x->created_ms, now, s->env.retry_first_ms,
		s->env.retry_max_ms, s->env.give_up_ms, &next)) {
		log_info("job %lld: %s %s for %s not delivered (%s), retrying in %lld s",
		    (long long)x->job_id, ci_outbox_kind_name(x->kind), x->state, x->project, why,
		    (long long)((next - now + 999) / 1000));
		err = store_ci_outbox_retry(s->env.store, x->id, attempts, next, http_status, why);
	} else {
		log_warnx("job %lld: %s %s for %s given up after %d attempts: %s",
		    (long long)x->job_id, ci_outbox_kind_name(x->kind), x->state, x->project,
		    attempts, why);
		err = store_ci_outbox_done(s->env.store, x->id, CI_OUTBOX_GAVE_UP, attempts, now,
		    http_status, why);
	}
	if (err < 0)
		log_warn(err, "job %lld: recording a failed delivery", (long long)x->job_id);
}

static void
on_answer(void *arg, const struct ci_fetch_result *res)
{
	struct sending *x = arg;
	struct ci_status *s = x->s;
	int attempts = x->attempts + 1, err = 0;
	char why[CI_STATUS_ERROR_MAX * 4 + 64], msg[CI_STATUS_ERROR_MAX * 4 + 1];

	flight_set(s, x->id, 0);
	if (res->err == -ECANCELED) {
		/* The fetcher was freed by a shutdown: the row waits for the
		 * next start, this attempt not counted. */
		free(x);
		return;
	}
	if (res->err != 0) {
		failed(s, x, attempts, 0, res->error);
	} else if (res->status >= 200 && res->status < 300) {
		log_debug("job %lld: %s %s for %s delivered", (long long)x->job_id,
		    ci_outbox_kind_name(x->kind), x->state, x->project);
		err = store_ci_outbox_done(s->env.store, x->id, CI_OUTBOX_SENT, attempts,
		    clock_now_ms(), (int)res->status, NULL);
	} else {
		forge_message(res->body, msg, sizeof(msg));
		snprintf(why, sizeof(why), "HTTP %ld%s%s", res->status, msg[0] ? ": " : "", msg);
		if (res->status >= 500 || res->status == 408 || res->status == 429) {
			failed(s, x, attempts, (int)res->status, why);
		} else {
			log_warnx("job %lld: %s %s for %s rejected: %s", (long long)x->job_id,
			    ci_outbox_kind_name(x->kind), x->state, x->project, why);
			err = store_ci_outbox_done(s->env.store, x->id, CI_OUTBOX_REJECTED,
			    attempts, clock_now_ms(), (int)res->status, why);
		}
	}
	if (err < 0)
		log_warn(err, "job %lld: recording a delivery", (long long)x->job_id);
	free(x);
	pump(s);
}

/* Start sending row R (a due head, not in flight); a request that
 * cannot even start is recorded as a failed attempt. */
static void
send_row(struct ci_status *s, const struct ci_outbox_row *r)
{
	const struct ci_project *p = project_of(s, r->project);
	struct request q = { 0 };
	struct sending *x = calloc(1, sizeof(*x));
	struct ci_fetch_req req = {
		.method = "POST",
		.max_bytes = CI_STATUS_ANSWER_MAX_BYTES,
		.timeout_s = CI_STATUS_TIMEOUT_S,
		.max_redirects = 0, /* the token must not follow a redirect */
	};
	char why[256];
	int err;

	if (x == NULL)
		return;
	*x = (struct sending){ .s = s,
		.id = r->id,
		.job_id = r->job_id,
		.created_ms = r->created_ms,
		.attempts = r->attempts,
		.kind = r->kind };
	snprintf(x->project, sizeof(x->project), "%s", r->project);
	snprintf(x->state, sizeof(x->state), "%s", r->state);
	if (p == NULL) {
		snprintf(why, sizeof(why), "project '%s' is not in --ci-dir", r->project);
		failed(s, x, r->attempts + 1, 0, why);
		free(x);
		return;
	}
	err = r->kind == CI_OUTBOX_CALLBACK ? build_callback(s, p, r, &q)
					    : build_status(s, p, r, &q);
	if (err == 0) {
		req.url = q.url;
		req.body = q.body;
		req.body_len = strlen(q.body);
		req.headers = q.hdrs;
		err = ci_fetch_start(s->env.fetcher, &req, on_answer, x);
	}
	request_clear(&q);
	if (err == -EINVAL) {
		/* What the project lacks will not come by retrying. */
		snprintf(why, sizeof(why), "project '%s' has no %s", r->project,
		    r->kind == CI_OUTBOX_CALLBACK ? "secret or callback URL"
						  : "token or repository");
		log_warnx("job %lld: %s", (long long)r->job_id, why);
		if ((err = store_ci_outbox_done(s->env.store, r->id, CI_OUTBOX_REJECTED,
			 r->attempts, clock_now_ms(), 0, why)) < 0)
			log_warn(err, "job %lld: recording a delivery", (long long)r->job_id);
		free(x);
		return;
	}
	if (err < 0) {
		failed(s, x, r->attempts + 1, 0, strerror(-err));
		free(x);
		return;
	}
	flight_set(s, 0, r->id);
}

static void
on_timer(uv_timer_t *t)
{
	pump(t->data);
}

/* Start the due heads that fit, and set the timer for the next one. */
static void
pump(struct ci_status *s)
{
	struct ci_outbox_row *heads = NULL;
	size_t n = 0;
	int64_t now, next = INT64_MAX;
	int err;

	if (s->stopped)
		return;
	if ((err = store_ci_outbox_heads(s->env.store, &heads, &n)) < 0) {
		log_warn(err, "reading the commit status outbox");
		/* Try again in a while rather than never. */
		next = clock_now_ms() + s->env.retry_first_ms;
	}
	now = clock_now_ms();
	for (size_t i = 0; i < n; i++) {
		if (in_flight(s, heads[i].id))
			continue;
		if (heads[i].next_ms > now) {
			if (heads[i].next_ms < next)
				next = heads[i].next_ms;
			continue;
		}
		/* A full house: the next answer pumps again. */
		if (s->n_in_flight >= CI_STATUS_IN_FLIGHT)
			break;
		send_row(s, &heads[i]);
	}
	store_ci_outbox_list_free(heads, n);
	if (next == INT64_MAX)
		uv_timer_stop(&s->timer);
	else
		uv_timer_start(&s->timer, on_timer, (uint64_t)(next > now ? next - now : 0), 0);
}

/* ---- life ----------------------------------------------------------------------- */

int
ci_status_new(struct ci_status **out, const struct ci_status_env *env)
{
	struct ci_status *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->env = *env;
	uv_timer_init(env->loop, &s->timer);
	s->timer.data = s;
	*out = s;
	return 0;
}

int
ci_status_resume(struct ci_status *s)
{
	int64_t *ids = NULL, pos;
	size_t n = 0;
	int err;

	if ((err = store_ci_jobs_unreported(s->env.store, &ids, &n)) < 0) {
		log_warn(err, "commit statuses: finding jobs left untold");
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		if (store_ci_queue_position(s->env.store, ids[i], &pos) == 0)
			enqueue(s, ids[i], CI_PHASE_QUEUED);
		else
			enqueue(s, ids[i], CI_PHASE_DONE);
	}
	free(ids);
	pump(s);
	return 0;
}

void
ci_status_stop(struct ci_status *s)
{
	if (s == NULL || s->stopped)
		return;
	s->stopped = true;
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, NULL);
}

void
ci_status_free(struct ci_status *s)
{
	free(s);
}
