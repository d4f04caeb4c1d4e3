/*
 * payload-image.c -- flat aarch64 binaries and arm64 EFI apps by their
 * first bytes.
 *
 * The checks are deliberately about what the file is not as much as what
 * it is: a flat binary has no header at all, so the best a check can do
 * is refuse every format it knows to be something else and make sure the
 * first word is an instruction the CPU would execute.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "payload-image.h"

#define PE_MACHINE_ARM64 0xaa64
#define PE_SUBSYSTEM_EFI_APPLICATION 10

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static enum payload_format
refuse(const char **why, const char *text)
{
	if (why != NULL)
		*why = text;
	return PAYLOAD_UNKNOWN;
}

/* Only printable ASCII and white space in the first LEN bytes: a script,
 * a config file, a text file given by mistake. */
static bool
looks_like_text(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' || p[i] == '\r' ||
			p[i] == '\t'))
			return false;
	return true;
}

/* A PE/COFF image: an arm64 EFI application, or a refusal naming what it
 * is instead. */
static enum payload_format
pe_format(const unsigned char *head, size_t len, const char **why)
{
	uint32_t pe;
	uint16_t machine, magic, subsystem;
	size_t opt;

	if (len < 0x40)
		return refuse(why, "a truncated DOS/PE header (\"MZ\" and nothing more)");
	pe = le32(head + 0x3c);
	if (pe > len - 24 || memcmp(head + pe, "PE\0\0", 4) != 0)
		return refuse(why,
		    "a DOS executable without a PE header within its first "
		    "512 bytes: not an EFI application");
	machine = le16(head + pe + 4);
	if (machine != PE_MACHINE_ARM64)
		return refuse(why,
		    machine == 0x8664 ? "a PE/COFF image for x86-64, not arm64"
				      : "a PE/COFF image for another machine, "
					"not arm64 (0xaa64)");
	opt = pe + 24;
	/* The subsystem is at offset 68 of both PE32 and PE32+ headers. */
	if (opt + 70 > len)
		return refuse(why, "a PE/COFF image whose optional header is cut short");
	magic = le16(head + opt);
	if (magic != 0x20b && magic != 0x10b)
		return refuse(why, "a PE/COFF image without a valid optional header");
	subsystem = le16(head + opt + 68);
	if (subsystem != PE_SUBSYSTEM_EFI_APPLICATION)
		return refuse(why,
		    "an arm64 PE/COFF image that is not an EFI application "
		    "(its subsystem is not 10)");
	return PAYLOAD_EFI;
}

enum payload_format
payload_image_format(const unsigned char *head, size_t len, const char **why)
{
	uint32_t insn, op0;

	if (len == 0)
		return refuse(why, "an empty file");
	/* An arm64 Linux Image is an EFI app too (its EFI stub); qemu boots
	 * it directly, which is how it is meant to run here. */
	if (len >= 60 && memcmp(head + 56, "ARM\x64", 4) == 0)
		return PAYLOAD_FLAT;
	if (len >= 2 && head[0] == 'M' && head[1] == 'Z')
		return pe_format(head, len, why);
	if (len >= 4 && memcmp(head, "\177ELF", 4) == 0)
		return refuse(why,
		    "an ELF file: give the flat binary (objcopy -O binary, "
		    "kvm-unit-tests' .flat) or the .efi");
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return refuse(why, "a gzip file: unpack it first");
	if (len >= 2 && head[0] == '#' && head[1] == '!')
		return refuse(why, "a script, not a flat aarch64 binary");
	if (looks_like_text(head, len < 64 ? len : 64))
		return refuse(why, "a text file, not a flat aarch64 binary");
	if (len < 4)
		return refuse(why, "shorter than one aarch64 instruction");
	insn = le32(head);
	/* A64's top-level encoding groups (bits 28:25): 0000 holds UDF (and
	 * SME, which no payload starts with), 0001 and 0011 are unallocated. */
	op0 = (insn >> 25) & 0xf;
	if (insn == 0 || (insn >> 16) == 0)
		return refuse(why, "its first word is zero or UDF, not an aarch64 instruction");
	if (op0 == 0x1 || op0 == 0x3)
		return refuse(why,
		    "its first word is not an aarch64 instruction (an "
		    "unallocated encoding)");
	return PAYLOAD_FLAT;
}

const char *
payload_format_name(enum payload_format f)
{
	switch (f) {
	case PAYLOAD_FLAT:
		return "flat";
	case PAYLOAD_EFI:
		return "efi";
	case PAYLOAD_UNKNOWN:
		break;
	}
	return "unknown";
}
