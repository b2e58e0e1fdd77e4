#!/usr/bin/env bash
# file.read split by byte ranges: bench/file-validate.yaml (NDJSON →
# validator → NDJSON) with `workers: 1` and `workers: 2` on the source, on
# the same input, alternating, ROUNDS times each. The output file is
# removed before each run, outside the timing (truncating the last round's
# 231 MB costs ~0.24 s on ext4). Prints each run's wall and CPU seconds
# (/usr/bin/time), the medians, and the ratios of 2 readers to 1.
# Usage: bash bench/readers.sh [records] [rounds] (default 1000000, 3);
# SLUICE_BIN=dir measures another build, BENCH_IN=file another input,
# BENCH_OUT=dir writes elsewhere than bench/out.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SLUICE_BIN:-.build/release}
N=${1:-1000000}
ROUNDS=${2:-3}
export BENCH_OUT=${BENCH_OUT:-bench/out}
mkdir -p "$BENCH_OUT"
export BENCH_IN=${BENCH_IN:-bench/out/input-$N.ndjson}
if [ ! -s "$BENCH_IN" ]; then
    echo "no input $BENCH_IN: \`python3 bench/bench.py --case file-validate\` makes it (or give BENCH_IN)" >&2
    exit 1
fi
OUTPUT=$BENCH_OUT/file-validate.ndjson
TIMES=$BENCH_OUT/readers-times.txt
: > "$TIMES"
for round in $(seq "$ROUNDS"); do
    for readers in 1 2; do
        rm -f "$OUTPUT"
        sync
        if ! BENCH_READERS=$readers /usr/bin/time -a -o "$TIMES" -f "$readers %e %U %S %M" \
            "$BIN/sluice" run bench/file-validate.yaml --no-progress >/dev/null 2>"$BENCH_OUT/readers-$readers.log"; then
            echo "sluice run failed (workers: $readers); see $BENCH_OUT/readers-$readers.log" >&2
            exit 1
        fi
        lines=$(wc -l < "$OUTPUT")
        echo "round $round, workers: $readers: $(tail -1 "$TIMES" | awk '{printf "wall %s s, CPU %.2f s, peak RSS %d MiB", $2, $3 + $4, $5 / 1024}'), $lines lines written"
    done
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$TIMES" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    readers, wall, user, sys_, rss = line.split()
    runs.setdefault(int(readers), []).append((float(wall), float(user) + float(sys_)))
med = {r: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for r, v in runs.items()}
for r, (wall, cpu) in sorted(med.items()):
    print(f"workers: {r}: median wall {wall:.3f} s, CPU {cpu:.3f} s ({len(runs[r])} runs)")
print(f"2 readers / 1: wall {med[2][0] / med[1][0]:.3f}, CPU {med[2][1] / med[1][1]:.3f}")
PY
