/*
 * cmd-gdb.c -- pkvmctl gdb: how to debug a job started with -d PORT.
 *
 * qemu's gdb stub listens on the server's loopback (GET /v1/jobs/ID/gdb):
 * on the Unix socket the server is this machine and the command works as
 * printed; over TCP the stub is reached through an SSH tunnel to the
 * server, which this prints too.  It also says whether a debugger is on
 * the stub now (it takes one at a time).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "wire.h"

static const struct cmd_option gdb_options[] = {
	{ .key = 'j', .long_name = "json", .short_name = 'j' },
	{ 0 },
};

static int
gdb_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	json_t *reply = NULL;
	char path[96], host[256] = "SERVER";
	const char *h, *e;
	long long port;
	int64_t id;
	int err, rc;

	if ((rc = cmd_args_one_id(self, args, &id)) != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/gdb", (long long)id);
	if ((err = api_request(api, "GET", path, NULL, &reply)) < 0)
		return api_fail(api, err);
	if (cmd_args_flag(args, 'j')) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(reply);
		return 0;
	}
	port = json_integer_value(json_object_get(reply, "port"));
	printf("%s\n", json_string_value(json_object_get(reply, "command")));
	if (api->socket_path == NULL) {
		/* The stub is on the server's loopback: a tunnel brings it here. */
		h = strstr(api->base_url, "://");
		h = h != NULL ? h + 3 : api->base_url;
		e = h + strcspn(h, ":/");
		if (*h == '[')
			e = strchr(h, ']') != NULL ? strchr(h, ']') + 1 : e;
		snprintf(host, sizeof(host), "%.*s", (int)(e - h), h);
		printf("# from this machine: ssh -N -L %lld:127.0.0.1:%lld %s, then the command "
		       "above\n",
		    port, port, host);
	}
	if (!json_is_true(json_object_get(reply, "running")))
		printf("job %lld is not running\n", (long long)id);
	else
		printf("debugger: %s\n",
		    json_is_true(json_object_get(reply, "attached"))
			? "attached"
			: "none attached (qemu waits for one)");
	json_decref(reply);
	return 0;
}

const struct cmd_entry cmd_gdb_entry = {
	.name = "gdb",
	.alias = NULL,
	.args = "[-j|--json] ID",
	.summary = "print the gdb command for a job started with -d PORT",
	.details = "options:\n"
		   "  -j, --json         the server's answer as JSON\n",
	.options = gdb_options,
	.takes_rest = false,
	.exec = gdb_exec,
};
