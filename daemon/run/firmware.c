/*
 * firmware.c -- QEMU firmware descriptor lookup.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "run/firmware.h"

static bool
array_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i,
	    v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static bool
targets_virt_aarch64(json_t *targets)
{
	size_t i, k;
	json_t *t, *m;

	json_array_foreach(targets, i, t)
	{
		const char *arch = json_string_value(json_object_get(t, "architecture"));

		if (arch == NULL || strcmp(arch, "aarch64") != 0)
			continue;
		json_array_foreach(json_object_get(t, "machines"), k, m) if (json_is_string(m) &&
		    fnmatch(json_string_value(m), "virt", 0) == 0) return true;
		json_array_foreach(json_object_get(t, "machines"), k, m) if (json_is_string(m) &&
		    fnmatch(json_string_value(m), "virt-7.2", 0) == 0) return true;
	}
	return false;
}

/* Does descriptor D fit?  Fills FW when it does. */
static bool
descriptor_fits(json_t *d, struct firmware *fw)
{
	json_t *map = json_object_get(d, "mapping");
	const char *dev = json_string_value(json_object_get(map, "device"));
	const char *code, *vars, *fmt;

	if (!array_has(json_object_get(d, "interface-types"), "uefi"))
		return false;
	if (dev == NULL || strcmp(dev, "flash") != 0)
		return false;
	if (!targets_virt_aarch64(json_object_get(d, "targets")))
		return false;
	/* Enrolled keys would refuse an unsigned test kernel. */
	if (array_has(json_object_get(d, "features"), "enrolled-keys") ||
	    array_has(json_object_get(d, "features"), "requires-smm"))
		return false;
	code = json_string_value(json_object_get(json_object_get(map, "executable"), "filename"));
	vars = json_string_value(
	    json_object_get(json_object_get(map, "nvram-template"), "filename"));
	fmt = json_string_value(json_object_get(json_object_get(map, "executable"), "format"));
	if (code == NULL || vars == NULL || access(code, R_OK) != 0 || access(vars, R_OK) != 0)
		return false;
	snprintf(fw->code, sizeof(fw->code), "%s", code);
	snprintf(fw->vars, sizeof(fw->vars), "%s", vars);
	snprintf(fw->format, sizeof(fw->format), "%s", fmt ? fmt : "raw");
	return true;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
firmware_find_uefi(const char *dir, struct firmware *fw, char **cause)
{
	struct dirent **ents = NULL;
	int n, found = 0;

	*cause = NULL;
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		if (asprintf(cause,
			"no QEMU firmware descriptors in %s: install "
			"qemu-efi-aarch64 (%s)",
			dir, strerror(errno)) < 0)
			*cause = NULL;
		return -ENOENT;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		json_t *d;

		if (!found && strstr(ents[i]->d_name, ".json") != NULL) {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			d = json_load_file(path, 0, NULL);
			if (d != NULL && descriptor_fits(d, fw))
				found = 1;
			json_decref(d);
		}
		free(ents[i]);
	}
	free(ents);
	if (!found) {
		if (asprintf(cause,
			"no UEFI firmware for aarch64 virt in %s: install "
			"qemu-efi-aarch64",
			dir) < 0)
			*cause = NULL;
		return -ENOENT;
	}
	return 0;
}
