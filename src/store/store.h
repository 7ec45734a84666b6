/* store: returnbridge's durable state — the event inbox, returns and their
 * lines, the job queue, exceptions and the append-only audit log — behind
 * one interface. SQLite (embedded, WAL) is the default backend; PostgreSQL
 * will implement the same ops table (DESIGN.md section 5).
 *
 * Threads: a struct store may be shared by the HTTP thread and the main
 * loop; every call takes the store's own lock, so calls are serialised. */
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
	const char *status;            /* "new", "processed", ... */
	bool raw_purged;
};

struct store_line {
	int line_no;
	const char *rebound_item_id;
	const char *sku;
	const char *ean;
	int64_t quantity;
	const char *reason_code;
	const char *disposition;
	const char *outcome;           /* "pending", "credited", "held", ... */
};

struct store_return {
	int64_t id;
	const char *rebound_return_id;
	const char *order_ref;
	const char *state;             /* state name, e.g. "INTENT" */
	int64_t created_at_ms;
	int64_t updated_at_ms;
	int nlines;
	const struct store_line *lines;
};

struct store_exception_row {
	int64_t id;
	const char *type;
	const char *owner;
	const char *message;
	int64_t opened_at_ms;
	bool resolved;
};

typedef void store_event_cb(const struct store_event *ev, void *arg);
typedef void store_return_cb(const struct store_return *r,
			     const struct store_exception_row *exc, int nexc,
			     void *arg);

/* Open the backend configured in c and apply pending migrations.
 * ERR_STORE with a message that says what to do (path not writable,
 * database from a newer returnbridge, ...). Main thread, before serving. */
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

/* Insert an event durably (committed when this returns ERR_OK). A second
 * event with the same dedup_key is not stored again: *duplicate is set and
 * *id is the first one's id. */
MUST_CHECK enum err_code store_event_add(struct store *st,
					 const struct store_event *ev,
					 int64_t *id, bool *duplicate,
					 struct err *e);

/* Call cb for up to limit events, newest first. */
MUST_CHECK enum err_code store_events_list(struct store *st, int limit,
					   store_event_cb *cb, void *arg,
					   struct err *e);

/* Create a return with its lines in one transaction, state "INTENT".
 * ERR_EXISTS when the Rebound return id is already known. */
MUST_CHECK enum err_code store_return_create(struct store *st,
					     const struct store_return *r,
					     int64_t *id, struct err *e);

/* Look a return up by Rebound id and call cb once with it, its lines and
 * its exceptions. ERR_NOT_FOUND when there is none. */
MUST_CHECK enum err_code store_return_get(struct store *st,
					  const char *rebound_return_id,
					  store_return_cb *cb, void *arg,
					  struct err *e);

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

/* The backend's function table: one per backend, chosen at open. */
struct store_ops {
	const char *name;
	enum err_code (*open)(const struct cfg *c, struct store **out, struct err *e);
	void (*close)(struct store *st);
	enum err_code (*ping)(struct store *st, struct err *e);
	enum err_code (*schema_version)(struct store *st, int *cur, int *latest, struct err *e);
	const char *(*describe)(const struct store *st);
	enum err_code (*event_add)(struct store *st, const struct store_event *ev, int64_t *id, bool *dup, struct err *e);
	enum err_code (*events_list)(struct store *st, int limit, store_event_cb *cb, void *arg, struct err *e);
	enum err_code (*return_create)(struct store *st, const struct store_return *r, int64_t *id, struct err *e);
	enum err_code (*return_get)(struct store *st, const char *rid, store_return_cb *cb, void *arg, struct err *e);
	enum err_code (*audit_add)(struct store *st, const char *actor, int64_t return_id, const char *action, const char *detail, struct err *e);
	enum err_code (*audit_count)(struct store *st, int64_t *n, struct err *e);
	enum err_code (*purge_raw)(struct store *st, int64_t cutoff_ms, int64_t *purged, struct err *e);
	/* Rebound client state (issue 4) */
	enum err_code (*kv_get)(struct store *st, const char *key, char **value, struct err *e);
	enum err_code (*kv_set)(struct store *st, const char *key, const char *value, struct err *e);
	enum err_code (*kv_list)(struct store *st, const char *prefix, store_kv_cb *cb, void *arg, struct err *e);
	enum err_code (*returns_open)(struct store *st, int limit, store_return_cb *cb, void *arg, struct err *e);
};

/* Every backend's struct store starts with this. */
struct store_base {
	const struct store_ops *ops;
};

#endif
