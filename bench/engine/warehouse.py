#!/usr/bin/env python3
"""A simulated warehouse: the human Odoo users who receive returns. It
finds incoming return pickings in state assigned whose origin starts with
"RB " (returnbridge's) and validates them in batches, as
odoo_scenario.validate_pickings does (one stock.move search_read, the
writes of quantity/picked, one button_validate with skip_sms and
skip_backorder). Its calls carry User-Agent "warehouse-sim", so the
emulator's /emu/stats tells them from returnbridge's.

  warehouse.py --url http://127.0.0.1:PORT [--profile 17] [--batch 20]
               [--short-every K] [--to-stock-every K] [--idle-exit S]

--short-every K: every K-th picking receives one unit less on its first
line of 2 or more; --to-stock-every K: every K-th picking's first line
goes to WH/Stock (a damaged item put into sellable stock). Runs until
SIGINT, or until nothing came for --idle-exit seconds."""
import argparse
import os
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integ", "odoo"))
from odoo_emu import Emulator  # noqa: E402
from odoo_scenario import find, validate_pickings  # noqa: E402

USER_AGENT = "warehouse-sim"
WAITING = [["picking_type_code", "=", "incoming"], ["state", "=", "assigned"],
           ["origin", "=like", "RB %"]]


def client(url, profile, tmp):
    """An emulator client (no process of its own) for url."""
    emu = Emulator(profile, tmp, user_agent=USER_AGENT)
    emu.port = int(url.rstrip("/").rsplit(":", 1)[1])
    return emu


class Warehouse:
    """Validates returnbridge's return pickings as they come; run() in a
    thread, stop() to end. validated counts pickings, rounds the batches."""

    def __init__(self, emu, batch=20, interval=0.2, short_every=0, to_stock_every=0):
        self.emu, self.batch, self.interval = emu, batch, interval
        self.short_every, self.to_stock_every = short_every, to_stock_every
        self.validated = self.rounds = 0
        self.last_work = time.monotonic()
        self._stop = threading.Event()
        self._stock = None
        self._seen = 0   # pickings numbered in the order they were validated

    def stop(self):
        self._stop.set()

    def stock(self):
        if self._stock is None:
            self._stock = find(self.emu, "stock.location", [["complete_name", "=", "WH/Stock"]],
                               fields=["id"])[0]["id"]
        return self._stock

    def once(self):
        """One round: validate up to batch waiting pickings. Answers how many."""
        picks = [p["id"] for p in find(self.emu, "stock.picking", WAITING, fields=["id"],
                                       limit=self.batch, order="id")]
        if not picks:
            return 0
        nth = {p: self._seen + i + 1 for i, p in enumerate(picks)}
        short, to_stock, done = set(), set(), set()
        moves = find(self.emu, "stock.move", [["picking_id", "in", picks]],
                     fields=["picking_id", "product_uom_qty"], order="id") \
            if self.short_every or self.to_stock_every else []
        for mv in moves:   # the first line (of 2 or more) of every K-th picking
            p = mv["picking_id"][0]
            if self.short_every and nth[p] % self.short_every == 0 and \
                    ("short", p) not in done and mv["product_uom_qty"] >= 2:
                short.add(mv["id"])
                done.add(("short", p))
            if self.to_stock_every and nth[p] % self.to_stock_every == 0 and \
                    ("stock", p) not in done:
                to_stock.add(mv["id"])
                done.add(("stock", p))
        validate_pickings(
            self.emu, picks,
            qty=lambda mv: mv["product_uom_qty"] - (1 if mv["id"] in short else 0),
            dest=lambda mv: self.stock() if mv["id"] in to_stock else None)
        self._seen += len(picks)
        self.validated += len(picks)
        self.rounds += 1
        self.last_work = time.monotonic()
        return len(picks)

    def run(self):
        while not self._stop.is_set():
            if self.once() < self.batch:
                self._stop.wait(self.interval)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--profile", default="17", choices=("17", "18"))
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--short-every", type=int, default=0)
    ap.add_argument("--to-stock-every", type=int, default=0)
    ap.add_argument("--idle-exit", type=float, default=0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        w = Warehouse(client(a.url, a.profile, tmp), a.batch, a.interval,
                      a.short_every, a.to_stock_every)
        try:
            while True:
                if w.once() < a.batch:
                    if a.idle_exit and time.monotonic() - w.last_work > a.idle_exit:
                        break
                    time.sleep(a.interval)
        except KeyboardInterrupt:
            pass
    print("warehouse-sim: %d pickings validated in %d rounds" % (w.validated, w.rounds))


if __name__ == "__main__":
    main()
