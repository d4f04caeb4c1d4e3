/*
 * debug.c -- GET /v1/jobs/ID/gdb: how to reach a `-d PORT` job's gdb stub,
 * and whether a debugger is on it (pkvmctl gdb).
 *
 * qemu's stub listens on the server's loopback only (executor-qemu.c), so
 * a user on another machine needs a tunnel; the reply gives the port and
 * the command to run on the server, and the client adds the tunnel for a
 * TCP user.  A debugger is attached when a TCP connection to the port is
 * established, which /proc/net/tcp tells (run/procs.c): qemu's stub takes
 * one debugger at a time.
 */
#include <stdio.h>

#include "http/handlers.h"
#include "job/job.h"
#include "run/console-taps.h"
#include "run/procs.h"
#include "run/runner.h"

void
http_job_gdb(struct http_request *req)
{
	struct http_env *d = http_request_env(req);
	char cmd[128];
	struct job *j;
	int64_t id;
	bool running;
	int attached;

	if (!http_job_id_param(req, &id))
		return;
	if ((j = http_job_load(req, id)) == NULL)
		return;
	if (j->debug_port == 0) {
		http_reply_error(req, HTTP_ERR_CONFLICT, NULL,
		    "job %lld has no gdb stub: submit with -d PORT to debug it", (long long)id);
		job_free(j);
		return;
	}
	running = runner_console_taps(d->runner, id) != NULL;
	attached = running ? procs_tcp_port_connected(j->debug_port) : 0;
	snprintf(cmd, sizeof(cmd), "gdb-multiarch -ex 'target remote 127.0.0.1:%d' vmlinux",
	    j->debug_port);
	http_reply_json(req, 200,
	    json_pack("{s:I, s:i, s:s, s:b, s:b, s:s}", "id", (json_int_t)id, "port", j->debug_port,
		"host", "127.0.0.1", "running", running, "attached", attached > 0, "command", cmd));
	job_free(j);
}
