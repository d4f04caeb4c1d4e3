/*
 * users.c -- /v1/users: who shares the machine, their usage and quotas.
 *
 * A user is listed when they have a job queued or running, or when the
 * store remembers something of them (usage, a quota, blob bytes).  The
 * numbers come from share_users(), the same the scheduler and the submit
 * checks use.  Only an admin sets a quota; a quota set to null goes back
 * to the daemon's default, 0 means no limit.
 */
#include <errno.h>
#include <string.h>

#include "base/clock.h"
#include "http/handlers.h"
#include "run/runner.h"
#include "run/share.h"
#include "store/store.h"

/* The longest user name a path may carry. */
#define USER_NAME_MAX 64

static json_t *
quota_json(const struct share_user *u)
{
	return json_pack("{s:I, s:I, s:I}", "running_slots", (json_int_t)u->running_slots_quota,
	    "queued_jobs", (json_int_t)u->queued_jobs_quota, "blob_bytes_per_day",
	    (json_int_t)u->blob_bytes_per_day_quota);
}

static json_t *
user_json(const struct share_user *u)
{
	json_t *set = json_array();

	if (u->running_slots_set)
		json_array_append_new(set, json_string("running_slots"));
	if (u->queued_jobs_set)
		json_array_append_new(set, json_string("queued_jobs"));
	if (u->blob_bytes_per_day_set)
		json_array_append_new(set, json_string("blob_bytes_per_day"));
	return json_pack("{s:s, s:I, s:I, s:I, s:f, s:o, s:o, s:I}", "name", u->name, "queued",
	    (json_int_t)u->queued, "running", (json_int_t)u->running, "running_slots",
	    (json_int_t)u->running_slots, "usage_slot_s", u->usage_slot_ms / 1000.0, "quota",
	    quota_json(u), "quota_set", set, "blob_bytes_today", (json_int_t)u->blob_bytes_today);
}

/* Users (ONLY: that one) into *OUT, or reply and return false. */
static bool
load_users(struct http_request *req, const char *only, struct share_user **out, size_t *n)
{
	struct http_env *d = http_request_env(req);
	int err = share_users(d->store, d->share, runner_queue(d->runner),
	    runner_slots_total(d->runner), clock_now_ms(), only, out, n);

	if (err < 0) {
		http_reply_errno(req, err, "reading users");
		return false;
	}
	return true;
}

void
http_users_list(struct http_request *req)
{
	struct share_user *u = NULL;
	size_t n = 0;
	json_t *arr;

	if (!load_users(req, NULL, &u, &n))
		return;
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, user_json(&u[i]));
	share_users_free(u, n);
	http_reply_json(req, 200, json_pack("{s:o}", "users", arr));
}

/* The {user} path parameter, or NULL after a 404.  A name does not start
 * with '.' or '-' (as tokens.c requires of a token's user): ".." is not a
 * user, and PUT /v1/users/../quota must not make one. */
static const char *
user_param(struct http_request *req)
{
	const char *name = http_request_param(req, "user");
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > USER_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    strspn(name,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		"qrstuvwxyz0123456789._-") != len) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no user '%.64s'",
		    name ? name : "");
		return NULL;
	}
	return name;
}

static void
reply_user(struct http_request *req, const char *name)
{
	struct share_user *u = NULL;
	size_t n = 0;

	if (!load_users(req, name, &u, &n))
		return;
	if (n == 0)
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no user '%s'", name);
	else
		http_reply_json(req, 200, user_json(&u[0]));
	share_users_free(u, n);
}

void
http_user_get(struct http_request *req)
{
	const char *name = user_param(req);

	if (name != NULL)
		reply_user(req, name);
}

/* Quota field KEY of BODY into *Q: unchanged when absent, -1 for null, or
 * a whole number >= 0; false after a 400. */
static bool
quota_field(struct http_request *req, json_t *body, const char *key, int64_t *q)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL)
		return true;
	if (json_is_null(v)) {
		*q = -1;
		return true;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, key,
		    "%s must be a whole number >= 0 (0 = no limit), or null for the default", key);
		return false;
	}
	*q = json_integer_value(v);
	return true;
}

void
http_user_quota_put(struct http_request *req)
{
	static const char *const keys[] = { "running_slots", "queued_jobs", "blob_bytes_per_day" };
	struct http_env *d = http_request_env(req);
	json_t *body = http_request_json(req), *v;
	const char *name = user_param(req), *key;
	struct store_user row;
	int err;

	if (name == NULL)
		return;
	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known = known || strcmp(key, keys[i]) == 0;
		if (!known) {
			http_reply_error(req, HTTP_ERR_UNKNOWN_FIELD, key,
			    "unknown field '%.64s' (running_slots, queued_jobs, "
			    "blob_bytes_per_day)",
			    key);
			return;
		}
	}
	err = store_user_get(d->store, name, &row);
	if (err < 0 && err != -ENOENT) {
		http_reply_errno(req, err, "reading the user");
		return;
	}
	if (!quota_field(req, body, "running_slots", &row.quota_running_slots) ||
	    !quota_field(req, body, "queued_jobs", &row.quota_queued_jobs) ||
	    !quota_field(req, body, "blob_bytes_per_day", &row.quota_blob_bytes_per_day))
		return;
	if ((err = store_user_quota_put(d->store, name, &row)) < 0) {
		http_reply_errno(req, err, "storing the quota");
		return;
	}
	/* A higher running-slots quota may let a waiting job start. */
	runner_kick(d->runner);
	reply_user(req, name);
}
