"""The batch suite: what batch.jsonl (real Odoo 17 / 18) shows, reproduced on
an equivalently seeded emulator — the recorded setup plus three more
delivered, invoiced orders. Direct return-picking create (with and without
move_type on 18), action_confirm / action_assign / button_validate on many,
credit notes created and posted as a batch, mail.message created as a
batch, one bad record failing a whole call, posting refused for a user
without an email address. Errors are compared with the recorded ones."""
import json
import os

import pytest

from odoo_emu import DATA
from contract import Replay
from test_emu import setup_scenario


def batch_steps(profile):
    with open(os.path.join(DATA, "odoo-contract", profile, "batch.jsonl")) as f:
        return {s["step"]: s for s in map(json.loads, f)}


def ok(resp):
    assert "error" not in resp, resp["error"]["data"]["message"]
    return resp.get("result")


def same_error(profile, step, resp):
    """The emulator's error is the recorded one (name, message, arguments)."""
    rec = batch_steps(profile)[step]["response"]["error"]
    Replay(profile, None).cmp_error(rec, resp["error"], step)


def same_shape(profile, step, records):
    """Each record read back has the recorded record's keys, and each value
    its JSON type (many2one pairs and id lists as such); values differ with
    the data."""
    rec = batch_steps(profile)[step]
    fields = rec["request"]["params"]["args"][6]["fields"]
    model = rec["request"]["params"]["args"][3]
    want = rec["response"]["result"][0]
    for r in records:
        assert set(r) == set(want), (step, sorted(set(want) ^ set(r)))
        for k in fields:
            if want[k] is False or r[k] is False:   # an empty value of any type
                continue
            assert type(r[k]) is type(want[k]), (step, model, k, want[k], r[k])
            if isinstance(want[k], list) and len(want[k]) == 2 and isinstance(want[k][1], str):
                assert len(r[k]) == 2 and isinstance(r[k][0], int) and \
                    isinstance(r[k][1], str), (step, k, r[k])   # a many2one pair


def find(emu, model, domain, **kw):
    return ok(emu.execute(model, "search_read", domain, **kw))


def make_order(emu, partner, lines):
    """A confirmed, delivered, invoiced and posted order; lines are
    (product id, qty, price, discount, tax ids)."""
    so, pick = confirmed_order(emu, partner, lines)
    for mv in find(emu, "stock.move", [["picking_id", "=", pick]], fields=["product_uom_qty"]):
        ok(emu.execute("stock.move", "write", [mv["id"]],
                       {"quantity": mv["product_uom_qty"], "picked": True}))
    assert ok(emu.execute("stock.picking", "button_validate", [pick],
                          context={"skip_sms": True})) is True
    return so, pick, invoice_order(emu, so)


def confirmed_order(emu, partner, lines):
    """A confirmed order and its delivery, not done yet."""
    so = ok(emu.execute("sale.order", "create", {
        "partner_id": partner, "client_order_ref": "RB-BATCH",
        "order_line": [[0, 0, {"product_id": p, "product_uom_qty": q, "price_unit": u,
                               "discount": d, "tax_id": [[6, 0, t]]}]
                       for p, q, u, d, t in lines]}))
    ok(emu.execute("sale.order", "action_confirm", [so]))
    pick = find(emu, "stock.picking", [["sale_id", "=", so]], fields=["id"])[0]["id"]
    return so, pick


def invoice_order(emu, so):
    """Invoice what was delivered of a sale order and post it."""
    wiz = ok(emu.execute("sale.advance.payment.inv", "create",
                         {"advance_payment_method": "delivered"},
                         context={"active_model": "sale.order", "active_ids": [so]}))
    inv = ok(emu.execute("sale.advance.payment.inv", "create_invoices", [wiz],
                         context={"active_model": "sale.order", "active_ids": [so]}))["res_id"]
    assert ok(emu.execute("account.move", "action_post", [inv])) is False
    return inv


@pytest.fixture
def batch(emu):
    setup_scenario(emu)
    prods = {p["default_code"]: p["id"] for p in find(
        emu, "product.product", [["default_code", "like", "RB-"]], fields=["default_code"])}
    vat = find(emu, "account.tax", [["name", "=", "RB VAT 20%"]], fields=["id"])[0]["id"]
    partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                   fields=["id"])[0]["id"]
    orders = [make_order(emu, partner, [(prods["RB-TSHIRT-M"], 2.0, 25.0, 10.0, [vat]),
                                        (prods["RB-JEANS-32"], 1.0, 79.99, 0.0, [vat])])
              for _ in range(3)]
    return {"emu": emu, "orders": orders, "partner": partner, "vat": vat}


def return_vals(emu, so, pick, with_move_type=True):
    d = find(emu, "stock.picking", [["id", "=", pick]],
             fields=["partner_id", "location_id", "location_dest_id", "picking_type_id"])[0]
    ptype = find(emu, "stock.picking.type", [["id", "=", d["picking_type_id"][0]]],
                 fields=["return_picking_type_id"])[0]["return_picking_type_id"][0]
    stock = d["location_id"][0]
    moves = find(emu, "stock.move", [["picking_id", "=", pick]],
                 fields=["product_id", "quantity", "sale_line_id", "product_uom", "group_id"])
    vals = {"picking_type_id": ptype, "partner_id": d["partner_id"][0],
            "location_id": d["location_dest_id"][0], "location_dest_id": stock,
            "origin": "Rebound batch (return of %s)" % pick, "return_id": pick,
            "move_ids": [[0, 0, {
                "name": "Return", "product_id": m["product_id"][0],
                "product_uom_qty": 1.0, "product_uom": m["product_uom"][0],
                "location_id": d["location_dest_id"][0], "location_dest_id": stock,
                "origin_returned_move_id": m["id"], "to_refund": True,
                "sale_line_id": m["sale_line_id"][0], "procure_method": "make_to_stock",
                "picking_type_id": ptype, "group_id": m["group_id"][0], "warehouse_id": 1,
                "move_orig_ids": [[6, 0, [m["id"]]]]}] for m in moves]}
    if with_move_type:
        vals["move_type"] = "direct"
    return vals


def test_direct_returns_batched(batch):
    emu, orders = batch["emu"], batch["orders"]
    if emu.profile == "18":   # r.direct_create_without_move_type
        resp = emu.execute("stock.picking", "create",
                           [return_vals(emu, so, p, False) for so, p, _ in orders])
        same_error("18", "r.direct_create_without_move_type", resp)
        assert find(emu, "stock.picking", [["return_id", "=", orders[0][1]]],
                    fields=["id"]) == []
    vals = [return_vals(emu, so, p) for so, p, _ in orders]
    ids = ok(emu.execute("stock.picking", "create", vals))
    assert isinstance(ids, list) and len(ids) == 3            # r.direct_create
    assert ok(emu.execute("stock.picking", "action_confirm", ids)) is True
    assert ok(emu.execute("stock.picking", "action_assign", ids)) is True
    for (so, _, _), p in zip(orders, find(emu, "stock.picking", [["id", "in", ids]], fields=[
            "state", "name", "return_id", "move_type", "sale_id", "group_id"], order="id")):
        assert p["state"] == "assigned" and p["name"].startswith("WH/IN/")
        assert p["move_type"] == "direct" and p["return_id"]
        # the order through the moves' procurement group (r.direct_picking_read)
        assert p["sale_id"][0] == so and p["group_id"]
    recorded = batch_steps(emu.profile)["r.direct_moves_read"]["request"]["params"]["args"]
    same_shape(emu.profile, "r.direct_moves_read", ok(emu.execute(
        "stock.move", "read", find(emu, "stock.move", [["picking_id", "=", ids[0]]],
                                   fields=["id"])[0]["id"], **recorded[6])))
    moves = find(emu, "stock.move", [["picking_id", "in", ids]],
                 fields=["product_uom_qty", "quantity", "picked", "state", "move_line_ids"])
    assert len(moves) == 6
    assert all(m["quantity"] == m["product_uom_qty"] and m["picked"] is False
               and m["state"] == "assigned" and m["move_line_ids"] for m in moves)
    # the warehouse: one write for every move, one button_validate for all
    ok(emu.execute("stock.move", "write", [m["id"] for m in moves],
                   {"quantity": 1.0, "picked": True}))
    assert ok(emu.execute("stock.picking", "button_validate", ids,
                          context={"skip_sms": True})) is True
    for so, pick, _ in orders:
        sols = find(emu, "sale.order.line", [["order_id", "=", so]],
                    fields=["product_uom_qty", "qty_delivered"])
        assert [s["qty_delivered"] for s in sols] == [1.0, 0.0]
        rets = ok(emu.execute("stock.picking", "read", [pick], fields=["return_ids"]))
        assert len(rets[0]["return_ids"]) == 1


def refund_vals(emu, so, inv, qty=1.0, product=None, ref=None):
    sols = find(emu, "sale.order.line", [["order_id", "=", so]],
                fields=["product_id", "price_unit", "discount", "tax_id"])
    return {"move_type": "out_refund", "partner_id": find(
                emu, "sale.order", [["id", "=", so]], fields=["partner_id"])[0]["partner_id"][0],
            "reversed_entry_id": inv, "invoice_origin": "S", "ref": ref or "Rebound %d" % so,
            "invoice_line_ids": [[0, 0, {
                "product_id": product or s["product_id"][0], "quantity": qty,
                "price_unit": s["price_unit"], "discount": s["discount"],
                "tax_ids": [[6, 0, s["tax_id"]]], "sale_line_ids": [[6, 0, [s["id"]]]]}]
                for s in sols]}


def test_credit_notes_batched(batch):
    emu, orders = batch["emu"], batch["orders"]
    ids = ok(emu.execute("account.move", "create",
                         [refund_vals(emu, so, inv) for so, _, inv in orders]))
    assert isinstance(ids, list) and len(ids) == 3            # c.create_batch
    assert ok(emu.execute("account.move", "action_post", ids)) is False   # c.post_batch
    recorded = batch_steps(emu.profile)["c.read_posted"]["request"]["params"]["args"]
    same_shape(emu.profile, "c.read_posted",
               ok(emu.execute("account.move", "read", ids, **recorded[6])))
    # c.read_posted: 22.50 + 79.99 = 102.49, tax 4.50 + 16.00 = 20.50
    for m in ok(emu.execute("account.move", "read", ids, fields=[
            "name", "state", "payment_state", "amount_untaxed", "amount_tax",
            "amount_total", "amount_residual"])):
        assert m["name"].startswith("RINV/") and m["state"] == "posted"
        assert m["payment_state"] == "paid" and m["amount_residual"] == 0.0
        assert (m["amount_untaxed"], m["amount_tax"], m["amount_total"]) == (102.49, 20.5, 122.99)
    for so, _, inv in orders:   # invoice 2 x 22.50 + 79.99 = 124.99 + 25.00 = 149.99
        i = ok(emu.execute("account.move", "read", [inv],
                           fields=["payment_state", "amount_residual", "amount_total"]))[0]
        assert (i["payment_state"], i["amount_total"], i["amount_residual"]) == \
            ("partial", 149.99, 27.0)


def test_one_bad_record_fails_the_whole_batch(batch):
    emu, orders = batch["emu"], batch["orders"]
    vals = [refund_vals(emu, so, inv, ref="Rebound supp %d" % so) for so, _, inv in orders]
    vals[1] = refund_vals(emu, orders[1][0], orders[1][2], product=999999999,
                          ref="Rebound supp %d" % orders[1][0])
    resp = emu.execute("account.move", "create", vals)
    same_error(emu.profile, "x.credit_create_batch_one_bad", resp)
    assert ok(emu.execute("account.move", "search_count", [
        ["ref", "like", "Rebound supp"], ["move_type", "=", "out_refund"]])) == 0
    # x.credit_post_batch_one_bad: the second draft has no lines
    good = [refund_vals(emu, so, inv) for so, _, inv in orders]
    del good[1]["invoice_line_ids"]
    ids = ok(emu.execute("account.move", "create", good))
    resp = emu.execute("account.move", "action_post", ids)
    same_error(emu.profile, "x.credit_post_batch_one_bad", resp)
    states = ok(emu.execute("account.move", "read", ids, fields=["state", "name"]))
    assert [s["state"] for s in states] == ["draft"] * 3
    assert [s["name"] for s in states] == ([False] if emu.profile == "18" else ["/"]) * 3


def test_notes_batched(batch):
    emu, orders = batch["emu"], batch["orders"]
    ids = ok(emu.execute("mail.message", "create", [
        {"model": "sale.order", "res_id": so, "body": "Rebound return %d & co" % so,
         "message_type": "comment", "subtype_id": 2} for so, _, _ in orders]))
    assert isinstance(ids, list) and len(ids) == 3            # n.create_batch
    msgs = ok(emu.execute("mail.message", "read", ids,
                          fields=["model", "res_id", "body", "message_type", "subtype_id"]))
    assert msgs[0]["body"] == "<p>Rebound return %d &amp; co</p>" % orders[0][0]
    assert msgs[0]["subtype_id"][1] == "Note" and msgs[0]["message_type"] == "comment"


def test_a_user_without_email_cannot_post(batch):
    emu, (so, _, inv) = batch["emu"], batch["orders"][0]
    as_user = lambda model, method, *a, **kw: emu.call(
        "object", "execute_kw", "rbtest", 6, "rb-test", model, method, list(a), kw)
    assert isinstance(ok(as_user("mail.message", "create", [
        {"model": "sale.order", "res_id": so, "body": "note", "message_type": "comment",
         "subtype_id": 2}])), list)                            # x.user_mail_message_create
    same_error(emu.profile, "x.user_message_post_no_email", as_user(
        "sale.order", "message_post", [so], body="n", message_type="comment",
        subtype_xmlid="mail.mt_note"))
    cn = ok(as_user("account.move", "create", refund_vals(emu, so, inv)))
    same_error(emu.profile, "x.user_credit_post_no_email", as_user("account.move", "action_post", [cn]))
    assert ok(emu.execute("account.move", "read", [cn], fields=["state"]))[0]["state"] == "draft"
    # the doctor reads res.users.email: the partner's, written through
    assert ok(emu.execute("res.users", "read", [6], fields=["email"]))[0]["email"] is False
    ok(emu.execute("res.users", "write", [6], {"email": "rb@example.com"}))
    assert ok(emu.execute("res.partner", "read", [4], fields=["email"]))[0]["email"] == \
        "rb@example.com"
    assert isinstance(ok(as_user("sale.order", "message_post", [so], body="n",
                                 message_type="comment", subtype_xmlid="mail.mt_note")), int)
    assert ok(as_user("account.move", "action_post", [cn])) is False


def test_direct_return_without_group(batch):
    """odoo-batch-costs.md, supplementary checks: without group_id on the
    moves the create needs no move_type (18 too), sale_id stays false, and
    qty_delivered still drops at validation (to_refund + sale_line_id)."""
    emu, (so, pick, _) = batch["emu"], batch["orders"][0]
    vals = return_vals(emu, so, pick, with_move_type=False)
    for cmd in vals["move_ids"]:
        del cmd[2]["group_id"]
    rid = ok(emu.execute("stock.picking", "create", vals))
    ok(emu.execute("stock.picking", "action_confirm", [rid]))
    ok(emu.execute("stock.picking", "action_assign", [rid]))
    p = ok(emu.execute("stock.picking", "read", [rid], fields=["sale_id", "group_id", "state"]))[0]
    assert (p["sale_id"], p["group_id"], p["state"]) == (False, False, "assigned")
    ok(emu.execute("stock.picking", "button_validate", [rid], context={"skip_sms": True}))
    sols = find(emu, "sale.order.line", [["order_id", "=", so]], fields=["qty_delivered"])
    assert [s["qty_delivered"] for s in sols] == [1.0, 0.0]
