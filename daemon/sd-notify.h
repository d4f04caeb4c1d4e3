/*
 * sd-notify.h -- systemd readiness notification without libsystemd.
 *
 * The protocol is one datagram to $NOTIFY_SOCKET (sd_notify(3)); linking
 * libsystemd for it would add a dependency for twenty lines.  Abstract
 * socket names ("@...") are supported as systemd uses them.
 */
#ifndef PKVM_SD_NOTIFY_H
#define PKVM_SD_NOTIFY_H

/* Send STATE ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET when set.
 * 1 when sent, 0 when there is no socket, negative errno on failure. */
int sd_notify_send(const char *state);

#endif
