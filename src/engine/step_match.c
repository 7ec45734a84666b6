/* step_match: INTENT -> MATCHED, for a batch of returns at once: one read
 * per kind of document for all their orders (orders, lines, products,
 * pickings, moves, credit notes, invoice lines), then each return in turn.
 * Finds the sale order, its done deliveries, sale lines and the posted
 * invoice lines that charged them;
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
#include <time.h>

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

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Split the moves of deliveries and of incoming pickings read together. */
static enum err_code split_moves(struct facts *f, struct ops_move *mv, size_t nmv,
				 const int64_t *dl_ids, struct err *e)
{
	size_t i;

	f->dm = calloc(nmv + 1, sizeof(*f->dm));
	f->rm = calloc(nmv + 1, sizeof(*f->rm));
	if (!f->dm || !f->rm)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < nmv; i++) {
		if (has_id(dl_ids, f->ndl, mv[i].picking_id))
			f->dm[f->ndm++] = mv[i];
		else
			f->rm[f->nrm++] = mv[i];
	}
	return ERR_OK;
}

static void on_ours(const struct store_engine_row *r, void *arg)
{
	json_t *w = r->engine ? json_loads(r->engine, 0, NULL) : NULL;
	const char *held = json_string_value(json_object_get(w, "held_from"));

	if (w && (strcmp(r->state, "MATCHED") == 0 || (held && strcmp(held, "MATCHED") == 0)))
		json_array_append(arg, w);
	json_decref(w);
}

/* Whether Odoo already has our picking of that reference (then its moves
 * were counted with the other returns'). */
static bool in_odoo(const struct facts *f, const char *ref)
{
	size_t i;

	for (i = 0; ref && i < f->nrp; i++)
		if (strcmp(f->rp[i].origin, ref) == 0 && strcmp(f->rp[i].state, "cancel") != 0)
			return true;
	return false;
}

/* What our own returns of these orders allocated before their return
 * pickings exist in Odoo (matched, then the create failed and waits for a
 * retry, maybe on another worker): taken too, so a return matched now
 * cannot take the same delivered quantity. */
static enum err_code taken_by_ours(struct worker *wk, struct facts *f, const char *const *keys,
				   size_t nkeys, struct err *e)
{
	json_t *refs = json_array(), *ws = json_array(), *w, *pk, *l;
	char *text;
	enum err_code rc;
	size_t i, j, k, q;

	for (i = 0; i < nkeys; i++)
		json_array_append_new(refs, json_string(keys[i]));
	text = json_dumps(refs, JSON_COMPACT);
	rc = text ? store_engine_by_orders(wk->st, text, on_ours, ws, e)
		  : err_set(e, ERR_NOMEM, "out of memory");
	json_array_foreach(ws, i, w)
		json_array_foreach(json_object_get(w, "pickings"), j, pk) {
			if (wr_int(pk, "id") ||
			    in_odoo(f, json_string_value(json_object_get(pk, "ref"))))
				continue;
			json_array_foreach(json_object_get(w, "lines"), k, l) {
				if (wr_int(l, "delivery_id") != wr_int(pk, "delivery_id"))
					continue;
				for (q = 0; q < f->ndm; q++)
					if (f->dm[q].id == wr_int(l, "delivery_move_id"))
						f->taken[q] += wr_int(l, "qty");
			}
		}
	free(text);
	json_decref(refs);
	json_decref(ws);
	return rc;
}

/* Done deliveries and all incoming pickings of the orders, one call. */
static enum err_code read_pickings(struct worker *wk, const int64_t *ids, size_t n,
				   struct facts *f, struct err *e)
{
	struct ops_picking *p = NULL;
	size_t np = 0, i;
	enum err_code rc;

	rc = ops_pickings_of_orders(wk->odoo, ids, n, &p, &np, e);
	if (rc != ERR_OK)
		return rc;
	f->dl = calloc(np + 1, sizeof(*f->dl));
	f->rp = calloc(np + 1, sizeof(*f->rp));
	if (!f->dl || !f->rp) {
		free(p);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < np; i++) {
		if (strcmp(p[i].type_code, "outgoing") == 0)
			f->dl[f->ndl++] = p[i];
		else
			f->rp[f->nrp++] = p[i];
	}
	free(p);
	return ERR_OK;
}

/* Everything Odoo knows of the orders of a batch of returns: one call per
 * kind of document, whatever the number of returns. */
static enum err_code read_facts(struct worker *wk, struct work **wos, size_t n,
				struct facts *f, struct err *e)
{
	const char **keys = calloc(n + 1, sizeof(*keys));
	const char **names = NULL;
	int64_t *ids = NULL;
	struct ops_move *mv = NULL;
	size_t nkeys = 0, nmv = 0, i, k;
	enum err_code rc = ERR_OK;

	if (!keys)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		for (k = 0; k < nkeys && strcmp(keys[k], wos[i]->order_ref) != 0; k++)
			;
		if (k == nkeys)
			keys[nkeys++] = wos[i]->order_ref;
	}
	rc = ops_orders_find(wk->odoo, wk->cfg->engine_order_key == CFG_ORDER_BY_CLIENT_REF
			     ? OPS_ORDER_BY_CLIENT_REF : OPS_ORDER_BY_NAME,
			     keys, nkeys, &f->order, &f->norder, e);
	if (rc != ERR_OK || f->norder == 0)
		goto out;
	ids = calloc(f->norder + 1, sizeof(*ids));
	names = calloc(f->norder + 1, sizeof(*names));
	if (!ids || !names) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < f->norder; i++) {
		ids[i] = f->order[i].id;
		names[i] = f->order[i].name;
	}
	rc = ops_sale_lines(wk->odoo, ids, f->norder, &f->sl, &f->nsl, e);
	if (rc == ERR_OK)
		rc = read_pickings(wk, ids, f->norder, f, e);
	if (rc == ERR_OK)
		rc = ops_credit_notes_by_origin(wk->odoo, names, f->norder, &f->cn, &f->ncn, e);
	if (rc != ERR_OK)
		goto out;
	free(ids);
	ids = calloc(f->ndl + f->nrp + f->nsl + 1, sizeof(*ids));
	if (!ids) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	/* the moves of deliveries and of earlier returns: one call */
	for (i = 0; i < f->ndl; i++)
		ids[i] = f->dl[i].id;
	for (i = 0; i < f->nrp; i++)
		ids[f->ndl + i] = f->rp[i].id;
	if (f->ndl + f->nrp)
		rc = ops_moves(wk->odoo, ids, f->ndl + f->nrp, &mv, &nmv, e);
	if (rc == ERR_OK)
		rc = split_moves(f, mv, nmv, ids, e);
	for (i = 0; i < f->nsl; i++)
		ids[i] = f->sl[i].id;
	if (rc == ERR_OK && f->nsl)
		rc = ops_invoice_lines(wk->odoo, ids, f->nsl, &f->il, &f->nil, e);
	if (rc != ERR_OK)
		goto out;
	f->taken = calloc(f->ndm + 1, sizeof(*f->taken));
	if (!f->taken) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	/* what earlier returns (anyone's, not cancelled) already took back */
	for (i = 0; i < f->nrm; i++) {
		size_t j;

		if (strcmp(f->rm[i].state, "cancel") == 0)
			continue;
		for (j = 0; j < f->ndm; j++)
			if (f->dm[j].id == f->rm[i].origin_returned_move_id)
				f->taken[j] += f->rm[i].qty_demand;
	}
	rc = taken_by_ours(wk, f, keys, nkeys, e);
out:
	free(mv);
	free(ids);
	free(names);
	free(keys);
	return rc;
}

/* The orders a return's reference names (by name or client_order_ref). */
static size_t orders_of(struct worker *wk, const struct facts *f, const char *ref,
			const struct ops_order **first)
{
	size_t i, n = 0;

	*first = NULL;
	for (i = 0; i < f->norder; i++) {
		const char *k = wk->cfg->engine_order_key == CFG_ORDER_BY_CLIENT_REF
				? f->order[i].client_ref : f->order[i].name;

		if (strcmp(k, ref) == 0 && n++ == 0)
			*first = &f->order[i];
	}
	return n;
}

/* The go-live guard: a return picking or credit note on the order that is
 * not ours. Returns a message, or NULL. */
/* The go-live guard: a return picking or credit note on the order that is
 * not ours and that no person has released the return over (foreign_ok).
 * Returns a message and remembers the document in foreign_seen, or NULL. */
static const char *foreign_document(const struct facts *f, const struct ops_order *o,
				    json_t *w, char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < f->nrp; i++) {
		if (f->rp[i].sale_id == o->id && strcmp(f->rp[i].state, "cancel") != 0 &&
		    !ours(f->rp[i].origin) && !engine_acknowledged(w, f->rp[i].id)) {
			json_object_set_new(w, "foreign_seen", json_pack("[I]", (json_int_t)f->rp[i].id));
			snprintf(msg, len, "order %s already has return %s (origin \"%s\") that returnbridge did not make (by hand, before go-live, or another integration). Check whether it is this return; if it is, credit it by hand and cancel this return in returnbridge, else release the return",
				 o->name, f->rp[i].name, f->rp[i].origin);
			return msg;
		}
	}
	for (i = 0; i < f->ncn; i++) {
		if (strcmp(f->cn[i].invoice_origin, o->name) == 0 &&
		    strcmp(f->cn[i].state, "cancel") != 0 && !ours(f->cn[i].ref) &&
		    !engine_acknowledged(w, f->cn[i].id)) {
			json_object_set_new(w, "foreign_seen", json_pack("[I]", (json_int_t)f->cn[i].id));
			snprintf(msg, len, "order %s already has credit note %s (ref \"%s\") that returnbridge did not make. Check it does not credit this return before releasing it: a second credit would pay the customer twice",
				 o->name, f->cn[i].name[0] ? f->cn[i].name : "(draft)", f->cn[i].ref);
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

static void map_line(struct worker *wk, struct facts *f, const struct ops_order *o,
		     const json_t *rl, struct mapping *m)
{
	const char *sku = json_string_value(json_object_get(rl, "sku"));
	const char *ean = json_string_value(json_object_get(rl, "ean"));
	const char *client = json_string_value(json_object_get(rl, "client_item"));
	int line_no = (int)json_integer_value(json_object_get(rl, "line_no"));
	int64_t qty = json_integer_value(json_object_get(rl, "quantity")) * QTY_ONE;
	const struct ops_sale_line *s = NULL;
	const struct ops_invoice_line *il;
	struct disposition d;
	const char *label = sku && *sku ? sku : (ean ? ean : "?");
	bool known = false;
	int mv = -1;
	size_t i;

	/* the sale line the Rebound client item id names (its Odoo id), when
	 * it is a line of this order with this product and enough left */
	if (client && *client) {
		char *end;
		long long want = strtoll(client, &end, 10);

		for (i = 0; *end == '\0' && want > 0 && i < f->nsl; i++) {
			if (f->sl[i].id != want || f->sl[i].order_id != o->id ||
			    !matches(&f->sl[i], sku, ean))
				continue;
			known = true;
			mv = delivery_move(f, f->sl[i].id, qty);
			if (mv >= 0)
				s = &f->sl[i];
		}
	}
	/* else lines of the product in order; the first with enough left */
	for (i = 0; i < f->nsl && mv < 0; i++) {
		if (f->sl[i].order_id != o->id || !matches(&f->sl[i], sku, ean))
			continue;
		known = true;
		mv = delivery_move(f, f->sl[i].id, qty);
		if (mv >= 0)
			s = &f->sl[i];
	}
	if (!known) {
		add_exc(m, "sku_not_on_order", "support",
			"Rebound line %s is not on sale order %s (no sale line has that SKU or EAN): check the item with the customer; the other lines proceed",
			label, o->name);
		outcome(m, line_no, "refused");
		return;
	}
	if (!s) {
		add_exc(m, "over_return", "support",
			"Rebound line %s asks to return more of it than order %s delivered less what was already returned: check the quantity with the customer; the other lines proceed",
			label, o->name);
		outcome(m, line_no, "refused");
		return;
	}
	il = invoice_line(f, s->id);
	if (!il || !same_taxes(s->tax_ids, s->ntax, il->tax_ids, il->ntax)) {
		add_exc(m, "valuation_mismatch", "finance", il
			? "the taxes of sale line %s on order %s differ from those of the invoice line that charged it: decide which apply, then release the return"
			: "sale line %s of order %s has no posted invoice line: invoice it (or credit by hand), then release the return",
			label, o->name);
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
	json_object_set_new(json_array_get(m->lines, json_array_size(m->lines) - 1),
			    "invoice_policy", json_string(s->invoice_policy));
}

/* --- what the batch shares: locations, taxes, return types ---------------- */

static bool listed(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Location ids (stock.location complete_name) of the names the worker does
 * not know yet, in one call. */
static enum err_code cache_locations(struct worker *wk, const char *const *names, size_t n,
				     struct err *e)
{
	const char **miss = calloc(n + 1, sizeof(*miss));
	json_t *res = NULL, *rec;
	char cname[256];
	enum err_code rc = ERR_OK;
	size_t k = 0, i;

	if (!miss)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (!json_object_get(wk->locs, names[i]) && !listed(miss, k, names[i]))
			miss[k++] = names[i];
	if (k)
		rc = odoo_execute(wk->odoo, "stock.location", "search_read",
				  json_pack("[[[s,s,o]]]", "complete_name", "in",
					    field_str_array(miss, k)),
				  json_pack("{s:[s,s]}", "fields", "complete_name", "usage"),
				  &res, NULL, e);
	for (i = 0; rc == ERR_OK && i < json_array_size(res); i++) {
		rec = json_array_get(res, i);
		field_str(rec, "complete_name", cname, sizeof(cname));
		if (!json_object_get(wk->locs, cname))   /* Odoo's order: the first of a name */
			json_object_set_new(wk->locs, cname, json_integer(field_id(rec, "id")));
	}
	json_decref(res);
	free(miss);
	return rc;
}

/* Read the taxes of ids the worker does not know yet (one call). */
static enum err_code read_taxes(struct worker *wk, const json_t *ids, json_t *children,
				struct err *e)
{
	json_t *miss = json_array(), *res = NULL, *rec, *t, *kids;
	char type[32], key[32];
	enum err_code rc = ERR_OK;
	int64_t rate = 0;
	size_t i, j;

	json_array_foreach(ids, i, t) {
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(t));
		if (!json_object_get(wk->taxes, key))
			json_array_append(miss, t);
	}
	if (json_array_size(miss))
		rc = odoo_execute(wk->odoo, "account.tax", "read", json_pack("[O]", miss),
				  json_pack("{s:[s,s,s,s,s,s,s]}", "fields", "amount", "amount_type",
					    "price_include", "include_base_amount", "is_base_affected",
					    "sequence", "children_tax_ids"), &res, NULL, e);
	for (i = 0; rc == ERR_OK && i < json_array_size(res); i++) {
		rec = json_array_get(res, i);
		field_str(rec, "amount_type", type, sizeof(type));
		rc = field_fixed(rec, "amount", MONEY_DISCOUNT_DECIMALS, &rate, e);
		kids = json_array();
		json_array_foreach(json_object_get(rec, "children_tax_ids"), j, t) {
			json_array_append(kids, t);
			json_array_append(children, t);
		}
		snprintf(key, sizeof(key), "%lld", (long long)field_id(rec, "id"));
		/* 18 computes price_include from price_include_override and the
		 * company's default: price_include is the one to read on both */
		json_object_set_new(wk->taxes, key, json_pack(
			"{s:I,s:b,s:s,s:b,s:b,s:I,s:o}", "rate", (json_int_t)rate,
			"included", field_bool(rec, "price_include"), "type", type,
			"include_base_amount", field_bool(rec, "include_base_amount"),
			"is_base_affected", field_bool(rec, "is_base_affected"),
			"sequence", (json_int_t)json_integer_value(json_object_get(rec, "sequence")),
			"children", kids));
	}
	json_decref(miss);
	json_decref(res);
	return rc;
}

/* The taxes not known yet and a group's children (two calls at most). */
static enum err_code cache_taxes(struct worker *wk, const json_t *ids, struct err *e)
{
	json_t *children = json_array();
	enum err_code rc = read_taxes(wk, ids, children, e);

	if (rc == ERR_OK && json_array_size(children)) {
		json_t *none = json_array();

		rc = read_taxes(wk, children, none, e);
		json_decref(none);
	}
	json_decref(children);
	return rc;
}

/* The return operation type of each delivery type not known yet. */
static enum err_code cache_return_types(struct worker *wk, const int64_t *types, size_t n,
					struct err *e)
{
	json_t *miss = json_array(), *res = NULL, *rec;
	enum err_code rc = ERR_OK;
	char key[32];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%lld", (long long)types[i]);
		if (!json_object_get(wk->rtypes, key))
			json_array_append_new(miss, json_integer(types[i]));
	}
	if (json_array_size(miss))
		rc = odoo_execute(wk->odoo, "stock.picking.type", "read", json_pack("[O]", miss),
				  json_pack("{s:[s]}", "fields", "return_picking_type_id"),
				  &res, NULL, e);
	for (i = 0; rc == ERR_OK && i < json_array_size(res); i++) {
		rec = json_array_get(res, i);
		snprintf(key, sizeof(key), "%lld", (long long)field_id(rec, "id"));
		json_object_set_new(wk->rtypes, key,
				    json_integer(field_id(rec, "return_picking_type_id")));
	}
	json_decref(miss);
	json_decref(res);
	return rc;
}

/* --- one return of the batch ------------------------------------------------- */

/* The distinct values of an id field of the lines, ascending. */
static size_t distinct_ids(json_t *lines, const char *key, int64_t *out, size_t max)
{
	size_t n = 0, i, j;
	json_t *l;

	json_array_foreach(lines, i, l) {
		int64_t v = wr_int(l, key);

		for (j = 0; j < n && out[j] != v; j++)
			;
		if (j < n || n == max)
			continue;
		for (j = n++; j > 0 && out[j - 1] > v; j--)
			out[j] = out[j - 1];
		out[j] = v;
	}
	return n;
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

#define MAX_DOCS 16      /* deliveries or invoices one return's lines come from */

struct matching {
	struct work *wo;
	const struct ops_order *order;
	struct mapping m;
	bool go;                           /* mapped; waits for the shared reads */
};

/* The order, the go-live guard and the lines of one return; a return that
 * cannot go on is held here. */
static enum err_code match_one(struct worker *wk, struct facts *f, struct matching *mt,
			       struct err *e)
{
	struct work *wo = mt->wo;
	struct mapping *m = &mt->m;
	char msg[768];
	size_t norder, i;
	json_t *rl;
	enum err_code rc;

	wo->res = STEP_DONE;
	norder = orders_of(wk, f, wo->order_ref, &mt->order);
	if (norder != 1) {
		const char *by = wk->cfg->engine_order_key ? "client_order_ref" : "name";

		if (norder)
			snprintf(msg, sizeof(msg), "order reference \"%s\" matches %zu Odoo sale orders by %s: make it unique in Odoo, then release the return",
				 wo->order_ref, norder, by);
		else
			snprintf(msg, sizeof(msg), "order reference \"%s\" matches no Odoo sale order by %s: check the reference in Rebound, or engine.order_key, then release the return",
				 wo->order_ref, by);
		return hold_with(wk, wo, m, "unknown_order", "support", msg, e);
	}
	json_object_set_new(wo->w, "order", json_pack(
		"{s:I,s:s,s:I,s:I,s:i}", "id", (json_int_t)mt->order->id, "name", mt->order->name,
		"partner_id", (json_int_t)mt->order->partner_id,
		"currency_id", (json_int_t)mt->order->currency_id, "decimals", mt->order->decimals));
	if (foreign_document(f, mt->order, wo->w, msg, sizeof(msg)))
		return hold_with(wk, wo, m, "foreign_document", "finance", msg, e);
	json_array_foreach(wo->lines, i, rl)
		map_line(wk, f, mt->order, rl, m);
	json_object_set_new(wo->w, "lines", json_incref(m->lines));
	if (json_array_size(m->lines) == 0) {
		snprintf(msg, sizeof(msg), "no line of the return can be returned (see the other exceptions)");
		rc = engine_outcomes(wk, wo, m->outcomes, e);
		if (rc == ERR_OK)
			rc = hold_with(wk, wo, m, "nothing_to_return", "support", msg, e);
		return rc;
	}
	mt->go = true;
	return ERR_OK;
}

static const struct ops_picking *delivery_of(const struct facts *f, int64_t id)
{
	size_t i;

	for (i = 0; i < f->ndl; i++)
		if (f->dl[i].id == id)
			return &f->dl[i];
	BUG("delivery %lld not read", (long long)id);
}

/* One return picking per delivery the lines came from, one credit note
 * per invoice that charged them; each with its own reference, so a
 * search after an unknown outcome finds exactly that document. */
static enum err_code plan_documents(struct worker *wk, struct work *wo,
				    const struct facts *f, struct err *e)
{
	json_t *lines = json_object_get(wo->w, "lines");
	json_t *dls = json_array(), *pks = json_array(), *cns = json_array();
	int64_t ids[MAX_DOCS];
	size_t n, i;
	char key[32], ref[300];

	n = distinct_ids(lines, "delivery_id", ids, MAX_DOCS);
	for (i = 0; i < n; i++) {
		const struct ops_picking *d = delivery_of(f, ids[i]);
		int64_t rtype;

		snprintf(key, sizeof(key), "%lld", (long long)d->picking_type_id);
		rtype = json_integer_value(json_object_get(wk->rtypes, key));
		if (!rtype) {
			json_decref(dls);
			json_decref(pks);
			json_decref(cns);
			return err_set(e, ERR_REJECTED, "delivery type of %s has no return type in Odoo (Inventory > Configuration > Operation Types)",
				       d->name);
		}
		json_array_append_new(dls, json_pack(
			"{s:I,s:s,s:I,s:I,s:I}", "id", (json_int_t)d->id, "name", d->name,
			"return_type_id", (json_int_t)rtype, "partner_id", (json_int_t)d->partner_id,
			"location_id", (json_int_t)d->location_dest_id));
		engine_ref(wo, i, n, ref, sizeof(ref));
		json_array_append_new(pks, json_pack("{s:I,s:s}", "delivery_id", (json_int_t)d->id,
						     "ref", ref));
	}
	n = distinct_ids(lines, "invoice_id", ids, MAX_DOCS);
	for (i = 0; i < n; i++) {
		engine_ref(wo, i, n, ref, sizeof(ref));
		json_array_append_new(cns, json_pack("{s:I,s:s}", "invoice_id", (json_int_t)ids[i],
						     "ref", ref));
	}
	json_object_set_new(wo->w, "deliveries", dls);
	json_object_set_new(wo->w, "pickings", pks);
	json_object_set_new(wo->w, "credits", cns);
	return ERR_OK;
}

/* Today's date, UTC, as Odoo writes dates. */
static const char *today(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
	return buf;
}

/* Locations, taxes and the delivery's return type into the working
 * record, then MATCHED. */
static enum err_code finish_one(struct worker *wk, const struct facts *f,
			       struct matching *mt, struct err *e)
{
	struct work *wo = mt->wo;
	json_t *locs = json_object(), *taxes = json_object(), *l, *t;
	char key[32];
	enum err_code rc = ERR_OK;
	size_t i, j;

	for (i = 0; i <= (size_t)mt->m.nnames; i++) {
		const char *name = i < (size_t)mt->m.nnames ? mt->m.names[i]
							    : wk->cfg->disposition_stock;
		json_t *id = json_object_get(wk->locs, name);

		if (!id) {
			rc = err_set(e, ERR_CONFIG, "location \"%s\" of the disposition map does not exist in Odoo (returnbridge doctor lists them)",
				     name);
			goto out;
		}
		json_object_set(locs, name, id);
	}
	json_array_foreach(json_object_get(wo->w, "lines"), i, l)
		json_array_foreach(json_object_get(l, "tax_ids"), j, t) {
			json_t *tx, *c;
			size_t q;

			snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(t));
			tx = json_object_get(wk->taxes, key);
			if (!tx)
				continue;
			json_object_set(taxes, key, tx);
			json_array_foreach(json_object_get(tx, "children"), q, c) {
				snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(c));
				if (json_object_get(wk->taxes, key))
					json_object_set(taxes, key, json_object_get(wk->taxes, key));
			}
		}
	json_object_set(wo->w, "locations", locs);
	json_object_set(wo->w, "taxes", taxes);
	json_object_set_new(wo->w, "matched_on", json_string(today(key, sizeof(key))));
	rc = plan_documents(wk, wo, f, e);
	if (rc != ERR_OK)
		goto out;
	rc = engine_outcomes(wk, wo, mt->m.outcomes, e);
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, RETFLOW_MATCHED, "matched",
				   json_pack("{s:s,s:I,s:O,s:O}", "order", mt->order->name,
					     "order_id", (json_int_t)mt->order->id, "lines", mt->m.lines,
					     "refused_or_held", mt->m.outcomes),
				   mt->m.exc, mt->m.nexc, e);
	if (rc == ERR_OK)
		wo->res = STEP_NEXT;
out:
	json_decref(locs);
	json_decref(taxes);
	return rc;
}

/* The shared reads of what the mapped returns need and the worker does not
 * know yet: at most one call each for locations, taxes, return types. */
static enum err_code shared_reads(struct worker *wk, const struct facts *f,
				  struct matching *mt, size_t n, struct err *e)
{
	const char **names = calloc(n * 9 + 2, sizeof(*names));
	int64_t *types = calloc(n * 64 + 1, sizeof(*types));     /* a line each */
	json_t *taxes = json_array(), *l, *t;
	size_t nn = 0, nt = 0, i, j, k;
	enum err_code rc;

	if (!names || !types) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	names[nn++] = wk->cfg->disposition_stock;
	for (i = 0; i < n; i++) {
		if (!mt[i].go)
			continue;
		for (j = 0; j < (size_t)mt[i].m.nnames; j++)
			names[nn++] = mt[i].m.names[j];
		json_array_foreach(json_object_get(mt[i].wo->w, "lines"), j, l)
			types[nt++] = delivery_of(f, wr_int(l, "delivery_id"))->picking_type_id;
		json_array_foreach(json_object_get(mt[i].wo->w, "lines"), j, l)
			json_array_foreach(json_object_get(l, "tax_ids"), k, t)
				json_array_append(taxes, t);
	}
	rc = cache_locations(wk, names, nn, e);
	if (rc == ERR_OK)
		rc = cache_taxes(wk, taxes, e);
	if (rc == ERR_OK)
		rc = cache_return_types(wk, types, nt, e);
out:
	json_decref(taxes);
	free(names);
	free(types);
	return rc;
}

void step_match(struct worker *wk, struct work **wos, size_t n)
{
	struct matching *mt = calloc(n + 1, sizeof(*mt));
	struct err e = ERR_INIT;
	struct facts f;
	enum err_code rc;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (!mt) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		return;
	}
	rc = read_facts(wk, wos, n, &f, &e);
	if (rc != ERR_OK) {
		works_fail(wos, n, rc, &e);
		goto out;
	}
	/* one after the other: returns of one order share what is left */
	for (i = 0; i < n; i++) {
		mt[i].wo = wos[i];
		mt[i].m.lines = json_array();
		mt[i].m.outcomes = json_array();
		rc = match_one(wk, &f, &mt[i], &e);
		if (rc != ERR_OK)
			work_fail(wos[i], rc, &e);
		rc = ERR_OK;
	}
	rc = shared_reads(wk, &f, mt, n, &e);
	for (i = 0; i < n; i++) {
		if (mt[i].go && rc == ERR_OK) {
			struct err e1 = ERR_INIT;
			enum err_code rc1 = finish_one(wk, &f, &mt[i], &e1);

			if (rc1 != ERR_OK)
				work_fail(wos[i], rc1, &e1);
		} else if (mt[i].go) {
			work_fail(wos[i], rc, &e);
		}
	}
out:
	for (i = 0; i < n; i++) {
		json_decref(mt[i].m.lines);
		json_decref(mt[i].m.outcomes);
	}
	free(mt);
	facts_release(&f);
}
