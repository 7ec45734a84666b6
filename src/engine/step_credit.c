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
#include "core/policy.h"
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

/* One account.tax of the working record as core/credit wants it. */
static enum err_code one_tax(const json_t *tx, int64_t id, struct credit_tax *t,
			     struct err *e)
{
	const char *type = json_string_value(json_object_get(tx, "type"));

	memset(t, 0, sizeof(*t));
	t->id = id;
	t->rate = wr_int(tx, "rate");
	t->included = json_is_true(json_object_get(tx, "included"));
	t->include_base_amount = json_is_true(json_object_get(tx, "include_base_amount"));
	t->not_base_affected = json_is_false(json_object_get(tx, "is_base_affected"));
	t->sequence = wr_int(tx, "sequence");
	if (!type || strcmp(type, "percent") == 0)
		t->kind = CREDIT_TAX_PERCENT;
	else if (strcmp(type, "fixed") == 0)
		t->kind = CREDIT_TAX_FIXED;
	else if (strcmp(type, "division") == 0)
		t->kind = CREDIT_TAX_DIVISION;
	else if (strcmp(type, "group") == 0)
		t->kind = CREDIT_TAX_GROUP;
	else
		return err_set(e, ERR_REJECTED, "tax %lld is computed by code (amount_type %s): returnbridge cannot check its amount; credit this return by hand",
			       (long long)id, type);
	return ERR_OK;
}

/* The taxes of a line, groups with their children. */
static enum err_code line_taxes(struct work *wo, json_t *l, struct credit_tax *t,
				struct credit_tax (*kids)[CREDIT_MAX_TAXES], size_t *nt,
				struct err *e)
{
	json_t *all = json_object_get(wo->w, "taxes"), *id, *tx, *c;
	enum err_code rc;
	char key[32];
	size_t i, j;

	*nt = 0;
	json_array_foreach(json_object_get(l, "tax_ids"), i, id) {
		if (*nt >= CREDIT_MAX_TAXES)
			return err_set(e, ERR_INVALID, "too many taxes on one line");
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(id));
		tx = json_object_get(all, key);
		if (!tx)
			return err_set(e, ERR_INTERNAL, "tax %s was not read", key);
		rc = one_tax(tx, json_integer_value(id), &t[*nt], e);
		json_array_foreach(json_object_get(tx, "children"), j, c) {
			if (rc != ERR_OK || j >= CREDIT_MAX_TAXES)
				break;
			snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(c));
			if (!json_object_get(all, key))
				return err_set(e, ERR_INTERNAL, "tax %s was not read", key);
			rc = one_tax(json_object_get(all, key), json_integer_value(c), &kids[*nt][j], e);
		}
		if (rc != ERR_OK)
			return rc;
		t[*nt].children = kids[*nt];
		t[*nt].nchildren = json_array_size(json_object_get(tx, "children"));
		(*nt)++;
	}
	return ERR_OK;
}

/* A received line the refund policy lets through: not "none", and not
 * rejected by a person. */
static bool creditable(const json_t *l)
{
	const char *pol = json_string_value(json_object_get(l, "policy"));
	const char *dec = json_string_value(json_object_get(json_object_get(l, "decision"), "kind"));

	if (wr_int(l, "received") <= 0 || (pol && strcmp(pol, "none") == 0))
		return false;
	return !(dec && strcmp(dec, "rejected") == 0);
}

/* Where the warehouse put a line, as the refund policy names it. */
static const char *where(const struct cfg *c, const json_t *l)
{
	const char *loc = json_string_value(json_object_get(l, "final_location"));

	if (!loc || !*loc)
		return "other";
	if (strcmp(loc, c->disposition_stock) == 0)
		return "stock";
	if (strcmp(loc, c->disposition_quarantine) == 0)
		return "quarantine";
	if (strcmp(loc, c->disposition_scrap) == 0)
		return "scrap";
	return "other";
}

static const char *reason_of(const struct work *wo, int64_t line_no)
{
	json_t *l;
	size_t i;

	json_array_foreach(wo->lines, i, l)
		if (json_integer_value(json_object_get(l, "line_no")) == line_no)
			return json_string_value(json_object_get(l, "reason"));
	return NULL;
}

/* The refund policy of each received line (decided once, at the first
 * credit step); the lines still waiting for a person, as text. */
static int decide_policy(const struct worker *wk, struct work *wo, char *waiting, size_t len)
{
	size_t i, o = 0;
	int n = 0;
	json_t *l;

	waiting[0] = '\0';
	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		struct policy_decision d;

		if (wr_int(l, "received") <= 0)
			continue;
		if (!json_object_get(l, "policy")) {
			policy_for(wk->cfg, reason_of(wo, wr_int(l, "line_no")), where(wk->cfg, l), &d);
			json_object_set_new(l, "policy", json_string(policy_name(d.policy)));
			json_object_set_new(l, "policy_source", json_string(d.source));
			if (d.policy == CFG_POLICY_APPROVAL)
				json_object_set_new(l, "needs_approval", json_true());
		}
		if (json_is_true(json_object_get(l, "needs_approval")) &&
		    !json_object_get(l, "decision")) {
			o += (size_t)snprintf(waiting + o, o < len ? len - o : 0, "%sline %lld (%s)",
					      n ? ", " : "", (long long)wr_int(l, "line_no"),
					      json_string_value(json_object_get(l, "label")));
			if (o >= len)
				o = len - 1;
			n++;
		}
	}
	return n;
}

/* Lines invoiced on ordered quantities among those to credit. */
static bool ordered_qty(const struct work *wo)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		const char *pol = json_string_value(json_object_get(l, "invoice_policy"));

		if (creditable(l) && pol && strcmp(pol, "order") == 0)
			return true;
	}
	return false;
}

/* Before any credit: the refund policy and finance's choice on products
 * invoiced on ordered quantities. 1 when the return goes on to credit. */
static int gate(struct worker *wk, struct work *wo)
{
	struct step_exc x = { "", "finance", "" };
	struct err e = ERR_INIT;
	enum retflow_state to = wo->state;
	char waiting[400];
	enum err_code rc = ERR_OK;
	int n = decide_policy(wk, wo, waiting, sizeof(waiting));

	if (n) {
		x.type = "approval_needed";
		snprintf(x.message, sizeof(x.message), "the refund policy wants a person to decide on %.250s of return %.80s (order %.60s): returnbridge approve %.80s --comment ... credits them, returnbridge reject %.80s --comment ... does not",
			 waiting, wo->rid,
			 json_string_value(json_object_get(json_object_get(wo->w, "order"), "name")),
			 wo->rid, wo->rid);
		to = RETFLOW_AWAITING_APPROVAL;
		rc = engine_commit(wk, wo, to, "approval_needed",
				   json_pack("{s:s}", "lines", waiting), &x, 1, &e);
	} else if (wk->cfg->refund_ordered_qty == 1 && ordered_qty(wo) &&
		   !json_is_true(json_object_get(wo->w, "ordered_qty_ok"))) {
		x.type = "ordered_qty_invoicing";
		snprintf(x.message, sizeof(x.message), "return %s credits products invoiced on ordered quantities: once credited, order %s goes back to \"to invoice\" and could be billed again. Decide how to treat it (refund.ordered_qty), then release the return to credit it",
			 wo->rid,
			 json_string_value(json_object_get(json_object_get(wo->w, "order"), "name")));
		/* released: a person has decided */
		json_object_set_new(wo->w, "ordered_qty_ok", json_true());
		json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
		to = RETFLOW_ON_HOLD;
		rc = engine_commit(wk, wo, to, "hold", json_pack("{s:s}", "type", x.type), &x, 1, &e);
	} else {
		return 1;
	}
	wo->res = STEP_DONE;
	if (rc != ERR_OK)
		work_fail(wo, rc, &e);
	return 0;
}

/* Our computation of every received line; lines with nothing received
 * or that the refund policy or a person refused are refused. */
static enum err_code make_plan(struct work *wo, int major, int64_t invoice_id,
			       struct plan *p, json_t *outcomes, struct err *e)
{
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	struct credit_tax t[CREDIT_MAX_TAXES];
	struct credit_tax kids[CREDIT_MAX_TAXES][CREDIT_MAX_TAXES];
	struct credit_line_in in;
	struct credit_line_out out;
	char pu[32], ds[32], q[32], amt[32];
	enum err_code rc;
	json_t *l;
	size_t i, k, nt;

	p->audit = json_array();
	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		if (wr_int(l, "invoice_id") != invoice_id)
			continue;
		if (!creditable(l)) {
			json_array_append_new(outcomes, json_pack("[i,s]", (int)wr_int(l, "line_no"), "refused"));
			continue;
		}
		if (p->n >= MAX_LINES)
			return err_set(e, ERR_INVALID, "too many lines");
		rc = line_taxes(wo, l, t, kids, &nt, e);
		if (rc != ERR_OK)
			return rc;
		in = (struct credit_line_in){ wr_int(l, "price_unit"), wr_int(l, "discount"),
					      wr_int(l, "received"), t, nt };
		rc = credit_line_odoo(&in, decimals, major, &out, e);
		if (rc == ERR_UNSUPPORTED)
			rc = err_set(e, ERR_REJECTED, "%s: returnbridge cannot check this tax combination on Odoo %d; credit this return by hand",
				     e->msg, major);
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

/* One credit note of a return of the batch (one per invoice the return's
 * received lines were charged on) and what the step knows of it. */
struct crediting {
	struct work *wo;
	json_t *ce;                        /* its entry in the working record's "credits" */
	struct plan p;
	const char *ref;
	int64_t id;                        /* the credit note, once known */
	struct ops_credit req;
	bool fresh;                        /* created in this round: a draft */
	bool go;                           /* planned: to be credited */
};

struct batch {
	struct crediting **c;              /* the notes of one write call */
	struct ops_credit *req;
	int64_t *ids;
};

static enum err_code create_some(struct worker *wk, size_t from, size_t n, void *arg,
				 struct err *e)
{
	struct batch *b = arg;

	return ops_credit_notes_create(wk->odoo, &b->req[from], n, &b->ids[from], e);
}

static enum err_code post_some(struct worker *wk, size_t from, size_t n, void *arg,
			       struct err *e)
{
	struct batch *b = arg;

	return ops_moves_post(wk->odoo, &b->ids[from], n, e);
}

static bool live(const struct crediting *c)
{
	return c->go && c->wo->rc == ERR_OK;
}

static void fail(struct crediting *c, enum err_code rc, const struct err *e)
{
	work_fail(c->wo, rc, e);
}

static bool received_any(const struct work *wo)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "lines"), i, l)
		if (wr_int(l, "received") > 0)
			return true;
	return false;
}

/* Our plan for each of a return's credit notes, into cs[*k..]; a hold
 * when nothing was received. The return's audit row says where every
 * number came from. */
static void plan_return(struct worker *wk, struct work *wo, struct crediting *cs,
			size_t *k, json_t *outcomes)
{
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	json_t *ce, *audit = json_array();
	struct step_exc x[1];
	struct err e = ERR_INIT;
	enum err_code rc = ERR_OK;
	size_t i, k0 = *k, planned = 0;

	json_array_foreach(json_object_get(wo->w, "credits"), i, ce) {
		struct crediting *c = &cs[*k];

		memset(c, 0, sizeof(*c));
		c->wo = wo;
		c->ce = ce;
		c->ref = json_string_value(json_object_get(ce, "ref"));
		rc = make_plan(wo, odoo_server(wk->odoo)->major, wr_int(ce, "invoice_id"), &c->p,
			       outcomes, &e);
		if (rc != ERR_OK)
			break;
		c->id = wr_int(ce, "id");
		c->go = c->p.n > 0;
		planned += c->p.n;
		json_array_append_new(audit, json_pack("{s:s,s:I,s:O,s:I,s:I,s:I}", "ref", c->ref,
			"invoice_id", (json_int_t)wr_int(ce, "invoice_id"), "lines", c->p.audit,
			"untaxed_minor", (json_int_t)c->p.untaxed, "tax_minor", (json_int_t)c->p.tax,
			"total_minor", (json_int_t)c->p.total));
		(*k)++;
	}
	if (rc == ERR_OK && planned == 0 && received_any(wo)) {
		/* everything received was refused by the policy or a person */
		x[0] = (struct step_exc){ "refund_refused", "support", "" };
		snprintf(x[0].message, sizeof(x[0].message), "return %s is not credited: the refund policy or a person refused every line received (returnbridge explain %s says who and why); tell the customer",
			 wo->rid, wo->rid);
		rc = engine_outcomes(wk, wo, outcomes, &e);
		if (rc == ERR_OK)
			rc = engine_commit(wk, wo, RETFLOW_CLOSED, "closed",
					   json_pack("{s:s}", "refund", "refused"), x, 1, &e);
		wo->res = STEP_DONE;
		for (i = k0; i < *k; i++)
			cs[i].go = false;
	} else if (rc == ERR_OK && planned == 0) {
		x[0] = (struct step_exc){ "nothing_received", "warehouse", "" };
		snprintf(x[0].message, sizeof(x[0].message), "the return picking was validated with nothing received: nothing is credited; check with the warehouse, then cancel or release the return");
		json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
		rc = engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
				   json_pack("{s:s}", "type", "nothing_received"), x, 1, &e);
		wo->res = STEP_DONE;
		for (i = k0; i < *k; i++)
			cs[i].go = false;
	} else if (rc == ERR_OK && wo->state != RETFLOW_CREDIT_DRAFT) {
		rc = engine_audit(wk, wo, "credit_computed", json_pack("{s:o,s:i}",
				  "credit_notes", audit, "decimals", decimals), &e);
		audit = NULL;
	}
	json_decref(audit);
	if (rc != ERR_OK)
		work_fail(wo, rc, &e);
}

/* Our credit notes found by reference after an unknown outcome: ref ->
 * id of the first not cancelled. One call for the batch. */
static enum err_code find_ours(struct worker *wk, struct crediting *cs, size_t n,
			       json_t *found, struct err *e)
{
	const char **refs = calloc(n + 1, sizeof(*refs));
	struct ops_credit_note *c = NULL;
	size_t k = 0, nc = 0, i;
	enum err_code rc = ERR_OK;

	if (!refs)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (live(&cs[i]) && !cs[i].id && json_is_true(json_object_get(cs[i].ce, "pending")))
			refs[k++] = cs[i].ref;
	if (k)
		rc = ops_credit_notes_by_ref(wk->odoo, refs, k, &c, &nc, e);
	for (i = 0; rc == ERR_OK && i < nc; i++)
		if (strcmp(c[i].state, "cancel") != 0 && !json_object_get(found, c[i].ref))
			json_object_set_new(found, c[i].ref, json_integer(c[i].id));
	free(c);
	free(refs);
	return rc;
}

static void fill_req(struct crediting *c)
{
	json_t *order = json_object_get(c->wo->w, "order");

	memset(&c->req, 0, sizeof(c->req));
	c->req.ref = c->ref;
	c->req.invoice_origin = json_string_value(json_object_get(order, "name"));
	c->req.partner_id = wr_int(order, "partner_id");
	c->req.reversed_entry_id = wr_int(c->ce, "invoice_id");
	c->req.lines = c->p.cl;
	c->req.nlines = c->p.n;
}

/* Record the ids known of a return's credit notes (state unchanged). */
static enum err_code record_ids(struct worker *wk, struct work *wo, struct crediting *cs,
				size_t n, struct err *e)
{
	json_t *made = json_array();
	enum err_code rc = ERR_OK;
	size_t i;

	for (i = 0; i < n && rc == ERR_OK; i++) {
		if (cs[i].wo != wo || !cs[i].id || wr_int(cs[i].ce, "id"))
			continue;
		wr_set_int(cs[i].ce, "id", cs[i].id);
		json_object_del(cs[i].ce, "pending");
		rc = engine_doc(wk, wo, "credit_note", cs[i].id, NULL, cs[i].ref, e);
		json_array_append_new(made, json_pack("{s:I,s:s}", "credit_note_id",
						      (json_int_t)cs[i].id, "ref", cs[i].ref));
	}
	if (rc == ERR_OK && json_array_size(made))
		return engine_commit(wk, wo, wo->state, "credit_note_created",
				     json_pack("{s:o}", "credit_notes", made), NULL, 0, e);
	json_decref(made);
	return rc;
}

/* Every credit note of the batch under our reference: found after an
 * unknown outcome, or created now in one call. */
static void ensure_created(struct worker *wk, struct work **wos, size_t nw,
			   struct crediting *cs, size_t n)
{
	struct batch b = { calloc(n + 1, sizeof(*b.c)), calloc(n + 1, sizeof(*b.req)),
			   calloc(n + 1, sizeof(*b.ids)) };
	enum err_code *rcs = calloc(n + 1, sizeof(*rcs)), rc = ERR_OK;
	struct err *errs = calloc(n + 1, sizeof(*errs)), e = ERR_INIT;
	json_t *found = json_object();
	size_t k = 0, i, w;

	if (!b.c || !b.req || !b.ids || !rcs || !errs) {
		rc = err_set(&e, ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = find_ours(wk, cs, n, found, &e);
	if (rc != ERR_OK)
		goto out;
	for (w = 0; w < nw; w++) {
		json_t *refs = json_array();
		size_t k0 = k;

		for (i = 0; i < n && wos[w]->rc == ERR_OK; i++) {
			struct crediting *c = &cs[i];

			if (c->wo != wos[w] || !live(c) || c->id)
				continue;
			c->id = json_integer_value(json_object_get(found, c->ref));
			if (json_is_true(json_object_get(c->ce, "pending")) &&
			    engine_audit(wk, c->wo, "search_before_retry",
					 json_pack("{s:s,s:s,s:I}", "model", "account.move",
						   "ref", c->ref, "found", (json_int_t)c->id),
					 &e) != ERR_OK) {
				fail(c, e.code, &e);
				break;
			}
			if (c->id)
				continue;
			/* the intent first, committed: after a crash we search */
			json_object_set_new(c->ce, "pending", json_true());
			fill_req(c);
			json_array_append_new(refs, json_string(c->ref));
			b.c[k] = c;
			b.req[k++] = c->req;
		}
		if (wos[w]->rc == ERR_OK && record_ids(wk, wos[w], cs, n, &e) != ERR_OK)
			work_fail(wos[w], e.code, &e);
		if (wos[w]->rc == ERR_OK && k > k0 &&
		    engine_commit(wk, wos[w], wos[w]->state, "odoo_write",
				  json_pack("{s:s,s:s,s:O}", "model", "account.move", "method",
					    "create", "refs", refs), NULL, 0, &e) != ERR_OK)
			work_fail(wos[w], e.code, &e);
		if (wos[w]->rc != ERR_OK)
			k = k0;
		json_decref(refs);
	}
	if (k == 0)
		goto out;
	batch_split(wk, k, create_some, &b, rcs, errs);
	engine_test_crash("credit_created");
	for (i = 0; i < k; i++) {
		if (rcs[i] != ERR_OK) {
			fail(b.c[i], rcs[i], &errs[i]);
			continue;
		}
		b.c[i]->id = b.ids[i];
		b.c[i]->fresh = true;
	}
	for (w = 0; w < nw; w++)
		if (record_ids(wk, wos[w], cs, n, &e) != ERR_OK)
			work_fail(wos[w], e.code, &e);
out:
	if (rc != ERR_OK)
		for (i = 0; i < n; i++)
			if (cs[i].go && !cs[i].id)
				fail(&cs[i], rc, &e);
	json_decref(found);
	free(b.c);
	free(b.req);
	free(b.ids);
	free(rcs);
	free(errs);
}

/* Read the batch's credit notes (one call) into notes[] by position. */
static enum err_code read_notes(struct worker *wk, struct crediting *cs, size_t n,
				struct ops_credit_note *notes, struct err *e)
{
	int64_t *ids = calloc(n + 1, sizeof(*ids));
	struct ops_credit_note *c = NULL;
	size_t k = 0, nc = 0, i, j;
	enum err_code rc;

	if (!ids)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (live(&cs[i]) && cs[i].id)
			ids[k++] = cs[i].id;
	rc = k ? ops_credit_notes_read(wk->odoo, ids, k, &c, &nc, e) : ERR_OK;
	for (i = 0; rc == ERR_OK && i < n; i++) {
		memset(&notes[i], 0, sizeof(notes[i]));
		for (j = 0; j < nc && c[j].id != cs[i].id; j++)
			;
		if (j < nc)
			notes[i] = c[j];
	}
	free(c);
	free(ids);
	return rc;
}

/* Post the drafts (not one already posted: a post whose answer was lost is
 * not sent twice), in one call. */
static void ensure_posted(struct worker *wk, struct crediting *cs, size_t n,
			  struct ops_credit_note *notes)
{
	struct batch b = { calloc(n + 1, sizeof(*b.c)), NULL, calloc(n + 1, sizeof(*b.ids)) };
	enum err_code *rcs = calloc(n + 1, sizeof(*rcs)), rc = ERR_OK;
	struct err *errs = calloc(n + 1, sizeof(*errs)), e = ERR_INIT;
	bool all_fresh = true;
	size_t k = 0, i;

	if (!b.c || !b.ids || !rcs || !errs) {
		rc = err_set(&e, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (live(&cs[i]) && !cs[i].fresh)
			all_fresh = false;
	/* what was made this round is a draft: no need to read it first */
	if (!all_fresh) {
		rc = read_notes(wk, cs, n, notes, &e);
		if (rc != ERR_OK)
			goto out;
	}
	for (i = 0; i < n; i++) {
		struct crediting *c = &cs[i];

		if (!live(c) || !c->id)
			continue;
		if (!c->fresh && !notes[i].id) {
			fail(c, err_set(&e, ERR_NOT_FOUND, "credit note %lld is gone from Odoo",
					(long long)c->id), &e);
			continue;
		}
		if (!c->fresh && strcmp(notes[i].state, "draft") != 0)
			continue;
		if (!wk->cfg->engine_post_credit_notes)
			continue;    /* finance posts them */
		if (engine_audit(wk, c->wo, "odoo_write", json_pack("{s:s,s:s,s:I}", "model",
				 "account.move", "method", "action_post", "id", (json_int_t)c->id),
				 &e) != ERR_OK) {
			fail(c, e.code, &e);
			continue;
		}
		b.c[k] = c;
		b.ids[k++] = c->id;
	}
	if (k == 0)
		goto out;
	batch_split(wk, k, post_some, &b, rcs, errs);
	engine_test_crash("credit_posted");
	for (i = 0; i < k; i++)
		if (rcs[i] != ERR_OK)
			fail(b.c[i], rcs[i], &errs[i]);
out:
	if (rc != ERR_OK)
		for (i = 0; i < n; i++)
			if (live(&cs[i]))
				fail(&cs[i], rc, &e);
	free(b.c);
	free(b.ids);
	free(rcs);
	free(errs);
}

/* Odoo's totals against ours for every credit note of a return, the lines'
 * outcomes; CREDITED, or CREDIT_DRAFT while finance has drafts to post. */
static enum err_code conclude(struct worker *wk, struct work *wo, struct crediting *cs,
			      size_t n, const struct ops_credit_note *notes, json_t *outcomes,
			      struct err *e)
{
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	struct step_exc x[8];
	json_t *docs = json_array();
	bool drafts = false;
	char a[32], b[32];
	enum err_code rc = ERR_OK;
	size_t i;
	int nx = 0;

	for (i = 0; i < n; i++) {
		const struct ops_credit_note *note = &notes[i];
		struct crediting *c = &cs[i];

		if (c->wo != wo || !c->go)
			continue;
		if (strcmp(note->state, "draft") == 0 && !wk->cfg->engine_post_credit_notes) {
			drafts = true;
			continue;
		}
		if (strcmp(note->state, "posted") != 0) {
			rc = err_set(e, ERR_REJECTED, "credit note %lld is %s after posting",
				     (long long)c->id, note->state[0] ? note->state : "gone");
			break;
		}
		if ((note->amount_untaxed != c->p.untaxed || note->amount_tax != c->p.tax ||
		     note->amount_total != c->p.total) && nx < 8) {
			x[nx] = (struct step_exc){ "valuation_mismatch", "finance", "" };
			snprintf(x[nx].message, sizeof(x[nx].message), "credit note %s totals %s in Odoo, returnbridge computed %s from the original sale lines: check the credit note's lines before the refund is paid",
				 note->name, money_format(note->amount_total, decimals, a, sizeof(a)),
				 money_format(c->p.total, decimals, b, sizeof(b)));
			nx++;
		}
		json_object_set_new(c->ce, "name", json_string(note->name));
		wr_set_int(c->ce, "amount_total", note->amount_total);
		json_object_set_new(c->ce, "payment_state", json_string(note->payment_state));
		if (rc == ERR_OK)
			rc = engine_doc(wk, wo, "credit_note", c->id, note->name, c->ref, e);
		json_array_append_new(docs, json_pack(
			"{s:s,s:I,s:{s:I,s:I,s:I},s:{s:I,s:I,s:I},s:s}", "credit_note", note->name,
			"credit_note_id", (json_int_t)c->id,
			"odoo", "untaxed", (json_int_t)note->amount_untaxed, "tax", (json_int_t)note->amount_tax,
			"total", (json_int_t)note->amount_total,
			"ours", "untaxed", (json_int_t)c->p.untaxed, "tax", (json_int_t)c->p.tax,
			"total", (json_int_t)c->p.total, "payment_state", note->payment_state));
	}
	if (rc == ERR_OK && drafts) {
		/* finance posts: look again at the next poll */
		if (wo->state != RETFLOW_CREDIT_DRAFT)
			rc = engine_commit(wk, wo, RETFLOW_CREDIT_DRAFT, "credit_note_draft",
					   json_pack("{s:O}", "credit_notes", docs), NULL, 0, e);
		json_decref(docs);
		if (rc == ERR_OK)
			wo->res = STEP_WAIT;
		return rc;
	}
	if (rc == ERR_OK)
		rc = engine_outcomes(wk, wo, outcomes, e);
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, RETFLOW_CREDITED, "credited",
				   json_pack("{s:O,s:b}", "credit_notes", docs, "agree", nx == 0),
				   x, nx, e);
	json_decref(docs);
	if (rc == ERR_OK)
		wo->res = STEP_NEXT;
	return rc;
}

void step_credit(struct worker *wk, struct work **wos, size_t n)
{
	size_t max = 0, nc = 0, i;
	struct crediting *cs;
	struct ops_credit_note *notes;
	json_t **outcomes = calloc(n + 1, sizeof(*outcomes));
	struct work **fresh = calloc(n + 1, sizeof(*fresh));
	struct err e = ERR_INIT;
	enum err_code rc;
	size_t k, nf;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "credits"));
	cs = calloc(max + 1, sizeof(*cs));
	notes = calloc(max + 1, sizeof(*notes));
	if (!cs || !notes || !outcomes || !fresh) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	for (i = 0; i < n; i++)
		outcomes[i] = json_array();
	/* the policy first; then no credit where someone already refunded */
	for (k = 0, i = 0; i < n; i++)
		if (wos[i]->state == RETFLOW_CREDIT_DRAFT || gate(wk, wos[i]))
			fresh[k++] = wos[i];
	for (nf = 0, i = 0; i < k; i++)
		if (fresh[i]->state == RETFLOW_RECEIVED)
			fresh[nf++] = fresh[i];
	if (nf)
		check_money(wk, fresh, nf);
	for (i = 0; i < n; i++)
		if (wos[i]->rc == ERR_OK && wos[i]->res == STEP_NEXT)
			plan_return(wk, wos[i], cs, &nc, outcomes[i]);
	ensure_created(wk, wos, n, cs, nc);
	ensure_posted(wk, cs, nc, notes);
	rc = read_notes(wk, cs, nc, notes, &e);
	for (i = 0; i < n; i++) {
		struct err e1 = ERR_INIT;

		if (wos[i]->rc != ERR_OK || wos[i]->res != STEP_NEXT)
			continue;
		if (rc != ERR_OK)
			work_fail(wos[i], rc, &e);
		else if (conclude(wk, wos[i], cs, nc, notes, outcomes[i], &e1) != ERR_OK)
			work_fail(wos[i], e1.code, &e1);
	}
out:
	for (i = 0; cs && i < nc; i++)
		json_decref(cs[i].p.audit);
	for (i = 0; outcomes && i < n; i++)
		json_decref(outcomes[i]);
	free(cs);
	free(notes);
	free(outcomes);
	free(fresh);
}
