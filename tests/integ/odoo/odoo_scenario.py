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


def validate_pickings(emu, picks, qty=None, dest=None, skip_backorder=True):
    """What a warehouse does in Odoo, for many pickings at once: one
    search_read of their moves, one write per distinct (quantity,
    destination), one button_validate (skip_sms; with skip_backorder, no
    backorder and no wizard, else the backorder wizard's "no backorder").
    qty(move) is the quantity received (default: the demand), dest(move)
    another destination or None; move is {id, picking_id, product_id,
    product_uom_qty}. Answers the moves read."""
    if not picks:
        return []
    moves = find(emu, "stock.move", [["picking_id", "in", picks]],
                 fields=["picking_id", "product_id", "product_uom_qty"])
    writes = {}
    for mv in moves:
        q = mv["product_uom_qty"] if qty is None else qty(mv)
        where = dest(mv) if dest else None
        writes.setdefault((q, where), []).append(mv["id"])
    for (q, where), ids in sorted(writes.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        vals = {"quantity": q, "picked": q > 0}
        if where:
            vals["location_dest_id"] = where
        ok(emu.execute("stock.move", "write", ids, vals))
    ctx = {"skip_sms": True}
    if skip_backorder:
        ctx.update(skip_backorder=True, picking_ids_not_to_backorder=list(picks))
    res = ok(emu.execute("stock.picking", "button_validate", list(picks), context=ctx))
    if isinstance(res, dict):   # the backorder wizard: no backorder
        wctx = res.get("context", {})
        wiz = ok(emu.execute(res["res_model"], "create", {
            "pick_ids": [[6, 0, wctx.get("button_validate_picking_ids", list(picks))]]},
            context=wctx))
        ok(emu.execute(res["res_model"], "process_cancel_backorder", [wiz], context=wctx))
    return moves


def confirmed_order(emu, partner, lines, ref="RB-BATCH"):
    """A confirmed order and its delivery, not done yet (to deliver in
    parts); lines as make_order's. Answers (order id, delivery id)."""
    so = ok(emu.execute("sale.order", "create", {
        "partner_id": partner, "client_order_ref": ref,
        "order_line": [[0, 0, {"product_id": p, "product_uom_qty": q, "price_unit": u,
                               "discount": d, "tax_id": [[6, 0, t]]}]
                       for p, q, u, d, t in lines]}))
    ok(emu.execute("sale.order", "action_confirm", [so]))
    pick = find(emu, "stock.picking", [["sale_id", "=", so]], fields=["id"])[0]["id"]
    return so, pick


def invoice_order(emu, so):
    """Invoice what was delivered of a sale order and post it."""
    ctx = {"active_model": "sale.order", "active_ids": [so]}
    wiz = ok(emu.execute("sale.advance.payment.inv", "create",
                         {"advance_payment_method": "delivered"}, context=ctx))
    inv = ok(emu.execute("sale.advance.payment.inv", "create_invoices", [wiz],
                         context=ctx))["res_id"]
    assert ok(emu.execute("account.move", "action_post", [inv])) is False
    return inv
