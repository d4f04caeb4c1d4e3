/*
 * executor.h -- how a prepared job becomes a running guest.
 *
 * The runner never spawns anything itself: it hands a struct exec_spec to
 * an executor and hears back console bytes and one exit.  The executor,
 * executor-qemu.c, runs qemu-system-aarch64 as a local child, or, with
 * --executor slurm, as `srun qemu-system-aarch64 ...` (slurm.h): the same
 * operations either way.
 *
 * Ordering promise: on_exit is called exactly once, after the last
 * on_output, so the runner has the whole console when it decides the
 * result.
 */
#ifndef PKVM_EXECUTOR_H
#define PKVM_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

struct job;
struct job_exe;
struct firmware;
struct run_disk;

/* The directory in a job's directory where its qemu makes its QMP socket,
 * "sock" (run/qmp.c connects to it). */
#define QEMU_QMP_DIR "qmp"

struct exec_spec {
	const struct job *job;
	const char *jobdir; /* outputs: qemu.log, qemu.cmd, vars.fd */
	const char *kernel; /* path of the kernel blob */
	const char *initrd; /* path of the assembled initrd */
	const char *cmdline; /* full kernel command line */
	const struct firmware *fw; /* UEFI firmware when the job asks for it */
	const char *vars; /* the job's own copy of the UEFI variables */
	const struct run_disk *disks; /* the job's disks, ready (run/disks.h) */
	size_t ndisks;
	/* A payload job (docs/PAYLOADS.md): the payload to boot now (kernel
	 * is its blob, initrd and cmdline unused), else NULL; an EFI
	 * payload's FAT directory (its app and startup.nsh). */
	const struct job_exe *payload;
	const char *fatdir;
	/* A warm job (warm.h): the file that is the guest's RAM, else NULL;
	 * and whether qemu waits for a saved VM (-incoming defer) to load
	 * on it rather than booting. */
	const char *warm_ram;
	bool warm_incoming;
};

struct exec_callbacks {
	void *arg;
	/* Console bytes as the guest prints them. */
	void (*on_output)(void *arg, const char *buf, size_t len);
	/* The guest is gone: exit status, or the signal that killed it,
	 * and the last line qemu wrote to its stderr (NULL: none), which
	 * says why when qemu refused to start. */
	void (*on_exit)(void *arg, int64_t exit_status, int term_signal, const char *last_error);
	/* Bytes the guest wrote to the artifact channel, the virtio-serial
	 * port ARTIFACT_CHANNEL_PORT (artifact-channel.h); NULL: the guest
	 * gets no such port.  They all come before on_exit. */
	void (*on_channel)(void *arg, const char *buf, size_t len);
	/* The guest runs elsewhere: WHERE names it ("Slurm job 12 on node
	 * n1"), once it runs.  NULL: not wanted. */
	void (*on_placed)(void *arg, const char *where);
	/* The infrastructure, not the guest, ended the run (a Slurm node
	 * failed): WHY, once, before on_exit.  NULL: not wanted. */
	void (*on_lost)(void *arg, const char *why);
};

struct exec_handle;

struct executor_ops {
	const char *name;
	/* Start SPEC; 0 or negative errno with *CAUSE. */
	int (*start)(uv_loop_t *loop, const struct exec_spec *spec, const struct exec_callbacks *cb,
	    struct exec_handle **out, char **cause);
	/* Ask the guest to stop (SIGTERM), or force it (SIGKILL). */
	void (*stop)(struct exec_handle *h, bool force);
	/* The local process id, 0 when there is none. */
	pid_t (*pid)(struct exec_handle *h);
	/* Free the handle after on_exit (closes its loop handles). */
	void (*release)(struct exec_handle *h);
	/* Write the device tree of SPEC's machine to PATH and return, for an
	 * EFI payload's firmware (docs/PAYLOADS.md); blocking, for a worker
	 * thread.  0 or negative errno with *CAUSE.  NULL: not supported. */
	int (*dump_dtb)(const struct exec_spec *spec, const char *path, char **cause);
	/* Queue LEN bytes for the guest's serial input (pkvmctl attach): 0,
	 * -EPIPE when the guest is gone, -ENOBUFS when the guest has not
	 * read what was queued before.  NULL: the executor takes no input. */
	int (*input)(struct exec_handle *h, const char *buf, size_t len);
	/* Send LEN bytes back to the guest over the artifact channel without
	 * blocking: 0, or negative errno (-EPIPE once the channel ended or
	 * when there is none, -EAGAIN when the guest is not reading).  May be
	 * NULL for an executor without a channel. */
	int (*channel_write)(struct exec_handle *h, const char *buf, size_t len);
	/* Queue BUF (LEN bytes, malloc'd: the executor frees it) for the
	 * guest over the artifact channel, however long, sent as the guest
	 * reads: 0, or negative errno (-EPIPE when there is no channel).
	 * May be NULL, as channel_write. */
	int (*channel_send)(struct exec_handle *h, char *buf, size_t len);
};

/* The qemu executor; QEMU and SPAWN_HELPER are binaries to run.  It runs
 * qemu through Slurm once slurm_configure() was called. */
const struct executor_ops *executor_qemu(const char *qemu, const char *spawn_helper);
/* Run the local qemu as USER (--qemu-user; pkvmd must be root) and let it
 * search STATE_DIR, its jobs/ and blobs/: 0 or negative errno with *CAUSE. */
int executor_qemu_run_as(const char *user, const char *state_dir, char **cause);

#endif
