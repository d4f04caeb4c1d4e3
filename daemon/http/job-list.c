/*
 * job-list.c -- GET /v1/jobs: a page of jobs, newest first, streamed.
 *
 * A page may hold 10,000 jobs (--max-jobs-listed).  Read and rendered in
 * one go, that took 0.75 s of the only thread and 130 MB of memory while
 * every other client, console and watchdog waited.  So the page goes out a
 * batch of jobs at a time: MHD asks for more body when the connection can
 * take it, each ask reads the next LIST_BATCH_JOBS jobs below the last id
 * sent (the same cursor a client pages with) and renders them.  MHD asks
 * again at once while the socket takes more, which on a Unix socket with
 * a fast reader is the whole page in one turn; so once a batch is sent the
 * request yields, and goes on at the loop's next iteration: every other
 * client, console and watchdog is served between two batches.
 * Memory is a batch, whatever the page.
 *
 * What a page holds is what each batch found when it was read: a job that
 * changes state while a filtered page streams may be in it or not, as
 * with a client that pages; ids only go down, so none comes twice.  An
 * error before the first byte is a proper error reply; one later cuts the
 * connection, so a client never takes a partial page for a whole one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/handlers.h"
#include "store/store.h"

#define LIST_DEFAULT_JOBS 100
/* Jobs read and rendered per ask: about 2 ms of the loop. */
#define LIST_BATCH_JOBS 32

struct list_stream {
	struct http_request *req;
	bool yielded; /* the loop went round since the last batch */
	struct store *store;
	struct job_cache *cache; /* the server's rendered jobs */
	struct job_filter f; /* the query's strings are copies, below */
	char *tag, *owner, *result;
	int64_t limit; /* jobs the page may hold */
	int64_t sent; /* jobs rendered so far */
	int64_t last_id; /* the last one's id: the next batch is below it */
	bool begun; /* the head is rendered */
	bool exhausted; /* a batch came back short: no more match */
	bool ended; /* the tail is rendered */
	char *buf; /* rendered, not yet handed to MHD: buf[off .. len) */
	size_t len, off, cap;
};

static void
list_stream_free(void *arg)
{
	struct list_stream *ls = arg;

	free(ls->tag);
	free(ls->owner);
	free(ls->result);
	free(ls->buf);
	free(ls);
}

/* Append S (N bytes) to LS's buffer.  0 or -ENOMEM. */
static int
put(struct list_stream *ls, const char *s, size_t n)
{
	if (ls->len + n > ls->cap) {
		size_t cap = ls->cap ? ls->cap : 16384;
		char *nb;

		while (cap < ls->len + n)
			cap *= 2;
		if ((nb = realloc(ls->buf, cap)) == NULL)
			return -ENOMEM;
		ls->buf = nb;
		ls->cap = cap;
	}
	memcpy(ls->buf + ls->len, s, n);
	ls->len += n;
	return 0;
}

/* Render the next batch (or the tail) into LS's emptied buffer.  0 or
 * negative errno. */
static int
next_batch(struct list_stream *ls)
{
	size_t n = 0;
	int err = 0;

	ls->len = ls->off = 0;
	if (!ls->begun) {
		if ((err = put(ls, "{\"jobs\":[", 9)) < 0)
			return err;
		ls->begun = true;
	}
	if (!ls->exhausted && ls->sent < ls->limit) {
		int64_t want = ls->limit - ls->sent, ids[LIST_BATCH_JOBS];

		ls->f.limit = (int)(want < LIST_BATCH_JOBS ? want : LIST_BATCH_JOBS);
		ls->f.before = ls->last_id;
		if ((err = store_job_list_ids(ls->store, &ls->f, ids, LIST_BATCH_JOBS, &n)) < 0)
			return err;
		/* Each job from the cache of rendered jobs: the batch is
		 * read in one turn, so none can go between the two reads. */
		for (size_t i = 0; i < n && err == 0; i++) {
			const char *text;
			size_t len;

			if (ls->sent > 0)
				err = put(ls, ",", 1);
			if (err == 0 &&
			    (err = job_cache_get(ls->cache, ls->store, ids[i], &text, &len)) == 0)
				err = put(ls, text, len);
			ls->sent++;
		}
		if (n > 0)
			ls->last_id = ids[n - 1];
		if (n < (size_t)ls->f.limit)
			ls->exhausted = true;
		if (err < 0 || n > 0)
			return err;
	}
	/* A full page may have more behind it: the cursor of the next one is
	 * the last id here.  A short page is the last. */
	if (ls->sent == ls->limit) {
		char tail[48];
		int k = snprintf(tail, sizeof(tail), "],\"next\":%lld}", (long long)ls->last_id);

		err = put(ls, tail, (size_t)k);
	} else {
		err = put(ls, "],\"next\":null}", 14);
	}
	ls->ended = true;
	return err;
}

static ssize_t
list_read(void *arg, uint64_t pos, char *buf, size_t max)
{
	struct list_stream *ls = arg;
	size_t k;
	int err;

	(void)pos;
	if (ls->off == ls->len) {
		if (ls->ended)
			return -1;
		if (!ls->yielded) {
			ls->yielded = true;
			http_request_yield(ls->req);
			return 0;
		}
		ls->yielded = false;
		if ((err = next_batch(ls)) < 0) {
			log_warn(err, "GET /v1/jobs: a batch of the page");
			return -2;
		}
	}
	k = ls->len - ls->off < max ? ls->len - ls->off : max;
	memcpy(buf, ls->buf + ls->off, k);
	ls->off += k;
	return (ssize_t)k;
}

/* A copy of query parameter NAME of REQ into *OUT (NULL when absent).
 * false when out of memory. */
static bool
query_dup(struct http_request *req, const char *name, char **out)
{
	const char *v = http_request_query(req, name);

	*out = v != NULL ? strdup(v) : NULL;
	return v == NULL || *out != NULL;
}

void
http_jobs_list(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *state = http_request_query(req, "state");
	const char *result = http_request_query(req, "result");
	struct list_stream *ls;
	enum job_result res;
	long long limit, before;
	int err;

	if ((ls = calloc(1, sizeof(*ls))) == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	ls->req = req;
	if (state != NULL) {
		if (job_state_parse(state, &ls->f.state) != 0) {
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "state",
			    "state must be queued, running or done, not '%.32s'", state);
			goto fail;
		}
		ls->f.has_state = true;
	}
	if (result != NULL && job_result_parse(result, &res) != 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "result",
		    "result must be passed, failed, timeout, crashed, cancelled, error or "
		    "interrupted, not '%.32s'",
		    result);
		goto fail;
	}
	if (http_query_int(req, "limit", 1, d->max_jobs_listed, LIST_DEFAULT_JOBS, &limit) < 0 ||
	    http_query_int(req, "before", 1, INT64_MAX, 0, &before) < 0)
		goto fail;
	if (!query_dup(req, "tag", &ls->tag) || !query_dup(req, "owner", &ls->owner) ||
	    !query_dup(req, "result", &ls->result)) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		goto fail;
	}
	ls->store = d->store;
	ls->cache = d->job_cache;
	ls->f.tag = ls->tag;
	ls->f.owner = ls->owner;
	ls->f.result = ls->result;
	ls->limit = limit;
	ls->last_id = before;
	/* The first batch now: an error there is a proper reply. */
	if ((err = next_batch(ls)) < 0) {
		http_reply_errno(req, err, "listing jobs");
		goto fail;
	}
	http_reply_stream(req, 200, "application/json", list_read, ls, list_stream_free, NULL,
	    NULL);
	return;
fail:
	list_stream_free(ls);
}
