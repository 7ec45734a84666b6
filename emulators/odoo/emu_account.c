/* emu_account: posting, reconciliation, payment_state, the reversal wizard
 * and payments of the emulated Odoo. */
#include "emu_account.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_orm.h"
#include "emu_sale.h"
#include "emu_tax.h"

#define CENT 0.005

static double money(struct emu *db, double v)
{
	json_t *cur = emu_rec_of(db, "res.currency", 1);
	double r = emu_num(cur, "rounding");

	return emu_tax_column(emu_tax_round(v, r > 0 ? r : 0.01), 2);
}

static int64_t rec_id(const json_t *r)
{
	return json_integer_value(json_object_get(r, "id"));
}

int64_t emu_account_user_partner(struct emu *db, int64_t uid)
{
	return emu_m2o(emu_rec_of(db, "res.users", uid), "partner_id");
}

enum err_code emu_account_check_sender(struct emu_call *c)
{
	json_t *p = emu_rec_of(c->db, "res.partner",
			       emu_account_user_partner(c->db, c->uid));

	if (!*emu_str(p, "email"))
		return emu_raise(c->x, EXC_USER, "Unable to send message, please "
				 "configure the sender's email address.");
	return ERR_OK;
}

/* ---- reconciliation: each move keeps "__rec", its counterparts
 * [{"move"|"payment": id, "amount": a}], amounts in the move's own sign ---- */

static double settled(const json_t *mv)
{
	json_t *r;
	size_t i;
	double s = 0.0;

	json_array_foreach(json_object_get(mv, "__rec"), i, r)
		s += emu_num(r, "amount");
	return s;
}

static double residual(struct emu *db, const json_t *mv)
{
	double total = emu_num(mv, "amount_total");

	if (strcmp(emu_str(mv, "state"), "posted") != 0)
		return total;
	return money(db, total - settled(mv));
}

static void add_rec(struct emu *db, json_t *mv, const char *kind, int64_t id,
		    double amount)
{
	json_t *cur = json_object_get(mv, "__rec");
	json_t *arr = json_is_array(cur) ? json_deep_copy(cur) : json_array();

	json_array_append_new(arr, json_pack("{s:I,s:f}", kind, (json_int_t)id,
					     "amount", money(db, amount)));
	emu_set_json(mv, "__rec", arr);
}

/* Recorded (i.credit_read_posted, i.invoice_after_credit): posting a
 * credit note that reverses a posted invoice reconciles the two for what is
 * still open on both; against a paid invoice nothing is open and the credit
 * note stays open. */
static void reconcile_reversal(struct emu *db, json_t *cn)
{
	json_t *inv = emu_rec_of(db, "account.move", emu_m2o(cn, "reversed_entry_id"));
	double a, b;

	if (!inv || strcmp(emu_str(inv, "state"), "posted") != 0)
		return;
	a = residual(db, cn);
	b = residual(db, inv);
	if (b < a)
		a = b;
	if (a < CENT)
		return;
	add_rec(db, cn, "move", rec_id(inv), a);
	add_rec(db, inv, "move", rec_id(cn), a);
}

/* From Odoo's source (account.move._compute_payment_state; the stored copy
 * read is an older series, 17.0/18.0 keep the rule): nothing left → 'paid'
 * (Community's _get_invoice_in_payment_state answers 'paid'; 'in_payment'
 * needs the accountant module), or 'reversed' for an invoice whose only
 * counterpart is its own credit note (reversed_entry_id), fully reconciled
 * one to one — the credit note itself stays 'paid' (as recorded,
 * i.credit_read_posted); something reconciled → 'partial'. */
static const char *payment_state(struct emu *db, const json_t *mv, double res)
{
	json_t *rec = json_object_get(mv, "__rec");

	if (strcmp(emu_str(mv, "state"), "posted") != 0)
		return "not_paid";
	if (fabs(res) < CENT) {
		json_t *only = json_array_size(rec) == 1 ? json_array_get(rec, 0) : NULL;
		json_t *other = only ? emu_rec_of(db, "account.move",
						  emu_m2o(only, "move")) : NULL;

		if (other && fabs(residual(db, other)) < CENT &&
		    strcmp(emu_str(mv, "move_type"), "out_invoice") == 0 &&
		    strcmp(emu_str(other, "move_type"), "out_refund") == 0 &&
		    emu_m2o(other, "reversed_entry_id") == rec_id(mv))
			return "reversed";
		return "paid";
	}
	return json_array_size(rec) ? "partial" : "not_paid";
}

/* ---- lines that Odoo keeps in step with the product lines ---- */

static json_t *new_line(struct emu *db, int64_t move_id, const char *type)
{
	json_t *l = emu_rec_new(emu_model(db, "account.move.line"));

	emu_set_m2o(l, "move_id", move_id);
	emu_set_str(l, "display_type", type);
	emu_set_m2o(l, "currency_id", 1);
	emu_set_m2o(l, "company_id", 1);
	return l;
}

/* One tax line per tax with an amount (i.credit_tax_lines: name, tax,
 * balance, base), then the receivable (payment_term) line. A credit note's
 * tax is a debit (balance > 0), an invoice's a credit. */
static void sync_lines(struct emu *db, json_t *mv, json_t *a)
{
	struct emu_model *lm = emu_model(db, "account.move.line");
	int64_t mid = rec_id(mv);
	double sign = strcmp(emu_str(mv, "move_type"), "out_refund") == 0 ? 1.0 : -1.0;
	json_t *have = json_object_get(a, "tax_lines"), *t, *lid;
	json_t *term = emu_rec(lm, emu_m2o(a, "term_line"));
	const char *k;
	void *tmp;

	json_object_foreach(json_object_get(a, "taxes"), k, t) {
		json_t *l = emu_rec(lm, json_integer_value(json_object_get(have, k)));
		json_t *tax = emu_rec_of(db, "account.tax", strtoll(k, NULL, 10));
		double amt = money(db, emu_num(t, "amount"));

		if (fabs(amt) < CENT)
			continue;
		if (!l) {
			l = new_line(db, mid, "tax");
			emu_set_m2o(l, "tax_line_id", strtoll(k, NULL, 10));
			emu_set_str(l, "name", emu_str(tax, "name"));
		}
		emu_set_num(l, "balance", sign * amt);
		emu_set_num(l, "amount_currency", sign * amt);
		emu_set_num(l, "tax_base_amount", money(db, emu_num(t, "base")));
		emu_set_str(l, "parent_state", emu_str(mv, "state"));
		json_object_del(have, k);
	}
	json_object_foreach_safe(have, tmp, k, lid)
		emu_rec_remove(lm, json_integer_value(lid));
	if (!json_object_get(a, "lines"))
		return;
	if (!term)
		term = new_line(db, mid, "payment_term");
	emu_set_num(term, "balance", -sign * emu_num(mv, "amount_total"));
	emu_set_num(term, "amount_currency", -sign * emu_num(mv, "amount_total"));
	emu_set_str(term, "parent_state", emu_str(mv, "state"));
}

void emu_account_hook_write(struct emu *db, struct emu_model *m, json_t *rec,
			    json_t *vals)
{
	json_t *p;

	if (strcmp(m->name, "res.users") != 0 || !json_object_get(vals, "email"))
		return;
	p = emu_rec_of(db, "res.partner", emu_m2o(rec, "partner_id"));
	if (p)
		emu_set_json(p, "email", json_incref(json_object_get(vals, "email")));
}

void emu_account_recompute(struct emu *db, json_t *moves,
			   const struct emu_idset *only)
{
	struct emu_model *am = emu_model(db, "account.move");
	json_t *mv;
	size_t i;
	int64_t id;

	json_array_foreach(emu_recs(emu_model(db, "res.users")), i, mv) {
		json_t *p = emu_rec_of(db, "res.partner", emu_m2o(mv, "partner_id"));
		json_t *email = json_object_get(p, "email");

		emu_set_json(mv, "email", json_is_string(email) ? json_incref(email) : json_false());
	}
	for (i = 0, id = only ? emu_idset_next(only, 0) : 0;
	     only ? id != 0 : i < json_array_size(emu_recs(am));
	     i++, id = only ? emu_idset_next(only, id) : 0) {
		char key[24];
		json_t *a;
		double untaxed, total, res;

		mv = only ? emu_rec(am, id) : json_array_get(emu_recs(am), i);
		if (!mv)
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)rec_id(mv));
		a = json_object_get(moves, key);
		untaxed = emu_num(a, "untaxed");
		total = emu_num(a, "total");
		emu_set_num(mv, "amount_untaxed", money(db, untaxed));
		emu_set_num(mv, "amount_tax", money(db, total - untaxed));
		emu_set_num(mv, "amount_total", money(db, total));
		res = residual(db, mv);
		emu_set_num(mv, "amount_residual", res);
		emu_set_str(mv, "payment_state", payment_state(db, mv, res));
		if (a)
			sync_lines(db, mv, a);
	}
}

/* ---- account.move.action_post ---- */

static bool has_product_lines(struct emu *db, int64_t move_id)
{
	json_t *l;
	size_t i;

	json_array_foreach(emu_recs(emu_model(db, "account.move.line")), i, l)
		if (emu_m2o(l, "move_id") == move_id &&
		    strcmp(emu_str(l, "display_type"), "product") == 0)
			return true;
	return false;
}

static enum err_code post_one(struct emu_call *c, json_t *mv)
{
	char name[128], today[16];

	if (strcmp(emu_str(mv, "state"), "draft") != 0)
		return emu_raise(c->x, EXC_USER, "The entry %s (id %lld) must be in draft.",
				 emu_str(mv, "name"), (long long)rec_id(mv));
	/* batch.jsonl x.credit_post_batch_one_bad */
	if (!has_product_lines(c->db, rec_id(mv)))
		return emu_raise(c->x, EXC_USER, "You need to add a line before posting.");
	if (!*emu_str(mv, "invoice_date")) {
		emu_now(today, sizeof(today), true);
		emu_set_str(mv, "invoice_date", today);
	}
	if (!*emu_str(mv, "date"))
		emu_set_str(mv, "date", emu_str(mv, "invoice_date"));
	if (emu_seq_next(c->db, emu_str(mv, "move_type"), name, sizeof(name)) == ERR_OK)
		emu_set_str(mv, "name", name);
	emu_set_str(mv, "state", "posted");
	return ERR_OK;
}

/* Every record of the call is posted or none is (the transaction rolls
 * back): x.credit_post_batch_one_bad. Answers false (s.invoice_post). */
static enum err_code move_post(struct emu_call *c, json_t **res)
{
	json_t *id;
	size_t i;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	/* posting writes to the chatter: x.user_credit_post_no_email */
	if (rc == ERR_OK)
		rc = emu_account_check_sender(c);
	json_array_foreach(c->ids, i, id) {
		if (rc != ERR_OK)
			return rc;
		rc = post_one(c, emu_rec(c->m, json_integer_value(id)));
	}
	if (rc != ERR_OK)
		return rc;
	emu_sale_recompute(c->db);   /* totals, before reconciling */
	json_array_foreach(c->ids, i, id) {
		json_t *mv = emu_rec(c->m, json_integer_value(id));

		if (emu_m2o(mv, "reversed_entry_id"))
			reconcile_reversal(c->db, mv);
	}
	*res = json_false();
	return ERR_OK;
}

/* ---- account.move.reversal (j.*) ---- */

static void copy_line(struct emu *db, int64_t move_id, json_t *src)
{
	json_t *l = new_line(db, move_id, "product");
	static const char *const keep[] = { "product_id", "name", "quantity",
		"price_unit", "discount", "tax_ids", "sale_line_ids" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(keep); i++) {
		json_t *v = json_object_get(src, keep[i]);

		if (v)
			json_object_set_new(l, keep[i], json_deep_copy(v));
	}
}

/* Recorded (j.draft_read, j.draft_lines): a draft credit note with every
 * product line at full quantity, sale links kept, ref "Reversal of: NAME,
 * REASON", invoice_date the wizard's date. */
static int64_t reverse_move(struct emu *db, json_t *wiz, json_t *inv)
{
	struct emu_model *am = emu_model(db, "account.move");
	json_t *cn = emu_rec_new(am), *l;
	int64_t cid = rec_id(cn);
	const char *reason = emu_str(wiz, "reason");
	char ref[512];
	size_t i, n;

	emu_set_str(cn, "move_type", strcmp(emu_str(inv, "move_type"), "out_invoice") == 0 ?
		    "out_refund" : "entry");
	emu_set_str(cn, "state", "draft");
	if (db->profile >= 18)
		json_object_set_new(cn, "name", json_false());
	else
		emu_set_str(cn, "name", "/");
	emu_set_m2o(cn, "partner_id", emu_m2o(inv, "partner_id"));
	emu_set_m2o(cn, "journal_id", emu_m2o(wiz, "journal_id"));
	emu_set_m2o(cn, "currency_id", 1);
	emu_set_m2o(cn, "company_id", 1);
	emu_set_str(cn, "payment_state", "not_paid");
	emu_set_str(cn, "invoice_date", emu_str(wiz, "date"));
	emu_set_str(cn, "date", emu_str(wiz, "date"));
	emu_set_str(cn, "invoice_origin", emu_str(inv, "invoice_origin"));
	if (*reason)
		snprintf(ref, sizeof(ref), "Reversal of: %s, %s", emu_str(inv, "name"), reason);
	else
		snprintf(ref, sizeof(ref), "Reversal of: %s", emu_str(inv, "name"));
	emu_set_str(cn, "ref", ref);
	emu_set_m2o(cn, "reversed_entry_id", rec_id(inv));
	n = json_array_size(emu_recs(emu_model(db, "account.move.line")));
	for (i = 0; i < n; i++) {
		l = json_array_get(emu_recs(emu_model(db, "account.move.line")), i);
		if (emu_m2o(l, "move_id") == rec_id(inv) &&
		    strcmp(emu_str(l, "display_type"), "product") == 0)
			copy_line(db, cid, l);
	}
	return cid;
}

/* The action from Odoo 17.0/18.0's refund_moves: a form on one new move
 * (recorded, j.refund_moves), else a list with a domain (from source). */
static json_t *reverse_action(struct emu *db, json_t *made, const char *mt)
{
	json_t *a = json_pack("{s:s,s:s,s:s}", "name", "Reverse Moves",
			      "type", "ir.actions.act_window", "res_model", "account.move");

	if (json_array_size(made) == 1) {
		json_object_set_new(a, "view_mode", json_string("form"));
		json_object_set(a, "res_id", json_array_get(made, 0));
	} else {
		json_object_set_new(a, "view_mode", json_string(db->profile >= 18 ?
								"list,form" : "tree,form"));
		json_object_set_new(a, "domain", json_pack("[[s,s,O]]", "id", "in", made));
	}
	json_object_set_new(a, "context", json_pack("{s:s}", "default_move_type", mt));
	return a;
}

static enum err_code reversal_refund(struct emu_call *c, json_t **res)
{
	json_t *made = json_array(), *id, *mid;
	size_t i, j;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK) {
		json_decref(made);
		return rc;
	}
	json_array_foreach(c->ids, i, id) {
		json_t *wiz = emu_rec(c->m, json_integer_value(id));
		json_t *news = json_array();

		json_array_foreach(json_object_get(wiz, "move_ids"), j, mid) {
			json_t *inv = emu_rec_of(c->db, "account.move", json_integer_value(mid));

			if (inv)
				json_array_append_new(news, json_integer(reverse_move(c->db, wiz, inv)));
		}
		json_array_extend(made, news);
		emu_set_json(wiz, "new_move_ids", news);
	}
	*res = reverse_action(c->db, made, "out_refund");
	json_decref(made);
	return ERR_OK;
}

/* ---- payments: not recorded; from Odoo 17.0/18.0's source
 * (account/wizard/account_payment_register.py, account/models/
 * account_payment.py) ---- */

static enum err_code register_defaults(struct emu *db, json_t *rec,
				       json_t *ctx, struct emu_exc *x)
{
	json_t *ids = json_object_get(ctx, "active_ids"), *id, *first = NULL;
	double open = 0.0;
	char today[16];
	size_t i;

	if (strcmp(emu_str(ctx, "active_model"), "account.move") != 0 || !json_array_size(ids))
		return emu_raise(x, EXC_USER, "The register payment wizard should only be "
				 "called on account.move or account.move.line records.");
	json_array_foreach(ids, i, id) {
		json_t *mv = emu_rec_of(db, "account.move", json_integer_value(id));

		if (!mv)
			return emu_raise(x, EXC_MISSING, "Record does not exist or has been "
					 "deleted.\n(Record: account.move(%lld,), User: 2)",
					 (long long)json_integer_value(id));
		if (strcmp(emu_str(mv, "state"), "posted") != 0)
			return emu_raise(x, EXC_USER, "You can only register payment for "
					 "posted journal entries.");
		open += residual(db, mv);
		if (!first)
			first = mv;
	}
	if (open < CENT)
		return emu_raise(x, EXC_USER, "You can't register a payment because there is "
				 "nothing left to pay on the selected journal items.");
	emu_now(today, sizeof(today), true);
	json_object_set_new(rec, "__move_ids", json_deep_copy(ids));
	emu_set_default(rec, "payment_date", json_string(today));
	emu_set_default(rec, "amount", json_real(money(db, open)));
	emu_set_default(rec, "communication", json_string(emu_str(first, "name")));
	emu_set_default(rec, "group_payment", json_boolean(json_array_size(ids) == 1));
	emu_set_default(rec, "partner_id", json_integer(emu_m2o(first, "partner_id")));
	emu_set_default(rec, "currency_id", json_integer(1));
	emu_set_default(rec, "company_id", json_integer(1));
	emu_set_default(rec, "partner_type", json_string("customer"));
	emu_set_default(rec, "payment_type", json_string(
		strcmp(emu_str(first, "move_type"), "out_refund") == 0 ? "outbound" : "inbound"));
	/* the first bank journal, as the wizard's _compute_journal_id picks */
	json_array_foreach(emu_recs(emu_model(db, "account.journal")), i, id)
		if (strcmp(emu_str(id, "type"), "bank") == 0) {
			emu_set_default(rec, "journal_id", json_integer(rec_id(id)));
			break;
		}
	return ERR_OK;
}

/* One payment of amount for moves (settled in their order), as the
 * wizard's values say unless told otherwise. */
static int64_t make_payment(struct emu *db, json_t *wiz, json_t *moves, double amount,
			    const json_t *one)
{
	json_t *p = emu_rec_new(emu_model(db, "account.payment")), *id;
	double left = amount;
	json_t *paid = json_array();
	char name[128];
	size_t i;

	if (emu_seq_next(db, "account.payment", name, sizeof(name)) != ERR_OK)
		snprintf(name, sizeof(name), "/");
	emu_set_str(p, "name", name);
	emu_set_str(p, "date", emu_str(wiz, "payment_date"));
	emu_set_num(p, "amount", amount);
	emu_set_str(p, "payment_type", one ? (strcmp(emu_str(one, "move_type"), "out_refund") == 0 ?
					      "outbound" : "inbound") : emu_str(wiz, "payment_type"));
	emu_set_str(p, "partner_type", emu_str(wiz, "partner_type"));
	emu_set_m2o(p, "partner_id", one ? emu_m2o(one, "partner_id") : emu_m2o(wiz, "partner_id"));
	emu_set_m2o(p, "journal_id", emu_m2o(wiz, "journal_id"));
	emu_set_m2o(p, "currency_id", 1);
	emu_set_m2o(p, "company_id", 1);
	emu_set_str(p, db->profile >= 18 ? "memo" : "ref",
		    one ? emu_str(one, "name") : emu_str(wiz, "communication"));
	/* 17: a posted payment; 18 names that state 'in_process' until the
	 * bank statement matches it (18.0 source; not recorded) */
	emu_set_str(p, "state", db->profile >= 18 ? "in_process" : "posted");
	json_array_foreach(moves, i, id) {
		json_t *mv = emu_rec_of(db, "account.move", json_integer_value(id));
		double a = residual(db, mv);

		if (!mv || a < CENT || left < CENT)
			continue;
		if (a > left)
			a = left;
		add_rec(db, mv, "payment", rec_id(p), a);
		left -= a;
		json_array_append(paid, id);
	}
	json_object_set_new(p, "reconciled_invoice_ids", paid);
	return rec_id(p);
}

/* From Odoo 17.0's _create_payments (not recorded): the wizard's own
 * values make one payment when its moves form one batch (one partner) and
 * there is one of them or group_payment is set; otherwise, without
 * group_payment, each move with something open gets a payment of its own
 * for its residual, its memo the move's name (_get_batch_communication),
 * and with group_payment one payment per partner. group_payment defaults to
 * true only for a single move (_compute_group_payment). */
static void make_payments(struct emu *db, json_t *wiz, json_t *made)
{
	json_t *moves = json_object_get(wiz, "__move_ids"), *id, *open = json_array();
	json_t *first = NULL, *mv;
	bool one_partner = true;
	json_t *grp = json_object_get(wiz, "group_payment");
	size_t i, j;

	json_array_foreach(moves, i, id) {
		mv = emu_rec_of(db, "account.move", json_integer_value(id));
		if (!mv || residual(db, mv) < CENT)
			continue;
		if (!first)
			first = mv;
		else if (emu_m2o(mv, "partner_id") != emu_m2o(first, "partner_id"))
			one_partner = false;
		json_array_append(open, id);
	}
	if (one_partner && (json_array_size(open) <= 1 || json_is_true(grp))) {
		json_array_append_new(made, json_integer(
			make_payment(db, wiz, moves, emu_num(wiz, "amount"), NULL)));
	} else if (!json_is_true(grp)) {
		json_array_foreach(open, i, id) {
			json_t *just = json_pack("[O]", id);

			mv = emu_rec_of(db, "account.move", json_integer_value(id));
			json_array_append_new(made, json_integer(make_payment(
				db, wiz, just, residual(db, mv), mv)));
			json_decref(just);
		}
	} else {
		json_array_foreach(open, i, id) {
			json_t *same = json_array(), *other;
			double sum = 0.0;
			int64_t partner;
			bool seen = false;

			mv = emu_rec_of(db, "account.move", json_integer_value(id));
			partner = emu_m2o(mv, "partner_id");
			for (j = 0; j < i && !seen; j++)
				seen = emu_m2o(emu_rec_of(db, "account.move", json_integer_value(
					json_array_get(open, j))), "partner_id") == partner;
			json_array_foreach(open, j, other) {
				json_t *o = emu_rec_of(db, "account.move", json_integer_value(other));

				if (!seen && emu_m2o(o, "partner_id") == partner) {
					json_array_append(same, other);
					sum += residual(db, o);
				}
			}
			if (!seen)
				json_array_append_new(made, json_integer(make_payment(
					db, wiz, same, money(db, sum), mv)));
			json_decref(same);
		}
	}
	json_decref(open);
}

static enum err_code register_create_payments(struct emu_call *c, json_t **res)
{
	json_t *made = json_array(), *id, *a;
	size_t i;
	enum err_code rc = emu_orm_check_exist(c->m, c->ids, c->x);

	if (rc != ERR_OK) {
		json_decref(made);
		return rc;
	}
	json_array_foreach(c->ids, i, id)
		make_payments(c->db, emu_rec(c->m, json_integer_value(id)), made);
	if (json_is_true(json_object_get(c->ctx, "dont_redirect_to_payments"))) {
		json_decref(made);
		*res = json_true();
		return ERR_OK;
	}
	a = json_pack("{s:s,s:s,s:s,s:{s:b}}", "name", "Payments",
		      "type", "ir.actions.act_window", "res_model", "account.payment",
		      "context", "create", 0);
	if (json_array_size(made) == 1) {
		json_object_set_new(a, "view_mode", json_string("form"));
		json_object_set(a, "res_id", json_array_get(made, 0));
	} else {
		json_object_set_new(a, "view_mode", json_string(c->db->profile >= 18 ?
								"list,form" : "tree,form"));
		json_object_set_new(a, "domain", json_pack("[[s,s,O]]", "id", "in", made));
	}
	json_decref(made);
	*res = a;
	return ERR_OK;
}

const struct emu_method emu_account_methods[] = {
	{ "account.move", "action_post", 0, move_post },
	{ "account.move.reversal", "refund_moves", 0, reversal_refund },
	{ "account.payment.register", "action_create_payments", 0,
	  register_create_payments },
	{ NULL, NULL, 0, NULL },
};

/* ---- create hooks ---- */

static void reversal_defaults(struct emu *db, json_t *rec, json_t *ctx)
{
	json_t *ids = json_object_get(ctx, "active_ids");
	json_t *mv;
	char today[16];

	if (strcmp(emu_str(ctx, "active_model"), "account.move") == 0 && json_is_array(ids))
		emu_set_default(rec, "move_ids", json_deep_copy(ids));
	mv = emu_rec_of(db, "account.move",
			json_integer_value(json_array_get(json_object_get(rec, "move_ids"), 0)));
	emu_now(today, sizeof(today), true);
	emu_set_default(rec, "date", json_string(today));
	emu_set_default(rec, "company_id", json_integer(1));
	emu_set_default(rec, "currency_id", json_integer(1));
	emu_set_default(rec, "new_move_ids", json_array());
	emu_set_default(rec, "move_type", json_string(emu_str(mv, "move_type")));
	emu_set_default(rec, "residual", json_real(residual(db, mv)));
	emu_set_default(rec, "country_code", json_string("US"));
	emu_set_default(rec, "available_journal_ids",
			json_pack("[I]", (json_int_t)emu_m2o(mv, "journal_id")));
}

/* A plain-text body is escaped and put in a paragraph, as Odoo's html
 * field sanitizer does (n.read_both, l.message_read). */
static void message_defaults(struct emu *db, json_t *rec)
{
	const char *body = emu_str(rec, "body");
	struct buf html = BUF_INIT(1 << 20);
	json_t *target = emu_rec_of(db, emu_str(rec, "model"),
				    json_integer_value(json_object_get(rec, "res_id")));

	if (*body && body[0] != '<') {
		emu_account_html(body, &html);
		emu_set_str(rec, "body", buf_str(&html));
	}
	buf_release(&html);
	emu_set_default(rec, "message_type", json_string("comment"));
	emu_set_default(rec, "author_id", json_integer(3));
	if (target)
		emu_set_default(rec, "record_name", json_string(emu_str(target, "name")));
}

void emu_account_html(const char *text, struct buf *out)
{
	buf_adds(out, "<p>");
	for (; text && *text; text++) {
		switch (*text) {
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '&': buf_adds(out, "&amp;"); break;
		case '\n': buf_adds(out, "<br>"); break;
		default: buf_addc(out, *text);
		}
	}
	buf_adds(out, "</p>");
}

enum err_code emu_account_hook_create(struct emu *db, struct emu_model *m,
				      json_t *rec, json_t *vals, json_t *ctx,
				      struct emu_exc *x)
{
	(void)vals;
	if (strcmp(m->name, "account.move.reversal") == 0)
		reversal_defaults(db, rec, ctx);
	else if (strcmp(m->name, "account.payment.register") == 0)
		return register_defaults(db, rec, ctx, x);
	else if (strcmp(m->name, "mail.message") == 0)
		message_defaults(db, rec);
	return ERR_OK;
}
