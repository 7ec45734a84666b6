#!/bin/sh
# make demo: run returnbridge on its embedded SQLite default and show it
# answering. With --once it runs the walk-through and exits (for scripted
# checks); without, it keeps serving until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
once=0
for a in "$@"; do
	case "$a" in
	--once) once=1 ;;
	-h|--help) echo "usage: make demo [ARGS=--once]"; exit 0 ;;
	*) echo "demo: unknown argument $a (try ARGS=--once)" >&2; exit 2 ;;
	esac
done

RB="$PWD/build/returnbridge"
DIR="$PWD/.demo"
PORT="${DEMO_PORT:-0}"
mkdir -p "$DIR"
rm -f "$DIR"/returnbridge.db "$DIR"/returnbridge.db-wal "$DIR"/returnbridge.db-shm  # each demo starts afresh
cat > "$DIR/returnbridge.ini" <<INI
; written by make demo: the embedded default (SQLite) on loopback
[server]
listen = 127.0.0.1
port = $PORT
[log]
level = info
[store]
path = returnbridge.db
raw_body_retention_days = 30
; Rebound signs tracking updates (HMAC-SHA256 over "<timestamp>.<body>")
; and sends a static token with refund triggers
[webhook.tracking]
auth = hmac
hmac_secret = demo-signing-secret
timestamp_header = X-Rebound-Timestamp
[webhook.refund_trigger]
auth = token
token = demo-token
INI

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. check the configuration"
"$RB" check-config -c "$DIR/returnbridge.ini"

step "2. start the daemon (log: .demo/returnbridge.log)"
: > "$DIR/returnbridge.log"
"$RB" serve -c "$DIR/returnbridge.ini" 2>>"$DIR/returnbridge.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT INT TERM
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$DIR/returnbridge.log" | tail -n 1)
	[ -n "$port" ] && break
	kill -0 $pid 2>/dev/null || { cat "$DIR/returnbridge.log"; exit 1; }
	sleep 0.1
done
[ -n "$port" ] || { echo "demo: daemon did not start"; cat "$DIR/returnbridge.log"; exit 1; }
cat "$DIR/returnbridge.log"

step "3. it answers: liveness and readiness (store reachable)"
echo "GET /healthz -> $(curl -fsS "http://127.0.0.1:$port/healthz")"
echo "GET /readyz  -> $(curl -fsS "http://127.0.0.1:$port/readyz")"

step "4. reload the configuration without a restart (SIGHUP)"
kill -HUP $pid
sleep 0.3
tail -n 2 "$DIR/returnbridge.log"

DATA="$PWD/tests/data/rebound"
URL="http://127.0.0.1:$port"
# post PATH FILE [curl args...]: send a notification, print the answer
post() {
	path=$1; file=$2; shift 2
	printf '%-34s -> ' "$(basename "$file")"
	curl -sS -H 'Content-Type: application/json' "$@" --data-binary "@$file" "$URL$path"
}
# signed FILE [SECRET]: the HMAC headers Rebound would send
signed() {
	ts=$(date +%s)
	sig=$({ printf '%s.' "$ts"; cat "$1"; } | openssl dgst -sha256 -hmac "${2:-demo-signing-secret}" -hex | sed 's/.* //')
	echo "-H X-Rebound-Timestamp:$ts -H X-Rebound-Signature:$sig"
}

step "5. Rebound sends notifications for return (00)340434181234567890 (order SO0042)"
# shellcheck disable=SC2046
post /rebound/tracking "$DATA/tracking-return-order-created.json" $(signed "$DATA/tracking-return-order-created.json")
post /rebound/refund-trigger "$DATA/refund-trigger-example.json" -H 'X-Rebound-Token: demo-token'
# shellcheck disable=SC2046
post /rebound/tracking "$DATA/tracking-arrived-at-hub.json" $(signed "$DATA/tracking-arrived-at-hub.json")
echo "-- Rebound retries the refund trigger (a duplicate: acknowledged, nothing changes)"
post /rebound/refund-trigger "$DATA/refund-trigger-example.json" -H 'X-Rebound-Token: demo-token'
echo "-- a notification signed with the wrong secret (refused, counted, not stored)"
# shellcheck disable=SC2046
post /rebound/tracking "$DATA/tracking-delivered-graded.json" $(signed "$DATA/tracking-delivered-graded.json" wrong-secret)
echo "-- a refund trigger with quantity \"1.5\" (stored, parked for a person: retrying cannot fix it)"
post /rebound/refund-trigger "$DATA/refund-trigger-bad-quantity.json" -H 'X-Rebound-Token: demo-token'
echo "-- the delivered update, correctly signed this time"
# shellcheck disable=SC2046
post /rebound/tracking "$DATA/tracking-delivered-graded.json" $(signed "$DATA/tracking-delivered-graded.json")
sleep 0.6

step "6. what was stored: returnbridge events"
"$RB" events -c "$DIR/returnbridge.ini"

step "7. what was refused: returnbridge events --rejected"
"$RB" events -c "$DIR/returnbridge.ini" --rejected

step "8. one return, as customer support sees it: returnbridge status"
"$RB" status -c "$DIR/returnbridge.ini" "(00)340434181234567890"

step "9. an account on Rebound's older API (no notifications): backfill from the API"
# the Rebound emulator plays that account (scenario: three returns, one of
# them never notified, one cancelled); a separate store keeps the stories apart
"$PWD/build/rebound-emu" --scenario tests/data/rebound/scenarios/basic.json --port 0 \
	> "$DIR/rebound-emu.log" 2>&1 &
emupid=$!
trap 'kill -TERM $pid $emupid 2>/dev/null || true' EXIT INT TERM
emuport=""
for _ in $(seq 1 50); do
	emuport=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$DIR/rebound-emu.log" | head -n 1)
	[ -n "$emuport" ] && break
	sleep 0.1
done
rm -f "$DIR"/legacy.db "$DIR"/legacy.db-wal "$DIR"/legacy.db-shm "$DIR"/legacy.db-ratelimit
cat > "$DIR/legacy.ini" <<INI
[log]
level = warn
[store]
path = legacy.db
[rebound]
api = legacy
legacy_url = http://127.0.0.1:$emuport/api
legacy_login = acme
legacy_api_key = k-legacy-1
INI
since=$(date -u -d '30 days ago' +%Y-%m-%d)
"$RB" backfill -c "$DIR/legacy.ini" --since "$since" --progress lines
echo "-- run again: it remembers what it pulled and stores nothing twice"
"$RB" backfill -c "$DIR/legacy.ini" --since "$since" --progress lines
"$RB" events -c "$DIR/legacy.ini"
"$RB" status -c "$DIR/legacy.ini" 118238
kill -TERM $emupid 2>/dev/null || true
wait $emupid 2>/dev/null || true
trap 'kill -TERM $pid 2>/dev/null || true' EXIT INT TERM

step "10. a day of returns: Rebound returns become Odoo return pickings, checked credit notes and refunds (against odoo-emu)"
ODOO_EMU_BIN="$PWD/build/odoo-emu" /usr/bin/python3 tools/demo_day.py "$DIR"

if [ "$once" -eq 1 ]; then
	step "11. graceful stop (SIGTERM)"
	kill -TERM $pid
	wait $pid
	trap - EXIT INT TERM
	tail -n 2 "$DIR/returnbridge.log"
	echo "demo: done"
	exit 0
fi

step "serving on http://127.0.0.1:$port — Ctrl-C to stop"
tail -n 0 -f "$DIR/returnbridge.log" &
tailpid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; kill $tailpid 2>/dev/null; exit 0' INT TERM
wait $pid
kill $tailpid 2>/dev/null || true
