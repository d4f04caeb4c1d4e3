/*
 * extra-path.c -- the rule for "extra" paths (see extra-path.h).
 *
 * A path is relative to the guest's root and made of '/'-separated
 * components of [A-Za-z0-9._+@:=-]: no blanks, quotes or newlines that the
 * guest's shell /init or the cpio writer would have to escape, and no "."
 * or ".." that could step out of the root or name one file two ways.  It
 * may not replace what the guest needs to run the job: /init itself, the
 * busybox it runs under (bin/busybox, bin/sh), the job's executables
 * (ramfs.exe/) and its settings (pkvm/), all of which pkvmd writes into
 * the same initramfs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "extra-path.h"

/* Paths an entry may not be: files /init relies on. */
static const char *const reserved[] = { "init", "bin/busybox", "bin/sh" };

/* Directories an entry may be neither of nor under: pkvmd fills them. */
static const struct {
	const char *dir;
	const char *problem;
} owned[] = {
	{ .dir = "ramfs.exe", .problem = "is where the job's executables go (ramfs.exe/)" },
	{ .dir = "pkvm", .problem = "is where pkvmd puts the job's settings (pkvm/)" },
};

#define STR(x) STR_(x)
#define STR_(x) #x

/* May C be part of a component?  (strchr() finds the NUL too, hence the
 * first test.) */
static bool
component_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("._+@:=-", c) != NULL);
}

const char *
pkvm_extra_path_problem(const char *path)
{
	const char *c = path;

	if (path[0] == '\0' || strlen(path) > PKVM_EXTRA_PATH_MAX)
		return "must be 1 to " STR(PKVM_EXTRA_PATH_MAX) " characters";
	if (path[0] == '/')
		return "must be relative (no leading '/')";
	while (*c != '\0') {
		size_t len = strcspn(c, "/");

		if (len == 0)
			return "has an empty component ('//' or a trailing '/')";
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return "may not contain '.' or '..' components";
		for (size_t i = 0; i < len; i++)
			if (!component_char(c[i]))
				return "has a character outside A-Z a-z 0-9 . _ + @ : = -";
		c += len;
		if (*c == '/' && *++c == '\0')
			return "has an empty component ('//' or a trailing '/')";
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(path, reserved[i]) == 0)
			return "would replace a file /init needs";
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		size_t n = strlen(owned[i].dir);

		if (strncmp(path, owned[i].dir, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return owned[i].problem;
	}
	return NULL;
}
