/* rebound/intake: the one door every Rebound notification goes through,
 * whichever way it came (webhook, poll, backfill): classify the body,
 * normalise it, dedupe it, store it durably; later, apply stored events to
 * returns with the identity rule. The contract is docs/rebound-notifications.md. */
#ifndef REBOUND_INTAKE_H
#define REBOUND_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

enum intake_kind { INTAKE_TRACKING = 0, INTAKE_REFUND_TRIGGER, INTAKE__KIND_COUNT };

enum intake_outcome {
	INTAKE_ACCEPTED = 0,   /* stored */
	INTAKE_DUPLICATE,      /* stored before; nothing changed */
	INTAKE_PARKED,         /* a Rebound notification we cannot use: stored, exception raised */
	INTAKE_MALFORMED,      /* not JSON (or too deep): nothing stored */
	INTAKE_NOT_REBOUND,    /* JSON, but no shape we know: nothing stored */
};

struct intake_result {
	enum intake_outcome outcome;
	int64_t event_id;      /* for ACCEPTED, DUPLICATE, PARKED */
	char reason[256];      /* why, for PARKED, MALFORMED, NOT_REBOUND */
};

/* "tracking" / "refund_trigger". */
const char *intake_kind_name(enum intake_kind kind);

/* Classify, normalise and store one notification body. source is
 * "webhook", "poll" or "backfill". On ERR_OK *res says what happened; the
 * event is committed to disk before this returns (for a webhook, the
 * caller acknowledges only then). ERR_STORE/ERR_BUSY: nothing stored, the
 * sender should retry. Thread-safe; blocks for the group commit. */
MUST_CHECK enum err_code intake_submit(struct store *st, enum intake_kind kind,
				       const char *source, const char *body,
				       size_t len, struct intake_result *res,
				       struct err *e);

/* The group committer for the webhook path: many HTTP threads submit, one
 * thread writes everything pending in one transaction, then answers them
 * all. Started by intake_committer_new, stopped (after draining) by
 * intake_committer_free. For tests, RETURNBRIDGE_TEST_COMMIT_HOOK=stall:MS
 * delays every commit and =fail makes every commit fail. */
struct intake_committer;

MUST_CHECK enum err_code intake_committer_new(struct store *st,
					      struct intake_committer **out,
					      struct err *e);
void intake_committer_free(struct intake_committer *c);

/* Like intake_submit, through the group committer. Any thread. */
MUST_CHECK enum err_code intake_committer_submit(struct intake_committer *c,
						 enum intake_kind kind,
						 const char *source,
						 const char *body, size_t len,
						 struct intake_result *res,
						 struct err *e);

/* The same without blocking the caller, in two steps so the caller can
 * get ready to be answered (e.g. suspend its connection) in between:
 * intake_prepare classifies and normalises on the calling thread. It
 * returns 0 when *res is already final (malformed, not Rebound: nothing to
 * store); else 1 and *out, which intake_committer_enqueue takes over. cb
 * runs on the committer thread after the commit, with the outcome; it must
 * not block. The body must stay valid until cb has run. */
struct intake_prepared;
typedef void intake_done_fn(void *arg, enum err_code rc,
			    const struct intake_result *res, const struct err *e);

int intake_prepare(enum intake_kind kind, const char *source, const char *body,
		   size_t len, struct intake_prepared **out,
		   struct intake_result *res);
void intake_prepared_free(struct intake_prepared *p);
void intake_committer_enqueue(struct intake_committer *c,
			      struct intake_prepared *p, intake_done_fn *cb,
			      void *arg);

/* Apply up to max stored, unprocessed events to returns (identity rule,
 * lines, milestones), oldest first. *done = how many were processed.
 * One thread per store handle; several processes may run it at once
 * (applying an event is idempotent, each batch one transaction). */
MUST_CHECK enum err_code intake_process_pending(struct store *st, int max,
						int *done, struct err *e);

/* Apply pending events in batches of `batch` (one transaction each) until
 * none are left or `limit` were applied; *total = how many. Same threading
 * rule as intake_process_pending. */
MUST_CHECK enum err_code intake_process_all(struct store *st, int batch, int limit,
					    int *total, struct err *e);

#endif
