/*
 * job.c -- job allocation and the state machine's rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "job/job.h"

int
job_new(struct job **out)
{
	struct job *j = calloc(1, sizeof(*j));

	*out = j;
	if (j == NULL)
		return -ENOMEM;
	j->state = JOB_QUEUED;
	j->result = RESULT_NONE;
	j->smp = JOB_DEFAULT_SMP;
	j->mem_mb = JOB_DEFAULT_MEM_MB;
	j->timeout_s = JOB_DEFAULT_TIMEOUT_S;
	j->idle_timeout_s = JOB_DEFAULT_IDLE_TIMEOUT_S;
	j->max_attempts = JOB_DEFAULT_MAX_ATTEMPTS;
	j->coverage = true;
	j->attempt = 1;
	return 0;
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->owner);
	free(j->via);
	free(j->message);
	free(j->append);
	free(j->seed);
	free(j->placement);
	free(j->cpu);
	free_strv(j->tags, j->ntags);
	free_strv(j->qemu_args, j->nqemu_args);
	for (size_t i = 0; i < j->nexes; i++) {
		free(j->exes[i].name);
		free_strv(j->exes[i].args, j->exes[i].nargs);
		free_strv(j->exes[i].env, j->exes[i].nenv);
		free(j->exes[i].append);
		free(j->exes[i].machine);
		free(j->exes[i].groups);
	}
	free(j->exes);
	free_strv(j->modules, j->nmodules);
	for (size_t i = 0; i < j->nextra; i++) {
		free(j->extra[i].path);
		free(j->extra[i].target);
	}
	free(j->extra);
	free(j->timings);
	free(j->build_dir);
	free(j->gcov_tool);
	free_strv(j->coverage_paths, j->ncoverage_paths);
	free(j->disks);
	free(j->root);
	free_strv(j->stream_paths, j->nstream_paths);
	for (size_t i = 0; i < j->nattempts; i++)
		free(j->attempts[i].message);
	free(j->attempts);
	free(j);
}

bool
job_transition_ok(enum job_state from, enum job_state to)
{
	switch (from) {
	case JOB_QUEUED:
		return to == JOB_RUNNING || to == JOB_DONE;
	case JOB_RUNNING:
		/* Back to queued only when a daemon restart requeues it. */
		return to == JOB_DONE || to == JOB_QUEUED;
	case JOB_DONE:
		return false;
	}
	return false;
}

bool
job_result_final(enum job_result r)
{
	return r != RESULT_NONE;
}

static const char *const net_names[] = {
	[JOB_NET_NONE] = "none",
	[JOB_NET_USER] = "user",
};

const char *
job_net_name(enum job_net n)
{
	if ((size_t)n >= sizeof(net_names) / sizeof(net_names[0]))
		return "none";
	return net_names[n];
}

int
job_net_parse(const char *name, enum job_net *out)
{
	for (size_t i = 0; i < sizeof(net_names) / sizeof(net_names[0]); i++) {
		if (strcmp(name, net_names[i]) == 0) {
			*out = (enum job_net)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool
job_cpu_valid(const char *s)
{
	size_t n = strlen(s);

	/* qemu reads -cpu as MODEL[,PROP=VALUE]...: no empty model or
	 * property, and nothing a shell or qemu's option parser treats
	 * specially (",," is an escaped comma there). */
	if (n == 0 || n > JOB_CPU_MAX || s[0] == ',' || s[n - 1] == ',' || strstr(s, ",,") != NULL)
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			strchr("._+-,=", c) != NULL))
			return false;
	}
	return true;
}

static const char *const kind_names[] = {
	[JOB_KIND_KERNEL] = "kernel",
	[JOB_KIND_PAYLOAD] = "payload",
};

const char *
job_kind_name(enum job_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "kernel";
	return kind_names[k];
}

int
job_kind_parse(const char *name, enum job_kind *out)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (enum job_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
job_priority_name(int p)
{
	return p < 0 ? "low" : p > 0 ? "high" : "normal";
}

int
job_priority_parse(const char *name, int *out)
{
	static const struct {
		const char *name;
		int value;
	} names[] = {
		{ "low", JOB_PRIORITY_LOW },
		{ "normal", JOB_PRIORITY_NORMAL },
		{ "high", JOB_PRIORITY_HIGH },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

int
job_seed_random(struct job *j)
{
	unsigned char b[8];
	char hex[17];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -errno;
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	free(j->seed);
	return (j->seed = strdup(hex)) != NULL ? 0 : -ENOMEM;
}
