/*
 * job-cache.c -- each job's API object, rendered once and kept while the
 * job stays as it was.
 *
 * A status request used to load the job with its ten child tables and
 * build and dump a jansson tree (two thirds of its CPU), the job list
 * that for each of its jobs.  Most requests ask for jobs that did not
 * change since the last one: their text is kept here, checked against
 * store_job_version(), which moves with every write to the job's rows.
 * So a hit is one array lookup and a memcpy, and a changed job is
 * rendered again on its next request: a cached answer is never older
 * than the database.
 *
 * The cache is direct-mapped by id (the jobs people ask for are the
 * recent ones, whose ids are consecutive: a page of 100 takes 100
 * slots), with a bound on the bytes of one text, so its memory is
 * bounded: JOB_CACHE_SLOTS * JOB_CACHE_TEXT_MAX at worst, about 1.5 KiB
 * per slot for usual jobs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/handlers.h"
#include "http/private.h"
#include "job/job-json.h"
#include "store/store.h"

#define JOB_CACHE_SLOTS 2048 /* a power of two */
#define JOB_CACHE_TEXT_MAX (16 * 1024) /* a bigger text is rendered each time */

struct job_cache_slot {
	int64_t id; /* 0: empty */
	uint64_t version;
	char *text;
	size_t len;
};

struct job_cache {
	struct job_cache_slot slot[JOB_CACHE_SLOTS];
	char *big; /* the last text too big to keep, until the next call */
};

int
job_cache_new(struct job_cache **out)
{
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? 0 : -ENOMEM;
}

void
job_cache_free(struct job_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < JOB_CACHE_SLOTS; i++)
		free(c->slot[i].text);
	free(c->big);
	free(c);
}

/* Job ID's object as compact JSON, malloc'd: 0 or negative errno. */
static int
render(struct store *st, int64_t id, char **text, size_t *len)
{
	struct job *j = NULL;
	json_t *o;
	int r;

	if ((r = store_job_get(st, id, &j)) < 0)
		return r;
	o = job_to_json(j);
	job_free(j);
	*text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (*text == NULL)
		return -ENOMEM;
	*len = strlen(*text);
	return 0;
}

int
job_cache_get(struct job_cache *c, struct store *st, int64_t id, const char **text, size_t *len)
{
	struct job_cache_slot *s = &c->slot[(uint64_t)id & (JOB_CACHE_SLOTS - 1)];
	uint64_t version = store_job_version(st, id);
	char *t;
	size_t n;
	int r;

	free(c->big);
	c->big = NULL;
	if (s->id == id && s->version == version) {
		*text = s->text;
		*len = s->len;
		return 0;
	}
	if ((r = render(st, id, &t, &n)) < 0)
		return r;
	if (n > JOB_CACHE_TEXT_MAX) {
		c->big = t;
	} else {
		free(s->text);
		s->id = id;
		s->version = version;
		s->text = t;
		s->len = n;
	}
	*text = t;
	*len = n;
	return 0;
}
