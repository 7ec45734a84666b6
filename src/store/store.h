/* store: returnbridge's durable state — the event inbox, returns and their
 * lines, the job queue, exceptions and the append-only audit log — behind
 * one interface. SQLite (embedded, WAL) is the default backend; PostgreSQL
 * will implement the same ops table (DESIGN.md section 5).
 *
 * Threads: every call takes the handle's own lock, so a handle may be
 * shared; threads that work independently open a handle each (SQLite WAL
 * lets them read concurrently and serialises writers). */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/cfg.h"
#include "util/err.h"

struct store;

/* An event as it arrived (webhook or poll). Strings are borrowed for the
 * duration of the call that receives them. */
struct store_event {
	int64_t id;
	int64_t received_at_ms;
	const char *source;            /* "webhook", "poll", "backfill" */
	const char *kind;              /* "tracking", "refund_trigger", ... */
	const char *dedup_key;         /* unique; a repeat is a duplicate */
	const char *rebound_return_id; /* may be NULL */
	const char *order_ref;         /* may be NULL */
	const char *raw_body;          /* may be NULL (purged or absent) */
	int64_t raw_len;
	const char *normalized;        /* JSON text, may be NULL */
	const char *status;            /* "new", "processed", "parked" */
	const char *park_reason;       /* why it is parked, or NULL */
	int64_t return_id;             /* the return it was applied to, or 0 */
	bool raw_purged;
};

struct store_line {
	int line_no;
	const char *rebound_item_id;
	const char *sku;
	const char *ean;
	int64_t quantity;
	const char *reason_code;
	const char *disposition;       /* hub grade / final disposition */
	const char *outcome;           /* "pending", "credited", "held", ... */
	const char *client_item_id;
};

struct store_milestone {
	const char *milestone;         /* "created", "at_hub", "refund_trigger", ... */
	const char *text;              /* as Rebound sent it */
	const char *event_time;        /* as Rebound sent it, or NULL */
	int64_t at_ms;                 /* when we received it */
	int64_t event_id;
};

struct store_return {
	int64_t id;
	const char *rebound_return_id;
	const char *order_ref;
	const char *state;             /* state name, e.g. "INTENT" */
	const char *location;          /* Rebound hub, when known */
	const char *last_milestone;
	int64_t created_at_ms;
	int64_t updated_at_ms;
	int nlines;
	const struct store_line *lines;
	int nmilestones;
	const struct store_milestone *milestones;
};

struct store_exception_row {
	int64_t id;
	const char *type;
	const char *owner;
	const char *message;
	int64_t opened_at_ms;
	bool resolved;
	int64_t event_id;              /* 0 when not tied to an event */
};

/* A new exception: what a person must look at. */
struct store_exception_new {
	int64_t return_id;             /* 0 when not tied to a return */
	int64_t event_id;              /* 0 when not tied to an event */
	const char *type;              /* "unusable_notification", "ambiguous_identity", ... */
	const char *owner;             /* "warehouse", "finance", "support", "integration" */
	int priority;
	const char *message;
};

struct store_rejection {
	const char *endpoint;
	const char *reason;
	int64_t count;
	int64_t first_at_ms;
	int64_t last_at_ms;
	const char *last_detail;
};

/* How to find a return (one field set). */
struct store_find {
	const char *rebound_return_id; /* exact */
	const char *rebound_item_id;   /* a line's Rebound item id */
	const char *order_ref_open;    /* returns of that order not CLOSED/CANCELLED */
};

typedef void store_event_cb(const struct store_event *ev, void *arg);
typedef void store_return_cb(const struct store_return *r,
			     const struct store_exception_row *exc, int nexc,
			     void *arg);
typedef void store_rejection_cb(const struct store_rejection *r, void *arg);

/* Open the backend configured in c and apply pending migrations.
 * ERR_STORE with a message that says what to do (path not writable,
 * database from a newer returnbridge, ...). Each thread that works
 * independently (HTTP, main loop) opens its own handle. */
MUST_CHECK enum err_code store_open(const struct cfg *c, struct store **out,
				    struct err *e);

/* Close and free; NULL does nothing. No call may be in flight. */
void store_close(struct store *st);

/* A cheap round trip proving the store answers (readiness). */
MUST_CHECK enum err_code store_ping(struct store *st, struct err *e);

/* Schema version the database is at, and the newest this build knows. */
MUST_CHECK enum err_code store_schema_version(struct store *st, int *current,
					      int *latest, struct err *e);

/* Human-readable location ("sqlite:/var/lib/returnbridge/rb.db"). */
const char *store_describe(const struct store *st);

/* Durability setting in force, for logs and benchmark output ("FULL"). */
const char *store_durability(const struct store *st);

/* Explicit transaction on this handle, for work that spans several calls
 * (one thread owns the handle meanwhile). Calls that write on their own
 * join it instead of opening their own. */
MUST_CHECK enum err_code store_tx_begin(struct store *st, struct err *e);
MUST_CHECK enum err_code store_tx_commit(struct store *st, struct err *e);
void store_tx_rollback(struct store *st);

/* Insert events durably, all in one transaction (group commit): when this
 * returns ERR_OK every one is on disk. An event whose dedup_key is already
 * stored is not stored again: dup[i] is set and ids[i] is the first one's
 * id. An event with park_reason gets status "parked" and an
 * "unusable_notification" exception for the integration owner. On error
 * nothing is stored. */
MUST_CHECK enum err_code store_events_add(struct store *st,
					  const struct store_event *evs, size_t n,
					  int64_t *ids, bool *dup, struct err *e);

/* Call cb for up to limit events, newest first; only those of one Rebound
 * return when rebound_return_id is not NULL. */
MUST_CHECK enum err_code store_events_list(struct store *st,
					   const char *rebound_return_id, int limit,
					   store_event_cb *cb, void *arg,
					   struct err *e);

/* Events with status "new", oldest first, up to max (with normalized). */
MUST_CHECK enum err_code store_events_pending(struct store *st, int max,
					      store_event_cb *cb, void *arg,
					      struct err *e);

/* Mark an event processed ("processed") or parked ("parked", with reason),
 * and the return it was applied to (0: none). */
MUST_CHECK enum err_code store_event_finish(struct store *st, int64_t event_id,
					    const char *status, int64_t return_id,
					    const char *reason, struct err *e);

/* Count a refused request (401 and the like) by endpoint and reason. */
MUST_CHECK enum err_code store_rejection_add(struct store *st, const char *endpoint,
					     const char *reason, const char *detail,
					     struct err *e);
MUST_CHECK enum err_code store_rejections_list(struct store *st,
					       store_rejection_cb *cb, void *arg,
					       struct err *e);

/* Create a return with its lines, state "INTENT".
 * ERR_EXISTS when the Rebound return id is already known. */
MUST_CHECK enum err_code store_return_create(struct store *st,
					     const struct store_return *r,
					     int64_t *id, struct err *e);

/* Ids of returns matching q (at most max); *n how many matched in all. */
MUST_CHECK enum err_code store_return_find(struct store *st,
					   const struct store_find *q,
					   int64_t *ids, int max, int *n,
					   struct err *e);

/* Merge lines into a return: a line whose Rebound item id (or, without
 * one, whose position and SKU) is already there gets its disposition and
 * reason updated when given; others are added. *added = lines added. */
MUST_CHECK enum err_code store_return_merge_lines(struct store *st, int64_t return_id,
						  const struct store_line *lines, int n,
						  int *added, struct err *e);

/* Record a milestone on a return (once per event) and make it the
 * return's last milestone; also sets the location when given. */
MUST_CHECK enum err_code store_milestone_add(struct store *st, int64_t return_id,
					     const struct store_milestone *m,
					     const char *location, struct err *e);

/* Look a return up by Rebound id and call cb once with it, its lines,
 * milestones and exceptions. ERR_NOT_FOUND when there is none. */
MUST_CHECK enum err_code store_return_get(struct store *st,
					  const char *rebound_return_id,
					  store_return_cb *cb, void *arg,
					  struct err *e);

/* Open an exception. */
MUST_CHECK enum err_code store_exception_add(struct store *st,
					     const struct store_exception_new *x,
					     int64_t *id, struct err *e);

/* Append to the audit log (which refuses updates and deletes). */
MUST_CHECK enum err_code store_audit_add(struct store *st, const char *actor,
					 int64_t return_id, const char *action,
					 const char *detail_json, struct err *e);

/* Count audit rows (for tests and the status view). */
MUST_CHECK enum err_code store_audit_count(struct store *st, int64_t *n,
					   struct err *e);

/* Erase raw notification bodies received before cutoff_ms (they hold
 * customers' names and addresses); the normalised event stays. */
MUST_CHECK enum err_code store_purge_raw(struct store *st, int64_t cutoff_ms,
					 int64_t *purged, struct err *e);

/* --- Rebound client state (issue 4): a small key-value table the Rebound
 * poller, backfill and status push keep their progress in, and a read of
 * the returns still open. --- */

typedef void store_kv_cb(const char *key, const char *value, void *arg);

/* The value stored under key: *value is malloc'd (free() it).
 * ERR_NOT_FOUND when there is none. */
MUST_CHECK enum err_code store_kv_get(struct store *st, const char *key,
				      char **value, struct err *e);

/* Set key to value durably (value NULL deletes the key). */
MUST_CHECK enum err_code store_kv_set(struct store *st, const char *key,
				      const char *value, struct err *e);

/* Call cb for every key starting with prefix, in key order. */
MUST_CHECK enum err_code store_kv_list(struct store *st, const char *prefix,
				       store_kv_cb *cb, void *arg,
				       struct err *e);

/* Call cb for up to limit returns whose state is not CLOSED or CANCELLED,
 * oldest first; lines are not filled in (nlines 0). */
MUST_CHECK enum err_code store_returns_open(struct store *st, int limit,
					    store_return_cb *cb, void *arg,
					    struct err *e);

/* --- the engine (issue 8): a durable job queue, the engine's working
 * record of a return, Odoo documents and the audit trail read back. --- */

/* A claimed job. One open job per return at most (a unique index), so
 * with its lease no two workers ever work on one return at once. */
struct store_job {
	int64_t id;
	int64_t return_id;
	char kind[24];                 /* "advance": run the return's next step */
	int attempts;                  /* failed tries so far */
	int64_t due_at_ms;
};

/* The engine's view of one return. */
struct store_engine_row {
	int64_t id;
	const char *rebound_return_id;
	const char *order_ref;
	const char *state;
	const char *engine;            /* JSON working record, NULL before the first step */
	int64_t updated_at_ms;
};

/* An Odoo document made (or adopted) for a return. */
struct store_odoo_doc {
	int64_t return_id;
	const char *kind;              /* "return_picking", "credit_note" */
	int64_t odoo_id;
	const char *name;              /* WH/IN/00007, RINV/2026/00003 */
	const char *ref;               /* our reference in it */
	const char *detail;            /* JSON, may be NULL */
	int64_t at_ms;                 /* when recorded (on reads) */
};

struct store_audit_row {
	int64_t id;
	int64_t at_ms;
	const char *actor;
	const char *action;
	const char *detail;            /* JSON or NULL */
};

typedef void store_engine_cb(const struct store_engine_row *r, void *arg);
typedef void store_doc_cb(const struct store_odoo_doc *d, void *arg);
typedef void store_audit_cb(const struct store_audit_row *a, void *arg);

/* The returns of the orders refs_json (a JSON array of order references)
 * that are MATCHED or ON_HOLD, with their working records: what they have
 * allocated before their return pickings exist in Odoo. */
MUST_CHECK enum err_code store_engine_by_orders(struct store *st, const char *refs_json,
						store_engine_cb *cb, void *arg, struct err *e);

/* Give every return the engine still works on (INTENT … NOTIFIED) or that
 * has an open request an "advance" job due now when it has no open one.
 * *added = jobs made. Idempotent; any process. */
MUST_CHECK enum err_code store_jobs_ensure(struct store *st, int64_t now_ms,
					   int *added, struct err *e);

/* Lease up to max open jobs due at now_ms whose lease is free or expired
 * (a crashed worker's), oldest due first, to owner until now_ms +
 * lease_ms. *n = how many were written to out. */
MUST_CHECK enum err_code store_jobs_claim(struct store *st, const char *owner,
					  int64_t now_ms, int64_t lease_ms,
					  struct store_job *out, int max, int *n,
					  struct err *e);

/* The job is finished (done_at_ms set, lease released). */
MUST_CHECK enum err_code store_job_finish(struct store *st, int64_t job_id,
					  struct err *e);

/* Run the job again at due_ms with attempts and last_error (NULL clears
 * it); the lease is released. */
MUST_CHECK enum err_code store_job_defer(struct store *st, int64_t job_id,
					 int64_t due_ms, int attempts,
					 const char *last_error, struct err *e);

/* Call cb once with the return whose id is return_id. ERR_NOT_FOUND. */
MUST_CHECK enum err_code store_engine_get(struct store *st, int64_t return_id,
					  store_engine_cb *cb, void *arg,
					  struct err *e);

/* Compare-and-set: when the return is in state `from`, set its state to
 * `to` (NULL: unchanged) and its working record to engine (NULL:
 * unchanged). ERR_REJECTED when it is no longer in `from` (someone else
 * moved it). Use inside store_tx_begin with the audit row. */
MUST_CHECK enum err_code store_engine_put(struct store *st, int64_t return_id,
					  const char *from, const char *to,
					  const char *engine, struct err *e);

/* Set one line's outcome ("pending", "credited", "held", "refused"). */
MUST_CHECK enum err_code store_line_outcome(struct store *st, int64_t return_id,
					    int line_no, const char *outcome,
					    struct err *e);

/* Record an Odoo document; recording the same (kind, odoo_id) again
 * changes nothing. */
MUST_CHECK enum err_code store_odoo_doc_add(struct store *st,
					    const struct store_odoo_doc *d,
					    struct err *e);

/* Documents of a return (0: of every return), oldest first. */
MUST_CHECK enum err_code store_odoo_docs_list(struct store *st, int64_t return_id,
					      store_doc_cb *cb, void *arg,
					      struct err *e);

/* The audit rows of a return, oldest first. */
MUST_CHECK enum err_code store_audit_list(struct store *st, int64_t return_id,
					  store_audit_cb *cb, void *arg,
					  struct err *e);

/* --- operator requests (issues 8/9): release, cancel, approve, reject,
 * recorded by the CLI and applied by the engine, which owns every state
 * change (some need Odoo). store_sqlite_requests.c, migration 6. --- */

struct store_request {
	int64_t id;
	int64_t return_id;             /* returns.id */
	const char *rebound_return_id; /* on reads */
	const char *kind;              /* "release", "cancel", "approve", "reject" */
	const char *lines;             /* JSON array of line numbers, NULL = all */
	const char *actor;             /* the person who asked */
	const char *comment;           /* why; never empty */
	int64_t created_ms;
	int64_t done_ms;               /* 0 while open */
	const char *result;            /* "applied" or why refused; NULL while open */
};

typedef void store_request_cb(const struct store_request *r, void *arg);

/* Record a request on the return whose Rebound id is rebound_return_id
 * (rq->return_id, id, created_ms, done_ms and result are ignored), with an
 * "operator_request" audit row (actor and comment) in the same
 * transaction, and make the return's open job due now. *id = the new
 * request. ERR_NOT_FOUND when there is no such return; ERR_EXISTS when an
 * open request of the same kind is already there (nothing is written).
 * Any process (the CLI writes it while the daemon runs). */
MUST_CHECK enum err_code store_request_add(struct store *st,
					   const char *rebound_return_id,
					   const struct store_request *rq,
					   int64_t *id, struct err *e);

/* Call cb for the requests of one return (return_id > 0) or of every
 * return (0), oldest first; only those not done yet when open_only (what
 * the engine applies at the start of a round). Strings are borrowed for
 * the callback; cb must not call the store. */
MUST_CHECK enum err_code store_requests_list(struct store *st, int64_t return_id,
					     bool open_only, store_request_cb *cb,
					     void *arg, struct err *e);

/* The engine is done with request id: result is "applied" or, in words a
 * person can act on, why it was refused. Writes a "request_done" audit row
 * in the same transaction (joins an open store_tx_begin, so it can commit
 * with the state change). ERR_REJECTED when it was already done. */
MUST_CHECK enum err_code store_request_done(struct store *st, int64_t id,
					    const char *result, struct err *e);

/* Odoo said a picking was validated (POST /odoo/notifications): make the
 * open jobs of every return in state due at now_ms, so the next engine
 * round reads their pickings. *changed = jobs made due (may be NULL). */
/* One exception in the work list: what a person must look at. */
struct store_work_item {
	int64_t id;
	const char *type;
	const char *owner;
	int priority;
	const char *message;
	int64_t opened_at_ms;
	bool resolved;
	const char *rebound_return_id;  /* NULL when tied to no return */
	const char *order_ref;
	const char *state;              /* the return's state, NULL without one */
};
typedef void store_work_cb(const struct store_work_item *w, void *arg);

/* The exceptions people have to look at: open ones (all when
 * with_resolved), of owner (NULL: every owner), most urgent first
 * (priority, then oldest), at most limit. Strings are borrowed for the
 * callback; cb must not call the store. */
MUST_CHECK enum err_code store_work_list(struct store *st, const char *owner,
					 bool with_resolved, int limit, store_work_cb *cb,
					 void *arg, struct err *e);

/* A person dealt with exception id: resolved by `by`, audited
 * ("exception_resolved", with the comment) in one transaction.
 * ERR_NOT_FOUND when no open exception has that id. It changes no
 * return's state: a return on hold waits for `release`. */
MUST_CHECK enum err_code store_exception_resolve_one(struct store *st, int64_t id,
						     const char *by, const char *comment,
						     struct err *e);

/* Mark every open exception of a return resolved by `by` (a person's
 * release, a cancel, a close); *n says how many, n may be NULL. Joins an
 * open store_tx_begin. */
MUST_CHECK enum err_code store_exceptions_resolve(struct store *st, int64_t return_id,
						  const char *by, int *n, struct err *e);
/* A cancel request (actor "rebound") for every return with a Rebound
 * milestone "cancelled" (a Tracking Update that says so) or whose
 * milestone text is status (rebound.cancelled_status, any case: a legacy
 * tracking status) and that is neither cancelled nor closed — once per
 * return. The engine applies it
 * like an operator's. */
MUST_CHECK enum err_code store_requests_from_milestone(struct store *st,
						       const char *status, int64_t now_ms,
						       int *added, struct err *e);
MUST_CHECK enum err_code store_jobs_due_now_state(struct store *st,
						  const char *state, int64_t now_ms,
						  int *changed, struct err *e);

/* The backend's function table: one per backend, chosen at open. */
struct store_ops {
	const char *name;
	enum err_code (*open)(const struct cfg *c, struct store **out, struct err *e);
	void (*close)(struct store *st);
	enum err_code (*ping)(struct store *st, struct err *e);
	enum err_code (*schema_version)(struct store *st, int *cur, int *latest, struct err *e);
	const char *(*describe)(const struct store *st);
	const char *(*durability)(const struct store *st);
	enum err_code (*tx_begin)(struct store *st, struct err *e);
	enum err_code (*tx_commit)(struct store *st, struct err *e);
	void (*tx_rollback)(struct store *st);
	enum err_code (*events_add)(struct store *st, const struct store_event *evs, size_t n, int64_t *ids, bool *dup, struct err *e);
	enum err_code (*events_list)(struct store *st, const char *rid, int limit, store_event_cb *cb, void *arg, struct err *e);
	enum err_code (*events_pending)(struct store *st, int max, store_event_cb *cb, void *arg, struct err *e);
	enum err_code (*event_finish)(struct store *st, int64_t id, const char *status, int64_t return_id, const char *reason, struct err *e);
	enum err_code (*rejection_add)(struct store *st, const char *endpoint, const char *reason, const char *detail, struct err *e);
	enum err_code (*rejections_list)(struct store *st, store_rejection_cb *cb, void *arg, struct err *e);
	enum err_code (*return_create)(struct store *st, const struct store_return *r, int64_t *id, struct err *e);
	enum err_code (*return_find)(struct store *st, const struct store_find *q, int64_t *ids, int max, int *n, struct err *e);
	enum err_code (*return_merge_lines)(struct store *st, int64_t return_id, const struct store_line *lines, int n, int *added, struct err *e);
	enum err_code (*milestone_add)(struct store *st, int64_t return_id, const struct store_milestone *m, const char *location, struct err *e);
	enum err_code (*return_get)(struct store *st, const char *rid, store_return_cb *cb, void *arg, struct err *e);
	enum err_code (*exception_add)(struct store *st, const struct store_exception_new *x, int64_t *id, struct err *e);
	enum err_code (*audit_add)(struct store *st, const char *actor, int64_t return_id, const char *action, const char *detail, struct err *e);
	enum err_code (*audit_count)(struct store *st, int64_t *n, struct err *e);
	enum err_code (*purge_raw)(struct store *st, int64_t cutoff_ms, int64_t *purged, struct err *e);
	/* Rebound client state (issue 4) */
	enum err_code (*kv_get)(struct store *st, const char *key, char **value, struct err *e);
	enum err_code (*kv_set)(struct store *st, const char *key, const char *value, struct err *e);
	enum err_code (*kv_list)(struct store *st, const char *prefix, store_kv_cb *cb, void *arg, struct err *e);
	enum err_code (*returns_open)(struct store *st, int limit, store_return_cb *cb, void *arg, struct err *e);
	/* the engine (issue 8) */
	enum err_code (*jobs_ensure)(struct store *st, int64_t now_ms, int *added, struct err *e);
	enum err_code (*jobs_claim)(struct store *st, const char *owner, int64_t now_ms, int64_t lease_ms, struct store_job *out, int max, int *n, struct err *e);
	enum err_code (*job_finish)(struct store *st, int64_t job_id, struct err *e);
	enum err_code (*job_defer)(struct store *st, int64_t job_id, int64_t due_ms, int attempts, const char *last_error, struct err *e);
	enum err_code (*engine_get)(struct store *st, int64_t return_id, store_engine_cb *cb, void *arg, struct err *e);
	enum err_code (*engine_put)(struct store *st, int64_t return_id, const char *from, const char *to, const char *engine, struct err *e);
	enum err_code (*line_outcome)(struct store *st, int64_t return_id, int line_no, const char *outcome, struct err *e);
	enum err_code (*odoo_doc_add)(struct store *st, const struct store_odoo_doc *d, struct err *e);
	enum err_code (*odoo_docs_list)(struct store *st, int64_t return_id, store_doc_cb *cb, void *arg, struct err *e);
	enum err_code (*audit_list)(struct store *st, int64_t return_id, store_audit_cb *cb, void *arg, struct err *e);
	/* operator requests (issues 8/9) */
	enum err_code (*request_add)(struct store *st, const char *rid, const struct store_request *rq, int64_t *id, struct err *e);
	enum err_code (*requests_list)(struct store *st, int64_t return_id, bool open_only, store_request_cb *cb, void *arg, struct err *e);
	enum err_code (*request_done)(struct store *st, int64_t id, const char *result, struct err *e);
	enum err_code (*jobs_due_now_state)(struct store *st, const char *state, int64_t now_ms, int *changed, struct err *e);
	enum err_code (*engine_by_orders)(struct store *st, const char *refs_json, store_engine_cb *cb, void *arg, struct err *e);
	enum err_code (*exception_resolve_one)(struct store *st, int64_t id, const char *by, const char *comment, struct err *e);
	enum err_code (*work_list)(struct store *st, const char *owner, bool with_resolved, int limit, store_work_cb *cb, void *arg, struct err *e);
	enum err_code (*exceptions_resolve)(struct store *st, int64_t return_id, const char *by, int *n, struct err *e);
	enum err_code (*requests_from_milestone)(struct store *st, const char *status, int64_t now_ms, int *added, struct err *e);
};

/* Every backend's struct store starts with this. */
struct store_base {
	const struct store_ops *ops;
};

#endif
