/* store_sqlite_requests: operator requests (issues 8/9, migration 6) —
 * release, cancel, approve, reject — written by the CLI with their audit
 * row, read and closed by the engine, which alone changes a return's
 * state; and making waiting returns' jobs due when Odoo says a picking was
 * validated. */
#include "store/store_sqlite_int.h"

#include <string.h>

#include "util/clock.h"

/* Audit details are built by SQLite's json_object, so a comment with
 * quotes or newlines stays valid JSON without a second escaper here. */
#define AUDIT_REQUEST_SQL \
	"INSERT INTO audit(at_ms, actor, return_id, action, detail)" \
	" SELECT ?1, ?2, ?3, 'operator_request', json_object('request_id', ?4," \
	" 'kind', ?5, 'lines', json(?6), 'comment', ?7)"

static enum err_code find_return(struct store *st, const char *rid,
				 int64_t *return_id, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int step;

	rc = sq_prepare(st, "SELECT id FROM returns WHERE rebound_return_id = ?",
			&s, e, "find return");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_text(s, 1, rid, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		*return_id = sqlite3_column_int64(s, 0);
	else if (step == SQLITE_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "no return %s", rid);
	else
		rc = sq_fail(st->db, e, "find return");
	sq_finish(st, s);
	return rc;
}

static enum err_code refuse_twice(struct store *st, int64_t return_id,
				  const char *kind, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int step;

	rc = sq_prepare(st, "SELECT id FROM requests WHERE return_id = ? AND kind = ?"
			" AND done_ms IS NULL", &s, e, "read requests");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, return_id);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		rc = err_set(e, ERR_EXISTS, "request #%lld (%s) on this return is still waiting for the engine",
			     (long long)sqlite3_column_int64(s, 0), kind);
	else if (step != SQLITE_DONE)
		rc = sq_fail(st->db, e, "read requests");
	sq_finish(st, s);
	return rc;
}

/* Run s (bound by the caller) to completion and give it back. */
static enum err_code step_done(struct store *st, sqlite3_stmt *s,
			       const char *what, struct err *e)
{
	enum err_code rc = ERR_OK;

	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_fail(st->db, e, what);
	sq_finish(st, s);
	return rc;
}

static enum err_code insert_request(struct store *st, int64_t return_id,
				    const struct store_request *rq, int64_t now,
				    int64_t *id, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "INSERT INTO requests(return_id, kind, lines, actor, comment,"
			" created_ms) VALUES (?,?,?,?,?,?)", &s, e, "record request");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, return_id);
	sqlite3_bind_text(s, 2, rq->kind, -1, SQLITE_TRANSIENT);
	sq_bind_opt(s, 3, rq->lines);
	sqlite3_bind_text(s, 4, rq->actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, rq->comment, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, now);
	rc = step_done(st, s, "record request", e);
	if (rc == ERR_OK)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

static enum err_code audit_request(struct store *st, int64_t return_id,
				   const struct store_request *rq, int64_t now,
				   int64_t id, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, AUDIT_REQUEST_SQL, &s, e, "audit request");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, rq->actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, return_id);
	sqlite3_bind_int64(s, 4, id);
	sqlite3_bind_text(s, 5, rq->kind, -1, SQLITE_TRANSIENT);
	sq_bind_opt(s, 6, rq->lines);
	sqlite3_bind_text(s, 7, rq->comment, -1, SQLITE_TRANSIENT);
	return step_done(st, s, "audit request", e);
}

/* the engine reads requests at the start of a round, but a return waiting
 * for the warehouse may not be claimed for a poll interval: make it due */
static enum err_code job_due_now(struct store *st, int64_t return_id,
				 int64_t now, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "UPDATE jobs SET due_at_ms = ?1 WHERE return_id = ?2"
			" AND done_at_ms IS NULL AND due_at_ms > ?1", &s, e, "wake job");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, return_id);
	return step_done(st, s, "wake job", e);
}

enum err_code sq_request_add(struct store *st, const char *rid,
			     const struct store_request *rq, int64_t *id,
			     struct err *e)
{
	int64_t now = clock_now_ms(), return_id = 0;
	enum err_code rc;

	*id = 0;
	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto unlock;
	/* looked up inside the write transaction: the return cannot go away
	 * between the check and the insert */
	rc = find_return(st, rid, &return_id, e);
	if (rc == ERR_OK)
		rc = refuse_twice(st, return_id, rq->kind, e);
	if (rc == ERR_OK)
		rc = insert_request(st, return_id, rq, now, id, e);
	if (rc == ERR_OK)
		rc = audit_request(st, return_id, rq, now, *id, e);
	if (rc == ERR_OK)
		rc = job_due_now(st, return_id, now, e);
	rc = sq_write_end(st, rc, e);
unlock:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

struct request_rows {
	store_request_cb *cb;
	void *arg;
};

struct request_filter {
	int64_t return_id;
	bool open_only;
};

static void bind_filter(sqlite3_stmt *s, const void *arg)
{
	const struct request_filter *f = arg;

	sqlite3_bind_int64(s, 1, f->return_id);
	sqlite3_bind_int(s, 2, f->open_only ? 1 : 0);
}

static void request_row(sqlite3_stmt *s, void *arg)
{
	const struct request_rows *rr = arg;
	struct store_request r = {
		.id = sqlite3_column_int64(s, 0), .return_id = sqlite3_column_int64(s, 1),
		.rebound_return_id = sq_col(s, 2), .kind = sq_col(s, 3), .lines = sq_col(s, 4),
		.actor = sq_col(s, 5), .comment = sq_col(s, 6),
		.created_ms = sqlite3_column_int64(s, 7), .done_ms = sqlite3_column_int64(s, 8),
		.result = sq_col(s, 9),
	};

	rr->cb(&r, rr->arg);
}

enum err_code sq_requests_list(struct store *st, int64_t return_id,
			       bool open_only, store_request_cb *cb, void *arg,
			       struct err *e)
{
	struct request_filter f = { return_id, open_only };
	struct request_rows rr = { cb, arg };

	return sq_read_each(st, "SELECT q.id, q.return_id, r.rebound_return_id, q.kind, q.lines,"
			    " q.actor, q.comment, q.created_ms, coalesce(q.done_ms, 0), q.result"
			    " FROM requests q JOIN returns r ON r.id = q.return_id"
			    " WHERE (?1 = 0 OR q.return_id = ?1) AND (?2 = 0 OR q.done_ms IS NULL)"
			    " ORDER BY q.id", bind_filter, &f, request_row, &rr, "list requests", e);
}

static enum err_code close_request(struct store *st, int64_t id,
				   const char *result, int64_t now,
				   struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "UPDATE requests SET done_ms = ?1, result = ?2"
			" WHERE id = ?3 AND done_ms IS NULL", &s, e, "close request");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, result, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, id);
	rc = step_done(st, s, "close request", e);
	if (rc == ERR_OK && sqlite3_changes(st->db) == 0)
		rc = err_set(e, ERR_REJECTED, "request %lld is already done (or does not exist)",
			     (long long)id);
	return rc;
}

static enum err_code audit_done(struct store *st, int64_t id, int64_t now,
				struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "INSERT INTO audit(at_ms, actor, return_id, action, detail)"
			" SELECT ?1, 'engine', return_id, 'request_done', json_object("
			"'request_id', id, 'kind', kind, 'result', result)"
			" FROM requests WHERE id = ?2", &s, e, "audit request");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	return step_done(st, s, "audit request", e);
}

enum err_code sq_request_done(struct store *st, int64_t id, const char *result,
			      struct err *e)
{
	int64_t now = clock_now_ms();
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto unlock;
	rc = close_request(st, id, result, now, e);
	if (rc == ERR_OK)
		rc = audit_done(st, id, now, e);
	rc = sq_write_end(st, rc, e);
unlock:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

struct due_args {
	const char *state;
	int64_t now;
};

static void bind_due(sqlite3_stmt *s, const void *arg)
{
	const struct due_args *a = arg;

	sqlite3_bind_int64(s, 1, a->now);
	sqlite3_bind_text(s, 2, a->state, -1, SQLITE_TRANSIENT);
}

enum err_code sq_jobs_due_now_state(struct store *st, const char *state,
				    int64_t now_ms, int *changed, struct err *e)
{
	struct due_args a = { state, now_ms };
	int n = 0;
	enum err_code rc;

	/* a job already due keeps its time: due order stays oldest first */
	rc = sq_write_one(st, "UPDATE jobs SET due_at_ms = ?1 WHERE done_at_ms IS NULL"
		       " AND due_at_ms > ?1 AND return_id IN"
		       " (SELECT id FROM returns WHERE state = ?2)",
		       bind_due, &a, &n, "make jobs due", e);
	if (changed)
		*changed = n;
	return rc;
}
