#!/usr/bin/env bash
# The forecaster's models on 10,000 keys: updates/s for holt-winters and auto
# against a loop that only reads the same fields of the same BSON records, then
# River's online Holt-Winters (one model per key in a dict, learn + one-step
# forecast per record) on the same records, exported as CSV, with one-step MAE
# side by side. Everything pinned to one core.
# Usage: bash bench/forecaster.sh [keys] [hourly steps]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
KEYS=${1:-10000}
STEPS=${2:-168}
swift build -c release --product ForecasterBench >/dev/null
# River only for this bench, in its own venv.
VENV_BENCH=bench/out/river-venv
[ -x $VENV_BENCH/bin/python ] || python3 -m venv $VENV_BENCH
$VENV_BENCH/bin/python -c 'import river' 2>/dev/null || $VENV_BENCH/bin/pip install -q --disable-pip-version-check river
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr)"
taskset -c 0 $BIN/ForecasterBench --keys "$KEYS" --steps "$STEPS" --export "$OUT/forecaster-records.csv"
taskset -c 0 $VENV_BENCH/bin/python bench/forecaster_river.py "$OUT/forecaster-records.csv"
