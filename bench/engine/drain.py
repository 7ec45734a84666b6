#!/usr/bin/env python3
"""The drain benchmark: returnbridge works off a backlog of N returns
against odoo-emu's cost model while a simulated warehouse receives them.

  drain.py [-n N] [--scale S] [--profile 17|18] [--dir DIR]

1. a shop of N delivered, invoiced orders (make_orders.py, cached as a
   seed file in DIR);
2. odoo-emu with --cost PROFILE --cost-scale S, no capacity limit;
3. `returnbridge serve` against it; one return notified alone and worked
   to CREDITED, then the other N-1 at once (1-2 lines each);
4. warehouse.py validating the return pickings in batches of 20;
5. until every return is CREDITED or further (or ON_HOLD): the figures of
   /emu/stats per client (User-Agent) and the floor of the cost model.

The floor: per batch of 20 returns, one read of orders with lines, one of
deliveries with moves, one of invoice lines, one batched create of return
pickings, one action_confirm and one action_assign, one read of the
validated pickings, one batched credit-note create, one batched
action_post and one batched mail.message create, priced by the cost model
file; times N/20 batches, divided by 2 (the calls returnbridge may have in
flight), times S."""
import argparse
import json
import math
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integ", "odoo"))
sys.path.insert(0, HERE)
from odoo_emu import PROFILES, Emulator  # noqa: E402
from odoo_scenario import find  # noqa: E402
from make_orders import build, seed_of  # noqa: E402
from warehouse import Warehouse, client  # noqa: E402

RB = os.environ.get("RB_BIN") or os.path.join(ROOT, "build", "returnbridge")
DONE = ("CREDITED", "NOTIFIED", "CLOSED")
STUCK = ("ON_HOLD", "CANCELLED")
BATCH, IN_FLIGHT = 20, 2
FLOOR_PLAN = [("sale.order/search_read", 1), ("stock.picking/search_read", 1),
              ("account.move.line/search_read", 1), ("stock.picking/create", BATCH),
              ("stock.picking/action_confirm", BATCH), ("stock.picking/action_assign", BATCH),
              ("stock.picking/search_read", 1), ("account.move/create", BATCH),
              ("account.move/action_post", BATCH), ("mail.message/create", BATCH)]

CONFIG = """[server]
listen = 127.0.0.1
port = 0
[log]
level = info
[store]
path = rb.db
[webhook.tracking]
auth = none
[webhook.refund_trigger]
auth = none
[odoo]
url = http://127.0.0.1:%d
database = bench
user = admin
api_key = admin
[disposition]
stock = WH/Stock
quarantine = WH/Quarantine
default = quarantine
[disposition.reason]
Too large = stock
Damaged = quarantine
[engine]
poll_interval_s = 1
backoff_base_ms = 200
backoff_max_ms = 2000
"""


def say(text):
    print(text, flush=True)


def cost(costs, key, n):
    """What odoo-emu charges (emu_fault.c call_cost), unscaled ms."""
    d = costs.get("default", {})
    c = costs.get("methods", {}).get(key, {})
    fixed = c.get("fixed_ms", d.get("fixed_ms", 0))
    alone = c.get("record_ms", d.get("record_ms", 0))
    return fixed + (alone if n <= 1 else n * c.get("batch_record_ms", alone))


def floor_s(profile, n, scale):
    with open(os.path.join(PROFILES, "costs-%s.json" % profile)) as f:
        costs = json.load(f)
    per_batch = sum(cost(costs, k, r) for k, r in FLOOR_PLAN)
    return per_batch, math.ceil(n / BATCH) * per_batch / IN_FLIGHT * scale / 1000.0


def seed_file(d, profile, n):
    path = os.path.join(d, "seed-%s-%d.json" % (profile, n))
    if not os.path.exists(path):
        t = time.monotonic()
        emu = Emulator(profile, d).start()
        build(emu, n)
        state = emu.dump()
        emu.stop()
        with open(path + ".tmp", "w") as f:
            json.dump(seed_of(state), f)
        os.replace(path + ".tmp", path)
        say("shop: %d delivered, invoiced orders made in %.1f s (%s)" % (
            n, time.monotonic() - t, path))
    return path


def notifications(emu, n):
    """One return per order, 1-2 of its lines, one unit each."""
    codes = {p["id"]: p["default_code"] for p in find(
        emu, "product.product", [["default_code", "like", "RB-"]], fields=["default_code"])}
    orders = {o["id"]: o["name"] for o in find(
        emu, "sale.order", [["client_order_ref", "=", "RB-BATCH"]], fields=["name"], order="id")}
    lines = {}
    for ln in find(emu, "sale.order.line", [["order_id", "in", list(orders)]],
                   fields=["order_id", "product_id"], order="id"):
        lines.setdefault(ln["order_id"][0], []).append(codes[ln["product_id"][0]])
    rng = random.Random(7)
    out = []
    for i, (oid, name) in enumerate(sorted(orders.items())[:n]):
        skus = lines[oid][:rng.choice((1, 2))]
        rid = "(00)DRAIN-%05d" % (i + 1)
        out.append((rid, json.dumps({
            "milestone": "Return Order Created", "timestamp": "2026-12-01T09:00:00Z",
            "order": {"reboundOrderId": rid, "clientOrderId": name, "items": [
                {"reboundItemId": "%s-%d" % (rid, k), "sku": s, "reasonCode": "Too large",
                 "quantity": "1"} for k, s in enumerate(skus)]}}).encode()))
    return out


def notify(port, body):
    req = urllib.request.Request("http://127.0.0.1:%d/rebound/tracking" % port, data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200, r.status


def states(db):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        try:
            return dict(con.execute("SELECT state, count(*) FROM returns GROUP BY state"))
        finally:
            con.close()
    except sqlite3.Error:
        return {}


def wait_done(db, total, what, stall_s=120):
    """Until total returns are done or stuck; fails when nothing moves for
    stall_s seconds."""
    last, moved = None, time.monotonic()
    while True:
        st = states(db)
        done = sum(st.get(s, 0) for s in DONE + STUCK)
        if done >= total:
            return st
        if st != last:
            last, moved = st, time.monotonic()
        elif time.monotonic() - moved > stall_s:
            raise SystemExit("drain: %s stalled for %d s at %s" % (what, stall_s, st))
        time.sleep(0.2)


def client_of(stats, prefix):
    for ua, c in stats["clients"].items():
        if ua.startswith(prefix):
            return c
    return {"calls": 0, "busy_ms": 0.0, "modelled_ms": 0.0, "max_in_flight": 0}


def delta(a, b, prefix, what="busy_ms"):
    x, y = client_of(a, prefix), client_of(b, prefix)
    return y["calls"] - x["calls"], y[what] - x[what]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=int(os.environ.get("N", 1000)))
    ap.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", 0.2)))
    ap.add_argument("--profile", default=os.environ.get("PROFILE", "17"), choices=("17", "18"))
    ap.add_argument("--dir", default=os.path.join(ROOT, "build", "bench-engine"))
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    seed = seed_file(a.dir, a.profile, a.n)
    run = os.path.join(a.dir, "run-%s-%d" % (a.profile, a.n))
    os.makedirs(run, exist_ok=True)
    for f in os.listdir(run):
        os.unlink(os.path.join(run, f))
    emu = Emulator(a.profile, run, seed=seed, user_agent="bench-driver",
                   args=["--cost", a.profile, "--cost-scale", str(a.scale)]).start()
    log = open(os.path.join(run, "returnbridge.log"), "w")
    with open(os.path.join(run, "rb.ini"), "w") as f:
        f.write(CONFIG % emu.port)
    d = subprocess.Popen([RB, "serve", "-c", "rb.ini"], stdout=log, stderr=log, cwd=run)
    wh = None
    try:
        port = None
        for _ in range(200):
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)",
                          open(os.path.join(run, "returnbridge.log")).read())
            if m:
                port = int(m.group(1))
                break
            if d.poll() is not None:
                break
            time.sleep(0.05)
        if not port:
            raise SystemExit("drain: returnbridge did not start:\n" +
                             open(os.path.join(run, "returnbridge.log")).read())
        notes = notifications(emu, a.n)
        wh = Warehouse(client("http://127.0.0.1:%d" % emu.port, a.profile, run), batch=BATCH)
        threading.Thread(target=wh.run, daemon=True).start()
        db = os.path.join(run, "rb.db")
        say("odoo-emu (Odoo %s) --cost %s --cost-scale %g, no capacity limit; %d returns"
            % (a.profile, a.profile, a.scale, len(notes)))
        s0 = emu.stats()
        t0 = time.monotonic()
        notify(port, notes[0][1])
        wait_done(db, 1, "the first return")
        alone_s = time.monotonic() - t0
        s1 = emu.stats()
        t1 = time.monotonic()
        for _, body in notes[1:]:
            notify(port, body)
        sent_s = time.monotonic() - t1
        final = wait_done(db, len(notes), "the backlog")
        drain_s = time.monotonic() - t1
        s2 = emu.stats()
    finally:
        if wh:
            wh.stop()
        d.terminate()
        d.wait(30)
        log.close()
        emu.stop()
    backlog = len(notes) - 1
    c_alone, ms_alone = delta(s0, s1, "returnbridge")
    c_back, ms_back = delta(s1, s2, "returnbridge")
    _, model_back = delta(s1, s2, "returnbridge", "modelled_ms")
    w_calls, w_ms = delta(s0, s2, "warehouse-sim")
    rb = client_of(s2, "returnbridge")
    per_batch, floor = floor_s(a.profile, backlog, a.scale)
    say("states: %s" % ", ".join("%s %d" % kv for kv in sorted(final.items())))
    say("one return alone: %d Odoo calls, %.0f ms Odoo time (modelled+real), %.1f s to CREDITED"
        % (c_alone, ms_alone, alone_s))
    say("backlog of %d: %.1f calls per return, %.0f ms Odoo time per return, of which the "
        "cost model's %.0f ms (%.0f ms at scale 1) and the emulator's own handling %.0f ms"
        % (backlog, c_back / max(backlog, 1), ms_back / max(backlog, 1),
           model_back / max(backlog, 1), model_back / max(backlog, 1) / a.scale,
           (ms_back - model_back) / max(backlog, 1)))
    say("drain: %.1f s (notifications sent in %.1f s), %.2f returns/s"
        % (drain_s, sent_s, backlog / drain_s if drain_s else 0))
    say("returnbridge max_in_flight: %d" % rb["max_in_flight"])
    say("warehouse-sim: %d calls, %.0f ms Odoo time (%.1f calls, %.0f ms per return), %d rounds"
        % (w_calls, w_ms, w_calls / len(notes), w_ms / len(notes), wh.rounds))
    say("floor: %.0f ms per batch of %d at scale 1, x %d batches / %d in flight x %g = %.1f s"
        % (per_batch, BATCH, math.ceil(backlog / BATCH), IN_FLIGHT, a.scale, floor))
    say("drain / floor: %.2f" % (drain_s / floor if floor else 0))
    by = sorted(((k, v["count"]) for k, v in s2["calls"].items()), key=lambda kv: -kv[1])
    say("all calls by model/method (every client): " +
        ", ".join("%s %d" % kv for kv in by[:12]))


if __name__ == "__main__":
    main()
