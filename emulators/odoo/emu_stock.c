/* emu_stock: pickings, moves, quants, return and scrap wizards. */
#include "emu_stock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emu_orm.h"

#define QTY_EPS 1e-9

static bool is_usage(struct emu *db, int64_t loc, const char *usage)
{
	return strcmp(emu_str(emu_rec_of(db, "stock.location", loc), "usage"), usage) == 0;
}

/* The partner's stock location: the first location of usage customer
 * (Partners/Customers in the demo database). */
static int64_t customer_location(struct emu *db)
{
	struct emu_model *lm = emu_model(db, "stock.location");
	json_t *l;
	size_t i;

	json_array_foreach(emu_recs(lm), i, l)
		if (strcmp(emu_str(l, "usage"), "customer") == 0)
			return json_integer_value(json_object_get(l, "id"));
	return 0;
}

/* ---- quants ---- */

static json_t *quant_get(struct emu *db, int64_t product, int64_t loc)
{
	struct emu_model *qm = emu_model(db, "stock.quant");
	json_t *q;
	size_t i;

	json_array_foreach(emu_recs(qm), i, q)
		if (emu_m2o(q, "product_id") == product && emu_m2o(q, "location_id") == loc)
			return q;
	q = emu_rec_new(qm);
	emu_set_m2o(q, "product_id", product);
	emu_set_m2o(q, "location_id", loc);
	emu_set_num(q, "quantity", 0.0);
	emu_set_num(q, "reserved_quantity", 0.0);
	emu_set_num(q, "inventory_quantity", 0.0);
	emu_set_m2o(q, "company_id", 1);
	return q;
}

static void quant_add(struct emu *db, int64_t product, int64_t loc, double qty)
{
	json_t *q = quant_get(db, product, loc);

	emu_set_num(q, "quantity", emu_num(q, "quantity") + qty);
}

static void quant_reserve(struct emu *db, int64_t product, int64_t loc, double qty)
{
	json_t *q;

	if (!is_usage(db, loc, "internal"))
		return;
	q = quant_get(db, product, loc);
	emu_set_num(q, "reserved_quantity", fmax(0.0, emu_num(q, "reserved_quantity") + qty));
}

static double quant_available(struct emu *db, int64_t product, int64_t loc)
{
	json_t *q = quant_get(db, product, loc);

	return emu_num(q, "quantity") - emu_num(q, "reserved_quantity");
}

static enum err_code quant_apply_inventory(struct emu_call *c, json_t **res)
{
	json_t *id;
	size_t i;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	json_array_foreach(c->ids, i, id) {
		json_t *q = emu_rec(c->m, json_integer_value(id));

		emu_set_num(q, "quantity", emu_num(q, "inventory_quantity"));
		emu_set_num(q, "inventory_quantity", 0.0);
		emu_set_bool(q, "inventory_quantity_set", false);
	}
	*res = NULL;   /* returns None: the reply has no result key */
	return ERR_OK;
}

/* ---- moves and move lines ---- */

static json_t *move_lines(struct emu *db, int64_t move)
{
	return emu_recs_where(db, "stock.move.line", "move_id", move);
}

static json_t *picking_moves(struct emu *db, int64_t picking)
{
	return emu_recs_where(db, "stock.move", "picking_id", picking);
}

static void ml_new(struct emu *db, json_t *mv, double qty)
{
	json_t *ml = emu_rec_new(emu_model(db, "stock.move.line"));

	emu_set_m2o(ml, "move_id", json_integer_value(json_object_get(mv, "id")));
	emu_set_m2o(ml, "picking_id", emu_m2o(mv, "picking_id"));
	emu_set_m2o(ml, "product_id", emu_m2o(mv, "product_id"));
	emu_set_m2o(ml, "product_uom_id", 1);
	emu_set_m2o(ml, "location_id", emu_m2o(mv, "location_id"));
	emu_set_m2o(ml, "location_dest_id", emu_m2o(mv, "location_dest_id"));
	emu_set_m2o(ml, "company_id", 1);
	emu_set_num(ml, "quantity", qty);
	emu_set_bool(ml, "picked", emu_bool(mv, "picked"));
	emu_set_str(ml, "state", emu_str(mv, "state"));
}

/* Reserve a move: from an internal location only what is there, from any
 * other location (customers, suppliers) everything, as Odoo bypasses
 * reservation there. */
static void move_assign(struct emu *db, json_t *mv)
{
	int64_t src = emu_m2o(mv, "location_id"), prod = emu_m2o(mv, "product_id");
	double want = emu_num(mv, "product_uom_qty"), got = want;

	if (is_usage(db, src, "internal")) {
		got = fmin(want, fmax(0.0, quant_available(db, prod, src)));
		quant_reserve(db, prod, src, got);
	}
	emu_set_num(mv, "quantity", got);
	emu_set_str(mv, "state", got + QTY_EPS >= want ? "assigned" :
		    got > 0 ? "partially_available" : "confirmed");
	if (got > 0)
		ml_new(db, mv, got);
}

static json_t *move_new(struct emu *db, json_t *picking, int64_t product,
			double qty)
{
	json_t *mv = emu_rec_new(emu_model(db, "stock.move"));
	json_t *prod = emu_rec_of(db, "product.product", product);

	emu_set_str(mv, "name", emu_str(prod, "name"));
	emu_set_m2o(mv, "product_id", product);
	emu_set_num(mv, "product_uom_qty", qty);
	emu_set_num(mv, "quantity", 0.0);
	emu_set_m2o(mv, "product_uom", 1);
	emu_set_bool(mv, "picked", false);
	emu_set_m2o(mv, "location_id", emu_m2o(picking, "location_id"));
	emu_set_m2o(mv, "location_dest_id", emu_m2o(picking, "location_dest_id"));
	emu_set_m2o(mv, "picking_id", json_integer_value(json_object_get(picking, "id")));
	emu_set_m2o(mv, "picking_type_id", emu_m2o(picking, "picking_type_id"));
	emu_set_m2o(mv, "partner_id", emu_m2o(picking, "partner_id"));
	emu_set_m2o(mv, "company_id", 1);
	emu_set_str(mv, "origin", json_string_value(json_object_get(picking, "origin")));
	emu_set_bool(mv, "to_refund", false);
	emu_set_m2o(mv, "origin_returned_move_id", 0);
	emu_set_m2o(mv, "sale_line_id", 0);
	emu_set_str(mv, "state", "draft");
	emu_set_num(mv, "sequence", 10);
	return mv;
}

/* A new picking of a type, named from the type's sequence. */
static json_t *picking_new(struct emu *db, int64_t type_id, int64_t src,
			   int64_t dest, struct emu_exc *x)
{
	json_t *type = emu_rec_of(db, "stock.picking.type", type_id);
	json_t *p = emu_rec_new(emu_model(db, "stock.picking"));
	char name[128], now[32];

	if (emu_seq_next(db, emu_str(type, "__sequence"), name, sizeof(name)) != ERR_OK)
		snprintf(name, sizeof(name), "/");
	emu_now(now, sizeof(now), false);
	emu_set_str(p, "name", name);
	emu_set_m2o(p, "picking_type_id", type_id);
	emu_set_m2o(p, "location_id", src ? src : emu_m2o(type, "default_location_src_id"));
	emu_set_m2o(p, "location_dest_id", dest ? dest : emu_m2o(type, "default_location_dest_id"));
	emu_set_str(p, "state", "draft");
	emu_set_str(p, "move_type", "direct");
	emu_set_m2o(p, "company_id", 1);
	emu_set_str(p, "scheduled_date", now);
	emu_set_str(p, "date_done", NULL);
	emu_set_m2o(p, "backorder_id", 0);
	emu_set_m2o(p, "return_id", 0);
	(void)x;
	return p;
}

static void picking_state_from_moves(struct emu *db, json_t *p)
{
	json_t *moves = picking_moves(db, json_integer_value(json_object_get(p, "id")));
	bool all = true, any = false;
	json_t *mv;
	size_t i;

	json_array_foreach(moves, i, mv) {
		const char *st = emu_str(mv, "state");

		if (strcmp(st, "assigned") == 0)
			any = true;
		else
			all = false;
	}
	emu_set_str(p, "state", json_array_size(moves) && all ? "assigned" :
		    any ? "assigned" : "confirmed");
	json_decref(moves);
}

enum err_code emu_stock_delivery_for_order(struct emu *db, json_t *order,
					   struct emu_exc *x)
{
	json_t *wh = emu_rec_of(db, "stock.warehouse", 1);
	int64_t type = emu_m2o(wh, "out_type_id");
	int64_t oid = json_integer_value(json_object_get(order, "id"));
	struct emu_model *lm = emu_model(db, "sale.order.line");
	json_t *p, *line;
	char origin[256];
	size_t i;

	p = picking_new(db, type, emu_m2o(wh, "lot_stock_id"),
			customer_location(db), x);
	/* 18 names the order's client reference in the origin (d.delivery) */
	if (db->profile >= 18 && *emu_str(order, "client_order_ref"))
		snprintf(origin, sizeof(origin), "%s - %s", emu_str(order, "name"),
			 emu_str(order, "client_order_ref"));
	else
		snprintf(origin, sizeof(origin), "%s", emu_str(order, "name"));
	emu_set_str(p, "origin", origin);
	emu_set_m2o(p, "partner_id", emu_m2o(order, "partner_id"));
	emu_set_m2o(p, "sale_id", oid);
	{
		json_t *g = emu_rec_new(emu_model(db, "procurement.group"));

		emu_set_str(g, "name", emu_str(order, "name"));
		emu_set_str(g, "move_type", "direct");
		emu_set_m2o(g, "partner_id", emu_m2o(order, "partner_id"));
		emu_set_m2o(g, "sale_id", oid);
		emu_set_m2o(p, "group_id", json_integer_value(json_object_get(g, "id")));
	}
	json_array_foreach(emu_recs(lm), i, line) {
		json_t *mv;

		if (emu_m2o(line, "order_id") != oid)
			continue;
		mv = move_new(db, p, emu_m2o(line, "product_id"), emu_num(line, "product_uom_qty"));
		emu_set_m2o(mv, "sale_line_id", json_integer_value(json_object_get(line, "id")));
		emu_set_m2o(mv, "group_id", emu_m2o(p, "group_id"));
		move_assign(db, mv);
	}
	picking_state_from_moves(db, p);
	return ERR_OK;
}

/* ---- validation ---- */

static void move_done(struct emu *db, json_t *mv)
{
	json_t *mls = move_lines(db, json_integer_value(json_object_get(mv, "id"))), *ml;
	int64_t prod = emu_m2o(mv, "product_id");
	size_t i;

	json_array_foreach(mls, i, ml) {
		double q = emu_num(ml, "quantity");

		quant_reserve(db, prod, emu_m2o(ml, "location_id"), -q);
		quant_add(db, prod, emu_m2o(ml, "location_id"), -q);
		quant_add(db, prod, emu_m2o(ml, "location_dest_id"), q);
		emu_set_bool(ml, "picked", true);
		emu_set_str(ml, "state", "done");
	}
	json_decref(mls);
	emu_set_bool(mv, "picked", true);
	emu_set_str(mv, "state", emu_num(mv, "quantity") > QTY_EPS ? "done" : "cancel");
}

/* From Odoo 17.0/18.0 source, not recorded: what is left of a partially
 * done picking goes to a new picking whose backorder_id is the original. */
static void make_backorder(struct emu *db, json_t *p, json_t *moves,
			   struct emu_exc *x)
{
	json_t *bo = NULL, *mv;
	size_t i;

	json_array_foreach(moves, i, mv) {
		double left = emu_num(mv, "product_uom_qty") - emu_num(mv, "quantity");
		json_t *nm;

		if (left <= QTY_EPS)
			continue;
		if (!bo) {
			bo = picking_new(db, emu_m2o(p, "picking_type_id"),
					 emu_m2o(p, "location_id"), emu_m2o(p, "location_dest_id"), x);
			emu_set_str(bo, "origin", json_string_value(json_object_get(p, "origin")));
			emu_set_m2o(bo, "partner_id", emu_m2o(p, "partner_id"));
			emu_set_m2o(bo, "sale_id", emu_m2o(p, "sale_id"));
			emu_set_m2o(bo, "return_id", emu_m2o(p, "return_id"));
			emu_set_m2o(bo, "backorder_id", json_integer_value(json_object_get(p, "id")));
			/* moves were created before bo; re-fetch p and mv is safe:
			 * records live in arrays and appending may move them */
		}
		nm = move_new(db, bo, emu_m2o(mv, "product_id"), left);
		emu_set_m2o(nm, "sale_line_id", emu_m2o(mv, "sale_line_id"));
		emu_set_m2o(nm, "origin_returned_move_id", emu_m2o(mv, "origin_returned_move_id"));
		emu_set_bool(nm, "to_refund", emu_bool(mv, "to_refund"));
		move_assign(db, nm);
		emu_set_num(mv, "product_uom_qty", emu_num(mv, "quantity"));
	}
	if (bo)
		picking_state_from_moves(db, bo);
}

static void picking_done(struct emu *db, json_t *p, bool backorder,
			 struct emu_exc *x)
{
	json_t *moves = picking_moves(db, json_integer_value(json_object_get(p, "id"))), *mv;
	char now[32];
	size_t i;

	if (backorder)
		make_backorder(db, p, moves, x);
	json_array_foreach(moves, i, mv)
		move_done(db, mv);
	json_decref(moves);
	emu_now(now, sizeof(now), false);
	emu_set_str(p, "state", "done");
	emu_set_str(p, "date_done", now);
}

static bool needs_sms(struct emu *db, json_t *p, json_t *ctx)
{
	json_t *partner = emu_rec_of(db, "res.partner", emu_m2o(p, "partner_id"));
	json_t *company = emu_rec_of(db, "res.company", emu_m2o(p, "company_id"));
	json_t *type = emu_rec_of(db, "stock.picking.type", emu_m2o(p, "picking_type_id"));

	if (json_is_true(json_object_get(ctx, "skip_sms")))
		return false;
	if (strcmp(emu_str(type, "code"), "outgoing") != 0)
		return false;
	if (!*emu_str(partner, "phone") && !*emu_str(partner, "mobile"))
		return false;
	return emu_bool(company, "stock_move_sms_validation") &&
	       !emu_bool(company, "has_received_warning_stock_sms");
}

static bool in_ids(json_t *list, json_int_t id)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_integer_value(v) == id)
			return true;
	return false;
}

static json_t *backorder_action(struct emu *db, json_t *ids)
{
	json_t *a = emu_rpc_action(db, "backorder_wizard");
	json_t *pick = json_array(), *id;
	size_t i;

	json_array_foreach(ids, i, id)
		json_array_append_new(pick, json_pack("[i,O]", 4, id));
	json_object_set_new(a, "context", json_pack("{s:O,s:b,s:o}",
		"button_validate_picking_ids", ids, "default_show_transfers", 0,
		"default_pick_ids", pick));
	return a;
}

static json_t *sms_action(struct emu *db, json_t *ids)
{
	struct emu_model *wm = emu_model(db, "confirm.stock.sms");
	json_t *w = emu_rec_new(wm);
	json_t *a = emu_rpc_action(db, "sms_wizard");

	json_object_set(w, "pick_ids", ids);
	json_object_set(a, "res_id", json_object_get(w, "id"));
	json_object_set_new(a, "context", json_pack("{s:O}", "button_validate_picking_ids", ids));
	return a;
}

/* The sanity check of one picking, and whether it needs the backorder
 * wizard (a move short of its demand) or the SMS one. */
static enum err_code validate_check(struct emu_call *c, json_t *id,
				    json_t *need_bo, json_t *need_sms)
{
	json_t *p = emu_rec(c->m, json_integer_value(id));
	json_t *moves = picking_moves(c->db, json_integer_value(id)), *mv;
	bool any_qty = false, any_picked = false, short_qty = false;
	const char *st = emu_str(p, "state");
	size_t j;

	json_array_foreach(moves, j, mv) {
		any_qty |= emu_num(mv, "quantity") > QTY_EPS;
		any_picked |= emu_bool(mv, "picked");
	}
	/* once anything is picked, what is not picked is not done */
	json_array_foreach(moves, j, mv) {
		double done = !any_picked || emu_bool(mv, "picked") ? emu_num(mv, "quantity") : 0.0;

		if (done + QTY_EPS < emu_num(mv, "product_uom_qty"))
			short_qty = true;
	}
	json_decref(moves);
	if (strcmp(st, "done") == 0 || strcmp(st, "cancel") == 0)
		return emu_raise(c->x, EXC_USER, "This picking is already done or cancelled.");
	if (!any_qty)
		return emu_raise(c->x, EXC_USER, "You cannot validate a transfer if no quantities are reserved. To force the transfer, encode quantities.");
	if (short_qty && !json_is_true(json_object_get(c->ctx, "skip_backorder")))
		json_array_append(need_bo, id);
	if (needs_sms(c->db, p, c->ctx))
		json_array_append(need_sms, id);
	return ERR_OK;
}

/* Done, with a backorder for what is short unless the context's
 * picking_ids_not_to_backorder or the type's create_backorder "never"
 * says otherwise. */
static void validate_done(struct emu_call *c, json_t *id)
{
	json_t *p = emu_rec(c->m, json_integer_value(id));
	json_t *type = emu_rec_of(c->db, "stock.picking.type", emu_m2o(p, "picking_type_id"));
	bool no_bo = in_ids(json_object_get(c->ctx, "picking_ids_not_to_backorder"),
			    json_integer_value(id)) ||
		strcmp(emu_str(type, "create_backorder"), "never") == 0;
	json_t *moves = picking_moves(c->db, json_integer_value(id)), *mv;
	size_t j;

	/* nothing picked means everything with a quantity is */
	json_array_foreach(moves, j, mv)
		if (emu_num(mv, "quantity") > QTY_EPS)
			emu_set_bool(mv, "picked", true);
	json_decref(moves);
	picking_done(c->db, p, !no_bo, c->x);
}

/* button_validate: sanity check, then the backorder and SMS wizards (their
 * order is Odoo's _pre_action_done_hook), then done. */
static enum err_code picking_validate(struct emu_call *c, json_t **res)
{
	json_t *need_bo = json_array(), *need_sms = json_array(), *id;
	enum err_code rc;
	size_t i;

	rc = emu_orm_check_exist(c->m, c->ids, c->x);
	json_array_foreach(c->ids, i, id) {
		if (rc != ERR_OK)
			break;
		rc = validate_check(c, id, need_bo, need_sms);
	}
	if (rc != ERR_OK)
		goto out;
	if (json_array_size(need_bo)) {
		*res = backorder_action(c->db, need_bo);
		goto out;
	}
	if (json_array_size(need_sms)) {
		*res = sms_action(c->db, c->ids);
		goto out;
	}
	json_array_foreach(c->ids, i, id)
		validate_done(c, id);
	*res = json_true();
out:
	json_decref(need_bo);
	json_decref(need_sms);
	return rc;
}

/* From Odoo 17.0/18.0 source, not recorded: action_cancel cancels the
 * moves that are not done and releases their reservations. */
static enum err_code picking_cancel(struct emu_call *c, json_t **res)
{
	json_t *id;
	size_t i, j;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	json_array_foreach(c->ids, i, id) {
		json_t *moves = picking_moves(c->db, json_integer_value(id)), *mv;

		json_array_foreach(moves, j, mv) {
			json_t *mls;
			json_t *ml;
			size_t k;

			if (strcmp(emu_str(mv, "state"), "done") == 0)
				continue;
			mls = move_lines(c->db, json_integer_value(json_object_get(mv, "id")));
			json_array_foreach(mls, k, ml) {
				quant_reserve(c->db, emu_m2o(mv, "product_id"),
					      emu_m2o(ml, "location_id"), -emu_num(ml, "quantity"));
				emu_rec_remove(emu_model(c->db, "stock.move.line"),
					       json_integer_value(json_object_get(ml, "id")));
			}
			json_decref(mls);
			emu_set_num(mv, "quantity", 0.0);
			emu_set_str(mv, "state", "cancel");
		}
		json_decref(moves);
		emu_set_str(emu_rec(c->m, json_integer_value(id)), "state", "cancel");
	}
	*res = json_true();
	return ERR_OK;
}

/* From Odoo 17.0/18.0 source, not recorded: the backorder wizard validates
 * its pickings again with skip_backorder; process() keeps a backorder,
 * process_cancel_backorder() does not. */
static enum err_code backorder_wizard_run(struct emu_call *c, json_t **res,
					  bool keep)
{
	struct emu_model *pm = emu_model(c->db, "stock.picking");
	json_t *w, *picks, *ctx;
	struct emu_call c2;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	w = emu_rec(c->m, json_integer_value(json_array_get(c->ids, 0)));
	picks = json_object_get(w, "pick_ids");
	if (!json_array_size(picks))
		picks = json_object_get(c->ctx, "button_validate_picking_ids");
	if (!json_is_array(picks))
		return emu_raise(c->x, EXC_USER, "There is no transfer to validate.");
	/* with_context(): the caller's context (skip_sms, say) stays */
	ctx = json_is_object(c->ctx) ? json_deep_copy(c->ctx) : json_object();
	json_object_set_new(ctx, "skip_backorder", json_true());
	json_object_set_new(ctx, "picking_ids_not_to_backorder",
			    keep ? json_array() : json_incref(picks));
	c2 = *c;
	c2.m = pm;
	c2.ids = picks;
	c2.ctx = ctx;
	rc = picking_validate(&c2, res);
	json_decref(ctx);
	return rc;
}

static enum err_code backorder_process(struct emu_call *c, json_t **res)
{
	return backorder_wizard_run(c, res, true);
}

static enum err_code backorder_cancel(struct emu_call *c, json_t **res)
{
	return backorder_wizard_run(c, res, false);
}

/* ---- return wizard ---- */

static double returned_qty(struct emu *db, int64_t move)
{
	struct emu_model *mm = emu_model(db, "stock.move");
	double q = 0.0;
	json_t *mv;
	size_t i;

	json_array_foreach(emu_recs(mm), i, mv) {
		const char *st = emu_str(mv, "state");

		if (emu_m2o(mv, "origin_returned_move_id") != move)
			continue;
		if (strcmp(st, "done") == 0 || strcmp(st, "assigned") == 0 ||
		    strcmp(st, "partially_available") == 0)
			q += emu_num(mv, "quantity");
	}
	return q;
}

static enum err_code return_wizard_create(struct emu *db, json_t *rec,
					  json_t *vals, json_t *ctx,
					  struct emu_exc *x)
{
	json_t *ids = json_object_get(ctx, "active_ids");
	int64_t pid = emu_m2o(vals, "picking_id");
	json_t *p;

	if (json_array_size(ids) > 1)
		return emu_raise(x, EXC_USER, "You may only return one picking at a time.");
	if (!pid)
		pid = json_integer_value(json_object_get(ctx, "active_id"));
	p = emu_rec_of(db, "stock.picking", pid);
	if (!p)
		return ERR_OK;
	if (strcmp(emu_str(p, "state"), "done") != 0)
		return emu_raise(x, EXC_USER, "You may only return Done pickings.");
	emu_set_m2o(rec, "picking_id", pid);
	emu_set_m2o(rec, "company_id", 1);
	if (db->profile < 18) {
		json_t *wh = emu_rec_of(db, "stock.warehouse", 1);

		emu_set_bool(rec, "move_dest_exists", false);
		emu_set_m2o(rec, "original_location_id", emu_m2o(p, "location_id"));
		emu_set_m2o(rec, "parent_location_id", emu_m2o(wh, "view_location_id"));
		if (!json_object_get(vals, "location_id"))
			emu_set_m2o(rec, "location_id", emu_m2o(p, "location_id"));
	}
	return ERR_OK;
}

static void return_wizard_lines(struct emu *db, json_t *rec)
{
	struct emu_model *lm = emu_model(db, "stock.return.picking.line");
	int64_t wid = json_integer_value(json_object_get(rec, "id"));
	json_t *moves = picking_moves(db, emu_m2o(rec, "picking_id")), *mv;
	size_t i;

	json_array_foreach(moves, i, mv) {
		int64_t mid = json_integer_value(json_object_get(mv, "id"));
		json_t *l;
		double q;

		if (strcmp(emu_str(mv, "state"), "cancel") == 0 || emu_bool(mv, "scrapped"))
			continue;
		l = emu_rec_new(lm);
		/* 17 proposes what is left to return, 18 always 0 (f.wizard_lines) */
		q = db->profile >= 18 ? 0.0 :
			fmax(0.0, emu_num(mv, "quantity") - returned_qty(db, mid));
		emu_set_m2o(l, "wizard_id", wid);
		emu_set_m2o(l, "move_id", mid);
		emu_set_m2o(l, "product_id", emu_m2o(mv, "product_id"));
		emu_set_m2o(l, "uom_id", 1);
		emu_set_num(l, "quantity", q);
		emu_set_bool(l, "to_refund", true);
		if (db->profile >= 18)
			emu_set_num(l, "move_quantity", emu_num(mv, "quantity"));
	}
	json_decref(moves);
}

static enum err_code create_returns(struct emu_call *c, json_t **res)
{
	struct emu *db = c->db;
	struct emu_model *lm = emu_model(db, "stock.return.picking.line");
	json_t *w, *orig, *type, *rp, *l, *a;
	int64_t wid, dest, rp_id;
	bool any = false;
	size_t i;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	w = emu_rec(c->m, json_integer_value(json_array_get(c->ids, 0)));
	wid = json_integer_value(json_object_get(w, "id"));
	json_array_foreach(emu_recs(lm), i, l)
		if (emu_m2o(l, "wizard_id") == wid && emu_num(l, "quantity") > QTY_EPS)
			any = true;
	if (!any)
		return emu_raise(c->x, EXC_USER, "Please specify at least one non-zero quantity.");
	orig = emu_rec_of(db, "stock.picking", emu_m2o(w, "picking_id"));
	type = emu_rec_of(db, "stock.picking.type", emu_m2o(orig, "picking_type_id"));
	/* 17: the wizard's location_id; 18: the return type's default */
	dest = db->profile >= 18 ? 0 : emu_m2o(w, "location_id");
	rp = picking_new(db, emu_m2o(type, "return_picking_type_id") ?
			 emu_m2o(type, "return_picking_type_id") : emu_m2o(orig, "picking_type_id"),
			 emu_m2o(orig, "location_dest_id"), dest, c->x);
	rp_id = json_integer_value(json_object_get(rp, "id"));
	{
		char origin[256];

		snprintf(origin, sizeof(origin), "Return of %s", emu_str(orig, "name"));
		emu_set_str(rp, "origin", origin);
	}
	emu_set_m2o(rp, "partner_id", emu_m2o(orig, "partner_id"));
	emu_set_m2o(rp, "sale_id", emu_m2o(orig, "sale_id"));
	emu_set_m2o(rp, "group_id", emu_m2o(orig, "group_id"));
	emu_set_m2o(rp, "return_id", json_integer_value(json_object_get(orig, "id")));
	/* 18 returns keep the delivery's scheduled_date, so two returns tie and
	 * sort by id descending (m.no_third_return: [19, 18]); 17 stamps them
	 * when created ([26, 27]) */
	if (db->profile >= 18)
		emu_set_str(rp, "scheduled_date", emu_str(orig, "scheduled_date"));
	json_array_foreach(emu_recs(lm), i, l) {
		json_t *om, *mv;

		if (emu_m2o(l, "wizard_id") != wid || emu_num(l, "quantity") <= QTY_EPS)
			continue;
		om = emu_rec_of(db, "stock.move", emu_m2o(l, "move_id"));
		mv = move_new(db, emu_rec(emu_model(db, "stock.picking"), rp_id),
			      emu_m2o(l, "product_id"), emu_num(l, "quantity"));
		emu_set_m2o(mv, "origin_returned_move_id", emu_m2o(l, "move_id"));
		emu_set_bool(mv, "to_refund", emu_bool(l, "to_refund"));
		emu_set_m2o(mv, "sale_line_id", emu_m2o(om, "sale_line_id"));
		emu_set_m2o(mv, "group_id", emu_m2o(om, "group_id"));
		move_assign(db, mv);
	}
	rp = emu_rec(emu_model(db, "stock.picking"), rp_id);
	picking_state_from_moves(db, rp);
	a = emu_rpc_action(db, "return_picking");
	json_object_set_new(a, "res_id", json_integer(rp_id));
	if (db->profile < 18) {
		json_t *ctx = json_object_get(a, "context");

		json_object_set_new(ctx, "default_partner_id", json_integer(emu_m2o(rp, "partner_id")));
		json_object_set_new(ctx, "search_default_picking_type_id",
				    json_integer(emu_m2o(rp, "picking_type_id")));
	} else {
		json_object_set(a, "context", c->ctx);
	}
	*res = a;
	return ERR_OK;
}

/* ---- scrap ---- */

static enum err_code scrap_validate(struct emu_call *c, json_t **res)
{
	struct emu *db = c->db;
	json_t *s, *prod, *mv, *p;
	int64_t sid, pid, loc;
	double qty;
	char name[64], now[32], dn[256];
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	s = emu_rec(c->m, json_integer_value(json_array_get(c->ids, 0)));
	sid = json_integer_value(json_object_get(s, "id"));
	pid = emu_m2o(s, "product_id");
	loc = emu_m2o(s, "location_id");
	qty = emu_num(s, "scrap_qty");
	prod = emu_rec_of(db, "product.product", pid);
	if (is_usage(db, loc, "internal") && quant_available(db, pid, loc) + QTY_EPS < qty) {
		json_t *a = emu_rpc_action(db, "scrap_insufficient");

		emu_orm_display(db, emu_model(db, "product.product"), prod, dn, sizeof(dn));
		json_object_set_new(a, "name", json_sprintf("%s: Insufficient Quantity To Scrap", dn));
		json_object_set_new(a, "context", json_pack("{s:I,s:I,s:I,s:f,s:s}",
			"default_product_id", (json_int_t)pid, "default_location_id", (json_int_t)loc,
			"default_scrap_id", (json_int_t)sid, "default_quantity", qty,
			"default_product_uom_name", "Units"));
		*res = a;
		return ERR_OK;
	}
	/* a scrap is a done move from its location to the scrap location */
	p = json_pack("{s:I,s:I,s:s}", "location_id", (json_int_t)loc,
		      "location_dest_id", (json_int_t)emu_m2o(s, "scrap_location_id"),
		      "origin", emu_str(s, "origin"));
	mv = move_new(db, p, pid, qty);
	emu_set_m2o(mv, "picking_id", 0);
	emu_set_m2o(mv, "picking_type_id", 0);
	emu_set_m2o(mv, "scrap_id", sid);
	emu_set_bool(mv, "scrapped", true);
	emu_set_num(mv, "quantity", qty);
	ml_new(db, mv, qty);
	move_done(db, mv);
	json_decref(p);
	s = emu_rec(c->m, sid);
	if (emu_seq_next(db, "stock.scrap", name, sizeof(name)) == ERR_OK)
		emu_set_str(s, "name", name);
	emu_now(now, sizeof(now), false);
	emu_set_str(s, "state", "done");
	emu_set_str(s, "date_done", now);
	*res = json_true();
	return ERR_OK;
}

/* stock.picking action_confirm / action_assign on many
 * (batch.jsonl r.direct_confirm, r.direct_assign): draft moves are
 * confirmed, then reserved; both answer true. */
static enum err_code picking_confirm_assign(struct emu_call *c, json_t **res,
					    bool assign)
{
	json_t *id;
	size_t i, j;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	json_array_foreach(c->ids, i, id) {
		json_t *p = emu_rec(c->m, json_integer_value(id));
		json_t *moves = picking_moves(c->db, json_integer_value(id)), *mv;

		json_array_foreach(moves, j, mv) {
			const char *st = emu_str(mv, "state");

			if (strcmp(st, "draft") == 0 && !assign)
				emu_set_str(mv, "state", "confirmed");
			else if (assign && (strcmp(st, "confirmed") == 0 ||
					    strcmp(st, "partially_available") == 0))
				move_assign(c->db, mv);
		}
		json_decref(moves);
		picking_state_from_moves(c->db, p);
	}
	*res = json_true();
	return ERR_OK;
}

static enum err_code picking_confirm(struct emu_call *c, json_t **res)
{
	return picking_confirm_assign(c, res, false);
}

static enum err_code picking_assign(struct emu_call *c, json_t **res)
{
	return picking_confirm_assign(c, res, true);
}

const struct emu_method emu_stock_methods[] = {
	{ "stock.picking", "action_confirm", 0, picking_confirm },
	{ "stock.picking", "action_assign", 0, picking_assign },
	{ "stock.quant", "action_apply_inventory", 0, quant_apply_inventory },
	{ "stock.picking", "button_validate", 0, picking_validate },
	{ "stock.picking", "action_cancel", 0, picking_cancel },
	{ "stock.backorder.confirmation", "process", 0, backorder_process },
	{ "stock.backorder.confirmation", "process_cancel_backorder", 0, backorder_cancel },
	{ "stock.return.picking", "create_returns", 17, create_returns },
	{ "stock.return.picking", "action_create_returns", 18, create_returns },
	{ "stock.scrap", "action_validate", 0, scrap_validate },
	{ NULL, NULL, 0, NULL },
};

/* ---- hooks ---- */

/* Any move of vals' move_ids commands carries a procurement group. */
static bool moves_have_group(json_t *vals)
{
	json_t *cmd;
	size_t i;

	json_array_foreach(json_object_get(vals, "move_ids"), i, cmd) {
		json_t *mv = json_array_get(cmd, 2);

		if (json_is_object(mv) && json_integer_value(json_object_get(mv, "group_id")))
			return true;
	}
	return false;
}

/* A picking created directly (batch.jsonl r.direct_create): named from its
 * type's sequence. 18 leaves the computed move_type empty when the moves
 * carry a procurement group, and the create then fails
 * (r.direct_create_without_move_type); 17 fills it. */
static enum err_code picking_create_defaults(struct emu *db, json_t *rec,
					     json_t *vals, struct emu_exc *x)
{
	json_t *type = emu_rec_of(db, "stock.picking.type", emu_m2o(rec, "picking_type_id"));
	char name[128], now[32];

	if (db->profile >= 18 && !json_object_get(vals, "move_type") && moves_have_group(vals))
		return emu_raise(x, EXC_VALIDATION,
			"The operation cannot be completed:\n"
			"- Create/update: a mandatory field is not set.\n"
			"- Delete: another model requires the record being deleted. "
			"If possible, archive it instead.\n\n"
			"Model: Transfer (stock.picking)\nField: Shipping Policy (move_type)\n");
	if (!json_object_get(rec, "name") &&
	    emu_seq_next(db, emu_str(type, "__sequence"), name, sizeof(name)) == ERR_OK)
		emu_set_str(rec, "name", name);
	emu_now(now, sizeof(now), false);
	emu_set_default(rec, "state", json_string("draft"));
	emu_set_default(rec, "move_type", json_string("direct"));
	emu_set_default(rec, "company_id", json_integer(1));
	emu_set_default(rec, "scheduled_date", json_string(now));
	emu_set_default(rec, "location_id", json_integer(emu_m2o(type, "default_location_src_id")));
	emu_set_default(rec, "location_dest_id",
			json_integer(emu_m2o(type, "default_location_dest_id")));
	return ERR_OK;
}

enum err_code emu_stock_hook_create(struct emu *db, struct emu_model *m,
				    json_t *rec, json_t *vals, json_t *ctx,
				    struct emu_exc *x)
{
	const char *n = m->name;

	if (strcmp(n, "stock.return.picking") == 0)
		return return_wizard_create(db, rec, vals, ctx, x);
	if (strcmp(n, "stock.location") == 0) {
		emu_set_default(rec, "company_id", json_integer(1));
		emu_set_default(rec, "scrap_location", json_false());
		emu_set_default(rec, "active", json_true());
		if (db->profile < 18)
			emu_set_default(rec, "return_location", json_false());
	} else if (strcmp(n, "stock.quant") == 0) {
		emu_set_default(rec, "quantity", json_real(0.0));
		emu_set_default(rec, "reserved_quantity", json_real(0.0));
		emu_set_default(rec, "company_id", json_integer(1));
	} else if (strcmp(n, "stock.scrap") == 0) {
		json_t *prod = emu_rec_of(db, "product.product", emu_m2o(rec, "product_id"));

		emu_set_default(rec, "name", json_string("New"));
		emu_set_default(rec, "state", json_string("draft"));
		emu_set_default(rec, "product_uom_id", json_integer(emu_m2o(prod, "uom_id") ? emu_m2o(prod, "uom_id") : 1));
		emu_set_default(rec, "scrap_location_id", json_integer(16));
		emu_set_default(rec, "company_id", json_integer(1));
	} else if (strcmp(n, "stock.picking") == 0) {
		return picking_create_defaults(db, rec, vals, x);
	} else if (strcmp(n, "stock.move") == 0) {
		emu_set_default(rec, "state", json_string("draft"));
		emu_set_default(rec, "picked", json_false());
		emu_set_default(rec, "quantity", json_real(0.0));
		emu_set_default(rec, "product_uom", json_integer(1));
		emu_set_default(rec, "company_id", json_integer(1));
	}
	return ERR_OK;
}

/* A picking created with its moves takes their procurement group, and
 * through it the order (sale_id): batch.jsonl r.direct_picking_read; without
 * group_id on the moves sale_id stays false (odoo-batch-costs.md). */
static void picking_group_from_moves(struct emu *db, json_t *p)
{
	json_t *moves = picking_moves(db, json_integer_value(json_object_get(p, "id"))), *mv;
	size_t i;

	json_array_foreach(moves, i, mv) {
		json_t *g = emu_rec_of(db, "procurement.group", emu_m2o(mv, "group_id"));

		if (!g)
			continue;
		emu_set_m2o(p, "group_id", emu_m2o(mv, "group_id"));
		if (!emu_m2o(p, "sale_id"))
			emu_set_m2o(p, "sale_id", emu_m2o(g, "sale_id"));
		break;
	}
	json_decref(moves);
}

enum err_code emu_stock_hook_created(struct emu *db, struct emu_model *m,
				     json_t *rec, json_t *ctx,
				     struct emu_exc *x)
{
	if (strcmp(m->name, "stock.return.picking") == 0 && emu_m2o(rec, "picking_id"))
		return_wizard_lines(db, rec);
	if (strcmp(m->name, "stock.picking") == 0 && !emu_m2o(rec, "group_id"))
		picking_group_from_moves(db, rec);
	(void)ctx;
	(void)x;
	return ERR_OK;
}

/* Moves carry their lines along (g.jeans_move_lines_after_move_write), a
 * picking its moves (f.return_dest_quarantine); a quantity written on a
 * move lands on its move line. */
void emu_stock_hook_write(struct emu *db, struct emu_model *m, json_t *rec,
			  json_t *vals)
{
	int64_t id = json_integer_value(json_object_get(rec, "id"));

	if (strcmp(m->name, "stock.move") == 0) {
		json_t *mls = move_lines(db, id), *ml;
		json_t *q = json_object_get(vals, "quantity");
		size_t i;

		json_array_foreach(mls, i, ml) {
			if (json_object_get(vals, "location_dest_id"))
				emu_set_m2o(ml, "location_dest_id", emu_m2o(rec, "location_dest_id"));
			if (json_object_get(vals, "location_id"))
				emu_set_m2o(ml, "location_id", emu_m2o(rec, "location_id"));
			if (json_object_get(vals, "picked"))
				emu_set_bool(ml, "picked", emu_bool(rec, "picked"));
			if (q)
				emu_set_num(ml, "quantity", i == 0 ? json_number_value(q) : 0.0);
		}
		if (q && json_array_size(mls) == 0 && json_number_value(q) > QTY_EPS)
			ml_new(db, rec, json_number_value(q));
		json_decref(mls);
	} else if (strcmp(m->name, "stock.picking") == 0) {
		json_t *moves = picking_moves(db, id), *mv;
		struct emu_model *mm = emu_model(db, "stock.move");
		size_t i;

		json_array_foreach(moves, i, mv) {
			json_t *v2 = json_object();

			if (strcmp(emu_str(mv, "state"), "done") == 0) {
				json_decref(v2);
				continue;
			}
			if (json_object_get(vals, "location_dest_id"))
				json_object_set(v2, "location_dest_id", json_object_get(vals, "location_dest_id"));
			if (json_object_get(vals, "location_id"))
				json_object_set(v2, "location_id", json_object_get(vals, "location_id"));
			if (json_object_size(v2)) {
				emu_touch(mv);
				json_object_update(mv, v2);
				emu_stock_hook_write(db, mm, mv, v2);
			}
			json_decref(v2);
		}
		json_decref(moves);
	}
}

const char *emu_stock_display(struct emu *db, struct emu_model *m,
			      json_t *rec, char *out, size_t len)
{
	const char *n = m->name;

	if (strcmp(n, "stock.location") == 0) {
		snprintf(out, len, "%s", emu_str(rec, "complete_name"));
		return out;
	}
	if (strcmp(n, "stock.picking.type") == 0) {
		json_t *wh = emu_rec_of(db, "stock.warehouse", emu_m2o(rec, "warehouse_id"));

		if (wh)
			snprintf(out, len, "%s: %s", emu_str(wh, "name"), emu_str(rec, "name"));
		else
			snprintf(out, len, "%s", emu_str(rec, "name"));
		return out;
	}
	if (strcmp(n, "stock.move") == 0) {
		json_t *p = emu_rec_of(db, "stock.picking", emu_m2o(rec, "picking_id"));
		json_t *prod = emu_rec_of(db, "product.product", emu_m2o(rec, "product_id"));
		const char *origin = p ? emu_str(p, "origin") : "";
		const char *code = emu_str(prod, "default_code");

		snprintf(out, len, "%s%s%s%s%s>%s", origin, *origin ? "/" : "",
			 code, *code ? ": " : "",
			 emu_str(emu_rec_of(db, "stock.location", emu_m2o(rec, "location_id")), "name"),
			 emu_str(emu_rec_of(db, "stock.location", emu_m2o(rec, "location_dest_id")), "name"));
		return out;
	}
	return NULL;
}

static void location_complete_name(struct emu *db, json_t *loc, int depth)
{
	json_t *parent = emu_rec_of(db, "stock.location", emu_m2o(loc, "location_id"));
	char buf[512];

	if (parent && depth < 8)
		location_complete_name(db, parent, depth + 1);
	if (parent && strcmp(emu_str(loc, "usage"), "view") != 0)
		snprintf(buf, sizeof(buf), "%s/%s", emu_str(parent, "complete_name"), emu_str(loc, "name"));
	else
		snprintf(buf, sizeof(buf), "%s", emu_str(loc, "name"));
	emu_set_str(loc, "complete_name", buf);
}

/* Every stored computed field of the stock models, or, when only the
 * records of pickings and moves changed, only what those reach: their
 * pickings' type code and return count (and the count of the pickings
 * they return), their move lines' state. */
void emu_stock_recompute(struct emu *db)
{
	struct emu_model *lm = emu_model(db, "stock.location");
	struct emu_model *pm = emu_model(db, "stock.picking");
	struct emu_model *mlm = emu_model(db, "stock.move.line");
	bool full = db->recompute_all || json_object_size(emu_dirty(db, "stock.location")) ||
		    json_object_size(emu_dirty(db, "stock.picking.type"));
	struct emu_idset picks, moves, lines;
	json_t *r, *old;
	const char *k;
	size_t i;

	json_array_foreach(emu_recs(lm), i, r)
		location_complete_name(db, r, 0);
	emu_idset_init(&picks, pm);
	emu_idset_init(&moves, emu_model(db, "stock.move"));
	emu_idset_init(&lines, mlm);
	/* a dirty picking's own type code; the return count of the pickings
	 * a picking returns changes only when its return_id does (or it comes
	 * or goes) */
	json_object_foreach(emu_dirty(db, "stock.picking"), k, old) {
		json_t *cur = emu_rec(pm, strtoll(k, NULL, 10)), *type;
		int64_t was = emu_m2o(old, "return_id"), is = emu_m2o(cur, "return_id");

		if (!full && cur) {
			type = emu_rec_of(db, "stock.picking.type", emu_m2o(cur, "picking_type_id"));
			emu_set_str(cur, "picking_type_code", emu_str(type, "code"));
			if (json_is_null(old))   /* new: nothing returns it yet */
				emu_set_int(cur, "return_count", 0);
		}
		if (was == is && cur && !json_is_null(old))
			continue;
		emu_idset_add(&picks, was);
		emu_idset_add(&picks, is);
	}
	json_object_foreach(emu_dirty(db, "stock.move"), k, old)
		emu_idset_add(&moves, strtoll(k, NULL, 10));
	json_object_foreach(emu_dirty(db, "stock.move.line"), k, old)
		emu_idset_add(&lines, strtoll(k, NULL, 10));
	if (!full && !picks.count)
		goto lines;
	json_array_foreach(emu_recs(pm), i, r) {
		json_t *type;

		if (!full && !emu_idset_has(&picks, emu_m2o(r, "id")))
			continue;
		if (full) {
			type = emu_rec_of(db, "stock.picking.type", emu_m2o(r, "picking_type_id"));
			emu_set_str(r, "picking_type_code", emu_str(type, "code"));
		}
		emu_set_int(r, "return_count", 0);
	}
	json_array_foreach(emu_recs(pm), i, r) {
		json_t *orig = emu_rec(pm, emu_m2o(r, "return_id"));

		if (orig && (full || emu_idset_has(&picks, emu_m2o(orig, "id"))))
			emu_set_int(orig, "return_count", json_integer_value(
				json_object_get(orig, "return_count")) + 1);
	}
lines:
	if (!full && !moves.count && !lines.count)
		goto out;
	json_array_foreach(emu_recs(mlm), i, r) {
		json_t *mv;

		if (!full && !emu_idset_has(&lines, emu_m2o(r, "id")) &&
		    !emu_idset_has(&moves, emu_m2o(r, "move_id")))
			continue;
		mv = emu_rec_of(db, "stock.move", emu_m2o(r, "move_id"));
		if (mv)
			emu_set_str(r, "state", emu_str(mv, "state"));
	}
out:
	emu_idset_free(&picks);
	emu_idset_free(&moves);
	emu_idset_free(&lines);
}
