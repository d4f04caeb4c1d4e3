/*
 * plan.c -- step 1 of symbolizing a job (see symbolizer.c): what to ask
 * addr2line.
 *
 * Each report's frames are found (guest/frames.c); the vmlinux is the
 * job's own, checked against the build id the kernel Image carries when
 * both have one, or the recorded vmlinux whose build id the Image
 * carries.  The kernel's frames are looked up in its symbol table (with
 * kernel_init, whose file tells the source directory), each module's in
 * its .ko's, and every address goes to a run: run 0 for the vmlinux, one
 * per module section, since a .ko's code sections all start at 0.  The
 * addresses of run K are written to DIR/in-K, one per line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/blobs.h"
#include "symbols/addr2line.h"
#include "symbols/private.h"

/* The function whose file tells the kernel's source directory
 * (answers.c). */
#define PROBE_FUNC "kernel_init"

/* Add address A for REF to run R. */
static int
run_add(struct sym_run *r, uint64_t a, struct sym_ref ref)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		uint64_t *addr = realloc(r->addr, cap * sizeof(*addr));
		struct sym_ref *refs;

		if (addr == NULL)
			return -ENOMEM;
		r->addr = addr;
		if ((refs = realloc(r->refs, cap * sizeof(*refs))) == NULL)
			return -ENOMEM;
		r->refs = refs;
		r->cap = cap;
	}
	r->addr[r->n] = a;
	r->refs[r->n++] = ref;
	return 0;
}

/* A new run of PROGRAM on OBJECT (SECTION "" for a linked image). */
static struct sym_run *
run_new(struct sym_job *sj, const char *program, const char *object, const char *section,
    const char *module)
{
	struct sym_run *runs = realloc(sj->runs, (sj->nruns + 1) * sizeof(*runs)), *r;

	if (runs == NULL)
		return NULL;
	sj->runs = runs;
	r = &runs[sj->nruns++];
	memset(r, 0, sizeof(*r));
	r->program = program;
	snprintf(r->object, sizeof(r->object), "%s", object);
	snprintf(r->section, sizeof(r->section), "%s", section);
	snprintf(r->module, sizeof(r->module), "%s", module);
	return r;
}

/* Is ID among the N build ids IDS? */
static bool
has_id(char ids[][ELF_BUILD_ID_HEX], size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/* The N build ids IDS, joined by ", ", into BUF. */
static void
join_ids(char ids[][ELF_BUILD_ID_HEX], size_t n, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "", ids[i]);
}

/* Which vmlinux: the job's, if the kernel Image carries its build id (or
 * carries none to check it by), else the recorded one whose build id the
 * Image carries.  Fills SJ->vmlinux or ends the job. */
static void
find_vmlinux(struct sym_job *sj)
{
	char ids[ELF_IMAGE_IDS_MAX][ELF_BUILD_ID_HEX], vid[ELF_BUILD_ID_HEX];
	char list[ELF_IMAGE_IDS_MAX * ELF_BUILD_ID_HEX + 16];
	struct elf_file *e;
	size_t nids = 0;
	int kerr = elf_image_build_ids(sj->kernel, ids, &nids), err;

	join_ids(ids, nids, list, sizeof(list));
	if (sj->vmlinux[0] != '\0') {
		if ((err = elf_open(sj->vmlinux, &e)) < 0) {
			sym_job_end_all(sj, SYMBOLS_ERROR, "cannot read the job's vmlinux: %s",
			    err == -ENOEXEC ? "not a 64-bit little-endian ELF file"
					    : strerror(-err));
			return;
		}
		err = elf_build_id(e, vid);
		elf_close(e);
		/* Without ids on both sides nothing can be checked: the job
		 * is trusted. */
		if (err == 0 && kerr == 0 && !has_id(ids, nids, vid))
			sym_job_end_all(sj, SYMBOLS_ERROR,
			    "the job's vmlinux is of another build: its build id %s is not "
			    "among those the kernel Image carries (%s)",
			    vid, list);
		return;
	}
	if (kerr == -ENOTSUP) {
		sym_job_end_all(sj, SYMBOLS_NONE,
		    "no vmlinux: the job gave none, and the kernel is compressed, so its "
		    "build id cannot be read to find one");
		return;
	}
	if (kerr < 0) {
		sym_job_end_all(sj, SYMBOLS_NONE,
		    "no vmlinux: the job gave none, and the kernel Image carries no build id "
		    "to find one by");
		return;
	}
	for (size_t i = 0; i < sj->nknown; i++) {
		if (!has_id(ids, nids, sj->known[i].build_id))
			continue;
		blobs_path(sj->blobs, sj->known[i].blob, sj->vmlinux, sizeof(sj->vmlinux));
		if (access(sj->vmlinux, R_OK) == 0)
			return;
		sj->vmlinux[0] = '\0';
	}
	sym_job_end_all(sj, SYMBOLS_NONE,
	    "no vmlinux: the job gave none, and none given before has a build id the kernel "
	    "Image carries (%s)",
	    list);
}

/* The run for the kernel's own frames: look them all up in E. */
static int
plan_vmlinux(struct sym_job *sj, struct elf_file *e, const char *program)
{
	struct elf_sym_query *q;
	struct sym_ref *refs;
	struct sym_run *r;
	size_t n = 1, k = 0;
	int err;

	for (size_t i = 0; i < sj->ncrashes; i++)
		for (size_t f = 0; f < sj->crashes[i].nframes; f++)
			n += sj->crashes[i].frames[f].module[0] == '\0';
	q = calloc(n, sizeof(*q));
	refs = calloc(n, sizeof(*refs));
	if (q == NULL || refs == NULL) {
		free(q);
		free(refs);
		return -ENOMEM;
	}
	q[k].name = PROBE_FUNC;
	refs[k++].probe = true;
	for (size_t i = 0; i < sj->ncrashes; i++) {
		for (size_t f = 0; f < sj->crashes[i].nframes; f++) {
			const struct frame *fr = &sj->crashes[i].frames[f];

			if (fr->module[0] != '\0')
				continue;
			q[k].name = fr->func;
			q[k].size = fr->size;
			refs[k].crash = i;
			refs[k++].frame = f;
		}
	}
	err = elf_symbols_find(e, q, n);
	if (err == -ENOENT) {
		sym_job_end_all(sj, SYMBOLS_ERROR, "the vmlinux has no symbol table");
		err = 0;
		goto out;
	}
	if (err < 0 || (r = run_new(sj, program, sj->vmlinux, "", "")) == NULL) {
		err = err < 0 ? err : -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && err == 0; i++) {
		struct sym_crash *c = &sj->crashes[refs[i].crash];
		char note[FRAME_FUNC_MAX + 64];

		if (q[i].found) {
			err = run_add(r,
			    refs[i].probe ? q[i].value
					  : frame_address(&c->frames[refs[i].frame], q[i].value),
			    refs[i]);
		} else if (!refs[i].probe) {
			snprintf(note, sizeof(note), "%s is not in the vmlinux's symbol table",
			    q[i].name);
			sym_crash_note(c, note);
		}
	}
out:
	free(q);
	free(refs);
	return err;
}

/* The job's .ko for MODULE, or NULL. */
static const struct sym_module *
module_find(const struct sym_job *sj, const char *module)
{
	for (size_t i = 0; i < sj->nmodules; i++)
		if (strcmp(sj->modules[i].name, module) == 0)
			return &sj->modules[i];
	return NULL;
}

/* Note on every crash with a frame of MODULE that its frames stay as
 * they are, and why. */
static void
module_miss(struct sym_job *sj, const char *module, const char *why)
{
	char note[FRAME_MODULE_MAX + 128];

	snprintf(note, sizeof(note), "module %s: %s", module, why);
	for (size_t i = 0; i < sj->ncrashes; i++)
		for (size_t f = 0; f < sj->crashes[i].nframes; f++)
			if (strcmp(sj->crashes[i].frames[f].module, module) == 0) {
				sym_crash_note(&sj->crashes[i], note);
				break;
			}
}

/* The runs for MODULE's frames: one per section they are in. */
static int
plan_module(struct sym_job *sj, const char *module)
{
	const struct sym_module *m = module_find(sj, module);
	struct elf_sym_query *q = NULL;
	struct sym_ref *refs = NULL;
	struct elf_file *e = NULL;
	const char *program;
	size_t n = 0;
	int err = 0;

	if (m == NULL) {
		module_miss(sj, module, "the job's --extra tree has no .ko of it");
		return 0;
	}
	if ((err = elf_open(m->path, &e)) < 0 && err != -ENOEXEC) {
		module_miss(sj, module, strerror(-err));
		err = 0;
		goto out;
	}
	if (err < 0 || !elf_relocatable(e)) {
		module_miss(sj, module, "its .ko is not a module (a relocatable ELF file)");
		err = 0;
		goto out;
	}
	if (!elf_has_lines(e)) {
		module_miss(sj, module, "its .ko has no debug info");
		goto out;
	}
	if ((program = a2l_program(elf_machine(e))) == NULL) {
		module_miss(sj, module, "no addr2line for its architecture");
		goto out;
	}
	for (size_t i = 0; i < sj->ncrashes; i++)
		for (size_t f = 0; f < sj->crashes[i].nframes; f++)
			n += strcmp(sj->crashes[i].frames[f].module, module) == 0;
	q = calloc(n, sizeof(*q));
	refs = calloc(n, sizeof(*refs));
	if (q == NULL || refs == NULL) {
		err = -ENOMEM;
		goto out;
	}
	n = 0;
	for (size_t i = 0; i < sj->ncrashes; i++) {
		for (size_t f = 0; f < sj->crashes[i].nframes; f++) {
			const struct frame *fr = &sj->crashes[i].frames[f];

			if (strcmp(fr->module, module) != 0)
				continue;
			q[n].name = fr->func;
			q[n].size = fr->size;
			refs[n].crash = i;
			refs[n++].frame = f;
		}
	}
	if ((err = elf_symbols_find(e, q, n)) == -ENOENT) {
		module_miss(sj, module, "its .ko has no symbol table");
		err = 0;
		goto out;
	}
	for (size_t i = 0; i < n && err == 0; i++) {
		struct sym_crash *c = &sj->crashes[refs[i].crash];
		struct sym_run *r = NULL;

		if (!q[i].found) {
			char note[FRAME_FUNC_MAX + FRAME_MODULE_MAX + 64];

			snprintf(note, sizeof(note), "%s is not in the symbol table of %s.ko",
			    q[i].name, module);
			sym_crash_note(c, note);
			continue;
		}
		for (size_t k = 0; k < sj->nruns && r == NULL; k++)
			if (strcmp(sj->runs[k].module, module) == 0 &&
			    strcmp(sj->runs[k].section, q[i].section) == 0)
				r = &sj->runs[k];
		if (r == NULL && (r = run_new(sj, program, m->path, q[i].section, module)) == NULL)
			err = -ENOMEM;
		else
			err = run_add(r, frame_address(&c->frames[refs[i].frame], q[i].value),
			    refs[i]);
	}
out:
	elf_close(e);
	free(q);
	free(refs);
	return err;
}

/* Write run K's addresses to DIR/in-K, one per line. */
static int
write_addresses(struct sym_job *sj, size_t k)
{
	struct sym_run *r = &sj->runs[k];
	char path[PATH_MAX + 32];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/in-%zu", sj->dir, k);
	if ((f = fopen(path, "we")) == NULL)
		return -errno;
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "0x%" PRIx64 "\n", r->addr[i]);
	if (ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

void
sym_plan(struct sym_job *sj)
{
	struct elf_file *e = NULL;
	const char *program;
	size_t frames = 0;
	int err;

	for (size_t i = 0; i < sj->ncrashes; i++) {
		struct sym_crash *c = &sj->crashes[i];

		if (frames_parse(c->report, &c->frames, &c->nframes) < 0)
			goto nomem;
		frames += c->nframes;
		if (c->nframes > 0 && (c->where = calloc(c->nframes, sizeof(*c->where))) == NULL)
			goto nomem;
	}
	if (frames == 0) {
		sym_job_end_all(sj, SYMBOLS_NONE, "the report has no frames");
		return;
	}
	find_vmlinux(sj);
	if (sj->all_done)
		return;
	if ((err = elf_open(sj->vmlinux, &e)) < 0) {
		sym_job_end_all(sj, SYMBOLS_ERROR, "cannot read the vmlinux: %s",
		    err == -ENOEXEC ? "not a 64-bit little-endian ELF file" : strerror(-err));
		return;
	}
	if (!elf_has_lines(e)) {
		sym_job_end_all(sj, SYMBOLS_ERROR,
		    "the vmlinux has no debug info (.debug_line): build the kernel with "
		    "CONFIG_DEBUG_INFO");
		goto out;
	}
	if ((program = a2l_program(elf_machine(e))) == NULL) {
		sym_job_end_all(sj, SYMBOLS_ERROR,
		    "no addr2line for the vmlinux's architecture (ELF machine %u)", elf_machine(e));
		goto out;
	}
	if ((err = plan_vmlinux(sj, e, program)) < 0)
		goto fail;
	if (sj->all_done)
		goto out;
	/* Each module once, in the order its frames come. */
	for (size_t i = 0; i < sj->ncrashes; i++) {
		for (size_t f = 0; f < sj->crashes[i].nframes; f++) {
			const char *mod = sj->crashes[i].frames[f].module;
			bool seen = false;

			if (mod[0] == '\0')
				continue;
			for (size_t k = 0; k < i && !seen; k++)
				for (size_t g = 0; g < sj->crashes[k].nframes && !seen; g++)
					seen = strcmp(sj->crashes[k].frames[g].module, mod) == 0;
			for (size_t g = 0; g < f && !seen; g++)
				seen = strcmp(sj->crashes[i].frames[g].module, mod) == 0;
			if (!seen && (err = plan_module(sj, mod)) < 0)
				goto fail;
		}
	}
	if (mkdir(sj->dir, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	for (size_t k = 0; k < sj->nruns; k++)
		if ((err = write_addresses(sj, k)) < 0)
			goto fail;
	goto out;
nomem:
	err = -ENOMEM;
fail:
	sym_job_end_all(sj, SYMBOLS_ERROR, "preparing the symbolization: %s", strerror(-err));
out:
	elf_close(e);
}

/* ---- step 3: finish ---------------------------------------------------------- */
