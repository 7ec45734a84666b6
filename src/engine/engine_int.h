/* engine_int: what the engine's files share — the worker's context, the
 * working record of the return in hand, and the steps. Not an API. */
#ifndef ENGINE_ENGINE_INT_H
#define ENGINE_ENGINE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/retflow.h"
#include "odoo/odoo.h"
#include "odoo/ops.h"
#include "store/store.h"
#include "util/cfg.h"
#include "util/err.h"

/* The worker's own things; one per engine thread. */
struct worker {
	struct cfg *cfg;               /* the engine's private copy */
	struct store *st;
	struct odoo *odoo;             /* NULL until connected */
	char owner[64];                /* lease owner: host:pid */
	/* return pickings of this round's waiting returns, read in one call
	 * before the round's jobs run (step_receipt looks here first) */
	struct ops_picking *polled;
	size_t npolled;
};

/* One return in hand for one step. */
struct work {
	int64_t return_id;
	char rid[256];                 /* Rebound return id */
	char order_ref[256];
	enum retflow_state state;
	json_t *w;                     /* the working record (owned) */
	json_t *lines;                 /* the return's lines from the store (owned) */
};

/* What a step decided, when it returned ERR_OK. */
enum step_result {
	STEP_NEXT = 0,   /* the return moved on: run its next step now */
	STEP_WAIT,       /* nothing to do until later (the warehouse) */
	STEP_DONE,       /* no more work for the engine (credited, held) */
};

/* An exception the step raises; the return goes ON_HOLD when hold. */
struct step_exc {
	const char *type;              /* "unknown_order", "disposition_mismatch", ... */
	const char *owner;             /* warehouse, finance, support, integration */
	char message[768];
};

/* The steps, one per working state. Each reads Odoo, writes at most one
 * kind of document, and records its outcome with engine_commit. On a
 * failure the code says retryable (ERR_IO, ERR_BUSY, ERR_UNKNOWN_OUTCOME,
 * ERR_STORE) or permanent (the rest); e says what. */
MUST_CHECK enum err_code step_match(struct worker *wk, struct work *wo,
				    enum step_result *res, struct err *e);
MUST_CHECK enum err_code step_picking(struct worker *wk, struct work *wo,
				      enum step_result *res, struct err *e);
MUST_CHECK enum err_code step_receipt(struct worker *wk, struct work *wo,
				      enum step_result *res, struct err *e);
MUST_CHECK enum err_code step_credit(struct worker *wk, struct work *wo,
				     enum step_result *res, struct err *e);

/* Record a step's outcome in one store transaction: the working record,
 * the move to `to` (== wo->state: none), an audit row (action, detail
 * stolen, may be NULL), and exceptions. On ERR_OK wo->state is `to`. */
MUST_CHECK enum err_code engine_commit(struct worker *wk, struct work *wo,
				       enum retflow_state to, const char *action,
				       json_t *detail_own,
				       const struct step_exc *exc, int nexc,
				       struct err *e);

/* Audit one fact without changing state (an Odoo write about to be sent,
 * a search before a retry). detail is stolen. */
MUST_CHECK enum err_code engine_audit(struct worker *wk, struct work *wo,
				      const char *action, json_t *detail_own,
				      struct err *e);

/* Record an Odoo document of the return (kind "return_picking",
 * "credit_note"). */
MUST_CHECK enum err_code engine_doc(struct worker *wk, struct work *wo,
				    const char *kind, int64_t odoo_id,
				    const char *name, const char *ref,
				    struct err *e);

/* Our reference for the return's documents: "RB <Rebound return id>".
 * Unique per return, so a search by it tells our documents of this
 * return from those of other returns of the same order. */
void engine_ref(const struct work *wo, char *out, size_t len);

/* Tests only: when RETURNBRIDGE_TEST_ENGINE_CRASH names point, die at
 * once with _exit(137), as kill -9 would: "picking_created",
 * "credit_created" and "credit_posted" sit between an Odoo commit and
 * ours. */
void engine_test_crash(const char *point);

/* Working-record helpers: integer field (0 when absent), set one. */
int64_t wr_int(const json_t *o, const char *key);
void wr_set_int(json_t *o, const char *key, int64_t v);

#endif
