/* Unit tests for odoo/odoo and odoo/ops over the recorded replies of real
 * Odoo 17 and 18: connect and profile detection, the typed reads (amounts
 * in minor units, including 18's unrounded float), the batched creates
 * rebuilt to the very requests that worked on real servers, the return
 * wizard per profile, and action dicts read as "not done yet". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/money.h"
#include "odoo/ops.h"
#include "replay.h"

struct fixture {
	struct replay *rp;
	struct odoo *c;
	const char *version;
};

static struct fixture *fixture_new(const char *version)
{
	struct odoo_opts o = {
		.url = "http://odoo.invalid", .database = "rbtest", .user = "admin",
		.api_key = "admin", .timeout_ms = 1000, .read_attempts = 2,
		.backoff_ms = 10,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->version = version;
	f->rp = replay_load(version);
	assert_int_equal(odoo_new(&o, &f->c, NULL), ERR_OK);
	rpc_set_transport(odoo_rpc(f->c), replay_post, f->rp);
	rpc_set_sleep(odoo_rpc(f->c), replay_sleep, f->rp);
	return f;
}

static void connect_recorded(struct fixture *f)
{
	struct err e = ERR_INIT;

	replay_expect(f->rp, "a.version", REPLAY_REQUEST);
	replay_expect(f->rp, "a.authenticate_ok", REPLAY_CALL);
	replay_expect(f->rp, "n.fields_get_stock_return_picking", REPLAY_REQUEST);
	replay_expect(f->rp, "n.fields_get_stock_move", REPLAY_REQUEST);
	assert_int_equal(odoo_connect(f->c, &e), ERR_OK);
	/* the recorded company currency, USD, has 2 decimals */
	odoo_currency_set(f->c, 1, 2);
}

static int setup17(void **state)
{
	struct fixture *f = fixture_new("17");

	connect_recorded(f);
	*state = f;
	return 0;
}

static int setup18(void **state)
{
	struct fixture *f = fixture_new("18");

	connect_recorded(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(replay_pending(f->rp), 0);
	odoo_free(f->c);
	replay_free(f->rp);
	free(f);
	return 0;
}

static const json_t *recorded_args(struct fixture *f, const char *step, size_t i)
{
	return json_array_get(json_object_get(json_object_get(json_object_get(
		replay_record(f->rp, step), "request"), "params"), "args"), i);
}

static int64_t jid(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static int64_t jfixed(const json_t *o, const char *k, int decimals)
{
	int64_t v = 0;

	assert_int_equal(money_from_double(json_number_value(json_object_get(o, k)),
					   decimals, &v, NULL), ERR_OK);
	return v;
}

/* --- connect ------------------------------------------------------------- */

static void test_odoo__connect_chooses_profile_17(void **state)
{
	struct fixture *f = *state;
	const struct odoo_server *s = odoo_server(f->c);

	assert_int_equal(s->major, 17);
	assert_int_equal(s->uid, 2);
	assert_string_equal(s->server_version, "17.0-20240709");
	assert_int_equal(s->profile->major, 17);
	assert_true(s->profile->verified);
	assert_string_equal(s->profile->return_method, "create_returns");
	assert_non_null(strstr(s->reason, "has location_id"));
}

static void test_odoo__connect_chooses_profile_18(void **state)
{
	struct fixture *f = *state;
	const struct odoo_server *s = odoo_server(f->c);

	assert_int_equal(s->profile->major, 18);
	assert_true(s->profile->verified);
	assert_string_equal(s->profile->return_method, "action_create_returns");
	assert_true(s->profile->picking_move_type_required);
	assert_string_equal(s->profile->reversal_field, "reversal_move_ids");
	assert_non_null(strstr(s->reason, "has no location_id"));
}

static void test_odoo__bad_password_is_denied(void **state)
{
	struct fixture *f = fixture_new("17");
	struct err e = ERR_INIT;

	(void)state;
	replay_expect(f->rp, "a.version", REPLAY_REQUEST);
	/* the recordings have the bad password on common.login (a.login_bad):
	 * false, no error; authenticate answers the same way (odoo-api.md 1.2) */
	replay_result(f->rp, "false");
	assert_int_equal(odoo_connect(f->c, &e), ERR_DENIED);
	assert_non_null(strstr(e.msg, "odoo.api_key"));
	assert_null(odoo_profile(f->c));
	(void)teardown((void **)&f);
}

/* --- reads ---------------------------------------------------------------- */

static void test_odoo__order_and_lines(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "S00025" };
	struct ops_order *o = NULL;
	struct ops_sale_line *l = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;

	replay_expect(f->rp, "b.so_by_name", REPLAY_CALL);
	assert_int_equal(ops_orders_find(f->c, OPS_ORDER_BY_NAME, names, 1, &o, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].client_ref, "RB-SHOP-ORDER-1001");
	assert_int_equal(o[0].amount_untaxed, 17022);
	assert_int_equal(o[0].amount_tax, 3177);
	assert_int_equal(o[0].amount_total, 20199);
	replay_expect(f->rp, "b.so_lines", REPLAY_CALL);
	replay_expect(f->rp, strcmp(f->version, "17") == 0 ? "s.products_read"
							   : "s.products_read", REPLAY_ARGS);
	assert_int_equal(ops_sale_lines(f->c, &o[0].id, 1, &l, &n, &e), ERR_OK);
	assert_int_equal(n, 3);
	assert_string_equal(l[0].product_code, "RB-TSHIRT-M");
	assert_string_equal(l[2].barcode, "2000000000336");
	assert_string_equal(l[1].invoice_policy, "order");
	assert_int_equal(l[0].price_unit, 25000000);
	assert_int_equal(l[0].discount, 10000000);
	assert_int_equal(l[0].qty_delivered, 3000000);
	assert_int_equal(l[0].ntax, 1);
	assert_int_equal(l[1].price_unit, 79990000);
	/* 17 sends 2.27, 18 sends 2.2699999999999996: both are 227 cents */
	assert_int_equal(l[2].price_tax, 227);
	assert_int_equal(l[2].price_subtotal, 2273);
	assert_int_equal(l[2].price_total, 2500);
	free(o);
	free(l);
}

static void test_odoo__delivery_moves_invoice_lines(void **state)
{
	struct fixture *f = *state;
	struct ops_picking *p = NULL;
	struct ops_move *m = NULL;
	struct ops_invoice_line *il = NULL;
	int64_t order = 25;
	int64_t sol[] = { 51, 52, 53 };
	size_t n = 0;
	struct err e = ERR_INIT;

	if (strcmp(f->version, "18") == 0)
		order = 17;
	replay_expect(f->rp, "d.delivery", REPLAY_CALL);
	assert_int_equal(ops_deliveries_done(f->c, &order, 1, &p, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].name, "WH/OUT/00012");
	assert_string_equal(p[0].state, "done");
	replay_expect(f->rp, "d.delivery_moves", REPLAY_CALL);
	assert_int_equal(ops_moves(f->c, &p[0].id, 1, &m, &n, &e), ERR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(m[0].qty, 3000000);
	assert_int_equal(m[2].qty_demand, 2000000);
	assert_true(m[0].picked);
	assert_int_not_equal(m[0].sale_line_id, 0);
	/* the sale line ids of this database */
	sol[0] = m[0].sale_line_id;
	sol[1] = m[1].sale_line_id;
	sol[2] = m[2].sale_line_id;
	replay_expect(f->rp, "e.invoice_lines", REPLAY_ARGS);
	replay_expect(f->rp, "e.invoice", REPLAY_ARGS);
	assert_int_equal(ops_invoice_lines(f->c, sol, 3, &il, &n, &e), ERR_OK);
	assert_int_equal(n, 3);
	assert_string_equal(il[0].move_state, "posted");
	assert_string_equal(il[0].payment_state, "not_paid");
	assert_string_equal(il[0].move_name, "INV/2026/00005");
	assert_string_equal(il[0].move_type, "out_invoice");
	assert_int_equal(il[2].price_subtotal, 2273);
	assert_int_equal(il[0].sale_line_ids[0], sol[0]);
	free(p);
	free(m);
	free(il);
}

static void test_odoo__quants_and_credit_note_read(void **state)
{
	struct fixture *f = *state;
	const json_t *dom = json_array_get(recorded_args(f, "g.quants", 5), 0);
	int64_t prods[3], locs[2], id;
	struct ops_quant *q = NULL;
	struct ops_credit_note *cn = NULL;
	size_t n = 0, i;

	for (i = 0; i < 3; i++)
		prods[i] = (int64_t)json_integer_value(json_array_get(json_array_get(json_array_get(dom, 0), 2), i));
	for (i = 0; i < 2; i++)
		locs[i] = (int64_t)json_integer_value(json_array_get(json_array_get(json_array_get(dom, 1), 2), i));
	replay_expect(f->rp, "g.quants", REPLAY_ARGS);
	assert_int_equal(ops_quants(f->c, prods, 3, locs, 2, &q, &n, NULL), ERR_OK);
	assert_int_equal(n, 4);
	assert_int_equal(q[2].qty, 2000000);       /* TSHIRT in Quarantine */
	assert_int_equal(q[3].qty, 47000000);
	id = (int64_t)json_integer_value(json_array_get(json_array_get(
		recorded_args(f, "i.credit_read_posted", 5), 0), 0));
	replay_expect(f->rp, "i.credit_read_posted", REPLAY_ARGS);
	assert_int_equal(ops_credit_notes_read(f->c, &id, 1, &cn, &n, NULL), ERR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(cn[0].state, "posted");
	assert_string_equal(cn[0].payment_state, "paid");
	assert_string_equal(cn[0].ref, "Rebound RB-TEST-0001");
	assert_int_equal(cn[0].amount_untaxed, 12499);
	assert_int_equal(cn[0].amount_tax, 2500);
	assert_int_equal(cn[0].amount_total, 14999);
	free(q);
	free(cn);
}

static void test_odoo__return_picking_and_final_locations(void **state)
{
	struct fixture *f = *state;
	struct ops_picking *p = NULL;
	struct ops_move_line *ml = NULL;
	int64_t id;
	size_t n = 0;
	struct err e = ERR_INIT;

	id = (int64_t)json_integer_value(json_array_get(json_array_get(
		recorded_args(f, "f.return_picking", 5), 0), 0));
	replay_expect(f->rp, "f.return_picking", REPLAY_ARGS);
	assert_int_equal(ops_pickings_read(f->c, &id, 1, &p, &n, &e), ERR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].state, "assigned");
	assert_string_equal(p[0].origin, "Return of WH/OUT/00012");
	assert_int_not_equal(p[0].return_id, 0);
	assert_int_not_equal(p[0].sale_id, 0);
	replay_expect(f->rp, "f.return_move_lines", REPLAY_CALL);
	assert_int_equal(ops_move_lines(f->c, &id, 1, &ml, &n, &e), ERR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(ml[0].qty, 2000000);
	assert_string_equal(ml[0].location_dest_name, "WH/Quarantine");
	assert_false(ml[0].picked);
	free(p);
	free(ml);
}

/* --- batched creates, rebuilt to the recorded requests -------------------- */

static void test_odoo__direct_return_create_matches_real_odoo(void **state)
{
	struct fixture *f = *state;
	const json_t *vals = json_array_get(recorded_args(f, "r.direct_create", 5), 0);
	const json_t *want = json_object_get(json_object_get(
		replay_record(f->rp, "r.direct_create"), "response"), "result");
	size_t n = json_array_size(vals), i, j, created = 0, nl;
	struct ops_return *reqs = calloc(n, sizeof(*reqs));
	struct ops_return_line *lines;
	int64_t *ids = calloc(n, sizeof(*ids));
	const json_t *v, *mv;
	struct err e = ERR_INIT;

	assert_true(n == 20);
	for (i = 0; i < n; i++) {
		v = json_array_get(vals, i);
		nl = json_array_size(json_object_get(v, "move_ids"));
		lines = calloc(nl, sizeof(*lines));
		for (j = 0; j < nl; j++) {
			mv = json_array_get(json_array_get(json_object_get(v, "move_ids"), j), 2);
			lines[j].delivery_move_id = jid(mv, "origin_returned_move_id");
			lines[j].product_id = jid(mv, "product_id");
			lines[j].product_uom = jid(mv, "product_uom");
			lines[j].sale_line_id = jid(mv, "sale_line_id");
			lines[j].group_id = jid(mv, "group_id");
			lines[j].warehouse_id = jid(mv, "warehouse_id");
			lines[j].qty = jfixed(mv, "product_uom_qty", MONEY_QTY_DECIMALS);
			reqs[i].move_name = json_string_value(json_object_get(mv, "name"));
		}
		reqs[i].ref = json_string_value(json_object_get(v, "origin"));
		reqs[i].delivery_id = jid(v, "return_id");
		reqs[i].picking_type_id = jid(v, "picking_type_id");
		reqs[i].partner_id = jid(v, "partner_id");
		reqs[i].location_id = jid(v, "location_id");
		reqs[i].location_dest_id = jid(v, "location_dest_id");
		reqs[i].lines = lines;
		reqs[i].nlines = nl;
	}
	replay_expect(f->rp, "r.direct_create", REPLAY_REQUEST);
	replay_expect(f->rp, "r.direct_confirm", REPLAY_REQUEST);
	replay_expect(f->rp, "r.direct_assign", REPLAY_REQUEST);
	assert_int_equal(ops_returns_create(f->c, reqs, n, ids, &created, &e), ERR_OK);
	assert_int_equal(created, n);
	for (i = 0; i < n; i++)
		assert_int_equal(ids[i], json_integer_value(json_array_get(want, i)));
	for (i = 0; i < n; i++)
		free((void *)reqs[i].lines);
	free(reqs);
	free(ids);
}

static void test_odoo__credit_notes_batch_matches_real_odoo(void **state)
{
	struct fixture *f = *state;
	const json_t *vals = json_array_get(recorded_args(f, "c.create_batch", 5), 0);
	const json_t *post = json_array_get(recorded_args(f, "c.post_batch", 5), 0);
	size_t n = json_array_size(vals), i, j, nl;
	struct ops_credit *reqs = calloc(n, sizeof(*reqs));
	struct ops_credit_line *lines;
	int64_t *ids = calloc(n, sizeof(*ids));
	int64_t *taxes = calloc(n * 8 * 4, sizeof(*taxes));
	const json_t *v, *lv, *t;
	size_t ti = 0;
	struct err e = ERR_INIT;

	assert_true(n == 20);
	for (i = 0; i < n; i++) {
		v = json_array_get(vals, i);
		nl = json_array_size(json_object_get(v, "invoice_line_ids"));
		lines = calloc(nl, sizeof(*lines));
		for (j = 0; j < nl; j++) {
			lv = json_array_get(json_array_get(json_object_get(v, "invoice_line_ids"), j), 2);
			lines[j].product_id = jid(lv, "product_id");
			lines[j].qty = jfixed(lv, "quantity", MONEY_QTY_DECIMALS);
			lines[j].price_unit = jfixed(lv, "price_unit", MONEY_PRICE_DECIMALS);
			lines[j].discount = jfixed(lv, "discount", MONEY_DISCOUNT_DECIMALS);
			t = json_array_get(json_array_get(json_object_get(lv, "tax_ids"), 0), 2);
			lines[j].tax_ids = &taxes[ti];
			lines[j].ntax = json_array_size(t);
			for (size_t k = 0; k < lines[j].ntax; k++)
				taxes[ti++] = (int64_t)json_integer_value(json_array_get(t, k));
			lines[j].sale_line_id = (int64_t)json_integer_value(json_array_get(json_array_get(
				json_array_get(json_object_get(lv, "sale_line_ids"), 0), 2), 0));
		}
		reqs[i].ref = json_string_value(json_object_get(v, "ref"));
		reqs[i].invoice_origin = json_string_value(json_object_get(v, "invoice_origin"));
		reqs[i].partner_id = jid(v, "partner_id");
		reqs[i].reversed_entry_id = jid(v, "reversed_entry_id");
		reqs[i].lines = lines;
		reqs[i].nlines = nl;
	}
	replay_expect(f->rp, "c.create_batch", REPLAY_REQUEST);
	assert_int_equal(ops_credit_notes_create(f->c, reqs, n, ids, &e), ERR_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(ids[i], json_integer_value(json_array_get(post, i)));
	replay_expect(f->rp, "c.post_batch", REPLAY_REQUEST);
	assert_int_equal(ops_moves_post(f->c, ids, n, &e), ERR_OK);
	for (i = 0; i < n; i++)
		free((void *)reqs[i].lines);
	free(reqs);
	free(ids);
	free(taxes);
}

static void test_odoo__notes_batch_and_message_post(void **state)
{
	struct fixture *f = *state;
	const json_t *vals = json_array_get(recorded_args(f, "n.create_batch", 5), 0);
	const json_t *mp = recorded_args(f, "l.message_post", 6);
	size_t n = json_array_size(vals), i;
	struct ops_note *notes = calloc(n, sizeof(*notes));
	struct ops_note one;
	int64_t *ids = calloc(n, sizeof(*ids));
	int64_t msg = 0;
	struct err e = ERR_INIT;

	for (i = 0; i < n; i++) {
		notes[i].model = json_string_value(json_object_get(json_array_get(vals, i), "model"));
		notes[i].res_id = jid(json_array_get(vals, i), "res_id");
		notes[i].body = json_string_value(json_object_get(json_array_get(vals, i), "body"));
	}
	replay_expect(f->rp, "n.create_batch", REPLAY_REQUEST);
	assert_int_equal(ops_notes_create(f->c, notes, n,
					  jid(json_array_get(vals, 0), "subtype_id"), ids, &e),
			 ERR_OK);
	assert_int_not_equal(ids[n - 1], 0);
	one.model = "sale.order";
	one.res_id = (int64_t)json_integer_value(json_array_get(json_array_get(
		recorded_args(f, "l.message_post", 5), 0), 0));
	one.body = json_string_value(json_object_get(mp, "body"));
	replay_expect(f->rp, "l.message_post", REPLAY_REQUEST);
	assert_int_equal(ops_message_post(f->c, &one, &msg, &e), ERR_OK);
	assert_int_not_equal(msg, 0);
	free(notes);
	free(ids);
}

/* --- buttons: any dict is "not done yet" -------------------------------- */

static void test_odoo__action_dicts_are_not_done(void **state)
{
	struct fixture *f = *state;
	struct ops_button b;
	int64_t id, scrap = 0;
	bool done = true;
	enum err_code rc;
	const json_t *sc;
	struct err e = ERR_INIT;

	id = (int64_t)json_integer_value(json_array_get(json_array_get(
		recorded_args(f, "s.delivery_validate", 5), 0), 0));
	replay_expect(f->rp, "s.delivery_validate", REPLAY_ARGS);
	assert_int_equal(ops_button(f->c, "stock.picking", "button_validate", &id, 1,
				    NULL, &b, &e), ERR_OK);
	assert_true(b.action);
	assert_string_equal(b.res_model, "confirm.stock.sms");
	replay_expect(f->rp, "h.validate_partial", REPLAY_CALL);
	assert_int_equal(ops_button(f->c, "stock.picking", "button_validate", &id, 1,
				    NULL, &b, &e), ERR_OK);
	assert_true(b.action);
	assert_string_equal(b.res_model, "stock.backorder.confirmation");
	assert_int_equal(b.res_id, 0);
	replay_expect(f->rp, "g.button_validate", REPLAY_CALL);
	assert_int_equal(ops_button(f->c, "stock.picking", "button_validate", &id, 1,
				    NULL, &b, &e), ERR_OK);
	assert_false(b.action);
	/* scrap: done, then one with too little stock that stays a draft */
	sc = json_array_get(recorded_args(f, "k.scrap_create", 5), 0);
	replay_expect(f->rp, "k.scrap_create", REPLAY_REQUEST);
	replay_expect(f->rp, "k.scrap_validate", REPLAY_CALL);
	rc = ops_scrap(f->c, jid(sc, "product_id"), 1000000,
				   jid(sc, "location_id"), jid(sc, "scrap_location_id"),
				   json_string_value(json_object_get(sc, "origin")),
				   &scrap, &done, &e);
	if (rc != ERR_OK)
		fail_msg("%s", e.msg);
	assert_true(done);
	assert_int_not_equal(scrap, 0);
	sc = json_array_get(recorded_args(f, "k.scrap_too_much_create", 5), 0);
	replay_expect(f->rp, "k.scrap_too_much_create", REPLAY_REQUEST);
	replay_expect(f->rp, "k.scrap_too_much_validate", REPLAY_CALL);
	assert_int_equal(ops_scrap(f->c, jid(sc, "product_id"),
				   jfixed(sc, "scrap_qty", MONEY_QTY_DECIMALS),
				   jid(sc, "location_id"), jid(sc, "scrap_location_id"),
				   json_string_value(json_object_get(sc, "origin")),
				   &scrap, &done, &e), ERR_OK);
	assert_false(done);
}

/* --- the return wizard, per profile -------------------------------------- */

static void test_odoo__return_wizard_17(void **state)
{
	struct fixture *f = *state;
	struct ops_return_line lines[] = {
		{ .delivery_move_id = 50, .qty = 2000000 },
		{ .delivery_move_id = 51, .qty = 1000000 },
	};
	struct ops_return req = {
		.ref = "Rebound RB-TEST-0001", .delivery_id = 25,
		.location_dest_id = 34, .lines = lines, .nlines = 2,
	};
	const json_t *sent;
	char *text;
	int64_t picking = 0;
	struct err e = ERR_INIT;

	replay_expect(f->rp, "f.wizard_create", REPLAY_REQUEST);
	replay_expect(f->rp, "f.wizard_lines", REPLAY_CALL);
	replay_expect(f->rp, "h.wizard2_lines_write", REPLAY_CALL);
	replay_expect(f->rp, "f.wizard_location", REPLAY_REQUEST);
	replay_expect(f->rp, "f.create_returns", REPLAY_REQUEST);
	replay_result(f->rp, "true");  /* the origin write: not recorded */
	assert_int_equal(ops_return_by_wizard(f->c, &req, &picking, &e), ERR_OK);
	assert_int_equal(picking, 26);
	/* every wizard line written, the MUG line to 0 */
	sent = json_object_get(replay_sent(f->rp, replay_count(f->rp) - 4), "args");
	text = json_dumps(json_array_get(json_array_get(sent, 5), 1), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
			    "{\"product_return_moves\":[[1,1,{\"quantity\":2.0,\"to_refund\":true}],"
			    "[1,2,{\"quantity\":1.0,\"to_refund\":true}],[1,3,{\"quantity\":0.0,\"to_refund\":true}]]}");
	free(text);
	sent = json_object_get(replay_sent(f->rp, replay_count(f->rp) - 1), "args");
	assert_string_equal(json_string_value(json_array_get(sent, 3)), "stock.picking");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_array_get(sent, 5), 1), "origin")),
			    "Rebound RB-TEST-0001");
}

static void test_odoo__return_wizard_18(void **state)
{
	struct fixture *f = *state;
	struct ops_return_line lines[] = {
		{ .delivery_move_id = 0, .qty = 2000000 },
		{ .delivery_move_id = 0, .qty = 1000000 },
	};
	struct ops_return req = {
		.ref = "Rebound RB-TEST-0001", .location_dest_id = 34,
		.lines = lines, .nlines = 2,
	};
	const json_t *wl = json_object_get(json_object_get(
		replay_record(f->rp, "f.wizard_lines"), "response"), "result");
	const json_t *sent;
	char *text;
	int64_t picking = 0;
	struct err e = ERR_INIT;

	req.delivery_id = (int64_t)json_integer_value(json_object_get(json_object_get(
		recorded_args(f, "f.wizard_create", 6), "context"), "active_id"));
	lines[0].delivery_move_id = (int64_t)json_integer_value(json_array_get(
		json_object_get(json_array_get(wl, 0), "move_id"), 0));
	lines[1].delivery_move_id = (int64_t)json_integer_value(json_array_get(
		json_object_get(json_array_get(wl, 1), "move_id"), 0));
	replay_expect(f->rp, "f.wizard_create", REPLAY_REQUEST);
	replay_expect(f->rp, "f.wizard_lines", REPLAY_CALL);
	replay_expect(f->rp, "h.wizard2_lines_write", REPLAY_CALL);
	/* no wizard location_id on 18 (f.wizard_location is a ValueError) */
	replay_expect(f->rp, "f.create_returns", REPLAY_REQUEST);
	replay_expect(f->rp, "f.return_dest_quarantine", REPLAY_CALL);
	assert_int_equal(ops_return_by_wizard(f->c, &req, &picking, &e), ERR_OK);
	assert_int_equal(picking, (int64_t)json_integer_value(json_object_get(json_object_get(
		json_object_get(replay_record(f->rp, "f.create_returns"), "response"), "result"), "res_id")));
	/* 18 proposes 0 on every line: each is written */
	sent = json_object_get(replay_sent(f->rp, replay_count(f->rp) - 3), "args");
	text = json_dumps(json_array_get(json_array_get(sent, 5), 1), JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(strstr(text, "{\"quantity\":2.0,\"to_refund\":true}"));
	assert_non_null(strstr(text, "{\"quantity\":0.0,\"to_refund\":true}"));
	free(text);
	/* the destination goes on the picking, with our reference */
	sent = json_object_get(replay_sent(f->rp, replay_count(f->rp) - 1), "args");
	text = json_dumps(json_array_get(json_array_get(sent, 5), 1), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"location_dest_id\":34,\"origin\":\"Rebound RB-TEST-0001\"}");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_odoo__connect_chooses_profile_17, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__connect_chooses_profile_18, setup18, teardown),
		cmocka_unit_test(test_odoo__bad_password_is_denied),
		cmocka_unit_test_setup_teardown(test_odoo__order_and_lines, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__order_and_lines, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__delivery_moves_invoice_lines, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__delivery_moves_invoice_lines, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__quants_and_credit_note_read, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__quants_and_credit_note_read, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__return_picking_and_final_locations, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__return_picking_and_final_locations, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__direct_return_create_matches_real_odoo, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__direct_return_create_matches_real_odoo, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__credit_notes_batch_matches_real_odoo, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__credit_notes_batch_matches_real_odoo, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__notes_batch_and_message_post, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__notes_batch_and_message_post, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__action_dicts_are_not_done, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__action_dicts_are_not_done, setup18, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__return_wizard_17, setup17, teardown),
		cmocka_unit_test_setup_teardown(test_odoo__return_wizard_18, setup18, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
