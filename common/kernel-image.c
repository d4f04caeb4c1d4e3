/*
 * kernel-image.c -- arm64 Image header sniffing.
 */
#include <string.h>

#include "kernel-image.h"

enum kernel_format
kernel_image_format(const unsigned char *head, size_t len)
{
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return KERNEL_GZIP;
	if (len >= 60 && memcmp(head + 56, "ARM\x64", 4) == 0)
		return KERNEL_ARM64_IMAGE;
	return KERNEL_UNKNOWN;
}

const char *
kernel_image_refusal(enum kernel_format f)
{
	if (f == KERNEL_UNKNOWN)
		return "not an arm64 kernel Image (no \"ARM\\x64\" magic at offset 56) "
		       "nor a gzip of one: pass arch/arm64/boot/Image or Image.gz";
	return NULL;
}
