/*
 * printk.c -- recognise the printk prefix (see printk.h).
 *
 * The kernel writes the prefix in info_print_prefix(): the time as
 * "[%5lu.%06lu]" when printk.time is on, then the caller as "[%6s]" of
 * "T<pid>" or "C<cpu>" when CONFIG_PRINTK_CALLER is set, then one space.
 * Either part may be missing (printk.time=0 leaves the caller id alone),
 * so each is optional, but one of them must be there or the line is not
 * printk's.  The padding is spaces, the numbers always have digits, and
 * the caller id follows the time with no blank between: anything else is
 * not what the kernel prints, and a looser rule would take a program's
 * "[T]" or "[\t1.0]" for a kernel message.  The blank after the prefix is
 * optional so that a bare "[    1.000000]" line is still an empty message.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/printk.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Past "[" and the blanks the kernel pads a field with, or NULL. */
static const char *
skip_open(const char *s)
{
	if (*s++ != '[')
		return NULL;
	while (*s == ' ')
		s++;
	return s;
}

/* Past one or more digits at S, their value in *V (saturated), or NULL when there is none. */
static const char *
skip_digits(const char *s, int64_t *v)
{
	int64_t n = 0;

	if (!is_digit(*s))
		return NULL;
	for (; is_digit(*s); s++)
		n = n > (INT64_MAX - 9) / 10 ? INT64_MAX : n * 10 + (*s - '0');
	*v = n;
	return s;
}

/* Past "[ <digits>.<digits>]" at S, the time in *US, or NULL when S does
 * not start with one.  The kernel prints six digits of fraction
 * (microseconds); a fraction of another length is read as a decimal
 * fraction all the same, and digits past the sixth are dropped. */
static const char *
skip_time(const char *s, int64_t *us)
{
	int64_t sec, f = 0, scale = 100000;

	if ((s = skip_open(s)) == NULL || (s = skip_digits(s, &sec)) == NULL || *s++ != '.' ||
	    !is_digit(*s))
		return NULL;
	for (; is_digit(*s); s++, scale /= 10)
		f += (*s - '0') * scale;
	if (*s++ != ']')
		return NULL;
	*us = sec > INT64_MAX / 1000000 - 1 ? INT64_MAX : sec * 1000000 + f;
	return s;
}

/* Past "[ T<digits>]" or "[ C<digits>]" at S, the id ("T123") in CALLER,
 * or NULL when S does not start with one. */
static const char *
skip_caller(const char *s, char caller[16])
{
	const char *id;
	int64_t v;

	if ((s = skip_open(s)) == NULL || (*s != 'T' && *s != 'C'))
		return NULL;
	id = s;
	if ((s = skip_digits(s + 1, &v)) == NULL || *s != ']' || s - id >= 16)
		return NULL;
	memcpy(caller, id, (size_t)(s - id));
	caller[s - id] = '\0';
	return s + 1;
}

const char *
printk_prefix_parse(const char *s, struct printk_prefix *pp)
{
	struct printk_prefix f = { .time_us = -1 };
	const char *t = skip_time(s, &f.time_us), *c;

	c = skip_caller(t != NULL ? t : s, f.caller);
	if (c != NULL)
		t = c;
	if (t == NULL)
		return NULL;
	if (*t == ' ')
		t++;
	*pp = f;
	return t;
}

const char *
printk_prefix_skip(const char *s)
{
	struct printk_prefix pp;

	return printk_prefix_parse(s, &pp);
}
