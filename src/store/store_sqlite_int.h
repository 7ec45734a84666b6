/* store_sqlite_int: what the SQLite backend's files share; not an API for
 * anyone outside src/store/store_sqlite*.c. */
#ifndef STORE_STORE_SQLITE_INT_H
#define STORE_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "store/store.h"

struct store {
	struct store_base base;
	sqlite3 *db;
	pthread_mutex_t lock;
	bool in_tx;            /* an explicit store_tx_begin is open */
	bool normal;           /* synchronous=NORMAL */
	char desc[600];
	/* prepared statements kept for the handle's life: parsing SQL was a
	 * tenth of the intake's CPU. Keyed by the SQL text's address, so only
	 * string literals may be passed to sq_prepare. */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[64];
	int ncache;
};

/* Map the connection's last error to ERR_BUSY or ERR_STORE with "what: msg". */
enum err_code sq_fail(sqlite3 *db, struct err *e, const char *what);
/* Run SQL with no results. */
enum err_code sq_exec(sqlite3 *db, const char *sql, struct err *e);
/* A prepared statement for sql (a string literal: it is cached by
 * address), or fail with "what". Give it back with sq_finish. */
enum err_code sq_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
			 struct err *e, const char *what);
/* Done with s (NULL is fine): reset it for the next use, so it holds no
 * read transaction open, or finalize it if it was not cached. */
void sq_finish(struct store *st, sqlite3_stmt *s);
void sq_bind_opt(sqlite3_stmt *s, int i, const char *v);
void sq_bind_id(sqlite3_stmt *s, int i, int64_t id);  /* 0 binds NULL */
const char *sq_col(sqlite3_stmt *s, int i);
/* strdup of a column, NULL for NULL. */
char *sq_dup(sqlite3_stmt *s, int i);

/* Begin a write unless an explicit transaction is open; finish it with
 * sq_write_end (commit on ERR_OK, else roll back). Caller holds st->lock. */
enum err_code sq_write_begin(struct store *st, struct err *e);
enum err_code sq_write_end(struct store *st, enum err_code rc, struct err *e);

/* Run one write statement as a whole: handle lock, writer turn,
 * transaction (or the open one), prepare, bind (fills the parameters from
 * arg), step, finish. *changes (may be NULL) = rows changed. */
typedef void sq_bind_fn(sqlite3_stmt *s, const void *arg);
enum err_code sq_write_one(struct store *st, const char *sql, sq_bind_fn *bind,
			   const void *arg, int *changes, const char *what,
			   struct err *e);
/* The reading twin: prepare sql (cached), bind, call row for every row
 * (column texts valid during the call only; row must not call the
 * store), under the handle's lock. */
typedef void sq_row_fn(sqlite3_stmt *s, void *arg);
enum err_code sq_read_each(struct store *st, const char *sql, sq_bind_fn *bind,
			   const void *bind_arg, sq_row_fn *row, void *row_arg,
			   const char *what, struct err *e);

/* store_sqlite_events.c */
enum err_code sq_events_add(struct store *st, const struct store_event *evs, size_t n, int64_t *ids, bool *dup, struct err *e);
enum err_code sq_events_list(struct store *st, const char *rid, int limit, store_event_cb *cb, void *arg, struct err *e);
enum err_code sq_events_pending(struct store *st, int max, store_event_cb *cb, void *arg, struct err *e);
enum err_code sq_event_finish(struct store *st, int64_t id, const char *status, int64_t return_id, const char *reason, struct err *e);
enum err_code sq_rejection_add(struct store *st, const char *endpoint, const char *reason, const char *detail, struct err *e);
enum err_code sq_rejections_list(struct store *st, store_rejection_cb *cb, void *arg, struct err *e);
enum err_code sq_purge_raw(struct store *st, int64_t cutoff_ms, int64_t *purged, struct err *e);
enum err_code sq_insert_exception(struct store *st, const struct store_exception_new *x, int64_t *id, struct err *e);

/* store_sqlite_returns.c */
enum err_code sq_return_create(struct store *st, const struct store_return *r, int64_t *id, struct err *e);
enum err_code sq_return_find(struct store *st, const struct store_find *q, int64_t *ids, int max, int *n, struct err *e);
enum err_code sq_return_merge_lines(struct store *st, int64_t return_id, const struct store_line *lines, int n, int *added, struct err *e);
enum err_code sq_milestone_add(struct store *st, int64_t return_id, const struct store_milestone *m, const char *location, struct err *e);
enum err_code sq_return_get(struct store *st, const char *rid, store_return_cb *cb, void *arg, struct err *e);
enum err_code sq_exception_add(struct store *st, const struct store_exception_new *x, int64_t *id, struct err *e);

/* store_sqlite_rebound.c */
enum err_code sq_kv_get(struct store *st, const char *key, char **value, struct err *e);
enum err_code sq_kv_set(struct store *st, const char *key, const char *value, struct err *e);
enum err_code sq_kv_list(struct store *st, const char *prefix, store_kv_cb *cb, void *arg, struct err *e);
enum err_code sq_returns_open(struct store *st, int limit, store_return_cb *cb, void *arg, struct err *e);

/* store_sqlite_engine.c */
enum err_code sq_jobs_ensure(struct store *st, int64_t now_ms, int *added, struct err *e);
enum err_code sq_jobs_claim(struct store *st, const char *owner, int64_t now_ms, int64_t lease_ms, struct store_job *out, int max, int *n, struct err *e);
enum err_code sq_job_finish(struct store *st, int64_t job_id, struct err *e);
enum err_code sq_job_defer(struct store *st, int64_t job_id, int64_t due_ms, int attempts, const char *last_error, struct err *e);
enum err_code sq_engine_get(struct store *st, int64_t return_id, store_engine_cb *cb, void *arg, struct err *e);
enum err_code sq_engine_put(struct store *st, int64_t return_id, const char *from, const char *to, const char *engine, struct err *e);
enum err_code sq_line_outcome(struct store *st, int64_t return_id, int line_no, const char *outcome, struct err *e);
enum err_code sq_odoo_doc_add(struct store *st, const struct store_odoo_doc *d, struct err *e);
enum err_code sq_odoo_docs_list(struct store *st, int64_t return_id, store_doc_cb *cb, void *arg, struct err *e);
enum err_code sq_audit_list(struct store *st, int64_t return_id, store_audit_cb *cb, void *arg, struct err *e);

/* store_sqlite_requests.c */
enum err_code sq_request_add(struct store *st, const char *rid, const struct store_request *rq, int64_t *id, struct err *e);
enum err_code sq_requests_list(struct store *st, int64_t return_id, bool open_only, store_request_cb *cb, void *arg, struct err *e);
enum err_code sq_request_done(struct store *st, int64_t id, const char *result, struct err *e);
/* One audit row, inside a write the caller began (st->lock held). */
enum err_code sq_audit_insert(struct store *st, const char *actor, int64_t return_id,
			      const char *action, const char *detail, struct err *e);
enum err_code sq_engine_by_orders(struct store *st, const char *refs_json, store_engine_cb *cb, void *arg, struct err *e);
enum err_code sq_exception_resolve_one(struct store *st, int64_t id, const char *by, const char *comment, struct err *e);
enum err_code sq_work_list(struct store *st, const char *owner, bool with_resolved, int limit, store_work_cb *cb, void *arg, struct err *e);
enum err_code sq_exceptions_resolve(struct store *st, int64_t return_id, const char *by, int *n, struct err *e);
enum err_code sq_requests_from_milestone(struct store *st, const char *status, int64_t now_ms, int *added, struct err *e);
enum err_code sq_jobs_due_now_state(struct store *st, const char *state, int64_t now_ms, int *changed, struct err *e);

#endif
