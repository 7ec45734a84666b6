"""The engine across returns (issue 9): a batch of returns costs one Odoo
call per kind of document, not one per return; the engine never has more
than engine.odoo_max_calls calls in flight whatever its number of
workers; two workers never work on two returns of one sale order at once,
so they cannot both take the same delivered quantity back. Real binaries:
`returnbridge serve` against `odoo-emu`, profiles 17 and 18."""
import json
import urllib.request

import pytest

from conftest import BASE_CONFIG, Daemon  # noqa: E402
from test_engine import (CREDITED, TRACK, emu_calls, engine_config, notification, ours,  # noqa: E402
                         post_faults, state, status, wait_for, warehouse_validates)
from odoo_scenario import find, make_order, setup_scenario  # noqa: E402
from odoo_emu import Emulator  # noqa: E402

INTAKE_ONLY = BASE_CONFIG + """
[webhook.tracking]
auth = none
"""


def emu_stats(emu):
    with urllib.request.urlopen("http://127.0.0.1:%d/emu/stats" % emu.port, timeout=5) as r:
        return json.loads(r.read())


@pytest.fixture(params=["17", "18"])
def shop(request, tmp_path):
    """An emulator with six delivered, invoiced orders."""
    emu = Emulator(request.param, str(tmp_path)).start()
    setup_scenario(emu)
    prods = {p["default_code"]: p["id"] for p in find(
        emu, "product.product", [["default_code", "like", "RB-"]], fields=["default_code"])}
    vat = find(emu, "account.tax", [["name", "=", "RB VAT 20%"]], fields=["id"])[0]["id"]
    partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                   fields=["id"])[0]["id"]
    orders = []
    for _ in range(6):
        so, _pick, _inv = make_order(emu, partner, [
            (prods["RB-TSHIRT-M"], 2.0, 25.0, 10.0, [vat]),
            (prods["RB-JEANS-32"], 1.0, 79.99, 0.0, [vat])])
        orders.append(find(emu, "sale.order", [["id", "=", so]], fields=["name"])[0]["name"])
    d = Daemon(str(tmp_path), INTAKE_ONLY)
    yield {"emu": emu, "daemon": d, "orders": orders}
    rc = d.stop()
    log = d.log() if d.proc else ""
    emu.stop()
    assert "runtime error:" not in log, log
    assert "AddressSanitizer" not in log, log
    assert rc in (0, None, -9), "exit code %r; log:\n%s" % (rc, log)


def backlog(shop, returns, extra):
    """Receive the notifications with the engine off, then start it: the
    whole backlog is due at once, as after an outage or at go-live."""
    d = shop["daemon"]
    d.start()
    for rid, order, items in returns:
        assert d.post(TRACK, notification(rid, order, items))[0] == 200
    for rid, _o, _i in returns:
        wait_for(lambda: state(d, rid) == "INTENT", what="%s stored" % rid)
    d.stop()
    d.write_config(engine_config(shop["emu"].port, extra))
    d.start()


def test_a_backlog_costs_one_call_per_kind_of_document(shop):
    emu, d = shop["emu"], shop["daemon"]
    rids = ["(00)BATCH-%d" % i for i in range(6)]
    s0 = emu_calls(emu)
    backlog(shop, [(rid, o, [("RB-TSHIRT-M", 1, "Too large"), ("RB-JEANS-32", 1, "Too large")])
                   for rid, o in zip(rids, shop["orders"])], "workers = 1\n")
    wait_for(lambda: all(state(d, r) == "AWAITING_RECEIPT" for r in rids), what="pickings")
    s1 = emu_calls(emu)
    # the warehouse validates them all before the next poll
    for r in rids:
        warehouse_validates(emu, ours(emu, r)[0][0]["id"])
    s2 = emu_calls(emu)
    wait_for(lambda: all(state(d, r) in CREDITED for r in rids), what="credited")
    s3 = emu_calls(emu)
    before = {k: s1[k] - s0.get(k, 0) for k in s1}
    after = {k: s3[k] - s2.get(k, 0) for k in s3}
    # six returns, one call each for the whole batch
    for call in ("sale.order/search_read", "sale.order.line/search_read",
                 "account.move.line/search_read", "stock.picking/create",
                 "stock.picking/action_confirm", "stock.picking/action_assign"):
        assert before.get(call, 0) == 1, (call, before)
    for call in ("account.move/create", "account.move/action_post",
                 "stock.move.line/search_read"):
        assert after.get(call, 0) == 1, (call, after)
    total = sum(before.values()) + sum(after.values())
    assert total <= 40, (before, after)      # one return alone costs ~21
    for r in rids:
        st = status(d, r)
        assert st["exceptions"] == [], st
    notes = find(emu, "account.move", [["ref", "in", ["RB " + r for r in rids]]],
                 fields=["state", "amount_total"])
    assert len(notes) == 6 and all(n["state"] == "posted" for n in notes)
    # 1 T-shirt at 25.00 less 10 % + 1 jeans at 79.99, 20 % VAT on top
    assert all(abs(n["amount_total"] - 122.99) < 0.001 for n in notes), notes


def test_calls_in_flight_never_exceed_the_cap(shop):
    """Four workers, batches of one, every Odoo call slowed down: Odoo
    never sees more than engine.odoo_max_calls of ours at once."""
    emu, d = shop["emu"], shop["daemon"]
    rids = ["(00)CAP-%d" % i for i in range(6)]
    post_faults(emu, [{"kind": "latency", "ms": 150}])
    backlog(shop, [(rid, o, [("RB-JEANS-32", 1, "Too large")])
                   for rid, o in zip(rids, shop["orders"])],
            "workers = 4\nbatch_size = 1\nodoo_max_calls = 2\n")
    wait_for(lambda: all(state(d, r) == "AWAITING_RECEIPT" for r in rids), timeout=60,
             what="pickings")
    st = emu_stats(emu)
    assert st["max_in_flight"] == 2, st["max_in_flight"]


def test_two_workers_never_share_an_order(shop):
    """Two returns of one order, each for the order's two T-shirts: with
    two workers taking one return each, only one gets them; the other is
    an over-return."""
    emu, d = shop["emu"], shop["daemon"]
    o = shop["orders"][0]
    rids = ["(00)SAME-1", "(00)SAME-2"]
    backlog(shop, [(r, o, [("RB-TSHIRT-M", 2, "Too large")]) for r in rids],
            "workers = 2\nbatch_size = 1\n")
    wait_for(lambda: sorted(state(d, r) for r in rids) == ["AWAITING_RECEIPT", "ON_HOLD"],
             timeout=30, what="one picking, one hold")
    held = [r for r in rids if state(d, r) == "ON_HOLD"][0]
    assert [x["type"] for x in status(d, held)["exceptions"]] == ["over_return", "nothing_to_return"]
    picks = [p for r in rids for p in ours(emu, r)[0]]
    assert len(picks) == 1


def test_a_failed_picking_create_still_holds_its_allocation(shop):
    """Two returns of one order, each for its two T-shirts. The first
    return's picking create fails once (Odoo 503), so it waits MATCHED for
    a retry — possibly on the other worker — while the other return is
    matched: the delivered quantity it allocated still counts, so only one
    return gets a picking and the other is an over-return."""
    emu, d = shop["emu"], shop["daemon"]
    o = shop["orders"][0]
    rids = ["(00)ALLOC-1", "(00)ALLOC-2"]
    post_faults(emu, [{"model": "stock.picking", "method": "create", "kind": "http",
                       "status": 503, "times": 1}])
    backlog(shop, [(r, o, [("RB-TSHIRT-M", 2, "Too large")]) for r in rids],
            "workers = 2\nbatch_size = 1\n")
    wait_for(lambda: sorted(state(d, r) for r in rids) == ["AWAITING_RECEIPT", "ON_HOLD"],
             timeout=30, what="one picking, one hold")
    held = [r for r in rids if state(d, r) == "ON_HOLD"][0]
    assert [x["type"] for x in status(d, held)["exceptions"]] == ["over_return", "nothing_to_return"]
    assert len([p for r in rids for p in ours(emu, r)[0]]) == 1
