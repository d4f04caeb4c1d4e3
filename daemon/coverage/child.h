/*
 * child.h -- a helper program of coverage/ run as a child process: how
 * pkvmd-capture runs, for a capture (capture.c) and for a report
 * (html.c).
 *
 * This is the one place in coverage/ that spawns.  The program runs
 * through pkvmd-spawn (so it dies with pkvmd, even on kill -9) in a
 * session of its own (so killing its process group takes lcov, gcov or
 * genhtml with it); its stdout is kept (the helper prints one JSON line)
 * and the tail of its stderr (the helper's reason is its last line).
 * DONE runs once, when the program has exited and both pipes are closed,
 * also when it could not be started.
 */
#ifndef PKVM_COVERAGE_CHILD_H
#define PKVM_COVERAGE_CHILD_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#define COV_CHILD_OUT_MAX_BYTES (64 * 1024)
#define COV_CHILD_ERR_MAX_BYTES 4096

struct cov_child {
	/* Set by the caller before cov_child_start(). */
	void (*done)(struct cov_child *ch);
	void *data;

	/* What happened, once DONE runs. */
	int64_t exit_status; /* 127 when it could not be started */
	int term_signal;
	char out[COV_CHILD_OUT_MAX_BYTES];
	size_t out_bytes;
	char err[COV_CHILD_ERR_MAX_BYTES];
	size_t err_bytes;

	/* child.c's. */
	uv_process_t proc;
	uv_pipe_t out_pipe, err_pipe;
	int open_handles;
};

/* Run SPAWN_HELPER PID ARGV... on LOOP for CH (ARGV NULL-terminated,
 * ARGV[0] the program); CH->done(CH) runs when it is over. */
void cov_child_start(struct cov_child *ch, uv_loop_t *loop, const char *spawn_helper,
    char *const *argv);
/* SIGKILL CH's process group (harmless once it has exited). */
void cov_child_kill(struct cov_child *ch);
/* Whether CH exited 0. */
bool cov_child_ok(const struct cov_child *ch);
/* The last non-empty line of what CH printed on stdout (NUL-terminated
 * in place; "" for none). */
const char *cov_child_out_line(struct cov_child *ch);
/* The last non-empty line of CH's stderr, or NULL for none. */
const char *cov_child_reason(struct cov_child *ch);

#endif
