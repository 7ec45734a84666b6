/* store_sqlite_events: the event inbox (group-committed inserts, listing,
 * processing queue), refused-request counters, raw-body purge. */
#define LOG_COMPONENT "store"
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"

enum err_code sq_insert_exception(struct store *st, const struct store_exception_new *x,
				  int64_t *id, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "INSERT INTO exceptions(return_id, event_id, type, owner, priority,"
			    " message, opened_at_ms) VALUES (?,?,?,?,?,?,?)", &s, e, "open exception");
	if (rc != ERR_OK)
		return rc;
	sq_bind_id(s, 1, x->return_id);
	sq_bind_id(s, 2, x->event_id);
	sqlite3_bind_text(s, 3, x->type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, x->owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 5, x->priority);
	sqlite3_bind_text(s, 6, x->message, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, clock_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_fail(st->db, e, "open exception");
	else if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	sq_finish(st, s);
	return rc;
}

static enum err_code insert_one(struct store *st, sqlite3_stmt *ins, sqlite3_stmt *find,
				const struct store_event *ev, int64_t now,
				int64_t *id, bool *dup, struct err *e)
{
	struct store_exception_new x = { 0 };

	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	sqlite3_bind_int64(ins, 1, ev->received_at_ms ? ev->received_at_ms : now);
	sqlite3_bind_text(ins, 2, ev->source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 3, ev->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 4, ev->dedup_key, -1, SQLITE_TRANSIENT);
	sq_bind_opt(ins, 5, ev->rebound_return_id);
	sq_bind_opt(ins, 6, ev->order_ref);
	if (ev->raw_body)
		sqlite3_bind_blob64(ins, 7, ev->raw_body, (sqlite3_uint64)ev->raw_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 8, ev->raw_body ? ev->raw_len : 0);
	sq_bind_opt(ins, 9, ev->normalized);
	sq_bind_opt(ins, 10, ev->park_reason ? "parked" : ev->status);
	sq_bind_opt(ins, 11, ev->park_reason);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return sq_fail(st->db, e, "store event");
	if (sqlite3_changes(st->db) == 1) {
		*id = sqlite3_last_insert_rowid(st->db);
		*dup = false;
		if (!ev->park_reason)
			return ERR_OK;
		x.event_id = *id;
		x.type = "unusable_notification";
		x.owner = "integration";
		x.priority = 2;
		x.message = ev->park_reason;
		return sq_insert_exception(st, &x, NULL, e);
	}
	*dup = true;
	sqlite3_reset(find);
	sqlite3_bind_text(find, 1, ev->dedup_key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(find) != SQLITE_ROW)
		return sq_fail(st->db, e, "find duplicate event");
	*id = sqlite3_column_int64(find, 0);
	return ERR_OK;
}

enum err_code sq_events_add(struct store *st, const struct store_event *evs,
			    size_t n, int64_t *ids, bool *dup, struct err *e)
{
	sqlite3_stmt *ins = NULL, *find = NULL;
	int64_t now = clock_now_ms();
	enum err_code rc;
	size_t i;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto out;
	rc = sq_prepare(st,
			"INSERT INTO events(received_at_ms, source, kind, dedup_key, rebound_return_id,"
			" order_ref, raw_body, raw_len, normalized, status, park_reason)"
			" VALUES (?,?,?,?,?,?,?,?,?,coalesce(?, 'new'),?)"
			" ON CONFLICT(dedup_key) DO NOTHING", &ins, e, "store event");
	if (rc == ERR_OK)
		rc = sq_prepare(st, "SELECT id FROM events WHERE dedup_key = ?", &find, e,
				"find duplicate event");
	for (i = 0; rc == ERR_OK && i < n; i++)
		rc = insert_one(st, ins, find, &evs[i], now, &ids[i], &dup[i], e);
	sq_finish(st, ins);
	sq_finish(st, find);
	rc = sq_write_end(st, rc, e);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

#define EVENT_COLS "id, received_at_ms, source, kind, dedup_key, rebound_return_id," \
	" order_ref, raw_len, normalized, status, raw_purged_at_ms IS NOT NULL, park_reason," \
	" coalesce(return_id, 0)"

static void row_to_event(sqlite3_stmt *s, struct store_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = sqlite3_column_int64(s, 0);
	ev->received_at_ms = sqlite3_column_int64(s, 1);
	ev->source = sq_col(s, 2);
	ev->kind = sq_col(s, 3);
	ev->dedup_key = sq_col(s, 4);
	ev->rebound_return_id = sq_col(s, 5);
	ev->order_ref = sq_col(s, 6);
	ev->raw_len = sqlite3_column_int64(s, 7);
	ev->normalized = sq_col(s, 8);
	ev->status = sq_col(s, 9);
	ev->raw_purged = sqlite3_column_int(s, 10) != 0;
	ev->park_reason = sq_col(s, 11);
	ev->return_id = sqlite3_column_int64(s, 12);
}

static enum err_code each_event(struct store *st, const char *sql, const char *bind,
				int limit, store_event_cb *cb, void *arg,
				struct err *e)
{
	struct store_event ev;
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int step;

	pthread_mutex_lock(&st->lock);
	rc = sq_prepare(st, sql, &s, e, "list events");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_int(s, 1, limit);
	if (bind)
		sqlite3_bind_text(s, 2, bind, -1, SQLITE_TRANSIENT);
	for (;;) {
		step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			break;
		row_to_event(s, &ev);
		cb(&ev, arg);
	}
	if (step != SQLITE_DONE)
		rc = sq_fail(st->db, e, "list events");
out:
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_events_list(struct store *st, const char *rid, int limit,
			     store_event_cb *cb, void *arg, struct err *e)
{
	if (rid)
		return each_event(st, "SELECT " EVENT_COLS " FROM events"
				      " WHERE rebound_return_id = ?2 OR return_id ="
				      " (SELECT id FROM returns WHERE rebound_return_id = ?2)"
				      " ORDER BY id DESC LIMIT ?1", rid, limit, cb, arg, e);
	return each_event(st, "SELECT " EVENT_COLS " FROM events ORDER BY id DESC LIMIT ?1",
			  NULL, limit, cb, arg, e);
}

enum err_code sq_events_pending(struct store *st, int max, store_event_cb *cb,
				void *arg, struct err *e)
{
	return each_event(st, "SELECT " EVENT_COLS " FROM events WHERE status = 'new'"
			      " ORDER BY id LIMIT ?1", NULL, max, cb, arg, e);
}

struct finish_args {
	int64_t id;
	const char *status;
	int64_t return_id;
	const char *reason;
};

static void bind_finish(sqlite3_stmt *s, const void *arg)
{
	const struct finish_args *a = arg;

	sqlite3_bind_text(s, 1, a->status, -1, SQLITE_TRANSIENT);
	sq_bind_id(s, 2, a->return_id);
	sq_bind_opt(s, 3, a->reason);
	sqlite3_bind_int64(s, 4, clock_now_ms());
	sqlite3_bind_int64(s, 5, a->id);
}

enum err_code sq_event_finish(struct store *st, int64_t id, const char *status,
			      int64_t return_id, const char *reason, struct err *e)
{
	struct finish_args a = { id, status, return_id, reason };

	return sq_write_one(st, "UPDATE events SET status = ?, return_id = ?, park_reason = ?,"
				" processed_at_ms = ? WHERE id = ?", bind_finish, &a, NULL,
			    "finish event", e);
}

struct rejection_args {
	const char *endpoint;
	const char *reason;
	const char *detail;
};

static void bind_rejection(sqlite3_stmt *s, const void *arg)
{
	const struct rejection_args *a = arg;

	sqlite3_bind_text(s, 1, a->endpoint, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, a->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	sq_bind_opt(s, 4, a->detail);
}

enum err_code sq_rejection_add(struct store *st, const char *endpoint,
			       const char *reason, const char *detail, struct err *e)
{
	struct rejection_args a = { endpoint, reason, detail };

	return sq_write_one(st, "INSERT INTO rejections(endpoint, reason, count, first_at_ms,"
				" last_at_ms, last_detail) VALUES (?1, ?2, 1, ?3, ?3, ?4)"
				" ON CONFLICT(endpoint, reason) DO UPDATE SET count = count + 1,"
				" last_at_ms = ?3, last_detail = ?4", bind_rejection, &a, NULL,
			    "count rejection", e);
}

enum err_code sq_rejections_list(struct store *st, store_rejection_cb *cb,
				 void *arg, struct err *e)
{
	struct store_rejection r;
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = sq_prepare(st, "SELECT endpoint, reason, count, first_at_ms, last_at_ms, last_detail"
				" FROM rejections ORDER BY last_at_ms DESC", &s, e, "list rejections");
	while (rc == ERR_OK && sqlite3_step(s) == SQLITE_ROW) {
		r.endpoint = sq_col(s, 0);
		r.reason = sq_col(s, 1);
		r.count = sqlite3_column_int64(s, 2);
		r.first_at_ms = sqlite3_column_int64(s, 3);
		r.last_at_ms = sqlite3_column_int64(s, 4);
		r.last_detail = sq_col(s, 5);
		cb(&r, arg);
	}
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static void bind_purge(sqlite3_stmt *s, const void *arg)
{
	sqlite3_bind_int64(s, 1, clock_now_ms());
	sqlite3_bind_int64(s, 2, *(const int64_t *)arg);
}

enum err_code sq_purge_raw(struct store *st, int64_t cutoff_ms, int64_t *purged,
			   struct err *e)
{
	enum err_code rc;
	int changes = 0;

	rc = sq_write_one(st, "UPDATE events SET raw_body = NULL, raw_purged_at_ms = ?"
			      " WHERE raw_body IS NOT NULL AND received_at_ms < ?", bind_purge,
			  &cutoff_ms, &changes, "purge raw bodies", e);
	*purged = changes;
	return rc;
}
