/* store_sqlite_engine: what the returns engine keeps (issue 8, migration
 * 5): the job queue with leases, the engine's working record of a return
 * with compare-and-set state changes, the Odoo documents it made, and the
 * audit trail read back for `explain`. */
#include "store/store_sqlite_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

static void bind_now(sqlite3_stmt *s, const void *arg)
{
	sqlite3_bind_int64(s, 1, *(const int64_t *)arg);
}

enum err_code sq_jobs_ensure(struct store *st, int64_t now_ms, int *added,
			     struct err *e)
{
	*added = 0;
	/* a UNION, not an OR: each side uses its index (returns_state,
	 * requests_open), so a round never scans the closed returns */
	return sq_write_one(st, "INSERT INTO jobs(return_id, kind, due_at_ms, created_at_ms)"
			 " SELECT x.id, 'advance', ?1, ?1 FROM"
			 " (SELECT id FROM returns WHERE state IN ('INTENT', 'MATCHED',"
			 "   'AWAITING_RECEIPT', 'RECEIVED', 'CREDIT_DRAFT', 'CREDITED', 'NOTIFIED')"
			 "  UNION SELECT return_id FROM requests WHERE done_ms IS NULL) x"
			 " WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.return_id = x.id"
			 " AND j.done_at_ms IS NULL)",
			 bind_now, &now_ms, added, "enqueue jobs", e);
}

enum err_code sq_jobs_claim(struct store *st, const char *owner, int64_t now_ms,
			    int64_t lease_ms, struct store_job *out, int max,
			    int *n, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int step = SQLITE_DONE;

	*n = 0;
	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto unlock;
	/* one UPDATE ... RETURNING: two workers can never lease the same row;
	 * and never a return whose sale order another worker holds a live
	 * lease on (two returns of one order are matched by one worker, so
	 * both see what the other took: no over-return between them) */
	rc = sq_prepare(st, "UPDATE jobs SET lease_owner = ?1, lease_until_ms = ?2 + ?3"
			" WHERE id IN (SELECT j.id FROM jobs j LEFT JOIN returns r ON r.id = j.return_id"
			" WHERE j.done_at_ms IS NULL"
			" AND j.due_at_ms <= ?2 AND (j.lease_until_ms IS NULL OR j.lease_until_ms <= ?2)"
			" AND NOT EXISTS (SELECT 1 FROM returns r2 JOIN jobs j2 ON j2.return_id = r2.id"
			"  WHERE r2.order_ref = r.order_ref AND j2.id != j.id AND j2.done_at_ms IS NULL"
			"  AND j2.lease_owner != ?1 AND j2.lease_until_ms > ?2)"
			" ORDER BY j.due_at_ms, j.id LIMIT ?4)"
			" RETURNING id, coalesce(return_id, 0), kind, attempts, due_at_ms",
			&s, e, "claim jobs");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_text(s, 1, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now_ms);
	sqlite3_bind_int64(s, 3, lease_ms);
	sqlite3_bind_int(s, 4, max);
	for (;;) {
		step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			break;
		if (*n >= max)
			continue;
		memset(&out[*n], 0, sizeof(out[*n]));
		out[*n].id = sqlite3_column_int64(s, 0);
		out[*n].return_id = sqlite3_column_int64(s, 1);
		snprintf(out[*n].kind, sizeof(out[*n].kind), "%s",
			 sq_col(s, 2) ? sq_col(s, 2) : "");
		out[*n].attempts = sqlite3_column_int(s, 3);
		out[*n].due_at_ms = sqlite3_column_int64(s, 4);
		(*n)++;
	}
	if (step != SQLITE_DONE)
		rc = sq_fail(st->db, e, "claim jobs");
out:
	sq_finish(st, s);
	rc = sq_write_end(st, rc, e);
unlock:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

struct job_args {
	int64_t id, now, due;
	int attempts;
	const char *error;
};

static void bind_finish(sqlite3_stmt *s, const void *arg)
{
	const struct job_args *a = arg;

	sqlite3_bind_int64(s, 1, a->now);
	sqlite3_bind_int64(s, 2, a->id);
}

enum err_code sq_job_finish(struct store *st, int64_t job_id, struct err *e)
{
	struct job_args a = { .id = job_id, .now = clock_now_ms() };

	return sq_write_one(st, "UPDATE jobs SET done_at_ms = ?1, lease_owner = NULL,"
			 " lease_until_ms = NULL WHERE id = ?2",
			 bind_finish, &a, NULL, "finish job", e);
}

static void bind_defer(sqlite3_stmt *s, const void *arg)
{
	const struct job_args *a = arg;

	sqlite3_bind_int64(s, 1, a->due);
	sqlite3_bind_int(s, 2, a->attempts);
	sq_bind_opt(s, 3, a->error);
	sqlite3_bind_int64(s, 4, a->id);
}

enum err_code sq_job_defer(struct store *st, int64_t job_id, int64_t due_ms,
			   int attempts, const char *last_error, struct err *e)
{
	struct job_args a = { .id = job_id, .due = due_ms, .attempts = attempts,
			      .error = last_error };

	return sq_write_one(st, "UPDATE jobs SET due_at_ms = ?1, attempts = ?2, last_error = ?3,"
			 " lease_owner = NULL, lease_until_ms = NULL WHERE id = ?4",
			 bind_defer, &a, NULL, "defer job", e);
}

/* A returns row as store_engine_row, to the caller's callback. */
struct engine_rows {
	store_engine_cb *cb;
	void *arg;
	int n;
};

static void engine_row(sqlite3_stmt *s, void *arg)
{
	struct engine_rows *er = arg;
	struct store_engine_row r = { sqlite3_column_int64(s, 0), sq_col(s, 1), sq_col(s, 2),
				      sq_col(s, 3), sq_col(s, 4), sqlite3_column_int64(s, 5) };

	er->n++;
	er->cb(&r, er->arg);
}

static void bind_id(sqlite3_stmt *s, const void *arg)
{
	sqlite3_bind_int64(s, 1, *(const int64_t *)arg);
}

enum err_code sq_engine_get(struct store *st, int64_t return_id,
			    store_engine_cb *cb, void *arg, struct err *e)
{
	struct engine_rows er = { cb, arg, 0 };
	enum err_code rc;

	rc = sq_read_each(st, "SELECT id, rebound_return_id, order_ref, state, engine,"
			  " updated_at_ms FROM returns WHERE id = ?", bind_id, &return_id,
			  engine_row, &er, "read return", e);
	if (rc == ERR_OK && er.n == 0)
		rc = err_set(e, ERR_NOT_FOUND, "no return %lld", (long long)return_id);
	return rc;
}

struct put_args {
	int64_t id, now;
	const char *from, *to, *engine;
};

static void bind_put(sqlite3_stmt *s, const void *arg)
{
	const struct put_args *a = arg;

	sq_bind_opt(s, 1, a->to);
	sq_bind_opt(s, 2, a->engine);
	sqlite3_bind_int64(s, 3, a->now);
	sqlite3_bind_int64(s, 4, a->id);
	sqlite3_bind_text(s, 5, a->from, -1, SQLITE_TRANSIENT);
}

enum err_code sq_engine_put(struct store *st, int64_t return_id, const char *from,
			    const char *to, const char *engine, struct err *e)
{
	struct put_args a = { return_id, clock_now_ms(), from, to, engine };
	enum err_code rc;
	int changed = 0;

	rc = sq_write_one(st, "UPDATE returns SET state = coalesce(?1, state),"
		       " engine = coalesce(?2, engine), updated_at_ms = ?3,"
		       " version = version + 1 WHERE id = ?4 AND state = ?5",
		       bind_put, &a, &changed, "update return", e);
	if (rc == ERR_OK && changed == 0)
		rc = err_set(e, ERR_REJECTED, "return %lld is no longer %s",
			     (long long)return_id, from);
	return rc;
}

struct outcome_args {
	int64_t id;
	int line_no;
	const char *outcome;
};

static void bind_outcome(sqlite3_stmt *s, const void *arg)
{
	const struct outcome_args *a = arg;

	sqlite3_bind_text(s, 1, a->outcome, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, a->id);
	sqlite3_bind_int(s, 3, a->line_no);
}

enum err_code sq_line_outcome(struct store *st, int64_t return_id, int line_no,
			      const char *outcome, struct err *e)
{
	struct outcome_args a = { return_id, line_no, outcome };

	return sq_write_one(st, "UPDATE return_lines SET outcome = ?1"
			 " WHERE return_id = ?2 AND line_no = ?3",
			 bind_outcome, &a, NULL, "set line outcome", e);
}

static void bind_doc(sqlite3_stmt *s, const void *arg)
{
	const struct store_odoo_doc *d = arg;

	sqlite3_bind_int64(s, 1, d->return_id);
	sqlite3_bind_text(s, 2, d->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, d->odoo_id);
	sq_bind_opt(s, 4, d->name);
	sq_bind_opt(s, 5, d->ref);
	sq_bind_opt(s, 6, d->detail);
	sqlite3_bind_int64(s, 7, clock_now_ms());
}

enum err_code sq_odoo_doc_add(struct store *st, const struct store_odoo_doc *d,
			      struct err *e)
{
	/* a document read again (after a lost reply) may have a name now */
	return sq_write_one(st, "INSERT INTO odoo_documents(return_id, kind, odoo_id, name,"
			 " ref, detail, at_ms) VALUES (?,?,?,?,?,?,?)"
			 " ON CONFLICT(kind, odoo_id) DO UPDATE SET"
			 " name = coalesce(excluded.name, name),"
			 " detail = coalesce(excluded.detail, detail)",
			 bind_doc, d, NULL, "record Odoo document", e);
}

struct doc_rows {
	store_doc_cb *cb;
	void *arg;
};

struct audit_rows {
	store_audit_cb *cb;
	void *arg;
};

struct work_rows {
	store_work_cb *cb;
	void *arg;
};

static void doc_row(sqlite3_stmt *s, void *arg)
{
	const struct doc_rows *ca = arg;
	struct store_odoo_doc d = { sqlite3_column_int64(s, 0), sq_col(s, 1),
				    sqlite3_column_int64(s, 2), sq_col(s, 3), sq_col(s, 4),
				    sq_col(s, 5), sqlite3_column_int64(s, 6) };

	ca->cb(&d, ca->arg);
}

enum err_code sq_odoo_docs_list(struct store *st, int64_t return_id,
				store_doc_cb *cb, void *arg, struct err *e)
{
	struct doc_rows ca = { cb, arg };

	return sq_read_each(st, "SELECT return_id, kind, odoo_id, name, ref, detail, at_ms"
			    " FROM odoo_documents WHERE ?1 = 0 OR return_id = ?1 ORDER BY id",
			    bind_id, &return_id, doc_row, &ca, "list Odoo documents", e);
}

static void audit_row(sqlite3_stmt *s, void *arg)
{
	const struct audit_rows *ca = arg;
	struct store_audit_row a = { sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
				     sq_col(s, 2), sq_col(s, 3), sq_col(s, 4) };

	ca->cb(&a, ca->arg);
}

enum err_code sq_audit_list(struct store *st, int64_t return_id,
			    store_audit_cb *cb, void *arg, struct err *e)
{
	struct audit_rows ca = { cb, arg };

	return sq_read_each(st, "SELECT id, at_ms, actor, action, detail FROM audit"
			    " WHERE return_id = ? ORDER BY id", bind_id, &return_id,
			    audit_row, &ca, "read audit", e);
}

struct milestone_args {
	const char *status;
	int64_t now;
};

static void bind_milestone(sqlite3_stmt *s, const void *arg)
{
	const struct milestone_args *a = arg;

	sqlite3_bind_text(s, 1, a->status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, a->now);
}

enum err_code sq_requests_from_milestone(struct store *st, const char *status,
					 int64_t now_ms, int *added, struct err *e)
{
	struct milestone_args a = { status, now_ms };

	*added = 0;
	/* once per return: a cancel request Rebound made is never made again.
	 * A Tracking Update "Cancelled" is our milestone "cancelled"; a legacy
	 * status we do not know is kept as "other" with Rebound's words as its
	 * text, compared with rebound.cancelled_status */
	return sq_write_one(st, "INSERT INTO requests(return_id, kind, lines, actor, comment,"
			 " created_ms) SELECT r.id, 'cancel', NULL, 'rebound',"
			 " 'Rebound reports the return cancelled', ?2 FROM returns r"
			 " WHERE r.state NOT IN ('CANCELLED', 'CLOSED')"
			 " AND EXISTS (SELECT 1 FROM milestones m WHERE m.return_id = r.id"
			 "  AND (m.milestone = 'cancelled' OR m.text = ?1 COLLATE NOCASE))"
			 " AND NOT EXISTS (SELECT 1 FROM requests q WHERE q.return_id = r.id"
			 "  AND q.kind = 'cancel' AND q.actor = 'rebound')",
			 bind_milestone, &a, added, "cancel requests from Rebound", e);
}

struct resolve_args {
	int64_t return_id, now;
	const char *by;
};

static void bind_resolve(sqlite3_stmt *s, const void *arg)
{
	const struct resolve_args *a = arg;

	sqlite3_bind_int64(s, 1, a->now);
	sqlite3_bind_text(s, 2, a->by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, a->return_id);
}

enum err_code sq_exceptions_resolve(struct store *st, int64_t return_id, const char *by,
				    int *n, struct err *e)
{
	struct resolve_args a = { return_id, clock_now_ms(), by };

	return sq_write_one(st, "UPDATE exceptions SET resolved_at_ms = ?1, resolved_by = ?2"
			 " WHERE return_id = ?3 AND resolved_at_ms IS NULL",
			 bind_resolve, &a, n, "resolve exceptions", e);
}

struct work_args {
	const char *owner;
	bool with_resolved;
	int limit;
};

static void bind_work(sqlite3_stmt *s, const void *arg)
{
	const struct work_args *a = arg;

	sq_bind_opt(s, 1, a->owner);
	sqlite3_bind_int(s, 2, a->with_resolved ? 1 : 0);
	sqlite3_bind_int(s, 3, a->limit);
}

static void work_row(sqlite3_stmt *s, void *arg)
{
	const struct work_rows *ca = arg;
	struct store_work_item w = {
		sqlite3_column_int64(s, 0), sq_col(s, 1), sq_col(s, 2),
		sqlite3_column_int(s, 3), sq_col(s, 4), sqlite3_column_int64(s, 5),
		sqlite3_column_int(s, 6) != 0, sq_col(s, 7), sq_col(s, 8), sq_col(s, 9),
	};

	ca->cb(&w, ca->arg);
}

enum err_code sq_work_list(struct store *st, const char *owner, bool with_resolved, int limit,
			   store_work_cb *cb, void *arg, struct err *e)
{
	struct work_args a = { owner, with_resolved, limit };
	struct work_rows ca = { cb, arg };

	return sq_read_each(st, "SELECT x.id, x.type, x.owner, x.priority, x.message, x.opened_at_ms,"
			    " x.resolved_at_ms IS NOT NULL, r.rebound_return_id, r.order_ref, r.state"
			    " FROM exceptions x LEFT JOIN returns r ON r.id = x.return_id"
			    " WHERE (?1 IS NULL OR x.owner = ?1) AND (?2 OR x.resolved_at_ms IS NULL)"
			    " ORDER BY x.resolved_at_ms IS NOT NULL, x.priority DESC, x.opened_at_ms, x.id"
			    " LIMIT ?3", bind_work, &a, work_row, &ca, "list exceptions", e);
}

enum err_code sq_exception_resolve_one(struct store *st, int64_t id, const char *by,
				       const char *comment, struct err *e)
{
	sqlite3_stmt *s = NULL;
	int64_t return_id = 0;
	char *detail = NULL;
	json_t *d = NULL;
	enum err_code rc;
	int step;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto unlock;
	rc = sq_prepare(st, "UPDATE exceptions SET resolved_at_ms = ?1, resolved_by = ?2"
			" WHERE id = ?3 AND resolved_at_ms IS NULL"
			" RETURNING coalesce(return_id, 0), type", &s, e, "resolve exception");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_int64(s, 1, clock_now_ms());
	sqlite3_bind_text(s, 2, by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, id);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		return_id = sqlite3_column_int64(s, 0);
		d = json_pack("{s:I,s:s,s:s}", "exception_id", (json_int_t)id,
			      "type", sq_col(s, 1) ? sq_col(s, 1) : "", "comment", comment);
		while (sqlite3_step(s) == SQLITE_ROW)
			;
	} else if (step == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "no open exception #%lld (returnbridge exceptions lists the open ones)",
			     (long long)id);
	} else {
		rc = sq_fail(st->db, e, "resolve exception");
	}
	sq_finish(st, s);
	s = NULL;
	detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
	if (rc == ERR_OK && !detail)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK)
		rc = sq_audit_insert(st, by, return_id, "exception_resolved", detail, e);
out:
	sq_finish(st, s);
	rc = sq_write_end(st, rc, e);
unlock:
	pthread_mutex_unlock(&st->lock);
	free(detail);
	json_decref(d);
	return rc;
}

static void bind_text(sqlite3_stmt *s, const void *arg)
{
	sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
}

enum err_code sq_engine_by_orders(struct store *st, const char *refs_json, store_engine_cb *cb,
				  void *arg, struct err *e)
{
	struct engine_rows er = { cb, arg, 0 };

	return sq_read_each(st, "SELECT id, rebound_return_id, order_ref, state, engine, updated_at_ms"
			    " FROM returns WHERE state IN ('MATCHED', 'ON_HOLD')"
			    " AND order_ref IN (SELECT value FROM json_each(?1))", bind_text, refs_json,
			    engine_row, &er, "read returns of orders", e);
}
