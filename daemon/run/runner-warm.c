/*
 * runner-warm.c -- a warm job's run (pkvmctl submit --warm; warm.h has the
 * saved VMs, docs/PERFORMANCE.md "Boot once, test many" the design).
 *
 * The first job of a key boots with pkvm.warm=save; when /init says
 * `mark name=warm-ready`, a worker saves the VM (warm_save: QMP, the RAM
 * file) and the guest is told to go on.  A later job of the key starts
 * qemu on a copy of the saved RAM with -incoming defer, a worker loads the
 * saved devices (qmp_migrate_load), and the job's files go to the guest
 * over the artifact channel.  A restore that does not take makes the same
 * run boot the job (warm_reboot), which saves a new VM.  The runner calls
 * in at each step of a run (runner-private.h); both workers count as
 * handles of the run, which is freed only once they are done.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "base/log.h"
#include "guest/artifact-channel.h"
#include "guest/console.h"
#include "job/job.h"
#include "run/initramfs.h"
#include "run/qmp.h"
#include "run/runner-private.h"
#include "run/warm.h"

/* One of the runner's steps for RUN (runner-private.h, struct run_hooks). */
#define HOOK(run, step) ((run)->r->hooks->step)

static void warm_reboot(struct run *run);

/* In run_prep_work: what the job's key finds; for a restore, the guest's RAM, its
 * saved devices and what it is sent (the layer, also qemu's -initrd);
 * for a save, the empty file qemu grows into the guest's RAM. */
void
run_warm_prep(struct run *run)
{
	const struct runner_env *env = &run->r->env;
	const struct job *j = run->job;
	char *cause = NULL, *cmd;
	struct stat st;
	int fd, err = 0;

	if (warm_key(j, initramfs_base_path(env->initramfs), j->cpu ? j->cpu : JOB_CPU_DEFAULT,
		run->warm_key) < 0) {
		run->warm_on = false;
		return;
	}
	run->warm = warm_lookup(env->state_dir, run->warm_key, &run->warm_from, run->warm_why,
	    sizeof(run->warm_why));
	/* After a restore that failed, boot: not even a VM another job
	 * saved since is tried twice in one run. */
	if (run->warm_rebooted && run->warm == WARM_RESTORE)
		run->warm = WARM_SAVE;
	snprintf(run->warm_ram, sizeof(run->warm_ram), "%s/ram", run->dir);
	if (run->warm == WARM_UNAVAILABLE)
		return;
	if (run->warm == WARM_RESTORE) {
		snprintf(run->initrd, sizeof(run->initrd), "%s/warm-layer", run->dir);
		if ((err = warm_restore_prepare(env->state_dir, run->warm_key, run->warm_ram,
			 &run->warm_fd, &cause)) == 0 &&
		    (err = initramfs_build_warm_layer(env->blobs, j, run->cmdline, run->initrd,
			 &cause)) == 0) {
			if (stat(run->initrd, &st) != 0 ||
			    (fd = open(run->initrd, O_RDONLY | O_CLOEXEC)) < 0)
				err = -errno;
			else {
				int n = snprintf(NULL, 0, "pkvm-job %lld\n", (long long)st.st_size);

				run->warm_layer_len = (size_t)n + (size_t)st.st_size;
				run->warm_layer = malloc(run->warm_layer_len + 1);
				if (run->warm_layer == NULL)
					err = -ENOMEM;
				else {
					snprintf(run->warm_layer, (size_t)n + 1, "pkvm-job %lld\n",
					    (long long)st.st_size);
					/* read(2) may stop short of a big layer. */
					for (off_t got = 0, k; err == 0 && got < st.st_size;
					     got += k)
						if ((k = pread(fd, run->warm_layer + n + got,
							 (size_t)(st.st_size - got), got)) <= 0)
							err = k < 0 ? -errno : -EIO;
				}
				close(fd);
			}
		}
		if (err == 0)
			return;
		/* A saved VM that cannot be read is no use: forget it, boot,
		 * and save a new one. */
		log_warnx("job %lld: warm start from job %lld's VM: %s; booting instead",
		    (long long)run->id, (long long)run->warm_from, cause ? cause : strerror(-err));
		free(cause);
		cause = NULL;
		free(run->warm_layer);
		run->warm_layer = NULL;
		if (run->warm_fd >= 0)
			close(run->warm_fd);
		run->warm_fd = -1;
		warm_forget(env->state_dir, run->warm_key);
		unlink(run->initrd);
		snprintf(run->initrd, sizeof(run->initrd), "%s/initrd", run->dir);
		run->warm = WARM_SAVE;
	}
	/* /init stops at its warm point and says so (run_warm_mark). */
	if (asprintf(&cmd, "%s pkvm.warm=save", run->cmdline) >= 0) {
		free(run->cmdline);
		run->cmdline = cmd;
	}
	fd = open(run->warm_ram, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

/* A worker of RUN's is done: false when RUN goes on, true when it ended
 * meanwhile (and was freed if this was the last thing it waited for). */
static bool
warm_work_done(struct run *run)
{
	run->warm_busy = false;
	if (--run->open_timers == 0) {
		HOOK(run, free)(run);
		return true;
	}
	return run->phase == RUN_FINISHED;
}

static void
warm_save_work(uv_work_t *w)
{
	struct run *run = w->data;

	run->warm_err = warm_save(run->r->env.state_dir, run->warm_key, run->dir, run->warm_ram,
	    run->id, &run->warm_cause);
}

static void
warm_save_after(uv_work_t *w, int status)
{
	struct run *run = w->data;
	char text[512];
	char *go;

	(void)status;
	if (warm_work_done(run))
		return;
	if (run->warm_err < 0) {
		snprintf(text, sizeof(text), "warm: saving this VM failed: %s; the job goes on",
		    run->warm_cause ? run->warm_cause : strerror(-run->warm_err));
		log_warnx("job %lld: %s", (long long)run->id, text);
	} else {
		snprintf(text, sizeof(text),
		    "warm: saved this VM at /init in %llu ms; later jobs of this kernel, machine "
		    "and files start from it",
		    (unsigned long long)(uv_now(run->r->env.loop) - run->warm_t0));
		log_info("job %lld: %s", (long long)run->id, text);
	}
	HOOK(run, serial_note)(run, text);
	/* Nothing to unpack: the job's own files came with its boot. */
	if (run->exec != NULL && run->r->ex->channel_send != NULL &&
	    (go = strdup("pkvm-job 0\n")) != NULL)
		(void)run->r->ex->channel_send(run->exec, go, strlen(go));
}

static void
warm_load_work(uv_work_t *w)
{
	struct run *run = w->data;

	run->warm_err = qmp_migrate_load(run->dir, run->warm_fd, WARM_MIGRATE_TIMEOUT_MS,
	    &run->warm_cause);
	close(run->warm_fd);
	run->warm_fd = -1;
	if (run->warm_err < 0)
		warm_forget(run->r->env.state_dir, run->warm_key);
}

/* A restore that did not work: the saved VM is forgotten (warm_load_work,
 * on_exit_cb), and once its qemu is gone the same run boots the job
 * (warm_reboot), as if there had been no saved VM.  Nothing of the guest's
 * ran, so it costs the job no attempt. */
static void
warm_restore_failed(struct run *run, const char *why)
{
	char text[512];

	if (run->verdict != RESULT_NONE || run->warm_failed)
		return;
	snprintf(text, sizeof(text),
	    "warm: starting from the VM job %lld saved failed: %s; it is forgotten, and the job "
	    "boots",
	    (long long)run->warm_from, why);
	HOOK(run, serial_note)(run, text);
	log_warnx("job %lld: %s", (long long)run->id, text);
	run->warm_failed = true;
}

static void
warm_load_after(uv_work_t *w, int status)
{
	struct run *run = w->data;
	char text[256];

	(void)status;
	if (warm_work_done(run))
		return;
	/* Its qemu went first (on_exit_cb): boot now that the load is over,
	 * unless the job was decided meanwhile (its timeout, a cancel). */
	if (run->warm_reboot_due) {
		if (run->verdict == RESULT_NONE && !run->cancel_requested && !run->shutdown_stop)
			warm_reboot(run);
		else
			HOOK(run, finish)(run, 0, false);
		return;
	}
	/* The load failed: qemu goes, and on_exit_cb says why, in qemu's
	 * words when it has some (warm_restore_failed). */
	if (run->warm_err < 0) {
		if (run->warm_cause == NULL)
			run->warm_cause = strdup(strerror(-run->warm_err));
		HOOK(run, stop)(run);
		return;
	}
	snprintf(text, sizeof(text),
	    "warm: started from the VM job %lld saved at /init, in %llu ms",
	    (long long)run->warm_from,
	    (unsigned long long)(uv_now(run->r->env.loop) - run->warm_t0));
	HOOK(run, serial_note)(run, text);
	log_info("job %lld: %s", (long long)run->id, text);
	if (run->r->ex->channel_send == NULL ||
	    run->r->ex->channel_send(run->exec, run->warm_layer, run->warm_layer_len) < 0) {
		warm_restore_failed(run, "the job's files could not be sent");
		HOOK(run, stop)(run);
	}
	run->warm_layer = NULL; /* the executor's now */
}

/* RUN's worker FN, then AFTER on the loop; RUN waits for it to end. */
static void
warm_queue(struct run *run, uv_work_cb fn, uv_after_work_cb after)
{
	run->warm_t0 = uv_now(run->r->env.loop);
	/* A run may load and then save (warm_reboot): each its own cause. */
	free(run->warm_cause);
	run->warm_cause = NULL;
	run->warm_err = 0;
	run->warm_work.data = run;
	run->open_timers++;
	run->warm_busy = true;
	if (uv_queue_work(run->r->env.loop, &run->warm_work, fn, after) != 0) {
		run->open_timers--;
		run->warm_busy = false;
	}
}

/* /init's marks at its warm point (initramfs/init, warm_point). */
void
run_warm_mark(struct run *run, const char *name)
{
	static const char why[] = "the kernel has no virtio console (virtio_console over "
				  "virtio_mmio, built in or among the job's --extra modules) "
				  "to take a job's files after a restore";

	if (name == NULL)
		return;
	/* Before any test only: a test (or what it left running) that
	 * prints the mark itself saves nothing. */
	if (strcmp(name, "warm-ready") == 0 && run->warm == WARM_SAVE && !run->warm_saving &&
	    !run->warm_late && run->exec != NULL) {
		run->warm_saving = true;
		warm_queue(run, warm_save_work, warm_save_after);
	} else if (strcmp(name, "warm-unavailable") == 0 && run->warm == WARM_SAVE &&
	    !run->warm_late) {
		warm_mark_unavailable(run->r->env.state_dir, run->warm_key, run->id, why);
		run->warm = WARM_UNAVAILABLE;
		HOOK(run, serial_note)
		(run,
		    "warm: this VM cannot be saved: the kernel has no virtio "
		    "console to take a later job's files; jobs of this kernel boot");
	} else if (strcmp(name, "warm-started") == 0 && run->warm == WARM_RESTORE &&
	    !run->warm_late) {
		run->warm_started = true;
	}
}

void
run_warm_spec(struct run *run, struct exec_spec *spec)
{
	if (run->warm != WARM_UNAVAILABLE) {
		spec->warm_ram = run->warm_ram;
		spec->warm_incoming = run->warm == WARM_RESTORE;
	}
	if (run->warm == WARM_UNAVAILABLE) {
		char text[512];

		snprintf(text, sizeof(text), "warm: booting: %s (found by job %lld)", run->warm_why,
		    (long long)run->warm_from);
		HOOK(run, serial_note)(run, text);
	} else if (run->warm == WARM_SAVE) {
		HOOK(run, serial_note)
		(run,
		    "warm: no saved VM of this kernel, machine and files yet: booting, "
		    "and saving it at /init");
	}
}

void
run_warm_started(struct run *run)
{
	if (run->warm == WARM_RESTORE)
		warm_queue(run, warm_load_work, warm_load_after);
}

/* The qemu of a restore that failed is gone: prepare the job again, this
 * time to boot (and save a new VM), in the same run. */
static void
warm_reboot(struct run *run)
{
	struct runner *r = run->r;
	uv_timer_t *timers[] = { &run->t_timeout, &run->t_idle, &run->t_kill, &run->t_crash,
		&run->t_done };
	char dir[PATH_MAX];

	r->ex->release(run->exec);
	run->exec = NULL;
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		uv_timer_stop(timers[i]);
	HOOK(run, initrd_delete)(run);
	snprintf(run->initrd, sizeof(run->initrd), "%s/initrd", run->dir);
	free(run->warm_layer);
	run->warm_layer = NULL;
	run->warm = WARM_SAVE;
	run->warm_failed = false;
	run->warm_rebooted = true;
	run->warm_reboot_due = false;
	run->warm_late = false;
	run->seen_output = false;
	console_parser_reset(run->parser);
	/* A channel of its own for the new qemu: the old one ended with it. */
	artifact_channel_free(run->chan);
	run->chan = NULL;
	snprintf(dir, sizeof(dir), "%s/artifacts", run->dir);
	(void)artifact_channel_new(&run->chan, dir, (uint64_t)r->env.artifact_max_bytes,
	    r->hooks->on_channel_artifact, run);
	if (run->chan == NULL)
		run->warm_on = false;
	run->phase = RUN_PREPARING;
	HOOK(run, phase)(run, PHASE_PREPARING);
	run->prep.data = run;
	uv_queue_work(r->env.loop, &run->prep, r->hooks->prep_work, r->hooks->prep_after);
}

bool
run_warm_exited(struct run *run, int64_t exit_status, const char *last_error)
{
	/* A restored guest that ended before it took its job: the restore
	 * did not work. */
	if (run->warm == WARM_RESTORE && !run->warm_started && run->verdict == RESULT_NONE) {
		char why[320];

		/* qemu's own words first: its monitor's end is only a
		 * symptom (the load's worker may see it before we see qemu
		 * go); else why the load gave up. */
		if (exit_status != 0 && last_error != NULL)
			snprintf(why, sizeof(why), "qemu exited with status %lld: %s",
			    (long long)exit_status, last_error);
		else if (run->warm_cause != NULL)
			snprintf(why, sizeof(why), "%s", run->warm_cause);
		else
			snprintf(why, sizeof(why), "qemu exited with status %lld",
			    (long long)exit_status);
		warm_restore_failed(run, why);
		warm_forget(run->r->env.state_dir, run->warm_key);
	}
	if (!run->warm_failed || run->warm_rebooted || run->verdict != RESULT_NONE ||
	    run->cancel_requested || run->shutdown_stop)
		return false;
	/* Not while the load still talks to the old qemu's monitor, whose
	 * socket the new qemu would make again. */
	if (run->warm_busy)
		run->warm_reboot_due = true;
	else
		warm_reboot(run);
	return true;
}
