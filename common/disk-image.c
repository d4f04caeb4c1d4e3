/*
 * disk-image.c -- disk image header checks (see disk-image.h).
 *
 * The qcow2 header (qemu's docs/interop/qcow2.txt) is big-endian:
 *
 *     0  magic "QFI\xfb"        4  version (2 or 3)
 *     8  backing_file_offset   16  backing_file_size
 *    24  size (virtual)        ...
 *    72  incompatible_features (version 3; bit 2: external data file)
 *    100 header_length (version 3)
 */
#include <errno.h>
#include <string.h>

#include "disk-image.h"

#define SECTOR_BYTES 512
#define QCOW2_V2_HEADER_BYTES 72
#define QCOW2_V3_HEADER_BYTES 104
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static enum disk_format
refuse(const char **why, const char *text)
{
	*why = text;
	return DISK_UNKNOWN;
}

static enum disk_format
check_qcow2(const unsigned char *h, size_t len, const char **why)
{
	uint64_t version;

	if (len < QCOW2_V2_HEADER_BYTES)
		return refuse(why, "has the qcow2 magic but not a whole qcow2 header");
	version = be(h + 4, 4);
	if (version != 2 && version != 3)
		return refuse(why, "has the qcow2 magic but an unknown qcow2 version (not 2 or 3)");
	if (be(h + 8, 8) != 0 || be(h + 16, 4) != 0)
		return refuse(why,
		    "is a qcow2 image with a backing file (a host path qemu would open): make it "
		    "self-contained first with qemu-img convert -O qcow2 IMAGE NEW");
	if (version == 3) {
		if (len < QCOW2_V3_HEADER_BYTES || be(h + 100, 4) < QCOW2_V3_HEADER_BYTES)
			return refuse(why, "has the qcow2 magic but a damaged version 3 header");
		if (be(h + 72, 8) & QCOW2_INCOMPAT_DATA_FILE)
			return refuse(why,
			    "is a qcow2 image with an external data file (a host path qemu would "
			    "open): make it self-contained first with qemu-img convert -O qcow2 "
			    "IMAGE NEW");
	}
	if (be(h + 24, 8) == 0)
		return refuse(why, "is a qcow2 image of size 0");
	return DISK_QCOW2;
}

enum disk_format
disk_image_check(const unsigned char *h, size_t len, uint64_t size_bytes, const char **why)
{
	*why = NULL;
	if (len >= 4 && memcmp(h, "QFI\xfb", 4) == 0)
		return check_qcow2(h, len, why);
	if (len >= 4 &&
	    (memcmp(h, "KDMV", 4) == 0 || (len >= 17 && memcmp(h, "# Disk Descriptor", 17) == 0)))
		return refuse(why, "is a VMDK image: convert it with qemu-img convert -O qcow2");
	if (len >= 8 && memcmp(h, "vhdxfile", 8) == 0)
		return refuse(why, "is a VHDX image: convert it with qemu-img convert -O qcow2");
	if (len >= 68 && be(h + 64, 4) == 0x7f10dabe)
		return refuse(why, "is a VDI image: convert it with qemu-img convert -O qcow2");
	if (len >= 4 && memcmp(h, "QED\0", 4) == 0)
		return refuse(why, "is a QED image: convert it with qemu-img convert -O qcow2");
	if (len >= 60 && memcmp(h + 56, "ARM\x64", 4) == 0)
		return refuse(why, "is an arm64 kernel Image, not a disk image");
	if (len >= 4 && memcmp(h, "\177ELF", 4) == 0)
		return refuse(why, "is an ELF file, not a disk image");
	if ((len >= 2 && h[0] == 0x1f && h[1] == 0x8b) ||
	    (len >= 6 &&
		memcmp(h,
		    "\xfd"
		    "7zXZ\0",
		    6) == 0) ||
	    (len >= 4 && memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0))
		return refuse(why,
		    "is compressed (gzip, xz or zstd), not a disk image: uncompress it first");
	if (size_bytes == 0)
		return refuse(why, "is empty, not a disk image");
	if (size_bytes % SECTOR_BYTES != 0)
		return refuse(why,
		    "is not a disk image: a raw image is whole sectors of 512 bytes, and it has "
		    "no qcow2 header");
	return DISK_RAW;
}

const char *
disk_format_name(enum disk_format f)
{
	return f == DISK_RAW ? "raw" : f == DISK_QCOW2 ? "qcow2" : NULL;
}

int
disk_format_parse(const char *name, enum disk_format *out)
{
	if (strcmp(name, "raw") == 0)
		*out = DISK_RAW;
	else if (strcmp(name, "qcow2") == 0)
		*out = DISK_QCOW2;
	else
		return -EINVAL;
	return 0;
}
