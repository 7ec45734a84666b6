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

/* Our credit notes found by reference after an unknown outcome: ref ->
 * id of the first not cancelled. One call for the batch. */
static enum err_code find_ours(struct worker *wk, const char *const *refs, size_t n,
			       json_t *found, struct err *e)
{
	struct ops_credit_note *c = NULL;
	size_t nc = 0, i;
	enum err_code rc;

	if (n == 0)
		return ERR_OK;
	rc = ops_credit_notes_by_ref(wk->odoo, refs, n, &c, &nc, e);
	for (i = 0; rc == ERR_OK && i < nc; i++)
		if (strcmp(c[i].state, "cancel") != 0 && !json_object_get(found, c[i].ref))
			json_object_set_new(found, c[i].ref, json_integer(c[i].id));
	free(c);
	return rc;
}

/* A return of the batch and what the step knows of it. */
struct crediting {
	struct work *wo;
	struct plan p;
	char ref[300];
	int64_t id;                        /* the credit note, once known */
	struct ops_credit req;
	bool fresh;                        /* created in this round: a draft */
	bool go;                           /* planned: to be credited */
};

struct batch {
	struct crediting **c;              /* the returns of one write call */
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

static void fail(struct crediting *c, enum err_code rc, const struct err *e)
{
	work_fail(c->wo, rc, e);
}

/* Our plan, or a hold when nothing was received; 1 when it goes on. */
static int plan_one(struct worker *wk, struct crediting *c, json_t *outcomes)
{
	struct work *wo = c->wo;
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	struct step_exc x[1];
	struct err e = ERR_INIT;
	enum err_code rc;

	engine_ref(wo, c->ref, sizeof(c->ref));
	rc = make_plan(wo, &c->p, outcomes, &e);
	if (rc == ERR_OK && c->p.n == 0) {
		x[0] = (struct step_exc){ "nothing_received", "warehouse", "" };
		snprintf(x[0].message, sizeof(x[0].message), "the return picking was validated with nothing received: nothing is credited; check with the warehouse, then close or release the return");
		json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
		rc = engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
				   json_pack("{s:s}", "type", "nothing_received"), x, 1, &e);
		wo->res = STEP_DONE;
		if (rc != ERR_OK)
			fail(c, rc, &e);
		return 0;
	}
	if (rc == ERR_OK)
		rc = engine_audit(wk, wo, "credit_computed", json_pack("{s:O,s:I,s:I,s:I,s:i}",
				  "lines", c->p.audit, "untaxed_minor", (json_int_t)c->p.untaxed,
				  "tax_minor", (json_int_t)c->p.tax, "total_minor", (json_int_t)c->p.total,
				  "decimals", decimals), &e);
	if (rc != ERR_OK) {
		fail(c, rc, &e);
		return 0;
	}
	c->id = wr_int(json_object_get(wo->w, "credit"), "id");
	return 1;
}

static enum err_code record_created(struct worker *wk, struct crediting *c, struct err *e)
{
	struct work *wo = c->wo;

	json_object_set_new(wo->w, "credit", json_pack("{s:I,s:s}", "id", (json_int_t)c->id,
						       "ref", c->ref));
	if (engine_doc(wk, wo, "credit_note", c->id, NULL, c->ref, e) != ERR_OK)
		return e->code;
	return engine_commit(wk, wo, wo->state, "credit_note_created",
			     json_pack("{s:I,s:s}", "credit_note_id", (json_int_t)c->id, "ref", c->ref),
			     NULL, 0, e);
}

/* The intent of a create, committed before it is sent; the request. */
static enum err_code prepare_create(struct worker *wk, struct crediting *c, struct err *e)
{
	struct work *wo = c->wo;
	json_t *order = json_object_get(wo->w, "order");

	json_object_set_new(wo->w, "credit", json_pack("{s:b}", "pending", 1));
	memset(&c->req, 0, sizeof(c->req));
	c->req.ref = c->ref;
	c->req.invoice_origin = json_string_value(json_object_get(order, "name"));
	c->req.partner_id = wr_int(order, "partner_id");
	c->req.reversed_entry_id = wr_int(json_array_get(json_object_get(wo->w, "lines"), 0),
					  "invoice_id");
	c->req.lines = c->p.cl;
	c->req.nlines = c->p.n;
	return engine_commit(wk, wo, wo->state, "odoo_write",
			     json_pack("{s:s,s:s,s:s}", "model", "account.move",
				       "method", "create", "ref", c->ref), NULL, 0, e);
}

/* Every credit note of the batch under our reference: found after an
 * unknown outcome, or created now in one call. */
static void ensure_created(struct worker *wk, struct crediting *cs, size_t n)
{
	const char **refs = calloc(n + 1, sizeof(*refs));
	struct batch b = { calloc(n + 1, sizeof(*b.c)), calloc(n + 1, sizeof(*b.req)),
			   calloc(n + 1, sizeof(*b.ids)) };
	enum err_code *rcs = calloc(n + 1, sizeof(*rcs)), rc = ERR_OK;
	struct err *errs = calloc(n + 1, sizeof(*errs)), e = ERR_INIT;
	json_t *found = json_object();
	size_t k = 0, i;

	if (!refs || !b.c || !b.req || !b.ids || !rcs || !errs) {
		rc = err_set(&e, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (cs[i].go && cs[i].wo->rc == ERR_OK && !cs[i].id &&
		    json_is_true(json_object_get(json_object_get(cs[i].wo->w, "credit"), "pending")))
			refs[k++] = cs[i].ref;
	rc = find_ours(wk, refs, k, found, &e);
	if (rc != ERR_OK)
		goto out;
	for (k = 0, i = 0; i < n; i++) {
		struct crediting *c = &cs[i];
		bool pending = json_is_true(json_object_get(json_object_get(c->wo->w, "credit"), "pending"));

		if (!c->go || c->wo->rc != ERR_OK || c->id)
			continue;
		c->id = json_integer_value(json_object_get(found, c->ref));
		if (pending && engine_audit(wk, c->wo, "search_before_retry",
					    json_pack("{s:s,s:s,s:I}", "model", "account.move",
						      "ref", c->ref, "found", (json_int_t)c->id),
					    &e) != ERR_OK) {
			fail(c, e.code, &e);
			continue;
		}
		if (c->id) {
			if (record_created(wk, c, &e) != ERR_OK)
				fail(c, e.code, &e);
			continue;
		}
		if (prepare_create(wk, c, &e) != ERR_OK) {
			fail(c, e.code, &e);
			continue;
		}
		b.c[k] = c;
		b.req[k] = c->req;
		k++;
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
		if (record_created(wk, b.c[i], &errs[i]) != ERR_OK)
			fail(b.c[i], errs[i].code, &errs[i]);
	}
out:
	if (rc != ERR_OK)
		for (i = 0; i < n; i++)
			if (cs[i].go && !cs[i].id)
				fail(&cs[i], rc, &e);
	json_decref(found);
	free(refs);
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
		if (cs[i].go && cs[i].wo->rc == ERR_OK && cs[i].id)
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
		if (cs[i].go && cs[i].wo->rc == ERR_OK && !cs[i].fresh)
			all_fresh = false;
	/* what was made this round is a draft: no need to read it first */
	if (!all_fresh) {
		rc = read_notes(wk, cs, n, notes, &e);
		if (rc != ERR_OK)
			goto out;
	}
	for (i = 0; i < n; i++) {
		struct crediting *c = &cs[i];

		if (!c->go || c->wo->rc != ERR_OK)
			continue;
		if (!c->fresh && !notes[i].id) {
			fail(c, err_set(&e, ERR_NOT_FOUND, "credit note %lld is gone from Odoo",
					(long long)c->id), &e);
			continue;
		}
		if (!c->fresh && strcmp(notes[i].state, "draft") != 0)
			continue;
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
			if (cs[i].go)
				fail(&cs[i], rc, &e);
	free(b.c);
	free(b.ids);
	free(rcs);
	free(errs);
}

/* Odoo's totals against ours, the lines' outcomes, CREDITED. */
static enum err_code conclude(struct worker *wk, struct crediting *c,
			      const struct ops_credit_note *note, json_t *outcomes,
			      struct err *e)
{
	struct work *wo = c->wo;
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	struct step_exc x[1];
	char a[32], b[32];
	enum err_code rc;
	json_t *o;
	size_t i;
	int nx = 0;

	if (strcmp(note->state, "posted") != 0)
		return err_set(e, ERR_REJECTED, "credit note %lld is %s after posting",
			       (long long)c->id, note->state[0] ? note->state : "gone");
	if (note->amount_untaxed != c->p.untaxed || note->amount_tax != c->p.tax ||
	    note->amount_total != c->p.total) {
		x[0] = (struct step_exc){ "valuation_mismatch", "finance", "" };
		snprintf(x[0].message, sizeof(x[0].message), "credit note %s totals %s in Odoo, returnbridge computed %s from the original sale lines: check the credit note's lines before the refund is paid",
			 note->name, money_format(note->amount_total, decimals, a, sizeof(a)),
			 money_format(c->p.total, decimals, b, sizeof(b)));
		nx = 1;
	}
	json_object_set_new(json_object_get(wo->w, "credit"), "name", json_string(note->name));
	wr_set_int(json_object_get(wo->w, "credit"), "amount_total", note->amount_total);
	rc = engine_doc(wk, wo, "credit_note", c->id, note->name, c->ref, e);
	json_array_foreach(outcomes, i, o) {
		if (rc != ERR_OK)
			break;
		rc = store_line_outcome(wk->st, wo->return_id, (int)json_integer_value(json_array_get(o, 0)),
					json_string_value(json_array_get(o, 1)), e);
	}
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, RETFLOW_CREDITED, "credited", json_pack(
			"{s:s,s:I,s:{s:I,s:I,s:I},s:{s:I,s:I,s:I},s:b}", "credit_note", note->name,
			"credit_note_id", (json_int_t)c->id,
			"odoo", "untaxed", (json_int_t)note->amount_untaxed, "tax", (json_int_t)note->amount_tax,
			"total", (json_int_t)note->amount_total,
			"ours", "untaxed", (json_int_t)c->p.untaxed, "tax", (json_int_t)c->p.tax,
			"total", (json_int_t)c->p.total, "agree", nx == 0), x, nx, e);
	if (rc == ERR_OK)
		wo->res = STEP_NEXT;
	return rc;
}

void step_credit(struct worker *wk, struct work **wos, size_t n)
{
	struct crediting *cs = calloc(n + 1, sizeof(*cs));
	struct ops_credit_note *notes = calloc(n + 1, sizeof(*notes));
	json_t **outcomes = calloc(n + 1, sizeof(*outcomes));
	struct err e = ERR_INIT;
	enum err_code rc;
	size_t i, go = 0;

	if (!cs || !notes || !outcomes) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		cs[i].wo = wos[i];
		outcomes[i] = json_array();
		cs[i].go = plan_one(wk, &cs[i], outcomes[i]) == 1;
		go += cs[i].go;
	}
	if (go == 0)
		goto out;
	ensure_created(wk, cs, n);
	ensure_posted(wk, cs, n, notes);
	rc = read_notes(wk, cs, n, notes, &e);
	for (i = 0; i < n; i++) {
		struct err e1 = ERR_INIT;

		if (!cs[i].go || cs[i].wo->rc != ERR_OK || !cs[i].id)
			continue;
		if (rc != ERR_OK)
			fail(&cs[i], rc, &e);
		else if (conclude(wk, &cs[i], &notes[i], outcomes[i], &e1) != ERR_OK)
			fail(&cs[i], e1.code, &e1);
	}
out:
	for (i = 0; cs && outcomes && i < n; i++) {
		json_decref(cs[i].p.audit);
		json_decref(outcomes[i]);
	}
	free(cs);
	free(notes);
	free(outcomes);
}
