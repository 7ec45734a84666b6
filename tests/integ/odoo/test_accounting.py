"""Accounting beyond the recordings, checked against hand computations
written here (Odoo's round-per-line: each line's base is rounded to the
cent, then each tax on it; a price-included tax comes out of the rounded
line total first): other prices, a 33.33 % discount, quantities > 1,
included and excluded taxes mixed on one line, two lines of one product.
Then a credit note, a payment of the rest (account.payment.register, from
Odoo's source) and a refund paid out."""
import pytest

from odoo_scenario import find, ok, setup_scenario


@pytest.fixture
def order(emu):
    setup_scenario(emu)
    p = {x["default_code"]: x["id"] for x in find(
        emu, "product.product", [["default_code", "like", "RB-"]], fields=["default_code"])}
    t = {x["name"]: x["id"] for x in find(emu, "account.tax", [["name", "like", "RB VAT"]],
                                          fields=["name"])}
    vat20, incl10 = t["RB VAT 20%"], t["RB VAT 10% incl."]
    partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                   fields=["id"])[0]["id"]
    lines = [(p["RB-TSHIRT-M"], 3.0, 19.99, 33.33, [vat20]),
             (p["RB-JEANS-32"], 2.0, 49.95, 0.0, [incl10]),
             (p["RB-JEANS-32"], 4.0, 12.34, 33.33, [vat20, incl10]),
             (p["RB-MUG"], 1.0, 7.00, 0.0, [incl10])]
    so = ok(emu.execute("sale.order", "create", {"partner_id": partner, "order_line": [
        [0, 0, {"product_id": a, "product_uom_qty": q, "price_unit": u, "discount": d,
                "tax_id": [[6, 0, tx]]}] for a, q, u, d, tx in lines]}))
    ok(emu.execute("sale.order", "action_confirm", [so]))
    return {"emu": emu, "so": so, "partner": partner, "vat20": vat20, "incl10": incl10}


# By hand:
# L1 19.99 x (1 - 33.33%) = 13.327333 x 3 = 39.981999 -> 39.98; 20% 7.996 -> 8.00; 47.98
# L2 49.95 x 2 = 99.90 incl.; 10% incl. 99.90 - 99.90/1.1 = 9.0818 -> 9.08; 90.82; 99.90
# L3 12.34 x (1 - 33.33%) = 8.226878 x 4 = 32.907512 -> 32.91 incl.;
#    10% incl. 32.91 - 29.918182 = 2.9918 -> 2.99; base 29.92; 20% 5.984 -> 5.98; 38.89
# L4 7.00 incl.; 7.00 - 6.363636 = 0.6364 -> 0.64; 6.36; 7.00
# order 167.08 / 26.69 / 193.77
LINES = [(39.98, 47.98), (90.82, 99.9), (29.92, 38.89), (6.36, 7.0)]


def invoice(o):
    emu, so = o["emu"], o["so"]
    wiz = ok(emu.execute("sale.advance.payment.inv", "create", {"advance_payment_method": "delivered"},
                         context={"active_model": "sale.order", "active_ids": [so]}))
    inv = ok(emu.execute("sale.advance.payment.inv", "create_invoices", [wiz],
                         context={"active_model": "sale.order", "active_ids": [so]}))["res_id"]
    ok(emu.execute("account.move", "action_post", [inv]))
    return inv


def amounts(emu, move):
    m = ok(emu.execute("account.move", "read", [move], fields=[
        "amount_untaxed", "amount_tax", "amount_total", "amount_residual", "payment_state"]))[0]
    return (m["amount_untaxed"], m["amount_tax"], m["amount_total"], m["amount_residual"],
            m["payment_state"])


def test_order_and_invoice_to_the_cent(order):
    emu, so = order["emu"], order["so"]
    sols = find(emu, "sale.order.line", [["order_id", "=", so]],
                fields=["price_subtotal", "price_total"])
    assert [(s["price_subtotal"], s["price_total"]) for s in sols] == LINES
    o = ok(emu.execute("sale.order", "read", [so],
                       fields=["amount_untaxed", "amount_tax", "amount_total"]))[0]
    assert (o["amount_untaxed"], o["amount_tax"], o["amount_total"]) == (167.08, 26.69, 193.77)
    inv = invoice(order)
    assert amounts(emu, inv) == (167.08, 26.69, 193.77, 193.77, "not_paid")
    taxes = {t["tax_line_id"][0]: (t["balance"], t["tax_base_amount"]) for t in find(
        emu, "account.move.line", [["move_id", "=", inv], ["display_type", "=", "tax"]],
        fields=["tax_line_id", "balance", "tax_base_amount"])}
    # 20%: 8.00 + 5.98 on 39.98 + 29.92; 10% incl.: 9.08 + 2.99 + 0.64 on 90.82 + 29.92 + 6.36
    assert taxes == {order["vat20"]: (-13.98, 69.9), order["incl10"]: (-12.71, 127.1)}


def refund(o, inv, qty):
    emu, so = o["emu"], o["so"]
    l3 = find(emu, "sale.order.line", [["order_id", "=", so]],
              fields=["product_id", "price_unit", "discount", "tax_id"])[2]
    cn = ok(emu.execute("account.move", "create", {
        "move_type": "out_refund", "partner_id": o["partner"], "reversed_entry_id": inv,
        "ref": "Rebound scenario 2", "invoice_line_ids": [[0, 0, {
            "product_id": l3["product_id"][0], "quantity": qty, "price_unit": l3["price_unit"],
            "discount": l3["discount"], "tax_ids": [[6, 0, l3["tax_id"]]],
            "sale_line_ids": [[6, 0, [l3["id"]]]]}]]}))
    ok(emu.execute("account.move", "action_post", [cn]))
    return cn, l3["id"]


def pay(emu, moves, **vals):
    wiz = ok(emu.execute("account.payment.register", "create", vals,
                         context={"active_model": "account.move", "active_ids": moves}))
    return ok(emu.execute("account.payment.register", "action_create_payments", [wiz]))


def test_credit_note_then_payment_then_refund_paid_out(order):
    emu = order["emu"]
    inv = invoice(order)
    # 2 of L3: 8.226878 x 2 = 16.453756 -> 16.45 incl.; 10% 1.4955 -> 1.50; base 14.95;
    # 20% 2.99; 19.44
    cn, l3 = refund(order, inv, 2.0)
    assert amounts(emu, cn) == (14.95, 4.49, 19.44, 0.0, "paid")
    assert amounts(emu, inv) == (167.08, 26.69, 193.77, 174.33, "partial")
    # ordered 4, invoiced 4 - 2: the line is to invoice again (policy "order")
    sol = ok(emu.execute("sale.order.line", "read", [l3],
                         fields=["qty_invoiced", "qty_to_invoice", "invoice_status"]))[0]
    assert (sol["qty_invoiced"], sol["qty_to_invoice"], sol["invoice_status"]) == \
        (2.0, 2.0, "to invoice")
    # a partial payment, then the rest
    act = pay(emu, [inv], amount=100.0)
    assert act["res_model"] == "account.payment" and act["view_mode"] == "form"
    assert amounts(emu, inv)[3:] == (74.33, "partial")
    pay(emu, [inv])
    assert amounts(emu, inv)[3:] == (0.0, "paid")
    with pytest.raises(AssertionError, match="nothing left to pay"):
        pay(emu, [inv])
    # a credit note against a paid invoice stays open; the refund is paid out
    cn2, _ = refund(order, inv, 1.0)
    assert amounts(emu, cn2)[3:] == (amounts(emu, cn2)[2], "not_paid")
    pay(emu, [cn2])
    assert amounts(emu, cn2)[3:] == (0.0, "paid")
    p = find(emu, "account.payment", [], fields=["payment_type", "amount", "state"])
    assert sorted((x["payment_type"], x["amount"]) for x in p) == \
        [("inbound", 74.33), ("inbound", 100.0), ("outbound", amounts(emu, cn2)[2])]


def test_a_credit_note_covering_the_whole_invoice_reverses_it(order):
    """The invoice is 'reversed'; its credit note is 'paid' (Odoo's
    _compute_payment_state gives 'reversed' to the invoice side only)."""
    emu = order["emu"]
    inv = invoice(order)
    wiz = ok(emu.execute("account.move.reversal", "create", {
        "reason": "all back", "journal_id": 1},
        context={"active_model": "account.move", "active_ids": [inv]}))
    cn = ok(emu.execute("account.move.reversal", "refund_moves", [wiz]))["res_id"]
    assert amounts(emu, cn)[:3] == (167.08, 26.69, 193.77)
    ok(emu.execute("account.move", "action_post", [cn]))
    assert amounts(emu, cn)[3:] == (0.0, "paid")
    assert amounts(emu, inv)[3:] == (0.0, "reversed")


def status(emu, so):
    line = find(emu, "sale.order.line", [["order_id", "=", so]], fields=[
        "qty_delivered", "qty_invoiced", "qty_to_invoice", "invoice_status"])[0]
    o = ok(emu.execute("sale.order", "read", [so], fields=["invoice_status"]))[0]
    return (line["qty_delivered"], line["qty_invoiced"], line["qty_to_invoice"],
            line["invoice_status"], o["invoice_status"])


def one_line_order(emu, policy, delivered):
    """3 T-shirts ordered, `delivered` delivered, invoiced and posted."""
    setup_scenario(emu)
    tshirt = find(emu, "product.product", [["default_code", "=", "RB-TSHIRT-M"]],
                  fields=["id"])[0]["id"]
    ok(emu.execute("product.product", "write", [tshirt], {"invoice_policy": policy}))
    partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                   fields=["id"])[0]["id"]
    so = ok(emu.execute("sale.order", "create", {"partner_id": partner, "order_line": [
        [0, 0, {"product_id": tshirt, "product_uom_qty": 3.0, "price_unit": 10.0}]]}))
    ok(emu.execute("sale.order", "action_confirm", [so]))
    pick = find(emu, "stock.picking", [["sale_id", "=", so]], fields=["move_ids"])[0]
    ok(emu.execute("stock.move", "write", pick["move_ids"],
                   {"quantity": delivered, "picked": True}))
    ok(emu.execute("stock.picking", "button_validate", [pick["id"]],
                   context={"skip_sms": True, "skip_backorder": True,
                            "picking_ids_not_to_backorder": [pick["id"]]}))
    inv = invoice({"emu": emu, "so": so})
    return so, pick, inv, tshirt


def test_invoiced_on_delivery_return_then_credit_note(emu):
    """Policy "delivery": a return makes the line owe a refund (qty_to_invoice
    < 0, "to invoice"); the credit note settles it, and with 1 of 3 invoiced
    the line is "no" (invoiced < ordered), as Odoo's _compute_invoice_status."""
    so, pick, inv, tshirt = one_line_order(emu, "delivery", 3.0)
    assert status(emu, so) == (3.0, 3.0, 0.0, "invoiced", "invoiced")
    wiz = ok(emu.execute("stock.return.picking", "create", {},
                         context={"active_model": "stock.picking", "active_id": pick["id"],
                                  "active_ids": [pick["id"]]}))
    lines = find(emu, "stock.return.picking.line", [["wizard_id", "=", wiz]], fields=["id"])
    ok(emu.execute("stock.return.picking.line", "write", [lines[0]["id"]],
                   {"quantity": 2.0, "to_refund": True}))
    method = "create_returns" if emu.profile == "17" else "action_create_returns"
    ret = ok(emu.execute("stock.return.picking", method, [wiz]))["res_id"]
    ok(emu.execute("stock.picking", "button_validate", [ret]))
    assert status(emu, so) == (1.0, 3.0, -2.0, "to invoice", "to invoice")
    sol = find(emu, "sale.order.line", [["order_id", "=", so]], fields=["id"])[0]["id"]
    cn = ok(emu.execute("account.move", "create", {
        "move_type": "out_refund", "partner_id": 3, "reversed_entry_id": inv,
        "invoice_line_ids": [[0, 0, {"product_id": tshirt, "quantity": 2.0,
                                     "price_unit": 10.0, "sale_line_ids": [[6, 0, [sol]]]}]]}))
    # a draft credit note counts already (j.sol_with_draft)
    assert status(emu, so) == (1.0, 1.0, 0.0, "no", "no")
    ok(emu.execute("account.move", "action_post", [cn]))
    assert status(emu, so) == (1.0, 1.0, 0.0, "no", "no")


def test_delivered_beyond_ordered_is_upselling(emu):
    """Policy "order", 4 delivered of 3 ordered and 3 invoiced: "upselling"
    on the line and the order (from Odoo's source)."""
    so, _, _, _ = one_line_order(emu, "order", 4.0)
    assert status(emu, so) == (4.0, 3.0, 0.0, "upselling", "upselling")


def payments(emu, memo):
    return sorted((x["amount"], x[memo], x["reconciled_invoice_ids"], x["payment_type"])
                  for x in find(emu, "account.payment", [["payment_type", "=", "outbound"]],
                                fields=["amount", memo, "reconciled_invoice_ids",
                                        "payment_type"]))


def test_refunds_paid_out_one_payment_per_credit_note(order):
    """Several credit notes in one account.payment.register: group_payment
    defaults to false for more than one move (_compute_group_payment), so
    _create_payments makes one payment per move, each for its residual,
    memo the move's name; group_payment true makes one for the partner."""
    emu = order["emu"]
    memo = "memo" if emu.profile == "18" else "ref"
    inv = invoice(order)
    pay(emu, [inv])
    cn1, _ = refund(order, inv, 1.0)
    cn2, _ = refund(order, inv, 2.0)
    # 1 of L3: 8.226878 -> 8.23 incl.; 10% 0.748 -> 0.75; base 7.48; 20% 1.50; 9.73
    assert amounts(emu, cn1)[3:] == (9.73, "not_paid")
    assert amounts(emu, cn2)[3:] == (19.44, "not_paid")
    names = {m["id"]: m["name"] for m in ok(emu.execute(
        "account.move", "read", [cn1, cn2], fields=["name"]))}
    wiz = ok(emu.execute("account.payment.register", "create", {},
                         context={"active_model": "account.move", "active_ids": [cn1, cn2]}))
    assert ok(emu.execute("account.payment.register", "read", [wiz],
                          fields=["group_payment"]))[0]["group_payment"] is False
    act = ok(emu.execute("account.payment.register", "action_create_payments", [wiz]))
    assert act["res_model"] == "account.payment" and len(act["domain"][0][2]) == 2
    assert payments(emu, memo) == [(9.73, names[cn1], [cn1], "outbound"),
                                   (19.44, names[cn2], [cn2], "outbound")]
    assert amounts(emu, cn1)[3:] == (0.0, "paid") and amounts(emu, cn2)[3:] == (0.0, "paid")
    # grouped: one payment for both
    cn3, _ = refund(order, inv, 1.0)
    cn4, _ = refund(order, inv, 1.0)
    act = pay(emu, [cn3, cn4], group_payment=True)
    assert act["view_mode"] == "form"
    last = payments(emu, memo)[-1]
    assert (last[0], last[2]) == (19.46, [cn3, cn4])
    assert amounts(emu, cn3)[3:] == (0.0, "paid") and amounts(emu, cn4)[3:] == (0.0, "paid")
