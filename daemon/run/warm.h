/*
 * warm.h -- saved VMs for warm starts (docs/PERFORMANCE.md, "Boot once,
 * test many").
 *
 * A job submitted with `warm` boots as usual the first time, with
 * pkvm.warm=save: /init stops where the job's own files would come in
 * (initramfs/init, warm_point) and says so; pkvmd saves the VM there and
 * lets it go on.  A later job with the same key starts from that state
 * instead of booting, and gets its tests over the artifact channel.
 *
 * The guest's RAM is a shared file (memory-backend-file, share=on) and
 * stays out of the migration stream (x-ignore-shared): a save copies the
 * file (holes stay holes: ~90 MB of 1 GB), a restore maps a copy of it.
 * So a restore costs what the guest used, not the RAM it was given.
 *
 * The key covers what the saved guest has seen: the owner (a saved VM's
 * free memory still holds the first job's files), the kernel, pkvmd's
 * base layer, the job's --extra tree, CPU, memory, CPUs, network, extra
 * qemu arguments and the user's kernel arguments.  The rest of a job
 * (tests, their settings, seed, timeouts) is delivered after a restore.
 *
 * STATE/warm/KEY/ holds vmstate (the devices), ram and job (the id of
 * the job that saved it); or unavailable (id and why: this kernel has no
 * virtio console for the delivery).  At most WARM_KEEP are kept, the
 * least recently used go first.  Every function here touches files only
 * and may block: for worker threads.
 */
#ifndef PKVM_WARM_H
#define PKVM_WARM_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

struct job;

/* Saved VMs kept, at most (each about what its guest used of its RAM). */
#define WARM_KEEP 8

/* Longest a save or a restore may take before it counts as failed. */
#define WARM_MIGRATE_TIMEOUT_MS 30000

enum warm_state {
	WARM_SAVE, /* nothing saved yet: boot, and save at /init */
	WARM_RESTORE, /* a saved VM: start from it */
	WARM_UNAVAILABLE, /* this kernel cannot take a job after a restore */
};

/* The key of job J's saved VM, with BASE (the base layer's path, which
 * names its content) and CPU (the model it runs on), into KEY. */
int warm_key(const struct job *j, const char *base, const char *cpu, char key[SHA256_HEX_LEN + 1]);
/* What STATE_DIR holds for KEY: WARM_RESTORE with the saving job's id in
 * *FROM, WARM_UNAVAILABLE with the reason in WHY (LEN bytes) and the job
 * that found it in *FROM, else WARM_SAVE. */
enum warm_state warm_lookup(const char *state_dir, const char *key, int64_t *from, char *why,
    size_t len);
/* Copy KEY's saved RAM to RAM, and open its device state into *FD for
 * qmp_migrate_load; marks the saved VM used.  0 or negative errno with
 * *CAUSE. */
int warm_restore_prepare(const char *state_dir, const char *key, const char *ram, int *fd,
    char **cause);
/* Save the guest of job ID, running in JOBDIR on the RAM file RAM, as
 * KEY's VM, then let it go on: 0 or negative errno with *CAUSE (the
 * guest is let go on either way). */
int warm_save(const char *state_dir, const char *key, const char *jobdir, const char *ram,
    int64_t id, char **cause);
/* Remember that job ID found KEY's kernel unable to take a job after a
 * restore, for WHY: later jobs boot without trying. */
void warm_mark_unavailable(const char *state_dir, const char *key, int64_t id, const char *why);
/* Forget KEY's saved VM (a restore of it failed). */
void warm_forget(const char *state_dir, const char *key);

#endif
