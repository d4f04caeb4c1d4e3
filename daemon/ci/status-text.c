/*
 * status-text.c -- the words of a commit status and the outbox's retry
 * schedule (status-text.h), with nothing but strings and numbers, so the
 * unit tests pin every rule down.
 *
 * States: GitHub has four (pending, success, failure, error), so a
 * queued and a running job are both `pending` and the description tells
 * them apart; GitLab has a state for each (pending, running) and a
 * `canceled` of its own.  A job that did not pass because of the kernel
 * or its tests (failed, timeout, crashed) is a failure; one that could
 * not be judged (error, interrupted, cancelled) is GitHub's `error`,
 * GitLab's `failed`, or `canceled` for a cancel.
 *
 * The description leads with the counters, as a CI page reads best
 * ("41/42 tests passed"), then the job's message (which already names
 * the failed test, the limit that hit, or the crash), then the first
 * crash's title when the message does not already say it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci/status-text.h"

const char *
ci_status_state(enum ci_forge forge, enum ci_status_phase phase, enum job_result result)
{
	bool gitlab = forge == CI_FORGE_GITLAB;

	if (forge == CI_FORGE_GENERIC)
		return NULL;
	if (phase == CI_PHASE_QUEUED)
		return "pending";
	if (phase == CI_PHASE_RUNNING)
		return gitlab ? "running" : "pending";
	switch (result) {
	case RESULT_PASSED:
		return "success";
	case RESULT_FAILED:
	case RESULT_TIMEOUT:
	case RESULT_CRASHED:
		return gitlab ? "failed" : "failure";
	case RESULT_CANCELLED:
		return gitlab ? "canceled" : "error";
	case RESULT_NONE:
	case RESULT_ERROR:
	case RESULT_INTERRUPTED:
	default:
		return gitlab ? "failed" : "error";
	}
}

/* Append "; " (unless first) and TEXT to BUF of SIZE holding LEN bytes. */
static size_t
add_part(char *buf, size_t size, size_t len, const char *text)
{
	int n;

	if (text == NULL || text[0] == '\0' || len + 1 >= size)
		return len;
	n = snprintf(buf + len, size - len, "%s%s", len > 0 ? "; " : "", text);
	if (n < 0)
		return len;
	len += (size_t)n;
	return len < size ? len : size - 1;
}

void
ci_status_describe(const struct ci_status_facts *f, char *buf, size_t size)
{
	/* Room to compose before the cut: a message may be long. */
	char whole[1024], part[256];
	size_t len = 0;

	whole[0] = '\0';
	if (f->result == RESULT_CANCELLED && f->superseded_by != NULL) {
		snprintf(part, sizeof(part), "superseded by %s", f->superseded_by);
		len = add_part(whole, sizeof(whole), len, part);
	} else if (f->result == RESULT_CANCELLED) {
		len = add_part(whole, sizeof(whole), len,
		    f->message != NULL && f->message[0] ? f->message : "cancelled");
	} else {
		if (f->tests_total > 0) {
			snprintf(part, sizeof(part), "%d/%d tests passed", f->tests_passed,
			    f->tests_total);
			len = add_part(whole, sizeof(whole), len, part);
		}
		len = add_part(whole, sizeof(whole), len, f->message);
		if (f->crash_title != NULL && f->crash_title[0] &&
		    (f->message == NULL || strstr(f->message, f->crash_title) == NULL)) {
			snprintf(part, sizeof(part), "crash: %s", f->crash_title);
			len = add_part(whole, sizeof(whole), len, part);
		}
		if (len == 0)
			len = add_part(whole, sizeof(whole), len, job_result_name(f->result));
	}
	ci_status_cut(whole, CI_DESCRIPTION_MAX_CHARS);
	snprintf(buf, size, "%s", whole);
}

/* True for the first byte of a UTF-8 character (not a continuation). */
static bool
char_start(unsigned char c)
{
	return (c & 0xc0) != 0x80;
}

void
ci_status_cut(char *text, size_t max_chars)
{
	static const char ellipsis[] = "...";
	size_t chars = 0, keep = 0, i;

	for (i = 0; text[i] != '\0'; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c == 0x7f)
			text[i] = ' ';
		if (char_start(c))
			chars++;
		/* Where the kept part ends if a cut is needed: room for "...". */
		if (char_start(c) && chars == max_chars - (sizeof(ellipsis) - 1) + 1)
			keep = i;
	}
	if (chars <= max_chars || max_chars < sizeof(ellipsis))
		return;
	/* A cut between words reads better: back up to a space if one is
	 * among the last 20 characters kept. */
	for (i = keep; i > 0 && keep - i < 20; i--) {
		if (text[i - 1] == ' ') {
			keep = i - 1;
			break;
		}
	}
	while (keep > 0 &&
	    (text[keep - 1] == ' ' || text[keep - 1] == ';' || text[keep - 1] == ',' ||
		text[keep - 1] == ':'))
		keep--;
	memcpy(text + keep, ellipsis, sizeof(ellipsis));
}

char *
ci_status_target_url(const char *public_url, int64_t job_id)
{
	size_t n;
	char *url;

	if (public_url == NULL || public_url[0] == '\0')
		return NULL;
	n = strlen(public_url);
	while (n > 0 && public_url[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s/v1/jobs/%lld", (int)n, public_url, (long long)job_id) < 0)
		return NULL;
	return url;
}

bool
ci_outbox_next_try(int attempts, int64_t created_ms, int64_t now_ms, int64_t first_ms,
    int64_t max_ms, int64_t give_up_ms, int64_t *next_ms)
{
	int64_t delay = first_ms > 0 ? first_ms : 1;

	for (int i = 1; i < attempts && delay < max_ms; i++)
		delay *= 2;
	if (delay > max_ms)
		delay = max_ms;
	*next_ms = now_ms + delay;
	return *next_ms - created_ms < give_up_ms;
}
