/*
 * qemu-policy.h -- which qemu arguments a non-admin job may carry.
 *
 * pkvmd builds qemu's command line itself and appends the job's
 * qemu_args.  An admin may pass anything; everyone else gets an
 * allow-list of options that change the emulated machine (CPUs, memory,
 * CPU model and features, machine properties, logging, device models
 * without a host backend) and nothing that names a host file, device,
 * socket or program (docs/LAB.md, "What qemu may be asked to do").
 */
#ifndef PKVM_QEMU_POLICY_H
#define PKVM_QEMU_POLICY_H

#include "job/job-json.h"

/* Whether J's qemu_args pass the non-admin allow-list: 0, or -EINVAL with
 * *E (invalid_field, qemu_args) naming the first refused argument and why. */
int job_qemu_args_check(const struct job *j, struct job_json_error *e);

#endif
