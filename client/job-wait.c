/*
 * job-wait.c -- wait for a job to end and report it: what `pkvmctl wait`
 * and `pkvmctl submit --wait` both do.
 *
 * The end of a job is learnt from the server, never by polling on a timer:
 * with --follow the console stream (GET .../console?follow=1) stays open
 * until the job is done; without it the job's events (GET
 * /v1/events?job=ID, job-progress.c) show where it is until it is done.
 * Then the long poll GET .../wait?timeout=60 is repeated until it answers
 * with state "done" (at once, unless the stream broke off).
 * The exit code is job_result_exit_code() of the result, so scripts can
 * tell a failing test (1) from a crash (4) from a broken lab (6).  A wait
 * survives a restart of pkvmd (which requeues the job): it reconnects and
 * carries on.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

/* Seconds each long poll may last; the server allows up to 3600. */
#define WAIT_POLL_S 60
/* How long a wait survives losing pkvmd (a restart, an upgrade): a
 * restarted pkvmd requeues the job, so the wait still has an answer. */
#define RECONNECT_S 600

/* Errors that say pkvmd went away, not that it refused us. */
static bool
lost_daemon(int err)
{
	return err == -ECONNREFUSED || err == -ENOENT || err == -EIO || err == -ECONNRESET;
}

/* Copy console bytes straight to stdout as they arrive. */
static int
on_console(void *arg, const char *buf, size_t len)
{
	bool *contacted = arg;

	*contacted = true;
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

/* The one-line summary of done JOB on stderr; returns the exit code. */
static int
wait_summary(long long id, json_t *job)
{
	const char *name = job_str(job, "result");
	const char *message = job_str(job, "message");
	enum job_result r;
	char dur[32];

	if (name == NULL || job_result_parse(name, &r) < 0) {
		fprintf(stderr, "job %lld ended with unknown result '%s'\n", id,
		    name != NULL ? name : "null");
		return PKVM_EXIT_INFRA;
	}
	if (r == RESULT_PASSED) {
		const char *s0 = job_str(job, "started");
		const char *s1 = job_str(job, "finished");
		double t0, t1;

		if (s0 != NULL && s1 != NULL && output_time_parse(s0, &t0) == 0 &&
		    output_time_parse(s1, &t1) == 0) {
			if (t1 - t0 < 59.95)
				snprintf(dur, sizeof(dur), "%.1f s", t1 - t0);
			else
				output_duration_format(t1 - t0, dur, sizeof(dur));
			fprintf(stderr, "job %lld passed in %s\n", id, dur);
		} else {
			fprintf(stderr, "job %lld passed\n", id);
		}
	} else if (message != NULL) {
		fprintf(stderr, "job %lld %s: %s\n", id, name, message);
	} else {
		fprintf(stderr, "job %lld %s\n", id, name);
	}
	return (int)job_result_exit_code(r);
}

int
cmd_wait_job(struct api *api, int64_t id, bool follow, bool json)
{
	json_t *job = NULL;
	const char *state;
	char path[96];
	bool contacted = false; /* pkvmd answered once: it knows the job */
	int err, rc;

	if (follow) {
		snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/console?follow=1",
		    (long long)id);
		err = api_stream(api, path, on_console, &contacted);
		/* A stream cut by a daemon restart leaves the result to the
		 * long poll below, which waits for the daemon to return. */
		if (err < 0 && !lost_daemon(err))
			return api_fail(api, err);
	} else {
		/* Any failure (a pkvmd without events, a restart) leaves the
		 * waiting to the long poll below, as before there were events. */
		(void)job_progress_follow(api, id, isatty(STDERR_FILENO), &contacted);
	}
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/wait?timeout=%d", (long long)id,
	    WAIT_POLL_S);
	for (int lost_s = 0;;) {
		err = api_request(api, "GET", path, NULL, &job);
		if (err < 0 && contacted && lost_daemon(err) && lost_s < RECONNECT_S) {
			/* Reconnecting is a retry once a second: there is no
			 * one to send an event while the daemon is down. */
			if (lost_s == 0)
				fprintf(stderr,
				    "pkvmctl: lost pkvmd while waiting for job %lld; "
				    "waiting up to %d s for it to come back\n",
				    (long long)id, RECONNECT_S);
			sleep(1);
			lost_s++;
			continue;
		}
		if (err < 0)
			return api_fail(api, err);
		if (lost_s > 0)
			fprintf(stderr, "pkvmctl: pkvmd is back; still waiting for job %lld\n",
			    (long long)id);
		lost_s = 0;
		contacted = true;
		state = job_str(job, "state");
		if (state == NULL) {
			fprintf(stderr,
			    "pkvmctl: bad answer from pkvmd: job %lld "
			    "without state\n",
			    (long long)id);
			json_decref(job);
			return PKVM_EXIT_INFRA;
		}
		if (strcmp(state, "done") == 0)
			break;
		json_decref(job);
	}
	rc = wait_summary((long long)id, job);
	if (json && output_json(job) < 0 && rc == 0)
		rc = PKVM_EXIT_INFRA;
	json_decref(job);
	return rc;
}
