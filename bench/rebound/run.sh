#!/bin/sh
# Rebound backfill benchmark (issue 4), against build/rebound-emu:
#  1. throughput: `returnbridge backfill` of N generated returns (default
#     2000, two legacy calls each: returns/get + tracking/get, plus one
#     returns/search per 7-day window) with the rate limit off: returns/s;
#  2. the rate limit: the same backfill with the default limit (150 calls
#     per 60 s) for LIMITED_S seconds (default 130, so two whole minutes),
#     then the emulator's own count of calls per minute and the most calls
#     it saw in any sliding 60 s window.
# Usage: bench/rebound/run.sh [LIMITED_S]      (N=... for another size)
set -eu
cd "$(dirname "$0")/../.."
LIMITED_S=${1:-130}
N=${N:-2000}
[ -x build/returnbridge ] && [ -x build/rebound-emu ] || make build >/dev/null
W=$(mktemp -d /var/tmp/rb-rebound.XXXXXX)
EMUPID=""
trap 'kill $EMUPID 2>/dev/null || true; rm -rf "$W"' EXIT

cat > "$W/scenario.json" <<JSON
{ "credentials": { "login": "acme", "api_key": "k-legacy-1" },
  "generate": { "count": $N, "from_unix": 1788220800, "days": 60, "status": "Delivered" } }
JSON

start_emu() {
	./build/rebound-emu --scenario "$W/scenario.json" --port 0 > "$W/emu.out" 2>"$W/emu.err" &
	EMUPID=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		URL=$(sed -n 's/^rebound-emu listening on //p' "$W/emu.out")
		[ -n "$URL" ] && return 0
		sleep 0.1
	done
	echo "bench: rebound-emu did not start"; cat "$W/emu.err"; exit 1
}
stop_emu() { kill "$EMUPID"; wait "$EMUPID" 2>/dev/null || true; EMUPID=""; }
config() { # DB RATE_LIMIT_CALLS
	cat > "$W/rb.ini" <<INI
[log]
level = warn
[store]
path = $W/$1
[rebound]
api = legacy
legacy_url = $URL/api
legacy_login = acme
legacy_api_key = k-legacy-1
rate_limit_calls = $2
INI
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "== rebound backfill benchmark ($(nproc) CPUs, $(uname -sr), store synchronous=$(./build/returnbridge check-config --keys --json | json "[k['default'] for k in d if k['key']=='store.synchronous'][0] if any(k['key']=='store.synchronous' for k in d) else 'full'"))"

# 1. throughput, no limit
start_emu
config free.db 0
CMD="returnbridge backfill --since 2026-09-01 --until 2026-10-31 --progress none --json (rebound.rate_limit_calls = 0)"
./build/returnbridge backfill -c "$W/rb.ini" --since 2026-09-01 --until 2026-10-31 --progress none --json > "$W/free.json" 2>"$W/free.err"
CALLS=$(curl -s "$URL/_emu/stats" | json "d['calls_total']")
stop_emu
echo "command:    $CMD"
json "'throughput: %d returns in %.2f s = %.0f returns/s (%d bodies stored), %s calls to Rebound' % (d['returns'], d['seconds'], d['returns_per_s'], d['accepted'], '$CALLS')" < "$W/free.json"

# 2. the default rate limit, for LIMITED_S seconds
start_emu
config limited.db 150
echo "command:    returnbridge backfill ... with rebound.rate_limit_calls = 150, rate_limit_window_s = 60 (defaults), stopped after ${LIMITED_S} s"
./build/returnbridge backfill -c "$W/rb.ini" --since 2026-09-01 --until 2026-10-31 --progress none --json > "$W/limited.json" 2>/dev/null &
BFPID=$!
sleep "$LIMITED_S"
kill -INT "$BFPID"; wait "$BFPID" 2>/dev/null || true
curl -s "$URL/_emu/stats?window_s=60" > "$W/stats.json"
stop_emu
json "'limited:    %d calls in %d s; calls per minute (emulator clock): %s; most in any 60 s window: %d (limit 150)' % (d['calls_total'], $LIMITED_S, d['per_minute'], d['max_in_any_window'])" < "$W/stats.json"
json "'            ' + ('OK: never above the limit' if d['max_in_any_window'] <= 150 else 'EXCEEDED')" < "$W/stats.json"
