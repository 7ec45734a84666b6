/* store: dispatch to the backend chosen at open. */
#include "store/store.h"

#include <stddef.h>

#include "store/store_sqlite.h"

#define OPS(st) (((const struct store_base *)(const void *)(st))->ops)

enum err_code store_open(const struct cfg *c, struct store **out,
			 struct err *e)
{
	*out = NULL;
	switch (c->store_backend) {
	case CFG_STORE_SQLITE:
		return store_sqlite_ops.open(c, out, e);
	case CFG_STORE_POSTGRESQL:
		return err_set(e, ERR_UNSUPPORTED, "store.backend = postgresql is not available in this version; use sqlite");
	}
	return err_set(e, ERR_CONFIG, "unknown store.backend %d", c->store_backend);
}

void store_close(struct store *st)
{
	if (st)
		OPS(st)->close(st);
}

enum err_code store_ping(struct store *st, struct err *e)
{
	return OPS(st)->ping(st, e);
}

enum err_code store_schema_version(struct store *st, int *current, int *latest,
				   struct err *e)
{
	return OPS(st)->schema_version(st, current, latest, e);
}

const char *store_describe(const struct store *st)
{
	return OPS(st)->describe(st);
}

const char *store_durability(const struct store *st)
{
	return OPS(st)->durability(st);
}

enum err_code store_tx_begin(struct store *st, struct err *e)
{
	return OPS(st)->tx_begin(st, e);
}

enum err_code store_tx_commit(struct store *st, struct err *e)
{
	return OPS(st)->tx_commit(st, e);
}

void store_tx_rollback(struct store *st)
{
	OPS(st)->tx_rollback(st);
}

enum err_code store_events_add(struct store *st, const struct store_event *evs,
			       size_t n, int64_t *ids, bool *dup, struct err *e)
{
	return OPS(st)->events_add(st, evs, n, ids, dup, e);
}

enum err_code store_events_list(struct store *st, const char *rebound_return_id,
				int limit, store_event_cb *cb, void *arg,
				struct err *e)
{
	return OPS(st)->events_list(st, rebound_return_id, limit, cb, arg, e);
}

enum err_code store_events_pending(struct store *st, int max, store_event_cb *cb,
				   void *arg, struct err *e)
{
	return OPS(st)->events_pending(st, max, cb, arg, e);
}

enum err_code store_event_finish(struct store *st, int64_t event_id,
				 const char *status, int64_t return_id,
				 const char *reason, struct err *e)
{
	return OPS(st)->event_finish(st, event_id, status, return_id, reason, e);
}

enum err_code store_rejection_add(struct store *st, const char *endpoint,
				  const char *reason, const char *detail,
				  struct err *e)
{
	return OPS(st)->rejection_add(st, endpoint, reason, detail, e);
}

enum err_code store_rejections_list(struct store *st, store_rejection_cb *cb,
				    void *arg, struct err *e)
{
	return OPS(st)->rejections_list(st, cb, arg, e);
}

enum err_code store_return_create(struct store *st, const struct store_return *r,
				  int64_t *id, struct err *e)
{
	return OPS(st)->return_create(st, r, id, e);
}

enum err_code store_return_find(struct store *st, const struct store_find *q,
				int64_t *ids, int max, int *n, struct err *e)
{
	return OPS(st)->return_find(st, q, ids, max, n, e);
}

enum err_code store_return_merge_lines(struct store *st, int64_t return_id,
				       const struct store_line *lines, int n,
				       int *added, struct err *e)
{
	return OPS(st)->return_merge_lines(st, return_id, lines, n, added, e);
}

enum err_code store_milestone_add(struct store *st, int64_t return_id,
				  const struct store_milestone *m,
				  const char *location, struct err *e)
{
	return OPS(st)->milestone_add(st, return_id, m, location, e);
}

enum err_code store_return_get(struct store *st, const char *rebound_return_id,
			       store_return_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->return_get(st, rebound_return_id, cb, arg, e);
}

enum err_code store_exception_add(struct store *st,
				  const struct store_exception_new *x,
				  int64_t *id, struct err *e)
{
	return OPS(st)->exception_add(st, x, id, e);
}

enum err_code store_audit_add(struct store *st, const char *actor,
			      int64_t return_id, const char *action,
			      const char *detail_json, struct err *e)
{
	return OPS(st)->audit_add(st, actor, return_id, action, detail_json, e);
}

enum err_code store_audit_count(struct store *st, int64_t *n, struct err *e)
{
	return OPS(st)->audit_count(st, n, e);
}

enum err_code store_purge_raw(struct store *st, int64_t cutoff_ms,
			      int64_t *purged, struct err *e)
{
	return OPS(st)->purge_raw(st, cutoff_ms, purged, e);
}

enum err_code store_kv_get(struct store *st, const char *key, char **value,
			   struct err *e)
{
	return OPS(st)->kv_get(st, key, value, e);
}

enum err_code store_kv_set(struct store *st, const char *key, const char *value,
			   struct err *e)
{
	return OPS(st)->kv_set(st, key, value, e);
}

enum err_code store_kv_list(struct store *st, const char *prefix,
			    store_kv_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->kv_list(st, prefix, cb, arg, e);
}

enum err_code store_returns_open(struct store *st, int limit,
				 store_return_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->returns_open(st, limit, cb, arg, e);
}

enum err_code store_jobs_ensure(struct store *st, int64_t now_ms, int *added,
				struct err *e)
{
	return OPS(st)->jobs_ensure(st, now_ms, added, e);
}

enum err_code store_jobs_claim(struct store *st, const char *owner,
			       int64_t now_ms, int64_t lease_ms,
			       struct store_job *out, int max, int *n,
			       struct err *e)
{
	return OPS(st)->jobs_claim(st, owner, now_ms, lease_ms, out, max, n, e);
}

enum err_code store_job_finish(struct store *st, int64_t job_id, struct err *e)
{
	return OPS(st)->job_finish(st, job_id, e);
}

enum err_code store_job_defer(struct store *st, int64_t job_id, int64_t due_ms,
			      int attempts, const char *last_error,
			      struct err *e)
{
	return OPS(st)->job_defer(st, job_id, due_ms, attempts, last_error, e);
}

enum err_code store_engine_get(struct store *st, int64_t return_id,
			       store_engine_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->engine_get(st, return_id, cb, arg, e);
}

enum err_code store_engine_put(struct store *st, int64_t return_id,
			       const char *from, const char *to,
			       const char *engine, struct err *e)
{
	return OPS(st)->engine_put(st, return_id, from, to, engine, e);
}

enum err_code store_line_outcome(struct store *st, int64_t return_id,
				 int line_no, const char *outcome,
				 struct err *e)
{
	return OPS(st)->line_outcome(st, return_id, line_no, outcome, e);
}

enum err_code store_odoo_doc_add(struct store *st, const struct store_odoo_doc *d,
				 struct err *e)
{
	return OPS(st)->odoo_doc_add(st, d, e);
}

enum err_code store_odoo_docs_list(struct store *st, int64_t return_id,
				   store_doc_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->odoo_docs_list(st, return_id, cb, arg, e);
}

enum err_code store_audit_list(struct store *st, int64_t return_id,
			       store_audit_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->audit_list(st, return_id, cb, arg, e);
}

enum err_code store_request_add(struct store *st, const char *rebound_return_id,
				const struct store_request *rq, int64_t *id,
				struct err *e)
{
	return OPS(st)->request_add(st, rebound_return_id, rq, id, e);
}

enum err_code store_requests_list(struct store *st, int64_t return_id,
				  bool open_only, store_request_cb *cb, void *arg,
				  struct err *e)
{
	return OPS(st)->requests_list(st, return_id, open_only, cb, arg, e);
}

enum err_code store_request_done(struct store *st, int64_t id,
				 const char *result, struct err *e)
{
	return OPS(st)->request_done(st, id, result, e);
}

enum err_code store_jobs_due_now_state(struct store *st, const char *state,
				       int64_t now_ms, int *changed,
				       struct err *e)
{
	return OPS(st)->jobs_due_now_state(st, state, now_ms, changed, e);
}

enum err_code store_requests_from_milestone(struct store *st, const char *status,
					    int64_t now_ms, int *added, struct err *e)
{
	return OPS(st)->requests_from_milestone(st, status, now_ms, added, e);
}

enum err_code store_exceptions_resolve(struct store *st, int64_t return_id, const char *by,
				       int *n, struct err *e)
{
	return OPS(st)->exceptions_resolve(st, return_id, by, n, e);
}

enum err_code store_work_list(struct store *st, const char *owner, bool with_resolved,
			      int limit, store_work_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->work_list(st, owner, with_resolved, limit, cb, arg, e);
}

enum err_code store_exception_resolve_one(struct store *st, int64_t id, const char *by,
					  const char *comment, struct err *e)
{
	return OPS(st)->exception_resolve_one(st, id, by, comment, e);
}

enum err_code store_engine_by_orders(struct store *st, const char *refs_json,
				     store_engine_cb *cb, void *arg, struct err *e)
{
	return OPS(st)->engine_by_orders(st, refs_json, cb, arg, e);
}
