/* store_sqlite: SQLite backend. One connection guarded by one mutex; WAL so
 * CLI readers never block the daemon; migrations are numbered, each applied
 * in its own transaction and recorded in schema_migrations. */
#define LOG_COMPONENT "store"
#include "store/store_sqlite.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"

struct store {
	struct store_base base;
	sqlite3 *db;
	pthread_mutex_t lock;
	char desc[600];
};

struct migration {
	int version;
	const char *name;
	const char *sql;
};

/* Never edit a migration that has shipped: add a new one. */
static const struct migration migrations[] = {
	{ 1, "initial schema",
	  "CREATE TABLE events ("
	  "  id INTEGER PRIMARY KEY,"
	  "  received_at_ms INTEGER NOT NULL,"
	  "  source TEXT NOT NULL,"
	  "  kind TEXT NOT NULL,"
	  "  dedup_key TEXT NOT NULL UNIQUE,"
	  "  rebound_return_id TEXT,"
	  "  order_ref TEXT,"
	  "  raw_body BLOB,"
	  "  normalized TEXT,"
	  "  status TEXT NOT NULL DEFAULT 'new'"
	  ");"
	  "CREATE INDEX events_return ON events(rebound_return_id);"
	  "CREATE TABLE returns ("
	  "  id INTEGER PRIMARY KEY,"
	  "  rebound_return_id TEXT NOT NULL UNIQUE,"
	  "  order_ref TEXT,"
	  "  state TEXT NOT NULL,"
	  "  created_at_ms INTEGER NOT NULL,"
	  "  updated_at_ms INTEGER NOT NULL,"
	  "  version INTEGER NOT NULL DEFAULT 0"
	  ");"
	  "CREATE INDEX returns_state ON returns(state);"
	  "CREATE TABLE return_lines ("
	  "  id INTEGER PRIMARY KEY,"
	  "  return_id INTEGER NOT NULL REFERENCES returns(id),"
	  "  line_no INTEGER NOT NULL,"
	  "  rebound_item_id TEXT,"
	  "  sku TEXT,"
	  "  ean TEXT,"
	  "  quantity INTEGER NOT NULL CHECK (quantity > 0),"
	  "  reason_code TEXT,"
	  "  disposition TEXT,"
	  "  outcome TEXT NOT NULL DEFAULT 'pending',"
	  "  UNIQUE (return_id, line_no)"
	  ");"
	  "CREATE TABLE jobs ("
	  "  id INTEGER PRIMARY KEY,"
	  "  return_id INTEGER REFERENCES returns(id),"
	  "  kind TEXT NOT NULL,"
	  "  due_at_ms INTEGER NOT NULL,"
	  "  attempts INTEGER NOT NULL DEFAULT 0,"
	  "  last_error TEXT,"
	  "  lease_owner TEXT,"
	  "  lease_until_ms INTEGER,"
	  "  created_at_ms INTEGER NOT NULL,"
	  "  done_at_ms INTEGER"
	  ");"
	  "CREATE INDEX jobs_due ON jobs(done_at_ms, due_at_ms);"
	  "CREATE TABLE exceptions ("
	  "  id INTEGER PRIMARY KEY,"
	  "  return_id INTEGER REFERENCES returns(id),"
	  "  type TEXT NOT NULL,"
	  "  owner TEXT NOT NULL CHECK (owner IN ('warehouse','finance','support','integration')),"
	  "  priority INTEGER NOT NULL DEFAULT 0,"
	  "  money_at_risk_minor INTEGER,"
	  "  currency TEXT,"
	  "  message TEXT NOT NULL,"
	  "  opened_at_ms INTEGER NOT NULL,"
	  "  resolved_at_ms INTEGER,"
	  "  resolved_by TEXT"
	  ");"
	  "CREATE INDEX exceptions_open ON exceptions(resolved_at_ms, priority);"
	  "CREATE TABLE audit ("
	  "  id INTEGER PRIMARY KEY,"
	  "  at_ms INTEGER NOT NULL,"
	  "  actor TEXT NOT NULL,"
	  "  return_id INTEGER,"
	  "  action TEXT NOT NULL,"
	  "  detail TEXT"
	  ");"
	  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	  " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
	  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	  " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;" },
	{ 2, "raw body retention",
	  "ALTER TABLE events ADD COLUMN raw_len INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE events ADD COLUMN raw_purged_at_ms INTEGER;"
	  "UPDATE events SET raw_len = coalesce(length(raw_body), 0);"
	  "CREATE INDEX events_raw_age ON events(received_at_ms)"
	  " WHERE raw_body IS NOT NULL;" },
	/* 3 is intake's (issue 3, being written on main). This placeholder only
	 * keeps the numbers dense on the rebound branch; at the merge, main's
	 * migration 3 replaces it. */
	{ 3, "reserved for intake", "SELECT 1;" },
	/* issue 4: Rebound client progress (backfill windows, poll sweep
	 * state, status pushes) as keys and JSON values */
	{ 4, "rebound client state",
	  "CREATE TABLE rebound_state ("
	  "  key TEXT PRIMARY KEY,"
	  "  value TEXT NOT NULL,"
	  "  updated_at_ms INTEGER NOT NULL"
	  ");" },
};

int store_sqlite_latest_version(void)
{
	return migrations[ARRAY_LEN(migrations) - 1].version;
}

static enum err_code db_fail(sqlite3 *db, struct err *e, const char *what)
{
	int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
	enum err_code rc = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? ERR_BUSY : ERR_STORE;

	return err_set(e, rc, "%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
}

static enum err_code exec(sqlite3 *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	enum err_code rc = ERR_OK;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		rc = err_set(e, ERR_STORE, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
	}
	return rc;
}

static enum err_code current_version(sqlite3 *db, int *v, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, e, "read schema version");
	if (sqlite3_step(s) == SQLITE_ROW)
		*v = sqlite3_column_int(s, 0);
	else
		rc = db_fail(db, e, "read schema version");
	sqlite3_finalize(s);
	return rc;
}

static enum err_code apply_one(sqlite3 *db, const struct migration *m,
			       struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = exec(db, "BEGIN IMMEDIATE", e);
	if (rc != ERR_OK)
		return rc;
	rc = exec(db, m->sql, e);
	if (rc != ERR_OK) {
		err_prefix(e, "migration %d (%s)", m->version, m->name);
		goto rollback;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations(version, name, applied_at_ms) VALUES (?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(db, e, "record migration");
		goto rollback;
	}
	sqlite3_bind_int(s, 1, m->version);
	sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_fail(db, e, "record migration");
		goto rollback;
	}
	sqlite3_finalize(s);
	rc = exec(db, "COMMIT", e);
	if (rc == ERR_OK)
		log_info("schema migrated to version %d (%s)", m->version, m->name);
	return rc;
rollback:
	sqlite3_finalize(s);
	(void)exec(db, "ROLLBACK", NULL);
	return rc;
}

/* Bring db to version `upto` (newest when upto < 0). A database that is
 * newer than this build is refused: an older binary must not write to it. */
static enum err_code migrate(sqlite3 *db, int upto, const char *path,
			     struct err *e)
{
	int cur = 0, latest = store_sqlite_latest_version();
	size_t i;
	enum err_code rc;

	rc = exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
		      " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
		      " applied_at_ms INTEGER NOT NULL)", e);
	if (rc != ERR_OK)
		return rc;
	rc = current_version(db, &cur, e);
	if (rc != ERR_OK)
		return rc;
	if (cur > latest)
		return err_set(e, ERR_STORE, "%s is at schema version %d but this returnbridge knows only up to %d: run the newer returnbridge that wrote it",
			       path, cur, latest);
	if (upto < 0)
		upto = latest;
	for (i = 0; i < ARRAY_LEN(migrations); i++) {
		if (migrations[i].version <= cur || migrations[i].version > upto)
			continue;
		rc = apply_one(db, &migrations[i], e);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

static enum err_code open_db(const char *path, int64_t busy_ms, sqlite3 **out,
			     struct err *e)
{
	sqlite3 *db = NULL;
	enum err_code rc;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		rc = err_set(e, ERR_STORE, "cannot open database %s: %s (check that the directory exists and is writable by this user)",
			     path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, (int)busy_ms);
	sqlite3_extended_result_codes(db, 0);
	rc = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", e);
	if (rc != ERR_OK) {
		err_prefix(e, "cannot use database %s (is it a SQLite file?)", path);
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return ERR_OK;
}

enum err_code store_sqlite_migrate_file(const char *path, int upto,
					struct err *e)
{
	sqlite3 *db = NULL;
	enum err_code rc;

	rc = open_db(path, 5000, &db, e);
	if (rc != ERR_OK)
		return rc;
	rc = migrate(db, upto, path, e);
	sqlite3_close(db);
	return rc;
}

static enum err_code sq_open(const struct cfg *c, struct store **out,
			     struct err *e)
{
	struct store *st = NULL;
	enum err_code rc;

	st = calloc(1, sizeof(*st));
	if (!st)
		return err_set(e, ERR_NOMEM, "out of memory");
	st->base.ops = &store_sqlite_ops;
	pthread_mutex_init(&st->lock, NULL);
	snprintf(st->desc, sizeof(st->desc), "sqlite:%s", c->store_path);
	rc = open_db(c->store_path, c->store_busy_timeout_ms, &st->db, e);
	if (rc == ERR_OK)
		rc = migrate(st->db, -1, c->store_path, e);
	if (rc != ERR_OK) {
		store_sqlite_ops.close(st);
		return rc;
	}
	*out = st;
	return ERR_OK;
}

static void sq_close(struct store *st)
{
	sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static const char *sq_describe(const struct store *st)
{
	return st->desc;
}

static enum err_code sq_ping(struct store *st, struct err *e)
{
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = exec(st->db, "SELECT 1 FROM schema_migrations LIMIT 1", e);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code sq_schema_version(struct store *st, int *cur, int *latest,
				       struct err *e)
{
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = current_version(st->db, cur, e);
	pthread_mutex_unlock(&st->lock);
	*latest = store_sqlite_latest_version();
	return rc;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static enum err_code find_event(sqlite3 *db, const char *key, int64_t *id,
				struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_NOT_FOUND;

	if (sqlite3_prepare_v2(db, "SELECT id FROM events WHERE dedup_key = ?", -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, e, "find event");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = ERR_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static enum err_code sq_event_add(struct store *st, const struct store_event *ev,
				  int64_t *id, bool *dup, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;
	int step;

	*dup = false;
	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO events(received_at_ms, source, kind, dedup_key,"
			       " rebound_return_id, order_ref, raw_body, raw_len, normalized, status)"
			       " VALUES (?,?,?,?,?,?,?,?,?,coalesce(?, 'new'))"
			       " ON CONFLICT(dedup_key) DO NOTHING",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "store event");
		goto out;
	}
	sqlite3_bind_int64(s, 1, ev->received_at_ms ? ev->received_at_ms : clock_now_ms());
	sqlite3_bind_text(s, 2, ev->source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ev->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, ev->dedup_key, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 5, ev->rebound_return_id);
	bind_text_or_null(s, 6, ev->order_ref);
	if (ev->raw_body)
		sqlite3_bind_blob64(s, 7, ev->raw_body, (sqlite3_uint64)ev->raw_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 7);
	sqlite3_bind_int64(s, 8, ev->raw_body ? ev->raw_len : 0);
	bind_text_or_null(s, 9, ev->normalized);
	bind_text_or_null(s, 10, ev->status);
	step = sqlite3_step(s);
	if (step != SQLITE_DONE) {
		rc = db_fail(st->db, e, "store event");
		goto out;
	}
	if (sqlite3_changes(st->db) == 1) {
		*id = sqlite3_last_insert_rowid(st->db);
	} else {
		*dup = true;
		rc = find_event(st->db, ev->dedup_key, id, e);
	}
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static enum err_code sq_events_list(struct store *st, int limit,
				    store_event_cb *cb, void *arg, struct err *e)
{
	sqlite3_stmt *s = NULL;
	struct store_event ev;
	enum err_code rc = ERR_OK;
	int step;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, received_at_ms, source, kind, dedup_key, rebound_return_id,"
			       " order_ref, raw_len, normalized, status, raw_purged_at_ms IS NOT NULL"
			       " FROM events ORDER BY id DESC LIMIT ?",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "list events");
		goto out;
	}
	sqlite3_bind_int(s, 1, limit);
	for (;;) {
		step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			break;
		memset(&ev, 0, sizeof(ev));
		ev.id = sqlite3_column_int64(s, 0);
		ev.received_at_ms = sqlite3_column_int64(s, 1);
		ev.source = col_text(s, 2);
		ev.kind = col_text(s, 3);
		ev.dedup_key = col_text(s, 4);
		ev.rebound_return_id = col_text(s, 5);
		ev.order_ref = col_text(s, 6);
		ev.raw_len = sqlite3_column_int64(s, 7);
		ev.normalized = col_text(s, 8);
		ev.status = col_text(s, 9);
		ev.raw_purged = sqlite3_column_int(s, 10) != 0;
		cb(&ev, arg);
	}
	if (step != SQLITE_DONE)
		rc = db_fail(st->db, e, "list events");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code insert_lines(sqlite3 *db, int64_t rid,
				  const struct store_return *r, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;
	int i;

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO return_lines(return_id, line_no, rebound_item_id, sku, ean,"
			       " quantity, reason_code, disposition, outcome)"
			       " VALUES (?,?,?,?,?,?,?,?,coalesce(?, 'pending'))",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, e, "store return line");
	for (i = 0; i < r->nlines; i++) {
		const struct store_line *l = &r->lines[i];

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rid);
		sqlite3_bind_int(s, 2, l->line_no ? l->line_no : i + 1);
		bind_text_or_null(s, 3, l->rebound_item_id);
		bind_text_or_null(s, 4, l->sku);
		bind_text_or_null(s, 5, l->ean);
		sqlite3_bind_int64(s, 6, l->quantity);
		bind_text_or_null(s, 7, l->reason_code);
		bind_text_or_null(s, 8, l->disposition);
		bind_text_or_null(s, 9, l->outcome);
		if (sqlite3_step(s) != SQLITE_DONE) {
			rc = db_fail(db, e, "store return line");
			break;
		}
	}
	sqlite3_finalize(s);
	return rc;
}

static enum err_code sq_return_create(struct store *st,
				      const struct store_return *r, int64_t *id,
				      struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int64_t now = clock_now_ms();
	int step;

	pthread_mutex_lock(&st->lock);
	rc = exec(st->db, "BEGIN IMMEDIATE", e);
	if (rc != ERR_OK)
		goto out;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO returns(rebound_return_id, order_ref, state, created_at_ms, updated_at_ms)"
			       " VALUES (?,?,coalesce(?, 'INTENT'),?,?)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "store return");
		goto rollback;
	}
	sqlite3_bind_text(s, 1, r->rebound_return_id, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 2, r->order_ref);
	bind_text_or_null(s, 3, r->state);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, now);
	step = sqlite3_step(s);
	if (step == SQLITE_CONSTRAINT) {
		rc = err_set(e, ERR_EXISTS, "return %s is already stored", r->rebound_return_id);
		goto rollback;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st->db, e, "store return");
		goto rollback;
	}
	*id = sqlite3_last_insert_rowid(st->db);
	rc = insert_lines(st->db, *id, r, e);
	if (rc != ERR_OK)
		goto rollback;
	rc = exec(st->db, "COMMIT", e);
	if (rc == ERR_OK)
		goto out;
rollback:
	(void)exec(st->db, "ROLLBACK", NULL);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

#define MAX_LINES 500
#define MAX_EXC 100

static enum err_code read_lines(sqlite3 *db, int64_t rid,
				struct store_line *lines, int *n, struct err *e)
{
	sqlite3_stmt *s = NULL;

	*n = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT line_no, rebound_item_id, sku, ean, quantity, reason_code,"
			       " disposition, outcome FROM return_lines WHERE return_id = ? ORDER BY line_no",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, e, "read return lines");
	sqlite3_bind_int64(s, 1, rid);
	/* column texts die at the next step, so each row is copied */
	while (*n < MAX_LINES && sqlite3_step(s) == SQLITE_ROW) {
		struct store_line *l = &lines[*n];

		l->line_no = sqlite3_column_int(s, 0);
		l->rebound_item_id = col_text(s, 1) ? strdup(col_text(s, 1)) : NULL;
		l->sku = col_text(s, 2) ? strdup(col_text(s, 2)) : NULL;
		l->ean = col_text(s, 3) ? strdup(col_text(s, 3)) : NULL;
		l->quantity = sqlite3_column_int64(s, 4);
		l->reason_code = col_text(s, 5) ? strdup(col_text(s, 5)) : NULL;
		l->disposition = col_text(s, 6) ? strdup(col_text(s, 6)) : NULL;
		l->outcome = col_text(s, 7) ? strdup(col_text(s, 7)) : NULL;
		(*n)++;
	}
	sqlite3_finalize(s);
	return ERR_OK;
}

static void free_lines(struct store_line *lines, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free((char *)lines[i].rebound_item_id);
		free((char *)lines[i].sku);
		free((char *)lines[i].ean);
		free((char *)lines[i].reason_code);
		free((char *)lines[i].disposition);
		free((char *)lines[i].outcome);
	}
}

static enum err_code read_exceptions(sqlite3 *db, int64_t rid,
				     struct store_exception_row *x, int *n,
				     struct err *e)
{
	sqlite3_stmt *s = NULL;

	*n = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, type, owner, message, opened_at_ms, resolved_at_ms IS NOT NULL"
			       " FROM exceptions WHERE return_id = ? ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return db_fail(db, e, "read exceptions");
	sqlite3_bind_int64(s, 1, rid);
	while (*n < MAX_EXC && sqlite3_step(s) == SQLITE_ROW) {
		struct store_exception_row *r = &x[*n];

		r->id = sqlite3_column_int64(s, 0);
		r->type = strdup(col_text(s, 1));
		r->owner = strdup(col_text(s, 2));
		r->message = strdup(col_text(s, 3));
		r->opened_at_ms = sqlite3_column_int64(s, 4);
		r->resolved = sqlite3_column_int(s, 5) != 0;
		(*n)++;
	}
	sqlite3_finalize(s);
	return ERR_OK;
}

static void free_exceptions(struct store_exception_row *x, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free((char *)x[i].type);
		free((char *)x[i].owner);
		free((char *)x[i].message);
	}
}

static enum err_code sq_return_get(struct store *st, const char *rid,
				   store_return_cb *cb, void *arg, struct err *e)
{
	sqlite3_stmt *s = NULL;
	struct store_line *lines = NULL;
	struct store_exception_row *exc = NULL;
	struct store_return r;
	int nexc = 0, nlines = 0;
	enum err_code rc = ERR_OK;

	lines = calloc(MAX_LINES, sizeof(*lines));
	exc = calloc(MAX_EXC, sizeof(*exc));
	if (!lines || !exc) {
		free(lines);
		free(exc);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, rebound_return_id, order_ref, state, created_at_ms, updated_at_ms"
			       " FROM returns WHERE rebound_return_id = ?",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "read return");
		goto out;
	}
	sqlite3_bind_text(s, 1, rid, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = err_set(e, ERR_NOT_FOUND, "no return with Rebound id %s", rid);
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(s, 0);
	r.rebound_return_id = col_text(s, 1);
	r.order_ref = col_text(s, 2);
	r.state = col_text(s, 3);
	r.created_at_ms = sqlite3_column_int64(s, 4);
	r.updated_at_ms = sqlite3_column_int64(s, 5);
	rc = read_lines(st->db, r.id, lines, &nlines, e);
	if (rc == ERR_OK)
		rc = read_exceptions(st->db, r.id, exc, &nexc, e);
	if (rc != ERR_OK)
		goto out;
	r.nlines = nlines;
	r.lines = lines;
	cb(&r, exc, nexc, arg);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	free_lines(lines, nlines);
	free_exceptions(exc, nexc);
	free(lines);
	free(exc);
	return rc;
}

static enum err_code sq_audit_add(struct store *st, const char *actor,
				  int64_t return_id, const char *action,
				  const char *detail, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO audit(at_ms, actor, return_id, action, detail) VALUES (?,?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "append audit");
		goto out;
	}
	sqlite3_bind_int64(s, 1, clock_now_ms());
	sqlite3_bind_text(s, 2, actor, -1, SQLITE_TRANSIENT);
	if (return_id > 0)
		sqlite3_bind_int64(s, 3, return_id);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_text(s, 4, action, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s, 5, detail);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_fail(st->db, e, "append audit");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code sq_audit_count(struct store *st, int64_t *n, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM audit", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		rc = db_fail(st->db, e, "count audit");
	else
		*n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code sq_purge_raw(struct store *st, int64_t cutoff_ms,
				  int64_t *purged, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;

	*purged = 0;
	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE events SET raw_body = NULL, raw_purged_at_ms = ?"
			       " WHERE raw_body IS NOT NULL AND received_at_ms < ?",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "purge raw bodies");
		goto out;
	}
	sqlite3_bind_int64(s, 1, clock_now_ms());
	sqlite3_bind_int64(s, 2, cutoff_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_fail(st->db, e, "purge raw bodies");
	else
		*purged = sqlite3_changes(st->db);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* --- Rebound client state (issue 4) ------------------------------------ */

static enum err_code sq_kv_get(struct store *st, const char *key, char **value,
			       struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_NOT_FOUND;
	int step;

	*value = NULL;
	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM rebound_state WHERE key = ?", -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "read state");
		goto out;
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*value = strdup(col_text(s, 0) ? col_text(s, 0) : "");
		rc = *value ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
	} else if (step != SQLITE_DONE) {
		rc = db_fail(st->db, e, "read state");
	} else {
		rc = err_set(e, ERR_NOT_FOUND, "no state %s", key);
	}
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code sq_kv_set(struct store *st, const char *key,
			       const char *value, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, value
			       ? "INSERT INTO rebound_state(key, value, updated_at_ms) VALUES (?,?,?)"
				 " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
				 " updated_at_ms = excluded.updated_at_ms"
			       : "DELETE FROM rebound_state WHERE key = ?",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "write state");
		goto out;
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if (value) {
		sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, clock_now_ms());
	}
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_fail(st->db, e, "write state");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code sq_kv_list(struct store *st, const char *prefix,
				store_kv_cb *cb, void *arg, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;
	int step;

	pthread_mutex_lock(&st->lock);
	/* substr, not LIKE: keys may contain % and _ */
	if (sqlite3_prepare_v2(st->db, "SELECT key, value FROM rebound_state"
			       " WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "list state");
		goto out;
	}
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
	for (;;) {
		step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			break;
		cb(col_text(s, 0), col_text(s, 1), arg);
	}
	if (step != SQLITE_DONE)
		rc = db_fail(st->db, e, "list state");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code sq_returns_open(struct store *st, int limit,
				     store_return_cb *cb, void *arg,
				     struct err *e)
{
	sqlite3_stmt *s = NULL;
	struct store_return r;
	enum err_code rc = ERR_OK;
	int step;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, "SELECT id, rebound_return_id, order_ref, state,"
			       " created_at_ms, updated_at_ms FROM returns"
			       " WHERE state NOT IN ('CLOSED', 'CANCELLED')"
			       " ORDER BY created_at_ms, id LIMIT ?",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = db_fail(st->db, e, "list open returns");
		goto out;
	}
	sqlite3_bind_int(s, 1, limit);
	for (;;) {
		step = sqlite3_step(s);
		if (step != SQLITE_ROW)
			break;
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(s, 0);
		r.rebound_return_id = col_text(s, 1);
		r.order_ref = col_text(s, 2);
		r.state = col_text(s, 3);
		r.created_at_ms = sqlite3_column_int64(s, 4);
		r.updated_at_ms = sqlite3_column_int64(s, 5);
		cb(&r, NULL, 0, arg);
	}
	if (step != SQLITE_DONE)
		rc = db_fail(st->db, e, "list open returns");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.ping = sq_ping,
	.schema_version = sq_schema_version,
	.describe = sq_describe,
	.event_add = sq_event_add,
	.events_list = sq_events_list,
	.return_create = sq_return_create,
	.return_get = sq_return_get,
	.audit_add = sq_audit_add,
	.audit_count = sq_audit_count,
	.purge_raw = sq_purge_raw,
	.kv_get = sq_kv_get,
	.kv_set = sq_kv_set,
	.kv_list = sq_kv_list,
	.returns_open = sq_returns_open,
};
