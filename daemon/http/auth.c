/*
 * auth.c -- who is asking, and whether the route lets them.
 *
 * Every request gets an identity before its handler runs: on a Unix socket
 * the peer's uid (SO_PEERCRED) names the user, who may read and submit,
 * and root and members of --admin-group are admins; on TCP the caller
 * shows a bearer token (tokens.c of the store holds only their hashes), or
 * is anonymous and may read only with --public-read.  Each row of the
 * routing table names the scope it needs (HTTP_SCOPE_*, none for the few
 * public routes); the admin scope holds every other.  A caller without the
 * scope gets 401 when they showed no valid credential and 403 when they
 * did but it does not reach.
 *
 * A token is found by its public key and then checked by hash in constant
 * time (bearer.c says why that is safe).  A wrong token, or one that is
 * expired or revoked, is 401 on every route, public ones too: a client
 * with a bad credential should hear so, not quietly be anonymous.  Its
 * last use is written at most once a minute (TOKEN_TOUCH_MS): checking a
 * token is then a read of one row, and a busy client does not turn every
 * request into a write.  The Unix socket ignores Authorization headers:
 * the peer's uid says who it is.
 */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/bearer.h"
#include "http/private.h"
#include "job/job-json.h"
#include "store/store.h"

/* Groups a user may be in that we look at for --admin-group. */
#define MAX_GROUPS 256
/* How stale a token's last-used time may get before a request writes it. */
#define TOKEN_TOUCH_MS (60 * 1000)

static bool
user_in_group(const char *user, gid_t primary, gid_t want)
{
	gid_t groups[MAX_GROUPS];
	int n = MAX_GROUPS;

	if (primary == want)
		return true;
	if (getgrouplist(user, primary, groups, &n) < 0)
		return false; /* more groups than we look at: not an admin by group */
	for (int i = 0; i < n; i++)
		if (groups[i] == want)
			return true;
	return false;
}

void
http_auth_unix(struct http_request *req, int fd)
{
	struct http_identity *id = &req->who;
	struct http_env *d = http_request_env(req);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd pw, *res = NULL;
	char buf[4096];
	bool admin;

	if (http_conn_identity(req->hconn, id))
		return;
	snprintf(id->via, sizeof(id->via), "socket");
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		/* Nobody we can name: the socket's mode let them in, so
		 * they read, as anyone on a --public-read TCP listener. */
		id->scopes = HTTP_SCOPE_READ;
		return;
	}
	id->uid = cred.uid;
	id->has_uid = true;
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		snprintf(id->user, sizeof(id->user), "%s", pw.pw_name);
		admin = cred.uid == 0 ||
		    (d->has_admin_gid && user_in_group(pw.pw_name, pw.pw_gid, d->admin_gid));
	} else {
		snprintf(id->user, sizeof(id->user), "uid%u", (unsigned)cred.uid);
		admin = cred.uid == 0;
	}
	id->scopes = HTTP_SCOPE_READ | HTTP_SCOPE_SUBMIT | (admin ? HTTP_SCOPE_ADMIN : 0);
	http_conn_identity_keep(req->hconn, id);
}

/* REQ's caller is not who they claim: 401 on any route, saying WHY. */
static void auth_refuse(struct http_request *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
auth_refuse(struct http_request *req, const char *fmt, ...)
{
	struct http_identity *id = &req->who;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(id->why, sizeof(id->why), fmt, ap);
	va_end(ap);
	id->bad_credential = id->why;
	id->scopes = 0;
}

/* Take on the identity of token T, shown at NOW_MS. */
static void
auth_as_token(struct http_request *req, const struct token_record *t, int64_t now_ms)
{
	struct http_identity *id = &req->who;
	struct http_env *d = http_request_env(req);
	unsigned scopes = 0;
	int err;

	if (http_scopes_parse(t->scopes, &scopes) < 0 || t->user == NULL ||
	    strlen(t->user) >= sizeof(id->user)) {
		log_warnx("auth: token %lld has bad scopes '%s' or user", (long long)t->id,
		    t->scopes ? t->scopes : "");
		auth_refuse(req, "token %lld cannot be used: see pkvmd's log", (long long)t->id);
		return;
	}
	snprintf(id->user, sizeof(id->user), "%s", t->user);
	snprintf(id->via, sizeof(id->via), "token:%lld", (long long)t->id);
	id->scopes = scopes;
	id->token_id = t->id;
	if (t->last_used_ms == 0 || now_ms - t->last_used_ms >= TOKEN_TOUCH_MS ||
	    now_ms < t->last_used_ms) {
		/* Only a record: a failed write must not fail the request. */
		if ((err = store_token_touch(d->store, t->id, now_ms)) < 0)
			log_warn(err, "auth: recording the use of token %lld", (long long)t->id);
	}
}

void
http_auth_tcp(struct http_request *req)
{
	struct http_identity *id = &req->who;
	struct http_env *d = http_request_env(req);
	const char *h = http_request_header(req, "Authorization");
	char key[STORE_TOKEN_KEY_LEN + 1], when[40];
	struct token_record t;
	int64_t now_ms;
	int err;

	snprintf(id->via, sizeof(id->via), "anonymous");
	id->scopes = d->public_read ? HTTP_SCOPE_READ : 0;
	if (h == NULL)
		return;
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		auth_refuse(req, "the Authorization header must be 'Bearer TOKEN'");
		return;
	}
	h += 7;
	h += strspn(h, " ");
	if (bearer_key(h, key) < 0) {
		auth_refuse(req,
		    "the bearer token is not a pkvmd token (" BEARER_PREFIX
		    "KEY_SECRET, %zu characters)",
		    (size_t)BEARER_TOKEN_LEN);
		return;
	}
	err = store_token_by_key(d->store, key, &t);
	if (err < 0 && err != -ENOENT) {
		log_warn(err, "auth: looking up a token");
		auth_refuse(req, "cannot check the token now: see pkvmd's log");
		return;
	}
	/* An unknown key and a wrong secret read the same. */
	if (err == -ENOENT || !bearer_matches(h, t.hash)) {
		auth_refuse(req, "invalid token");
		goto out;
	}
	now_ms = clock_now_ms();
	if (t.revoked_ms != 0) {
		job_time_format(t.revoked_ms, when, sizeof(when));
		auth_refuse(req, "token %lld was revoked at %s", (long long)t.id, when);
	} else if (t.expires_ms != 0 && now_ms >= t.expires_ms) {
		job_time_format(t.expires_ms, when, sizeof(when));
		auth_refuse(req, "token %lld expired at %s", (long long)t.id, when);
	} else {
		auth_as_token(req, &t, now_ms);
	}
out:
	if (err == 0)
		store_token_clear(&t);
}

bool
http_auth_allowed(struct http_request *req)
{
	const struct http_identity *id = &req->who;
	unsigned need = req->route->scope == HTTP_SCOPE_PUBLIC ? 0 : req->route->scope;

	if (id->bad_credential != NULL) {
		http_reply_error(req, HTTP_ERR_UNAUTHORIZED, NULL, "%s", id->bad_credential);
		goto unauthorized;
	}
	if ((id->scopes & HTTP_SCOPE_ADMIN) || (id->scopes & need) == need)
		return true;
	if (id->user[0] != '\0') {
		http_reply_error(req, HTTP_ERR_FORBIDDEN, NULL,
		    "%s %s needs the '%s' scope, which %s does not have here", req->method,
		    req->path, http_scope_name(need), id->user);
		return false;
	}
	http_reply_error(req, HTTP_ERR_UNAUTHORIZED, NULL,
	    "%s %s needs a token with the '%s' scope (Authorization: Bearer TOKEN)", req->method,
	    req->path, http_scope_name(need));
unauthorized:
	/* RFC 6750: a 401 says which scheme would do. */
	if (req->response != NULL)
		MHD_add_response_header(req->response, "WWW-Authenticate",
		    "Bearer realm=\"pkvmd\"");
	return false;
}

const char *
http_scope_name(unsigned scope)
{
	switch (scope) {
	case HTTP_SCOPE_READ:
		return "read";
	case HTTP_SCOPE_SUBMIT:
		return "submit";
	case HTTP_SCOPE_ADMIN:
		return "admin";
	default:
		return "?";
	}
}

/* The scope names, in the order lists are written. */
static const struct {
	const char *name;
	unsigned bit;
} scope_names[] = {
	{ "read", HTTP_SCOPE_READ },
	{ "submit", HTTP_SCOPE_SUBMIT },
	{ "admin", HTTP_SCOPE_ADMIN },
};

int
http_scope_parse(const char *name, size_t len, unsigned *bit)
{
	for (size_t i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++) {
		if (strlen(scope_names[i].name) == len &&
		    strncmp(scope_names[i].name, name, len) == 0) {
			*bit = scope_names[i].bit;
			return 0;
		}
	}
	return -EINVAL;
}

int
http_scopes_parse(const char *text, unsigned *scopes)
{
	unsigned bit;

	*scopes = 0;
	while (text != NULL && *text != '\0') {
		size_t len = strcspn(text, ",");

		if (http_scope_parse(text, len, &bit) < 0)
			return -EINVAL;
		*scopes |= bit;
		text += len + (text[len] == ',');
	}
	if (*scopes & HTTP_SCOPE_ADMIN)
		*scopes |= HTTP_SCOPE_READ | HTTP_SCOPE_SUBMIT;
	return *scopes != 0 ? 0 : -EINVAL;
}

void
http_scopes_text(unsigned scopes, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if ((scopes & scope_names[i].bit) && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
			    scope_names[i].name);
}

json_t *
http_scopes_json(unsigned scopes)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if (scopes & scope_names[i].bit)
			json_array_append_new(a, json_string(scope_names[i].name));
	return a;
}

const char *
http_request_owner(struct http_request *req)
{
	return req->who.user[0] != '\0' ? req->who.user : "anonymous";
}

const char *
http_request_via(struct http_request *req)
{
	return req->who.via;
}

const char *
http_request_user(struct http_request *req)
{
	return req->who.user[0] != '\0' ? req->who.user : NULL;
}

unsigned
http_request_scopes(struct http_request *req)
{
	return req->who.scopes;
}

int64_t
http_request_token(struct http_request *req)
{
	return req->who.token_id;
}

bool
http_request_is_admin(struct http_request *req)
{
	return (req->who.scopes & HTTP_SCOPE_ADMIN) != 0;
}

bool
http_request_may_change(struct http_request *req, const char *owner)
{
	if (http_request_is_admin(req))
		return true;
	return (req->who.scopes & HTTP_SCOPE_SUBMIT) && req->who.user[0] != '\0' && owner != NULL &&
	    strcmp(owner, req->who.user) == 0;
}
