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

/* Past one or more digits at S, or NULL when there is none. */
static const char *
skip_digits(const char *s)
{
	if (!is_digit(*s))
		return NULL;
	while (is_digit(*s))
		s++;
	return s;
}

/* Past "[ <digits>.<digits>]" at S, or NULL when S does not start with one. */
static const char *
skip_time(const char *s)
{
	if ((s = skip_open(s)) == NULL || (s = skip_digits(s)) == NULL || *s++ != '.' ||
	    (s = skip_digits(s)) == NULL || *s++ != ']')
		return NULL;
	return s;
}

/* Past "[ T<digits>]" or "[ C<digits>]" at S, or NULL when S does not start
 * with one. */
static const char *
skip_caller(const char *s)
{
	if ((s = skip_open(s)) == NULL || (*s != 'T' && *s != 'C') ||
	    (s = skip_digits(s + 1)) == NULL || *s++ != ']')
		return NULL;
	return s;
}

const char *
printk_prefix_skip(const char *s)
{
	const char *t = skip_time(s), *c;

	c = skip_caller(t != NULL ? t : s);
	if (c != NULL)
		t = c;
	if (t == NULL)
		return NULL;
	if (*t == ' ')
		t++;
	return t;
}
