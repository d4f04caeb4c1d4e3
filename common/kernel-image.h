/*
 * kernel-image.h -- is this file something qemu can boot as an arm64 kernel?
 *
 * An arm64 Image carries the magic "ARM\x64" at byte 56 of its header
 * (Documentation/arm64/booting.rst).  Distributions also ship it gzipped
 * (Image.gz), which qemu's -kernel unpacks itself.  Anything else -- an x86
 * bzImage, a vmlinux ELF, a typo'd path -- is refused before a slot is spent.
 */
#ifndef PKVM_KERNEL_IMAGE_H
#define PKVM_KERNEL_IMAGE_H

#include <stddef.h>

enum kernel_format { KERNEL_UNKNOWN, KERNEL_ARM64_IMAGE, KERNEL_GZIP };

/* Classify the first LEN bytes of a kernel file (64 are enough). */
enum kernel_format kernel_image_format(const unsigned char *head, size_t len);
/* A one-line description of why a file of format F is refused, or NULL when
 * it is acceptable. */
const char *kernel_image_refusal(enum kernel_format f);

#endif
