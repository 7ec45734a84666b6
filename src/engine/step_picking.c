/* step_picking: MATCHED -> AWAITING_RECEIPT (create the return picking,
 * exactly once) and AWAITING_RECEIPT -> RECEIVED (read what the warehouse
 * validated: quantities and final locations; Odoo's disposition wins and a
 * disagreement with Rebound is an exception). */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "odoo/ops.h"
#include "util/log.h"

#define MAX_LINES 64
#define MAX_EXC 16

static int64_t location_id(const struct work *wo, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(wo->w, "locations"), name));
}

/* Our pickings found by reference after an unknown outcome: ref -> id of
 * the first not cancelled. One call for the batch. */
static enum err_code find_ours(struct worker *wk, struct work **wos, size_t n,
			       json_t *found, struct err *e)
{
	const char **refs = calloc(n + 1, sizeof(*refs));
	char (*buf)[300] = calloc(n + 1, sizeof(*buf));
	struct ops_picking *p = NULL;
	size_t k = 0, np = 0, i;
	enum err_code rc = ERR_OK;

	if (!refs || !buf) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *pk = json_object_get(wos[i]->w, "picking");

		if (wos[i]->rc == ERR_OK && json_is_true(json_object_get(pk, "pending"))) {
			engine_ref(wos[i], buf[k], sizeof(buf[k]));
			refs[k] = buf[k];
			k++;
		}
	}
	if (k)
		rc = ops_pickings_by_ref(wk->odoo, refs, k, &p, &np, e);
	for (i = 0; rc == ERR_OK && i < np; i++)
		if (strcmp(p[i].state, "cancel") != 0 && !json_object_get(found, p[i].origin))
			json_object_set_new(found, p[i].origin, json_integer(p[i].id));
out:
	free(p);
	free(refs);
	free(buf);
	return rc;
}

struct creating {
	struct work **wos;                 /* the returns to create for, in order */
	struct ops_return *req;
	struct ops_return_line *rl;        /* MAX_LINES per return */
	char (*ref)[300];
	int64_t *ids;
};

static enum err_code fill_req(struct creating *c, size_t i, struct err *e)
{
	struct work *wo = c->wos[i];
	json_t *lines = json_object_get(wo->w, "lines"), *dl = json_object_get(wo->w, "delivery");
	struct ops_return_line *rl = &c->rl[i * MAX_LINES];
	struct ops_return *req = &c->req[i];
	json_t *l;
	size_t j;

	if (json_array_size(lines) > MAX_LINES)
		return err_set(e, ERR_INVALID, "%zu lines on one return (at most %d)",
			       json_array_size(lines), MAX_LINES);
	json_array_foreach(lines, j, l) {
		memset(&rl[j], 0, sizeof(rl[j]));
		rl[j].delivery_move_id = wr_int(l, "delivery_move_id");
		rl[j].product_id = wr_int(l, "product_id");
		rl[j].product_uom = wr_int(l, "uom");
		rl[j].sale_line_id = wr_int(l, "sale_line_id");
		rl[j].group_id = wr_int(l, "group_id");
		rl[j].warehouse_id = wr_int(l, "warehouse_id");
		rl[j].qty = wr_int(l, "qty");
		rl[j].location_dest_id = location_id(wo, json_string_value(
			json_object_get(json_object_get(l, "dest"), "location")));
	}
	engine_ref(wo, c->ref[i], sizeof(c->ref[i]));
	memset(req, 0, sizeof(*req));
	req->ref = c->ref[i];
	req->move_name = c->ref[i];
	req->delivery_id = wr_int(dl, "id");
	req->picking_type_id = wr_int(dl, "return_type_id");
	req->partner_id = wr_int(dl, "partner_id");
	req->location_id = wr_int(dl, "location_id");
	req->location_dest_id = rl[0].location_dest_id;
	req->lines = rl;
	req->nlines = json_array_size(lines);
	return ERR_OK;
}

static enum err_code create_some(struct worker *wk, size_t from, size_t n, void *arg,
				 struct err *e)
{
	struct creating *c = arg;
	size_t created = 0;
	enum err_code rc;

	rc = ops_returns_create(wk->odoo, &c->req[from], n, &c->ids[from], &created, e);
	if (rc != ERR_OK && created == n) {
		/* made with our reference; confirming and assigning are left
		 * to the warehouse (the pickings are visible in Odoo) */
		log_warn("%zu return pickings created, but confirming them failed: %s", n, e->msg);
		rc = ERR_OK;
	}
	return rc;
}

/* Record the picking of a return and move it to AWAITING_RECEIPT. */
static enum err_code record_picking(struct worker *wk, struct work *wo, int64_t id,
				    struct err *e)
{
	char ref[300];
	enum err_code rc;

	engine_ref(wo, ref, sizeof(ref));
	json_object_set_new(wo->w, "picking", json_pack("{s:I,s:s}", "id", (json_int_t)id, "ref", ref));
	rc = engine_doc(wk, wo, "return_picking", id, NULL, ref, e);
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, RETFLOW_AWAITING_RECEIPT, "return_picking",
				   json_pack("{s:I,s:s,s:I}", "picking_id", (json_int_t)id,
					     "ref", ref, "delivery_id",
					     (json_int_t)wr_int(json_object_get(wo->w, "delivery"), "id")),
				   NULL, 0, e);
	if (rc == ERR_OK)
		wo->res = STEP_WAIT;
	return rc;
}

void step_picking(struct worker *wk, struct work **wos, size_t n)
{
	struct creating c = { 0 };
	struct err e = ERR_INIT;
	json_t *found = json_object();
	enum err_code rc, *rcs = NULL;
	struct err *errs = NULL;
	size_t k = 0, i;
	char ref[300];

	c.wos = calloc(n + 1, sizeof(*c.wos));
	c.req = calloc(n + 1, sizeof(*c.req));
	c.rl = calloc(n * MAX_LINES + 1, sizeof(*c.rl));
	c.ref = calloc(n + 1, sizeof(*c.ref));
	c.ids = calloc(n + 1, sizeof(*c.ids));
	rcs = calloc(n + 1, sizeof(*rcs));
	errs = calloc(n + 1, sizeof(*errs));
	if (!c.wos || !c.req || !c.rl || !c.ref || !c.ids || !rcs || !errs) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	/* I3: a create sent before whose outcome is unknown (no answer, or we
	 * died before recording it): look first, for all of them at once */
	rc = find_ours(wk, wos, n, found, &e);
	if (rc != ERR_OK) {
		works_fail(wos, n, rc, &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct work *wo = wos[i];
		json_t *pk = json_object_get(wo->w, "picking");
		int64_t id;

		engine_ref(wo, ref, sizeof(ref));
		id = json_integer_value(json_object_get(found, ref));
		if (json_is_true(json_object_get(pk, "pending"))) {
			rc = engine_audit(wk, wo, "search_before_retry",
					  json_pack("{s:s,s:s,s:I}", "model", "stock.picking",
						    "ref", ref, "found", (json_int_t)id), &e);
			if (rc == ERR_OK && id)
				rc = record_picking(wk, wo, id, &e);
			if (rc != ERR_OK || id) {
				if (rc != ERR_OK)
					work_fail(wo, rc, &e);
				continue;
			}
		}
		/* the intent first, committed: after a crash we search */
		json_object_set_new(wo->w, "picking", json_pack("{s:b}", "pending", 1));
		rc = engine_commit(wk, wo, wo->state, "odoo_write",
				   json_pack("{s:s,s:s,s:s}", "model", "stock.picking",
					     "method", "create", "ref", ref), NULL, 0, &e);
		c.wos[k] = wo;
		if (rc == ERR_OK)
			rc = fill_req(&c, k, &e);
		if (rc != ERR_OK) {
			work_fail(wo, rc, &e);
			continue;
		}
		k++;
	}
	if (k == 0)
		goto out;
	batch_split(wk, k, create_some, &c, rcs, errs);
	engine_test_crash("picking_created");
	for (i = 0; i < k; i++) {
		if (rcs[i] == ERR_OK)
			rc = record_picking(wk, c.wos[i], c.ids[i], &errs[i]);
		else
			rc = rcs[i];
		if (rc != ERR_OK)
			work_fail(c.wos[i], rc, &errs[i]);
	}
out:
	json_decref(found);
	free(c.wos);
	free(c.req);
	free(c.rl);
	free(c.ref);
	free(c.ids);
	free(rcs);
	free(errs);
}

/* --- receipt ---------------------------------------------------------------- */

struct receipt {
	struct ops_move *mv;
	size_t nmv;
	struct ops_move_line *ml;
	size_t nml;
	struct step_exc exc[MAX_EXC];
	int nexc;
};

static void rexc(struct receipt *r, const char *type, const char *owner, const char *msg)
{
	if (r->nexc >= MAX_EXC)
		return;
	r->exc[r->nexc].type = type;
	r->exc[r->nexc].owner = owner;
	snprintf(r->exc[r->nexc].message, sizeof(r->exc[0].message), "%s", msg);
	r->nexc++;
}

/* Received quantity of a line and where most of it went. */
static void read_line(struct work *wo, struct receipt *r, json_t *l)
{
	int64_t sl = wr_int(l, "sale_line_id"), prod = wr_int(l, "product_id");
	int64_t got = 0, best = -1, expected = wr_int(l, "qty");
	json_t *dest = json_object_get(l, "dest");
	const char *kind = json_string_value(json_object_get(dest, "kind"));
	char final[OPS_REF_LEN] = "", msg[768], a[32], b[32];
	int64_t final_id = 0;
	size_t i, j;

	for (i = 0; i < r->nmv; i++) {
		if (r->mv[i].sale_line_id != sl || r->mv[i].product_id != prod ||
		    strcmp(r->mv[i].state, "done") != 0)
			continue;
		got += r->mv[i].qty;
		for (j = 0; j < r->nml; j++) {
			if (r->ml[j].move_id != r->mv[i].id || r->ml[j].qty <= best)
				continue;
			best = r->ml[j].qty;
			final_id = r->ml[j].location_dest_id;
			snprintf(final, sizeof(final), "%s", r->ml[j].location_dest_name);
		}
	}
	wr_set_int(l, "received", got);
	wr_set_int(l, "final_location_id", final_id);
	json_object_set_new(l, "final_location", json_string(final));
	if (got != expected) {
		snprintf(msg, sizeof(msg), "line %s: Rebound announced %s, the warehouse received %s; only what was received is credited",
			 json_string_value(json_object_get(l, "label")),
			 money_format(expected, MONEY_QTY_DECIMALS, a, sizeof(a)),
			 money_format(got, MONEY_QTY_DECIMALS, b, sizeof(b)));
		rexc(r, "quantity_mismatch", "warehouse", msg);
	}
	/* I4: Odoo's disposition stands; a person looks at the difference */
	if (got > 0 && kind && strcmp(kind, "stock") != 0 &&
	    final_id == location_id(wo, json_string_value(json_object_get(wo->w, "stock_location")))) {
		snprintf(msg, sizeof(msg), "line %s: Rebound's %s (%s) proposed %s, but the warehouse put it into sellable stock (%s). Odoo's stock stands; if the item is not sellable, move it out of stock in Odoo",
			 json_string_value(json_object_get(l, "label")),
			 json_string_value(json_object_get(json_object_get(l, "dest"), "source")),
			 kind, json_string_value(json_object_get(json_object_get(l, "dest"), "location")),
			 final);
		rexc(r, "disposition_mismatch", "warehouse", msg);
	}
}

/* Products received that are on no line of the return. */
static void unexpected_products(struct work *wo, struct receipt *r)
{
	json_t *l;
	char msg[256];
	size_t i, j;

	for (i = 0; i < r->nmv; i++) {
		bool known = false;

		json_array_foreach(json_object_get(wo->w, "lines"), j, l)
			known = known || wr_int(l, "product_id") == r->mv[i].product_id;
		if (!known && r->mv[i].qty > 0 && strcmp(r->mv[i].state, "done") == 0) {
			snprintf(msg, sizeof(msg), "the return picking received product id %lld, which is on no line of this return: check the item; it is not credited",
				 (long long)r->mv[i].product_id);
			rexc(r, "sku_mismatch", "warehouse", msg);
		}
	}
}

/* One done picking: quantities, final locations, exceptions; RECEIVED. */
static enum err_code receive_one(struct worker *wk, struct work *wo,
				 const struct ops_picking *p, struct receipt *r,
				 struct err *e)
{
	json_t *l, *got;
	size_t i;

	json_object_set_new(wo->w, "stock_location", json_string(wk->cfg->disposition_stock));
	got = json_array();
	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		read_line(wo, r, l);
		json_array_append_new(got, json_pack("{s:i,s:I,s:s}", "line_no",
			(int)wr_int(l, "line_no"), "received", (json_int_t)wr_int(l, "received"),
			"final_location", json_string_value(json_object_get(l, "final_location"))));
	}
	unexpected_products(wo, r);
	return engine_commit(wk, wo, RETFLOW_RECEIVED, "received",
			     json_pack("{s:s,s:s,s:o}", "picking", p->name, "date_done", p->date_done,
				       "lines", got), r->exc, r->nexc, e);
}

/* A picking read this round: record its name once; hold a cancelled one;
 * 1 when it is done and its moves are to be read. */
static int look_at(struct worker *wk, struct work *wo, const struct ops_picking *p,
		   struct err *e)
{
	json_t *pk = json_object_get(wo->w, "picking");
	struct receipt r;
	enum err_code rc = ERR_OK;

	memset(&r, 0, sizeof(r));
	if (!json_object_get(pk, "name")) {
		rc = engine_doc(wk, wo, "return_picking", p->id, p->name,
				json_string_value(json_object_get(pk, "ref")), e);
		json_object_set_new(pk, "name", json_string(p->name));
	}
	if (rc == ERR_OK && strcmp(p->state, "cancel") == 0) {
		rexc(&r, "picking_cancelled", "warehouse",
		     "the return picking was cancelled in Odoo before anything was received: cancel the return in Rebound, or make a new return");
		json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
		rc = engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
				   json_pack("{s:s,s:s}", "type", "picking_cancelled", "picking", p->name),
				   r.exc, r.nexc, e);
		wo->res = STEP_DONE;
	} else if (rc == ERR_OK && strcmp(p->state, "done") != 0) {
		wo->res = STEP_WAIT;    /* I1: nothing is credited before the warehouse validates */
	} else if (rc == ERR_OK) {
		return 1;
	}
	if (rc != ERR_OK)
		work_fail(wo, rc, e);
	return 0;
}

/* This picking's moves and move lines out of the batch's. */
static enum err_code filter_moves(int64_t id, const struct ops_move *mv, size_t nmv,
				  const struct ops_move_line *ml, size_t nml,
				  struct receipt *r, struct err *e)
{
	size_t i;

	r->mv = calloc(nmv + 1, sizeof(*r->mv));
	r->ml = calloc(nml + 1, sizeof(*r->ml));
	if (!r->mv || !r->ml)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < nmv; i++)
		if (mv[i].picking_id == id)
			r->mv[r->nmv++] = mv[i];
	for (i = 0; i < nml; i++)
		if (ml[i].picking_id == id)
			r->ml[r->nml++] = ml[i];
	return ERR_OK;
}

void step_receipt(struct worker *wk, struct work **wos, size_t n)
{
	int64_t *ids = calloc(n + 1, sizeof(*ids)), *done = calloc(n + 1, sizeof(*done));
	const struct ops_picking **of = calloc(n + 1, sizeof(*of));
	struct ops_picking *p = NULL;
	struct ops_move *mv = NULL;
	struct ops_move_line *ml = NULL;
	struct err e = ERR_INIT;
	size_t np = 0, nmv = 0, nml = 0, nd = 0, i, j;
	enum err_code rc;

	if (!ids || !done || !of) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	/* one read for every return waiting for the warehouse */
	for (i = 0; i < n; i++)
		ids[i] = wr_int(json_object_get(wos[i]->w, "picking"), "id");
	rc = ops_pickings_read(wk->odoo, ids, n, &p, &np, &e);
	if (rc != ERR_OK) {
		works_fail(wos, n, rc, &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct err e1 = ERR_INIT;

		for (j = 0; j < np && p[j].id != ids[i]; j++)
			;
		if (j == np) {
			work_fail(wos[i], err_set(&e1, ERR_NOT_FOUND,
				  "return picking %lld is gone from Odoo", (long long)ids[i]), &e1);
			continue;
		}
		of[i] = &p[j];
		if (look_at(wk, wos[i], &p[j], &e1))
			done[nd++] = ids[i];
	}
	if (nd == 0)
		goto out;
	/* the validated ones: their moves and move lines, one call each */
	rc = ops_moves(wk->odoo, done, nd, &mv, &nmv, &e);
	if (rc == ERR_OK)
		rc = ops_move_lines(wk->odoo, done, nd, &ml, &nml, &e);
	for (i = 0; i < n; i++) {
		struct receipt r;
		struct err e1 = ERR_INIT;
		enum err_code rc1 = rc;

		if (!of[i] || wos[i]->rc != ERR_OK || strcmp(of[i]->state, "done") != 0)
			continue;
		memset(&r, 0, sizeof(r));
		if (rc1 == ERR_OK)
			rc1 = filter_moves(ids[i], mv, nmv, ml, nml, &r, &e1);
		if (rc1 == ERR_OK)
			rc1 = receive_one(wk, wos[i], of[i], &r, &e1);
		if (rc1 == ERR_OK)
			wos[i]->res = STEP_NEXT;
		else
			work_fail(wos[i], rc1, rc == ERR_OK ? &e1 : &e);
		free(r.mv);
		free(r.ml);
	}
out:
	free(p);
	free(mv);
	free(ml);
	free(ids);
	free(done);
	free(of);
}
