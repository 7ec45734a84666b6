/* store_sqlite_returns: returns, their lines and milestones, exceptions. */
#define LOG_COMPONENT "store"
#include "store/store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"

#define MAX_LINES 500
#define MAX_EXC 100
#define MAX_MILESTONES 200

static enum err_code insert_line(struct store *st, sqlite3_stmt *s, int64_t rid,
				 int line_no, const struct store_line *l,
				 struct err *e)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_int(s, 2, line_no);
	sq_bind_opt(s, 3, l->rebound_item_id);
	sq_bind_opt(s, 4, l->sku);
	sq_bind_opt(s, 5, l->ean);
	sqlite3_bind_int64(s, 6, l->quantity);
	sq_bind_opt(s, 7, l->reason_code);
	sq_bind_opt(s, 8, l->disposition);
	sq_bind_opt(s, 9, l->outcome);
	sq_bind_opt(s, 10, l->client_item_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		return sq_fail(st->db, e, "store return line");
	return ERR_OK;
}

#define INSERT_LINE_SQL "INSERT INTO return_lines(return_id, line_no, rebound_item_id, sku, ean," \
	" quantity, reason_code, disposition, outcome, client_item_id)" \
	" VALUES (?,?,?,?,?,?,?,?,coalesce(?, 'pending'),?)"

enum err_code sq_return_create(struct store *st, const struct store_return *r,
			       int64_t *id, struct err *e)
{
	sqlite3_stmt *s = NULL, *ls = NULL;
	int64_t now = clock_now_ms();
	enum err_code rc;
	int i, step;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto out;
	rc = sq_prepare(st, "INSERT INTO returns(rebound_return_id, order_ref, state, location,"
				" last_milestone, created_at_ms, updated_at_ms)"
				" VALUES (?,?,coalesce(?, 'INTENT'),?,?,?,?)", &s, e, "store return");
	if (rc != ERR_OK)
		goto end;
	sqlite3_bind_text(s, 1, r->rebound_return_id, -1, SQLITE_TRANSIENT);
	sq_bind_opt(s, 2, r->order_ref);
	sq_bind_opt(s, 3, r->state);
	sq_bind_opt(s, 4, r->location);
	sq_bind_opt(s, 5, r->last_milestone);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, now);
	step = sqlite3_step(s);
	if (step == SQLITE_CONSTRAINT) {
		rc = err_set(e, ERR_EXISTS, "return %s is already stored", r->rebound_return_id);
		goto end;
	}
	if (step != SQLITE_DONE) {
		rc = sq_fail(st->db, e, "store return");
		goto end;
	}
	*id = sqlite3_last_insert_rowid(st->db);
	rc = sq_prepare(st, INSERT_LINE_SQL, &ls, e, "store return line");
	for (i = 0; rc == ERR_OK && i < r->nlines; i++)
		rc = insert_line(st, ls, *id, r->lines[i].line_no ? r->lines[i].line_no : i + 1,
				 &r->lines[i], e);
end:
	sq_finish(st, ls);
	sq_finish(st, s);
	rc = sq_write_end(st, rc, e);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_return_find(struct store *st, const struct store_find *q,
			     int64_t *ids, int max, int *n, struct err *e)
{
	sqlite3_stmt *s = NULL;
	const char *sql, *key;
	enum err_code rc;

	*n = 0;
	if (q->rebound_return_id) {
		sql = "SELECT id FROM returns WHERE rebound_return_id = ?";
		key = q->rebound_return_id;
	} else if (q->rebound_item_id) {
		sql = "SELECT DISTINCT return_id FROM return_lines WHERE rebound_item_id = ? ORDER BY 1";
		key = q->rebound_item_id;
	} else if (q->order_ref_open) {
		sql = "SELECT id FROM returns WHERE order_ref = ?"
		      " AND state NOT IN ('CLOSED', 'CANCELLED') ORDER BY id";
		key = q->order_ref_open;
	} else {
		return err_set(e, ERR_INVALID, "store_return_find: nothing to find by");
	}
	pthread_mutex_lock(&st->lock);
	rc = sq_prepare(st, sql, &s, e, "find return");
	if (rc == ERR_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW) {
			if (*n < max)
				ids[*n] = sqlite3_column_int64(s, 0);
			(*n)++;
		}
	}
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* The existing line an incoming one is the same as: by Rebound item id when
 * it has one; otherwise (legacy lines carry no ids) by position and SKU. */
static int64_t same_line(struct store *st, int64_t rid, int pos,
			 const struct store_line *l, int *line_no)
{
	sqlite3_stmt *s = NULL;
	int64_t id = 0;

	if (l->rebound_item_id) {
		if (sq_prepare(st, "SELECT id, line_no FROM return_lines WHERE return_id = ?"
				   " AND rebound_item_id = ?", &s, NULL, "find line") != ERR_OK)
			return 0;
		sqlite3_bind_text(s, 2, l->rebound_item_id, -1, SQLITE_TRANSIENT);
	} else {
		if (sq_prepare(st, "SELECT id, line_no FROM return_lines WHERE return_id = ?"
				   " AND rebound_item_id IS NULL AND line_no = ?"
				   " AND sku IS ?", &s, NULL, "find line") != ERR_OK)
			return 0;
		sqlite3_bind_int(s, 2, pos);
		sq_bind_opt(s, 3, l->sku);
	}
	sqlite3_bind_int64(s, 1, rid);
	if (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		*line_no = sqlite3_column_int(s, 1);
	}
	sq_finish(st, s);
	return id;
}

static enum err_code update_line(struct store *st, int64_t line_id,
				 const struct store_line *l, struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "UPDATE return_lines SET disposition = coalesce(?, disposition),"
			    " reason_code = coalesce(?, reason_code), ean = coalesce(ean, ?),"
			    " sku = coalesce(sku, ?) WHERE id = ?", &s, e, "update return line");
	if (rc != ERR_OK)
		return rc;
	sq_bind_opt(s, 1, l->disposition);
	sq_bind_opt(s, 2, l->reason_code);
	sq_bind_opt(s, 3, l->ean);
	sq_bind_opt(s, 4, l->sku);
	sqlite3_bind_int64(s, 5, line_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_fail(st->db, e, "update return line");
	sq_finish(st, s);
	return rc;
}

static int next_line_no(struct store *st, int64_t rid)
{
	sqlite3_stmt *s = NULL;
	int n = 1;

	if (sq_prepare(st, "SELECT coalesce(max(line_no), 0) + 1 FROM return_lines"
			   " WHERE return_id = ?", &s, NULL, "next line") != ERR_OK)
		return 1;
	sqlite3_bind_int64(s, 1, rid);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sq_finish(st, s);
	return n;
}

enum err_code sq_return_merge_lines(struct store *st, int64_t return_id,
				    const struct store_line *lines, int n,
				    int *added, struct err *e)
{
	sqlite3_stmt *ins = NULL;
	enum err_code rc;
	int64_t line_id;
	int i, line_no;

	*added = 0;
	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto out;
	rc = sq_prepare(st, INSERT_LINE_SQL, &ins, e, "store return line");
	for (i = 0; rc == ERR_OK && i < n; i++) {
		line_no = 0;
		line_id = same_line(st, return_id, i + 1, &lines[i], &line_no);
		if (line_id) {
			rc = update_line(st, line_id, &lines[i], e);
			continue;
		}
		rc = insert_line(st, ins, return_id, next_line_no(st, return_id),
				 &lines[i], e);
		if (rc == ERR_OK)
			(*added)++;
	}
	sq_finish(st, ins);
	rc = sq_write_end(st, rc, e);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_milestone_add(struct store *st, int64_t return_id,
			       const struct store_milestone *m, const char *location,
			       struct err *e)
{
	sqlite3_stmt *s = NULL;
	int64_t now = clock_now_ms();
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc != ERR_OK)
		goto out;
	rc = sq_prepare(st, "INSERT INTO milestones(return_id, event_id, milestone, text,"
				" event_time, at_ms) VALUES (?,?,?,?,?,?)"
				" ON CONFLICT(return_id, event_id) DO NOTHING", &s, e, "record milestone");
	if (rc == ERR_OK) {
		sqlite3_bind_int64(s, 1, return_id);
		sq_bind_id(s, 2, m->event_id);
		sqlite3_bind_text(s, 3, m->milestone, -1, SQLITE_TRANSIENT);
		sq_bind_opt(s, 4, m->text);
		sq_bind_opt(s, 5, m->event_time);
		sqlite3_bind_int64(s, 6, m->at_ms ? m->at_ms : now);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sq_fail(st->db, e, "record milestone");
	}
	sq_finish(st, s);
	s = NULL;
	if (rc == ERR_OK)
		rc = sq_prepare(st, "UPDATE returns SET last_milestone = ?, location ="
					" coalesce(?, location), updated_at_ms = ?, version = version + 1"
					" WHERE id = ?", &s, e, "update return");
	if (rc == ERR_OK) {
		sqlite3_bind_text(s, 1, m->milestone, -1, SQLITE_TRANSIENT);
		sq_bind_opt(s, 2, location);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, return_id);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sq_fail(st->db, e, "update return");
	}
	sq_finish(st, s);
	rc = sq_write_end(st, rc, e);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

enum err_code sq_exception_add(struct store *st, const struct store_exception_new *x,
			       int64_t *id, struct err *e)
{
	enum err_code rc;

	pthread_mutex_lock(&st->lock);
	rc = sq_write_begin(st, e);
	if (rc == ERR_OK)
		rc = sq_write_end(st, sq_insert_exception(st, x, id, e), e);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* --- reading one return whole ------------------------------------------- */

struct whole {
	struct store_line lines[MAX_LINES];
	int nlines;
	struct store_exception_row exc[MAX_EXC];
	int nexc;
	struct store_milestone ms[MAX_MILESTONES];
	int nms;
};

static enum err_code read_lines(struct store *st, int64_t rid, struct whole *w,
				struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "SELECT line_no, rebound_item_id, sku, ean, quantity, reason_code,"
			    " disposition, outcome, client_item_id FROM return_lines"
			    " WHERE return_id = ? ORDER BY line_no", &s, e, "read return lines");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, rid);
	/* column texts die at the next step, so each row is copied */
	while (w->nlines < MAX_LINES && sqlite3_step(s) == SQLITE_ROW) {
		struct store_line *l = &w->lines[w->nlines++];

		l->line_no = sqlite3_column_int(s, 0);
		l->rebound_item_id = sq_dup(s, 1);
		l->sku = sq_dup(s, 2);
		l->ean = sq_dup(s, 3);
		l->quantity = sqlite3_column_int64(s, 4);
		l->reason_code = sq_dup(s, 5);
		l->disposition = sq_dup(s, 6);
		l->outcome = sq_dup(s, 7);
		l->client_item_id = sq_dup(s, 8);
	}
	sq_finish(st, s);
	return ERR_OK;
}

static enum err_code read_exceptions(struct store *st, int64_t rid, struct whole *w,
				     struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "SELECT id, type, owner, message, opened_at_ms, resolved_at_ms IS NOT NULL,"
			    " coalesce(event_id, 0) FROM exceptions WHERE return_id = ?1 OR event_id IN"
			    " (SELECT id FROM events WHERE return_id = ?1) ORDER BY id", &s, e,
			"read exceptions");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, rid);
	while (w->nexc < MAX_EXC && sqlite3_step(s) == SQLITE_ROW) {
		struct store_exception_row *r = &w->exc[w->nexc++];

		r->id = sqlite3_column_int64(s, 0);
		r->type = sq_dup(s, 1);
		r->owner = sq_dup(s, 2);
		r->message = sq_dup(s, 3);
		r->opened_at_ms = sqlite3_column_int64(s, 4);
		r->resolved = sqlite3_column_int(s, 5) != 0;
		r->event_id = sqlite3_column_int64(s, 6);
	}
	sq_finish(st, s);
	return ERR_OK;
}

static enum err_code read_milestones(struct store *st, int64_t rid, struct whole *w,
				     struct err *e)
{
	sqlite3_stmt *s = NULL;
	enum err_code rc;

	rc = sq_prepare(st, "SELECT milestone, text, event_time, at_ms, coalesce(event_id, 0)"
			    " FROM milestones WHERE return_id = ? ORDER BY at_ms, id", &s, e,
			"read milestones");
	if (rc != ERR_OK)
		return rc;
	sqlite3_bind_int64(s, 1, rid);
	while (w->nms < MAX_MILESTONES && sqlite3_step(s) == SQLITE_ROW) {
		struct store_milestone *m = &w->ms[w->nms++];

		m->milestone = sq_dup(s, 0);
		m->text = sq_dup(s, 1);
		m->event_time = sq_dup(s, 2);
		m->at_ms = sqlite3_column_int64(s, 3);
		m->event_id = sqlite3_column_int64(s, 4);
	}
	sq_finish(st, s);
	return ERR_OK;
}

static void whole_free(struct whole *w)
{
	int i;

	for (i = 0; i < w->nlines; i++) {
		free((char *)w->lines[i].rebound_item_id);
		free((char *)w->lines[i].sku);
		free((char *)w->lines[i].ean);
		free((char *)w->lines[i].reason_code);
		free((char *)w->lines[i].disposition);
		free((char *)w->lines[i].outcome);
		free((char *)w->lines[i].client_item_id);
	}
	for (i = 0; i < w->nexc; i++) {
		free((char *)w->exc[i].type);
		free((char *)w->exc[i].owner);
		free((char *)w->exc[i].message);
	}
	for (i = 0; i < w->nms; i++) {
		free((char *)w->ms[i].milestone);
		free((char *)w->ms[i].text);
		free((char *)w->ms[i].event_time);
	}
	free(w);
}

enum err_code sq_return_get(struct store *st, const char *rid,
			    store_return_cb *cb, void *arg, struct err *e)
{
	sqlite3_stmt *s = NULL;
	struct store_return r;
	struct whole *w;
	enum err_code rc;

	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(e, ERR_NOMEM, "out of memory");
	pthread_mutex_lock(&st->lock);
	rc = sq_prepare(st, "SELECT id, rebound_return_id, order_ref, state, created_at_ms,"
				" updated_at_ms, location, last_milestone FROM returns"
				" WHERE rebound_return_id = ?", &s, e, "read return");
	if (rc != ERR_OK)
		goto out;
	sqlite3_bind_text(s, 1, rid, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = err_set(e, ERR_NOT_FOUND, "no return with Rebound id %s", rid);
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(s, 0);
	r.rebound_return_id = sq_col(s, 1);
	r.order_ref = sq_col(s, 2);
	r.state = sq_col(s, 3);
	r.created_at_ms = sqlite3_column_int64(s, 4);
	r.updated_at_ms = sqlite3_column_int64(s, 5);
	r.location = sq_col(s, 6);
	r.last_milestone = sq_col(s, 7);
	rc = read_lines(st, r.id, w, e);
	if (rc == ERR_OK)
		rc = read_exceptions(st, r.id, w, e);
	if (rc == ERR_OK)
		rc = read_milestones(st, r.id, w, e);
	if (rc != ERR_OK)
		goto out;
	r.nlines = w->nlines;
	r.lines = w->lines;
	r.nmilestones = w->nms;
	r.milestones = w->ms;
	cb(&r, w->exc, w->nexc, arg);
out:
	sq_finish(st, s);
	pthread_mutex_unlock(&st->lock);
	whole_free(w);
	return rc;
}
