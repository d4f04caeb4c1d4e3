/*
 * job.c -- a job being symbolized: freeing it, and the messages its
 * reports end with (see private.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/addr2line.h"
#include "symbols/private.h"

void
sym_job_free(struct sym_job *sj)
{
	for (size_t i = 0; i < sj->ncrashes; i++) {
		struct sym_crash *c = &sj->crashes[i];

		free(c->report);
		free(c->frames);
		free(c->where);
		free(c->message);
		free(c->text);
	}
	free(sj->crashes);
	for (size_t i = 0; i < sj->nruns; i++) {
		a2l_free(sj->runs[i].answers, sj->runs[i].n);
		free(sj->runs[i].addr);
		free(sj->runs[i].refs);
	}
	free(sj->runs);
	free(sj->modules);
	store_vmlinux_list_free(sj->known, sj->nknown);
	free(sj);
}

void
sym_job_end_all(struct sym_job *sj, enum crash_symbols status, const char *fmt, ...)
{
	va_list ap;

	sj->all_done = true;
	sj->all_status = status;
	va_start(ap, fmt);
	vsnprintf(sj->all_message, sizeof(sj->all_message), fmt, ap);
	va_end(ap);
}

void
sym_crash_note(struct sym_crash *c, const char *note)
{
	char *m;

	if (c->message != NULL && strstr(c->message, note) != NULL)
		return;
	if (asprintf(&m, "%s%s%s", c->message ? c->message : "", c->message ? "; " : "", note) < 0)
		return;
	free(c->message);
	c->message = m;
}
