/* step_money: premature refunds. A Rebound Refund Trigger is a milestone,
 * never an authorisation: the credit comes from the warehouse's receipt.
 * If a credit note or a refund payment for the order appears in Odoo that
 * returnbridge did not make — by hand, or by another system reacting to
 * Rebound's Refund Trigger — before this return was credited, crediting it
 * again would pay the customer twice. check_money() looks for them for a
 * batch of returns in at most two calls (ops_money_on_orders) and holds
 * each return concerned with a premature_refund exception for finance.
 *
 * What counts (ops_money_on_orders' rule): a credit note on the order
 * whose ref is not ours; an outbound customer payment reconciled with the
 * order's documents and not ours; a payout to the order's customer linked
 * to no document, dated on or after the day the return was matched.
 * Documents a person has seen and released the return over (the working
 * record's "foreign_ok") no longer count. */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/money.h"
#include "odoo/ops.h"
#include "util/log.h"

static const struct ops_invoice *move_of(const struct ops_money_on_orders *m, int64_t id)
{
	size_t i;

	for (i = 0; i < m->nmoves; i++)
		if (m->moves[i].id == id)
			return &m->moves[i];
	return NULL;
}

/* The first premature refund of one return into msg; its Odoo id, or 0. */
static int64_t premature(const struct work *wo, const struct ops_money_on_orders *m,
			 char *msg, size_t len)
{
	json_t *order = json_object_get(wo->w, "order");
	const char *name = json_string_value(json_object_get(order, "name"));
	const char *since = json_string_value(json_object_get(wo->w, "matched_on"));
	int64_t partner = wr_int(order, "partner_id");
	char amt[32];
	size_t i;

	for (i = 0; name && i < m->nmoves; i++) {
		const struct ops_invoice *v = &m->moves[i];

		if (strcmp(v->move_type, "out_refund") != 0 || strcmp(v->invoice_origin, name) != 0 ||
		    strncmp(v->ref, OPS_REF_PREFIX, strlen(OPS_REF_PREFIX)) == 0 ||
		    engine_acknowledged(wo->w, v->id))
			continue;
		snprintf(msg, len, "credit note %s (ref \"%s\", %s) for order %s was made in Odoo, not by returnbridge, before this return was credited. Crediting it again would pay the customer twice: if it refunds this return, leave the return on hold and settle it by hand; if it is for something else, release the return",
			 v->name[0] ? v->name : "(draft)", v->ref,
			 money_format(v->amount_total, v->decimals, amt, sizeof(amt)), name);
		return v->id;
	}
	for (i = 0; i < m->npayments; i++) {
		const struct ops_out_payment *p = &m->payments[i];
		const struct ops_invoice *v = p->move_id ? move_of(m, p->move_id) : NULL;

		if (p->ours || engine_acknowledged(wo->w, p->id))
			continue;
		if (v && name && strcmp(v->invoice_origin, name) == 0) {
			snprintf(msg, len, "payment %s of %s to the customer, for order %s's %s, was made in Odoo before returnbridge credited this return. A credit would pay the customer twice: if it refunds this return, leave the return on hold and settle it by hand; else release the return",
				 p->name, money_format(p->amount, p->decimals, amt, sizeof(amt)), name,
				 v->name);
			return p->id;
		}
		/* reconciled with another order's document: not about this one */
		if (!p->move_id && p->nreconciled == 0 && p->partner_id == partner && since &&
		    strcmp(p->date, since) >= 0) {
			snprintf(msg, len, "payment %s of %s to the customer on %s is linked to no document; it may refund this return of order %s. Check it: if it does, leave the return on hold and settle it by hand; else release the return",
				 p->name, money_format(p->amount, p->decimals, amt, sizeof(amt)), p->date,
				 name ? name : "?");
			return p->id;
		}
	}
	return 0;
}

void check_money(struct worker *wk, struct work **wos, size_t n)
{
	const char **names = calloc(n + 1, sizeof(*names));
	int64_t *partners = calloc(n + 1, sizeof(*partners));
	struct ops_money_on_orders m;
	const char *since = NULL;
	struct err e = ERR_INIT;
	size_t k = 0, i;
	enum err_code rc;

	memset(&m, 0, sizeof(m));
	if (!names || !partners) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *order = json_object_get(wos[i]->w, "order");
		const char *d = json_string_value(json_object_get(wos[i]->w, "matched_on"));

		if (wos[i]->rc != ERR_OK || !json_string_value(json_object_get(order, "name")))
			continue;
		names[k] = json_string_value(json_object_get(order, "name"));
		partners[k++] = wr_int(order, "partner_id");
		if (d && (!since || strcmp(d, since) < 0))
			since = d;
	}
	if (k == 0)
		goto out;
	rc = ops_money_on_orders(wk->odoo, names, k, partners, k, since, &m, &e);
	if (rc != ERR_OK) {
		works_fail(wos, n, rc, &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct step_exc x = { "premature_refund", "finance", "" };
		struct work *wo = wos[i];
		struct err e1 = ERR_INIT;
		int64_t id;

		if (wo->rc != ERR_OK)
			continue;
		wr_set_int(wo->w, "money_checked_ms", (int64_t)time(NULL) * 1000);
		id = premature(wo, &m, x.message, sizeof(x.message));
		if (!id)
			continue;
		json_object_set_new(wo->w, "foreign_seen", json_pack("[I]", (json_int_t)id));
		json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
		if (engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
				  json_pack("{s:s,s:I}", "type", "premature_refund", "odoo_id",
					    (json_int_t)id), &x, 1, &e1) != ERR_OK)
			work_fail(wo, e1.code, &e1);
		wo->res = STEP_DONE;
	}
out:
	ops_money_on_orders_free(&m);
	free(names);
	free(partners);
}
