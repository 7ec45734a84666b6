"""Shared scenario helpers for the Odoo emulator: its tests, the demo and
the benchmarks use these (and only these) to make the recorded setup,
delivered and invoiced orders, and to act as the warehouse."""
from contract import Replay, load_steps


def ok(resp):
    assert "error" not in resp, resp["error"]["data"]["message"]
    return resp.get("result")


def find(emu, model, domain, **kw):
    return ok(emu.execute(model, "search_read", domain, **kw))


def setup_scenario(emu):
    """Replay the recorded setup (and check it) so the scenario exists."""
    r = Replay(emu.profile, emu)
    for s in load_steps(emu.profile):
        if s["step"].startswith("s."):
            r.run(s)
    return r


def scenario_refs(emu):
    """The setup's products by default code, its taxes by name and the
    customer, as ids."""
    prods = {p["default_code"]: p["id"] for p in find(
        emu, "product.product", [["default_code", "like", "RB-"]], fields=["default_code"])}
    taxes = {t["name"]: t["id"] for t in find(
        emu, "account.tax", [["name", "like", "RB VAT"]], fields=["name"])}
    partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                   fields=["id"])
    return prods, taxes, partner[0]["id"] if partner else None


def make_order(emu, partner, lines):
    """A confirmed, delivered, invoiced and posted order; lines are
    (product id, qty, price, discount, tax ids)."""
    return make_orders(emu, partner, [lines])[0]


def make_orders(emu, partner, orders, ref="RB-BATCH"):
    """Confirmed, delivered, invoiced and posted orders, one call per step
    for all of them, as a batch would do on a real Odoo: orders is a list
    of order lines lists, each line (product id, qty, price, discount, tax
    ids). Answers [(order id, delivery id, invoice id)] in the same order."""
    sos = ok(emu.execute("sale.order", "create", [{
        "partner_id": partner, "client_order_ref": ref,
        "order_line": [[0, 0, {"product_id": p, "product_uom_qty": q, "price_unit": u,
                               "discount": d, "tax_id": [[6, 0, t]]}]
                       for p, q, u, d, t in lines]} for lines in orders]))
    if not isinstance(sos, list):
        sos = [sos]
    ok(emu.execute("sale.order", "action_confirm", sos))
    picks = {p["sale_id"][0]: p["id"] for p in find(
        emu, "stock.picking", [["sale_id", "in", sos]], fields=["sale_id"])}
    by_qty = {}
    for mv in find(emu, "stock.move", [["picking_id", "in", list(picks.values())]],
                   fields=["product_uom_qty"]):
        by_qty.setdefault(mv["product_uom_qty"], []).append(mv["id"])
    for q, ids in sorted(by_qty.items()):
        ok(emu.execute("stock.move", "write", ids, {"quantity": q, "picked": True}))
    assert ok(emu.execute("stock.picking", "button_validate", [picks[s] for s in sos],
                          context={"skip_sms": True})) is True
    ctx = {"active_model": "sale.order", "active_ids": sos}
    wiz = ok(emu.execute("sale.advance.payment.inv", "create",
                         {"advance_payment_method": "delivered"}, context=ctx))
    act = ok(emu.execute("sale.advance.payment.inv", "create_invoices", [wiz], context=ctx))
    if len(sos) == 1:
        invs = {sos[0]: act["res_id"]}
    else:
        invs = {}
        for o in find(emu, "sale.order", [["id", "in", sos]], fields=["invoice_ids"]):
            invs[o["id"]] = max(o["invoice_ids"])
    assert ok(emu.execute("account.move", "action_post", [invs[s] for s in sos])) is False
    return [(s, picks[s], invs[s]) for s in sos]
