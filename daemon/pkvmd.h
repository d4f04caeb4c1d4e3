/*
 * pkvmd.h -- the daemon's parts, wired together once in main.c.
 *
 * One struct pkvmd exists per process.  HTTP handlers, the scheduler and
 * the runner reach each other through it instead of through globals, so a
 * test can build a second one and the parts stay swappable (another
 * executor for Slurm, another listener for TCP).
 */
#ifndef PKVM_PKVMD_H
#define PKVM_PKVMD_H

#include <stdbool.h>

#include <uv.h>

#include "config.h"

struct store;
struct blobs;
struct runner;
struct watch_list;
struct initramfs;
struct http_server;
struct coverage;

struct pkvmd {
	uv_loop_t *loop;
	struct config *cfg;
	struct store *store;
	struct blobs *blobs;
	struct initramfs *initramfs;
	struct runner *runner;
	struct watch_list *watches;
	struct http_server *http;
	struct coverage *coverage;
	bool shutting_down;
};

#endif
