"""bench/engine/make_orders.py: the orders it makes are what real Odoo
holds after the same calls (done deliveries whose moves and move lines
carry sale_line_id, posted invoices whose lines carry sale_line_ids,
everything delivered and invoiced), and its seed file loads back into the
same state."""
import json
import os
import sys

import pytest

from odoo_emu import ROOT, Emulator
from odoo_scenario import find

sys.path.insert(0, os.path.join(ROOT, "bench", "engine"))
from make_orders import build, seed_of  # noqa: E402


@pytest.mark.parametrize("profile", ["17", "18"])
def test_orders_delivered_invoiced_and_seed_round_trip(profile, tmp_path):
    emu = Emulator(profile, str(tmp_path)).start()
    made = build(emu, 30)
    sos = [so for so, _, _ in made]
    lines = find(emu, "sale.order.line", [["order_id", "in", sos]],
                 fields=["product_uom_qty", "qty_delivered", "qty_invoiced", "discount",
                         "invoice_status", "product_id", "tax_id"])
    orders = find(emu, "sale.order", [["id", "in", sos]], fields=["order_line"])
    assert {len(o["order_line"]) for o in orders} <= {1, 2, 3}
    assert {x["discount"] for x in lines} >= {0.0, 33.33}
    assert len({x["product_id"][0] for x in lines}) >= 2
    assert len({tuple(x["tax_id"]) for x in lines}) == 2   # excluded and included tax
    for x in lines:
        assert x["qty_delivered"] == x["qty_invoiced"] == x["product_uom_qty"]
        assert x["invoice_status"] == "invoiced"
    picks = find(emu, "stock.picking", [["id", "in", [p for _, p, _ in made]]],
                 fields=["state", "picking_type_code"])
    assert {(p["state"], p["picking_type_code"]) for p in picks} == {("done", "outgoing")}
    moves = find(emu, "stock.move", [["picking_id", "in", [p["id"] for p in picks]]],
                 fields=["state", "sale_line_id", "move_line_ids"])
    assert all(m["state"] == "done" and m["sale_line_id"] and m["move_line_ids"] for m in moves)
    assert sorted(m["sale_line_id"][0] for m in moves) == sorted(x["id"] for x in lines)
    invs = find(emu, "account.move", [["id", "in", [i for _, _, i in made]]],
                fields=["state", "move_type", "invoice_line_ids"])
    assert {(i["state"], i["move_type"]) for i in invs} == {("posted", "out_invoice")}
    amls = find(emu, "account.move.line", [["move_id", "in", [i["id"] for i in invs]],
                                           ["display_type", "=", "product"]],
                fields=["sale_line_ids"])
    assert sorted(a["sale_line_ids"][0] for a in amls) == sorted(x["id"] for x in lines)
    state = emu.dump()
    emu.stop()
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(seed_of(state)))
    again = Emulator(profile, str(tmp_path), seed=str(seed)).start()
    assert again.dump() == state
    again.stop()
