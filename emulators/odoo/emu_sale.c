/* emu_sale: sale orders, product/tax defaults, invoices. */
#include "emu_sale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_account.h"
#include "emu_orm.h"
#include "emu_stock.h"
#include "emu_tax.h"

#define QTY_EPS 1e-9
#define MAX_TAXES EMU_TAX_MAX

static double currency_rounding(struct emu *db)
{
	json_t *cur = emu_rec_of(db, "res.currency", 1);
	double r = emu_num(cur, "rounding");

	return r > 0 ? r : 0.01;
}

/* res.currency.decimal_places, stored and computed from rounding as Odoo
 * 17.0/18.0's base/models/res_currency.py does (not in the recordings; the
 * client reads it to convert amounts): 0.01 gives 2. */
static void recompute_currencies(struct emu *db)
{
	json_t *r;
	size_t i;

	json_array_foreach(emu_recs(emu_model(db, "res.currency")), i, r) {
		double rnd = emu_num(r, "rounding");

		emu_set_int(r, "decimal_places", rnd > 0 && rnd < 1 ?
			    (json_int_t)ceil(log10(1 / rnd)) : 0);
	}
}

/* One account.tax as emu_tax wants it. is_base_affected is True and
 * sequence 1 unless the record says otherwise (Odoo's defaults). */
static void load_tax(json_t *t, int64_t id, struct emu_tax_def *out)
{
	const char *type = emu_str(t, "amount_type");
	json_t *aff = json_object_get(t, "is_base_affected");
	json_t *seq = json_object_get(t, "sequence");

	*out = (struct emu_tax_def){ .amount = emu_num(t, "amount"),
		.price_include = emu_bool(t, "price_include"),
		.type = strcmp(type, "fixed") == 0 ? EMU_TAX_FIXED :
			strcmp(type, "division") == 0 ? EMU_TAX_DIVISION :
			strcmp(type, "group") == 0 ? EMU_TAX_GROUP : EMU_TAX_PERCENT,
		.include_base_amount = emu_bool(t, "include_base_amount"),
		.not_base_affected = aff && !json_is_true(aff),
		.id = id, .sequence = seq ? json_integer_value(seq) : 1 };
}

/* The line's taxes as emu_tax wants them; a group's children go to kids. */
static size_t load_taxes(struct emu *db, json_t *ids, struct emu_tax_def *out,
			 struct emu_tax_def (*kids)[EMU_TAX_FLAT])
{
	json_t *id, *cid;
	size_t i, j, n = 0;

	json_array_foreach(ids, i, id) {
		json_t *t = emu_rec_of(db, "account.tax", json_integer_value(id));

		if (!t || n == MAX_TAXES)
			continue;
		load_tax(t, json_integer_value(id), &out[n]);
		out[n].children = kids[n];
		json_array_foreach(json_object_get(t, "children_tax_ids"), j, cid) {
			json_t *c = emu_rec_of(db, "account.tax", json_integer_value(cid));

			if (c && out[n].nchildren < EMU_TAX_FLAT)
				load_tax(c, json_integer_value(cid), &kids[n][out[n].nchildren++]);
		}
		n++;
	}
	return n;
}

/* The line's amounts; taxes_out (when not NULL) gets per tax id its
 * amount and base added, for the move's tax lines. */
static void line_amounts(struct emu *db, json_t *rec, const char *qty_f,
			 const char *tax_f, json_t *taxes_out)
{
	struct emu_tax_def taxes[MAX_TAXES], kids[MAX_TAXES][EMU_TAX_FLAT];
	struct emu_tax_line out;
	json_t *tids = json_object_get(rec, tax_f), *tid;
	size_t n = load_taxes(db, tids, taxes, kids), i, k = 0;

	emu_tax_line(taxes, n, emu_num(rec, "price_unit"), emu_num(rec, qty_f),
		     emu_num(rec, "discount"), currency_rounding(db), db->profile, &out);
	/* subtotal and total are monetary (numeric columns); price_tax is a
	 * plain Float on sale lines (a double column) */
	emu_set_num(rec, "price_subtotal", emu_tax_column(out.subtotal, 2));
	emu_set_num(rec, "price_tax", out.tax);
	emu_set_num(rec, "price_total", emu_tax_column(out.total, 2));
	if (!taxes_out)
		return;
	json_array_foreach(tids, i, tid) {
		char key[24];
		json_t *t;

		if (!emu_rec_of(db, "account.tax", json_integer_value(tid)) || k == n)
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(tid));
		t = json_object_get(taxes_out, key);
		if (!t) {
			t = json_object();
			json_object_set_new(taxes_out, key, t);
		}
		emu_set_num(t, "amount", emu_num(t, "amount") + out.per_tax[k]);
		emu_set_num(t, "base", emu_num(t, "base") + out.subtotal);
		k++;
	}
}

/* ---- sale.order ---- */

static enum err_code order_confirm(struct emu_call *c, json_t **res)
{
	json_t *id;
	size_t i;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	json_array_foreach(c->ids, i, id) {
		json_t *o = emu_rec(c->m, json_integer_value(id));

		if (strcmp(emu_str(o, "state"), "draft") != 0 && strcmp(emu_str(o, "state"), "sent") != 0)
			return emu_raise(c->x, EXC_USER, "Some orders are not in a state requiring confirmation.");
		emu_set_str(o, "state", "sale");
		emu_sale_recompute(c->db);
		rc = emu_stock_delivery_for_order(c->db, emu_rec(c->m, json_integer_value(id)), c->x);
		if (rc != ERR_OK)
			return rc;
	}
	*res = json_true();
	return ERR_OK;
}

/* ---- invoicing ---- */

static void invoice_line_from(struct emu *db, int64_t move_id, json_t *sol,
			      double qty)
{
	json_t *l = emu_rec_new(emu_model(db, "account.move.line"));

	emu_set_m2o(l, "move_id", move_id);
	emu_set_str(l, "display_type", "product");
	emu_set_m2o(l, "product_id", emu_m2o(sol, "product_id"));
	emu_set_str(l, "name", emu_str(sol, "name"));
	emu_set_num(l, "quantity", qty);
	emu_set_num(l, "price_unit", emu_num(sol, "price_unit"));
	emu_set_num(l, "discount", emu_num(sol, "discount"));
	json_object_set_new(l, "tax_ids", json_deep_copy(json_object_get(sol, "tax_id")));
	json_object_set_new(l, "sale_line_ids", json_pack("[O]", json_object_get(sol, "id")));
	emu_set_m2o(l, "currency_id", 1);
	emu_set_m2o(l, "company_id", 1);
}

static int64_t invoice_for_order(struct emu *db, json_t *order)
{
	struct emu_model *am = emu_model(db, "account.move");
	struct emu_model *lm = emu_model(db, "sale.order.line");
	int64_t oid = json_integer_value(json_object_get(order, "id"));
	json_t *inv = emu_rec_new(am), *l;
	int64_t inv_id = json_integer_value(json_object_get(inv, "id"));
	size_t i;

	emu_set_str(inv, "move_type", "out_invoice");
	emu_set_str(inv, "state", "draft");
	emu_set_str(inv, "name", db->profile >= 18 ? NULL : "/");
	emu_set_m2o(inv, "partner_id", emu_m2o(order, "partner_id"));
	emu_set_m2o(inv, "journal_id", 1);
	emu_set_m2o(inv, "currency_id", 1);
	emu_set_m2o(inv, "company_id", 1);
	emu_set_str(inv, "payment_state", "not_paid");
	{
		char today[16];

		emu_now(today, sizeof(today), true);
		emu_set_str(inv, "date", today);
	}
	emu_set_str(inv, "invoice_date", NULL);
	emu_set_str(inv, "invoice_origin", emu_str(order, "name"));
	emu_set_str(inv, "ref", *emu_str(order, "client_order_ref") ? emu_str(order, "client_order_ref") : NULL);
	emu_set_m2o(inv, "reversed_entry_id", 0);
	json_array_foreach(emu_recs(lm), i, l) {
		double q = emu_num(l, "qty_to_invoice");

		if (emu_m2o(l, "order_id") == oid && (q > QTY_EPS || q < -QTY_EPS))
			invoice_line_from(db, inv_id, l, q);
	}
	return inv_id;
}

static enum err_code advance_create_invoices(struct emu_call *c, json_t **res)
{
	struct emu_model *om = emu_model(c->db, "sale.order");
	json_t *orders = json_object_get(c->ctx, "active_ids"), *id, *a, *ctx, *o;
	int64_t inv = 0;
	size_t i;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK)
		return rc;
	rc = emu_orm_check_exist(om, orders, c->x);
	if (rc != ERR_OK)
		return rc;
	json_array_foreach(orders, i, id)
		inv = invoice_for_order(c->db, emu_rec(om, json_integer_value(id)));
	o = emu_rec(om, json_integer_value(json_array_get(orders, 0)));
	a = emu_rpc_action(c->db, "create_invoices");
	ctx = json_object_get(a, "context");
	json_object_set_new(ctx, "default_partner_id", json_integer(emu_m2o(o, "partner_id")));
	json_object_set_new(ctx, "default_partner_shipping_id", json_integer(emu_m2o(o, "partner_id")));
	json_object_set_new(ctx, "default_invoice_origin", json_string(emu_str(o, "name")));
	if (json_array_size(orders) == 1)
		json_object_set_new(a, "res_id", json_integer(inv));
	*res = a;
	return ERR_OK;
}

const struct emu_method emu_sale_methods[] = {
	{ "sale.order", "action_confirm", 0, order_confirm },
	{ "sale.advance.payment.inv", "create_invoices", 0, advance_create_invoices },
	{ NULL, NULL, 0, NULL },
};

/* ---- hooks ---- */

static void product_defaults(struct emu *db, json_t *rec, json_t *vals)
{
	if (db->profile < 18) {
		emu_set_default(rec, "detailed_type", json_string("consu"));
		emu_set_str(rec, "type", emu_str(rec, "detailed_type"));
	} else {
		emu_set_default(rec, "type", json_string("consu"));
		emu_set_default(rec, "is_storable", json_false());
	}
	emu_set_default(rec, "invoice_policy", json_string("order"));
	emu_set_default(rec, "uom_id", json_integer(1));
	emu_set_default(rec, "list_price", json_real(1.0));
	emu_set_default(rec, "standard_price", json_real(0.0));
	emu_set_default(rec, "active", json_true());
	(void)vals;
}

static void tax_defaults(struct emu *db, json_t *rec)
{
	emu_set_default(rec, "amount_type", json_string("percent"));
	emu_set_default(rec, "type_tax_use", json_string("sale"));
	emu_set_default(rec, "include_base_amount", json_false());
	emu_set_default(rec, "is_base_affected", json_true());
	emu_set_default(rec, "sequence", json_integer(1));
	emu_set_default(rec, "tax_group_id", json_integer(1));
	emu_set_default(rec, "country_id", json_integer(233));
	emu_set_default(rec, "company_id", json_integer(1));
	emu_set_default(rec, "active", json_true());
	if (db->profile >= 18)
		emu_set_default(rec, "price_include_override", json_false());
	else
		emu_set_default(rec, "price_include", json_false());
}

static void order_line_defaults(struct emu *db, json_t *rec)
{
	json_t *prod = emu_rec_of(db, "product.product", emu_m2o(rec, "product_id"));
	char dn[512];

	if (prod)
		emu_orm_display(db, emu_model(db, "product.product"), prod, dn, sizeof(dn));
	else
		dn[0] = '\0';
	emu_set_default(rec, "name", json_string(dn));
	emu_set_default(rec, "price_unit", json_real(emu_num(prod, "list_price")));
	emu_set_default(rec, "discount", json_real(0.0));
	emu_set_default(rec, "product_uom_qty", json_real(1.0));
	emu_set_default(rec, "product_uom", json_integer(1));
	emu_set_default(rec, "sequence", json_integer(10));
	emu_set_default(rec, "tax_id", json_object_get(prod, "taxes_id") ?
			json_deep_copy(json_object_get(prod, "taxes_id")) : json_array());
	emu_set_default(rec, "currency_id", json_integer(1));
}

static void move_defaults(struct emu *db, json_t *rec)
{
	char today[16];
	const char *mt;

	emu_set_default(rec, "move_type", json_string("entry"));
	mt = emu_str(rec, "move_type");
	if (strncmp(mt, "out_", 4) == 0)
		emu_set_default(rec, "journal_id", json_integer(1));
	emu_set_default(rec, "state", json_string("draft"));
	if (db->profile >= 18)
		emu_set_default(rec, "name", json_false());
	else
		emu_set_default(rec, "name", json_string("/"));
	emu_set_default(rec, "payment_state", json_string("not_paid"));
	emu_now(today, sizeof(today), true);
	emu_set_default(rec, "date", json_string(today));
	emu_set_default(rec, "currency_id", json_integer(1));
	emu_set_default(rec, "company_id", json_integer(1));
}

enum err_code emu_sale_hook_create(struct emu *db, struct emu_model *m,
				   json_t *rec, json_t *vals, json_t *ctx,
				   struct emu_exc *x)
{
	const char *n = m->name;

	if (strcmp(n, "product.product") == 0) {
		product_defaults(db, rec, vals);
	} else if (strcmp(n, "account.tax") == 0) {
		tax_defaults(db, rec);
	} else if (strcmp(n, "sale.order") == 0) {
		char name[64], now[32];

		if (emu_seq_next(db, "sale.order", name, sizeof(name)) != ERR_OK)
			snprintf(name, sizeof(name), "New");
		emu_now(now, sizeof(now), false);
		emu_set_default(rec, "name", json_string(name));
		emu_set_default(rec, "state", json_string("draft"));
		emu_set_default(rec, "date_order", json_string(now));
		emu_set_default(rec, "company_id", json_integer(1));
		emu_set_default(rec, "currency_id", json_integer(1));
		emu_set_default(rec, "client_order_ref", json_false());
	} else if (strcmp(n, "sale.order.line") == 0) {
		order_line_defaults(db, rec);
	} else if (strcmp(n, "account.move") == 0) {
		move_defaults(db, rec);
	} else if (strcmp(n, "account.move.line") == 0) {
		emu_set_default(rec, "display_type", json_string("product"));
		emu_set_default(rec, "discount", json_real(0.0));
		emu_set_default(rec, "quantity", json_real(1.0));
	} else if (strcmp(n, "res.partner") == 0) {
		emu_set_default(rec, "active", json_true());
	}
	(void)ctx;
	(void)x;
	return ERR_OK;
}

enum err_code emu_sale_hook_unlink(struct emu *db, struct emu_model *m,
				   json_t *rec, struct emu_exc *x)
{
	if (strcmp(m->name, "account.move") == 0) {
		struct emu_model *lm = emu_model(db, "account.move.line");
		int64_t id = json_integer_value(json_object_get(rec, "id"));
		size_t i = 0;

		if (strcmp(emu_str(rec, "state"), "posted") == 0)
			return emu_raise(x, EXC_USER, "You cannot delete an entry which has been posted once.");
		while (i < json_array_size(emu_recs(lm))) {
			json_t *l = json_array_get(emu_recs(lm), i);

			if (emu_m2o(l, "move_id") == id)   /* noted: its sale lines change */
				emu_rec_remove(lm, emu_m2o(l, "id"));
			else
				i++;
		}
	}
	return ERR_OK;
}

const char *emu_sale_display(struct emu *db, struct emu_model *m, json_t *rec,
			     char *out, size_t len)
{
	const char *n = m->name;

	if (strcmp(n, "product.product") == 0) {
		const char *code = emu_str(rec, "default_code");

		if (*code)
			snprintf(out, len, "[%s] %s", code, emu_str(rec, "name"));
		else
			snprintf(out, len, "%s", emu_str(rec, "name"));
		return out;
	}
	if (strcmp(n, "sale.order.line") == 0) {
		json_t *o = emu_rec_of(db, "sale.order", emu_m2o(rec, "order_id"));
		json_t *p = emu_rec_of(db, "res.partner", emu_m2o(o, "partner_id"));

		snprintf(out, len, "%s - %s (%s)", emu_str(o, "name"), emu_str(rec, "name"),
			 emu_str(p, "name"));
		return out;
	}
	if (strcmp(n, "account.move") == 0) {
		const char *name = emu_str(rec, "name");
		const char *ref = emu_str(rec, "ref");
		char base[256];

		/* 18 drops the "(* id)" (i.credit_lines_draft) */
		if (strcmp(emu_str(rec, "state"), "draft") == 0 && (!*name || strcmp(name, "/") == 0) &&
		    db->profile >= 18)
			snprintf(base, sizeof(base), "Draft %s",
				 strcmp(emu_str(rec, "move_type"), "out_refund") == 0 ?
				 "Credit Note" : "Invoice");
		else if (strcmp(emu_str(rec, "state"), "draft") == 0 && (!*name || strcmp(name, "/") == 0))
			snprintf(base, sizeof(base), "Draft %s (* %lld)",
				 strcmp(emu_str(rec, "move_type"), "out_refund") == 0 ?
				 "Credit Note" : "Invoice",
				 (long long)json_integer_value(json_object_get(rec, "id")));
		else
			snprintf(base, sizeof(base), "%s", name);
		if (*ref)
			snprintf(out, len, "%s (%s)", base, ref);
		else
			snprintf(out, len, "%s", base);
		return out;
	}
	return NULL;
}

/* One recompute pass aggregates per id in jansson objects keyed by the
 * decimal id (the hash table at hand), so a recompute stays linear in the
 * number of records: the emulator must never be a benchmark's bottleneck. */
static json_t *agg(json_t *idx, int64_t id)
{
	char k[24];
	json_t *o;

	snprintf(k, sizeof(k), "%lld", (long long)id);
	o = json_object_get(idx, k);
	if (!o) {
		o = json_object();
		json_object_set_new(idx, k, o);
	}
	return o;
}

static void agg_add(json_t *o, const char *f, double v)
{
	emu_set_num(o, f, emu_num(o, f) + v);
}

static void agg_push(json_t *o, const char *f, json_t *v)
{
	json_t *arr = json_object_get(o, f);

	if (!arr) {
		arr = json_array();
		json_object_set_new(o, f, arr);
	}
	json_array_append(arr, v);
}

static const char *loc_usage(struct emu *db, int64_t id)
{
	return emu_str(emu_rec_of(db, "stock.location", id), "usage");
}

/* qty_delivered: done outgoing moves add, done returns with to_refund take
 * away (g.sol_after_return). */
static void index_deliveries(struct emu *db, json_t *sols,
			     const struct emu_idset *only)
{
	struct emu_model *mm = emu_model(db, "stock.move");
	json_t *mv;
	size_t i;

	json_array_foreach(emu_recs(mm), i, mv) {
		int64_t sol = emu_m2o(mv, "sale_line_id");

		if (!sol || (only && !emu_idset_has(only, sol)) ||
		    strcmp(emu_str(mv, "state"), "done") != 0)
			continue;
		if (strcmp(loc_usage(db, emu_m2o(mv, "location_dest_id")), "customer") == 0)
			agg_add(agg(sols, sol), "delivered", emu_num(mv, "quantity"));
		else if (strcmp(loc_usage(db, emu_m2o(mv, "location_id")), "customer") == 0 &&
			 emu_bool(mv, "to_refund"))
			agg_add(agg(sols, sol), "delivered", -emu_num(mv, "quantity"));
	}
}

/* Invoice lines: their amounts, their moves' totals, and per sale line the
 * lines and qty_invoiced, which counts draft and posted invoices, credit
 * notes negatively (j.sol_with_draft shows drafts count). */
static void index_invoice_lines(struct emu *db, json_t *moves, json_t *sols,
				const struct emu_idset *only_moves,
				const struct emu_idset *only_sols)
{
	struct emu_model *lm = emu_model(db, "account.move.line");
	struct emu_model *am = emu_model(db, "account.move");
	json_t *l;
	size_t i;

	json_array_foreach(emu_recs(lm), i, l) {
		int64_t mid = emu_m2o(l, "move_id");
		bool mine = !only_moves || emu_idset_has(only_moves, mid);
		json_t *links = json_object_get(l, "sale_line_ids");
		json_t *mv, *v;
		bool product, counts;
		double sign;
		size_t j;

		if (!mine) {   /* only its sale lines may need it */
			json_array_foreach(links, j, v)
				if (emu_idset_has(only_sols, json_integer_value(v)))
					break;
			if (j == json_array_size(links))
				continue;
		}
		mv = mid ? emu_rec(am, mid) : NULL;
		if (!mv)
			continue;
		product = strcmp(emu_str(l, "display_type"), "product") == 0;
		counts = product && strcmp(emu_str(mv, "state"), "cancel") != 0;
		sign = strcmp(emu_str(mv, "move_type"), "out_refund") == 0 ? -1.0 : 1.0;
		json_array_foreach(links, j, v) {
			json_t *a;

			if (only_sols && !emu_idset_has(only_sols, json_integer_value(v)))
				continue;
			a = agg(sols, json_integer_value(v));
			agg_push(a, "lines", json_object_get(l, "id"));
			agg_push(a, "moves", json_object_get(mv, "id"));
			if (counts)
				agg_add(a, "invoiced", sign * emu_num(l, "quantity"));
		}
		if (!mine)
			continue;
		emu_set_str(l, "parent_state", emu_str(mv, "state"));
		if (strcmp(emu_str(l, "display_type"), "tax") == 0) {
			json_t *a = agg(moves, emu_m2o(l, "move_id"));
			json_t *have = json_object_get(a, "tax_lines");
			char key[24];

			if (!have) {
				have = json_object();
				json_object_set_new(a, "tax_lines", have);
			}
			snprintf(key, sizeof(key), "%lld", (long long)emu_m2o(l, "tax_line_id"));
			json_object_set(have, key, json_object_get(l, "id"));
		} else if (strcmp(emu_str(l, "display_type"), "payment_term") == 0) {
			json_object_set(agg(moves, emu_m2o(l, "move_id")), "term_line",
					json_object_get(l, "id"));
		}
		if (product) {
			json_t *a = agg(moves, emu_m2o(l, "move_id"));
			json_t *taxes = json_object_get(a, "taxes");

			if (!taxes) {
				taxes = json_object();
				json_object_set_new(a, "taxes", taxes);
			}
			line_amounts(db, l, "quantity", "tax_ids", taxes);
			agg_add(a, "untaxed", emu_num(l, "price_subtotal"));
			agg_add(a, "total", emu_num(l, "price_total"));
			agg_push(a, "lines", json_object_get(l, "id"));
		}
	}
}

static json_t *sorted_lines(struct emu *db, json_t *lines);

static void recompute_sol(struct emu *db, json_t *l, json_t *a, json_t *orders)
{
	json_t *o = emu_rec_of(db, "sale.order", emu_m2o(l, "order_id"));
	json_t *prod = emu_rec_of(db, "product.product", emu_m2o(l, "product_id"));
	json_t *lines = json_object_get(a, "lines"), *oa, *v;
	double ordered = emu_num(l, "product_uom_qty");
	double delivered = emu_num(a, "delivered"), invoiced = emu_num(a, "invoiced");
	double to_inv = 0.0;
	const char *status = "no";
	size_t i;

	line_amounts(db, l, "product_uom_qty", "tax_id", NULL);
	if (strcmp(emu_str(o, "state"), "sale") == 0) {
		bool by_order = strcmp(emu_str(prod, "invoice_policy"), "delivery") != 0;

		/* sale.order.line._compute_invoice_status, from Odoo 17.0/18.0's
		 * source: a product invoiced on ordered quantities and delivered
		 * beyond them is 'upselling' */
		to_inv = (by_order ? ordered : delivered) - invoiced;
		if (to_inv > QTY_EPS || to_inv < -QTY_EPS)
			status = "to invoice";
		else if (by_order && ordered >= 0.0 && delivered > ordered + QTY_EPS)
			status = "upselling";
		else if (invoiced + QTY_EPS >= ordered)
			status = "invoiced";
	}
	emu_set_num(l, "qty_delivered", delivered);
	emu_set_num(l, "qty_invoiced", invoiced);
	emu_set_num(l, "qty_to_invoice", to_inv);
	emu_set_str(l, "invoice_status", status);
	emu_set_json(l, "invoice_lines", lines ? sorted_lines(db, lines) : json_array());
	if (!o)
		return;
	oa = agg(orders, emu_m2o(l, "order_id"));
	emu_set_bool(oa, "any", true);
	agg_add(oa, "untaxed", emu_num(l, "price_subtotal"));
	agg_add(oa, "tax", emu_num(l, "price_tax"));
	if (strcmp(status, "to invoice") == 0)
		emu_set_bool(oa, "any_to", true);
	if (strcmp(status, "invoiced") != 0)
		emu_set_bool(oa, "not_all_invoiced", true);
	if (strcmp(status, "invoiced") != 0 && strcmp(status, "upselling") != 0)
		emu_set_bool(oa, "not_all_upselling", true);
	json_array_foreach(json_object_get(a, "moves"), i, v)
		agg_push(oa, "moves", v);
}

/* account.move.line's _order, "date desc, move_name desc, id" (Odoo
 * 17.0/18.0 source; i.sol_after_credit lists the credit note's line
 * first). A NULL name sorts first in a descending order, as in PostgreSQL. */
static struct emu *line_sort_db;   /* calls run under main.c's state lock */

static int cmp_move_line(const void *pa, const void *pb)
{
	json_t *la = emu_rec_of(line_sort_db, "account.move.line",
				json_integer_value(*(json_t *const *)pa));
	json_t *lb = emu_rec_of(line_sort_db, "account.move.line",
				json_integer_value(*(json_t *const *)pb));
	json_t *ma = emu_rec_of(line_sort_db, "account.move", emu_m2o(la, "move_id"));
	json_t *mb = emu_rec_of(line_sort_db, "account.move", emu_m2o(lb, "move_id"));
	int c = strcmp(emu_str(mb, "date"), emu_str(ma, "date"));
	int64_t ia = emu_m2o(la, "id"), ib = emu_m2o(lb, "id");

	if (c == 0) {
		const char *na = emu_str(ma, "name"), *nb = emu_str(mb, "name");

		c = !*na && *nb ? -1 : *na && !*nb ? 1 : strcmp(nb, na);
	}
	if (c == 0)
		c = ia < ib ? -1 : ia > ib;
	return c;
}

static json_t *sorted_lines(struct emu *db, json_t *lines)
{
	size_t n = json_array_size(lines), i;
	json_t **v, *out;

	if (n < 2)
		return json_incref(lines);
	v = calloc(n, sizeof(*v));
	if (!v)
		return json_incref(lines);
	for (i = 0; i < n; i++)
		v[i] = json_array_get(lines, i);
	line_sort_db = db;
	qsort(v, n, sizeof(*v), cmp_move_line);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

static int cmp_id_desc(const void *pa, const void *pb)
{
	json_int_t a = *(const json_int_t *)pa, b = *(const json_int_t *)pb;

	return a < b ? 1 : a > b ? -1 : 0;
}

/* The order's invoices, newest first as account.move's _order puts them
 * (i.so_after_credit), each once. */
static json_t *order_invoices(json_t *moves)
{
	size_t n = json_array_size(moves), i, k = 0;
	json_int_t *v = calloc(n + 1, sizeof(*v));
	json_t *out = json_array();

	if (!v)
		return out;
	for (i = 0; i < n; i++)
		v[i] = json_integer_value(json_array_get(moves, i));
	qsort(v, n, sizeof(*v), cmp_id_desc);
	for (i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			v[k++] = v[i];
	for (i = 0; i < k; i++)
		json_array_append_new(out, json_integer(v[i]));
	free(v);
	return out;
}

static void recompute_order(struct emu *db, json_t *o, json_t *a)
{
	double rnd = currency_rounding(db);
	double untaxed = emu_num(a, "untaxed"), tax = emu_num(a, "tax");

	emu_set_num(o, "amount_untaxed", emu_tax_column(emu_tax_round(untaxed, rnd), 2));
	emu_set_num(o, "amount_tax", emu_tax_column(emu_tax_round(tax, rnd), 2));
	emu_set_num(o, "amount_total", emu_tax_column(emu_tax_round(untaxed + tax, rnd), 2));
	/* sale.order._compute_invoice_status (Odoo 17.0/18.0 source) */
	emu_set_str(o, "invoice_status", emu_bool(a, "any_to") ? "to invoice" :
		    emu_bool(a, "any") && !emu_bool(a, "not_all_invoiced") ? "invoiced" :
		    emu_bool(a, "any") && !emu_bool(a, "not_all_upselling") ? "upselling" : "no");
	emu_set_json(o, "invoice_ids", order_invoices(json_object_get(a, "moves")));
}

/* The dirty records' ids (and, when f is not NULL, the ids their old and
 * current content name in many2one f) into set. */
static void dirty_ids(struct emu *db, const char *model, struct emu_idset *set,
		      const char *f, struct emu_idset *refs)
{
	struct emu_model *m = emu_model(db, model);
	json_t *old;
	const char *k;

	json_object_foreach(emu_dirty(db, model), k, old) {
		int64_t id = strtoll(k, NULL, 10);
		json_t *cur = emu_rec(m, id);

		if (set)
			emu_idset_add(set, id);
		if (f) {
			emu_idset_add(refs, emu_m2o(old, f));
			emu_idset_add(refs, emu_m2o(cur, f));
		}
	}
}

static void add_all(struct emu_idset *set, json_t *ids)
{
	json_t *v;
	size_t i;

	json_array_foreach(ids, i, v)
		emu_idset_add(set, json_integer_value(v));
}

static void add_counterparts(struct emu_idset *set, json_t *mv)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(mv, "__rec"), i, r)
		emu_idset_add(set, emu_m2o(r, "move"));
}

/* Whether a change reaches every record: products, taxes, currencies and
 * locations feed every line. */
static bool needs_full(struct emu *db)
{
	static const char *const all[] = { "product.product", "product.template",
		"account.tax", "res.currency", "stock.location", "uom.uom" };
	size_t i;

	if (db->recompute_all)
		return true;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (json_object_size(emu_dirty(db, all[i])))
			return true;
	return false;
}

/* The records a recompute must derive again after the dirty ones changed:
 * invoices/credit notes (am) whose lines or counterparts changed, sale
 * lines (sols) whose deliveries, invoice lines, invoices or order changed,
 * and orders (orders) with any such line, whose lines all count. */
static void affected(struct emu *db, struct emu_idset *am, struct emu_idset *sols,
		     struct emu_idset *orders)
{
	struct emu_model *mm = emu_model(db, "account.move");
	struct emu_model *lm = emu_model(db, "account.move.line");
	struct emu_model *sm = emu_model(db, "sale.order.line");
	json_t *old, *l;
	const char *k;
	size_t i, n;

	dirty_ids(db, "account.move", am, NULL, NULL);
	json_object_foreach(emu_dirty(db, "account.move.line"), k, old) {
		json_t *cur = emu_rec(lm, strtoll(k, NULL, 10));

		emu_idset_add(am, emu_m2o(old, "move_id"));
		emu_idset_add(am, emu_m2o(cur, "move_id"));
		add_all(sols, json_object_get(old, "sale_line_ids"));
		add_all(sols, json_object_get(cur, "sale_line_ids"));
	}
	/* a move's payment_state reads its counterpart's residual */
	n = am->count;
	for (i = 0; i < n; i++) {
		add_counterparts(am, emu_rec(mm, am->ids[i]));
	}
	json_object_foreach(emu_dirty(db, "account.move"), k, old)
		add_counterparts(am, old);
	if (am->count)
		json_array_foreach(emu_recs(lm), i, l)
			if (emu_idset_has(am, emu_m2o(l, "move_id")))
				add_all(sols, json_object_get(l, "sale_line_ids"));
	dirty_ids(db, "stock.move", NULL, "sale_line_id", sols);
	dirty_ids(db, "sale.order.line", sols, "order_id", orders);
	dirty_ids(db, "sale.order", orders, NULL, NULL);
	for (i = 0; i < sols->count; i++)
		emu_idset_add(orders, emu_m2o(emu_rec(sm, sols->ids[i]), "order_id"));
	if (orders->count)
		json_array_foreach(emu_recs(sm), i, l)
			if (emu_idset_has(orders, emu_m2o(l, "order_id")))
				emu_idset_add(sols, emu_m2o(l, "id"));
}

/* Every stored computed field of the sale and account models, or (unless
 * needs_full) only those the dirty records reach: the same values, at the
 * cost of what changed rather than of the database. */
void emu_sale_recompute(struct emu *db)
{
	struct emu_model *pm = emu_model(db, "product.product");
	struct emu_model *tm = emu_model(db, "account.tax");
	struct emu_model *lm = emu_model(db, "sale.order.line");
	struct emu_model *om = emu_model(db, "sale.order");
	json_t *moves = json_object(), *sols = json_object(), *orders = json_object();
	struct emu_idset am, as, ao;
	bool full = needs_full(db);
	json_t *r;
	size_t i;
	int64_t id;

	recompute_currencies(db);
	json_array_foreach(emu_recs(pm), i, r) {
		emu_set_num(r, "lst_price", emu_num(r, "list_price"));
		if (db->profile < 18 && json_object_get(r, "detailed_type"))
			emu_set_str(r, "type", emu_str(r, "detailed_type"));
	}
	/* 18: price_include is computed from price_include_override, and a
	 * written price_include is dropped (s.tax_probe_read) */
	if (db->profile >= 18)
		json_array_foreach(emu_recs(tm), i, r)
			emu_set_bool(r, "price_include",
				     strcmp(emu_str(r, "price_include_override"), "tax_included") == 0);
	emu_idset_init(&am, emu_model(db, "account.move"));
	emu_idset_init(&as, lm);
	emu_idset_init(&ao, om);
	if (!full)
		affected(db, &am, &as, &ao);
	if (full || as.count)
		index_deliveries(db, sols, full ? NULL : &as);
	if (full || as.count || am.count)
		index_invoice_lines(db, moves, sols, full ? NULL : &am, full ? NULL : &as);
	emu_account_recompute(db, moves, full ? NULL : &am);
	if (full) {
		json_array_foreach(emu_recs(lm), i, r)
			recompute_sol(db, r, agg(sols, emu_m2o(r, "id")), orders);
		json_array_foreach(emu_recs(om), i, r)
			recompute_order(db, r, agg(orders, emu_m2o(r, "id")));
	} else {   /* ascending id, as the full pass goes */
		for (id = emu_idset_next(&as, 0); id; id = emu_idset_next(&as, id))
			if ((r = emu_rec(lm, id)))
				recompute_sol(db, r, agg(sols, id), orders);
		for (id = emu_idset_next(&ao, 0); id; id = emu_idset_next(&ao, id))
			if ((r = emu_rec(om, id)))
				recompute_order(db, r, agg(orders, id));
	}
	emu_idset_free(&am);
	emu_idset_free(&as);
	emu_idset_free(&ao);
	json_decref(moves);
	json_decref(sols);
	json_decref(orders);
}
