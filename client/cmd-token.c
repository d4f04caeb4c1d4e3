/*
 * cmd-token.c -- pkvmctl token create|list|revoke: bearer tokens for TCP
 * clients (docs/API.md, "Authentication").
 *
 * `create` prints the token alone on stdout, so that
 * `pkvmctl token create --user ci > ci.token` keeps nothing else, and what
 * it is for on stderr: the server shows a token once and keeps only its
 * hash, so a token not saved now is lost.  Without --scope a token gets
 * read and submit, what a user on the Unix socket holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_USER = 256, OPT_SCOPE, OPT_EXPIRES, OPT_JSON };

static const struct cmd_option token_options[] = {
	{ .key = OPT_USER, .long_name = "user", .short_name = 'u', .has_arg = true },
	{ .key = OPT_SCOPE, .long_name = "scope", .has_arg = true },
	{ .key = OPT_EXPIRES, .long_name = "expires", .has_arg = true },
	{ .key = OPT_JSON, .long_name = "json" },
	{ 0 },
};

/* The longest --expires: ten years, as the server allows. */
#define EXPIRES_MAX_S (10LL * 366 * 24 * 3600)

/* Parse --expires S ("90d", "12h", "30m", "45s"; a bare number is seconds)
 * into seconds; 0, or PKVM_EXIT_USAGE after saying why. */
static int
parse_expires(const char *s, long long *out)
{
	static const struct {
		char unit;
		long long s;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char *end;
	long long n, mul = 1;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (end != s && *end != '\0' && end[1] == '\0') {
		mul = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*end == units[i].unit)
				mul = units[i].s;
		end += mul != 0;
	}
	if (s[0] < '0' || s[0] > '9' || end == s || *end != '\0' || errno != 0 || n <= 0 ||
	    mul == 0 || n > EXPIRES_MAX_S / mul) {
		fprintf(stderr,
		    "pkvmctl: invalid --expires '%s' (a number with s, m, h or d, "
		    "e.g. 90d; at most ten years)\n",
		    s);
		return PKVM_EXIT_USAGE;
	}
	*out = n * mul;
	return 0;
}

/* Scope names of T's "scopes" joined by SEP into BUF. */
static void
scopes_join(json_t *t, const char *sep, char *buf, size_t size)
{
	json_t *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(t, "scopes"), i, v)
	{
		if (json_is_string(v) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? sep : "",
			    json_string_value(v));
	}
}

static int
token_create(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	json_t *body = json_object(), *scopes = json_array(), *reply = NULL;
	const char *user = NULL;
	char names[64], expires[64];
	long long expires_s = 0;
	bool json = false;
	int err, rc = 0;

	for (int i = 0; rc == 0 && i < args->n; i++) {
		const char *v = args->v[i].value;

		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (i > 0)
				rc = cmd_usage_error(self, "unexpected argument '%s'", v);
			break;
		case OPT_USER:
			user = v;
			break;
		case OPT_SCOPE:
			json_array_append_new(scopes, json_string(v));
			break;
		case OPT_EXPIRES:
			rc = parse_expires(v, &expires_s);
			break;
		case OPT_JSON:
			json = true;
			break;
		}
	}
	if (rc == 0 && user == NULL)
		rc = cmd_usage_error(self, "token create needs --user USER");
	if (rc != 0)
		goto out;
	json_object_set_new(body, "user", json_string(user));
	if (json_array_size(scopes) > 0)
		json_object_set(body, "scopes", scopes);
	if (expires_s > 0)
		json_object_set_new(body, "expires_in_s", json_integer(expires_s));
	if ((err = api_request(api, "POST", PKVM_API_PREFIX "/tokens", body, &reply)) < 0) {
		rc = api_fail(api, err);
		goto out;
	}
	if (json) {
		rc = output_json(reply) < 0 ? PKVM_EXIT_INFRA : 0;
		goto out;
	}
	if (job_str(reply, "token") == NULL) {
		fprintf(stderr, "pkvmctl: bad answer from pkvmd: no token\n");
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	scopes_join(reply, ", ", names, sizeof(names));
	job_time(reply, "expires", true, expires, sizeof(expires));
	printf("%s\n", job_str(reply, "token"));
	fflush(stdout);
	fprintf(stderr,
	    "token %lld for %s (%s), expires %s: save it now, pkvmd shows it only "
	    "once\n",
	    (long long)json_integer_value(json_object_get(reply, "id")), user, names,
	    strcmp(expires, "-") == 0 ? "never" : expires);
out:
	json_decref(reply);
	json_decref(scopes);
	json_decref(body);
	return rc;
}

/* One token's row in `token list`. */
static int
token_row(struct table *t, json_t *tok)
{
	char id[24], scopes[64], created[32], expires[32], used[32], revoked[32];
	const char *cells[] = { id, job_str(tok, "user"), scopes, created, expires, used, revoked };

	job_int_format(tok, "id", id, sizeof(id));
	scopes_join(tok, ",", scopes, sizeof(scopes));
	job_time(tok, "created", false, created, sizeof(created));
	job_time(tok, "expires", false, expires, sizeof(expires));
	job_time(tok, "last_used", false, used, sizeof(used));
	job_time(tok, "revoked", false, revoked, sizeof(revoked));
	return table_add_row(t, cells);
}

static const char *const token_headers[] = { "ID", "USER", "SCOPES", "CREATED", "EXPIRES",
	"LAST-USED", "REVOKED" };

static const struct output_table token_table = {
	.ncols = 7,
	.headers = token_headers,
	.right = 1u << 0,
	.empty = NULL,
	.row = token_row,
};

static int
token_list(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char query[256] = "", path[300];
	bool json = false;

	for (int i = 0; i < args->n; i++) {
		const char *v = args->v[i].value;

		switch (args->v[i].key) {
		case CMD_ARG_POSITIONAL:
			if (i > 0)
				return cmd_usage_error(self, "unexpected argument '%s'", v);
			break;
		case OPT_USER:
			if (api_query_add(query, sizeof(query), "user", v) < 0) {
				fprintf(stderr, "pkvmctl: out of memory\n");
				return PKVM_EXIT_INFRA;
			}
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return cmd_usage_error(self, "token list takes only --user and --json");
		}
	}
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/tokens%s", query);
	return output_show_table(api, path, "tokens", json, &token_table);
}

static int
token_revoke(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *idtext = NULL;
	char path[64];
	int64_t id;
	int err;

	for (int i = 1; i < args->n; i++) {
		if (args->v[i].key != CMD_ARG_POSITIONAL || idtext != NULL)
			return cmd_usage_error(self, "token revoke takes one token id");
		idtext = args->v[i].value;
	}
	if (idtext == NULL)
		return cmd_usage_error(self, "token revoke needs the token's id");
	/* A token id is a positive number, like a job's. */
	if (cmd_parse_id(idtext, &id) != 0)
		return PKVM_EXIT_USAGE;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/tokens/%lld", (long long)id);
	if ((err = api_request(api, "DELETE", path, NULL, NULL)) < 0)
		return api_fail(api, err);
	printf("token %lld revoked\n", (long long)id);
	return 0;
}

static int
token_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *sub = args->n > 0 && args->v[0].key == CMD_ARG_POSITIONAL ? args->v[0].value
									      : NULL;

	if (sub == NULL)
		return cmd_usage_error(self, "say create, list or revoke");
	if (strcmp(sub, "create") == 0)
		return token_create(self, api, args);
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
		return token_list(self, api, args);
	if (strcmp(sub, "revoke") == 0)
		return token_revoke(self, api, args);
	return cmd_usage_error(self, "unknown token command '%s' (create, list or revoke)", sub);
}

const struct cmd_entry cmd_token_entry = {
	.name = "token",
	.alias = NULL,
	.args = "create --user USER [--scope SCOPE]... [--expires N{s,m,h,d}] [--json]\n"
		"       pkvmctl token list [--user USER] [--json]\n"
		"       pkvmctl token revoke ID",
	.summary = "make, list or revoke bearer tokens for TCP clients",
	.details = "A token acts for its user with its scopes: read (jobs, logs, results),\n"
		   "submit (uploads, jobs, cancelling one's own) and admin (everything,\n"
		   "anyone's jobs, everyone's tokens).  Only admins make tokens for other\n"
		   "users; others make them for themselves with scopes they hold.\n"
		   "\n"
		   "options:\n"
		   "  -u, --user USER     whose jobs the token acts for (create), or\n"
		   "                      whose tokens to list (admins)\n"
		   "  --scope SCOPE       read, submit or admin; repeat for more\n"
		   "                      (default: read and submit)\n"
		   "  --expires N{s,m,h,d}  expire after N seconds, minutes, hours or days\n"
		   "                      (default: never)\n"
		   "  --json              print the answer as JSON\n"
		   "\n"
		   "create prints the token alone on stdout; it is shown only once.\n",
	.options = token_options,
	.takes_rest = false,
	.exec = token_exec,
};
