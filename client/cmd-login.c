/*
 * cmd-login.c -- pkvmctl login URL: check a token against a server and
 * remember both, so that later commands need neither --url nor a token.
 *
 * The token is read from --token-file or standard input (never from the
 * command line, where other users see it in ps).  It is checked with GET
 * /v1/whoami before anything is saved, so a typo does not replace a
 * working login; client.conf is then written atomically, mode 0600
 * (conf.c).  The CA file given with the global --cacert is saved with it,
 * as an absolute path, since later commands run from anywhere.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "output.h"
#include "wire.h"

enum { OPT_TOKEN_FILE = 256 };

static const struct cmd_option login_options[] = {
	{ .key = OPT_TOKEN_FILE, .long_name = "token-file", .has_arg = true },
	{ 0 },
};

/* Ask URL who TOKEN is, verifying TLS with CACERT: 0 with *WHO set, or an
 * exit code after saying why. */
static int
login_check(const char *url, const char *token, const char *cacert, json_t **who)
{
	struct api a;
	const char *via;
	int err, rc = 0;

	*who = NULL;
	if ((err = api_open(&a, NULL, url)) < 0 || (err = api_set_auth(&a, token, cacert)) < 0) {
		fprintf(stderr, "pkvmctl: %s\n", a.message ? a.message : strerror(-err));
		rc = err == -EINVAL ? PKVM_EXIT_USAGE : PKVM_EXIT_INFRA;
	} else if ((err = api_request(&a, "GET", PKVM_API_PREFIX "/whoami", NULL, who)) < 0) {
		rc = api_fail(&a, err);
	} else if ((via = job_str(*who, "via")) == NULL || strncmp(via, "token:", 6) != 0) {
		fprintf(stderr, "pkvmctl: %s did not take the token (it says: via %s)\n", url,
		    via ? via : "?");
		rc = PKVM_EXIT_INFRA;
	}
	if (rc != 0) {
		json_decref(*who);
		*who = NULL;
	}
	api_close(&a);
	return rc;
}

static int
login_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	const char *url = NULL, *file = "-";
	char cacert[PATH_MAX], path[PATH_MAX], *cause = NULL;
	struct client_conf conf = { 0 };
	json_t *who = NULL;
	int rc;

	for (int i = 0; i < args->n; i++) {
		if (args->v[i].key == OPT_TOKEN_FILE)
			file = args->v[i].value;
		else if (url == NULL)
			url = args->v[i].value;
		else
			return cmd_usage_error(self, "unexpected argument '%s'", args->v[i].value);
	}
	if (url == NULL)
		return cmd_usage_error(self, "login needs the server's URL");
	if (api->cacert != NULL && realpath(api->cacert, cacert) == NULL) {
		fprintf(stderr, "pkvmctl: cannot find --cacert %s: %s\n", api->cacert,
		    strerror(errno));
		return PKVM_EXIT_USAGE;
	}
	if (strcmp(file, "-") == 0 && isatty(STDIN_FILENO))
		fprintf(stderr, "token for %s: ", url);
	if (conf_read_token(file, &conf.token, &cause) < 0) {
		fprintf(stderr, "pkvmctl: %s\n", cause ? cause : "cannot read the token");
		free(cause);
		return PKVM_EXIT_USAGE;
	}
	conf.cacert = api->cacert != NULL ? strdup(cacert) : NULL;
	conf.url = strdup(url);
	if (conf.url == NULL || (api->cacert != NULL && conf.cacert == NULL)) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	if ((rc = login_check(conf.url, conf.token, conf.cacert, &who)) != 0)
		goto out;
	if (conf_save(&conf, &cause) < 0) {
		fprintf(stderr, "pkvmctl: %s\n", cause ? cause : "cannot save the login");
		rc = PKVM_EXIT_INFRA;
		goto out;
	}
	conf_path(path, sizeof(path));
	printf("logged in to %s as %s (%s); saved in %s\n", url,
	    job_str(who, "user") ? job_str(who, "user") : "?", job_str(who, "via"), path);
out:
	free(cause);
	json_decref(who);
	conf_free(&conf);
	return rc;
}

const struct cmd_entry cmd_login_entry = {
	.name = "login",
	.alias = NULL,
	.args = "URL [--token-file FILE]",
	.summary = "check a token against a server and remember both",
	.details = "Reads the token from FILE or standard input, checks it with the server\n"
		   "(GET /v1/whoami), then saves URL and token in\n"
		   "$XDG_CONFIG_HOME/pkvmd/client.conf (default ~/.config/pkvmd/), mode\n"
		   "0600.  Later commands without --url or --socket talk to URL with it.\n"
		   "Give --cacert FILE before 'login' for a server whose certificate the\n"
		   "system's CAs do not sign; it is saved too.\n"
		   "\n"
		   "options:\n"
		   "  --token-file FILE   read the token from FILE (default: standard input)\n",
	.options = login_options,
	.takes_rest = false,
	.exec = login_exec,
};
