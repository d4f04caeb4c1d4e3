/*
 * job-json.c -- parse and check submitted jobs; render job objects.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job-json.h"

#define BASE_CMDLINE "console=ttyAMA0 panic=-1 kvm-arm.mode=protected"

static int
fail(struct job_json_error *e, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int
get_int(json_t *v, const char *field, long long min, long long max, int *out,
    struct job_json_error *e)
{
	long long x;

	if (!json_is_integer(v))
		return fail(e, "invalid_field", field, "%s must be an integer", field);
	x = json_integer_value(v);
	if (x < min || x > max)
		return fail(e, "invalid_field", field, "%s must be between %lld and %lld, not %lld",
		    field, min, max, x);
	*out = (int)x;
	return 0;
}

static int
get_bool(json_t *v, const char *field, bool *out, struct job_json_error *e)
{
	if (!json_is_boolean(v))
		return fail(e, "invalid_field", field, "%s must be true or false", field);
	*out = json_is_true(v);
	return 0;
}

static bool
seed_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > JOB_SEED_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int
parse_strv(json_t *v, const char *field, size_t max, char ***out, size_t *n,
    bool (*valid)(const char *), struct job_json_error *e)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v))
		return fail(e, "invalid_field", field, "%s must be an array of strings", field);
	if (json_array_size(v) > max)
		return fail(e, "invalid_field", field, "%s has more than %zu entries", field, max);
	*out = calloc(json_array_size(v) + 1, sizeof(char *));
	if (*out == NULL)
		return -ENOMEM;
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x))
			return fail(e, "invalid_field", field, "%s must be an array of strings",
			    field);
		if (valid != NULL && !valid(json_string_value(x)))
			return fail(e, "invalid_field", field, "%s: invalid entry '%.64s'", field,
			    json_string_value(x));
		if (json_string_length(x) > PKVM_APPEND_MAX)
			return fail(e, "invalid_field", field, "%s: entry too long", field);
		(*out)[i] = strdup(json_string_value(x));
		(*n)++;
	}
	return 0;
}

static int
parse_exes(json_t *v, struct job *j, struct job_json_error *e)
{
	size_t i, n = json_array_size(v);
	json_t *x;

	if (!json_is_array(v))
		return fail(e, "invalid_field", "executables", "executables must be an array");
	if (n > PKVM_EXES_MAX)
		return fail(e, "invalid_field", "executables", "at most %d executables per job",
		    PKVM_EXES_MAX);
	j->exes = calloc(n + 1, sizeof(*j->exes));
	if (j->exes == NULL)
		return -ENOMEM;
	json_array_foreach(v, i, x)
	{
		const char *key, *name = NULL, *blob = NULL;
		long long mode = 0755;
		json_t *val;

		if (!json_is_object(x))
			return fail(e, "invalid_field", "executables",
			    "executables[%zu] must be an object", i);
		json_object_foreach(x, key, val)
		{
			if (strcmp(key, "name") == 0 && json_is_string(val))
				name = json_string_value(val);
			else if (strcmp(key, "blob") == 0 && json_is_string(val))
				blob = json_string_value(val);
			else if (strcmp(key, "mode") == 0 && json_is_integer(val))
				mode = json_integer_value(val);
			else if (strcmp(key, "name") == 0 || strcmp(key, "blob") == 0 ||
			    strcmp(key, "mode") == 0)
				return fail(e, "invalid_field", "executables",
				    "executables[%zu].%s has the wrong type", i, key);
			else
				return fail(e, "unknown_field", "executables",
				    "executables[%zu]: unknown field '%.64s'", i, key);
		}
		if (name == NULL || blob == NULL)
			return fail(e, "missing_field", "executables",
			    "executables[%zu] needs a name and a blob", i);
		if (!pkvm_name_valid(name))
			return fail(e, "invalid_field", "executables",
			    "invalid executable name '%.64s': use 1-%d characters of "
			    "A-Z a-z 0-9 . _ + -, not starting with '.' (no '/')",
			    name, PKVM_NAME_MAX);
		if (!pkvm_sha256_hex_valid(blob))
			return fail(e, "invalid_field", "executables",
			    "executables[%zu].blob must be a sha256 in lower-case hex", i);
		if (mode < 0 || mode > 07777)
			return fail(e, "invalid_field", "executables",
			    "executables[%zu].mode must be between 0 and 07777", i);
		for (size_t k = 0; k < j->nexes; k++)
			if (strcmp(j->exes[k].name, name) == 0)
				return fail(e, "invalid_field", "executables",
				    "executable name '%s' appears twice", name);
		j->exes[j->nexes].name = strdup(name);
		if (j->exes[j->nexes].name == NULL)
			return -ENOMEM;
		memcpy(j->exes[j->nexes].blob, blob, 65);
		j->exes[j->nexes].mode = (uint32_t)mode;
		j->nexes++;
	}
	return 0;
}

int
job_from_request(json_t *obj, struct job *j, struct job_json_error *e)
{
	const char *key;
	json_t *v;
	int err = 0;
	bool have_kernel = false;

	json_object_foreach(obj, key, v)
	{
		if (strcmp(key, "kernel") == 0) {
			if (!json_is_string(v) || !pkvm_sha256_hex_valid(json_string_value(v)))
				return fail(e, "invalid_field", key,
				    "kernel must be a blob's sha256 in lower-case hex");
			memcpy(j->kernel, json_string_value(v), 65);
			have_kernel = true;
		} else if (strcmp(key, "executables") == 0) {
			err = parse_exes(v, j, e);
		} else if (strcmp(key, "smp") == 0) {
			err = get_int(v, key, 1, PKVM_SMP_MAX, &j->smp, e);
		} else if (strcmp(key, "mem") == 0) {
			err = get_int(v, key, PKVM_MEM_MIN_MB, PKVM_MEM_MAX_MB, &j->mem_mb, e);
		} else if (strcmp(key, "timeout") == 0) {
			err = get_int(v, key, 1, PKVM_TIMEOUT_MAX_S, &j->timeout_s, e);
		} else if (strcmp(key, "idle_timeout") == 0) {
			err = get_int(v, key, 0, PKVM_TIMEOUT_MAX_S, &j->idle_timeout_s, e);
		} else if (strcmp(key, "debug_port") == 0) {
			if (json_is_null(v))
				continue;
			err = get_int(v, key, 1, 65535, &j->debug_port, e);
		} else if (strcmp(key, "priority") == 0) {
			err = get_int(v, key, JOB_PRIORITY_MIN, JOB_PRIORITY_MAX, &j->priority, e);
		} else if (strcmp(key, "coverage") == 0) {
			err = get_bool(v, key, &j->coverage, e);
		} else if (strcmp(key, "uefi") == 0) {
			err = get_bool(v, key, &j->uefi, e);
		} else if (strcmp(key, "append") == 0) {
			if (!json_is_string(v) || json_string_length(v) > PKVM_APPEND_MAX ||
			    strpbrk(json_string_value(v), "\n\r") != NULL)
				return fail(e, "invalid_field", key,
				    "append must be one line of at most %d characters",
				    PKVM_APPEND_MAX);
			free(j->append);
			j->append = strdup(json_string_value(v));
		} else if (strcmp(key, "seed") == 0) {
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) || !seed_valid(json_string_value(v)))
				return fail(e, "invalid_field", key,
				    "seed must be 1-%d characters of A-Z a-z 0-9 _ -",
				    JOB_SEED_MAX);
			free(j->seed);
			j->seed = strdup(json_string_value(v));
		} else if (strcmp(key, "tags") == 0) {
			err = parse_strv(v, key, PKVM_TAGS_MAX, &j->tags, &j->ntags, pkvm_tag_valid,
			    e);
		} else if (strcmp(key, "qemu_args") == 0) {
			err = parse_strv(v, key, PKVM_QEMU_ARGS_MAX, &j->qemu_args, &j->nqemu_args,
			    NULL, e);
		} else {
			return fail(e, "unknown_field", key, "unknown field '%.64s'", key);
		}
		if (err != 0)
			return err;
	}
	if (!have_kernel)
		return fail(e, "missing_field", "kernel", "kernel is required");
	if (j->append == NULL)
		j->append = strdup("");
	if (j->append == NULL)
		return -ENOMEM;
	return 0;
}

void
job_time_format(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[32];

	gmtime_r(&s, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", tmp, (int)(ms % 1000));
}

static json_t *
time_json(int64_t ms)
{
	char buf[40];

	if (ms == 0)
		return json_null();
	job_time_format(ms, buf, sizeof(buf));
	return json_string(buf);
}

char *
job_cmdline(const struct job *j)
{
	char *s;

	if (asprintf(&s, "%s pkvm.seed=%s%s%s", BASE_CMDLINE, j->seed ? j->seed : "0",
		j->append[0] ? " " : "", j->append) < 0)
		return NULL;
	return s;
}

json_t *
job_to_json(const struct job *j)
{
	json_t *o, *tags, *exes, *qargs;
	const char *result = job_result_name(j->result);
	char *cmdline = job_cmdline(j);

	tags = json_array();
	for (size_t i = 0; i < j->ntags; i++)
		json_array_append_new(tags, json_string(j->tags[i]));
	qargs = json_array();
	for (size_t i = 0; i < j->nqemu_args; i++)
		json_array_append_new(qargs, json_string(j->qemu_args[i]));
	exes = json_array();
	for (size_t i = 0; i < j->nexes; i++)
		json_array_append_new(exes,
		    json_pack("{s:s, s:s, s:i, s:I}", "name", j->exes[i].name, "blob",
			j->exes[i].blob, "mode", (int)j->exes[i].mode, "size",
			(json_int_t)j->exes[i].size));

	o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o,"
		      " s:i, s:i, s:s, s:o, s:i, s:i, s:o, s:b, s:b, s:o, s:o, s:i, s:i,"
		      " s:o, s:I, s:{s:i, s:i, s:i}}",
	    "id", (json_int_t)j->id, "owner", j->owner ? j->owner : "", "state",
	    job_state_name(j->state), "result", result ? json_string(result) : json_null(),
	    "message", j->message ? json_string(j->message) : json_null(), "created",
	    time_json(j->created_ms), "started", time_json(j->started_ms), "finished",
	    time_json(j->finished_ms), "tags", tags, "kernel", j->kernel, "executables", exes,
	    "smp", j->smp, "mem", j->mem_mb, "append", j->append ? j->append : "", "cmdline",
	    cmdline ? json_string(cmdline) : json_null(), "timeout", j->timeout_s, "idle_timeout",
	    j->idle_timeout_s, "debug_port",
	    j->debug_port ? json_integer(j->debug_port) : json_null(), "coverage", j->coverage,
	    "uefi", j->uefi, "seed", j->seed ? json_string(j->seed) : json_null(), "qemu_args",
	    qargs, "priority", j->priority, "attempt", j->attempt, "exit_status",
	    j->has_exit_status ? json_integer(j->exit_status) : json_null(), "console_bytes",
	    (json_int_t)j->console_bytes, "tests", "total", j->tests_total, "passed",
	    j->tests_passed, "failed", j->tests_failed);
	free(cmdline);
	return o;
}
