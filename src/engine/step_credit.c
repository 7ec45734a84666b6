/* step_credit: RECEIVED -> CREDITED. Credits what was received, from the
 * original sale line's price and discount and the invoice line's taxes
 * (I2), with our reference in the same create (I3); posts it; checks
 * Odoo's totals against our own to the cent. Every number's source goes
 * to the audit log for `explain`. */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/credit.h"
#include "core/money.h"
#include "odoo/ops.h"
#include "util/log.h"

#define MAX_LINES 64

struct plan {
	struct ops_credit_line cl[MAX_LINES];
	int64_t taxes[MAX_LINES][CREDIT_MAX_TAXES];
	size_t n;
	int64_t untaxed, tax, total;
	json_t *audit;       /* per line: the numbers and where they came from */
};

static enum err_code line_taxes(struct work *wo, json_t *l, struct credit_tax *t,
				size_t *nt, struct err *e)
{
	json_t *id, *tx;
	char key[32];
	size_t i;

	*nt = 0;
	json_array_foreach(json_object_get(l, "tax_ids"), i, id) {
		if (*nt >= CREDIT_MAX_TAXES)
			return err_set(e, ERR_INVALID, "too many taxes on one line");
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(id));
		tx = json_object_get(json_object_get(wo->w, "taxes"), key);
		if (!tx || strcmp(json_string_value(json_object_get(tx, "type")), "percent") != 0)
			return err_set(e, ERR_REJECTED, "tax %s is not a percent tax: returnbridge part 1 checks percent taxes only",
				       key);
		t[*nt].id = json_integer_value(id);
		t[*nt].rate = wr_int(tx, "rate");
		t[*nt].included = json_is_true(json_object_get(tx, "included"));
		(*nt)++;
	}
	return ERR_OK;
}

/* Our computation of every received line; lines with nothing received
 * are refused. */
static enum err_code make_plan(struct work *wo, struct plan *p, json_t *outcomes,
			       struct err *e)
{
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	struct credit_tax t[CREDIT_MAX_TAXES];
	struct credit_line_in in;
	struct credit_line_out out;
	char pu[32], ds[32], q[32], amt[32];
	enum err_code rc;
	json_t *l;
	size_t i, k, nt;

	p->audit = json_array();
	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		if (wr_int(l, "received") <= 0) {
			json_array_append_new(outcomes, json_pack("[i,s]", (int)wr_int(l, "line_no"), "refused"));
			continue;
		}
		if (p->n >= MAX_LINES)
			return err_set(e, ERR_INVALID, "too many lines");
		rc = line_taxes(wo, l, t, &nt, e);
		if (rc != ERR_OK)
			return rc;
		in = (struct credit_line_in){ wr_int(l, "price_unit"), wr_int(l, "discount"),
					      wr_int(l, "received"), t, nt };
		rc = credit_line(&in, decimals, &out, e);
		if (rc != ERR_OK)
			return rc;
		for (k = 0; k < nt; k++)
			p->taxes[p->n][k] = t[k].id;
		p->cl[p->n] = (struct ops_credit_line){ wr_int(l, "product_id"), wr_int(l, "sale_line_id"),
			in.qty, in.price_unit, in.discount, p->taxes[p->n], nt };
		p->n++;
		p->untaxed += out.untaxed;
		p->tax += out.tax;
		p->total += out.total;
		json_object_set_new(l, "credit", json_pack("{s:I,s:I,s:I,s:I}", "line_amount",
			(json_int_t)out.line_amount, "untaxed", (json_int_t)out.untaxed,
			"tax", (json_int_t)out.tax, "total", (json_int_t)out.total));
		json_array_append_new(outcomes, json_pack("[i,s]", (int)wr_int(l, "line_no"), "credited"));
		json_array_append_new(p->audit, json_pack(
			"{s:i,s:s,s:s,s:s,s:s,s:I,s:I,s:O,s:s,s:s,s:I,s:I,s:I}",
			"line_no", (int)wr_int(l, "line_no"), "label", json_string_value(json_object_get(l, "label")),
			"price_unit", money_format(in.price_unit, MONEY_PRICE_DECIMALS, pu, sizeof(pu)),
			"discount_pct", money_format(in.discount, MONEY_DISCOUNT_DECIMALS, ds, sizeof(ds)),
			"qty_received", money_format(in.qty, MONEY_QTY_DECIMALS, q, sizeof(q)),
			"sale_line_id", (json_int_t)wr_int(l, "sale_line_id"),
			"invoice_line_id", (json_int_t)wr_int(l, "invoice_line_id"),
			"tax_ids", json_object_get(l, "tax_ids"),
			"untaxed", money_format(out.untaxed, decimals, amt, sizeof(amt)),
			"rule", "price x (1 - discount) x received, rounded once per line",
			"untaxed_minor", (json_int_t)out.untaxed, "tax_minor", (json_int_t)out.tax,
			"total_minor", (json_int_t)out.total));
	}
	return ERR_OK;
}

static enum err_code find_ours(struct worker *wk, const char *ref, int64_t *id, struct err *e)
{
	struct ops_credit_note *c = NULL;
	size_t n = 0, i;
	enum err_code rc;

	*id = 0;
	rc = ops_credit_notes_by_ref(wk->odoo, &ref, 1, &c, &n, e);
	for (i = 0; rc == ERR_OK && i < n; i++)
		if (strcmp(c[i].state, "cancel") != 0 && !*id)
			*id = c[i].id;
	free(c);
	return rc;
}

/* The credit note under our reference: found after an unknown outcome, or
 * created now. */
static enum err_code ensure_created(struct worker *wk, struct work *wo, struct plan *p,
				    const char *ref, int64_t *id, struct err *e)
{
	json_t *cn = json_object_get(wo->w, "credit");
	json_t *order = json_object_get(wo->w, "order");
	struct ops_credit req;
	enum err_code rc;

	*id = wr_int(cn, "id");
	if (*id)
		return ERR_OK;
	if (json_is_true(json_object_get(cn, "pending"))) {
		rc = find_ours(wk, ref, id, e);
		if (rc == ERR_OK)
			rc = engine_audit(wk, wo, "search_before_retry",
					  json_pack("{s:s,s:s,s:I}", "model", "account.move", "ref", ref,
						    "found", (json_int_t)*id), e);
		if (rc != ERR_OK)
			return rc;
	}
	if (!*id) {
		json_object_set_new(wo->w, "credit", json_pack("{s:b}", "pending", 1));
		rc = engine_commit(wk, wo, wo->state, "odoo_write",
				   json_pack("{s:s,s:s,s:s}", "model", "account.move",
					     "method", "create", "ref", ref), NULL, 0, e);
		if (rc != ERR_OK)
			return rc;
		memset(&req, 0, sizeof(req));
		req.ref = ref;
		req.invoice_origin = json_string_value(json_object_get(order, "name"));
		req.partner_id = wr_int(order, "partner_id");
		req.reversed_entry_id = wr_int(json_array_get(json_object_get(wo->w, "lines"), 0), "invoice_id");
		req.lines = p->cl;
		req.nlines = p->n;
		rc = ops_credit_notes_create(wk->odoo, &req, 1, id, e);
		if (rc != ERR_OK)
			return rc;
		engine_test_crash("credit_created");
	}
	json_object_set_new(wo->w, "credit", json_pack("{s:I,s:s}", "id", (json_int_t)*id, "ref", ref));
	rc = engine_doc(wk, wo, "credit_note", *id, NULL, ref, e);
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, wo->state, "credit_note_created",
				   json_pack("{s:I,s:s}", "credit_note_id", (json_int_t)*id, "ref", ref),
				   NULL, 0, e);
	return rc;
}

/* Post unless posted (a post whose answer was lost is not sent twice),
 * then read the note. */
static enum err_code ensure_posted(struct worker *wk, struct work *wo, int64_t id,
				   struct ops_credit_note *out, struct err *e)
{
	struct ops_credit_note *c = NULL;
	size_t n = 0;
	enum err_code rc;
	int round;

	for (round = 0; round < 2; round++) {
		rc = ops_credit_notes_read(wk->odoo, &id, 1, &c, &n, e);
		if (rc == ERR_OK && n != 1)
			rc = err_set(e, ERR_NOT_FOUND, "credit note %lld is gone from Odoo", (long long)id);
		if (rc != ERR_OK)
			break;
		*out = *c;
		free(c);
		c = NULL;
		if (strcmp(out->state, "draft") != 0 || round == 1)
			break;
		rc = engine_audit(wk, wo, "odoo_write", json_pack("{s:s,s:s,s:I}", "model",
				  "account.move", "method", "action_post", "id", (json_int_t)id), e);
		if (rc == ERR_OK)
			rc = ops_moves_post(wk->odoo, &id, 1, e);
		if (rc != ERR_OK)
			break;
		engine_test_crash("credit_posted");
	}
	free(c);
	if (rc == ERR_OK && strcmp(out->state, "posted") != 0)
		rc = err_set(e, ERR_REJECTED, "credit note %lld is %s after posting", (long long)id,
			     out->state);
	return rc;
}

enum err_code step_credit(struct worker *wk, struct work *wo, enum step_result *res,
			  struct err *e)
{
	struct plan p;
	struct ops_credit_note note;
	struct step_exc x[1];
	json_t *outcomes = json_array(), *o;
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	char ref[300], a[32], b[32];
	int64_t id = 0;
	enum err_code rc;
	int nx = 0;
	size_t i;

	memset(&p, 0, sizeof(p));
	*res = STEP_DONE;
	engine_ref(wo, ref, sizeof(ref));
	rc = make_plan(wo, &p, outcomes, e);
	if (rc != ERR_OK)
		goto out;
	if (p.n == 0) {
		x[0] = (struct step_exc){ "nothing_received", "warehouse", "" };
		snprintf(x[0].message, sizeof(x[0].message), "the return picking was validated with nothing received: nothing is credited; check with the warehouse, then close or release the return");
		json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
		rc = engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
				   json_pack("{s:s}", "type", "nothing_received"), x, 1, e);
		goto out;
	}
	rc = engine_audit(wk, wo, "credit_computed", json_pack("{s:O,s:I,s:I,s:I,s:i}",
			  "lines", p.audit, "untaxed_minor", (json_int_t)p.untaxed,
			  "tax_minor", (json_int_t)p.tax, "total_minor", (json_int_t)p.total,
			  "decimals", decimals), e);
	if (rc == ERR_OK)
		rc = ensure_created(wk, wo, &p, ref, &id, e);
	if (rc == ERR_OK)
		rc = ensure_posted(wk, wo, id, &note, e);
	if (rc != ERR_OK)
		goto out;
	if (note.amount_untaxed != p.untaxed || note.amount_tax != p.tax ||
	    note.amount_total != p.total) {
		x[0] = (struct step_exc){ "valuation_mismatch", "finance", "" };
		snprintf(x[0].message, sizeof(x[0].message), "credit note %s totals %s in Odoo, returnbridge computed %s from the original sale lines: check the credit note's lines before the refund is paid",
			 note.name, money_format(note.amount_total, decimals, a, sizeof(a)),
			 money_format(p.total, decimals, b, sizeof(b)));
		nx = 1;
	}
	json_object_set_new(json_object_get(wo->w, "credit"), "name", json_string(note.name));
	wr_set_int(json_object_get(wo->w, "credit"), "amount_total", note.amount_total);
	rc = engine_doc(wk, wo, "credit_note", id, note.name, ref, e);
	json_array_foreach(outcomes, i, o) {
		if (rc != ERR_OK)
			break;
		rc = store_line_outcome(wk->st, wo->return_id, (int)json_integer_value(json_array_get(o, 0)),
					json_string_value(json_array_get(o, 1)), e);
	}
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, RETFLOW_CREDITED, "credited", json_pack(
			"{s:s,s:I,s:{s:I,s:I,s:I},s:{s:I,s:I,s:I},s:b}", "credit_note", note.name,
			"credit_note_id", (json_int_t)id,
			"odoo", "untaxed", (json_int_t)note.amount_untaxed, "tax", (json_int_t)note.amount_tax,
			"total", (json_int_t)note.amount_total,
			"ours", "untaxed", (json_int_t)p.untaxed, "tax", (json_int_t)p.tax,
			"total", (json_int_t)p.total, "agree", nx == 0), x, nx, e);
out:
	json_decref(p.audit);
	json_decref(outcomes);
	return rc;
}
