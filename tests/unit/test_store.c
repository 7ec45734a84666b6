/* Unit tests for the store (SQLite backend): migrations on a fresh and on
 * an older database, the event inbox's dedup, returns, the append-only
 * audit log, and the raw-body purge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cmocka.h>

#include "store/store.h"
#include "store/store_sqlite.h"
#include "util/clock.h"

struct fixture {
	char dir[32];
	char path[64];
	struct cfg cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;

	snprintf(f->dir, sizeof(f->dir), "/tmp/rbstoreXXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/rb.db", f->dir);
	if (cfg_defaults(&f->cfg, &e) != ERR_OK)
		return -1;
	free(f->cfg.store_path);
	f->cfg.store_path = strdup(f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[96];

	cfg_release(&f->cfg);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t scalar(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int exec_rc(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void test_store__fresh_database_gets_every_migration(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	int cur = 0, latest = 0;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	assert_int_equal(store_schema_version(st, &cur, &latest, &e), ERR_OK);
	assert_int_equal(cur, latest);
	assert_int_equal(latest, store_sqlite_latest_version());
	assert_int_equal(store_ping(st, &e), ERR_OK);
	store_close(st);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM schema_migrations"), latest);
	/* WAL is a property of the file: it persists */
	assert_int_equal(scalar(f->path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	/* opening again applies nothing twice */
	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	store_close(st);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM schema_migrations"), latest);
}

static void test_store__older_database_is_upgraded_with_its_data(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	int cur = 0, latest = 0;
	int64_t purged = -1;

	/* a database as the first release left it, holding one event */
	assert_int_equal(store_sqlite_migrate_file(f->path, 1, &e), ERR_OK);
	assert_int_equal(scalar(f->path, "SELECT max(version) FROM schema_migrations"), 1);
	assert_int_equal(exec_rc(f->path,
				 "INSERT INTO events(received_at_ms, source, kind, dedup_key, raw_body)"
				 " VALUES (1000, 'webhook', 'tracking', 'k1', 'old body')"), SQLITE_OK);

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	assert_int_equal(store_schema_version(st, &cur, &latest, &e), ERR_OK);
	assert_int_equal(cur, latest);
	/* migration 2 filled raw_len from the existing body */
	assert_int_equal(scalar(f->path, "SELECT raw_len FROM events WHERE dedup_key = 'k1'"), 8);
	assert_int_equal(store_purge_raw(st, 2000, &purged, &e), ERR_OK);
	assert_int_equal(purged, 1);
	store_close(st);
	assert_int_equal(scalar(f->path, "SELECT raw_body IS NULL AND raw_purged_at_ms > 0 FROM events"), 1);
}

static void test_store__newer_database_is_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(store_sqlite_migrate_file(f->path, -1, &e), ERR_OK);
	assert_int_equal(exec_rc(f->path, "INSERT INTO schema_migrations VALUES (999, 'from the future', 0)"), SQLITE_OK);
	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_STORE);
	assert_null(st);
	assert_non_null(strstr(e.msg, "schema version 999"));
}

static void test_store__unwritable_path_says_what_to_do(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;

	free(f->cfg.store_path);
	f->cfg.store_path = strdup("/nonexistent-dir/rb.db");
	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_STORE);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/rb.db"));
	assert_non_null(strstr(e.msg, "writable"));
}

static void count_event(const struct store_event *ev, void *arg)
{
	int *n = arg;

	(*n)++;
	assert_string_equal(ev->kind, "tracking");
}

static void test_store__duplicate_event_is_stored_once(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct store_event ev = { 0 };
	int64_t id1 = 0, id2 = 0;
	bool dup = true;
	int n = 0;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	ev.source = "webhook";
	ev.kind = "tracking";
	ev.dedup_key = "tracking:RB1:delivered";
	ev.rebound_return_id = "RB1";
	ev.raw_body = "{\"x\":1}";
	ev.raw_len = 7;
	assert_int_equal(store_events_add(st, &ev, 1, &id1, &dup, &e), ERR_OK);
	assert_false(dup);
	assert_int_equal(store_events_add(st, &ev, 1, &id2, &dup, &e), ERR_OK);
	assert_true(dup);
	assert_int_equal(id1, id2);
	assert_int_equal(store_events_list(st, NULL, 10, count_event, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	store_close(st);
}

struct seen_return {
	int calls;
	int nlines;
	int64_t qty2;
	char state[32];
};

static void on_return(const struct store_return *r,
		      const struct store_exception_row *x, int nx, void *arg)
{
	struct seen_return *s = arg;

	(void)x;
	s->calls++;
	s->nlines = r->nlines;
	s->qty2 = r->nlines > 1 ? r->lines[1].quantity : -1;
	snprintf(s->state, sizeof(s->state), "%s", r->state);
	assert_int_equal(nx, 0);
}

static void test_store__return_with_lines_round_trips(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct store_line lines[2] = {
		{ 1, "I1", "SKU-A", "871", 1, "R01", NULL, NULL, NULL },
		{ 2, "I2", "SKU-B", NULL, 3, "R02", "damaged", NULL, NULL },
	};
	struct store_return r = { .rebound_return_id = "(00)123", .order_ref = "SO042", .nlines = 2, .lines = lines };
	struct seen_return seen = { 0, 0, 0, "" };
	int64_t id = 0, id2 = 0;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	assert_int_equal(store_return_create(st, &r, &id, &e), ERR_OK);
	assert_true(id > 0);
	assert_int_equal(store_return_create(st, &r, &id2, &e), ERR_EXISTS);
	assert_int_equal(store_return_get(st, "(00)123", on_return, &seen, &e), ERR_OK);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.nlines, 2);
	assert_int_equal(seen.qty2, 3);
	assert_string_equal(seen.state, "INTENT");
	assert_int_equal(store_return_get(st, "nope", on_return, &seen, &e), ERR_NOT_FOUND);
	assert_int_equal(seen.calls, 1);
	store_close(st);
	/* the failed second create left nothing half-written */
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM return_lines"), 2);
}

static void test_store__audit_is_append_only(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	int64_t n = 0;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	assert_int_equal(store_audit_add(st, "test", 0, "state_change", "{\"to\":\"MATCHED\"}", &e), ERR_OK);
	assert_int_equal(store_audit_add(st, "test", 0, "odoo_write", NULL, &e), ERR_OK);
	assert_int_equal(store_audit_count(st, &n, &e), ERR_OK);
	assert_int_equal(n, 2);
	store_close(st);
	assert_int_not_equal(exec_rc(f->path, "UPDATE audit SET action = 'x'"), SQLITE_OK);
	assert_int_not_equal(exec_rc(f->path, "DELETE FROM audit"), SQLITE_OK);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM audit WHERE action != 'x'"), 2);
}

static void test_store__purge_erases_only_old_raw_bodies(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct store_event ev = { 0 };
	int64_t id = 0, purged = -1, now = clock_now_ms();
	bool dup = false;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	ev.source = "webhook";
	ev.kind = "tracking";
	ev.raw_body = "{\"customer\":\"Jane Doe, 1 High St\"}";
	ev.raw_len = (int64_t)strlen(ev.raw_body);
	ev.dedup_key = "old";
	ev.received_at_ms = now - 40LL * 86400 * 1000;
	assert_int_equal(store_events_add(st, &ev, 1, &id, &dup, &e), ERR_OK);
	ev.dedup_key = "new";
	ev.received_at_ms = now;
	assert_int_equal(store_events_add(st, &ev, 1, &id, &dup, &e), ERR_OK);
	assert_int_equal(store_purge_raw(st, now - 30LL * 86400 * 1000, &purged, &e), ERR_OK);
	assert_int_equal(purged, 1);
	assert_int_equal(store_purge_raw(st, now - 30LL * 86400 * 1000, &purged, &e), ERR_OK);
	assert_int_equal(purged, 0);
	store_close(st);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM events WHERE raw_body IS NULL"), 1);
	assert_int_equal(scalar(f->path, "SELECT raw_body IS NOT NULL FROM events WHERE dedup_key = 'new'"), 1);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM events"), 2);
}

/* --- the engine's job queue and working record (issue 8) --- */

static void test_store__jobs_one_per_return_leased_and_retaken(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct store_line l = { 1, "I1", "SKU-A", NULL, 1, NULL, NULL, NULL, NULL };
	struct store_return r = { .rebound_return_id = "(00)J1", .order_ref = "SO1", .nlines = 1, .lines = &l };
	struct store_job jobs[4];
	int64_t id = 0;
	int added = -1, n = -1;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	assert_int_equal(store_return_create(st, &r, &id, &e), ERR_OK);
	assert_int_equal(store_jobs_ensure(st, 1000, &added, &e), ERR_OK);
	assert_int_equal(added, 1);
	assert_int_equal(store_jobs_ensure(st, 1000, &added, &e), ERR_OK);
	assert_int_equal(added, 0);   /* one open job per return */
	assert_int_equal(store_jobs_claim(st, "w1", 1000, 5000, jobs, 4, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].return_id, id);
	assert_string_equal(jobs[0].kind, "advance");
	/* leased: nobody else takes it until the lease runs out */
	assert_int_equal(store_jobs_claim(st, "w2", 2000, 5000, jobs, 4, &n, &e), ERR_OK);
	assert_int_equal(n, 0);
	/* w1 crashed: its lease expired, w2 takes the job again */
	assert_int_equal(store_jobs_claim(st, "w2", 6000, 5000, jobs, 4, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_job_defer(st, jobs[0].id, 9000, 1, "odoo down", &e), ERR_OK);
	assert_int_equal(store_jobs_claim(st, "w2", 8000, 5000, jobs, 4, &n, &e), ERR_OK);
	assert_int_equal(n, 0);       /* not due yet */
	assert_int_equal(store_jobs_claim(st, "w2", 9000, 5000, jobs, 4, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].attempts, 1);
	assert_int_equal(store_job_finish(st, jobs[0].id, &e), ERR_OK);
	/* still INTENT: a new job may be made; once ON_HOLD, none */
	assert_int_equal(store_engine_put(st, id, "INTENT", "ON_HOLD", "{}", &e), ERR_OK);
	assert_int_equal(store_jobs_ensure(st, 10000, &added, &e), ERR_OK);
	assert_int_equal(added, 0);
	store_close(st);
}

static void on_engine(const struct store_engine_row *r, void *arg)
{
	snprintf(arg, 64, "%s %s", r->state, r->engine ? r->engine : "-");
}

static void test_store__engine_put_is_compare_and_set(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct store_line l = { 1, "I1", "SKU-A", NULL, 1, NULL, NULL, NULL, NULL };
	struct store_return r = { .rebound_return_id = "(00)J2", .order_ref = "SO1", .nlines = 1, .lines = &l };
	struct store_odoo_doc d = { 0, "return_picking", 42, "WH/IN/00042", "RB x", NULL, 0 };
	char seen[64] = "";
	int64_t id = 0;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	assert_int_equal(store_return_create(st, &r, &id, &e), ERR_OK);
	assert_int_equal(store_engine_put(st, id, "INTENT", "MATCHED", "{\"a\":1}", &e), ERR_OK);
	assert_int_equal(store_engine_put(st, id, "INTENT", "MATCHED", "{}", &e), ERR_REJECTED);
	assert_int_equal(store_engine_put(st, id, "MATCHED", NULL, NULL, &e), ERR_OK);
	assert_int_equal(store_engine_get(st, id, on_engine, seen, &e), ERR_OK);
	assert_string_equal(seen, "MATCHED {\"a\":1}");
	assert_int_equal(store_engine_get(st, id + 100, on_engine, seen, &e), ERR_NOT_FOUND);
	d.return_id = id;
	assert_int_equal(store_odoo_doc_add(st, &d, &e), ERR_OK);
	assert_int_equal(store_odoo_doc_add(st, &d, &e), ERR_OK);
	assert_int_equal(store_line_outcome(st, id, 1, "credited", &e), ERR_OK);
	store_close(st);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM odoo_documents"), 1);
	assert_int_equal(scalar(f->path, "SELECT outcome = 'credited' FROM return_lines"), 1);
}

struct seen_requests {
	int n;
	int64_t last_id;
	char kinds[64];
};

static void on_request(const struct store_request *q, void *arg)
{
	struct seen_requests *s = arg;
	size_t used = strlen(s->kinds);

	s->n++;
	s->last_id = q->id;
	snprintf(s->kinds + used, sizeof(s->kinds) - used, "%s%s:%s", used ? " " : "", q->kind,
		 q->result ? q->result : "open");
}

static void test_store__requests_are_recorded_listed_and_closed_once(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct err e = ERR_INIT;
	struct store_line l = { 1, "I1", "SKU-A", NULL, 1, NULL, NULL, NULL, NULL };
	struct store_return r = { .rebound_return_id = "(00)Q1", .order_ref = "SO1", .nlines = 1, .lines = &l };
	struct store_request rq = { .kind = "release", .actor = "alice", .comment = "checked" };
	struct seen_requests open = { 0, 0, "" }, all = { 0, 0, "" };
	struct store_job jobs[2];
	int64_t id = 0, q1 = 0, q2 = 0;
	int added = 0, n = 0, changed = -1;

	assert_int_equal(store_open(&f->cfg, &st, &e), ERR_OK);
	assert_int_equal(store_return_create(st, &r, &id, &e), ERR_OK);
	assert_int_equal(store_request_add(st, "(00)nope", &rq, &q1, &e), ERR_NOT_FOUND);
	assert_int_equal(store_request_add(st, "(00)Q1", &rq, &q1, &e), ERR_OK);
	assert_int_equal(store_request_add(st, "(00)Q1", &rq, &q2, &e), ERR_EXISTS);
	rq.kind = "cancel";
	rq.lines = "[1]";
	assert_int_equal(store_request_add(st, "(00)Q1", &rq, &q2, &e), ERR_OK);
	assert_int_equal(store_request_done(st, q1, "applied", &e), ERR_OK);
	assert_int_equal(store_request_done(st, q1, "applied", &e), ERR_REJECTED);
	assert_int_equal(store_requests_list(st, 0, true, on_request, &open, &e), ERR_OK);
	assert_int_equal(open.n, 1);
	assert_int_equal(open.last_id, q2);
	assert_int_equal(store_requests_list(st, id, false, on_request, &all, &e), ERR_OK);
	assert_string_equal(all.kinds, "release:applied cancel:open");
	/* the picking notification: a waiting return's deferred job falls due */
	assert_int_equal(store_jobs_ensure(st, 1000, &added, &e), ERR_OK);
	assert_int_equal(store_jobs_claim(st, "w", 1000, 5000, jobs, 2, &n, &e), ERR_OK);
	assert_int_equal(store_job_defer(st, jobs[0].id, 90000, 0, NULL, &e), ERR_OK);
	assert_int_equal(store_jobs_due_now_state(st, "AWAITING_RECEIPT", 2000, &changed, &e), ERR_OK);
	assert_int_equal(changed, 0);   /* the return is INTENT */
	assert_int_equal(store_engine_put(st, id, "INTENT", "AWAITING_RECEIPT", NULL, &e), ERR_OK);
	assert_int_equal(store_jobs_due_now_state(st, "AWAITING_RECEIPT", 2000, &changed, &e), ERR_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(store_jobs_claim(st, "w", 2000, 5000, jobs, 2, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	store_close(st);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM audit WHERE action = 'operator_request'"
				" AND actor = 'alice'"), 2);
	assert_int_equal(scalar(f->path, "SELECT count(*) FROM audit WHERE action = 'request_done'"
				" AND json_extract(detail, '$.result') = 'applied'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store__fresh_database_gets_every_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__older_database_is_upgraded_with_its_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__newer_database_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__unwritable_path_says_what_to_do, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__duplicate_event_is_stored_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__return_with_lines_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__audit_is_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__purge_erases_only_old_raw_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__jobs_one_per_return_leased_and_retaken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__engine_put_is_compare_and_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__requests_are_recorded_listed_and_closed_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
