/*
 * cmd-monitor.c -- pkvmctl monitor: QEMU monitor commands on a running
 * job (POST /v1/jobs/ID/monitor).
 *
 * With a command (the words after the id, joined by spaces; put "--"
 * before one that has options, e.g. `-- dump-guest-memory -p mem.elf`),
 * it is sent once and its output printed.  Without one, a prompt reads a
 * line at a time from stdin, sends it and prints the answer, until "quit"
 * or the end of the input; a refused command is said and the prompt goes
 * on.  The server decides what is allowed (docs/INTERACTIVE.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "wire.h"

/* Send LINE to job ID's monitor and print the answer: 0, or the exit code
 * of the failure after saying why. */
static int
monitor_send(struct api *api, int64_t id, const char *line)
{
	json_t *body = json_pack("{s:s}", "command", line), *reply = NULL, *file;
	const char *out;
	char path[96];
	size_t len;
	int err;

	if (body == NULL) {
		fprintf(stderr, "pkvmctl: out of memory\n");
		return PKVM_EXIT_INFRA;
	}
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld/monitor", (long long)id);
	err = api_request(api, "POST", path, body, &reply);
	json_decref(body);
	if (err < 0)
		return api_fail(api, err);
	out = json_string_value(json_object_get(reply, "output"));
	if (out != NULL && (len = strlen(out)) > 0) {
		fputs(out, stdout);
		/* HMP ends its lines with CR LF; the last may have none. */
		if (out[len - 1] != '\n')
			fputc('\n', stdout);
	}
	if ((file = json_object_get(reply, "file")) != NULL)
		printf("wrote %s (%lld bytes): pkvmctl artifacts %lld get %s\n",
		    json_string_value(json_object_get(file, "name")),
		    (long long)json_integer_value(json_object_get(file, "size")), (long long)id,
		    json_string_value(json_object_get(file, "name")));
	fflush(stdout);
	json_decref(reply);
	return 0;
}

static int
monitor_prompt(struct api *api, int64_t id)
{
	bool tty = isatty(STDIN_FILENO);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (tty)
		fprintf(stderr, "job %lld's QEMU monitor; \"quit\" or Ctrl-D leaves\n",
		    (long long)id);
	for (;;) {
		if (tty) {
			fputs("(qemu) ", stdout);
			fflush(stdout);
		}
		if ((n = getline(&line, &cap, stdin)) < 0)
			break;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (strcmp(line, "quit") == 0 || strcmp(line, "q") == 0)
			break;
		rc = monitor_send(api, id, line);
		/* A refused command is said, and the prompt goes on; a job
		 * that is gone ends it. */
		if (rc != 0 && api->status != 400 && api->status != 403 && api->status != 413)
			break;
	}
	if (tty)
		fputc('\n', stdout);
	free(line);
	return rc;
}

static int
monitor_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	char line[1100] = "";
	int64_t id;
	int npos = 0, rc;

	for (int i = 0; i < args->n; i++) {
		const char *v = args->v[i].value;

		if (args->v[i].key != CMD_ARG_POSITIONAL)
			continue;
		if (npos++ == 0) {
			if ((rc = cmd_parse_id(v, &id)) != 0)
				return rc;
			continue;
		}
		if (strlen(line) + strlen(v) + 2 > sizeof(line))
			return cmd_usage_error(self, "the command is too long");
		if (line[0] != '\0')
			strcat(line, " ");
		strcat(line, v);
	}
	if (npos == 0)
		return cmd_usage_error(self, "a job id is required");
	if (line[0] == '\0')
		return monitor_prompt(api, id);
	return monitor_send(api, id, line);
}

const struct cmd_entry cmd_monitor_entry = {
	.name = "monitor",
	.alias = NULL,
	.args = "ID [COMMAND ...]",
	.summary = "run QEMU monitor commands on a running job",
	.details = "e.g. 'info registers', 'stop', 'cont', 'system_wakeup',\n"
		   "'system_powerdown'; without a command, a prompt.  Put -- before a\n"
		   "command with options.  Admins may also write files into the job's\n"
		   "directory: 'dump-guest-memory NAME', 'screendump NAME' (then\n"
		   "'pkvmctl artifacts ID get _monitor/NAME').\n",
	.options = NULL,
	.takes_rest = false,
	.exec = monitor_exec,
};
