/* step_receipt: AWAITING_RECEIPT -> RECEIVED for a batch of returns. One
 * read of every waiting return picking per poll; for the returns whose
 * pickings are all done, one read of their moves and one of their move
 * lines: received product, quantity and final location per line. Odoo's
 * disposition wins and a disagreement with Rebound is an exception. A
 * backorder the warehouse chose to create is followed like the first
 * picking: the return is received when every picking is done. */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "odoo/ops.h"
#include "util/log.h"

#define MAX_EXC 16

static int64_t location_id(const struct work *wo, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(wo->w, "locations"), name));
}

struct receipt {
	struct ops_move *mv;
	size_t nmv;
	struct ops_move_line *ml;
	size_t nml;
	struct step_exc exc[MAX_EXC];
	int nexc;
};

static void rexc(struct receipt *r, const char *type, const char *owner, const char *msg)
{
	if (r->nexc >= MAX_EXC)
		return;
	r->exc[r->nexc].type = type;
	r->exc[r->nexc].owner = owner;
	snprintf(r->exc[r->nexc].message, sizeof(r->exc[0].message), "%s", msg);
	r->nexc++;
}

/* Received quantity of a line and where most of it went. */
static void read_line(struct work *wo, struct receipt *r, json_t *l)
{
	int64_t sl = wr_int(l, "sale_line_id"), prod = wr_int(l, "product_id");
	int64_t got = 0, best = -1, expected = wr_int(l, "qty");
	json_t *dest = json_object_get(l, "dest");
	const char *kind = json_string_value(json_object_get(dest, "kind"));
	char final[OPS_REF_LEN] = "", msg[768], a[32], b[32];
	int64_t final_id = 0;
	size_t i, j;

	for (i = 0; i < r->nmv; i++) {
		if (r->mv[i].sale_line_id != sl || r->mv[i].product_id != prod ||
		    strcmp(r->mv[i].state, "done") != 0)
			continue;
		got += r->mv[i].qty;
		for (j = 0; j < r->nml; j++) {
			if (r->ml[j].move_id != r->mv[i].id || r->ml[j].qty <= best)
				continue;
			best = r->ml[j].qty;
			final_id = r->ml[j].location_dest_id;
			snprintf(final, sizeof(final), "%s", r->ml[j].location_dest_name);
		}
	}
	wr_set_int(l, "received", got);
	wr_set_int(l, "final_location_id", final_id);
	json_object_set_new(l, "final_location", json_string(final));
	if (got != expected) {
		snprintf(msg, sizeof(msg), "line %s: Rebound announced %s, the warehouse received %s; only what was received is credited",
			 json_string_value(json_object_get(l, "label")),
			 money_format(expected, MONEY_QTY_DECIMALS, a, sizeof(a)),
			 money_format(got, MONEY_QTY_DECIMALS, b, sizeof(b)));
		rexc(r, "quantity_mismatch", "warehouse", msg);
	}
	/* I4: Odoo's disposition stands; a person looks at the difference */
	if (got > 0 && kind && strcmp(kind, "stock") != 0 &&
	    final_id == location_id(wo, json_string_value(json_object_get(wo->w, "stock_location")))) {
		snprintf(msg, sizeof(msg), "line %s: Rebound's %s (%s) proposed %s, but the warehouse put it into sellable stock (%s). Odoo's stock stands; if the item is not sellable, move it out of stock in Odoo",
			 json_string_value(json_object_get(l, "label")),
			 json_string_value(json_object_get(json_object_get(l, "dest"), "source")),
			 kind, json_string_value(json_object_get(json_object_get(l, "dest"), "location")),
			 final);
		rexc(r, "disposition_mismatch", "warehouse", msg);
	}
}

/* Products received that are on no line of the return. */
static void unexpected_products(struct work *wo, struct receipt *r)
{
	json_t *l;
	char msg[512];
	size_t i, j;

	for (i = 0; i < r->nmv; i++) {
		bool known = false;

		json_array_foreach(json_object_get(wo->w, "lines"), j, l)
			known = known || wr_int(l, "product_id") == r->mv[i].product_id;
		if (!known && r->mv[i].qty > 0 && strcmp(r->mv[i].state, "done") == 0) {
			snprintf(msg, sizeof(msg), "the return picking received %s (product id %lld), which is on no line of this return: check the item; it is not credited",
				 r->mv[i].product_name[0] ? r->mv[i].product_name : "a product",
				 (long long)r->mv[i].product_id);
			rexc(r, "sku_mismatch", "warehouse", msg);
		}
	}
}

/* --- one poll ---------------------------------------------------------------- */

/* The return's pickings as read this round; NULL where not read. */
static const struct ops_picking *read_one(const struct ops_picking *p, size_t np, int64_t id)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (p[i].id == id)
			return &p[i];
	return NULL;
}

/* What the read says of one return: 1 when every picking is done (its
 * moves are to be read), 0 when it waits or was held or failed. */
static int look_at(struct worker *wk, struct work *wo, const struct ops_picking *p,
		   size_t np, struct err *e)
{
	struct receipt r;
	json_t *pk;
	bool all_done = true;
	enum err_code rc = ERR_OK;
	size_t i;

	memset(&r, 0, sizeof(r));
	json_array_foreach(json_object_get(wo->w, "pickings"), i, pk) {
		const struct ops_picking *q = read_one(p, np, wr_int(pk, "id"));

		if (!q) {
			work_fail(wo, err_set(e, ERR_NOT_FOUND, "return picking %lld is gone from Odoo",
					      (long long)wr_int(pk, "id")), e);
			return 0;
		}
		if (!json_object_get(pk, "name")) {
			rc = engine_doc(wk, wo, "return_picking", q->id, q->name,
					json_string_value(json_object_get(pk, "ref")), e);
			json_object_set_new(pk, "name", json_string(q->name));
		}
		if (rc != ERR_OK) {
			work_fail(wo, rc, e);
			return 0;
		}
		if (strcmp(q->state, "cancel") == 0 && !json_is_true(json_object_get(pk, "backorder"))) {
			char msg[300];

			snprintf(msg, sizeof(msg), "the return picking %s was cancelled in Odoo before anything was received: cancel the return (returnbridge cancel), or release it to make a new picking",
				 q->name);
			rexc(&r, "picking_cancelled", "warehouse", msg);
			json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
			rc = engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
					   json_pack("{s:s,s:s}", "type", "picking_cancelled", "picking",
						     q->name), r.exc, r.nexc, e);
			wo->res = STEP_DONE;
			if (rc != ERR_OK)
				work_fail(wo, rc, e);
			return 0;
		}
		/* a cancelled backorder: the warehouse gave up on the rest */
		if (strcmp(q->state, "done") != 0 && strcmp(q->state, "cancel") != 0)
			all_done = false;
	}
	if (!all_done) {
		wo->res = STEP_WAIT;    /* I1: nothing is credited before the warehouse validates */
		return 0;
	}
	return 1;
}

static bool is_mine(const struct work *wo, int64_t picking_id)
{
	json_t *pk;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "pickings"), i, pk)
		if (wr_int(pk, "id") == picking_id)
			return true;
	return false;
}

/* Whether the return's done moves hold less than a line announced. Odoo
 * lowers a move's demand to what was done when it splits the rest into a
 * backorder, so a move's own demand never shows a backorder: the line's
 * quantity does. */
static bool received_less(const struct work *wo, const struct ops_move *mv, size_t nmv)
{
	json_t *l;
	size_t i, j;

	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		int64_t got = 0;

		for (j = 0; j < nmv; j++)
			if (mv[j].sale_line_id == wr_int(l, "sale_line_id") &&
			    mv[j].product_id == wr_int(l, "product_id") &&
			    strcmp(mv[j].state, "done") == 0 && is_mine(wo, mv[j].picking_id))
				got += mv[j].qty;
		if (got < wr_int(l, "qty"))
			return true;
	}
	return false;
}

/* Backorders of the done pickings not followed yet; added to the returns'
 * pickings. Only read for returns that received less than announced. */
static enum err_code follow_backorders(struct worker *wk, struct work **ready, size_t n,
				       const struct ops_move *mv, size_t nmv,
				       bool *added, struct err *e)
{
	size_t max = 0, k = 0, nbo = 0, i, j;
	int64_t *ids;
	struct ops_picking *bo = NULL;
	enum err_code rc = ERR_OK;
	json_t *pick;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(ready[i]->w, "pickings"));
	ids = calloc(max + 1, sizeof(*ids));
	if (!ids)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (received_less(ready[i], mv, nmv))
			json_array_foreach(json_object_get(ready[i]->w, "pickings"), j, pick)
				ids[k++] = wr_int(pick, "id");
	if (k)
		rc = ops_backorders_of(wk->odoo, ids, k, &bo, &nbo, e);
	for (i = 0; rc == ERR_OK && i < n; i++) {
		json_t *pks = json_object_get(ready[i]->w, "pickings"), *pk;

		added[i] = false;
		for (j = 0; j < nbo; j++) {
			size_t q;
			bool mine = false, known = false;

			json_array_foreach(pks, q, pk) {
				mine = mine || wr_int(pk, "id") == bo[j].backorder_id;
				known = known || wr_int(pk, "id") == bo[j].id;
			}
			if (!mine || known)
				continue;
			json_array_append_new(pks, json_pack("{s:I,s:s,s:s,s:b,s:I}", "id",
				(json_int_t)bo[j].id, "ref", bo[j].origin, "name", bo[j].name,
				"backorder", 1, "backorder_of", (json_int_t)bo[j].backorder_id));
			added[i] = true;
		}
	}
	free(bo);
	free(ids);
	return rc;
}

/* The moves and move lines of the return's pickings out of the batch's. */
static enum err_code filter_moves(struct work *wo, const struct ops_move *mv, size_t nmv,
				  const struct ops_move_line *ml, size_t nml,
				  struct receipt *r, struct err *e)
{
	json_t *pks = json_object_get(wo->w, "pickings"), *pk;
	size_t i, j;

	r->mv = calloc(nmv + 1, sizeof(*r->mv));
	r->ml = calloc(nml + 1, sizeof(*r->ml));
	if (!r->mv || !r->ml)
		return err_set(e, ERR_NOMEM, "out of memory");
	json_array_foreach(pks, j, pk) {
		int64_t id = wr_int(pk, "id");

		for (i = 0; i < nmv; i++)
			if (mv[i].picking_id == id)
				r->mv[r->nmv++] = mv[i];
		for (i = 0; i < nml; i++)
			if (ml[i].picking_id == id)
				r->ml[r->nml++] = ml[i];
	}
	return ERR_OK;
}

/* Every picking done: quantities, final locations, exceptions; RECEIVED. */
static enum err_code receive_one(struct worker *wk, struct work *wo, struct receipt *r,
				 struct err *e)
{
	json_t *l, *got, *names = json_array(), *pk;
	size_t i;

	json_object_set_new(wo->w, "stock_location", json_string(wk->cfg->disposition_stock));
	got = json_array();
	json_array_foreach(json_object_get(wo->w, "lines"), i, l) {
		read_line(wo, r, l);
		json_array_append_new(got, json_pack("{s:i,s:I,s:s}", "line_no",
			(int)wr_int(l, "line_no"), "received", (json_int_t)wr_int(l, "received"),
			"final_location", json_string_value(json_object_get(l, "final_location"))));
	}
	unexpected_products(wo, r);
	json_array_foreach(json_object_get(wo->w, "pickings"), i, pk)
		json_array_append(names, json_object_get(pk, "name"));
	return engine_commit(wk, wo, RETFLOW_RECEIVED, "received",
			     json_pack("{s:o,s:o}", "pickings", names, "lines", got),
			     r->exc, r->nexc, e);
}

void step_receipt(struct worker *wk, struct work **wos, size_t n)
{
	struct work **ready = calloc(n + 1, sizeof(*ready));
	bool *added = calloc(n + 1, sizeof(*added));
	int64_t *ids = NULL;
	struct ops_picking *p = NULL;
	struct ops_move *mv = NULL;
	struct ops_move_line *ml = NULL;
	struct err e = ERR_INIT;
	size_t np = 0, nmv = 0, nml = 0, nr = 0, k = 0, max = 0, i, j;
	enum err_code rc;
	json_t *pk;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "pickings"));
	ids = calloc(max + 1, sizeof(*ids));
	if (!ready || !added || !ids) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	/* one read for every picking of every return waiting for the warehouse */
	rc = engine_read_pickings(wk, wos, n, &p, &np, &e);
	if (rc != ERR_OK) {
		works_fail(wos, n, rc, &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct err e1 = ERR_INIT;

		if (look_at(wk, wos[i], p, np, &e1))
			ready[nr++] = wos[i];
	}
	if (nr == 0)
		goto out;
	/* the ready ones: the moves and move lines of their pickings */
	for (k = 0, i = 0; i < nr; i++)
		json_array_foreach(json_object_get(ready[i]->w, "pickings"), j, pk)
			ids[k++] = wr_int(pk, "id");
	rc = ops_moves(wk->odoo, ids, k, &mv, &nmv, &e);
	if (rc == ERR_OK)
		rc = ops_move_lines(wk->odoo, ids, k, &ml, &nml, &e);
	if (rc == ERR_OK)
		rc = follow_backorders(wk, ready, nr, mv, nmv, added, &e);
	for (i = 0; i < nr; i++) {
		struct work *wo = ready[i];
		struct receipt r;
		struct err e1 = ERR_INIT;
		enum err_code rc1 = rc;

		memset(&r, 0, sizeof(r));
		if (rc1 == ERR_OK && added[i]) {
			/* the warehouse kept the rest for later: wait for it too */
			rc1 = engine_commit(wk, wo, wo->state, "backorder",
					    json_pack("{s:O}", "pickings",
						      json_object_get(wo->w, "pickings")), NULL, 0, &e1);
			if (rc1 == ERR_OK)
				wo->res = STEP_WAIT;
		} else {
			if (rc1 == ERR_OK)
				rc1 = filter_moves(wo, mv, nmv, ml, nml, &r, &e1);
			if (rc1 == ERR_OK)
				rc1 = receive_one(wk, wo, &r, &e1);
			if (rc1 == ERR_OK)
				wo->res = STEP_NEXT;
		}
		if (rc1 != ERR_OK)
			work_fail(wo, rc1, rc == ERR_OK ? &e1 : &e);
		free(r.mv);
		free(r.ml);
	}
out:
	free(p);
	free(mv);
	free(ml);
	free(ids);
	free(ready);
	free(added);
}
