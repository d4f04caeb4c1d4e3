/*
 * fuzz-crash.c -- the crash detector (daemon/guest/crash*.c) on its own,
 * line by line, as console.c drives it: match a line, end the reports it
 * shows to be over, add it to its report.  The first byte says whether
 * the kernel has booted (boot banners are reboots only after).
 *
 * Checked on every report handed back: its title fits CRASH_TITLE_MAX
 * and is no empty string, its text fits CRASH_REPORT_TEXT_MAX, its line
 * numbers are in order, and its line count stays within the cap; a
 * one-line title from crash_title() with the partial flag likewise.
 */
#include "fuzz.h"
#include "guest/crash.h"

static struct crash_detector detector;
static char line[CONSOLE_LINE_MAX + 1];

static void
on_report(void *arg, const struct crash_report *r)
{
	size_t tlen = strnlen(r->title, CRASH_TITLE_MAX);

	(void)arg;
	fuzz_check(tlen < CRASH_TITLE_MAX, "title without its NUL");
	fuzz_check(tlen > 0, "empty title");
	fuzz_check(strlen(r->text) <= CRASH_REPORT_TEXT_MAX, "report text past its cap");
	fuzz_check(r->first <= r->last, "report ends before it starts");
	fuzz_check(r->nlines <= CRASH_REPORT_LINES_MAX + 1, "report past its line cap");
}

static void
fuzz_one(const uint8_t *data, size_t len)
{
	struct crash_match cm;
	uint64_t lineno = 0;

	if (len == 0)
		return;
	crash_detector_reset(&detector);
	if (data[0] & 1)
		crash_detector_booted(&detector);
	data++;
	len--;
	while (len > 0) {
		size_t n;
		const uint8_t *f = fuzz_field(&data, &len, '\n', &n);
		enum crash_hit hit;

		if (n > CONSOLE_LINE_MAX)
			n = CONSOLE_LINE_MAX;
		memcpy(line, f, n);
		line[n] = '\0';
		lineno++;
		hit = crash_match_line(&detector, line, &cm);
		crash_reports_end_before(&detector, hit, &cm, on_report, NULL);
		crash_reports_add(&detector, line, lineno, hit, &cm, on_report, NULL);
		if (hit == CRASH_HIT_CRASH) {
			char t[CRASH_TITLE_MAX];

			fuzz_check(strnlen(cm.title, CRASH_TITLE_MAX) < CRASH_TITLE_MAX,
			    "line title without its NUL");
			crash_title(t, cm.rule, line, cm.at, true);
			fuzz_check(strnlen(t, CRASH_TITLE_MAX) < CRASH_TITLE_MAX,
			    "partial title without its NUL");
		}
	}
	crash_reports_close_all(&detector, on_report, NULL);
	for (int i = 0; i < CRASH_OPEN_MAX; i++)
		fuzz_check(!detector.reports[i].open, "a report still open after close_all");
}
