/* odoo/ops: typed, batched operations over odoo_execute(). */
#define LOG_COMPONENT "odoo"
#include "odoo/ops.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "odoo/field.h"
#include "odoo/ops_int.h"
#include "util/log.h"

typedef enum err_code parse_fn(struct odoo *c, const json_t *rec, void *item,
			       struct err *e);

static json_t *str_list(const char *const *fields)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && fields[i]; i++)
		json_array_append_new(a, json_string(fields[i]));
	return a;
}

/* model.method(args, fields=..., order=...) whose result must be a list of
 * records; *res is the caller's to release. */
static enum err_code fetch_json(struct odoo *c, const char *model,
				const char *method, json_t *args_own,
				const char *const *fields, const char *order,
				json_t **res, struct err *e)
{
	json_t *kwargs;
	enum err_code rc;

	kwargs = json_pack("{s:o}", "fields", str_list(fields));
	if (kwargs && order)
		json_object_set_new(kwargs, "order", json_string(order));
	rc = odoo_execute(c, model, method, args_own, kwargs, res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	if (!json_is_array(*res)) {
		json_decref(*res);
		*res = NULL;
		return err_set(e, ERR_INVALID, "%s.%s: expected a list of records", model, method);
	}
	return ERR_OK;
}

/* The same, each record parsed into an item of size bytes. */
static enum err_code fetch(struct odoo *c, const char *model, const char *method,
			   json_t *args_own, const char *const *fields,
			   const char *order, size_t size, parse_fn *parse,
			   void **out, size_t *nout, struct err *e)
{
	json_t *res = NULL;
	char *items = NULL;
	size_t i, n;
	enum err_code rc;

	*out = NULL;
	*nout = 0;
	rc = fetch_json(c, model, method, args_own, fields, order, &res, e);
	if (rc != ERR_OK)
		return rc;
	n = json_array_size(res);
	items = calloc(n ? n : 1, size);
	if (!items) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		rc = parse(c, json_array_get(res, i), items + i * size, e);
		if (rc != ERR_OK) {
			err_prefix(e, "%s record %" PRId64, model,
				   field_id(json_array_get(res, i), "id"));
			goto out;
		}
	}
	*out = items;
	*nout = n;
	items = NULL;
out:
	free(items);
	json_decref(res);
	return rc;
}

static json_t *domain_in(const char *field, json_t *values_own)
{
	return json_pack("[[[s, s, o]]]", field, "in", values_own);
}

static enum err_code amounts(struct odoo *c, const json_t *rec, int64_t cur,
			     int *decimals, const char *const *names,
			     int64_t **dst, struct err *e)
{
	size_t i;
	enum err_code rc;

	if (cur == 0)
		return err_set(e, ERR_INVALID, "record has no currency");
	rc = odoo_currency_decimals(c, cur, decimals, e);
	for (i = 0; rc == ERR_OK && names[i]; i++)
		rc = field_fixed(rec, names[i], *decimals, dst[i], e);
	return rc;
}

/* --- sale orders and lines ------------------------------------------------ */

static enum err_code parse_order(struct odoo *c, const json_t *rec, void *item,
				 struct err *e)
{
	static const char *const names[] = { "amount_untaxed", "amount_tax",
					     "amount_total", NULL };
	struct ops_order *o = item;
	int64_t *dst[] = { &o->amount_untaxed, &o->amount_tax, &o->amount_total };

	o->id = field_id(rec, "id");
	field_str(rec, "name", o->name, sizeof(o->name));
	field_str(rec, "client_order_ref", o->client_ref, sizeof(o->client_ref));
	field_str(rec, "state", o->state, sizeof(o->state));
	field_str(rec, "invoice_status", o->invoice_status, sizeof(o->invoice_status));
	o->partner_id = field_id(rec, "partner_id");
	o->currency_id = field_id(rec, "currency_id");
	return amounts(c, rec, o->currency_id, &o->decimals, names, dst, e);
}

enum err_code ops_orders_find(struct odoo *c, enum ops_order_key by,
			      const char *const *keys, size_t n,
			      struct ops_order **out, size_t *nout, struct err *e)
{
	static const char *const fields[] = {
		"name", "state", "client_order_ref", "partner_id", "currency_id",
		"amount_untaxed", "amount_tax", "amount_total", "invoice_status", NULL,
	};

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return fetch(c, "sale.order", "search_read",
		     domain_in(by == OPS_ORDER_BY_NAME ? "name" : "client_order_ref",
			       field_str_array(keys, n)),
		     fields, "id", sizeof(**out), parse_order, (void **)out, nout, e);
}

struct line_ctx {
	const char *tax_field;
};

static enum err_code parse_sale_line(struct odoo *c, const json_t *rec,
				     void *item, struct err *e)
{
	static const char *const names[] = { "price_subtotal", "price_tax",
					     "price_total", NULL };
	struct ops_sale_line *l = item;
	int64_t *dst[] = { &l->price_subtotal, &l->price_tax, &l->price_total };
	const struct profile *p = odoo_profile(c);
	char display[OPS_STATE_LEN];
	enum err_code rc;

	l->id = field_id(rec, "id");
	l->order_id = field_id(rec, "order_id");
	l->product_id = field_id(rec, "product_id");
	field_str(rec, "display_type", display, sizeof(display));
	l->is_note = display[0] != '\0';
	l->ntax = field_ids(rec, p->sale_line_tax_field, l->tax_ids, OPS_MAX_TAXES);
	if (l->ntax > OPS_MAX_TAXES)
		return err_set(e, ERR_TOO_BIG, "more than %d taxes on a line", OPS_MAX_TAXES);
	l->currency_id = field_id(rec, "currency_id");
	rc = field_fixed(rec, "product_uom_qty", MONEY_QTY_DECIMALS, &l->qty_ordered, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, "qty_delivered", MONEY_QTY_DECIMALS, &l->qty_delivered, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, "qty_invoiced", MONEY_QTY_DECIMALS, &l->qty_invoiced, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, "price_unit", MONEY_PRICE_DECIMALS, &l->price_unit, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, "discount", MONEY_DISCOUNT_DECIMALS, &l->discount, e);
	if (rc == ERR_OK && !l->is_note)
		rc = amounts(c, rec, l->currency_id, &l->decimals, names, dst, e);
	return rc;
}

static enum err_code parse_product(struct odoo *c, const json_t *rec, void *item,
				   struct err *e)
{
	struct ops_int_product *p = item;

	p->id = field_id(rec, "id");
	field_str(rec, "default_code", p->code, sizeof(p->code));
	field_str(rec, "barcode", p->barcode, sizeof(p->barcode));
	field_str(rec, "invoice_policy", p->policy, sizeof(p->policy));
	return ERR_OK;
}

/* distinct non-zero values of an int64_t member over an array of structs */
static int64_t *distinct(const void *items, size_t n, size_t size, size_t off,
			 size_t *nout)
{
	int64_t *ids = calloc(n ? n : 1, sizeof(*ids));
	size_t i, j, k = 0;
	int64_t v;

	if (!ids)
		return NULL;
	for (i = 0; i < n; i++) {
		v = *(const int64_t *)(const void *)((const char *)items + i * size + off);
		for (j = 0; j < k && ids[j] != v; j++)
			;
		if (v != 0 && j == k)
			ids[k++] = v;
	}
	*nout = k;
	return ids;
}

/* Fill each of the fetched items (*items, *n of size bytes, an int64_t
 * product_id at off) from its product: 1 product.product read. On failure
 * the items are freed and *items, *n reset. */
enum err_code ops_int_add_products(struct odoo *c, void **items, size_t *n,
				   size_t size, size_t off, ops_product_fill_fn *fill,
				   struct err *e)
{
	static const char *const pfields[] = { "default_code", "barcode",
					       "invoice_policy", NULL };
	struct ops_int_product *products = NULL;
	size_t np = 0, npids = 0, i, j;
	int64_t *pids = distinct(*items, *n, size, off, &npids);
	char *item;
	enum err_code rc = ERR_OK;

	if (!pids)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	else if (npids > 0)
		rc = fetch(c, "product.product", "read",
			   json_pack("[o]", field_id_array(pids, npids)), pfields, NULL,
			   sizeof(*products), parse_product, (void **)&products, &np, e);
	for (i = 0; rc == ERR_OK && i < *n; i++) {
		item = (char *)*items + i * size;
		for (j = 0; j < np && products[j].id != *(int64_t *)(void *)(item + off); j++)
			;
		if (j < np)
			fill(item, &products[j]);
	}
	free(pids);
	free(products);
	if (rc != ERR_OK) {
		free(*items);
		*items = NULL;
		*n = 0;
	}
	return rc;
}

static void fill_sale_line(void *item, const struct ops_int_product *p)
{
	struct ops_sale_line *l = item;

	memcpy(l->product_code, p->code, sizeof(p->code));
	memcpy(l->barcode, p->barcode, sizeof(p->barcode));
	memcpy(l->invoice_policy, p->policy, sizeof(p->policy));
}

enum err_code ops_sale_lines(struct odoo *c, const int64_t *order_ids, size_t n,
			     struct ops_sale_line **out, size_t *nout,
			     struct err *e)
{
	const char *fields[] = {
		"order_id", "product_id", "display_type", "product_uom_qty",
		"qty_delivered", "qty_invoiced", "price_unit", "discount",
		odoo_profile(c)->sale_line_tax_field, "price_subtotal", "price_tax",
		"price_total", "currency_id", NULL,
	};
	enum err_code rc;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	rc = fetch(c, "sale.order.line", "search_read",
		   domain_in("order_id", field_id_array(order_ids, n)), fields,
		   "order_id, sequence, id", sizeof(**out), parse_sale_line,
		   (void **)out, nout, e);
	if (rc != ERR_OK || *nout == 0)
		return rc;
	return ops_int_add_products(c, (void **)out, nout, sizeof(**out),
				    offsetof(struct ops_sale_line, product_id),
				    fill_sale_line, e);
}

/* --- pickings, moves, move lines ----------------------------------------- */

static const char *const picking_fields[] = {
	"name", "state", "picking_type_code", "picking_type_id", "partner_id",
	"location_id", "location_dest_id", "return_id", "sale_id",
	"backorder_id", "origin", "date_done", NULL,
};

static enum err_code parse_picking(struct odoo *c, const json_t *rec, void *item,
				   struct err *e)
{
	struct ops_picking *p = item;

	p->id = field_id(rec, "id");
	field_str(rec, "name", p->name, sizeof(p->name));
	field_str(rec, "state", p->state, sizeof(p->state));
	field_str(rec, "picking_type_code", p->type_code, sizeof(p->type_code));
	p->picking_type_id = field_id(rec, "picking_type_id");
	p->partner_id = field_id(rec, "partner_id");
	p->location_id = field_id(rec, "location_id");
	p->location_dest_id = field_id(rec, "location_dest_id");
	p->return_id = field_id(rec, "return_id");
	p->sale_id = field_id(rec, "sale_id");
	p->backorder_id = field_id(rec, "backorder_id");
	field_str(rec, "origin", p->origin, sizeof(p->origin));
	field_str(rec, "date_done", p->date_done, sizeof(p->date_done));
	return ERR_OK;
}

static enum err_code pickings(struct odoo *c, json_t *args_own, const char *method,
			      struct ops_picking **out, size_t *nout, struct err *e)
{
	return fetch(c, "stock.picking", method, args_own, picking_fields, NULL,
		     sizeof(**out), parse_picking, (void **)out, nout, e);
}

enum err_code ops_deliveries_done(struct odoo *c, const int64_t *order_ids,
				  size_t n, struct ops_picking **out,
				  size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return pickings(c, json_pack("[[[s, s, o], [s, s, s], [s, s, s]]]",
				     "sale_id", "in", field_id_array(order_ids, n),
				     "picking_type_code", "=", "outgoing",
				     "state", "=", "done"),
			"search_read", out, nout, e);
}

enum err_code ops_returns_of_orders(struct odoo *c, const int64_t *order_ids,
				    size_t n, struct ops_picking **out,
				    size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return pickings(c, json_pack("[[[s, s, o], [s, s, s]]]",
				     "sale_id", "in", field_id_array(order_ids, n),
				     "picking_type_code", "=", "incoming"),
			"search_read", out, nout, e);
}

enum err_code ops_pickings_of_orders(struct odoo *c, const int64_t *order_ids,
				     size_t n, struct ops_picking **out,
				     size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return pickings(c, json_pack("[[[s, s, o], s, s, [s, s, s], [s, s, s], [s, s, s]]]",
				     "sale_id", "in", field_id_array(order_ids, n),
				     "|", "&", "picking_type_code", "=", "outgoing",
				     "state", "=", "done",
				     "picking_type_code", "=", "incoming"),
			"search_read", out, nout, e);
}

enum err_code ops_backorders_of(struct odoo *c, const int64_t *ids, size_t n,
				struct ops_picking **out, size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return pickings(c, json_pack("[[[s, s, o]]]", "backorder_id", "in",
				     field_id_array(ids, n)),
			"search_read", out, nout, e);
}

enum err_code ops_pickings_by_ref(struct odoo *c, const char *const *refs,
				  size_t n, struct ops_picking **out,
				  size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return pickings(c, domain_in("origin", field_str_array(refs, n)),
			"search_read", out, nout, e);
}

enum err_code ops_pickings_read(struct odoo *c, const int64_t *ids, size_t n,
				struct ops_picking **out, size_t *nout,
				struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return pickings(c, json_pack("[o]", field_id_array(ids, n)), "read", out,
			nout, e);
}

static enum err_code parse_move(struct odoo *c, const json_t *rec, void *item,
				struct err *e)
{
	struct ops_move *m = item;
	enum err_code rc;

	m->id = field_id(rec, "id");
	m->picking_id = field_id(rec, "picking_id");
	m->product_id = field_id(rec, "product_id");
	field_str(rec, "product_id", m->product_name, sizeof(m->product_name));
	m->product_uom = field_id(rec, "product_uom");
	m->sale_line_id = field_id(rec, "sale_line_id");
	m->origin_returned_move_id = field_id(rec, "origin_returned_move_id");
	m->group_id = field_id(rec, "group_id");
	m->warehouse_id = field_id(rec, "warehouse_id");
	m->location_id = field_id(rec, "location_id");
	m->location_dest_id = field_id(rec, "location_dest_id");
	m->picked = field_bool(rec, "picked");
	m->to_refund = field_bool(rec, "to_refund");
	field_str(rec, "state", m->state, sizeof(m->state));
	rc = field_fixed(rec, "product_uom_qty", MONEY_QTY_DECIMALS, &m->qty_demand, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, odoo_profile(c)->move_qty_field,
				 MONEY_QTY_DECIMALS, &m->qty, e);
	return rc;
}

enum err_code ops_moves(struct odoo *c, const int64_t *picking_ids, size_t n,
			struct ops_move **out, size_t *nout, struct err *e)
{
	const struct profile *p = odoo_profile(c);
	const char *fields[] = {
		"picking_id", "product_id", "product_uom", "product_uom_qty",
		p->move_qty_field, "location_id", "location_dest_id",
		"origin_returned_move_id", "to_refund", "sale_line_id", "group_id",
		"warehouse_id", "state", p->move_picked ? "picked" : NULL, NULL,
	};

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return fetch(c, "stock.move", "search_read",
		     domain_in("picking_id", field_id_array(picking_ids, n)), fields,
		     "picking_id, id", sizeof(**out), parse_move, (void **)out, nout, e);
}

static enum err_code parse_move_line(struct odoo *c, const json_t *rec,
				     void *item, struct err *e)
{
	struct ops_move_line *l = item;
	const char *qf = odoo_profile(c)->major == 16 ? "qty_done" : "quantity";

	l->id = field_id(rec, "id");
	l->move_id = field_id(rec, "move_id");
	l->picking_id = field_id(rec, "picking_id");
	l->product_id = field_id(rec, "product_id");
	l->location_id = field_id(rec, "location_id");
	l->location_dest_id = field_id(rec, "location_dest_id");
	field_str(rec, "location_dest_id", l->location_dest_name,
		  sizeof(l->location_dest_name));
	l->picked = field_bool(rec, "picked");
	field_str(rec, "state", l->state, sizeof(l->state));
	return field_fixed(rec, qf, MONEY_QTY_DECIMALS, &l->qty, e);
}

enum err_code ops_move_lines(struct odoo *c, const int64_t *picking_ids,
			     size_t n, struct ops_move_line **out, size_t *nout,
			     struct err *e)
{
	const bool v16 = odoo_profile(c)->major == 16;
	const char *fields[] = {
		"move_id", "product_id", v16 ? "qty_done" : "quantity",
		"location_id", "location_dest_id", "state", "picking_id",
		v16 ? NULL : "picked", NULL,
	};

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return fetch(c, "stock.move.line", "search_read",
		     domain_in("picking_id", field_id_array(picking_ids, n)), fields,
		     "picking_id, id", sizeof(**out), parse_move_line, (void **)out,
		     nout, e);
}

/* --- creating and changing returns --------------------------------------- */

static json_t *id_or_false(int64_t id)
{
	return id ? json_integer((json_int_t)id) : json_false();
}

static json_t *return_move(const struct ops_return *r, const struct ops_return_line *l)
{
	return json_pack("[i, i, {s:s, s:I, s:f, s:o, s:I, s:I, s:I, s:b, s:o, s:s, s:I, s:o, s:o, s:[[i, i, [I]]]}]",
			 0, 0,
			 "name", r->move_name ? r->move_name : r->ref,
			 "product_id", (json_int_t)l->product_id,
			 "product_uom_qty", money_to_double(l->qty, MONEY_QTY_DECIMALS),
			 "product_uom", id_or_false(l->product_uom),
			 "location_id", (json_int_t)r->location_id,
			 "location_dest_id", (json_int_t)(l->location_dest_id ? l->location_dest_id
										   : r->location_dest_id),
			 "origin_returned_move_id", (json_int_t)l->delivery_move_id,
			 "to_refund", 1,
			 "sale_line_id", id_or_false(l->sale_line_id),
			 "procure_method", "make_to_stock",
			 "picking_type_id", (json_int_t)r->picking_type_id,
			 "group_id", id_or_false(l->group_id),
			 "warehouse_id", id_or_false(l->warehouse_id),
			 "move_orig_ids", 6, 0, (json_int_t)l->delivery_move_id);
}

static json_t *return_vals(struct odoo *c, const struct ops_return *r)
{
	json_t *moves = json_array();
	json_t *v;
	size_t i;

	for (i = 0; moves && i < r->nlines; i++)
		json_array_append_new(moves, return_move(r, &r->lines[i]));
	v = json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:o}",
		      "picking_type_id", (json_int_t)r->picking_type_id,
		      "partner_id", (json_int_t)r->partner_id,
		      "location_id", (json_int_t)r->location_id,
		      "location_dest_id", (json_int_t)r->location_dest_id,
		      "origin", r->ref, "return_id", (json_int_t)r->delivery_id,
		      "move_ids", moves);
	/* 18 refuses the create without it once the moves carry the sale's
	 * procurement group (batch.jsonl r.direct_create_without_move_type) */
	if (v && odoo_profile(c)->picking_move_type_required)
		json_object_set_new(v, "move_type", json_string("direct"));
	return v;
}

/* A create with a list of values answers a list of ids, one per value. */
static enum err_code create_list(struct odoo *c, const char *model, json_t *vals_own,
				 size_t n, int64_t *ids, struct err *e)
{
	json_t *res = NULL;
	size_t i;
	enum err_code rc;

	rc = odoo_execute(c, model, "create", json_pack("[o]", vals_own), NULL, &res,
			  NULL, e);
	if (rc != ERR_OK)
		return rc;
	if (!json_is_array(res) || json_array_size(res) != n) {
		json_decref(res);
		/* it was created, but we cannot tell which ids are ours */
		return err_set(e, ERR_UNKNOWN_OUTCOME, "%s.create answered something other than %zu ids",
			       model, n);
	}
	for (i = 0; i < n; i++)
		ids[i] = (int64_t)json_integer_value(json_array_get(res, i));
	json_decref(res);
	return ERR_OK;
}

static enum err_code call_ids(struct odoo *c, const char *model, const char *method,
			      const int64_t *ids, size_t n, json_t *extra_own,
			      struct err *e)
{
	json_t *res = NULL;
	json_t *args;
	enum err_code rc;

	args = extra_own ? json_pack("[o, o]", field_id_array(ids, n), extra_own)
			 : json_pack("[o]", field_id_array(ids, n));
	rc = odoo_execute(c, model, method, args, NULL, &res, NULL, e);
	json_decref(res);
	return rc;
}

enum err_code ops_returns_create(struct odoo *c, const struct ops_return *reqs,
				 size_t n, int64_t *ids, size_t *created,
				 struct err *e)
{
	json_t *vals = json_array();
	size_t i;
	enum err_code rc;

	*created = 0;
	if (n == 0) {
		json_decref(vals);
		return ERR_OK;
	}
	for (i = 0; vals && i < n; i++)
		json_array_append_new(vals, return_vals(c, &reqs[i]));
	rc = create_list(c, "stock.picking", vals, n, ids, e);
	if (rc != ERR_OK)
		return rc;
	*created = n;
	rc = call_ids(c, "stock.picking", "action_confirm", ids, n, NULL, e);
	if (rc == ERR_OK)
		rc = call_ids(c, "stock.picking", "action_assign", ids, n, NULL, e);
	return rc;
}

struct wizard_line {
	int64_t id, move_id;
};

static enum err_code parse_wizard_line(struct odoo *c, const json_t *rec,
				       void *item, struct err *e)
{
	struct wizard_line *l = item;

	l->id = field_id(rec, "id");
	l->move_id = field_id(rec, "move_id");
	return ERR_OK;
}

/* One write for every wizard line: the quantity asked for, 0 elsewhere
 * (17 proposes the full returnable quantity on every line, 18 proposes 0). */
static enum err_code wizard_quantities(struct odoo *c, int64_t wizard,
				       const struct ops_return *req, struct err *e)
{
	static const char *const fields[] = { "move_id", "quantity", NULL };
	struct wizard_line *lines = NULL;
	json_t *cmds = json_array();
	int64_t qty;
	size_t n = 0, i, j;
	enum err_code rc;

	rc = fetch(c, "stock.return.picking.line", "search_read",
		   json_pack("[[[s, s, I]]]", "wizard_id", "=", (json_int_t)wizard),
		   fields, NULL, sizeof(*lines), parse_wizard_line, (void **)&lines,
		   &n, e);
	for (i = 0; rc == ERR_OK && i < n; i++) {
		qty = 0;
		for (j = 0; j < req->nlines; j++)
			if (req->lines[j].delivery_move_id == lines[i].move_id)
				qty += req->lines[j].qty;
		json_array_append_new(cmds, json_pack("[i, I, {s:f, s:b}]", 1,
						      (json_int_t)lines[i].id, "quantity",
						      money_to_double(qty, MONEY_QTY_DECIMALS),
						      "to_refund", 1));
	}
	free(lines);
	if (rc != ERR_OK) {
		json_decref(cmds);
		return rc;
	}
	return call_ids(c, "stock.return.picking", "write", &wizard, 1,
			json_pack("{s:o}", "product_return_moves", cmds), e);
}

enum err_code ops_return_by_wizard(struct odoo *c, const struct ops_return *req,
				   int64_t *picking_id, struct err *e)
{
	const struct profile *p = odoo_profile(c);
	struct ops_button b;
	json_t *res = NULL;
	int64_t wizard;
	enum err_code rc;

	*picking_id = 0;
	rc = odoo_execute(c, "stock.return.picking", "create", json_pack("[{}]"),
			  json_pack("{s:{s:s, s:I, s:[I]}}", "context",
				    "active_model", "stock.picking",
				    "active_id", (json_int_t)req->delivery_id,
				    "active_ids", (json_int_t)req->delivery_id),
			  &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	wizard = json_is_integer(res) ? (int64_t)json_integer_value(res) : 0;
	json_decref(res);
	if (wizard == 0)
		return err_set(e, ERR_INVALID, "stock.return.picking.create gave no id");
	rc = wizard_quantities(c, wizard, req, e);
	if (rc == ERR_OK && p->wizard_location)
		rc = call_ids(c, "stock.return.picking", "write", &wizard, 1,
			      json_pack("{s:I}", "location_id",
					(json_int_t)req->location_dest_id), e);
	if (rc == ERR_OK)
		rc = ops_button(c, "stock.return.picking", p->return_method, &wizard, 1,
				NULL, &b, e);
	if (rc != ERR_OK)
		return rc;
	if (!b.action || strcmp(b.res_model, "stock.picking") != 0 || b.res_id == 0)
		return err_set(e, ERR_UNKNOWN_OUTCOME, "%s did not name the return picking it made",
			       p->return_method);
	*picking_id = b.res_id;
	/* 18 has no wizard location: the picking's destination moves its
	 * moves and move lines with it (f.return_dest_quarantine) */
	if (p->wizard_location)
		return call_ids(c, "stock.picking", "write", picking_id, 1,
				json_pack("{s:s}", "origin", req->ref), e);
	return call_ids(c, "stock.picking", "write", picking_id, 1,
			json_pack("{s:I, s:s}", "location_dest_id",
				  (json_int_t)req->location_dest_id, "origin", req->ref), e);
}

enum err_code ops_pickings_set_ref(struct odoo *c, const int64_t *ids, size_t n,
				   const char *ref, struct err *e)
{
	if (n == 0)
		return ERR_OK;
	return call_ids(c, "stock.picking", "write", ids, n,
			json_pack("{s:s}", "origin", ref), e);
}

enum err_code ops_pickings_set_dest(struct odoo *c, const int64_t *ids, size_t n,
				    int64_t location_id, struct err *e)
{
	if (n == 0)
		return ERR_OK;
	return call_ids(c, "stock.picking", "write", ids, n,
			json_pack("{s:I}", "location_dest_id", (json_int_t)location_id), e);
}

enum err_code ops_moves_set_dest(struct odoo *c, const int64_t *move_ids, size_t n,
				 int64_t location_id, struct err *e)
{
	if (n == 0)
		return ERR_OK;
	return call_ids(c, "stock.move", "write", move_ids, n,
			json_pack("{s:I}", "location_dest_id", (json_int_t)location_id), e);
}

enum err_code ops_pickings_cancel(struct odoo *c, const int64_t *ids, size_t n,
				  struct err *e)
{
	if (n == 0)
		return ERR_OK;
	return call_ids(c, "stock.picking", "action_cancel", ids, n, NULL, e);
}

/* --- buttons -------------------------------------------------------------- */

enum err_code ops_button(struct odoo *c, const char *model, const char *method,
			 const int64_t *ids, size_t n, json_t *context_own,
			 struct ops_button *out, struct err *e)
{
	json_t *res = NULL;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	rc = odoo_execute(c, model, method, json_pack("[o]", field_id_array(ids, n)),
			  context_own ? json_pack("{s:o}", "context", context_own) : NULL,
			  &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	if (json_is_object(res)) {
		out->action = true;
		field_str(res, "res_model", out->res_model, sizeof(out->res_model));
		out->res_id = field_id(res, "res_id");
		log_debug("%s.%s answered with an action (%s)", model,
			 method, out->res_model);
	}
	json_decref(res);
	return ERR_OK;
}

/* --- invoices and credit notes ------------------------------------------- */

static enum err_code parse_invoice_line(struct odoo *c, const json_t *rec,
					void *item, struct err *e)
{
	struct ops_invoice_line *l = item;
	enum err_code rc;

	l->id = field_id(rec, "id");
	l->move_id = field_id(rec, "move_id");
	l->product_id = field_id(rec, "product_id");
	l->nsale = field_ids(rec, "sale_line_ids", l->sale_line_ids, OPS_MAX_LINKS);
	l->ntax = field_ids(rec, "tax_ids", l->tax_ids, OPS_MAX_TAXES);
	if (l->nsale > OPS_MAX_LINKS || l->ntax > OPS_MAX_TAXES)
		return err_set(e, ERR_TOO_BIG, "invoice line with too many sale lines or taxes");
	l->currency_id = field_id(rec, "currency_id");
	field_str(rec, "parent_state", l->move_state, sizeof(l->move_state));
	rc = field_fixed(rec, "quantity", MONEY_QTY_DECIMALS, &l->qty, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, "price_unit", MONEY_PRICE_DECIMALS, &l->price_unit, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, "discount", MONEY_DISCOUNT_DECIMALS, &l->discount, e);
	return rc;
}

/* Amounts once the currency is known: the line's own, else its move's. */
static enum err_code invoice_line_amounts(struct odoo *c, const json_t *rec,
					  struct ops_invoice_line *l,
					  int64_t move_currency, struct err *e)
{
	static const char *const names[] = { "price_subtotal", "price_total", NULL };
	int64_t *dst[] = { &l->price_subtotal, &l->price_total };

	if (l->currency_id == 0)
		l->currency_id = move_currency;
	return amounts(c, rec, l->currency_id, &l->decimals, names, dst, e);
}

static const char *const credit_fields[] = {
	"name", "ref", "invoice_origin", "state", "payment_state", "move_type",
	"journal_id", "reversed_entry_id", "currency_id", "amount_untaxed",
	"amount_tax", "amount_total", NULL,
};

static enum err_code parse_credit(struct odoo *c, const json_t *rec, void *item,
				  struct err *e)
{
	static const char *const names[] = { "amount_untaxed", "amount_tax",
					     "amount_total", NULL };
	struct ops_credit_note *m = item;
	int64_t *dst[] = { &m->amount_untaxed, &m->amount_tax, &m->amount_total };

	m->id = field_id(rec, "id");
	field_str(rec, "name", m->name, sizeof(m->name));
	field_str(rec, "ref", m->ref, sizeof(m->ref));
	field_str(rec, "invoice_origin", m->invoice_origin, sizeof(m->invoice_origin));
	field_str(rec, "state", m->state, sizeof(m->state));
	field_str(rec, "payment_state", m->payment_state, sizeof(m->payment_state));
	m->reversed_entry_id = field_id(rec, "reversed_entry_id");
	m->currency_id = field_id(rec, "currency_id");
	return amounts(c, rec, m->currency_id, &m->decimals, names, dst, e);
}

/* The invoice fields an invoice line reports, read with the credit note
 * parser: invoices and credit notes are both account.move. */
static void fill_move(struct ops_invoice_line *l, const struct ops_credit_note *m)
{
	snprintf(l->move_name, sizeof(l->move_name), "%s", m->name);
	snprintf(l->payment_state, sizeof(l->payment_state), "%s", m->payment_state);
	snprintf(l->move_state, sizeof(l->move_state), "%s", m->state);
}

struct move_info {
	struct ops_credit_note m;
	char move_type[OPS_STATE_LEN];
	int64_t journal_id;
};

static enum err_code parse_move_info(struct odoo *c, const json_t *rec, void *item,
				     struct err *e)
{
	struct move_info *mi = item;

	field_str(rec, "move_type", mi->move_type, sizeof(mi->move_type));
	mi->journal_id = field_id(rec, "journal_id");
	return parse_credit(c, rec, &mi->m, e);
}

enum err_code ops_invoice_lines(struct odoo *c, const int64_t *sale_line_ids,
				size_t n, struct ops_invoice_line **out,
				size_t *nout, struct err *e)
{
	static const char *const fields[] = {
		"move_id", "product_id", "quantity", "price_unit", "discount",
		"tax_ids", "price_subtotal", "price_total", "parent_state",
		"sale_line_ids", "currency_id", NULL,
	};
	struct move_info *moves = NULL;
	int64_t *mids = NULL;
	json_t *res = NULL;
	size_t nm = 0, nmids = 0, i, j;
	enum err_code rc;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	rc = fetch_json(c, "account.move.line", "search_read",
			json_pack("[[[s, s, o], [s, s, s]]]", "sale_line_ids", "in",
				  field_id_array(sale_line_ids, n), "display_type", "=",
				  "product"),
			fields, "move_id, id", &res, e);
	if (rc != ERR_OK)
		return rc;
	*nout = json_array_size(res);
	*out = calloc(*nout ? *nout : 1, sizeof(**out));
	if (!*out) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; rc == ERR_OK && i < *nout; i++)
		rc = parse_invoice_line(c, json_array_get(res, i), &(*out)[i], e);
	if (rc != ERR_OK || *nout == 0)
		goto out;
	mids = distinct(*out, *nout, sizeof(**out),
			offsetof(struct ops_invoice_line, move_id), &nmids);
	if (!mids) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = fetch(c, "account.move", "read", json_pack("[o]", field_id_array(mids, nmids)),
		   credit_fields, NULL, sizeof(*moves), parse_move_info,
		   (void **)&moves, &nm, e);
	for (i = 0; rc == ERR_OK && i < *nout; i++) {
		for (j = 0; j < nm && moves[j].m.id != (*out)[i].move_id; j++)
			;
		if (j == nm)
			continue;
		fill_move(&(*out)[i], &moves[j].m);
		snprintf((*out)[i].move_type, sizeof((*out)[i].move_type), "%s",
			 moves[j].move_type);
		(*out)[i].journal_id = moves[j].journal_id;
		rc = invoice_line_amounts(c, json_array_get(res, i), &(*out)[i],
					  moves[j].m.currency_id, e);
	}
out:
	json_decref(res);
	free(mids);
	free(moves);
	if (rc != ERR_OK) {
		free(*out);
		*out = NULL;
		*nout = 0;
	}
	return rc;
}

static json_t *credit_line(const struct ops_credit_line *l)
{
	return json_pack("[i, i, {s:I, s:f, s:f, s:f, s:[[i, i, o]], s:[[i, i, [I]]]}]",
			 0, 0, "product_id", (json_int_t)l->product_id,
			 "quantity", money_to_double(l->qty, MONEY_QTY_DECIMALS),
			 "price_unit", money_to_double(l->price_unit, MONEY_PRICE_DECIMALS),
			 "discount", money_to_double(l->discount, MONEY_DISCOUNT_DECIMALS),
			 "tax_ids", 6, 0, field_id_array(l->tax_ids, l->ntax),
			 "sale_line_ids", 6, 0, (json_int_t)l->sale_line_id);
}

static json_t *credit_vals(const struct ops_credit *r)
{
	json_t *lines = json_array();
	json_t *v;
	size_t i;

	for (i = 0; lines && i < r->nlines; i++)
		json_array_append_new(lines, credit_line(&r->lines[i]));
	v = json_pack("{s:s, s:I, s:I, s:s, s:s, s:o}", "move_type", "out_refund",
		      "partner_id", (json_int_t)r->partner_id,
		      "reversed_entry_id", (json_int_t)r->reversed_entry_id,
		      "invoice_origin", r->invoice_origin, "ref", r->ref,
		      "invoice_line_ids", lines);
	if (v && r->journal_id)
		json_object_set_new(v, "journal_id", json_integer((json_int_t)r->journal_id));
	return v;
}

enum err_code ops_credit_notes_create(struct odoo *c, const struct ops_credit *reqs,
				      size_t n, int64_t *ids, struct err *e)
{
	json_t *vals;
	size_t i;

	if (n == 0)
		return ERR_OK;
	vals = json_array();
	for (i = 0; vals && i < n; i++)
		json_array_append_new(vals, credit_vals(&reqs[i]));
	return create_list(c, "account.move", vals, n, ids, e);
}

enum err_code ops_moves_post(struct odoo *c, const int64_t *ids, size_t n,
			     struct err *e)
{
	if (n == 0)
		return ERR_OK;
	return call_ids(c, "account.move", "action_post", ids, n, NULL, e);
}

static enum err_code credits(struct odoo *c, const char *field, json_t *values_own,
			     struct ops_credit_note **out, size_t *nout, struct err *e)
{
	return fetch(c, "account.move", "search_read",
		     json_pack("[[[s, s, o], [s, s, s]]]", field, "in", values_own,
			       "move_type", "=", "out_refund"),
		     credit_fields, "id", sizeof(**out), parse_credit, (void **)out,
		     nout, e);
}

enum err_code ops_credit_notes_by_ref(struct odoo *c, const char *const *refs,
				      size_t n, struct ops_credit_note **out,
				      size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return credits(c, "ref", field_str_array(refs, n), out, nout, e);
}

enum err_code ops_credit_notes_by_origin(struct odoo *c, const char *const *names,
					 size_t n, struct ops_credit_note **out,
					 size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return credits(c, "invoice_origin", field_str_array(names, n), out, nout, e);
}

enum err_code ops_credit_notes_read(struct odoo *c, const int64_t *ids, size_t n,
				    struct ops_credit_note **out, size_t *nout,
				    struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return fetch(c, "account.move", "read", json_pack("[o]", field_id_array(ids, n)),
		     credit_fields, NULL, sizeof(**out), parse_credit, (void **)out,
		     nout, e);
}

/* --- scrap, notes, quants ------------------------------------------------ */

enum err_code ops_scrap(struct odoo *c, int64_t product_id, int64_t qty,
			int64_t location_id, int64_t scrap_location_id,
			const char *origin, int64_t *scrap_id, bool *done,
			struct err *e)
{
	struct ops_button b;
	json_t *res = NULL, *vals;
	enum err_code rc;

	*scrap_id = 0;
	*done = false;
	vals = json_pack("{s:I, s:f, s:I, s:I}",
			 "product_id", (json_int_t)product_id,
			 "scrap_qty", money_to_double(qty, MONEY_QTY_DECIMALS),
			 "location_id", (json_int_t)location_id,
			 "scrap_location_id", (json_int_t)scrap_location_id);
	if (vals && origin)
		json_object_set_new(vals, "origin", json_string(origin));
	rc = odoo_execute(c, "stock.scrap", "create", json_pack("[o]", vals), NULL,
			  &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	*scrap_id = json_is_integer(res) ? (int64_t)json_integer_value(res) : 0;
	json_decref(res);
	if (*scrap_id == 0)
		return err_set(e, ERR_UNKNOWN_OUTCOME, "stock.scrap.create gave no id");
	rc = ops_button(c, "stock.scrap", "action_validate", scrap_id, 1, NULL, &b, e);
	if (rc == ERR_OK)
		*done = !b.action;
	return rc;
}

enum err_code ops_note_subtype(struct odoo *c, int64_t *id, struct err *e)
{
	json_t *res = NULL;
	enum err_code rc;

	*id = 0;
	rc = odoo_execute(c, "ir.model.data", "search_read",
			  json_pack("[[[s, s, s], [s, s, s]]]", "module", "=", "mail",
				    "name", "=", "mt_note"),
			  json_pack("{s:[s]}", "fields", "res_id"), &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	*id = field_id(json_array_get(res, 0), "res_id");
	json_decref(res);
	if (*id == 0)
		return err_set(e, ERR_NOT_FOUND, "Odoo has no mail.mt_note subtype");
	return ERR_OK;
}

enum err_code ops_notes_create(struct odoo *c, const struct ops_note *notes,
			       size_t n, int64_t subtype_id, int64_t *ids,
			       struct err *e)
{
	json_t *vals;
	size_t i;

	if (n == 0)
		return ERR_OK;
	vals = json_array();
	for (i = 0; vals && i < n; i++)
		json_array_append_new(vals, json_pack("{s:s, s:I, s:s, s:s, s:I}",
						      "model", notes[i].model,
						      "res_id", (json_int_t)notes[i].res_id,
						      "body", notes[i].body,
						      "message_type", "comment",
						      "subtype_id", (json_int_t)subtype_id));
	return create_list(c, "mail.message", vals, n, ids, e);
}

enum err_code ops_message_post(struct odoo *c, const struct ops_note *note,
			       int64_t *message_id, struct err *e)
{
	json_t *res = NULL;
	enum err_code rc;

	*message_id = 0;
	rc = odoo_execute(c, note->model, "message_post",
			  json_pack("[[I]]", (json_int_t)note->res_id),
			  json_pack("{s:s, s:s, s:s}", "body", note->body,
				    "message_type", "comment",
				    "subtype_xmlid", "mail.mt_note"),
			  &res, NULL, e);
	if (rc == ERR_OK)
		*message_id = json_is_integer(res) ? (int64_t)json_integer_value(res) : 0;
	json_decref(res);
	return rc;
}

static enum err_code parse_quant(struct odoo *c, const json_t *rec, void *item,
				 struct err *e)
{
	struct ops_quant *q = item;
	enum err_code rc;

	q->id = field_id(rec, "id");
	q->product_id = field_id(rec, "product_id");
	q->location_id = field_id(rec, "location_id");
	rc = field_fixed(rec, "quantity", MONEY_QTY_DECIMALS, &q->qty, e);
	if (rc == ERR_OK)
		rc = field_fixed(rec, "reserved_quantity", MONEY_QTY_DECIMALS, &q->reserved, e);
	return rc;
}

enum err_code ops_quants(struct odoo *c, const int64_t *product_ids, size_t np,
			 const int64_t *location_ids, size_t nl,
			 struct ops_quant **out, size_t *nout, struct err *e)
{
	static const char *const fields[] = { "product_id", "location_id", "quantity",
					      "reserved_quantity", NULL };

	*out = NULL;
	*nout = 0;
	if (np == 0 || nl == 0)
		return ERR_OK;
	return fetch(c, "stock.quant", "search_read",
		     json_pack("[[[s, s, o], [s, s, o]]]", "product_id", "in",
			       field_id_array(product_ids, np), "location_id", "in",
			       field_id_array(location_ids, nl)),
		     fields, "product_id, location_id", sizeof(**out), parse_quant,
		     (void **)out, nout, e);
}

/* --- shared with the other ops files (ops_int.h) -------------------------- */

enum err_code ops_int_fetch(struct odoo *c, const char *model, const char *method,
			    json_t *args_own, const char *const *fields,
			    const char *order, size_t size, ops_parse_fn *parse,
			    void **out, size_t *nout, struct err *e)
{
	return fetch(c, model, method, args_own, fields, order, size, parse, out,
		     nout, e);
}

enum err_code ops_int_amounts(struct odoo *c, const json_t *rec, int64_t cur,
			      int *decimals, const char *const *names,
			      int64_t **dst, struct err *e)
{
	return amounts(c, rec, cur, decimals, names, dst, e);
}

int64_t *ops_int_distinct(const void *items, size_t n, size_t size, size_t off,
			  size_t *nout)
{
	return distinct(items, n, size, off, nout);
}
