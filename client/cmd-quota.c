/*
 * cmd-quota.c -- pkvmctl quota: who shares the machine, and their limits.
 *
 * Without a user: every user with jobs, usage or quotas (GET /v1/users).
 * With one: that user (GET /v1/users/USER), and with limit options, set
 * them first (PUT /v1/users/USER/quota, admins only).  A limit is a whole
 * number (0 = no limit) or "default" (back to pkvmd's setting); the blob
 * limit takes K, M, G and T suffixes (powers of 1024).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_RUNNING_SLOTS = 256, OPT_QUEUED_JOBS, OPT_BLOB_BYTES, OPT_JSON };

static const struct cmd_option quota_options[] = {
	{ .key = OPT_RUNNING_SLOTS, .long_name = "running-slots", .has_arg = true },
	{ .key = OPT_QUEUED_JOBS, .long_name = "queued-jobs", .has_arg = true },
	{ .key = OPT_BLOB_BYTES, .long_name = "blob-bytes-per-day", .has_arg = true },
	{ .key = OPT_JSON, .long_name = "json" },
	{ 0 },
};

/* A limit's cell: "unlimited", or the number and a star when an admin
 * set it for this user. */
static void
limit_cell(json_t *user, const char *key, bool bytes, char *buf, size_t size)
{
	json_t *set = json_object_get(user, "quota_set"), *v;
	long long n = 0;
	bool mine = false;
	size_t i;

	json_array_foreach(set, i, v)
	    mine = mine || (json_is_string(v) && strcmp(json_string_value(v), key) == 0);
	if (!job_int(json_object_get(user, "quota"), key, &n) || n == 0) {
		snprintf(buf, size, "unlimited%s", mine ? "*" : "");
		return;
	}
	if (bytes)
		output_size_format((double)n, buf, size);
	else
		snprintf(buf, size, "%lld", n);
	if (mine)
		strncat(buf, "*", size - strlen(buf) - 1);
}

static int
user_row(struct table *t, json_t *user)
{
	char queued[24], running[48], usage[48], rs[32], qj[32], bb[32], today[32];
	const char *cells[] = { job_str(user, "name"), queued, running, usage, rs, qj, bb, today };
	json_t *u = json_object_get(user, "usage_slot_s");
	long long n = 0, slots = 0;

	job_int_format(user, "queued", queued, sizeof(queued));
	job_int(user, "running", &n);
	job_int(user, "running_slots", &slots);
	snprintf(running, sizeof(running), "%lld (%lld slot%s)", n, slots, slots == 1 ? "" : "s");
	snprintf(usage, sizeof(usage), "%.1f", json_is_number(u) ? json_number_value(u) : 0.0);
	limit_cell(user, "running_slots", false, rs, sizeof(rs));
	limit_cell(user, "queued_jobs", false, qj, sizeof(qj));
	limit_cell(user, "blob_bytes_per_day", true, bb, sizeof(bb));
	job_int(user, "blob_bytes_today", &n);
	output_size_format((double)n, today, sizeof(today));
	return table_add_row(t, cells);
}

static const char *const quota_headers[] = { "USER", "QUEUED", "RUNNING", "USAGE(slot-s)",
	"MAX-RUNNING-SLOTS", "MAX-QUEUED", "MAX-BLOBS/DAY", "BLOBS-TODAY" };

static const struct output_table quota_table = {
	.ncols = 8,
	.headers = quota_headers,
	.right = 1u << 1 | 1u << 3,
	.empty = NULL,
	.row = user_row,
};

/* Limit option V of NAME into BODY's KEY: "default" is null, else a whole
 * number, with a K/M/G/T suffix when BYTES.  0 or PKVM_EXIT_USAGE. */
static int
limit_value(json_t *body, const char *key, const char *name, const char *v, bool bytes)
{
	unsigned long long n, mult = 1;
	char *end;

	if (strcmp(v, "default") == 0) {
		json_object_set_new(body, key, json_null());
		return 0;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (bytes && *end != '\0' && end[1] == '\0') {
		const char *suffixes = "KMGT";
		const char *p = strchr(suffixes, *end);

		for (const char *q = suffixes; p != NULL && q <= p; q++)
			mult *= 1024;
		if (p != NULL)
			end++;
	}
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n > (1ULL << 62) / mult) {
		fprintf(stderr,
		    "pkvmctl: invalid --%s '%s': a whole number%s (0 = no limit) or 'default'\n",
		    name, v, bytes ? " with an optional K, M, G or T" : "");
		return PKVM_EXIT_USAGE;
	}
	json_object_set_new(body, key, json_integer((json_int_t)(n * mult)));
	return 0;
}

static int
quota_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	json_t *body = json_object();
	const char *user = NULL;
	char path[256], *esc;
	bool json = false;
	int rc = 0, err;

	for (int i = 0; rc == 0 && i < args->n; i++) {
		const char *v = args->v[i].value;

		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (user != NULL) {
				json_decref(body);
				return cmd_usage_error(self, "unexpected argument '%s'", v);
			}
			user = v;
			break;
		case OPT_RUNNING_SLOTS:
			rc = limit_value(body, "running_slots", "running-slots", v, false);
			break;
		case OPT_QUEUED_JOBS:
			rc = limit_value(body, "queued_jobs", "queued-jobs", v, false);
			break;
		case OPT_BLOB_BYTES:
			rc = limit_value(body, "blob_bytes_per_day", "blob-bytes-per-day", v, true);
			break;
		case OPT_JSON:
			json = true;
			break;
		}
	}
	if (rc == 0 && user == NULL && json_object_size(body) > 0)
		rc = cmd_usage_error(self, "setting a limit needs a USER");
	if (rc != 0 || user == NULL) {
		json_decref(body);
		return rc != 0
		    ? rc
		    : output_show_table(api, PKVM_API_PREFIX "/users", "users", json, &quota_table);
	}
	if ((esc = api_escape(user)) == NULL) {
		json_decref(body);
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	if (json_object_size(body) > 0) {
		snprintf(path, sizeof(path), PKVM_API_PREFIX "/users/%s/quota", esc);
		err = api_request(api, "PUT", path, body, NULL);
		if (err < 0) {
			free(esc);
			json_decref(body);
			return api_fail(api, err);
		}
	}
	json_decref(body);
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/users/%s", esc);
	free(esc);
	/* One user is a table of one row, like the list. */
	if (json)
		return output_show(api, path, NULL, JSON_OBJECT, true, NULL, NULL);
	{
		json_t *reply = NULL, *value;
		struct table *t;

		if ((err = api_get_member(api, path, NULL, JSON_OBJECT, &reply, &value)) < 0)
			return api_fail(api, err);
		t = table_new(quota_table.ncols, quota_table.headers);
		rc = t == NULL || user_row(t, value) < 0 ? PKVM_EXIT_INFRA : 0;
		if (t != NULL) {
			table_align_right(t, 1);
			table_align_right(t, 3);
			table_print(t, stdout);
			table_free(t);
		}
		json_decref(reply);
	}
	return rc;
}

const struct cmd_entry cmd_quota_entry = {
	.name = "quota",
	.alias = "users",
	.args = "[USER] [--running-slots N] [--queued-jobs N] [--blob-bytes-per-day SIZE] [--json]",
	.summary = "show users' usage and quotas; set a user's (admins)",
	.details = "options:\n"
		   "  --running-slots N        slots USER's running jobs may hold\n"
		   "  --queued-jobs N          jobs USER may have queued\n"
		   "  --blob-bytes-per-day SIZE  blob bytes USER may upload per UTC day\n"
		   "                           (K, M, G, T: powers of 1024)\n"
		   "  --json                   print the user objects as JSON\n"
		   "A limit is a whole number, 0 for no limit, or 'default' for pkvmd's\n"
		   "setting (--quota-*). A * marks a limit set for that user. USAGE is\n"
		   "slot-seconds, each weighed down by its age (pkvmd --fair-share-half-life).\n",
	.options = quota_options,
	.takes_rest = false,
	.exec = quota_exec,
};
