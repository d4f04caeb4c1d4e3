/*
 * reader.c -- a request answered from the thread pool, on a read-only
 * SQLite connection of its own (store_open_reader()).
 *
 * For the reads far bigger than a turn of the loop may take (comparing two
 * runs of 100,000 results, a test's history over thousands of jobs): in
 * WAL mode the reader neither waits for the loop's writes nor holds them
 * up, and the loop only sends the text the worker made.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "http/handlers.h"
#include "store/store.h"

struct reader {
	struct http_request *req; /* NULL once the client went away */
	uv_work_t work;
	bool busy;
	char db[PATH_MAX];
	char state_dir[PATH_MAX];
	http_reader_fn fn;
	void *arg;
	void (*free_arg)(void *arg);
	struct http_reader_result res;
};

static void
reader_free(struct reader *rd)
{
	if (rd->free_arg != NULL)
		rd->free_arg(rd->arg);
	free(rd->res.text);
	free(rd);
}

static void
reader_detach(void *data)
{
	struct reader *rd = data;

	rd->req = NULL;
	if (!rd->busy)
		reader_free(rd);
}

int
http_reader_fail(struct http_reader_result *res, enum http_error err, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	res->err = err;
	snprintf(res->field, sizeof(res->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return -1;
}

static void
reader_work(uv_work_t *w)
{
	struct reader *rd = w->data;
	struct store *st = NULL;
	char *cause = NULL;
	int err = store_open_reader(&st, rd->db, &cause);

	if (err < 0) {
		http_reader_fail(&rd->res, HTTP_ERR_INTERNAL, NULL, "opening the database: %s",
		    cause ? cause : strerror(-err));
		free(cause);
		return;
	}
	rd->fn(st, rd->state_dir, rd->arg, &rd->res);
	if (rd->res.err == HTTP_ERR_COUNT && rd->res.text == NULL)
		http_reader_fail(&rd->res, HTTP_ERR_NO_MEMORY, NULL, "out of memory");
	store_free(st);
}

static void
reader_after(uv_work_t *w, int status)
{
	struct reader *rd = w->data;
	struct http_request *req = rd->req;

	rd->busy = false;
	if (req == NULL) {
		reader_free(rd);
		return;
	}
	if (status < 0)
		http_reply_error(req, HTTP_ERR_INTERNAL, NULL, "%s", uv_strerror(status));
	else if (rd->res.err != HTTP_ERR_COUNT)
		http_reply_error(req, rd->res.err, rd->res.field[0] ? rd->res.field : NULL, "%s",
		    rd->res.message);
	else
		http_reply_json_text(req, 200, rd->res.text, rd->res.len);
}

void
http_reader_run(struct http_request *req, http_reader_fn fn, void *arg, void (*free_arg)(void *))
{
	struct http_env *d = http_request_env(req);
	struct reader *rd = calloc(1, sizeof(*rd));

	if (rd == NULL) {
		if (free_arg != NULL)
			free_arg(arg);
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	rd->fn = fn;
	rd->arg = arg;
	rd->free_arg = free_arg;
	rd->res.err = HTTP_ERR_COUNT;
	snprintf(rd->db, sizeof(rd->db), "%s/pkvmd.db", d->state_dir);
	snprintf(rd->state_dir, sizeof(rd->state_dir), "%s", d->state_dir);
	rd->req = req;
	rd->busy = true;
	rd->work.data = rd;
	http_request_set_data(req, rd, reader_detach);
	uv_queue_work(d->loop, &rd->work, reader_work, reader_after);
	http_request_pause(req);
}
