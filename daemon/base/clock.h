/*
 * clock.h -- the one wall clock every module stamps times with.
 */
#ifndef PKVM_CLOCK_H
#define PKVM_CLOCK_H

#include <stdint.h>

/* Wall-clock time in unix milliseconds. */
int64_t clock_now_ms(void);

#endif
