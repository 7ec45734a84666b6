/* step_notify: CREDITED -> NOTIFIED -> CLOSED for a batch of returns.
 *
 * The credit note's payment state after posting tells finance's two cases
 * apart (the contract recordings): against an unpaid invoice Odoo
 * reconciles it ("paid"/"reversed": nothing to pay out, the refund is
 * settled); against a paid invoice it stays open ("not_paid"): money owed
 * to the customer. With refund.payment_journal set, the engine registers
 * those refund payments (three calls for the whole batch); else finance
 * pays them and the engine notices at a slow poll. Support reads the
 * result as the refund status: "reconciled", "owed", "refunded".
 *
 * Then it tells people: the refund status recorded for support (and pushed
 * to Rebound when configured: rebound/statuspush), and a note on the sale
 * order and on each return picking so Odoo users see what returnbridge did
 * — all notes of the batch in one mail.message create. A return whose
 * refund is settled is CLOSED; one with money owed stays NOTIFIED until
 * Odoo shows it paid.
 *
 * Products invoiced on ordered quantities go back to "to invoice" once a
 * credit note is linked to their sale line (contract README): the engine
 * raises a reinvoice_risk exception for finance so the returned goods are
 * not billed again. */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "odoo/field.h"
#include "odoo/ops.h"
#include "rebound/statuspush.h"
#include "util/log.h"

static bool settled(const char *payment_state)
{
	return strcmp(payment_state, "paid") == 0 || strcmp(payment_state, "reversed") == 0 ||
	       strcmp(payment_state, "in_payment") == 0;
}

/* "reconciled", "refunded" or "owed" from the credit notes' states. */
static const char *refund_status(const struct work *wo)
{
	json_t *ce;
	size_t i;
	bool owed = false, paid_out = false;

	json_array_foreach(json_object_get(wo->w, "credits"), i, ce) {
		const char *ps = json_string_value(json_object_get(ce, "payment_state"));

		if (!wr_int(ce, "id"))
			continue;
		if (json_object_get(ce, "payment"))
			paid_out = true;
		else if (!ps || !settled(ps))
			owed = true;
	}
	return owed ? "owed" : paid_out ? "refunded" : "reconciled";
}

/* The credit notes' payment states now (one call for the batch). */
static enum err_code refresh(struct worker *wk, struct work **wos, size_t n, struct err *e)
{
	int64_t *ids = NULL;
	struct ops_invoice *inv = NULL;
	size_t k = 0, max = 0, ni = 0, i, j, q;
	enum err_code rc;
	json_t *ce;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "credits"));
	ids = calloc(max + 1, sizeof(*ids));
	if (!ids)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		json_array_foreach(json_object_get(wos[i]->w, "credits"), j, ce)
			if (wr_int(ce, "id"))
				ids[k++] = wr_int(ce, "id");
	rc = ops_invoices_read(wk->odoo, ids, k, &inv, &ni, e);
	for (i = 0; rc == ERR_OK && i < n; i++)
		json_array_foreach(json_object_get(wos[i]->w, "credits"), j, ce)
			for (q = 0; q < ni; q++)
				if (inv[q].id == wr_int(ce, "id"))
					json_object_set_new(ce, "payment_state",
							    json_string(inv[q].payment_state));
	free(inv);
	free(ids);
	return rc;
}

/* The journal id of refund.payment_journal (its code), once per connection. */
static enum err_code journal(struct worker *wk, int64_t *id, struct err *e)
{
	json_t *res = NULL;
	const char *code = wk->cfg->refund_payment_journal;
	enum err_code rc;
	char key[80];

	snprintf(key, sizeof(key), "journal:%s", code);
	*id = json_integer_value(json_object_get(wk->rtypes, key));
	if (*id)
		return ERR_OK;
	rc = odoo_execute(wk->odoo, "account.journal", "search_read",
			  json_pack("[[[s,s,s]]]", "code", "=", code),
			  json_pack("{s:[s],s:i}", "fields", "type", "limit", 1), &res, NULL, e);
	if (rc == ERR_OK && json_array_size(res) == 1)
		*id = field_id(json_array_get(res, 0), "id");
	json_decref(res);
	if (rc == ERR_OK && !*id)
		return err_set(e, ERR_CONFIG, "refund.payment_journal: no Odoo journal has code \"%s\" (Accounting > Configuration > Journals)",
			       code);
	if (rc == ERR_OK)
		json_object_set_new(wk->rtypes, key, json_integer(*id));
	return rc;
}

/* Register the refund payments of the credit notes still owed (one call
 * set for the batch). A note is paid at most once: after an unknown
 * outcome, refresh() shows it paid and it is left alone. */
static void pay_out(struct worker *wk, struct work **wos, size_t n)
{
	int64_t *ids = NULL, jid = 0;
	json_t **ces = NULL, *ce;
	struct ops_refund_payment *out = NULL;
	struct err e = ERR_INIT;
	size_t k = 0, max = 0, i, j;
	enum err_code rc;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "credits"));
	ids = calloc(max + 1, sizeof(*ids));
	ces = calloc(max + 1, sizeof(*ces));
	out = calloc(max + 1, sizeof(*out));
	if (!ids || !ces || !out)
		goto out;
	for (i = 0; i < n; i++)
		json_array_foreach(json_object_get(wos[i]->w, "credits"), j, ce) {
			const char *ps = json_string_value(json_object_get(ce, "payment_state"));

			if (wos[i]->rc == ERR_OK && wr_int(ce, "id") && ps && !settled(ps) &&
			    !json_object_get(ce, "payment")) {
				ces[k] = ce;
				ids[k++] = wr_int(ce, "id");
			}
		}
	if (k == 0)
		goto out;
	rc = journal(wk, &jid, &e);
	if (rc == ERR_OK)
		rc = ops_refund_payments_register(wk->odoo, ids, k, jid, out, &e);
	if (rc != ERR_OK) {
		/* the refund stays owed; finance sees why */
		log_warn("registering %zu refund payments failed: %s", k, e.msg);
		for (i = 0; i < k; i++)
			json_object_set_new(ces[i], "payment_error", json_string(e.msg));
		goto out;
	}
	for (i = 0; i < k; i++)
		if (out[i].payment_id)
			json_object_set_new(ces[i], "payment", json_pack("{s:I,s:s}", "id",
				(json_int_t)out[i].payment_id, "name", out[i].name));
	/* what Odoo says of the notes now that they are paid */
	if (refresh(wk, wos, n, &e) != ERR_OK)
		log_warn("reading the paid credit notes failed (their state shows later): %s", e.msg);
out:
	free(ids);
	free(ces);
	free(out);
}

static void html_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 6 < len; in++) {
		const char *rep = *in == '<' ? "&lt;" : *in == '>' ? "&gt;" : *in == '&' ? "&amp;" : NULL;

		if (rep) {
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

/* What the note on the order and the pickings says. */
static int reinvoice_risk(const struct work *wo, struct step_exc *x);

/* What the return's credit notes total, in minor units. */
static int64_t credits_total(const struct work *wo)
{
	int64_t total = 0;
	json_t *ce;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "credits"), i, ce)
		total += wr_int(ce, "amount_total");
	return total;
}

static void note_text(const struct work *wo, const char *status, char *out, size_t len)
{
	struct step_exc x;
	bool ordered = reinvoice_risk(wo, &x);
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	char text[1024], amt[32], docs[512] = "";
	int64_t total = credits_total(wo);
	json_t *ce;
	size_t i, o = 0;

	json_array_foreach(json_object_get(wo->w, "credits"), i, ce) {
		if (!wr_int(ce, "id"))
			continue;
		o += (size_t)snprintf(docs + o, o < sizeof(docs) ? sizeof(docs) - o : 0, "%s%s",
				      o ? ", " : "", json_string_value(json_object_get(ce, "name")));
		if (o >= sizeof(docs))
			o = sizeof(docs) - 1;
	}
	snprintf(text, sizeof(text), "returnbridge: Rebound return %s credited with %s (%s, from the original sale lines, for what the warehouse received). Refund: %s.%s",
		 wo->rid, docs, money_format(total, decimals, amt, sizeof(amt)),
		 strcmp(status, "reconciled") == 0 ? "offset against the unpaid invoice, nothing to pay out"
		 : strcmp(status, "refunded") == 0 ? "paid out to the customer"
		 : "owed to the customer (the invoice was paid): finance pays it",
		 ordered ? " Products invoiced on ordered quantities: the order shows \"to invoice\" again for the returned units; do not invoice them again." : "");
	html_escape(text, out, len);
}

/* Products invoiced on ordered quantities among the credited lines. */
static int reinvoice_risk(const struct work *wo, struct step_exc *x)
{
	json_t *l;
	size_t i;
	char names[400] = "";
	size_t o = 0;

	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		const char *pol = json_string_value(json_object_get(l, "invoice_policy"));

		if (!pol || strcmp(pol, "order") != 0 || wr_int(l, "received") <= 0 ||
		    !json_object_get(l, "credit"))
			continue;
		o += (size_t)snprintf(names + o, o < sizeof(names) ? sizeof(names) - o : 0, "%s%s",
				      o ? ", " : "", json_string_value(json_object_get(l, "label")));
		if (o >= sizeof(names))
			o = sizeof(names) - 1;
	}
	if (!o)
		return 0;
	*x = (struct step_exc){ "reinvoice_risk", "finance", "" };
	snprintf(x->message, sizeof(x->message), "%s %s invoiced on ordered quantities: the credit note puts sale order %s back to \"to invoice\" for the returned units. Do not invoice them again (Sales > To Invoice); the credit note already settles them",
		 names, strchr(names, ',') ? "are" : "is",
		 json_string_value(json_object_get(json_object_get(wo->w, "order"), "name")));
	return 1;
}

/* A refund payment Odoo refused (refund.payment_journal): finance pays it. */
static int payment_failed(const struct work *wo, struct step_exc *x)
{
	json_t *ce;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "credits"), i, ce) {
		const char *why = json_string_value(json_object_get(ce, "payment_error"));

		if (!why)
			continue;
		*x = (struct step_exc){ "refund_payment_failed", "finance", "" };
		snprintf(x->message, sizeof(x->message), "returnbridge could not register the refund payment of credit note %s on journal refund.payment_journal: %.400s. The customer is still owed the money: pay it in Odoo (the return closes once Odoo shows it paid)",
			 json_string_value(json_object_get(ce, "name")) ? json_string_value(json_object_get(ce, "name")) : "?",
			 why);
		return 1;
	}
	return 0;
}

static enum err_code record_status(struct worker *wk, struct work *wo, struct err *e)
{
	int decimals = (int)wr_int(json_object_get(wo->w, "order"), "decimals");
	struct statuspush_refund r;
	char amt[32], docs[256] = "";
	const char *state = NULL;
	json_t *ce;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "credits"), i, ce)
		if (!docs[0] && json_string_value(json_object_get(ce, "name")))
			snprintf(docs, sizeof(docs), "%s", json_string_value(json_object_get(ce, "name")));
	memset(&r, 0, sizeof(r));
	r.return_id = wo->rid;
	r.order_ref = wo->order_ref;
	r.amount = money_format(credits_total(wo), decimals, amt, sizeof(amt));
	r.credit_note = docs[0] ? docs : NULL;
	return statuspush_record(wk->st, wk->cfg, &r, &state, e);
}

/* CREDITED: pay out what is owed if configured, notes, status; NOTIFIED,
 * and CLOSED when the refund is settled. */
static void notify_credited(struct worker *wk, struct work **wos, size_t n)
{
	struct ops_note *notes = calloc(n * 8 + 1, sizeof(*notes));
	char (*bodies)[1200] = calloc(n + 1, sizeof(*bodies));
	struct err e = ERR_INIT;
	size_t k = 0, i, j;
	enum err_code rc = ERR_OK;
	json_t *pk;

	if (!notes || !bodies) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	if (*wk->cfg->refund_payment_journal) {
		rc = refresh(wk, wos, n, &e);
		if (rc != ERR_OK) {
			works_fail(wos, n, rc, &e);
			goto out;
		}
		pay_out(wk, wos, n);
	}
	for (i = 0; i < n; i++) {
		struct work *wo = wos[i];

		if (json_is_true(json_object_get(wo->w, "noted")))
			continue;
		note_text(wo, refund_status(wo), bodies[i], sizeof(bodies[i]));
		notes[k++] = (struct ops_note){ "sale.order",
			wr_int(json_object_get(wo->w, "order"), "id"), bodies[i] };
		json_array_foreach(json_object_get(wo->w, "pickings"), j, pk)
			if (wr_int(pk, "id") && j < 7)
				notes[k++] = (struct ops_note){ "stock.picking", wr_int(pk, "id"), bodies[i] };
	}
	if (k && !wk->note_subtype)
		rc = ops_note_subtype(wk->odoo, &wk->note_subtype, &e);
	if (k && rc == ERR_OK) {
		int64_t *ids = calloc(k + 1, sizeof(*ids));

		rc = ids ? ops_notes_create(wk->odoo, notes, k, wk->note_subtype, ids, &e)
			 : err_set(&e, ERR_NOMEM, "out of memory");
		free(ids);
	}
	/* notes only inform: one Odoo refused or lost is logged, not retried
	 * (a retry after a lost reply would post it twice) */
	if (rc != ERR_OK)
		log_warn("notes on %zu Odoo records not written: %s", k, e.msg);
	for (i = 0; i < n; i++) {
		struct work *wo = wos[i];
		const char *status = refund_status(wo);
		struct step_exc x[2];
		struct err e1 = ERR_INIT;
		enum err_code rc1;
		int nx = reinvoice_risk(wo, x) && wk->cfg->refund_ordered_qty != 2;

		nx += payment_failed(wo, &x[nx]);

		if (wo->rc != ERR_OK)
			continue;
		json_object_set_new(wo->w, "noted", json_true());
		json_object_set_new(wo->w, "refund", json_string(status));
		rc1 = record_status(wk, wo, &e1);
		if (rc1 == ERR_OK)
			rc1 = engine_commit(wk, wo, RETFLOW_NOTIFIED, "notified", json_pack(
				"{s:s,s:b,s:O}", "refund", status, "odoo_notes", rc == ERR_OK,
				"credit_notes", json_object_get(wo->w, "credits")), x, nx, &e1);
		if (rc1 == ERR_OK && strcmp(status, "owed") != 0)
			rc1 = engine_commit(wk, wo, RETFLOW_CLOSED, "closed",
					    json_pack("{s:s}", "refund", status), NULL, 0, &e1);
		if (rc1 != ERR_OK)
			work_fail(wo, rc1, &e1);
		else
			wo->res = wo->state == RETFLOW_CLOSED ? STEP_DONE : STEP_WAIT;
	}
out:
	free(notes);
	free(bodies);
}

/* NOTIFIED with money owed: is it paid now? (one call for the batch) */
static void follow_owed(struct worker *wk, struct work **wos, size_t n)
{
	struct err e = ERR_INIT;
	enum err_code rc = refresh(wk, wos, n, &e);
	size_t i;

	for (i = 0; i < n; i++) {
		struct work *wo = wos[i];
		struct err e1 = ERR_INIT;

		if (rc != ERR_OK) {
			work_fail(wo, rc, &e);
			continue;
		}
		if (strcmp(refund_status(wo), "owed") == 0) {
			wo->res = STEP_WAIT;
			continue;
		}
		json_object_set_new(wo->w, "refund", json_string("refunded"));
		if (engine_commit(wk, wo, RETFLOW_CLOSED, "closed",
				  json_pack("{s:s}", "refund", "refunded"), NULL, 0, &e1) != ERR_OK)
			work_fail(wo, e1.code, &e1);
		else
			wo->res = STEP_DONE;
	}
}

void step_notify(struct worker *wk, struct work **wos, size_t n)
{
	struct work **cr = calloc(n + 1, sizeof(*cr)), **nt = calloc(n + 1, sizeof(*nt));
	size_t ncr = 0, nnt = 0, i;
	struct err e = ERR_INIT;

	if (!cr || !nt) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (wos[i]->state == RETFLOW_CREDITED)
			cr[ncr++] = wos[i];
		else
			nt[nnt++] = wos[i];
	}
	if (ncr)
		notify_credited(wk, cr, ncr);
	if (nnt)
		follow_owed(wk, nt, nnt);
out:
	free(cr);
	free(nt);
}
