#!/usr/bin/env python3
"""What batching saves on the emulator's cost model, as on a real Odoo:
20 credit notes created and posted one call each, then 20 in one call each
(account.move create + action_post), with the measured defaults
(--cost 17|18) scaled by --cost-scale. Prints wall ms scaled back to Odoo
ms, and /emu/stats's view.
Usage: bench/odoo_emu_costs.py [17|18] [scale]   (ODOO_EMU_BIN=...)"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("ODOO_EMU_BIN") or os.path.join(ROOT, "build", "emulators", "odoo-emu")
profile = sys.argv[1] if len(sys.argv) > 1 else "17"
scale = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1
N = 20

proc = subprocess.Popen([BIN, "--profile", profile, "--seed",
                         os.path.join(ROOT, "tests", "data", "odoo", "seed-%s.json" % profile),
                         "--port", "0", "--cost", profile, "--cost-scale", str(scale)],
                        stdout=subprocess.PIPE, text=True)
port = int(re.search(r":(\d+) ", proc.stdout.readline()).group(1))


def call(model, method, *args):
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["db", 2, "admin", model, method, list(args), {}]}}).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/jsonrpc" % port, data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        out = json.loads(r.read())
    assert "error" not in out, out
    return out.get("result")


def vals(i):
    return {"move_type": "out_refund", "partner_id": 3, "ref": "bench %d" % i,
            "invoice_line_ids": [[0, 0, {"name": "x", "quantity": 1.0, "price_unit": 10.0}]]}


def timed(fn):
    t = time.monotonic()
    fn()
    return (time.monotonic() - t) * 1000 / scale


try:
    ids = []
    single_create = timed(lambda: ids.extend(call("account.move", "create", vals(i))
                                             for i in range(N)))
    single_post = timed(lambda: [call("account.move", "action_post", [i]) for i in ids])
    batch = []
    batch_create = timed(lambda: batch.extend(call("account.move", "create",
                                                   [vals(i) for i in range(N)])))
    batch_post = timed(lambda: call("account.move", "action_post", batch))
    print("odoo-emu %s, cost model --cost %s --cost-scale %g; Odoo ms per credit note"
          % (profile, profile, scale))
    print("create       one per call %6.0f   batch of %d %6.0f" % (single_create / N, N,
                                                                     batch_create / N))
    print("action_post  one per call %6.0f   batch of %d %6.0f" % (single_post / N, N,
                                                                     batch_post / N))
    with urllib.request.urlopen("http://127.0.0.1:%d/emu/stats" % port) as r:
        st = json.loads(r.read())["calls"]
    for k in ("account.move/create", "account.move/action_post"):
        print("%-26s %s" % (k, json.dumps(st[k])))
finally:
    proc.terminate()
    proc.wait()
