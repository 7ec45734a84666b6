/* step_picking: MATCHED -> AWAITING_RECEIPT: the return pickings of a
 * batch of returns (one per delivery the lines came from) in one create,
 * each exactly once (I3). */
#define LOG_COMPONENT "engine"
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "odoo/ops.h"
#include "util/log.h"

#define MAX_LINES 64
#define MAX_EXC 16

static int64_t location_id(const struct work *wo, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(wo->w, "locations"), name));
}

/* Our pickings found by reference after an unknown outcome: ref -> id of
 * the first not cancelled. One call for the batch. */
static enum err_code find_ours(struct worker *wk, struct work **wos, size_t n,
			       json_t *found, struct err *e)
{
	const char **refs = NULL;
	struct ops_picking *p = NULL;
	size_t k = 0, max = 0, np = 0, i, j;
	enum err_code rc = ERR_OK;
	json_t *pk;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "pickings"));
	refs = calloc(max + 1, sizeof(*refs));
	if (!refs)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		json_array_foreach(json_object_get(wos[i]->w, "pickings"), j, pk)
			if (!wr_int(pk, "id") && json_is_true(json_object_get(pk, "pending")))
				refs[k++] = json_string_value(json_object_get(pk, "ref"));
	if (k)
		rc = ops_pickings_by_ref(wk->odoo, refs, k, &p, &np, e);
	for (i = 0; rc == ERR_OK && i < np; i++)
		if (strcmp(p[i].state, "cancel") != 0 && !json_object_get(found, p[i].origin))
			json_object_set_new(found, p[i].origin, json_integer(p[i].id));
	free(p);
	free(refs);
	return rc;
}

/* One picking to create: which return, which entry of its "pickings". */
struct to_make {
	struct work *wo;
	json_t *pk;
};

struct creating {
	struct to_make *tm;
	struct ops_return *req;
	struct ops_return_line *rl;        /* MAX_LINES per picking */
	int64_t *ids;
};

static json_t *delivery(const struct work *wo, int64_t id)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "deliveries"), i, d)
		if (wr_int(d, "id") == id)
			return d;
	return NULL;
}

/* The create request of picking i: the lines of its delivery. */
static enum err_code fill_req(struct creating *c, size_t i, struct err *e)
{
	struct work *wo = c->tm[i].wo;
	json_t *pk = c->tm[i].pk;
	int64_t did = wr_int(pk, "delivery_id");
	json_t *dl = delivery(wo, did), *l;
	struct ops_return_line *rl = &c->rl[i * MAX_LINES];
	struct ops_return *req = &c->req[i];
	size_t j, k = 0;

	if (!dl)
		return err_set(e, ERR_INTERNAL, "return %s: delivery %lld not in the working record",
			       wo->rid, (long long)did);
	json_array_foreach(json_object_get(wo->w, "lines"), j, l) {
		if (wr_int(l, "delivery_id") != did)
			continue;
		if (k == MAX_LINES)
			return err_set(e, ERR_INVALID, "more than %d lines from one delivery", MAX_LINES);
		memset(&rl[k], 0, sizeof(rl[k]));
		rl[k].delivery_move_id = wr_int(l, "delivery_move_id");
		rl[k].product_id = wr_int(l, "product_id");
		rl[k].product_uom = wr_int(l, "uom");
		rl[k].sale_line_id = wr_int(l, "sale_line_id");
		rl[k].group_id = wr_int(l, "group_id");
		rl[k].warehouse_id = wr_int(l, "warehouse_id");
		rl[k].qty = wr_int(l, "qty");
		rl[k].location_dest_id = location_id(wo, json_string_value(
			json_object_get(json_object_get(l, "dest"), "location")));
		k++;
	}
	memset(req, 0, sizeof(*req));
	req->ref = json_string_value(json_object_get(pk, "ref"));
	req->move_name = req->ref;
	req->delivery_id = did;
	req->picking_type_id = wr_int(dl, "return_type_id");
	req->partner_id = wr_int(dl, "partner_id");
	req->location_id = wr_int(dl, "location_id");
	req->location_dest_id = rl[0].location_dest_id;
	req->lines = rl;
	req->nlines = k;
	return ERR_OK;
}

static enum err_code create_some(struct worker *wk, size_t from, size_t n, void *arg,
				 struct err *e)
{
	struct creating *c = arg;
	size_t created = 0;
	enum err_code rc;

	rc = ops_returns_create(wk->odoo, &c->req[from], n, &c->ids[from], &created, e);
	if (rc != ERR_OK && created == n) {
		/* made with our reference; confirming and assigning are left
		 * to the warehouse (the pickings are visible in Odoo) */
		log_warn("%zu return pickings created, but confirming them failed: %s", n, e->msg);
		rc = ERR_OK;
	}
	return rc;
}

/* Record the pickings of a return known so far; AWAITING_RECEIPT once
 * every delivery has its picking. */
static enum err_code record_pickings(struct worker *wk, struct work *wo, struct err *e)
{
	json_t *pk, *made = json_array();
	bool all = true;
	enum err_code rc = ERR_OK;
	size_t i;

	json_array_foreach(json_object_get(wo->w, "pickings"), i, pk) {
		int64_t id = wr_int(pk, "id");

		if (!id) {
			all = false;
			continue;
		}
		json_object_del(pk, "pending");
		if (rc == ERR_OK)
			rc = engine_doc(wk, wo, "return_picking", id, NULL,
					json_string_value(json_object_get(pk, "ref")), e);
		json_array_append_new(made, json_pack("{s:I,s:O,s:I}", "picking_id", (json_int_t)id,
						      "ref", json_object_get(pk, "ref"), "delivery_id",
						      (json_int_t)wr_int(pk, "delivery_id")));
	}
	if (rc == ERR_OK)
		rc = engine_commit(wk, wo, all ? RETFLOW_AWAITING_RECEIPT : wo->state,
				   "return_picking", json_pack("{s:o}", "pickings", made), NULL, 0, e);
	else
		json_decref(made);
	if (rc == ERR_OK && all)
		wo->res = STEP_WAIT;
	return rc;
}

/* Adopt what a search found for a return's pending pickings; mark the
 * ones still to create as pending and commit that intent before they are
 * sent (after a crash we search). Appends them to tm. */
static enum err_code prepare(struct worker *wk, struct work *wo, json_t *found,
			     struct to_make *tm, size_t *k, struct err *e)
{
	json_t *pk, *refs = json_array();
	size_t i, k0 = *k;
	enum err_code rc = ERR_OK;

	json_array_foreach(json_object_get(wo->w, "pickings"), i, pk) {
		const char *ref = json_string_value(json_object_get(pk, "ref"));
		int64_t id = json_integer_value(json_object_get(found, ref));

		if (wr_int(pk, "id"))
			continue;
		if (json_is_true(json_object_get(pk, "pending"))) {
			rc = engine_audit(wk, wo, "search_before_retry",
					  json_pack("{s:s,s:s,s:I}", "model", "stock.picking",
						    "ref", ref, "found", (json_int_t)id), e);
			if (rc != ERR_OK)
				break;
			if (id) {
				wr_set_int(pk, "id", id);
				continue;
			}
		}
		json_object_set_new(pk, "pending", json_true());
		json_array_append_new(refs, json_string(ref));
		tm[(*k)++] = (struct to_make){ wo, pk };
	}
	if (rc == ERR_OK && *k > k0)
		rc = engine_commit(wk, wo, wo->state, "odoo_write",
				   json_pack("{s:s,s:s,s:O}", "model", "stock.picking",
					     "method", "create", "refs", refs), NULL, 0, e);
	if (rc != ERR_OK)
		*k = k0;
	json_decref(refs);
	return rc;
}

void step_picking(struct worker *wk, struct work **wos, size_t n)
{
	struct creating c = { 0 };
	struct err e = ERR_INIT;
	json_t *found = json_object();
	enum err_code rc, *rcs = NULL;
	struct err *errs = NULL;
	size_t k = 0, max = 0, i;

	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "pickings"));
	c.tm = calloc(max + 1, sizeof(*c.tm));
	c.req = calloc(max + 1, sizeof(*c.req));
	c.rl = calloc(max * MAX_LINES + 1, sizeof(*c.rl));
	c.ids = calloc(max + 1, sizeof(*c.ids));
	rcs = calloc(max + 1, sizeof(*rcs));
	errs = calloc(max + 1, sizeof(*errs));
	if (!c.tm || !c.req || !c.rl || !c.ids || !rcs || !errs) {
		works_fail(wos, n, err_set(&e, ERR_NOMEM, "out of memory"), &e);
		goto out;
	}
	/* I3: a create sent before whose outcome is unknown (no answer, or we
	 * died before recording it): look first, for all of them at once */
	rc = find_ours(wk, wos, n, found, &e);
	if (rc != ERR_OK) {
		works_fail(wos, n, rc, &e);
		goto out;
	}
	for (i = 0; i < n; i++) {
		size_t k0 = k, j;

		rc = prepare(wk, wos[i], found, c.tm, &k, &e);
		for (j = k0; rc == ERR_OK && j < k; j++)
			rc = fill_req(&c, j, &e);
		if (rc != ERR_OK) {
			k = k0;
			work_fail(wos[i], rc, &e);
		}
	}
	if (k)
		batch_split(wk, k, create_some, &c, rcs, errs);
	if (k)
		engine_test_crash("picking_created");
	for (i = 0; i < k; i++) {
		if (rcs[i] == ERR_OK)
			wr_set_int(c.tm[i].pk, "id", c.ids[i]);
		else
			work_fail(c.tm[i].wo, rcs[i], &errs[i]);
	}
	/* what was made is recorded even for a return one of whose pickings
	 * Odoo refused */
	for (i = 0; i < n; i++) {
		struct err e1 = ERR_INIT;

		if (record_pickings(wk, wos[i], &e1) != ERR_OK)
			work_fail(wos[i], e1.code, &e1);
		if (wos[i]->rc != ERR_OK)
			wos[i]->res = STEP_NEXT;
	}
out:
	json_decref(found);
	free(c.tm);
	free(c.req);
	free(c.rl);
	free(c.ids);
	free(rcs);
	free(errs);
}
