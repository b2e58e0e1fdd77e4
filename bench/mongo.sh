#!/usr/bin/env bash
# The mongodb sink against a minimal C libmongoc bulk-insert loop: the same
# NDJSON documents, the same batch size, the same nx-27017 server, one run.
# Also reports how much of the CPU time the server used in each case.
# Usage: bash bench/mongo.sh [records] [batch]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-20000}
BATCH=${2:-1000}
export BENCH_BATCH=$BATCH
make_input "$N"
cc -O2 -o "$OUT/mongo_baseline" bench/mongo_baseline.c $(pkg-config --cflags --libs libmongoc-1.0)

PORT=$(free_port)
DATA=$(mktemp -d)
.venv/bin/nx-27017 --data-dir "$DATA" --host 127.0.0.1 -p "$PORT" --log-file "$OUT/nx.log" --pid-file "$DATA/pid" >"$OUT/nx.out" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
wait_port "$PORT"
export BENCH_URI="mongodb://127.0.0.1:$PORT"

cpu() { awk '{print $14 + $15}' /proc/$SERVER/stat; }
ticks=$(getconf CLK_TCK)
measure() {  # name, command...
    local name=$1; shift
    local c0 t0 t1 c1
    c0=$(cpu); t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$OUT/$name.err"
    t1=$(date +%s.%N); c1=$(cpu)
    python3 -c "
s=$t1-$t0; server=($c1-$c0)/$ticks
print(f'| $name | {s:.2f} | {$N/s:,.0f} | {server/s*100:.0f}% |')"
}
echo "records: $N, batch: $BATCH, server: nx-27017 on 127.0.0.1"
echo
echo "| case | seconds | docs/s | server CPU (share of one core) |"
echo "|---|---|---|---|"
measure "C libmongoc loop (baseline)" "$OUT/mongo_baseline" "$BENCH_URI" bench c_loop "$OUT/input.ndjson" "$BATCH"
measure "sluice file.read → mongodb.write" .build/release/sluice run bench/mongo-sink.yaml --no-progress
