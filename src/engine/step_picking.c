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

/* The picking already made under our reference (not cancelled), or 0. */
static enum err_code find_ours(struct worker *wk, const char *ref, int64_t *id,
			       struct err *e)
{
	struct ops_picking *p = NULL;
	size_t n = 0, i;
	enum err_code rc;

	*id = 0;
	rc = ops_pickings_by_ref(wk->odoo, &ref, 1, &p, &n, e);
	for (i = 0; rc == ERR_OK && i < n; i++)
		if (strcmp(p[i].state, "cancel") != 0 && !*id)
			*id = p[i].id;
	free(p);
	return rc;
}

static enum err_code create_picking(struct worker *wk, struct work *wo, const char *ref,
				    int64_t *id, struct err *e)
{
	struct ops_return_line rl[MAX_LINES];
	json_t *lines = json_object_get(wo->w, "lines"), *dl = json_object_get(wo->w, "delivery");
	json_t *l;
	struct ops_return req;
	size_t i, created = 0;
	enum err_code rc;

	if (json_array_size(lines) > MAX_LINES)
		return err_set(e, ERR_INVALID, "%zu lines on one return (at most %d)",
			       json_array_size(lines), MAX_LINES);
	json_array_foreach(lines, i, l) {
		memset(&rl[i], 0, sizeof(rl[i]));
		rl[i].delivery_move_id = wr_int(l, "delivery_move_id");
		rl[i].product_id = wr_int(l, "product_id");
		rl[i].product_uom = wr_int(l, "uom");
		rl[i].sale_line_id = wr_int(l, "sale_line_id");
		rl[i].group_id = wr_int(l, "group_id");
		rl[i].warehouse_id = wr_int(l, "warehouse_id");
		rl[i].qty = wr_int(l, "qty");
		rl[i].location_dest_id = location_id(wo, json_string_value(
			json_object_get(json_object_get(l, "dest"), "location")));
	}
	memset(&req, 0, sizeof(req));
	req.ref = ref;
	req.move_name = ref;
	req.delivery_id = wr_int(dl, "id");
	req.picking_type_id = wr_int(dl, "return_type_id");
	req.partner_id = wr_int(dl, "partner_id");
	req.location_id = wr_int(dl, "location_id");
	req.location_dest_id = rl[0].location_dest_id;
	req.lines = rl;
	req.nlines = json_array_size(lines);
	rc = ops_returns_create(wk->odoo, &req, 1, id, &created, e);
	if (rc != ERR_OK && created == 1) {
		/* made with our reference; confirm and assign are redone by a
		 * person or on the next read (the picking stays visible) */
		log_warn("return %s: picking %lld created, but confirming it failed: %s", wo->rid,
			 (long long)*id, e->msg);
		rc = ERR_OK;
	}
	return rc;
}

enum err_code step_picking(struct worker *wk, struct work *wo, enum step_result *res,
			   struct err *e)
{
	json_t *pk = json_object_get(wo->w, "picking");
	char ref[300];
	int64_t id = 0;
	enum err_code rc;

	*res = STEP_DONE;
	engine_ref(wo, ref, sizeof(ref));
	if (pk && json_is_true(json_object_get(pk, "pending"))) {
		/* I3: a create was sent before and its outcome is unknown (no
		 * answer, or we died before recording it): look first */
		rc = find_ours(wk, ref, &id, e);
		if (rc != ERR_OK)
			return rc;
		rc = engine_audit(wk, wo, "search_before_retry",
				  json_pack("{s:s,s:s,s:I}", "model", "stock.picking", "ref", ref,
					    "found", (json_int_t)id), e);
		if (rc != ERR_OK)
			return rc;
	}
	if (!id) {
		json_object_set_new(wo->w, "picking", json_pack("{s:b}", "pending", 1));
		rc = engine_commit(wk, wo, wo->state, "odoo_write",
				   json_pack("{s:s,s:s,s:s}", "model", "stock.picking",
					     "method", "create", "ref", ref), NULL, 0, e);
		if (rc == ERR_OK)
			rc = create_picking(wk, wo, ref, &id, e);
		if (rc != ERR_OK)
			return rc;
		engine_test_crash("picking_created");
	}
	json_object_set_new(wo->w, "picking", json_pack("{s:I,s:s}", "id", (json_int_t)id, "ref", ref));
	rc = engine_doc(wk, wo, "return_picking", id, NULL, ref, e);
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, RETFLOW_AWAITING_RECEIPT, "return_picking",
				   json_pack("{s:I,s:s,s:I}", "picking_id", (json_int_t)id,
					     "ref", ref, "delivery_id",
					     (json_int_t)wr_int(json_object_get(wo->w, "delivery"), "id")),
				   NULL, 0, e);
	if (rc == ERR_OK)
		*res = STEP_WAIT;
	return rc;
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

enum err_code step_receipt(struct worker *wk, struct work *wo, enum step_result *res,
			   struct err *e)
{
	int64_t id = wr_int(json_object_get(wo->w, "picking"), "id");
	struct ops_picking *p = NULL;
	struct receipt r;
	json_t *l, *got;
	size_t n = 0, i;
	enum err_code rc = ERR_OK;

	memset(&r, 0, sizeof(r));
	*res = STEP_DONE;
	for (i = 0; i < wk->npolled && wk->polled[i].id != id; i++)
		;
	if (i < wk->npolled) {
		/* read with the other waiting returns' pickings this round */
		p = malloc(sizeof(*p));
		if (!p) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			goto out;
		}
		*p = wk->polled[i];
		n = 1;
	} else {
		rc = ops_pickings_read(wk->odoo, &id, 1, &p, &n, e);
	}
	if (rc != ERR_OK)
		goto out;
	if (n != 1) {
		rc = err_set(e, ERR_NOT_FOUND, "return picking %lld is gone from Odoo", (long long)id);
		goto out;
	}
	rc = engine_doc(wk, wo, "return_picking", id, p->name,
			json_string_value(json_object_get(json_object_get(wo->w, "picking"), "ref")), e);
	if (rc != ERR_OK)
		goto out;
	json_object_set_new(json_object_get(wo->w, "picking"), "name", json_string(p->name));
	if (strcmp(p->state, "cancel") == 0) {
		rexc(&r, "picking_cancelled", "warehouse",
		     "the return picking was cancelled in Odoo before anything was received: cancel the return in Rebound, or make a new return");
		json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
		rc = engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
				   json_pack("{s:s,s:s}", "type", "picking_cancelled", "picking", p->name),
				   r.exc, r.nexc, e);
		goto out;
	}
	if (strcmp(p->state, "done") != 0) {
		*res = STEP_WAIT;    /* I1: nothing is credited before the warehouse validates */
		goto out;
	}
	rc = ops_moves(wk->odoo, &id, 1, &r.mv, &r.nmv, e);
	if (rc == ERR_OK)
		rc = ops_move_lines(wk->odoo, &id, 1, &r.ml, &r.nml, e);
	if (rc != ERR_OK)
		goto out;
	json_object_set_new(wo->w, "stock_location", json_string(wk->cfg->disposition_stock));
	got = json_array();
	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		read_line(wo, &r, l);
		json_array_append_new(got, json_pack("{s:i,s:I,s:s}", "line_no",
			(int)wr_int(l, "line_no"), "received", (json_int_t)wr_int(l, "received"),
			"final_location", json_string_value(json_object_get(l, "final_location"))));
	}
	unexpected_products(wo, &r);
	rc = engine_commit(wk, wo, RETFLOW_RECEIVED, "received",
			   json_pack("{s:s,s:s,s:o}", "picking", p->name, "date_done", p->date_done,
				     "lines", got), r.exc, r.nexc, e);
	if (rc == ERR_OK)
		*res = STEP_NEXT;
out:
	free(p);
	free(r.mv);
	free(r.ml);
	return rc;
}
