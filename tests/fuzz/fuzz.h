/*
 * fuzz.h -- what every libFuzzer target of tests/fuzz/ shares.
 *
 * A target defines fuzz_one(), the real parser run on one input, and
 * includes this header, which provides LLVMFuzzerTestOneInput around it.
 * The wrapper times every run: the bar is no input slower than
 * 100 ms, and libFuzzer only reports slow units in whole seconds, so the
 * slowest run (in CPU time, the first run aside) is printed at exit ("fuzz: slowest unit ...", which
 * bench/fuzz reads).  fuzz_check() is how a target states an invariant:
 * a broken one aborts, which libFuzzer records as a crash with its input.
 * Helpers split one input into the several fields some parsers take.
 */
#ifndef PKVM_FUZZ_H
#define PKVM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The target: run the parser on DATA (LEN bytes). */
static void fuzz_one(const uint8_t *data, size_t len);

/* Abort with WHAT when an invariant COND does not hold. */
#define fuzz_check(cond, what) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz: invariant broken: %s (%s:%d)\n", what, __FILE__, \
			    __LINE__); \
			abort(); \
		} \
	} while (0)

static uint64_t fuzz_slowest_ns;
static uint64_t fuzz_runs;
/* A copy of the slowest input, written at exit to $PKVM_FUZZ_SLOWEST when
 * set (bench/fuzz times it again on its own). */
static uint8_t *fuzz_slowest;
static size_t fuzz_slowest_len;

static uint64_t
fuzz_now_ns(void)
{
	struct timespec ts;

	/* The thread's CPU time: another process taking the CPU (a shared
	 * machine) does not make a unit look slow. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
fuzz_report(void)
{
	const char *to = getenv("PKVM_FUZZ_SLOWEST");
	FILE *f;

	fprintf(stderr, "fuzz: slowest unit %.3f ms in %llu runs\n", (double)fuzz_slowest_ns / 1e6,
	    (unsigned long long)fuzz_runs);
	if (to != NULL && fuzz_slowest != NULL && (f = fopen(to, "wb")) != NULL) {
		fwrite(fuzz_slowest, 1, fuzz_slowest_len, f);
		fclose(f);
	}
}

/* A NUL-terminated copy of LEN bytes of S (abort on ENOMEM: a fuzz run
 * is no place to test allocation failure). */
static inline char *
fuzz_strndup(const void *s, size_t len)
{
	char *c = malloc(len + 1);

	fuzz_check(c != NULL, "malloc");
	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

/* The next field of *DATA (*LEN bytes) up to the byte SEP, or the rest;
 * the field's length in *FLEN; advances past the separator. */
static inline const uint8_t *
fuzz_field(const uint8_t **data, size_t *len, uint8_t sep, size_t *flen)
{
	const uint8_t *f = *data;
	const uint8_t *e = *len > 0 ? memchr(f, sep, *len) : NULL;

	if (e == NULL) {
		*flen = *len;
		*data += *len;
		*len = 0;
	} else {
		*flen = (size_t)(e - f);
		*data = e + 1;
		*len -= *flen + 1;
	}
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint64_t t0, dt;

	if (fuzz_runs++ == 0)
		atexit(fuzz_report);
	t0 = fuzz_now_ns();
	fuzz_one(data, len);
	dt = fuzz_now_ns() - t0;
	/* The first run pays for one-time set-up (libraries' lazy state,
	 * the allocator's first pages), which no input causes. */
	if (fuzz_runs > 1 && dt > fuzz_slowest_ns) {
		fuzz_slowest_ns = dt;
		free(fuzz_slowest);
		fuzz_slowest = malloc(len > 0 ? len : 1);
		if (fuzz_slowest != NULL)
			memcpy(fuzz_slowest, data, len);
		fuzz_slowest_len = len;
	}
	return 0;
}

#endif
