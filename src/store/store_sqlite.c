/* store_sqlite: SQLite backend. One connection guarded by one mutex; WAL so
 * CLI readers never block the daemon; migrations are numbered, each applied
 * in its own transaction and recorded in schema_migrations. */
#define LOG_COMPONENT "store"
#include "store/store_sqlite.h"
#include "store/store_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"

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
	{ 3, "rebound intake",
	  "ALTER TABLE events ADD COLUMN park_reason TEXT;"
	  "ALTER TABLE events ADD COLUMN return_id INTEGER REFERENCES returns(id);"
	  "ALTER TABLE events ADD COLUMN processed_at_ms INTEGER;"
	  "CREATE INDEX events_pending ON events(id) WHERE status = 'new';"
	  "ALTER TABLE exceptions ADD COLUMN event_id INTEGER REFERENCES events(id);"
	  "ALTER TABLE returns ADD COLUMN location TEXT;"
	  "ALTER TABLE returns ADD COLUMN last_milestone TEXT;"
	  "CREATE INDEX returns_order ON returns(order_ref);"
	  "ALTER TABLE return_lines ADD COLUMN client_item_id TEXT;"
	  "CREATE INDEX return_lines_item ON return_lines(rebound_item_id);"
	  "CREATE TABLE milestones ("
	  "  id INTEGER PRIMARY KEY,"
	  "  return_id INTEGER NOT NULL REFERENCES returns(id),"
	  "  event_id INTEGER REFERENCES events(id),"
	  "  milestone TEXT NOT NULL,"
	  "  text TEXT,"
	  "  event_time TEXT,"
	  "  at_ms INTEGER NOT NULL,"
	  "  UNIQUE (return_id, event_id)"
	  ");"
	  "CREATE TABLE rejections ("
	  "  endpoint TEXT NOT NULL,"
	  "  reason TEXT NOT NULL,"
	  "  count INTEGER NOT NULL,"
	  "  first_at_ms INTEGER NOT NULL,"
	  "  last_at_ms INTEGER NOT NULL,"
	  "  last_detail TEXT,"
	  "  PRIMARY KEY (endpoint, reason)"
	  ");" },
	/* issue 4: Rebound client progress (backfill windows, poll sync
	 * records, status pushes) as keys and JSON values;
	 * store_sqlite_rebound.c */
	{ 4, "rebound client state",
	  "CREATE TABLE rebound_state ("
	  "  key TEXT PRIMARY KEY,"
	  "  value TEXT NOT NULL,"
	  "  updated_at_ms INTEGER NOT NULL"
	  ");" },
	/* issue 8: the engine's working record per return, one open job per
	 * return, and the Odoo documents made for returns;
	 * store_sqlite_engine.c */
	{ 5, "engine",
	  "ALTER TABLE returns ADD COLUMN engine TEXT;"
	  "CREATE UNIQUE INDEX jobs_one_open ON jobs(return_id)"
	  " WHERE done_at_ms IS NULL;"
	  "CREATE INDEX audit_return ON audit(return_id, id);"
	  "CREATE TABLE odoo_documents ("
	  "  id INTEGER PRIMARY KEY,"
	  "  return_id INTEGER NOT NULL REFERENCES returns(id),"
	  "  kind TEXT NOT NULL,"
	  "  odoo_id INTEGER NOT NULL,"
	  "  name TEXT,"
	  "  ref TEXT,"
	  "  detail TEXT,"
	  "  at_ms INTEGER NOT NULL,"
	  "  UNIQUE (kind, odoo_id)"
	  ");"
	  "CREATE INDEX odoo_documents_return ON odoo_documents(return_id);" },
	/* issues 8/9: what operators ask of the engine (release, cancel,
	 * approve, reject); the engine applies them; store_sqlite_requests.c */
	{ 6, "operator requests",
	  "CREATE TABLE requests ("
	  "  id INTEGER PRIMARY KEY,"
	  "  return_id INTEGER NOT NULL REFERENCES returns(id),"
	  "  kind TEXT NOT NULL CHECK (kind IN ('release','cancel','approve','reject')),"
	  "  lines TEXT," /* JSON array of line numbers, NULL = all */
	  "  actor TEXT NOT NULL,"
	  "  comment TEXT NOT NULL,"
	  "  created_ms INTEGER NOT NULL,"
	  "  done_ms INTEGER,"
	  "  result TEXT" /* 'applied' or why refused */
	  ");"
	  "CREATE INDEX requests_open ON requests(return_id) WHERE done_ms IS NULL;" },
};

int store_sqlite_latest_version(void)
{
	return migrations[ARRAY_LEN(migrations) - 1].version;
}

enum err_code sq_fail(sqlite3 *db, struct err *e, const char *what)
{
	int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
	enum err_code rc = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? ERR_BUSY : ERR_STORE;

	return err_set(e, rc, "%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
}

enum err_code sq_exec(sqlite3 *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	enum err_code rc = ERR_OK;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		rc = err_set(e, ERR_STORE, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
	}
	return rc;
}

enum err_code sq_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
			 struct err *e, const char *what)
{
	int i;

	*s = NULL;
	for (i = 0; i < st->ncache; i++) {
		if (st->cache[i].sql == sql) {
			*s = st->cache[i].stmt;
			return ERR_OK;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) != SQLITE_OK)
		return sq_fail(st->db, e, what);
	if (st->ncache < (int)ARRAY_LEN(st->cache)) {
		st->cache[st->ncache].sql = sql;
		st->cache[st->ncache].stmt = *s;
		st->ncache++;
	}
	return ERR_OK;
}

void sq_finish(struct store *st, sqlite3_stmt *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < st->ncache; i++) {
		if (st->cache[i].stmt == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return;
		}
	}
	sqlite3_finalize(s);
}

void sq_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

void sq_bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

const char *sq_col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

char *sq_dup(sqlite3_stmt *s, int i)
{
	const char *v = sq_col(s, i);

	return v ? strdup(v) : NULL;
}

/* Writers of this process take turns on this mutex before SQLite's own
 * write lock. Without it, two handles (HTTP and main loop) collide on
 * SQLITE_BUSY and SQLite's busy handler sleeps in steps of up to 100 ms,
 * which showed as p99 latencies of 700 ms in bench/ingest. Other processes
 * (the CLI) still meet the busy timeout. */
static pthread_mutex_t writers = PTHREAD_MUTEX_INITIALIZER;

enum err_code sq_write_begin(struct store *st, struct err *e)
{
	enum err_code rc;

	if (st->in_tx)
		return ERR_OK;
	pthread_mutex_lock(&writers);
	rc = sq_exec(st->db, "BEGIN IMMEDIATE", e);
	if (rc != ERR_OK)
		pthread_mutex_unlock(&writers);
	return rc;
}

enum err_code sq_write_end(struct store *st, enum err_code rc, struct err *e)
{
	if (st->in_tx)
		return rc;
	if (rc == ERR_OK)
		rc = sq_exec(st->db, "COMMIT", e);
	if (rc != ERR_OK)
		(void)sq_exec(st->db, "ROLLBACK", NULL);
	pthread_mutex_unlock(&writers);
	return rc;
}

enum err_code sq_write_one(struct store *st, const char *sql, sq_bind_fn *bind,
			   const void *arg, int *changes, const char *what,
			   struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto unlock;
	rc = sq_prepare(st, sql, &s, e, what);
	if (rc != ERR_OK)
		goto out;
	bind(s, arg);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_fail(st->db, e, what);
	else if (changes)
		*changes = sqlite3_changes(st->db);
out:
	sq_finish(st, s);
	rc = sq_write_end(st, rc, e);
unlock:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_read_each(struct store *st, const char *sql, sq_bind_fn *bind,
			   const void *bind_arg, sq_row_fn *row, void *row_arg,
			   const char *what, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;
	int step;

	pthread_mutex_lock(&st->lock);
	rc = sq_prepare(st, sql, &s, e, what);
	if (rc != ERR_OK)
		goto out;
	bind(s, bind_arg);
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		row(s, row_arg);
	if (step != SQLITE_DONE)
		rc = sq_fail(st->db, e, what);
out:
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code current_version(sqlite3 *db, int *v, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &s, NULL) != SQLITE_OK)
		return sq_fail(db, e, "read schema version");
	if (sqlite3_step(s) == SQLITE_ROW)
		*v = sqlite3_column_int(s, 0);
	else
		rc = sq_fail(db, e, "read schema version");
	sqlite3_finalize(s);
	return rc;
}

static enum err_code apply_one(sqlite3 *db, const struct migration *m,
			       struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_exec(db, "BEGIN IMMEDIATE", e);
	if (rc != ERR_OK)
		return rc;
	rc = sq_exec(db, m->sql, e);
	if (rc != ERR_OK) {
		err_prefix(e, "migration %d (%s)", m->version, m->name);
		goto rollback;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations(version, name, applied_at_ms) VALUES (?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		rc = sq_fail(db, e, "record migration");
		goto rollback;
	}
	sqlite3_bind_int(s, 1, m->version);
	sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = sq_fail(db, e, "record migration");
		goto rollback;
	}
	sqlite3_finalize(s);
	rc = sq_exec(db, "COMMIT", e);
	if (rc == ERR_OK)
		log_info("schema migrated to version %d (%s)", m->version, m->name);
	return rc;
rollback:
	sqlite3_finalize(s);
	(void)sq_exec(db, "ROLLBACK", NULL);
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

	rc = sq_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
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

static enum err_code open_db(const char *path, int64_t busy_ms, int normal,
			     sqlite3 **out, struct err *e)
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
	rc = sq_exec(db, normal ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
			       : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", e);
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

	rc = open_db(path, 5000, 0, &db, e);
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
	st->normal = c->store_synchronous == 1;
	rc = open_db(c->store_path, c->store_busy_timeout_ms, st->normal, &st->db, e);
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
	int i;

	for (i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].stmt);
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
	rc = sq_exec(st->db, "SELECT 1 FROM schema_migrations LIMIT 1", e);
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

enum err_code sq_audit_insert(struct store *st, const char *actor, int64_t return_id,
			      const char *action, const char *detail, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc = ERR_OK;

	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO audit(at_ms, actor, return_id, action, detail) VALUES (?,?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		return sq_fail(st->db, e, "append audit");
	sqlite3_bind_int64(s, 1, clock_now_ms());
	sqlite3_bind_text(s, 2, actor, -1, SQLITE_TRANSIENT);
	if (return_id > 0)
		sqlite3_bind_int64(s, 3, return_id);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_text(s, 4, action, -1, SQLITE_TRANSIENT);
	sq_bind_opt(s, 5, detail);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_fail(st->db, e, "append audit");
	sqlite3_finalize(s);
	return rc;
}

static enum err_code sq_audit_add(struct store *st, const char *actor,
				  int64_t return_id, const char *action,
				  const char *detail, struct err *e)
{
	enum err_code rc = ERR_OK;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc == ERR_OK) {
		rc = sq_audit_insert(st, actor, return_id, action, detail, e);
		rc = sq_write_end(st, rc, e);
	}
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
		rc = sq_fail(st->db, e, "count audit");
	else
		*n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}


static const char *sq_durability(const struct store *st)
{
	if (st->normal)
		return "sqlite WAL, synchronous=NORMAL (survives a crash of returnbridge; a power cut"
		       " or OS crash can lose the commits since the last checkpoint)";
	return "sqlite WAL, synchronous=FULL (a commit is on disk before it returns)";
}

static enum err_code sq_tx_begin(struct store *st, struct err *e)
{
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	if (st->in_tx)
		BUG("store_tx_begin inside a transaction");
	rc = sq_write_begin(st, e);
	st->in_tx = rc == ERR_OK;
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static enum err_code sq_tx_commit(struct store *st, struct err *e)
{
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	st->in_tx = false;
	rc = sq_write_end(st, ERR_OK, e);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static void sq_tx_rollback(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	if (st->in_tx) {
		st->in_tx = false;
		(void)sq_write_end(st, ERR_INTERNAL, NULL);
	}
	pthread_mutex_unlock(&st->lock);
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.ping = sq_ping,
	.schema_version = sq_schema_version,
	.describe = sq_describe,
	.durability = sq_durability,
	.tx_begin = sq_tx_begin,
	.tx_commit = sq_tx_commit,
	.tx_rollback = sq_tx_rollback,
	.events_add = sq_events_add,
	.events_list = sq_events_list,
	.events_pending = sq_events_pending,
	.event_finish = sq_event_finish,
	.rejection_add = sq_rejection_add,
	.rejections_list = sq_rejections_list,
	.return_create = sq_return_create,
	.return_find = sq_return_find,
	.return_merge_lines = sq_return_merge_lines,
	.milestone_add = sq_milestone_add,
	.return_get = sq_return_get,
	.exception_add = sq_exception_add,
	.audit_add = sq_audit_add,
	.audit_count = sq_audit_count,
	.purge_raw = sq_purge_raw,
	.kv_get = sq_kv_get,
	.kv_set = sq_kv_set,
	.kv_list = sq_kv_list,
	.returns_open = sq_returns_open,
	.jobs_ensure = sq_jobs_ensure,
	.jobs_claim = sq_jobs_claim,
	.job_finish = sq_job_finish,
	.job_defer = sq_job_defer,
	.engine_get = sq_engine_get,
	.engine_put = sq_engine_put,
	.line_outcome = sq_line_outcome,
	.odoo_doc_add = sq_odoo_doc_add,
	.odoo_docs_list = sq_odoo_docs_list,
	.audit_list = sq_audit_list,
	.request_add = sq_request_add,
	.requests_list = sq_requests_list,
	.request_done = sq_request_done,
	.jobs_due_now_state = sq_jobs_due_now_state,
	.requests_from_milestone = sq_requests_from_milestone,
	.exceptions_resolve = sq_exceptions_resolve,
	.work_list = sq_work_list,
	.exception_resolve_one = sq_exception_resolve_one,
	.engine_by_orders = sq_engine_by_orders,
};
