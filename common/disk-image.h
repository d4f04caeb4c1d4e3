/*
 * disk-image.h -- is this file a disk image a job may attach?
 *
 * A job's disks (pkvmctl submit --disk) are raw images or qcow2 images,
 * told apart by the qcow2 magic "QFI\xfb" at byte 0 and never by their
 * name: qemu is always told the format, so it never probes one (a raw
 * image whose first sector a guest wrote a qcow2 header into would
 * otherwise be opened as qcow2 on its next use).
 *
 * Two things in a qcow2 header make qemu open another file, named by a
 * host path: a backing file, and (qcow2 v3) an external data file.  A
 * guest image must never make qemu open a host file, so an image with
 * either is refused, with the qemu-img command that makes it
 * self-contained.  Other image formats (VMDK, VDI, VHDX, QED) and files
 * that are clearly no disk (a kernel, an ELF file, an archive) are
 * refused by name; a raw image must be whole sectors of 512 bytes.
 * Both pkvmctl (before uploading) and pkvmd (at submit, and again before
 * qemu starts) use these checks.
 */
#ifndef PKVM_DISK_IMAGE_H
#define PKVM_DISK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* How many bytes of a file disk_image_check() wants to see. */
#define DISK_IMAGE_HEAD_BYTES 512

enum disk_format { DISK_UNKNOWN, DISK_RAW, DISK_QCOW2 };

/* Classify a file of SIZE_BYTES whose first LEN bytes are HEAD (pass at
 * least DISK_IMAGE_HEAD_BYTES when the file has them): its format, or
 * DISK_UNKNOWN with *WHY a one-line reason (static text). */
enum disk_format disk_image_check(const unsigned char *head, size_t len, uint64_t size_bytes,
    const char **why);
/* Name of format F as qemu spells it ("raw", "qcow2"), or NULL. */
const char *disk_format_name(enum disk_format f);
/* Parse "raw" or "qcow2"; 0, or -EINVAL. */
int disk_format_parse(const char *name, enum disk_format *out);

#endif
