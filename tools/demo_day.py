"""make demo, the engine part: a day of returns. returnbridge serve runs
against odoo-emu (Odoo 17) on the embedded SQLite store. Ten delivered,
invoiced orders; Rebound notifies their returns; a simulated warehouse
validates the return pickings in the emulator; a person approves one
refund; then a summary says what happened to each return.

The day: a partial return, a duplicate notification, a damaged item the
warehouse put into sellable stock, a wrong item received, a 33.33 %
discount, a price changed since the sale, a price-included tax, a return
Rebound cancels, a refund needing approval, a product invoiced on ordered
quantities, an invoice the customer had already paid (refund owed, paid
out on the bank journal), and an order Odoo does not know.

Usage: demo_day.py DIR."""
import json
import os
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integ", "odoo"))
from odoo_emu import Emulator  # noqa: E402
from odoo_scenario import find, make_order, ok, setup_scenario  # noqa: E402

RB = os.path.join(ROOT, "build", "returnbridge")
DIR = sys.argv[1]
SETTLED = ("CLOSED", "NOTIFIED", "CREDITED", "ON_HOLD", "CANCELLED", "AWAITING_APPROVAL")


def say(text):
    print(text, flush=True)


class Shop:
    """The Odoo side of the day: products, taxes, orders."""

    def __init__(self, emu):
        self.emu = emu
        self.prods = {p["default_code"]: p["id"] for p in find(
            emu, "product.product", [["default_code", "like", "RB-"]], fields=["default_code"])}
        self.vat = find(emu, "account.tax", [["name", "=", "RB VAT 20%"]], fields=["id"])[0]["id"]
        self.vat_incl = ok(emu.execute("account.tax", "create", {
            "name": "RB VAT 20% incl", "amount": 20.0, "amount_type": "percent",
            "price_include": True, "type_tax_use": "sale"}))
        self.partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                            fields=["id"])[0]["id"]
        # most products are invoiced on delivered quantities; the mug on
        # ordered ones (Odoo's default for it)
        for code in ("RB-TSHIRT-M", "RB-JEANS-32"):
            ok(emu.execute("product.product", "write", [self.prods[code]],
                           {"invoice_policy": "delivery"}))

    def order(self, lines):
        so, _pick, inv = make_order(self.emu, self.partner, [
            (self.prods[code], q, price, disc, [tax]) for code, q, price, disc, tax in lines])
        name = find(self.emu, "sale.order", [["id", "=", so]], fields=["name"])[0]["name"]
        return name, inv

    def pay(self, inv):
        ctx = {"active_model": "account.move", "active_ids": [inv]}
        wiz = ok(self.emu.execute("account.payment.register", "create", {}, context=ctx))
        ok(self.emu.execute("account.payment.register", "action_create_payments", [wiz],
                            context=ctx))


def notify(port, rid, order, items, milestone="Return Order Created"):
    body = json.dumps({"milestone": milestone, "timestamp": "2026-12-01T09:00:00Z",
                       "order": {"reboundOrderId": rid, "clientOrderId": order, "items": [
                           {"reboundItemId": "%s-%d" % (rid, i), "sku": s, "reasonCode": r,
                            "quantity": str(q)} for i, (s, q, r) in enumerate(items)]}})
    req = urllib.request.Request("http://127.0.0.1:%d/rebound/tracking" % port,
                                 data=body.encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read() or b"{}").get("status", "")


def cli(ini, *args):
    return subprocess.run([RB, args[0], "-c", ini] + list(args[1:]), capture_output=True,
                          text=True).stdout


def status(ini, rid):
    out = cli(ini, "status", rid, "--json").splitlines()
    return json.loads(out[-1]) if out else None


def wait(pred, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise SystemExit("demo: timed out waiting for " + what)


def validate(emu, rid, qty=None, dest=None, extra_product=None):
    """The warehouse: enter what arrived (all, or qty per product id), maybe
    somewhere else, maybe a product that was not announced; validate."""
    pick = wait(lambda: find(emu, "stock.picking", [["origin", "=", "RB " + rid]],
                             fields=["name", "location_id", "location_dest_id"]),
                "the return picking of " + rid)[0]
    moves = find(emu, "stock.move", [["picking_id", "=", pick["id"]]],
                 fields=["product_id", "product_uom_qty", "product_uom"])
    for mv in moves:
        q = mv["product_uom_qty"] if qty is None else qty.get(mv["product_id"][0], 0.0)
        vals = {"quantity": q, "picked": q > 0}
        if dest:
            vals["location_dest_id"] = dest
        ok(emu.execute("stock.move", "write", [mv["id"]], vals))
    if extra_product:
        ok(emu.execute("stock.move", "create", {
            "name": "received instead", "picking_id": pick["id"], "product_id": extra_product,
            "product_uom_qty": 1.0, "quantity": 1.0, "picked": True,
            "product_uom": moves[0]["product_uom"][0],
            "location_id": pick["location_id"][0], "location_dest_id": pick["location_dest_id"][0]}))
    res = ok(emu.execute("stock.picking", "button_validate", [pick["id"]],
                         context={"skip_sms": True}))
    if isinstance(res, dict):   # received less: no backorder
        wiz = ok(emu.execute(res["res_model"], "create", {"pick_ids": [[6, 0, [pick["id"]]]]},
                             context=res.get("context", {})))
        ok(emu.execute(res["res_model"], "process_cancel_backorder", [wiz],
                       context=res.get("context", {})))
    return pick["name"]


CONFIG = """[server]
listen = 127.0.0.1
port = 0
[log]
level = info
[store]
path = engine.db
[webhook.tracking]
auth = none
[webhook.refund_trigger]
auth = none
[odoo]
url = http://127.0.0.1:%d
database = demo
user = admin
api_key = admin
[disposition]
stock = WH/Stock
quarantine = WH/Quarantine
default = quarantine
[disposition.reason]
Too large = stock
Changed mind = stock
Damaged = quarantine
[refund]
payment_journal = BNK1
[refund.reason]
Damaged by customer = approval
[engine]
poll_interval_s = 1
"""


def main():
    emu = Emulator("17", DIR).start()
    setup_scenario(emu)
    shop = Shop(emu)
    T, J, M = "RB-TSHIRT-M", "RB-JEANS-32", "RB-MUG"
    plan = [  # rid, what the day shows, order lines, returned items
        ("(00)DAY-01", "partial return, notified twice", [(T, 2, 25.0, 10.0, shop.vat), (J, 1, 79.99, 0.0, shop.vat)], [(T, 1, "Too large")]),
        ("(00)DAY-02", "damaged, put into stock", [(T, 1, 25.0, 0.0, shop.vat)], [(T, 1, "Damaged")]),
        ("(00)DAY-03", "wrong item received", [(J, 1, 79.99, 0.0, shop.vat)], [(J, 1, "Too large")]),
        ("(00)DAY-04", "33.33 % discount, price changed", [(J, 3, 59.99, 33.33, shop.vat)], [(J, 3, "Changed mind")]),
        ("(00)DAY-05", "price-included tax", [(T, 2, 30.0, 0.0, shop.vat_incl)], [(T, 1, "Too large")]),
        ("(00)DAY-06", "cancelled in Rebound", [(J, 1, 79.99, 0.0, shop.vat)], [(J, 1, "Too large")]),
        ("(00)DAY-07", "refund needs approval", [(T, 1, 25.0, 0.0, shop.vat)], [(T, 1, "Damaged by customer")]),
        ("(00)DAY-08", "invoiced on ordered qty", [(M, 2, 12.5, 0.0, shop.vat)], [(M, 1, "Changed mind")]),
        ("(00)DAY-09", "invoice already paid", [(J, 1, 79.99, 0.0, shop.vat)], [(J, 1, "Too large")]),
        ("(00)DAY-10", "order unknown to Odoo", None, [(M, 1, "Too large")]),
    ]
    orders = {}
    for rid, _what, lines, _items in plan:
        if lines:
            orders[rid] = shop.order(lines)
    shop.pay(orders["(00)DAY-09"][1])
    ok(emu.execute("product.product", "write", [shop.prods[J]], {"list_price": 99.0}))
    say("odoo-emu (Odoo 17) on port %d: %d orders delivered and invoiced (one already paid);"
        " the jeans now sell at 99.00" % (emu.port, len(orders)))
    ini = os.path.join(DIR, "engine.ini")
    with open(ini, "w") as f:
        f.write(CONFIG % emu.port)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(os.path.join(DIR, "engine.db" + suffix)):
            os.unlink(os.path.join(DIR, "engine.db" + suffix))
    log = open(os.path.join(DIR, "engine.log"), "w")
    d = subprocess.Popen([RB, "serve", "-c", ini], stderr=log, stdout=log, cwd=DIR)
    try:
        run(emu, shop, ini, plan, orders)
    finally:
        d.terminate()
        d.wait(30)
        log.close()
        emu.stop()


def port_of_daemon():
    for _ in range(100):
        with open(os.path.join(DIR, "engine.log")) as f:
            text = f.read()
        if "listening on http://127.0.0.1:" in text:
            return int(text.split("listening on http://127.0.0.1:")[1].split()[0])
        time.sleep(0.1)
    with open(os.path.join(DIR, "engine.log")) as f:
        raise SystemExit("demo: returnbridge did not start:\n" + f.read())


def run(emu, shop, ini, plan, orders):
    port = port_of_daemon()
    for rid, what, _lines, items in plan:
        order = orders[rid][0] if rid in orders else "S99999"
        code, st = notify(port, rid, order, items)
        say("Rebound: %s for %s (%s) -> %d %s" % (rid, order, what, code, st))
    code, st = notify(port, "(00)DAY-01", orders["(00)DAY-01"][0], plan[0][3])
    say("Rebound sends (00)DAY-01 again -> %d %s (the same event: nothing happens twice)" % (code, st))
    waiting = [p[0] for p in plan if p[0] != "(00)DAY-10"]
    wait(lambda: all((status(ini, r) or {}).get("state") == "AWAITING_RECEIPT"
                     for r in waiting), "return pickings for every return")
    say("return pickings are in Odoo for %d returns (one create call for all of them)" % len(waiting))
    notify(port, "(00)DAY-06", orders["(00)DAY-06"][0], plan[5][3], milestone="Cancelled")
    say("Rebound: (00)DAY-06 cancelled by the customer")
    stock = find(emu, "stock.location", [["complete_name", "=", "WH/Stock"]], fields=["id"])[0]["id"]
    say("the warehouse validates the return pickings:")
    for rid, kw, note in [
            ("(00)DAY-01", {}, ""),
            ("(00)DAY-02", {"dest": stock}, " - puts the damaged T-shirt into WH/Stock"),
            ("(00)DAY-03", {"qty": {}, "extra_product": shop.prods["RB-MUG"]},
             " - finds a mug in the parcel, not the jeans"),
            ("(00)DAY-04", {}, ""), ("(00)DAY-05", {}, ""), ("(00)DAY-07", {}, ""),
            ("(00)DAY-08", {}, ""), ("(00)DAY-09", {}, "")]:
        say("  %s %s%s" % (validate(emu, rid, **kw), rid, note))
    wait(lambda: (status(ini, "(00)DAY-07") or {}).get("state") == "AWAITING_APPROVAL",
         "the approval")
    say("(00)DAY-07 waits for a person (reason \"Damaged by customer\"); finance approves it:")
    say("  $ returnbridge approve (00)DAY-07 --comment \"photos show transport damage\"")
    cli(ini, "approve", "(00)DAY-07", "--comment", "photos show transport damage", "--by", "finance")
    final = {}
    for rid, _what, _l, _i in plan:
        final[rid] = wait(lambda: (lambda s: s if s and s.get("state") in SETTLED else None)(
            status(ini, rid)), rid + " to settle")
    wait(lambda: (status(ini, "(00)DAY-07") or {}).get("state") in ("CLOSED", "NOTIFIED"),
         "the approved one")
    final["(00)DAY-07"] = status(ini, "(00)DAY-07")
    say("\n-- returnbridge explain (00)DAY-04 (discount, price changed since the sale)\n"
        + cli(ini, "explain", "(00)DAY-04"))
    summary(plan, final)
    say("\n-- what waits for people: returnbridge exceptions (most urgent first)\n"
        + cli(ini, "exceptions"))


def summary(plan, final):
    say("-- the day")
    by_type, states = {}, {}
    for rid, what, _l, _i in plan:
        s = final[rid]
        refund = (s.get("refund") or {})
        notes = ", ".join("%s %s" % (c.get("name") or "?", c.get("payment_state") or "")
                          for c in refund.get("credit_notes", []))
        say("  %-11s %-33s %-10s %-10s %s%s" % (
            rid, what, s["state"], refund.get("status") or "-", notes,
            "" if not s["exceptions"] else "  [" + ", ".join(
                x["type"] + (" (resolved)" if x.get("resolved") else "")
                for x in s["exceptions"]) + "]"))
        states[s["state"]] = states.get(s["state"], 0) + 1
        for x in s["exceptions"]:
            by_type[x["type"]] = by_type.get(x["type"], 0) + 1
    say("  returns %d: %s; exceptions: %s" % (
        len(final), ", ".join("%s %d" % kv for kv in sorted(states.items())),
        ", ".join("%s %d" % kv for kv in sorted(by_type.items())) or "none"))


if __name__ == "__main__":
    main()
