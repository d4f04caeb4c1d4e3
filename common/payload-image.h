/*
 * payload-image.h -- is this file a bare payload qemu can boot on arm64?
 *
 * A payload job (docs/PAYLOADS.md) boots a file that is not a Linux kernel:
 * a kvm-unit-tests test (or any bare-metal program) built as a flat binary,
 * or a UEFI application.  Both are checked for what they must be before a
 * slot is spent on them:
 *
 *   EFI app   a PE/COFF image ("MZ", then "PE\0\0" at the offset the DOS
 *             header names) for the arm64 machine (0xaa64), with the EFI
 *             application subsystem (10) in its optional header.
 *   flat      a raw aarch64 binary, as `objcopy -O binary` makes it: qemu
 *             jumps to its first byte, so its first word must be an A64
 *             instruction (not zero, not an unallocated encoding), and the
 *             file is not something else we can recognise (ELF, gzip, a
 *             PE image for another machine, a text file or script).
 *
 * A Linux arm64 Image (its "ARM\x64" magic at byte 56) is a flat binary
 * to this check: qemu boots it the same way.
 */
#ifndef PKVM_PAYLOAD_IMAGE_H
#define PKVM_PAYLOAD_IMAGE_H

#include <stddef.h>

/* How many leading bytes payload_image_format() wants to see. */
#define PAYLOAD_HEAD_BYTES 512

enum payload_format {
	PAYLOAD_UNKNOWN, /* refused: *why says what it looks like */
	PAYLOAD_FLAT, /* a raw aarch64 binary, booted as -kernel */
	PAYLOAD_EFI, /* an arm64 UEFI application, booted from a FAT drive */
};

/* Classify the first LEN bytes of a payload file (PAYLOAD_HEAD_BYTES are
 * enough); when refused, *WHY (when WHY is not NULL) gets one line saying
 * why, a static string. */
enum payload_format payload_image_format(const unsigned char *head, size_t len, const char **why);
/* The wire name of F: "flat", "efi", or "unknown". */
const char *payload_format_name(enum payload_format f);

#endif
