/* engine_int: what the engine's files share — the worker's context, the
 * working record of the return in hand, and the steps. Not an API. */
#ifndef ENGINE_ENGINE_INT_H
#define ENGINE_ENGINE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/retflow.h"
#include "odoo/gate.h"
#include "odoo/odoo.h"
#include "odoo/ops.h"
#include "store/store.h"
#include "util/cfg.h"
#include "util/err.h"

/* The worker's own things; one per engine thread. */
struct engine;

struct worker {
	struct engine *en;
	struct cfg *cfg;               /* the engine's private copy */
	struct store *st;
	struct odoo *odoo;             /* NULL until connected */
	char owner[80];                /* lease owner: host:pid:worker */
	int index;                     /* 0 .. engine.workers - 1 */
	unsigned seed;                 /* backoff jitter */
	struct rpc_gate *gate;         /* the engine's cap on Odoo calls in flight */
	/* what does not change between batches, learnt from Odoo once per
	 * connection (and at most every CACHE_MS): location ids by complete
	 * name, taxes by id, return operation type by delivery type id */
	json_t *locs, *taxes, *rtypes;
	int64_t note_subtype;
	int64_t cancels_checked_ms;    /* Rebound's cancellations last read */
	int64_t cache_since_ms;
};

/* One return in hand for one step. */
struct work {
	int64_t return_id;
	char rid[256];                 /* Rebound return id */
	char order_ref[256];
	enum retflow_state state;
	json_t *w;                     /* the working record (owned) */
	json_t *lines;                 /* the return's lines from the store (owned) */
	/* done with the next engine_commit, in its transaction: an operator's
	 * request answered (req_id 0: none), the return's open exceptions
	 * resolved by resolve_by ("": none) */
	int64_t req_id;
	char req_result[300];
	char resolve_by[128];
	/* the outcome of this round's steps for this return */
	enum err_code rc;              /* ERR_OK, or why the last step failed */
	struct err err;
	int res;                       /* enum step_result */
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

/* The steps, one per working state, each for a batch of returns in that
 * state: one Odoo read per kind of document for the whole batch, one write
 * call for all the documents it makes (split to isolate a record Odoo
 * refuses), then each return's outcome recorded with engine_commit. A
 * step sets each return's res, or its rc and err when it failed:
 * retryable (ERR_IO, ERR_BUSY, ERR_UNKNOWN_OUTCOME, ERR_STORE) or
 * permanent (the rest). */
void step_match(struct worker *wk, struct work **wos, size_t n);
void step_picking(struct worker *wk, struct work **wos, size_t n);
void step_receipt(struct worker *wk, struct work **wos, size_t n);
void step_credit(struct worker *wk, struct work **wos, size_t n);
void step_notify(struct worker *wk, struct work **wos, size_t n);

/* Premature refunds (step_money.c): credit notes or refund payments for the
 * returns' orders that returnbridge did not make; each return concerned is
 * held for finance. At most two Odoo calls for the batch. */
void check_money(struct worker *wk, struct work **wos, size_t n);

/* Apply the operators' (and Rebound's) open requests to the returns of
 * the round before the steps run: release, cancel (the return pickings
 * cancelled in Odoo in one call), approve, reject. */
void apply_requests(struct worker *wk, struct work **wos, size_t n);

/* A return's step failed: keep why (the first failure stands). */
void work_fail(struct work *wo, enum err_code rc, const struct err *why);
void works_fail(struct work **wos, size_t n, enum err_code rc, const struct err *why);

/* Run fn on records [0, n) as one Odoo call; when Odoo refuses the batch
 * on a business rule or a bad value (a batch is all-or-nothing), split it
 * in halves until the records it refuses are alone, and report each
 * record's own outcome through rcs[] / errs[]. A failure that is not a
 * refusal (network, overload, unknown outcome) is reported for every
 * record of the call and not split. fn writes into the caller's arrays
 * from offset `from`. Returns how many calls were made. */
typedef enum err_code batch_fn(struct worker *wk, size_t from, size_t n, void *arg,
			       struct err *e);
size_t batch_split(struct worker *wk, size_t n, batch_fn *fn, void *arg,
		   enum err_code *rcs, struct err *errs);

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

/* Our reference for document k of n of one kind (return pickings: one
 * per delivery; credit notes: one per invoice): "RB <Rebound return id>"
 * when there is one, "RB <id>/<k+1>" when there are several. Unique per
 * document, so a search by it tells our documents of this return from
 * those of other returns of the same order, and from each other. */
void engine_ref(const struct work *wo, size_t k, size_t n, char *out, size_t len);

/* Tests only: when RETURNBRIDGE_TEST_ENGINE_CRASH names point, die at
 * once with _exit(137), as kill -9 would: "picking_created",
 * "credit_created" and "credit_posted" sit between an Odoo commit and
 * ours. */
void engine_test_crash(const char *point);

/* Store each [line_no, outcome] pair of outs as the line's outcome. */
MUST_CHECK enum err_code engine_outcomes(struct worker *wk, struct work *wo, json_t *outs,
					 struct err *e);

/* Whether a person released the return over Odoo document id (a credit
 * note, return or payment returnbridge did not make): "foreign_ok". */
bool engine_acknowledged(const json_t *w, int64_t id);

/* Every return picking (with an id) of the returns wos[0..n), read in one
 * call. */
MUST_CHECK enum err_code engine_read_pickings(struct worker *wk, struct work **wos, size_t n,
					      struct ops_picking **out, size_t *nout,
					      struct err *e);

/* Working-record helpers: integer field (0 when absent), set one. */
int64_t wr_int(const json_t *o, const char *key);
void wr_set_int(json_t *o, const char *key, int64_t v);

#endif
