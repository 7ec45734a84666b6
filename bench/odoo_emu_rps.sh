#!/bin/sh
# Requests/s of odoo-emu on loopback with no injected latency, measured with
# wrk (Debian package) on three calls after the recorded setup has been
# replayed (so reads touch the scenario's records):
#   version      common.version
#   search_read  sale.order.line search_read of the order's 3 lines, 14 fields
#   write        stock.move write (quantity): snapshot, write, recompute
# Usage: bench/odoo_emu_rps.sh [profile]   (env: DURATION=10s CONNS=8 THREADS=2
#        ODOO_EMU_BIN=build/odoo-emu)
set -eu
cd "$(dirname "$0")/.."
PROFILE=${1:-17}
BIN=${ODOO_EMU_BIN:-build/odoo-emu}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench: $BIN missing (make build)" >&2; exit 1; }

tmp=$(mktemp -d)
"$BIN" --profile "$PROFILE" --seed "tests/data/odoo/seed-$PROFILE.json" --port 0 \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
port=
for _ in $(seq 50); do
	port=$(sed -n 's/^odoo-emu listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "bench: odoo-emu did not start" >&2; cat "$tmp/err" >&2; exit 1; }

# replay (and check) the recorded setup, then write one wrk script per call
PYTHONPATH=tests/integ/odoo python3 - "$PROFILE" "$port" "$tmp" <<'PY'
import json, sys
from odoo_emu import Emulator
from contract import Replay, load_steps
profile, port, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
emu = Emulator(profile, tmp)
emu.port = port
r = Replay(profile, emu)
for s in load_steps(profile):
    if s["step"].startswith("s."):
        r.run(s)
so = emu.execute("sale.order", "search", [["client_order_ref", "=", "RB-SHOP-ORDER-1001"]])["result"][0]
mv = emu.execute("stock.move", "search", [])["result"][0]
kw = lambda m, meth, args, k: {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
    "service": "object", "method": "execute_kw",
    "args": ["rbtest", 2, "admin", m, meth, args, k]}}
calls = {
    "version": {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": "common", "method": "version", "args": []}},
    "search_read": kw("sale.order.line", "search_read", [[["order_id", "=", so]]], {"fields": [
        "product_id", "name", "product_uom_qty", "qty_delivered", "qty_invoiced",
        "price_unit", "discount", "tax_id", "price_subtotal", "price_tax", "price_total",
        "currency_id", "invoice_lines", "move_ids"], "order": "sequence, id"}),
    "write": kw("stock.move", "write", [[mv], {"quantity": 3.0}], {}),
}
for name, body in calls.items():
    with open("%s/%s.lua" % (tmp, name), "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                "wrk.body = [==[%s]==]\n" % json.dumps(body))
PY

echo "odoo-emu $PROFILE on loopback, wrk -t$THREADS -c$CONNS -d$DURATION"
for call in version search_read write; do
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$tmp/$call.lua" \
		"http://127.0.0.1:$port/jsonrpc")
	rps=$(echo "$out" | sed -n 's/^Requests\/sec: *//p')
	lat=$(echo "$out" | sed -n 's/^ *Latency *\([^ ]*\).*/\1/p')
	errs=$(echo "$out" | sed -n 's/^ *Non-2xx or 3xx responses: *//p')
	printf '%-12s %10s req/s   mean latency %s%s\n' "$call" "$rps" "$lat" \
		"${errs:+   NON-2XX: $errs}"
done
