/*
 * cmd-status.c -- pkvmctl status: one job, as "key: value" lines.
 *
 * The human form picks the fields people look at first (where the job is,
 * why it did not pass, how long it took, what it ran); --json prints the
 * server's job object unchanged for everything else.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "wire.h"

enum { OPT_JSON = 256 };

static const struct cmd_option status_options[] = {
	{ .key = OPT_JSON, .long_name = "json" },
	{ 0 },
};

static void
line(const char *key, const char *value)
{
	printf("%-10s %s\n", key, value != NULL ? value : "-");
}

/* One line per disk (docs/DISKS.md): "vda: raw, 32.0 MiB, overlay kept". */
static void
status_disks(json_t *job)
{
	bool keep = json_is_true(json_object_get(job, "keep_disk"));
	json_t *disks = json_object_get(job, "disks"), *d;
	char label[16], buf[128];
	long long size;
	size_t i;

	json_array_foreach(disks, i, d)
	{
		bool ro = json_is_true(json_object_get(d, "readonly"));
		const char *fmt = job_str(d, "format");

		if (!job_int(d, "size", &size))
			size = 0;
		snprintf(label, sizeof(label), "vd%c:", (char)('a' + (int)(i % 26)));
		snprintf(buf, sizeof(buf), "%s, %.1f MiB, %s", fmt != NULL ? fmt : "?",
		    (double)size / (1024 * 1024),
		    ro         ? "read-only"
			: keep ? "overlay kept"
			       : "overlay deleted at the end");
		line(label, buf);
	}
	if (job_str(job, "root") != NULL)
		line("root:", job_str(job, "root"));
}

/* A payload job's payloads (docs/PAYLOADS.md), one a line: name, format,
 * CPUs and arguments. */
static void
status_payloads(json_t *payloads)
{
	char buf[512];
	long long smp;
	size_t i;
	json_t *p;

	json_array_foreach(payloads, i, p)
	{
		const char *append = job_str(p, "append");

		if (!job_int(p, "smp", &smp))
			smp = 0;
		snprintf(buf, sizeof(buf), "%s (%s, smp %lld%s%s%s)", job_str(p, "name"),
		    job_str(p, "format") ? job_str(p, "format") : "?", smp,
		    append && append[0] ? ", append '" : "", append && append[0] ? append : "",
		    append && append[0] ? "'" : "");
		line(i == 0 ? "payloads:" : "", buf);
	}
}

/* The attempts the infrastructure ended, one a line: "1: error: why". */
static void
status_attempts(json_t *attempts)
{
	char buf[640];
	long long n;
	size_t i;
	json_t *t;

	json_array_foreach(attempts, i, t)
	{
		if (!job_int(t, "attempt", &n))
			n = 0;
		snprintf(buf, sizeof(buf), "%lld: %s: %s", n, job_str(t, "result"),
		    job_str(t, "message") ? job_str(t, "message") : "");
		line(i == 0 ? "retried:" : "", buf);
	}
}

static int
status_print(json_t *job, const void *arg)
{
	char buf[512], buf2[64];
	long long a, b, c;
	const char *s;
	json_t *tests;

	(void)arg;
	job_int_format(job, "id", buf, sizeof(buf));
	line("id:", buf);
	line("state:", job_str(job, "state"));
	line("result:", job_str(job, "result"));
	if (job_str(job, "message") != NULL)
		line("message:", job_str(job, "message"));
	line("owner:", job_str(job, "owner"));
	if (job_str(job, "via") != NULL)
		line("via:", job_str(job, "via"));
	line("priority:", job_str(job, "priority"));
	s = job_str(job, "kernel");
	snprintf(buf, sizeof(buf), "%.12s", s != NULL ? s : "-");
	line("kernel:", buf);
	if (job_int(job, "smp", &a) && job_int(job, "mem", &b))
		snprintf(buf, sizeof(buf), "%lld cpu%s, %lld MB", a, a == 1 ? "" : "s", b);
	else
		snprintf(buf, sizeof(buf), "-");
	line("smp/mem:", buf);
	job_time(job, "created", true, buf, sizeof(buf));
	line("created:", buf);
	job_time(job, "started", true, buf, sizeof(buf));
	line("started:", buf);
	job_time(job, "finished", true, buf, sizeof(buf));
	line("finished:", buf);
	job_duration(job, buf2, sizeof(buf2));
	line("duration:", buf2);
	tests = json_object_get(job, "tests");
	if (job_int(tests, "passed", &a) && job_int(tests, "failed", &b) &&
	    job_int(tests, "total", &c))
		snprintf(buf, sizeof(buf), "%lld passed, %lld failed, %lld total", a, b, c);
	else
		snprintf(buf, sizeof(buf), "-");
	line("tests:", buf);
	job_tags(job, ", ", buf, sizeof(buf));
	line("tags:", buf);
	if (job_int(job, "attempt", &a) && job_int(job, "max_attempts", &b) && a > 1) {
		snprintf(buf, sizeof(buf), "%lld of %lld", a, b);
		line("attempt:", buf);
	}
	status_attempts(json_object_get(job, "attempts"));
	if (job_str(job, "placement") != NULL)
		line("runs as:", job_str(job, "placement"));
	if (json_is_true(json_object_get(job, "pinned")))
		line("files:", "pinned: kept whatever retention says");
	else if (job_str(job, "pruned") != NULL) {
		job_time(job, "pruned", true, buf2, sizeof(buf2));
		snprintf(buf, sizeof(buf), "pruned at %s (console, artifacts, coverage data)",
		    buf2);
		line("files:", buf);
	}
	status_disks(job);
	if (json_object_get(job, "payloads") != NULL)
		status_payloads(json_object_get(job, "payloads"));
	else
		line("cmdline:", job_str(job, "cmdline"));
	if (json_is_true(json_object_get(job, "interactive")))
		line("console:", "interactive: a shell after the tests (pkvmctl attach ID)");
	return 0;
}

static int
status_exec(const struct cmd_entry *self, struct api *api, struct cmd_args *args)
{
	bool json = cmd_args_flag(args, OPT_JSON);
	char path[64];
	int64_t id;
	int rc;

	rc = cmd_args_one_id(self, args, &id);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), PKVM_API_PREFIX "/jobs/%lld", (long long)id);
	return output_show(api, path, NULL, JSON_OBJECT, json, status_print, NULL);
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.alias = "show",
	.args = "[--json] ID",
	.summary = "show one job",
	.details = "options:\n"
		   "  --json  print the job object as the server sends it\n",
	.options = status_options,
	.takes_rest = false,
	.exec = status_exec,
};
