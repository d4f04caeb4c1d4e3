/*
 * payload-exit.h -- how a bare payload ended, the way kvm-unit-tests reads it.
 *
 * A payload (docs/PAYLOADS.md) has no init to report its result; it ends
 * the way kvm-unit-tests' tests end (lib/arm/io.c exit()):
 *
 *   - it prints "EXIT: STATUS=N" with N = (code << 1) | 1,
 *   - writes "<code>q" to the chr-testdev (a virtio console), which makes
 *     qemu exit with the status (code << 1) | 1,
 *   - and when there is no test device (an EFI app), powers off through
 *     PSCI SYSTEM_OFF (or UEFI's ResetSystem), which makes qemu exit 0.
 *
 * kvm-unit-tests' runner (scripts/arch-run.bash run_test_status() and
 * scripts/vmm.bash qemu_fixup_return_code()) turns that into one status:
 * qemu's 1 is 0 (success); qemu's 0 means no test-device exit, and the
 * status is the console's "EXIT: STATUS=N" (1 again meaning 0), or 1 (a
 * failure) when the payload printed none; anything else is the status as
 * it is.  Then 0 passes, 77 is a skip (report_summary() returns 77 >> 1
 * when every test skipped), anything else fails, 127 being an abort() --
 * which is how kvm-unit-tests' exception handler ends after printing
 * "Unhandled exception ec=0x.. (NAME)".  That line, or the firmware's
 * "Synchronous Exception at 0x..." for an EFI app, marks the payload as
 * crashed.
 */
#ifndef PKVM_PAYLOAD_EXIT_H
#define PKVM_PAYLOAD_EXIT_H

#include <stdbool.h>
#include <stdint.h>

/* kvm-unit-tests' status of a skipped test, and of an aborted one. */
#define PAYLOAD_STATUS_SKIP 77
#define PAYLOAD_STATUS_ABORT 127

/* What one payload's console said about its end; zero it per payload. */
struct payload_exit {
	bool printed; /* any line at all */
	bool has_exit_line;
	int exit_line_status; /* N of the first "EXIT: STATUS=N" */
	char exception[160]; /* the first unhandled-exception line, "" if none */
};

/* Take one console LINE of the payload's ('\r' and '\n' stripped). */
void payload_exit_line(struct payload_exit *x, const char *line);
/* kvm-unit-tests' status of a payload whose qemu exited with QEMU_STATUS:
 * 0 pass, PAYLOAD_STATUS_SKIP skip, anything else a failure.  *HOW (when
 * not NULL) gets a static phrase saying where it came from. */
int payload_exit_status(const struct payload_exit *x, int64_t qemu_status, const char **how);

#endif
