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

step "5. what the store holds (empty until Rebound intake lands)"
"$RB" events -c "$DIR/returnbridge.ini"
"$RB" status -c "$DIR/returnbridge.ini" "(00)DEMO-RETURN" || true

if [ "$once" -eq 1 ]; then
	step "6. graceful stop (SIGTERM)"
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
