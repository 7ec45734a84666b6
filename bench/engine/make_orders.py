#!/usr/bin/env python3
"""Make N delivered, invoiced sale orders in the Odoo emulator, fast.

Each order has 1-3 lines of 2-4 distinct stocked products (the recorded
setup's T-shirt, jeans and mug, plus a fourth made here), some with a
33.33% (or 10%) discount, some with the price-included 10% tax instead of
the 20% one. They go through the same JSON-RPC calls a real Odoo takes
(sale.order create, action_confirm, the delivery's moves written and
button_validate'd with skip_sms, the invoicing wizard, action_post), 100
orders per call, so the result is what real Odoo would hold: done
deliveries whose moves and move lines carry sale_line_id, posted invoices
whose lines carry sale_line_ids.

  make_orders.py [-n N] [--profile 17|18] --seed-out FILE
      start a cost-free emulator, make the orders, write its state as a
      seed file (odoo-emu --seed FILE loads it in a second)
  make_orders.py [-n N] --url http://127.0.0.1:PORT --profile P
      make them in a running emulator (on top of the recorded setup, which
      is replayed first unless its products exist)
"""
import argparse
import json
import os
import random
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integ", "odoo"))
from odoo_emu import Emulator  # noqa: E402
from odoo_scenario import find, make_orders, ok, scenario_refs, setup_scenario  # noqa: E402

CHUNK = 100
EXTRA = "RB-CAP"   # the fourth product


def stock_up(emu, prods, n):
    """Enough stock of every product for n orders of up to 3 units a line."""
    kind = {"detailed_type": "product"} if emu.profile == "17" else \
        {"type": "consu", "is_storable": True}
    if EXTRA not in prods:
        prods[EXTRA] = ok(emu.execute("product.product", "create", [{
            "name": "RB Cap", "default_code": EXTRA, "list_price": 14.9,
            "standard_price": 4.0, **kind}]))[0]
    stock = find(emu, "stock.location", [["complete_name", "=", "WH/Stock"]],
                 fields=["id"])[0]["id"]
    quants = ok(emu.execute("stock.quant", "create", [
        {"product_id": p, "location_id": stock, "inventory_quantity": 10.0 * n + 100}
        for p in prods.values()], context={"inventory_mode": True}))
    ok(emu.execute("stock.quant", "action_apply_inventory", quants))


def order_lines(rng, prods, taxes):
    """1-3 lines of distinct products; discounts and the price-included
    tax now and then."""
    codes = sorted(prods)
    vat, incl = taxes["RB VAT 20%"], taxes["RB VAT 10% incl."]
    prices = {"RB-TSHIRT-M": 25.0, "RB-JEANS-32": 79.99, "RB-MUG": 12.5, EXTRA: 14.9}
    lines = []
    for code in rng.sample(codes, rng.choice((1, 1, 2, 2, 3))):
        disc = rng.choice((0.0, 0.0, 0.0, 10.0, 33.33))
        tax = incl if rng.random() < 0.25 else vat
        lines.append((prods[code], float(rng.choice((1, 1, 2, 3))), prices[code], disc, [tax]))
    return lines


def build(emu, n, seed=1):
    """Make n orders in emu (an Emulator-like client: profile, execute)."""
    prods, taxes, partner = scenario_refs(emu)
    if "RB-TSHIRT-M" not in prods:
        setup_scenario(emu)
        prods, taxes, partner = scenario_refs(emu)
    stock_up(emu, prods, n)
    rng = random.Random(seed)
    made = []
    for i in range(0, n, CHUNK):
        made += make_orders(emu, partner, [order_lines(rng, prods, taxes)
                                           for _ in range(min(CHUNK, n - i))])
    return made


def seed_of(state):
    """The emulator's state (GET /emu/dump) as a seed file."""
    models = state["models"]
    return {"sequences": state["sequences"],
            "next_ids": {m: st["next_id"] for m, st in models.items()},
            "records": {m: st["records"] for m, st in models.items() if st["records"]}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--profile", default="17", choices=("17", "18"))
    ap.add_argument("--url", help="a running emulator")
    ap.add_argument("--seed-out", help="write a seed file instead")
    a = ap.parse_args()
    if bool(a.url) == bool(a.seed_out):
        ap.error("give --url or --seed-out")
    t = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        if a.url:
            emu = Emulator(a.profile, tmp)
            emu.port = int(a.url.rstrip("/").rsplit(":", 1)[1])
        else:
            emu = Emulator(a.profile, tmp).start()
        made = build(emu, a.n)
        if a.seed_out:
            state = emu.dump()
            emu.stop()
            with open(a.seed_out + ".tmp", "w") as f:
                json.dump(seed_of(state), f)
            os.replace(a.seed_out + ".tmp", a.seed_out)
    print("make_orders: %d delivered, invoiced orders (Odoo %s) in %.1f s%s" % (
        len(made), a.profile, time.monotonic() - t,
        " -> " + a.seed_out if a.seed_out else ""), flush=True)


if __name__ == "__main__":
    main()
