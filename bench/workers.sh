#!/usr/bin/env bash
# The validator stage at 1 and 2 workers (`workers: N`) on the same input
# (bench/workers.yaml: faker readings → validator → file.discard), and
# faker → file.discard alone: the ceiling the source and sink leave. Each
# case runs ROUNDS times, alternating, and the best run counts (other load
# on the machine only ever slows a run down). Prints records/s for each and
# the ratio of 2 workers to 1. Usage: bash bench/workers.sh [records] [rounds]
# (default 1000000, 3); SLUICE_BIN=dir measures another build. On a machine
# shared with other work the ratio says more about the other work: as root,
# `chrt -r 10 bash bench/workers.sh` gives the runs the cores first.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
BIN=${SLUICE_BIN:-.build/release}
export BENCH_N=${1:-1000000}
ROUNDS=${2:-3}

# Seconds of one run of bench/workers.yaml at $1 workers (0: no validator).
run_once() {
    local manifest=bench/workers.yaml start end
    if [ "$1" = 0 ]; then
        manifest=$OUT/workers-ceiling.yaml
        sed -n '/^sources:/,/^processors:/p' bench/workers.yaml | sed '$d' > "$manifest"
        printf 'sinks:\n  null: {use: file.discard, inputs: [gen]}\n' >> "$manifest"
    fi
    start=$(date +%s.%N)
    if ! BENCH_WORKERS=$1 $BIN/sluice run "$manifest" --no-progress 2>"$OUT/workers-$1.log"; then
        echo "sluice run $manifest failed (workers: $1); see $OUT/workers-$1.log" >&2
        return 1
    fi
    end=$(date +%s.%N)
    python3 -c "print($end - $start)"
}

declare -A best
for _ in $(seq "$ROUNDS"); do
    for w in 1 2 0; do
        t=$(run_once "$w") || exit 1
        if [ -z "${best[$w]:-}" ] || python3 -c "import sys; sys.exit(0 if $t < ${best[$w]} else 1)"; then best[$w]=$t; fi
    done
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$BENCH_N" "${best[1]}" "${best[2]}" "${best[0]}" <<'PY'
import sys
n, one, two, ceiling = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"records: {n:,}, best of the rounds")
print(f"validator, 1 worker:         {one:7.3f} s  {n / one:12,.0f} records/s")
print(f"validator, 2 workers:        {two:7.3f} s  {n / two:12,.0f} records/s")
print(f"faker -> discard (ceiling):  {ceiling:7.3f} s  {n / ceiling:12,.0f} records/s")
print(f"2 workers / 1 worker: {one / two:.2f}x")
PY
