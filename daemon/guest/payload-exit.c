/*
 * payload-exit.c -- a payload's end from its exit status and console.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/payload-exit.h"

/* The lines that say the payload took an exception it could not handle:
 * kvm-unit-tests' arm64 handler (lib/arm64/processor.c), its arm one
 * (lib/arm/processor.c), and the UEFI firmware's (ArmPkg's
 * DefaultExceptionHandler) when an EFI app faults. */
static const char *const exception_prefixes[] = {
	"Unhandled exception ",
	"Unhandled vector ",
	"Got bad vector",
	"Got bad ec",
	"Synchronous Exception at ",
};

void
payload_exit_line(struct payload_exit *x, const char *line)
{
	const char *p;
	char *end;
	long n;

	x->printed = true;
	/* An EFI console may colour its lines: skip escape sequences. */
	while (line[0] == '\033') {
		p = line + 1 + strspn(line + 1, "[0123456789;?");
		line = *p != '\0' ? p + 1 : p;
	}
	line += strspn(line, " \t");
	if (!x->has_exit_line && strncmp(line, "EXIT: STATUS=", 13) == 0) {
		n = strtol(line + 13, &end, 10);
		if (end != line + 13 && n >= 0 && n < 256) {
			x->has_exit_line = true;
			x->exit_line_status = (int)n;
		}
		return;
	}
	if (x->exception[0] != '\0')
		return;
	for (size_t i = 0; i < sizeof(exception_prefixes) / sizeof(exception_prefixes[0]); i++)
		if (strncmp(line, exception_prefixes[i], strlen(exception_prefixes[i])) == 0) {
			snprintf(x->exception, sizeof(x->exception), "%s", line);
			return;
		}
}

int
payload_exit_status(const struct payload_exit *x, int64_t qemu_status, const char **how)
{
	const char *h;
	int status;

	if (qemu_status == 1) {
		h = "the test device";
		status = 0;
	} else if (qemu_status == 0 && x->has_exit_line) {
		h = "EXIT: STATUS on the console";
		status = x->exit_line_status == 1 ? 0 : x->exit_line_status;
	} else if (qemu_status == 0) {
		/* "Exiting with zero (non-debugexit) is an error." */
		h = "a power-off without an exit status";
		status = 1;
	} else {
		h = "the test device";
		status = (int)qemu_status;
	}
	if (how != NULL)
		*how = h;
	return status;
}
