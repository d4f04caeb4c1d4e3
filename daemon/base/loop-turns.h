/*
 * loop-turns.h -- how long each turn of the event loop works.
 *
 * Everything pkvmd does runs on one libuv loop: a request that takes
 * 100 ms of CPU makes every other client, console and watchdog wait
 * 100 ms.  This measures that wait where it happens: each turn's time
 * minus the time it slept in poll (libuv's idle-time metric), observed
 * into pkvmd_loop_turn_seconds with the longest kept in
 * pkvmd_loop_turn_max_seconds (docs/API.md, GET /metrics).  No timer
 * wakes an idle daemon for it.
 */
#ifndef PKVM_LOOP_TURNS_H
#define PKVM_LOOP_TURNS_H

#include <uv.h>

/* Measure LOOP's turns from now on; before its first uv_run().  0 or
 * negative errno (the loop then runs unmeasured). */
int loop_turns_start(uv_loop_t *loop);
/* Stop measuring (the handle closes with the loop's other handles). */
void loop_turns_stop(void);

#endif
