/*
 * wire.c -- the string tables behind wire.h.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "sha256.h"
#include "wire.h"

static const char *state_names[] = {
	[JOB_QUEUED] = "queued",
	[JOB_RUNNING] = "running",
	[JOB_DONE] = "done",
};

static const char *result_names[] = {
	[RESULT_NONE] = NULL,
	[RESULT_PASSED] = "passed",
	[RESULT_FAILED] = "failed",
	[RESULT_TIMEOUT] = "timeout",
	[RESULT_CRASHED] = "crashed",
	[RESULT_CANCELLED] = "cancelled",
	[RESULT_ERROR] = "error",
	[RESULT_INTERRUPTED] = "interrupted",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
job_state_name(enum job_state s)
{
	if ((size_t)s >= NELEM(state_names))
		return "unknown";
	return state_names[s];
}

int
job_state_parse(const char *name, enum job_state *out)
{
	for (size_t i = 0; i < NELEM(state_names); i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
job_result_name(enum job_result r)
{
	if ((size_t)r >= NELEM(result_names))
		return NULL;
	return result_names[r];
}

int
job_result_parse(const char *name, enum job_result *out)
{
	for (size_t i = 1; i < NELEM(result_names); i++) {
		if (strcmp(name, result_names[i]) == 0) {
			*out = (enum job_result)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum pkvm_exit
job_result_exit_code(enum job_result r)
{
	switch (r) {
	case RESULT_PASSED:
		return PKVM_EXIT_PASSED;
	case RESULT_FAILED:
		return PKVM_EXIT_FAILED;
	case RESULT_TIMEOUT:
		return PKVM_EXIT_TIMEOUT;
	case RESULT_CRASHED:
		return PKVM_EXIT_CRASHED;
	case RESULT_CANCELLED:
		return PKVM_EXIT_CANCELLED;
	default:
		return PKVM_EXIT_INFRA;
	}
}

static bool
charset_ok(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr(extra, c) != NULL)
			continue;
		return false;
	}
	return true;
}

bool
pkvm_name_valid(const char *name)
{
	return name[0] != '.' && charset_ok(name, PKVM_NAME_MAX, "._+-");
}

bool
pkvm_tag_valid(const char *tag)
{
	return charset_ok(tag, PKVM_TAG_MAX, "._:+=/@-");
}

bool
pkvm_sha256_hex_valid(const char *hex)
{
	if (strlen(hex) != SHA256_HEX_LEN)
		return false;
	for (int i = 0; i < SHA256_HEX_LEN; i++) {
		char c = hex[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* The number of DIGITS decimal digits at S into *OUT; false when one is
 * not a digit. */
static bool
digits(const char *s, int ndigits, int *out)
{
	int v = 0;

	for (int i = 0; i < ndigits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int
pkvm_time_parse(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int year, mon, frac = 0, scale = 100;
	time_t t;

	/* Every field at its place: sscanf would take blanks and signs. */
	if (strlen(s) < 20 || !digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &mon) ||
	    s[7] != '-' || !digits(s + 8, 2, &tm.tm_mday) || s[10] != 'T' ||
	    !digits(s + 11, 2, &tm.tm_hour) || s[13] != ':' || !digits(s + 14, 2, &tm.tm_min) ||
	    s[16] != ':' || !digits(s + 17, 2, &tm.tm_sec))
		return -EINVAL;
	if (mon < 1 || mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	s += 19;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -EINVAL;
		/* Milliseconds are all the API keeps; more digits are allowed. */
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (strcmp(s, "Z") != 0 && strcmp(s, "z") != 0 && strcmp(s, "+00:00") != 0)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -EINVAL;
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}
