/*
 * prom.h -- a small registry of Prometheus metrics and its text exposition.
 *
 * A registry holds families: a counter, a gauge or a histogram with a name,
 * a help line and a fixed list of label names, declared once as data
 * (struct prom_def).  A family holds series, one per tuple of label values,
 * made on their first update.  prom_render() writes the whole registry in
 * the text exposition format 0.0.4, which every Prometheus scrapes.
 *
 * It is pure: no I/O, no clock, no globals, one thread.  Values are
 * doubles, exact for counts up to 2^53.  Errors are negative errno: a bad
 * declaration is -EINVAL, a family past PROM_SERIES_MAX series is -ENOSPC
 * (a bound on label values that should be bounded anyway), -ENOMEM.
 */
#ifndef PKVM_PROM_H
#define PKVM_PROM_H

#include <stddef.h>

/* Label names a family may have ("le" of histograms not counted). */
#define PROM_LABELS_MAX 4
/* Bucket upper bounds a histogram may have (+Inf not counted). */
#define PROM_BUCKETS_MAX 16
/* Series one family may hold. */
#define PROM_SERIES_MAX 10000

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };

/* One family, as a table row: labels end at the first NULL, buckets are
 * strictly increasing upper bounds (histograms only; +Inf is implied). */
struct prom_def {
	const char *name;
	const char *help;
	enum prom_type type;
	const char *labels[PROM_LABELS_MAX + 1];
	double buckets[PROM_BUCKETS_MAX];
	size_t nbuckets;
};

struct prom_registry;
struct prom_family;

/* An empty registry into *OUT; 0 or -ENOMEM. */
int prom_registry_new(struct prom_registry **out);
/* Free the registry and its families; NULL is fine. */
void prom_registry_free(struct prom_registry *reg);
/* Add family DEF (copied) to REG, rendered after those added before it,
 * into *OUT; -EINVAL for a bad or taken name, bad labels or buckets. */
int prom_family_add(struct prom_registry *reg, const struct prom_def *def,
    struct prom_family **out);

/* The LABELS of a series are its label values in the order of the family's
 * label names (NULL for a family without labels). */

/* Add V >= 0 to a counter, or any V to a gauge. */
int prom_add(struct prom_family *f, const char *const *labels, double v);
/* Set a gauge to V. */
int prom_set(struct prom_family *f, const char *const *labels, double v);
/* Count V in a histogram's buckets, its sum and its count. */
int prom_observe(struct prom_family *f, const char *const *labels, double v);
/* Drop every series of F: for gauges that are set afresh at each scrape,
 * so a label value that went away stops being reported. */
void prom_family_clear(struct prom_family *f);
/* The value of a counter's or gauge's series, or of a histogram's count;
 * 0 when it has none yet. */
double prom_value(const struct prom_family *f, const char *const *labels);

/* REG in the text exposition format 0.0.4 into *TEXT (malloc'd, NUL
 * terminated) and *LEN; 0 or -ENOMEM. */
int prom_render(const struct prom_registry *reg, char **text, size_t *len);

#endif
