/*
 * test-slurm.c -- run/slurm.c's pure parts: squeue's lines read into the
 * newest job of a name (empty fields kept, junk skipped), what each end
 * state means, the srun words a job gets, and staging a run's files under
 * the shared directory (linked, left alone once shared, then removed).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job/job.h"
#include "run/disks.h"
#include "run/executor.h"
#include "run/slurm.h"
#include "unit.h"

static void
test_the_newest_job_of_squeue_is_read_with_empty_fields(void)
{
	struct slurm_job j;

	CHECK(slurm_parse_jobs(
	    "7|COMPLETED|n1|None\n12|RUNNING|n2|None\n9|FAILED|n1|NonZeroExitCode\n", &j));
	CHECK_INT(j.id, 12);
	CHECK_STR(j.state, "RUNNING");
	CHECK_STR(j.node, "n2");
	/* A pending job has no node yet. */
	CHECK(slurm_parse_jobs("31|PENDING||Resources", &j));
	CHECK_INT(j.id, 31);
	CHECK_STR(j.node, "");
	CHECK_STR(j.reason, "Resources");
	CHECK(!slurm_parse_jobs("", &j));
	CHECK(!slurm_parse_jobs("squeue: error: Invalid user\n", &j));
	CHECK(!slurm_parse_jobs("x|RUNNING|n1|None\n", &j));
	CHECK_INT(j.id, 0);
}

static void
test_end_states_are_the_guests_or_the_infrastructures(void)
{
	CHECK(slurm_state_lost("COMPLETED", false) == NULL);
	CHECK(slurm_state_lost("FAILED", false) == NULL);
	CHECK(slurm_state_lost("CANCELLED", true) == NULL);
	CHECK_STR(slurm_state_lost("CANCELLED", false),
	    "the Slurm job was cancelled outside pkvmd (CANCELLED)");
	CHECK_STR(slurm_state_lost("NODE_FAIL", true), "the Slurm node failed (NODE_FAIL)");
	CHECK(slurm_state_lost("OUT_OF_MEMORY", false) != NULL);
	CHECK(slurm_state_lost("PREEMPTED", false) != NULL);
	CHECK(slurm_state_lost("TIMEOUT", false) != NULL);
}

static char words[32][128];
static int nwords;

static void
add(void *arg, const char *w)
{
	(void)arg;
	if (nwords < 32)
		snprintf(words[nwords++], sizeof(words[0]), "%s", w);
}

static bool
has_word(const char *w)
{
	for (int i = 0; i < nwords; i++)
		if (strcmp(words[i], w) == 0)
			return true;
	return false;
}

/* A temporary directory of this run's. */
static char *dir;

static void
test_srun_asks_for_the_jobs_cpus_memory_and_time(void)
{
	struct slurm_options o = { .partition = "kvm", .shared_dir = dir, .state_dir = dir };
	struct job *j = NULL;
	struct exec_spec spec;
	char *cause = NULL, name[64];

	CHECK_INT(job_new(&j), 0);
	spec = (struct exec_spec){ .job = j };

	CHECK_INT(slurm_configure(&o, &cause), 0);
	free(cause);
	CHECK(slurm_enabled());
	j->id = 812;
	j->smp = 4;
	j->mem_mb = 2048;
	j->timeout_s = 600;
	slurm_srun_words(&spec, add, NULL);
	CHECK_STR(words[0], "srun");
	CHECK(has_word("--unbuffered"));
	CHECK(has_word("--cpus-per-task=4"));
	CHECK(has_word("--mem=2560M"));
	CHECK(has_word("--time=12")); /* 600 s and two minutes */
	CHECK(has_word("--partition=kvm"));
	CHECK(!has_word("--account="));
	CHECK_STR(words[nwords - 1], "--");
	slurm_job_name(812, name, sizeof(name));
	CHECK(strncmp(name, "pkvmd-", 6) == 0 && strlen(name) == 6 + 8 + 4);
	CHECK(strcmp(name + strlen(name) - 4, "-812") == 0);
	CHECK(has_word("--job-name") && has_word(name));
	job_free(j);
}

static void
test_staging_links_the_files_and_unstaging_removes_them(void)
{
	char shared[300], src[300], kernel[320], initrd[320], *cause = NULL;
	struct slurm_options o;
	struct job *j = NULL;
	struct exec_spec spec;
	struct slurm_stage st, st2;
	char spec_path[PATH_MAX], again[PATH_MAX];
	struct stat a, b;
	FILE *f;

	CHECK_INT(job_new(&j), 0);
	spec = (struct exec_spec){ .job = j };

	snprintf(shared, sizeof(shared), "%s/shared", dir);
	snprintf(src, sizeof(src), "%s/state", dir);
	CHECK_INT(mkdir(shared, 0755), 0);
	CHECK_INT(mkdir(src, 0755), 0);
	o = (struct slurm_options){ .shared_dir = shared, .state_dir = src };
	CHECK_INT(slurm_configure(&o, &cause), 0);
	snprintf(kernel, sizeof(kernel), "%s/kernel", src);
	snprintf(initrd, sizeof(initrd), "%s/initrd", src);
	f = fopen(kernel, "w");
	fputs("Image", f);
	fclose(f);
	f = fopen(initrd, "w");
	fputs("cpio", f);
	fclose(f);
	j->id = 5;
	spec.kernel = kernel;
	spec.initrd = initrd;
	CHECK_INT(slurm_stage(&spec, &st, &cause), 0);
	CHECK(stat(kernel, &a) == 0 && stat(st.kernel, &b) == 0 && a.st_ino == b.st_ino);
	CHECK(strncmp(st.initrd, shared, strlen(shared)) == 0);
	CHECK(access(st.initrd, R_OK) == 0);
	CHECK_STR(st.vars, "");
	slurm_unstage(&st);
	CHECK(access(kernel, R_OK) == 0); /* the original stays */
	CHECK(rmdir(shared) == 0); /* empty again */
	/* The runner's way: a fresh directory, a file staged into it (left
	 * where it is once shared), all gone at the end. */
	CHECK_INT(mkdir(shared, 0755), 0);
	CHECK_INT(slurm_stage_begin(5, &st, &cause), 0);
	CHECK_INT(slurm_stage_file(&st, kernel, "kernel", spec_path, &cause), 0);
	CHECK(strncmp(spec_path, st.dir, strlen(st.dir)) == 0);
	snprintf(again, sizeof(again), "%s", spec_path);
	CHECK_INT(slurm_stage_file(&st, again, "kernel2", spec_path, &cause), 0);
	CHECK_STR(spec_path, again);
	/* The executor then finds everything shared: nothing to copy. */
	spec.kernel = again;
	spec.initrd = NULL;
	CHECK_INT(slurm_stage(&spec, &st2, &cause), 0);
	CHECK_STR(st2.kernel, again);
	slurm_unstage(&st);
	CHECK(access(again, F_OK) != 0);
	CHECK(rmdir(shared) == 0);
	/* A disk the runner did not stage is refused. */
	CHECK_INT(mkdir(shared, 0755), 0);
	{
		struct run_disk d = { .format = "raw", .readonly = true };

		snprintf(d.path, sizeof(d.path), "%s", kernel);
		spec.disks = &d;
		spec.ndisks = 1;
		CHECK(slurm_stage(&spec, &st, &cause) < 0);
		CHECK(cause != NULL && strstr(cause, "is not under --slurm-shared-dir") != NULL);
		free(cause);
	}
	job_free(j);
}

int
main(void)
{
	char tmpl[] = "/tmp/pkvm-unit-slurm.XXXXXX";

	dir = mkdtemp(tmpl);
	RUN(test_the_newest_job_of_squeue_is_read_with_empty_fields);
	RUN(test_end_states_are_the_guests_or_the_infrastructures);
	RUN(test_srun_asks_for_the_jobs_cpus_memory_and_time);
	RUN(test_staging_links_the_files_and_unstaging_removes_them);
	if (dir != NULL) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK_INT(system(cmd), 0);
	}
	return UNIT_DONE();
}
