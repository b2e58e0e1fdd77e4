#!/usr/bin/env bash
# Per-batch cost of a plugin call against a stage's time per batch.
# The same records go through faker → the C pass-through example plugin
# (SDK/examples/c-pass, forward only) → discard, once in batches of 4096 and
# once in batches of 64. The extra time divided by the extra batches is what
# one batch costs (the ABI call plus the engine's hand-off), whatever the
# records cost. Usage: bash bench/overhead.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-2000000}
make -s -C SDK/examples/c-pass >/dev/null
run() {  # batch size → seconds
    local t0
    t0=$(now)
    BENCH_N=$N BENCH_BATCH=$1 taskset -c 0 $BIN/sluice run bench/overhead.yaml --no-progress \
        --plugin-path SDK/examples/c-pass 2>/dev/null
    python3 -c "print($(now) - $t0)"
}
big=$(run 4096)
small=$(run 64)
python3 - "$N" "$big" "$small" <<'PY'
import sys
n, big, small = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
batches_big, batches_small = n / 4096, n / 64
per_batch = (small - big) / (batches_small - batches_big)
stage_per_batch = big / batches_big
print(f"records: {n}, one core")
print()
print("| batch size | seconds | batches |")
print("|---|---|---|")
print(f"| 4096 | {big:.3f} | {batches_big:,.0f} |")
print(f"| 64 | {small:.3f} | {batches_small:,.0f} |")
print()
print(f"per-batch cost: {per_batch * 1e6:.1f} µs; pipeline time per 4096-record batch: {stage_per_batch * 1e6:.0f} µs;"
      f" overhead at 4096: {per_batch / stage_per_batch * 100:.2f}%")
PY
