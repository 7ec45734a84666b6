"""make demo, the engine part: returnbridge serve against odoo-emu. Three
delivered, invoiced orders; Rebound notifies four returns; a simulated
warehouse validates the return pickings in the emulator (one puts a
damaged item into sellable stock, one receives less than announced);
credit notes are posted; then a summary. Usage: demo_engine.py DIR."""
import json
import os
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integ", "odoo"))
from odoo_emu import Emulator  # noqa: E402
from odoo_scenario import find, make_order, setup_scenario, validate_pickings  # noqa: E402

RB = os.path.join(ROOT, "build", "returnbridge")
DIR = sys.argv[1]


def say(text):
    print(text, flush=True)


def main():
    emu = Emulator("17", DIR).start()
    setup_scenario(emu)
    prods = {p["default_code"]: p["id"] for p in find(
        emu, "product.product", [["default_code", "like", "RB-"]], fields=["default_code"])}
    vat = find(emu, "account.tax", [["name", "=", "RB VAT 20%"]], fields=["id"])[0]["id"]
    partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                   fields=["id"])[0]["id"]
    names = []
    for _ in range(3):
        so, _, _ = make_order(emu, partner, [(prods["RB-TSHIRT-M"], 2.0, 25.0, 10.0, [vat]),
                                             (prods["RB-JEANS-32"], 1.0, 79.99, 0.0, [vat])])
        names.append(find(emu, "sale.order", [["id", "=", so]], fields=["name"])[0]["name"])
    say("odoo-emu (Odoo 17) on port %d: orders %s delivered, invoiced, posted"
        % (emu.port, ", ".join(names)))
    ini = os.path.join(DIR, "engine.ini")
    with open(ini, "w") as f:
        f.write("""[server]
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
[disposition.reason]
Too large = stock
Damaged = quarantine
[engine]
poll_interval_s = 1
""" % emu.port)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(os.path.join(DIR, "engine.db" + suffix)):
            os.unlink(os.path.join(DIR, "engine.db" + suffix))
    log = open(os.path.join(DIR, "engine.log"), "w")
    d = subprocess.Popen([RB, "serve", "-c", ini], stderr=log, stdout=log, cwd=DIR)
    try:
        run(emu, d, ini, names)
    finally:
        d.terminate()
        d.wait(30)
        log.close()
        emu.stop()


def cli(ini, *args):
    return subprocess.run([RB, args[0], "-c", ini] + list(args[1:]), capture_output=True,
                          text=True).stdout


def state(ini, rid):
    out = cli(ini, "status", rid, "--json").splitlines()
    return json.loads(out[-1]) if out else None


def wait(pred, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise SystemExit("demo: timed out waiting for " + what)


def run(emu, d, ini, names):
    port = None
    for _ in range(100):
        with open(os.path.join(DIR, "engine.log")) as f:
            text = f.read()
        if "listening on http://127.0.0.1:" in text:
            port = int(text.split("listening on http://127.0.0.1:")[1].split()[0])
            break
        time.sleep(0.1)
    if port is None:
        with open(os.path.join(DIR, "engine.log")) as f:
            raise SystemExit("demo: returnbridge did not start:\n" + f.read())
    returns = [("(00)DEMO-1", names[0], [("RB-TSHIRT-M", 1, "Too large"), ("RB-JEANS-32", 1, "Too large")]),
               ("(00)DEMO-2", names[1], [("RB-TSHIRT-M", 1, "Damaged")]),
               ("(00)DEMO-3", names[2], [("RB-TSHIRT-M", 2, "Too large")]),
               ("(00)DEMO-4", "S99999", [("RB-MUG", 1, "Too large")])]
    for rid, order, items in returns:
        body = json.dumps({"milestone": "Return Order Created", "timestamp": "2026-12-01T09:00:00Z",
                           "order": {"reboundOrderId": rid, "clientOrderId": order, "items": [
                               {"reboundItemId": "%s-%d" % (rid, i), "sku": s, "reasonCode": r,
                                "quantity": str(q)} for i, (s, q, r) in enumerate(items)]}})
        req = urllib.request.Request("http://127.0.0.1:%d/rebound/tracking" % port,
                                     data=body.encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            say("Rebound notifies %s for order %s -> HTTP %d" % (rid, order, r.status))
    stock = find(emu, "stock.location", [["complete_name", "=", "WH/Stock"]], fields=["id"])[0]["id"]
    for rid, _, _ in returns[:3]:
        pick = wait(lambda: find(emu, "stock.picking", [["origin", "=", "RB " + rid]],
                                 fields=["name"]), "the return picking of " + rid)[0]
        say("return picking %s in Odoo for %s; the warehouse validates it%s" % (
            pick["name"], rid, {"(00)DEMO-2": " (puts the damaged T-shirt into WH/Stock)",
                                "(00)DEMO-3": " (received 1 of the 2 announced)"}.get(rid, "")))
        validate_pickings(emu, [pick["id"]],
                          qty=(lambda mv: 1.0) if rid == "(00)DEMO-3" else None,
                          dest=(lambda mv: stock) if rid == "(00)DEMO-2" else None,
                          skip_backorder=False)
    final = {}
    for rid, _, _ in returns:
        final[rid] = wait(lambda: (lambda s: s if s and s["state"] in ("CREDITED", "ON_HOLD")
                                   else None)(state(ini, rid)), rid + " to settle")
    say("\n-- returnbridge explain (00)DEMO-1\n" + cli(ini, "explain", "(00)DEMO-1"))
    say("-- summary")
    by_type = {}
    for rid, s in final.items():
        say("  %-12s %-9s %s" % (rid, s["state"], ", ".join(
            "%s %s" % (x["kind"], x.get("name") or x["odoo_id"]) for x in s.get("odoo_documents", []))))
        for x in s["exceptions"]:
            by_type[x["type"]] = by_type.get(x["type"], 0) + 1
    credited = sum(1 for s in final.values() if s["state"] == "CREDITED")
    held = sum(1 for s in final.values() if s["state"] == "ON_HOLD")
    say("  returns %d, credited %d, held %d; exceptions: %s" % (
        len(final), credited, held,
        ", ".join("%s %d" % kv for kv in sorted(by_type.items())) or "none"))


if __name__ == "__main__":
    main()
