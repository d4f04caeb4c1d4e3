/*
 * tokens.c -- /v1/tokens and /v1/whoami: making, listing and revoking
 * bearer tokens, and telling a caller who the daemon takes them for.
 *
 * Who may do what.  An admin makes tokens for any user with any scopes,
 * lists everyone's and revokes any.  Anyone else (a Unix socket peer, or a
 * token with the submit scope) makes tokens only for themselves and only
 * with scopes they hold, so no token is a way to become an admin; a token
 * made with a token that expires expires no later, so a leaked short-lived
 * token cannot be traded for a lasting one.  They list and revoke only
 * their own.
 *
 * A new token is shown once, in the 201 answer; the store keeps its hash
 * (bearer.c).  No other answer has the token or its hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/bearer.h"
#include "http/handlers.h"
#include "job/job-json.h"
#include "store/store.h"

/* expires_in_s: from a second to ten years. */
#define EXPIRES_MAX_S (10LL * 366 * 24 * 3600)
/* Tries at a fresh key when one is taken (1 in 2^64 each). */
#define KEY_TRIES 3

static json_t *
time_or_null(int64_t ms)
{
	char buf[40];

	if (ms == 0)
		return json_null();
	job_time_format(ms, buf, sizeof(buf));
	return json_string(buf);
}

/* T as the API shows it: everything but its key and hash. */
static json_t *
token_json(const struct token_record *t)
{
	unsigned scopes = 0;

	http_scopes_parse(t->scopes, &scopes);
	return json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)t->id,
	    "user", t->user ? t->user : "", "scopes", http_scopes_json(scopes), "created_by",
	    t->created_by ? t->created_by : "", "created", time_or_null(t->created_ms), "expires",
	    time_or_null(t->expires_ms), "last_used", time_or_null(t->last_used_ms), "revoked",
	    time_or_null(t->revoked_ms));
}

/* A user name a token may carry: 1..63 of [A-Za-z0-9._-], not starting
 * with '-' or '.', and not "anonymous" (the owner of anonymous jobs). */
static bool
user_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[0] == '.' || strcmp(s, "anonymous") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The scopes array V into *SCOPES; replies 400 and returns false when bad. */
static bool
scopes_from_json(struct http_request *req, json_t *v, unsigned *scopes)
{
	json_t *s;
	size_t i;
	unsigned bit;

	*scopes = 0;
	if (!json_is_array(v) || json_array_size(v) == 0) {
		http_reply_error(req, HTTP_ERR_INVALID_FIELD, "scopes",
		    "scopes must be a non-empty array of \"read\", \"submit\", \"admin\"");
		return false;
	}
	json_array_foreach(v, i, s)
	{
		const char *name = json_string_value(s);

		if (name == NULL || http_scope_parse(name, strlen(name), &bit) < 0) {
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "scopes",
			    "unknown scope '%.32s': scopes are read, submit and admin",
			    name ? name : "(not a string)");
			return false;
		}
		*scopes |= bit;
	}
	if (*scopes & HTTP_SCOPE_ADMIN)
		*scopes |= HTTP_SCOPE_READ | HTTP_SCOPE_SUBMIT;
	return true;
}

/* What POST /v1/tokens asks for. */
struct token_ask {
	const char *user;
	unsigned scopes;
	int64_t expires_ms; /* 0: never */
};

/* Read and check the body into ASK; replies and returns false when bad. */
static bool
token_ask_read(struct http_request *req, int64_t now_ms, struct token_ask *ask)
{
	json_t *body = http_request_json(req), *v;
	const char *key;

	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "user") != 0 && strcmp(key, "scopes") != 0 &&
		    strcmp(key, "expires_in_s") != 0) {
			http_reply_error(req, HTTP_ERR_UNKNOWN_FIELD, key, "unknown field '%.64s'",
			    key);
			return false;
		}
	}
	ask->user = http_request_user(req);
	if ((v = json_object_get(body, "user")) != NULL) {
		if (!json_is_string(v) || !user_name_valid(json_string_value(v))) {
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "user",
			    "user must be 1..63 characters of [A-Za-z0-9._-], not starting "
			    "with '-' or '.', and not 'anonymous'");
			return false;
		}
		ask->user = json_string_value(v);
	}
	if (ask->user == NULL) {
		http_reply_error(req, HTTP_ERR_MISSING_FIELD, "user", "user is required");
		return false;
	}
	ask->scopes = HTTP_SCOPE_READ | HTTP_SCOPE_SUBMIT;
	if ((v = json_object_get(body, "scopes")) != NULL &&
	    !scopes_from_json(req, v, &ask->scopes))
		return false;
	ask->expires_ms = 0;
	if ((v = json_object_get(body, "expires_in_s")) != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > EXPIRES_MAX_S) {
			http_reply_error(req, HTTP_ERR_INVALID_FIELD, "expires_in_s",
			    "expires_in_s must be a whole number of seconds in 1..%lld (or null "
			    "for never)",
			    EXPIRES_MAX_S);
			return false;
		}
		ask->expires_ms = now_ms + (int64_t)json_integer_value(v) * 1000;
	}
	return true;
}

/* Whether the caller may make ASK: replies 403 and returns false when not. */
static bool
token_ask_allowed(struct http_request *req, const struct token_ask *ask)
{
	struct http_env *d = http_request_env(req);
	const char *me = http_request_user(req);
	unsigned mine = http_request_scopes(req), extra = ask->scopes & ~mine;
	int64_t via = http_request_token(req);
	struct token_record t;
	int err;

	if (http_request_is_admin(req))
		return true;
	if (me == NULL || strcmp(me, ask->user) != 0) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, "user",
		    "only an admin may make tokens for another user (you are %s)",
		    me ? me : "anonymous");
		return false;
	}
	if (extra != 0) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, "scopes",
		    "a token cannot have the '%s' scope, which %s does not hold",
		    http_scope_name(extra & HTTP_SCOPE_ADMIN ? HTTP_SCOPE_ADMIN
			    : extra & HTTP_SCOPE_SUBMIT      ? HTTP_SCOPE_SUBMIT
							     : HTTP_SCOPE_READ),
		    me);
		return false;
	}
	if (via == 0)
		return true;
	if ((err = store_token_get(d->store, via, &t)) < 0) {
		http_reply_errno(req, err, "loading the caller's token");
		return false;
	}
	if (t.expires_ms != 0 && (ask->expires_ms == 0 || ask->expires_ms > t.expires_ms)) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, "expires_in_s",
		    "a token made with token %lld must expire no later than it does (in %lld s)",
		    (long long)via, (long long)((t.expires_ms - clock_now_ms()) / 1000));
		store_token_clear(&t);
		return false;
	}
	store_token_clear(&t);
	return true;
}

void
http_tokens_create(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	int64_t now_ms = clock_now_ms();
	char token[BEARER_TOKEN_LEN + 1], scopes[32];
	struct token_record t = { 0 };
	struct token_ask ask;
	json_t *o;
	int err = -EEXIST;

	if (!token_ask_read(req, now_ms, &ask) || !token_ask_allowed(req, &ask))
		return;
	http_scopes_text(ask.scopes, scopes, sizeof(scopes));
	t.user = (char *)ask.user;
	t.scopes = scopes;
	t.created_by = (char *)http_request_owner(req);
	t.created_ms = now_ms;
	t.expires_ms = ask.expires_ms;
	for (int i = 0; i < KEY_TRIES && err == -EEXIST; i++) {
		if ((err = bearer_new(token, t.key, t.hash)) < 0)
			break;
		err = store_token_insert(d->store, &t);
	}
	if (err < 0) {
		OPENSSL_cleanse(token, sizeof(token));
		http_reply_errno(req, err, "making a token");
		return;
	}
	log_info("token %lld made for %s (%s) by %s via %s", (long long)t.id, t.user, scopes,
	    t.created_by, http_request_via(req));
	o = token_json(&t);
	if (o != NULL)
		json_object_set_new(o, "token", json_string(token));
	OPENSSL_cleanse(token, sizeof(token));
	if (o == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	http_reply_json(req, 201, o);
}

void
http_tokens_list(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *user = http_request_query(req, "user"), *me = http_request_user(req);
	struct token_record *t = NULL;
	size_t n = 0;
	json_t *arr;
	int err;

	if (!http_request_is_admin(req)) {
		if (me == NULL) {
			http_reply_error(req, HTTP_ERR_UNAUTHORIZED, NULL,
			    "listing tokens needs a user: show a token");
			return;
		}
		if (user != NULL && strcmp(user, me) != 0) {
			http_reply_error(req, HTTP_ERR_FORBIDDEN, "user",
			    "only an admin may list another user's tokens");
			return;
		}
		user = me;
	}
	if ((err = store_token_list(d->store, user, &t, &n)) < 0) {
		http_reply_errno(req, err, "listing tokens");
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, token_json(&t[i]));
	store_token_list_free(t, n);
	if (arr == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o}", "tokens", arr));
}

void
http_token_revoke(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	const char *s = http_request_param(req, "id"), *me = http_request_user(req);
	struct token_record t;
	long long id;
	json_t *o;
	int err;

	if (http_int_parse(s, strlen(s), 1, INT64_MAX, &id) < 0) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no token '%.32s'", s);
		return;
	}
	if ((err = store_token_get(d->store, id, &t)) == -ENOENT) {
		http_reply_error(req, HTTP_ERR_NOT_FOUND, NULL, "no token %lld", id);
		return;
	}
	if (err < 0) {
		http_reply_errno(req, err, "loading the token");
		return;
	}
	if (!http_request_is_admin(req) && (me == NULL || strcmp(me, t.user) != 0)) {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, NULL,
		    "token %lld is %s's: only they or an admin may revoke it", id, t.user);
		store_token_clear(&t);
		return;
	}
	store_token_clear(&t);
	if ((err = store_token_revoke(d->store, id, clock_now_ms())) < 0 ||
	    (err = store_token_get(d->store, id, &t)) < 0) {
		http_reply_errno(req, err, "revoking the token");
		return;
	}
	log_info("token %lld of %s revoked by %s via %s", id, t.user, http_request_owner(req),
	    http_request_via(req));
	o = token_json(&t);
	store_token_clear(&t);
	if (o == NULL) {
		http_reply_error(req, HTTP_ERR_NO_MEMORY, NULL, NULL);
		return;
	}
	http_reply_json(req, 200, o);
}

void
http_whoami_get(struct http_request *req)
{
	const char *me = http_request_user(req);
	int64_t tok = http_request_token(req);

	http_reply_json(req, 200,
	    json_pack("{s:o, s:b, s:o, s:s, s:o}", "user", me ? json_string(me) : json_null(),
		"admin", http_request_is_admin(req), "scopes",
		http_scopes_json(http_request_scopes(req)), "via", http_request_via(req), "token",
		tok ? json_integer(tok) : json_null()));
}
