#!/usr/bin/env bash
# Validation cost per record (bench schema, and a 40-property nested schema
# with $refs and unevaluatedProperties): Sluice's isValid on BSON, then
# jsonschema-rs through its Python binding on the same documents, both on one
# core, alternating RUNS times (a loaded machine moves single runs: read each
# run's ratio, and the medians).
# Usage: RUNS=3 bash bench/schema.sh [records]   (needs `make test-servers` for jsonschema-rs)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-20000}
swift build -c release --product SchemaBench >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "${RUNS:-3}"); do
    echo "run $run:"
    taskset -c 0 $BIN/SchemaBench --records "$N" --export "$OUT"
    taskset -c 0 .venv/bin/python bench/schema_peer.py "$OUT/schema-beach.json" "$OUT/schema-nested.json"
done
