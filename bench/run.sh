#!/usr/bin/env bash
# Throughput of the foundation pipelines, pinned to one core, against `cat`
# of an equal NDJSON file to /dev/null measured in the same run (the upper
# bound for moving these bytes). Prints a Markdown table; results are
# recorded in bench/RESULTS.md. Usage: bash bench/run.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-${N:-1000000}}
CORE="taskset -c 0"
command -v taskset >/dev/null || CORE=""

seconds() { python3 -c "print(f'{$2 - $1:.3f}')"; }

# The input the file-reading cases and `cat` use: the same records faker makes.
make_input "$N"
BYTES=$(stat -c %s "$OUT/input.ndjson")

t0=$(now); $CORE cat "$OUT/input.ndjson" > /dev/null; t1=$(now)
CAT=$(seconds "$t0" "$t1")

run_case() {
    local t0 t1
    t0=$(now)
    $CORE $BIN/sluice run "bench/$1.yaml" --no-progress 2>"$OUT/$1.log"
    t1=$(now)
    seconds "$t0" "$t1"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), pinned to one core: ${CORE:-no}"
echo "records: $N, NDJSON bytes: $BYTES ($((BYTES / N)) bytes/record)"
echo
echo "| case | seconds | records/s | MB/s (NDJSON equivalent) | vs cat |"
echo "|---|---|---|---|---|"
row() {
    python3 - "$1" "$2" "$N" "$BYTES" "$CAT" <<'PY'
import sys
name, s, n, b, cat = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f"| {name} | {s:.3f} | {n/s:,.0f} | {b/s/1e6:,.1f} | {cat/s:.3f} |")
PY
}
row "cat input.ndjson > /dev/null (baseline)" "$CAT"
for c in faker-discard faker-validate-discard faker-null faker-validate-null file-validate-null; do
    row "$c" "$(run_case $c)"
done
