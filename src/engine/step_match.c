/* step_match: INTENT -> MATCHED. Finds the sale order, its done
 * deliveries, sale lines and the posted invoice lines that charged them;
 * maps each Rebound line to a sale line (SKU, else EAN) with returnable
 * quantity left; holds the return when documents someone else made for
 * the order exist (the go-live guard, I3); resolves each line's proposed
 * destination from the disposition map. Lines that map nowhere are
 * refused with an exception; the rest proceed. */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/disposition.h"
#include "core/money.h"
#include "odoo/field.h"
#include "odoo/ops.h"
#include "util/log.h"

#define MAX_EXC 16
#define QTY_ONE 1000000   /* one unit, MONEY_QTY_DECIMALS */

/* What Odoo says about the order, read once for the whole step. */
struct facts {
	struct ops_order *order;
	size_t norder;
	struct ops_sale_line *sl;
	size_t nsl;
	struct ops_picking *dl;            /* done deliveries */
	size_t ndl;
	struct ops_move *dm;               /* their moves */
	size_t ndm;
	struct ops_picking *rp;            /* incoming pickings of the order */
	size_t nrp;
	struct ops_move *rm;               /* their moves */
	size_t nrm;
	struct ops_credit_note *cn;        /* credit notes of the order */
	size_t ncn;
	struct ops_invoice_line *il;
	size_t nil;
	int64_t *taken;                    /* per delivery move: qty returned or allocated */
};

static void facts_release(struct facts *f)
{
	free(f->order);
	free(f->sl);
	free(f->dl);
	free(f->dm);
	free(f->rp);
	free(f->rm);
	free(f->cn);
	free(f->il);
	free(f->taken);
}

static bool ours(const char *ref)
{
	return strncmp(ref, "RB ", 3) == 0;
}

static enum err_code read_order(struct worker *wk, struct work *wo, struct facts *f,
				struct err *e)
{
	const char *key = wo->order_ref;
	int64_t *ids = NULL;
	enum err_code rc;
	size_t i;

	rc = ops_orders_find(wk->odoo, wk->cfg->engine_order_key == CFG_ORDER_BY_CLIENT_REF
			     ? OPS_ORDER_BY_CLIENT_REF : OPS_ORDER_BY_NAME,
			     &key, 1, &f->order, &f->norder, e);
	if (rc != ERR_OK || f->norder != 1)
		return rc;
	rc = ops_sale_lines(wk->odoo, &f->order->id, 1, &f->sl, &f->nsl, e);
	if (rc == ERR_OK)
		rc = ops_deliveries_done(wk->odoo, &f->order->id, 1, &f->dl, &f->ndl, e);
	if (rc != ERR_OK)
		return rc;
	ids = calloc(f->ndl + f->nsl + 1, sizeof(*ids));
	if (!ids)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < f->ndl; i++)
		ids[i] = f->dl[i].id;
	if (f->ndl)
		rc = ops_moves(wk->odoo, ids, f->ndl, &f->dm, &f->ndm, e);
	if (rc == ERR_OK)
		rc = ops_returns_of_orders(wk->odoo, &f->order->id, 1, &f->rp, &f->nrp, e);
	for (i = 0; i < f->nrp; i++)
		ids[i] = f->rp[i].id;
	if (rc == ERR_OK && f->nrp)
		rc = ops_moves(wk->odoo, ids, f->nrp, &f->rm, &f->nrm, e);
	if (rc == ERR_OK) {
		const char *name = f->order->name;

		rc = ops_credit_notes_by_origin(wk->odoo, &name, 1, &f->cn, &f->ncn, e);
	}
	for (i = 0; i < f->nsl; i++)
		ids[i] = f->sl[i].id;
	if (rc == ERR_OK && f->nsl)
		rc = ops_invoice_lines(wk->odoo, ids, f->nsl, &f->il, &f->nil, e);
	free(ids);
	if (rc != ERR_OK)
		return rc;
	f->taken = calloc(f->ndm + 1, sizeof(*f->taken));
	if (!f->taken)
		return err_set(e, ERR_NOMEM, "out of memory");
	/* what earlier returns (anyone's, not cancelled) already took back */
	for (i = 0; i < f->nrm; i++) {
		size_t j;

		if (strcmp(f->rm[i].state, "cancel") == 0)
			continue;
		for (j = 0; j < f->ndm; j++)
			if (f->dm[j].id == f->rm[i].origin_returned_move_id)
				f->taken[j] += f->rm[i].qty_demand;
	}
	return ERR_OK;
}

/* The go-live guard: a return picking or credit note on the order that is
 * not ours. Returns a message, or NULL. */
static const char *foreign_document(const struct facts *f, char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < f->nrp; i++) {
		if (strcmp(f->rp[i].state, "cancel") != 0 && !ours(f->rp[i].origin)) {
			snprintf(msg, len, "order %s already has return %s (origin \"%s\") that returnbridge did not make (by hand, before go-live, or another integration). Check whether it is this return; if it is, credit it by hand and cancel this return in returnbridge, else release the return",
				 f->order->name, f->rp[i].name, f->rp[i].origin);
			return msg;
		}
	}
	for (i = 0; i < f->ncn; i++) {
		if (strcmp(f->cn[i].state, "cancel") != 0 && !ours(f->cn[i].ref)) {
			snprintf(msg, len, "order %s already has credit note %s (ref \"%s\") that returnbridge did not make. Check it does not credit this return before releasing it: a second credit would pay the customer twice",
				 f->order->name, f->cn[i].name[0] ? f->cn[i].name : "(draft)", f->cn[i].ref);
			return msg;
		}
	}
	return NULL;
}

static bool matches(const struct ops_sale_line *s, const char *sku, const char *ean)
{
	if (s->is_note)
		return false;
	if (sku && *sku && strcmp(s->product_code, sku) == 0)
		return true;
	return ean && *ean && strcmp(s->barcode, ean) == 0;
}

/* A done delivery move of the sale line with qty returnable left. */
static int delivery_move(const struct facts *f, int64_t sale_line, int64_t qty)
{
	size_t j;

	for (j = 0; j < f->ndm; j++)
		if (f->dm[j].sale_line_id == sale_line && strcmp(f->dm[j].state, "done") == 0 &&
		    f->dm[j].qty - f->taken[j] >= qty)
			return (int)j;
	return -1;
}

static const struct ops_invoice_line *invoice_line(const struct facts *f, int64_t sale_line)
{
	size_t i, k;

	for (i = 0; i < f->nil; i++) {
		if (strcmp(f->il[i].move_type, "out_invoice") != 0 ||
		    strcmp(f->il[i].move_state, "posted") != 0)
			continue;
		for (k = 0; k < f->il[i].nsale; k++)
			if (f->il[i].sale_line_ids[k] == sale_line)
				return &f->il[i];
	}
	return NULL;
}

static bool same_taxes(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
	size_t i, j;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && b[j] != a[i]; j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

static json_t *id_list(const int64_t *ids, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(ids[i]));
	return a;
}

struct mapping {
	struct step_exc exc[MAX_EXC];
	int nexc;
	json_t *lines;       /* the working record's lines */
	json_t *outcomes;    /* [line_no, outcome] to store */
	char names[8][256];  /* destination location names to resolve */
	int nnames;
};

PRINTF_LIKE(4, 5)
static void add_exc(struct mapping *m, const char *type, const char *owner,
		    const char *fmt, ...)
{
	va_list ap;

	if (m->nexc >= MAX_EXC)
		return;
	m->exc[m->nexc].type = type;
	m->exc[m->nexc].owner = owner;
	va_start(ap, fmt);
	vsnprintf(m->exc[m->nexc].message, sizeof(m->exc[m->nexc].message), fmt, ap);
	va_end(ap);
	m->nexc++;
}

static void outcome(struct mapping *m, int line_no, const char *o)
{
	json_array_append_new(m->outcomes, json_pack("[i,s]", line_no, o));
}

static void map_line(struct worker *wk, struct facts *f, const json_t *rl, struct mapping *m)
{
	const char *sku = json_string_value(json_object_get(rl, "sku"));
	const char *ean = json_string_value(json_object_get(rl, "ean"));
	int line_no = (int)json_integer_value(json_object_get(rl, "line_no"));
	int64_t qty = json_integer_value(json_object_get(rl, "quantity")) * QTY_ONE;
	const struct ops_sale_line *s = NULL;
	const struct ops_invoice_line *il;
	struct disposition d;
	const char *label = sku && *sku ? sku : (ean ? ean : "?");
	bool known = false;
	int mv = -1;
	size_t i;

	/* lines of the product in order; the first with enough left */
	for (i = 0; i < f->nsl && mv < 0; i++) {
		if (!matches(&f->sl[i], sku, ean))
			continue;
		known = true;
		mv = delivery_move(f, f->sl[i].id, qty);
		if (mv >= 0)
			s = &f->sl[i];
	}
	if (!known) {
		add_exc(m, "sku_not_on_order", "support",
			"Rebound line %s is not on sale order %s (no sale line has that SKU or EAN): check the item with the customer; the other lines proceed",
			label, f->order->name);
		outcome(m, line_no, "refused");
		return;
	}
	if (!s) {
		add_exc(m, "over_return", "support",
			"Rebound line %s asks to return more of it than order %s delivered less what was already returned: check the quantity with the customer; the other lines proceed",
			label, f->order->name);
		outcome(m, line_no, "refused");
		return;
	}
	il = invoice_line(f, s->id);
	if (!il || !same_taxes(s->tax_ids, s->ntax, il->tax_ids, il->ntax)) {
		add_exc(m, "valuation_mismatch", "finance", il
			? "the taxes of sale line %s on order %s differ from those of the invoice line that charged it: decide which apply, then release the return"
			: "sale line %s of order %s has no posted invoice line: invoice it (or credit by hand), then release the return",
			label, f->order->name);
		outcome(m, line_no, "held");
		return;
	}
	f->taken[mv] += qty;
	disposition_for(wk->cfg, json_string_value(json_object_get(rl, "reason")),
			json_string_value(json_object_get(rl, "grade")), &d);
	for (i = 0; i < (size_t)m->nnames && strcmp(m->names[i], d.location) != 0; i++)
		;
	if (i == (size_t)m->nnames && m->nnames < 8)
		snprintf(m->names[m->nnames++], sizeof(m->names[0]), "%s", d.location);
	json_array_append_new(m->lines, json_pack(
		"{s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:{s:s,s:s,s:s}}",
		"line_no", line_no, "label", label,
		"sale_line_id", (json_int_t)s->id, "product_id", (json_int_t)s->product_id,
		"uom", (json_int_t)f->dm[mv].product_uom,
		"delivery_id", (json_int_t)f->dm[mv].picking_id,
		"delivery_move_id", (json_int_t)f->dm[mv].id,
		"group_id", (json_int_t)f->dm[mv].group_id,
		"warehouse_id", (json_int_t)f->dm[mv].warehouse_id,
		"qty", (json_int_t)qty, "price_unit", (json_int_t)s->price_unit,
		"discount", (json_int_t)s->discount, "tax_ids", id_list(il->tax_ids, il->ntax),
		"invoice_id", (json_int_t)il->move_id, "invoice_line_id", (json_int_t)il->id,
		"dest", "kind", disposition_kind_name(d.kind), "location", d.location,
		"source", d.source));
}

/* Location ids of the names (stock.location complete_name), and of the
 * sellable stock location, into the working record's "locations". */
static enum err_code resolve_locations(struct worker *wk, struct work *wo,
				       struct mapping *m, struct err *e)
{
	const char *names[9];
	json_t *res = NULL, *rec, *locs = json_object();
	char cname[256];
	enum err_code rc;
	size_t i, n = 0;

	for (i = 0; i < (size_t)m->nnames; i++)
		names[n++] = m->names[i];
	names[n++] = wk->cfg->disposition_stock;
	rc = odoo_execute(wk->odoo, "stock.location", "search_read",
			  json_pack("[[[s,s,o]]]", "complete_name", "in", field_str_array(names, n)),
			  json_pack("{s:[s,s]}", "fields", "complete_name", "usage"), &res, NULL, e);
	if (rc != ERR_OK) {
		json_decref(locs);
		return rc;
	}
	for (i = 0; i < json_array_size(res); i++) {
		rec = json_array_get(res, i);
		field_str(rec, "complete_name", cname, sizeof(cname));
		if (!json_object_get(locs, cname))   /* Odoo's order: the first of a name */
			json_object_set_new(locs, cname, json_integer(field_id(rec, "id")));
	}
	json_decref(res);
	json_object_set_new(wo->w, "locations", locs);
	for (i = 0; i < n; i++)
		if (!json_object_get(locs, names[i]))
			return err_set(e, ERR_CONFIG, "location \"%s\" of the disposition map does not exist in Odoo (returnbridge doctor lists them)",
				       names[i]);
	return ERR_OK;
}

/* Rate and price-included flag of every tax the lines carry. */
static enum err_code read_taxes(struct worker *wk, struct work *wo, struct err *e)
{
	json_t *ids = json_array(), *res = NULL, *rec, *l, *t, *taxes = json_object();
	char type[32], key[32];
	enum err_code rc = ERR_OK;
	int64_t rate = 0;
	size_t i, j;

	json_array_foreach(json_object_get(wo->w, "lines"), i, l)
		json_array_foreach(json_object_get(l, "tax_ids"), j, t)
			json_array_append(ids, t);
	if (json_array_size(ids))
		rc = odoo_execute(wk->odoo, "account.tax", "read", json_pack("[O]", ids),
				  json_pack("{s:[s,s,s]}", "fields", "amount", "amount_type",
					    "price_include"), &res, NULL, e);
	for (i = 0; rc == ERR_OK && i < json_array_size(res); i++) {
		rec = json_array_get(res, i);
		field_str(rec, "amount_type", type, sizeof(type));
		rc = field_fixed(rec, "amount", MONEY_DISCOUNT_DECIMALS, &rate, e);
		snprintf(key, sizeof(key), "%lld", (long long)field_id(rec, "id"));
		json_object_set_new(taxes, key, json_pack("{s:I,s:b,s:s}", "rate", (json_int_t)rate,
							  "included", field_bool(rec, "price_include"),
							  "type", type));
	}
	json_object_set_new(wo->w, "taxes", taxes);
	json_decref(ids);
	json_decref(res);
	return rc;
}

static enum err_code store_outcomes(struct worker *wk, struct work *wo, json_t *outs,
				    struct err *e)
{
	enum err_code rc = ERR_OK;
	json_t *o;
	size_t i;

	json_array_foreach(outs, i, o) {
		rc = store_line_outcome(wk->st, wo->return_id,
					(int)json_integer_value(json_array_get(o, 0)),
					json_string_value(json_array_get(o, 1)), e);
		if (rc != ERR_OK)
			break;
	}
	return rc;
}

/* All kept lines come from one delivery and one invoice (part 1). */
static const char *one_delivery_one_invoice(json_t *lines)
{
	int64_t d = 0, inv = 0;
	json_t *l;
	size_t i;

	json_array_foreach(lines, i, l) {
		if ((d && wr_int(l, "delivery_id") != d))
			return "the lines come from several deliveries";
		if (inv && wr_int(l, "invoice_id") != inv)
			return "the lines were invoiced on several invoices";
		d = wr_int(l, "delivery_id");
		inv = wr_int(l, "invoice_id");
	}
	return NULL;
}

static enum err_code hold_with(struct worker *wk, struct work *wo, struct mapping *m,
			       const char *type, const char *owner, const char *msg,
			       struct err *e)
{
	add_exc(m, type, owner, "%s", msg);
	json_object_set_new(wo->w, "held_from", json_string("INTENT"));
	return engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
			     json_pack("{s:s,s:s}", "type", type, "message", msg),
			     m->exc, m->nexc, e);
}

static enum err_code delivery_facts(struct worker *wk, struct work *wo,
				    const struct facts *f, struct err *e)
{
	int64_t did = wr_int(json_array_get(json_object_get(wo->w, "lines"), 0), "delivery_id");
	json_t *res = NULL;
	enum err_code rc;
	size_t i;

	for (i = 0; i < f->ndl && f->dl[i].id != did; i++)
		;
	if (i == f->ndl)
		BUG("delivery %lld not read", (long long)did);
	rc = odoo_execute(wk->odoo, "stock.picking.type", "read",
			  json_pack("[[I]]", (json_int_t)f->dl[i].picking_type_id),
			  json_pack("{s:[s]}", "fields", "return_picking_type_id"), &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	json_object_set_new(wo->w, "delivery", json_pack(
		"{s:I,s:s,s:I,s:I,s:I}", "id", (json_int_t)did, "name", f->dl[i].name,
		"return_type_id", (json_int_t)field_id(json_array_get(res, 0), "return_picking_type_id"),
		"partner_id", (json_int_t)f->dl[i].partner_id,
		"location_id", (json_int_t)f->dl[i].location_dest_id));
	json_decref(res);
	if (!wr_int(json_object_get(wo->w, "delivery"), "return_type_id"))
		return err_set(e, ERR_REJECTED, "delivery type of %s has no return type in Odoo (Inventory > Configuration > Operation Types)",
			       f->dl[i].name);
	return ERR_OK;
}

enum err_code step_match(struct worker *wk, struct work *wo, enum step_result *res,
			 struct err *e)
{
	struct facts f;
	struct mapping m;
	char msg[768];
	const char *why;
	enum err_code rc;
	json_t *rl;
	size_t i;

	memset(&f, 0, sizeof(f));
	memset(&m, 0, sizeof(m));
	m.lines = json_array();
	m.outcomes = json_array();
	*res = STEP_DONE;
	rc = read_order(wk, wo, &f, e);
	if (rc != ERR_OK)
		goto out;
	if (f.norder != 1) {
		const char *by = wk->cfg->engine_order_key ? "client_order_ref" : "name";

		if (f.norder)
			snprintf(msg, sizeof(msg), "order reference \"%s\" matches %zu Odoo sale orders by %s: make it unique in Odoo, then release the return",
				 wo->order_ref, f.norder, by);
		else
			snprintf(msg, sizeof(msg), "order reference \"%s\" matches no Odoo sale order by %s: check the reference in Rebound, or engine.order_key, then release the return",
				 wo->order_ref, by);
		rc = hold_with(wk, wo, &m, "unknown_order", "support", msg, e);
		goto out;
	}
	json_object_set_new(wo->w, "order", json_pack(
		"{s:I,s:s,s:I,s:I,s:i}", "id", (json_int_t)f.order->id, "name", f.order->name,
		"partner_id", (json_int_t)f.order->partner_id,
		"currency_id", (json_int_t)f.order->currency_id, "decimals", f.order->decimals));
	if (foreign_document(&f, msg, sizeof(msg))) {
		rc = hold_with(wk, wo, &m, "foreign_document", "finance", msg, e);
		goto out;
	}
	json_array_foreach(wo->lines, i, rl)
		map_line(wk, &f, rl, &m);
	json_object_set_new(wo->w, "lines", json_incref(m.lines));
	why = one_delivery_one_invoice(m.lines);
	if (json_array_size(m.lines) == 0 || why) {
		if (why)
			snprintf(msg, sizeof(msg), "%s: returnbridge part 1 makes one return picking and one credit note per return; handle this return by hand in Odoo",
				 why);
		else
			snprintf(msg, sizeof(msg), "no line of the return can be returned (see the other exceptions)");
		rc = store_outcomes(wk, wo, m.outcomes, e);
		if (rc == ERR_OK)
			rc = hold_with(wk, wo, &m, why ? "unsupported_return" : "nothing_to_return",
				       "support", msg, e);
		goto out;
	}
	rc = resolve_locations(wk, wo, &m, e);
	if (rc == ERR_OK)
		rc = read_taxes(wk, wo, e);
	if (rc == ERR_OK)
		rc = delivery_facts(wk, wo, &f, e);
	if (rc == ERR_OK)
		rc = store_outcomes(wk, wo, m.outcomes, e);
	if (rc != ERR_OK)
		goto out;
	rc = engine_commit(wk, wo, RETFLOW_MATCHED, "matched",
			   json_pack("{s:s,s:I,s:O,s:O}", "order", f.order->name,
				     "order_id", (json_int_t)f.order->id, "lines", m.lines,
				     "refused_or_held", m.outcomes),
			   m.exc, m.nexc, e);
	if (rc == ERR_OK)
		*res = STEP_NEXT;
out:
	json_decref(m.lines);
	json_decref(m.outcomes);
	facts_release(&f);
	return rc;
}
