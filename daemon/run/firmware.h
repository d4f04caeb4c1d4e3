/*
 * firmware.h -- finding UEFI firmware for aarch64 the way QEMU tools do.
 *
 * QEMU's firmware descriptors (docs/interop/firmware.json; Debian's
 * qemu-efi-aarch64 installs them under /usr/share/qemu/firmware) say which
 * image is UEFI for which machine, and where its variable-store template
 * is.  We pick, in file-name order, the first descriptor for the "uefi"
 * interface on aarch64 "virt" that is a flash device and does not require
 * secure boot enrolled keys.
 */
#ifndef PKVM_FIRMWARE_H
#define PKVM_FIRMWARE_H

#include <stddef.h>

struct firmware {
	char code[4096]; /* executable image (read only) */
	char vars[4096]; /* NVRAM template, copied per job */
	char format[16]; /* "raw" or "qcow2" */
};

/* Search descriptors in DIR.  0, -ENOENT when none fits (with *CAUSE), or
 * negative errno. */
int firmware_find_uefi(const char *dir, struct firmware *fw, char **cause);

#endif
