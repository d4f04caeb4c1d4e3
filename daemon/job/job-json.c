/*
 * job-json.c -- parse and check submitted jobs; render job objects.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extra-path.h"
#include "job/job-json.h"
#include "sha256.h"

/* printk.time=1: every kernel message carries its printk timestamp, which
 * is how the console parser tells the kernel's output inside a test's
 * line (docs/GUEST.md), whatever CONFIG_PRINTK_TIME the kernel has. */
#define BASE_CMDLINE "console=ttyAMA0 panic=-1 printk.time=1 kvm-arm.mode=protected"

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

/* "low", "normal" or "high"; an integer from an older client (-100..100)
 * counts by its sign, so its "higher first" keeps working. */
static int
get_priority(json_t *v, struct job *j, struct job_json_error *e)
{
	int p;

	if (json_is_string(v)) {
		if (job_priority_parse(json_string_value(v), &j->priority) < 0)
			return fail(e, "invalid_field", "priority",
			    "priority must be \"low\", \"normal\" or \"high\"");
		return 0;
	}
	if (!json_is_integer(v))
		return fail(e, "invalid_field", "priority",
		    "priority must be \"low\", \"normal\" or \"high\"");
	if (get_int(v, "priority", JOB_PRIORITY_MIN, JOB_PRIORITY_MAX, &p, e) < 0)
		return -EINVAL;
	j->priority = p < 0 ? JOB_PRIORITY_LOW : p > 0 ? JOB_PRIORITY_HIGH : JOB_PRIORITY_NORMAL;
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

/* A line-based guest file holds it: no newlines, bounded. */
static bool
one_line(const char *s, size_t max)
{
	return strlen(s) <= max && strpbrk(s, "\n\r") == NULL;
}

static bool
env_key_valid(const char *k)
{
	if (!((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_'))
		return false;
	for (const char *c = k; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
			(*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	return strlen(k) <= 128;
}

/* args: an array of one-line strings. */
static int
parse_args(json_t *v, size_t i, struct job_exe *x, struct job_json_error *e)
{
	size_t k;
	json_t *a;

	if (!json_is_array(v) || json_array_size(v) > 256)
		return fail(e, "invalid_field", "executables",
		    "executables[%zu].args must be an array of at most 256 strings", i);
	x->args = calloc(json_array_size(v) + 1, sizeof(char *));
	if (x->args == NULL)
		return -ENOMEM;
	json_array_foreach(v, k, a)
	{
		if (!json_is_string(a) || !one_line(json_string_value(a), PKVM_APPEND_MAX))
			return fail(e, "invalid_field", "executables",
			    "executables[%zu].args[%zu] must be a string without newlines", i, k);
		if ((x->args[x->nargs] = strdup(json_string_value(a))) == NULL)
			return -ENOMEM;
		x->nargs++;
	}
	return 0;
}

/* env: an object of KEY -> one-line string. */
static int
parse_env(json_t *v, size_t i, struct job_exe *x, struct job_json_error *e)
{
	const char *key;
	json_t *val;

	if (!json_is_object(v) || json_object_size(v) > 256)
		return fail(e, "invalid_field", "executables",
		    "executables[%zu].env must be an object of at most 256 strings", i);
	x->env = calloc(json_object_size(v) + 1, sizeof(char *));
	if (x->env == NULL)
		return -ENOMEM;
	json_object_foreach(v, key, val)
	{
		if (!env_key_valid(key))
			return fail(e, "invalid_field", "executables",
			    "executables[%zu].env: invalid variable name '%.64s'", i, key);
		if (!json_is_string(val) || !one_line(json_string_value(val), PKVM_APPEND_MAX))
			return fail(e, "invalid_field", "executables",
			    "executables[%zu].env.%s must be a string without newlines", i, key);
		if (asprintf(&x->env[x->nenv], "%s=%s", key, json_string_value(val)) < 0)
			return -ENOMEM;
		x->nenv++;
	}
	return 0;
}

static int
parse_exe(json_t *x, size_t i, struct job *j, struct job_json_error *e)
{
	struct job_exe *exe = &j->exes[j->nexes];
	const char *key, *name = NULL, *blob = NULL;
	long long mode = 0755, timeout = 0;
	json_t *val, *args = NULL, *env = NULL;
	int err;

	if (!json_is_object(x))
		return fail(e, "invalid_field", "executables", "executables[%zu] must be an object",
		    i);
	json_object_foreach(x, key, val)
	{
		if (strcmp(key, "name") == 0 && json_is_string(val))
			name = json_string_value(val);
		else if (strcmp(key, "blob") == 0 && json_is_string(val))
			blob = json_string_value(val);
		else if (strcmp(key, "mode") == 0 && json_is_integer(val))
			mode = json_integer_value(val);
		else if (strcmp(key, "timeout") == 0 && json_is_integer(val))
			timeout = json_integer_value(val);
		else if (strcmp(key, "args") == 0)
			args = val;
		else if (strcmp(key, "env") == 0)
			env = val;
		else if (strcmp(key, "name") == 0 || strcmp(key, "blob") == 0 ||
		    strcmp(key, "mode") == 0 || strcmp(key, "timeout") == 0)
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
	if (timeout < 0 || timeout > PKVM_TIMEOUT_MAX_S)
		return fail(e, "invalid_field", "executables",
		    "executables[%zu].timeout must be between 0 and %d seconds", i,
		    PKVM_TIMEOUT_MAX_S);
	for (size_t k = 0; k < j->nexes; k++)
		if (strcmp(j->exes[k].name, name) == 0)
			return fail(e, "invalid_field", "executables",
			    "executable name '%s' appears twice", name);
	if ((exe->name = strdup(name)) == NULL)
		return -ENOMEM;
	j->nexes++;
	memcpy(exe->blob, blob, SHA256_HEX_LEN + 1);
	exe->mode = (uint32_t)mode;
	exe->timeout_s = (int)timeout;
	if (args != NULL && (err = parse_args(args, i, exe, e)) != 0)
		return err;
	if (env != NULL && (err = parse_env(env, i, exe, e)) != 0)
		return err;
	return 0;
}

static int
parse_exes(json_t *v, struct job *j, struct job_json_error *e)
{
	size_t i, n = json_array_size(v);
	json_t *x;
	int err;

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
		if ((err = parse_exe(x, i, j, e)) != 0)
			return err;
	}
	return 0;
}

/* Extra -machine properties of a payload: "key=value" pairs joined by
 * commas, of characters that cannot name a host path or start another
 * option ("gic-version=2", "mte=on", "virtualization=on"). */
static bool
machine_props_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return true;
	if (n > 256 || s[0] == ',' || s[n - 1] == ',' || strstr(s, ",,") != NULL ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_=,.") != n)
		return false;
	/* Every pair has its '='. */
	for (const char *p = s; *p != '\0';) {
		size_t len = strcspn(p, ",");

		if (memchr(p, '=', len) == NULL || p[0] == '=')
			return false;
		p += len + (p[len] == ',');
	}
	return true;
}

/* One entry of "payloads" (docs/API.md) into the next of J's executables:
 * a payload is one test of the job. */
static int
parse_payload(json_t *x, size_t i, struct job *j, struct job_json_error *e)
{
	struct job_exe *p = &j->exes[j->nexes];
	const char *key, *name = NULL, *blob = NULL, *append = "", *machine = "";
	long long timeout = 0, smp = 0, mem = 0;
	char groups[1024] = "";
	json_t *val, *g;
	size_t k;

	if (!json_is_object(x))
		return fail(e, "invalid_field", "payloads", "payloads[%zu] must be an object", i);
	json_object_foreach(x, key, val)
	{
		if (strcmp(key, "name") == 0 && json_is_string(val))
			name = json_string_value(val);
		else if (strcmp(key, "blob") == 0 && json_is_string(val))
			blob = json_string_value(val);
		else if (strcmp(key, "append") == 0 && json_is_string(val))
			append = json_string_value(val);
		else if (strcmp(key, "machine") == 0 && json_is_string(val))
			machine = json_string_value(val);
		else if (strcmp(key, "timeout") == 0 && json_is_integer(val))
			timeout = json_integer_value(val);
		else if (strcmp(key, "smp") == 0 && json_is_integer(val))
			smp = json_integer_value(val);
		else if (strcmp(key, "mem") == 0 && json_is_integer(val))
			mem = json_integer_value(val);
		else if (strcmp(key, "groups") == 0 && json_is_array(val)) {
			json_array_foreach(val, k, g)
			{
				if (!json_is_string(g) || !pkvm_tag_valid(json_string_value(g)))
					return fail(e, "invalid_field", "payloads",
					    "payloads[%zu].groups must be an array of group names",
					    i);
				if (strlen(groups) + json_string_length(g) + 2 > sizeof(groups))
					return fail(e, "invalid_field", "payloads",
					    "payloads[%zu].groups is too long", i);
				if (groups[0] != '\0')
					strcat(groups, " ");
				strcat(groups, json_string_value(g));
			}
		} else if (strcmp(key, "name") == 0 || strcmp(key, "blob") == 0 ||
		    strcmp(key, "append") == 0 || strcmp(key, "machine") == 0 ||
		    strcmp(key, "timeout") == 0 || strcmp(key, "smp") == 0 ||
		    strcmp(key, "mem") == 0 || strcmp(key, "groups") == 0)
			return fail(e, "invalid_field", "payloads",
			    "payloads[%zu].%s has the wrong type", i, key);
		else
			return fail(e, "unknown_field", "payloads",
			    "payloads[%zu]: unknown field '%.64s'", i, key);
	}
	if (name == NULL || blob == NULL)
		return fail(e, "missing_field", "payloads", "payloads[%zu] needs a name and a blob",
		    i);
	if (!pkvm_name_valid(name))
		return fail(e, "invalid_field", "payloads",
		    "invalid payload name '%.64s': use 1-%d characters of "
		    "A-Z a-z 0-9 . _ + -, not starting with '.' (no '/')",
		    name, PKVM_NAME_MAX);
	if (!pkvm_sha256_hex_valid(blob))
		return fail(e, "invalid_field", "payloads",
		    "payloads[%zu].blob must be a sha256 in lower-case hex", i);
	if (!one_line(append, PKVM_APPEND_MAX))
		return fail(e, "invalid_field", "payloads",
		    "payloads[%zu].append must be one line of at most %d characters", i,
		    PKVM_APPEND_MAX);
	if (!machine_props_valid(machine))
		return fail(e, "invalid_field", "payloads",
		    "payloads[%zu].machine must be comma-separated key=value machine "
		    "properties (e.g. \"gic-version=2\"), not '%.64s'",
		    i, machine);
	if (timeout < 0 || timeout > PKVM_TIMEOUT_MAX_S)
		return fail(e, "invalid_field", "payloads",
		    "payloads[%zu].timeout must be between 0 and %d seconds", i,
		    PKVM_TIMEOUT_MAX_S);
	if (smp < 0 || smp > PKVM_SMP_MAX)
		return fail(e, "invalid_field", "payloads",
		    "payloads[%zu].smp must be between 1 and %d", i, PKVM_SMP_MAX);
	if (mem != 0 && (mem < PKVM_MEM_MIN_MB || mem > PKVM_MEM_MAX_MB))
		return fail(e, "invalid_field", "payloads",
		    "payloads[%zu].mem must be between %d and %d MB", i, PKVM_MEM_MIN_MB,
		    PKVM_MEM_MAX_MB);
	for (size_t n = 0; n < j->nexes; n++)
		if (strcmp(j->exes[n].name, name) == 0)
			return fail(e, "invalid_field", "payloads",
			    "payload name '%s' appears twice", name);
	if ((p->name = strdup(name)) == NULL)
		return -ENOMEM;
	j->nexes++;
	memcpy(p->blob, blob, SHA256_HEX_LEN + 1);
	p->mode = 0644;
	p->timeout_s = (int)timeout;
	p->smp = (int)smp; /* 0 until the job's smp is known */
	p->mem_mb = (int)mem;
	if ((p->append = strdup(append)) == NULL || (p->machine = strdup(machine)) == NULL ||
	    (p->groups = strdup(groups)) == NULL)
		return -ENOMEM;
	return 0;
}

static int
parse_payloads(json_t *v, struct job *j, struct job_json_error *e)
{
	size_t i, n = json_array_size(v);
	json_t *x;
	int err;

	if (!json_is_array(v) || n == 0)
		return fail(e, "invalid_field", "payloads", "payloads must be a non-empty array");
	if (n > PKVM_EXES_MAX)
		return fail(e, "invalid_field", "payloads", "at most %d payloads per job",
		    PKVM_EXES_MAX);
	j->exes = calloc(n + 1, sizeof(*j->exes));
	if (j->exes == NULL)
		return -ENOMEM;
	j->kind = JOB_KIND_PAYLOAD;
	json_array_foreach(v, i, x)
	{
		if ((err = parse_payload(x, i, j, e)) != 0)
			return err;
	}
	return 0;
}

/* A payload job (payloads given): it boots no kernel, so nothing that
 * goes with one may come with it.  Each payload's smp defaults to the
 * job's, and the job's smp (its CPU slots) is the largest payload's; the
 * job's "kernel" is its first payload. */
static int
payload_job_finish(struct job *j, json_t *obj, struct job_json_error *e)
{
	static const char *const kernel_only[] = { "kernel", "executables", "vmlinux", "modules",
		"extra", "build_dir", "gcov_tool", "coverage_paths", "append", "disks", "root",
		"keep_disk", "stream_paths", "stop_on_failure", "interactive" };
	static const char *const rerun_only[] = { "retry_failed", "new_seed", "strict" };
	bool smp_given = json_object_get(obj, "smp") != NULL;
	int max = 0;

	for (size_t i = 0; i < sizeof(rerun_only) / sizeof(rerun_only[0]); i++)
		if (json_object_get(obj, rerun_only[i]) != NULL)
			return fail(e, "invalid_field", rerun_only[i],
			    "%s does not go with payloads: it reruns the tests /init runs, and "
			    "each payload is a boot of its own",
			    rerun_only[i]);
	for (size_t i = 0; i < sizeof(kernel_only) / sizeof(kernel_only[0]); i++)
		if (json_object_get(obj, kernel_only[i]) != NULL)
			return fail(e, "invalid_field", kernel_only[i],
			    "%s does not go with payloads: a payload job boots no kernel "
			    "(give each payload's arguments in its append)",
			    kernel_only[i]);
	if (j->uefi)
		return fail(e, "invalid_field", "uefi",
		    "uefi does not go with payloads: an EFI app boots through UEFI firmware by "
		    "itself, a flat payload without it");
	if (j->net != JOB_NET_NONE)
		return fail(e, "invalid_field", "net", "payloads boot without a network card");
	for (size_t i = 0; i < j->nexes; i++) {
		struct job_exe *p = &j->exes[i];

		if (p->smp == 0)
			p->smp = j->smp;
		else if (smp_given && p->smp > j->smp)
			return fail(e, "invalid_field", "payloads",
			    "payload %s wants %d CPUs, more than the job's smp of %d", p->name,
			    p->smp, j->smp);
		if (p->smp > max)
			max = p->smp;
	}
	j->smp = max;
	/* No guest kernel writes gcov data. */
	j->coverage = false;
	memcpy(j->kernel, j->exes[0].blob, SHA256_HEX_LEN + 1);
	return 0;
}

static bool
gcov_tool_valid(const char *s)
{
	return strcmp(s, "gcov") == 0 || strcmp(s, "aarch64-linux-gnu-gcov") == 0 ||
	    strcmp(s, "llvm-cov") == 0;
}

/* A guest directory for /init's line-based list: absolute, one line, no
 * shell-special surprises ("..", spaces). */
static bool
guest_path_valid(const char *s)
{
	return s[0] == '/' && strlen(s) <= 1024 && strstr(s, "..") == NULL &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-") ==
	    strlen(s);
}

/* A guest file /init can stream: an absolute path of [A-Za-z0-9._+-]
 * components, none empty or starting with '.' (it names the artifact). */
static bool
stream_path_valid(const char *s)
{
	if (!guest_path_valid(s) || strlen(s) < 2 || s[strlen(s) - 1] == '/')
		return false;
	for (const char *c = s; (c = strchr(c, '/')) != NULL; c++)
		if (c[1] == '/' || c[1] == '.')
			return false;
	return true;
}

static bool
module_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static int
parse_extra(json_t *v, struct job *j, struct job_json_error *e)
{
	size_t i, n = json_array_size(v);
	json_t *x;

	if (!json_is_array(v) || n > PKVM_EXTRA_MAX)
		return fail(e, "invalid_field", "extra",
		    "extra must be an array of at most %d entries", PKVM_EXTRA_MAX);
	j->extra = calloc(n + 1, sizeof(*j->extra));
	if (j->extra == NULL)
		return -ENOMEM;
	json_array_foreach(v, i, x)
	{
		struct job_extra *ex = &j->extra[j->nextra];
		const char *key, *path = NULL, *blob = NULL, *target = NULL, *why;
		long long mode = -1;
		bool dir = false;
		json_t *val;

		if (!json_is_object(x))
			return fail(e, "invalid_field", "extra", "extra[%zu] must be an object", i);
		json_object_foreach(x, key, val)
		{
			if (strcmp(key, "path") == 0 && json_is_string(val))
				path = json_string_value(val);
			else if (strcmp(key, "blob") == 0 && json_is_string(val))
				blob = json_string_value(val);
			else if (strcmp(key, "symlink") == 0 && json_is_string(val))
				target = json_string_value(val);
			else if (strcmp(key, "dir") == 0 && json_is_boolean(val))
				dir = json_is_true(val);
			else if (strcmp(key, "mode") == 0 && json_is_integer(val))
				mode = json_integer_value(val);
			else if (strcmp(key, "path") == 0 || strcmp(key, "blob") == 0 ||
			    strcmp(key, "symlink") == 0 || strcmp(key, "dir") == 0 ||
			    strcmp(key, "mode") == 0)
				return fail(e, "invalid_field", "extra",
				    "extra[%zu].%s has the wrong type", i, key);
			else
				return fail(e, "unknown_field", "extra",
				    "extra[%zu]: unknown field '%.64s'", i, key);
		}
		if (path == NULL)
			return fail(e, "missing_field", "extra", "extra[%zu] needs a path", i);
		if ((why = pkvm_extra_path_problem(path)) != NULL)
			return fail(e, "invalid_field", "extra", "extra path '%.200s' %s", path,
			    why);
		if ((blob != NULL) + (target != NULL) + dir != 1)
			return fail(e, "invalid_field", "extra",
			    "extra[%zu] (%.200s) must have exactly one of blob, symlink, dir", i,
			    path);
		if (blob != NULL && !pkvm_sha256_hex_valid(blob))
			return fail(e, "invalid_field", "extra",
			    "extra[%zu].blob must be a sha256 in lower-case hex", i);
		if (target != NULL && (target[0] == '\0' || !one_line(target, 4096)))
			return fail(e, "invalid_field", "extra",
			    "extra[%zu].symlink must be one line of 1 to 4096 characters", i);
		if (mode > 07777)
			return fail(e, "invalid_field", "extra",
			    "extra[%zu].mode must be between 0 and 07777", i);
		if ((ex->path = strdup(path)) == NULL)
			return -ENOMEM;
		j->nextra++;
		if (blob != NULL) {
			ex->kind = EXTRA_FILE;
			memcpy(ex->blob, blob, SHA256_HEX_LEN + 1);
			ex->mode = mode < 0 ? 0644 : (uint32_t)mode;
		} else if (target != NULL) {
			ex->kind = EXTRA_SYMLINK;
			ex->mode = 0777;
			if ((ex->target = strdup(target)) == NULL)
				return -ENOMEM;
		} else {
			ex->kind = EXTRA_DIR;
			ex->mode = mode < 0 ? 0755 : (uint32_t)mode;
		}
	}
	return 0;
}

/* disks: [{"blob": sha256, "readonly": bool}, ...]; the format comes
 * from the blob's header, when the handler has checked it. */
static int
parse_disks(json_t *v, struct job *j, struct job_json_error *e)
{
	size_t i, n = json_array_size(v);
	json_t *x;

	if (!json_is_array(v) || n > PKVM_DISKS_MAX)
		return fail(e, "invalid_field", "disks",
		    "disks must be an array of at most %d disks", PKVM_DISKS_MAX);
	free(j->disks);
	j->ndisks = 0;
	j->disks = calloc(n + 1, sizeof(*j->disks));
	if (j->disks == NULL)
		return -ENOMEM;
	json_array_foreach(v, i, x)
	{
		struct job_disk *d = &j->disks[j->ndisks];
		const char *key, *blob = NULL;
		json_t *val;

		if (!json_is_object(x))
			return fail(e, "invalid_field", "disks", "disks[%zu] must be an object", i);
		json_object_foreach(x, key, val)
		{
			if (strcmp(key, "blob") == 0 && json_is_string(val))
				blob = json_string_value(val);
			else if (strcmp(key, "readonly") == 0 && json_is_boolean(val))
				d->readonly = json_is_true(val);
			else if (strcmp(key, "blob") == 0 || strcmp(key, "readonly") == 0)
				return fail(e, "invalid_field", "disks",
				    "disks[%zu].%s has the wrong type", i, key);
			else
				return fail(e, "unknown_field", "disks",
				    "disks[%zu]: unknown field '%.64s'", i, key);
		}
		if (blob == NULL || !pkvm_sha256_hex_valid(blob))
			return fail(e, blob == NULL ? "missing_field" : "invalid_field", "disks",
			    "disks[%zu].blob must be a blob's sha256 in lower-case hex", i);
		memcpy(d->blob, blob, SHA256_HEX_LEN + 1);
		j->ndisks++;
	}
	return 0;
}

/* A guest block device for pkvm.root=: /dev/..., one word that /init
 * can use unquoted. */
static bool
root_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 5 && n <= PKVM_ROOT_MAX && strncmp(s, "/dev/", 5) == 0 &&
	    strstr(s, "..") == NULL &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+:=-") == n;
}

/* What only makes sense together: a root and keep_disk need disks. */
static int
check_disks(const struct job *j, struct job_json_error *e)
{
	bool writable = false;

	for (size_t i = 0; i < j->ndisks; i++)
		writable = writable || !j->disks[i].readonly;
	if (j->root != NULL && j->ndisks == 0)
		return fail(e, "invalid_field", "root",
		    "root names a device of the job's disks, and the job has none (give disks)");
	if (j->root != NULL && j->nexes > 0)
		return fail(e, "invalid_field", "root",
		    "root boots the disk's own system, which runs its own tests (through "
		    "pkvm-agent): the job's executables would never run");
	if (j->keep_disk && !writable)
		return fail(e, "invalid_field", "keep_disk",
		    "keep_disk keeps the overlays of writable disks, and the job has none");
	if (j->root != NULL && j->retry_failed > 0)
		return fail(e, "invalid_field", "retry_failed",
		    "retry_failed reruns the tests /init runs, and with root the disk's own "
		    "system runs its tests");
	return 0;
}

/* What a warm start cannot give (docs/PERFORMANCE.md, "Boot once, test
 * many"): the saved VM is one kernel booted on one machine to /init, so
 * whatever changes the boot, or is not part of the saved state, is
 * refused rather than silently booted cold. */
static int
check_warm(const struct job *j, struct job_json_error *e)
{
	if (!j->warm)
		return 0;
	if (j->kind == JOB_KIND_PAYLOAD)
		return fail(e, "invalid_field", "warm",
		    "warm does not go with payloads: a saved VM is of a kernel booted to /init, "
		    "and each payload is a boot of its own with no kernel");
	if (j->root != NULL)
		return fail(e, "invalid_field", "warm",
		    "warm starts a saved VM at /init, and with root the guest switches to the "
		    "disk's own system during its boot, which a restored VM is long past");
	if (j->ndisks > 0)
		return fail(e, "invalid_field", "warm",
		    "warm starts a saved VM, and a disk's contents are not part of what is saved");
	if (j->uefi)
		return fail(e, "invalid_field", "warm",
		    "warm starts a VM saved from a direct kernel boot, and uefi boots through "
		    "UEFI firmware, a different machine");
	if (j->debug_port != 0)
		return fail(e, "invalid_field", "warm",
		    "with a debug port the guest stops at its first instruction for gdb, which a "
		    "restored VM is long past");
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
			memcpy(j->kernel, json_string_value(v), SHA256_HEX_LEN + 1);
			have_kernel = true;
		} else if (strcmp(key, "vmlinux") == 0) {
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) || !pkvm_sha256_hex_valid(json_string_value(v)))
				return fail(e, "invalid_field", key,
				    "vmlinux must be a blob's sha256 in lower-case hex");
			memcpy(j->vmlinux, json_string_value(v), SHA256_HEX_LEN + 1);
		} else if (strcmp(key, "executables") == 0) {
			if (j->kind == JOB_KIND_PAYLOAD)
				return fail(e, "invalid_field", key,
				    "executables do not go with payloads: a payload job boots no "
				    "kernel");
			err = parse_exes(v, j, e);
		} else if (strcmp(key, "payloads") == 0) {
			if (j->exes != NULL)
				return fail(e, "invalid_field", key,
				    "payloads do not go with executables: a payload job boots "
				    "no kernel");
			err = parse_payloads(v, j, e);
		} else if (strcmp(key, "smp") == 0) {
			err = get_int(v, key, 1, PKVM_SMP_MAX, &j->smp, e);
		} else if (strcmp(key, "mem") == 0) {
			err = get_int(v, key, PKVM_MEM_MIN_MB, PKVM_MEM_MAX_MB, &j->mem_mb, e);
		} else if (strcmp(key, "timeout") == 0) {
			err = get_int(v, key, 1, PKVM_TIMEOUT_MAX_S, &j->timeout_s, e);
		} else if (strcmp(key, "max_attempts") == 0) {
			err = get_int(v, key, 1, JOB_MAX_ATTEMPTS_MAX, &j->max_attempts, e);
		} else if (strcmp(key, "retry_failed") == 0) {
			err = get_int(v, key, 0, JOB_RETRY_FAILED_MAX, &j->retry_failed, e);
		} else if (strcmp(key, "new_seed") == 0) {
			err = get_bool(v, key, &j->new_seed, e);
		} else if (strcmp(key, "strict") == 0) {
			err = get_bool(v, key, &j->strict, e);
		} else if (strcmp(key, "warm") == 0) {
			err = get_bool(v, key, &j->warm, e);
		} else if (strcmp(key, "idle_timeout") == 0) {
			err = get_int(v, key, 0, PKVM_TIMEOUT_MAX_S, &j->idle_timeout_s, e);
		} else if (strcmp(key, "debug_port") == 0) {
			if (json_is_null(v))
				continue;
			err = get_int(v, key, 1, 65535, &j->debug_port, e);
		} else if (strcmp(key, "priority") == 0) {
			err = get_priority(v, j, e);
		} else if (strcmp(key, "coverage") == 0) {
			err = get_bool(v, key, &j->coverage, e);
		} else if (strcmp(key, "uefi") == 0) {
			err = get_bool(v, key, &j->uefi, e);
		} else if (strcmp(key, "net") == 0) {
			if (!json_is_string(v) || job_net_parse(json_string_value(v), &j->net) < 0)
				return fail(e, "invalid_field", key,
				    "net must be \"none\" or \"user\"");
		} else if (strcmp(key, "append") == 0) {
			if (!json_is_string(v) || json_string_length(v) > PKVM_APPEND_MAX ||
			    strpbrk(json_string_value(v), "\n\r") != NULL)
				return fail(e, "invalid_field", key,
				    "append must be one line of at most %d characters",
				    PKVM_APPEND_MAX);
			free(j->append);
			j->append = strdup(json_string_value(v));
		} else if (strcmp(key, "cpu") == 0) {
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) || !job_cpu_valid(json_string_value(v)))
				return fail(e, "invalid_field", key,
				    "cpu must be qemu's -cpu: a model and ,property=value pairs "
				    "(e.g. cortex-a72 or max,pauth-impdef=on), at most %d "
				    "characters of A-Z a-z 0-9 . _ + - , =",
				    JOB_CPU_MAX);
			free(j->cpu);
			j->cpu = strdup(json_string_value(v));
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
		} else if (strcmp(key, "test_timeout") == 0) {
			err = get_int(v, key, 0, PKVM_TIMEOUT_MAX_S, &j->test_timeout_s, e);
		} else if (strcmp(key, "fail_on_warn") == 0) {
			err = get_bool(v, key, &j->fail_on_warn, e);
		} else if (strcmp(key, "interactive") == 0) {
			err = get_bool(v, key, &j->interactive, e);
		} else if (strcmp(key, "modules") == 0) {
			err = parse_strv(v, key, 256, &j->modules, &j->nmodules, module_name_valid,
			    e);
		} else if (strcmp(key, "extra") == 0) {
			err = parse_extra(v, j, e);
		} else if (strcmp(key, "build_dir") == 0) {
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) || json_string_value(v)[0] != '/' ||
			    !one_line(json_string_value(v), 4096))
				return fail(e, "invalid_field", key,
				    "build_dir must be an absolute path on the server");
			free(j->build_dir);
			j->build_dir = strdup(json_string_value(v));
		} else if (strcmp(key, "gcov_tool") == 0) {
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) || !gcov_tool_valid(json_string_value(v)))
				return fail(e, "invalid_field", key,
				    "gcov_tool must be gcov, aarch64-linux-gnu-gcov or llvm-cov");
			free(j->gcov_tool);
			j->gcov_tool = strdup(json_string_value(v));
		} else if (strcmp(key, "coverage_paths") == 0) {
			err = parse_strv(v, key, 32, &j->coverage_paths, &j->ncoverage_paths,
			    guest_path_valid, e);
		} else if (strcmp(key, "disks") == 0) {
			err = parse_disks(v, j, e);
		} else if (strcmp(key, "root") == 0) {
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) || !root_valid(json_string_value(v)))
				return fail(e, "invalid_field", key,
				    "root must be a guest device path such as /dev/vda (at most %d "
				    "characters of A-Z a-z 0-9 / . _ + : = -)",
				    PKVM_ROOT_MAX);
			free(j->root);
			if ((j->root = strdup(json_string_value(v))) == NULL)
				return -ENOMEM;
		} else if (strcmp(key, "keep_disk") == 0) {
			err = get_bool(v, key, &j->keep_disk, e);
		} else if (strcmp(key, "stop_on_failure") == 0) {
			err = get_bool(v, key, &j->stop_on_failure, e);
		} else if (strcmp(key, "stream_paths") == 0) {
			err = parse_strv(v, key, JOB_STREAM_PATHS_MAX, &j->stream_paths,
			    &j->nstream_paths, stream_path_valid, e);
		} else if (strcmp(key, "qemu_args") == 0) {
			err = parse_strv(v, key, PKVM_QEMU_ARGS_MAX, &j->qemu_args, &j->nqemu_args,
			    NULL, e);
		} else {
			return fail(e, "unknown_field", key, "unknown field '%.64s'", key);
		}
		if (err != 0)
			return err;
	}
	/* Before the payload checks, so a payload job asking for warm is told
	 * why warm does not fit rather than about another of its fields. */
	if ((err = check_warm(j, e)) != 0)
		return err;
	if (j->kind == JOB_KIND_PAYLOAD && (err = payload_job_finish(j, obj, e)) != 0)
		return err;
	if (!have_kernel && j->kind != JOB_KIND_PAYLOAD)
		return fail(e, "missing_field", "kernel", "kernel is required (or payloads)");
	if ((err = check_disks(j, e)) != 0)
		return err;
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
	char *s, *root = NULL, retry[48] = "";

	/* /init switches to the disk's own system (docs/DISKS.md). */
	if (j->root != NULL && asprintf(&root, " pkvm.root=%s", j->root) < 0)
		return NULL;
	if (j->retry_failed > 0)
		snprintf(retry, sizeof(retry), " pkvm.retry_failed=%d%s", j->retry_failed,
		    j->new_seed ? " pkvm.new_seed=1" : "");
	/* The guest's /init bounds every test by what is left of the job's
	 * timeout (docs/GUEST.md), so it needs to know it. */
	if (asprintf(&s,
		"%s pkvm.seed=%s pkvm.timeout=%d pkvm.test_timeout=%d pkvm.coverage=%d%s%s%s%s%s%s",
		BASE_CMDLINE, j->seed ? j->seed : "0", j->timeout_s, j->test_timeout_s,
		j->coverage ? 1 : 0, root ? root : "",
		j->stop_on_failure ? " pkvm.stop_on_failure=1" : "", retry,
		j->interactive ? " pkvm.interactive=1" : "", j->append[0] ? " " : "",
		j->append) < 0)
		s = NULL;
	free(root);
	return s;
}

json_t *
job_disks_json(const struct job *j)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < j->ndisks; i++) {
		const struct job_disk *d = &j->disks[i];
		const char *fmt = disk_format_name(d->format);

		json_array_append_new(a,
		    json_pack("{s:s, s:o, s:b, s:I}", "blob", d->blob, "format",
			fmt ? json_string(fmt) : json_null(), "readonly", d->readonly, "size",
			(json_int_t)d->size));
	}
	return a;
}

/* The attempts infrastructure ended, oldest first. */
static json_t *
attempts_json(const struct job *j)
{
	json_t *a = json_array();

	for (size_t i = 0; i < j->nattempts; i++) {
		const struct job_attempt *t = &j->attempts[i];

		json_array_append_new(a,
		    json_pack("{s:i, s:s, s:s, s:o, s:o}", "attempt", t->attempt, "result",
			job_result_name(t->result), "message", t->message ? t->message : "",
			"started", time_json(t->started_ms), "finished",
			time_json(t->finished_ms)));
	}
	return a;
}

json_t *
job_to_json(const struct job *j)
{
	json_t *o, *tags, *exes, *qargs, *modules, *timings, *cpaths, *spaths;
	const char *result = job_result_name(j->result);
	char *cmdline = job_cmdline(j);

	tags = json_array();
	for (size_t i = 0; i < j->ntags; i++)
		json_array_append_new(tags, json_string(j->tags[i]));
	qargs = json_array();
	for (size_t i = 0; i < j->nqemu_args; i++)
		json_array_append_new(qargs, json_string(j->qemu_args[i]));
	exes = json_array();
	for (size_t i = 0; i < j->nexes; i++) {
		const struct job_exe *x = &j->exes[i];
		json_t *args = json_array(), *env = json_object();

		for (size_t k = 0; k < x->nargs; k++)
			json_array_append_new(args, json_string(x->args[k]));
		for (size_t k = 0; k < x->nenv; k++) {
			char *eq = strchr(x->env[k], '=');
			char *key = eq ? strndup(x->env[k], (size_t)(eq - x->env[k])) : NULL;

			if (key != NULL)
				json_object_set_new(env, key, json_string(eq + 1));
			free(key);
		}
		json_array_append_new(exes,
		    json_pack("{s:s, s:s, s:i, s:I, s:o, s:o, s:i}", "name", x->name, "blob",
			x->blob, "mode", (int)x->mode, "size", (json_int_t)x->size, "args", args,
			"env", env, "timeout", x->timeout_s));
	}
	modules = json_array();
	for (size_t i = 0; i < j->nmodules; i++)
		json_array_append_new(modules, json_string(j->modules[i]));
	timings = j->timings ? json_loads(j->timings, 0, NULL) : NULL;

	o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o,"
		      " s:i, s:i, s:s, s:o, s:i, s:i, s:o, s:b, s:b, s:o, s:o, s:s, s:i,"
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
	    qargs, "priority", job_priority_name(j->priority), "attempt", j->attempt, "exit_status",
	    j->has_exit_status ? json_integer(j->exit_status) : json_null(), "console_bytes",
	    (json_int_t)j->console_bytes, "tests", "total", j->tests_total, "passed",
	    j->tests_passed, "failed", j->tests_failed);
	free(cmdline);
	if (o == NULL)
		return NULL;
	/* Issue-3 fields, added apart to keep the format string above
	 * readable.  `extra` is a count: a modules tree has thousands of
	 * entries, which no job listing wants. */
	json_object_set_new(o, "test_timeout", json_integer(j->test_timeout_s));
	json_object_set_new(o, "fail_on_warn", json_boolean(j->fail_on_warn));
	json_object_set_new(o, "interactive", json_boolean(j->interactive));
	json_object_set_new(o, "net", json_string(job_net_name(j->net)));
	json_object_set_new(o, "cpu", j->cpu ? json_string(j->cpu) : json_null());
	json_object_set_new(o, "max_attempts", json_integer(j->max_attempts));
	json_object_set_new(o, "retry_failed", json_integer(j->retry_failed));
	json_object_set_new(o, "new_seed", json_boolean(j->new_seed));
	json_object_set_new(o, "strict", json_boolean(j->strict));
	json_object_set_new(o, "warm", json_boolean(j->warm));
	json_object_set_new(o, "placement", j->placement ? json_string(j->placement) : json_null());
	json_object_set_new(o, "attempts", attempts_json(j));
	json_object_set_new(o, "modules", modules);
	json_object_set_new(o, "extra_entries", json_integer((json_int_t)j->nextra));
	json_object_set_new(o, "timings", timings ? timings : json_null());
	json_object_set_new(o, "build_dir", j->build_dir ? json_string(j->build_dir) : json_null());
	json_object_set_new(o, "gcov_tool", j->gcov_tool ? json_string(j->gcov_tool) : json_null());
	cpaths = json_array();
	for (size_t i = 0; i < j->ncoverage_paths; i++)
		json_array_append_new(cpaths, json_string(j->coverage_paths[i]));
	json_object_set_new(o, "coverage_paths", cpaths);
	json_object_set_new(o, "stop_on_failure", json_boolean(j->stop_on_failure));
	spaths = json_array();
	for (size_t i = 0; i < j->nstream_paths; i++)
		json_array_append_new(spaths, json_string(j->stream_paths[i]));
	json_object_set_new(o, "stream_paths", spaths);
	json_object_set_new(o, "vmlinux", j->vmlinux[0] ? json_string(j->vmlinux) : json_null());
	json_object_set_new(o, "via", j->via ? json_string(j->via) : json_null());
	/* Retention: a time like the others, null while the files are there. */
	json_object_set_new(o, "pinned", json_boolean(j->pinned));
	json_object_set_new(o, "pruned", time_json(j->pruned_ms));
	json_object_set_new(o, "disks", job_disks_json(j));
	json_object_set_new(o, "root", j->root ? json_string(j->root) : json_null());
	json_object_set_new(o, "keep_disk", json_boolean(j->keep_disk));
	/* Payload jobs (docs/PAYLOADS.md): their executables are payloads. */
	json_object_set_new(o, "kind", json_string(job_kind_name(j->kind)));
	if (j->kind == JOB_KIND_PAYLOAD) {
		json_t *payloads = json_array();

		for (size_t i = 0; i < j->nexes; i++) {
			const struct job_exe *x = &j->exes[i];
			json_t *groups = json_array();
			const char *g = x->groups ? x->groups : "";

			while (*g != '\0') {
				size_t len = strcspn(g, " ");

				if (len > 0)
					json_array_append_new(groups, json_stringn(g, len));
				g += len + (g[len] == ' ');
			}
			json_array_append_new(payloads,
			    json_pack("{s:s, s:s, s:I, s:s, s:i, s:i, s:s, s:s, s:o, s:i}", "name",
				x->name, "blob", x->blob, "size", (json_int_t)x->size, "format",
				x->format, "smp", x->smp, "mem", x->mem_mb ? x->mem_mb : j->mem_mb,
				"append", x->append ? x->append : "", "machine",
				x->machine ? x->machine : "", "groups", groups, "timeout",
				x->timeout_s));
		}
		json_object_set_new(o, "payloads", payloads);
		json_object_set_new(o, "executables", json_array());
		json_object_set_new(o, "cmdline", json_null());
	}
	return o;
}

const char *
job_phase_name(enum job_phase p)
{
	static const char *const names[] = { "queued", "preparing", "booting", "testing",
		"finishing", "done" };

	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "unknown";
}

char *
job_event_json(const struct job *j, const struct job_progress *p, int64_t now_ms)
{
	int64_t end_ms = j->state == JOB_DONE ? j->finished_ms : now_ms;
	/* The tests the job brought, or more when the guest ran others. */
	int known = p->tests_known > (int)j->nexes ? p->tests_known : (int)j->nexes;
	json_t *o, *test = json_null();
	char *text;

	if (p->test_index > 0 && p->test_name != NULL)
		test = json_pack("{s:i, s:i, s:s}", "index", p->test_index, "total",
		    known > p->test_index ? known : p->test_index, "name", p->test_name);
	o = json_pack("{s:I, s:s, s:o, s:s, s:s, s:o, s:{s:i, s:i, s:i}, s:o, s:o, s:i, s:I}", "id",
	    (json_int_t)j->id, "state", job_state_name(j->state), "result",
	    j->result == RESULT_NONE ? json_null() : json_string(job_result_name(j->result)),
	    "owner", j->owner ? j->owner : "", "phase", job_phase_name(p->phase), "test", test,
	    "tests", "passed", j->tests_passed, "failed", j->tests_failed, "total", known,
	    "started", time_json(j->started_ms), "finished", time_json(j->finished_ms), "timeout_s",
	    j->timeout_s, "elapsed_ms",
	    (json_int_t)(j->started_ms > 0 && end_ms > j->started_ms ? end_ms - j->started_ms : 0));
	if (o == NULL)
		return NULL;
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}
