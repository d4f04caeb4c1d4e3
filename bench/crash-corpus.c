/*
 * crash-corpus.c -- how well the crash detector does on a corpus of logs
 * whose crash is known.
 *
 * Each file in DIR is one console log in the format of syzkaller's
 * pkg/report/testdata/linux/report/ files: header lines ("TITLE: ...",
 * "ALT: ...", "TYPE: ...", "CORRUPTED: Y", "# comment", ...), one blank
 * line, then the log.  A file without a TITLE line holds a log with no
 * crash in it.  The log goes through the real console parser
 * (guest/console.h) as one stream, and the first crash report in it --
 * the job's primary crash -- is compared with the header:
 *
 *   detected       logs with a TITLE in which a report was found;
 *   false alarms   logs without a TITLE in which one was found;
 *   title exact    detected logs whose primary title is the TITLE;
 *   title or alt   ... or one of its ALT titles.
 *
 * The corpus is not part of this tree: fetch syzkaller and point this at
 * its pkg/report/testdata/linux/report (bench/README says how).  Nothing
 * here is tuned to it; it measures.
 *
 * On that corpus it also prints the baseline, the figures of the detector
 * before issue 9, beside today's.
 *
 * Usage: crash-corpus [-v] DIR
 *        crash-corpus -p FILE
 *   -v  print every log whose title differs, and every miss, one a line:
 *       "miss FILE | TITLE", "alarm FILE | OURS", "title FILE | TITLE | OURS";
 *   -p  print every report found in one log: lines, kind, title, text.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/console.h"

#define ALTS_MAX 16

/* The detector before issue 9 (commit 5da8674) on syzkaller's 747 logs
 * (712 with a crash, 35 without), measured with this program. */
#define BASELINE_WITH 712
#define BASELINE_WITHOUT 35
#define BASELINE_DETECTED 635
#define BASELINE_ALARMS 7
#define BASELINE_EXACT 52
#define TITLE_LEN 512

struct expect {
	char title[TITLE_LEN];
	char alt[ALTS_MAX][TITLE_LEN];
	int nalt;
	bool corrupted;
};

/* The first report of a log: the one that starts on the lowest line. */
struct primary {
	bool found;
	uint64_t lineno;
	char title[TITLE_LEN];
	int nreports;
};

/* -p: every report, whole. */
static void
on_print(void *arg, const struct console_event *ev)
{
	(void)arg;
	if (ev->kind == CONSOLE_CRASH_REPORT)
		printf("=== lines %llu-%llu %s%s: %s\n%s\n", (unsigned long long)ev->lineno,
		    (unsigned long long)ev->last_lineno, crash_kind_name(ev->crash),
		    ev->fatal ? " (fatal)" : "", ev->title, ev->report);
}

static void
on_event(void *arg, const struct console_event *ev)
{
	struct primary *p = arg;

	if (ev->kind != CONSOLE_CRASH_REPORT)
		return;
	p->nreports++;
	if (p->found && ev->lineno >= p->lineno)
		return;
	p->found = true;
	p->lineno = ev->lineno;
	snprintf(p->title, sizeof(p->title), "%s", ev->title);
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Copy the value of header line LINE (LEN bytes) after PREFIX into DST. */
static bool
header(const char *line, size_t len, const char *prefix, char *dst)
{
	size_t n = strlen(prefix);

	if (len < n || strncmp(line, prefix, n) != 0)
		return false;
	len -= n;
	if (len >= TITLE_LEN)
		len = TITLE_LEN - 1;
	memcpy(dst, line + n, len);
	dst[len] = '\0';
	return true;
}

/* Does BUF start with a syzkaller test header (or the blank line that
 * ends an empty one)? */
static bool
has_header(const char *buf)
{
	static const char *const keys[] = { "TITLE: ", "ALT: ", "TYPE: ", "FRAME: ", "CORRUPTED: ",
		"SUPPRESSED: ", "PANICKED: ", "EXECUTOR: ", "START: ", "END: ", "#", "\n", "\r\n" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strncmp(buf, keys[i], strlen(keys[i])) == 0)
			return true;
	return false;
}

/* Read the header of BUF into *E; where the log starts (BUF itself when it
 * has no header: a plain console log). */
static const char *
parse_header(const char *buf, struct expect *e)
{
	const char *s = buf;

	memset(e, 0, sizeof(*e));
	if (!has_header(buf))
		return buf;
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char scratch[TITLE_LEN];

		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (len == 0)
			return nl ? nl + 1 : s + strlen(s);
		if (!header(s, len, "TITLE: ", e->title) && e->nalt < ALTS_MAX &&
		    header(s, len, "ALT: ", e->alt[e->nalt]))
			e->nalt++;
		if (header(s, len, "CORRUPTED: ", scratch))
			e->corrupted = strcmp(scratch, "Y") == 0;
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	return s + strlen(s);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	int with = 0, without = 0, detected = 0, alarms = 0, exact = 0, alt = 0, ncorrupt = 0;
	int exact_clean = 0, detected_clean = 0;
	bool verbose = false;
	const char *dir;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (argc == 3 && strcmp(argv[1], "-p") == 0) {
		struct console_parser *p = NULL;
		struct expect e;
		const char *log;
		size_t len;
		char *buf = read_all(argv[2], &len);

		if (buf == NULL || console_parser_new(&p, on_print, NULL) < 0) {
			perror(argv[2]);
			return 1;
		}
		log = parse_header(buf, &e);
		printf("expected: %s\n", e.title[0] ? e.title : "(no crash)");
		console_parser_feed(p, log, len - (size_t)(log - buf));
		console_parser_flush(p);
		console_parser_free(p);
		free(buf);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = true;
		argc--;
		argv++;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: crash-corpus [-v] DIR | -p FILE\n");
		return 2;
	}
	dir = argv[1];
	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				return 1;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);

	for (size_t i = 0; i < n; i++) {
		struct console_parser *p = NULL;
		struct primary got = { 0 };
		struct expect e;
		char path[4096];
		const char *log;
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((buf = read_all(path, &len)) == NULL)
			continue;
		log = parse_header(buf, &e);
		if (console_parser_new(&p, on_event, &got) < 0)
			return 1;
		console_parser_feed(p, log, len - (size_t)(log - buf));
		console_parser_flush(p);
		console_parser_free(p);

		if (e.title[0] == '\0') {
			without++;
			if (got.found) {
				alarms++;
				if (verbose)
					printf("alarm %s | %s\n", names[i], got.title);
			}
		} else {
			bool same = got.found && strcmp(got.title, e.title) == 0;
			bool any = same;

			with++;
			ncorrupt += e.corrupted;
			for (int j = 0; j < e.nalt && got.found && !any; j++)
				any = strcmp(got.title, e.alt[j]) == 0;
			detected += got.found;
			detected_clean += got.found && !e.corrupted;
			exact += same;
			exact_clean += same && !e.corrupted;
			alt += any;
			if (verbose && !got.found)
				printf("miss %s | %s\n", names[i], e.title);
			else if (verbose && !any)
				printf("title %s | %s | %s\n", names[i], e.title, got.title);
		}
		free(buf);
		free(names[i]);
	}
	free(names);

	printf("logs:          %d (%d with a crash, %d of them marked corrupted; %d without)\n",
	    with + without, with, ncorrupt, without);
	printf("detected:      %d/%d (%.1f%%)\n", detected, with,
	    with ? 100.0 * detected / with : 0);
	printf("false alarms:  %d/%d\n", alarms, without);
	printf("title exact:   %d/%d (%.1f%% of logs with a crash; %.1f%% of those not "
	       "corrupted: %d/%d)\n",
	    exact, with, with ? 100.0 * exact / with : 0,
	    with - ncorrupt ? 100.0 * exact_clean / (with - ncorrupt) : 0, exact_clean,
	    with - ncorrupt);
	printf("title or alt:  %d/%d (%.1f%%)\n", alt, with, with ? 100.0 * alt / with : 0);
	/* The detector cannot run its old self: the baseline is the figure
	 * the same program measured before issue 9, printed beside today's
	 * when the corpus is the same size, so a change shows as a delta. */
	if (with == BASELINE_WITH && without == BASELINE_WITHOUT)
		printf("\n%-14s %-10s %s\n%-14s %-10d %d\n%-14s %-10d %d\n%-14s %-10d %d\n", "",
		    "baseline", "now", "detected", BASELINE_DETECTED, detected, "false alarms",
		    BASELINE_ALARMS, alarms, "title exact", BASELINE_EXACT, exact);
	(void)detected_clean;
	return 0;
}
