#!/usr/bin/env bash
# The elasticsearch sink against curl posting the same documents as
# pre-built _bulk bodies (1,000 documents each) over one keep-alive
# connection, to the same noida-db server, in one run.
# Usage: bash bench/elasticsearch.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-50000}
make_input "$N"

PORT=$(free_port)
DATA=$(mktemp -d)
.venv/bin/noida-db-server start --data-dir "$DATA" --host 127.0.0.1 --only elasticsearch --elasticsearch-port "$PORT" >"$OUT/noida.log" 2>&1 &
SERVER=$!
trap 'kill -9 $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
wait_port "$PORT"
export BENCH_ES="http://127.0.0.1:$PORT"
# Same mapping for both indexes (noida-db would guess "date" for RawData).
curl -s -XPUT "$BENCH_ES/_index_template/bench" -H 'Content-Type: application/json' \
  -d '{"index_patterns":["bench-*"],"template":{"mappings":{"date_detection":false,"properties":{"RawData":{"type":"keyword"}}}}}' >/dev/null

# Bulk bodies for curl: the same documents, 1,000 per request.
rm -f "$OUT"/bulk-*.ndjson
python3 - "$OUT/input.ndjson" "$OUT" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for n in range(0, len(lines), 1000):
    with open(f"{sys.argv[2]}/bulk-{n // 1000:05d}.ndjson", "w") as f:
        for line in lines[n:n + 1000]:
            doc = json.loads(line)
            doc["TimeStamp"] = doc["TimeStamp"]["$date"]
            f.write('{"index":{"_index":"bench-curl"}}\n' + json.dumps(doc, separators=(",", ":")) + "\n")
PY
args=()
first=1
for f in "$OUT"/bulk-*.ndjson; do
    [ $first = 1 ] || args+=(--next)
    first=0
    args+=(-s -o /dev/null -H 'Content-Type: application/x-ndjson' --data-binary "@$f" "$BENCH_ES/_bulk")
done
t0=$(now); curl "${args[@]}"; t1=$(now)
t2=$(now); .build/release/sluice run bench/elasticsearch-sink.yaml --no-progress 2>"$OUT/es-sink.err"; t3=$(now)
curl -s -XPOST "$BENCH_ES/_refresh" >/dev/null
python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$(curl -s "$BENCH_ES/bench-curl/_count")" "$(curl -s "$BENCH_ES/bench-sluice/_count")" <<'PY'
import json, sys
n = int(sys.argv[1]); t0, t1, t2, t3 = map(float, sys.argv[2:6])
cc, sc = json.loads(sys.argv[6])["count"], json.loads(sys.argv[7])["count"]
c, s = t1 - t0, t3 - t2
print(f"records: {n}, 1,000 per bulk request, server: noida-db on 127.0.0.1")
print()
print("| case | seconds | docs/s | indexed | Sluice / curl |")
print("|---|---|---|---|---|")
print(f"| curl, pre-built bulk bodies (baseline) | {c:.2f} | {n/c:,.0f} | {cc} | |")
print(f"| sluice file.read → elasticsearch.write | {s:.2f} | {n/s:,.0f} | {sc} | {c/s:.2f} |")
PY
