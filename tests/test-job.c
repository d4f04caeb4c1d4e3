/*
 * test-job.c -- the job's defaults and its state machine.
 *
 * job_transition_ok() is the one statement of which state may follow which
 * (job.h draws the diagram); these tests spell the whole table out, so a
 * change to the rules has to change a test too.
 */
#include <stdlib.h>
#include <string.h>

#include "job/job.h"
#include "unit.h"

static void
test_new_job_has_documented_defaults(void)
{
	struct job *j = job_new();

	CHECK(j != NULL);
	if (j == NULL)
		return;
	CHECK_INT(j->id, 0);
	CHECK_INT(j->state, JOB_QUEUED);
	CHECK_INT(j->result, RESULT_NONE);
	CHECK_INT(j->smp, JOB_DEFAULT_SMP);
	CHECK_INT(j->mem_mb, JOB_DEFAULT_MEM_MB);
	CHECK_INT(j->timeout_s, JOB_DEFAULT_TIMEOUT_S);
	CHECK_INT(j->idle_timeout_s, JOB_DEFAULT_IDLE_TIMEOUT_S);
	CHECK_INT(j->coverage, true);
	CHECK_INT(j->uefi, false);
	CHECK_INT(j->debug_port, 0);
	CHECK_INT(j->priority, 0);
	CHECK_INT(j->attempt, 1);
	CHECK_INT(j->has_exit_status, false);
	CHECK_INT(j->ntags, 0);
	CHECK_INT(j->nexes, 0);
	CHECK_INT(j->nqemu_args, 0);
	CHECK(j->owner == NULL && j->message == NULL && j->seed == NULL);
	job_free(j);
}

static void
test_free_releases_everything_a_job_owns(void)
{
	struct job *j = job_new();

	/* Valgrind (or ASan) is the real check here: nothing may leak. */
	j->owner = strdup("alice");
	j->message = strdup("why");
	j->append = strdup("loglevel=8");
	j->seed = strdup("91ab33");
	j->tags = calloc(2, sizeof(*j->tags));
	j->tags[0] = strdup("a");
	j->tags[1] = strdup("b");
	j->ntags = 2;
	j->qemu_args = calloc(1, sizeof(*j->qemu_args));
	j->qemu_args[0] = strdup("-d");
	j->nqemu_args = 1;
	j->exes = calloc(1, sizeof(*j->exes));
	j->exes[0].name = strdup("01-kvm");
	j->nexes = 1;
	job_free(j);
	job_free(NULL);
	CHECK(1);
}

static void
test_queued_may_start_or_end(void)
{
	CHECK(job_transition_ok(JOB_QUEUED, JOB_RUNNING));
	CHECK(job_transition_ok(JOB_QUEUED, JOB_DONE)); /* cancel */
	CHECK(!job_transition_ok(JOB_QUEUED, JOB_QUEUED));
}

static void
test_running_may_end_or_be_requeued(void)
{
	CHECK(job_transition_ok(JOB_RUNNING, JOB_DONE));
	CHECK(job_transition_ok(JOB_RUNNING, JOB_QUEUED)); /* restart */
	CHECK(!job_transition_ok(JOB_RUNNING, JOB_RUNNING));
}

static void
test_done_is_final(void)
{
	CHECK(!job_transition_ok(JOB_DONE, JOB_QUEUED));
	CHECK(!job_transition_ok(JOB_DONE, JOB_RUNNING));
	CHECK(!job_transition_ok(JOB_DONE, JOB_DONE));
}

static void
test_unknown_state_allows_nothing(void)
{
	CHECK(!job_transition_ok((enum job_state)42, JOB_DONE));
	CHECK(!job_transition_ok((enum job_state)42, JOB_QUEUED));
}

static void
test_every_result_but_none_is_final(void)
{
	CHECK(!job_result_final(RESULT_NONE));
	for (int r = RESULT_PASSED; r <= RESULT_INTERRUPTED; r++)
		CHECK(job_result_final((enum job_result)r));
}

int
main(void)
{
	RUN(test_new_job_has_documented_defaults);
	RUN(test_free_releases_everything_a_job_owns);
	RUN(test_queued_may_start_or_end);
	RUN(test_running_may_end_or_be_requeued);
	RUN(test_done_is_final);
	RUN(test_unknown_state_allows_nothing);
	RUN(test_every_result_but_none_is_final);
	return UNIT_DONE();
}
