/*
 * pkvmctl.c -- the command-line client of pkvmd: global options, then one
 * command.
 *
 * Global options say where the daemon is and must come before the command:
 *
 *     pkvmctl [--socket PATH | --url URL] COMMAND [ARGS]
 *
 * The command line beats the environment, and within each a URL beats a
 * socket: --url, then --socket, then $PKVM_URL, then $PKVM_SOCKET, then
 * PKVM_DEFAULT_SOCKET.  Everything after the global options is handed to
 * cmd_run(), which finds the command and runs it; its return value is the
 * exit code (enum pkvm_exit in wire.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cmd.h"
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

int
main(int argc, char **argv)
{
	const char *socket_path = NULL, *url = NULL, *v;
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
	if (socket_path == NULL && url == NULL) {
		url = getenv("PKVM_URL");
		if (url != NULL && url[0] == '\0')
			url = NULL;
		if (url == NULL)
			socket_path = getenv("PKVM_SOCKET");
		if (socket_path != NULL && socket_path[0] == '\0')
			socket_path = NULL;
		if (url == NULL && socket_path == NULL)
			socket_path = PKVM_DEFAULT_SOCKET;
	}
	rc = api_open(&api, socket_path, url);
	if (rc < 0) {
		fprintf(stderr, "pkvmctl: %s\n", api.message);
		api_close(&api);
		return rc == -EINVAL ? PKVM_EXIT_USAGE : PKVM_EXIT_INFRA;
	}
	rc = cmd_run(&api, argc - i, argv + i);
	api_close(&api);
	return rc;
}
