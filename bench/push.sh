#!/usr/bin/env bash
# http-sensor push mode under load: wrk POSTs NDJSON bodies of 10 readings
# over keep-alive connections to the push source (→ file.discard) and, in
# the same run, to nginx answering 202 to every POST (one worker, body read
# and dropped): the upper bound for this client on this machine.
# Usage: bash bench/push.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SECS=${1:-10}
CONNS=${2:-32}
PER=10

BODY=$(for i in $(seq $PER); do printf '{"TimeStamp":"2013-08-30T08:00:00","Beach":"Montrose Beach","WaterTemperature":20.3,"Turbidity":1.18,"BatteryLife":9.4,"MeasurementID":%d}\n' "$i"; done)
cat >"$OUT/push.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$BODY
]]
wrk.headers["Content-Type"] = "application/x-ndjson"
LUA

NGINX_PORT=$(free_port)
mkdir -p "$OUT/nginx"
cat >"$OUT/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $PWD/$OUT/nginx/nginx.pid;
error_log $PWD/$OUT/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $PWD/$OUT/nginx;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / { return 202 '{"accepted":$PER,"duplicates":0}\n'; }
    }
}
CONF
/usr/sbin/nginx -c "$PWD/$OUT/nginx/nginx.conf" -p "$PWD/$OUT/nginx" &
NGINX=$!

PUSH_PORT=$(free_port)
BENCH_PUSH_LISTEN=127.0.0.1:$PUSH_PORT .build/release/sluice run bench/push.yaml --no-progress 2>"$OUT/push-sluice.log" &
SLUICE=$!
trap 'kill $SLUICE $NGINX 2>/dev/null; wait 2>/dev/null' EXIT
wait_port "$NGINX_PORT"
wait_port "$PUSH_PORT"

# Prints "accepted readings/s, p99 latency" for one wrk run against URL $1.
measure() {
    local report
    report=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$OUT/push.lua" "$1")
    echo "$report" >>"$OUT/push-wrk.txt"
    local requests non2xx p99
    requests=$(echo "$report" | awk '/requests in/ {print $1}')
    non2xx=$(echo "$report" | awk '/Non-2xx/ {print $NF}')
    p99=$(echo "$report" | awk '$1 == "99%" {print $2}')
    python3 -c "print(f'{($requests - ${non2xx:-0}) * $PER / $SECS:.0f} {\"$p99\"}')"
}
: >"$OUT/push-wrk.txt"
read -r NGINX_RATE NGINX_P99 < <(measure "http://127.0.0.1:$NGINX_PORT/readings")
read -r SLUICE_RATE SLUICE_P99 < <(measure "http://127.0.0.1:$PUSH_PORT/readings")
python3 - "$NGINX_RATE" "$NGINX_P99" "$SLUICE_RATE" "$SLUICE_P99" "$CONNS" "$SECS" <<'PY'
import sys
nr, np99, sr, sp99, conns, secs = sys.argv[1:]
print(f"push mode, {conns} connections, {secs} s each, 10 readings per POST (wrk -t1):")
print(f"  nginx 202 (upper bound): {int(nr):>9,} readings/s  p99 {np99}")
print(f"  sluice http-sensor.push: {int(sr):>9,} readings/s  p99 {sp99}")
print(f"  ratio: {int(sr) / int(nr):.2f}")
PY
