/* store_sqlite_rebound: the Rebound client's state (issue 4) — a key-value
 * table for backfill progress, poll sync records and status pushes
 * (migration 4), and the read of open returns the poller sweeps. */
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

enum err_code sq_kv_get(struct store *st, const char *key, char **value,
			struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int step;

	*value = NULL;
	pthread_mutex_lock(&st->lock);
	rc = sq_prepare(st, "SELECT value FROM rebound_state WHERE key = ?", &s, e, "read state");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*value = strdup(sq_col(s, 0) ? sq_col(s, 0) : "");
		rc = *value ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
	} else if (step != SQLITE_DONE) {
		rc = sq_fail(st->db, e, "read state");
	} else {
		rc = err_set(e, ERR_NOT_FOUND, "no state %s", key);
	}
out:
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_kv_set(struct store *st, const char *key, const char *value,
			struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto unlock;
	rc = sq_prepare(st, value
			? "INSERT INTO rebound_state(key, value, updated_at_ms) VALUES (?,?,?)"
			  " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
			  " updated_at_ms = excluded.updated_at_ms"
			: "DELETE FROM rebound_state WHERE key = ?", &s, e, "write state");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if (value) {
		sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, clock_now_ms());
	}
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_fail(st->db, e, "write state");
out:
	sq_finish(st, s);
	rc = sq_write_end(st, rc, e);
unlock:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_kv_list(struct store *st, const char *prefix, store_kv_cb *cb,
			 void *arg, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int step = SQLITE_DONE;

	pthread_mutex_lock(&st->lock);
	/* substr, not LIKE: keys may contain % and _ */
	rc = sq_prepare(st, "SELECT key, value FROM rebound_state"
			" WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key", &s, e, "list state");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
	for (;;) {
		step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			break;
		cb(sq_col(s, 0), sq_col(s, 1), arg);
	}
	if (step != SQLITE_DONE)
		rc = sq_fail(st->db, e, "list state");
out:
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_returns_open(struct store *st, int limit, store_return_cb *cb,
			      void *arg, struct err *e)
{
	sqlite3_stmt *s = NULL;
	struct store_return r;
	enum err_code rc;
	int step = SQLITE_DONE;

	pthread_mutex_lock(&st->lock);
	rc = sq_prepare(st, "SELECT id, rebound_return_id, order_ref, state,"
			" created_at_ms, updated_at_ms, location, last_milestone FROM returns"
			" WHERE state NOT IN ('CLOSED', 'CANCELLED')"
			" ORDER BY created_at_ms, id LIMIT ?", &s, e, "list open returns");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_int(s, 1, limit);
	for (;;) {
		step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			break;
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(s, 0);
		r.rebound_return_id = sq_col(s, 1);
		r.order_ref = sq_col(s, 2);
		r.state = sq_col(s, 3);
		r.created_at_ms = sqlite3_column_int64(s, 4);
		r.updated_at_ms = sqlite3_column_int64(s, 5);
		r.location = sq_col(s, 6);
		r.last_milestone = sq_col(s, 7);
		cb(&r, NULL, 0, arg);
	}
	if (step != SQLITE_DONE)
		rc = sq_fail(st->db, e, "list open returns");
out:
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}
