/*
 * pkvmctl.c -- the command-line client of pkvmd: global options, then one
 * command.
 *
 * Global options say where the daemon is and how to show who we are, and
 * must come before the command:
 *
 *     pkvmctl [--socket PATH | --url URL] [--token-file FILE] [--cacert FILE]
 *             COMMAND [ARGS]
 *
 * The command line beats the environment, which beats what `pkvmctl
 * login` saved (conf.h), and within each a URL beats a socket: --url, then
 * --socket, then $PKVM_URL, then $PKVM_SOCKET, then the saved URL, then
 * PKVM_DEFAULT_SOCKET.  The token is --token-file's, then $PKVM_TOKEN,
 * then the saved one, but the saved token only ever goes to the saved URL:
 * `--url` naming another server must not hand it a token meant for this
 * one.  The token is sent only over TCP (api.c).  Everything after the
 * global options is handed to cmd_run(), which finds the command and runs
 * it; its return value is the exit code (enum pkvm_exit in wire.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
#include "conf.h"
#include "wire.h"

/* The value of global option NAME at ARGV[*I] ("--name V" or "--name=V"),
 * advancing *I; NULL when ARGV[*I] is not that option. */
static const char *
global_value(const char *name, int argc, char **argv, int *i, int *err)
{
	size_t len = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, len) != 0)
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (a[len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "pkvmctl: option '%s' needs a value\n", name);
		*err = 1;
		return NULL;
	}
	return argv[++*i];
}

/* "pkvmctl --version" runs "pkvmctl version". */
static char version_name[] = "version";
static char *version_argv[] = { version_name, NULL };

/* An environment variable, NULL when unset or empty. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Point API where the options, the environment or the saved login say,
 * with the token and CA file that go with it; 0, or an exit code after
 * saying why. */
static int
open_api(struct api *api, const char *socket_path, const char *url, const char *token_file,
    const char *cacert)
{
	struct client_conf conf = { 0 };
	const char *token = NULL;
	char *cause = NULL, *from_file = NULL;
	int rc;

	if (socket_path == NULL && url == NULL) {
		url = env("PKVM_URL");
		if (url == NULL)
			socket_path = env("PKVM_SOCKET");
	}
	rc = conf_load(&conf, &cause);
	if (rc < 0 && rc != -ENOENT)
		fprintf(stderr, "pkvmctl: ignoring the saved login: %s\n", cause ? cause : "");
	free(cause);
	cause = NULL;
	if (socket_path == NULL && url == NULL && conf.url != NULL)
		url = conf.url;
	if (socket_path == NULL && url == NULL)
		socket_path = PKVM_DEFAULT_SOCKET;
	if (token_file != NULL) {
		if (conf_read_token(token_file, &from_file, &cause) < 0) {
			fprintf(stderr, "pkvmctl: %s\n", cause ? cause : "cannot read the token");
			free(cause);
			conf_free(&conf);
			memset(api, 0, sizeof(*api));
			return PKVM_EXIT_USAGE;
		}
		token = from_file;
	} else if ((token = env("PKVM_TOKEN")) == NULL && url != NULL && conf.url != NULL &&
	    strcmp(url, conf.url) == 0) {
		token = conf.token;
		if (cacert == NULL)
			cacert = conf.cacert;
	}
	rc = api_open(api, socket_path, url);
	if (rc == 0)
		rc = api_set_auth(api, token, cacert);
	if (from_file != NULL)
		explicit_bzero(from_file, strlen(from_file));
	free(from_file);
	conf_free(&conf);
	if (rc < 0) {
		fprintf(stderr, "pkvmctl: %s\n", api->message ? api->message : strerror(-rc));
		return rc == -EINVAL ? PKVM_EXIT_USAGE : PKVM_EXIT_INFRA;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *socket_path = NULL, *url = NULL, *token_file = NULL, *cacert = NULL, *v;
	struct api api;
	int i, err = 0, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cmd_print_usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			argv = version_argv;
			argc = 1;
			i = 0;
			break;
		}
		if ((v = global_value("--socket", argc, argv, &i, &err)) != NULL) {
			socket_path = v;
			continue;
		}
		if ((v = global_value("--url", argc, argv, &i, &err)) != NULL) {
			url = v;
			continue;
		}
		if ((v = global_value("--token-file", argc, argv, &i, &err)) != NULL) {
			token_file = v;
			continue;
		}
		if ((v = global_value("--cacert", argc, argv, &i, &err)) != NULL) {
			cacert = v;
			continue;
		}
		if (err)
			return PKVM_EXIT_USAGE;
		fprintf(stderr, "pkvmctl: unknown option '%s' (see 'pkvmctl help')\n", argv[i]);
		return PKVM_EXIT_USAGE;
	}
	if (err)
		return PKVM_EXIT_USAGE;
	if (i >= argc) {
		cmd_print_usage(stderr);
		return PKVM_EXIT_USAGE;
	}
	if (socket_path != NULL && url != NULL) {
		fprintf(stderr, "pkvmctl: give --socket or --url, not both\n");
		return PKVM_EXIT_USAGE;
	}
	if ((rc = open_api(&api, socket_path, url, token_file, cacert)) != 0) {
		api_close(&api);
		return rc;
	}
	rc = cmd_run(&api, argc - i, argv + i);
	api_close(&api);
	return rc;
}
