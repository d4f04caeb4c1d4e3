/*
 * test-job.c -- the job's defaults and its state machine.
 *
 * job_transition_ok() is the one statement of which state may follow which
 * (job.h draws the diagram); these tests spell the whole table out, so a
 * change to the rules has to change a test too.  The same goes for
 * job_decide(), the rules of a result: each rule has a test, in order.
 */
#include <stdlib.h>
#include <string.h>

#include "job/job.h"
#include "job/result.h"
#include "unit.h"

static void
test_new_job_has_documented_defaults(void)
{
	struct job *j = NULL;

	CHECK_INT(job_new(&j), 0);
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
	struct job *j = NULL;

	CHECK_INT(job_new(&j), 0);

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

/* A finished run that went well: /init started and ended, qemu exited 0. */
static struct job_outcome
clean_run(void)
{
	struct job_outcome o = {
		.has_exit = true,
		.saw_init = true,
		.saw_done = true,
		.running_test = "",
		.failure_result = RESULT_FAILED,
	};
	return o;
}

static void
check_decide(const struct job_outcome *o, enum job_result want, const char *want_msg)
{
	char *msg = NULL;

	CHECK_INT(job_decide(o, &msg), want);
	CHECK_STR(msg, want_msg);
	free(msg);
}

static void
test_decide_passes_a_clean_run(void)
{
	struct job_outcome o = clean_run();

	check_decide(&o, RESULT_PASSED, NULL);
}

static void
test_decide_qemu_failing_wins_over_everything_after_it(void)
{
	struct job_outcome o = clean_run();

	o.exit_status = 1;
	o.failure = "test a.sh exited with status 3";
	check_decide(&o, RESULT_ERROR, "qemu exited with status 1 (see qemu.log)");
	/* Killed by a signal (has_exit false): the status says nothing. */
	o.has_exit = false;
	o.failure = NULL;
	check_decide(&o, RESULT_PASSED, NULL);
}

static void
test_decide_a_guest_without_init_is_an_error(void)
{
	struct job_outcome o = clean_run();

	o.saw_init = false;
	o.saw_done = false;
	check_decide(&o, RESULT_ERROR,
	    "the guest never started init: check the console "
	    "(kernel without initramfs or serial console support?)");
}

static void
test_decide_a_guest_that_stopped_early_names_the_test(void)
{
	struct job_outcome o = clean_run();

	o.saw_done = false;
	o.running_test = "b.sh";
	check_decide(&o, RESULT_ERROR, "the guest stopped during test b.sh without a result");
	o.running_test = "";
	check_decide(&o, RESULT_ERROR,
	    "the guest stopped before init reported the end of the tests");
}

static void
test_decide_the_first_failure_is_failed_or_timeout(void)
{
	struct job_outcome o = clean_run();

	o.failure = "test a.sh exited with status 3";
	check_decide(&o, RESULT_FAILED, "test a.sh exited with status 3");
	o.failure = "test h.sh timed out: killed at its own timeout of 3 s (manifest)";
	o.failure_result = RESULT_TIMEOUT;
	check_decide(&o, RESULT_TIMEOUT,
	    "test h.sh timed out: killed at its own timeout of 3 s (manifest)");
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
	RUN(test_decide_passes_a_clean_run);
	RUN(test_decide_qemu_failing_wins_over_everything_after_it);
	RUN(test_decide_a_guest_without_init_is_an_error);
	RUN(test_decide_a_guest_that_stopped_early_names_the_test);
	RUN(test_decide_the_first_failure_is_failed_or_timeout);
	return UNIT_DONE();
}
