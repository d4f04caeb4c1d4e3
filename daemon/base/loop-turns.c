/*
 * loop-turns.c -- a prepare handle, which runs once a turn just before the
 * loop polls: the time since the last one, less the idle time libuv
 * counted in between, is what that turn spent working.
 */
#include <stdbool.h>
#include <stdint.h>

#include "base/loop-turns.h"
#include "base/metrics.h"

static uv_prepare_t prepare;
static bool started;
static uint64_t last_ns, last_idle_ns;

static void
on_prepare(uv_prepare_t *p)
{
	uint64_t now = uv_hrtime(), idle = uv_metrics_idle_time(p->loop);

	if (last_ns != 0 && now - last_ns >= idle - last_idle_ns)
		metrics_loop_turn((double)(now - last_ns - (idle - last_idle_ns)) / 1e9);
	last_ns = now;
	last_idle_ns = idle;
}

int
loop_turns_start(uv_loop_t *loop)
{
	int err;

	if ((err = uv_loop_configure(loop, UV_METRICS_IDLE_TIME)) < 0)
		return err;
	uv_prepare_init(loop, &prepare);
	uv_prepare_start(&prepare, on_prepare);
	/* The handle alone must not keep the loop alive at shutdown. */
	uv_unref((uv_handle_t *)&prepare);
	started = true;
	return 0;
}

void
loop_turns_stop(void)
{
	if (started && !uv_is_closing((uv_handle_t *)&prepare))
		uv_close((uv_handle_t *)&prepare, NULL);
	started = false;
}
