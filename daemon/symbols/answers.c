/*
 * answers.c -- step 3 of symbolizing a job (see symbolizer.c): addr2line's
 * answers into symbolized copies of the reports.
 *
 * Run K's answers are in DIR/out-K (its complaints in DIR/err-K).  The
 * kernel's source directory is dropped from the paths, found as
 * scripts/decode_stacktrace.sh finds it: kernel_init is in BASE/init/main.c.
 * A failed vmlinux run ends the job; a failed module run leaves that
 * module's frames as they were and says so in the reports' messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols/addr2line.h"
#include "symbols/private.h"

/* What an answer file may hold: far more than any job's frames need. */
#define ANSWER_MAX_BYTES (64 * 1024 * 1024)
/* Where kernel_init (plan.c's probe) is, under the source directory. */
#define PROBE_FILE "/init/main.c"

/* Read FILE (at most MAX bytes) into a malloc'd string: 0 or negative errno. */
static int
read_file(const char *path, size_t max, char **out)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size > max) {
		err = errno ? -errno : -EFBIG;
		close(fd);
		return err;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err < 0) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/* Why run K failed, from its stderr's last line, into BUF. */
static void
run_failure(struct sym_job *sj, size_t k, char *buf, size_t len)
{
	struct sym_run *r = &sj->runs[k];
	char path[PATH_MAX + 32], *err = NULL, *last;
	size_t n;

	if (r->timed_out) {
		snprintf(buf, len, "%s took longer than %lld s", r->program,
		    (long long)sj->timeout_s);
		return;
	}
	if (!r->ran) {
		snprintf(buf, len, "%s did not run", r->program);
		return;
	}
	snprintf(path, sizeof(path), "%s/err-%zu", sj->dir, k);
	if (read_file(path, 1 << 20, &err) == 0) {
		n = strlen(err);
		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r'))
			err[--n] = '\0';
		last = strrchr(err, '\n');
		last = last != NULL ? last + 1 : err;
		if (*last != '\0') {
			snprintf(buf, len, "%s", last);
			free(err);
			return;
		}
	}
	free(err);
	if (r->term_signal != 0)
		snprintf(buf, len, "%s was killed by signal %d", r->program, r->term_signal);
	else
		snprintf(buf, len, "%s exited with status %lld", r->program,
		    (long long)r->exit_status);
}

/* FILE without its "./" components: the kernel's build names some files
 * "./arch/arm64/kvm/hyp/include/hyp/fault.h". */
static void
tidy_path(char *file)
{
	char *p;

	while (strncmp(file, "./", 2) == 0)
		memmove(file, file + 2, strlen(file + 2) + 1);
	while ((p = strstr(file, "/./")) != NULL)
		memmove(p, p + 2, strlen(p + 2) + 1);
}

/* The kernel's source directory, from where the probe's function is. */
static void
find_base(struct sym_job *sj, const struct sym_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct frame_where *w = &r->answers[i];
		const char *file;
		size_t n, m = strlen(PROBE_FILE);

		if (!r->refs[i].probe || w->n == 0)
			continue;
		file = w->places[w->n - 1].file;
		n = strlen(file);
		if (n > m && strcmp(file + n - m, PROBE_FILE) == 0 &&
		    n - m + 1 < sizeof(sj->base)) {
			snprintf(sj->base, n - m + 2, "%s", file);
			tidy_path(sj->base);
		}
	}
}

/* GCC describes some functions as inlined into themselves at their own
 * opening line (lkdtm_WARNING in 6.1: the warning at bugs.c:85 "inlined"
 * into lkdtm_WARNING at bugs.c:83).  One place for the function, the
 * inner one, which is where it was: drop the outer of two places of the
 * same function in a row. */
static void
merge_self_inlined(struct frame_where *w)
{
	for (size_t k = 0; k + 1 < w->n;) {
		if (strcmp(w->places[k].func, w->places[k + 1].func) != 0) {
			k++;
			continue;
		}
		free(w->places[k + 1].func);
		free(w->places[k + 1].file);
		memmove(&w->places[k + 1], &w->places[k + 2],
		    (w->n - k - 2) * sizeof(w->places[0]));
		w->n--;
	}
}

/* Run R's answers as they are to be printed: one place per function
 * (merge_self_inlined()), paths without "./" and without the kernel's
 * source directory. */
static void
tidy_answers(const struct sym_job *sj, struct sym_run *r)
{
	size_t n = strlen(sj->base);

	for (size_t i = 0; i < r->n; i++) {
		merge_self_inlined(&r->answers[i]);
		for (size_t k = 0; k < r->answers[i].n; k++) {
			char *file = r->answers[i].places[k].file;

			tidy_path(file);
			if (n > 0 && strncmp(file, sj->base, n) == 0 && file[n] != '\0')
				memmove(file, file + n, strlen(file + n) + 1);
		}
	}
}

/* Read run K's answers and hand them to their frames: 0, or negative
 * errno with a reason in BUF. */
static int
collect_run(struct sym_job *sj, size_t k, char *buf, size_t len)
{
	struct sym_run *r = &sj->runs[k];
	char path[PATH_MAX + 32], *text = NULL;
	int err;

	if (!r->ran || r->term_signal != 0 || r->exit_status != 0) {
		run_failure(sj, k, buf, len);
		return -EIO;
	}
	snprintf(path, sizeof(path), "%s/out-%zu", sj->dir, k);
	if ((err = read_file(path, ANSWER_MAX_BYTES, &text)) < 0) {
		snprintf(buf, len, "cannot read %s's answers: %s", r->program, strerror(-err));
		return err;
	}
	err = a2l_parse(text, r->addr, r->n, &r->answers);
	free(text);
	if (err < 0) {
		snprintf(buf, len, "%s gave answers that cannot be read (%s)", r->program, path);
		return err;
	}
	if (k == 0 && r->module[0] == '\0')
		find_base(sj, r);
	return 0;
}

void
sym_answers(struct sym_job *sj)
{
	char why[SYM_MESSAGE_MAX];

	if (sj->all_done)
		return;
	for (size_t k = 0; k < sj->nruns; k++) {
		struct sym_run *r = &sj->runs[k];

		if (collect_run(sj, k, why, sizeof(why)) < 0) {
			char note[SYM_MESSAGE_MAX + FRAME_MODULE_MAX + 32];

			/* Without the kernel's own answers nothing is left. */
			if (r->module[0] == '\0') {
				sym_job_end_all(sj, SYMBOLS_ERROR, "%s", why);
				return;
			}
			snprintf(note, sizeof(note), "module %s: %s", r->module, why);
			for (size_t i = 0; i < r->n; i++)
				sym_crash_note(&sj->crashes[r->refs[i].crash], note);
		}
	}
	for (size_t k = 0; k < sj->nruns; k++) {
		struct sym_run *r = &sj->runs[k];

		if (r->answers == NULL)
			continue;
		tidy_answers(sj, r);
		for (size_t i = 0; i < r->n; i++)
			if (!r->refs[i].probe)
				sj->crashes[r->refs[i].crash]
				    .where[r->refs[i].frame] = r->answers[i];
	}
	for (size_t i = 0; i < sj->ncrashes; i++) {
		struct sym_crash *c = &sj->crashes[i];
		size_t found = 0;

		for (size_t f = 0; f < c->nframes; f++)
			found += c->where[f].n > 0;
		if (c->nframes == 0) {
			c->status = SYMBOLS_NONE;
			sym_crash_note(c, "the report has no frames");
		} else if (found == 0) {
			c->status = SYMBOLS_NONE;
			sym_crash_note(c, "no frame could be symbolized");
		} else if ((c->text = frames_rewrite(c->report, c->frames, c->where, c->nframes)) ==
		    NULL) {
			c->status = SYMBOLS_ERROR;
			sym_crash_note(c, "out of memory");
		} else {
			c->status = SYMBOLS_OK;
		}
	}
}
