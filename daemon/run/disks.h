/*
 * disks.h -- a job's disk images, made ready for qemu.
 *
 * A job's --disk blobs are shared by every job that names them and must
 * never change, so a writable disk is attached through an overlay of its
 * own: JOBDIR/disk-vdX.qcow2, made by `qemu-img create -f qcow2 -b BLOB
 * -F FORMAT` before qemu starts (in the runner's preparation worker, off
 * the loop), whose writes land in the overlay while the blob stays the
 * backing file qemu opens read-only.  A read-only disk (--disk FILE,ro)
 * is the blob itself with readonly=on.  The overlays go when the job ends,
 * unless it asked to keep them (--keep-disk), when they are job files
 * like its console (GET /v1/jobs/ID/disks/vdX).
 */
#ifndef PKVM_RUN_DISKS_H
#define PKVM_RUN_DISKS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct blobs;
struct job;

/* One disk as qemu opens it. */
struct run_disk {
	char path[PATH_MAX]; /* the overlay, or the blob when read-only */
	const char *format; /* "qcow2" for an overlay, else the blob's */
	bool readonly;
	bool overlay; /* PATH is the job's overlay (deleted at the end) */
	char backing[PATH_MAX]; /* the blob under an overlay, else "" */
};

/* The guest device name of disk I ("vda", "vdb", ...) into NAME (8 bytes). */
void disks_device_name(size_t i, char name[8]);
/* Make job J's disks ready in JOBDIR, running QEMU_IMG for the overlays,
 * into OUT (J->ndisks of them).  Runs in a worker thread.  0, or negative
 * errno with *CAUSE saying why (the overlays made so far are removed). */
int disks_prepare(const char *qemu_img, struct blobs *b, const struct job *j, const char *jobdir,
    struct run_disk *out, char **cause);
/* Point overlay D at BACKING (of FORMAT), a copy of its backing file,
 * with QEMU_IMG; blocking.  0, or negative errno with *CAUSE. */
int disks_rebase(const char *qemu_img, struct run_disk *d, const char *backing, const char *format,
    char **cause);
/* Remove the overlays of the N disks of D, unless KEEP. */
void disks_cleanup(const struct run_disk *d, size_t n, bool keep);

#endif
