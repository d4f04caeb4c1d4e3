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
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "http/private.h"

/* Groups a user may be in that we look at for --admin-group. */
#define MAX_GROUPS 256

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
}

void
http_auth_tcp(struct http_request *req)
{
	struct http_identity *id = &req->who;
	struct http_env *d = http_request_env(req);

	snprintf(id->via, sizeof(id->via), "anonymous");
	id->scopes = d->public_read ? HTTP_SCOPE_READ : 0;
	if (http_request_header(req, "Authorization") == NULL)
		return;
	/* Bearer tokens come with the store's token table. */
	id->bad_credential = "bearer tokens are not enabled on this server";
}

bool
http_auth_allowed(struct http_request *req)
{
	const struct http_identity *id = &req->who;
	unsigned need = req->route->scope == HTTP_SCOPE_PUBLIC ? 0 : req->route->scope;

	if (id->bad_credential != NULL) {
		http_reply_error(req, HTTP_ERR_UNAUTHORIZED, NULL, "%s", id->bad_credential);
		return false;
	}
	if ((id->scopes & HTTP_SCOPE_ADMIN) || (id->scopes & need) == need)
		return true;
	if (id->user[0] == '\0')
		http_reply_error(req, HTTP_ERR_UNAUTHORIZED, NULL,
		    "%s %s needs a token with the '%s' scope (Authorization: Bearer TOKEN)",
		    req->method, req->path, http_scope_name(need));
	else
		http_reply_error(req, HTTP_ERR_FORBIDDEN, NULL,
		    "%s %s needs the '%s' scope, which %s does not have here", req->method,
		    req->path, http_scope_name(need), id->user);
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
