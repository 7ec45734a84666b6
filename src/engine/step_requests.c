/* step_requests: what people (and Rebound) asked of a return, applied by
 * the engine at the start of a round, because only the engine changes a
 * return's state and some requests need Odoo. Each request is answered in
 * the same store transaction as the change it makes ("applied", or why
 * not in words a person can act on), and audited with who and why.
 *
 *   release  ON_HOLD -> the state the hold interrupted; its exceptions are
 *            marked resolved by the person.
 *   cancel   before receipt: the return pickings are cancelled in Odoo
 *            (one read and one action_cancel for the whole round) and the
 *            return is CANCELLED. After receipt — goods are in Odoo — it is
 *            an exception for a person, not a cancellation.
 *   approve, reject  AWAITING_APPROVAL: decide the lines waiting for a
 *            person (all, or --lines); once none waits, back to RECEIVED
 *            and the credit step credits what was approved. */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odoo/ops.h"
#include "util/log.h"

#define MAX_REQ 8

struct req {
	int64_t id;
	char kind[16];
	char actor[128];
	char comment[512];
	json_t *lines;       /* array of line numbers, NULL = all */
};

struct reqs {
	struct req r[MAX_REQ];
	int n;
};

static void on_request(const struct store_request *q, void *arg)
{
	struct reqs *rs = arg;
	struct req *r;

	if (rs->n >= MAX_REQ)
		return;    /* the rest next round */
	r = &rs->r[rs->n++];
	r->id = q->id;
	snprintf(r->kind, sizeof(r->kind), "%s", q->kind);
	snprintf(r->actor, sizeof(r->actor), "%s", q->actor ? q->actor : "?");
	snprintf(r->comment, sizeof(r->comment), "%s", q->comment ? q->comment : "");
	r->lines = q->lines ? json_loads(q->lines, 0, NULL) : NULL;
}

/* Answer the request with the next commit, and move the return (to ==
 * wo->state: only answer). */
static enum err_code answer(struct worker *wk, struct work *wo, const struct req *r,
			    enum retflow_state to, const char *result,
			    const struct step_exc *x, int nx, struct err *e)
{
	wo->req_id = r->id;
	snprintf(wo->req_result, sizeof(wo->req_result), "%s", result);
	return engine_commit(wk, wo, to, r->kind,
			     json_pack("{s:I,s:s,s:s,s:s}", "request_id", (json_int_t)r->id,
				       "by", r->actor, "comment", r->comment, "result", result),
			     x, nx, e);
}

static enum err_code release(struct worker *wk, struct work *wo, const struct req *r,
			     struct err *e)
{
	int back;
	char why[200];

	if (wo->state != RETFLOW_ON_HOLD) {
		snprintf(why, sizeof(why), "refused: the return is %s, not on hold",
			 retflow_state_name(wo->state));
		return answer(wk, wo, r, wo->state, why, NULL, 0, e);
	}
	back = retflow_state_parse(json_string_value(json_object_get(wo->w, "held_from")));
	if (back < 0 || !retflow_allowed(RETFLOW_ON_HOLD, (enum retflow_state)back))
		back = RETFLOW_INTENT;
	json_object_del(wo->w, "held_from");
	/* what the hold was about (a document returnbridge did not make) is
	 * now known to a person: it no longer holds the return */
	if (json_object_get(wo->w, "foreign_seen")) {
		if (!json_object_get(wo->w, "foreign_ok"))
			json_object_set_new(wo->w, "foreign_ok", json_array());
		json_array_extend(json_object_get(wo->w, "foreign_ok"),
				  json_object_get(wo->w, "foreign_seen"));
		json_object_del(wo->w, "foreign_seen");
	}
	snprintf(wo->resolve_by, sizeof(wo->resolve_by), "%s", r->actor);
	wo->res = STEP_NEXT;
	return answer(wk, wo, r, (enum retflow_state)back, "applied", NULL, 0, e);
}

/* The state that counts for a cancel: where a hold interrupted it. */
static enum retflow_state effective(const struct work *wo)
{
	int s;

	if (wo->state != RETFLOW_ON_HOLD)
		return wo->state;
	s = retflow_state_parse(json_string_value(json_object_get(wo->w, "held_from")));
	return s < 0 ? RETFLOW_INTENT : (enum retflow_state)s;
}

/* A picking create whose outcome is not known yet: the picking step
 * settles it (search by reference) before a cancel can be applied. */
static bool pending_pickings(const struct work *wo)
{
	json_t *pk;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "pickings"), i, pk)
		if (!wr_int(pk, "id") && json_is_true(json_object_get(pk, "pending")))
			return true;
	return false;
}

static bool has_pickings(const struct work *wo)
{
	json_t *pk;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "pickings"), i, pk)
		if (wr_int(pk, "id") || json_is_true(json_object_get(pk, "pending")))
			return true;
	return false;
}

static enum err_code too_late(struct worker *wk, struct work *wo, const struct req *r,
			      const char *what, struct err *e)
{
	struct step_exc x = { "cancel_after_receipt", "support", "" };
	bool credited = wo->state == RETFLOW_CREDITED || wo->state == RETFLOW_NOTIFIED ||
			wo->state == RETFLOW_CLOSED;

	if (credited)
		x = (struct step_exc){ "cancel_after_credit", "finance", "" };
	snprintf(x.message, sizeof(x.message), "%s asked to cancel the return (\"%.200s\"), but %s. Nothing was cancelled: %s",
		 r->actor, r->comment, what,
		 credited ? "if the customer must not keep the refund, reverse the credit note in Odoo by hand"
			  : "the goods are in Odoo; if the customer must not be refunded, reject the return (returnbridge reject) or handle it by hand");
	return answer(wk, wo, r, wo->state, "refused: too late to cancel", &x, 1, e);
}

static enum err_code cancelled(struct worker *wk, struct work *wo, const struct req *r,
			       struct err *e)
{
	json_t *outs = json_array(), *l;
	enum err_code rc;
	size_t i;

	/* nothing of a cancelled return will be credited */
	json_array_foreach(wo->lines, i, l) {
		const char *o = json_string_value(json_object_get(l, "outcome"));

		if (!o || strcmp(o, "pending") == 0)
			json_array_append_new(outs, json_pack("[I,s]", json_integer_value(
				json_object_get(l, "line_no")), "refused"));
	}
	rc = engine_outcomes(wk, wo, outs, e);
	json_decref(outs);
	if (rc != ERR_OK)
		return rc;
	snprintf(wo->resolve_by, sizeof(wo->resolve_by), "%s", r->actor);
	wo->res = STEP_DONE;
	return answer(wk, wo, r, RETFLOW_CANCELLED, "applied", NULL, 0, e);
}

/* Decide the lines waiting for approval; RECEIVED once none waits. */
static enum err_code decide(struct worker *wk, struct work *wo, const struct req *r,
			    struct err *e)
{
	bool approve = strcmp(r->kind, "approve") == 0, waiting = false;
	json_t *l, *n;
	size_t i, j;
	int decided = 0;
	char why[200];

	if (wo->state != RETFLOW_AWAITING_APPROVAL) {
		snprintf(why, sizeof(why), "refused: the return is %s, not awaiting approval",
			 retflow_state_name(wo->state));
		return answer(wk, wo, r, wo->state, why, NULL, 0, e);
	}
	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		bool named = !r->lines;

		json_array_foreach(r->lines, j, n)
			named = named || json_integer_value(n) == wr_int(l, "line_no");
		if (!json_is_true(json_object_get(l, "needs_approval")) ||
		    json_object_get(l, "decision"))
			continue;
		if (!named) {
			waiting = true;
			continue;
		}
		json_object_set_new(l, "decision", json_pack("{s:s,s:s,s:s}", "kind",
			approve ? "approved" : "rejected", "by", r->actor, "comment", r->comment));
		decided++;
	}
	if (!decided)
		return answer(wk, wo, r, wo->state, "refused: none of those lines waits for approval",
			      NULL, 0, e);
	if (waiting)
		return answer(wk, wo, r, wo->state, "applied", NULL, 0, e);
	snprintf(wo->resolve_by, sizeof(wo->resolve_by), "%s", r->actor);
	wo->res = STEP_NEXT;
	return answer(wk, wo, r, RETFLOW_RECEIVED, "applied", NULL, 0, e);
}

/* Cancels that need Odoo: read the pickings of all of them (one call),
 * cancel those not done (one call). */
static void cancel_in_odoo(struct worker *wk, struct work **wos, const struct req **rq,
			   size_t n)
{
	int64_t *open = NULL;
	struct ops_picking *p = NULL;
	struct err e = ERR_INIT;
	size_t np = 0, no = 0, max = 0, i, j, q;
	enum err_code rc;
	json_t *pk;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "pickings"));
	open = calloc(max + 1, sizeof(*open));
	if (!open) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	rc = engine_read_pickings(wk, wos, n, &p, &np, &e);
	if (rc != ERR_OK) {
		works_fail(wos, n, rc, &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		bool done = false;

		json_array_foreach(json_object_get(wos[i]->w, "pickings"), j, pk)
			for (q = 0; q < np; q++)
				if (p[q].id == wr_int(pk, "id"))
					done = done || strcmp(p[q].state, "done") == 0;
		if (done) {
			if (too_late(wk, wos[i], rq[i], "the warehouse already validated its return picking", &e) != ERR_OK)
				work_fail(wos[i], e.code, &e);
			wos[i]->res = STEP_DONE;
			rq[i] = NULL;
			continue;
		}
		json_array_foreach(json_object_get(wos[i]->w, "pickings"), j, pk)
			for (q = 0; q < np; q++)
				if (p[q].id == wr_int(pk, "id") && strcmp(p[q].state, "cancel") != 0)
					open[no++] = p[q].id;
	}
	rc = ERR_OK;
	if (no) {
		for (i = 0; i < n; i++)
			if (rq[i] && engine_audit(wk, wos[i], "odoo_write", json_pack(
					"{s:s,s:s}", "model", "stock.picking", "method", "action_cancel"),
					&e) != ERR_OK)
				work_fail(wos[i], e.code, &e);
		rc = ops_pickings_cancel(wk->odoo, open, no, &e);
	}
	for (i = 0; i < n; i++) {
		if (!rq[i] || wos[i]->rc != ERR_OK)
			continue;
		if (rc != ERR_OK)
			work_fail(wos[i], rc, &e);
		else if (cancelled(wk, wos[i], rq[i], &e) != ERR_OK)
			work_fail(wos[i], e.code, &e);
	}
out:
	free(p);
	free(open);
}

/* One request that needs no Odoo; 1 when it is a cancel that does. */
static int apply_one(struct worker *wk, struct work *wo, const struct req *r, struct err *e)
{
	enum err_code rc = ERR_OK;
	enum retflow_state s = effective(wo);

	if (strcmp(r->kind, "release") == 0) {
		rc = release(wk, wo, r, e);
	} else if (strcmp(r->kind, "approve") == 0 || strcmp(r->kind, "reject") == 0) {
		rc = decide(wk, wo, r, e);
	} else if (strcmp(r->kind, "cancel") == 0) {
		if (pending_pickings(wo))
			return 0;    /* answered next round, once the picking is known */
		if (wo->state == RETFLOW_CANCELLED)
			rc = answer(wk, wo, r, wo->state, "applied: it was already cancelled", NULL, 0, e);
		else if (s == RETFLOW_INTENT || (s == RETFLOW_MATCHED && !has_pickings(wo)))
			rc = cancelled(wk, wo, r, e);
		else if (s == RETFLOW_MATCHED || s == RETFLOW_AWAITING_RECEIPT)
			return 1;
		else
			rc = too_late(wk, wo, r, wo->state == RETFLOW_CREDITED ||
				      wo->state == RETFLOW_NOTIFIED || wo->state == RETFLOW_CLOSED
				      ? "it is already credited" : "the goods were already received", e);
	} else {
		rc = answer(wk, wo, r, wo->state, "refused: unknown request", NULL, 0, e);
	}
	if (rc != ERR_OK)
		work_fail(wo, rc, e);
	return 0;
}

void apply_requests(struct worker *wk, struct work **wos, size_t n)
{
	struct work **odoo = calloc(n + 1, sizeof(*odoo));
	const struct req **oreq = calloc(n + 1, sizeof(*oreq));
	struct reqs *rs = calloc(n + 1, sizeof(*rs));
	struct err e = ERR_INIT;
	size_t no = 0, i;
	int k;

	if (!odoo || !oreq || !rs)
		goto out;
	for (i = 0; i < n; i++) {
		if (wos[i]->rc != ERR_OK)
			continue;
		if (store_requests_list(wk->st, wos[i]->return_id, true, on_request, &rs[i],
					&e) != ERR_OK) {
			work_fail(wos[i], e.code, &e);
			continue;
		}
		for (k = 0; k < rs[i].n && wos[i]->rc == ERR_OK; k++) {
			log_info("return %s: %s by %s", wos[i]->rid, rs[i].r[k].kind, rs[i].r[k].actor);
			if (apply_one(wk, wos[i], &rs[i].r[k], &e)) {
				odoo[no] = wos[i];
				oreq[no++] = &rs[i].r[k];
				break;    /* the rest after the cancel */
			}
		}
	}
	if (no)
		cancel_in_odoo(wk, odoo, oreq, no);
out:
	for (i = 0; rs && i < n; i++)
		for (k = 0; k < rs[i].n; k++)
			json_decref(rs[i].r[k].lines);
	free(odoo);
	free(oreq);
	free(rs);
}
