#!/bin/sh
# Ingest benchmark (issue 3): unique, HMAC-signed Refund Triggers posted by
# wrk to `returnbridge serve`, then the same wrk command against nginx
# answering a static 200. Prints rate, latency, peak RSS, the durability
# setting, and the ratio. Usage: bench/ingest/run.sh [SECONDS] [CONNECTIONS]
set -eu
cd "$(dirname "$0")/../.."
DUR=${1:-8}
CONNS=${2:-32}
THREADS=${THREADS:-2}
POOLN=${POOLN:-150000}
sh tools/deps.sh wrk nginx-light python3 >/dev/null
[ -x build/returnbridge ] || make build >/dev/null
W=$(mktemp -d /var/tmp/rb-ingest.XXXXXX)
trap 'kill $RBPID $NGPID 2>/dev/null || true; rm -rf "$W"' EXIT
RBPID=""; NGPID=""
SECRET=bench-secret
python3 bench/ingest/gen_pool.py "$POOLN" "$SECRET" "$W/pool.tsv"

cat > "$W/rb.ini" <<INI
[server]
port = 0
threads = ${RB_THREADS:-8}
[log]
level = warn
[store]
path = $W/rb.db
synchronous = ${SYNC:-full}
[webhook.refund_trigger]
auth = hmac
hmac_secret = $SECRET
INI
./build/returnbridge serve -c "$W/rb.ini" 2>"$W/rb.log" &
RBPID=$!
sleep 0.5
./build/returnbridge check-config -c "$W/rb.ini" >/dev/null
# the port is logged at info; we run at warn (a line per return costs), so
# find it from the socket
PORT=$(ss -ltnp 2>/dev/null | sed -n "s/.*127.0.0.1:\([0-9]*\).*pid=$RBPID,.*/\1/p" | head -n 1)
[ -n "$PORT" ] || { echo "bench: returnbridge did not start"; cat "$W/rb.log"; exit 1; }

run_wrk() { # URL OUT
	POOL="$W/pool.tsv" THREADS=$THREADS wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency \
		-s bench/ingest/ingest.lua "$1" > "$2"
}
field() { # FILE PATTERN -> value
	awk -v p="$2" '$1 == p { print $2 }' "$1" | head -n 1
}

run_wrk "http://127.0.0.1:$PORT" "$W/rb.wrk"
RSS=$(awk '/VmHWM/ { print $2 " " $3 }' /proc/$RBPID/status)
kill -TERM $RBPID; wait $RBPID || true; RBPID=""
STORED=$(sqlite3 "$W/rb.db" "select count(*) from events")
NON2XX=$(awk '/Non-2xx/ { print $NF }' "$W/rb.wrk")

mkdir -p "$W/ng/logs"
cat > "$W/ng/nginx.conf" <<NG
worker_processes auto;
error_log $W/ng/logs/error.log;
pid $W/ng/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $W/ng/body;
    server {
        listen 127.0.0.1:18089;
        location / { return 200 "ok"; }
    }
}
NG
nginx -p "$W/ng" -c "$W/ng/nginx.conf" -g 'daemon off;' &
NGPID=$!
sleep 0.5
run_wrk "http://127.0.0.1:18089" "$W/ng.wrk"
kill -TERM $NGPID; wait $NGPID 2>/dev/null || true; NGPID=""

RB_RPS=$(field "$W/rb.wrk" "Requests/sec:")
NG_RPS=$(field "$W/ng.wrk" "Requests/sec:")
echo "ingest benchmark ($(nproc) cores; wrk and the server share them)"
echo "  load:        wrk -t$THREADS -c$CONNS -d${DUR}s --latency, $POOLN unique HMAC-signed Refund Triggers"
if [ "${SYNC:-full}" = full ]; then
	DURA="synchronous=FULL: each acknowledged event is on disk (fdatasync per group commit)"
else
	DURA="synchronous=NORMAL: survives a crash of returnbridge; a power cut can lose commits since the last WAL checkpoint"
fi
echo "  durability:  sqlite WAL, $DURA; db on $(df -P "$W" | awk 'NR==2 {print $1}')"
echo "  returnbridge: $RB_RPS req/s  p50 $(field "$W/rb.wrk" "50%")  p99 $(field "$W/rb.wrk" "99%")  peak RSS $RSS"
echo "                $STORED events stored (one per request: no duplicates); non-2xx: ${NON2XX:-0}"
echo "  nginx static: $NG_RPS req/s  p50 $(field "$W/ng.wrk" "50%")  p99 $(field "$W/ng.wrk" "99%")  (worker_processes auto)"
echo "  ratio:        $(awk -v a="$RB_RPS" -v b="$NG_RPS" 'BEGIN { printf "%.2f", a / b }') of nginx (target >= 0.50)"
