/*
 * job-progress.c -- where a job is while `pkvmctl wait` waits for it,
 * from the server's events (GET /v1/events?job=ID).
 *
 * On a terminal one status line on stderr is redrawn in place at every
 * event: the phase, the test running (i of N and its name), the time
 * since the job started against its timeout, and how long the last
 * finished job of the same kernel and tests took (GET .../estimate).
 * Elsewhere a plain line is printed for each phase the job enters, so a
 * log shows where it got to.  The stream ends when the job is done; the
 * caller then prints the verdict, which replaces the live line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

/* A server-sent event's lines can be long (a job's event is ~400 bytes);
 * this holds any pkvmd sends. */
#define LINE_MAX_BYTES 8192

struct progress {
	int64_t id;
	bool tty;
	bool *contacted;
	int64_t estimate_ms; /* 0: none */
	char line[LINE_MAX_BYTES];
	size_t len;
	bool overlong; /* the line being read did not fit: skipped */
	char event[32];
	char *data;
	char phase[16]; /* the last phase shown */
	bool drawn; /* a live line is on the screen */
};

/* Draw the live line for job event J. */
static void
draw(struct progress *p, json_t *j, const char *phase)
{
	json_t *test = json_object_get(j, "test");
	json_t *tests = json_object_get(j, "tests");
	double elapsed_s = (double)json_integer_value(json_object_get(j, "elapsed_ms")) / 1000;
	double timeout_s = (double)json_integer_value(json_object_get(j, "timeout_s"));
	char el[32], to[32], est[32], what[200];

	output_duration_format(elapsed_s, el, sizeof(el));
	output_duration_format(timeout_s, to, sizeof(to));
	if (json_is_object(test))
		snprintf(what, sizeof(what), "testing %lld/%lld %s",
		    (long long)json_integer_value(json_object_get(test, "index")),
		    (long long)json_integer_value(json_object_get(test, "total")),
		    job_str(test, "name") ? job_str(test, "name") : "");
	else if (strcmp(phase, "testing") == 0 && json_is_object(tests))
		snprintf(what, sizeof(what), "testing, %lld of %lld done",
		    (long long)(json_integer_value(json_object_get(tests, "passed")) +
			json_integer_value(json_object_get(tests, "failed"))),
		    (long long)json_integer_value(json_object_get(tests, "total")));
	else
		snprintf(what, sizeof(what), "%s", phase);
	est[0] = '\0';
	if (p->estimate_ms > 0) {
		char e[32];

		output_duration_format((double)p->estimate_ms / 1000, e, sizeof(e));
		snprintf(est, sizeof(est), ", usually %s", e);
	}
	/* \r and erase-line: the line is redrawn where it was. */
	fprintf(stderr, "\r\033[Kjob %lld: %.120s (%s of %s%s)", (long long)p->id, what, el, to,
	    est);
	fflush(stderr);
	p->drawn = true;
}

/* Handle one whole event; -ECANCELED once the job is done (ends the
 * stream). */
static int
dispatch(struct progress *p)
{
	json_t *j;
	const char *state, *phase;
	int rc = 0;

	if (strcmp(p->event, "reset") == 0 || p->data == NULL || strcmp(p->event, "job") != 0)
		return 0;
	j = json_loads(p->data, 0, NULL);
	if (j == NULL)
		return 0;
	state = job_str(j, "state");
	phase = job_str(j, "phase");
	if (phase != NULL && state != NULL) {
		if (strcmp(state, "done") == 0)
			rc = -ECANCELED;
		else if (p->tty)
			draw(p, j, phase);
		else if (strcmp(phase, p->phase) != 0)
			fprintf(stderr, "job %lld: %s\n", (long long)p->id, phase);
		snprintf(p->phase, sizeof(p->phase), "%s", phase);
	}
	json_decref(j);
	return rc;
}

/* One line of the stream (without its newline). */
static int
on_line(struct progress *p, const char *line)
{
	int rc = 0;

	if (line[0] == '\0') {
		rc = dispatch(p);
		p->event[0] = '\0';
		free(p->data);
		p->data = NULL;
	} else if (strncmp(line, "event: ", 7) == 0) {
		snprintf(p->event, sizeof(p->event), "%s", line + 7);
	} else if (strncmp(line, "data: ", 6) == 0) {
		free(p->data);
		p->data = strdup(line + 6);
	}
	return rc;
}

static int
on_bytes(void *arg, const char *buf, size_t len)
{
	struct progress *p = arg;
	int rc;

	*p->contacted = true;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (p->len + 1 < sizeof(p->line))
				p->line[p->len++] = buf[i];
			else
				p->overlong = true;
			continue;
		}
		p->line[p->len] = '\0';
		rc = p->overlong ? 0 : on_line(p, p->line);
		p->len = 0;
		p->overlong = false;
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
job_progress_follow(struct api *api, int64_t id, bool tty, bool *contacted)
{
	struct progress p = { .id = id, .tty = tty, .contacted = contacted };
	json_t *est = NULL;
	char path[96];
	int err;

	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/estimate", (long long)id);
	if (tty && api_request(api, "GET", path, NULL, &est) == 0 &&
	    json_is_integer(json_object_get(est, "estimate_ms")))
		p.estimate_ms = json_integer_value(json_object_get(est, "estimate_ms"));
	json_decref(est);
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/events?job=%lld", (long long)id);
	err = api_stream(api, path, on_bytes, &p);
	free(p.data);
	if (p.drawn) {
		/* The verdict line takes the live line's place. */
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	return err == -ECANCELED ? 0 : err < 0 ? err : -EPIPE;
}
