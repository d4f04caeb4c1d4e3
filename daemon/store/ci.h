/*
 * ci.h -- what the store keeps of CI webhooks (schema/011-ci.sql): every
 * delivery and what became of it, and which jobs a CI project queued for
 * which push.
 *
 * A delivery id that was taken once (any outcome but refused) is never
 * taken again, so a forge's redelivery cannot make a second job; a
 * refused one (a bad signature) may come again after the secret is fixed.
 * What is kept is capped where callers cannot be trusted to be few:
 * refused and ignored deliveries beyond the last CI_DELIVERIES_KEPT of a
 * project are deleted; pending, queued and failed ones stay (one per push
 * the project wanted), so that a replay is always recognised.
 */
#ifndef PKVM_STORE_CI_H
#define PKVM_STORE_CI_H

#include <stddef.h>
#include <stdint.h>

#include "job/job.h"

struct store;

/* Refused, and ignored, deliveries kept per project. */
#define CI_DELIVERIES_KEPT 200

enum ci_outcome { CI_PENDING, CI_QUEUED, CI_IGNORED, CI_REFUSED, CI_FAILED };

/* One delivery as recorded. */
struct ci_delivery {
	int64_t id; /* the row's id */
	char *project; /* "" when no project matched */
	char *forge; /* "github", "gitlab", "generic" */
	char *delivery; /* the forge's delivery id */
	char *event; /* "workflow_run", "Job Hook", ... or "" */
	int64_t received_ms;
	enum ci_outcome outcome;
	char *reason; /* why ignored, refused or failed; or NULL */
	int64_t job_id; /* 0 when none */
	char *ref, *commit; /* NULL when unknown */
};

/* A CI project's job as ci_jobs holds it. */
struct ci_job_rec {
	const char *project;
	const char *ref;
	const char *commit;
	int64_t delivery_id; /* the delivery row that made it */
	const char *callback_url; /* or NULL */
};

/* "pending", "queued", "ignored", "refused" or "failed". */
const char *store_ci_outcome_name(enum ci_outcome o);
/* Record delivery D (its id and job_id are ignored) into *ID, trimming
 * the project's refused and ignored rows to CI_DELIVERIES_KEPT.  0;
 * -EEXIST when D's forge and delivery id were taken before (not
 * refused): nothing is written; or negative errno. */
int store_ci_delivery_add(struct store *st, const struct ci_delivery *d, int64_t *id);
/* The delivery that took FORGE's DELIVERY id (not a refused one) into
 * *OUT (store_ci_delivery_clear() it): 0, -ENOENT, or negative errno. */
int store_ci_delivery_find(struct store *st, const char *forge, const char *delivery,
    struct ci_delivery *out);
/* End pending delivery ID as OUTCOME (ignored or failed) with REASON:
 * 0, -ENOENT when it is not pending, or negative errno. */
int store_ci_delivery_finish(struct store *st, int64_t id, enum ci_outcome outcome,
    const char *reason);
/* Fail every pending delivery with REASON (at start-up: a dead daemon's
 * downloads are gone); the count, or negative errno. */
int store_ci_deliveries_interrupt(struct store *st, const char *reason);
/* Insert job J (as store_job_insert() does), its ci_jobs row C, and mark
 * C's delivery queued with J's id, in one transaction: 0 or negative
 * errno (nothing written). */
int store_ci_job_insert(struct store *st, struct job *j, const struct ci_job_rec *c);
/* Mark PROJECT's queued and running jobs of REF other than NEW_JOB_ID,
 * not superseded yet, as superseded by COMMIT; their ids into a malloc'd
 * *IDS (free() it).  The count, or negative errno. */
int store_ci_supersede(struct store *st, const char *project, const char *ref, int64_t new_job_id,
    const char *commit, int64_t **ids);
/* PROJECT's last LIMIT deliveries, newest first, into a malloc'd *OUT
 * (store_ci_deliveries_free() it).  0 or negative errno. */
int store_ci_deliveries_list(struct store *st, const char *project, int limit,
    struct ci_delivery **out, size_t *n);
/* Free what one delivery owns. */
void store_ci_delivery_clear(struct ci_delivery *d);
/* Free a list from store_ci_deliveries_list(). */
void store_ci_deliveries_free(struct ci_delivery *v, size_t n);

#endif
