#!/usr/bin/env python3
"""How the Odoo emulator's cost of one call grows with its database: mean
milliseconds of a write (res.partner write: transaction + recompute) and of
a search_read of one order's lines, after 0, 100, 300 and 1000 confirmed
3-line orders. A real Odoo answers a call in 15 ms or more; the emulator
must stay well under that at the sizes a benchmark reaches.

Usage: bench/odoo_emu_write_scale.py [profile]  (env ODOO_EMU_BIN)"""
import os
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integ", "odoo"))
from odoo_emu import Emulator  # noqa: E402

PROFILE = sys.argv[1] if len(sys.argv) > 1 else "17"
CALLS = 30


def mean_ms(fn):
    t = time.perf_counter()
    for i in range(CALLS):
        fn(i)
    return (time.perf_counter() - t) / CALLS * 1000


def main():
    with tempfile.TemporaryDirectory() as tmp:
        e = Emulator(PROFILE, tmp).start()
        ex = e.execute
        kind = {"detailed_type": "product"} if PROFILE == "17" else {"type": "consu", "is_storable": True}
        prods = ex("product.product", "create", [dict(name="P%d" % i, list_price=10.0, **kind)
                                                 for i in range(3)])["result"]
        quants = ex("stock.quant", "create", [{"product_id": p, "location_id": 8,
                                               "inventory_quantity": 1e6} for p in prods],
                    context={"inventory_mode": True})["result"]
        ex("stock.quant", "action_apply_inventory", quants)
        orders, so = 0, None
        print("odoo-emu %s: ms per call (mean of %d) by confirmed 3-line orders" % (PROFILE, CALLS))
        for target in (0, 100, 300, 1000):
            while orders < target:
                so = ex("sale.order", "create", {"partner_id": 3, "order_line": [
                    [0, 0, {"product_id": p, "product_uom_qty": 2.0}] for p in prods]})["result"]
                ex("sale.order", "action_confirm", [so])
                orders += 1
            w = mean_ms(lambda i: ex("res.partner", "write", [3], {"city": "c%d" % i}))
            r = mean_ms(lambda i: ex("sale.order.line", "search_read",
                                     [["order_id", "=", so or 0]], fields=["price_total"]))
            print("%5d orders   write %7.2f ms   search_read %7.2f ms" % (orders, w, r))
        e.stop()


if __name__ == "__main__":
    main()
