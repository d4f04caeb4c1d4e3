/*
 * prom.c -- the metric registry and the text exposition format 0.0.4.
 *
 * Why our own: Debian 12 has no C Prometheus client that fits a
 * single-threaded libuv daemon (libprom/prometheus-client-c is not
 * packaged, and it brings its own HTTP server and locks), and what pkvmd
 * needs is small: a few dozen series updated on the loop, and their text
 * written when /metrics is scraped.
 *
 * A family keeps its series in an array searched linearly by label values:
 * families here have tens of series, and an update is a few string
 * compares.  A histogram's series keeps one count per bucket (not
 * cumulative); rendering sums them into the cumulative `le` buckets the
 * format wants, then +Inf, _sum and _count.
 *
 * The format's rules this file follows: a "# HELP" and a "# TYPE" line
 * before each family's samples; in HELP text a backslash and a newline are
 * escaped (\\ and \n); in label values a backslash, a double quote and a
 * newline are (\\, \" and \n); numbers are Go-style floats, with "+Inf",
 * "-Inf" and "NaN".  A family with labels and no series yet is written
 * with its HELP and TYPE lines only, which is valid.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/prom.h"

struct prom_series {
	char **labels; /* nlabels values, owned */
	double value; /* counter, gauge; a histogram's sum */
	double count; /* histogram: observations */
	double *bucket; /* histogram: nbuckets counts, not cumulative */
};

struct prom_family {
	char *name;
	char *help;
	enum prom_type type;
	char *labels[PROM_LABELS_MAX];
	size_t nlabels;
	double buckets[PROM_BUCKETS_MAX];
	size_t nbuckets;
	struct prom_series *series;
	size_t nseries, cap;
	struct prom_family *next;
};

struct prom_registry {
	struct prom_family *first, **tail;
};

int
prom_registry_new(struct prom_registry **out)
{
	struct prom_registry *reg = calloc(1, sizeof(*reg));

	*out = reg;
	if (reg == NULL)
		return -ENOMEM;
	reg->tail = &reg->first;
	return 0;
}

static void
series_clear(const struct prom_family *f, struct prom_series *s)
{
	for (size_t i = 0; s->labels != NULL && i < f->nlabels; i++)
		free(s->labels[i]);
	free(s->labels);
	free(s->bucket);
}

void
prom_family_clear(struct prom_family *f)
{
	for (size_t i = 0; i < f->nseries; i++)
		series_clear(f, &f->series[i]);
	f->nseries = 0;
}

static void
family_free(struct prom_family *f)
{
	prom_family_clear(f);
	free(f->series);
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->name);
	free(f->help);
	free(f);
}

void
prom_registry_free(struct prom_registry *reg)
{
	struct prom_family *f, *next;

	if (reg == NULL)
		return;
	for (f = reg->first; f != NULL; f = next) {
		next = f->next;
		family_free(f);
	}
	free(reg);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for a metric (COLON), without ':' for a label. */
static bool
name_valid(const char *s, bool colon)
{
	if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':')))
			return false;
	}
	return true;
}

static int
def_check(const struct prom_registry *reg, const struct prom_def *def)
{
	size_t n;

	if (!name_valid(def->name, true) || def->help == NULL ||
	    (def->type != PROM_COUNTER && def->type != PROM_GAUGE && def->type != PROM_HISTOGRAM))
		return -EINVAL;
	for (const struct prom_family *f = reg->first; f != NULL; f = f->next)
		if (strcmp(f->name, def->name) == 0)
			return -EINVAL;
	for (n = 0; n <= PROM_LABELS_MAX && def->labels[n] != NULL; n++) {
		/* "__" names are Prometheus's own; "le" is the histogram's. */
		if (!name_valid(def->labels[n], false) || strncmp(def->labels[n], "__", 2) == 0 ||
		    (def->type == PROM_HISTOGRAM && strcmp(def->labels[n], "le") == 0))
			return -EINVAL;
		for (size_t k = 0; k < n; k++)
			if (strcmp(def->labels[k], def->labels[n]) == 0)
				return -EINVAL;
	}
	if (n > PROM_LABELS_MAX)
		return -EINVAL;
	if (def->type != PROM_HISTOGRAM)
		return def->nbuckets == 0 ? 0 : -EINVAL;
	if (def->nbuckets == 0 || def->nbuckets > PROM_BUCKETS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < def->nbuckets; i++)
		if (!isfinite(def->buckets[i]) || (i > 0 && def->buckets[i] <= def->buckets[i - 1]))
			return -EINVAL;
	return 0;
}

int
prom_family_add(struct prom_registry *reg, const struct prom_def *def, struct prom_family **out)
{
	struct prom_family *f;
	int err;

	*out = NULL;
	if ((err = def_check(reg, def)) < 0)
		return err;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	f->type = def->type;
	f->nbuckets = def->nbuckets;
	memcpy(f->buckets, def->buckets, sizeof(f->buckets));
	f->name = strdup(def->name);
	f->help = strdup(def->help);
	if (f->name == NULL || f->help == NULL)
		goto fail;
	for (; f->nlabels < PROM_LABELS_MAX && def->labels[f->nlabels] != NULL; f->nlabels++)
		if ((f->labels[f->nlabels] = strdup(def->labels[f->nlabels])) == NULL)
			goto fail;
	*reg->tail = f;
	reg->tail = &f->next;
	*out = f;
	return 0;

fail:
	family_free(f);
	return -ENOMEM;
}

static struct prom_series *
series_find(const struct prom_family *f, const char *const *labels)
{
	for (size_t i = 0; i < f->nseries; i++) {
		size_t k = 0;

		while (k < f->nlabels && strcmp(f->series[i].labels[k], labels[k]) == 0)
			k++;
		if (k == f->nlabels)
			return &f->series[i];
	}
	return NULL;
}

/* The series of F with LABELS, made when it is new; NULL with *ERR set
 * when it cannot be. */
static struct prom_series *
series_get(struct prom_family *f, const char *const *labels, int *err)
{
	struct prom_series *s;

	for (size_t k = 0; k < f->nlabels; k++) {
		if (labels == NULL || labels[k] == NULL) {
			*err = -EINVAL;
			return NULL;
		}
	}
	if ((s = series_find(f, labels)) != NULL)
		return s;
	if (f->nseries == PROM_SERIES_MAX) {
		*err = -ENOSPC;
		return NULL;
	}
	if (f->nseries == f->cap) {
		size_t ncap = f->cap == 0 ? 8 : f->cap * 2;
		struct prom_series *ns = realloc(f->series, ncap * sizeof(*ns));

		if (ns == NULL)
			goto nomem;
		f->series = ns;
		f->cap = ncap;
	}
	s = &f->series[f->nseries];
	memset(s, 0, sizeof(*s));
	if (f->nlabels > 0 && (s->labels = calloc(f->nlabels, sizeof(char *))) == NULL)
		goto nomem;
	for (size_t k = 0; k < f->nlabels; k++) {
		if ((s->labels[k] = strdup(labels[k])) == NULL)
			goto nomem_series;
	}
	if (f->type == PROM_HISTOGRAM && (s->bucket = calloc(f->nbuckets, sizeof(double))) == NULL)
		goto nomem_series;
	f->nseries++;
	return s;

nomem_series:
	series_clear(f, s);
nomem:
	*err = -ENOMEM;
	return NULL;
}

int
prom_add(struct prom_family *f, const char *const *labels, double v)
{
	struct prom_series *s;
	int err = 0;

	/* A counter only goes up (a reset is a restart of the daemon). */
	if (f->type == PROM_HISTOGRAM || (f->type == PROM_COUNTER && !(v >= 0)))
		return -EINVAL;
	if ((s = series_get(f, labels, &err)) == NULL)
		return err;
	s->value += v;
	return 0;
}

int
prom_set(struct prom_family *f, const char *const *labels, double v)
{
	struct prom_series *s;
	int err = 0;

	if (f->type != PROM_GAUGE)
		return -EINVAL;
	if ((s = series_get(f, labels, &err)) == NULL)
		return err;
	s->value = v;
	return 0;
}

int
prom_observe(struct prom_family *f, const char *const *labels, double v)
{
	struct prom_series *s;
	int err = 0;

	if (f->type != PROM_HISTOGRAM || isnan(v))
		return -EINVAL;
	if ((s = series_get(f, labels, &err)) == NULL)
		return err;
	/* The first bucket whose bound holds V; past the last, only +Inf
	 * (the count) has it. */
	for (size_t i = 0; i < f->nbuckets; i++) {
		if (v <= f->buckets[i]) {
			s->bucket[i]++;
			break;
		}
	}
	s->value += v;
	s->count++;
	return 0;
}

double
prom_value(const struct prom_family *f, const char *const *labels)
{
	const struct prom_series *s;

	for (size_t k = 0; k < f->nlabels; k++)
		if (labels == NULL || labels[k] == NULL)
			return 0;
	s = series_find(f, labels);
	if (s == NULL)
		return 0;
	return f->type == PROM_HISTOGRAM ? s->count : s->value;
}

/* ---- rendering -------------------------------------------------------- */

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

static void
out_grow(struct out *o, size_t more)
{
	size_t ncap;
	char *np;

	if (o->failed || o->len + more + 1 <= o->cap)
		return;
	ncap = o->cap == 0 ? 4096 : o->cap;
	while (ncap < o->len + more + 1)
		ncap *= 2;
	if ((np = realloc(o->p, ncap)) == NULL) {
		o->failed = true;
		return;
	}
	o->p = np;
	o->cap = ncap;
}

static void
out_bytes(struct out *o, const char *s, size_t n)
{
	out_grow(o, n);
	if (o->failed)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void
out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

/* S with '\\' and '\n' escaped, and '"' too when QUOTE (a label value). */
static void
out_escaped(struct out *o, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			out_str(o, "\\\\");
		else if (*s == '\n')
			out_str(o, "\\n");
		else if (*s == '"' && quote)
			out_str(o, "\\\"");
		else
			out_bytes(o, s, 1);
	}
}

/* The shortest text that reads back as V, as Go's strconv writes floats
 * ("0.1", not "0.10000000000000001"), and the format's Inf and NaN. */
static void
format_double(char *buf, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void
out_double(struct out *o, double v)
{
	char buf[40];

	format_double(buf, sizeof(buf), v);
	out_str(o, buf);
}

/* NAME SUFFIX {labels[, le="LE"]} VALUE; LE NULL for none. */
static void
out_sample(struct out *o, const struct prom_family *f, const struct prom_series *s,
    const char *suffix, const char *le, double v)
{
	bool any = f->nlabels > 0 || le != NULL;

	out_str(o, f->name);
	out_str(o, suffix);
	if (any)
		out_str(o, "{");
	for (size_t k = 0; k < f->nlabels; k++) {
		if (k > 0)
			out_str(o, ",");
		out_str(o, f->labels[k]);
		out_str(o, "=\"");
		out_escaped(o, s->labels[k], true);
		out_str(o, "\"");
	}
	if (le != NULL) {
		out_str(o, f->nlabels > 0 ? ",le=\"" : "le=\"");
		out_str(o, le);
		out_str(o, "\"");
	}
	if (any)
		out_str(o, "}");
	out_str(o, " ");
	out_double(o, v);
	out_str(o, "\n");
}

static void
out_histogram(struct out *o, const struct prom_family *f, const struct prom_series *s)
{
	char le[40];
	double cum = 0;

	for (size_t i = 0; i < f->nbuckets; i++) {
		cum += s->bucket[i];
		format_double(le, sizeof(le), f->buckets[i]);
		out_sample(o, f, s, "_bucket", le, cum);
	}
	out_sample(o, f, s, "_bucket", "+Inf", s->count);
	out_sample(o, f, s, "_sum", NULL, s->value);
	out_sample(o, f, s, "_count", NULL, s->count);
}

static const char *const type_names[] = {
	[PROM_COUNTER] = "counter",
	[PROM_GAUGE] = "gauge",
	[PROM_HISTOGRAM] = "histogram",
};

int
prom_render(const struct prom_registry *reg, char **text, size_t *len)
{
	struct out o = { 0 };

	out_grow(&o, 0);
	for (const struct prom_family *f = reg->first; f != NULL; f = f->next) {
		out_str(&o, "# HELP ");
		out_str(&o, f->name);
		out_str(&o, " ");
		out_escaped(&o, f->help, false);
		out_str(&o, "\n# TYPE ");
		out_str(&o, f->name);
		out_str(&o, " ");
		out_str(&o, type_names[f->type]);
		out_str(&o, "\n");
		for (size_t i = 0; i < f->nseries; i++) {
			if (f->type == PROM_HISTOGRAM)
				out_histogram(&o, f, &f->series[i]);
			else
				out_sample(&o, f, &f->series[i], "", NULL, f->series[i].value);
		}
	}
	if (o.failed) {
		free(o.p);
		*text = NULL;
		*len = 0;
		return -ENOMEM;
	}
	*text = o.p;
	*len = o.len;
	return 0;
}
