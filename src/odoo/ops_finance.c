/* odoo/ops_finance: invoices, invoice policies, refund payments, money
 * already given back, the user's email (ops.h, "finance"). Every operation
 * costs a fixed number of calls whatever the number of records. */
#define LOG_COMPONENT "odoo"
#include "odoo/ops.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "odoo/field.h"
#include "odoo/ops_int.h"

/* --- invoices ------------------------------------------------------------- */

static const char *const invoice_fields[] = {
	"name", "ref", "invoice_origin", "state", "move_type", "payment_state",
	"partner_id", "reversed_entry_id", "currency_id", "amount_total",
	"amount_residual", NULL,
};

static enum err_code parse_invoice(struct odoo *c, const json_t *rec, void *item,
				   struct err *e)
{
	static const char *const names[] = { "amount_total", "amount_residual", NULL };
	struct ops_invoice *m = item;
	int64_t *dst[] = { &m->amount_total, &m->amount_residual };

	m->id = field_id(rec, "id");
	field_str(rec, "name", m->name, sizeof(m->name));
	field_str(rec, "ref", m->ref, sizeof(m->ref));
	field_str(rec, "invoice_origin", m->invoice_origin, sizeof(m->invoice_origin));
	field_str(rec, "state", m->state, sizeof(m->state));
	field_str(rec, "move_type", m->move_type, sizeof(m->move_type));
	field_str(rec, "payment_state", m->payment_state, sizeof(m->payment_state));
	m->partner_id = field_id(rec, "partner_id");
	m->reversed_entry_id = field_id(rec, "reversed_entry_id");
	m->currency_id = field_id(rec, "currency_id");
	return ops_int_amounts(c, rec, m->currency_id, &m->decimals, names, dst, e);
}

enum err_code ops_invoices_read(struct odoo *c, const int64_t *ids, size_t n,
				struct ops_invoice **out, size_t *nout, struct err *e)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	return ops_int_fetch(c, "account.move", "read",
			     json_pack("[o]", field_id_array(ids, n)), invoice_fields,
			     NULL, sizeof(**out), parse_invoice, (void **)out, nout, e);
}

/* --- invoice policy of sale lines ----------------------------------------- */

static enum err_code parse_line_policy(struct odoo *c, const json_t *rec,
				       void *item, struct err *e)
{
	static const char *const qtys[] = { "product_uom_qty", "qty_delivered",
					    "qty_invoiced", "qty_to_invoice" };
	struct ops_line_policy *l = item;
	int64_t *dst[] = { &l->qty_ordered, &l->qty_delivered, &l->qty_invoiced,
			   &l->qty_to_invoice };
	enum err_code rc = ERR_OK;
	size_t i;

	l->id = field_id(rec, "id");
	l->order_id = field_id(rec, "order_id");
	l->product_id = field_id(rec, "product_id");
	field_str(rec, "invoice_status", l->invoice_status, sizeof(l->invoice_status));
	for (i = 0; rc == ERR_OK && i < sizeof(qtys) / sizeof(qtys[0]); i++)
		rc = field_fixed(rec, qtys[i], MONEY_QTY_DECIMALS, dst[i], e);
	return rc;
}

static void fill_policy(void *item, const struct ops_int_product *p)
{
	struct ops_line_policy *l = item;

	memcpy(l->invoice_policy, p->policy, sizeof(p->policy));
}

enum err_code ops_sale_lines_policy(struct odoo *c, const int64_t *sale_line_ids,
				    size_t n, struct ops_line_policy **out,
				    size_t *nout, struct err *e)
{
	static const char *const fields[] = {
		"order_id", "product_id", "product_uom_qty", "qty_delivered",
		"qty_invoiced", "qty_to_invoice", "invoice_status", NULL,
	};
	enum err_code rc;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return ERR_OK;
	rc = ops_int_fetch(c, "sale.order.line", "read",
			   json_pack("[o]", field_id_array(sale_line_ids, n)), fields, NULL,
			   sizeof(**out), parse_line_policy, (void **)out, nout, e);
	if (rc != ERR_OK || *nout == 0)
		return rc;
	return ops_int_add_products(c, (void **)out, nout, sizeof(**out),
				    offsetof(struct ops_line_policy, product_id),
				    fill_policy, e);
}

/* --- refund payments ------------------------------------------------------ */

static const char *memo_field(struct odoo *c)
{
	/* 18.0 renamed account.payment.ref to memo */
	return odoo_profile(c)->major >= 18 ? "memo" : "ref";
}

static enum err_code parse_out_payment(struct odoo *c, const json_t *rec,
				       void *item, struct err *e)
{
	static const char *const names[] = { "amount", NULL };
	struct ops_out_payment *p = item;
	int64_t *dst[] = { &p->amount };

	p->id = field_id(rec, "id");
	field_str(rec, "name", p->name, sizeof(p->name));
	field_str(rec, memo_field(c), p->memo, sizeof(p->memo));
	field_str(rec, "state", p->state, sizeof(p->state));
	field_str(rec, "date", p->date, sizeof(p->date));
	p->partner_id = field_id(rec, "partner_id");
	p->currency_id = field_id(rec, "currency_id");
	p->nreconciled = field_ids(rec, "reconciled_invoice_ids", p->reconciled,
				   OPS_MAX_LINKS);
	if (p->nreconciled > OPS_MAX_LINKS)
		p->nreconciled = OPS_MAX_LINKS;   /* a batch payment of many notes */
	return ops_int_amounts(c, rec, p->currency_id, &p->decimals, names, dst, e);
}

static enum err_code out_payments(struct odoo *c, json_t *args_own,
				  const char *method, struct ops_out_payment **out,
				  size_t *nout, struct err *e)
{
	const char *fields[] = {
		"name", memo_field(c), "state", "date", "partner_id", "currency_id",
		"amount", "reconciled_invoice_ids", NULL,
	};

	return ops_int_fetch(c, "account.payment", method, args_own, fields, "id",
			     sizeof(**out), parse_out_payment, (void **)out, nout, e);
}

/* The payments an action_create_payments action names: res_id for one,
 * a domain [("id", "in", ids)] for many. */
static json_t *action_ids(const json_t *act)
{
	const json_t *dom = json_object_get(act, "domain"), *leaf;
	size_t i;

	if (json_integer_value(json_object_get(act, "res_id")) > 0)
		return json_pack("[O]", json_object_get(act, "res_id"));
	json_array_foreach(dom, i, leaf)
		if (json_is_array(leaf) && json_array_size(leaf) == 3 &&
		    json_is_string(json_array_get(leaf, 0)) &&
		    strcmp(json_string_value(json_array_get(leaf, 0)), "id") == 0 &&
		    json_is_array(json_array_get(leaf, 2)))
			return json_deep_copy(json_array_get(leaf, 2));
	return NULL;
}

enum err_code ops_refund_payments_register(struct odoo *c, const int64_t *credit_note_ids,
					   size_t n, int64_t journal_id,
					   struct ops_refund_payment *out, struct err *e)
{
	struct ops_out_payment *p = NULL;
	json_t *vals, *res = NULL, *ids;
	int64_t wizard;
	size_t np = 0, i, j, k;
	enum err_code rc;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].credit_note_id = credit_note_ids[i];
	}
	if (n == 0)
		return ERR_OK;
	vals = json_pack("{s:b}", "group_payment", 0);
	if (vals && journal_id)
		json_object_set_new(vals, "journal_id", json_integer((json_int_t)journal_id));
	rc = odoo_execute(c, "account.payment.register", "create", json_pack("[o]", vals),
			  json_pack("{s:{s:s, s:o}}", "context", "active_model", "account.move",
				    "active_ids", field_id_array(credit_note_ids, n)),
			  &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	wizard = json_is_integer(res) ? (int64_t)json_integer_value(res) : 0;
	json_decref(res);
	res = NULL;
	if (wizard == 0)
		return err_set(e, ERR_INVALID, "account.payment.register.create gave no id");
	rc = odoo_execute(c, "account.payment.register", "action_create_payments",
			  json_pack("[[I]]", (json_int_t)wizard), NULL, &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	ids = action_ids(res);
	json_decref(res);
	if (!ids)   /* made, but we cannot tell which: read the notes back */
		return err_set(e, ERR_UNKNOWN_OUTCOME, "action_create_payments named no payments");
	rc = out_payments(c, json_pack("[o]", ids), "read", &p, &np, e);
	for (i = 0; rc == ERR_OK && i < np; i++)
		for (k = 0; k < p[i].nreconciled; k++)
			for (j = 0; j < n; j++) {
				if (credit_note_ids[j] != p[i].reconciled[k] || out[j].payment_id)
					continue;
				out[j].payment_id = p[i].id;
				snprintf(out[j].name, sizeof(out[j].name), "%s", p[i].name);
				snprintf(out[j].state, sizeof(out[j].state), "%s", p[i].state);
				out[j].amount = p[i].amount;
				out[j].decimals = p[i].decimals;
			}
	free(p);
	return rc;
}

/* --- money already given back on orders ----------------------------------- */

void ops_money_on_orders_free(struct ops_money_on_orders *m)
{
	free(m->moves);
	free(m->payments);
	memset(m, 0, sizeof(*m));
}

/* The first reconciled move of p among the orders' moves. */
static void link_payment(struct ops_out_payment *p, const struct ops_invoice *moves,
			 size_t nm)
{
	size_t i, k;

	for (k = 0; k < p->nreconciled; k++)
		for (i = 0; i < nm; i++)
			if (moves[i].id == p->reconciled[k]) {
				p->move_id = moves[i].id;
				p->ours = strncmp(moves[i].ref, OPS_REF_PREFIX,
						  strlen(OPS_REF_PREFIX)) == 0;
				return;
			}
}

enum err_code ops_money_on_orders(struct odoo *c, const char *const *order_names,
				  size_t n, const int64_t *partner_ids, size_t npartners,
				  const char *since, struct ops_money_on_orders *out,
				  struct err *e)
{
	json_t *partners, *dom;
	int64_t *pids = NULL;
	size_t npids = 0, i;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	if (n == 0 && npartners == 0)
		return ERR_OK;
	if (n > 0) {
		rc = ops_int_fetch(c, "account.move", "search_read",
				   json_pack("[[[s, s, o], [s, s, [s, s]], [s, s, s]]]",
					     "invoice_origin", "in",
					     field_str_array(order_names, n),
					     "move_type", "in", "out_invoice", "out_refund",
					     "state", "!=", "cancel"),
				   invoice_fields, "id", sizeof(*out->moves), parse_invoice,
				   (void **)&out->moves, &out->nmoves, e);
		if (rc != ERR_OK)
			return rc;
	}
	pids = ops_int_distinct(out->moves, out->nmoves, sizeof(*out->moves),
				offsetof(struct ops_invoice, partner_id), &npids);
	partners = pids ? field_id_array(pids, npids) : NULL;
	free(pids);
	for (i = 0; partners && i < npartners; i++)
		json_array_append_new(partners, json_integer((json_int_t)partner_ids[i]));
	if (!partners) {
		ops_money_on_orders_free(out);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	if (json_array_size(partners) == 0) {
		json_decref(partners);
		return ERR_OK;
	}
	/* 17 cancels to 'cancel'; 18.0 to 'canceled', or 'rejected' by the bank */
	dom = json_pack("[[s, s, s], [s, s, s], [s, s, [s, s, s]], [s, s, o]]",
			"payment_type", "=", "outbound", "partner_type", "=", "customer",
			"state", "not in", "cancel", "canceled", "rejected",
			"partner_id", "in", partners);
	if (dom && since)
		json_array_append_new(dom, json_pack("[s, s, s]", "date", ">=", since));
	rc = out_payments(c, json_pack("[o]", dom), "search_read", &out->payments,
			  &out->npayments, e);
	if (rc != ERR_OK) {
		ops_money_on_orders_free(out);
		return rc;
	}
	for (i = 0; i < out->npayments; i++)
		link_payment(&out->payments[i], out->moves, out->nmoves);
	return ERR_OK;
}

/* --- the API user --------------------------------------------------------- */

enum err_code ops_user_email(struct odoo *c, int64_t uid, char *out, size_t len,
			     struct err *e)
{
	json_t *res = NULL;
	enum err_code rc;

	if (len)
		out[0] = '\0';
	rc = odoo_execute(c, "res.users", "read", json_pack("[[I]]", (json_int_t)uid),
			  json_pack("{s:[s]}", "fields", "email"), &res, NULL, e);
	if (rc != ERR_OK)
		return rc;
	if (json_array_size(res) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "Odoo has no user %lld", (long long)uid);
	else
		field_str(json_array_get(res, 0), "email", out, len);
	json_decref(res);
	return rc;
}
